"""Shared pieces of numax.scipy.stats: argument promotion, the location-scale change of
variable, support masks of discrete distributions, and the few special functions the
distributions need (xlogy, the normal cdf and its log and inverse, the regularized
incomplete beta function). They are private here so that stats depends on numax.lax and
numax.numpy only.
"""

import math

import numpy as np

from numax import lax, numpy as jnp
from numax.api import jit
from numax.core import dtypes
from numax.custom_derivatives import custom_jvp
from numax.numpy._promote import as_operand, convert, ensure_array

_LOG_SQRT_2PI = 0.5 * math.log(2 * math.pi)
_SQRT_2 = math.sqrt(2)


def promote_inexact(name, *args):
    """The arguments as arrays of their common inexact dtype (ints and bools become floats;
    all-Python-scalar arguments give a weakly typed result, as in JAX)."""
    args = [as_operand(a, name) for a in args]
    dtype, weak = dtypes.result_type(*args, return_weak_type_flag=True)
    dtype = dtypes.to_inexact_dtype(dtype)
    return [convert(ensure_array(a), dtype, weak) for a in args]


def standardize(name, x, loc, scale, *shape_params):
    """(z, scale, *shape_params) with z = (x - loc) / scale, all promoted together."""
    x, loc, scale, *shape_params = promote_inexact(name, x, loc, scale, *shape_params)
    return ((x - loc) / scale, scale, *shape_params)


def integer_support(k, low=0):
    """Where k is an integer >= low: a discrete distribution's support (scipy gives
    probability 0 elsewhere)."""
    return (k >= low) & (k == jnp.round(k))


def log_diff_exp(a, b):
    """log(exp(a) - exp(b)) for a >= b, without cancellation when a - b is small."""
    return a + jnp.log(-jnp.expm1(b - a))


# ---------------------------------------------------------------- x log y


def _xlog_jvp(log_fn, shift):
    def jvp(primals, tangents):
        x, y = primals
        x_dot, y_dot = tangents
        out = xlog(log_fn, x, y)
        # d/dy x log(y + shift) = x / (y + shift), zero where x = 0 (the value is 0 there).
        dy = jnp.where(x == 0, 0, x / jnp.where(x == 0, 1, y + shift))
        return out, x_dot * log_fn(y) + y_dot * dy
    return jvp


def xlog(log_fn, x, y):
    safe_y = jnp.where(x == 0, jnp.ones_like(y), y)
    return jnp.where(x == 0, jnp.zeros_like(x), x * log_fn(safe_y))


@custom_jvp
def xlogy(x, y):
    """x * log(y), taken as 0 where x == 0 (also for y == 0)."""
    return xlog(jnp.log, x, y)


@custom_jvp
def xlog1py(x, y):
    """x * log1p(y), taken as 0 where x == 0 (also for y == -1)."""
    return xlog(jnp.log1p, x, y)


xlogy.defjvp(_xlog_jvp(jnp.log, 0))
xlog1py.defjvp(_xlog_jvp(jnp.log1p, 1))


# ---------------------------------------------------------------- the normal distribution


def ndtr(x):
    """Phi(x) = P(N(0,1) <= x), as erfc(-x / sqrt 2) / 2: relative accuracy where Phi is
    tiny (x << 0), absolute accuracy near 1."""
    return 0.5 * lax.erfc(-x / _SQRT_2)


def _log_ndtr_tail(x):
    """log Phi(x) for x << 0 by the asymptotic series
    Phi(x) ~ phi(x)/(-x) (1 - 1/x^2 + 3/x^4 - 15/x^6 + ...)."""
    inverse_square = 1 / (x * x)
    series, term = jnp.ones_like(x), jnp.ones_like(x)
    for k in range(1, 7):
        term = -term * (2 * k - 1) * inverse_square
        series = series + term
    return -0.5 * x * x - jnp.log(-x) - _LOG_SQRT_2PI + jnp.log(series)


def _tail_threshold(dtype):
    # Below it, erfc(-x / sqrt 2) nears the underflow of `dtype`; above it the series is
    # truncated with error far below the dtype's epsilon.
    return -20.0 if np.dtype(dtype) == np.float64 else -10.0


@custom_jvp
def log_ndtr(x):
    """log Phi(x), accurate in both tails: the asymptotic series far below zero, else
    from the smaller tail probability Phi(-|x|) (log of it below zero, log1p of minus it
    above)."""
    threshold = _tail_threshold(x.dtype)
    series = _log_ndtr_tail(jnp.minimum(x, threshold))
    small_tail = 0.5 * lax.erfc(jnp.abs(x) / _SQRT_2)
    direct = jnp.where(x < 0, jnp.log(small_tail), jnp.log1p(-small_tail))
    return jnp.where(x < threshold, series, direct)


def log_normal_density(x):
    return -0.5 * x * x - _LOG_SQRT_2PI


