"""Elementwise functions that take numbers apart or classify them: frexp, ldexp, modf,
spacing, angle, nan_to_num, gcd, lcm, iscomplex, isreal, iscomplexobj, isrealobj.

Owns the floating-point bit work. frexp, ldexp and spacing read and build exponents with
integer operations on the bit pattern rather than with float arithmetic, because the CPU
backend flushes subnormal results of arithmetic to zero: frexp of a subnormal input and
spacing near zero stay exact this way. ldexp multiplies by powers of two made from bits,
in three steps so that exponents far outside one float's range still land where the
exact product does (a product that is itself subnormal may be flushed to zero on CPU).
"""

import numpy as np

from numax import lax
from numax.core import dtypes
from numax.numpy import ufuncs
from numax.numpy._promote import (as_operand, broadcast_shapes, broadcast_to, ensure_array,
                                  promote_and_broadcast)


def _bits_layout(dtype):
    """(unsigned type of the same width, mantissa bits, exponent bias) of a float type."""
    info = dtypes.finfo(dtype)
    width = dtypes.itemsize_bits(dtype)
    unsigned = np.dtype(f"uint{width}")
    return unsigned, int(info.nmant), int(-info.minexp + 1)


def _uint(value, like):
    return lax.full_like(like, value)


def _frexp(x):
    if dtypes.is_complex(x.dtype):
        raise TypeError("numax.numpy.frexp: complex input is not supported (as in NumPy)")
    unsigned, nmant, bias = _bits_layout(x.dtype)
    width = dtypes.itemsize_bits(x.dtype)
    bits = lax.bitcast_convert_type(x, unsigned)
    sign = lax.bitwise_and(bits, _uint(1 << (width - 1), bits))
    fraction = lax.bitwise_and(bits, _uint((1 << nmant) - 1, bits))
    field = lax.shift_right_logical(lax.bitwise_and(bits, _uint((1 << (width - 1)) - 1, bits)),
                                    _uint(nmant, bits))
    # A subnormal's fraction is normalised by shifting its leading one up to bit nmant.
    leading = lax.sub(_uint(width - 1, bits), lax.clz(fraction))
    subnormal = lax.eq(field, _uint(0, bits))
    shift = lax.select(subnormal, lax.sub(_uint(nmant, bits), leading), _uint(0, bits))
    fraction = lax.bitwise_and(lax.shift_left(fraction, shift), _uint((1 << nmant) - 1, bits))
    field_int = lax.convert_element_type(field, np.int32)
    exponent = lax.select(subnormal,
                          lax.sub(lax.convert_element_type(leading, np.int32),
                                  lax.full_like(field_int, nmant + bias - 2)),
                          lax.sub(field_int, lax.full_like(field_int, bias - 1)))
    mantissa = lax.bitwise_or(lax.bitwise_or(sign, fraction),
                              _uint((bias - 1) << nmant, bits))
    mantissa = lax.bitcast_convert_type(mantissa, x.dtype)
    # Zeros, infinities and NaNs come back as they are, with exponent 0. The tests are on
    # bits: the CPU backend compares subnormals as if they were zero.
    magnitude = lax.bitwise_and(bits, _uint((1 << (width - 1)) - 1, bits))
    special = lax.bitwise_or(lax.eq(magnitude, _uint(0, bits)),
                             lax.eq(field, _uint((1 << (width - 1 - nmant)) - 1, bits)))
    return (lax.select(special, x, mantissa),
            lax.select(special, lax.full_like(exponent, 0), exponent))


frexp = ufuncs._unary("frexp", _frexp, to_inexact=True, doc="""numpy.frexp: mantissa and
exponent with x == mantissa * 2**exponent and 0.5 <= |mantissa| < 1 (exponent int32).

>>> import numax.numpy as jnp
>>> jnp.frexp(jnp.asarray([8., 0.3]))
(Array([0.5, 0.6], dtype=float32), Array([ 4, -1], dtype=int32))
""")


def _power_of_two(k, dtype):
    """2**k built from bits, for integer arrays k in [1 - bias, bias - 1]."""
    unsigned, nmant, bias = _bits_layout(dtype)
    field = lax.convert_element_type(lax.add(k, lax.full_like(k, bias)), unsigned)
    return lax.bitcast_convert_type(lax.shift_left(field, lax.full_like(field, nmant)), dtype)


