"""eq_to, le_to and lt_to compare floats in the IEEE total order; checked against a NumPy
reference that maps each float to an integer key with the same order."""

import numpy as np
import pytest

import numax
from numax import lax


def _total_order_key(x):
    """Sign-magnitude bits to two's complement: integer order equals IEEE total order."""
    bits = np.asarray(x, np.float32).view(np.int32).astype(np.int64)
    return np.where(bits < 0, -(bits & 0x7FFFFFFF) - 1, bits)


def _floats():
    quiet_negative_nan = np.array([0xFFC00000], np.uint32).view(np.float32)[0]
    return np.array([np.nan, quiet_negative_nan, -0.0, 0.0, np.inf, -np.inf, 1.0, -2.5,
                     np.float32(1e-45), 3.0], np.float32)


@pytest.mark.parametrize("primitive,reference", [
    (lax.eq_to_p, np.equal), (lax.le_to_p, np.less_equal), (lax.lt_to_p, np.less)])
def test_float_comparisons_follow_the_total_order(primitive, reference):
    values = _floats()
    x, y = np.meshgrid(values, values)
    x, y = x.ravel(), y.ravel()
    want = reference(_total_order_key(x), _total_order_key(y))
    np.testing.assert_array_equal(np.asarray(primitive.bind(x, y)), want)
    staged = numax.jit(lambda a, b: primitive.bind(a, b))(x, y)
    np.testing.assert_array_equal(np.asarray(staged), want)


@pytest.mark.parametrize("primitive,reference", [
    (lax.eq_to_p, np.equal), (lax.le_to_p, np.less_equal), (lax.lt_to_p, np.less)])
def test_integer_comparisons_are_ordinary(primitive, reference):
    rng = np.random.default_rng(0)
    x, y = rng.integers(-3, 3, (2, 20)).astype(np.int32)
    np.testing.assert_array_equal(np.asarray(primitive.bind(x, y)), reference(x, y))
    u, v = rng.integers(0, 255, (2, 20)).astype(np.uint8)
    np.testing.assert_array_equal(np.asarray(primitive.bind(u, v)), reference(u, v))


def test_vmap_and_errors():
    x = _floats().reshape(2, 5)
    got = numax.vmap(lambda a, b: lax.lt_to_p.bind(a, b), in_axes=(0, None))(x, x[1])
    np.testing.assert_array_equal(np.asarray(got),
                                  _total_order_key(x) < _total_order_key(x[1])[None])
    with pytest.raises(TypeError, match="lt_to"):
        lax.lt_to_p.bind(np.ones(2, np.complex64), np.ones(2, np.complex64))
    with pytest.raises(TypeError, match="eq_to"):
        lax.eq_to_p.bind(np.ones(2, np.float32), np.ones(2, np.int32))
