"""Derivatives of the regularized incomplete gamma function in its shape argument:
the `igamma_grad_a` primitive (d/da P(a, x)) and `random_gamma_grad`, the implicit
reparameterisation gradient of a Gamma(a) sample built from it.

XLA has no op for d/da P(a, x) (it has no closed form), so igamma_grad_a lowers to a
StableHLO while loop that runs the same two expansions as igamma's lowering (the series
for x <= max(1, a), Legendre's continued fraction elsewhere) while carrying the
a-derivative of every term along, until both the value and its derivative have converged.
It reuses the formula emitter and the masked iteration of lax/special.py. Its derivative
in x is closed-form; the one in a (the second a-derivative of P) is not implemented.
"""

import numpy as np

from numax.core import dtypes
from numax.lax._rules import FLOAT, elementwise_abstract, operands
from numax.lax.elementwise import _full_like, add, div, elementwise, gt, mul, neg, select, sub
from numax.lax.special import _Formula, _iterate, digamma, exp, lgamma, log

# Continued-fraction numerators and denominators are rescaled past this to avoid overflow.
_BIG = 2.0 ** 52


def _series_derivative(f, enabled, a, x):
    """dP/da from P = x**a e**-x / Gamma(a+1) * S, S = sum_n t_n, t_0 = 1,
    t_n = t_{n-1} x / (a + n): dP/da = P (log x - digamma(a + 1)) + the prefactor times
    dS/da, with dt_n/da = (dt_{n-1} x - t_n) / (a + n)."""
    eps = f.const(dtypes.finfo(f.dtype).eps / 2)

    def step(g, r, term, dterm, total, dtotal):
        r = g.add(r, g.const(1))
        dterm = g.div(g.sub(g.mul(dterm, x), g.mul(term, g.div(x, r))), r)
        term = g.div(g.mul(term, x), r)
        total, dtotal = g.add(total, term), g.add(dtotal, dterm)
        going = g.either(g.compare(g.abs(term), g.mul(eps, g.abs(total)), "GT"),
                         g.compare(g.abs(dterm), g.mul(eps, g.abs(dtotal)), "GT"))
        return [r, term, dterm, total, dtotal], going

    zero, one = f.const(0), f.const(1)
    _, _, _, total, dtotal = _iterate(f, enabled, [a, one, zero, one, zero], step)
    log_prefactor = f.sub(f.sub(f.mul(a, f.log(x)), x), f.lgamma(f.add(a, one)))
    prefactor = f.exp(log_prefactor)
    dlog_prefactor = f.sub(f.log(x), f.digamma(f.add(a, one)))
    return f.mul(prefactor, f.add(dtotal, f.mul(total, dlog_prefactor)))


def _fraction_derivative(f, enabled, a, x):
    """dQ/da (= -dP/da) from Q = e**L * F, L = a log x - x - lgamma(a), F Legendre's
    continued fraction p_k / q_k. The recurrence p_k = p_{k-1} z - p_{k-2} y c (and q's)
    has y = 1 - a + c and z = x - a + 1 + 2c, whose a-derivatives are both -1, so
    dp_k = dp_{k-1} z - p_{k-1} - dp_{k-2} y c + p_{k-2} c."""
    eps = f.const(dtypes.finfo(f.dtype).eps / 2)
    tiny = f.const(dtypes.finfo(f.dtype).tiny)
    big, big_inverse = f.const(_BIG), f.const(1 / _BIG)

    def step(g, y, z, c, p1, p2, q1, q2, dp1, dp2, dq1, dq2, fraction, dfraction):
        c = g.add(c, g.const(1))
        y = g.add(y, g.const(1))
        z = g.add(z, g.const(2))
        yc = g.mul(y, c)
        p = g.sub(g.mul(p1, z), g.mul(p2, yc))
        q = g.sub(g.mul(q1, z), g.mul(q2, yc))
        dp = g.add(g.sub(g.sub(g.mul(dp1, z), p1), g.mul(dp2, yc)), g.mul(p2, c))
        dq = g.add(g.sub(g.sub(g.mul(dq1, z), q1), g.mul(dq2, yc)), g.mul(q2, c))
        q_nonzero = g.compare(q, g.const(0), "NE")
        safe_q = g.where(q_nonzero, q, g.const(1))
        ratio = g.div(p, safe_q)
        dratio = g.div(g.sub(dp, g.mul(ratio, dq)), safe_q)
        value_change = g.abs(g.div(g.sub(fraction, ratio), ratio))
        derivative_change = g.div(g.abs(g.sub(dfraction, dratio)),
                                  g._op("stablehlo.maximum", g.abs(dratio), tiny))
        change = g.where(q_nonzero, g._op("stablehlo.maximum", value_change,
                                          derivative_change), g.const(0))
        fraction = g.where(q_nonzero, ratio, fraction)
        dfraction = g.where(q_nonzero, dratio, dfraction)
        rescale = g.compare(g.abs(p), big, "GT")
        shifted = (p1, p, q1, q, dp1, dp, dq1, dq)
        p2, p1, q2, q1, dp2, dp1, dq2, dq1 = (g.where(rescale, g.mul(v, big_inverse), v)
                                              for v in shifted)
        state = [y, z, c, p1, p2, q1, q2, dp1, dp2, dq1, dq2, fraction, dfraction]
        return state, g.compare(change, eps, "GT")

    zero, one = f.const(0), f.const(1)
    y = f.sub(one, a)
    z = f.add(f.add(x, y), one)
    p1, q1 = f.add(x, one), f.mul(z, x)
    # d p1/da = 0, d q1/da = dz/da x = -x; the first ratio p1/q1 has derivative p1 x / q1**2.
    dq1 = f.sub(zero, x)
    state = [y, z, zero, p1, one, q1, x, zero, zero, dq1, zero, f.div(p1, q1),
             f.div(f.mul(p1, x), f.mul(q1, q1))]
    *_, fraction, dfraction = _iterate(f, enabled, state, step)
    log_prefactor = f.log_prefactor(a, x)
    dlog_prefactor = f.sub(f.log(x), f.digamma(a))
    return f.mul(f.exp(log_prefactor), f.add(dfraction, f.mul(fraction, dlog_prefactor)))