def ldexp(x1, x2, /):
    """numpy.ldexp: x1 * 2**x2 for an integer x2, exact wherever the result is a normal
    number.

    >>> import numax.numpy as jnp
    >>> jnp.ldexp(jnp.asarray([1., 3.]), jnp.asarray([3, -1]))
    Array([8. , 1.5], dtype=float32)
    """
    x1 = as_operand(x1, "numax.numpy.ldexp")
    x2 = ensure_array(as_operand(x2, "numax.numpy.ldexp"))
    if not dtypes.is_integer(x2.dtype):
        raise TypeError(f"numax.numpy.ldexp: the exponent x2 must be an integer array, got "
                        f"dtype {x2.dtype.name}")
    dtype, weak = dtypes.result_type(x1, return_weak_type_flag=True)
    if dtypes.is_complex(dtype):
        raise TypeError("numax.numpy.ldexp: complex x1 is not supported (as in NumPy)")
    x1 = ufuncs._materialize(ufuncs.convert(x1, dtypes.to_inexact_dtype(dtype), weak))
    shape = broadcast_shapes(x1.shape, x2.shape)
    x1 = broadcast_to(x1, shape)
    _, _, bias = _bits_layout(x1.dtype)
    step = bias - 1
    # Beyond three steps of 2**(bias - 1) every finite nonzero x1 has over- or underflowed.
    k = lax.clamp(lax.full((), -3 * step, x2.dtype), x2, lax.full((), 3 * step, x2.dtype))
    k = broadcast_to(lax.convert_element_type(k, np.int32), shape)
    first = lax.div(k, lax.full_like(k, 3))
    second = lax.div(lax.sub(k, first), lax.full_like(k, 2))
    third = lax.sub(lax.sub(k, first), second)
    result = x1
    for part in (first, second, third):
        result = ufuncs.multiply(result, _power_of_two(part, x1.dtype))
    return result


def _modf(x):
    if dtypes.is_complex(x.dtype):
        raise TypeError("numax.numpy.modf: complex input is not supported (as in NumPy)")
    whole = lax.select(lax.lt(x, lax.full_like(x, 0)), lax.ceil(x), lax.floor(x))
    fraction = lax.select(lax.is_finite(x), lax.sub(x, whole),
                          lax.select(lax.ne(x, x), x, lax.full_like(x, 0)))
    # The fractional part carries x's sign, also when it is zero (modf(-2.) == (-0., -2.)).
    return ufuncs._copysign(fraction, x), whole


modf = ufuncs._unary("modf", _modf, to_inexact=True, doc="""numpy.modf: the fractional and
integral parts of x, both with x's sign.

>>> import numax.numpy as jnp
>>> jnp.modf(jnp.asarray([2.5, -1.25]))
(Array([ 0.5 , -0.25], dtype=float32), Array([ 2., -1.], dtype=float32))
""")


def _spacing(x):
    if dtypes.is_complex(x.dtype):
        raise TypeError("numax.numpy.spacing: complex input is not supported (as in NumPy)")
    unsigned, nmant, bias = _bits_layout(x.dtype)
    width = dtypes.itemsize_bits(x.dtype)
    bits = lax.bitcast_convert_type(x, unsigned)
    magnitude = lax.bitwise_and(bits, _uint((1 << (width - 1)) - 1, bits))
    field = lax.shift_right_logical(magnitude, _uint(nmant, bits))
    # One ulp of a number with exponent field E is 2**(E - bias - nmant): a normal number
    # with field E - nmant, or for E <= nmant the subnormal with the bit E - 1 set.
    normal = lax.shift_left(lax.sub(field, _uint(nmant, bits)), _uint(nmant, bits))
    tiny = lax.shift_left(_uint(1, bits), lax.sub(lax.max(field, _uint(1, bits)),
                                                  _uint(1, bits)))
    ulp = lax.select(lax.gt(field, _uint(nmant, bits)), normal, tiny)
    # Past the largest finite number the next one is infinity.
    largest = lax.bitcast_convert_type(lax.full((), dtypes.finfo(x.dtype).max, x.dtype),
                                       unsigned)
    infinity = lax.bitcast_convert_type(lax.full((), np.inf, x.dtype), unsigned)
    ulp = lax.select(lax.eq(magnitude, lax.full_like(magnitude, largest)),
                     lax.full_like(ulp, infinity), ulp)
    # Negative x (but not -0.0) gets a negative spacing; decided on bits, as the CPU
    # backend compares subnormals as if they were zero.
    negative = lax.bitwise_and(lax.ne(bits, magnitude), lax.ne(magnitude, _uint(0, bits)))
    ulp = lax.select(negative, lax.bitwise_or(ulp, _uint(1 << (width - 1), bits)), ulp)
    ulp = lax.bitcast_convert_type(ulp, x.dtype)
    return lax.select(lax.is_finite(x), ulp, lax.full_like(x, np.nan))


spacing = ufuncs._unary("spacing", _spacing, to_inexact=True, doc="""numpy.spacing: the
distance from x to the next representable number away from zero (negative for x < 0).

>>> import numax.numpy as jnp
>>> jnp.spacing(jnp.asarray([1., -1.]))
Array([ 1.1920929e-07, -1.1920929e-07], dtype=float32)
""")


def angle(z, deg=False):
    """numpy.angle: the argument of complex z in (-pi, pi] (0 or pi for real z);
    degrees with deg=True.

    >>> import numax.numpy as jnp
    >>> jnp.angle(jnp.asarray([1j, -1.]))
    Array([1.5707964, 3.1415927], dtype=float32)
    """
    z = ensure_array(z)
    if dtypes.is_complex(z.dtype):
        real, imag = lax.real(z), lax.imag(z)
    else:
        real = lax.convert_element_type(z, dtypes.to_inexact_dtype(z.dtype))
        imag = lax.full_like(real, 0)
    result = lax.atan2(imag, real)
    return ufuncs.degrees(result) if deg else result


