"""numax.scipy.special: scipy.special's functions on numax arrays, with JAX's semantics.

Owns the special functions that numax.lax has no primitive for, written in lax and
numax.numpy only (so they work under jit, vmap and grad), plus SciPy's names and edge
conventions over the lax primitives it reuses (lgamma, digamma, igamma, erf, the Bessel
i0e/i1e, betainc, ...) and over numax.nn's softmax family and logsumexp. Where a
formula's derivative would meet a 0 * inf in an unused branch, or where the closed-form
derivative is cheaper than differentiating an iteration, a custom JVP states the
derivative. Algorithms: Weideman's rational approximation of the Faddeeva function
(wofz, erfcx, dawsn, fresnel), power series and continued fractions of fixed length
(the exponential integrals, sici, hyp1f1), Gauss-Legendre quadrature (owens_t), Miller's
backward recurrence (bessel_jn) and the normalised Legendre recurrence (sph_harm_y);
hyp2f1's series and transformations live in _hypergeometric.py.
Each public function is jitted as a whole, so an eager call runs one cached executable.
"""

import functools
import math
import operator
from fractions import Fraction

import numpy as np

from numax import lax
from numax import numpy as jnp
from numax.api import jit
from numax.core import dtypes
from numax.custom_derivatives import custom_jvp
from numax.nn import functions as _nn
from numax.numpy._promote import promote
from numax.scipy import _hypergeometric

_EULER = 0.5772156649015329          # the Euler-Mascheroni constant
_LOG_SQRT_2PI = 0.5 * math.log(2 * math.pi)


# ---------------------------------------------------------------- shared pieces

def _floats(name, *args):
    """The arguments promoted together to one real floating dtype (integers and bools
    take the default float); complex input is a TypeError."""
    args = promote(*args, name=f"scipy.special.{name}")
    args = [jnp.asarray(a) for a in args]
    dtype = args[0].dtype
    if dtypes.is_complex(dtype):
        raise TypeError(f"scipy.special.{name} takes real arguments, got {dtype.name}")
    if not dtypes.is_inexact(dtype):
        args = [a.astype(dtypes.to_inexact_dtype(dtype)) for a in args]
    return args


def _static_int(name, what, value, minimum=0):
    try:
        value = operator.index(value)
    except TypeError:
        raise TypeError(f"scipy.special.{name}: {what} must be a Python int (it fixes the "
                        f"shape or the length of the computation), got {value!r}") from None
    if value < minimum:
        raise ValueError(f"scipy.special.{name}: {what} must be >= {minimum}, got {value}")
    return value


def _no_exact(name, exact):
    if exact:
        raise ValueError(f"scipy.special.{name}: exact=True is not supported (it needs "
                         "arbitrary-precision integers); use exact=False")


def _safe(condition, x, fallback):
    """x where condition holds, else `fallback`: keeps the unused branch of a `where`
    finite, so its derivative (multiplied by a zero cotangent) is never 0 * inf."""
    return jnp.where(condition, x, fallback)


def _series(count, body, init, start=0):
    """`body(k, carry)` for k in range(start, start + count) with k as a float of the
    carry's dtype: a fixed-length sum or recurrence (a scan, so every mode of
    differentiation goes through it)."""
    dtype = jnp.asarray(init[0]).dtype
    real = dtypes.real_dtype(dtype) if dtypes.is_complex(dtype) else dtype
    return lax.fori_loop(start, start + count, lambda k, c: body(k.astype(real), c), init)


def _horner(coefficients, x):
    """sum_i c_i x**(n - i) for Python coefficients listed from the highest power."""
    total = jnp.zeros_like(x) + coefficients[0]
    for c in coefficients[1:]:
        total = total * x + c
    return total


def _is_f64(x):
    return jnp.asarray(x).dtype in (np.float64, np.complex128)


# ---------------------------------------------------------------- gamma family

@jit
def gammaln(x):
    """log |Gamma(x)| (scipy.special.gammaln); inf at the poles 0, -1, -2, ..."""
    x, = _floats("gammaln", x)
    return lax.lgamma(x)


@jit
def gammasgn(x):
    """The sign of Gamma(x): 1 for x > 0, alternating between the poles for x < 0,
    NaN at the poles -1, -2, ... (and the sign of zero at 0).

    >>> import numax.numpy as jnp, numax.scipy.special as sc
    >>> sc.gammasgn(jnp.array([2.0, -0.5, -1.5]))
    Array([ 1., -1.,  1.], dtype=float32)
    """
    x, = _floats("gammasgn", x)
    floor = lax.floor(x)
    odd = lax.rem(floor, jnp.asarray(2, x.dtype)) != 0
    sign = jnp.where(x > 0, 1.0, jnp.where(odd, -1.0, 1.0)).astype(x.dtype)
    sign = jnp.where(x == 0, jnp.copysign(jnp.ones_like(x), x), sign)
    return jnp.where(jnp.isnan(x) | ((x < 0) & (x == floor)), np.nan, sign)


@jit
def gamma(x):
    """The gamma function (scipy.special.gamma): inf at 0, NaN at -1, -2, ...

    >>> import numax.numpy as jnp, numax.scipy.special as sc
    >>> sc.gamma(jnp.array([1.0, 5.0]))
    Array([ 1., 24.], dtype=float32)
    """
    x, = _floats("gamma", x)
    return gammasgn(x) * jnp.exp(lax.lgamma(x))


@jit
def loggamma(x):
    """The principal branch of log Gamma(x) for real x: lgamma(x) for x >= 0, NaN for
    x < 0 (where the principal branch is complex, as in scipy.special.loggamma with a
    real argument). Complex arguments are not supported."""
    x, = _floats("loggamma", x)
    return jnp.where(x < 0, np.nan, lax.lgamma(x))


@jit
def digamma(x):
    """d/dx log Gamma(x) (scipy.special.digamma)."""
    x, = _floats("digamma", x)
    return lax.digamma(x)


@jit
def polygamma(n, x):
    """The n-th derivative of digamma (scipy.special.polygamma); n holds non-negative
    integers. Differentiable in x only."""
    n, x = _floats("polygamma", n, x)
    n, x = jnp.broadcast_arrays(n, x)
    return lax.polygamma(n, x)


