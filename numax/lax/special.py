"""Transcendental and special-function primitives: exponentials and logarithms, roots,
trigonometric and hyperbolic functions, the logistic, error, gamma-family and Bessel
functions.

Each is declared once with its shape/dtype rule, lowering, derivative (as partial
derivatives, from which the builders of lax/elementwise.py make the JVP rule) and example
inputs; batching is elementwise. A few arguments have no derivative here and say so
(`not_differentiable_in`): polygamma's integer order m and zeta's exponent x. Most lower
to one StableHLO or CHLO op (XLA expands the CHLO ones with its own approximations, the
numbers JAX gets). The transcendental ones JAX gives an `accuracy=` keyword (exp, log, sin, ...)
take it here too: a lax.AccuracyMode or lax.Tolerance (lax/dot_algorithms.py) becomes a
param only when given, lowered to StableHLO's result_accuracy attribute; their derivatives
are evaluated at the default accuracy. XLA has no op for the regularized incomplete gamma
functions, so
igamma/igammac lower to a StableHLO while loop evaluating the classic series / continued
fraction (Cephes' igam/igamc algorithm), and bessel_i0e to Cephes' Chebyshev expansions;
their derivative in a is lax/gamma_grads.py's igamma_grad_a.
"""

import numpy as np

from numax.core import dtypes
from numax.lax._rules import (FLOAT, INEXACT, elementwise_abstract, elementwise_examples,
                              broadcast_scalars, operands)
from numax.lax.dot_algorithms import (AccuracyMode, Tolerance, accuracy_params, accurate_hlo_op,
                                      result_accuracy_attribute)
from numax.lax.elementwise import (_full_like, add, binary, compare_hlo, div, elementwise, eq,
                                   examples_of, integer_pow, mul, neg, reciprocal, select, sign,
                                   sub, unary)
from numax.lowering import array_attribute, tensor_type

# ---------------------------------------------------------------- exponentials and logs

def _accuracy_examples(low=-3.0, high=3.0):
    return examples_of(
        elementwise_examples(1, shapes=((5,),), low=low, high=high, seed=1,
                             params={"accuracy": AccuracyMode.HIGHEST}),
        elementwise_examples(1, shapes=((2, 3),), low=low, high=high, seed=2,
                             params={"accuracy": Tolerance(atol=1e-6, rtol=1e-5, ulps=4)}))


def transcendental(name, hlo, allowed=INEXACT, *, low=-3.0, high=3.0, **kwargs):
    """unary() whose primitive also takes an optional `accuracy` param (an AccuracyMode or
    Tolerance), lowered to the op's result_accuracy attribute."""
    primitive = unary(name, hlo, allowed, low=low, high=high, **kwargs)
    primitive.lower = accurate_hlo_op(hlo)
    primitive.examples = examples_of(primitive.examples, _accuracy_examples(low, high))
    return primitive


# Derivatives are written as functions of the output where that is cheaper (exp' = exp);
# they are holomorphic for complex operands (the tangent is multiplied, never conjugated).
exp_p = transcendental("exp", "stablehlo.exponential", dtypes_=("float32", "complex64"),
                       partial=lambda out, x: out)
log_p = transcendental("log", "stablehlo.log", low=0.1, high=5.0, dtypes_=("float32", "complex64"),
                       tangent=lambda t, out, x: div(t, x))
expm1_p = transcendental("expm1", "stablehlo.exponential_minus_one",
                         dtypes_=("float32", "complex64"), partial=lambda out, x: add(out, 1))
log1p_p = transcendental("log1p", "stablehlo.log_plus_one", low=-0.9,
                         dtypes_=("float32", "complex64"),
                         tangent=lambda t, out, x: div(t, add(x, 1)))
logistic_p = transcendental("logistic", "stablehlo.logistic", dtypes_=("float32", "complex64"),
                            partial=lambda out, x: mul(out, sub(1, out)))


