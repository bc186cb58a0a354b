"""numax.scipy.stats.gumbel_l: the left-skewed Gumbel (minimum extreme value)
distribution, the mirror image of gumbel_r: sf exp(-exp(z))."""

from numax import numpy as jnp
from numax.scipy.stats import _common


def logpdf(x, loc=0, scale=1):
    z, scale = _common.standardize("gumbel_l.logpdf", x, loc, scale)
    return z - jnp.exp(z) - jnp.log(scale)


pdf = _common.density_from(logpdf)


def logsf(x, loc=0, scale=1):
    z, _ = _common.standardize("gumbel_l.logsf", x, loc, scale)
    return -jnp.exp(z)


def sf(x, loc=0, scale=1):
    return jnp.exp(logsf(x, loc, scale))


def cdf(x, loc=0, scale=1):
    return -jnp.expm1(logsf(x, loc, scale))


def logcdf(x, loc=0, scale=1):
    return jnp.log(cdf(x, loc, scale))


def ppf(q, loc=0, scale=1):
    q, loc, scale = _common.promote_inexact("gumbel_l.ppf", q, loc, scale)
    return jnp.where((q < 0) | (q > 1), jnp.nan, loc + scale * jnp.log(-jnp.log1p(-q)))