@jit
def _hurwitz_zeta(x, q):
    x, q = _floats("zeta", x, q)
    x, q = jnp.broadcast_arrays(x, q)
    return lax.zeta(x, q)


def zeta(x, q=None):
    """The Hurwitz zeta function sum_k (k + q)**-x, or Riemann's (q = 1) when q is None
    (scipy.special.zeta). Differentiable in q only."""
    return _hurwitz_zeta(x, 1.0 if q is None else q)


@jit
def betaln(a, b):
    """log |B(a, b)| = log |Gamma(a) Gamma(b) / Gamma(a + b)| (scipy.special.betaln)."""
    a, b = _floats("betaln", a, b)
    return lax.lgamma(a) + lax.lgamma(b) - lax.lgamma(a + b)


@jit
def beta(a, b):
    """The beta function Gamma(a) Gamma(b) / Gamma(a + b) (scipy.special.beta).

    >>> import numax.scipy.special as sc
    >>> float(sc.beta(2.0, 3.0))  # doctest: +ELLIPSIS
    0.0833...
    """
    a, b = _floats("beta", a, b)
    sign = gammasgn(a) * gammasgn(b) * gammasgn(a + b)
    return sign * jnp.exp(betaln(a, b))


@jit
def betainc(a, b, x):
    """The regularized incomplete beta function I_x(a, b) (scipy.special.betainc): NaN
    where a <= 0, b <= 0 or x is outside [0, 1]. Differentiable in x only."""
    a, b, x = jnp.broadcast_arrays(*_floats("betainc", a, b, x))
    return lax.betainc(a, b, x)


@jit
def gammainc(a, x):
    """The regularized lower incomplete gamma function P(a, x) (scipy.special.gammainc):
    NaN where a <= 0 or x < 0. Differentiable in x only."""
    a, x = jnp.broadcast_arrays(*_floats("gammainc", a, x))
    return lax.igamma(a, x)


@jit
def gammaincc(a, x):
    """The regularized upper incomplete gamma function Q(a, x) = 1 - P(a, x)
    (scipy.special.gammaincc). Differentiable in x only."""
    a, x = jnp.broadcast_arrays(*_floats("gammaincc", a, x))
    return lax.igammac(a, x)


@jit
def _factorial(n):
    n, = _floats("factorial", n)
    return jnp.where(n < 0, 0, jnp.exp(lax.lgamma(_safe(n < 0, 0.0, n) + 1)))


def factorial(n, exact=False):
    """n! as Gamma(n + 1) in floating point, 0 for n < 0 (scipy.special.factorial with
    exact=False; exact=True is not supported).

    >>> import numax.scipy.special as sc
    >>> float(sc.factorial(5))
    120.0
    """
    _no_exact("factorial", exact)
    return _factorial(n)


def _comb(n, k, repetition):
    n, k = _floats("comb", n, k)
    if repetition:
        n = n + k - 1
    valid = (n >= 0) & (k >= 0) & (k <= n)
    n, k = _safe(valid, n, 1.0), _safe(valid, k, 0.0)
    value = jnp.exp(lax.lgamma(n + 1) - lax.lgamma(k + 1) - lax.lgamma(n - k + 1))
    return jnp.where(valid, value, 0)


_comb_jit = jit(_comb, static_argnums=(2,))


def comb(N, k, *, exact=False, repetition=False):
    """N choose k in floating point via the log-gamma function (scipy.special.comb);
    0 where N < 0, k < 0 or (without repetition) k > N. exact=True is not supported.

    >>> import numax.scipy.special as sc
    >>> round(float(sc.comb(10, 3)))
    120
    """
    _no_exact("comb", exact)
    return _comb_jit(N, k, bool(repetition))


@jit
def poch(z, m):
    """The rising factorial (z)_m = Gamma(z + m) / Gamma(z) (scipy.special.poch)."""
    z, m = _floats("poch", z, m)
    sign = gammasgn(z + m) * gammasgn(z)
    value = sign * jnp.exp(lax.lgamma(z + m) - lax.lgamma(z))
    return jnp.where(m == 0, jnp.ones_like(value), value)


def _multigammaln(a, d):
    a, = _floats("multigammaln", a)
    total = jnp.zeros_like(a) + d * (d - 1) / 4 * math.log(math.pi)
    for j in range(d):
        total = total + lax.lgamma(a - j / 2)
    return total


_multigammaln_jit = jit(_multigammaln, static_argnums=(1,))


def multigammaln(a, d):
    """The log of the multivariate gamma function of dimension d (a Python int):
    d (d - 1) / 4 log(pi) + sum_j lgamma(a - j / 2) (scipy.special.multigammaln)."""
    return _multigammaln_jit(a, _static_int("multigammaln", "d", d, minimum=1))


def bernoulli(n):
    """The Bernoulli numbers B_0 ... B_n (n a Python int) as an array, with B_1 = -1/2
    (scipy.special.bernoulli).

    >>> import numax.scipy.special as sc
    >>> sc.bernoulli(2)
    Array([ 1.        , -0.5       ,  0.16666667], dtype=float32)
    """
    n = _static_int("bernoulli", "n", n)
    return jnp.asarray(np.array([float(b) for b in _bernoulli_numbers(n)]),
                       dtype=dtypes.default_float_dtype())


def _bernoulli_numbers(n):
    """B_0 ... B_n exactly, by the Akiyama-Tanigawa algorithm (which gives B_1 = +1/2;
    SciPy's convention is -1/2)."""
    row, numbers = [], []
    for m in range(n + 1):
        row.append(Fraction(1, m + 1))
        for j in range(m, 0, -1):
            row[j - 1] = j * (row[j - 1] - row[j])
        numbers.append(row[0])
    if n >= 1:
        numbers[1] = -numbers[1]
    return numbers


# ---------------------------------------------------------------- error function family

@jit
def erf(x):
    """The error function (scipy.special.erf)."""
    x, = _floats("erf", x)
    return lax.erf(x)


@jit
def erfc(x):
    """1 - erf(x), accurate where erf(x) is close to 1 (scipy.special.erfc)."""
    x, = _floats("erfc", x)
    return lax.erfc(x)


