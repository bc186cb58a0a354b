"""Samplers against scipy.stats: each draws a few thousand samples with a fixed key and must
pass a Kolmogorov–Smirnov test (continuous) or a chi-squared test (discrete) at p > 1e-3,
with moments near the distribution's. Also: dtypes and shapes, jit == eager bit for bit,
vmap over keys == a loop, and gradients of reparameterised samples against finite
differences or scipy's implicit derivative."""

import numpy as np
import pytest
import scipy.special
import scipy.stats as st

import numax
import numax.numpy as jnp
import numax.random as random

N = 4000
KEY = random.key(0)
P_MIN = 1e-3


def ks_check(samples, dist):
    samples = np.asarray(samples, np.float64).ravel()
    assert np.all(np.isfinite(samples))
    p = st.kstest(samples, dist.cdf).pvalue
    assert p > P_MIN, f"KS p-value {p}"
    mean, var = dist.stats(moments="mv")
    if np.isfinite(var):
        tolerance = 6 * np.sqrt(var / samples.size)
        assert abs(samples.mean() - mean) < tolerance, (samples.mean(), mean)


def chi2_check(samples, pmf_support, pmf):
    """Chi-squared goodness of fit over the support values (tail mass lumped into the
    end bins, and bins with an expected count below 5 merged)."""
    samples = np.asarray(samples).ravel()
    support = np.asarray(pmf_support)
    expected = pmf(support) * samples.size
    observed = np.array([(samples == v).sum() for v in support], float)
    assert observed.sum() == samples.size, "samples outside the support"
    # Merge small bins from the right into their left neighbours.
    obs, exp = [], []
    acc_o = acc_e = 0.0
    for o, e in zip(observed, expected):
        acc_o += o
        acc_e += e
        if acc_e >= 5:
            obs.append(acc_o)
            exp.append(acc_e)
            acc_o = acc_e = 0.0
    if acc_e and obs:
        obs[-1] += acc_o
        exp[-1] += acc_e
    exp = np.array(exp) * (sum(obs) / sum(exp))
    p = st.chisquare(obs, exp).pvalue
    assert p > P_MIN, f"chi-squared p-value {p}"


def jit_equals_eager(function, key=KEY, rtol=0):
    """The sampler called eagerly and inside jit: the same bits. With rtol, floats may
    differ that much: inlined into a larger jitted program, constant parameters fold at
    compile time, where XLA evaluates pow/log/exp with the host's functions."""
    eager = np.asarray(function(key))
    jitted = np.asarray(numax.jit(function)(key))
    if rtol:
        np.testing.assert_allclose(jitted, eager, rtol=rtol)
    else:
        np.testing.assert_array_equal(jitted, eager)
    return eager


# ---------------------------------------------------------------- continuous

CONTINUOUS = {
    "uniform": (lambda k: random.uniform(k, (N,), minval=1.0, maxval=3.0), st.uniform(1, 2)),
    "normal": (lambda k: random.normal(k, (N,)), st.norm()),
    "truncated_normal": (lambda k: random.truncated_normal(k, -1.0, 2.0, (N,)),
                         st.truncnorm(-1, 2)),
    "exponential": (lambda k: random.exponential(k, (N,)), st.expon()),
    "laplace": (lambda k: random.laplace(k, (N,)), st.laplace()),
    "logistic": (lambda k: random.logistic(k, (N,)), st.logistic()),
    "cauchy": (lambda k: random.cauchy(k, (N,)), st.cauchy()),
    "gumbel": (lambda k: random.gumbel(k, (N,)), st.gumbel_r()),
    "gumbel_high": (lambda k: random.gumbel(k, (N,), mode="high"), st.gumbel_r()),
    "maxwell": (lambda k: random.maxwell(k, (N,)), st.maxwell()),
    "weibull_min": (lambda k: random.weibull_min(k, 2.0, 1.5, (N,)),
                    st.weibull_min(1.5, scale=2.0)),
    "pareto": (lambda k: random.pareto(k, 3.0, (N,)), st.pareto(3.0)),
    "lognormal": (lambda k: random.lognormal(k, 0.5, (N,)), st.lognorm(0.5)),
    "rayleigh": (lambda k: random.rayleigh(k, 2.0, (N,)), st.rayleigh(scale=2.0)),
    "triangular": (lambda k: random.triangular(k, 0.0, 1.0, 3.0, (N,)),
                   st.triang(1 / 3, loc=0, scale=3)),
    "wald": (lambda k: random.wald(k, 2.0, (N,)), st.invgauss(2.0)),
    "gamma": (lambda k: random.gamma(k, 2.5, (N,)), st.gamma(2.5)),
    "gamma_small_shape": (lambda k: random.gamma(k, 0.3, (N,)), st.gamma(0.3)),
    "loggamma": (lambda k: random.loggamma(k, 0.3, (N,)), st.loggamma(0.3)),
    "beta": (lambda k: random.beta(k, 2.0, 3.0, (N,)), st.beta(2, 3)),
    "chisquare": (lambda k: random.chisquare(k, 3.0, (N,)), st.chi2(3)),
    "t": (lambda k: random.t(k, 5.0, (N,)), st.t(5)),
    "f": (lambda k: random.f(k, 4.0, 6.0, (N,)), st.f(4, 6)),
    "generalized_normal": (lambda k: random.generalized_normal(k, 1.5, (N,)),
                           st.gennorm(1.5)),
}


