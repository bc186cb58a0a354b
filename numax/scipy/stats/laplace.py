"""numax.scipy.stats.laplace: the Laplace (double exponential) distribution."""

from numax import numpy as jnp
from numax.scipy.stats import _common


def logpdf(x, loc=0, scale=1):
    z, scale = _common.standardize("laplace.logpdf", x, loc, scale)
    return -jnp.abs(z) - jnp.log(2 * scale)


pdf = _common.density_from(logpdf)


def cdf(x, loc=0, scale=1):
    z, _ = _common.standardize("laplace.cdf", x, loc, scale)
    half_tail = 0.5 * jnp.exp(-jnp.abs(z))
    return jnp.where(z < 0, half_tail, 1 - half_tail)