@jit
def erfinv(x):
    """The inverse of erf on [-1, 1] (scipy.special.erfinv)."""
    x, = _floats("erfinv", x)
    return lax.erf_inv(x)


def _weideman_coefficients(terms=40):
    """Weideman's (1994) rational approximation of the Faddeeva function in the upper
    half-plane, w(z) = 2 p(Z) / (L - iz)**2 + 1 / (sqrt(pi) (L - iz)) with
    Z = (L + iz) / (L - iz): the polynomial p's coefficients (highest power first) are
    Fourier coefficients of a transformed exp(-t**2), computed here by FFT. 40 terms
    give about 1e-14 relative accuracy over the upper half-plane."""
    m = 2 * terms
    scale = math.sqrt(terms / math.sqrt(2))
    k = np.arange(-m + 1, m)
    t = scale * np.tan(k * np.pi / m / 2)
    samples = np.concatenate([[0.0], np.exp(-t * t) * (scale * scale + t * t)])
    fourier = np.real(np.fft.fft(np.fft.fftshift(samples))) / (2 * m)
    return scale, tuple(float(c) for c in fourier[1:terms + 1][::-1])


_WEIDEMAN_SCALE, _WEIDEMAN = _weideman_coefficients()
_INV_SQRT_PI = 1 / math.sqrt(math.pi)


def _faddeeva_upper(z):
    """w(z) for Im z >= 0 (complex z)."""
    denominator = _WEIDEMAN_SCALE - 1j * z
    polynomial = _horner(_WEIDEMAN, (_WEIDEMAN_SCALE + 1j * z) / denominator)
    return (2 * polynomial / denominator + _INV_SQRT_PI) / denominator


@custom_jvp
def _wofz(z):
    upper = jnp.imag(z) >= 0
    w = _faddeeva_upper(jnp.where(upper, z, -z))
    # w(z) = 2 exp(-z**2) - w(-z) continues it to the lower half-plane.
    return jnp.where(upper, w, 2 * jnp.exp(-z * z) - w)


@_wofz.defjvp
def _wofz_jvp(primals, tangents):
    (z,), (t,) = primals, tangents
    w = _wofz(z)
    return w, t * (2j * _INV_SQRT_PI - 2 * z * w)


@jit
def wofz(z):
    """The Faddeeva function w(z) = exp(-z**2) erfc(-iz) (scipy.special.wofz); real
    input gives a complex result.

    >>> import numax.scipy.special as sc
    >>> complex(sc.wofz(0.0))
    (1+0j)
    """
    z = jnp.asarray(z)
    if not dtypes.is_complex(z.dtype):
        z = z.astype(dtypes.to_complex_dtype(dtypes.to_inexact_dtype(z.dtype)))
    return _wofz(z)


@custom_jvp
def _erfcx(x):
    y = jnp.abs(x)
    # w(iy) for real y >= 0 is real: Weideman's form in real arithmetic.
    denominator = _WEIDEMAN_SCALE + y
    polynomial = _horner(_WEIDEMAN, (_WEIDEMAN_SCALE - y) / denominator)
    positive = (2 * polynomial / denominator + _INV_SQRT_PI) / denominator
    # erfcx(-y) = 2 exp(y**2) - erfcx(y).
    return jnp.where(x < 0, 2 * jnp.exp(x * x) - positive, positive)


_erfcx.defjvps(lambda t, out, x: t * (2 * x * out - 2 * _INV_SQRT_PI))


@jit
def erfcx(x):
    """The scaled complementary error function exp(x**2) erfc(x) (scipy.special.erfcx),
    accurate for large positive x where erfc underflows."""
    x, = _floats("erfcx", x)
    return _erfcx(x)


@custom_jvp
def _dawsn(x):
    # Near 0, Im w(x) is a difference of nearly equal terms: use the Taylor series
    # D(x) = sum_k (-2)**k x**(2k+1) / (2k+1)!!, whose terms fall by 2x**2/(2k+3).
    small = jnp.abs(x) < 0.2
    xs = _safe(small, x, 0.0)
    term, series = xs, xs
    for k in range(1, 12):
        term = term * (-2 * xs * xs) / (2 * k + 1)
        series = series + term
    complex_x = _safe(small, 1.0, x).astype(dtypes.to_complex_dtype(x.dtype))
    large = 0.5 * math.sqrt(math.pi) * jnp.imag(_faddeeva_upper(complex_x))
    return jnp.where(small, series, large)


_dawsn.defjvps(lambda t, out, x: t * (1 - 2 * x * out))


@jit
def dawsn(x):
    """Dawson's integral exp(-x**2) int_0^x exp(t**2) dt (scipy.special.dawsn)."""
    x, = _floats("dawsn", x)
    return _dawsn(x)


@custom_jvp
def _fresnel(x):
    magnitude = jnp.abs(x)
    # Small |x|: the power series (the Weideman form cancels there).
    small = magnitude < 1.6
    xs = _safe(small, magnitude, 0.0)
    quarter_turn = (math.pi / 2) ** 2 * xs ** 4
    c_term, s_term = xs, (math.pi / 2) * xs ** 3
    c_sum, s_sum = c_term, s_term / 3
    for k in range(1, 20):
        c_term = -c_term * quarter_turn / ((2 * k - 1) * (2 * k))
        s_term = -s_term * quarter_turn / ((2 * k) * (2 * k + 1))
        c_sum, s_sum = c_sum + c_term / (4 * k + 1), s_sum + s_term / (4 * k + 3)
    # Large |x|: C + iS = (1 + i)/2 (1 - exp(i pi x**2/2) w((1 + i) sqrt(pi) x / 2)).
    xl = _safe(small, 1.6, magnitude).astype(dtypes.to_complex_dtype(x.dtype))
    phase = jnp.exp(1j * (math.pi / 2) * xl * xl)
    value = (0.5 + 0.5j) * (1 - phase * _faddeeva_upper((0.5 + 0.5j) * math.sqrt(math.pi) * xl))
    sign = jnp.sign(x)
    return (sign * jnp.where(small, s_sum, jnp.imag(value)),
            sign * jnp.where(small, c_sum, jnp.real(value)))


