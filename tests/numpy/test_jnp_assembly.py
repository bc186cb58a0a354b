"""numax.numpy append, insert, delete, block, column_stack, dstack, resize, unstack,
rollaxis and matrix_transpose against NumPy, including NumPy's broadcasting rules for
insert's values, duplicate and negative positions, boolean masks for delete, traced
positions for delete(assume_unique_indices=True), and errors for bad input."""

import numpy as np
import pytest

import numax
import numax.numpy as jnp
from numax.test_util import check_grads

A = np.random.default_rng(0).integers(0, 9, size=(3, 4)).astype(np.float32)


@pytest.mark.parametrize("obj,values,axis", [
    (1, [7], None), (-1, [5, 6], None), (2, 9, 1), ([0, 2, 2], [1, 2, 3], 1),
    ([1], [[1], [2], [3]], 1), (slice(1, 3), 0, 0), (4, [1, 2, 3], 1), (-2, [[1, 2, 3, 4]], 0),
    ([3, -1], [8, 9], 1), (0, [1, 2, 3], 1), (np.array([2, 0]), [[1, 2, 3, 4], [5, 6, 7, 8]], 0),
    (3, [1.5, 2.5], None)])
def test_insert(obj, values, axis):
    want = np.insert(A, obj, values, axis=axis)
    got = jnp.insert(A, obj, np.asarray(values), axis=axis)
    assert got.dtype == want.dtype
    np.testing.assert_array_equal(np.asarray(got), want)


@pytest.mark.parametrize("obj,axis", [
    (1, None), ([0, 2], 1), (slice(None, None, 2), 0), (np.array([True, False, True, False]), 1),
    ([], 0), (-1, 1), ([1, 1, -3], 1), (slice(5, 1, -1), None)])
def test_delete(obj, axis):
    np.testing.assert_array_equal(np.asarray(jnp.delete(A, obj, axis=axis)),
                                  np.delete(A, obj, axis=axis))


def test_delete_traced_unique_indices():
    fn = numax.jit(lambda x, o: jnp.delete(x, o, axis=1, assume_unique_indices=True))
    np.testing.assert_array_equal(np.asarray(fn(A, np.array([3, 0]))), np.delete(A, [3, 0], 1))
    np.testing.assert_array_equal(np.asarray(fn(A, np.array([-1, 1]))),
                                  np.delete(A, [-1, 1], 1))


def test_insert_delete_errors():
    with pytest.raises(IndexError, match="out of bounds"):
        jnp.insert(A, 5, 1.0, axis=1)
    with pytest.raises(IndexError, match="out of bounds"):
        jnp.delete(A, [0, 4], axis=1)
    with pytest.raises(TypeError, match="concrete"):
        numax.jit(lambda x, o: jnp.delete(x, o))(A, 1)
    with pytest.raises(TypeError, match="concrete"):
        numax.jit(lambda x, o: jnp.insert(x, o, 0.0))(A, 1)
    with pytest.raises(ValueError, match="mask"):
        jnp.delete(A, np.array([True, False]), axis=1)
    with pytest.raises(TypeError, match="integers"):
        jnp.insert(A, [1.5], 0.0)


def test_insert_delete_under_jit_and_grad():
    f = numax.jit(lambda x, v: jnp.insert(jnp.delete(x, [0, 2], axis=1), 1, v, axis=0))
    v = np.array([10.0, 20.0], np.float32)
    np.testing.assert_array_equal(np.asarray(f(A, v)),
                                  np.insert(np.delete(A, [0, 2], axis=1), 1, v, axis=0))
    with numax.enable_x64():
        check_grads(lambda x, v: jnp.insert(jnp.delete(x, [0, 2], axis=1), 1, v, axis=0),
                    (A.astype(np.float64), v.astype(np.float64)), order=1)


def test_append():
    np.testing.assert_array_equal(np.asarray(jnp.append(A, np.ones((1, 4)), axis=0)),
                                  np.append(A, np.ones((1, 4)), axis=0))
    np.testing.assert_array_equal(np.asarray(jnp.append(A, np.arange(3))),
                                  np.append(A, np.arange(3)).astype(np.float32))
    with pytest.raises((ValueError, TypeError), match="shapes must match"):
        jnp.append(A, np.ones(4), axis=0)


@pytest.mark.parametrize("arrays", [
    [[np.ones((2, 2)), 2 * np.ones((2, 1))], [3 * np.ones((1, 3))]],
    [1, 2, np.array([3, 4])], [[[1]]], [np.eye(2), np.zeros((2, 1))],
    [[[np.ones((1, 2, 2))], [np.zeros((1, 1, 2))]]], np.arange(3)])
def test_block(arrays):
    want = np.block(arrays)
    got = jnp.block(arrays)
    assert got.shape == want.shape
    np.testing.assert_array_equal(np.asarray(got), want)


def test_block_errors():
    with pytest.raises(ValueError, match="depths"):
        jnp.block([[1, 2], 3])
    with pytest.raises(TypeError, match="tuple"):
        jnp.block([(1, 2)])
    with pytest.raises(ValueError, match="empty"):
        jnp.block([])


def test_column_stack_dstack():
    parts = [np.arange(3), np.ones((3, 2)), np.float32(5) * np.ones(3)]
    np.testing.assert_array_equal(np.asarray(jnp.column_stack(parts)), np.column_stack(parts))
    for parts in ([np.arange(3), np.arange(3)], [np.ones((2, 3)), np.zeros((2, 3, 2))]):
        np.testing.assert_array_equal(np.asarray(jnp.dstack(parts)), np.dstack(parts))


@pytest.mark.parametrize("shape", [(5, 3), 7, (2, 2, 4), (0,), 1])
def test_resize(shape):
    np.testing.assert_array_equal(np.asarray(jnp.resize(A, shape)), np.resize(A, shape))
    np.testing.assert_array_equal(np.asarray(jnp.resize(np.zeros(0, np.float32), shape)),
                                  np.resize(np.zeros(0, np.float32), shape))
    with pytest.raises(ValueError, match="non-negative"):
        jnp.resize(A, (-1, 2))


def test_rollaxis_unstack_matrix_transpose():
    x = np.arange(120).reshape(2, 3, 4, 5)
    for axis in range(-4, 4):
        for start in range(-4, 5):
            np.testing.assert_array_equal(np.asarray(jnp.rollaxis(x, axis, start)),
                                          np.rollaxis(x, axis, start))
    with pytest.raises(np.exceptions.AxisError):
        jnp.rollaxis(x, 0, 5)
    for axis in (0, 2, -1):
        got = jnp.unstack(x, axis=axis)
        want = np.unstack(x, axis=axis)
        assert isinstance(got, tuple) and len(got) == len(want)
        for g, w in zip(got, want):
            np.testing.assert_array_equal(np.asarray(g), w)
    np.testing.assert_array_equal(np.asarray(jnp.matrix_transpose(x)), np.matrix_transpose(x))
    with pytest.raises(ValueError, match="2 dimensions"):
        jnp.matrix_transpose(np.ones(3))
    with pytest.raises(ValueError, match="dimension"):
        jnp.unstack(np.float32(1))
