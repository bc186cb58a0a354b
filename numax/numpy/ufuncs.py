"""Elementwise NumPy functions (jnp.add, jnp.sin, jnp.floor_divide, ...) on lax primitives.

Owns NumPy's elementwise semantics as JAX defines them: promotion with weak types,
broadcasting, integer inputs to transcendental functions promoted to the default
float, Python-style floor division and modulo, `x ** 2` as an exact integer power,
bool add/multiply/maximum/minimum as logical or/and. Functions are declared from small
tables so each NumPy name maps visibly to the lax operation that implements it; the
composite ones (hypot, logaddexp, copysign, sinc, isclose, ...) follow at the end.
"""

import numpy as np

from numax import lax
from numax.array import Array
from numax.core import dtypes
from numax.core.abstract import TypedScalar
from numax.numpy._promote import promote_and_broadcast, as_operand, convert

_PYTHON_SCALARS = (bool, int, float, complex)
_WEAK_SCALARS = (int, float)
_BOOL = np.dtype(bool)
_INEXACT = frozenset(np.dtype(t) for t in ("float16", "float32", "float64", "complex64",
                                            "complex128")) | {dtypes.bfloat16}


def _unary(name, lax_fn, to_inexact=False, allowed=None, doc=None):
    def function(x, /):
        if type(x) is Array:  # the eager fast path: an array that needs no conversion
            dtype = x.aval.dtype
            if (not to_inexact or dtype in _INEXACT) and (allowed is None or allowed(dtype)):
                return lax_fn(x)
        x = as_operand(x, name)
        dtype, weak = dtypes.result_type(x, return_weak_type_flag=True)
        if to_inexact and not dtypes.is_inexact(dtype):
            dtype = dtypes.to_inexact_dtype(dtype)
        if allowed is not None and not allowed(dtype):
            raise TypeError(f"numax.numpy.{name} does not support dtype {np.dtype(dtype).name}")
        x = convert(x, dtype, weak)
        return lax_fn(_materialize(x))
    function.__name__ = function.__qualname__ = name
    function.__doc__ = doc or f"Elementwise {name}, like numpy.{name}."
    return function


def _binary(name, lax_fn, to_inexact=False, doc=None, primitive=None):
    """`primitive`: the lax primitive lax_fn binds on two non-bool arrays of one type. With
    it, eager calls on such arrays bind it directly, and an inexact array with a Python
    int/float (weak, so it takes the array's dtype) goes to lax_fn without promotion."""
    qualified = f"numax.numpy.{name}"

    def function(x, y, /):
        if type(x) is Array:  # the eager fast paths: nothing to promote or broadcast
            if type(y) is Array and x.aval is y.aval:
                dtype = x.aval.dtype
                if not to_inexact or dtype in _INEXACT:
                    if primitive is not None and dtype is not _BOOL:
                        return primitive.bind(x, y)
                    return lax_fn(x, y)
            elif primitive is not None and type(y) in _WEAK_SCALARS and \
                    x.aval.dtype in _INEXACT:
                return lax_fn(x, y)
        x, y = promote_and_broadcast(x, y, name=qualified)
        if to_inexact and not dtypes.is_inexact(x.dtype if hasattr(x, "dtype") else
                                                 np.asarray(x).dtype):
            dtype = dtypes.to_inexact_dtype(x.dtype)
            weak = getattr(x, "weak_type", False) and getattr(y, "weak_type", False)
            x, y = convert(x, dtype, weak), convert(y, dtype, weak)
        return lax_fn(_materialize(x), y)
    function.__name__ = function.__qualname__ = name
    function.__doc__ = doc or f"Elementwise {name}, like numpy.{name}."
    return function


def _materialize(x):
    """Make sure at least the first operand of a lax op is an array (not a bare scalar)."""
    if isinstance(x, np.generic):
        return np.asarray(x)
    if isinstance(x, TypedScalar) or type(x) in _PYTHON_SCALARS:
        from numax.numpy.creation import asarray
        return asarray(x)
    return x


# ---------------------------------------------------------------- arithmetic

def _bool_as(numeric_fn, bool_fn):
    """On bool operands NumPy's add/multiply are logical or/and; lax's arithmetic is not."""
    return lambda x, y: bool_fn(x, y) if x.dtype == _BOOL else numeric_fn(x, y)


