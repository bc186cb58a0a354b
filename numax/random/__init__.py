"""numax.random: JAX's counter-based PRNG (threefry2x32) and its samplers.

Keys are explicit values: `key(seed)` (typed, dtype key<fry>) or `PRNGKey(seed)` (raw
uint32[2]); `split` and `fold_in` derive new keys; every sampler takes one key and gives
the same numbers as JAX 0.10.2 for the same key (with jax_threefry_partitionable on, its
default). prng.py owns the generator and keys, distributions.py the loop-free samplers,
rejection.py the samplers that loop until they accept.
"""

from numax.random.prng import (PRNGKey, PRNGKeyArray, bits, clone, fold_in, key,  # noqa: F401
                               key_data, key_dtype, key_impl, split, wrap_key_data)
from numax.random.distributions import (bernoulli, categorical, cauchy, choice,  # noqa: F401
                                        double_sided_maxwell, exponential, gumbel, laplace,
                                        logistic, lognormal, maxwell, multivariate_normal,
                                        normal, orthogonal, pareto, permutation, rademacher,
                                        randint, rayleigh, triangular, truncated_normal,
                                        uniform, wald, weibull_min, geometric)
from numax.random.rejection import (ball, beta, binomial, chisquare, dirichlet, f,  # noqa: F401
                                    gamma, generalized_normal, loggamma, multinomial,
                                    poisson, t)
from numax.random.rejection import random_gamma_p  # noqa: F401  (JAX's primitive behind gamma)

__all__ = [
    "PRNGKey", "PRNGKeyArray", "ball", "bernoulli", "beta", "binomial", "bits", "categorical",
    "cauchy", "chisquare", "choice", "clone", "dirichlet", "double_sided_maxwell",
    "exponential", "f", "fold_in", "gamma", "generalized_normal", "geometric", "gumbel", "key",
    "key_data", "key_dtype", "key_impl", "laplace", "loggamma", "logistic", "lognormal", "maxwell",
    "multinomial", "multivariate_normal", "normal", "orthogonal", "pareto", "permutation",
    "poisson", "rademacher", "randint", "rayleigh", "split", "t", "triangular",
    "truncated_normal", "uniform", "wald", "weibull_min", "wrap_key_data",
]
