"""numax.scipy.stats.uniform: the uniform distribution on [loc, loc + scale]."""

from numax import numpy as jnp
from numax.scipy.stats import _common


def logpdf(x, loc=0, scale=1):
    x, loc, scale = _common.promote_inexact("uniform.logpdf", x, loc, scale)
    outside = (x < loc) | (x > loc + scale)
    return jnp.where(outside, -jnp.inf, -jnp.log(scale))


pdf = _common.density_from(logpdf)


def cdf(x, loc=0, scale=1):
    z, _ = _common.standardize("uniform.cdf", x, loc, scale)
    return jnp.clip(z, 0, 1)


def ppf(q, loc=0, scale=1):
    q, loc, scale = _common.promote_inexact("uniform.ppf", q, loc, scale)
    return jnp.where((q < 0) | (q > 1), jnp.nan, loc + q * scale)
