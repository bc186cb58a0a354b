"""numax.scipy.stats.expon: the exponential distribution with rate 1 / scale, shifted to
start at loc."""

from numax import numpy as jnp
from numax.scipy.stats import _common


def logpdf(x, loc=0, scale=1):
    z, scale = _common.standardize("expon.logpdf", x, loc, scale)
    return jnp.where(z < 0, -jnp.inf, -z - jnp.log(scale))


pdf = _common.density_from(logpdf)


def cdf(x, loc=0, scale=1):
    z, _ = _common.standardize("expon.cdf", x, loc, scale)
    return -jnp.expm1(-jnp.maximum(z, 0))


def logcdf(x, loc=0, scale=1):
    z, _ = _common.standardize("expon.logcdf", x, loc, scale)
    return jnp.where(z <= 0, -jnp.inf, jnp.log(-jnp.expm1(-jnp.maximum(z, 0))))


def sf(x, loc=0, scale=1):
    z, _ = _common.standardize("expon.sf", x, loc, scale)
    return jnp.exp(-jnp.maximum(z, 0))


def logsf(x, loc=0, scale=1):
    z, _ = _common.standardize("expon.logsf", x, loc, scale)
    return -jnp.maximum(z, 0)


def ppf(q, loc=0, scale=1):
    q, loc, scale = _common.promote_inexact("expon.ppf", q, loc, scale)
    return jnp.where((q < 0) | (q > 1), jnp.nan, loc - scale * jnp.log1p(-q))


def isf(q, loc=0, scale=1):
    q, loc, scale = _common.promote_inexact("expon.isf", q, loc, scale)
    return jnp.where((q < 0) | (q > 1), jnp.nan, loc - scale * jnp.log(q))