def _exp2_lower(ctx, x, accuracy=None):
    # 2**x = exp(x * log 2), the formula JAX lowers exp2 with (so the roundings agree).
    aval = ctx.aval_out
    attributes = None if accuracy is None else {
        "result_accuracy": result_accuracy_attribute(accuracy)}
    return ctx.op("stablehlo.exponential", [
        ctx.op("stablehlo.multiply", [ctx.constant(np.log(2), aval.dtype, aval.shape), x])],
        attributes=attributes)


exp2_p = elementwise("exp2", abstract_eval=elementwise_abstract("exp2", INEXACT),
                     lower=_exp2_lower,
                     examples=examples_of(elementwise_examples(1, ("float32", "complex64")),
                                          _accuracy_examples()),
                     partials=(lambda out, x: mul(out, float(np.log(2))),))

# ---------------------------------------------------------------- roots

# sqrt'(0) = 0.5 / 0 = inf and cbrt'(0) = inf, the one-sided limits (as JAX).
sqrt_p = transcendental("sqrt", "stablehlo.sqrt", low=0.0, dtypes_=("float32", "complex64"),
                        partial=lambda out, x: div(0.5, out))
rsqrt_p = transcendental("rsqrt", "stablehlo.rsqrt", low=0.1, dtypes_=("float32", "complex64"),
                         partial=lambda out, x: mul(-0.5, div(out, x)))
cbrt_p = transcendental("cbrt", "stablehlo.cbrt", FLOAT,
                        partial=lambda out, x: mul(1 / 3, integer_pow(out, -2)))

# ---------------------------------------------------------------- trigonometric, hyperbolic

sin_p = transcendental("sin", "stablehlo.sine", dtypes_=("float32", "complex64"),
                       partial=lambda out, x: cos(x))
cos_p = transcendental("cos", "stablehlo.cosine", dtypes_=("float32", "complex64"),
                       partial=lambda out, x: neg(sin(x)))
tan_p = transcendental("tan", "stablehlo.tan", low=-1.5, high=1.5, dtypes_=("float32", "complex64"),
                       partial=lambda out, x: add(1, mul(out, out)))
# 1 - x**2 as (1 - x)(1 + x): no cancellation near |x| = 1.
asin_p = unary("asin", "chlo.asin", low=-0.99, high=0.99, dtypes_=("float32", "complex64"),
               partial=lambda out, x: rsqrt(mul(sub(1, x), add(1, x))))
acos_p = unary("acos", "chlo.acos", low=-0.99, high=0.99, dtypes_=("float32", "complex64"),
               partial=lambda out, x: neg(rsqrt(mul(sub(1, x), add(1, x)))))
atan_p = unary("atan", "chlo.atan", dtypes_=("float32", "complex64"),
               tangent=lambda t, out, x: div(t, add(1, mul(x, x))))


def _atan2_partial(position):
    """atan2(x, y) = atan(x / y) in the right quadrant: d/dx = y / (x**2 + y**2) and
    d/dy = -x / (x**2 + y**2)."""
    def partial(out, x, y):
        denominator = add(mul(x, x), mul(y, y))
        return div(y, denominator) if position == 0 else div(neg(x), denominator)
    return partial


atan2_p = binary("atan2", "stablehlo.atan2", FLOAT, dtypes_=("float32",),
                 partials=(_atan2_partial(0), _atan2_partial(1)))
sinh_p = unary("sinh", "chlo.sinh", dtypes_=("float32", "complex64"),
               partial=lambda out, x: cosh(x))
cosh_p = unary("cosh", "chlo.cosh", dtypes_=("float32", "complex64"),
               partial=lambda out, x: sinh(x))
tanh_p = transcendental("tanh", "stablehlo.tanh", dtypes_=("float32", "complex64"),
                        partial=lambda out, x: sub(1, mul(out, out)))
asinh_p = unary("asinh", "chlo.asinh", dtypes_=("float32", "complex64"),
                partial=lambda out, x: rsqrt(add(mul(x, x), 1)))
# 1 / (sqrt(x - 1) sqrt(x + 1)): the derivative of acosh's principal branch, also complex.
acosh_p = unary("acosh", "chlo.acosh", low=1.0, high=5.0, dtypes_=("float32", "complex64"),
                partial=lambda out, x: mul(rsqrt(sub(x, 1)), rsqrt(add(x, 1))))
