"""Advanced and mixed indexing (`x[index]` with index arrays and boolean masks) against
NumPy: hypothesis-drawn mixtures of integers, slices, broadcasting index arrays, masks,
None and Ellipsis, eagerly and under jit with traced index arrays; NumPy's placement
rule for separated advanced indices; JAX's out-of-bounds clamping; the errors for
traced masks, lists and float indices; gradients (the gather transpose) against
np.add.at and finite differences; vmap against a loop; take and take_along_axis.
"""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import numax
import numax.numpy as jnp
from numax.numpy.indexing import NonConcreteBooleanIndexError
from numax.test_util import check_grads

from _index_strategies import integer_arrays, mixed_indices, replace_arrays

SHAPES = [(5,), (4, 3), (3, 1, 4), (2, 3, 2, 2), (0, 3), (3, 0)]


def _check(result, expected):
    assert isinstance(result, numax.Array), type(result)
    expected = np.asarray(expected)
    assert result.shape == expected.shape, (result.shape, expected.shape)
    assert result.dtype == expected.dtype, (result.dtype, expected.dtype)
    np.testing.assert_array_equal(np.asarray(result), expected)


@settings(max_examples=80, deadline=None)
@given(shape=st.sampled_from(SHAPES), data=st.data())
def test_mixed_indexing_matches_numpy(shape, data):
    x = np.arange(int(np.prod(shape)), dtype=np.int32).reshape(shape)
    index = data.draw(mixed_indices(shape))
    _check(jnp.asarray(x)[index], x[index])


@settings(max_examples=25, deadline=None)
@given(shape=st.sampled_from(SHAPES[:4]), data=st.data())
def test_mixed_indexing_under_jit_with_traced_index_arrays(shape, data):
    x = np.arange(int(np.prod(shape)), dtype=np.float32).reshape(shape)
    index = data.draw(mixed_indices(shape))
    arrays = integer_arrays(index)
    f = numax.jit(lambda v, *a: v[replace_arrays(index, a)])
    _check(f(jnp.asarray(x), *arrays), x[index])


@pytest.mark.parametrize("index", [
    ([0, 1], None, [0, 1]),                     # None separates: the broadcast axes go first
    (slice(None), [0, 1, 2, 0], None, [1, 0, 1, 0]),
    (slice(None), [0, 1, 2, 0], True, [1, 0, 1, 0]),   # a 0-d mask does not separate
    (0, slice(None), [0, 1]),                   # an integer is an advanced index here
    (slice(None), 1, slice(None), [0, 1, 0]),
    (slice(None), np.array(1), slice(None), [1, 1]),
    (Ellipsis, [0, 1]),
    ([[0], [1]], Ellipsis, [0, 1, 2]),
    (slice(None), 1, Ellipsis, [0, 1], slice(None)),   # an empty ellipsis separates too
    (0, [0, 1], Ellipsis, [1, 2], 0),
    (slice(None, None, -1), [2, 0], slice(1, 4, 2)),
    (True,), (False,), (1, True), (True, True),
    ([],), ([[]],), (slice(None), []), (np.array([], np.int32), 0),
    (np.array([[1, 0], [0, 1]]), np.array([[2, 1], [0, 0]])),
])
def test_specific_advanced_indices(index):
    x = np.arange(120, dtype=np.float32).reshape(2, 3, 4, 5)
    _check(jnp.asarray(x)[index], x[index])


def test_boolean_masks():
    x = np.arange(24, dtype=np.float32).reshape(4, 6) - 7
    for mask in (x > 3, x[:, 0] > 0, np.zeros((4, 6), bool), x[0] < -3):
        index = (mask,) if mask.shape[0] == 4 else (slice(None), mask)
        _check(jnp.asarray(x)[index], x[index])
    _check(jnp.asarray(x)[jnp.asarray(x > 3)], x[x > 3])            # a concrete numax mask
    _check(jnp.asarray(x)[x[:, 0] > 0, 2], x[x[:, 0] > 0, 2])
    _check(jnp.asarray(x)[1:, x[0] > -6], x[1:, x[0] > -6])
    mask = x > 0                                                    # a static mask under jit
    _check(numax.jit(lambda v: v[mask])(jnp.asarray(x)), x[mask])


def test_traced_boolean_mask_is_a_clear_error():
    x = jnp.arange(6.0)
    with pytest.raises(NonConcreteBooleanIndexError, match="where.*size=") as info:
        numax.jit(lambda v: v[v > 2])(x)
    assert isinstance(info.value, IndexError)
    with pytest.raises(NonConcreteBooleanIndexError):
        numax.jit(lambda v, m: v.at[m].set(0.0))(x, x > 2)


def test_mask_shape_mismatch_is_an_index_error():
    x = jnp.zeros((3, 4))
    with pytest.raises(IndexError, match="boolean index did not match"):
        x[np.array([True, False])]
    with pytest.raises(IndexError, match="boolean index did not match"):
        x[:, np.ones((3,), bool)]


def test_invalid_indices_raise():
    x = jnp.zeros((3, 4))
    with pytest.raises(TypeError, match="list"):
        x[[0, 1]]
    with pytest.raises(IndexError, match="integer or boolean"):
        x[np.array([0.5, 1.0])]
    with pytest.raises(IndexError, match="too many indices"):
        x[0, [1], 2]
    with pytest.raises(IndexError, match="out of bounds"):
        x[5, [0, 1]]
    with pytest.raises(IndexError, match="static"):
        numax.jit(lambda v, i: v[i:])(x, 1)


