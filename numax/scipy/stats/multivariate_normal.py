"""numax.scipy.stats.multivariate_normal: the multivariate normal distribution, through
the Cholesky factor of the covariance. As in SciPy, a covariance of 0 or 1 dimensions is
a diagonal (the variances), and x, mean and cov broadcast over leading axes."""

import math

from numax import numpy as jnp
from numax.numpy._promote import broadcast_shapes
from numax.scipy import linalg
from numax.scipy.stats import _common


def logpdf(x, mean, cov, allow_singular=None):
    if allow_singular:
        raise ValueError("multivariate_normal.logpdf: allow_singular=True is not supported; "
                         "the covariance must be positive definite")
    x, mean, cov = _common.promote_inexact("multivariate_normal.logpdf", x, mean, cov)
    if mean.ndim == 0:
        # One dimension: cov is the variance.
        return _common.log_normal_density((x - mean) / jnp.sqrt(cov)) - 0.5 * jnp.log(cov)
    dimension = mean.shape[-1]
    if x.ndim == 0 or x.shape[-1] != dimension:
        raise ValueError(f"multivariate_normal.logpdf: x must end in an axis of size "
                         f"{dimension} (the size of mean); got shape {x.shape}")
    difference = x - mean
    if cov.ndim < 2:
        variance = jnp.broadcast_to(cov, (dimension,))
        quadratic = jnp.sum(difference * difference / variance, axis=-1)
        log_det = jnp.sum(jnp.log(variance))
    else:
        if cov.shape[-2:] != (dimension, dimension):
            raise ValueError(f"multivariate_normal.logpdf: cov must end in a "
                             f"{dimension}x{dimension} matrix to match mean; got shape "
                             f"{cov.shape}")
        factor = jnp.linalg.cholesky(cov)
        batch = broadcast_shapes(factor.shape[:-2], difference.shape[:-1])
        factor = jnp.broadcast_to(factor, batch + (dimension, dimension))
        difference = jnp.broadcast_to(difference, batch + (dimension,))
        whitened = linalg.solve_triangular(factor, difference, lower=True)
        quadratic = jnp.sum(whitened * whitened, axis=-1)
        log_det = 2 * jnp.sum(jnp.log(jnp.diagonal(factor, axis1=-2, axis2=-1)), axis=-1)
    return -0.5 * (quadratic + log_det + dimension * math.log(2 * math.pi))


pdf = _common.density_from(logpdf)