def _no_bool_subtract(x, y):
    if x.dtype == np.bool_:
        raise TypeError("numax.numpy.subtract: subtracting booleans is not supported (as in "
                        "NumPy); use numax.numpy.logical_xor or bitwise_xor instead")
    return lax.sub(x, y)


add = _binary("add", _bool_as(lax.add, lax.bitwise_or), primitive=lax.add_p)
subtract = _binary("subtract", _no_bool_subtract, primitive=lax.sub_p)
multiply = _binary("multiply", _bool_as(lax.mul, lax.bitwise_and), primitive=lax.mul_p)
true_divide = divide = _binary("divide", lax.div, to_inexact=True, primitive=lax.div_p)
maximum = _binary("maximum", _bool_as(lax.max, lax.bitwise_or), primitive=lax.max_p)
minimum = _binary("minimum", _bool_as(lax.min, lax.bitwise_and), primitive=lax.min_p)
arctan2 = _binary("arctan2", lax.atan2, to_inexact=True)
nextafter = _binary("nextafter", lax.nextafter, to_inexact=True)


def floor_divide(x, y, /):
    """Python-style floor division: rounds toward minus infinity for ints and floats."""
    x, y = promote_and_broadcast(x, y, name="numax.numpy.floor_divide")
    x = _materialize(x)
    if dtypes.is_unsigned(x.dtype) or x.dtype == np.bool_:
        return lax.div(x, y)
    if dtypes.is_integer(x.dtype):
        quotient = lax.div(x, y)
        remainder = lax.rem(x, y)
        zero = _zero_like(remainder)
        needs_fix = lax.bitwise_and(lax.ne(remainder, zero),
                                    lax.ne(lax.lt(remainder, zero), lax.lt(y, _zero_like(y))))
        return lax.select(needs_fix, lax.sub(quotient, 1), quotient)
    if dtypes.is_complex(x.dtype):
        raise TypeError("numax.numpy.floor_divide does not support complex inputs")
    return _float_divmod(x, y)[0]


def remainder(x, y, /):
    """Python-style modulo: the result takes the sign of the divisor."""
    x, y = promote_and_broadcast(x, y, name="numax.numpy.remainder")
    x = _materialize(x)
    if dtypes.is_unsigned(x.dtype):
        return lax.rem(x, y)
    if dtypes.is_complex(x.dtype):
        raise TypeError("numax.numpy.remainder does not support complex inputs")
    r = lax.rem(x, y)
    zero = _zero_like(r)
    needs_fix = lax.bitwise_and(lax.ne(r, zero), lax.ne(lax.lt(r, zero), lax.lt(y, _zero_like(y))))
    return lax.select(needs_fix, lax.add(r, y), r)


mod = remainder


def divmod(x, y, /):  # noqa: A001  (NumPy's name)
    return floor_divide(x, y), remainder(x, y)


def _float_divmod(x, y):
    """NumPy's float floor-division: derive the quotient from fmod so q*y + r == x."""
    mod = lax.rem(x, y)
    div = lax.div(lax.sub(x, mod), y)
    zero = _zero_like(mod)
    fix = lax.bitwise_and(lax.ne(mod, zero), lax.ne(lax.lt(y, _zero_like(y)), lax.lt(mod, zero)))
    div = lax.select(fix, lax.sub(div, 1), div)
    mod = lax.select(fix, lax.add(mod, y), mod)
    floor_div = lax.floor(div)
    floor_div = lax.select(lax.gt(lax.sub(div, floor_div), 0.5), lax.add(floor_div, 1), floor_div)
    return floor_div, mod


def _zero_like(x):
    from numax.core.abstract import TypedScalar
    return TypedScalar(0, x.dtype, False) if hasattr(x, "dtype") else 0


def fmod(x, y, /):
    """C-style remainder: the result takes the sign of the dividend."""
    x, y = promote_and_broadcast(x, y, name="numax.numpy.fmod")
    return lax.rem(_materialize(x), y)


