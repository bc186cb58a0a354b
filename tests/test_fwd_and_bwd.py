"""`vjp` functions are pytrees (they can leave a jit), and `fwd_and_bwd` splits a gradient
into a forward and a backward function that each compile once. References: `grad`, and
the analytic derivative of the test functions."""

import numpy as np
import pytest

import numax
import numax.numpy as jnp


def _mlp(x, w):
    return jnp.tanh(x @ w)


def _analytic_vjp(x, w, ct):
    """Cotangents of (x, w) for tanh(x @ w): d tanh = 1 - tanh²."""
    inner = ct * (1 - np.tanh(x @ w) ** 2)
    return inner @ w.T, x.T @ inner


def _data(seed):
    rng = np.random.default_rng(seed)
    return (rng.normal(size=(3, 4)).astype(np.float32), rng.normal(size=(4, 2)).astype(np.float32),
            rng.normal(size=(3, 2)).astype(np.float32))


def test_vjp_function_is_a_pytree_of_its_residuals_and_can_leave_jit():
    x, w, ct = _data(0)
    _, eager_fn = numax.vjp(_mlp, x, w)
    jitted_fn = numax.jit(lambda x, w: numax.vjp(_mlp, x, w)[1])(x, w)
    leaves = numax.tree.leaves(jitted_fn)
    assert leaves and all(isinstance(leaf, numax.Array) for leaf in leaves)
    want = _analytic_vjp(x, w, ct)
    for fn in (eager_fn, jitted_fn):
        for got, ref in zip(fn(ct), want):
            np.testing.assert_allclose(got, ref, rtol=1e-5, atol=1e-6)
    # a vjp function passes through jit as an argument too
    got_x, _ = numax.jit(lambda fn, c: fn(c))(jitted_fn, ct)
    np.testing.assert_allclose(got_x, want[0], rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("jitted", [True, False])
def test_fwd_and_bwd_matches_the_analytic_vjp_and_compiles_once(jitted):
    fwd, bwd = numax.fwd_and_bwd(_mlp, argnums=(0, 1), jitted=jitted)
    for seed in range(3):
        x, w, ct = _data(seed)
        y, residuals = fwd(x, w)
        np.testing.assert_allclose(y, np.tanh(x @ w), rtol=1e-5, atol=1e-6)
        got = bwd(residuals, ct)
        assert isinstance(got, tuple) and len(got) == 2
        for g, ref in zip(got, _analytic_vjp(x, w, ct)):
            np.testing.assert_allclose(g, ref, rtol=1e-5, atol=1e-6)
    if jitted:
        assert fwd._cache_size() == 1 and bwd._cache_size() == 1


def test_int_argnums_gives_one_cotangent_and_aux_comes_last():
    def loss(x, w):
        y = _mlp(x, w)
        return jnp.sum(y ** 2), {"mean": jnp.mean(y)}

    fwd, bwd = numax.fwd_and_bwd(loss, argnums=1, has_aux=True)
    x, w, _ = _data(1)
    value, residuals, aux = fwd(x, w)
    np.testing.assert_allclose(aux["mean"], np.tanh(x @ w).mean(), rtol=1e-5)
    got = bwd(residuals, jnp.float32(1.0))
    want = numax.grad(lambda w: loss(x, w)[0])(w)
    assert isinstance(got, numax.Array)
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(value, np.sum(np.tanh(x @ w) ** 2), rtol=1e-5)


def test_bwd_rejects_a_cotangent_of_the_wrong_shape():
    fwd, bwd = numax.fwd_and_bwd(_mlp, argnums=0)
    x, w, _ = _data(2)
    _, residuals = fwd(x, w)
    with pytest.raises(ValueError, match="cotangent 0 has shape"):
        bwd(residuals, jnp.ones((5, 2)))


def test_argnums_out_of_range_is_a_clear_error():
    fwd, _ = numax.fwd_and_bwd(_mlp, argnums=2)
    x, w, _ = _data(0)
    with pytest.raises(TypeError, match="argnums"):
        fwd(x, w)