@_fresnel.defjvp
def _fresnel_jvp(primals, tangents):
    (x,), (t,) = primals, tangents
    s, c = _fresnel(x)
    angle = (math.pi / 2) * x * x
    return (s, c), (t * jnp.sin(angle), t * jnp.cos(angle))


@jit
def fresnel(x):
    """The Fresnel integrals (S(x), C(x)) = int_0^x (sin, cos)(pi t**2 / 2) dt
    (scipy.special.fresnel, same order of results)."""
    x, = _floats("fresnel", x)
    return _fresnel(x)


# ---------------------------------------------------------------- normal distribution

_SQRT_HALF = math.sqrt(0.5)


@jit
def ndtr(x):
    """The standard normal CDF (scipy.special.ndtr), as erfc(-x / sqrt 2) / 2 so the
    lower tail keeps its relative accuracy."""
    x, = _floats("ndtr", x)
    return 0.5 * lax.erfc(-x * _SQRT_HALF)


def _log_ndtr_bounds(dtype):
    """(lower, upper): below lower the asymptotic series, above upper -ndtr(-x)."""
    return (-20.0, 8.0) if dtype == np.float64 else (-10.0, 5.0)


@custom_jvp
def _log_ndtr(x):
    lower, upper = _log_ndtr_bounds(x.dtype)
    # Middle: log of the CDF; the upper tail uses log1p(-Q) ~ -Q.
    middle = _safe((x >= lower) & (x <= upper), x, 0.0)
    direct = jnp.where(middle > 0, jnp.log1p(-ndtr(-middle)), jnp.log(ndtr(middle)))
    top = -ndtr(-_safe(x > upper, x, upper))
    # Lower tail: log Phi(x) = -x**2/2 - log(-x) - log(sqrt(2 pi))
    #   + log(1 + sum_k (-1)**k (2k - 1)!! / x**(2k)).
    tail = _safe(x < lower, x, lower)
    inverse_square = 1 / (tail * tail)
    term, correction = jnp.ones_like(tail), jnp.zeros_like(tail)
    for k in range(1, 10):
        term = -term * (2 * k - 1) * inverse_square
        correction = correction + term
    asymptotic = (-0.5 * tail * tail - jnp.log(-tail) - _LOG_SQRT_2PI
                  + jnp.log1p(correction))
    return jnp.where(x < lower, asymptotic, jnp.where(x > upper, top, direct))


# d/dx log Phi(x) = phi(x) / Phi(x), formed in logs so the lower tail does not overflow.
_log_ndtr.defjvps(lambda t, out, x: t * jnp.exp(-0.5 * x * x - _LOG_SQRT_2PI - out))


@jit
def log_ndtr(x):
    """log of the standard normal CDF (scipy.special.log_ndtr), accurate in both tails
    (an asymptotic series far in the lower tail).

    >>> import numax.scipy.special as sc
    >>> float(sc.log_ndtr(-40.0))  # doctest: +ELLIPSIS
    -804.6...
    """
    x, = _floats("log_ndtr", x)
    return _log_ndtr(x)


@custom_jvp
def _ndtri(p):
    # Centre: sqrt(2) erfinv(2p - 1). Tails (min(p, 1 - p) < 0.02, where 2p - 1 loses
    # the digits of p): Newton's method on log_ndtr(x) = log(q) from the leading
    # asymptotic root, converging quadratically.
    q = jnp.minimum(p, 1 - p)
    centre = math.sqrt(2) * lax.erf_inv(2 * p - 1)
    tail_q = _safe((q > 0) & (q < 0.02), q, 0.01)
    log_q = jnp.log(tail_q)
    t = jnp.sqrt(-2 * log_q)
    x = -(t - jnp.log(t * math.sqrt(2 * math.pi)) / t)
    for _ in range(4):
        log_cdf = _log_ndtr(x)
        x = x - (log_cdf - log_q) * jnp.exp(log_cdf + 0.5 * x * x + _LOG_SQRT_2PI)
    tail = jnp.where(p > 0.5, -x, x)
    result = jnp.where((q > 0) & (q < 0.02), tail, centre)
    result = jnp.where(p == 0, -np.inf, jnp.where(p == 1, np.inf, result))
    return jnp.where((p < 0) | (p > 1), np.nan, result)


_ndtri.defjvps(lambda t, out, p: t * jnp.exp(0.5 * out * out + _LOG_SQRT_2PI))


@jit
def ndtri(p):
    """The inverse of ndtr (scipy.special.ndtri): -inf at 0, inf at 1, NaN outside [0, 1].

    >>> import numax.scipy.special as sc
    >>> float(sc.ndtri(0.5))
    0.0
    """
    p, = _floats("ndtri", p)
    return _ndtri(p)


@custom_jvp
def _owens_t_core(h, a):
    h = jnp.abs(h)
    sign = jnp.sign(a)
    a = jnp.abs(a)
    # |a| <= 1: Gauss-Legendre quadrature of exp(-h**2 (1 + x**2) / 2) / (1 + x**2)
    # over [0, a]; |a| > 1: T(h, a) = (Phi(h) Q(ah) + Phi(ah) Q(h)) / 2 - T(ah, 1/a).
    small = a <= 1
    inverse = 1 / _safe(small, 1.0, a)
    ah = a * h
    reflected = 0.5 * (ndtr(h) * ndtr(-ah) + ndtr(ah) * ndtr(-h)) - _owens_t_quadrature(
        ah, inverse)
    direct = _owens_t_quadrature(h, _safe(small, a, 0.0))
    return sign * jnp.where(small, direct, reflected)


_GAUSS_LEGENDRE = np.polynomial.legendre.leggauss(64)


def _owens_t_quadrature(h, a):
    nodes, weights = _GAUSS_LEGENDRE
    expand = (slice(None),) + (None,) * h.ndim
    x = (nodes[expand] + 1) / 2 * a
    one_plus = 1 + x * x
    integrand = jnp.exp(-0.5 * (h * h) * one_plus) / one_plus
    total = jnp.sum(weights[expand].astype(h.dtype) * integrand, axis=0)
    return total * a / (4 * math.pi)