def power(x, y, /):
    """x ** y; a static Python int exponent is an exact integer power (lax.integer_pow), and
    integer arrays raised to integer arrays use exact binary exponentiation (wrapping on
    overflow, like NumPy)."""
    if type(y) is int and not isinstance(x, (int, float, complex)):
        x = as_operand(x, "numax.numpy.power")
        x = convert(x, *dtypes.result_type(x, y, return_weak_type_flag=True))
        if dtypes.is_integer(x.dtype) and y < 0:
            raise ValueError("Integers to negative integer powers are not allowed.")
        return lax.integer_pow(_materialize(x), y)
    x, y = promote_and_broadcast(x, y, name="numax.numpy.power")
    x = _materialize(x)
    if dtypes.is_integer(x.dtype):
        return _integer_power(x, y)
    if x.dtype == np.bool_:
        raise TypeError("numax.numpy.power does not support boolean inputs; convert them to "
                        "an integer or float dtype first")
    return lax.pow(x, y)


def _integer_power(base, exponent):
    """Binary exponentiation over every value bit of the exponent, so results wrap exactly
    as repeated multiplication does. Negative exponents give the truncated value of
    1 / base**|exponent|: 1 for base 1, +-1 for base -1, 0 otherwise."""
    from numax.numpy._promote import broadcast_shapes, broadcast_to
    exponent = _materialize(exponent)
    shape = broadcast_shapes(base.shape, exponent.shape)
    base, exponent = broadcast_to(base, shape), broadcast_to(exponent, shape)
    one = _const(1, base)
    zero = _const(0, base)
    negative = lax.lt(exponent, zero) if not dtypes.is_unsigned(base.dtype) else None
    bits = dtypes.itemsize_bits(base.dtype) - (0 if dtypes.is_unsigned(base.dtype) else 1)
    result = lax.full_like(base, 1)
    square = base
    remaining = exponent
    for _ in range(bits):
        result = lax.select(lax.ne(lax.bitwise_and(remaining, one), zero),
                            lax.mul(result, square), result)
        square = lax.mul(square, square)
        remaining = lax.shift_right_logical(remaining, one)
    if negative is None:
        return result
    odd = lax.ne(lax.bitwise_and(exponent, one), zero)
    minus_one = lax.select(odd, lax.full_like(base, -1), lax.full_like(base, 1))
    reciprocal = lax.select(lax.eq(base, one), lax.full_like(base, 1),
                            lax.select(lax.eq(base, _const(-1, base)), minus_one,
                                       lax.full_like(base, 0)))
    return lax.select(negative, reciprocal, result)


def float_power(x, y, /):
    x = as_operand(x)
    return power(convert(x, dtypes.canonicalize_dtype(np.float64)), y)


def square(x, /):
    """x * x; booleans become the default integer type first (NumPy's int8 aside)."""
    if isinstance(x, (int, float, complex)):
        return multiply(x, x)
    x = _materialize(as_operand(x, "numax.numpy.square"))
    if x.dtype == np.bool_:
        x = convert(x, dtypes.default_int_dtype())
    return lax.integer_pow(x, 2)


# ---------------------------------------------------------------- unary tables

_inexact = dict(to_inexact=True)

negative = _unary("negative", lax.neg)
positive = _unary("positive", lambda x: x)
# bool and integer inputs are promoted to the default float first (JAX's rule, not NumPy's)
reciprocal = _unary("reciprocal", lax.reciprocal, **_inexact)
absolute = abs = _unary("absolute", lambda x: x if x.dtype == np.bool_ or  # noqa: A001
                        dtypes.is_unsigned(x.dtype) else lax.abs(x))
sign = _unary("sign", lax.sign)
floor = _unary("floor", lambda x: lax.floor(x) if dtypes.is_inexact(x.dtype) else x)
ceil = _unary("ceil", lambda x: lax.ceil(x) if dtypes.is_inexact(x.dtype) else x)
trunc = _unary("trunc", lambda x: lax.select(lax.lt(x, 0), lax.ceil(x), lax.floor(x))
               if dtypes.is_inexact(x.dtype) else x)
rint = _unary("rint", lambda x: lax.round(x, lax.RoundingMethod.TO_NEAREST_EVEN)
              if dtypes.is_inexact(x.dtype) else x)
