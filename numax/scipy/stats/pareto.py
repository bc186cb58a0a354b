"""numax.scipy.stats.pareto: the Pareto distribution with shape b, supported on
x >= loc + scale."""

from numax import numpy as jnp
from numax.scipy.stats import _common


def logpdf(x, b, loc=0, scale=1):
    z, scale, b = _common.standardize("pareto.logpdf", x, loc, scale, b)
    inside = z >= 1
    log_z = jnp.log(jnp.where(inside, z, 1))
    return jnp.where(inside, jnp.log(b) - (b + 1) * log_z - jnp.log(scale), -jnp.inf)


pdf = _common.density_from(logpdf)


def logsf(x, b, loc=0, scale=1):
    z, _, b = _common.standardize("pareto.logsf", x, loc, scale, b)
    return -b * jnp.log(jnp.maximum(z, 1))


def sf(x, b, loc=0, scale=1):
    return jnp.exp(logsf(x, b, loc, scale))


def cdf(x, b, loc=0, scale=1):
    return -jnp.expm1(logsf(x, b, loc, scale))


def logcdf(x, b, loc=0, scale=1):
    return jnp.log(cdf(x, b, loc, scale))


def ppf(q, b, loc=0, scale=1):
    q, b, loc, scale = _common.promote_inexact("pareto.ppf", q, b, loc, scale)
    quantile = loc + scale * jnp.exp(-jnp.log1p(-q) / b)
    return jnp.where((q < 0) | (q > 1), jnp.nan, quantile)
