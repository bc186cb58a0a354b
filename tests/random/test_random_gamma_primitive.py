"""numax.random.random_gamma_p, the primitive behind gamma sampling, used directly: eager
equals jit, vmap over alpha and keys equals a Python loop, each key of a batch samples
the alphas under it as that key alone would, the implicit gradient of Monte-Carlo means
against their analytic derivatives (SciPy), log-space samples against linear ones, and
clear errors for bad inputs. Distribution tests of gamma and its relatives live in
test_distributions.py."""

import numpy as np
import pytest
import scipy.special
import scipy.stats as st

import numax
import numax.numpy as jnp
import numax.random as random
from numax.random import random_gamma_p

KEY = np.asarray(random.key_data(random.key(0)))
KEYS = np.asarray(random.key_data(random.split(random.key(1), 3)))
ALPHA = np.array([0.3, 1.0, 2.5, 9.0], np.float32)


def sample(key, a, log_space=False):
    return random_gamma_p.bind(key, a, log_space=log_space)


@pytest.mark.parametrize("log_space", [False, True])
@pytest.mark.parametrize("key, a", [(KEY, ALPHA), (KEYS, np.stack([ALPHA, 2 * ALPHA, ALPHA + 1]))],
                         ids=["one-key", "key-per-row"])
def test_eager_equals_jit(key, a, log_space):
    eager = np.asarray(sample(key, a, log_space))
    jitted = np.asarray(numax.jit(sample, static_argnums=2)(key, a, log_space))
    assert eager.shape == a.shape and eager.dtype == np.float32
    assert np.all(np.isfinite(eager))
    np.testing.assert_array_equal(jitted, eager)


def test_each_key_samples_its_own_alphas():
    """A leading key axis: row i is what key i alone gives for row i of alpha."""
    a = np.stack([ALPHA, ALPHA[::-1], 3 * ALPHA])
    batched = np.asarray(sample(KEYS, a))
    loop = np.stack([np.asarray(sample(KEYS[i], a[i])) for i in range(3)])
    np.testing.assert_array_equal(batched, loop)


@pytest.mark.parametrize("log_space", [False, True])
def test_vmap_over_alpha_keys_and_both_equals_loop(log_space):
    alphas = np.stack([ALPHA, ALPHA + 0.5, ALPHA * 2])
    over_alpha = numax.vmap(lambda a: sample(KEY, a, log_space))(alphas)
    np.testing.assert_array_equal(
        np.asarray(over_alpha), np.stack([np.asarray(sample(KEY, a, log_space)) for a in alphas]))
    over_keys = numax.vmap(lambda k: sample(k, ALPHA, log_space))(KEYS)
    np.testing.assert_array_equal(
        np.asarray(over_keys), np.stack([np.asarray(sample(k, ALPHA, log_space)) for k in KEYS]))
    # Both batched, alpha's batch axis last.
    over_both = numax.vmap(lambda k, a: sample(k, a, log_space), in_axes=(0, 1))(KEYS, alphas.T)
    np.testing.assert_array_equal(
        np.asarray(over_both),
        np.stack([np.asarray(sample(k, a, log_space)) for k, a in zip(KEYS, alphas)]))


def test_nested_vmap_over_keys_with_a_key_axis():
    """vmap of a primitive call that already has a leading key axis."""
    keys = np.stack([KEYS, KEYS[::-1]])                       # (2, 3, 2)
    a = np.stack([np.stack([ALPHA] * 3), np.stack([ALPHA + 1] * 3)])  # (2, 3, 4)
    batched = numax.vmap(sample)(keys, a)
    loop = np.stack([np.asarray(sample(keys[i], a[i])) for i in range(2)])
    np.testing.assert_array_equal(np.asarray(batched), loop)


def test_gamma_and_loggamma_go_through_the_primitive():
    for sampler, log_space in [(random.gamma, False), (random.loggamma, True)]:
        staged = str(numax.make_jaxpr(lambda k, a: sampler(k, a))(random.key(0), ALPHA))
        assert f"random_gamma[log_space={log_space}]" in staged, staged


N = 20000


def _mean_and_tolerance(per_sample_gradients):
    """The Monte-Carlo estimate and six standard errors of it."""
    g = np.asarray(per_sample_gradients, np.float64)
    assert np.all(np.isfinite(g))
    return g.mean(), 6 * g.std() / np.sqrt(g.size)


@pytest.mark.parametrize("alpha", [0.4, 1.0, 3.5])
def test_grad_of_monte_carlo_means(alpha):
    """d/da E[x] = 1 (E[x] = a) and d/da E[log x] = trigamma(a) (E[log x] = digamma(a)),
    with a tolerance from the spread of the per-sample gradients."""
    for log_space, expected in [(False, 1.0), (True, scipy.special.polygamma(1, alpha))]:
        def mean_sample(a):
            return jnp.mean(sample(KEY, jnp.broadcast_to(a, (N,)), log_space))

        grad = float(numax.grad(mean_sample)(np.float32(alpha)))
        alphas = np.full(N, alpha, np.float32)
        per_sample = numax.jvp(lambda a: sample(KEY, a, log_space), (alphas,),
                               (np.ones(N, np.float32),))[1]
        estimate, tolerance = _mean_and_tolerance(per_sample)
        np.testing.assert_allclose(grad, estimate, rtol=1e-4)   # grad of a mean: mean of grads
        assert abs(estimate - expected) < tolerance, (log_space, estimate, expected, tolerance)


def test_log_space_agrees_with_linear_space_and_keeps_tiny_samples():
    linear = np.asarray(sample(KEY, ALPHA), np.float64)
    logs = np.asarray(sample(KEY, ALPHA, log_space=True), np.float64)
    np.testing.assert_allclose(np.exp(logs), linear, rtol=1e-5)
    # Gamma(0.02) samples below float32's smallest number round to 0 in linear space; their
    # logs stay finite and follow the log-gamma distribution.
    a = np.full(4000, 0.02, np.float32)
    assert np.any(np.asarray(sample(KEY, a)) == 0)
    logs = np.asarray(sample(KEY, a, log_space=True), np.float64)
    assert np.all(np.isfinite(logs)) and np.any(logs < np.log(np.finfo(np.float32).tiny))
    assert st.kstest(logs, st.loggamma(0.02).cdf).pvalue > 1e-3


def test_empty_alpha():
    out = sample(KEY, np.zeros((0, 3), np.float32))
    assert out.shape == (0, 3) and out.dtype == np.float32


def test_second_derivative_is_an_error_not_a_number():
    """The implicit gradient's own derivative in a needs d2P/da2, which numax does not have;
    JAX refuses too."""
    with pytest.raises(NotImplementedError, match="second derivative"):
        numax.grad(numax.grad(lambda a: sample(KEY, a)))(np.float32(2.0))


@pytest.mark.parametrize("key, a, message", [
    (KEY, np.arange(3, dtype=np.int32), "alpha of dtype int32"),
    (KEY.astype(np.int32), ALPHA, "uint32 array of shape"),
    (np.zeros(3, np.uint32), ALPHA, "uint32 array of shape"),
    (KEYS, ALPHA, "must be a prefix of alpha's shape"),
])
def test_errors_name_the_mistake(key, a, message):
    with pytest.raises(TypeError, match=message):
        sample(key, a)
