"""numax.scipy.stats against scipy.stats: every distribution function over a grid of
points and parameter sets (float32, and float64 with x64 on), jit against eager, vmap
against a loop, derivatives of log-densities and cdfs against finite differences, the
multivariate distributions, mode/rankdata/sem (hypothesis) and gaussian_kde.
"""

import warnings

import numpy as np
import pytest
import scipy.stats as osp
from hypothesis import given, settings, strategies as st

import numax
import numax.numpy as jnp
from numax.scipy import stats
from numax.test_util import check_grads

X_REAL = [-12.0, -3.0, -0.5, 0.0, 0.7, 2.5, 9.0]
X_POSITIVE = [0.05, 0.5, 1.0, 3.0, 8.0, -1.0]
X_UNIT = [0.01, 0.3, 0.5, 0.9, 0.995, -0.5, 1.5]
Q = [1e-6, 0.01, 0.3, 0.5, 0.8, 0.999]
K = [-1.0, 0.0, 1.0, 2.0, 2.5, 3.0, 7.0]
LOC_SCALE = [(0.0, 1.0), (1.5, 2.0), (-1.0, 0.5)]

# (distribution, function names, points, parameter sets after the point, tolerance overrides)
CASES = [
    ("norm", ["logpdf", "pdf", "cdf", "logcdf", "sf", "logsf"], X_REAL, LOC_SCALE),
    ("norm", ["ppf", "isf"], Q, LOC_SCALE),
    ("uniform", ["logpdf", "pdf", "cdf"], [-1.0, 0.2, 0.5, 1.9, 3.0], [(0.0, 1.0), (0.5, 2.0)]),
    ("uniform", ["ppf"], Q, [(0.0, 1.0), (0.5, 2.0)]),
    ("expon", ["logpdf", "pdf", "cdf", "logcdf", "sf", "logsf"], X_POSITIVE, LOC_SCALE),
    ("expon", ["ppf", "isf"], Q, LOC_SCALE),
    ("laplace", ["logpdf", "pdf", "cdf"], X_REAL, LOC_SCALE),
    ("logistic", ["logpdf", "pdf", "cdf", "logcdf", "sf", "logsf"], X_REAL, LOC_SCALE),
    ("logistic", ["ppf", "isf"], Q, LOC_SCALE),
    ("cauchy", ["logpdf", "pdf", "cdf", "logcdf", "sf", "logsf"], X_REAL, LOC_SCALE),
    ("cauchy", ["ppf", "isf"], Q, LOC_SCALE),
    ("gumbel_r", ["logpdf", "pdf", "cdf", "logcdf", "sf", "logsf"], X_REAL[1:], LOC_SCALE),
    ("gumbel_r", ["ppf"], Q, LOC_SCALE),
    ("gumbel_l", ["logpdf", "pdf", "cdf", "logcdf", "sf", "logsf"], X_REAL[:-1], LOC_SCALE),
    ("gumbel_l", ["ppf"], Q, LOC_SCALE),
    ("gamma", ["logpdf", "pdf", "cdf", "logcdf", "sf", "logsf"], X_POSITIVE,
     [(0.5, 0.0, 1.0), (2.0, 0.0, 1.0), (5.0, -0.5, 2.0)]),
    ("chi2", ["logpdf", "pdf", "cdf", "logcdf", "sf", "logsf"], X_POSITIVE,
     [(1.0, 0.0, 1.0), (3.0, 0.0, 1.0), (7.5, 0.2, 0.5)]),
    ("beta", ["logpdf", "pdf", "cdf", "logcdf", "sf", "logsf"], X_UNIT,
     [(0.5, 0.7, 0.0, 1.0), (2.0, 3.0, 0.0, 1.0), (5.0, 1.5, -0.2, 1.5), (8.0, 12.0, 0.0, 1.0)]),
    ("t", ["logpdf", "pdf"], X_REAL, [(1.0, 0.0, 1.0), (4.5, 1.0, 2.0), (30.0, -1.0, 0.5)]),
    ("pareto", ["logpdf", "pdf", "cdf", "logcdf", "sf", "logsf"], [0.5, 1.0, 1.5, 3.0, 20.0],
     [(1.5, 0.0, 1.0), (3.0, -0.5, 1.2)]),
    ("pareto", ["ppf"], Q, [(1.5, 0.0, 1.0), (3.0, -0.5, 1.2)]),
    ("gennorm", ["logpdf", "pdf", "cdf"], X_REAL[1:-1],
     [(0.8, 0.0, 1.0), (2.0, 0.0, 1.0), (4.0, 1.0, 2.0)]),
    ("vonmises", ["logpdf", "pdf"], [-3.0, -1.0, 0.0, 0.5, 2.0, 3.1],
     [(0.5,), (2.0,), (50.0,)]),
    ("wrapcauchy", ["logpdf", "pdf"], [0.1, 1.0, 3.0, 6.0], [(0.2,), (0.5,), (0.9,)]),
    ("truncnorm", ["logpdf", "pdf", "cdf", "logcdf", "sf", "logsf"],
     [-2.0, -0.5, 0.5, 1.5, 3.5, 5.0],
     [(-1.0, 2.0, 0.0, 1.0), (0.5, 3.0, 0.0, 1.0), (-3.0, -1.0, 1.0, 2.0), (3.0, 6.0, 0.0, 1.0)]),
    ("bernoulli", ["logpmf", "pmf"], K, [(0.3,), (0.9,)]),
    ("bernoulli", ["cdf"], [-1.0, 0.0, 0.5, 1.0, 2.0], [(0.3,), (0.9,)]),
    ("bernoulli", ["ppf"], [0.0, 0.2, 0.7, 0.75, 1.0], [(0.3,), (0.9,)]),
    ("binom", ["logpmf", "pmf"], K, [(5.0, 0.3), (10.0, 0.75)]),
    ("betabinom", ["logpmf", "pmf"], K, [(5.0, 2.0, 3.0), (10.0, 0.5, 0.8)]),
    ("geom", ["logpmf", "pmf"], K, [(0.3,), (0.9,)]),
    ("nbinom", ["logpmf", "pmf"], K, [(3.0, 0.4), (2.5, 0.8)]),
    ("poisson", ["logpmf", "pmf", "cdf"], K, [(0.5,), (4.0,)]),
]