exp = _unary("exp", lax.exp, **_inexact)
exp2 = _unary("exp2", lax.exp2, **_inexact)
expm1 = _unary("expm1", lax.expm1, **_inexact)
log = _unary("log", lax.log, **_inexact)
log1p = _unary("log1p", lax.log1p, **_inexact)
log2 = _unary("log2", lambda x: lax.div(lax.log(x), lax.log(_const(2, x))), **_inexact)
log10 = _unary("log10", lambda x: lax.div(lax.log(x), lax.log(_const(10, x))), **_inexact)
sqrt = _unary("sqrt", lax.sqrt, **_inexact)
cbrt = _unary("cbrt", lax.cbrt, **_inexact)
sin = _unary("sin", lax.sin, **_inexact)
cos = _unary("cos", lax.cos, **_inexact)
tan = _unary("tan", lax.tan, **_inexact)
arcsin = _unary("arcsin", lax.asin, **_inexact)
arccos = _unary("arccos", lax.acos, **_inexact)
arctan = _unary("arctan", lax.atan, **_inexact)
sinh = _unary("sinh", lax.sinh, **_inexact)
cosh = _unary("cosh", lax.cosh, **_inexact)
tanh = _unary("tanh", lax.tanh, **_inexact)
arcsinh = _unary("arcsinh", lax.asinh, **_inexact)
arccosh = _unary("arccosh", lax.acosh, **_inexact)
arctanh = _unary("arctanh", lax.atanh, **_inexact)
deg2rad = radians = _unary("deg2rad", lambda x: lax.mul(x, np.pi / 180), **_inexact)
rad2deg = degrees = _unary("rad2deg", lambda x: lax.mul(x, 180 / np.pi), **_inexact)
conjugate = conj = _unary("conjugate", lambda x: lax.conj(x) if dtypes.is_complex(x.dtype) else x)
real = _unary("real", lambda x: lax.real(x) if dtypes.is_complex(x.dtype) else x)
imag = _unary("imag", lambda x: lax.imag(x) if dtypes.is_complex(x.dtype) else
              lax.full_like(x, 0))


def _isfinite(x):
    if dtypes.is_complex(x.dtype):  # both parts finite
        return lax.bitwise_and(lax.is_finite(lax.real(x)), lax.is_finite(lax.imag(x)))
    if dtypes.is_float(x.dtype):
        return lax.is_finite(x)
    return lax.full_like(x, True, dtype=np.bool_)


def _isinf(x):
    if dtypes.is_complex(x.dtype):  # either part infinite
        return lax.bitwise_or(_isinf(lax.real(x)), _isinf(lax.imag(x)))
    if dtypes.is_float(x.dtype):
        return lax.eq(lax.abs(x), _const(np.inf, x))
    return lax.full_like(x, False, dtype=np.bool_)


isfinite = _unary("isfinite", _isfinite)
isnan = _unary("isnan", lambda x: lax.ne(x, x))
isinf = _unary("isinf", _isinf)
logical_not = _unary("logical_not", lambda x: lax.bitwise_not(_to_bool(x)))
bitwise_not = invert = _unary("bitwise_not", lax.bitwise_not,
                              allowed=lambda d: not dtypes.is_inexact(d))


def _const(value, like):
    from numax.core.abstract import TypedScalar
    return TypedScalar(value, like.dtype, False)


def _to_bool(x):
    return x if x.dtype == np.bool_ else lax.ne(x, _zero_like(x))


def round(a, decimals=0, out=None):  # noqa: A001
    """Round half to even, like NumPy; `decimals` may be negative."""
    a = _materialize(as_operand(a, "numax.numpy.round"))
    if not dtypes.is_inexact(a.dtype):
        if decimals >= 0 or a.dtype == np.bool_:
            return a
        return _round_integer(a, 10 ** (-decimals))
    if dtypes.is_complex(a.dtype):
        return lax.complex(round(lax.real(a), decimals), round(lax.imag(a), decimals))
    if decimals == 0:
        return lax.round(a, lax.RoundingMethod.TO_NEAREST_EVEN)
    factor = _const(10.0 ** decimals, a)
    return lax.div(lax.round(lax.mul(a, factor), lax.RoundingMethod.TO_NEAREST_EVEN), factor)


around = round


def _round_integer(a, factor):
    """Integers rounded to a multiple of `factor`, ties to the even multiple (like NumPy)."""
    if factor > np.iinfo(a.dtype).max:
        return lax.full_like(a, 0)
    quotient = floor_divide(a, factor)
    remainder_ = lax.sub(a, lax.mul(quotient, _const(factor, a)))   # in [0, factor)
    upper = lax.sub(_const(factor, a), remainder_)                # distance to the next multiple
    odd = lax.ne(lax.bitwise_and(quotient, _const(1, a)), _const(0, a))
    round_up = lax.bitwise_or(lax.lt(upper, remainder_),
                              lax.bitwise_and(lax.eq(upper, remainder_), odd))
    quotient = lax.select(round_up, lax.add(quotient, _const(1, a)), quotient)
    return lax.mul(quotient, _const(factor, a))


