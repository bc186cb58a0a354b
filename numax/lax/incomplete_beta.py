"""The regularized incomplete beta function I_x(a, b) as a primitive
(`regularized_incomplete_beta`, scipy.special.betainc).

XLA has no op for it, so it lowers to a StableHLO while loop evaluating the classic
continued fraction with the modified Lentz method, in the variable for which the fraction
converges fast (x < (a + 1) / (a + b + 2); otherwise the symmetry I_x(a, b) = 1 -
I_{1-x}(b, a) swaps the roles). It reuses the formula emitter and the masked iteration of
lax/special.py. Only x is differentiable, as in JAX: the derivatives in a and b have no
closed form.
"""

import numpy as np

from numax.core import dtypes
from numax.lax._rules import FLOAT, elementwise_abstract, operands
from numax.lax.elementwise import add, elementwise, mul, neg, sub
from numax.lax.special import _Formula, _iterate, exp, lgamma, log, log1p

# Lentz's method replaces a vanishing denominator by this tiny number to keep going.
_TINY = 1e-30


def _log_beta(f, a, b):
    return f.sub(f.add(f.lgamma(a), f.lgamma(b)), f.lgamma(f.add(a, b)))


def _continued_fraction(f, enabled, a, b, x):
    """The continued fraction of I_x(a, b) * a * B(a, b) / (x**a (1 - x)**b), evaluated two
    terms (an even and an odd one) per iteration until the last pair changes it by less
    than eps."""
    one, tiny = f.const(1), f.const(_TINY)
    eps = f.const(dtypes.finfo(f.dtype).eps / 2)

    def step(g, m, c, d, h):
        def nonzero(v):
            return g.where(g.compare(g.abs(v), g.const(_TINY), "LT"), g.const(_TINY), v)
        m = g.add(m, g.const(1))
        two_m = g.add(m, m)
        # d_{2m} = m (b - m) x / ((a + 2m - 1)(a + 2m))
        even = g.div(g.mul(g.mul(m, g.sub(b, m)), x),
                     g.mul(g.add(a, g.sub(two_m, g.const(1))), g.add(a, two_m)))
        d = g.div(g.const(1), nonzero(g.add(g.const(1), g.mul(even, d))))
        c = nonzero(g.add(g.const(1), g.div(even, c)))
        h = g.mul(h, g.mul(d, c))
        # d_{2m+1} = -(a + m)(a + b + m) x / ((a + 2m)(a + 2m + 1))
        odd = g.div(g.mul(g.mul(g.add(a, m), g.add(g.add(a, b), m)), x),
                    g.mul(g.add(a, two_m), g.add(g.add(a, two_m), g.const(1))))
        odd = g.sub(g.const(0), odd)
        d = g.div(g.const(1), nonzero(g.add(g.const(1), g.mul(odd, d))))
        c = nonzero(g.add(g.const(1), g.div(odd, c)))
        change = g.mul(d, c)
        h = g.mul(h, change)
        return [m, c, d, h], g.compare(g.abs(g.sub(change, g.const(1))), eps, "GT")

    first = f.sub(one, f.div(f.mul(f.add(a, b), x), f.add(a, one)))
    first = f.where(f.compare(f.abs(first), tiny, "LT"), tiny, first)
    d = f.div(one, first)
    _, _, _, h = _iterate(f, enabled, [f.const(0), one, d, d], step)
    return h


