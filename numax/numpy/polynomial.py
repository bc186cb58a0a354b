"""Functions of one variable in NumPy's API: polynomials (polyval, polyfit, roots, poly,
polyadd, polysub, polymul, polydiv, polyder, polyint, vander), 1-d convolution
(convolve, correlate: polynomial multiplication is convolution) and piecewise-linear
interpolation (interp).

Coefficients run from the highest power down, as in NumPy. convolve and correlate are
one lax.conv_general_dilated each; they, interp, polyval and polyfit each run as one
jitted program. polyfit solves the scaled Vandermonde system with
numax.numpy.linalg.lstsq (an SVD), roots takes the eigenvalues of the companion
matrix with numax.numpy.linalg.eigvals, so their results are complex, as in JAX.
"""

import numpy as np

from numax import lax
from numax.api import jit
from numax.core import dtypes
from numax.core.trace import Tracer
from numax.numpy import ufuncs
from numax.numpy._promote import ensure_array, promote


def _vector(api, x, name="argument"):
    x = ensure_array(x)
    if x.ndim != 1:
        raise ValueError(f"numax.numpy.{api}: {name} must be 1-d, got shape {x.shape}")
    return x


# ---------------------------------------------------------------- convolution

def _convolve_full(a, v, precision, preferred_element_type):
    """out[n] = sum_k a[k] v[n - k] for n in [0, len(a) + len(v) - 1)."""
    if dtypes.is_complex(a.dtype):
        # real arithmetic on the parts keeps the convolution to real kernels
        ar, ai, vr, vi = ufuncs.real(a), ufuncs.imag(a), ufuncs.real(v), ufuncs.imag(v)
        real = ufuncs.subtract(_convolve_full(ar, vr, precision, None),
                               _convolve_full(ai, vi, precision, None))
        imag = ufuncs.add(_convolve_full(ar, vi, precision, None),
                          _convolve_full(ai, vr, precision, None))
        return lax.complex(real, imag)
    kernel = lax.rev(v, (0,))
    width = v.shape[0] - 1
    out = lax.conv_general_dilated(lax.reshape(a, (1, 1, a.shape[0])),
                                   lax.reshape(kernel, (1, 1, v.shape[0])), (1,),
                                   [(width, width)], precision=precision,
                                   preferred_element_type=preferred_element_type)
    return lax.reshape(out, (out.shape[-1],))


def _convolution(api, a, v, mode, precision, preferred_element_type, correlate):
    a, v = (ensure_array(x) for x in promote(a, v, name=f"numax.numpy.{api}"))
    a, v = _vector(api, a, "a"), _vector(api, v, "v")
    if a.shape[0] == 0 or v.shape[0] == 0:
        raise ValueError(f"numax.numpy.{api}: inputs cannot be empty")
    if a.dtype == np.bool_:
        raise TypeError(f"numax.numpy.{api}: boolean inputs are not supported")
    if mode not in ("full", "same", "valid"):
        raise ValueError(f"numax.numpy.{api}: mode must be 'full', 'same' or 'valid', got "
                         f"{mode!r}")
    if preferred_element_type is not None:
        preferred_element_type = dtypes.canonicalize_dtype(preferred_element_type)
    return _convolution_program(a, v, mode=mode, precision=precision,
                                preferred_element_type=preferred_element_type,
                                correlate=correlate)


@jit(static_argnames=("mode", "precision", "preferred_element_type", "correlate"))
def _convolution_program(a, v, *, mode, precision, preferred_element_type, correlate):
    if correlate:
        v = lax.rev(ufuncs.conjugate(v), (0,))
    swapped = v.shape[0] > a.shape[0]
    if swapped:                       # convolution commutes; slide the shorter one
        a, v = v, a
    full = _convolve_full(a, v, precision, preferred_element_type)
    n, m = a.shape[0], v.shape[0]
    if mode == "full":
        out = full
    elif mode == "same":
        # NumPy centres 'same' on the longer input; a correlation with the longer input
        # second lands half a sample later when the shorter length is even
        start = m // 2 if correlate and swapped else (m - 1) // 2
        out = lax.slice(full, (start,), (start + n,))
    else:
        out = lax.slice(full, (m - 1,), (n,))
    return out


def convolve(a, v, mode="full", *, precision=None, preferred_element_type=None):
    """The discrete linear convolution of two 1-d arrays; mode 'full', 'same' (the length
    of the longer input, centred) or 'valid' (only full overlaps).

    >>> import numax.numpy as jnp
    >>> jnp.convolve(jnp.asarray([1., 2., 3.]), jnp.asarray([0., 1., 0.5]))
    Array([0. , 1. , 2.5, 4. , 1.5], dtype=float32)
    """
    return _convolution("convolve", a, v, mode, precision, preferred_element_type, False)


