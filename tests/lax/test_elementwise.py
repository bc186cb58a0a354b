"""Elementwise and special-function primitives against NumPy, SciPy, ml_dtypes or a
Python reference of the documented XLA semantics: arithmetic (C-style integer division),
rounding, comparisons, logical/bitwise ops and shifts, complex parts, select_n/clamp,
conversions, bitcasts, reduce_precision, transcendental and special functions; and the
errors bad dtypes, shapes and parameters raise."""

import ml_dtypes
import numpy as np
import pytest
import scipy.special as sp

import numax
from numax import lax
from numax.core import config, dtypes
from numax.core.abstract import ShapedArray
from numax.core.errors import NumaxTypeError

rng = np.random.default_rng(11)
SHAPES = [(), (7,), (2, 3)]


def _uniform(shape, low, high, dtype):
    return rng.uniform(low, high, size=shape).astype(dtype)


def _both(fn, *args):
    """fn applied eagerly and under jit."""
    return np.asarray(fn(*args)), np.asarray(numax.jit(fn)(*args))


def _assert_exact(fn, expected, *args):
    for result in _both(fn, *args):
        assert result.dtype == expected.dtype, (result.dtype, expected.dtype)
        assert result.shape == expected.shape, (result.shape, expected.shape)
        if expected.dtype in (dtypes.bfloat16, np.float16):  # so that NaNs compare equal
            np.testing.assert_array_equal(result.astype(np.float32), expected.astype(np.float32))
        else:
            np.testing.assert_array_equal(result, expected)


def _assert_close(fn, expected, *args, rtol, atol=0.0):
    expected = np.asarray(expected)
    for result in _both(fn, *args):
        assert result.dtype == expected.dtype, (result.dtype, expected.dtype)
        assert result.shape == expected.shape
        np.testing.assert_allclose(result, expected, rtol=rtol, atol=atol)


# ---------------------------------------------------------------- float functions vs NumPy/SciPy

# (lax function, reference, low, high, float32 rtol, float64 rtol)
FLOAT_UNARY = [
    (lax.neg, np.negative, -5, 5, 0, 0),
    (lax.abs, np.abs, -5, 5, 0, 0),
    (lax.floor, np.floor, -5, 5, 0, 0),
    (lax.ceil, np.ceil, -5, 5, 0, 0),
    (lax.square, np.square, -5, 5, 0, 0),
    (lax.sign, np.sign, -5, 5, 0, 0),
    (lax.reciprocal, np.reciprocal, 0.1, 5, 1e-7, 1e-15),
    (lax.exp, np.exp, -10, 10, 2e-6, 1e-14),
    (lax.exp2, np.exp2, -10, 10, 5e-6, 1e-14),
    (lax.log, np.log, 1e-3, 100, 2e-6, 1e-14),
    (lax.expm1, np.expm1, -2, 2, 2e-6, 1e-14),
    (lax.log1p, np.log1p, -0.9, 5, 2e-6, 1e-14),
    (lax.logistic, sp.expit, -10, 10, 2e-6, 1e-14),
    (lax.sqrt, np.sqrt, 0, 100, 2e-6, 1e-15),
    (lax.rsqrt, lambda x: 1 / np.sqrt(x), 0.01, 100, 2e-6, 1e-15),
    (lax.cbrt, np.cbrt, -100, 100, 2e-6, 1e-15),
    (lax.sin, np.sin, -10, 10, 2e-6, 1e-14),
    (lax.cos, np.cos, -1.4, 1.4, 2e-6, 1e-14),
    (lax.tan, np.tan, -1.4, 1.4, 5e-6, 1e-14),
    (lax.asin, np.arcsin, -0.99, 0.99, 2e-6, 1e-14),
    (lax.acos, np.arccos, -0.99, 0.99, 2e-6, 1e-14),
    (lax.atan, np.arctan, -10, 10, 2e-6, 1e-14),
    (lax.sinh, np.sinh, -5, 5, 5e-6, 1e-14),
    (lax.cosh, np.cosh, -5, 5, 2e-6, 1e-14),
    (lax.tanh, np.tanh, -5, 5, 5e-6, 1e-14),
    (lax.asinh, np.arcsinh, -10, 10, 2e-6, 1e-14),
    (lax.acosh, np.arccosh, 1.01, 10, 2e-6, 1e-14),
    (lax.atanh, np.arctanh, -0.99, 0.99, 5e-6, 1e-14),
    (lax.erf, sp.erf, -3, 3, 5e-6, 1e-14),
    (lax.erfc, sp.erfc, -3, 3, 1e-5, 1e-13),
    (lax.erf_inv, sp.erfinv, -0.99, 0.99, 5e-6, 1e-13),
    (lax.lgamma, sp.gammaln, 0.1, 20, 1e-5, 1e-13),
    (lax.digamma, sp.digamma, 0.1, 20, 1e-5, 1e-13),
    (lax.bessel_i1e, sp.i1e, -30, 30, 5e-6, 1e-13),
]


@pytest.mark.parametrize("fn,reference,low,high,rtol32,rtol64", FLOAT_UNARY,
                         ids=[case[0].__name__ for case in FLOAT_UNARY])
