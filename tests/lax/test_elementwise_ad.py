"""Differentiation and batching rules of the elementwise and special-function primitives
(lax/elementwise.py, lax/special.py).

Derivatives against analytic formulas evaluated with NumPy/SciPy (including JAX's
conventions at kinks and domain edges: abs'(0) = 1, ties of max/min split 1/2 each, clamp
passes no tangent at its bounds, piecewise-constant functions have zero derivative, pow at
0), the VJP conventions for complex values, grad of small compositions against central
differences, vmap against Python loops with batch axes in the middle and operands unbatched,
and grad of vmap / vmap of grad / jit of grad. The registry-wide checkers
(test_ad_rules.py, test_batch_rules.py) cover each primitive's first examples.
"""

import numpy as np
import pytest
import scipy.special as sp

import numax
from numax import lax
from numax.core import dtypes
from numax.test_util import check_grads

rng = np.random.default_rng(7)


def _derivative(f, *args, argnum=0):
    """d f / d args[argnum] elementwise, as the JVP along ones (f is elementwise)."""
    def along(v):
        return f(*[v if i == argnum else a for i, a in enumerate(args)])
    x = args[argnum]
    return np.asarray(numax.jvp(along, (x,), (np.ones_like(x),))[1])


def _central_difference(f, x, eps=1e-6):
    return (np.asarray(f(x + eps)) - np.asarray(f(x - eps))) / (2 * eps)


def _total(x):
    return lax.reduce_sum(x, tuple(range(np.ndim(x))))


# ---------------------------------------------------------------- bessel_i0e (new here)

def test_bessel_i0e_values_match_scipy():
    """bessel_i0e exists for bessel_i1e's derivative; its values (Cephes' expansions) are
    checked here, on both sides of the switch at |x| = 8 and at the special values."""
    x = np.array([0.0, 1e-3, -0.5, 3.0, -7.9, 8.0, 8.1, -25.0, 300.0, np.inf, -np.inf, np.nan])
    for dtype, rtol in ((np.float32, 2e-6), (np.float64, 1e-14)):
        with numax.enable_x64(dtype == np.float64):
            result = np.asarray(lax.bessel_i0e(x.astype(dtype)))
            assert result.dtype == dtype
            np.testing.assert_allclose(result, sp.i0e(x), rtol=rtol, atol=0)


# ---------------------------------------------------------------- derivatives vs formulas

X = np.array([-2.5, -0.7, 0.3, 1.1, 2.9])
POSITIVE = np.array([0.2, 0.9, 1.7, 3.2, 6.5])
UNIT = np.array([-0.95, -0.4, 0.05, 0.6, 0.97])

# (lax function, inputs, analytic derivative)
UNARY_DERIVATIVES = [
    (lax.exp, X, np.exp),
    (lax.exp2, X, lambda x: np.log(2) * np.exp2(x)),
    (lax.expm1, X, np.exp),
    (lax.log, POSITIVE, lambda x: 1 / x),
    (lax.log1p, UNIT, lambda x: 1 / (1 + x)),
    (lax.logistic, X, lambda x: sp.expit(x) * (1 - sp.expit(x))),
    (lax.sqrt, POSITIVE, lambda x: 0.5 / np.sqrt(x)),
    (lax.rsqrt, POSITIVE, lambda x: -0.5 * x ** -1.5),
    (lax.cbrt, X, lambda x: 1 / (3 * np.cbrt(x) ** 2)),
    (lax.sin, X, np.cos),
    (lax.cos, X, lambda x: -np.sin(x)),
    (lax.tan, UNIT, lambda x: 1 / np.cos(x) ** 2),
    (lax.asin, UNIT, lambda x: 1 / np.sqrt(1 - x ** 2)),
    (lax.acos, UNIT, lambda x: -1 / np.sqrt(1 - x ** 2)),
    (lax.atan, X, lambda x: 1 / (1 + x ** 2)),
    (lax.sinh, X, np.cosh),
    (lax.cosh, X, np.sinh),
    (lax.tanh, X, lambda x: 1 / np.cosh(x) ** 2),
    (lax.asinh, X, lambda x: 1 / np.sqrt(x ** 2 + 1)),
    (lax.acosh, 1 + POSITIVE, lambda x: 1 / np.sqrt(x ** 2 - 1)),
    (lax.atanh, UNIT, lambda x: 1 / (1 - x ** 2)),
    (lax.erf, X, lambda x: 2 / np.sqrt(np.pi) * np.exp(-x ** 2)),
    (lax.erfc, X, lambda x: -2 / np.sqrt(np.pi) * np.exp(-x ** 2)),
    (lax.erf_inv, UNIT, lambda x: np.sqrt(np.pi) / 2 * np.exp(sp.erfinv(x) ** 2)),
    (lax.lgamma, np.array([-3.5, -0.5, 0.4, 2.2, 9.0]), sp.digamma),
    (lax.digamma, np.array([-3.5, -0.5, 0.4, 2.2, 9.0]), lambda x: sp.polygamma(1, x)),
    (lax.bessel_i0e, np.array([-20.0, -3.0, -1e-3, 0.0, 0.5, 8.0, 15.0]),
     lambda x: sp.i1e(x) - np.sign(x) * sp.i0e(x)),
    (lax.bessel_i1e, np.array([-20.0, -3.0, -1e-3, 0.5, 8.0, 15.0]),
     lambda x: sp.i0e(x) - sp.i1e(x) * (np.sign(x) + 1 / x)),
    (lax.square, X, lambda x: 2 * x),
    (lax.reciprocal, X, lambda x: -1 / x ** 2),
    (lax.neg, X, lambda x: -np.ones_like(x)),
    (lax.abs, X, np.sign),
]