# Tolerances: float32 against SciPy's float64; float64 against SciPy.
F32 = dict(rtol=2e-4, atol=1e-6)
F64 = dict(rtol=1e-9, atol=1e-13)
# The continued fraction of the incomplete beta function accumulates float32 rounding.
LOOSER_F32 = {("beta", name): dict(rtol=1e-3, atol=1e-5)
              for name in ("cdf", "sf", "logcdf", "logsf")}


def _arguments(points, params, dtype):
    columns = [np.array(points, dtype)[:, None]]
    columns += [np.array(column, dtype)[None, :] for column in zip(*params)]
    return columns


def _reference(distribution, function, args):
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        return getattr(getattr(osp, distribution), function)(*args)


@pytest.mark.parametrize("distribution,functions,points,params", CASES,
                         ids=[f"{d}.{'/'.join(fs)}" for d, fs, _, _ in CASES])
def test_matches_scipy(distribution, functions, points, params):
    module = getattr(stats, distribution)
    # One compiled program per case and dtype evaluates all of the case's functions.
    evaluate_all = numax.jit(lambda *args: [getattr(module, f)(*args) for f in functions])
    args32 = _arguments(points, params, np.float32)
    args64 = _arguments(points, params, np.float64)
    results32 = evaluate_all(*args32)
    with numax.enable_x64():
        results64 = evaluate_all(*args64)
    for function, got32, got64 in zip(functions, results32, results64):
        expected = _reference(distribution, function, args64)
        assert got32.dtype == np.float32 and got64.dtype == np.float64
        np.testing.assert_allclose(np.asarray(got32), expected,
                                   **LOOSER_F32.get((distribution, function), F32),
                                   err_msg=f"{distribution}.{function} float32")
        np.testing.assert_allclose(np.asarray(got64), expected, **F64,
                                   err_msg=f"{distribution}.{function} float64")
    # Eagerly, op by op, the first function gives the compiled program's numbers (on
    # scalars: the eager executables are then shared by all cases).
    eager = getattr(module, functions[0])(*[a.ravel()[-1] for a in args32])
    np.testing.assert_allclose(np.asarray(eager), np.asarray(results32[0])[-1, -1], rtol=2e-5,
                               atol=1e-30)


