"""numax.scipy.stats.bernoulli: one trial succeeding with probability p (k = 1) or
failing (k = 0), shifted by loc."""

from numax import numpy as jnp
from numax.scipy.stats import _common


def logpmf(k, p, loc=0):
    k, p, loc = _common.promote_inexact("bernoulli.logpmf", k, p, loc)
    k = k - loc
    log_mass = _common.xlogy(k, p) + _common.xlog1py(1 - k, -p)
    return jnp.where((k == 0) | (k == 1), log_mass, -jnp.inf)


pmf = _common.density_from(logpmf)


def cdf(k, p):
    k, p = _common.promote_inexact("bernoulli.cdf", k, p)
    out = jnp.where(k < 0, 0, jnp.where(k < 1, 1 - p, 1))
    return jnp.where((p < 0) | (p > 1), jnp.nan, out)


def ppf(q, p):
    """The smallest k with cdf(k) >= q; -1 at q = 0 (SciPy's convention)."""
    q, p = _common.promote_inexact("bernoulli.ppf", q, p)
    out = jnp.where(q == 0, -1, jnp.where(q <= 1 - p, 0, 1))
    return jnp.where((q < 0) | (q > 1) | (p < 0) | (p > 1), jnp.nan, out)