atanh_p = unary("atanh", "chlo.atanh", low=-0.99, high=0.99, dtypes_=("float32", "complex64"),
                tangent=lambda t, out, x: div(t, mul(sub(1, x), add(1, x))))

# ---------------------------------------------------------------- error and gamma family

_TWO_OVER_SQRT_PI = float(2 / np.sqrt(np.pi))
erf_p = unary("erf", "chlo.erf", FLOAT, dtypes_=("float32", "bfloat16"),
              partial=lambda out, x: mul(_TWO_OVER_SQRT_PI, exp(neg(mul(x, x)))))
erfc_p = unary("erfc", "chlo.erfc", FLOAT,
               partial=lambda out, x: mul(-_TWO_OVER_SQRT_PI, exp(neg(mul(x, x)))))
erf_inv_p = unary("erf_inv", "chlo.erf_inv", FLOAT, low=-0.99, high=0.99,
                  partial=lambda out, x: mul(float(np.sqrt(np.pi) / 2), exp(mul(out, out))))
lgamma_p = unary("lgamma", "chlo.lgamma", FLOAT, low=-4.5, high=10.0,
                 partial=lambda out, x: digamma(x))
digamma_p = unary("digamma", "chlo.digamma", FLOAT, low=-4.5, high=10.0,
                  partial=lambda out, x: polygamma(1, x))
# polygamma(m, x): m holds non-negative integers (as floats of x's dtype).
polygamma_p = elementwise(
    "polygamma", abstract_eval=elementwise_abstract("polygamma", FLOAT),
    lower=lambda ctx, m, x: ctx.op("chlo.polygamma", broadcast_scalars(ctx, [m, x])),
    examples=lambda: [((np.array([0, 1, 2, 3, 1], np.float32),
                        np.array([0.5, 1.0, 2.5, 4.0, 7.0], np.float32)), {}),
                      ((np.float32(1), np.linspace(0.5, 5, 6, dtype=np.float32)), {})],
    partials=(None, lambda out, m, x: polygamma(add(m, 1), x)),
    not_differentiable_in={0: "no derivative with respect to the order m, which takes integer "
                              "values only; hold m fixed (e.g. lax.stop_gradient)"})
# zeta(x, q): the Hurwitz zeta function sum_k (k + q)**-x; d/dq = -x zeta(x + 1, q).
zeta_p = binary("zeta", "chlo.zeta", FLOAT, low=1.1, high=6.0, dtypes_=("float32",),
                partials=(None, lambda out, x, q: mul(neg(x), zeta(add(x, 1), q))),
                not_differentiable_in={0: "the derivative with respect to x (-sum_k log(k + q) "
                                          "(k + q)**-x) is not implemented (XLA has no op for "
                                          "it); only q is differentiable"})


# ---------------------------------------------------------------- igamma, igammac

_MAX_ITERATIONS = 2000   # a safety bound; convergence takes far fewer steps in practice
_BIG = 2.0 ** 52         # continued-fraction terms are rescaled past this to avoid overflow