def test_scalar_and_default_arguments():
    assert stats.norm.logpdf(0.0).shape == ()
    np.testing.assert_allclose(float(stats.norm.logpdf(0.5)), osp.norm.logpdf(0.5), rtol=1e-6)
    np.testing.assert_allclose(float(stats.poisson.pmf(3, 2)), osp.poisson.pmf(3, 2), rtol=1e-6)
    np.testing.assert_allclose(float(stats.binom.logpmf(2, 4, 0.5, loc=1)),
                               osp.binom.logpmf(2, 4, 0.5, loc=1), rtol=1e-6)
    np.testing.assert_allclose(np.asarray(stats.gamma.pdf(np.arange(1, 4), 2)),
                               osp.gamma.pdf(np.arange(1, 4), 2), rtol=1e-6)


def test_extreme_tails_stay_accurate():
    with numax.enable_x64():
        x = np.array([-40.0, -25.0, -8.0, 8.0, 25.0])
        np.testing.assert_allclose(np.asarray(stats.norm.logcdf(x)), osp.norm.logcdf(x),
                                   rtol=1e-12)
        np.testing.assert_allclose(np.asarray(stats.norm.logsf(x)), osp.norm.logsf(x),
                                   rtol=1e-12)
        q = np.array([1e-300, 1e-100, 1e-20, 1 - 1e-12])
        np.testing.assert_allclose(np.asarray(stats.norm.ppf(q)), osp.norm.ppf(q), rtol=1e-10)
    x = np.array([-30.0, -12.0], np.float32)
    np.testing.assert_allclose(np.asarray(stats.norm.logcdf(x)), osp.norm.logcdf(x), rtol=1e-5)
    np.testing.assert_allclose(np.asarray(stats.norm.ppf(np.float32(1e-30))),
                               osp.norm.ppf(1e-30), rtol=1e-5)


def test_vmap_matches_loop():
    x = np.linspace(-2, 2, 5, dtype=np.float32)
    scales = np.array([0.5, 1.0, 3.0], np.float32)
    batched = numax.vmap(lambda s: stats.t.logpdf(x, 3.0, 0.5, s))(scales)
    looped = np.stack([np.asarray(stats.t.logpdf(x, 3.0, 0.5, s)) for s in scales])
    np.testing.assert_allclose(np.asarray(batched), looped, rtol=1e-6)
    a = np.array([0.5, 2.0, 6.0], np.float32)
    batched = numax.vmap(stats.beta.cdf, in_axes=(None, 0, None))(np.float32(0.4), a, 2.0)
    np.testing.assert_allclose(np.asarray(batched), osp.beta.cdf(0.4, a, 2.0), rtol=1e-4)


GRAD_CASES = [
    (stats.norm.logpdf, (0.3, 0.5, 1.7)),
    (stats.norm.logcdf, (-6.0, 0.5, 1.2)),
    (stats.norm.ppf, (0.03, 1.0, 2.0)),
    (stats.gamma.logpdf, (1.3, 2.5, 0.1, 1.5)),
    (stats.beta.logpdf, (0.3, 2.0, 3.5)),
    (stats.t.logpdf, (0.7, 4.0, 0.2, 1.3)),
    (stats.logistic.logpdf, (0.7, 0.2, 1.3)),
    (stats.truncnorm.logpdf, (0.4, -1.0, 2.0, 0.1, 1.2)),
    (stats.vonmises.logpdf, (0.4, 2.5)),
    (stats.gennorm.logpdf, (0.6, 1.5)),
    (stats.pareto.logpdf, (2.0, 1.5)),
]