@_owens_t_core.defjvp
def _owens_t_jvp(primals, tangents):
    (h, a), (t_h, t_a) = primals, tangents
    out = _owens_t_core(h, a)
    d_h = -0.5 * jnp.exp(-0.5 * h * h - _LOG_SQRT_2PI) * lax.erf(a * h * _SQRT_HALF)
    d_a = jnp.exp(-0.5 * h * h * (1 + a * a)) / (2 * math.pi * (1 + a * a))
    return out, t_h * d_h + t_a * d_a


@jit
def owens_t(h, a):
    """Owen's T function (1/2pi) int_0^a exp(-h**2 (1 + x**2)/2) / (1 + x**2) dx
    (scipy.special.owens_t)."""
    h, a = jnp.broadcast_arrays(*_floats("owens_t", h, a))
    return _owens_t_core(h, a)


# ---------------------------------------------------------------- logistic and entropies

@jit
def expit(x):
    """The logistic sigmoid 1 / (1 + exp(-x)) (scipy.special.expit)."""
    x, = _floats("expit", x)
    return lax.logistic(x)


@jit
def logit(p):
    """log(p / (1 - p)), the inverse of expit (scipy.special.logit)."""
    p, = _floats("logit", p)
    return jnp.log(p / (1 - p))


@custom_jvp
def _xlogy(x, y):
    return jnp.where(x == 0, jnp.zeros_like(x), x * jnp.log(y))


# d/dy x log y = x / y, taken as 0 where x = 0 (the function is 0 there for every y).
_xlogy.defjvps(lambda t, out, x, y: t * jnp.log(y),
               lambda t, out, x, y: t * jnp.where(x == 0, 0, x / _safe(x == 0, 1.0, y)))


@jit
def xlogy(x, y):
    """x * log(y), defined as 0 where x = 0 (also at y = 0) (scipy.special.xlogy).

    >>> import numax.scipy.special as sc
    >>> float(sc.xlogy(0.0, 0.0))
    0.0
    """
    x, y = jnp.broadcast_arrays(*_floats("xlogy", x, y))
    return _xlogy(x, y)


@custom_jvp
def _xlog1py(x, y):
    return jnp.where(x == 0, jnp.zeros_like(x), x * jnp.log1p(y))


_xlog1py.defjvps(lambda t, out, x, y: t * jnp.log1p(y),
                 lambda t, out, x, y: t * jnp.where(x == 0, 0,
                                                    x / _safe(x == 0, 1.0, 1 + y)))


@jit
def xlog1py(x, y):
    """x * log1p(y), defined as 0 where x = 0 (scipy.special.xlog1py)."""
    x, y = jnp.broadcast_arrays(*_floats("xlog1py", x, y))
    return _xlog1py(x, y)


@jit
def entr(x):
    """The elementwise entropy -x log x: 0 at 0, -inf for x < 0 (scipy.special.entr)."""
    x, = _floats("entr", x)
    return jnp.where(x < 0, -np.inf, -_xlogy(x, _safe(x < 0, 1.0, x)))


@jit
def rel_entr(x, y):
    """x log(x / y) for x, y > 0; 0 where x = 0 and y >= 0; inf otherwise
    (scipy.special.rel_entr)."""
    x, y = jnp.broadcast_arrays(*_floats("rel_entr", x, y))
    positive = (x > 0) & (y > 0)
    value = _xlogy(x, _safe(positive, x, 1.0) / _safe(positive, y, 1.0))
    return jnp.where(positive, value, jnp.where((x == 0) & (y >= 0), 0, np.inf))


@jit
def kl_div(x, y):
    """x log(x / y) - x + y for x, y > 0; y where x = 0 and y >= 0; inf otherwise
    (scipy.special.kl_div)."""
    x, y = jnp.broadcast_arrays(*_floats("kl_div", x, y))
    positive = (x > 0) & (y > 0)
    value = rel_entr(x, y) - x + y
    return jnp.where(positive, value, jnp.where((x == 0) & (y >= 0), y, np.inf))


@jit
def boxcox(x, lmbda):
    """The Box-Cox transform (x**lmbda - 1) / lmbda, log(x) at lmbda = 0
    (scipy.special.boxcox)."""
    x, lmbda = _floats("boxcox", x, lmbda)
    return _boxcox_of_log(jnp.log(x), lmbda)


@jit
def boxcox1p(x, lmbda):
    """The Box-Cox transform of 1 + x, accurate for small x (scipy.special.boxcox1p)."""
    x, lmbda = _floats("boxcox1p", x, lmbda)
    return _boxcox_of_log(jnp.log1p(x), lmbda)


def _boxcox_of_log(log_x, lmbda):
    nonzero = lmbda != 0
    safe_lmbda = _safe(nonzero, lmbda, 1.0)
    return jnp.where(nonzero, jnp.expm1(safe_lmbda * log_x) / safe_lmbda, log_x)


def softmax(x, axis=None):
    """exp(x) / sum(exp(x)) over axis (all axes by default, as SciPy)."""
    return _nn.softmax(x, axis=axis)


def log_softmax(x, axis=None):
    """x - logsumexp(x) over axis (all axes by default, as SciPy)."""
    return _nn.log_softmax(x, axis=axis)


logsumexp = _nn.logsumexp


# ---------------------------------------------------------------- Bessel functions

@jit
def i0e(x):
    """exp(-|x|) I0(x), the exponentially scaled modified Bessel function of order 0."""
    x, = _floats("i0e", x)
    return lax.bessel_i0e(x)


@jit
def i1e(x):
    """exp(-|x|) I1(x), the exponentially scaled modified Bessel function of order 1."""
    x, = _floats("i1e", x)
    return lax.bessel_i1e(x)


@custom_jvp
def _i0(x):
    return jnp.exp(jnp.abs(x)) * lax.bessel_i0e(x)


@custom_jvp
def _i1(x):
    return jnp.exp(jnp.abs(x)) * lax.bessel_i1e(x)


# I0' = I1 and I1' = I0 - I1 / x (1/2 at 0): smooth through 0, where exp(|x|) is not.
_i0.defjvps(lambda t, out, x: t * _i1(x))
_i1.defjvps(lambda t, out, x: t * jnp.where(x == 0, 0.5,
                                            _i0(x) - out / _safe(x == 0, 1.0, x)))


@jit
def i0(x):
    """The modified Bessel function of order 0 (scipy.special.i0)."""
    x, = _floats("i0", x)
    return _i0(x)


