"""numax.scipy.stats.truncnorm: the normal distribution truncated to [a, b], with a and b
in standard units (the support is [loc + a scale, loc + b scale]). Masses between two
points are computed in log space from whichever tail keeps them accurate."""

from numax import numpy as jnp
from numax.scipy.stats import _common


def _log_mass_between(low, high):
    """log(Phi(high) - Phi(low)) for low <= high; through the upper tail when low > 0,
    where Phi(low) and Phi(high) are both near 1."""
    mirror = low > 0
    low, high = jnp.where(mirror, -high, low), jnp.where(mirror, -low, high)
    return _common.log_diff_exp(_common.log_ndtr(high), _common.log_ndtr(low))


def _arguments(name, x, a, b, loc, scale):
    z, scale, a, b = _common.standardize(f"truncnorm.{name}", x, loc, scale, a, b)
    return z, scale, a, b, _log_mass_between(a, b)


def logpdf(x, a, b, loc=0, scale=1):
    z, scale, a, b, log_mass = _arguments("logpdf", x, a, b, loc, scale)
    log_density = _common.log_normal_density(z) - log_mass - jnp.log(scale)
    return jnp.where((z < a) | (z > b), -jnp.inf, log_density)


pdf = _common.density_from(logpdf)


def logcdf(x, a, b, loc=0, scale=1):
    z, _, a, b, log_mass = _arguments("logcdf", x, a, b, loc, scale)
    inner = _log_mass_between(a, jnp.clip(z, a, b)) - log_mass
    return jnp.where(z <= a, -jnp.inf, jnp.where(z >= b, 0, inner))


def cdf(x, a, b, loc=0, scale=1):
    return jnp.exp(logcdf(x, a, b, loc, scale))


def logsf(x, a, b, loc=0, scale=1):
    z, _, a, b, log_mass = _arguments("logsf", x, a, b, loc, scale)
    inner = _log_mass_between(jnp.clip(z, a, b), b) - log_mass
    return jnp.where(z <= a, 0, jnp.where(z >= b, -jnp.inf, inner))


def sf(x, a, b, loc=0, scale=1):
    return jnp.exp(logsf(x, a, b, loc, scale))
