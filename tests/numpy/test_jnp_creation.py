"""numax.numpy array creation against NumPy: array/asarray (JAX's dtype and weak-type
rules for host values), zeros/ones/full/empty and their *_like forms, arange, linspace,
eye, identity, copy, from_dlpack, and the dtype-level helpers (result_type,
promote_types, finfo, iinfo, scalar types).

With x64 off, host 64-bit values become 32-bit arrays; Python scalars become weakly
typed 0-d arrays, lists and NumPy values strongly typed ones.
"""

import ml_dtypes
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import numax
import numax.numpy as jnp

BF16 = np.dtype(ml_dtypes.bfloat16)
F16, F32, C64 = np.dtype(np.float16), np.dtype(np.float32), np.dtype(np.complex64)
I8, U8, I32, U32, BOOL = (np.dtype(d) for d in (np.int8, np.uint8, np.int32, np.uint32,
                                                 np.bool_))
DTYPES = [BOOL, I8, U8, I32, F16, BF16, F32, C64]


def _name(dtype):
    return "bfloat16" if dtype == BF16 else np.dtype(dtype).name


def _check(result, expected, dtype=None, weak_type=None, rtol=0.0):
    assert isinstance(result, numax.Array), type(result)
    expected = np.asarray(expected)
    dtype = expected.dtype if dtype is None else np.dtype(dtype)
    assert result.dtype == dtype, (result.dtype, dtype)
    if weak_type is not None:
        assert result.weak_type == weak_type, (result.weak_type, weak_type)
    assert result.shape == expected.shape, (result.shape, expected.shape)
    got = np.asarray(result)
    if dtype in (F16, BF16):
        got, expected = got.astype(np.float32), expected.astype(np.float32)
    if rtol:
        np.testing.assert_allclose(got, expected, rtol=rtol)
    else:
        np.testing.assert_array_equal(got, expected)


# ---------------------------------------------------------------- array / asarray

@pytest.mark.parametrize("value,dtype,weak", [
    (1, I32, True), (1.5, F32, True), (1 + 2j, C64, True), (True, BOOL, False),
    (np.int64(3), I32, False), (np.float64(2.5), F32, False), (np.float16(2.5), F16, False),
    (np.uint8(7), U8, False), (np.bool_(False), BOOL, False), (np.complex128(1j), C64, False),
])
@pytest.mark.parametrize("fn", ["array", "asarray"])
def test_scalars(fn, value, dtype, weak):
    result = getattr(jnp, fn)(value)
    _check(result, np.asarray(value).astype(dtype), dtype, weak_type=weak)
    assert result.ndim == 0


@pytest.mark.parametrize("value,dtype", [
    ([1, 2, 3], I32), ([1.0, 2], F32), ([[1, 2], [3, 4]], I32), ([True, False], BOOL),
    ([1j, 2], C64), ([], F32), ([[]], F32), ((1, 2.5), F32), ([np.float16(1), np.float16(2)], F16),
    ([[1, 2.0], [3, 4]], F32), ([True, 2], I32), ([np.int8(1), np.int8(2)], I8),
    # JAX promotes the leaves with its lattice: NumPy scalars are strong, Python ones weak
    ([np.int8(1), 2], I8), ([np.float16(1), 2.5], F16), ([np.uint8(1), np.int8(2)], np.int16),
])
@pytest.mark.parametrize("fn", ["array", "asarray"])
def test_sequences_are_strongly_typed(fn, value, dtype):
    result = getattr(jnp, fn)(value)
    _check(result, np.asarray(value).astype(dtype), dtype, weak_type=False)


@pytest.mark.parametrize("source", [np.int64, np.uint64, np.float64, np.complex128, np.int8,
                                    np.uint8, np.float16, ml_dtypes.bfloat16, np.bool_, np.int16],
                         ids=lambda t: np.dtype(t).name)
def test_numpy_arrays_are_narrowed_to_32_bits(source):
    host = (np.arange(6).reshape(2, 3) % 3).astype(source)
    expected_dtype = {np.dtype(np.int64): I32, np.dtype(np.uint64): U32,
                      np.dtype(np.float64): F32, np.dtype(np.complex128): C64}.get(
        np.dtype(source), np.dtype(source))
    _check(jnp.array(host), host.astype(expected_dtype), expected_dtype, weak_type=False)
    _check(jnp.asarray(host), host.astype(expected_dtype), expected_dtype, weak_type=False)