@jit
def i1(x):
    """The modified Bessel function of order 1 (scipy.special.i1)."""
    x, = _floats("i1", x)
    return _i1(x)


def _miller(z, v, n_iter):
    """J_0(z) ... J_v(z) by Miller's algorithm: the recurrence f_{k-1} = (2k / z) f_k -
    f_{k+1}, run downward from f_{n_iter} = 1, f_{n_iter + 1} = 0, is stable and
    proportional to J_k; the identity J_0 + 2 sum_m J_{2m} = 1 fixes the factor. The
    values are rescaled whenever they grow past 1, so small z does not overflow."""
    zero = z == 0
    inverse = 1 / _safe(zero, 1.0, z)
    orders = jnp.arange(v + 1).reshape((v + 1,) + (1,) * z.ndim)

    def body(j, carry):
        upper, current, norm, kept = carry
        k = n_iter - j
        kept = jnp.where(orders == k, current, kept)
        norm = norm + jnp.where(k % 2 == 0, 2 * current, 0)
        lower = 2 * k.astype(z.dtype) * inverse * current - upper
        scale = 1 / jnp.maximum(jnp.abs(lower), 1.0)
        return current * scale, lower * scale, norm * scale, kept * scale
    init = (jnp.zeros_like(z), jnp.ones_like(z), jnp.zeros_like(z),
            jnp.zeros((v + 1,) + z.shape, z.dtype))
    _, current, norm, kept = lax.fori_loop(0, n_iter, body, init)
    kept = jnp.where(orders == 0, current, kept)
    values = kept / (norm + current)
    # J_0(0) = 1 and J_k(0) = 0 for k > 0.
    return jnp.where(zero, (orders == 0).astype(z.dtype), values)


@functools.partial(custom_jvp, nondiff_argnums=(1, 2))
def _bessel_jn_core(z, v, n_iter):
    return _miller(z, v, n_iter)


@_bessel_jn_core.defjvp
def _bessel_jn_jvp(v, n_iter, primals, tangents):
    # J_0' = -J_1 and J_k' = (J_{k-1} - J_{k+1}) / 2, from one more order.
    (z,), (t,) = primals, tangents
    values = _miller(z, v + 1, n_iter)
    slope = jnp.concatenate([-values[1:2], 0.5 * (values[:v] - values[2:])])
    return values[:v + 1], t * slope


def _bessel_jn(z, v, n_iter):
    z, = _floats("bessel_jn", z)
    return _bessel_jn_core(z, v, n_iter)


_bessel_jn_jit = jit(_bessel_jn, static_argnums=(1, 2))


def bessel_jn(z, *, v, n_iter=50):
    """The Bessel functions of the first kind J_0(z) ... J_v(z) (v a Python int), stacked
    along a new leading axis of length v + 1. Computed by Miller's backward recurrence
    from order n_iter, which must exceed both v and |z| by a margin for full accuracy."""
    v = _static_int("bessel_jn", "v", v)
    n_iter = _static_int("bessel_jn", "n_iter", n_iter, minimum=1)
    if n_iter <= v:
        raise ValueError(f"scipy.special.bessel_jn: n_iter ({n_iter}) must exceed the "
                         f"highest order v ({v})")
    return _bessel_jn_jit(z, v, n_iter)


# ---------------------------------------------------------------- spherical harmonics

def _sph_harm_y(n, m, theta, phi, n_max):
    theta, phi = jnp.broadcast_arrays(*_floats("sph_harm_y", theta, phi))
    n, m = jnp.asarray(n), jnp.asarray(m)
    if not (dtypes.is_integer(n.dtype) and dtypes.is_integer(m.dtype)):
        raise TypeError(f"scipy.special.sph_harm_y: n and m must be integer arrays, got "
                        f"{n.dtype.name} and {m.dtype.name}")
    shape = jnp.broadcast_shapes(n.shape, m.shape, theta.shape)
    n, m, theta, phi = (jnp.broadcast_to(v, shape) for v in (n, m, theta, phi))
    cos, sin = jnp.cos(theta), jnp.sin(theta)
    # The orthonormal associated Legendre functions (Condon-Shortley phase included),
    # P_l^k for 0 <= k <= l <= n_max: first the diagonal P_k^k, then upward in l:
    #   P_l^k = a_lk (cos P_{l-1}^k - P_{l-2}^k / a_{l-1,k}),
    #   a_lk = sqrt((4 l**2 - 1) / (l**2 - k**2)).
    diagonal = [jnp.full(shape, 1 / math.sqrt(4 * math.pi), theta.dtype)]
    for k in range(1, n_max + 1):
        diagonal.append(-math.sqrt((2 * k + 1) / (2 * k)) * sin * diagonal[-1])
    legendre = {}
    for k in range(n_max + 1):
        previous, current = None, diagonal[k]
        legendre[(k, k)] = current
        for degree in range(k + 1, n_max + 1):
            factor = math.sqrt((4 * degree * degree - 1) / (degree * degree - k * k))
            if previous is None:
                following = factor * cos * current
            else:
                prior = math.sqrt((4 * (degree - 1) ** 2 - 1) / ((degree - 1) ** 2 - k * k))
                following = factor * (cos * current - previous / prior)
            previous, current = current, following
            legendre[(degree, k)] = current
    order = jnp.abs(m)
    value = jnp.zeros(shape, theta.dtype)
    for (degree, k), p in legendre.items():
        value = jnp.where((n == degree) & (order == k), p, value)
    # Y_n^{-m} = (-1)**m conj(Y_n^m): the real factor (-1)**m for negative orders.
    value = jnp.where((m < 0) & (order % 2 == 1), -value, value)
    angle = m.astype(theta.dtype) * phi
    return value * jnp.exp(1j * angle)


_sph_harm_y_jit = jit(_sph_harm_y, static_argnums=(4,))


