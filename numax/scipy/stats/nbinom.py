"""numax.scipy.stats.nbinom: the number of failures before the n-th success, each trial
succeeding with probability p (n may be any positive real)."""

from numax import lax, numpy as jnp
from numax.scipy.stats import _common


def logpmf(k, n, p, loc=0):
    k, n, p, loc = _common.promote_inexact("nbinom.logpmf", k, n, p, loc)
    k = k - loc
    inside = _common.integer_support(k)
    k_safe = jnp.where(inside, k, 0)
    log_choose = lax.lgamma(k_safe + n) - lax.lgamma(n) - lax.lgamma(k_safe + 1)
    log_mass = log_choose + _common.xlogy(n, p) + _common.xlog1py(k_safe, -p)
    return jnp.where(inside, log_mass, -jnp.inf)


pmf = _common.density_from(logpmf)
