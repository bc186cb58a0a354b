"""numax.scipy.stats.poisson: the Poisson distribution with mean mu. The cdf is the
regularized upper incomplete gamma function Q(floor(k) + 1, mu)."""

from numax import lax, numpy as jnp
from numax.scipy.stats import _common


def logpmf(k, mu, loc=0):
    k, mu, loc = _common.promote_inexact("poisson.logpmf", k, mu, loc)
    k = k - loc
    inside = _common.integer_support(k)
    k_safe = jnp.where(inside, k, 0)
    log_mass = _common.xlogy(k_safe, mu) - lax.lgamma(k_safe + 1) - mu
    return jnp.where(inside, log_mass, -jnp.inf)


pmf = _common.density_from(logpmf)


def cdf(k, mu, loc=0):
    k, mu, loc = _common.promote_inexact("poisson.cdf", k, mu, loc)
    k = jnp.floor(k - loc)
    return jnp.where(k < 0, 0, _common.igammac(jnp.maximum(k, 0) + 1, mu))