@pytest.mark.parametrize("shape", SHAPES)
def test_float_unary_float32(fn, reference, low, high, rtol32, rtol64, shape):
    x = _uniform(shape, low, high, np.float32)
    expected = reference(x.astype(np.float64)).astype(np.float32)
    _assert_close(fn, expected, x, rtol=rtol32, atol=1e-6 if rtol32 else 0)


@pytest.mark.parametrize("fn,reference,low,high,rtol32,rtol64", FLOAT_UNARY,
                         ids=[case[0].__name__ for case in FLOAT_UNARY])
def test_float_unary_float64(fn, reference, low, high, rtol32, rtol64):
    with config.enable_x64():
        x = _uniform((11,), low, high, np.float64)
        _assert_close(fn, reference(x), x, rtol=rtol64, atol=1e-15 if rtol64 else 0)


@pytest.mark.parametrize("fn,reference", [(lax.exp, np.exp), (lax.sin, np.sin),
                                          (lax.floor, np.floor), (lax.sqrt, np.sqrt),
                                          (lax.tanh, np.tanh), (lax.neg, np.negative)])
@pytest.mark.parametrize("dtype", [dtypes.bfloat16, np.float16])
def test_float_unary_narrow_floats(fn, reference, dtype):
    x = _uniform((9,), 0.1, 3, dtype)
    expected = reference(x.astype(np.float32)).astype(dtype)
    result = np.asarray(fn(x))
    assert result.dtype == dtype
    # One unit in the last place of the narrow type.
    np.testing.assert_allclose(result.astype(np.float32), expected.astype(np.float32),
                               rtol=2 * float(dtypes.finfo(dtype).eps))


COMPLEX_UNARY = [
    (lax.exp, np.exp), (lax.log, np.log), (lax.expm1, np.expm1), (lax.log1p, np.log1p),
    (lax.sqrt, np.sqrt), (lax.rsqrt, lambda z: 1 / np.sqrt(z)), (lax.sin, np.sin),
    (lax.cos, np.cos), (lax.tan, np.tan), (lax.sinh, np.sinh), (lax.cosh, np.cosh),
    (lax.tanh, np.tanh), (lax.asin, np.arcsin), (lax.acos, np.arccos), (lax.atan, np.arctan),
    (lax.asinh, np.arcsinh), (lax.acosh, np.arccosh), (lax.atanh, np.arctanh),
    (lax.exp2, np.exp2), (lax.logistic, lambda z: 1 / (1 + np.exp(-z))), (lax.neg, np.negative),
    (lax.square, np.square), (lax.reciprocal, np.reciprocal),
]


@pytest.mark.parametrize("fn,reference", COMPLEX_UNARY, ids=[c[0].__name__ for c in COMPLEX_UNARY])
def test_complex_unary(fn, reference):
    z = (rng.uniform(-1.5, 1.5, 8) + 1j * rng.uniform(-1.5, 1.5, 8)).astype(np.complex64)
    expected = reference(z.astype(np.complex128)).astype(np.complex64)
    _assert_close(fn, expected, z, rtol=1e-5, atol=1e-6)
    with config.enable_x64():
        z64 = z.astype(np.complex128)
        _assert_close(fn, reference(z64), z64, rtol=1e-13, atol=1e-15)


def test_complex_abs_and_sign():
    z = np.array([3 + 4j, -1j, 0, 1e-20 + 1e-20j, -2.5], np.complex64)
    _assert_close(lax.abs, np.abs(z.astype(np.complex128)).astype(np.float32), z, rtol=1e-7)
    # sign(z) = z / |z|, and 0 at 0 (NumPy 2's definition too)
    _assert_close(lax.sign, np.sign(z.astype(np.complex128)).astype(np.complex64), z, rtol=1e-6)


FLOAT_BINARY = [
    (lax.add, np.add, -5, 5, 0), (lax.sub, np.subtract, -5, 5, 0),
    (lax.mul, np.multiply, -5, 5, 0), (lax.div, np.divide, 0.5, 5, 0),
    (lax.rem, np.fmod, -5, 5, 0), (lax.max, np.maximum, -5, 5, 0),
    (lax.min, np.minimum, -5, 5, 0), (lax.nextafter, np.nextafter, -5, 5, 0),
    (lax.pow, np.power, 0.1, 3, 5e-6), (lax.atan2, np.arctan2, -5, 5, 2e-6),
]


@pytest.mark.parametrize("fn,reference,low,high,rtol", FLOAT_BINARY,
                         ids=[c[0].__name__ for c in FLOAT_BINARY])
@pytest.mark.parametrize("shape", SHAPES)
def test_float_binary(fn, reference, low, high, rtol, shape):
    x, y = _uniform(shape, low, high, np.float32), _uniform(shape, low, high, np.float32)
    if rtol == 0:
        _assert_exact(fn, reference(x, y).astype(np.float32), x, y)
    else:
        _assert_close(fn, reference(x.astype(np.float64), y).astype(np.float32), x, y, rtol=rtol)
    with config.enable_x64():
        x64, y64 = x.astype(np.float64), y.astype(np.float64)
        _assert_close(fn, reference(x64, y64), x64, y64, rtol=rtol and 1e-14)