def nan_to_num(x, copy=True, nan=0.0, posinf=None, neginf=None):
    """numpy.nan_to_num: NaN -> `nan`, +inf -> `posinf` (default the largest finite value),
    -inf -> `neginf` (default the lowest); real and imaginary parts separately.

    >>> import numax.numpy as jnp
    >>> jnp.nan_to_num(jnp.asarray([jnp.nan, jnp.inf, 1.]))
    Array([0.0000000e+00, 3.4028235e+38, 1.0000000e+00], dtype=float32)
    """
    del copy          # arrays are immutable: the result is always new
    x = ensure_array(x)
    if dtypes.is_complex(x.dtype):
        return lax.complex(nan_to_num(lax.real(x), nan=nan, posinf=posinf, neginf=neginf),
                           nan_to_num(lax.imag(x), nan=nan, posinf=posinf, neginf=neginf))
    if not dtypes.is_inexact(x.dtype):
        return x
    info = dtypes.finfo(x.dtype)
    posinf = info.max if posinf is None else posinf
    neginf = info.min if neginf is None else neginf
    x = lax.select(ufuncs.isnan(x), _fill_like(x, nan), x)
    x = lax.select(ufuncs.isposinf(x), _fill_like(x, posinf), x)
    return lax.select(ufuncs.isneginf(x), _fill_like(x, neginf), x)


def _fill_like(x, value):
    value = ensure_array(value)
    if value.ndim != 0:
        raise ValueError(f"numax.numpy.nan_to_num: nan, posinf and neginf must be scalars, "
                         f"got shape {value.shape}")
    return lax.broadcast_in_dim(lax.convert_element_type(value, x.dtype), x.shape, ())


def _check_integers(api, x1, x2):
    x1, x2 = promote_and_broadcast(ensure_array(x1), ensure_array(x2),
                                   name=f"numax.numpy.{api}")
    if not dtypes.is_integer(x1.dtype):
        raise TypeError(f"numax.numpy.{api} takes integer arrays, got dtype "
                        f"{np.dtype(x1.dtype).name}")
    shape = broadcast_shapes(x1.shape, x2.shape)
    return broadcast_to(x1, shape), broadcast_to(x2, shape)


def _gcd(a, b):
    """Euclid's algorithm on |a|, |b|, run until every element's remainder is zero."""
    a, b = ufuncs.absolute(a), ufuncs.absolute(b)
    zero = lax.full_like(b, 0)

    def step(carry):
        a, b = carry
        running = lax.ne(b, zero)
        divisor = lax.select(running, b, lax.full_like(b, 1))
        return lax.select(running, b, a), lax.select(running, lax.rem(a, divisor), zero)

    def any_running(carry):
        return lax.reduce_or(lax.ne(carry[1], zero), tuple(range(zero.ndim)))
    return lax.while_loop(any_running, step, (a, b))[0]


def gcd(x1, x2, /):
    """numpy.gcd: the greatest common divisor of |x1| and |x2| (gcd(0, 0) == 0).

    >>> import numax.numpy as jnp
    >>> jnp.gcd(jnp.asarray([12, -18, 0]), 8)
    Array([4, 2, 8], dtype=int32)
    """
    return _gcd(*_check_integers("gcd", x1, x2))


def lcm(x1, x2, /):
    """numpy.lcm: the least common multiple of |x1| and |x2| (0 if either is 0).

    >>> import numax.numpy as jnp
    >>> jnp.lcm(jnp.asarray([4, -6, 0]), 6)
    Array([12,  6,  0], dtype=int32)
    """
    x1, x2 = _check_integers("lcm", x1, x2)
    divisor = _gcd(x1, x2)
    zero = lax.eq(divisor, lax.full_like(divisor, 0))
    quotient = lax.div(ufuncs.absolute(x1), lax.select(zero, lax.full_like(divisor, 1), divisor))
    return lax.select(zero, divisor, lax.mul(quotient, ufuncs.absolute(x2)))


def iscomplex(x):
    """numpy.iscomplex: True where the imaginary part is nonzero."""
    x = ensure_array(x)
    return ufuncs.not_equal(ufuncs.imag(x), 0)


def isreal(x):
    """numpy.isreal: True where the imaginary part is zero."""
    x = ensure_array(x)
    return ufuncs.equal(ufuncs.imag(x), 0)


def iscomplexobj(x):
    """numpy.iscomplexobj: whether x has a complex dtype (a Python bool, decided from the
    dtype alone)."""
    dtype = x.dtype if hasattr(x, "dtype") else np.asarray(x).dtype
    return dtypes.is_complex(dtype)


def isrealobj(x):
    """numpy.isrealobj: whether x's dtype is not complex."""
    return not iscomplexobj(x)
