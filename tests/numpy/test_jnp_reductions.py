"""numax.numpy reductions against NumPy: sum, prod, max, min, mean, var, std, all, any,
argmax, argmin with axis (None, int, negative, tuple), dtype, keepdims, initial and where.

Result dtypes follow JAX with x64 off: sums and products of bool and narrow integers
accumulate in int32 (uint32 for unsigned), means/variances of integers are float32,
variances of complex values are real, arg-reductions return int32.
"""

import warnings

import ml_dtypes
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import numax
import numax.numpy as jnp

BF16 = np.dtype(ml_dtypes.bfloat16)
F16, F32, C64 = np.dtype(np.float16), np.dtype(np.float32), np.dtype(np.complex64)
I8, U8, I32, U32, BOOL = (np.dtype(d) for d in (np.int8, np.uint8, np.int32, np.uint32,
                                                 np.bool_))
DTYPES = [BOOL, I8, U8, I32, F16, BF16, F32, C64]
NARROW = (F16, BF16)


def _name(dtype):
    return "bfloat16" if dtype == BF16 else np.dtype(dtype).name


def _values(shape, dtype, seed, low=-3, high=3):
    r = np.random.default_rng(seed)
    if dtype == BOOL:
        return r.random(shape) < 0.5
    if dtype.kind in "iu":
        return r.integers(0 if dtype.kind == "u" else low, high + 1, size=shape).astype(dtype)
    values = r.uniform(low, high, size=shape)
    if dtype == C64:
        values = values + 1j * r.uniform(low, high, size=shape)
    return values.astype(dtype)


def _sum_dtype(dtype):
    if dtype in (BOOL, I8, I32):
        return I32
    if dtype == U8:
        return U32
    return dtype


def _inexact(dtype):
    return dtype if dtype.kind in "fc" or dtype == BF16 else F32


def _expected_dtype(name, dtype):
    if name in ("sum", "prod"):
        return _sum_dtype(dtype)
    if name in ("max", "min"):
        return dtype
    if name == "mean":
        return _inexact(dtype)
    if name in ("var", "std"):
        return F32 if dtype == C64 else _inexact(dtype)
    if name in ("all", "any"):
        return BOOL
    return I32   # argmax, argmin


def _reference(name, x, axis, keepdims, dtype):
    """NumPy's reduction of `x` (computed in float64/complex128 for inexact results)."""
    if name in ("argmax", "argmin"):
        return getattr(np, name)(x, axis=axis, keepdims=keepdims)
    if name in ("all", "any"):
        return getattr(np, name)(x, axis=axis, keepdims=keepdims)
    if dtype.kind in "iub" and name in ("sum", "prod", "max", "min"):
        return getattr(np, name)(x.astype(dtype), axis=axis, keepdims=keepdims)
    wide = np.complex128 if x.dtype == C64 else np.float64
    with np.errstate(all="ignore"):
        return getattr(np, name)(x.astype(wide), axis=axis, keepdims=keepdims)


def _check(result, expected, dtype, rtol=2e-6, atol=1e-6):
    assert isinstance(result, numax.Array), type(result)
    assert result.dtype == dtype, (result.dtype, dtype)
    expected = np.asarray(expected)
    assert result.shape == expected.shape, (result.shape, expected.shape)
    got = np.asarray(result)
    if dtype.kind in "biu":
        np.testing.assert_array_equal(got, expected.astype(dtype))
        return
    if dtype in NARROW:
        got = got.astype(np.float32)
        rtol, atol = 2e-2, 5e-2
    np.testing.assert_allclose(got, expected, rtol=rtol, atol=atol, equal_nan=True)


REDUCTIONS = ["sum", "prod", "max", "min", "mean", "var", "std", "all", "any", "argmax",
              "argmin"]


@st.composite
def shape_and_axis(draw, min_side=1, multi_axis=True):
    shape = draw(hnp.array_shapes(min_dims=0, max_dims=4, min_side=min_side, max_side=4))
    ndim = len(shape)
    choices = [None] + list(range(-ndim, ndim))
    axis = draw(st.sampled_from(choices))
    if multi_axis and ndim >= 2 and draw(st.booleans()):
        axis = tuple(draw(st.lists(st.integers(0, ndim - 1), min_size=1, max_size=ndim,
                                   unique=True)))
        axis = tuple(a - ndim if i % 2 else a for i, a in enumerate(axis))   # mix signs
    return shape, axis


