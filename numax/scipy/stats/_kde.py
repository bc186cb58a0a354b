"""gaussian_kde: kernel density estimation with a Gaussian kernel whose covariance is the
(weighted) data covariance times factor**2 (Scott's or Silverman's rule, a number, or a
callable). The estimator is a pytree, so it can be passed into jit and vmap."""

import math

from numax import nn, numpy as jnp, random
from numax.core.pytree import register_pytree_node_class
from numax.scipy import linalg
from numax.scipy.stats import _common, multivariate_normal


@register_pytree_node_class
class gaussian_kde:
    """A Gaussian kernel density estimate of `dataset` (shape (d, n): n points in d
    dimensions; a 1-D array is n points in one dimension).

    >>> import numpy as np
    >>> kde = gaussian_kde(np.array([0.0, 1.0, 2.0]), bw_method=0.5)
    >>> round(float(kde.integrate_box_1d(-10.0, 10.0)), 4)
    1.0
    """

    def __init__(self, dataset, bw_method=None, weights=None):
        (dataset,) = _common.promote_inexact("gaussian_kde", dataset)
        dataset = jnp.atleast_2d(dataset)
        if dataset.ndim != 2 or dataset.shape[1] < 2:
            raise ValueError(f"gaussian_kde: dataset must be (d, n) with n > 1 points; got "
                             f"shape {dataset.shape}")
        d, n = dataset.shape
        if weights is None:
            weights = jnp.full((n,), 1 / n, dataset.dtype)
        else:
            weights = jnp.asarray(weights).astype(dataset.dtype)
            if weights.shape != (n,):
                raise ValueError(f"gaussian_kde: weights must have shape ({n},), one per "
                                 f"point; got {weights.shape}")
            weights = weights / jnp.sum(weights)
        self.dataset, self.weights = dataset, weights
        self.neff = 1 / jnp.sum(weights * weights)
        factor = self._factor(bw_method)
        mean = dataset @ weights
        centered = dataset - mean[:, None]
        # NumPy's cov with aweights and ddof=1, for weights summing to 1.
        data_covariance = (centered * weights) @ centered.T / (1 - jnp.sum(weights * weights))
        self.covariance = data_covariance * factor ** 2
        self.inv_cov = jnp.linalg.inv(self.covariance)

    def _factor(self, bw_method):
        if bw_method is None or bw_method == "scott":
            return self.neff ** (-1 / (self.d + 4))
        if bw_method == "silverman":
            return (self.neff * (self.d + 2) / 4) ** (-1 / (self.d + 4))
        if callable(bw_method):
            return bw_method(self)
        if isinstance(bw_method, str):
            raise ValueError(f"gaussian_kde: bw_method must be 'scott', 'silverman', a "
                             f"number or a callable; got {bw_method!r}")
        return jnp.asarray(bw_method, self.dataset.dtype)

    @property
    def d(self):
        return self.dataset.shape[0]

    @property
    def n(self):
        return self.dataset.shape[1]

    def tree_flatten(self):
        return (self.dataset, self.weights, self.neff, self.covariance, self.inv_cov), None

    @classmethod
    def tree_unflatten(cls, aux, children):
        kde = object.__new__(cls)
        kde.dataset, kde.weights, kde.neff, kde.covariance, kde.inv_cov = children
        return kde

    def _points(self, points):
        (points,) = _common.promote_inexact("gaussian_kde", points)
        points = jnp.atleast_2d(points).astype(self.dataset.dtype)
        if points.shape[0] != self.d:
            if points.shape == (1, self.d):
                return points.T
            raise ValueError(f"gaussian_kde: points must have shape ({self.d}, m) to match "
                             f"the {self.d}-dimensional data; got {points.shape}")
        return points

    def logpdf(self, points):
        """The log of the estimated density at `points` (shape (d, m))."""
        points = self._points(points)
        factor = jnp.linalg.cholesky(self.covariance)
        whitened_points = linalg.solve_triangular(factor, points, lower=True)
        whitened_data = linalg.solve_triangular(factor, self.dataset, lower=True)
        difference = whitened_points[:, :, None] - whitened_data[:, None, :]
        squared_distance = jnp.sum(difference * difference, axis=0)
        log_normalizer = (jnp.sum(jnp.log(jnp.diagonal(factor)))
                          + 0.5 * self.d * math.log(2 * math.pi))
        return (nn.logsumexp(-0.5 * squared_distance, b=self.weights[None, :], axis=1)
                - log_normalizer)

    def evaluate(self, points):
        """The estimated density at `points` (shape (d, m))."""
        return jnp.exp(self.logpdf(points))

    __call__ = pdf = evaluate

    def integrate_gaussian(self, mean, cov):
        """The integral of the estimate times the normal density N(mean, cov)."""
        mean, cov = _common.promote_inexact("gaussian_kde.integrate_gaussian", mean, cov)
        mean, cov = jnp.atleast_1d(mean), jnp.atleast_2d(cov)
        if mean.shape != (self.d,) or cov.shape != (self.d, self.d):
            raise ValueError(f"gaussian_kde.integrate_gaussian: mean must have shape "
                             f"({self.d},) and cov ({self.d}, {self.d}); got {mean.shape} "
                             f"and {cov.shape}")
        log_density = multivariate_normal.logpdf(self.dataset.T, mean, cov + self.covariance)
        return jnp.sum(self.weights * jnp.exp(log_density))

    def integrate_box_1d(self, low, high):
        """The estimated probability of [low, high] (one-dimensional data only)."""
        if self.d != 1:
            raise ValueError("gaussian_kde.integrate_box_1d: needs one-dimensional data; "
                             f"this estimate is {self.d}-dimensional")
        deviation = jnp.sqrt(self.covariance[0, 0])
        data = self.dataset[0]
        mass = (_common.ndtr((high - data) / deviation)
                - _common.ndtr((low - data) / deviation))
        return jnp.sum(self.weights * mass)

    def integrate_kde(self, other):
        """The integral of the product of this estimate and `other`."""
        if other.d != self.d:
            raise ValueError(f"gaussian_kde.integrate_kde: the estimates must have the same "
                             f"dimension; got {self.d} and {other.d}")
        log_density = multivariate_normal.logpdf(self.dataset.T[:, None, :],
                                                 other.dataset.T[None, :, :],
                                                 self.covariance + other.covariance)
        return self.weights @ jnp.exp(log_density) @ other.weights

    def resample(self, key, shape=()):
        """Draws of shape (d, *shape): a data point picked by weight plus kernel noise."""
        shape = tuple(shape)
        pick_key, noise_key = random.split(key)
        picks = random.choice(pick_key, self.n, shape=shape, p=self.weights)
        noise = random.normal(noise_key, (self.d,) + shape, self.dataset.dtype)
        factor = jnp.linalg.cholesky(self.covariance)
        correlated = jnp.tensordot(factor, noise, axes=1)
        return self.dataset[:, picks] + correlated
