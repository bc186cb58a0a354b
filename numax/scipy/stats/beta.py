"""numax.scipy.stats.beta: the beta distribution on [loc, loc + scale] with shapes a and
b. The cdf is the regularized incomplete beta function, by a continued fraction."""

from numax import lax, numpy as jnp
from numax.scipy.stats import _common


def logpdf(x, a, b, loc=0, scale=1):
    z, scale, a, b = _common.standardize("beta.logpdf", x, loc, scale, a, b)
    inside = (z >= 0) & (z <= 1)
    z_safe = jnp.where(inside, z, 0.5)
    log_beta = lax.lgamma(a) + lax.lgamma(b) - lax.lgamma(a + b)
    log_density = (_common.xlogy(a - 1, z_safe) + _common.xlog1py(b - 1, -z_safe)
                   - log_beta - jnp.log(scale))
    return jnp.where(inside, log_density, -jnp.inf)


pdf = _common.density_from(logpdf)


def cdf(x, a, b, loc=0, scale=1):
    z, _, a, b = _common.standardize("beta.cdf", x, loc, scale, a, b)
    return _common.betainc(a, b, z)


def logcdf(x, a, b, loc=0, scale=1):
    return jnp.log(cdf(x, a, b, loc, scale))


def sf(x, a, b, loc=0, scale=1):
    z, _, a, b = _common.standardize("beta.sf", x, loc, scale, a, b)
    return _common.betainc(b, a, 1 - z)


def logsf(x, a, b, loc=0, scale=1):
    return jnp.log(sf(x, a, b, loc, scale))