def _cases():
    for name in REDUCTIONS:
        for dtype in DTYPES:
            if name in ("argmax", "argmin") and dtype == C64:
                continue
            if name in ("max", "min") and dtype == C64:
                continue
            if name in ("var", "std") and dtype in (BOOL, I8, U8):
                continue   # the int32 case covers them; these compile many ops eagerly
            yield pytest.param(name, dtype, id=f"{name}-{_name(dtype)}")


@pytest.mark.parametrize("name,dtype", list(_cases()))
@settings(max_examples=5, deadline=None)
@given(data=st.data())
def test_reduction(name, dtype, data):
    arg = name in ("argmax", "argmin")
    shape, axis = data.draw(shape_and_axis(multi_axis=not arg))
    keepdims = data.draw(st.booleans())
    seed = data.draw(st.integers(0, 2 ** 16))
    low, high = (0.5, 1.5) if name == "prod" and dtype.kind in "fc" else (-3, 3)
    x = _values(shape, dtype, seed, low, high)
    expected_dtype = _expected_dtype(name, dtype)
    result = getattr(jnp, name)(jnp.asarray(x), axis=axis, keepdims=keepdims)
    expected = _reference(name, x, axis, keepdims, expected_dtype)
    _check(result, expected, expected_dtype, rtol=1e-5)
    # the method spelling agrees
    method = getattr(jnp.asarray(x), name)(axis=axis, keepdims=keepdims)
    _check(method, expected, expected_dtype, rtol=1e-5)


@pytest.mark.parametrize("name", ["sum", "prod", "max", "min", "mean", "var", "std", "all",
                                  "any"])
@pytest.mark.parametrize("shape,axis", [((0,), None), ((0,), 0), ((2, 0), 1), ((2, 0), 0),
                                        ((0, 3), (0, 1))])
def test_reductions_over_empty_axes(name, shape, axis):
    x = np.zeros(shape, np.float32)
    reduced_size = x.size if axis is None else int(np.prod(
        [shape[a] for a in ((axis,) if isinstance(axis, int) else axis)]))
    if name in ("max", "min") and reduced_size == 0:
        with pytest.raises(ValueError):
            getattr(jnp, name)(jnp.asarray(x), axis=axis)
        return
    dtype = BOOL if name in ("all", "any") else F32
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)   # NumPy: mean of empty slice
        expected = getattr(np, name)(x, axis=axis)
    _check(getattr(jnp, name)(jnp.asarray(x), axis=axis), expected, dtype)


def test_argmax_of_empty_raises():
    with pytest.raises(ValueError):
        jnp.argmax(jnp.zeros((0,)))
    with pytest.raises(ValueError):
        jnp.argmin(jnp.zeros((3, 0)), axis=1)


@pytest.mark.parametrize("name", ["sum", "prod", "mean"])
@pytest.mark.parametrize("dtype", [I8, U8, I32, F32, BOOL], ids=_name)
@pytest.mark.parametrize("requested", [I8, I32, F32, F16], ids=_name)
def test_dtype_argument(name, dtype, requested):
    x = _values((3, 4), dtype, seed=5, low=-2, high=2)
    if name == "mean" and requested.kind in "iu":
        pytest.skip("mean accumulates in floats")
    result = getattr(jnp, name)(jnp.asarray(x), axis=1, dtype=requested)
    if requested.kind in "iu":
        expected = getattr(np, name)(x.astype(requested), axis=1, dtype=requested)
    else:
        expected = getattr(np, name)(x.astype(np.float64), axis=1)
    _check(result, expected, requested)


def test_sum_wraps_in_requested_integer_dtype():
    x = np.full((40,), 100, np.int8)
    _check(jnp.sum(jnp.asarray(x), dtype=jnp.int8), np.sum(x, dtype=np.int8), I8)
    _check(jnp.sum(jnp.asarray(x)), np.sum(x, dtype=np.int32), I32)
    u = np.full((40,), 200, np.uint8)
    _check(jnp.sum(jnp.asarray(u)), np.sum(u, dtype=np.uint32), U32)


@pytest.mark.parametrize("name", ["sum", "prod", "max", "min"])
@pytest.mark.parametrize("dtype", [I32, F32], ids=_name)
@pytest.mark.parametrize("initial", [-2, 0, 3])
def test_initial(name, dtype, initial):
    x = _values((3, 4), dtype, seed=6, low=-3, high=3)
    for axis in (None, 0, 1):
        expected = getattr(np, name)(x, axis=axis, initial=initial)
        result = getattr(jnp, name)(jnp.asarray(x), axis=axis, initial=initial)
        _check(result, expected, _expected_dtype(name, dtype))
    empty = np.zeros((0, 2), dtype)
    _check(getattr(jnp, name)(jnp.asarray(empty), axis=0, initial=initial),
           getattr(np, name)(empty, axis=0, initial=initial), _expected_dtype(name, dtype))