def correlate(a, v, mode="valid", *, precision=None, preferred_element_type=None):
    """The cross-correlation c[k] = sum_n a[n + k] conj(v[n]) of two 1-d arrays, with
    NumPy's modes and output order.

    >>> import numax.numpy as jnp
    >>> jnp.correlate(jnp.asarray([1., 2., 3.]), jnp.asarray([0., 1., 0.5]), "full")
    Array([0.5, 2. , 3.5, 3. , 0. ], dtype=float32)
    """
    return _convolution("correlate", a, v, mode, precision, preferred_element_type, True)


# ---------------------------------------------------------------- interpolation

def interp(x, xp, fp, left=None, right=None, period=None):
    """Piecewise-linear interpolation of the points (xp, fp) (xp increasing) at x; left
    and right (default fp[0], fp[-1]) outside. With `period`, xp and x are periodic.

    >>> import numax.numpy as jnp
    >>> xp, fp = jnp.asarray([0., 1., 3.]), jnp.asarray([0., 10., 30.])
    >>> jnp.interp(jnp.asarray([0.5, 2.5, 9.]), xp, fp)
    Array([ 5., 25., 30.], dtype=float32)
    """
    x, xp, fp = (ensure_array(v) for v in promote(x, xp, fp, name="numax.numpy.interp"))
    xp, fp = _vector("interp", xp, "xp"), _vector("interp", fp, "fp")
    if xp.shape != fp.shape or xp.shape[0] == 0:
        raise ValueError(f"numax.numpy.interp: xp and fp must be non-empty and of one length, "
                         f"got shapes {xp.shape} and {fp.shape}")
    if period is not None:
        if left is not None or right is not None:
            raise ValueError("numax.numpy.interp: left and right cannot be given with period")
        if not isinstance(period, Tracer) and np.all(np.asarray(period) == 0):
            raise ValueError("numax.numpy.interp: period must be a non-zero value")
    return _interp_program(x, xp, fp, left, right, period)


@jit
def _interp_program(x, xp, fp, left, right, period):
    from numax.numpy.indexing import take
    from numax.numpy.sorting import argsort, searchsorted
    dtype = dtypes.to_inexact_dtype(x.dtype)
    x, xp, fp = (lax.convert_element_type(v, dtype) if v.dtype != dtype else v
                 for v in (x, xp, fp))
    if period is not None:
        period = ufuncs.abs(ensure_array(period).astype(dtype))
        x, xp = ufuncs.mod(x, period), ufuncs.mod(xp, period)
        order = argsort(xp)
        xp, fp = take(xp, order, mode="clip"), take(fp, order, mode="clip")
        n = xp.shape[0]
        xp = lax.concatenate([ufuncs.subtract(lax.slice(xp, (n - 1,), (n,)), period), xp,
                              ufuncs.add(lax.slice(xp, (0,), (1,)), period)], 0)
        fp = lax.concatenate([lax.slice(fp, (n - 1,), (n,)), fp, lax.slice(fp, (0,), (1,))], 0)
    n = xp.shape[0]
    if n == 1:
        upper = lax.broadcast_in_dim(lax.reshape(fp, ()), x.shape, ())
        f = upper
    else:
        i = searchsorted(xp, x, side="right")
        i = lax.clamp(lax.full_like(i, 1), i, lax.full_like(i, n - 1))
        below = lax.sub(i, lax.full_like(i, 1))
        x0, x1 = take(xp, below, mode="clip"), take(xp, i, mode="clip")
        f0, f1 = take(fp, below, mode="clip"), take(fp, i, mode="clip")
        dx = ufuncs.subtract(x1, x0)
        same = ufuncs.equal(dx, 0)
        slope = ufuncs.divide(ufuncs.subtract(f1, f0), lax.select(same, lax.full_like(dx, 1), dx))
        f = lax.select(same, f1, ufuncs.add(f0, ufuncs.multiply(slope, ufuncs.subtract(x, x0))))
    if period is None:
        first, last = lax.index_in_dim(fp, 0, keepdims=False), lax.index_in_dim(fp, n - 1,
                                                                                 keepdims=False)
        low = first if left is None else ensure_array(left).astype(dtype)
        high = last if right is None else ensure_array(right).astype(dtype)
        x_first = lax.index_in_dim(xp, 0, keepdims=False)
        x_last = lax.index_in_dim(xp, n - 1, keepdims=False)
        from numax.numpy.manipulation import where
        f = where(ufuncs.less(x, x_first), low, f)
        f = where(ufuncs.greater(x, x_last), high, f)
    return f