# Built from gamma samples, whose final pow/log may round differently (a few ulp) once
# the shape parameter is a compile-time constant.
NEAR_BIT_EXACT = {"gamma"}
# Compiling these twice (eager and inlined under jit) costs seconds; their relatives above
# cover the same code.
JIT_CHECK_SKIPPED = {"loggamma", "chisquare", "generalized_normal", "gamma_small_shape", "beta",
                     "t", "f"}


@pytest.mark.parametrize("name", sorted(CONTINUOUS))
def test_continuous_distribution(name):
    sampler, dist = CONTINUOUS[name]
    if name in JIT_CHECK_SKIPPED:
        samples = np.asarray(sampler(KEY))
    else:
        samples = jit_equals_eager(sampler, rtol=4e-6 if name in NEAR_BIT_EXACT else 0)
    assert samples.dtype == np.float32 and samples.shape == (N,)
    ks_check(samples, dist)


def test_normal_complex():
    z = np.asarray(random.normal(KEY, (N,), jnp.complex64))
    assert z.dtype == np.complex64
    ks_check(z.real, st.norm(scale=np.sqrt(0.5)))
    ks_check(z.imag, st.norm(scale=np.sqrt(0.5)))


@pytest.mark.parametrize("dtype", [jnp.float16, jnp.bfloat16])
def test_narrow_float_dtypes(dtype):
    u = random.uniform(KEY, (N,), dtype)
    n = random.normal(KEY, (N,), dtype)
    assert u.dtype == dtype and n.dtype == dtype
    u, n = np.asarray(u, np.float32), np.asarray(n, np.float32)
    assert u.min() >= 0 and u.max() < 1
    assert abs(u.mean() - 0.5) < 0.03 and abs(n.mean()) < 0.1 and abs(n.std() - 1) < 0.1


def test_float64_under_x64():
    with numax.enable_x64():
        u = random.uniform(KEY, (N,), jnp.float64)
        n = random.normal(KEY, (N,), jnp.float64)
        assert u.dtype == np.float64 and n.dtype == np.float64
        ks_check(u, st.uniform())
        ks_check(n, st.norm())
        # 52 random mantissa bits, more than 32 bits could give.
        assert np.any(np.asarray(u) * 2 ** 32 % 1 != 0)


def test_uniform_bounds_broadcast():
    x = np.asarray(random.uniform(KEY, (N, 3), minval=jnp.array([0.0, 10.0, -5.0]),
                                  maxval=jnp.array([1.0, 20.0, -4.0])))
    assert np.all(x >= [0, 10, -5]) and np.all(x < [1, 20, -4])
    ks_check((x[:, 1] - 10) / 10, st.uniform())
    with pytest.raises(ValueError):
        random.uniform(KEY, (3,), minval=jnp.zeros(4))
    with pytest.raises(ValueError):
        random.uniform(KEY, (3,), jnp.int32)


def test_truncated_normal_stays_inside():
    x = np.asarray(random.truncated_normal(KEY, 0.5, 0.6, (N,)))
    assert np.all(x > 0.5) and np.all(x < 0.6)


def test_double_sided_maxwell():
    x = np.asarray(random.double_sided_maxwell(KEY, 1.0, 2.0, (N,)))
    ks_check(np.abs(x - 1.0) / 2.0, st.maxwell())
    assert abs(np.mean(x > 1.0) - 0.5) < 0.05