@pytest.mark.parametrize("dtype", DTYPES, ids=_name)
@pytest.mark.parametrize("value", [[0, 1, 2], [[1.0, 0.0]], 3, 0.0, True])
def test_explicit_dtype(value, dtype):
    expected = np.asarray(value).astype(dtype)
    _check(jnp.array(value, dtype=dtype), expected, dtype, weak_type=False)
    _check(jnp.asarray(value, dtype=dtype), expected, dtype, weak_type=False)
    _check(jnp.asarray(jnp.asarray(value), dtype=dtype), expected, dtype)


def test_explicit_64_bit_dtypes_are_canonicalized():
    _check(jnp.array([1, 2], dtype=np.int64), np.array([1, 2], np.int32), I32)
    _check(jnp.asarray(1.5, dtype=float), np.float32(1.5), F32)
    _check(jnp.zeros(2, dtype=np.float64), np.zeros(2, np.float32), F32)
    _check(jnp.arange(3, dtype=np.int64), np.arange(3, dtype=np.int32), I32)


def test_asarray_returns_same_array_and_array_copies_value():
    x = jnp.asarray(np.arange(4, dtype=np.float32))
    assert jnp.asarray(x) is x
    y = jnp.array(x)
    _check(y, np.arange(4, dtype=np.float32))
    _check(jnp.copy(x), np.arange(4, dtype=np.float32))
    _check(jnp.array(x, dtype=jnp.int32), np.arange(4, dtype=np.int32))


def test_ndmin():
    _check(jnp.array(5, ndmin=2), np.array(5, ndmin=2).astype(np.int32))
    _check(jnp.array([1.0, 2.0], ndmin=3), np.array([1.0, 2.0], ndmin=3).astype(np.float32))
    _check(jnp.array([[1]], ndmin=1), np.array([[1]], ndmin=1).astype(np.int32))


def test_lists_of_arrays_stack():
    a = jnp.asarray(np.array([1.0, 2.0], np.float32))
    _check(jnp.array([a, a]), np.array([[1.0, 2.0], [1.0, 2.0]], np.float32))
    _check(jnp.asarray([jnp.asarray(1), 2, 3]), np.array([1, 2, 3], np.int32))
    f = numax.jit(lambda v: jnp.array([v, 2 * v, [0.0, 0.0]]))
    _check(f(a), np.array([[1.0, 2.0], [2.0, 4.0], [0.0, 0.0]], np.float32))


def test_conversion_errors():
    with pytest.raises(OverflowError):
        jnp.array(2 ** 40)
    with pytest.raises(OverflowError):
        jnp.asarray(300, dtype=jnp.uint8)
    with pytest.raises((TypeError, ValueError)):
        jnp.array([1, [2, 3]])
    with pytest.raises((TypeError, ValueError)):
        jnp.array("abc")
    with pytest.raises((TypeError, ValueError)):
        jnp.array(None)


def test_object_with_array_interface():
    class HasArray:
        def __array__(self, dtype=None, copy=None):
            return np.array([1.0, 2.0])

    _check(jnp.asarray(HasArray()), np.array([1.0, 2.0], np.float32))

    class HasJaxArray:
        def __jax_array__(self):
            return jnp.asarray([3, 4])

    _check(jnp.asarray(HasJaxArray()), np.array([3, 4], np.int32))


# ---------------------------------------------------------------- filled arrays

@pytest.mark.parametrize("fn,fill", [("zeros", 0), ("ones", 1), ("empty", None)])
@pytest.mark.parametrize("shape", [(), 3, (2, 0), (1, 2, 3), [2, 2]])
@pytest.mark.parametrize("dtype", [None, I8, BOOL, BF16, C64, np.float64], ids=str)
def test_zeros_ones_empty(fn, fill, shape, dtype):
    result = getattr(jnp, fn)(shape, dtype=dtype)
    expected_dtype = F32 if dtype in (None, np.float64) else np.dtype(dtype)
    shape_tuple = (shape,) if isinstance(shape, int) else tuple(shape)
    assert result.dtype == expected_dtype and result.shape == shape_tuple
    assert not result.weak_type
    if fill is not None:
        _check(result, np.full(shape_tuple, fill, expected_dtype), expected_dtype)