def sph_harm_y(n, m, theta, phi, diff_n=None, n_max=None):
    """The spherical harmonics Y_n^m(theta, phi) with the Condon-Shortley phase, theta the
    polar and phi the azimuthal angle (scipy.special.sph_harm_y). n_max, the largest
    degree, must be given when n is traced; |m| > n gives 0. diff_n (derivatives) is not
    supported."""
    if diff_n not in (None, 0):
        raise ValueError("scipy.special.sph_harm_y: diff_n (derivatives of the harmonics) "
                         "is not supported; leave it None")
    if n_max is None:
        try:
            n_max = int(np.max(np.asarray(n)))
        except Exception:
            raise TypeError("scipy.special.sph_harm_y: n is traced, so its maximum is "
                            "unknown; pass n_max (a Python int)") from None
    n_max = _static_int("sph_harm_y", "n_max", n_max)
    return _sph_harm_y_jit(n, m, theta, phi, n_max)


# ---------------------------------------------------------------- exponential integrals

def _expn_series(n, x):
    """E_n(x) for 0 < x <= 2 and n >= 1: (-x)**(n-1) / (n-1)! (psi(n) - log x) minus
    sum_{k != n-1} (-x)**k / ((k - n + 1) k!)."""
    def body(k, carry):
        term, total, pole = carry
        term = jnp.where(k > 0, term * -x / jnp.maximum(k, 1), term)
        at_pole = k == n - 1
        total = total + jnp.where(at_pole, 0, term / _safe(at_pole, 1.0, k - n + 1))
        return term, total, pole + jnp.where(at_pole, term, 0)
    zeros = jnp.zeros_like(x)
    _, total, pole = _series(50, body, (jnp.ones_like(x), zeros, zeros))
    return pole * (lax.digamma(jnp.maximum(n, 1)) - jnp.log(x)) - total


def _expn_fraction(n, x):
    """E_n(x) for x > 2 by the continued fraction exp(-x) / (x + n - 1 n / (x + n + 2 -
    2 (n + 1) / (x + n + 4 - ...))), evaluated from a fixed depth upward."""
    def body(j, carry):
        k = 60 - j
        return (k * (n + k - 1) / (x + n + 2 * k - carry[0]),)
    fraction, = _series(60, body, (jnp.zeros_like(x),))
    return jnp.exp(-x) / (x + n - fraction)


@custom_jvp
def _expn(n, x):
    valid = (n >= 0) & (x >= 0) & (n == jnp.floor(n))
    positive = _safe(valid & (x > 0), x, 1.0)
    order = _safe(valid, n, 1.0)
    small = positive <= 2
    value = jnp.where(small, _expn_series(order, _safe(small, positive, 1.0)),
                      _expn_fraction(order, _safe(small, 3.0, positive)))
    value = jnp.where(order == 0, jnp.exp(-positive) / positive, value)
    at_zero = jnp.where(order <= 1, np.inf, 1 / _safe(order <= 1, 2.0, order - 1))
    value = jnp.where(x == 0, at_zero, value)
    return jnp.where(valid, value, np.nan)


@_expn.defjvp
def _expn_jvp(primals, tangents):
    # d/dx E_n = -E_{n-1}, with E_{-1}(x) = exp(-x) (1/x + 1/x**2); n takes integer
    # values only and has no derivative.
    (n, x), (_, t) = primals, tangents
    out = _expn(n, x)
    below = _expn(jnp.maximum(n - 1, 0), x)
    e_minus_one = jnp.exp(-x) * (1 / x + 1 / (x * x))
    return out, -t * jnp.where(n == 0, e_minus_one, below)


@jit
def expn(n, x):
    """The generalized exponential integral E_n(x) = int_1^inf exp(-x t) / t**n dt for
    integer n >= 0 and x >= 0 (scipy.special.expn); NaN elsewhere. Differentiable in x."""
    n, x = jnp.broadcast_arrays(*_floats("expn", n, x))
    return _expn(n, x)


@jit
def exp1(x):
    """The exponential integral E_1(x) for x >= 0 (NaN for x < 0; scipy.special.exp1
    with a real argument)."""
    x, = _floats("exp1", x)
    return _expn(jnp.ones_like(x), x)


@custom_jvp
def _expi(x):
    # x < 0: Ei(x) = -E_1(-x). 0 < x <= 40: gamma + log x + sum_k x**k / (k k!), all
    # terms positive. x > 40: the asymptotic series exp(x)/x sum_k k! / x**k.
    negative = x < 0
    e1 = _expn(jnp.ones_like(x), _safe(negative, -x, 1.0))
    middle = _safe((x > 0) & (x <= 40), x, 1.0)

    def body(k, carry):
        term, total = carry
        term = term * middle / k
        return term, total + term / k
    total = _series(140, body, (jnp.ones_like(x), jnp.zeros_like(x)), start=1)[1]
    series = _EULER + jnp.log(middle) + total
    large = _safe(x > 40, x, 41.0)
    term, asymptotic = jnp.ones_like(x), jnp.ones_like(x)
    for k in range(1, 40):
        term = term * k / large
        asymptotic = asymptotic + term
    asymptotic = jnp.exp(large) / large * asymptotic
    value = jnp.where(negative, -e1, jnp.where(x > 40, asymptotic, series))
    return jnp.where(x == 0, -np.inf, value)


_expi.defjvps(lambda t, out, x: t * jnp.exp(x) / x)


@jit
def expi(x):
    """The exponential integral Ei(x) = -PV int_{-x}^inf exp(-t) / t dt
    (scipy.special.expi)."""
    x, = _floats("expi", x)
    return _expi(x)


@custom_jvp
def _sici(x):
    magnitude = jnp.abs(x)
    # |x| <= 4: the power series; beyond, E_1(i|x|) = -Ci + i (Si - pi/2) by its
    # continued fraction exp(-z) / (z + 1 - 1 / (z + 3 - 4 / (z + 5 - ...))).
    small = magnitude <= 4
    xs = _safe(small & (magnitude > 0), magnitude, 1.0)
    si_term, si_sum = xs, xs
    ci_term, ci_sum = jnp.ones_like(xs), jnp.zeros_like(xs)
    for k in range(1, 30):
        si_term = -si_term * xs * xs / ((2 * k) * (2 * k + 1))
        ci_term = -ci_term * xs * xs / ((2 * k - 1) * (2 * k))
        si_sum, ci_sum = si_sum + si_term / (2 * k + 1), ci_sum + ci_term / (2 * k)
    ci_small = _EULER + jnp.log(xs) + ci_sum
    z = 1j * _safe(small, 5.0, magnitude).astype(dtypes.to_complex_dtype(x.dtype))
    fraction = jnp.zeros_like(z)
    for k in range(40, 0, -1):
        fraction = k * k / (z + 1 + 2 * k - fraction)
    e1 = jnp.exp(-z) / (z + 1 - fraction)
    si = jnp.where(small, si_sum, math.pi / 2 + jnp.imag(e1))
    ci = jnp.where(small, ci_small, -jnp.real(e1))
    si = jnp.where(magnitude == 0, 0.0, jnp.sign(x) * si)
    return si, jnp.where(magnitude == 0, -np.inf, ci)


