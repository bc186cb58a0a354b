"""Cumulative reductions (numax/lax/cumulative.py) against NumPy's accumulate.

Forward and reversed (checked by flipping the NumPy reference), every axis, integer
and floating dtypes, size-0 axes, infinities and NaNs in cumlogsumexp/cummax, and the
errors bad input raises.
"""

import ml_dtypes
import numpy as np
import pytest

import numax
from numax import lax
from numax.core.errors import NumaxTypeError

RNG = np.random.default_rng(99)


def _random(shape, dtype, low=-3, high=3):
    dtype = np.dtype(dtype)
    if dtype.kind in "iu":
        return RNG.integers(max(low, np.iinfo(dtype).min), high + 1, size=shape).astype(dtype)
    if dtype.kind == "c":
        return (RNG.uniform(low, high, shape) + 1j * RNG.uniform(low, high, shape)).astype(dtype)
    return RNG.uniform(low, high, shape).astype(dtype)


def _accumulate(ufunc):
    def reference(x, axis, reverse):
        if reverse:
            return np.flip(ufunc.accumulate(np.flip(x, axis), axis=axis, dtype=x.dtype), axis)
        return ufunc.accumulate(x, axis=axis, dtype=x.dtype)
    return reference


CASES = [
    ("cumsum", _accumulate(np.add), ["float32", "int32", "uint8", "complex64"], -3, 3),
    ("cumprod", _accumulate(np.multiply), ["float32", "int32"], -2, 2),
    ("cummax", _accumulate(np.maximum), ["float32", "int8", "uint16"], -3, 3),
    ("cummin", _accumulate(np.minimum), ["float32", "int32", "uint8"], -3, 3),
    ("cumlogsumexp", _accumulate(np.logaddexp), ["float32"], -3, 3),
]


@pytest.mark.parametrize("name,reference,dtypes_,low,high", CASES, ids=[c[0] for c in CASES])
def test_cumulative_matches_numpy(name, reference, dtypes_, low, high):
    function = getattr(lax, name)
    for i, dtype in enumerate(dtypes_):
        for shape in [(7,), (3, 4), (2, 3, 4)] if i == 0 else [(3, 5)]:
            x = _random(shape, dtype, low, high)
            for axis in range(len(shape)):
                for reverse in (False, True):
                    got = function(x, axis=axis, reverse=reverse)
                    want = reference(x, axis, reverse)
                    assert got.dtype == x.dtype and got.shape == x.shape
                    message = f"{name} {dtype} {shape} axis={axis} reverse={reverse}"
                    if np.dtype(dtype).kind in "fc":
                        np.testing.assert_allclose(np.asarray(got), want, rtol=1e-5, atol=1e-5,
                                                   err_msg=message)
                    else:
                        np.testing.assert_array_equal(np.asarray(got), want, err_msg=message)


def test_negative_axis_and_default_axis():
    x = _random((3, 4), "float32")
    np.testing.assert_allclose(np.asarray(lax.cumsum(x, axis=-1)), np.cumsum(x, 1), rtol=1e-5,
                               atol=1e-5)
    np.testing.assert_allclose(np.asarray(lax.cumsum(x)), np.cumsum(x, 0), rtol=1e-5, atol=1e-5)
    np.testing.assert_array_equal(np.asarray(lax.cummax(x, -2, True)),
                                  np.flip(np.maximum.accumulate(np.flip(x, 0), 0), 0))


def test_size_zero_axis():
    for name in ("cumsum", "cumprod", "cummax", "cummin", "cumlogsumexp"):
        x = np.zeros((0, 3), np.float32)
        got = getattr(lax, name)(x, axis=0)
        assert got.shape == (0, 3) and got.dtype == np.float32
        got = getattr(lax, name)(np.zeros((2, 0), np.float32), axis=0, reverse=True)
        assert got.shape == (2, 0)


