"""The Gauss hypergeometric function 2F1(a, b; c; x) for real arguments, behind
numax.scipy.special.hyp2f1 (which promotes and broadcasts the arguments first).

Owns the evaluation algorithm and its derivative. Every power series is summed by a
fixed-length loop at an argument in [0, 3/4], where it converges geometrically: x < 0
goes through Pfaff's transformation x -> x / (x - 1) (Abramowitz & Stegun 15.3.4), and an
argument past 3/4 through the 1 - x transformation (A&S 15.3.6; nearer 1/2 its two terms
cancel badly) or, when c - a - b is an integer and the Gamma functions of 15.3.6 have
poles, its logarithmic limit (A&S 15.3.10-15.3.12, with Euler's transformation 15.3.3
turning a negative integer into a positive one). A series that terminates (a, b, c - a or
c - b a non-positive integer) is summed as the polynomial it is. Special values follow
scipy.special.hyp2f1: Gauss's sum at x = 1, inf at x = 1 when c - a - b <= 0, inf at a
non-positive integer c unless the series ends first (NaN where a or b equals that c: a
0/0 that SciPy resolves by the order of its tests), inf for x > 1 unless the series
terminates. The derivative in x is (ab / c) 2F1(a + 1, b + 1; c + 1; x); a, b and c are
not differentiable.
"""

from typing import NamedTuple

import numpy as np

from numax import lax
from numax import numpy as jnp
from numax.custom_derivatives import custom_jvp

_EULER = 0.5772156649015329
# Length of every series: the terms at z <= 3/4 fall like (3/4)**k once k passes the
# parameters, so this covers |a|, |b|, |c| up to about 10 in float64. Polynomials of
# degree >= _TERMS and integer c - a - b >= _TERMS are out of reach and give NaN.
_TERMS = 200


def _nonpositive_integer(v):
    return (v <= 0) & (v == jnp.floor(v))


def _sum(step, init):
    """Runs `step(k, carry)` for k = 0, ..., _TERMS - 1 (k a float of the carry's dtype)."""
    dtype = init[0].dtype
    return lax.fori_loop(0, _TERMS, lambda k, carry: step(k.astype(dtype), carry), init)


def _nonzero(v):
    """v with zeros replaced by ones: a divisor for terms already known to be zero."""
    return jnp.where(v == 0, 1, v)


def _series(a, b, c, z):
    """sum_k (a)_k (b)_k / ((c)_k k!) z**k, exact once a or b reaches zero."""
    def step(k, carry):
        term, total = carry
        term = term * (a + k) * (b + k) / (_nonzero(c + k) * (k + 1)) * z
        return term, total + term
    one = jnp.ones_like(z)
    return _sum(step, (one, one))[1]


class _Gamma(NamedTuple):
    """Gamma(v) as log |Gamma(v)|, its sign and whether v is a pole: computed once per
    argument and shared by the formulas (each lgamma costs compile time)."""
    log: object
    sign: object
    pole: object


def _gamma(v):
    odd = lax.rem(jnp.floor(v), jnp.asarray(2, v.dtype)) != 0
    sign = jnp.where((v > 0) | ~odd, 1.0, -1.0).astype(v.dtype)
    return _Gamma(lax.lgamma(v), sign, _nonpositive_integer(v))


def _pick(condition, g, h):
    return _Gamma(*(jnp.where(condition, p, q) for p, q in zip(g, h)))


def _gamma_ratio(numerators, denominators):
    """prod Gamma(n) / prod Gamma(d), formed in logarithms so no factor overflows alone;
    zero where a denominator sits at a pole (the callers exclude numerator poles)."""
    log = sum(g.log for g in numerators) - sum(g.log for g in denominators)
    sign, pole = 1, False
    for g in (*numerators, *denominators):
        sign = sign * g.sign
    for g in denominators:
        pole = pole | g.pole
    return jnp.where(pole, 0, sign * jnp.exp(log))