@_sici.defjvp
def _sici_jvp(primals, tangents):
    (x,), (t,) = primals, tangents
    si, ci = _sici(x)
    nonzero = _safe(x == 0, 1.0, x)
    return (si, ci), (t * jnp.where(x == 0, 1.0, jnp.sin(x) / nonzero),
                      t * jnp.cos(x) / x)


@jit
def sici(x):
    """The sine and cosine integrals (Si(x), Ci(x)) (scipy.special.sici); for x < 0, Ci
    is Ci(|x|), the real part SciPy returns."""
    x, = _floats("sici", x)
    return _sici(x)


@custom_jvp
def _spence(x):
    # spence(x) = Li2(1 - x). Li2(y) on [-1, 1/2] from Li2(y) = sum_n B_n u**(n+1) /
    # (n+1)! with u = -log(1 - y) (|u| <= log 2, far inside the radius 2 pi); other y by
    # Li2(y) = pi**2/6 - log y log(1 - y) - Li2(1 - y) (y > 1/2) and Li2(y) = -pi**2/6 -
    # log(-y)**2 / 2 - Li2(1/y) (y < -1).
    y = 1 - x
    beyond = y < -1
    above = y > 0.5
    core_arg = jnp.where(beyond, 1 / _safe(beyond, y, -2.0), jnp.where(above, x, y))
    core = _dilog_core(core_arg)
    log_minus_y = jnp.log(-_safe(beyond, y, -2.0))
    from_beyond = -math.pi ** 2 / 6 - 0.5 * log_minus_y * log_minus_y - core
    positive_x = _safe(above & (x > 0), x, 0.5)
    product = jnp.where(x == 0, 0.0, jnp.log(_safe(above, y, 1.0)) * jnp.log(positive_x))
    from_above = math.pi ** 2 / 6 - product - core
    value = jnp.where(beyond, from_beyond, jnp.where(above, from_above, core))
    return jnp.where(x < 0, np.nan, value)


_DILOG_COEFFICIENTS = tuple(float(b / math.factorial(i + 1))
                            for i, b in enumerate(_bernoulli_numbers(30)))


def _dilog_core(y):
    u = -jnp.log1p(-y)
    # SciPy's B_1 = -1/2 is the sign this series needs.
    return u * _horner(_DILOG_COEFFICIENTS[::-1], u)


# d/dx Li2(1 - x) = log(x) / (1 - x), which tends to -1 at x = 1.
_spence.defjvps(lambda t, out, x: t * jnp.where(
    x == 1, -1.0, jnp.log(x) / (1 - _safe(x == 1, 0.0, x))))


@jit
def spence(x):
    """Spence's function int_1^x log(t) / (1 - t) dt = Li2(1 - x) for x >= 0, NaN for
    x < 0 (scipy.special.spence with a real argument)."""
    x, = _floats("spence", x)
    return _spence(x)


# ---------------------------------------------------------------- hypergeometric

@jit
def hyp1f1(a, b, x):
    """Kummer's confluent hypergeometric function 1F1(a; b; x) = sum_k (a)_k / (b)_k
    x**k / k! (scipy.special.hyp1f1), for real arguments with b > 0. Negative x uses
    Kummer's transformation 1F1(a; b; x) = exp(x) 1F1(b - a; b; -x), so every series has
    positive terms; the series is summed to a fixed length, accurate for |x| up to about
    50 (float64)."""
    a, b, x = jnp.broadcast_arrays(*_floats("hyp1f1", a, b, x))
    negative = x < 0
    top = jnp.where(negative, b - a, a)
    argument = jnp.abs(x)

    def body(k, carry):
        term, total = carry
        term = term * (top + k) / (b + k) * argument / (k + 1)
        return term, total + term
    terms = 250 if _is_f64(x) else 120
    total = _series(terms, body, (jnp.ones_like(x), jnp.ones_like(x)))[1]
    return jnp.where(negative, jnp.exp(x) * total, total)


@jit
def hyp2f1(a, b, c, x):
    """The Gauss hypergeometric function 2F1(a, b; c; x) = sum_k (a)_k (b)_k / ((c)_k k!)
    x**k (scipy.special.hyp2f1) for real arguments and x <= 1, continued analytically
    from |x| < 1 by linear transformations; inf for x > 1 unless the series terminates
    (as SciPy). Accurate for |a|, |b|, |c| up to about 10; differentiable in x only.

    >>> import numax.scipy.special as sc
    >>> round(float(sc.hyp2f1(1.0, 1.0, 2.0, -1.0)), 5)   # log(2)
    0.69315
    """
    a, b, c, x = jnp.broadcast_arrays(*_floats("hyp2f1", a, b, c, x))
    return _hypergeometric.hyp2f1(a, b, c, x)


__all__ = [
    "bernoulli", "bessel_jn", "beta", "betainc", "betaln", "boxcox", "boxcox1p", "comb",
    "dawsn", "digamma", "entr", "erf", "erfc", "erfcx", "erfinv", "exp1", "expi", "expit",
    "expn", "factorial", "fresnel", "gamma", "gammainc", "gammaincc", "gammaln", "gammasgn",
    "hyp1f1", "hyp2f1", "i0", "i0e", "i1", "i1e", "kl_div", "log_ndtr", "log_softmax", "loggamma",
    "logit", "logsumexp", "multigammaln", "ndtr", "ndtri", "owens_t", "poch", "polygamma",
    "rel_entr", "sici", "softmax", "spence", "sph_harm_y", "wofz", "xlog1py", "xlogy", "zeta",
]