class _Formula:
    """Emits elementwise StableHLO on values of one float type, so a lowering reads like the
    formula it computes. Bound to a lowering context (the function body or a region's)."""

    def __init__(self, ctx, shape, dtype):
        self.ctx, self.shape, self.dtype = ctx, shape, np.dtype(dtype)
        self.type = tensor_type(shape, dtype)
        self.pred_type = tensor_type(shape, np.bool_)

    @classmethod
    def for_output(cls, ctx, *operands):
        """(formula, operands) for computing ctx's output: operands broadcast to its shape
        and, for 16-bit floats (too coarse for the expansions to converge to useful
        accuracy), converted to float32; `to_output` converts the result back."""
        aval = ctx.aval_out
        operands = broadcast_scalars(ctx, list(operands))
        compute = aval.dtype if aval.dtype.itemsize >= 4 else np.dtype(np.float32)
        if compute != aval.dtype:
            operands = [ctx.op("stablehlo.convert", [v], aval.update(dtype=compute))
                        for v in operands]
        return cls(ctx, aval.shape, compute), operands

    def to_output(self, value):
        if self.dtype != self.ctx.aval_out.dtype:
            return self.ctx.op("stablehlo.convert", [value])
        return value

    def const(self, value):
        return self.ctx.constant(value, self.dtype, self.shape)

    def _op(self, name, *args):
        return self.ctx.op(name, list(args), self.type)

    def add(self, x, y): return self._op("stablehlo.add", x, y)            # noqa: E704
    def sub(self, x, y): return self._op("stablehlo.subtract", x, y)       # noqa: E704
    def mul(self, x, y): return self._op("stablehlo.multiply", x, y)       # noqa: E704
    def div(self, x, y): return self._op("stablehlo.divide", x, y)         # noqa: E704
    def log(self, x): return self._op("stablehlo.log", x)                  # noqa: E704
    def exp(self, x): return self._op("stablehlo.exponential", x)          # noqa: E704
    def abs(self, x): return self._op("stablehlo.abs", x)                  # noqa: E704
    def lgamma(self, x): return self._op("chlo.lgamma", x)                 # noqa: E704
    def sqrt(self, x): return self._op("stablehlo.sqrt", x)                # noqa: E704

    def compare(self, x, y, direction):
        return compare_hlo(self.ctx, x, y, direction, self.dtype, self.shape)

    def both(self, p, q):
        return self.ctx.op("stablehlo.and", [p, q], self.pred_type)

    def either(self, p, q):
        return self.ctx.op("stablehlo.or", [p, q], self.pred_type)

    def negate(self, p):
        return self.ctx.op("stablehlo.not", [p], self.pred_type)

    def where(self, p, x, y):
        return self.ctx.op("stablehlo.select", [p, x, y], x.type)

    def any(self, p):
        """Whether any element of the bool tensor p is set, as a tensor<i1>."""
        if not self.shape:
            return p
        scalar = tensor_type((), np.bool_)
        body = self.ctx.region([scalar, scalar], lambda c, a, b: [
            c.op("stablehlo.or", [a, b], scalar)])
        return self.ctx.op("stablehlo.reduce", [p, self.ctx.constant(False, np.bool_)], scalar,
                           attributes={"dimensions": array_attribute(range(len(self.shape)))},
                           regions=[body])

    def log_prefactor(self, a, x):
        """log(x**a e**-x / Gamma(a)), the factor common to the series and the fraction."""
        return self.sub(self.sub(self.mul(a, self.log(x)), x), self.lgamma(a))


def _iterate(f, enabled, state, step):
    """Runs `step` on the elements where `enabled` until none remains enabled (or the
    iteration bound): a stablehlo.while whose state is (count, enabled, *state).
    `step(f, *state)` returns (new_state, still_going); disabled elements keep their value."""
    ctx = f.ctx
    count_type = tensor_type((), np.int32)
    types = [count_type, enabled.type] + [v.type for v in state]

    def keep_going(c, count, enabled, *_):
        limit = c.constant(_MAX_ITERATIONS, np.int32)
        under_limit = c.op("stablehlo.compare", [count, limit], tensor_type((), np.bool_), {
            "comparison_direction": "#stablehlo<comparison_direction LT>",
            "comparison_type": "#stablehlo<comparison_type SIGNED>"})
        any_enabled = _Formula(c, f.shape, f.dtype).any(enabled)
        return [c.op("stablehlo.and", [under_limit, any_enabled], under_limit.type)]

    def body(c, count, enabled, *values):
        g = _Formula(c, f.shape, f.dtype)
        new_values, still_going = step(g, *values)
        kept = [g.where(enabled, new, old) for new, old in zip(new_values, values)]
        count = c.op("stablehlo.add", [count, c.constant(1, np.int32)], count_type)
        return [count, g.both(enabled, still_going), *kept]

    cond_region = ctx.region(types, keep_going)
    body_region = ctx.region(types, body)
    outs = ctx.ops("stablehlo.while", [ctx.constant(0, np.int32), enabled, *state], types,
                   regions=[cond_region, body_region])
    return outs[2:]


