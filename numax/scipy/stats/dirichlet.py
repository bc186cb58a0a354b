"""numax.scipy.stats.dirichlet: the Dirichlet distribution on the probability simplex.
As in SciPy, the K components of x run along its first axis, and x may omit the last
one (it is then 1 - the sum of the others). Points off the simplex have density 0."""

import math

from numax import lax, numpy as jnp
from numax.core import dtypes
from numax.scipy.stats import _common


def logpdf(x, alpha):
    x, alpha = _common.promote_inexact("dirichlet.logpdf", x, alpha)
    if alpha.ndim != 1:
        raise ValueError(f"dirichlet.logpdf: alpha must be one-dimensional (the K "
                         f"concentrations); got shape {alpha.shape}")
    components = alpha.shape[0]
    if x.ndim == 0 or x.shape[0] not in (components, components - 1):
        raise ValueError(f"dirichlet.logpdf: x must have {components} or {components - 1} "
                         f"entries along its first axis (alpha has {components}); got shape "
                         f"{x.shape}")
    if x.shape[0] == components - 1:
        x = jnp.concatenate([x, (1 - jnp.sum(x, axis=0))[None]], axis=0)
    alpha = alpha.reshape(alpha.shape + (1,) * (x.ndim - 1))
    tolerance = math.sqrt(dtypes.finfo(x.dtype).eps)
    on_simplex = (jnp.all(x >= 0, axis=0)
                  & (jnp.abs(jnp.sum(x, axis=0) - 1) <= tolerance))
    log_normalizer = jnp.sum(lax.lgamma(alpha), axis=0) - lax.lgamma(jnp.sum(alpha, axis=0))
    log_density = jnp.sum(_common.xlogy(alpha - 1, x), axis=0) - log_normalizer
    return jnp.where(on_simplex, log_density, -jnp.inf)


pdf = _common.density_from(logpdf)