@pytest.mark.parametrize("fill,dtype,expected_dtype,weak", [
    (3, None, I32, True), (2.5, None, F32, True), (True, None, BOOL, False),
    (1 + 1j, None, C64, True), (7, I8, I8, False), (2.5, I32, I32, False),
    (np.float16(1.5), None, F16, False), (np.int64(4), None, I32, False),
])
def test_full(fill, dtype, expected_dtype, weak):
    for shape in ((), (2, 3)):
        result = jnp.full(shape, fill, dtype=dtype)
        _check(result, np.full(shape, fill).astype(expected_dtype), expected_dtype,
               weak_type=weak)


def test_full_with_array_fill_broadcasts():
    row = np.array([1, 2, 3], np.int8)
    _check(jnp.full((2, 3), jnp.asarray(row)), np.full((2, 3), row), I8)
    _check(jnp.full((2, 3), row, dtype=jnp.float32), np.full((2, 3), row, np.float32), F32)
    with pytest.raises(ValueError):
        jnp.full((2, 4), jnp.asarray(row))


@pytest.mark.parametrize("source", [I8, BOOL, F16, F32, C64, U8], ids=_name)
def test_like_functions(source):
    x = np.ones((2, 3), source)
    for fn, fill in (("zeros_like", 0), ("ones_like", 1)):
        _check(getattr(jnp, fn)(jnp.asarray(x)), getattr(np, fn)(x), source, weak_type=False)
        _check(getattr(jnp, fn)(x), getattr(np, fn)(x), source)
        _check(getattr(jnp, fn)(jnp.asarray(x), dtype=jnp.int32), np.full((2, 3), fill, I32), I32)
        _check(getattr(jnp, fn)(jnp.asarray(x), shape=(4,)), np.full((4,), fill, source), source)
    _check(jnp.full_like(jnp.asarray(x), 2), np.full_like(x, 2), source)
    _check(jnp.full_like(jnp.asarray(x), 1, dtype=F32, shape=(3, 1)), np.ones((3, 1), F32), F32)
    empty = jnp.empty_like(jnp.asarray(x))
    assert empty.shape == x.shape and empty.dtype == source


def test_like_functions_keep_weak_type_of_weak_input():
    weak = jnp.asarray(1.5)
    assert weak.weak_type
    _check(jnp.zeros_like(weak), np.float32(0), F32, weak_type=True)
    _check(jnp.ones_like(weak), np.float32(1), F32, weak_type=True)
    _check(jnp.full_like(weak, 3), np.float32(3), F32, weak_type=True)
    _check(jnp.zeros_like(weak, dtype=F32), np.float32(0), F32, weak_type=False)
    _check(jnp.zeros_like(3), np.int32(0), I32, weak_type=True)
    _check(jnp.full_like(jnp.asarray([1, 2]), 7.9), np.array([7, 7], np.int32), I32,
           weak_type=False)


# ---------------------------------------------------------------- ranges

@settings(max_examples=25, deadline=None)
@given(start=st.integers(-10, 10), stop=st.integers(-10, 10),
       step=st.integers(-4, 4).filter(bool), dtype=st.sampled_from([None, I32, F32, I8]))
def test_arange_integers(start, stop, step, dtype):
    expected_dtype = I32 if dtype is None else dtype
    expected = np.arange(start, stop, step).astype(expected_dtype)
    _check(jnp.arange(start, stop, step, dtype=dtype), expected, expected_dtype, weak_type=False)
    if start >= 0:
        _check(jnp.arange(start, dtype=dtype), np.arange(start).astype(expected_dtype),
               expected_dtype)


@pytest.mark.parametrize("args", [(0.0, 1.0, 0.1), (1.5,), (-2.5, 3.0, 0.5), (3, 0.0, -0.7),
                                  (0, 5, 1.5), (np.float32(0.5), 2), (1e-3, 2e-3, 1e-4)])
def test_arange_floats(args):
    expected = np.arange(*args).astype(np.float32)
    _check(jnp.arange(*args), expected, F32, rtol=1e-6)


def test_arange_of_concrete_arrays_and_errors():
    _check(jnp.arange(jnp.asarray(4)), np.arange(4, dtype=np.int32), I32)
    with pytest.raises(numax.errors.ConcretizationTypeError):
        numax.jit(lambda n: jnp.arange(n))(jnp.asarray(4))
    _check(jnp.arange(5, 0), np.arange(5, 0).astype(np.int32), I32)