def _one_minus_z(a, b, c, w, gammas):
    """A&S 15.3.6, 2F1(a, b; c; 1 - w) for non-integer s = c - a - b."""
    s = c - a - b
    g_a, g_b, g_c, g_ca, g_cb, g_s, g_minus_s = gammas
    first = _gamma_ratio([g_c, g_s], [g_ca, g_cb]) * _series(a, b, 1 - s, w)
    second = (_gamma_ratio([g_c, g_minus_s], [g_a, g_b]) * w ** s *
              _series(c - a, c - b, 1 + s, w))
    return first + second


def _one_minus_z_integer(a, b, c, w, gammas):
    """A&S 15.3.10-15.3.12, 2F1(a, b; c; 1 - w) for integer c - a - b, with a, b, c - a and
    c - b not non-positive integers (those series terminate and are summed directly)."""
    s = c - a - b
    g_a, g_b, g_c, g_ca, g_cb, g_s, g_minus_s = gammas
    # Euler's transformation 2F1(a,b;c;z) = w**s 2F1(c-a,c-b;c;z) makes s = m >= 0; then
    # a + m and b + m are b and a (flipped) or c - b and c - a (not).
    flip = s < 0
    prefactor = jnp.where(flip, w ** s, 1)
    g_am, g_bm = _pick(flip, g_b, g_cb), _pick(flip, g_a, g_ca)   # Gamma(a+m), Gamma(b+m)
    a, b = jnp.where(flip, c - a, a), jnp.where(flip, c - b, b)
    g_a, g_b = _pick(flip, g_ca, g_a), _pick(flip, g_cb, g_b)
    m = jnp.abs(s)
    g_m = _pick(flip, g_minus_s, g_s)

    def finite_step(n, carry):
        # sum_{n < m} (a)_n (b)_n / (n! (1 - m)_n) w**n
        term, total = carry
        total = total + jnp.where(n < m, term, 0)
        term = term * (a + n) * (b + n) * w / ((n + 1) * _nonzero(1 - m + n))
        return term, total
    zero, one = jnp.zeros_like(w), jnp.ones_like(w)
    finite = _sum(finite_step, (one, zero))[1]
    finite = jnp.where(m > 0, _gamma_ratio([g_m, g_c], [g_am, g_bm]) * finite, 0)

    def log_step(n, carry):
        # sum_n (a+m)_n (b+m)_n / (n! (n+m)!) w**n [ln w - psi(n+1) - psi(n+m+1)
        # + psi(a+n+m) + psi(b+n+m)], the digammas advanced by psi(v + 1) = psi(v) + 1/v
        term, total, psi_n, psi_nm, psi_a, psi_b = carry
        total = total + term * (jnp.log(w) - psi_n - psi_nm + psi_a + psi_b)
        term = term * (a + m + n) * (b + m + n) * w / ((n + 1) * (n + m + 1))
        return (term, total, psi_n + 1 / (n + 1), psi_nm + 1 / (n + m + 1),
                psi_a + 1 / (a + m + n), psi_b + 1 / (b + m + n))
    # 1 / m! = 1 / (m Gamma(m)) for m >= 1
    inverse_factorial = jnp.where(m > 0, jnp.exp(-jnp.log(_nonzero(m)) - g_m.log), 1)
    init = (inverse_factorial, zero, jnp.full_like(w, -_EULER), lax.digamma(m + 1),
            lax.digamma(a + m), lax.digamma(b + m))
    logarithmic = _sum(log_step, init)[1]
    sign = jnp.where(lax.rem(m, jnp.asarray(2, m.dtype)) == 0, -1.0, 1.0).astype(w.dtype)
    logarithmic = sign * _gamma_ratio([g_c], [g_a, g_b]) * w ** m * logarithmic
    return prefactor * (finite + logarithmic)


