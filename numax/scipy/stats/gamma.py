"""numax.scipy.stats.gamma: the gamma distribution with shape `a`. The cdf is the
regularized incomplete gamma function (lax.igamma), differentiable in x but not in a."""

from numax import lax, numpy as jnp
from numax.scipy.stats import _common


def logpdf(x, a, loc=0, scale=1):
    z, scale, a = _common.standardize("gamma.logpdf", x, loc, scale, a)
    inside = z >= 0
    z_safe = jnp.where(inside, z, 1)
    log_density = _common.xlogy(a - 1, z_safe) - z_safe - lax.lgamma(a) - jnp.log(scale)
    return jnp.where(inside, log_density, -jnp.inf)


pdf = _common.density_from(logpdf)


def cdf(x, a, loc=0, scale=1):
    z, _, a = _common.standardize("gamma.cdf", x, loc, scale, a)
    return _common.igamma(a, jnp.maximum(z, 0))


def logcdf(x, a, loc=0, scale=1):
    return jnp.log(cdf(x, a, loc, scale))


def sf(x, a, loc=0, scale=1):
    z, _, a = _common.standardize("gamma.sf", x, loc, scale, a)
    return _common.igammac(a, jnp.maximum(z, 0))


def logsf(x, a, loc=0, scale=1):
    return jnp.log(sf(x, a, loc, scale))