def _igamma_series(f, enabled, a, x):
    """P(a, x) = x**a e**-x / Gamma(a+1) * sum_n x**n / ((a+1)...(a+n)): converges fast
    for x < a + 1."""
    eps = f.const(dtypes.finfo(f.dtype).eps / 2)

    def step(g, x, r, term, total):
        r = g.add(r, g.const(1))
        term = g.div(g.mul(term, x), r)
        total = g.add(total, term)
        return [x, r, term, total], g.compare(g.div(term, total), eps, "GT")

    one = f.const(1)
    _, _, _, total = _iterate(f, enabled, [x, a, one, one], step)
    return f.div(f.mul(total, f.exp(f.log_prefactor(a, x))), a)


def _igammac_continued_fraction(f, enabled, a, x):
    """Q(a, x) by Legendre's continued fraction: converges fast for x > a + 1."""
    eps = f.const(dtypes.finfo(f.dtype).eps / 2)
    big, big_inverse = f.const(_BIG), f.const(1 / _BIG)

    def step(g, y, z, c, p1, p2, q1, q2, fraction):
        c = g.add(c, g.const(1))
        y = g.add(y, g.const(1))
        z = g.add(z, g.const(2))
        yc = g.mul(y, c)
        p = g.sub(g.mul(p1, z), g.mul(p2, yc))
        q = g.sub(g.mul(q1, z), g.mul(q2, yc))
        q_nonzero = g.compare(q, g.const(0), "NE")
        ratio = g.div(p, q)
        change = g.where(q_nonzero, g.abs(g.div(g.sub(fraction, ratio), ratio)), g.const(1))
        fraction = g.where(q_nonzero, ratio, fraction)
        p2, p1, q2, q1 = p1, p, q1, q
        rescale = g.compare(g.abs(p), big, "GT")
        p2, p1, q2, q1 = (g.where(rescale, g.mul(v, big_inverse), v) for v in (p2, p1, q2, q1))
        return [y, z, c, p1, p2, q1, q2, fraction], g.compare(change, eps, "GT")

    y = f.sub(f.const(1), a)
    z = f.add(f.add(x, y), f.const(1))
    p1, q1 = f.add(x, f.const(1)), f.mul(z, x)
    state = [y, z, f.const(0), p1, f.const(1), q1, x, f.div(p1, q1)]
    fraction = _iterate(f, enabled, state, step)[-1]
    return f.mul(fraction, f.exp(f.log_prefactor(a, x)))


def _incomplete_gamma_lower(upper):
    """Lowering of igamma (upper=False: P(a, x)) or igammac (upper=True: Q = 1 - P).

    Each element takes the series or the continued fraction, whichever converges there,
    and the other function is 1 minus it. Outside the domain (a <= 0, x < 0, NaN) the
    result is NaN, as XLA's (and so JAX's) implementation gives; P(a, 0) = 0, P(a, inf) = 1.
    """
    def lower(ctx, a, x):
        f, (a, x) = _Formula.for_output(ctx, a, x)
        zero, one, inf = f.const(0), f.const(1), f.const(np.inf)
        x_is_zero, x_is_inf = f.compare(x, zero, "EQ"), f.compare(x, inf, "EQ")
        invalid = f.either(f.either(f.compare(x, zero, "LT"), f.compare(a, zero, "LE")),
                           f.either(f.compare(a, a, "NE"), f.compare(x, x, "NE")))
        ordinary = f.negate(f.either(invalid, f.either(x_is_zero, x_is_inf)))
        use_fraction = f.both(f.compare(x, one, "GT"), f.compare(x, a, "GT"))
        series = _igamma_series(f, f.both(ordinary, f.negate(use_fraction)), a, x)
        fraction = _igammac_continued_fraction(f, f.both(ordinary, use_fraction), a, x)
        if upper:
            result = f.where(use_fraction, fraction, f.sub(one, series))
            result = f.where(x_is_zero, one, f.where(x_is_inf, zero, result))
        else:
            result = f.where(use_fraction, f.sub(one, fraction), series)
            result = f.where(x_is_zero, zero, f.where(x_is_inf, one, result))
        result = f.where(invalid, f.const(np.nan), result)
        return f.to_output(result)
    return lower