@pytest.mark.parametrize("function,args", GRAD_CASES,
                         ids=[f"{f.__module__.rsplit('.', 1)[-1]}.{f.__name__}"
                              for f, _ in GRAD_CASES])
def test_gradients(function, args):
    with numax.enable_x64():
        check_grads(function, tuple(np.float64(a) for a in args), order=1)


def test_cdf_gradients():
    with numax.enable_x64():
        # beta's cdf in x, a and b (through the continued fraction); gamma's in x only.
        check_grads(stats.beta.cdf, (0.8, 1.5, 0.7), order=1)
        check_grads(lambda x: stats.gamma.cdf(x, 2.5), (1.7,), order=1)
        grad = numax.grad(stats.norm.cdf)(0.3)
        np.testing.assert_allclose(float(grad), osp.norm.pdf(0.3), rtol=1e-12)


def test_discrete_log_pmf_gradient_in_parameters():
    with numax.enable_x64():
        check_grads(lambda p: stats.binom.logpmf(3.0, 7.0, p), (0.4,), order=1)
        check_grads(lambda mu: stats.poisson.logpmf(2.0, mu), (1.5,), order=1)
        # xlogy's derivative at k = 0 is log(p), also where the value is 0.
        grad = numax.grad(lambda p: stats.bernoulli.logpmf(0.0, p))(0.25)
        np.testing.assert_allclose(float(grad), -1 / 0.75, rtol=1e-12)


# ---------------------------------------------------------------- multivariate


def test_multivariate_normal():
    rng = np.random.default_rng(0)
    a = rng.standard_normal((3, 3))
    cov = a @ a.T + 3 * np.eye(3)
    mean = rng.standard_normal(3)
    x = rng.standard_normal((4, 3))
    with numax.enable_x64():
        np.testing.assert_allclose(np.asarray(stats.multivariate_normal.logpdf(x, mean, cov)),
                                   osp.multivariate_normal.logpdf(x, mean, cov), rtol=1e-10)
        diagonal = np.array([0.5, 2.0, 1.5])
        np.testing.assert_allclose(np.asarray(stats.multivariate_normal.pdf(x, mean, diagonal)),
                                   osp.multivariate_normal.pdf(x, mean, diagonal), rtol=1e-10)
        np.testing.assert_allclose(np.asarray(stats.multivariate_normal.logpdf(x, mean, 2.0)),
                                   osp.multivariate_normal.logpdf(x, mean, 2.0), rtol=1e-10)
        np.testing.assert_allclose(float(stats.multivariate_normal.logpdf(0.3, 1.0, 2.0)),
                                   osp.multivariate_normal.logpdf(0.3, 1.0, 2.0), rtol=1e-10)
        check_grads(lambda x, m: stats.multivariate_normal.logpdf(x, m, cov), (x[0], mean),
                    order=1)
        # Stacked covariances broadcast against the points.
        covs = np.stack([cov, 2 * cov])
        got = stats.multivariate_normal.logpdf(x[:2], mean, covs)
        want = [osp.multivariate_normal.logpdf(x[i], mean, covs[i]) for i in range(2)]
        np.testing.assert_allclose(np.asarray(got), want, rtol=1e-10)
    got32 = numax.jit(stats.multivariate_normal.logpdf)(x.astype(np.float32),
                                                       mean.astype(np.float32),
                                                       cov.astype(np.float32))
    np.testing.assert_allclose(np.asarray(got32), osp.multivariate_normal.logpdf(x, mean, cov),
                               rtol=1e-4)
    with pytest.raises(ValueError, match="allow_singular"):
        stats.multivariate_normal.logpdf(x, mean, cov, allow_singular=True)
    with pytest.raises(ValueError, match="size 3"):
        stats.multivariate_normal.logpdf(x[:, :2], mean, cov)