class _GammaFormula(_Formula):
    def digamma(self, x): return self._op("chlo.digamma", x)  # noqa: E704


def _igamma_grad_a_lower(ctx, a, x):
    """Each element takes the expansion that converges there (the split igamma uses).
    dP/da is 0 at x = 0 and x = inf (P is 0 and 1 there for every a), NaN outside the
    domain (a <= 0, x < 0, NaN)."""
    f, (a, x) = _GammaFormula.for_output(ctx, a, x)
    zero, one = f.const(0), f.const(1)
    x_is_zero, x_is_inf = f.compare(x, zero, "EQ"), f.compare(x, f.const(np.inf), "EQ")
    invalid = f.either(f.either(f.compare(x, zero, "LT"), f.compare(a, zero, "LE")),
                       f.either(f.compare(a, a, "NE"), f.compare(x, x, "NE")))
    ordinary = f.negate(f.either(invalid, f.either(x_is_zero, x_is_inf)))
    use_fraction = f.both(f.compare(x, one, "GT"), f.compare(x, a, "GT"))
    # Each expansion sees inputs from its own convergent region (the other is discarded).
    in_series = f.both(ordinary, f.negate(use_fraction))
    in_fraction = f.both(ordinary, use_fraction)
    series = _series_derivative(f, in_series, f.where(in_series, a, one),
                                f.where(in_series, x, f.const(0.5)))
    fraction = _fraction_derivative(f, in_fraction, f.where(in_fraction, a, one),
                                    f.where(in_fraction, x, f.const(2)))
    result = f.where(use_fraction, f.sub(zero, fraction), series)
    result = f.where(f.either(x_is_zero, x_is_inf), zero, result)
    result = f.where(invalid, f.const(np.nan), result)
    return f.to_output(result)


def _log_density(a, x):
    """log of d/dx P(a, x) = x**(a - 1) e**-x / Gamma(a), the Gamma(a) density."""
    return sub(mul(sub(a, 1), log(x)), add(x, lgamma(a)))


def _igamma_grad_a_examples():
    # Interior points of both expansions first (the derivative checks use the first
    # examples), then the edges: x = 0, inf, a <= 0 and x < 0 (NaN).
    rng = np.random.default_rng(0)
    a = np.array([0.5, 1.0, 3.0, 10.0, 2.0, 0.0, -1.0, 1.5, 2.0], np.float32)
    x = np.array([0.2, 2.5, 1.0, 12.0, 0.0, 1.0, 1.0, np.inf, -1.0], np.float32)
    return [((rng.uniform(0.2, 8, (3, 4)).astype(np.float32),
              rng.uniform(0.2, 8, (3, 4)).astype(np.float32)), {}),
            ((np.float32(2.5), np.linspace(0.3, 7, 5, dtype=np.float32)), {}),
            ((rng.uniform(0.5, 12, (5,)).astype(np.float32), np.float32(4.0)), {}),
            ((a, x), {})]


# d/dx (dP/da) = d/da (dP/dx) = dP/dx (log x - digamma(a)).
igamma_grad_a_p = elementwise(
    "igamma_grad_a", abstract_eval=elementwise_abstract("igamma_grad_a", FLOAT),
    lower=_igamma_grad_a_lower, examples=_igamma_grad_a_examples,
    partials=(None, lambda out, a, x: mul(exp(_log_density(a, x)), sub(log(x), digamma(a)))),
    not_differentiable_in={0: "the second derivative of igamma in a is not implemented (no "
                              "closed form); only x is differentiable"})


def igamma_grad_a(a, x):
    """d/da of the regularized lower incomplete gamma function P(a, x) (lax.igamma).
    NaN where a <= 0 or x < 0.

    >>> import numpy as np
    >>> round(float(igamma_grad_a(np.float32(1.0), np.float32(1.0))), 4)
    -0.4317
    """
    return igamma_grad_a_p.bind(*operands(a, x))


def random_gamma_grad(a, x):
    """d x / d a for a sample x ~ Gamma(a, 1) held at a fixed quantile P(a, x) (implicit
    reparameterisation): -(dP/da) / (dP/dx). Zero where x <= 0.

    >>> import numpy as np
    >>> round(float(random_gamma_grad(np.float32(1.0), np.float32(1.0))), 4)
    1.1736
    """
    a, x = operands(a, x)
    positive = gt(x, 0)
    safe_x = select(positive, x, _full_like(x, 1))
    gradient = div(neg(igamma_grad_a(a, safe_x)), exp(_log_density(a, safe_x)))
    return select(positive, gradient, _full_like(gradient, 0))


__all__ = ["igamma_grad_a_p", "igamma_grad_a", "random_gamma_grad"]