@pytest.mark.parametrize("f,x,derivative", UNARY_DERIVATIVES,
                         ids=[f.__name__ for f, _, _ in UNARY_DERIVATIVES])
def test_unary_derivative_matches_formula(f, x, derivative):
    with numax.enable_x64():
        np.testing.assert_allclose(_derivative(f, x), derivative(x), rtol=1e-12, atol=1e-14)


def test_holomorphic_derivatives_of_complex_operands():
    z = np.array([0.3 + 0.4j, -1.2 + 0.5j, 0.7 - 0.2j])
    cases = [(lax.exp, np.exp), (lax.log, lambda z: 1 / z), (lax.sqrt, lambda z: 0.5 / np.sqrt(z)),
             (lax.sin, np.cos), (lax.tanh, lambda z: 1 / np.cosh(z) ** 2),
             (lax.asin, lambda z: 1 / np.sqrt(1 - z ** 2)),
             (lax.acosh, lambda z: 1 / (np.sqrt(z - 1) * np.sqrt(z + 1))),
             (lax.logistic, lambda z: np.exp(-z) / (1 + np.exp(-z)) ** 2),
             (lambda z: lax.integer_pow(z, 3), lambda z: 3 * z ** 2)]
    with numax.enable_x64():
        for f, derivative in cases:
            np.testing.assert_allclose(_derivative(f, z), derivative(z), rtol=1e-12)


def test_binary_partials_match_formulas():
    x = np.array([-2.5, -0.7, 0.3, 1.1, 2.9])
    y = np.array([1.3, -2.2, 0.9, -0.4, 3.1])
    a, s = POSITIVE + 0.5, POSITIVE[::-1] + 0.1
    cases = [
        (lax.div, (x, y), (1 / y, -x / y ** 2)),
        (lax.rem, (x, y), (np.ones_like(x), -np.trunc(x / y))),
        (lax.atan2, (x, y), (y / (x ** 2 + y ** 2), -x / (x ** 2 + y ** 2))),
        (lax.pow, (POSITIVE, y), (y * POSITIVE ** (y - 1), np.log(POSITIVE) * POSITIVE ** y)),
        (lax.mul, (x, y), (y, x)),
        (lax.sub, (x, y), (np.ones_like(x), -np.ones_like(x))),
        (lax.igamma, (a, s), (None, np.exp(-s + (a - 1) * np.log(s) - sp.gammaln(a)))),
        (lax.igammac, (a, s), (None, -np.exp(-s + (a - 1) * np.log(s) - sp.gammaln(a)))),
        (lax.zeta, (a + 1, s), (None, -(a + 1) * sp.zeta(a + 2, s))),
        (lax.polygamma, (np.array([0.0, 1.0, 2.0, 3.0, 1.0]), s),
         (None, sp.polygamma(np.array([1, 2, 3, 4, 2]), s))),
    ]
    with numax.enable_x64():
        for f, args, partials in cases:
            for argnum, expected in enumerate(partials):
                if expected is not None:
                    np.testing.assert_allclose(_derivative(f, *args, argnum=argnum), expected,
                                               rtol=1e-10, atol=1e-12, err_msg=f.__name__)