def test_dirichlet():
    alpha = np.array([1.0, 2.0, 3.0])
    x = np.asarray(random.dirichlet(KEY, alpha, (N,)))
    assert x.shape == (N, 3)
    np.testing.assert_allclose(x.sum(-1), 1, rtol=1e-5)
    for i in range(3):
        ks_check(x[:, i], st.beta(alpha[i], alpha.sum() - alpha[i]))


def test_ball():
    x = np.asarray(random.ball(KEY, 3, 2, (N,)))
    assert x.shape == (N, 3)
    radius = np.linalg.norm(x, axis=-1)
    ks_check(radius ** 3, st.uniform())        # uniform in the ball: P(r < s) = s**d
    ks_check(x[:, 0] / radius, st.uniform(-1, 2))   # a coordinate of a uniform direction in 3-d
    l1 = np.asarray(random.ball(KEY, 3, 1, (N,)))             # p is traced: no new compile
    assert np.all(np.abs(l1).sum(-1) <= 1 + 1e-6)


def test_multivariate_normal():
    mean = np.array([1.0, -2.0, 0.5])
    cov = np.array([[2.0, 0.6, 0.1], [0.6, 1.0, -0.3], [0.1, -0.3, 0.5]])
    x = np.asarray(random.multivariate_normal(KEY, mean, cov, (N,)))
    assert x.shape == (N, 3) and x.dtype == np.float32
    np.testing.assert_allclose(np.cov(x.T), cov, atol=0.12)
    d = x - mean
    ks_check(np.einsum("ni,ij,nj->n", d, np.linalg.inv(cov), d), st.chi2(3))
    batched = random.multivariate_normal(KEY, np.zeros((2, 3)), np.eye(3))
    assert batched.shape == (2, 3)


@pytest.mark.parametrize("method", ["eigh", "svd"])
def test_multivariate_normal_methods(method):
    linalg = getattr(jnp, "linalg", None)
    if linalg is None or not hasattr(linalg, method):
        pytest.skip(f"numax.numpy.linalg.{method} is not available")
    cov = np.array([[2.0, 0.6], [0.6, 1.0]])
    x = np.asarray(random.multivariate_normal(KEY, np.zeros(2), cov, (N,), method=method))
    ks_check(np.einsum("ni,ij,nj->n", x, np.linalg.inv(cov), x), st.chi2(2))


def test_private_factorisations_match_numpy():
    """The Cholesky and QR used when numax.numpy.linalg lacks them."""
    from numax.random import distributions
    rng = np.random.default_rng(0)
    a = rng.normal(size=(3, 4, 4)).astype(np.float32)
    spd = a @ np.swapaxes(a, -1, -2) + 4 * np.eye(4, dtype=np.float32)
    np.testing.assert_allclose(np.asarray(numax.jit(distributions._cholesky)(spd)),
                               np.linalg.cholesky(spd), rtol=1e-4, atol=1e-5)
    tall = rng.normal(size=(2, 5, 3)).astype(np.float32)
    q, r = (np.asarray(t) for t in numax.jit(distributions._householder_qr)(tall))
    q_ref, r_ref = np.linalg.qr(tall)
    signs = np.sign(np.diagonal(r, axis1=-2, axis2=-1)) * np.sign(
        np.diagonal(r_ref, axis1=-2, axis2=-1))
    np.testing.assert_allclose(q * signs[..., None, :], q_ref, atol=1e-5)
    np.testing.assert_allclose(r * signs[..., :, None], r_ref, atol=1e-4)


@pytest.mark.parametrize("n,m", [(4, None), (3, 5), (5, 3)])
def test_orthogonal(n, m):
    q = np.asarray(random.orthogonal(KEY, n, (50,), m=m), np.float64)
    cols = m or n
    assert q.shape == (50, n, cols)
    gram = q @ np.swapaxes(q, -1, -2) if n < cols else np.swapaxes(q, -1, -2) @ q
    np.testing.assert_allclose(gram, np.broadcast_to(np.eye(min(n, cols)), gram.shape),
                               atol=1e-5)
    if m is None:
        # Haar: an entry of a Haar orthogonal n x n matrix is a coordinate of a uniform
        # unit vector in R^n, so (entry + 1) / 2 ~ Beta((n-1)/2, (n-1)/2).
        entries = np.asarray(random.orthogonal(KEY, n, (N,)))[:, 0, 0]
        ks_check((entries + 1) / 2, st.beta((n - 1) / 2, (n - 1) / 2))


