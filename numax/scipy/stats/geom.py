"""numax.scipy.stats.geom: the number of trials up to and including the first success
(support k = 1, 2, ...), each succeeding with probability p."""

from numax import numpy as jnp
from numax.scipy.stats import _common


def logpmf(k, p, loc=0):
    k, p, loc = _common.promote_inexact("geom.logpmf", k, p, loc)
    k = k - loc
    log_mass = _common.xlog1py(k - 1, -p) + jnp.log(p)
    return jnp.where(_common.integer_support(k, low=1), log_mass, -jnp.inf)


pmf = _common.density_from(logpmf)