@log_ndtr.defjvp
def _log_ndtr_jvp(primals, tangents):
    (x,), (t,) = primals, tangents
    out = log_ndtr(x)
    return out, t * jnp.exp(log_normal_density(x) - out)


@custom_jvp
def ndtri(p):
    """The inverse of Phi: Abramowitz & Stegun 26.2.23 as a first guess in the lower tail,
    polished by Newton steps on log Phi(x) = log q (relative accuracy down to tiny q),
    mirrored for p > 1/2."""
    q = jnp.minimum(p, 1 - p)
    inside = (q > 0) & (q <= 0.5)
    q_safe = jnp.where(inside, q, 0.25)
    t = jnp.sqrt(-2 * jnp.log(q_safe))
    x = -(t - (2.515517 + t * (0.802853 + t * 0.010328))
          / (1 + t * (1.432788 + t * (0.189269 + t * 0.001308))))
    log_q = jnp.log(q_safe)
    for _ in range(3):
        log_cdf = log_ndtr(x)
        x = x - (log_cdf - log_q) * jnp.exp(log_cdf - log_normal_density(x))
    x = jnp.where(p > 0.5, -x, x)
    x = jnp.where(p == 0, -jnp.inf, jnp.where(p == 1, jnp.inf, x))
    return jnp.where((p < 0) | (p > 1) | jnp.isnan(p), jnp.nan, x)


@ndtri.defjvp
def _ndtri_jvp(primals, tangents):
    (p,), (t,) = primals, tangents
    x = ndtri(p)
    return x, t * jnp.exp(-log_normal_density(x))


# ---------------------------------------------------------------- incomplete beta


_BETAINC_TERMS = 200   # Lentz's fraction converges in O(sqrt(max(a, b))) terms


def _betainc_fraction(a, b, x):
    """I_x(a, b) by the continued fraction of Numerical Recipes' betacf, evaluated with
    Lentz's method for a fixed number of terms (so it can be reverse-differentiated); it
    converges fast for x < (a + 1) / (a + b + 2)."""
    tiny = dtypes.finfo(x.dtype).tiny * 1e4

    def guard(v):
        return jnp.where(jnp.abs(v) < tiny, tiny, v)

    qab, qap, qam = a + b, a + 1, a - 1
    d = 1 / guard(1 - qab * x / qap)
    c, h = jnp.ones_like(x), d

    def step(m, state):
        c, d, h = state
        m = m.astype(x.dtype)
        m2 = 2 * m
        even = m * (b - m) * x / ((qam + m2) * (a + m2))
        d = 1 / guard(1 + even * d)
        c = guard(1 + even / c)
        h = h * d * c
        odd = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2))
        d = 1 / guard(1 + odd * d)
        c = guard(1 + odd / c)
        return c, d, h * d * c

    _, _, h = lax.fori_loop(1, _BETAINC_TERMS, step, (c, d, h))
    log_front = (xlogy(a, x) + xlog1py(b, -x) - lax.lgamma(a) - lax.lgamma(b)
                 + lax.lgamma(a + b))
    return jnp.exp(log_front) * h / a


@jit
def betainc(a, b, x):
    """The regularized incomplete beta function I_x(a, b) for a, b > 0 and 0 <= x <= 1.
    Compiled once per shape (a loop traced anew on every eager call would recompile)."""
    a, b, x = jnp.broadcast_arrays(a, b, x)
    swap = x > (a + 1) / (a + b + 2)
    # Each branch sees only arguments where it converges; the other value is a harmless
    # stand-in, so neither the value nor its derivative picks up a NaN.
    inner = jnp.clip(x, 0, 1)
    direct = _betainc_fraction(a, b, jnp.where(swap, 0.5 * inner, inner))
    mirrored = 1 - _betainc_fraction(b, a, jnp.where(swap, 1 - inner, 0.5))
    out = jnp.where(swap, mirrored, direct)
    out = jnp.where(x <= 0, 0, jnp.where(x >= 1, 1, out))
    return jnp.where((a <= 0) | (b <= 0) | jnp.isnan(x), jnp.nan, out)


def density_from(log_density):
    """pdf (or pmf) as exp of the given log-density, with its signature."""
    def density(*args, **kwargs):
        return jnp.exp(log_density(*args, **kwargs))
    density.__name__ = log_density.__name__[3:]
    density.__qualname__ = density.__name__
    density.__module__ = log_density.__module__
    density.__doc__ = (f"exp({log_density.__name__}(...)); the arguments are "
                       f"{log_density.__name__}'s.")
    density.__wrapped__ = log_density
    return density


def igamma(a, x):
    """lax.igamma (the regularized lower incomplete gamma P(a, x)) with broadcasting."""
    return lax.igamma(*jnp.broadcast_arrays(a, x))


def igammac(a, x):
    """lax.igammac (the regularized upper incomplete gamma Q(a, x)) with broadcasting."""
    return lax.igammac(*jnp.broadcast_arrays(a, x))
