"""numax.scipy.stats: scipy.stats on numax arrays, with JAX's semantics (jax.scipy.stats).

One small module per distribution, named as SciPy names it (`norm`, `gamma`, `poisson`,
...), each with the functions JAX gives it (logpdf/pdf/cdf/... with `loc` and `scale`,
logpmf/pmf for discrete ones); the descriptive statistics and gaussian_kde live in private
modules. Everything is written with numax.lax and numax.numpy, so it works under jit, vmap
and grad.
"""

from numax.scipy.stats import (bernoulli, beta, betabinom, binom, cauchy, chi2,  # noqa: F401
                               dirichlet, expon, gamma, gennorm, geom, gumbel_l, gumbel_r,
                               laplace, logistic, multinomial, multivariate_normal, nbinom,
                               norm, pareto, poisson, t, truncnorm, uniform, vonmises,
                               wrapcauchy)
from numax.scipy.stats._descriptive import ModeResult, mode, rankdata, sem  # noqa: F401
from numax.scipy.stats._kde import gaussian_kde  # noqa: F401

__all__ = [
    "bernoulli", "beta", "betabinom", "binom", "cauchy", "chi2", "dirichlet", "expon",
    "gamma", "gaussian_kde", "gennorm", "geom", "gumbel_l", "gumbel_r", "laplace",
    "logistic", "mode", "multinomial", "multivariate_normal", "nbinom", "norm", "pareto",
    "poisson", "rankdata", "sem", "t", "truncnorm", "uniform", "vonmises", "wrapcauchy",
]