def test_scalar_operands_broadcast_and_python_scalars():
    x = _uniform((2, 3), -2, 2, np.float32)
    _assert_exact(lambda x: lax.add(x, np.float32(1.5)), x + np.float32(1.5), x)
    _assert_exact(lambda x: lax.mul(2, x), 2 * x, x)
    _assert_exact(lambda x: lax.sub(x, 1), x - np.float32(1), x)
    ints = np.arange(6, dtype=np.int32).reshape(2, 3)
    _assert_exact(lambda i: lax.shift_left(i, 2), ints << 2, ints)
    assert np.asarray(lax.add(x, 1.0)).dtype == np.float32   # the scalar takes x's dtype


def test_max_min_propagate_nan_and_infinities():
    x = np.array([1, np.nan, 2, np.inf, -np.inf, np.nan], np.float32)
    y = np.array([np.nan, 1, -np.inf, 3, 0, np.nan], np.float32)
    _assert_exact(lax.max, np.maximum(x, y), x, y)
    _assert_exact(lax.min, np.minimum(x, y), x, y)


def test_max_min_complex_lexicographic_and_bool():
    x = np.array([1 + 2j, 1 + 3j, 2 - 1j, 0 + 0j], np.complex64)
    y = np.array([1 + 3j, 1 + 2j, 1 + 5j, 0 + 0j], np.complex64)
    key = lambda z: (z.real, z.imag)  # noqa: E731
    _assert_exact(lax.max, np.array([a if key(a) > key(b) else b for a, b in zip(x, y)]), x, y)
    _assert_exact(lax.min, np.array([a if key(a) < key(b) else b for a, b in zip(x, y)]), x, y)
    p, q = np.array([True, True, False, False]), np.array([True, False, True, False])
    _assert_exact(lax.max, p | q, p, q)
    _assert_exact(lax.min, p & q, p, q)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_round_ties(dtype):
    with config.enable_x64(dtype == "float64"):
        x = np.array([0.5, 1.5, 2.5, -0.5, -1.5, -2.5, 0.49999997, 3.7, -3.2], dtype)
        away = np.sign(x) * np.floor(np.abs(x) + 0.5)
        away[6] = 0.0  # 0.49999997 + 0.5 rounds up to 1 in float arithmetic; the answer is 0
        _assert_exact(lax.round, away.astype(dtype), x)
        _assert_exact(lambda x: lax.round(x, lax.RoundingMethod.TO_NEAREST_EVEN),
                      np.round(x), x)
        _assert_exact(lambda x: lax.round(x, 1), np.round(x), x)


def test_sign_special_values():
    x = np.array([-0.0, 0.0, np.nan, -3, np.inf, -np.inf], np.float32)
    result = np.asarray(lax.sign(x))
    np.testing.assert_array_equal(result, np.sign(x))
    assert np.signbit(result[0])   # XLA keeps the sign of -0.0 (NumPy gives +0.0)


def test_is_finite():
    x = np.array([0, 1, -np.inf, np.inf, np.nan, 3e38], np.float32)
    _assert_exact(lax.is_finite, np.isfinite(x), x)
    b = x.astype(dtypes.bfloat16)          # 3e38 rounds past bfloat16's largest finite value
    _assert_exact(lax.is_finite, np.isfinite(b.astype(np.float32)), b)


def test_nextafter_special_values():
    x = np.array([0, 0, 1, -1, np.inf, np.nan, 1, 3.4028235e38], np.float32)
    y = np.array([1, -1, 1, 0, 0, 1, np.nan, np.inf], np.float32)
    with np.errstate(over="ignore"):
        expected = np.nextafter(x, y)
    _assert_exact(lax.nextafter, expected, x, y)


# ---------------------------------------------------------------- powers

@pytest.mark.parametrize("y", [0, 1, 2, 3, 4, 7, 12, -1, -2, -3])
def test_integer_pow_float(y):
    x = _uniform((2, 5), 0.5, 2, np.float32)
    _assert_close(lambda x: lax.integer_pow(x, y), (x.astype(np.float64) ** y).astype(np.float32),
                  x, rtol=1e-6 * (1 + abs(y)))


@pytest.mark.parametrize("y", [0, 1, 2, 3, 5, 10])
@pytest.mark.parametrize("dtype", ["int32", "uint8", "int8"])
def test_integer_pow_int_wraps_like_numpy(y, dtype):
    x = rng.integers(0 if dtype == "uint8" else -5, 6, 9).astype(dtype)
    _assert_exact(lambda x: lax.integer_pow(x, y), (x ** y).astype(dtype), x)


def test_integer_pow_complex():
    z = np.array([1 + 1j, 0.5 - 2j], np.complex64)
    _assert_close(lambda z: lax.integer_pow(z, 3), (z.astype(np.complex128) ** 3).astype(
        np.complex64), z, rtol=1e-6)


def test_pow_with_integer_exponent_array():
    x = np.array([2.0, -2.0, 0.5, 0.0, -3.0], np.float32)
    n = np.array([3, 3, -2, 0, 2], np.int32)
    _assert_close(lax.pow, np.power(x, n.astype(np.float32)), x, n, rtol=1e-7)
    z = np.array([1 + 1j, 2j], np.complex64)
    _assert_close(lax.pow, np.power(z, np.complex64(2.5 + 0.5j)), z, np.complex64(2.5 + 0.5j),
                  rtol=1e-5)