def test_integer_exponents():
    x = np.array([-1.5, -0.5, 0.0, 0.5, 2.0])
    with numax.enable_x64():
        for y in (2, 3, 1, -1, -2):
            with np.errstate(divide="ignore"):
                expected = y * x ** (y - 1.0)
            np.testing.assert_allclose(_derivative(lambda x: lax.integer_pow(x, y), x), expected)
        # y = 0: the derivative is 0 everywhere, also at x = 0 (not 0 * 0**-1 = nan).
        np.testing.assert_array_equal(_derivative(lambda x: lax.integer_pow(x, 0), x), 0)
        # pow with an integer exponent array: y * x**(y - 1), and 0 where y == 0.
        y = np.array([2, 0, 0, 3, -1], np.int32)
        d = _derivative(lambda x: lax.pow(x, y), x)
        with np.errstate(divide="ignore", invalid="ignore"):
            expected = np.where(y == 0, 0.0, y * x ** (y - 1.0))
        np.testing.assert_allclose(d, expected)


def test_pow_at_zero():
    with numax.enable_x64():
        zeros = np.zeros(4)
        y = np.array([2.0, 1.0, 0.5, 3.0])
        np.testing.assert_array_equal(_derivative(lax.pow, zeros, y, argnum=0), [0, 1, np.inf, 0])
        # d/dy 0**y = log(0) * 0 is taken as 0 (log(0) replaced by 0), as JAX does.
        np.testing.assert_array_equal(_derivative(lax.pow, zeros, y, argnum=1), 0)
        # a positive base still gets log(x) * x**y
        np.testing.assert_allclose(_derivative(lax.pow, np.full(4, 2.0), y, argnum=1),
                                   np.log(2) * 2.0 ** y)


def test_kinks_follow_jax():
    with numax.enable_x64():
        # abs: +t at x >= 0 (so abs'(0) = 1 and abs'(-0.0) = 1), -t below.
        x = np.array([-1.0, -0.0, 0.0, 2.0])
        np.testing.assert_array_equal(_derivative(lax.abs, x), [-1, 1, 1, 1])
        # sqrt'(0) = inf, cbrt'(0) = inf, log1p near -1 stays 1 / (1 + x).
        assert _derivative(lax.sqrt, np.array([0.0]))[0] == np.inf
        assert _derivative(lax.cbrt, np.array([0.0]))[0] == np.inf
        x = np.array([-1 + 1e-10, -0.5, 1e-20])
        np.testing.assert_allclose(_derivative(lax.log1p, x), 1 / (1 + x), rtol=1e-6)
        # max/min: ties split the tangent 1/2 each; NaN results pass no tangent.
        a = np.array([1.0, 2.0, 3.0, np.nan])
        b = np.array([1.0, 5.0, 0.0, 1.0])
        for f, pick_a in ((lax.max, a > b), (lax.min, a < b)):
            expected_a = np.where(a == b, 0.5, np.where(pick_a, 1.0, 0.0))
            expected_b = np.where(a == b, 0.5, np.where(~pick_a & ~np.isnan(a), 1.0, 0.0))
            np.testing.assert_array_equal(_derivative(f, a, b, argnum=0), expected_a)
            np.testing.assert_array_equal(_derivative(f, a, b, argnum=1), expected_b)
        # max(x, x) = x: the two halves add up to 1.
        assert numax.grad(lambda x: lax.max(x, x))(1.5) == 1.0


def test_piecewise_constant_functions_have_zero_derivative():
    x = np.array([-1.7, -0.5, 0.5, 2.5, 3.2])
    with numax.enable_x64():
        for f in (lax.floor, lax.ceil, lax.sign, lax.round,
                  lambda x: lax.round(x, lax.RoundingMethod.TO_NEAREST_EVEN)):
            np.testing.assert_array_equal(_derivative(f, x), 0)
            assert float(numax.grad(lambda x: _total(f(x) * x))(x).sum()) == \
                float(np.sum(np.asarray(f(x))))   # d/dx (f(x) * x) = f(x)


