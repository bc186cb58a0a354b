"""numax.scipy.stats.betabinom: the binomial distribution with a Beta(a, b) distributed
success probability."""

from numax import lax, numpy as jnp
from numax.scipy.stats import _common


def _log_beta(a, b):
    return lax.lgamma(a) + lax.lgamma(b) - lax.lgamma(a + b)


def logpmf(k, n, a, b, loc=0):
    k, n, a, b, loc = _common.promote_inexact("betabinom.logpmf", k, n, a, b, loc)
    k = k - loc
    inside = _common.integer_support(k) & (k <= n)
    k_safe = jnp.where(inside, k, 0)
    log_choose = lax.lgamma(n + 1) - lax.lgamma(k_safe + 1) - lax.lgamma(n - k_safe + 1)
    log_mass = log_choose + _log_beta(k_safe + a, n - k_safe + b) - _log_beta(a, b)
    return jnp.where(inside, log_mass, -jnp.inf)


pmf = _common.density_from(logpmf)