# ---------------------------------------------------------------- integer arithmetic

def _c_div(a, b, dtype):
    """XLA's integer division: truncate toward zero; x / 0 = -1 (all bits); MIN / -1 = MIN."""
    info = np.iinfo(dtype)
    out = []
    for p, q in zip(a.tolist(), b.tolist()):
        if q == 0:
            out.append(-1 if info.min < 0 else info.max)
        elif p == info.min and q == -1:
            out.append(info.min)
        else:
            quotient = abs(p) // abs(q)
            out.append(quotient if (p < 0) == (q < 0) else -quotient)
    return np.array(out, dtype)


def _c_rem(a, b, dtype):
    """XLA's integer remainder: sign of the dividend; x % 0 = x; MIN % -1 = 0."""
    info = np.iinfo(dtype)
    out = []
    for p, q in zip(a.tolist(), b.tolist()):
        if q == 0:
            out.append(p)
        elif p == info.min and q == -1:
            out.append(0)
        else:
            r = abs(p) % abs(q)
            out.append(-r if p < 0 else r)
    return np.array(out, dtype)


@pytest.mark.parametrize("dtype", ["int8", "int32", "uint8", "uint32", "int64", "uint64"])
def test_integer_div_rem_c_semantics(dtype):
    with config.enable_x64(dtype.endswith("64")):
        info = np.iinfo(dtype)
        a = rng.integers(info.min // 2, info.max // 2, 40, dtype=np.int64).astype(dtype)
        b = rng.integers(-9 if info.min < 0 else 0, 10, 40).astype(dtype)
        specials = [(7, 2), (7, 0), (0, 0), (info.max, 0), (info.min, 3), (info.max, info.max)]
        if info.min < 0:
            specials += [(-7, 2), (7, -2), (-7, -2), (-7, 0), (info.min, -1), (info.min, 0)]
        a = np.concatenate([a, np.array([p for p, _ in specials], dtype)])
        b = np.concatenate([b, np.array([q for _, q in specials], dtype)])
        _assert_exact(lax.div, _c_div(a, b, dtype), a, b)
        _assert_exact(lax.rem, _c_rem(a, b, dtype), a, b)


@pytest.mark.parametrize("dtype", ["int8", "int32", "uint16", "uint32"])
def test_integer_add_sub_mul_neg_wrap(dtype):
    info = np.iinfo(dtype)
    a = rng.integers(info.min, info.max, 20, dtype=np.int64, endpoint=True).astype(dtype)
    b = rng.integers(info.min, info.max, 20, dtype=np.int64, endpoint=True).astype(dtype)
    with np.errstate(over="ignore"):
        _assert_exact(lax.add, a + b, a, b)
        _assert_exact(lax.sub, a - b, a, b)
        _assert_exact(lax.mul, a * b, a, b)
        _assert_exact(lax.neg, -a, a)
        _assert_exact(lax.max, np.maximum(a, b), a, b)
        _assert_exact(lax.min, np.minimum(a, b), a, b)
        _assert_exact(lax.square, a * a, a)


def test_integer_abs_and_sign():
    a = np.array([-5, 0, 7, -2**31, 2**31 - 1], np.int32)
    with np.errstate(over="ignore"):
        _assert_exact(lax.abs, np.abs(a), a)          # abs(MIN) wraps to MIN, as in NumPy
    _assert_exact(lax.sign, np.sign(a), a)
    u = np.array([0, 1, 200, 255], np.uint8)
    _assert_exact(lax.sign, np.sign(u), u)


# ---------------------------------------------------------------- comparisons

COMPARISONS = [(lax.eq, np.equal), (lax.ne, np.not_equal), (lax.lt, np.less),
               (lax.le, np.less_equal), (lax.gt, np.greater), (lax.ge, np.greater_equal)]


@pytest.mark.parametrize("fn,reference", COMPARISONS, ids=[c[0].__name__ for c in COMPARISONS])
@pytest.mark.parametrize("dtype", ["float32", "bfloat16", "int8", "int32", "uint8", "uint32",
                                   "bool"])
def test_comparisons(fn, reference, dtype):
    dtype = np.dtype(dtypes.bfloat16 if dtype == "bfloat16" else dtype)
    if dtype == np.bool_:
        x, y = np.array([True, True, False, False]), np.array([True, False, True, False])
    elif dtype.kind == "u":
        # values past the signed range catch a signed comparison of unsigned bits
        top = np.iinfo(dtype).max
        x = np.array([0, 1, top, top - 1, 5, top // 2 + 1], dtype)
        y = np.array([top, 1, 0, top, 4, 1], dtype)
    elif dtype.kind == "i":
        x, y = (rng.integers(-3, 3, 12).astype(dtype) for _ in range(2))
    else:
        x = np.array([1, np.nan, 2, -0.0, np.inf, -np.inf, 1, np.nan], dtype)
        y = np.array([np.nan, np.nan, 2, 0.0, 1, -np.inf, 3, 1], dtype)
    with np.errstate(invalid="ignore"):
        expected, expected_scalar = reference(x, y), reference(x, y[0])
    _assert_exact(fn, expected, x, y)
    _assert_exact(lambda x: fn(x, y[0]), expected_scalar, x)  # rank-0 operand


@pytest.mark.parametrize("fn,reference", COMPARISONS[:2], ids=["eq", "ne"])
def test_complex_equality(fn, reference):
    x = np.array([1 + 2j, 1 + 2j, np.nan, 0j], np.complex64)
    y = np.array([1 + 2j, 1 - 2j, np.nan, -0.0 + 0j], np.complex64)
    _assert_exact(fn, reference(x, y), x, y)


# ---------------------------------------------------------------- logical and bitwise

BITWISE = [(lax.bitwise_and, np.bitwise_and), (lax.bitwise_or, np.bitwise_or),
           (lax.bitwise_xor, np.bitwise_xor)]


@pytest.mark.parametrize("fn,reference", BITWISE, ids=["and", "or", "xor"])
@pytest.mark.parametrize("dtype", ["bool", "int8", "int32", "uint8", "uint32"])
def test_bitwise_binary(fn, reference, dtype):
    if dtype == "bool":
        x, y = rng.random(10) < 0.5, rng.random(10) < 0.5
    else:
        info = np.iinfo(dtype)
        x, y = (rng.integers(info.min, info.max, 10, dtype=np.int64, endpoint=True).astype(dtype)
                for _ in range(2))
    _assert_exact(fn, reference(x, y), x, y)


@pytest.mark.parametrize("dtype", ["bool", "int8", "int32", "uint8", "uint32"])
def test_bitwise_not(dtype):
    x = rng.random(10) < 0.5 if dtype == "bool" else np.arange(-5, 5).astype(dtype)
    _assert_exact(lax.bitwise_not, np.invert(x), x)   # logical not on bool


def _shift_reference(kind, x, amount, dtype):
    """XLA's shifts: the amount is read as unsigned; amounts >= bit width give 0 (left and
    logical) or fill with the sign bit (arithmetic)."""
    bits = np.iinfo(dtype).bits
    unsigned = np.dtype(f"uint{bits}")
    out = []
    for value, shift in zip(x.tolist(), amount.astype(unsigned).tolist()):
        pattern = value % (1 << bits)                      # two's-complement bit pattern
        if kind == "left":
            pattern = (pattern << shift) % (1 << bits) if shift < bits else 0
        elif kind == "logical":
            pattern = pattern >> shift if shift < bits else 0
        else:
            signed_value = pattern - (1 << bits) if pattern >> (bits - 1) else pattern
            shifted = signed_value >> min(shift, bits - 1)
            pattern = shifted % (1 << bits)
        out.append(pattern)
    return np.array(out, unsigned).view(dtype)


@pytest.mark.parametrize("kind,fn", [("left", lax.shift_left),
                                     ("logical", lax.shift_right_logical),
                                     ("arithmetic", lax.shift_right_arithmetic)])
@pytest.mark.parametrize("dtype", ["int8", "int32", "uint8", "uint32", "int64"])
def test_shifts_including_out_of_range_amounts(kind, fn, dtype):
    with config.enable_x64(dtype == "int64"):
        info = np.iinfo(dtype)
        bits = info.bits
        x = rng.integers(info.min, info.max, 16, dtype=np.int64, endpoint=True).astype(dtype)
        x[:3] = [1, info.max, info.min]
        amounts = np.array([0, 1, bits - 1, bits, bits + 1, 3 * bits, 2, 5, 1, bits - 1, bits,
                            0, 1, 7, 3, 4])
        if info.min < 0:
            amounts[-4:] = [-1, -bits, info.min, -2]          # negative = huge unsigned
        amounts = amounts.astype(dtype)
        _assert_exact(fn, _shift_reference(kind, x, amounts, dtype), x, amounts)


@pytest.mark.parametrize("dtype", ["int8", "int32", "uint8", "uint16", "uint32", "int64"])
def test_population_count_and_clz(dtype):
    with config.enable_x64(dtype == "int64"):
        info = np.iinfo(dtype)
        x = rng.integers(info.min, info.max, 20, dtype=np.int64, endpoint=True).astype(dtype)
        x[:3] = [0, info.max, info.min]
        patterns = [v % (1 << info.bits) for v in x.tolist()]
        _assert_exact(lax.population_count,
                      np.array([bin(p).count("1") for p in patterns]).astype(dtype), x)
        _assert_exact(lax.clz, np.array([info.bits - p.bit_length() for p in patterns]).astype(
            dtype), x)


# ---------------------------------------------------------------- complex parts

def test_real_imag_conj_complex():
    z = (rng.standard_normal(6) + 1j * rng.standard_normal(6)).astype(np.complex64)
    _assert_exact(lax.real, z.real, z)
    _assert_exact(lax.imag, z.imag, z)
    _assert_exact(lax.conj, np.conj(z), z)
    x = rng.standard_normal(6).astype(np.float32)
    _assert_exact(lax.conj, x.astype(np.complex64), x)       # float -> complex, imag 0
    _assert_exact(lax.complex, x + 1j * z.real, x, z.real)
    with config.enable_x64():
        x64 = x.astype(np.float64)
        _assert_exact(lax.complex, x64 + 2j * x64, x64, 2 * x64)
        _assert_exact(lax.conj, x64.astype(np.complex128), x64)


# ---------------------------------------------------------------- select_n and clamp

def test_select_n_bool_predicate():
    which = rng.random((2, 3)) < 0.5
    a, b = _uniform((2, 3), -1, 1, np.float32), _uniform((2, 3), -1, 1, np.float32)
    _assert_exact(lax.select_n, np.where(which, b, a), which, a, b)   # False -> cases[0]
    _assert_exact(lax.select, np.where(which, a, b), which, a, b)
    _assert_exact(lambda a, b: lax.select_n(True, a, b), b, a, b)     # scalar predicate
    _assert_exact(lambda a: lax.select_n(which, a), a, a)


@pytest.mark.parametrize("n", [2, 3, 4, 5, 8])
@pytest.mark.parametrize("dtype", ["int32", "uint8"])
def test_select_n_integer_predicate(n, dtype):
    which = rng.integers(0, n, (3, 4)).astype(dtype)
    cases = [rng.integers(-100, 100, (3, 4)).astype(np.int32) for _ in range(n)]
    _assert_exact(lax.select_n, np.choose(which, cases), which, *cases)
    scalar = np.asarray(n - 1, dtype)
    _assert_exact(lax.select_n, cases[n - 1], scalar, *cases)


def test_clamp():
    x = np.linspace(-3, 3, 13, dtype=np.float32)
    _assert_exact(lambda x: lax.clamp(-1.0, x, 2.0), np.clip(x, -1, 2), x)
    lo, hi = _uniform((13,), -2, 0, np.float32), _uniform((13,), 0, 2, np.float32)
    _assert_exact(lax.clamp, np.clip(x, lo, hi), lo, x, hi)
    i = np.arange(-5, 5, dtype=np.int32)
    _assert_exact(lambda i: lax.clamp(np.int32(-2), i, np.int32(3)), np.clip(i, -2, 3), i)
    u = np.array([0, 100, 250], np.uint8)
    _assert_exact(lambda u: lax.clamp(np.uint8(10), u, np.uint8(200)), np.clip(u, 10, 200), u)


# ---------------------------------------------------------------- conversions

def _convert(dtype):
    return lambda x: lax.convert_element_type(x, dtype)


def test_convert_float_int_bool():
    x = np.array([-2.7, -0.5, 0.0, 0.5, 2.7, 100.9], np.float32)
    _assert_exact(_convert(np.int32), x.astype(np.int32), x)        # truncation toward zero
    _assert_exact(_convert(np.bool_), x != 0, x)
    i = np.array([-3, 0, 1, 2**24 + 1], np.int32)
    _assert_exact(_convert(np.float32), i.astype(np.float32), i)
    _assert_exact(_convert(np.bool_), i != 0, i)
    _assert_exact(_convert(np.uint8), i.astype(np.uint8), i)         # wraps modulo 256
    b = np.array([True, False])
    _assert_exact(_convert(np.float32), b.astype(np.float32), b)
    _assert_exact(_convert(np.int32), b.astype(np.int32), b)
    nan = np.array([np.nan, 1.0], np.float32)
    _assert_exact(_convert(np.bool_), nan != 0, nan)                 # NaN is truthy


def test_convert_complex():
    z = np.array([1.5 + 2j, -0.5 - 1j, 3j, 0], np.complex64)
    _assert_exact(_convert(np.float32), z.real, z)                   # keeps the real part
    _assert_exact(_convert(np.int32), z.real.astype(np.int32), z)
    _assert_exact(_convert(np.bool_), z.real != 0, z)                # real part only, as JAX
    x = np.array([1.0, -2.0], np.float32)
    _assert_exact(_convert(np.complex64), x.astype(np.complex64), x)


@pytest.mark.parametrize("dtype", [dtypes.bfloat16, np.float16])
def test_convert_narrow_floats_round_to_nearest_even(dtype):
    x = np.concatenate([rng.standard_normal(20) * 100, [1e-8, 7e4, -7e4, np.inf, np.nan]])
    x = x.astype(np.float32)
    with np.errstate(over="ignore"):
        narrow = x.astype(dtype)              # 7e4 overflows float16 to inf
    _assert_exact(_convert(dtype), narrow, x)
    _assert_exact(_convert(np.float32), narrow.astype(np.float32), narrow)
    _assert_exact(_convert(np.int32), narrow[:20].astype(np.float32).astype(np.int32), narrow[:20])


def test_convert_under_x64():
    with config.enable_x64():
        x = np.array([1 / 3, 1e300, -2.5], np.float64)
        with np.errstate(over="ignore"):
            _assert_exact(_convert(np.float32), x.astype(np.float32), x)
        i = np.array([2**53 + 1, -7], np.int64)
        _assert_exact(_convert(np.float64), i.astype(np.float64), i)
        _assert_exact(_convert(np.int32), i.astype(np.int32), i)


BITCASTS = [("float32", "int32", (5,)), ("int32", "float32", (2, 3)), ("float32", "uint8", (3,)),
            ("uint8", "float32", (3, 4)), ("int16", "bfloat16", (4,)), ("float16", "uint16", (4,)),
            ("uint32", "uint16", (2, 2))]


@pytest.mark.parametrize("old,new,shape", BITCASTS)
def test_bitcast_convert_type_matches_numpy_view(old, new, shape):
    old = np.dtype(dtypes.bfloat16 if old == "bfloat16" else old)
    new = np.dtype(dtypes.bfloat16 if new == "bfloat16" else new)
    size = int(np.prod(shape)) * old.itemsize
    x = rng.integers(0, 256, size).astype(np.uint8).view(old).reshape(shape)  # random bits
    if new.itemsize == old.itemsize:
        expected = x.view(new)
    elif new.itemsize < old.itemsize:
        expected = x.reshape(*shape, 1).view(new)                   # adds a trailing axis
    else:
        expected = x.view(new).reshape(shape[:-1])                  # consumes the last axis
    for result in _both(lambda x: lax.bitcast_convert_type(x, new), x):
        assert result.dtype == new and result.shape == expected.shape
        assert result.tobytes() == expected.tobytes()
    back = np.asarray(lax.bitcast_convert_type(lax.bitcast_convert_type(x, new), old))
    assert back.tobytes() == x.tobytes()


def test_bitcast_float64_under_x64():
    with config.enable_x64():
        x = np.array([1.0, -np.pi, np.inf])
        _assert_exact(lambda x: lax.bitcast_convert_type(x, np.int64), x.view(np.int64), x)
        _assert_exact(lambda x: lax.bitcast_convert_type(x, np.uint32),
                      x.reshape(3, 1).view(np.uint32), x)


def test_reduce_precision_matches_casting():
    x = np.concatenate([rng.standard_normal(50) * 10.0 ** rng.integers(-5, 5, 50),
                        [np.inf, -np.inf, np.nan, 0.0, 3.3895314e38, 1e-40]]).astype(np.float32)
    to_bf16 = x.astype(ml_dtypes.bfloat16).astype(np.float32)
    _assert_exact(lambda x: lax.reduce_precision(x, 8, 7), to_bf16, x)
    small = x[np.abs(x) < 6e4]   # inside float16's range (no denormals: XLA keeps the exponent)
    small = small[(np.abs(small) > 1e-4) | (small == 0)]
    _assert_exact(lambda x: lax.reduce_precision(x, exponent_bits=5, mantissa_bits=10),
                  small.astype(np.float16).astype(np.float32), small)
    _assert_exact(lambda x: lax.reduce_precision(x, 8, 23), x, x)  # float32's own widths


# ---------------------------------------------------------------- special functions

def test_incomplete_gamma_float32():
    a = np.array([0.1, 0.5, 1.0, 2.0, 3.0, 5.0, 10.0, 0.7, 4.0, 1.5], np.float32)
    x = np.array([0.05, 0.3, 2.0, 1.0, 5.0, 4.0, 12.0, 20.0, 0.01, 1.5], np.float32)
    a64, x64 = a.astype(np.float64), x.astype(np.float64)
    _assert_close(lax.igamma, sp.gammainc(a64, x64).astype(np.float32), a, x, rtol=2e-5,
                  atol=1e-6)
    _assert_close(lax.igammac, sp.gammaincc(a64, x64).astype(np.float32), a, x, rtol=2e-5,
                  atol=1e-6)


def test_incomplete_gamma_float64_grid():
    with config.enable_x64():
        a, x = np.meshgrid(np.geomspace(0.05, 50, 12), np.geomspace(1e-3, 80, 13))
        _assert_close(lax.igamma, sp.gammainc(a, x), a, x, rtol=1e-11, atol=1e-14)
        _assert_close(lax.igammac, sp.gammaincc(a, x), a, x, rtol=1e-10, atol=1e-14)


def test_incomplete_gamma_edges():
    a = np.array([2.0, 2.0, 2.0, -1.0, 0.0, np.nan, 2.0], np.float32)
    x = np.array([0.0, np.inf, -1.0, 1.0, 1.0, 1.0, np.nan], np.float32)
    # P(a, 0) = 0 and P(a, inf) = 1; NaN outside the domain (a <= 0 or x < 0), as XLA/JAX.
    _assert_exact(lax.igamma, np.array([0, 1, np.nan, np.nan, np.nan, np.nan, np.nan],
                                       np.float32), a, x)
    _assert_exact(lax.igammac, np.array([1, 0, np.nan, np.nan, np.nan, np.nan, np.nan],
                                        np.float32), a, x)


def test_polygamma_and_zeta():
    m = np.array([0, 1, 2, 3, 1, 4], np.float32)
    x = np.array([0.5, 1.0, 2.5, 4.0, 7.0, 1.5], np.float32)
    expected = sp.polygamma(m.astype(int), x.astype(np.float64)).astype(np.float32)
    _assert_close(lax.polygamma, expected, m, x, rtol=2e-5)
    s = np.array([1.5, 2.0, 3.0, 4.5], np.float32)
    q = np.array([1.0, 0.5, 2.0, 3.0], np.float32)
    _assert_close(lax.zeta, sp.zeta(s.astype(np.float64), q).astype(np.float32), s, q, rtol=2e-5)
    with config.enable_x64():
        _assert_close(lax.zeta, sp.zeta(s.astype(np.float64), q), s.astype(np.float64),
                      q.astype(np.float64), rtol=1e-12)


def test_erf_inv_endpoints_and_lgamma_negative():
    x = np.array([-1.0, 1.0, 0.0, 2.0], np.float32)
    _assert_exact(lax.erf_inv, np.array([-np.inf, np.inf, 0.0, np.nan], np.float32), x)
    x = np.array([-0.5, -1.5, -2.5], np.float32)
    _assert_close(lax.lgamma, sp.gammaln(x.astype(np.float64)).astype(np.float32), x, rtol=1e-5)


# ---------------------------------------------------------------- weak types

def test_weak_types_carry_through():
    weak_c, weak_f = ShapedArray((), np.complex64, True), ShapedArray((3,), np.float32, True)
    strong_f = ShapedArray((3,), np.float32, False)
    assert lax.abs_p.abstract_eval(weak_c) == ShapedArray((), np.float32, True)
    assert lax.real_p.abstract_eval(weak_c) == ShapedArray((), np.float32, True)
    assert lax.add_p.abstract_eval(weak_f, weak_f).weak_type
    assert not lax.add_p.abstract_eval(weak_f, strong_f).weak_type
    assert lax.lt_p.abstract_eval(weak_f, weak_f) == ShapedArray((3,), np.bool_, False)
    assert lax.sin_p.abstract_eval(weak_f).weak_type


# ---------------------------------------------------------------- errors

f32, i32 = np.ones(3, np.float32), np.ones(3, np.int32)


@pytest.mark.parametrize("call,fragments", [
    (lambda: lax.add(f32, i32), ["add", "same dtypes", "float32", "int32"]),
    (lambda: lax.sin(i32), ["sin", "int32", "floating-point or complex"]),
    (lambda: lax.floor(i32), ["floor", "int32", "floating-point"]),
    (lambda: lax.round(np.ones(2, np.complex64)), ["round", "complex64"]),
    (lambda: lax.bitwise_and(f32, f32), ["and", "float32", "integer or bool"]),
    (lambda: lax.lt(np.ones(2, np.complex64), np.ones(2, np.complex64)), ["lt", "complex64"]),
    (lambda: lax.shift_left(f32, f32), ["shift_left", "float32", "integer"]),
    (lambda: lax.population_count(f32), ["population_count", "float32"]),
    (lambda: lax.abs(np.ones(2, np.uint8)), ["abs", "uint8"]),
    (lambda: lax.real(f32), ["real", "float32", "complex"]),
    (lambda: lax.complex(i32, i32), ["complex", "int32"]),
    (lambda: lax.atan2(np.ones(2, np.complex64), np.ones(2, np.complex64)), ["atan2"]),
    (lambda: lax.igamma(i32, i32), ["igamma", "int32"]),
    (lambda: lax.add(np.ones(3, np.float32), np.ones(4, np.float32)), ["add", "(3,)", "(4,)"]),
    (lambda: lax.integer_pow(i32, -1), ["integer_pow", "negative", "-1"]),
    (lambda: lax.pow(f32, np.ones(3, np.complex64)), ["pow", "float32", "complex64"]),
    (lambda: lax.pow(i32, i32), ["pow", "int32"]),
    (lambda: lax.select_n(np.ones(3, bool), f32, f32, f32), ["select_n", "at most 2", "int32"]),
    (lambda: lax.select_n(np.ones(2, bool), f32, f32), ["select_n", "(2,)", "(3,)"]),
    (lambda: lax.select_n(f32, f32, f32), ["select_n", "float32"]),
    (lambda: lax.select_n(np.ones(3, bool), f32, i32), ["select_n", "f32[3]", "i32[3]"]),
    (lambda: lax.clamp(np.zeros(2, np.float32), f32, np.float32(1)), ["clamp", "(2,)", "(3,)"]),
    (lambda: lax.clamp(np.int32(0), f32, np.float32(1)), ["clamp", "int32", "float32"]),
    (lambda: lax.bitcast_convert_type(np.ones(3, np.uint8), np.float32),
     ["bitcast_convert_type", "uint8", "float32", "last dimension of 4", "(3,)"]),
    (lambda: lax.bitcast_convert_type(f32, np.bool_), ["bitcast_convert_type", "bool"]),
    (lambda: lax.bitcast_convert_type(np.ones(2, np.complex64), np.float32),
     ["bitcast_convert_type", "complex64", "lax.real"]),
    (lambda: lax.reduce_precision(f32, 0, 3), ["reduce_precision", "exponent_bits=0"]),
    (lambda: lax.reduce_precision(i32, 8, 7), ["reduce_precision", "int32"]),
    (lambda: lax.round_p.bind(f32, rounding_method=2), ["round", "rounding_method", "2"]),
])
def test_bad_input_errors_name_the_problem(call, fragments):
    with pytest.raises(NumaxTypeError) as info:
        call()
    for fragment in fragments:
        assert fragment in str(info.value), (fragment, str(info.value))


def test_errors_also_raise_under_jit():
    with pytest.raises(NumaxTypeError, match="same dtypes"):
        numax.jit(lax.add)(f32, i32)
    with pytest.raises(TypeError):          # NumaxTypeError is a TypeError, as in JAX
        numax.jit(lax.cos)(i32)