# ---------------------------------------------------------------- discrete

def test_bernoulli():
    x = jit_equals_eager(lambda k: random.bernoulli(k, 0.3, (N,)))
    assert x.dtype == np.bool_
    assert st.binomtest(int(x.sum()), N, 0.3).pvalue > P_MIN
    p = jnp.array([0.1, 0.5, 0.9])
    x = np.asarray(random.bernoulli(KEY, p, (N, 3)))
    for i, pi in enumerate([0.1, 0.5, 0.9]):
        assert st.binomtest(int(x[:, i].sum()), N, pi).pvalue > P_MIN
    high = np.asarray(random.bernoulli(KEY, 1e-4, (N,), mode="high"))
    assert high.sum() < 5
    with pytest.raises(TypeError):
        random.bernoulli(KEY, 1, (2,))


def test_rademacher():
    x = jit_equals_eager(lambda k: random.rademacher(k, (N,)))
    assert x.dtype == np.int32 and set(np.unique(x)) == {-1, 1}
    assert st.binomtest(int((x == 1).sum()), N, 0.5).pvalue > P_MIN


# JAX's randint reduces modulo the span in the dtype's own unsigned width, exactly uniform
# only for spans up to 2**(bits/2) (or a full 2**bits range); these cases are.
@pytest.mark.parametrize("low,high,dtype", [(-5, 7, jnp.int32), (0, 256, jnp.uint8),
                                            (-3, 13, jnp.int8), (1000, 1010, jnp.uint16)])
def test_randint(low, high, dtype):
    x = jit_equals_eager(lambda k: random.randint(k, (N,), low, high, dtype))
    assert x.dtype == dtype
    support = np.arange(low, high)
    chi2_check(x, support, lambda v: np.full(v.shape, 1 / len(support)))


def test_randint_edge_cases():
    x = np.asarray(random.randint(KEY, (100,), 5, 5))        # empty range gives minval
    assert np.all(x == 5)
    x = np.asarray(random.randint(KEY, (100,), -1000, 1000, jnp.int8))   # clipped to the dtype
    assert x.min() >= -128 and x.max() <= 127 and x.min() < -100 and x.max() > 100
    x = np.asarray(random.randint(KEY, (N, 2), jnp.array([0, 10]), jnp.array([3, 12])))
    assert set(np.unique(x[:, 0])) == {0, 1, 2} and set(np.unique(x[:, 1])) == {10, 11}
    with numax.enable_x64():
        x = np.asarray(random.randint(KEY, (N,), 0, 2 ** 40, jnp.int64))
        assert x.dtype == np.int64 and x.max() > 2 ** 39 and x.min() >= 0
    with pytest.raises(ValueError):
        random.randint(KEY, (3,), 0, 5, jnp.float32)


def test_categorical():
    p = np.array([0.2, 0.3, 0.5])
    x = jit_equals_eager(lambda k: random.categorical(k, np.log(p), shape=(N,)))
    assert x.dtype == np.int32
    chi2_check(x, np.arange(3), lambda v: p[v])
    # Batched logits along axis 0, and extra leading sample dimensions.
    logits = np.log(np.array([[0.1, 0.7], [0.9, 0.3]]))
    x = np.asarray(random.categorical(KEY, logits, axis=0, shape=(N, 2)))
    assert x.shape == (N, 2)
    chi2_check(x[:, 0], np.arange(2), lambda v: np.array([0.1, 0.9])[v])
    chi2_check(x[:, 1], np.arange(2), lambda v: np.array([0.7, 0.3])[v])


def test_categorical_without_replacement():
    x = np.asarray(random.categorical(KEY, jnp.zeros(10), shape=(6,), replace=False))
    assert x.shape == (6,) and len(set(x.tolist())) == 6
    draws = np.asarray(numax.vmap(lambda k: random.categorical(
        k, jnp.log(jnp.array([0.6, 0.3, 0.1])), shape=(1,), replace=False))(
            random.split(KEY, N)))[:, 0]
    chi2_check(draws, np.arange(3), lambda v: np.array([0.6, 0.3, 0.1])[v])
    with pytest.raises(ValueError):
        random.categorical(KEY, jnp.zeros(3), shape=(4,), replace=False)