@pytest.mark.parametrize("name", ["sum", "prod", "max", "min", "mean", "var", "std", "all",
                                  "any"])
@pytest.mark.parametrize("dtype", [I32, F32, BOOL], ids=_name)
def test_where(name, dtype):
    x = _values((3, 4), dtype, seed=7, low=-3, high=3)
    where = np.random.default_rng(8).random((3, 4)) < 0.6
    where[:, 0] = True   # every row keeps an element, so max/min/mean are defined
    kwargs = {"initial": -100 if name == "max" else 100} if name in ("max", "min") else {}
    expected_dtype = _expected_dtype(name, dtype)
    for axis, mask in ((1, where), (None, where), (1, where[0])):
        expected = getattr(np, name)(x.astype(np.float64) if expected_dtype.kind == "f" else x,
                                     axis=axis, where=mask, **kwargs)
        result = getattr(jnp, name)(jnp.asarray(x), axis=axis, where=jnp.asarray(mask),
                                    **kwargs)
        _check(result, expected, expected_dtype, rtol=1e-5)


def test_max_with_where_needs_initial():
    with pytest.raises(ValueError):
        jnp.max(jnp.ones((2, 3)), where=jnp.asarray([True, False, True]))


@pytest.mark.parametrize("ddof", [0, 1, 2])
@pytest.mark.parametrize("dtype", [I32, F32, C64], ids=_name)
def test_var_std_ddof(ddof, dtype):
    x = _values((4, 5), dtype, seed=9)
    for axis in (None, 0, 1, (0, 1)):
        wide = x.astype(np.complex128 if dtype == C64 else np.float64)
        expected_dtype = _expected_dtype("var", dtype)
        _check(jnp.var(jnp.asarray(x), axis=axis, ddof=ddof), np.var(wide, axis=axis, ddof=ddof),
               expected_dtype, rtol=1e-5)
        _check(jnp.std(jnp.asarray(x), axis=axis, ddof=ddof), np.std(wide, axis=axis, ddof=ddof),
               expected_dtype, rtol=1e-5)
        _check(jnp.asarray(x).std(axis=axis, ddof=ddof, keepdims=True),
               np.std(wide, axis=axis, ddof=ddof, keepdims=True), expected_dtype, rtol=1e-5)


def test_max_min_propagate_nan_and_argmax_finds_it():
    x = np.array([[1.0, np.nan, 3.0], [np.inf, -np.inf, 0.0], [np.nan, 2.0, np.nan]], np.float32)
    for axis in (None, 0, 1):
        _check(jnp.max(jnp.asarray(x), axis=axis), np.max(x, axis=axis), F32)
        _check(jnp.min(jnp.asarray(x), axis=axis), np.min(x, axis=axis), F32)
        _check(jnp.argmax(jnp.asarray(x), axis=axis), np.argmax(x, axis=axis), I32)
        _check(jnp.argmin(jnp.asarray(x), axis=axis), np.argmin(x, axis=axis), I32)


def test_arg_reductions_pick_first_of_ties():
    x = np.array([[2, 5, 5, 1], [1, 1, 0, 0], [7, 7, 7, 7]], np.int32)
    for axis in (None, 0, 1, -1):
        _check(jnp.argmax(jnp.asarray(x), axis=axis), np.argmax(x, axis=axis), I32)
        _check(jnp.argmin(jnp.asarray(x), axis=axis), np.argmin(x, axis=axis), I32)
    b = np.array([False, True, True, False])
    _check(jnp.argmax(jnp.asarray(b)), np.argmax(b), I32)
    _check(jnp.argmin(jnp.asarray(b)), np.argmin(b), I32)


def test_keepdims_with_axis_none():
    x = _values((2, 3, 4), F32, seed=10)
    for name in ("sum", "max", "mean", "argmax", "any"):
        result = getattr(jnp, name)(jnp.asarray(x), axis=None, keepdims=True)
        expected = getattr(np, name)(x, axis=None, keepdims=True)
        _check(result, expected, _expected_dtype(name, F32), rtol=1e-5)


