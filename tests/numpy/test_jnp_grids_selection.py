"""Grids (meshgrid, mgrid, ogrid, indices, ix_, unravel_index, ravel_multi_index) and
selection (select, piecewise, choose, extract, compress, apply_along_axis,
apply_over_axes) and the functional writers (put, put_along_axis, place, fill_diagonal)
against NumPy; jit with static sizes; the errors for in-place use.
"""

import numpy as np
import pytest

import numax
import numax.numpy as jnp


def _check(result, expected):
    expected = np.asarray(expected)
    assert np.shape(result) == expected.shape, (np.shape(result), expected.shape)
    np.testing.assert_allclose(np.asarray(result), expected, rtol=1e-6)


@pytest.mark.parametrize("indexing", ["xy", "ij"])
@pytest.mark.parametrize("sparse", [False, True])
def test_meshgrid(indexing, sparse):
    vectors = [np.arange(3), np.arange(2.0), np.arange(4)]
    for count in (1, 2, 3):
        for r, e in zip(jnp.meshgrid(*vectors[:count], indexing=indexing, sparse=sparse),
                        np.meshgrid(*vectors[:count], indexing=indexing, sparse=sparse)):
            _check(r, e)


def test_mgrid_ogrid_indices_ix():
    _check(jnp.mgrid[0:3, 1:5:2], np.mgrid[0:3, 1:5:2])
    _check(jnp.mgrid[0:1:5j, 0:2], np.mgrid[0:1:5j, 0:2])
    _check(jnp.mgrid[-1:1:0.5], np.mgrid[-1:1:0.5])
    for r, e in zip(jnp.ogrid[0:3, 0:1:4j], np.ogrid[0:3, 0:1:4j]):
        _check(r, e)
    _check(jnp.indices((2, 3)), np.indices((2, 3)))
    for r, e in zip(jnp.indices((2, 3), sparse=True), np.indices((2, 3), sparse=True)):
        _check(r, e)
    for r, e in zip(jnp.ix_([0, 1], [True, False, True]), np.ix_([0, 1], [True, False, True])):
        _check(r, e)
    x = np.arange(12).reshape(3, 4)
    _check(jnp.asarray(x)[jnp.ix_(np.array([2, 0]), np.array([1, 3, 3]))],
           x[np.ix_([2, 0], [1, 3, 3])])


def test_unravel_and_ravel_multi_index():
    flat = np.array([5, 1, 0, 23])
    for r, e in zip(jnp.unravel_index(flat, (2, 3, 4)), np.unravel_index(flat, (2, 3, 4))):
        _check(r, e)
    coords = (np.array([1, 0, 1]), np.array([2, 1, 0]))
    for order in ("C", "F"):
        _check(jnp.ravel_multi_index(coords, (2, 3), order=order),
               np.ravel_multi_index(coords, (2, 3), order=order))
    for mode in ("wrap", "clip"):
        wild = (np.array([3, -1]), np.array([5, 1]))
        _check(jnp.ravel_multi_index(wild, (2, 3), mode=mode),
               np.ravel_multi_index(wild, (2, 3), mode=mode))
    with pytest.raises(ValueError, match="invalid entry"):
        jnp.ravel_multi_index((np.array([2]), np.array([0])), (2, 3))


def test_select_piecewise_choose():
    x = np.arange(-3, 4).astype(np.float32)
    conditions = [x < -1, x > 1, x == 0]
    _check(jnp.select(conditions, [x, x ** 2, 7.0], default=-1.0),
           np.select(conditions, [x, x ** 2, 7.0], default=-1.0))
    funcs = [lambda v: -v, lambda v: v ** 2, 5.0]
    _check(jnp.piecewise(x, conditions[:2], funcs), np.piecewise(x, conditions[:2], funcs))
    _check(jnp.piecewise(x, conditions, funcs), np.piecewise(x, conditions, funcs))
    _check(jnp.piecewise(x, x > 0, [lambda v: v + 1]), np.piecewise(x, x > 0, [lambda v: v + 1]))
    choices = [np.arange(4), 10 * np.arange(4), -np.ones(4, int)]
    index = np.array([0, 2, 1, 2])
    _check(jnp.choose(index, choices), np.choose(index, choices))
    for mode in ("wrap", "clip"):
        wild = np.array([3, -1, 1, 7])
        _check(jnp.choose(wild, choices, mode=mode), np.choose(wild, choices, mode=mode))
        _check(numax.jit(lambda i: jnp.choose(i, choices, mode=mode))(wild),
               np.choose(wild, choices, mode=mode))
    with pytest.raises(ValueError, match="invalid entry"):
        jnp.choose(np.array([3]), choices)
    with pytest.raises(TypeError, match="wrap"):
        numax.jit(lambda i: jnp.choose(i, choices))(index)


