"""numax.numpy logspace, geomspace and fromfunction against NumPy: array endpoints and
bases, axis, endpoint=False, negative and complex geometric ranges, traced endpoints."""

import numpy as np
import pytest

import numax
import numax.numpy as jnp
from numax.test_util import check_grads


@pytest.mark.parametrize("args,kwargs", [
    ((0, 3, 4), {}), ((0, 3, 5), {"endpoint": False}), ((2, -1, 6), {"base": 2.0}),
    ((np.array([0.0, 1.0]), 3, 5), {"base": np.array([2.0, 3.0]), "axis": 1}),
    ((np.array([[0.0], [1.0]]), np.array([1.0, 2.0, 3.0]), 3), {"axis": -1}),
    ((1, 2, 1), {}), ((1, 2, 0), {})])
def test_logspace(args, kwargs):
    got, want = jnp.logspace(*args, **kwargs), np.logspace(*args, **kwargs)
    assert got.shape == want.shape and got.dtype == np.float32
    np.testing.assert_allclose(np.asarray(got), want, rtol=2e-6)


@pytest.mark.parametrize("args,kwargs", [
    ((1, 1000, 4), {}), ((-1, -1000, 5), {"endpoint": False}), ((1000, 1, 7), {}),
    ((np.array([1.0, 2.0]), np.array([16.0, 3.0]), 5), {"axis": -1}),
    ((1j, 1000j, 4), {}), ((2, 2, 3), {}), ((3, 5, 1), {})])
def test_geomspace(args, kwargs):
    got, want = jnp.geomspace(*args, **kwargs), np.geomspace(*args, **kwargs)
    assert got.shape == want.shape
    np.testing.assert_allclose(np.asarray(got), want, rtol=2e-6)


def test_geomspace_exact_ends_dtype_and_errors():
    got = np.asarray(jnp.geomspace(3.0, 7.0, 9))
    assert got[0] == np.float32(3.0) and got[-1] == np.float32(7.0)
    assert jnp.geomspace(1, 10, 3, dtype=np.float16).dtype == np.float16
    with pytest.raises(ValueError, match="zero"):
        jnp.geomspace(0, 10, 3)
    with pytest.raises(ValueError, match="non-negative"):
        jnp.logspace(0, 1, -2)


def test_traced_endpoints_and_gradient():
    got = numax.jit(lambda a, b: jnp.logspace(a, b, 4))(0.0, 3.0)
    np.testing.assert_allclose(np.asarray(got), np.logspace(0, 3, 4), rtol=2e-6)
    got = numax.jit(lambda a, b: jnp.geomspace(a, b, 4))(2.0, 16.0)
    np.testing.assert_allclose(np.asarray(got), np.geomspace(2, 16, 4), rtol=2e-6)
    with numax.enable_x64():
        check_grads(lambda a, b: jnp.logspace(a, b, 5, base=3.0), (0.2, 1.4), order=1)
        check_grads(lambda a, b: jnp.geomspace(a, b, 5), (0.5, 4.0), order=1)


def test_fromfunction():
    got = jnp.fromfunction(lambda i, j: i + 10 * j, (2, 3), dtype=int)
    want = np.fromfunction(lambda i, j: i + 10 * j, (2, 3), dtype=int)
    assert got.dtype == np.int32
    np.testing.assert_array_equal(np.asarray(got), want)
    got = jnp.fromfunction(lambda i, j, k, scale: scale * (i - j * k), (3, 2, 4), scale=0.5)
    want = np.fromfunction(lambda i, j, k, scale: scale * (i - j * k), (3, 2, 4), scale=0.5)
    assert got.dtype == np.float32
    np.testing.assert_allclose(np.asarray(got), want)
    # Each call sees one scalar index per argument (the function is vmapped, as in JAX).
    shapes = []
    jnp.fromfunction(lambda i: shapes.append(np.shape(i)) or i, (4,))
    assert shapes == [()]
