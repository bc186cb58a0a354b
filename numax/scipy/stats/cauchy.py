"""numax.scipy.stats.cauchy: the Cauchy (Lorentz) distribution."""

import math

from numax import numpy as jnp
from numax.scipy.stats import _common


def logpdf(x, loc=0, scale=1):
    z, scale = _common.standardize("cauchy.logpdf", x, loc, scale)
    return -math.log(math.pi) - jnp.log(scale) - jnp.log1p(z * z)


pdf = _common.density_from(logpdf)


def _lower_tail(z):
    # P(Z <= z) = atan2(1, -z) / pi: no cancellation against 1/2 for z << 0.
    return jnp.arctan2(1, -z) / math.pi


def cdf(x, loc=0, scale=1):
    z, _ = _common.standardize("cauchy.cdf", x, loc, scale)
    return _lower_tail(z)


def logcdf(x, loc=0, scale=1):
    z, _ = _common.standardize("cauchy.logcdf", x, loc, scale)
    return jnp.log(_lower_tail(z))


def sf(x, loc=0, scale=1):
    z, _ = _common.standardize("cauchy.sf", x, loc, scale)
    return _lower_tail(-z)


def logsf(x, loc=0, scale=1):
    z, _ = _common.standardize("cauchy.logsf", x, loc, scale)
    return jnp.log(_lower_tail(-z))


def _standard_quantile(q):
    # tan(pi (q - 1/2)) loses q's low digits in q - 1/2; in the tails -cot(pi q) and
    # cot(pi (1 - q)) are the same function without that rounding.
    return jnp.where(q < 0.25, -1 / jnp.tan(math.pi * q),
                     jnp.where(q > 0.75, 1 / jnp.tan(math.pi * (1 - q)),
                               jnp.tan(math.pi * (q - 0.5))))


def ppf(q, loc=0, scale=1):
    q, loc, scale = _common.promote_inexact("cauchy.ppf", q, loc, scale)
    return loc + scale * _standard_quantile(q)


def isf(q, loc=0, scale=1):
    q, loc, scale = _common.promote_inexact("cauchy.isf", q, loc, scale)
    return loc - scale * _standard_quantile(q)