@pytest.mark.parametrize("start,stop,num,endpoint,dtype", [
    (0.0, 1.0, 5, True, None), (0.0, 1.0, 5, False, None), (-3, 7, 11, True, None),
    (2.0, -2.0, 4, True, None), (0, 10, 7, True, I32), (0, 10, 7, False, I32),
    (-5, 5, 4, True, I32), (0.0, 1.0, 1, True, None), (0.0, 1.0, 0, True, None),
    (1, 2, 6, True, C64), (0, 1, 3, True, F16),
])
def test_linspace(start, stop, num, endpoint, dtype):
    expected_dtype = F32 if dtype is None else dtype
    expected = np.linspace(start, stop, num, endpoint=endpoint,
                           dtype=None if dtype is None else dtype).astype(expected_dtype)
    result = jnp.linspace(start, stop, num, endpoint=endpoint, dtype=dtype)
    _check(result, expected, expected_dtype, rtol=1e-6 if expected_dtype.kind in "fc" else 0)
    values, step = jnp.linspace(start, stop, num, endpoint=endpoint, retstep=True, dtype=dtype)
    expected_values, expected_step = np.linspace(start, stop, num, endpoint=endpoint,
                                                 retstep=True)
    assert isinstance(step, numax.Array)   # JAX returns the step as an array too
    if num > 1:
        np.testing.assert_allclose(np.asarray(step), expected_step, rtol=1e-6)


def test_linspace_with_array_endpoints():
    start = np.array([0.0, 1.0], np.float32)
    stop = np.array([1.0, -1.0], np.float32)
    for axis in (0, 1, -1):
        expected = np.linspace(start, stop, 5, axis=axis).astype(np.float32)
        _check(jnp.linspace(jnp.asarray(start), jnp.asarray(stop), 5, axis=axis), expected, F32,
               rtol=1e-6)


@pytest.mark.parametrize("N,M,k", [(3, None, 0), (3, 4, 1), (4, 2, -1), (3, 3, 5), (0, 2, 0),
                                   (2, 3, -3)])
@pytest.mark.parametrize("dtype", [None, I32, BOOL])
def test_eye_and_identity(N, M, k, dtype):
    expected_dtype = F32 if dtype is None else dtype
    _check(jnp.eye(N, M, k, dtype=dtype), np.eye(N, M, k).astype(expected_dtype), expected_dtype)
    _check(jnp.eye(N, M, k=k, dtype=dtype), np.eye(N, M, k).astype(expected_dtype),
           expected_dtype)
    _check(jnp.identity(N, dtype=dtype), np.identity(N).astype(expected_dtype), expected_dtype)


# ---------------------------------------------------------------- DLPack, copies, queries

@pytest.mark.parametrize("dtype", [F32, I32, U8, BOOL, C64, np.float64, np.int64], ids=str)
def test_from_dlpack(dtype):
    host = (np.arange(6).reshape(2, 3) % 2).astype(dtype)
    result = jnp.from_dlpack(host)
    expected_dtype = {np.dtype(np.float64): F32, np.dtype(np.int64): I32}.get(np.dtype(dtype),
                                                                              np.dtype(dtype))
    _check(result, host.astype(expected_dtype), expected_dtype, weak_type=False)


def test_numpy_from_dlpack_of_array_and_round_trip():
    x = jnp.asarray(np.arange(12, dtype=np.float32).reshape(3, 4))
    host = np.from_dlpack(x)
    np.testing.assert_array_equal(host, np.arange(12, dtype=np.float32).reshape(3, 4))
    _check(jnp.from_dlpack(x), np.asarray(x))
    with pytest.raises(TypeError):
        jnp.from_dlpack([1, 2, 3])


def test_copy():
    x = np.arange(5, dtype=np.int8)
    _check(jnp.copy(x), x, I8)
    _check(jnp.copy(jnp.asarray(x)), x, I8)
    _check(jnp.copy(2.5), np.float32(2.5), F32, weak_type=True)


def test_isscalar():
    assert jnp.isscalar(1) and jnp.isscalar(2.5) and jnp.isscalar(1j) and jnp.isscalar(True)
    assert jnp.isscalar(np.float32(1.0))
    assert jnp.isscalar(jnp.asarray(3))            # JAX: 0-d arrays count as scalars
    assert not jnp.isscalar(jnp.asarray([3]))
    assert jnp.isscalar(np.array(1.0))
    assert not jnp.isscalar([1]) and not jnp.isscalar(None) and not jnp.isscalar(np.ones(2))


