"""numax.scipy.stats.vonmises: the von Mises (circular normal) distribution with
concentration kappa, density exp(kappa cos x) / (2 pi I0(kappa)), evaluated at any x
(it is 2 pi-periodic, as SciPy computes it)."""

import math

from numax import lax, numpy as jnp
from numax.scipy.stats import _common


def logpdf(x, kappa, loc=0, scale=1):
    z, scale, kappa = _common.standardize("vonmises.logpdf", x, loc, scale, kappa)
    # I0(kappa) = i0e(kappa) e**kappa: the exponentially scaled Bessel function does not
    # overflow for large kappa.
    return (kappa * (jnp.cos(z) - 1) - math.log(2 * math.pi) - jnp.log(lax.bessel_i0e(kappa))
            - jnp.log(scale))


pdf = _common.density_from(logpdf)
