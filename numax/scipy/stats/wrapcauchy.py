"""numax.scipy.stats.wrapcauchy: the wrapped Cauchy distribution on [0, 2 pi] with
shape 0 < c < 1."""

import math

from numax import numpy as jnp
from numax.scipy.stats import _common


def logpdf(x, c, loc=0, scale=1):
    z, scale, c = _common.standardize("wrapcauchy.logpdf", x, loc, scale, c)
    log_density = (jnp.log1p(-c * c) - math.log(2 * math.pi)
                   - jnp.log1p(c * c - 2 * c * jnp.cos(z)) - jnp.log(scale))
    inside = (z >= 0) & (z <= 2 * math.pi)
    valid = (c > 0) & (c < 1)
    return jnp.where(valid, jnp.where(inside, log_density, -jnp.inf), jnp.nan)


pdf = _common.density_from(logpdf)