# ---------------------------------------------------------------- polynomials

def polyval(p, x, *, unroll=16):
    """The polynomial with coefficients p (highest power first) at x, by Horner's rule.

    >>> import numax.numpy as jnp
    >>> jnp.polyval(jnp.asarray([1., 0., -1.]), jnp.asarray([2., 3.]))
    Array([3., 8.], dtype=float32)
    """
    del unroll     # the static loop is unrolled completely
    p, x = (ensure_array(v) for v in promote(p, x, name="numax.numpy.polyval"))
    return _polyval_program(_vector("polyval", p, "p"), x)


@jit
def _polyval_program(p, x):
    y = lax.full(x.shape, 0, p.dtype)
    for k in range(p.shape[0]):
        y = ufuncs.add(ufuncs.multiply(y, x), lax.index_in_dim(p, k, keepdims=False))
    return y


def vander(x, N=None, increasing=False):
    """The Vandermonde matrix: column j holds x ** (N - 1 - j) (x ** j when increasing)."""
    x = _vector("vander", x, "x")
    N = x.shape[0] if N is None else int(N)
    if N < 0:
        raise ValueError(f"numax.numpy.vander: N must be non-negative, got {N}")
    powers = np.arange(N) if increasing else np.arange(N - 1, -1, -1)
    from numax.numpy.creation import asarray
    exponents = asarray(powers.astype(np.int32))
    return ufuncs.power(lax.expand_dims(x, (1,)), lax.convert_element_type(
        lax.expand_dims(exponents, (0,)), x.dtype if dtypes.is_inexact(x.dtype) else np.int32))


def polyfit(x, y, deg, rcond=None, full=False, w=None, cov=False):
    """Least-squares polynomial fit of degree `deg` (coefficients highest power first);
    `y` may hold several data sets as columns. full=True also returns the residuals, rank,
    singular values and rcond; cov=True the covariance of the coefficients (cov='unscaled'
    without the residual scaling).

    >>> import numax.numpy as jnp
    >>> x = jnp.arange(5.)
    >>> jnp.round(jnp.polyfit(x, 2 * x ** 2 - 1, 2), 4)
    Array([ 2., -0., -1.], dtype=float32)
    """
    x, y = (ensure_array(v) for v in promote(x, y, name="numax.numpy.polyfit"))
    dtype = dtypes.to_inexact_dtype(x.dtype)
    deg = int(deg)
    if deg < 0:
        raise ValueError(f"numax.numpy.polyfit: deg must be non-negative, got {deg}")
    x = _vector("polyfit", x, "x")
    if y.ndim not in (1, 2) or y.shape[0] != x.shape[0]:
        raise ValueError(f"numax.numpy.polyfit: y must be 1-d or 2-d with the length of x, got "
                         f"shapes {x.shape} and {y.shape}")
    if cov and cov != "unscaled" and x.shape[0] <= deg + 1:
        raise ValueError("numax.numpy.polyfit: the number of data points must exceed order to "
                         "scale the covariance matrix")
    if rcond is None:
        rcond = x.shape[0] * float(dtypes.finfo(dtypes.real_dtype(dtype)).eps)
    if w is not None:
        w = _vector("polyfit", ensure_array(w), "w")
        if w.shape[0] != x.shape[0]:
            raise TypeError("numax.numpy.polyfit: w must have the length of x")
    out = _polyfit_program(x, y, w, rcond, deg=deg, full=bool(full),
                           cov=cov if cov == "unscaled" else bool(cov))
    return out + (rcond,) if full else out


