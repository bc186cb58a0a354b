"""numax.scipy.stats.norm: the normal distribution with mean `loc` and standard deviation
`scale`. Tails go through erfc and a log-space inverse, so cdf/sf/logcdf/ppf keep relative
accuracy far into the tails."""

from numax import numpy as jnp
from numax.scipy.stats import _common


def logpdf(x, loc=0, scale=1):
    """log of the normal density.

    >>> round(float(logpdf(0.0)), 4)  # -log(sqrt(2 pi))
    -0.9189
    """
    z, scale = _common.standardize("norm.logpdf", x, loc, scale)
    return _common.log_normal_density(z) - jnp.log(scale)


pdf = _common.density_from(logpdf)


def cdf(x, loc=0, scale=1):
    z, _ = _common.standardize("norm.cdf", x, loc, scale)
    return _common.ndtr(z)


def logcdf(x, loc=0, scale=1):
    z, _ = _common.standardize("norm.logcdf", x, loc, scale)
    return _common.log_ndtr(z)


def sf(x, loc=0, scale=1):
    z, _ = _common.standardize("norm.sf", x, loc, scale)
    return _common.ndtr(-z)


def logsf(x, loc=0, scale=1):
    z, _ = _common.standardize("norm.logsf", x, loc, scale)
    return _common.log_ndtr(-z)


def ppf(q, loc=0, scale=1):
    """The quantile function, the inverse of cdf."""
    q, loc, scale = _common.promote_inexact("norm.ppf", q, loc, scale)
    return loc + scale * _common.ndtri(q)


def isf(q, loc=0, scale=1):
    """The inverse of sf (by symmetry, -ppf of the standard normal)."""
    q, loc, scale = _common.promote_inexact("norm.isf", q, loc, scale)
    return loc - scale * _common.ndtri(q)