def test_clamp_passes_tangents_only_strictly_inside():
    lo, hi = -1.0, 2.0
    x = np.array([-3.0, -1.0, 0.5, 2.0, 4.0])
    with numax.enable_x64():
        grads = numax.grad(lambda lo, x, hi: _total(lax.clamp(lo, x, hi)), argnums=(0, 1, 2))(
            lo, x, hi)
        assert float(grads[0]) == 1.0                           # only x = -3 is below lo
        np.testing.assert_array_equal(grads[1], [0, 0, 1, 0, 0])  # bounds themselves: 0
        assert float(grads[2]) == 1.0                           # only x = 4 is above hi
        # array bounds, and min > max (the result is max; JAX passes no tangent there)
        lows, highs = np.array([0.0, -2.0, 3.0]), np.array([1.0, 2.0, 1.0])
        x = np.array([-1.0, 0.0, 2.0])
        grads = numax.grad(lambda *a: _total(lax.clamp(*a)), argnums=(0, 1, 2))(lows, x, highs)
        np.testing.assert_array_equal(grads[0], [1, 0, 0])
        np.testing.assert_array_equal(grads[1], [0, 1, 0])
        np.testing.assert_array_equal(grads[2], [0, 0, 1])


def test_select_n_differentiates_cases_not_the_predicate():
    which = np.array([0, 2, 1, 2], np.int32)
    cases = [rng.standard_normal(4) for _ in range(3)]
    with numax.enable_x64():
        grads = numax.grad(lambda *c: _total(lax.select_n(which, *c) * np.arange(1.0, 5.0)),
                           argnums=(0, 1, 2))(*cases)
        for k in range(3):
            np.testing.assert_array_equal(grads[k], np.where(which == k, np.arange(1.0, 5.0), 0))
        pred = np.array([True, False, True, False])
        grads = numax.grad(lambda a, b: _total(lax.select(pred, a, b)), argnums=(0, 1))(
            cases[0], cases[1])
        np.testing.assert_array_equal(grads[0], pred.astype(float))
        np.testing.assert_array_equal(grads[1], (~pred).astype(float))
        # a scalar predicate
        out, tangent = numax.jvp(lambda a, b: lax.select_n(True, a, b), (cases[0], cases[1]),
                                 (np.ones(4), 2 * np.ones(4)))
        np.testing.assert_array_equal(tangent, 2.0)


def test_not_differentiable_primitives_give_float0_or_zero_tangents():
    x = np.array([0.5, 1.5, np.inf])
    with numax.enable_x64():
        for f in (lambda x: lax.lt(x, 1.0), lax.is_finite, lambda x: lax.eq(x, x),
                  lambda x: lax.convert_element_type(x, np.int32),
                  lambda x: lax.bitcast_convert_type(x, np.int64)):
            _, tangent = numax.jvp(f, (x,), (np.ones(3),))
            assert np.asarray(tangent).dtype == dtypes.float0
        _, tangent = numax.jvp(lambda x: lax.nextafter(x, np.full(3, 10.0)), (x,), (np.ones(3),))
        np.testing.assert_array_equal(tangent, 0)


def test_partially_differentiable_special_functions_say_which_argument():
    x = np.array([0.5, 3.0])
    with numax.enable_x64():
        with pytest.raises(NotImplementedError, match="polygamma.*order m"):
            numax.grad(lambda m: _total(lax.polygamma(m, x)))(np.array([1.0, 2.0]))
        with pytest.raises(NotImplementedError, match="zeta.*respect to x"):
            numax.grad(lambda s: _total(lax.zeta(s, x)))(np.array([2.0, 3.0]))


# ---------------------------------------------------------------- complex conventions