def _betainc_lower(ctx, a, b, x):
    f, (a, b, x) = _Formula.for_output(ctx, a, b, x)
    zero, one = f.const(0), f.const(1)
    invalid = f.either(f.either(f.compare(a, zero, "LE"), f.compare(b, zero, "LE")),
                       f.either(f.compare(x, zero, "LT"), f.compare(x, one, "GT")))
    invalid = f.either(invalid, f.either(f.compare(a, a, "NE"),
                                         f.either(f.compare(b, b, "NE"), f.compare(x, x, "NE"))))
    at_zero, at_one = f.compare(x, zero, "EQ"), f.compare(x, one, "EQ")
    ordinary = f.negate(f.either(invalid, f.either(at_zero, at_one)))
    # The fraction converges fast below the mean-like point (a + 1) / (a + b + 2).
    swap = f.compare(x, f.div(f.add(a, one), f.add(f.add(a, b), f.const(2))), "GT")
    p, q = f.where(swap, b, a), f.where(swap, a, b)
    y = f.where(swap, f.sub(one, x), x)
    # Keep the unused elements inside the domain so no NaN or inf is ever formed.
    safe = lambda v, fallback: f.where(ordinary, v, f.const(fallback))  # noqa: E731
    p, q, y, x = safe(p, 1.0), safe(q, 1.0), safe(y, 0.5), safe(x, 0.5)
    # log(1 - y) exactly: y's complement is x itself after a swap, else log1p(-x).
    log_complement = f.where(swap, f.log(x), f._op("stablehlo.log_plus_one",
                                                   f.sub(zero, x)))
    fraction = _continued_fraction(f, ordinary, p, q, y)
    log_front = f.sub(f.add(f.mul(p, f.log(y)), f.mul(q, log_complement)), _log_beta(f, p, q))
    value = f.div(f.mul(f.exp(log_front), fraction), p)
    result = f.where(swap, f.sub(one, value), value)
    result = f.where(at_zero, zero, f.where(at_one, one, result))
    result = f.where(invalid, f.const(np.nan), result)
    return f.to_output(result)


def _betainc_dx(out, a, b, x):
    """d/dx I_x(a, b) = x**(a - 1) (1 - x)**(b - 1) / B(a, b), computed in logs."""
    log_beta = sub(add(lgamma(a), lgamma(b)), lgamma(add(a, b)))
    return exp(sub(add(mul(sub(a, 1), log(x)), mul(sub(b, 1), log1p(neg(x)))), log_beta))


def _betainc_examples():
    # Interior points first (the derivative checks use the first examples; both sides of
    # the symmetry switch are exercised), then the edges: x = 0 and 1, invalid a, b, x.
    rng = np.random.default_rng(0)
    edges = (np.array([2.0, 2.0, 0.0, 1.0, -1.0, 3.0, 0.5], np.float32),
             np.array([3.0, 3.0, 1.0, 0.0, 2.0, 3.0, 0.5], np.float32),
             np.array([0.0, 1.0, 0.5, 0.5, 0.5, 1.5, -0.1], np.float32))
    return [((rng.uniform(0.5, 6, (3, 4)).astype(np.float32),
              rng.uniform(0.5, 6, (3, 4)).astype(np.float32),
              rng.uniform(0.05, 0.95, (3, 4)).astype(np.float32)), {}),
            ((np.float32(2.5), np.float32(1.5), np.linspace(0.1, 0.9, 5, dtype=np.float32)), {}),
            ((rng.uniform(0.5, 20, (5,)).astype(np.float32), np.float32(4.0),
              np.float32(0.3)), {}),
            (edges, {})]


regularized_incomplete_beta_p = elementwise(
    "regularized_incomplete_beta",
    abstract_eval=elementwise_abstract("regularized_incomplete_beta", FLOAT),
    lower=_betainc_lower, examples=_betainc_examples,
    partials=(None, None, _betainc_dx),
    not_differentiable_in={
        0: "the derivative with respect to a is not implemented (no closed form); only x "
           "is differentiable",
        1: "the derivative with respect to b is not implemented (no closed form); only x "
           "is differentiable"})


def betainc(a, b, x):
    """The regularized incomplete beta function I_x(a, b) = B(x; a, b) / B(a, b)
    (scipy.special.betainc). NaN where a <= 0, b <= 0 or x is outside [0, 1]."""
    return regularized_incomplete_beta_p.bind(*operands(a, b, x))


__all__ = ["regularized_incomplete_beta_p", "betainc"]
