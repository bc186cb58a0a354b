"""numax/lax/solvers.py: custom_linear_solve and custom_root against explicit solves
(np.linalg.solve, np.sqrt) and finite differences, eagerly, under jit, vmap and grad."""

import numpy as np
import pytest

import numax
import numax.numpy as jnp
from numax import lax
from numax.test_util import check_grads

RNG = np.random.default_rng(11)
A = RNG.standard_normal((4, 4)) + 4 * np.eye(4)
B = RNG.standard_normal(4)


def _solve(a, b):
    return lax.custom_linear_solve(lambda v: a @ v, b,
                                   solve=lambda matvec, y: jnp.linalg.solve(a, y),
                                   transpose_solve=lambda vecmat, y: jnp.linalg.solve(a.T, y))


def _cg_solve(matvec, b):
    """Conjugate gradients with a fixed number of steps: derivatives must not follow it."""
    def step(i, state):
        x, r, p = state
        ap = matvec(p)
        alpha = (r @ r) / (p @ ap)
        x, r_new = x + alpha * p, r - alpha * ap
        return x, r_new, r_new + (r_new @ r_new) / (r @ r) * p
    return lax.fori_loop(0, 12, step, (jnp.zeros_like(b), b, b))[0]


def test_value_matches_explicit_solve_eager_and_jit():
    a, b = A.astype(np.float32), B.astype(np.float32)
    want = np.linalg.solve(A, B)
    np.testing.assert_allclose(np.asarray(_solve(a, b)), want, rtol=1e-5)
    np.testing.assert_allclose(np.asarray(numax.jit(_solve)(a, b)), want, rtol=1e-5)


def test_derivatives_match_finite_differences():
    with numax.enable_x64():
        check_grads(_solve, (A, B), 1, atol=1e-5, rtol=1e-5)


def test_symmetric_iterative_solve_has_implicit_gradient():
    spd = A @ A.T

    def f(a, b):
        return lax.custom_linear_solve(lambda v: a @ v, b, _cg_solve, _cg_solve, symmetric=True)
    with numax.enable_x64():
        np.testing.assert_allclose(np.asarray(f(spd, B)), np.linalg.solve(spd, B), rtol=1e-8)
        grad = numax.grad(lambda b: f(spd, b).sum())(B)
        np.testing.assert_allclose(np.asarray(grad), np.linalg.solve(spd.T, np.ones(4)),
                                   rtol=1e-8)


def test_vmap_over_right_hand_sides_and_matrices():
    a = np.stack([A, A + np.eye(4)]).astype(np.float32)
    b = np.stack([B, 2 * B]).astype(np.float32)
    got = numax.vmap(_solve)(a, b)
    for i in range(2):
        np.testing.assert_allclose(np.asarray(got[i]), np.linalg.solve(a[i], b[i]), rtol=1e-5)


def test_reverse_mode_needs_transpose_solve():
    def f(b):
        return lax.custom_linear_solve(lambda v: 2.0 * v, b, lambda mv, y: y / 2.0).sum()
    np.testing.assert_allclose(np.asarray(numax.jvp(f, (B,), (np.ones(4),))[1]), 2.0)
    with pytest.raises(TypeError, match="transpose_solve"):
        numax.grad(f)(B)


def _sqrt(a):
    def newton(f, x0):
        return lax.fori_loop(0, 30, lambda i, x: x - f(x) / (2 * x), x0)
    return lax.custom_root(lambda x: x * x - a, jnp.ones_like(a), newton,
                           lambda g, y: y / g(jnp.ones_like(y)))


def test_custom_root_value_and_implicit_derivatives():
    values = np.array([0.5, 2.0, 9.0])
    with numax.enable_x64():
        np.testing.assert_allclose(np.asarray(numax.vmap(_sqrt)(values)), np.sqrt(values))
        grads = numax.vmap(numax.grad(_sqrt))(values)
        np.testing.assert_allclose(np.asarray(grads), 0.5 / np.sqrt(values), rtol=1e-10)
        np.testing.assert_allclose(float(numax.jit(numax.grad(_sqrt))(4.0)), 0.25)
        check_grads(_sqrt, (np.float64(3.0),), 2)
