"""numax.scipy.stats.t: Student's t distribution with `df` degrees of freedom."""

import math

from numax import lax, numpy as jnp
from numax.scipy.stats import _common


def logpdf(x, df, loc=0, scale=1):
    z, scale, df = _common.standardize("t.logpdf", x, loc, scale, df)
    half_df_plus_one = (df + 1) / 2
    normalizer = (lax.lgamma(half_df_plus_one) - lax.lgamma(df / 2)
                  - 0.5 * jnp.log(df * math.pi) - jnp.log(scale))
    return normalizer - half_df_plus_one * jnp.log1p(z * z / df)


pdf = _common.density_from(logpdf)