# ---------------------------------------------------------------- comparisons, logic, bits

equal = _binary("equal", lax.eq, primitive=lax.eq_p)
not_equal = _binary("not_equal", lax.ne, primitive=lax.ne_p)
less = _binary("less", lax.lt, primitive=lax.lt_p)
less_equal = _binary("less_equal", lax.le, primitive=lax.le_p)
greater = _binary("greater", lax.gt, primitive=lax.gt_p)
greater_equal = _binary("greater_equal", lax.ge, primitive=lax.ge_p)


def _logical(lax_fn):
    return lambda x, y: lax_fn(_to_bool(x), _to_bool(_materialize(y)))


logical_and = _binary("logical_and", _logical(lax.bitwise_and))
logical_or = _binary("logical_or", _logical(lax.bitwise_or))
logical_xor = _binary("logical_xor", _logical(lax.bitwise_xor))
bitwise_and = _binary("bitwise_and", lax.bitwise_and)
bitwise_or = _binary("bitwise_or", lax.bitwise_or)
bitwise_xor = _binary("bitwise_xor", lax.bitwise_xor)
left_shift = _binary("left_shift", lax.shift_left)
right_shift = _binary("right_shift", lambda x, y: lax.shift_right_logical(x, y)
                      if dtypes.is_unsigned(x.dtype) else lax.shift_right_arithmetic(x, y))


# ---------------------------------------------------------------- more NumPy functions

def _reject_complex(name, fn):
    """`fn` on real operands of one shape (lax.select does not broadcast)."""
    def checked(*args):
        if dtypes.is_complex(args[0].dtype):
            raise TypeError(f"numax.numpy.{name} does not support complex inputs")
        return fn(*_same_shape(*args))
    return checked


def _same_shape(*args):
    from numax.numpy._promote import broadcast_shapes, broadcast_to
    args = [_materialize(a) for a in args]
    shape = broadcast_shapes(*[a.shape for a in args])
    return [broadcast_to(a, shape) for a in args]


fabs = _unary("fabs", _reject_complex("fabs", lax.abs), **_inexact)


def _signbit(x):
    if x.dtype == np.bool_ or dtypes.is_unsigned(x.dtype):
        return lax.full_like(x, False, dtype=np.bool_)
    if dtypes.is_integer(x.dtype):
        return lax.lt(x, _const(0, x))
    # the sign bit itself, so -0.0 and -nan count as negative
    bits = {16: np.int16, 32: np.int32, 64: np.int64}[dtypes.itemsize_bits(x.dtype)]
    return lax.lt(lax.bitcast_convert_type(x, np.dtype(bits)), TypedScalar(0, bits, False))


signbit = _unary("signbit", _reject_complex("signbit", _signbit))
isposinf = _unary("isposinf", _reject_complex(
    "isposinf", lambda x: lax.eq(x, _const(np.inf, x)) if dtypes.is_float(x.dtype) else
    lax.full_like(x, False, dtype=np.bool_)))
isneginf = _unary("isneginf", _reject_complex(
    "isneginf", lambda x: lax.eq(x, _const(-np.inf, x)) if dtypes.is_float(x.dtype) else
    lax.full_like(x, False, dtype=np.bool_)))


def _copysign(x, y):
    magnitude = lax.abs(x)
    return lax.select(_signbit(y), lax.neg(magnitude), magnitude)


def _hypot(x, y):
    """sqrt(x**2 + y**2) without overflow: scale by the larger magnitude. An infinite
    operand wins over a NaN, as in C's hypot."""
    x, y = lax.abs(x), lax.abs(y)
    larger, smaller = lax.max(x, y), lax.min(x, y)
    zero = _const(0, larger)
    ratio = lax.div(smaller, lax.select(lax.eq(larger, zero), lax.full_like(larger, 1), larger))
    result = lax.mul(larger, lax.sqrt(lax.add(_const(1, larger), lax.mul(ratio, ratio))))
    infinite = lax.bitwise_or(lax.eq(x, _const(np.inf, x)), lax.eq(y, _const(np.inf, y)))
    return lax.select(infinite, lax.full_like(result, np.inf), result)


