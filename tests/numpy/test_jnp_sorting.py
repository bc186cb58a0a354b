"""Sorting and searching against NumPy: sort/argsort (stable, NaNs last, every axis,
descending), lexsort, sort_complex, the partition contract, searchsorted with every
method and side (hypothesis, NaNs and ties included), digitize in both directions,
nanargmax/nanargmin; under jit, and the derivative of sort against finite differences.
"""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import numax
import numax.numpy as jnp
from numax.test_util import check_grads


def _check(result, expected):
    expected = np.asarray(expected)
    assert result.shape == expected.shape, (result.shape, expected.shape)
    np.testing.assert_array_equal(np.asarray(result), expected)


def _with_specials(rng, shape):
    x = rng.integers(-3, 3, shape).astype(np.float32)
    flat = x.reshape(-1)
    if flat.size > 2:
        flat[0] = np.nan
        flat[1] = -0.0
    return x


@pytest.mark.parametrize("axis", [0, 1, -1, None])
def test_sort_and_argsort_match_numpy(axis):
    x = _with_specials(np.random.default_rng(0), (4, 6))
    _check(jnp.sort(x, axis=axis), np.sort(x, axis=axis, kind="stable"))
    _check(jnp.argsort(x, axis=axis), np.argsort(x, axis=axis, kind="stable"))
    ints = np.random.default_rng(1).integers(0, 3, (4, 6)).astype(np.int8)
    _check(jnp.argsort(ints, axis=axis), np.argsort(ints, axis=axis, kind="stable"))
    _check(numax.jit(lambda v: jnp.argsort(v, axis=axis))(ints),
           np.argsort(ints, axis=axis, kind="stable"))


def test_descending_is_stable():
    x = np.array([2, 1, 2, 3, 1, 2], np.int32)
    # descending order, equal keys in input order: a stable sort on the negated keys
    _check(jnp.argsort(x, descending=True), np.argsort(-x, kind="stable"))
    _check(jnp.sort(x, descending=True), -np.sort(-x))
    floats = np.array([1.0, np.nan, 3.0], np.float32)
    np.testing.assert_array_equal(np.asarray(jnp.sort(floats, descending=True)),
                                  [np.nan, 3.0, 1.0])


def test_lexsort_and_sort_complex():
    rng = np.random.default_rng(2)
    keys = [rng.integers(0, 3, 10) for _ in range(3)]
    _check(jnp.lexsort(keys), np.lexsort(keys))
    grid = [rng.integers(0, 2, (3, 4)) for _ in range(2)]
    _check(jnp.lexsort(grid, axis=0), np.lexsort(grid, axis=0))
    z = (rng.integers(0, 3, 8) + 1j * rng.integers(0, 3, 8)).astype(np.complex64)
    _check(jnp.sort_complex(z), np.sort_complex(z))
    result = jnp.sort_complex(np.array([3, 1, 2], np.int32))
    assert result.dtype == np.complex64
    _check(result, np.sort_complex(np.array([3, 1, 2])).astype(np.complex64))


@pytest.mark.parametrize("kth", [0, 3, -1])
def test_partition_contract(kth):
    x = np.random.default_rng(3).standard_normal((3, 7)).astype(np.float32)
    part = np.asarray(jnp.partition(x, kth, axis=1))
    ref = np.sort(x, axis=1)
    np.testing.assert_array_equal(part[:, kth], ref[:, kth])
    pivot = part[:, [kth]]
    assert (part[:, :kth % 7] <= pivot).all() and (part[:, kth % 7:] >= pivot).all()
    order = np.asarray(jnp.argpartition(x, kth, axis=1))
    np.testing.assert_array_equal(np.take_along_axis(x, order, 1)[:, kth], ref[:, kth])
    with pytest.raises(ValueError, match="out of bounds"):
        jnp.partition(x, 9, axis=1)


@settings(max_examples=25, deadline=None)
@given(a=hnp.arrays(np.float32, st.sampled_from([0, 1, 4, 9]), elements=st.sampled_from(
           [-2.0, 0.0, 1.0, 1.5, 3.0, np.inf, np.nan])),
       v=hnp.arrays(np.float32, st.sampled_from([(0, 2), (3,), (2, 3)]),
                    elements=st.sampled_from([-3.0, -0.0, 1.0, 2.0, np.inf, np.nan])),
       side=st.sampled_from(["left", "right"]),
       method=st.sampled_from(["scan", "scan_unrolled", "sort", "compare_all"]))
def test_searchsorted_matches_numpy(a, v, side, method):
    a = np.sort(a)
    _check(jnp.searchsorted(a, v, side=side, method=method), np.searchsorted(a, v, side=side))


def test_searchsorted_sorter_ints_and_jit():
    a = np.array([5, 1, 4, 1, 9], np.int32)
    sorter = np.argsort(a, kind="stable")
    v = np.array([1, 4, 10, 0], np.int32)
    _check(jnp.searchsorted(a, v, sorter=sorter), np.searchsorted(a, v, sorter=sorter))
    sorted_a = np.sort(a)
    f = numax.jit(lambda s, q: jnp.searchsorted(s, q, side="right"))
    _check(f(sorted_a, v), np.searchsorted(sorted_a, v, side="right"))
    _check(jnp.searchsorted(sorted_a, 4), np.searchsorted(sorted_a, 4))


@pytest.mark.parametrize("right", [False, True])
def test_digitize_matches_numpy(right):
    x = np.array([-1.0, 0.0, 0.5, 1.0, 2.5, 3.0, 7.0], np.float32)
    for bins in (np.array([0.0, 1.0, 2.5, 3.0], np.float32),
                 np.array([3.0, 2.5, 1.0, 0.0], np.float32)):
        _check(jnp.digitize(x, bins, right=right), np.digitize(x, bins, right=right))
        _check(jnp.digitize(x, bins, right=right, method="compare_all"),
               np.digitize(x, bins, right=right))


def test_nanargmax_nanargmin():
    x = np.array([[np.nan, 2.0, 5.0], [1.0, np.nan, -1.0], [3.0, 3.0, np.nan]], np.float32)
    for axis in (0, 1, None):
        _check(jnp.nanargmax(x, axis=axis), np.nanargmax(x, axis=axis))
        _check(jnp.nanargmin(x, axis=axis), np.nanargmin(x, axis=axis))
    all_nan = np.array([[np.nan, np.nan], [1.0, np.nan]], np.float32)
    _check(jnp.nanargmax(all_nan, axis=1), [-1, 0])            # JAX's rule for all-NaN slices
    _check(jnp.nanargmin(np.array([3, 1, 2]), keepdims=True), [1])


def test_sort_derivatives():
    rng = np.random.default_rng(4)
    with numax.enable_x64():
        x = rng.standard_normal((3, 5))
        check_grads(lambda v: jnp.sort(v, axis=1), (x,), order=2)
        check_grads(lambda v: jnp.sort(v, axis=0, descending=True), (x,), order=1)
    x = np.array([3.0, 1.0, 2.0], np.float32)
    w = np.array([1.0, 10.0, 100.0], np.float32)
    grad = numax.grad(lambda v: jnp.sum(jnp.sort(v) * w))(x)
    np.testing.assert_array_equal(np.asarray(grad), [100.0, 1.0, 10.0])