def test_dtype_helpers():
    assert jnp.result_type(jnp.int8, jnp.uint8) == np.int16
    assert jnp.result_type(jnp.asarray(np.int8(1)), 2) == np.int8
    assert jnp.result_type(jnp.ones(2, jnp.float16), 2.0) == np.float16
    assert jnp.result_type(1, 2.0) == np.float32
    assert jnp.promote_types(jnp.int8, jnp.uint8) == np.int16
    assert jnp.promote_types(jnp.bfloat16, jnp.float16) == np.float32
    assert jnp.promote_types("int32", "float32") == np.float32
    assert jnp.finfo(jnp.float32).eps == np.finfo(np.float32).eps
    assert jnp.finfo(jnp.bfloat16).bits == 16
    assert jnp.iinfo(jnp.int8).min == -128 and jnp.iinfo(jnp.uint8).max == 255
    assert jnp.issubdtype(jnp.bfloat16, jnp.floating)
    assert jnp.issubdtype(jnp.int8, jnp.signedinteger)
    assert not jnp.issubdtype(jnp.uint8, jnp.signedinteger)
    assert jnp.dtype(jnp.float32) == np.float32


@pytest.mark.parametrize("name", ["bool_", "int8", "int16", "int32", "int64", "uint8", "uint16",
                                  "uint32", "uint64", "float16", "bfloat16", "float32",
                                  "float64", "complex64", "complex128"])
def test_scalar_types(name):
    scalar_type = getattr(jnp, name)
    canonical = {"int64": "int32", "uint64": "uint32", "float64": "float32",
                 "complex128": "complex64"}.get(name, name)
    expected = BF16 if canonical == "bfloat16" else np.dtype(canonical.rstrip("_"))
    # usable as a dtype ...
    assert np.dtype(scalar_type) == (BF16 if name == "bfloat16" else np.dtype(name.rstrip("_")))
    assert jnp.zeros(2, scalar_type).dtype == expected
    assert jnp.asarray([1, 0]).astype(scalar_type).dtype == expected
    # ... and callable: JAX's scalar types build 0-d arrays
    result = scalar_type(1)
    _check(result, np.asarray(1).astype(expected), expected, weak_type=False)
    _check(scalar_type([1, 0]), np.asarray([1, 0]).astype(expected), expected)
    assert jnp.zeros(2).dtype == jnp.float32


def test_scalar_types_compare_with_dtypes():
    x = jnp.ones(3)
    assert x.dtype == jnp.float32
    assert jnp.asarray([1, 2]).dtype == jnp.int32
    assert jnp.asarray([1, 2]).astype(jnp.bfloat16).dtype == jnp.bfloat16
    assert jnp.issubdtype(x.dtype, jnp.floating)
    assert jnp.issubdtype(jnp.float32, jnp.inexact)


def test_x64_mode_keeps_64_bit_types():
    with numax.enable_x64():
        _check(jnp.asarray([1, 2]), np.array([1, 2], np.int64))
        _check(jnp.asarray(1.5), np.float64(1.5), weak_type=True)
        _check(jnp.arange(3), np.arange(3, dtype=np.int64))
        _check(jnp.zeros(2), np.zeros(2, np.float64))
        _check(jnp.array(2 ** 40), np.int64(2 ** 40))
        _check(jnp.float64(0.1), np.float64(0.1))
        _check(jnp.sum(jnp.asarray(np.int8([100, 100]))), np.int64(200))
        _check(jnp.sum(jnp.asarray(np.uint8([200, 200]))), np.uint64(400))
        _check(jnp.mean(jnp.asarray([1, 2])), np.float64(1.5))
        _check(jnp.argmax(jnp.asarray([1.0, 3.0])), np.int64(1))
        _check(jnp.ones(2, jnp.float32) + 1.5, np.full(2, 2.5, np.float32))
        big = np.array([3, -3, 2], np.int64)
        _check(jnp.power(jnp.asarray(big), jnp.asarray(np.array([39, 39, 62]))),
               big ** np.array([39, 39, 62]))
    _check(jnp.asarray([1, 2]), np.array([1, 2], np.int32))
