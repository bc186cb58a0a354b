"""numax.scipy.stats.gumbel_r: the right-skewed Gumbel (maximum extreme value)
distribution, cdf exp(-exp(-z))."""

from numax import numpy as jnp
from numax.scipy.stats import _common


def logpdf(x, loc=0, scale=1):
    z, scale = _common.standardize("gumbel_r.logpdf", x, loc, scale)
    return -(z + jnp.exp(-z)) - jnp.log(scale)


pdf = _common.density_from(logpdf)


def logcdf(x, loc=0, scale=1):
    z, _ = _common.standardize("gumbel_r.logcdf", x, loc, scale)
    return -jnp.exp(-z)


def cdf(x, loc=0, scale=1):
    return jnp.exp(logcdf(x, loc, scale))


def sf(x, loc=0, scale=1):
    return -jnp.expm1(logcdf(x, loc, scale))


def logsf(x, loc=0, scale=1):
    return jnp.log(sf(x, loc, scale))


def ppf(q, loc=0, scale=1):
    q, loc, scale = _common.promote_inexact("gumbel_r.ppf", q, loc, scale)
    return jnp.where((q < 0) | (q > 1), jnp.nan, loc - scale * jnp.log(-jnp.log(q)))
