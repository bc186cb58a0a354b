"""Narrow dtypes: sub-byte integers and 8-bit floats compute like their wider kin, and the
types no XLA array can hold (int1, uint1, float6_*) exist for dtype queries but refuse to
become arrays, with an error naming the dtype."""

import ml_dtypes
import numpy as np
import pytest

import numax
import numax.numpy as jnp
from numax.core.dtypes import TypePromotionError

NO_ARRAY_TYPES = ["int1", "uint1", "float6_e2m3fn", "float6_e3m2fn"]


def _wrap(values, bits, signed):
    """Two's-complement wrap-around of Python ints to `bits` bits: the reference for int4 & co."""
    values = np.asarray(values, np.int64) % (1 << bits)
    if signed:
        values = np.where(values >= 1 << (bits - 1), values - (1 << bits), values)
    return values


@pytest.mark.parametrize("name", NO_ARRAY_TYPES)
def test_types_without_arrays_are_named_and_described(name):
    scalar_type = getattr(jnp, name)
    assert jnp.dtype(scalar_type) == np.dtype(getattr(ml_dtypes, name))
    if name.startswith("float"):
        exponent_bits, mantissa_bits = (2, 3) if name == "float6_e2m3fn" else (3, 2)
        bias = (1 << (exponent_bits - 1)) - 1
        largest = 2.0 ** ((1 << exponent_bits) - 1 - bias) * (2 - 2.0 ** -mantissa_bits)
        assert float(jnp.finfo(scalar_type).max) == largest  # no inf/nan codes: all finite
        assert jnp.issubdtype(scalar_type, jnp.floating)
    else:
        info = jnp.iinfo(scalar_type)
        assert (info.min, info.max) == ((-1, 0) if name == "int1" else (0, 1))
        assert jnp.issubdtype(scalar_type, jnp.unsignedinteger if name == "uint1" else
                              jnp.signedinteger)
    assert jnp.promote_types(scalar_type, scalar_type) == jnp.dtype(scalar_type)
    other = jnp.float32 if name.startswith("float") else jnp.int8
    with pytest.raises(TypePromotionError):
        jnp.promote_types(scalar_type, other)


@pytest.mark.parametrize("name", NO_ARRAY_TYPES)
@pytest.mark.parametrize("make", [
    lambda t: jnp.zeros(3, t),
    lambda t: jnp.asarray(np.zeros(3, t)),
    lambda t: jnp.arange(3).astype(t),
    lambda t: numax.jit(lambda x: x.astype(t))(jnp.ones(2)),
], ids=["zeros", "asarray", "astype", "astype_under_jit"])
def test_types_without_arrays_refuse_to_become_arrays(name, make):
    with pytest.raises(TypeError, match=f"cannot have dtype {name}"):
        make(np.dtype(getattr(ml_dtypes, name)))


def test_complex_warning_is_numpys():
    assert jnp.ComplexWarning is np.exceptions.ComplexWarning


@pytest.mark.parametrize("name,bits,signed", [("int4", 4, True), ("uint4", 4, False),
                                              ("int2", 2, True), ("uint2", 2, False)])
def test_sub_byte_integer_arithmetic_wraps_like_the_hardware_type(name, bits, signed):
    dtype = jnp.dtype(getattr(jnp, name))
    info = jnp.iinfo(dtype)
    a_values = np.arange(int(info.min), int(info.max) + 1)
    b_values = a_values[::-1]
    a, b = jnp.asarray(a_values, dtype), jnp.asarray(b_values, dtype)
    for got, want in [(a + b, a_values + b_values), (a * b, a_values * b_values),
                      (a - b, a_values - b_values),
                      (numax.jit(lambda x, y: x * 3 + y)(a, b), a_values * 3 + b_values)]:
        assert got.dtype == dtype
        np.testing.assert_array_equal(np.asarray(got).astype(np.int64), _wrap(want, bits, signed))
    assert int(jnp.max(a)) == info.max and int(jnp.min(a)) == info.min
    np.testing.assert_array_equal(np.asarray(jnp.zeros(3, dtype)).astype(int), [0, 0, 0])
    with pytest.raises(OverflowError):
        jnp.full(3, int(info.max) + 1, dtype)


@pytest.mark.parametrize("name", ["float8_e4m3fn", "float8_e5m2", "bfloat16"])
def test_narrow_float_arithmetic_rounds_like_ml_dtypes(name):
    dtype = np.dtype(getattr(ml_dtypes, name))
    host = np.array([0.5, 1.0, 1.5, 2.0, 3.0], dtype)
    x = jnp.asarray(host)
    wide = host.astype(np.float32)
    for got, want in [(x + x, wide + wide), (x * x, wide * wide),
                      (numax.jit(jnp.sin)(x), np.sin(wide)), (jnp.exp(x), np.exp(wide))]:
        assert got.dtype == dtype
        np.testing.assert_array_equal(np.asarray(got).astype(np.float32),
                                      want.astype(dtype).astype(np.float32))
    grad = numax.grad(lambda v: (v * v).astype(jnp.float32).sum())(x)
    assert grad.dtype == dtype
    np.testing.assert_array_equal(np.asarray(grad).astype(np.float32), 2 * wide)