def test_complex_parts_follow_jax_vjp_convention():
    """JAX's VJP multiplies by the Jacobian without conjugating; for f: C -> R, grad gives g
    with df = Re(g dz)."""
    z = np.array([3 + 4j, -1 + 0.5j])
    w = np.array([0.5 - 2j, 1.5 + 1j])
    with numax.enable_x64():
        np.testing.assert_array_equal(numax.grad(lambda z: _total(lax.real(z)))(z), 1 + 0j)
        np.testing.assert_array_equal(numax.grad(lambda z: _total(lax.imag(z)))(z), -1j)
        np.testing.assert_allclose(numax.grad(lambda z: _total(lax.abs(z)))(z), np.conj(z) / 5 *
                                   np.array([1, 5 / np.abs(z[1])]))
        # |z|**2 -> 2 conj(z); abs at 0 passes 0 (the magnitude is replaced by 1 there)
        np.testing.assert_allclose(
            numax.grad(lambda z: _total(lax.square(lax.abs(z))))(z), 2 * np.conj(z))
        assert complex(numax.grad(lambda z: lax.abs(z))(np.complex128(0))) == 0
        # Re(conj(z) w) -> conj(w); Re(z w) -> w
        np.testing.assert_allclose(
            numax.grad(lambda z: _total(lax.real(lax.conj(z) * w)))(z), np.conj(w))
        np.testing.assert_allclose(numax.grad(lambda z: _total(lax.real(z * w)))(z), w)
        # complex(x, y) -> Re(w (x + i y)) = Re(w) x - Im(w) y
        x, y = np.array([1.0, 2.0]), np.array([-0.5, 0.25])
        gx, gy = numax.grad(lambda x, y: _total(lax.real(lax.complex(x, y) * w)),
                            argnums=(0, 1))(x, y)
        np.testing.assert_allclose(gx, w.real)
        np.testing.assert_allclose(gy, -w.imag)
        # conj of a real operand: Re(w conj(x)) = Re(w) x
        np.testing.assert_allclose(numax.grad(lambda x: _total(lax.real(lax.conj(x) * w)))(x),
                                   w.real)
        # real -> complex conversion, and back: the real part of the cotangent
        np.testing.assert_allclose(numax.grad(lambda x: _total(lax.real(
            lax.convert_element_type(x, np.complex128) * w)))(x), w.real)
        np.testing.assert_allclose(numax.grad(lambda z: _total(
            lax.convert_element_type(z, np.float64) * x))(z), x + 0j)


def test_convert_and_reduce_precision_are_linear():
    x = np.array([0.1, -2.7, 3.3])
    with numax.enable_x64():
        g = numax.grad(lambda x: _total(lax.convert_element_type(x, np.float32) *
                                        np.float32(3)))(x)
        assert g.dtype == np.float64
        np.testing.assert_array_equal(g, 3.0)
        # JAX's convention: the tangent is rounded like the value (straight-through otherwise)
        t = np.array([1.0 + 2 ** -20, 3.0, -0.1])
        _, tangent = numax.jvp(lambda x: lax.reduce_precision(x, 8, 7), (x,), (t,))
        np.testing.assert_array_equal(tangent, np.asarray(lax.reduce_precision(t, 8, 7)))
        g = numax.grad(lambda x: _total(lax.reduce_precision(x, 8, 7) * (1 + 2 ** -20)))(x)
        np.testing.assert_array_equal(g, 1.0)


# ---------------------------------------------------------------- compositions vs finite differences

def test_grad_of_compositions_matches_finite_differences():
    with numax.enable_x64():
        x = np.array([0.3, -1.2, 0.8, 2.1])
        y = np.array([1.1, 0.4, -0.6, 0.9])

        def f(x, y):
            r = lax.div(lax.sin(x) * lax.exp(y), 1 + lax.square(x))
            r = r + lax.max(x, y) * lax.logistic(x - y) - lax.atan2(x, y)
            r = r + lax.clamp(-0.5, lax.tanh(x) * y, 0.5) + lax.integer_pow(x, -2)
            return _total(lax.select(x > y, r, lax.log1p(lax.abs(r))))

        check_grads(f, (x, y), order=2, modes=("fwd", "rev"))

        def g(a, s):
            return _total(lax.lgamma(a) * lax.igamma(a, s) + lax.erf_inv(lax.tanh(s) * 0.9) +
                          lax.bessel_i1e(s) * lax.pow(s, a) + lax.rsqrt(a) * lax.cbrt(s))

        a, s = np.array([0.7, 2.5, 4.0]), np.array([0.4, 3.0, 7.5])
        grads = numax.grad(lambda s: g(a, s))(s)
        numeric = [_central_difference(lambda v: g(a, np.where(np.arange(3) == i, v, s)),
                                       s[i]) for i in range(3)]
        np.testing.assert_allclose(grads, numeric, rtol=1e-7)
        grads = numax.grad(lambda a: _total(lax.lgamma(a) * lax.digamma(a)))(a)
        np.testing.assert_allclose(grads, sp.digamma(a) ** 2 + sp.gammaln(a) *
                                   sp.polygamma(1, a), rtol=1e-10)


