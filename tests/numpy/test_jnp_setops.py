"""Set operations against NumPy: unique with every return option (flattened and along an
axis, NaNs collapsed), the Array API unique_* functions, union1d, intersect1d (with
return_indices and assume_unique), setdiff1d, setxor1d and isin with every method, on
hypothesis-drawn inputs with repeats and NaNs; and the static `size`/`fill_value`
padding that makes them work under jit, with its error when missing.
"""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import numax
import numax.numpy as jnp
from numax.core.errors import ConcretizationTypeError

_values = hnp.arrays(np.float32, st.sampled_from([0, 6]),   # few shapes: few compilations
                     elements=st.sampled_from([0.0, 1.0, 2.0, -1.0, 5.0, np.nan]))


def _check(result, expected):
    expected = np.asarray(expected)
    assert result.shape == expected.shape, (result.shape, expected.shape)
    np.testing.assert_array_equal(np.asarray(result), expected)


@settings(max_examples=15, deadline=None)
@given(x=hnp.arrays(np.int32, st.tuples(st.sampled_from([0, 1, 3]), st.sampled_from([1, 4])),
                    elements=st.integers(-2, 2)))
def test_unique_matches_numpy(x):
    for result, expected in zip(jnp.unique(x, True, True, True), np.unique(x, True, True, True)):
        _check(result, expected)
    if x.size:
        for axis in (0, 1):
            for result, expected in zip(jnp.unique(x, True, True, True, axis=axis),
                                        np.unique(x, True, True, True, axis=axis)):
                _check(result, expected)


def test_unique_nans_and_array_api_variants():
    x = np.array([[np.nan, 1.0, np.nan], [0.0, 1.0, 3.0]], np.float32)
    for result, expected in zip(jnp.unique(x, True, True, True), np.unique(x, True, True, True)):
        _check(result, expected)
    for name in ("unique_all", "unique_counts", "unique_inverse"):
        got, want = getattr(jnp, name)(x), getattr(np, name)(x)
        assert got._fields == want._fields
        for result, expected in zip(got, want):
            _check(result, expected)
    _check(jnp.unique_values(x), np.unique_values(x))


def test_unique_with_size_under_jit():
    x = np.array([3, 1, 3, 3, 7], np.int32)
    f = numax.jit(lambda v: jnp.unique(v, return_index=True, return_inverse=True,
                                       return_counts=True, size=5))
    values, index, inverse, counts = f(x)
    _check(values, [1, 3, 7, 1, 1])        # padded with the smallest value
    _check(index, [1, 0, 4, 1, 1])         # ... and its index
    _check(inverse, np.unique(x, return_inverse=True)[1])
    _check(counts, [1, 3, 1, 0, 0])
    _check(jnp.unique(x, size=2), [1, 3])
    _check(numax.jit(lambda v: jnp.unique(v, size=4, fill_value=-9))(x), [1, 3, 7, -9])
    with pytest.raises(ConcretizationTypeError, match="size="):
        numax.jit(jnp.unique)(x)


@settings(max_examples=12, deadline=None)
@given(a=_values, b=_values)
def test_two_set_operations_match_numpy(a, b):
    _check(jnp.union1d(a, b), np.union1d(a, b))
    _check(jnp.setdiff1d(a, b), np.setdiff1d(a, b))
    _check(jnp.setxor1d(a, b), np.setxor1d(a, b))
    for result, expected in zip(jnp.intersect1d(a, b, return_indices=True),
                                np.intersect1d(a, b, return_indices=True)):
        _check(result, expected)
    _check(jnp.isin(a, b), np.isin(a, b))
    _check(jnp.isin(a, b, invert=True, method="binary_search"), np.isin(a, b, invert=True))


@pytest.mark.parametrize("method", ["compare_all", "binary_search", "sort"])
def test_isin_methods(method):
    a = np.array([[1.0, np.nan, 2.0], [5.0, -0.0, 7.0]], np.float32)
    b = np.array([2.0, 0.0, np.nan, 1.0, 9.0], np.float32)
    _check(jnp.isin(a, b, method=method), np.isin(a, b))
    _check(jnp.isin(a, b, invert=True, method=method), np.isin(a, b, invert=True))


def test_assume_unique_and_shapes():
    a, b = np.array([4, 1, 9], np.int32), np.array([[9, 2], [4, 0]], np.int32)
    _check(jnp.intersect1d(a, b, assume_unique=True), np.intersect1d(a, b, assume_unique=True))
    _check(jnp.setdiff1d(a, b, assume_unique=True), np.setdiff1d(a, b, assume_unique=True))
    _check(jnp.setxor1d(a, b, assume_unique=True), np.setxor1d(a, b, assume_unique=True))
    _check(jnp.isin(b, a), np.isin(b, a))


def test_set_operations_with_size_under_jit():
    a, b = np.array([5, 1, 3, 1], np.int32), np.array([3, 4], np.int32)
    _check(numax.jit(lambda x, y: jnp.union1d(x, y, size=6, fill_value=0))(a, b),
           [1, 3, 4, 5, 0, 0])
    _check(numax.jit(lambda x, y: jnp.intersect1d(x, y, size=2))(a, b), [3, 3])
    _check(numax.jit(lambda x, y: jnp.setdiff1d(x, y, size=3, fill_value=-1))(a, b), [1, 5, -1])
    _check(numax.jit(lambda x, y: jnp.setxor1d(x, y, size=4, fill_value=-1))(a, b), [1, 4, 5, -1])
    _check(numax.jit(jnp.isin)(a, b), np.isin(a, b))
    with pytest.raises(ConcretizationTypeError, match="size="):
        numax.jit(jnp.setdiff1d)(a, b)