def test_permutation():
    x = jit_equals_eager(lambda k: random.permutation(k, 10))
    assert sorted(x.tolist()) == list(range(10))
    positions = np.asarray(numax.vmap(lambda k: random.permutation(k, 8))(
        random.split(KEY, N)))
    chi2_check(np.argmax(positions == 0, axis=1), np.arange(8), lambda v: np.full(v.shape, 1 / 8))
    a = np.arange(12.0).reshape(3, 4)
    rows = np.asarray(random.permutation(KEY, a))
    assert sorted(map(tuple, rows)) == sorted(map(tuple, a))
    cols = np.asarray(random.permutation(KEY, a, axis=1))
    assert all(sorted(r) == sorted(o) for r, o in zip(cols.tolist(), a.tolist()))
    assert np.all(np.diff(cols, axis=0) == 4)           # every row permuted the same way
    independent = np.asarray(random.permutation(KEY, np.tile(np.arange(20), (4, 1)), axis=1,
                                                independent=True))
    assert all(sorted(r) == list(range(20)) for r in independent.tolist())
    assert len({tuple(r) for r in independent.tolist()}) > 1
    with pytest.raises(TypeError):
        random.permutation(KEY, 2.5)


def test_choice():
    x = jit_equals_eager(lambda k: random.choice(k, 5, (N,)))
    chi2_check(x, np.arange(5), lambda v: np.full(v.shape, 0.2))
    p = np.array([0.1, 0.2, 0.3, 0.25, 0.15])
    x = np.asarray(random.choice(KEY, 5, (N,), p=p))
    chi2_check(x, np.arange(5), lambda v: p[v])
    x = np.asarray(random.choice(KEY, jnp.arange(10.0), (2, 3), replace=False))
    assert x.shape == (2, 3) and len(set(x.ravel().tolist())) == 6
    x = np.asarray(random.choice(KEY, 10, (7,), replace=False, p=np.ones(10) / 10))
    assert len(set(x.tolist())) == 7
    a = jnp.arange(12).reshape(3, 4)
    x = np.asarray(random.choice(KEY, a, (2,), axis=1))
    assert x.shape == (3, 2) and np.all(np.diff(x, axis=0) == 4)
    assert random.choice(KEY, 3, (0,)).shape == (0,)
    with pytest.raises(ValueError):
        random.choice(KEY, 3, (4,), replace=False)
    with pytest.raises(ValueError):
        random.choice(KEY, 3, (2,), p=np.ones(4) / 4)


def test_geometric():
    x = jit_equals_eager(lambda k: random.geometric(k, 0.3, (N,)))
    assert x.dtype == np.int32 and x.min() >= 1
    chi2_check(x, np.arange(1, x.max() + 1), st.geom(0.3).pmf)


@pytest.mark.parametrize("lam", [3.0, 30.0])
def test_poisson(lam):
    sampler = lambda k: random.poisson(k, lam, (N,))  # noqa: E731
    x = jit_equals_eager(sampler) if lam < 10 else np.asarray(sampler(KEY))
    assert x.dtype == np.int32
    chi2_check(x, np.arange(0, x.max() + 1), st.poisson(lam).pmf)


def test_poisson_mixed_rates():
    lam = jnp.array([0.0, 0.5, 9.5, 10.0, 200.0])
    x = np.asarray(random.poisson(KEY, lam, (N, 5)))
    assert np.all(x[:, 0] == 0)
    for i, rate in enumerate([0.5, 9.5, 10.0, 200.0], start=1):
        chi2_check(x[:, i], np.arange(0, x[:, i].max() + 1), st.poisson(rate).pmf)


@pytest.mark.parametrize("n,p", [(20, 0.3), (200, 0.3), (50, 0.8)])
def test_binomial(n, p):
    sampler = lambda k: random.binomial(k, n, p, (N,))  # noqa: E731
    x = jit_equals_eager(sampler) if n == 20 else np.asarray(sampler(KEY))
    assert x.dtype == np.float32
    chi2_check(x, np.arange(0, n + 1), st.binom(n, p).pmf)


def test_binomial_special_values():
    x = np.asarray(random.binomial(KEY, jnp.array([5.0, -1.0, np.inf, 7.0, 4.0]),
                                   jnp.array([0.5, 0.5, 0.5, np.nan, 1.0]), (5,)))
    assert np.isfinite(x[0]) and np.isnan(x[1]) and x[2] == np.inf and np.isnan(x[3])
    assert x[4] == 4


