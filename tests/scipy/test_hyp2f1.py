"""numax.scipy.special.hyp2f1 against scipy.special.hyp2f1: a grid of parameters with x
in (-5, 1] in float64 and float32 (every route: the direct series, Pfaff's x/(x-1), the
1 - x transformation with c - a - b non-integer and integer of either sign, terminating
polynomials), the special values at x = 1, x > 1 and non-positive integer c, jit against
eager, vmap against a Python loop, and the derivative in x against finite differences and
the contiguous-function identity evaluated by SciPy.
"""

import itertools

import numpy as np
import pytest
import scipy.special as sp
from hypothesis import assume, given, settings, strategies as st

import numax
import numax.numpy as jnp
from numax.scipy import special as sc
from numax.test_util import check_grads

PARAMETERS = [-2.5, -0.3, 0.25, 1.0, 2.0, 3.5, 6.0]
C_VALUES = [-1.5, 0.5, 1.0, 2.25, 4.75, 8.0]
X_VALUES = [-5.0, -3.0, -1.2, -1.0, -0.7, -0.3, 0.0, 0.2, 0.5, 0.55, 0.7, 0.8, 0.9, 0.99]


def _grid(*axes):
    return [np.array(column) for column in zip(*itertools.product(*axes))]


def _polynomial(a, b, c, x):
    """The terminating series summed term by term in Python (a a non-positive integer)."""
    total, term = 0.0, 1.0
    for k in range(int(-a) + 1):
        total += term
        term *= (a + k) * (b + k) / ((c + k) * (k + 1)) * x
    return total


def test_grid_matches_scipy_float64():
    a, b, c, x = _grid(PARAMETERS, PARAMETERS, C_VALUES, X_VALUES)
    with numax.enable_x64():
        got = sc.hyp2f1(a, b, c, x)
    assert got.dtype == np.float64
    np.testing.assert_allclose(np.asarray(got), sp.hyp2f1(a, b, c, x), rtol=1e-9, atol=1e-13)


def test_grid_matches_scipy_float32():
    a, b, c, x = _grid([-2.5, 0.25, 1.0, 3.5], [-0.3, 1.0, 2.0], [0.5, 2.25, 4.75], X_VALUES)
    got = sc.hyp2f1(*(v.astype(np.float32) for v in (a, b, c, x)))
    assert got.dtype == np.float32
    want = sp.hyp2f1(*(v.astype(np.float32).astype(np.float64) for v in (a, b, c, x)))
    np.testing.assert_allclose(np.asarray(got), want, rtol=2e-4, atol=1e-6)


def test_integer_c_minus_a_minus_b_matches_scipy():
    # c = a + b + m: the Gamma functions of the 1 - x transformation have poles and the
    # logarithmic formulas take over (x past 1/2, and x < -1 through Pfaff's transform,
    # where the transformed parameters differ by an integer as well).
    a, b, m, x = _grid([-1.5, 0.25, 1.0, 2.5], [0.5, 1.0, 3.25], [-3, -2, -1, 0, 1, 2, 3],
                       X_VALUES + [1.0])
    c = a + b + m
    keep = ~((c <= 0) & (c == np.floor(c))) & ((m > 0) | (x < 1))  # x = 1, m <= 0: below
    a, b, c, x = a[keep], b[keep], c[keep], x[keep]
    with numax.enable_x64():
        got = np.asarray(sc.hyp2f1(a, b, c, x))
    np.testing.assert_allclose(got, sp.hyp2f1(a, b, c, x), rtol=1e-9)
    got32 = np.asarray(sc.hyp2f1(*(v.astype(np.float32) for v in (a, b, c, x))))
    np.testing.assert_allclose(got32, sp.hyp2f1(a, b, c, x), rtol=1e-3, atol=1e-5)


