"""flip, roll, rot90, tile, repeat, tri/tril/triu, diag/diagonal/diagflat/trace, the
triangle and diagonal index helpers and the split family against NumPy; traced roll
shifts and repeat counts under jit; derivatives against finite differences.
"""

import numpy as np
import pytest

import numax
import numax.numpy as jnp
from numax.core.dtypes import canonicalize_dtype
from numax.test_util import check_grads

X = np.arange(24, dtype=np.int32).reshape(2, 3, 4)


def _check(result, expected):
    expected = np.asarray(expected)
    assert result.shape == expected.shape, (result.shape, expected.shape)
    assert result.dtype == canonicalize_dtype(expected.dtype), (result.dtype, expected.dtype)
    np.testing.assert_array_equal(np.asarray(result), expected)


@pytest.mark.parametrize("axis", [None, 0, -1, (0, 2)])
def test_flip(axis):
    _check(jnp.flip(X, axis), np.flip(X, axis))
    _check(jnp.fliplr(X), np.fliplr(X))
    _check(jnp.flipud(X), np.flipud(X))


@pytest.mark.parametrize("shift,axis", [(2, None), (-7, None), (1, 0), (5, 2), ((1, -5), (0, 2)),
                                        (3, (1, 2)), ((1, 1), 1)])
def test_roll(shift, axis):
    _check(jnp.roll(X, shift, axis), np.roll(X, shift, axis))


def test_roll_with_traced_shift():
    f = numax.jit(lambda v, s: jnp.roll(v, s, axis=2))
    for shift in (-9, -1, 0, 3, 10):
        _check(f(X, shift), np.roll(X, shift, axis=2))
    _check(numax.jit(lambda v, s: jnp.roll(v, s))(X, 5), np.roll(X, 5))


@pytest.mark.parametrize("k", [-1, 0, 1, 2, 3, 6])
def test_rot90(k):
    for axes in [(0, 1), (2, 0), (1, -1)]:
        _check(jnp.rot90(X, k, axes), np.rot90(X, k, axes))


@pytest.mark.parametrize("reps", [2, (2, 1), (1, 2, 1, 3), (0, 2), ()])
def test_tile(reps):
    _check(jnp.tile(X[0], reps), np.tile(X[0], reps))


def test_repeat():
    for repeats, axis in [(2, None), (3, 1), (0, 2), ([1, 0, 2], 1), (np.array([2, 1]), 0)]:
        _check(jnp.repeat(X, repeats, axis), np.repeat(X, repeats, axis))
    _check(jnp.repeat(X, 2, axis=0, total_repeat_length=3), np.repeat(X, 2, axis=0)[:3])
    f = numax.jit(lambda v, r: jnp.repeat(v, r, axis=1, total_repeat_length=5))
    _check(f(X, np.array([1, 0, 4])), np.repeat(X, [1, 0, 4], axis=1))
    # surplus output repeats the last element, a shortfall cuts the result (JAX's rule)
    _check(f(X, np.array([1, 1, 1])), np.repeat(X, [1, 1, 3], axis=1))
    _check(f(X, np.array([3, 3, 3])), np.repeat(X, 3, axis=1)[:, :5])
    with pytest.raises(numax.errors.ConcretizationTypeError, match="total_repeat_length"):
        numax.jit(lambda v, r: jnp.repeat(v, r))(X, np.array([1, 2]))


@pytest.mark.parametrize("k", [-2, 0, 1, 5])
def test_triangles_and_diagonals(k):
    _check(jnp.tri(3, 4, k), np.tri(3, 4, k))
    _check(jnp.tri(3, k=k, dtype=int), np.tri(3, k=k, dtype=np.int32))
    _check(jnp.tril(X, k), np.tril(X, k))
    _check(jnp.triu(X, k), np.triu(X, k))
    _check(jnp.diag(X[0], k), np.diag(X[0], k))
    _check(jnp.diag(np.arange(3), k), np.diag(np.arange(3), k))
    _check(jnp.diagflat(X[0, :2], k), np.diagflat(X[0, :2], k))
    for axis1, axis2 in [(0, 1), (2, 0), (1, 2)]:
        _check(jnp.diagonal(X, k, axis1, axis2), np.diagonal(X, k, axis1, axis2))
        _check(jnp.trace(X, k, axis1, axis2), np.trace(X, k, axis1, axis2))


def test_index_helpers():
    for ours, theirs in [(jnp.tril_indices(4, -1), np.tril_indices(4, -1)),
                         (jnp.triu_indices(3, 1, 5), np.triu_indices(3, 1, 5)),
                         (jnp.tril_indices_from(X[0]), np.tril_indices_from(X[0])),
                         (jnp.triu_indices_from(X[0], 2), np.triu_indices_from(X[0], 2)),
                         (jnp.diag_indices(3, 3), np.diag_indices(3, 3)),
                         (jnp.diag_indices_from(np.ones((2, 2))),
                          np.diag_indices_from(np.ones((2, 2))))]:
        assert len(ours) == len(theirs)
        for a, b in zip(ours, theirs):
            _check(a, b)


@pytest.mark.parametrize("sections", [2, [1, 3], [-1, 10], [2, 1]])
def test_split_family(sections):
    x = np.arange(24).reshape(4, 6).astype(np.float32)
    for ours, theirs in [(jnp.split(x, sections, axis=0), np.split(x, sections, axis=0)),
                         (jnp.array_split(x, 4 if sections == 2 else sections, axis=1),
                          np.array_split(x, 4 if sections == 2 else sections, axis=1)),
                         (jnp.hsplit(x, sections), np.hsplit(x, sections)),
                         (jnp.vsplit(x, sections), np.vsplit(x, sections)),
                         (jnp.dsplit(x[None], sections), np.dsplit(x[None], sections))]:
        assert len(ours) == len(theirs)
        for a, b in zip(ours, theirs):
            _check(a, b)
    with pytest.raises(ValueError, match="equal division"):
        jnp.split(x, 5, axis=1)


def test_rearrangement_derivatives():
    rng = np.random.default_rng(0)
    with numax.enable_x64():
        x = rng.standard_normal((3, 4))
        check_grads(lambda v: jnp.roll(jnp.rot90(v), 2, axis=1), (x,), order=1)
        check_grads(lambda v: jnp.tile(jnp.tril(v, 1), (2, 1)), (x,), order=1)
        check_grads(lambda v: jnp.repeat(v, np.array([2, 0, 1]), axis=0), (x,), order=1)
        check_grads(lambda v: jnp.diag(jnp.diagonal(v, 1)) * jnp.trace(v), (x,), order=2)
    grad = numax.grad(lambda v: jnp.sum(jnp.repeat(v, 3)))(np.ones(2, np.float32))
    np.testing.assert_array_equal(np.asarray(grad), [3.0, 3.0])