@jit(static_argnames=("deg", "full", "cov"))
def _polyfit_program(x, y, w, rcond, *, deg, full, cov):
    from numax.numpy import linalg
    from numax.numpy.reductions import sum as reduce_sum
    dtype = dtypes.to_inexact_dtype(x.dtype)
    x, y = lax.convert_element_type(x, dtype), lax.convert_element_type(y, dtype)
    order = deg + 1
    lhs, rhs = vander(x, order), y
    if w is not None:
        w = lax.convert_element_type(w, dtype)
        lhs = ufuncs.multiply(lhs, lax.expand_dims(w, (1,)))
        rhs = ufuncs.multiply(rhs, w if rhs.ndim == 1 else lax.expand_dims(w, (1,)))
    scale = ufuncs.sqrt(reduce_sum(ufuncs.real(ufuncs.multiply(lhs, ufuncs.conj(lhs))), axis=0))
    scale = lax.convert_element_type(scale, dtype)
    lhs = ufuncs.divide(lhs, lax.expand_dims(scale, (0,)))
    coefficients, residuals, rank, singular = linalg.lstsq(lhs, rhs, rcond)
    coefficients = ufuncs.divide(coefficients, scale if coefficients.ndim == 1 else
                                 lax.expand_dims(scale, (1,)))
    if full:
        return coefficients, residuals, rank, singular
    if cov:
        inverse = linalg.inv(ufuncs.conj(linalg.matmul(lhs.T, ufuncs.conj(lhs))).T)
        inverse = ufuncs.divide(inverse, ufuncs.multiply(lax.expand_dims(scale, (1,)),
                                                         lax.expand_dims(scale, (0,))))
        factor = 1.0 if cov == "unscaled" else ufuncs.divide(residuals, x.shape[0] - order)
        if coefficients.ndim == 1:
            return coefficients, ufuncs.multiply(inverse, factor)
        return coefficients, ufuncs.multiply(lax.expand_dims(inverse, (2,)), factor)
    return coefficients


def roots(p, *, strip_zeros=True):
    """The roots of the polynomial with coefficients p (highest power first), as complex
    numbers: the eigenvalues of the companion matrix. With strip_zeros (concrete p only),
    leading zeros are dropped and trailing zeros give roots at 0.

    >>> import numax.numpy as jnp
    >>> jnp.sort_complex(jnp.roots(jnp.asarray([1., -3., 2.])))
    Array([1.+0.j, 2.+0.j], dtype=complex64)
    """
    from numax.numpy import linalg
    p = _vector("roots", p, "p")
    dtype = dtypes.to_inexact_dtype(p.dtype)
    p = lax.convert_element_type(p, dtype) if p.dtype != dtype else p
    complex_dtype = dtypes.to_complex_dtype(dtype)
    zeros_at_origin = 0
    if strip_zeros:
        host = np.asarray(p) if not isinstance(p, Tracer) else None
        if host is None:
            raise TypeError("numax.numpy.roots: strip_zeros=True needs concrete coefficients; "
                            "pass strip_zeros=False under jit (the leading coefficient must "
                            "then be nonzero)")
        nonzero = np.flatnonzero(host)
        if nonzero.size == 0:
            return lax.full((0,), 0, complex_dtype)
        zeros_at_origin = p.shape[0] - 1 - int(nonzero[-1])
        p = lax.slice(p, (int(nonzero[0]),), (int(nonzero[-1]) + 1,))
    n = p.shape[0] - 1
    if n < 1:
        found = lax.full((0,), 0, complex_dtype)
    else:
        leading = lax.index_in_dim(p, 0, keepdims=False)
        first_row = ufuncs.negative(ufuncs.divide(lax.slice(p, (1,), (n + 1,)), leading))
        companion = lax.expand_dims(first_row, (0,))
        if n > 1:
            from numax.numpy.creation import eye
            below = lax.convert_element_type(eye(n - 1, n, dtype=dtype), dtype)
            companion = lax.concatenate([companion, below], 0)
        found = lax.convert_element_type(linalg.eigvals(companion), complex_dtype)
    if zeros_at_origin:
        found = lax.concatenate([found, lax.full((zeros_at_origin,), 0, complex_dtype)], 0)
    return found


def poly(seq_of_zeros):
    """The coefficients (highest power first, leading 1) of the polynomial with the given
    roots; a square matrix stands for its eigenvalues."""
    from numax.numpy import linalg
    zeros = ensure_array(seq_of_zeros)
    if zeros.ndim == 2 and zeros.shape[0] == zeros.shape[1] and zeros.shape[0] > 0:
        zeros = linalg.eigvals(zeros)
    elif zeros.ndim != 1:
        raise ValueError("numax.numpy.poly: input must be 1-d or a non-empty square 2-d array")
    dtype = dtypes.to_inexact_dtype(zeros.dtype)
    zeros = lax.convert_element_type(zeros, dtype) if zeros.dtype != dtype else zeros
    coefficients = lax.full((1,), 1, dtype)
    for k in range(zeros.shape[0]):
        factor = lax.concatenate([lax.full((1,), 1, dtype), lax.reshape(
            ufuncs.negative(lax.index_in_dim(zeros, k, keepdims=False)), (1,))], 0)
        coefficients = convolve(coefficients, factor)
    return coefficients