def test_terminating_series_is_the_polynomial():
    # a a non-positive integer: a polynomial in x, for every real x (x > 1 included).
    a, b, c, x = _grid([0.0, -1.0, -2.0, -5.0], [-3.0, 0.5, 2.0, 4.5], [0.5, 1.0, 3.5],
                       [-4.0, -1.0, 0.3, 0.8, 1.0, 2.5])
    want = np.array([_polynomial(*args) for args in zip(a, b, c, x)])
    with numax.enable_x64():
        got = np.asarray(sc.hyp2f1(a, b, c, x))
        swapped = np.asarray(sc.hyp2f1(b, a, c, x))
    np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(swapped, want, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(got, sp.hyp2f1(a, b, c, x), rtol=1e-10, atol=1e-12)


def test_special_values_follow_scipy():
    with numax.enable_x64():
        # x = 1: Gauss's sum where c - a - b > 0, inf where c - a - b <= 0.
        a, b, c = np.array([0.5, 1.0, -0.3, 2.0]), np.array([0.25, 1.0, 2.0, 3.0]), \
            np.array([2.0, 3.0, 4.5, 7.5])
        gauss = sp.gamma(c) * sp.gamma(c - a - b) / (sp.gamma(c - a) * sp.gamma(c - b))
        np.testing.assert_allclose(np.asarray(sc.hyp2f1(a, b, c, 1.0)), gauss, rtol=1e-10)
        np.testing.assert_allclose(np.asarray(sc.hyp2f1(a, b, c, 1.0)),
                                   sp.hyp2f1(a, b, c, 1.0), rtol=1e-10)
        assert np.all(np.isinf(np.asarray(sc.hyp2f1(a, b, a + b, 1.0))))
        assert np.all(np.isinf(np.asarray(sc.hyp2f1(a, b, a + b - 0.5, 1.0))))
        # x > 1 without a terminating series: inf, as SciPy.
        x = np.array([1.01, 1.5, 3.0])
        assert np.all(np.isinf(sp.hyp2f1(0.5, 0.3, 2.2, x)))
        assert np.all(np.isinf(np.asarray(sc.hyp2f1(0.5, 0.3, 2.2, x))))
        # c a non-positive integer: finite only if the series ends before (c)_k = 0.
        x = np.array([-3.0, 0.3, 0.7])
        for a, b in ((1.0, 1.0), (-3.0, 1.0), (0.5, 2.5)):
            assert np.all(np.isinf(sp.hyp2f1(a, b, -2.0, x)))
            assert np.all(np.isinf(np.asarray(sc.hyp2f1(a, b, -2.0, x))))
        for a, b in ((-1.0, 2.0), (2.0, -1.0), (-1.0, -3.0)):
            np.testing.assert_allclose(np.asarray(sc.hyp2f1(a, b, -2.0, x)),
                                       sp.hyp2f1(a, b, -2.0, x), rtol=1e-12)
        # a or b equal to a non-positive integer c: the terms are 0/0; no value (SciPy
        # returns whichever limit its order of tests reaches).
        assert np.all(np.isnan(np.asarray(sc.hyp2f1(-2.0, 0.5, -2.0, x))))
        # x = 0 is 1; NaN in, NaN out.
        assert np.asarray(sc.hyp2f1(3.0, -0.5, 1.5, 0.0)) == 1
        for args in ((np.nan, 1.0, 2.0, 0.3), (1.0, 1.0, 2.0, np.nan), (1.0, 1.0, np.nan, -2.0)):
            assert np.isnan(np.asarray(sc.hyp2f1(*args)))


def test_jit_matches_eager_and_vmap_matches_loop():
    rng = np.random.default_rng(0)
    a, b = rng.uniform(-3, 3, (2, 3, 4)).astype(np.float32)
    c = rng.uniform(0.5, 5, (3, 4)).astype(np.float32)
    x = rng.uniform(-4, 0.95, (3, 4)).astype(np.float32)
    eager = np.asarray(sc.hyp2f1(a, b, c, x))
    np.testing.assert_allclose(np.asarray(numax.jit(sc.hyp2f1)(a, b, c, x)), eager,
                               rtol=1e-6)
    batched = np.asarray(numax.vmap(sc.hyp2f1)(a, b, c, x))
    looped = np.stack([np.asarray(sc.hyp2f1(a[i], b[i], c[i], x[i])) for i in range(3)])
    np.testing.assert_allclose(batched, looped, rtol=1e-6)
    # A scalar parameter broadcasts against an array argument.
    np.testing.assert_allclose(np.asarray(sc.hyp2f1(1.5, 0.5, 2.0, x)),
                               sp.hyp2f1(1.5, 0.5, 2.0, x.astype(np.float64)), rtol=1e-4)


def test_derivative_in_x():
    # Three parameter sets, each at x on every route (Pfaff, direct, 1 - x), one array.
    a, b, c = np.repeat(np.array([[0.7, 1.3, 2.2], [-2.0, 1.5, 3.0], [1.0, 1.0, 2.0]]).T,
                        4, axis=1)
    x = np.tile([-3.0, -0.4, 0.3, 0.8], 3)
    with numax.enable_x64():
        check_grads(lambda v: sc.hyp2f1(a, b, c, v), (x,), order=2, modes=("fwd",))
        check_grads(lambda v: sc.hyp2f1(a, b, c, v), (x,), order=1, modes=("rev",))
        derivative = numax.jit(numax.vmap(numax.grad(sc.hyp2f1, argnums=3)))(a, b, c, x)
    want = a * b / c * sp.hyp2f1(a + 1, b + 1, c + 1, x)
    np.testing.assert_allclose(np.asarray(derivative), want, rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("argnum", [0, 1, 2])
def test_parameters_are_not_differentiable(argnum):
    args = (0.7, 1.3, 2.2, 0.3)
    with pytest.raises(TypeError, match="hyp2f1 is differentiable in x only"):
        numax.grad(sc.hyp2f1, argnums=argnum)(*args)
    with pytest.raises(TypeError, match="hyp2f1 is differentiable in x only"):
        numax.jit(numax.grad(sc.hyp2f1, argnums=argnum))(*args)


def test_complex_input_is_a_type_error():
    with pytest.raises(TypeError, match="hyp2f1 takes real arguments"):
        sc.hyp2f1(1.0, 1.0, 2.0, jnp.asarray(0.5 + 0.1j))


@settings(max_examples=20, deadline=None)
@given(st.floats(-5, 5), st.floats(-5, 5), st.floats(0.3, 8), st.floats(-5, 0.98))
def test_hypothesis_matches_scipy(a, b, c, x):
    with numax.enable_x64():
        got = float(sc.hyp2f1(np.float64(a), np.float64(b), np.float64(c), np.float64(x)))
    want = sp.hyp2f1(a, b, c, x)
    assume(np.isfinite(want))   # SciPy returns NaN for some a within an ulp of an integer
    np.testing.assert_allclose(got, want, rtol=1e-7, atol=1e-12 * max(1.0, abs(want)))
