"""Window functions for signal processing (bartlett, blackman, hamming, hanning, kaiser)
and the modified Bessel function i0 that kaiser is built on.

Owns NumPy's window definitions, evaluated on the device in the default float type over
the symmetric grid n = 1-M, 3-M, ..., M-1. The length M must be a concrete integer
(it fixes the output shape); kaiser's beta may be traced. M < 1 gives an empty window
and M == 1 the window [1.].
"""

import operator

import numpy as np

from numax import lax
from numax.core import dtypes
from numax.custom_derivatives import custom_jvp
from numax.numpy import ufuncs
from numax.numpy._promote import as_operand


def i0(x):
    """numpy.i0: the modified Bessel function of the first kind of order zero.

    Computed as exp(|x|) * i0e(x), with the derivative I1(x) = exp(|x|) * i1e(x). Complex
    input is rejected, as NumPy's i0 does.

    >>> import numax.numpy as jnp
    >>> jnp.i0(jnp.asarray([1., 2.]))
    Array([1.266066 , 2.2795851], dtype=float32)
    """
    x = as_operand(x, "numax.numpy.i0")
    dtype, weak = dtypes.result_type(x, return_weak_type_flag=True)
    if dtypes.is_complex(dtype):
        raise TypeError("numax.numpy.i0: complex input is not supported (as in NumPy); pass "
                        "a real array")
    x = ufuncs._materialize(ufuncs.convert(x, dtypes.to_inexact_dtype(dtype), weak))
    return _i0(x)


@custom_jvp
def _i0(x):
    return lax.mul(lax.exp(lax.abs(x)), lax.bessel_i0e(x))


# I0' = I1. Differentiating exp(|x|) * i0e(x) instead would give 1 at x == 0, where both
# factors have a kink and the one-sided slopes of the two factors do not cancel.
_i0.defjvps(lambda t, out, x: lax.mul(t, lax.mul(lax.exp(lax.abs(x)), lax.bessel_i1e(x))))


def _length(api, M):
    try:
        return operator.index(M)
    except TypeError:
        raise TypeError(f"numax.numpy.{api}: the window length M must be a concrete integer "
                        f"(it fixes the output shape), got {M!r}") from None


def _grid(M):
    """n / (M - 1) for n = 1-M, 3-M, ..., M-1: the symmetric window grid in [-1, 1]."""
    dtype = dtypes.default_float_dtype()
    n = lax.iota(dtype, M)
    return lax.div(lax.sub(lax.mul(n, lax.full((), 2, dtype)), lax.full((), M - 1, dtype)),
                   lax.full((), M - 1, dtype))


def _window(api, M, shape_fn):
    M = _length(api, M)
    dtype = dtypes.default_float_dtype()
    if M < 1:
        return lax.full((0,), 0, dtype)
    if M == 1:
        return lax.full((1,), 1, dtype)
    return shape_fn(_grid(M))


def _cosine_sum(*coefficients):
    """sum_k c_k cos(k pi u): the Hann/Hamming/Blackman family on the grid u."""
    def shape(u):
        total = lax.full_like(u, coefficients[0])
        for k, c in enumerate(coefficients[1:], start=1):
            total = lax.add(total, lax.mul(lax.full_like(u, c),
                                           lax.cos(lax.mul(u, lax.full_like(u, k * np.pi)))))
        return total
    return shape


def bartlett(M):
    """numpy.bartlett: the triangular window of length M.

    >>> import numax.numpy as jnp
    >>> jnp.bartlett(5)
    Array([0. , 0.5, 1. , 0.5, 0. ], dtype=float32)
    """
    return _window("bartlett", M, lambda u: lax.sub(lax.full_like(u, 1), lax.abs(u)))


def hanning(M):
    """numpy.hanning: the Hann window 0.5 + 0.5 cos(pi u) of length M."""
    return _window("hanning", M, _cosine_sum(0.5, 0.5))


def hamming(M):
    """numpy.hamming: the Hamming window 0.54 + 0.46 cos(pi u) of length M."""
    return _window("hamming", M, _cosine_sum(0.54, 0.46))


def blackman(M):
    """numpy.blackman: the Blackman window 0.42 + 0.5 cos(pi u) + 0.08 cos(2 pi u)."""
    return _window("blackman", M, _cosine_sum(0.42, 0.5, 0.08))


def kaiser(M, beta):
    """numpy.kaiser: the Kaiser window I0(beta sqrt(1 - u^2)) / I0(beta) of length M."""
    def shape(u):
        b = lax.convert_element_type(ufuncs._materialize(beta), u.dtype)
        radius = lax.sqrt(lax.max(lax.sub(lax.full_like(u, 1), lax.mul(u, u)),
                                  lax.full_like(u, 0)))
        return lax.div(i0(lax.mul(b, radius)), i0(b))
    return _window("kaiser", M, shape)