def test_extract_and_compress():
    x = np.arange(12).reshape(3, 4)
    condition = x % 3 == 0
    _check(jnp.extract(condition, x), np.extract(condition, x))
    padded = numax.jit(lambda c, v: jnp.extract(c, v, size=6, fill_value=-1))(condition, x)
    _check(padded, np.concatenate([np.extract(condition, x), [-1, -1]]))
    for axis in (None, 0, 1):
        keep = [True, False, True]
        _check(jnp.compress(keep, x, axis=axis), np.compress(keep, x, axis=axis))
    _check(jnp.asarray(x).compress([False, True], axis=0), x.compress([False, True], axis=0))


def test_trim_zeros():
    x = np.array([0, 0, 3, 0, 5, 0, 0])
    for trim in ("fb", "f", "b", "F"):
        _check(jnp.trim_zeros(x, trim), np.trim_zeros(x, trim))
    _check(jnp.trim_zeros(np.zeros(3)), np.trim_zeros(np.zeros(3)))
    with pytest.raises(numax.errors.ConcretizationTypeError, match="concrete"):
        numax.jit(jnp.trim_zeros)(x)


def test_apply_along_and_over_axes():
    x = np.arange(24.0, dtype=np.float32).reshape(2, 3, 4)
    for axis in (0, 1, 2):
        _check(jnp.apply_along_axis(jnp.cumsum, axis, x), np.apply_along_axis(np.cumsum, axis, x))
        _check(jnp.apply_along_axis(jnp.sum, axis, x), np.apply_along_axis(np.sum, axis, x))
        _check(jnp.apply_along_axis(lambda v: jnp.outer(v, v), axis, x),
               np.apply_along_axis(lambda v: np.outer(v, v), axis, x))
    _check(jnp.apply_over_axes(jnp.sum, x, [0, 2]), np.apply_over_axes(np.sum, x, [0, 2]))


def test_functional_writers():
    x = np.arange(12).reshape(3, 4)
    expected = x.copy()
    np.put(expected, [0, 5, 11], [-1, -2])
    _check(jnp.put(x, np.array([0, 5, 11]), np.array([-1, -2]), inplace=False), expected)
    expected = x.copy()
    np.put(expected, [15, -20], [7, 8], mode="clip")
    _check(jnp.put(x, np.array([15, -20]), np.array([7, 8]), mode="clip", inplace=False),
           expected)
    expected = x.copy()
    np.put_along_axis(expected, np.array([[1], [3], [0]]), 99, axis=1)
    _check(jnp.put_along_axis(x, np.array([[1], [3], [0]]), 99, axis=1, inplace=False),
           expected)
    expected = x.copy()
    np.place(expected, x % 2 == 1, [50, 60, 70])
    _check(jnp.place(x, x % 2 == 1, np.array([50, 60, 70]), inplace=False), expected)
    for shape, wrap in [((3, 3), False), ((7, 3), True), ((7, 3), False), ((2, 2, 2), False)]:
        expected = np.zeros(shape)
        np.fill_diagonal(expected, [1, 2], wrap=wrap)
        _check(jnp.fill_diagonal(np.zeros(shape), np.array([1.0, 2.0]), wrap=wrap,
                                 inplace=False), expected)
    for writer in (lambda: jnp.put(x, np.array([0]), 1),
                   lambda: jnp.place(x, x > 3, 0),
                   lambda: jnp.fill_diagonal(x, 0),
                   lambda: jnp.put_along_axis(x, np.array([[0]]), 0, axis=1)):
        with pytest.raises(ValueError, match="inplace=False"):
            writer()