def test_complex_composition_matches_finite_differences():
    with numax.enable_x64():
        z = np.array([0.3 + 0.2j, -0.5 + 1.1j, 1.2 - 0.4j])

        def f(z):   # real-valued: grad g satisfies df = Re(g dz)
            w = lax.exp(z) * lax.log(z) + lax.sqrt(z) / (z + 2)
            return _total(lax.real(w) * lax.imag(w) + lax.abs(w))

        g = np.asarray(numax.grad(f)(z))
        for direction in (1.0, 1j):
            numeric = [(float(f(z + 1e-6 * direction * (np.arange(3) == i))) -
                        float(f(z - 1e-6 * direction * (np.arange(3) == i)))) / 2e-6
                       for i in range(3)]
            np.testing.assert_allclose((g * direction).real, numeric, rtol=1e-6, atol=1e-8)


# ---------------------------------------------------------------- vmap against loops

def _loop(f, in_axes, args):
    size = next(np.shape(a)[ax] for a, ax in zip(args, in_axes) if ax is not None)
    outs = [f(*[a if ax is None else np.take(a, b, axis=ax) for a, ax in zip(args, in_axes)])
            for b in range(size)]
    return np.stack([np.asarray(o) for o in outs])


VMAP_CASES = [
    ("atan2 axis 1, y unbatched", lax.atan2, (1, None),
     (rng.standard_normal((2, 3, 4)), rng.standard_normal((2, 4)))),
    ("pow int exponent unbatched", lax.pow, (1, None),
     (rng.uniform(0.5, 2, (2, 3)), np.array([1, -2], np.int32))),
    ("pow rank-0 exponent batched", lax.pow, (None, 0),
     (rng.uniform(0.5, 2, (4,)), rng.uniform(-1, 1, (3,)))),
    ("select_n which only", lambda w, a, b: lax.select_n(w, a, b), (1, None, None),
     (rng.random((4, 3)) < 0.5, rng.standard_normal(4), rng.standard_normal(4))),
    ("select_n rank-0 which batched, rank-0 cases", lambda w, a, b: lax.select_n(w, a, b),
     (0, None, 0), (np.array([0, 1, 1], np.int32), np.float64(2.0), rng.standard_normal(3))),
    ("select_n cases axis 1, which scalar", lambda a, b: lax.select_n(np.int32(1), a, b),
     (1, 1), (rng.standard_normal((2, 3)), rng.standard_normal((2, 3)))),
    ("select_n mixed axes", lambda w, a, b: lax.select_n(w, a, b), (0, 1, None),
     (rng.random((3, 2)) < 0.5, rng.standard_normal((2, 3)), rng.standard_normal(2))),
    ("clamp min only", lax.clamp, (0, None, None),
     (rng.uniform(-1, 0, (3,)), np.float64(0.3), np.float64(0.5))),
    ("clamp x axis 1, array max unbatched", lax.clamp, (None, 1, None),
     (np.float64(-0.5), rng.standard_normal((4, 3)), rng.uniform(0, 1, (4,)))),
    ("clamp array min axis 1, x batched axis 0", lax.clamp, (1, 0, None),
     (rng.uniform(-1, 0, (4, 3)), rng.standard_normal((3, 4)), np.float64(0.5))),
    ("complex one part batched", lax.complex, (None, 1),
     (rng.standard_normal(2), rng.standard_normal((2, 3)))),
    ("conj axis 1", lax.conj, (1,), (rng.standard_normal((2, 3)) + 1j,)),
    ("convert axis 1", lambda x: lax.convert_element_type(x, np.int32), (1,),
     (rng.uniform(-5, 5, (2, 3)),)),
    ("bitcast narrowing, batch last", lambda x: lax.bitcast_convert_type(x, np.float32), (1,),
     (rng.integers(0, 255, (4, 3)).astype(np.uint8),)),
    ("bitcast narrowing, batch first", lambda x: lax.bitcast_convert_type(x, np.float32), (0,),
     (rng.integers(0, 255, (3, 4)).astype(np.uint8),)),
    ("bitcast widening, batch middle", lambda x: lax.bitcast_convert_type(x, np.uint8), (1,),
     (rng.standard_normal((2, 3, 2)).astype(np.float32),)),
    ("igamma a unbatched", lax.igamma, (None, 1),
     (rng.uniform(0.5, 4, (2,)), rng.uniform(0.1, 6, (2, 3)))),
    ("integer_pow axis 2", lambda x: lax.integer_pow(x, -3), (2,),
     (rng.uniform(0.5, 2, (2, 2, 3)),)),
    ("round axis 1", lambda x: lax.round(x, lax.RoundingMethod.TO_NEAREST_EVEN), (1,),
     (np.array([[0.5, 1.5, 2.5], [-0.5, -1.5, 3.7]]),)),
    ("max rank-0 batched, array unbatched", lax.max, (0, None),
     (rng.standard_normal(3), rng.standard_normal(4))),
    ("shift_left amounts batched", lax.shift_left, (None, 1),
     (np.arange(4, dtype=np.int32), np.arange(12, dtype=np.int32).reshape(4, 3) % 33)),
    ("polygamma m unbatched", lax.polygamma, (None, 1),
     (np.array([1.0, 2.0]), rng.uniform(0.5, 4, (2, 3)))),
]