def test_bad_axes_raise():
    x = jnp.ones((2, 3))
    with pytest.raises((ValueError, IndexError)):
        jnp.sum(x, axis=2)
    with pytest.raises((ValueError, IndexError)):
        jnp.max(x, axis=-3)
    with pytest.raises((ValueError, IndexError)):
        jnp.argmax(x, axis=5)
    with pytest.raises(ValueError):
        jnp.sum(x, axis=(0, 0))


def test_reductions_of_python_and_numpy_inputs():
    _check(jnp.sum(np.arange(6, dtype=np.int64).reshape(2, 3), axis=0),
           np.arange(6).reshape(2, 3).sum(axis=0), I32)
    _check(jnp.mean(np.arange(4.0)), np.float64(1.5), F32)
    _check(jnp.max(5), np.int32(5), I32)


def test_sum_of_weak_scalar():
    result = jnp.sum(jnp.asarray(2.0))
    assert result.dtype == F32
    np.testing.assert_array_equal(np.asarray(result), np.float32(2.0))


@pytest.mark.parametrize("name", ["sum", "mean", "max", "argmin", "var", "any", "prod"])
def test_jit_matches_eager(name):
    x = _values((3, 4), F32, seed=11)
    for axis in (None, 1):
        eager = getattr(jnp, name)(jnp.asarray(x), axis=axis)
        staged = numax.jit(lambda v: getattr(jnp, name)(v, axis=axis))(jnp.asarray(x))
        assert staged.dtype == eager.dtype and staged.shape == eager.shape
        np.testing.assert_allclose(np.asarray(staged), np.asarray(eager), rtol=1e-6)
        expected = getattr(np, name)(x.astype(np.float64), axis=axis)
        _check(staged, expected, _expected_dtype(name, F32), rtol=1e-5)


def test_jit_reduction_with_traced_where():
    x = _values((3, 4), F32, seed=12)
    mask = np.random.default_rng(13).random((3, 4)) < 0.5
    mask[:, 0] = True
    f = numax.jit(lambda v, m: jnp.mean(v, axis=1, where=m))
    _check(f(jnp.asarray(x), jnp.asarray(mask)),
           np.mean(x.astype(np.float64), axis=1, where=mask), F32, rtol=1e-5)


@pytest.mark.parametrize("dtype", [F16, BF16], ids=_name)
def test_narrow_floats_accumulate_in_float32(dtype):
    # Rounded once at the end, like JAX and NumPy; accumulating in bfloat16 would drift.
    x = np.random.default_rng(14).uniform(0.995, 1.02, size=(2, 300)).astype(dtype)
    wide = x.astype(np.float32)
    for name in ("sum", "prod", "mean", "var", "std"):
        expected = getattr(np, name)(wide, axis=1).astype(dtype)
        result = getattr(jnp, name)(jnp.asarray(x), axis=1)
        assert result.dtype == dtype
        np.testing.assert_allclose(np.asarray(result).astype(np.float32),
                                   expected.astype(np.float32), rtol=8e-3, atol=1e-6)
    ones = jnp.ones(3000, dtype)
    np.testing.assert_allclose(np.asarray(jnp.sum(ones)).astype(np.float32),
                               np.float32(np.asarray(3000, dtype)), rtol=0)


def test_array_equal():
    x = np.array([[1.0, np.nan], [2.0, 3.0]], np.float32)
    for other in (x, x[:1], x + 1, np.where(np.isnan(x), 0, x)):
        for equal_nan in (False, True):
            _check(jnp.array_equal(jnp.asarray(x), jnp.asarray(other), equal_nan=equal_nan),
                   np.array_equal(x, other, equal_nan=equal_nan), BOOL)
    _check(jnp.array_equal(jnp.asarray([1, 2]), np.array([1, 2])), np.bool_(True), BOOL)


def test_sum_and_prod_with_bool_dtype_are_logical():
    x = np.array([[True, False, False], [True, True, True], [False, False, False]])
    for axis in (None, 0, 1):
        _check(jnp.sum(jnp.asarray(x), axis=axis, dtype=bool),
               np.sum(x, axis=axis, dtype=bool), BOOL)
        _check(jnp.prod(jnp.asarray(x), axis=axis, dtype=bool),
               np.prod(x, axis=axis, dtype=bool), BOOL)
    i = np.array([0, 2, -1], np.int32)
    _check(jnp.sum(jnp.asarray(i), dtype=bool), np.sum(i, dtype=bool), BOOL)