def _incomplete_gamma_examples():
    # Interior points first (the derivative checks use the first examples; both the series
    # and the continued fraction are exercised), then the edges of the domain: x = 0, inf,
    # and a <= 0 (NaN), where there is no neighbourhood to take finite differences in.
    a = np.array([0.5, 1.0, 3.0, 10.0, 2.0, 0.0, -1.0, 1.5], np.float32)
    x = np.array([0.2, 2.0, 1.0, 12.0, 0.0, 1.0, 1.0, np.inf], np.float32)
    rng = np.random.default_rng(0)
    return [((rng.uniform(0.1, 8, (3, 4)).astype(np.float32),
              rng.uniform(0.1, 8, (3, 4)).astype(np.float32)), {}),
            ((np.float32(2.5), np.linspace(0.5, 6, 5, dtype=np.float32)), {}),
            ((rng.uniform(0.5, 12, (5,)).astype(np.float32), np.float32(4.0)), {}),
            ((a, x), {}), ((np.float32(2.5), np.linspace(0, 6, 5, dtype=np.float32)), {})]


def _igamma_dx(out, a, x):
    """d/dx P(a, x) = x**(a - 1) e**-x / Gamma(a), computed in logs."""
    return exp(sub(mul(sub(a, 1), log(x)), add(x, lgamma(a))))


def _igamma_da(out, a, x):
    """d/da P(a, x) has no closed form: the igamma_grad_a primitive (lax/gamma_grads.py,
    which builds on this module's expansions, hence the import here) evaluates it."""
    from numax.lax.gamma_grads import igamma_grad_a
    return igamma_grad_a(a, x)


igamma_p = elementwise("igamma", abstract_eval=elementwise_abstract("igamma", FLOAT),
                       lower=_incomplete_gamma_lower(upper=False),
                       examples=_incomplete_gamma_examples, partials=(_igamma_da, _igamma_dx))
# Q = 1 - P, so each partial is the negative of igamma's.
igammac_p = elementwise("igammac", abstract_eval=elementwise_abstract("igammac", FLOAT),
                        lower=_incomplete_gamma_lower(upper=True),
                        examples=_incomplete_gamma_examples,
                        partials=(lambda out, a, x: neg(_igamma_da(out, a, x)),
                                  lambda out, a, x: neg(_igamma_dx(out, a, x))))


# ---------------------------------------------------------------- Bessel functions

# Cephes' Chebyshev coefficients (i0.c, S. L. Moshier) for exp(-x) I0(x) on [0, 8], in the
# variable x / 2 - 2, and for exp(-x) sqrt(x) I0(x) on [8, inf), in the variable 32 / x - 2.
_I0E_SMALL = (
    -4.41534164647933937950e-18, 3.33079451882223809783e-17, -2.43127984654795469359e-16,
    1.71539128555513303061e-15, -1.16853328779934516808e-14, 7.67618549860493561688e-14,
    -4.85644678311192946090e-13, 2.95505266312963983461e-12, -1.72682629144155570723e-11,
    9.67580903537323691224e-11, -5.18979560163526290666e-10, 2.65982372468238665035e-9,
    -1.30002500998624804212e-8, 6.04699502254191894932e-8, -2.67079385394061173391e-7,
    1.11738753912010371815e-6, -4.41673835845875056359e-6, 1.64484480707288970893e-5,
    -5.75419501008210370398e-5, 1.88502885095841655729e-4, -5.76375574538582365885e-4,
    1.63947561694133579842e-3, -4.32430999505057594430e-3, 1.05464603945949983183e-2,
    -2.37374148058994688156e-2, 4.93052842396707084878e-2, -9.49010970480476444210e-2,
    1.71620901522208775349e-1, -3.04682672343198398683e-1, 6.76795274409476084995e-1)