def test_dirichlet():
    alpha = np.array([0.7, 2.0, 3.5])
    x = np.array([[0.2, 0.5], [0.3, 0.1], [0.5, 0.4]])
    with numax.enable_x64():
        np.testing.assert_allclose(np.asarray(stats.dirichlet.logpdf(x, alpha)),
                                   osp.dirichlet.logpdf(x, alpha), rtol=1e-10)
        np.testing.assert_allclose(np.asarray(stats.dirichlet.pdf(x[:2], alpha)),
                                   osp.dirichlet.pdf(x[:2], alpha), rtol=1e-10)
        check_grads(lambda a: stats.dirichlet.logpdf(x[:, 0], a), (alpha,), order=1)
    assert np.asarray(stats.dirichlet.logpdf(np.array([0.5, 0.6, 0.1]), alpha)) == -np.inf
    with pytest.raises(ValueError, match="first axis"):
        stats.dirichlet.logpdf(np.ones(5) / 5, alpha)


def test_multinomial():
    p = np.array([0.2, 0.3, 0.5])
    x = np.array([[1.0, 2.0, 1.0], [0.0, 0.0, 4.0], [1.0, 2.0, 2.0], [2.0, 2.5, -0.5]])
    with numax.enable_x64():
        np.testing.assert_allclose(np.asarray(stats.multinomial.logpmf(x, 4, p)),
                                   osp.multinomial.logpmf(x, 4, p), rtol=1e-10)
    np.testing.assert_allclose(np.asarray(stats.multinomial.pmf(x[:2], 4, p)),
                               osp.multinomial.pmf(x[:2], 4, p), rtol=1e-5)


# ---------------------------------------------------------------- descriptive statistics

# Fixed shapes, varying values: one compilation per method serves every example.
_small_ints = st.lists(st.integers(-3, 3), min_size=8, max_size=8)


@settings(max_examples=20, deadline=None)
@given(_small_ints, st.sampled_from(["average", "min", "max", "dense", "ordinal"]))
def test_rankdata_matches_scipy(values, method):
    x = np.array(values, np.int32)
    got = stats.rankdata(x, method=method)
    np.testing.assert_array_equal(np.asarray(got), osp.rankdata(x, method=method))
    got_float = stats.rankdata(x.astype(np.float32), method=method)
    np.testing.assert_array_equal(np.asarray(got_float), osp.rankdata(x, method=method))


def test_rankdata_axes_and_nan():
    x = np.array([[3.0, 1.0, 3.0], [2.0, 2.0, 1.0]], np.float32)
    for axis in (None, 0):
        np.testing.assert_array_equal(np.asarray(stats.rankdata(x, axis=axis)),
                                      osp.rankdata(x, axis=axis))
    with_nan = np.array([[3.0, np.nan, 1.0], [2.0, 2.0, 1.0]], np.float32)
    np.testing.assert_array_equal(np.asarray(stats.rankdata(with_nan, axis=1, method="min")),
                                  osp.rankdata(with_nan, axis=1, method="min"))
    np.testing.assert_array_equal(np.asarray(numax.jit(stats.rankdata)(x)), osp.rankdata(x))
    with pytest.raises(ValueError, match="method"):
        stats.rankdata(x, method="mean")


@settings(max_examples=20, deadline=None)
@given(st.lists(st.lists(st.integers(0, 3), min_size=4, max_size=4), min_size=5, max_size=5),
       st.sampled_from([0, 1, None]), st.booleans())
def test_mode_matches_scipy(rows, axis, keepdims):
    x = np.array(rows, np.int32)
    got = stats.mode(x, axis=axis, keepdims=keepdims)
    want = osp.mode(x, axis=axis, keepdims=keepdims)
    np.testing.assert_array_equal(np.asarray(got.mode), want.mode)
    np.testing.assert_array_equal(np.asarray(got.count), want.count)


def test_mode_nan_and_jit():
    x = np.array([1.0, np.nan, np.nan, 2.0], np.float32)
    got, want = stats.mode(x), osp.mode(x)
    np.testing.assert_array_equal(np.asarray(got.mode), want.mode)
    assert int(got.count) == want.count
    got = numax.jit(lambda v: stats.mode(v, axis=1))(np.array([[1, 2, 2], [3, 3, 1]]))
    np.testing.assert_array_equal(np.asarray(got.mode), [2, 3])
    with pytest.raises(ValueError, match="nan_policy"):
        stats.mode(x, nan_policy="omit")