def _aligned(api, a1, a2):
    a1, a2 = (ensure_array(v) for v in promote(a1, a2, name=f"numax.numpy.{api}"))
    a1, a2 = _vector(api, a1, "a1"), _vector(api, a2, "a2")
    n = max(a1.shape[0], a2.shape[0])
    pad = [lax.pad(v, np.zeros((), v.dtype), [(n - v.shape[0], 0, 0)]) for v in (a1, a2)]
    return pad


def polyadd(a1, a2):
    """The sum of two polynomials (coefficient arrays aligned at the lowest power)."""
    return ufuncs.add(*_aligned("polyadd", a1, a2))


def polysub(a1, a2):
    """The difference of two polynomials."""
    return ufuncs.subtract(*_aligned("polysub", a1, a2))


def _trim(api, p, trim):
    """p without its leading zeros (which needs concrete coefficients)."""
    if not trim:
        return p
    if isinstance(p, Tracer):
        raise TypeError(f"numax.numpy.{api}: trim_leading_zeros=True needs concrete "
                        "coefficients; leave it False under jit")
    nonzero = np.flatnonzero(np.asarray(p))
    return p if not nonzero.size else lax.slice(p, (int(nonzero[0]),), (p.shape[0],))


def polymul(a1, a2, *, trim_leading_zeros=False):
    """The product of two polynomials (a convolution of their coefficients)."""
    a1, a2 = (ensure_array(v) for v in promote(a1, a2, name="numax.numpy.polymul"))
    a1, a2 = (lax.reshape(v, (1,)) if v.ndim == 0 else v for v in (a1, a2))
    a1, a2 = _trim("polymul", a1, trim_leading_zeros), _trim("polymul", a2, trim_leading_zeros)
    if a1.shape[0] == 0 or a2.shape[0] == 0:
        return lax.full((1,), 0, a1.dtype)
    return convolve(a1, a2)


def polydiv(u, v, *, trim_leading_zeros=False):
    """Quotient and remainder of polynomial long division u / v (leading coefficient of v
    nonzero)."""
    u, v = (ensure_array(a) for a in promote(u, v, name="numax.numpy.polydiv"))
    dtype = dtypes.to_inexact_dtype(u.dtype)
    u, v = lax.convert_element_type(u, dtype), lax.convert_element_type(v, dtype)
    u, v = _vector("polydiv", u, "u"), _vector("polydiv", v, "v")
    v = _trim("polydiv", v, trim_leading_zeros)
    m, n = u.shape[0] - 1, v.shape[0] - 1
    scale = ufuncs.divide(1, lax.index_in_dim(v, 0, keepdims=False))
    quotient = lax.full((max(m - n + 1, 1),), 0, dtype)
    remainder = u
    for k in range(0, m - n + 1):
        d = ufuncs.multiply(scale, lax.index_in_dim(remainder, k, keepdims=False))
        quotient = quotient.at[k].set(d)
        remainder = remainder.at[k:k + n + 1].add(ufuncs.negative(ufuncs.multiply(d, v)))
    if trim_leading_zeros:
        remainder = _trim("polydiv", remainder, True)
    return quotient, remainder


def polyder(p, m=1):
    """The m-th derivative of the polynomial p."""
    p = _vector("polyder", p, "p")
    m = int(m)
    if m < 0:
        raise ValueError("numax.numpy.polyder: order of derivative must be positive")
    dtype = p.dtype if p.dtype != np.bool_ else dtypes.default_int_dtype()
    for _ in range(m):
        n = p.shape[0] - 1
        if n <= 0:
            return lax.full((1,), 0, dtype) if p.shape[0] else p
        powers = np.arange(n, 0, -1)
        p = ufuncs.multiply(lax.slice(p, (0,), (n,)), powers.astype(np.int32))
    return p


def polyint(p, m=1, k=None):
    """The m-th antiderivative of the polynomial p, with integration constants k (one per
    order, default 0)."""
    p = _vector("polyint", p, "p")
    m = int(m)
    if m < 0:
        raise ValueError("numax.numpy.polyint: order of integral must be positive")
    constants = np.zeros(m) if k is None else np.atleast_1d(np.asarray(k))
    if constants.size == 1 and m > 1:
        constants = np.full(m, constants.item())
    if constants.size != m:
        raise ValueError("numax.numpy.polyint: k must be a scalar or have length m")
    dtype = dtypes.to_inexact_dtype(p.dtype)
    p = lax.convert_element_type(p, dtype)
    for i in range(m):
        n = p.shape[0]
        divisors = np.arange(n, 0, -1).astype(np.float64)
        p = lax.concatenate([ufuncs.divide(p, divisors.astype(dtype)),
                             lax.full((1,), constants[i], dtype)], 0)
    return p