_I0E_LARGE = (
    -7.23318048787475395456e-18, -4.83050448594418207126e-18, 4.46562142029675999901e-17,
    3.46122286769746109310e-17, -2.82762398051658348494e-16, -3.42548561967721913462e-16,
    1.77256013305652638360e-15, 3.81168066935262242075e-15, -9.55484669882830764870e-15,
    -4.15056934728722208663e-14, 1.54008621752140982691e-14, 3.85277838274214270114e-13,
    7.18012445138366623367e-13, -1.79417853150680611778e-12, -1.32158118404477131188e-11,
    -3.14991652796324136454e-11, 1.18891471078464383424e-11, 4.94060238822496958910e-10,
    3.39623202570838634515e-9, 2.26666899049817806459e-8, 2.04891858946906374183e-7,
    2.89137052083475648297e-6, 6.88975834691682398426e-5, 3.36911647825569408990e-3,
    8.04490411014108831608e-1)


def _chebyshev_series(f, y, coefficients):
    """sum_i c_i T_i(y / 2), halving the last coefficient's term (Cephes' chbevl), by
    Clenshaw's recurrence from the highest-order coefficient (listed first)."""
    b0, b1, b2 = f.const(coefficients[0]), f.const(0), None
    for c in coefficients[1:]:
        b2, b1 = b1, b0
        b0 = f.add(f.sub(f.mul(y, b1), b2), f.const(c))
    return f.mul(f.const(0.5), f.sub(b0, b2))


def _bessel_i0e_lower(ctx, x):
    f, (x,) = _Formula.for_output(ctx, x)
    magnitude = f.abs(x)
    small = _chebyshev_series(f, f.sub(f.mul(magnitude, f.const(0.5)), f.const(2)), _I0E_SMALL)
    large = f.div(_chebyshev_series(f, f.sub(f.div(f.const(32), magnitude), f.const(2)),
                                    _I0E_LARGE), f.sqrt(magnitude))
    result = f.where(f.compare(magnitude, f.const(8), "LE"), small, large)
    return f.to_output(result)


def _bessel_i1e_dx(out, x):
    """d/dx e**-|x| I1(x) = i0e(x) - i1e(x) (sign(x) + 1 / x), which tends to 1/2 at 0."""
    at_zero = eq(x, 0)
    safe_x = select(at_zero, _full_like(x, 1), x)
    slope = sub(bessel_i0e(x), mul(out, add(sign(x), reciprocal(safe_x))))
    return select(at_zero, _full_like(x, 0.5), slope)


# i0e' = i1e - sign(x) i0e (I0' = I1).
bessel_i0e_p = elementwise(
    "bessel_i0e", abstract_eval=elementwise_abstract("bessel_i0e", FLOAT),
    lower=_bessel_i0e_lower,
    examples=examples_of(elementwise_examples(1, ("float32", "bfloat16"), low=-20.0, high=20.0),
                         lambda: [((np.array([0.0, 8.0, -8.0, 1e-3, 50.0, np.inf, -np.inf],
                                             np.float32),), {})]),
    partials=(lambda out, x: sub(bessel_i1e(x), mul(sign(x), out)),))
bessel_i1e_p = unary("bessel_i1e", "chlo.bessel_i1e", FLOAT, low=-20.0, high=20.0,
                     partial=_bessel_i1e_dx)


# ---------------------------------------------------------------- public wrappers

def exp(x, accuracy=None):
    return exp_p.bind(*operands(x), **accuracy_params("exp", accuracy))


def exp2(x, accuracy=None):
    """2 ** x elementwise."""
    return exp2_p.bind(*operands(x), **accuracy_params("exp2", accuracy))


def log(x, accuracy=None):
    """Natural logarithm."""
    return log_p.bind(*operands(x), **accuracy_params("log", accuracy))


def expm1(x, accuracy=None):
    """exp(x) - 1, accurate for small x."""
    return expm1_p.bind(*operands(x), **accuracy_params("expm1", accuracy))


def log1p(x, accuracy=None):
    """log(1 + x), accurate for small x."""
    return log1p_p.bind(*operands(x), **accuracy_params("log1p", accuracy))