def _far(a, b, c, w):
    """2F1(a, b; c; 1 - w) for 0 <= w < 1/4 by the 1 - x transformations; at w = 0 Gauss's
    sum Gamma(c) Gamma(s) / (Gamma(c-a) Gamma(c-b)) where s = c - a - b > 0, else inf."""
    s = c - a - b
    gammas = (_gamma(a), _gamma(b), _gamma(c), _gamma(c - a), _gamma(c - b), _gamma(s),
              _gamma(-s))
    value = jnp.where(s == jnp.round(s), _one_minus_z_integer(a, b, c, w, gammas),
                      _one_minus_z(a, b, c, w, gammas))
    gauss = jnp.where(s > 0, _gamma_ratio(gammas[2:3] + gammas[5:6], gammas[3:5]), np.inf)
    return jnp.where(w == 0, gauss, value)


def _evaluate(a, b, c, x):
    dtype = x.dtype
    # Make a the parameter whose series ends first, so Pfaff's transformation (which
    # keeps a) keeps the series terminating.
    a_ends, b_ends = _nonpositive_integer(a), _nonpositive_integer(b)
    swap = b_ends & ~(a_ends & (a >= b))
    a, b = jnp.where(swap, b, a), jnp.where(swap, a, b)
    b_of_x = b                                         # b before Pfaff
    negative = x < 0
    z = jnp.where(negative, x / (x - 1), x)
    w = jnp.where(negative, 1 / (1 - x), 1 - x)        # 1 - z without cancellation
    prefactor = jnp.where(negative, w ** a, 1)
    b = jnp.where(negative, c - b, b)

    ends = ((_nonpositive_integer(a) & (-a < _TERMS)) |
            (_nonpositive_integer(b) & (-b < _TERMS)))
    flipped_ends = ((_nonpositive_integer(c - a) & (a - c < _TERMS)) |
                    (_nonpositive_integer(c - b) & (b - c < _TERMS)))
    s = c - a - b

    near = _series(a, b, c, z)
    flipped = w ** s * _series(c - a, c - b, c, z)
    far = jnp.where(jnp.abs(s) < _TERMS, _far(a, b, c, w), np.nan)
    # Near z = 1 the flipped polynomial is the better conditioned one (its factor w**s
    # carries the smallness), unless s < 0 makes that factor blow up.
    use_flipped = flipped_ends & (~ends | (s > 0)) & (z <= 1)
    value = jnp.where(use_flipped, flipped, jnp.where(ends | (z <= 0.75), near, far))
    value = jnp.where((z > 1) & ~ends, np.inf, prefactor * value)

    # c a non-positive integer: the series exists only if it ends before (c)_k reaches
    # zero (a, the earlier-ending parameter, above c); Euler's transformation does not
    # hold there. With a or b equal to c the terms are 0/0 and no value is defined.
    at_pole = jnp.where(_nonpositive_integer(a) & (a > c), prefactor * near,
                        jnp.where((a == c) | (b_of_x == c), np.nan, np.inf))
    value = jnp.where(_nonpositive_integer(c), at_pole, value)
    return jnp.where(x == 0, 1, value).astype(dtype)


@custom_jvp
def _hyp2f1(a, b, c, x):
    return _evaluate(a, b, c, x)


@_hyp2f1.defjvp
def _hyp2f1_jvp(primals, tangents):
    # a, b and c carry zero tangents here: _fixed_parameters stops any other.
    (a, b, c, x), (_, _, _, t) = primals, tangents
    return _hyp2f1(a, b, c, x), t * (a * b / c) * _hyp2f1(a + 1, b + 1, c + 1, x)


@custom_jvp
def _fixed_parameters(a, b, c):
    return a, b, c


@_fixed_parameters.defjvp
def _fixed_parameters_jvp(primals, tangents):
    # Runs only when a, b or c is being differentiated.
    raise TypeError("scipy.special.hyp2f1 is differentiable in x only: its derivatives "
                    "with respect to a, b and c are not implemented; hold them fixed "
                    "(e.g. with lax.stop_gradient)")


def hyp2f1(a, b, c, x):
    """2F1(a, b; c; x) on real floating arrays of one shape and dtype."""
    return _hyp2f1(*_fixed_parameters(a, b, c), x)