@pytest.mark.parametrize("name,f,in_axes,args", VMAP_CASES, ids=[c[0] for c in VMAP_CASES])
def test_vmap_matches_loop(name, f, in_axes, args):
    with numax.enable_x64():
        out = numax.vmap(f, in_axes=in_axes)(*args)
        np.testing.assert_array_equal(np.asarray(out), _loop(f, in_axes, args))


# ---------------------------------------------------------------- transformations composed

def test_grad_of_vmap_and_vmap_of_grad():
    with numax.enable_x64():
        def f(x, y):
            return lax.max(lax.sin(x) * y, lax.clamp(-0.5, x, 0.5)) + lax.pow(lax.abs(x) + 1, y)

        x = rng.standard_normal((3, 4))
        y = rng.uniform(0.5, 1.5, (4,))
        # vmap over axis 1 of x with y unbatched, then grad of the total
        total = lambda x: _total(numax.vmap(f, in_axes=(1, None))(x, 0.7))  # noqa: E731
        per_element = numax.vmap(numax.vmap(numax.grad(f)))(x, np.broadcast_to(0.7, x.shape))
        np.testing.assert_allclose(numax.grad(total)(x), per_element, rtol=1e-12)
        # vmap of grad (batched y), against a loop of grads
        grads = numax.vmap(numax.grad(lambda x, y: _total(f(x, y))), in_axes=(0, None))(x, y)
        loop = np.stack([numax.grad(lambda x: _total(f(x, y)))(x[i]) for i in range(3)])
        np.testing.assert_allclose(grads, loop, rtol=1e-12)
        # jit of grad == grad
        np.testing.assert_allclose(numax.jit(numax.grad(total))(x), numax.grad(total)(x),
                                   rtol=1e-12)


def test_vmap_of_jvp_of_select_and_clamp():
    with numax.enable_x64():
        which = np.array([[0, 1, 2], [2, 1, 0]], np.int32)
        cases = rng.standard_normal((3, 3))

        def f(w, c):
            return numax.jvp(lambda c: lax.select_n(w, c[0], c[1], c[2]) ** 2,
                             (c,), (np.ones_like(c),))[1]

        out = numax.vmap(f, in_axes=(0, None))(which, cases)
        expected = np.stack([2 * np.choose(w, cases) for w in which])
        np.testing.assert_allclose(out, expected)
        x = rng.standard_normal((2, 5))
        grads = numax.vmap(numax.grad(lambda x: _total(lax.clamp(-0.5, x, 0.5))), in_axes=1)(x)
        np.testing.assert_array_equal(grads, ((x > -0.5) & (x < 0.5)).T.astype(float))