def test_long_axis_is_exact_for_integers_and_close_for_floats():
    x = _random((1000,), "int32", -50, 50)
    np.testing.assert_array_equal(np.asarray(lax.cumsum(x)), np.cumsum(x, dtype=np.int32))
    y = _random((1000,), "float32", 0, 1)
    np.testing.assert_allclose(np.asarray(lax.cumsum(y)), np.cumsum(y.astype(np.float64)),
                               rtol=1e-5, atol=1e-5)


def test_integer_overflow_wraps_like_numpy():
    x = np.full((5,), 100, np.int8)
    np.testing.assert_array_equal(np.asarray(lax.cumsum(x)), np.cumsum(x, dtype=np.int8))
    np.testing.assert_array_equal(np.asarray(lax.cumprod(x)), np.cumprod(x, dtype=np.int8))


def test_cumlogsumexp_infinities_and_nans():
    x = np.array([-np.inf, -np.inf, 1.0, 1.0, 80.0, -np.inf, np.inf, np.inf, 2.0], np.float32)
    np.testing.assert_allclose(np.asarray(lax.cumlogsumexp(x)), np.logaddexp.accumulate(x),
                               rtol=1e-6, atol=1e-5)
    np.testing.assert_allclose(np.asarray(lax.cumlogsumexp(x, reverse=True)),
                               np.logaddexp.accumulate(x[::-1])[::-1], rtol=1e-6, atol=1e-5)
    y = np.array([0.5, np.nan, 1.0], np.float32)
    with np.errstate(invalid="ignore"):
        np.testing.assert_array_equal(np.asarray(lax.cumlogsumexp(y)),
                                      np.logaddexp.accumulate(y))
    big = np.array([1000.0, 1000.0, -1000.0], np.float32)  # exp would overflow: stays finite
    np.testing.assert_allclose(np.asarray(lax.cumlogsumexp(big)),
                               np.logaddexp.accumulate(big.astype(np.float64)), rtol=1e-6)


def test_cummax_cummin_propagate_nan():
    x = np.array([1.0, np.nan, 3.0, 0.0], np.float32)
    np.testing.assert_array_equal(np.asarray(lax.cummax(x)), np.maximum.accumulate(x))
    np.testing.assert_array_equal(np.asarray(lax.cummin(x, reverse=True)),
                                  np.minimum.accumulate(x[::-1])[::-1])


def test_low_precision_and_float64():
    x = _random((9,), "float32", 0, 1)
    for dtype in (ml_dtypes.bfloat16, np.float16):
        got = lax.cumsum(x.astype(dtype))
        assert got.dtype == dtype
        np.testing.assert_allclose(np.asarray(got).astype(np.float32),
                                   np.cumsum(x.astype(dtype).astype(np.float32)), rtol=2e-2)
    with numax.enable_x64():
        y = RNG.normal(size=(6, 4))
        got = lax.cumlogsumexp(y, axis=1)
        assert got.dtype == np.float64
        np.testing.assert_allclose(np.asarray(got), np.logaddexp.accumulate(y, axis=1),
                                   rtol=1e-13, atol=1e-12)


def test_under_jit():
    x = _random((4, 6), "float32")
    got = numax.jit(lambda x: lax.cumprod(x, axis=1, reverse=True))(x)
    np.testing.assert_allclose(np.asarray(got), np.flip(np.cumprod(np.flip(x, 1), 1), 1),
                               rtol=1e-5, atol=1e-5)


def test_bad_input_errors():
    with pytest.raises(NumaxTypeError, match="cumsum.*bool"):
        lax.cumsum(np.ones(3, bool))
    with pytest.raises(NumaxTypeError, match="cumlogsumexp.*int32"):
        lax.cumlogsumexp(np.ones(3, np.int32))
    with pytest.raises(NumaxTypeError, match="cummax.*complex64"):
        lax.cummax(np.ones(3, np.complex64))
    with pytest.raises(ValueError, match="cumsum: axis 2 is out of bounds"):
        lax.cumsum(np.ones((2, 3), np.float32), axis=2)
    with pytest.raises(ValueError, match="cumprod: axis -1 is out of bounds"):
        lax.cumprod_p.bind(np.ones((2, 3), np.float32), axis=-1, reverse=False)