def logistic(x, accuracy=None):
    """1 / (1 + exp(-x)), the sigmoid."""
    return logistic_p.bind(*operands(x), **accuracy_params("logistic", accuracy))


def sqrt(x, accuracy=None):
    return sqrt_p.bind(*operands(x), **accuracy_params("sqrt", accuracy))


def rsqrt(x, accuracy=None):
    """1 / sqrt(x)."""
    return rsqrt_p.bind(*operands(x), **accuracy_params("rsqrt", accuracy))


def cbrt(x, accuracy=None):
    """Real cube root (negative for negative x)."""
    return cbrt_p.bind(*operands(x), **accuracy_params("cbrt", accuracy))


def sin(x, accuracy=None):
    return sin_p.bind(*operands(x), **accuracy_params("sin", accuracy))


def cos(x, accuracy=None):
    return cos_p.bind(*operands(x), **accuracy_params("cos", accuracy))


def tan(x, accuracy=None):
    return tan_p.bind(*operands(x), **accuracy_params("tan", accuracy))


def asin(x):
    return asin_p.bind(*operands(x))


def acos(x):
    return acos_p.bind(*operands(x))


def atan(x):
    return atan_p.bind(*operands(x))


def atan2(x, y):
    """The angle of the point (y, x) -- atan(x / y) in the right quadrant, like np.arctan2(x, y)."""
    return atan2_p.bind(*operands(x, y))


def sinh(x):
    return sinh_p.bind(*operands(x))


def cosh(x):
    return cosh_p.bind(*operands(x))


def tanh(x, accuracy=None):
    return tanh_p.bind(*operands(x), **accuracy_params("tanh", accuracy))


def asinh(x):
    return asinh_p.bind(*operands(x))


def acosh(x):
    return acosh_p.bind(*operands(x))


def atanh(x):
    return atanh_p.bind(*operands(x))


def erf(x):
    return erf_p.bind(*operands(x))


def erfc(x):
    """1 - erf(x), accurate where erf(x) is close to 1."""
    return erfc_p.bind(*operands(x))


def erf_inv(x):
    """The inverse of erf on (-1, 1); +-inf at +-1."""
    return erf_inv_p.bind(*operands(x))


def lgamma(x):
    """log |Gamma(x)|."""
    return lgamma_p.bind(*operands(x))


def digamma(x):
    """d/dx log Gamma(x)."""
    return digamma_p.bind(*operands(x))


def polygamma(m, x):
    """The m-th derivative of digamma; m holds non-negative integer values."""
    return polygamma_p.bind(*operands(m, x))


def zeta(x, q):
    """The Hurwitz zeta function sum_{k>=0} (k + q) ** -x (scipy.special.zeta(x, q))."""
    return zeta_p.bind(*operands(x, q))


def igamma(a, x):
    """The regularized lower incomplete gamma function P(a, x) (scipy.special.gammainc).
    NaN where a <= 0 or x < 0."""
    return igamma_p.bind(*operands(a, x))


def igammac(a, x):
    """The regularized upper incomplete gamma function Q(a, x) = 1 - P(a, x)
    (scipy.special.gammaincc). NaN where a <= 0 or x < 0."""
    return igammac_p.bind(*operands(a, x))


def bessel_i0e(x):
    """The exponentially scaled modified Bessel function of order zero, exp(-|x|) I0(x)."""
    return bessel_i0e_p.bind(*operands(x))


def bessel_i1e(x):
    """The exponentially scaled modified Bessel function of order one, exp(-|x|) I1(x)."""
    return bessel_i1e_p.bind(*operands(x))


__all__ = [name for name in dir() if name.endswith("_p")] + [
    "exp", "exp2", "log", "expm1", "log1p", "logistic", "sqrt", "rsqrt", "cbrt", "sin", "cos",
    "tan", "asin", "acos", "atan", "atan2", "sinh", "cosh", "tanh", "asinh", "acosh", "atanh",
    "erf", "erfc", "erf_inv", "lgamma", "digamma", "polygamma", "zeta", "igamma", "igammac",
    "bessel_i0e", "bessel_i1e"]
