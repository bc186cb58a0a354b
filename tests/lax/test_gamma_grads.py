"""igamma_grad_a (d/da of the regularized incomplete gamma P(a, x)), igamma's derivative in
a that it provides, and random_gamma_grad, against finite differences of SciPy's gammainc
and gammaincc in float64 (Richardson-extrapolated central differences)."""

import numpy as np
import pytest
from scipy import special

import numax
from numax import lax
from numax.test_util import check_grads


def _dp_da(a, x):
    """d/da P(a, x) by extrapolated central differences, differencing whichever of P and
    Q = 1 - P is small (so the difference does not cancel)."""
    def derivative(fn, h):
        return (fn(a + h, x) - fn(a - h, x)) / (2 * h)
    use_q = x > a
    fn = lambda s, t: np.where(use_q, -special.gammaincc(s, t), special.gammainc(s, t))  # noqa: E731
    h = 1e-4 * np.maximum(a, 0.05)
    return (4 * derivative(fn, h) - derivative(fn, 2 * h)) / 3


def _points(n, seed):
    rng = np.random.default_rng(seed)
    a = np.concatenate([rng.uniform(0.2, 25, n), [0.5, 1.0, 3.0, 10.0, 60.0]])
    x = np.concatenate([rng.uniform(0.05, 30, n), [0.3, 1.0, 2.9, 10.0, 55.0]])
    return a, x


def test_igamma_grad_a_matches_finite_differences_float64():
    a, x = _points(300, 0)
    with numax.enable_x64():
        got = np.asarray(numax.jit(lax.igamma_grad_a)(a, x))
    want = _dp_da(a, x)
    np.testing.assert_allclose(got, want, rtol=2e-6, atol=1e-9)


def test_igamma_grad_a_float32_and_edges():
    a, x = _points(100, 1)
    got = np.asarray(lax.igamma_grad_a(a.astype(np.float32), x.astype(np.float32)))
    assert got.dtype == np.float32
    np.testing.assert_allclose(got, _dp_da(a.astype(np.float32).astype(float),
                                           x.astype(np.float32).astype(float)),
                               rtol=2e-3, atol=2e-5)
    edge_a = np.array([2.0, 2.0, 0.0, -1.0, 2.0, np.nan], np.float32)
    edge_x = np.array([0.0, np.inf, 1.0, 1.0, -1.0, 1.0], np.float32)
    np.testing.assert_array_equal(np.asarray(lax.igamma_grad_a(edge_a, edge_x)),
                                  [0, 0, np.nan, np.nan, np.nan, np.nan])


def test_igamma_and_igammac_differentiate_in_a():
    with numax.enable_x64():
        a, x = np.array([0.7, 2.5, 6.0]), np.array([1.5, 1.0, 9.0])
        grad_p = numax.grad(lambda s: lax.igamma(s, x).sum())(a)
        grad_q = numax.jit(numax.grad(lambda s: lax.igammac(s, x).sum()))(a)
        np.testing.assert_allclose(np.asarray(grad_p), _dp_da(a, x), rtol=1e-6)
        np.testing.assert_allclose(np.asarray(grad_q), -_dp_da(a, x), rtol=1e-6)
        check_grads(lambda s, t: lax.igamma(s, t), (a, x), 1)
        # igamma_grad_a is differentiable in x (closed form), not in a.
        check_grads(lambda t: lax.igamma_grad_a(a, t), (x,), 1)
        with pytest.raises(NotImplementedError, match="igamma_grad_a"):
            numax.grad(lambda s: lax.igamma_grad_a(s, x).sum())(a)


def test_igamma_grad_a_vmaps_like_a_loop():
    a, x = _points(4, 2)
    a, x = a.reshape(3, 3).astype(np.float32), x.reshape(3, 3).astype(np.float32)
    got = numax.vmap(lax.igamma_grad_a, in_axes=(1, 0))(a, x)
    want = np.stack([np.asarray(lax.igamma_grad_a(a[:, i], x[i])) for i in range(3)])
    np.testing.assert_allclose(np.asarray(got), want, rtol=1e-6)


def test_igamma_grad_a_rejects_integers():
    with pytest.raises(TypeError, match="igamma_grad_a"):
        lax.igamma_grad_a(np.int32(2), np.int32(1))


def test_random_gamma_grad_is_the_implicit_reparameterisation_gradient():
    rng = np.random.default_rng(3)
    a = rng.uniform(0.1, 20, 200)
    x = rng.gamma(a)
    density = np.exp((a - 1) * np.log(x) - x - special.gammaln(a))
    with numax.enable_x64():
        got = np.asarray(numax.jit(lax.random_gamma_grad)(a, x))
    np.testing.assert_allclose(got, -_dp_da(a, x) / density, rtol=2e-6, atol=1e-10)
    # At x = 0 the sample cannot move.
    assert float(lax.random_gamma_grad(np.float32(2.0), np.float32(0.0))) == 0.0


def test_gamma_sampler_gradient_is_the_implicit_gradient():
    key = numax.random.key(0)
    a = np.array([0.6, 2.5, 9.0], np.float32)
    sample = np.asarray(numax.random.gamma(key, a), np.float64)
    total = numax.grad(lambda s: numax.random.gamma(key, s).sum())(a)
    a64 = a.astype(np.float64)
    density = np.exp((a64 - 1) * np.log(sample) - sample - special.gammaln(a64))
    np.testing.assert_allclose(np.asarray(total), -_dp_da(a64, sample) / density, rtol=2e-4)
