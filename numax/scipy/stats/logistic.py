"""numax.scipy.stats.logistic: the logistic distribution (cdf = the sigmoid)."""

from numax import lax, nn, numpy as jnp
from numax.scipy.stats import _common


def logpdf(x, loc=0, scale=1):
    z, scale = _common.standardize("logistic.logpdf", x, loc, scale)
    # The density is symmetric; with |z| the exponential never overflows.
    magnitude = jnp.abs(z)
    return -magnitude - 2 * jnp.log1p(jnp.exp(-magnitude)) - jnp.log(scale)


pdf = _common.density_from(logpdf)


def cdf(x, loc=0, scale=1):
    z, _ = _common.standardize("logistic.cdf", x, loc, scale)
    return lax.logistic(z)


def logcdf(x, loc=0, scale=1):
    z, _ = _common.standardize("logistic.logcdf", x, loc, scale)
    return nn.log_sigmoid(z)


def sf(x, loc=0, scale=1):
    z, _ = _common.standardize("logistic.sf", x, loc, scale)
    return lax.logistic(-z)


def logsf(x, loc=0, scale=1):
    z, _ = _common.standardize("logistic.logsf", x, loc, scale)
    return nn.log_sigmoid(-z)


def _logit(q):
    return jnp.log(q) - jnp.log1p(-q)


def ppf(q, loc=0, scale=1):
    q, loc, scale = _common.promote_inexact("logistic.ppf", q, loc, scale)
    return loc + scale * _logit(q)


def isf(q, loc=0, scale=1):
    q, loc, scale = _common.promote_inexact("logistic.isf", q, loc, scale)
    return loc - scale * _logit(q)
