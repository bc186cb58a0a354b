"""numax.scipy.stats.binom: the number of successes in n trials of probability p."""

from numax import lax, numpy as jnp
from numax.scipy.stats import _common


def logpmf(k, n, p, loc=0):
    k, n, p, loc = _common.promote_inexact("binom.logpmf", k, n, p, loc)
    k = k - loc
    log_choose = lax.lgamma(n + 1) - lax.lgamma(k + 1) - lax.lgamma(n - k + 1)
    log_mass = log_choose + _common.xlogy(k, p) + _common.xlog1py(n - k, -p)
    return jnp.where(_common.integer_support(k) & (k <= n), log_mass, -jnp.inf)


pmf = _common.density_from(logpmf)