def test_multinomial():
    p = np.array([0.2, 0.3, 0.5])
    x = np.asarray(random.multinomial(KEY, 20.0, p, shape=(N, 3)))
    assert x.shape == (N, 3)
    np.testing.assert_array_equal(x.sum(-1), 20)
    for i in range(3):
        chi2_check(x[:, i], np.arange(21), st.binom(20, p[i]).pmf)


# ---------------------------------------------------------------- transformations

@pytest.mark.parametrize("sampler", [
    lambda k: random.normal(k, (3,)),
    lambda k: random.gamma(k, jnp.array([0.5, 2.0, 7.0])),
    lambda k: random.poisson(k, jnp.array([2.0, 40.0]), (2,)),
    lambda k: random.choice(k, 6, (4,), replace=False),
], ids=["normal", "gamma", "poisson", "choice"])
def test_vmap_over_keys_equals_loop(sampler):
    keys = random.split(KEY, 3)
    vmapped = np.asarray(numax.vmap(sampler)(keys))
    loop = np.stack([np.asarray(sampler(k)) for k in keys])
    np.testing.assert_array_equal(vmapped, loop)


def test_grad_of_uniform_bounds():
    u = np.asarray(random.uniform(KEY, (5,)), np.float64)

    def total(minval, maxval):
        return random.uniform(KEY, (5,), minval=minval, maxval=maxval).sum()

    d_min, d_max = numax.grad(total, argnums=(0, 1))(1.0, 3.0)
    np.testing.assert_allclose(float(d_max), u.sum(), rtol=1e-5)
    np.testing.assert_allclose(float(d_min), (1 - u).sum(), rtol=1e-5)


def test_grad_of_reparameterised_samples():
    z = np.asarray(random.normal(KEY, (4,)), np.float64)
    grad = numax.grad(lambda s: (3.0 + s * random.normal(KEY, (4,))).sum())(2.0)
    np.testing.assert_allclose(float(grad), z.sum(), rtol=1e-5)
    # Truncated normal: d sample / d lower by central differences on the same key.
    f = lambda lo: random.truncated_normal(KEY, lo, 1.5, (4,)).sum()  # noqa: E731
    h = 1e-2
    fd = (float(f(-1.0 + h)) - float(f(-1.0 - h))) / (2 * h)
    np.testing.assert_allclose(float(numax.grad(f)(-1.0)), fd, rtol=2e-2)
    # Lognormal and exponential scale: closed forms.
    g = numax.grad(lambda s: random.lognormal(KEY, s, (4,)).sum())(0.5)
    np.testing.assert_allclose(float(g), np.sum(z * np.exp(0.5 * z)), rtol=1e-4)


def _implicit_gamma_derivative(a, x):
    """d x / d a at a fixed quantile, from SciPy in float64: -(dF/da) / f(x)."""
    h = 1e-6 * a
    dF = (scipy.special.gammainc(a + h, x) - scipy.special.gammainc(a - h, x)) / (2 * h)
    return -dF / st.gamma.pdf(x, a)


def test_gamma_gradient():
    """Shapes below 1 (boosted), moderate and large, samples on both sides of a + 1 (the
    series and the continued-fraction branches of dP/da)."""
    a = jnp.array([0.4, 0.4, 1.0, 3.0, 3.0, 3.0, 40.0, 40.0, 40.0])
    samples = np.asarray(random.gamma(KEY, a), np.float64)
    assert np.any(samples > np.asarray(a) + 1) and np.any(samples < np.asarray(a) + 1)
    grads = np.asarray(numax.jvp(lambda s: random.gamma(KEY, s), (a,), (jnp.ones_like(a),))[1],
                       np.float64)
    np.testing.assert_allclose(grads, _implicit_gamma_derivative(np.asarray(a, np.float64),
                                                                 samples), rtol=2e-3)
    log_grads = np.asarray(numax.grad(lambda s: random.loggamma(KEY, s).sum())(a))
    np.testing.assert_allclose(log_grads, grads / samples, rtol=2e-3)


def test_shape_errors():
    with pytest.raises(ValueError):
        random.gamma(KEY, jnp.ones(3), (2,))
    with pytest.raises(ValueError):
        random.normal(KEY, (2,), jnp.int32)
    with pytest.raises(ValueError):
        random.poisson(KEY, 1.0, (2,), jnp.float32)