def test_sem():
    rng = np.random.default_rng(3)
    x = rng.standard_normal((4, 5)).astype(np.float32)
    for axis in (0, 1, None):
        for ddof in (0, 1):
            np.testing.assert_allclose(np.asarray(stats.sem(x, axis=axis, ddof=ddof)),
                                       osp.sem(x, axis=axis, ddof=ddof), rtol=1e-5)
    np.testing.assert_allclose(np.asarray(stats.sem(x, axis=None, keepdims=True)),
                               osp.sem(x, axis=None, keepdims=True), rtol=1e-5)
    x[1, 2] = x[3, 0] = np.nan
    np.testing.assert_allclose(np.asarray(stats.sem(x, axis=0, nan_policy="omit")),
                               osp.sem(x, axis=0, nan_policy="omit"), rtol=1e-5)
    assert np.isnan(np.asarray(stats.sem(x, axis=0))[0])
    with pytest.raises(ValueError, match="nan_policy"):
        stats.sem(x, nan_policy="raise")


# ---------------------------------------------------------------- gaussian_kde


@pytest.mark.parametrize("bw_method,weighted", [(None, False), ("silverman", True), (0.4, True)])
def test_gaussian_kde_matches_scipy(bw_method, weighted):
    rng = np.random.default_rng(1)
    data = rng.standard_normal((2, 30))
    w = rng.uniform(0.5, 2.0, 30) if weighted else None
    points = rng.standard_normal((2, 6))
    with numax.enable_x64():
        kde, ref = (stats.gaussian_kde(data, bw_method, w),
                    osp.gaussian_kde(data, bw_method, w))
        np.testing.assert_allclose(np.asarray(kde.covariance), ref.covariance, rtol=1e-10)
        np.testing.assert_allclose(np.asarray(kde.evaluate(points)), ref.evaluate(points),
                                   rtol=1e-10)
        np.testing.assert_allclose(np.asarray(kde.logpdf(points)), ref.logpdf(points),
                                   rtol=1e-10)
        np.testing.assert_allclose(float(kde.neff), ref.neff, rtol=1e-10)
        mean, cov = np.array([0.2, -0.1]), np.array([[1.0, 0.3], [0.3, 0.5]])
        np.testing.assert_allclose(float(kde.integrate_gaussian(mean, cov)),
                                   ref.integrate_gaussian(mean, cov), rtol=1e-10)
        other = osp.gaussian_kde(data[:, :10] + 1)
        np.testing.assert_allclose(
            float(kde.integrate_kde(stats.gaussian_kde(data[:, :10] + 1))),
            ref.integrate_kde(other), rtol=1e-10)


def test_gaussian_kde_one_dimensional_jit_and_resample():
    rng = np.random.default_rng(2)
    data = rng.standard_normal(40).astype(np.float32)
    kde, ref = stats.gaussian_kde(data), osp.gaussian_kde(data)
    np.testing.assert_allclose(float(kde.integrate_box_1d(-0.5, 1.0)),
                               ref.integrate_box_1d(-0.5, 1.0), rtol=1e-5)
    points = np.linspace(-2, 2, 7, dtype=np.float32)
    np.testing.assert_allclose(np.asarray(numax.jit(lambda k, p: k(p))(kde, points)),
                               ref(points), rtol=1e-5)
    samples = kde.resample(numax.random.key(0), (4000,))
    assert samples.shape == (1, 4000)
    # The kernel estimate's mean is the data mean and its variance the data variance
    # (ddof=1) plus the kernel's.
    np.testing.assert_allclose(float(jnp.mean(samples)), data.mean(), atol=0.06)
    np.testing.assert_allclose(float(jnp.var(samples)),
                               data.var(ddof=1) + ref.covariance[0, 0], rtol=0.1)
    with pytest.raises(ValueError, match="n > 1"):
        stats.gaussian_kde(np.ones(1))
    with pytest.raises(ValueError, match="one-dimensional"):
        stats.gaussian_kde(rng.standard_normal((2, 5))).integrate_box_1d(0, 1)
