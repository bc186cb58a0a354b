"""numax.numpy gradient, trapezoid and unwrap against NumPy: uniform and coordinate
spacings, edge orders 1 and 2, several axes; jit == eager and derivatives."""

import numpy as np
import pytest

import numax
import numax.numpy as jnp
from numax.test_util import check_grads

R = np.random.default_rng(0)
F = R.standard_normal((5, 6)).astype(np.float32)
X = np.cumsum(R.uniform(0.5, 1.5, size=6)).astype(np.float32)
Y = np.cumsum(R.uniform(0.5, 1.5, size=5)).astype(np.float32)


@pytest.mark.parametrize("edge_order", [1, 2])
@pytest.mark.parametrize("args,kwargs", [
    ((), {}), ((0.5,), {}), ((Y, X), {}), ((2.0, X), {}), ((X,), {"axis": 1}),
    ((), {"axis": 0}), ((0.3, 0.7), {"axis": (1, 0)})])
def test_gradient_against_numpy(args, kwargs, edge_order):
    got = jnp.gradient(F, *args, edge_order=edge_order, **kwargs)
    want = np.gradient(F, *args, edge_order=edge_order, **kwargs)
    if isinstance(want, tuple):
        assert isinstance(got, tuple) and len(got) == len(want)
    else:
        got, want = (got,), (want,)
    for g, w in zip(got, want):
        assert g.dtype == np.float32
        np.testing.assert_allclose(np.asarray(g), w, rtol=2e-4, atol=2e-4)


def test_gradient_short_axes_integers_and_errors():
    np.testing.assert_allclose(np.asarray(jnp.gradient(np.array([1, 3]))),
                               np.gradient(np.array([1.0, 3.0])))
    np.testing.assert_allclose(np.asarray(jnp.gradient(np.array([1, 2, 4, 7]))),
                               np.gradient(np.array([1, 2, 4, 7])))
    with pytest.raises(ValueError, match="at least 3"):
        jnp.gradient(np.ones(2), edge_order=2)
    with pytest.raises(ValueError, match="edge_order"):
        jnp.gradient(np.ones(4), edge_order=3)
    with pytest.raises(TypeError, match="spacings"):
        jnp.gradient(F, 1.0, 2.0, 3.0)


def test_gradient_jit_and_derivative():
    want = np.gradient(F, X, axis=1)
    got = numax.jit(lambda f, x: jnp.gradient(f, x, axis=1))(F, X)
    np.testing.assert_allclose(np.asarray(got), want, rtol=2e-4, atol=2e-4)
    with numax.enable_x64():
        check_grads(lambda f, x: jnp.gradient(f, x, axis=1, edge_order=2),
                    (F.astype(np.float64), X.astype(np.float64)), order=1)


@pytest.mark.parametrize("kwargs", [{}, {"dx": 0.3}, {"x": X}, {"x": Y, "axis": 0},
                                    {"x": np.broadcast_to(X, F.shape).copy()}])
def test_trapezoid(kwargs):
    np.testing.assert_allclose(np.asarray(jnp.trapezoid(F, **kwargs)),
                               np.trapezoid(F, **kwargs), rtol=1e-5, atol=1e-6)


def test_trapezoid_jit_grad_and_errors():
    np.testing.assert_allclose(np.asarray(numax.jit(jnp.trapezoid)(F, X)), np.trapezoid(F, X),
                               rtol=1e-5, atol=1e-6)
    with numax.enable_x64():
        check_grads(jnp.trapezoid, (F.astype(np.float64), X.astype(np.float64)), order=2)
    with pytest.raises(ValueError, match="points"):
        jnp.trapezoid(F, Y)


@pytest.mark.parametrize("kwargs", [{}, {"axis": 0}, {"discont": 4.0}, {"period": 5.0},
                                    {"period": 4.0, "discont": 1.0}])
def test_unwrap(kwargs):
    phase = np.cumsum(R.uniform(-3, 3, size=(4, 25)), axis=1)
    period = kwargs.get("period", 2 * np.pi)
    wrapped = np.mod(phase, period).astype(np.float32)
    np.testing.assert_allclose(np.asarray(jnp.unwrap(wrapped, **kwargs)),
                               np.unwrap(wrapped, **kwargs), rtol=1e-5, atol=1e-4)


def test_unwrap_exact_half_period_jit_and_grad():
    p = np.array([0.0, np.pi, 0.0, -np.pi, 2.5], np.float32)
    np.testing.assert_allclose(np.asarray(jnp.unwrap(p)), np.unwrap(p), rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(np.asarray(numax.jit(jnp.unwrap)(p)), np.unwrap(p), rtol=1e-6,
                               atol=1e-6)
    with numax.enable_x64():
        check_grads(jnp.unwrap, (np.array([0.1, 3.0, 6.5, 0.5, 2.0]),), order=1)