def _logaddexp(x, y, base2=False):
    """log(exp(x) + exp(y)) as max + log1p(exp(-|x - y|)); equal infinities (where the
    difference is NaN) give x + y, which is the right infinity, and NaNs stay NaN."""
    larger = lax.max(x, y)
    delta = lax.sub(x, y)
    if base2:
        tail = lax.div(lax.log1p(lax.exp2(lax.neg(lax.abs(delta)))), _const(np.log(2), x))
    else:
        tail = lax.log1p(lax.exp(lax.neg(lax.abs(delta))))
    return lax.select(lax.ne(delta, delta), lax.add(x, y), lax.add(larger, tail))


def _nan_ignoring(lax_fn):
    """fmax/fmin: like maximum/minimum, but a NaN loses to a number."""
    def function(x, y):
        if not dtypes.is_inexact(x.dtype):
            return _bool_as(lax_fn, lax.bitwise_or if lax_fn is lax.max else
                            lax.bitwise_and)(x, y)
        x, y = _same_shape(x, y)
        return lax.select(lax.ne(x, x), y, lax.select(lax.ne(y, y), x, lax_fn(x, y)))
    return function


def _heaviside(x, y):
    zero = _const(0, x)
    return lax.select(lax.lt(x, zero), lax.full_like(x, 0),
                      lax.select(lax.gt(x, zero), lax.full_like(x, 1),
                                 lax.select(lax.eq(x, zero), y, x)))   # x is NaN there


def _sinc(x):
    """sin(pi x) / (pi x), 1 at x == 0."""
    zero = _const(0, x)
    is_zero = lax.eq(x, zero)
    safe = lax.select(is_zero, lax.full_like(x, 1), x)
    pi_x = lax.mul(safe, _const(np.pi, x))
    return lax.select(is_zero, lax.full_like(x, 1), lax.div(lax.sin(pi_x), pi_x))


def _bitwise_count(x):
    if not dtypes.is_integer(x.dtype):
        raise TypeError(f"numax.numpy.bitwise_count takes integers, got {x.dtype}")
    magnitude = x if dtypes.is_unsigned(x.dtype) else lax.abs(x)
    return lax.convert_element_type(lax.population_count(magnitude), np.uint8)


copysign = _binary("copysign", _reject_complex("copysign", _copysign), to_inexact=True)
hypot = _binary("hypot", _reject_complex("hypot", _hypot), to_inexact=True)
logaddexp = _binary("logaddexp", _reject_complex("logaddexp", _logaddexp), to_inexact=True)
logaddexp2 = _binary("logaddexp2", _reject_complex(
    "logaddexp2", lambda x, y: _logaddexp(x, y, base2=True)), to_inexact=True)
fmax = _binary("fmax", _nan_ignoring(lax.max))
fmin = _binary("fmin", _nan_ignoring(lax.min))
heaviside = _binary("heaviside", _reject_complex("heaviside", _heaviside), to_inexact=True)
sinc = _unary("sinc", _sinc, **_inexact)
bitwise_count = _unary("bitwise_count", _bitwise_count)


def isclose(a, b, rtol=1e-05, atol=1e-08, equal_nan=False):
    """|a - b| <= atol + rtol * |b| elementwise, computed in a's and b's promoted float type;
    infinities are close only to themselves, NaNs to nothing unless equal_nan."""
    a, b = promote_and_broadcast(a, b, name="numax.numpy.isclose")
    dtype = dtypes.to_inexact_dtype(a.dtype)
    a, b = _same_shape(convert(a, dtype), convert(b, dtype))
    real = dtypes.real_dtype(dtype)
    tolerance = lax.add(TypedScalar(atol, real, False),
                        lax.mul(TypedScalar(rtol, real, False), lax.abs(b)))
    close = lax.le(lax.abs(lax.sub(a, b)), tolerance)
    a_inf, b_inf = isinf(a), isinf(b)
    close = lax.select(lax.bitwise_or(a_inf, b_inf),
                       lax.bitwise_and(lax.bitwise_and(a_inf, b_inf), lax.eq(a, b)), close)
    if equal_nan:
        close = lax.bitwise_or(close, lax.bitwise_and(isnan(a), isnan(b)))
    return close
