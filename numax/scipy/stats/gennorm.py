"""numax.scipy.stats.gennorm: the generalized normal distribution, density
beta / (2 Gamma(1 / beta)) exp(-|x|**beta) (beta = 2: a normal, beta = 1: Laplace)."""

import math

from numax import lax, numpy as jnp
from numax.scipy.stats import _common


def logpdf(x, beta, loc=0, scale=1):
    z, scale, beta = _common.standardize("gennorm.logpdf", x, loc, scale, beta)
    return (jnp.log(beta) - math.log(2) - lax.lgamma(1 / beta) - jnp.abs(z) ** beta
            - jnp.log(scale))


pdf = _common.density_from(logpdf)


def cdf(x, beta, loc=0, scale=1):
    z, _, beta = _common.standardize("gennorm.cdf", x, loc, scale, beta)
    half_mass = 0.5 * _common.igamma(1 / beta, jnp.abs(z) ** beta)
    return 0.5 + jnp.sign(z) * half_mass
