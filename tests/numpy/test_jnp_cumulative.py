"""Cumulative sums and products and differences against NumPy: cumsum/cumprod on every
axis and flattened with JAX's accumulation dtypes, the Array API's cumulative_sum and
cumulative_prod (include_initial), nancumsum/nancumprod, diff (n, prepend, append,
booleans), ediff1d; jit, and derivatives against finite differences.
"""

import numpy as np
import pytest

import numax
import numax.numpy as jnp
from numax.test_util import check_grads


def _check(result, expected, dtype=None, **tolerance):
    expected = np.asarray(expected)
    assert result.shape == expected.shape, (result.shape, expected.shape)
    if dtype is not None:
        assert result.dtype == dtype, (result.dtype, dtype)
    np.testing.assert_allclose(np.asarray(result), expected, **tolerance)


@pytest.mark.parametrize("axis", [None, 0, 1, -1])
def test_cumsum_cumprod_match_numpy(axis):
    rng = np.random.default_rng(0)
    x = rng.integers(-3, 4, (3, 4)).astype(np.float32)
    _check(jnp.cumsum(x, axis=axis), np.cumsum(x, axis=axis), np.float32)
    _check(jnp.cumprod(x, axis=axis), np.cumprod(x, axis=axis), np.float32)
    _check(numax.jit(lambda v: jnp.cumsum(v, axis=axis))(x), np.cumsum(x, axis=axis))


def test_accumulation_dtypes():
    small = np.array([100, 100, 100], np.int8)
    _check(jnp.cumsum(small), [100, 200, 300], np.int32)       # no int8 overflow
    _check(jnp.cumsum(np.array([True, True, False])), [1, 2, 2], np.int32)
    _check(jnp.cumprod(np.array([2, 3], np.uint8)), [2, 6], np.uint32)
    _check(jnp.cumsum(np.array([1.5, 2.5]), dtype=np.int32), [1, 3], np.int32)
    _check(jnp.cumsum(np.array([0, 2, 0]), dtype=bool), [False, True, True], np.bool_)
    _check(jnp.cumprod(np.array([1, 2, 0, 3]), dtype=bool), [True, True, False, False],
           np.bool_)
    _check(jnp.cumsum(np.array([1 + 2j, 3j], np.complex64)), [1 + 2j, 1 + 5j], np.complex64)


def test_cumulative_sum_and_prod():
    x = np.arange(1, 7, dtype=np.int32).reshape(2, 3)
    _check(jnp.cumulative_sum(x, axis=1), np.cumulative_sum(x, axis=1))
    _check(jnp.cumulative_sum(x, axis=0, include_initial=True),
           np.cumulative_sum(x, axis=0, include_initial=True))
    _check(jnp.cumulative_prod(x[0], include_initial=True),
           np.cumulative_prod(x[0], include_initial=True))
    with pytest.raises(ValueError, match="axis"):
        jnp.cumulative_sum(x)
    with pytest.raises(ValueError, match="0-d"):
        jnp.cumulative_sum(np.float32(1))


def test_nan_cumulatives():
    x = np.array([[1.0, np.nan, 2.0], [np.nan, np.nan, 3.0]], np.float32)
    for axis in (None, 0, 1):
        _check(jnp.nancumsum(x, axis=axis), np.nancumsum(x, axis=axis))
        _check(jnp.nancumprod(x, axis=axis), np.nancumprod(x, axis=axis))
    _check(jnp.nancumsum(np.array([1, 2])), [1, 3])


@pytest.mark.parametrize("n", [0, 1, 2, 5])
def test_diff_matches_numpy(n):
    x = np.array([[1, 4, 9, 16, 25], [0, -1, 3, 3, 2]], np.int32)
    for axis in (0, 1, -1):
        _check(jnp.diff(x, n=n, axis=axis), np.diff(x, n=n, axis=axis))
    _check(jnp.diff(x, n=n, prepend=0, append=np.array([[7], [8]])),
           np.diff(x, n=n, prepend=0, append=np.array([[7], [8]])))
    flags = np.array([True, True, False, True])
    _check(jnp.diff(flags, n=n), np.diff(flags, n=n))


def test_diff_errors():
    with pytest.raises(ValueError, match="non-negative"):
        jnp.diff(np.arange(3), n=-1)
    with pytest.raises(ValueError, match="one dimensional"):
        jnp.diff(np.float32(2.0))


def test_ediff1d_matches_numpy():
    x = np.array([[1, 2], [4, 7]], np.int32)
    _check(jnp.ediff1d(x), np.ediff1d(x))
    _check(jnp.ediff1d(x, to_end=[100, 200], to_begin=-99),
           np.ediff1d(x, to_end=[100, 200], to_begin=-99))
    _check(jnp.ediff1d(np.array([5.0], np.float32)), np.ediff1d(np.array([5.0])))


def test_cumulative_derivatives():
    rng = np.random.default_rng(1)
    with numax.enable_x64():
        x = rng.uniform(0.5, 1.5, (3, 4))
        check_grads(lambda v: jnp.cumsum(v, axis=1), (x,), order=2)
        check_grads(lambda v: jnp.cumprod(v, axis=0), (x,), order=1)
        check_grads(lambda v: jnp.diff(v, n=2, axis=1, prepend=1.0), (x,), order=1)
        check_grads(lambda v: jnp.cumulative_sum(v, axis=0, include_initial=True), (x,), order=1)
    grad = numax.grad(lambda v: jnp.sum(jnp.cumsum(v)))(np.ones(4, np.float32))
    np.testing.assert_array_equal(np.asarray(grad), [4, 3, 2, 1])
