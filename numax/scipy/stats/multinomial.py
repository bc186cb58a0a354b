"""numax.scipy.stats.multinomial: counts x (last axis: the categories) of n draws with
category probabilities p."""

from numax import lax, numpy as jnp
from numax.scipy.stats import _common


def logpmf(x, n, p):
    x, n, p = _common.promote_inexact("multinomial.logpmf", x, n, p)
    if x.ndim == 0 or p.ndim == 0:
        raise ValueError(f"multinomial.logpmf: x and p need a last axis of categories; got "
                         f"shapes {x.shape} and {p.shape}")
    valid_counts = jnp.all(_common.integer_support(x), axis=-1) & (jnp.sum(x, axis=-1) == n)
    log_mass = lax.lgamma(n + 1) + jnp.sum(_common.xlogy(x, p) - lax.lgamma(x + 1), axis=-1)
    return jnp.where(valid_counts, log_mass, -jnp.inf)


pmf = _common.density_from(logpmf)