def test_out_of_bounds_index_arrays_are_clamped():
    x = np.arange(10, dtype=np.float32).reshape(5, 2)
    index = np.array([7, -1, -9, 4])
    clamped = np.clip(np.where(index < 0, index + 5, index), 0, 4)
    _check(jnp.asarray(x)[index], x[clamped])
    _check(numax.jit(lambda v, i: v[i, 1])(jnp.asarray(x), index), x[clamped, 1])


@pytest.mark.parametrize("index", [
    np.array([0, 2, 2, 4]),
    (slice(None), np.array([[1, 0], [1, 1]])),
    (np.array([3, 0, 3]), slice(1, None), None),
    (np.array([[1], [4]]), np.array([0, 2, 0])),
])
def test_gradient_of_gather_is_a_scatter_add(index):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((5, 3)).astype(np.float32)
    w = rng.standard_normal(x[index].shape).astype(np.float32)
    grad = numax.grad(lambda v: jnp.sum(v[index] * w))(jnp.asarray(x))
    expected = np.zeros_like(x)
    np.add.at(expected, index, w)
    np.testing.assert_allclose(np.asarray(grad), expected, rtol=1e-6)


def test_gather_derivatives_against_finite_differences():
    rng = np.random.default_rng(1)
    with numax.enable_x64():
        x = rng.standard_normal((4, 3))
        check_grads(lambda v: v[np.array([[0, 3], [3, 1]]), 1:] ** 2, (x,), order=2)
        check_grads(lambda v: jnp.take(v, np.array([2, 0, 2]), axis=1), (x,), order=1)


def test_vmap_of_advanced_indexing_matches_a_loop():
    rng = np.random.default_rng(2)
    x = rng.standard_normal((3, 4, 5)).astype(np.float32)
    idx = rng.integers(0, 4, (3, 2))
    f = lambda v, i: v[i, ::2]                                  # noqa: E731
    batched = numax.vmap(f)(jnp.asarray(x), jnp.asarray(idx))
    _check(batched, np.stack([x[b][idx[b], ::2] for b in range(3)]))
    shared = numax.vmap(lambda v: v[np.array([1, 1, 3]), 2])(jnp.asarray(x))
    _check(shared, np.stack([x[b][np.array([1, 1, 3]), 2] for b in range(3)]))


# ---------------------------------------------------------------- take, take_along_axis

@pytest.mark.parametrize("axis", [None, 0, 1, -1])
@pytest.mark.parametrize("mode", ["clip", "wrap"])
def test_take_matches_numpy(axis, mode):
    x = np.arange(12, dtype=np.float32).reshape(3, 4)
    indices = np.array([[0, 5], [-1, -7], [2, 11]])
    _check(jnp.take(x, indices, axis=axis, mode=mode), np.take(x, indices, axis=axis, mode=mode))


def test_take_fills_out_of_bounds_by_default():
    x = np.arange(5, dtype=np.float32)
    result = jnp.take(x, np.array([1, -1, 5, -6]))
    np.testing.assert_array_equal(np.asarray(result), [1, 4, np.nan, np.nan])
    ints = jnp.take(np.arange(5, dtype=np.int32), np.array([9, 0]))
    np.testing.assert_array_equal(np.asarray(ints), [np.iinfo(np.int32).min, 0])
    filled = jnp.take(x, np.array([9, 2]), fill_value=-1.0)
    np.testing.assert_array_equal(np.asarray(filled), [-1, 2])
    _check(jnp.take(x, 3), x[3])                     # a scalar index drops the axis
    with pytest.raises(NotImplementedError, match="raise"):
        jnp.take(x, np.array([1]), mode="raise")
    traced = numax.jit(lambda v, i: jnp.take(v, i))(x, np.array([6, 0]))
    np.testing.assert_array_equal(np.asarray(traced), [np.nan, 0])


def test_take_along_axis_matches_numpy():
    rng = np.random.default_rng(3)
    x = rng.standard_normal((3, 4, 5)).astype(np.float32)
    for axis in (0, 1, 2, -1):
        order = np.argsort(x, axis=axis)
        _check(jnp.take_along_axis(x, order, axis), np.take_along_axis(x, order, axis))
    pick = np.array([[[1], [0], [4], [2]]])          # broadcasts over axis 0
    _check(jnp.take_along_axis(x, pick, axis=2), np.take_along_axis(x, pick, axis=2))
    flat = np.array([0, 59, 7])
    _check(jnp.take_along_axis(x, flat, axis=None), np.take_along_axis(x, flat, axis=None))
    order = np.argsort(x, axis=1)
    traced = numax.jit(lambda v, i: jnp.take_along_axis(v, i, 1))(x, order)
    _check(traced, np.take_along_axis(x, order, 1))


def test_take_along_axis_out_of_bounds_and_grad():
    x = np.arange(6, dtype=np.float32).reshape(2, 3)
    result = jnp.take_along_axis(x, np.array([[3], [-1]]), axis=1)
    np.testing.assert_array_equal(np.asarray(result), [[np.nan], [5]])
    clipped = jnp.take_along_axis(x, np.array([[3], [-5]]), axis=1, mode="clip")
    np.testing.assert_array_equal(np.asarray(clipped), [[2], [3]])   # -5 -> -2 -> 0
    index = np.array([[2, 2], [0, 1]])
    grad = numax.grad(lambda v: jnp.sum(jnp.take_along_axis(v, index, 1)))(jnp.asarray(x))
    expected = np.zeros_like(x)
    np.add.at(expected, (np.arange(2)[:, None], index), 1.0)
    np.testing.assert_array_equal(np.asarray(grad), expected)
