"""numax.numpy.ufunc and frompyfunc: calls, outer, reduce (axis, keepdims, initial,
where), accumulate and at, for non-associative functions too, compared with NumPy's
built-in ufuncs of the same function; jit and grad of the reductions."""

import numpy as np
import pytest

import numax
import numax.numpy as jnp
from numax.test_util import check_grads

A = np.random.default_rng(0).integers(-5, 6, size=(3, 4)).astype(np.int32)
add = jnp.frompyfunc(lambda x, y: x + y, nin=2, nout=1, identity=0)
subtract = jnp.frompyfunc(lambda x, y: x - y, nin=2, nout=1)
negative = jnp.frompyfunc(lambda x: -x, nin=1, nout=1)


def test_call_outer_and_attributes():
    np.testing.assert_array_equal(np.asarray(subtract(A, A[0])), np.subtract(A, A[0]))
    np.testing.assert_array_equal(np.asarray(subtract.outer(A[0], A[:, :2])),
                                  np.subtract.outer(A[0], A[:, :2]))
    divmod_ = jnp.frompyfunc(lambda x, y: (x // y, x % y), nin=2, nout=2)
    quotient, remainder = divmod_(np.arange(-4, 5), 3)
    np.testing.assert_array_equal(np.asarray(quotient), np.arange(-4, 5) // 3)
    np.testing.assert_array_equal(np.asarray(remainder), np.arange(-4, 5) % 3)
    assert (add.nin, add.nout, add.nargs, add.identity) == (2, 1, 2, 0)
    assert isinstance(add, jnp.ufunc)
    with pytest.raises(TypeError, match="takes 2 arguments"):
        add(A)
    with pytest.raises(ValueError, match="two inputs"):
        negative.reduce(A)
    with pytest.raises(ValueError, match="two inputs"):
        divmod_.outer(A, A)


@pytest.mark.parametrize("axis", [0, 1, -1])
@pytest.mark.parametrize("keepdims", [False, True])
def test_reduce_is_a_left_fold(axis, keepdims):
    np.testing.assert_array_equal(np.asarray(subtract.reduce(A, axis=axis, keepdims=keepdims)),
                                  np.subtract.reduce(A, axis=axis, keepdims=keepdims))
    np.testing.assert_array_equal(np.asarray(subtract.reduce(A, axis=axis, initial=7)),
                                  np.subtract.reduce(A, axis=axis, initial=7))


def test_reduce_all_axes_where_and_empty():
    for axis in (None, (0, 1)):
        np.testing.assert_array_equal(np.asarray(add.reduce(A, axis=axis)),
                                      np.add.reduce(A, axis=axis))
    where = np.random.default_rng(1).random(A.shape) < 0.5
    np.testing.assert_array_equal(np.asarray(add.reduce(A, axis=1, where=where)),
                                  np.add.reduce(A, axis=1, where=where))
    empty = np.zeros((0, 3), np.int32)
    np.testing.assert_array_equal(np.asarray(add.reduce(empty)), np.add.reduce(empty))
    with pytest.raises(ValueError, match="identity"):
        subtract.reduce(empty)
    with pytest.raises(ValueError, match="initial"):
        subtract.reduce(A, where=where)


@pytest.mark.parametrize("axis", [0, 1])
def test_accumulate(axis):
    np.testing.assert_array_equal(np.asarray(subtract.accumulate(A, axis=axis)),
                                  np.subtract.accumulate(A, axis=axis))
    np.testing.assert_array_equal(np.asarray(add.accumulate(A, axis=axis, dtype=np.float32)),
                                  np.add.accumulate(A, axis=axis, dtype=np.float32))


def test_at_accumulates_repeated_indices():
    x = np.arange(6.0, dtype=np.float32)
    indices, values = np.array([0, 2, 2, 5]), np.array([1.0, 2.0, 3.0, 4.0], np.float32)
    want = x.copy()
    np.add.at(want, indices, values)
    np.testing.assert_array_equal(np.asarray(add.at(x, indices, values, inplace=False)), want)
    want = x.copy()
    np.negative.at(want, [1, 1, 3])
    np.testing.assert_array_equal(np.asarray(negative.at(x, np.array([1, 1, 3]),
                                                         inplace=False)), want)
    grid = np.arange(12.0, dtype=np.float32).reshape(3, 4)
    want = grid.copy()
    np.subtract.at(want, (np.array([0, 0, 2]), np.array([1, 1, 3])), 2.0)
    got = subtract.at(grid, (np.array([0, 0, 2]), np.array([1, 1, 3])), 2.0, inplace=False)
    np.testing.assert_array_equal(np.asarray(got), want)
    with pytest.raises(ValueError, match="inplace=False"):
        add.at(x, indices, values)


def test_custom_methods_jit_and_grad():
    custom = jnp.ufunc(lambda x, y: x * y, 2, 1, name="times",
                       reduce=lambda a, **kw: jnp.prod(a, axis=kw["axis"]))
    assert repr(custom) == "<numax.numpy.ufunc 'times'>"
    np.testing.assert_array_equal(np.asarray(custom.reduce(A, axis=1)), np.prod(A, axis=1))
    x = np.random.default_rng(2).standard_normal((3, 4)).astype(np.float32)
    np.testing.assert_allclose(np.asarray(numax.jit(lambda v: subtract.reduce(v, axis=1))(x)),
                               np.subtract.reduce(x, axis=1), rtol=1e-6)
    with numax.enable_x64():
        mul = jnp.frompyfunc(lambda a, b: a * b, nin=2, nout=1)
        check_grads(lambda v: mul.reduce(v, axis=0), (x.astype(np.float64),), order=1)
        check_grads(lambda v: mul.accumulate(v, axis=1), (x.astype(np.float64),), order=1)
