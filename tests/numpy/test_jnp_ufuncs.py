"""numax.numpy elementwise functions against NumPy.

Result dtypes follow JAX's promotion with x64 off: binary results are checked against
`shared/reference/promotion_x32.json` (JAX's own table), unary transcendental functions
promote bool and integers to float32. Values are compared with NumPy computing in the
expected dtype (float16/bfloat16 loosely, through float32). A subset also runs under
`numax.jit` to check that staged and eager results agree.
"""

import json
from pathlib import Path

import ml_dtypes
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import numax
import numax.numpy as jnp

BF16 = np.dtype(ml_dtypes.bfloat16)
DTYPES = [np.dtype(d) for d in (np.bool_, np.int8, np.uint8, np.int32, np.float16)] + \
    [BF16] + [np.dtype(d) for d in (np.float32, np.complex64)]
INTS = [np.dtype(d) for d in (np.int8, np.uint8, np.int32)]
FLOATS = [np.dtype(np.float16), BF16, np.dtype(np.float32)]
F32, C64, I32, BOOL = np.dtype(np.float32), np.dtype(np.complex64), np.dtype(np.int32), \
    np.dtype(np.bool_)

_REFERENCE = Path(__file__).resolve().parents[3] / "shared" / "reference" / "promotion_x32.json"
PROMOTION = json.loads(_REFERENCE.read_text())["table"]
_SCALAR_CODES = {"i*": 3, "f*": 1.5, "c*": 1.5 - 2j}

rng = np.random.default_rng(0)


def _name(dtype):
    return "bfloat16" if dtype == BF16 else np.dtype(dtype).name


def _values(shape, dtype, low=-3.0, high=3.0, seed=None):
    """Random host values of `dtype`; integers are drawn from a range that fits int8."""
    r = np.random.default_rng(seed) if seed is not None else rng
    dtype = np.dtype(dtype)
    if dtype == BOOL:
        return r.random(shape) < 0.5
    if dtype.kind in "iu":
        lo = max(0, int(np.floor(low))) if dtype.kind == "u" else int(np.floor(low))
        hi = int(np.ceil(high))
        return r.integers(lo, hi + 1, size=shape).astype(dtype)
    values = r.uniform(low, high, size=shape)
    if dtype == C64:
        values = values + 1j * r.uniform(low, high, size=shape)
    return values.astype(dtype)


def _tolerance(dtype, rtol):
    if dtype in (np.dtype(np.float16), BF16):
        return 2e-2, 2e-2
    return rtol, 0.0


def assert_matches(result, expected, dtype, rtol=0.0, atol=None, weak_type=None):
    """`result` is an Array of `dtype` (and weak type, if given) equal to `expected`."""
    assert isinstance(result, numax.Array), type(result)
    assert result.dtype == dtype, (result.dtype, dtype)
    if weak_type is not None:
        assert result.weak_type == weak_type, (result.weak_type, weak_type)
    expected = np.asarray(expected)
    assert result.shape == expected.shape, (result.shape, expected.shape)
    rtol, default_atol = _tolerance(np.dtype(dtype), rtol)
    atol = default_atol if atol is None else atol
    if np.dtype(dtype).kind in "biu":
        rtol = atol = 0
    got = np.asarray(result)
    if dtype in (np.dtype(np.float16), BF16):
        got, expected = got.astype(np.float32), expected.astype(np.float32)
    if rtol == 0 and atol == 0:
        np.testing.assert_array_equal(got, expected)
    else:
        np.testing.assert_allclose(got, expected, rtol=rtol, atol=atol, equal_nan=True)


def _reference(np_fn, *args, dtype):
    """NumPy's answer, computed in `dtype` (through float32 for float16 and bfloat16)."""
    compute = F32 if dtype in (np.dtype(np.float16), BF16) else dtype
    with np.errstate(all="ignore"):
        out = np_fn(*[np.asarray(a).astype(compute) for a in args])
    return np.asarray(out).astype(dtype) if np.asarray(out).dtype.kind != "b" else out


def promoted(a, b):
    """JAX's result dtype and weak flag for add(a, b), from the reference table."""
    def code(x):
        return {v: k for k, v in _SCALAR_CODES.items()}.get(x) if not hasattr(x, "dtype") \
            else _name(x.dtype)
    name = PROMOTION[f"{code(a)},{code(b)}"]
    return np.dtype(ml_dtypes.bfloat16 if name.rstrip("*") == "bfloat16"
                    else name.rstrip("*")), name.endswith("*")


def _inexact(dtype):
    return dtype if dtype.kind in "fc" or dtype == BF16 else F32


# ---------------------------------------------------------------- unary functions

# name, NumPy reference, low, high, allowed dtypes ("all", "numeric", "real", "float"), rtol
UNARY_TRANSCENDENTAL = [
    ("exp", np.exp, -4, 4, "all", 2e-6),
    ("exp2", np.exp2, -4, 4, "real", 2e-6),
    ("expm1", np.expm1, -2, 2, "real", 2e-6),
    ("log", np.log, 0.1, 8, "all", 2e-6),
    ("log1p", np.log1p, -0.5, 4, "real", 2e-6),
    ("log2", np.log2, 0.1, 8, "all", 4e-6),
    ("log10", np.log10, 0.1, 8, "all", 4e-6),
    ("sqrt", np.sqrt, 0.0, 9, "all", 2e-6),
    ("cbrt", np.cbrt, -8, 8, "real", 2e-6),
    ("sin", np.sin, -4, 4, "all", 2e-6),
    ("cos", np.cos, -4, 4, "all", 2e-6),
    ("tan", np.tan, -1.2, 1.2, "all", 4e-6),
    ("arcsin", np.arcsin, -0.95, 0.95, "real", 2e-6),
    ("arccos", np.arccos, -0.95, 0.95, "real", 2e-6),
    ("arctan", np.arctan, -4, 4, "all", 2e-6),
    ("sinh", np.sinh, -3, 3, "all", 4e-6),
    ("cosh", np.cosh, -3, 3, "all", 4e-6),
    ("tanh", np.tanh, -3, 3, "all", 4e-6),
    ("arcsinh", np.arcsinh, -4, 4, "all", 2e-6),
    ("arccosh", np.arccosh, 1.0, 5, "real", 2e-6),
    ("arctanh", np.arctanh, -0.9, 0.9, "real", 4e-6),
    ("deg2rad", np.deg2rad, -360, 360, "real", 1e-6),
    ("rad2deg", np.rad2deg, -4, 4, "real", 1e-6),
    ("radians", np.radians, -360, 360, "real", 1e-6),
    ("degrees", np.degrees, -4, 4, "real", 1e-6),
    ("reciprocal", np.reciprocal, 0.5, 4, "all", 1e-6),
]


def _allowed(kind, dtype):
    if kind == "all":
        return True
    if kind == "real":
        return dtype != C64
    return dtype in FLOATS


def _unary_cases():
    for name, ref, low, high, kind, rtol in UNARY_TRANSCENDENTAL:
        for dtype in DTYPES:
            if _allowed(kind, dtype):
                yield pytest.param(name, ref, low, high, dtype, rtol, id=f"{name}-{_name(dtype)}")


@pytest.mark.parametrize("name,ref,low,high,dtype,rtol", list(_unary_cases()))
def test_unary_transcendental(name, ref, low, high, dtype, rtol):
    # Complex inputs have an imaginary part drawn from the same range; keep the
    # functions with branch cuts and fast growth in their tame region.
    if dtype == C64:
        low, high = max(low, -2.0), min(high, 2.0)
    if dtype.kind in "iub" and low > 0 and name == "reciprocal":
        low = 1
    x = _values((3, 5), dtype, low, high)
    if dtype.kind in "iu" and name in ("log", "log2", "log10", "reciprocal"):
        x = np.maximum(x, 1).astype(dtype)
    expected_dtype = _inexact(dtype)
    rtol = 3e-5 if dtype == C64 else rtol
    atol = 1e-6 if dtype == C64 else None
    result = getattr(jnp, name)(jnp.asarray(x))
    assert_matches(result, _reference(ref, x, dtype=expected_dtype), expected_dtype, rtol, atol)


@pytest.mark.parametrize("name", ["sin", "exp", "log", "sqrt", "tanh", "arctan", "reciprocal"])
def test_unary_transcendental_of_python_scalar_is_weak_float32(name):
    result = getattr(jnp, name)(2)
    expected = _reference(getattr(np, name), np.float32(2), dtype=F32)
    assert_matches(result, expected, F32, rtol=2e-6, weak_type=True)


SPECIAL_FLOATS = np.array([0.0, -0.0, 1.0, -1.0, np.inf, -np.inf, np.nan, 1e-30, -1e30, 2.5],
                          np.float32)


@pytest.mark.parametrize("name", ["exp", "exp2", "expm1", "log", "log1p", "sqrt", "cbrt", "sin",
                                  "cos", "tanh", "arctan", "arcsinh", "sinh", "cosh", "floor",
                                  "ceil", "trunc", "rint", "round", "sign", "absolute", "negative",
                                  "reciprocal", "isnan", "isinf", "isfinite", "square",
                                  "arccosh", "arctanh", "arcsin", "arccos", "log2", "log10"])
def test_unary_special_values(name):
    result = getattr(jnp, name)(jnp.asarray(SPECIAL_FLOATS))
    with np.errstate(all="ignore"):
        expected = getattr(np, name)(SPECIAL_FLOATS)
    assert_matches(result, expected, expected.dtype, rtol=5e-6)
    # zeros keep their sign where NumPy's do (sign(-0.0) is -0.0 in XLA and JAX)
    if expected.dtype == F32 and name != "sign":
        finite = np.isfinite(expected) & (expected == 0)
        np.testing.assert_array_equal(np.signbit(np.asarray(result)[finite]),
                                      np.signbit(expected[finite]))


# Functions that keep integer (and bool) dtypes; floats follow NumPy exactly.
EXACT_UNARY = [
    ("negative", np.negative, "nobool"),
    ("positive", np.positive, "nobool"),
    ("absolute", np.absolute, "all"),
    ("abs", np.abs, "all"),
    ("sign", np.sign, "nobool"),
    ("floor", np.floor, "nocomplex"),
    ("ceil", np.ceil, "nocomplex"),
    ("trunc", np.trunc, "nocomplex"),
    ("rint", np.rint, "nocomplex"),
    ("square", np.square, "nobool"),
    ("conjugate", np.conjugate, "all"),
    ("conj", np.conj, "all"),
    ("real", np.real, "all"),
    ("imag", np.imag, "all"),
    ("isnan", np.isnan, "all"),
    ("isinf", np.isinf, "all"),
    ("isfinite", np.isfinite, "all"),
    ("logical_not", np.logical_not, "all"),
    ("bitwise_not", np.bitwise_not, "integer"),
    ("invert", np.invert, "integer"),
]


def _exact_cases():
    for name, ref, kind in EXACT_UNARY:
        for dtype in DTYPES:
            if kind == "nobool" and dtype == BOOL or kind == "nocomplex" and dtype == C64 or \
                    kind == "integer" and dtype.kind not in "iub":
                continue
            yield pytest.param(name, ref, dtype, id=f"{name}-{_name(dtype)}")


def _exact_expected_dtype(name, dtype):
    if name in ("isnan", "isinf", "isfinite", "logical_not"):
        return BOOL
    if name in ("real", "imag", "absolute", "abs") and dtype == C64:
        return F32
    return dtype   # JAX keeps ints for floor/ceil/trunc/rint (NumPy would give floats)


@pytest.mark.parametrize("name,ref,dtype", list(_exact_cases()))
def test_unary_exact(name, ref, dtype):
    x = _values((4, 3), dtype, -5.5, 5.5)
    if dtype.kind == "f" or dtype == BF16:
        x[0, :3] = np.array([np.nan, np.inf, -np.inf]).astype(dtype)
        x[1, :3] = np.array([0.5, 1.5, -2.5]).astype(dtype)   # rint rounds half to even
    if dtype == C64:
        x[0, 0] = complex(np.nan, 1)
        if name in ("isnan", "isinf", "isfinite"):
            x[0, 1] = complex(1, np.inf)
    expected_dtype = _exact_expected_dtype(name, dtype)
    with np.errstate(all="ignore"):
        if dtype in (np.dtype(np.float16), BF16):
            expected = ref(x.astype(F32))
        else:
            expected = ref(x)
    expected = np.asarray(expected).astype(expected_dtype)
    result = getattr(jnp, name)(jnp.asarray(x))
    assert_matches(result, expected, expected_dtype, rtol=1e-6 if dtype == C64 else 0)


def test_unary_ops_reject_bad_dtypes():
    with pytest.raises(TypeError):
        jnp.bitwise_not(jnp.asarray([1.5]))
    with pytest.raises(TypeError):
        jnp.invert(jnp.asarray([1.5 + 1j]))


@pytest.mark.parametrize("decimals", [-2, -1, 0, 1, 2, 3])
@pytest.mark.parametrize("dtype", [F32, I32, np.dtype(np.int8), C64], ids=_name)
def test_round(decimals, dtype):
    if dtype.kind in "iu":
        x = np.array([0, 5, 15, 25, 35, -5, -15, -25, 49, 51, 99, 101, -101, 45, -45, 55],
                     dtype)
    else:
        x = np.array([0.125, 1.5, 2.5, -2.5, 0.5, -0.5, 123.456, -9.87654, 1e-3, 77.7], dtype)
        if dtype == C64:
            x = x + 1j * x[::-1]
    with np.errstate(all="ignore"):
        expected = np.round(x, decimals)
    result = jnp.round(jnp.asarray(x), decimals)
    assert_matches(result, expected, dtype, rtol=1e-6 if dtype.kind in "fc" else 0)
    assert_matches(jnp.around(jnp.asarray(x), decimals), expected, dtype,
                   rtol=1e-6 if dtype.kind in "fc" else 0)


# ---------------------------------------------------------------- binary functions

# name, NumPy reference, dtypes kind, (low, high) of x, (low, high) of y, result rule, rtol
BINARY = [
    ("add", np.add, "all", None, None, "promote", 1e-6),
    ("subtract", np.subtract, "nobool", None, None, "promote", 1e-6),
    ("multiply", np.multiply, "all", None, None, "promote", 1e-6),
    ("divide", np.divide, "all", None, (0.5, 4), "inexact", 1e-6),
    ("true_divide", np.true_divide, "all", None, (0.5, 4), "inexact", 1e-6),
    ("maximum", np.maximum, "real", None, None, "promote", 0),
    ("minimum", np.minimum, "real", None, None, "promote", 0),
    ("floor_divide", np.floor_divide, "nobool_real", (-9, 9), (1, 4), "promote", 1e-6),
    ("remainder", np.remainder, "nobool_real", (-9, 9), (1, 4), "promote", 1e-6),
    ("mod", np.mod, "nobool_real", (-9, 9), (1, 4), "promote", 1e-6),
    ("fmod", np.fmod, "nobool_real", (-9, 9), (1, 4), "promote", 1e-6),
    ("power", np.power, "nobool", (0.2, 3), (0, 3), "promote", 4e-6),
    ("arctan2", np.arctan2, "real", None, None, "inexact", 2e-6),
    ("equal", np.equal, "all", (-2, 2), (-2, 2), "bool", 0),
    ("not_equal", np.not_equal, "all", (-2, 2), (-2, 2), "bool", 0),
    ("less", np.less, "real", (-2, 2), (-2, 2), "bool", 0),
    ("less_equal", np.less_equal, "real", (-2, 2), (-2, 2), "bool", 0),
    ("greater", np.greater, "real", (-2, 2), (-2, 2), "bool", 0),
    ("greater_equal", np.greater_equal, "real", (-2, 2), (-2, 2), "bool", 0),
    ("logical_and", np.logical_and, "all", (-1, 1), (-1, 1), "bool", 0),
    ("logical_or", np.logical_or, "all", (-1, 1), (-1, 1), "bool", 0),
    ("logical_xor", np.logical_xor, "all", (-1, 1), (-1, 1), "bool", 0),
    ("bitwise_and", np.bitwise_and, "integer", (-100, 100), (-100, 100), "promote", 0),
    ("bitwise_or", np.bitwise_or, "integer", (-100, 100), (-100, 100), "promote", 0),
    ("bitwise_xor", np.bitwise_xor, "integer", (-100, 100), (-100, 100), "promote", 0),
    ("left_shift", np.left_shift, "nobool_integer", (-100, 100), (0, 7), "promote", 0),
    ("right_shift", np.right_shift, "nobool_integer", (-100, 100), (0, 7), "promote", 0),
]

# Same-dtype pairs plus mixed pairs whose promotion is interesting.
MIXED_PAIRS = [(np.uint8, np.int8), (np.int8, np.float16), (BF16, np.float16),
               (np.int32, np.float16), (np.bool_, np.int8), (np.float32, np.complex64),
               (np.uint8, np.int32), (np.bool_, np.float32), (np.int8, BF16)]
PAIRS = [(d, d) for d in DTYPES] + [(np.dtype(a), np.dtype(b)) for a, b in MIXED_PAIRS]


def _binary_allowed(kind, a, b):
    has_bool = BOOL in (a, b)
    has_complex = C64 in (a, b)
    integer = a.kind in "iub" and b.kind in "iub"
    return {"all": True, "nobool": not (a == b == BOOL), "real": not has_complex,
            "nobool_real": not has_complex and not (a == b == BOOL),
            "integer": integer, "nobool_integer": integer and not has_bool}[kind]


def _binary_cases():
    for name, ref, kind, xr, yr, rule, rtol in BINARY:
        for a, b in PAIRS:
            if _binary_allowed(kind, a, b):
                yield pytest.param(name, ref, a, b, xr, yr, rule, rtol,
                                   id=f"{name}-{_name(a)}-{_name(b)}")


def _binary_inputs(name, a, b, xr, yr, shape_x=(3, 4), shape_y=(3, 4), seed=None):
    xr = xr or (-3, 3)
    yr = yr or (-3, 3)
    x = _values(shape_x, a, *xr, seed=seed)
    y = _values(shape_y, b, *yr, seed=None if seed is None else seed + 1)
    if name == "power" and a.kind in "iu":
        x = _values(shape_x, a, -4, 4, seed=seed)
    if name in ("left_shift", "right_shift"):
        # shift by less than the width of the promoted type
        y = _values(shape_y, b, 0, 7, seed=seed)
    return x, y


def _expected_dtype(rule, a, b):
    if rule == "bool":
        return BOOL
    dtype, _ = promoted(np.zeros(1, a), np.zeros(1, b))
    return _inexact(dtype) if rule == "inexact" else dtype


@pytest.mark.parametrize("name,ref,a,b,xr,yr,rule,rtol", list(_binary_cases()))
def test_binary(name, ref, a, b, xr, yr, rule, rtol):
    x, y = _binary_inputs(name, a, b, xr, yr)
    dtype = _expected_dtype(rule, a, b)
    compute = dtype if rule != "bool" else promoted(x, y)[0]
    if rule == "bool" and compute in (np.dtype(np.float16), BF16):
        compute = F32   # exact for these small values
    with np.errstate(all="ignore"):
        expected = ref(x.astype(compute if compute != BF16 else F32),
                       y.astype(compute if compute != BF16 else F32))
    expected = np.asarray(expected).astype(dtype)
    rtol = max(rtol, 1e-5) if dtype == C64 else rtol
    result = getattr(jnp, name)(jnp.asarray(x), jnp.asarray(y))
    assert_matches(result, expected, dtype, rtol, atol=1e-6 if dtype == C64 else None)


def test_bool_arithmetic_is_logical():
    a = np.array([True, True, False, False])
    b = np.array([True, False, True, False])
    assert_matches(jnp.add(jnp.asarray(a), jnp.asarray(b)), a | b, BOOL)
    assert_matches(jnp.multiply(jnp.asarray(a), jnp.asarray(b)), a & b, BOOL)
    assert_matches(jnp.maximum(jnp.asarray(a), jnp.asarray(b)), a | b, BOOL)
    assert_matches(jnp.minimum(jnp.asarray(a), jnp.asarray(b)), a & b, BOOL)
    with pytest.raises(TypeError):
        jnp.subtract(jnp.asarray(a), jnp.asarray(b))


def test_integer_division_by_nonzero_matches_python():
    x = np.arange(-12, 13, dtype=np.int32)
    for divisor in (1, 2, 3, 5, -1, -2, -3, -7):
        y = np.full_like(x, divisor)
        assert_matches(jnp.floor_divide(jnp.asarray(x), jnp.asarray(y)), x // y, I32)
        assert_matches(jnp.remainder(jnp.asarray(x), jnp.asarray(y)), x % y, I32)
        assert_matches(jnp.fmod(jnp.asarray(x), jnp.asarray(y)), np.fmod(x, y), I32)
        q, r = jnp.divmod(jnp.asarray(x), jnp.asarray(y))
        assert_matches(q, x // y, I32)
        assert_matches(r, x % y, I32)


def test_unsigned_division():
    x = np.array([0, 1, 7, 200, 255], np.uint8)
    y = np.array([3, 2, 7, 9, 16], np.uint8)
    assert_matches(jnp.floor_divide(jnp.asarray(x), jnp.asarray(y)), x // y, np.dtype(np.uint8))
    assert_matches(jnp.remainder(jnp.asarray(x), jnp.asarray(y)), x % y, np.dtype(np.uint8))


def test_float_floor_divide_and_remainder_signs():
    x = np.array([7.5, -7.5, 7.5, -7.5, 0.0, -0.0, 1e-8, 6.0, -6.0, 3.0], np.float32)
    y = np.array([2.0, 2.0, -2.0, -2.0, 3.0, 3.0, -1.0, 3.0, 3.0, 0.1], np.float32)
    assert_matches(jnp.floor_divide(jnp.asarray(x), jnp.asarray(y)), np.floor_divide(x, y), F32)
    assert_matches(jnp.remainder(jnp.asarray(x), jnp.asarray(y)), np.remainder(x, y), F32,
                   rtol=1e-6, atol=1e-7)
    assert_matches(jnp.fmod(jnp.asarray(x), jnp.asarray(y)), np.fmod(x, y), F32, rtol=1e-6,
                   atol=1e-7)


def test_float_division_by_zero():
    x = np.array([1.0, -1.0, 0.0], np.float32)
    y = np.zeros(3, np.float32)
    with np.errstate(all="ignore"):
        assert_matches(jnp.divide(jnp.asarray(x), jnp.asarray(y)), x / y, F32)
        assert_matches(jnp.divide(jnp.asarray([1, 0, -2]), jnp.asarray([0, 0, 0])),
                       np.array([1, 0, -2], np.float32) / np.zeros(3, np.float32), F32)


def test_integer_power_is_exact():
    x = np.arange(-6, 7, dtype=np.int32)
    for exponent in range(0, 12):
        assert_matches(jnp.power(jnp.asarray(x), exponent), x ** exponent, I32)
        assert_matches(jnp.asarray(x) ** exponent, x ** exponent, I32)
    y = np.arange(0, 13, dtype=np.int32)
    assert_matches(jnp.power(jnp.asarray(x), jnp.asarray(y)), x ** y, I32)
    assert_matches(2 ** jnp.asarray(y), 2 ** y, I32, weak_type=False)
    assert_matches(jnp.power(3, jnp.asarray(y)), 3 ** y, I32)
    big = np.array([3, -3, 7], np.int32)
    assert_matches(jnp.power(jnp.asarray(big), jnp.asarray(np.array([40, 41, 30], np.int32))),
                   big ** np.array([40, 41, 30], np.int32), I32)   # wraps like NumPy
    u = np.array([0, 1, 2, 3, 255], np.uint8)
    assert_matches(jnp.power(jnp.asarray(u), 3), u ** 3, np.dtype(np.uint8))


def test_float_power_with_integer_exponents():
    x = np.array([-2.5, -1.0, 0.0, 0.5, 3.0], np.float32)
    for exponent in (-3, -2, -1, 0, 1, 2, 3, 7):
        with np.errstate(all="ignore"):
            expected = x ** np.float32(exponent)
        assert_matches(jnp.asarray(x) ** exponent, expected, F32, rtol=2e-6)
    assert_matches(jnp.asarray(x) ** 2.0, x ** 2, F32, rtol=1e-6)
    assert_matches(jnp.float_power(jnp.asarray([2.0, 3.0]), 3), np.float32([8, 27]), F32)


def test_negative_integer_power_raises():
    with pytest.raises(ValueError):
        jnp.power(jnp.asarray([2, 3]), -1)


def test_nextafter():
    x = np.array([0.0, 1.0, -1.0, 1e30, np.inf], np.float32)
    y = np.array([1.0, 2.0, -2.0, 0.0, 0.0], np.float32)
    assert_matches(jnp.nextafter(jnp.asarray(x), jnp.asarray(y)), np.nextafter(x, y), F32)


def test_maximum_minimum_propagate_nan():
    x = np.array([np.nan, 1.0, np.nan, -np.inf], np.float32)
    y = np.array([1.0, np.nan, np.nan, 3.0], np.float32)
    assert_matches(jnp.maximum(jnp.asarray(x), jnp.asarray(y)), np.maximum(x, y), F32)
    assert_matches(jnp.minimum(jnp.asarray(x), jnp.asarray(y)), np.minimum(x, y), F32)


def test_shifts_by_the_full_width_and_more():
    x = np.array([1, -1, 100, -100, 127, -128], np.int8)
    for shift in (7, 8, 9, 30):
        y = np.full_like(x, shift)
        assert_matches(jnp.left_shift(jnp.asarray(x), jnp.asarray(y)),
                       np.left_shift(x.astype(np.int64), shift).astype(np.int8) if shift < 8
                       else np.zeros_like(x), np.dtype(np.int8))
        assert_matches(jnp.right_shift(jnp.asarray(x), jnp.asarray(y)),
                       np.right_shift(x, 7), np.dtype(np.int8))
    u = np.array([1, 128, 255], np.uint8)
    assert_matches(jnp.right_shift(jnp.asarray(u), jnp.asarray(np.uint8([1, 7, 4]))),
                   u >> np.uint8([1, 7, 4]), np.dtype(np.uint8))


# ---------------------------------------------------------------- Python scalars (weak types)

SCALARS = [3, 1.5, 1.5 - 2j]


def _scalar_cases():
    for dtype in DTYPES:
        for scalar in SCALARS:
            for name in ("add", "multiply", "subtract"):
                if name == "subtract" and dtype == BOOL and isinstance(scalar, bool):
                    continue
                yield pytest.param(name, dtype, scalar,
                                   id=f"{name}-{_name(dtype)}-{type(scalar).__name__}")


@pytest.mark.parametrize("name,dtype,scalar", list(_scalar_cases()))
def test_binary_with_python_scalar(name, dtype, scalar):
    x = _values((5,), dtype, -3, 3)
    expected_dtype, weak = promoted(np.zeros(1, dtype), scalar)
    ref = getattr(np, name)
    compute = F32 if expected_dtype in (np.dtype(np.float16), BF16) else expected_dtype
    with np.errstate(all="ignore"):
        expected_right = ref(x.astype(compute), np.asarray(scalar).astype(compute))
        expected_left = ref(np.asarray(scalar).astype(compute), x.astype(compute))
    for result, expected in ((getattr(jnp, name)(jnp.asarray(x), scalar), expected_right),
                             (getattr(jnp, name)(scalar, jnp.asarray(x)), expected_left)):
        assert_matches(result, np.asarray(expected).astype(expected_dtype), expected_dtype,
                       rtol=1e-6, weak_type=weak)


@pytest.mark.parametrize("a", sorted({k.split(",")[0] for k in PROMOTION}))
def test_add_dtype_follows_jax_promotion_table(a):
    def operand(code):
        if code in _SCALAR_CODES:
            return _SCALAR_CODES[code]
        dtype = BF16 if code == "bfloat16" else np.dtype(code)
        return jnp.asarray(np.ones(2, dtype))
    for key, expected in PROMOTION.items():
        left, right = key.split(",")
        if left != a:
            continue
        result = jnp.add(operand(left), operand(right))
        dtype, weak = expected.rstrip("*"), expected.endswith("*")
        assert _name(result.dtype) == dtype, (key, result.dtype, expected)
        assert result.weak_type == weak, (key, result.weak_type, expected)


def test_python_scalars_only():
    result = jnp.add(1, 2)
    assert_matches(result, np.int32(3), I32, weak_type=True)
    result = jnp.multiply(1.5, 2)
    assert_matches(result, np.float32(3.0), F32, weak_type=True)
    assert_matches(jnp.divide(1, 2), np.float32(0.5), F32, weak_type=True)
    assert_matches(jnp.maximum(True, False), np.bool_(True), BOOL)


def test_numpy_operands_are_strongly_typed():
    x = jnp.asarray(np.ones(3, np.float32))
    # a float64 NumPy array is a strong float64, canonicalised to float32 with x64 off
    assert_matches(jnp.add(x, np.ones(3)), np.full(3, 2, np.float32), F32, weak_type=False)
    # a NumPy scalar is strong too: int8 array + np.int32 scalar is int32
    assert_matches(jnp.add(jnp.asarray(np.ones(2, np.int8)), np.int32(3)), np.int32([4, 4]), I32)
    assert_matches(jnp.add(jnp.asarray(np.ones(2, np.int8)), 3), np.int8([4, 4]),
                   np.dtype(np.int8))


def test_lists_are_rejected_by_ufuncs():
    with pytest.raises(TypeError):
        jnp.add([1, 2], jnp.asarray([1, 2]))


# ---------------------------------------------------------------- broadcasting (hypothesis)

_BROADCAST_OPS = ["add", "multiply", "maximum", "less", "arctan2", "remainder", "logical_xor"]


@settings(max_examples=20, deadline=None)
@given(shapes=hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=4, max_side=4),
       name=st.sampled_from(_BROADCAST_OPS),
       dtypes=st.sampled_from([(F32, F32), (I32, F32), (np.dtype(np.int8), np.dtype(np.uint8)),
                               (BOOL, I32)]),
       seed=st.integers(0, 2 ** 16))
def test_binary_broadcasting(shapes, name, dtypes, seed):
    a, b = dtypes
    shape_x, shape_y = shapes.input_shapes
    x = _values(shape_x, a, -5, 5, seed=seed)
    y = _values(shape_y, b, 1, 5, seed=seed + 1)
    rule = "bool" if name in ("less", "logical_xor") else \
        "inexact" if name == "arctan2" else "promote"
    dtype = _expected_dtype(rule, a, b)
    compute = promoted(x, y)[0] if rule == "bool" else dtype
    with np.errstate(all="ignore"):
        expected = getattr(np, name)(x.astype(compute), y.astype(compute)).astype(dtype)
    result = getattr(jnp, name)(jnp.asarray(x), jnp.asarray(y))
    assert_matches(result, expected, dtype, rtol=2e-6)


def test_incompatible_shapes_raise():
    with pytest.raises(ValueError):
        jnp.add(jnp.ones((2, 3)), jnp.ones((4,)))


# ---------------------------------------------------------------- staged == eager

_JIT_CASES = [
    ("sin", 1), ("log1p", 1), ("round", 1), ("floor", 1), ("isinf", 1), ("sign", 1),
    ("add", 2), ("floor_divide", 2), ("remainder", 2), ("power", 2), ("arctan2", 2),
    ("maximum", 2), ("logical_and", 2), ("right_shift", 2),
]


@pytest.mark.parametrize("name,arity", _JIT_CASES)
@pytest.mark.parametrize("dtype", [F32, I32], ids=_name)
def test_jit_matches_eager(name, arity, dtype):
    if dtype.kind == "f" and name == "right_shift":
        pytest.skip("shifts take integers")
    x = _values((2, 5), dtype, -6, 6, seed=1)
    y = _values((2, 5), dtype, 1, 3, seed=2)
    fn = getattr(jnp, name)
    args = (jnp.asarray(x),) if arity == 1 else (jnp.asarray(x), jnp.asarray(y))
    eager = fn(*args)
    staged = numax.jit(fn)(*args)
    assert staged.dtype == eager.dtype and staged.shape == eager.shape
    assert staged.weak_type == eager.weak_type
    np.testing.assert_allclose(np.asarray(staged), np.asarray(eager), rtol=1e-6)
    # and both agree with NumPy in the result dtype
    with np.errstate(all="ignore"):
        expected = getattr(np, name)(*[np.asarray(a) for a in args])
    np.testing.assert_allclose(np.asarray(staged), np.asarray(expected).astype(staged.dtype),
                               rtol=2e-6)


def test_jit_with_python_scalar_keeps_weak_type():
    f = numax.jit(lambda x: jnp.multiply(x, 2.5) + 1)
    x = jnp.asarray(np.arange(4, dtype=np.int8))
    result = f(x)
    assert_matches(result, np.arange(4, dtype=np.float32) * 2.5 + 1, F32, weak_type=True)
    g = numax.jit(lambda x: x * 3 + 1)
    assert_matches(g(x), np.arange(4, dtype=np.int8) * 3 + 1, np.dtype(np.int8), weak_type=False)


# ---------------------------------------------------------------- less common NumPy functions

# no subnormals: XLA on CPU flushes them to zero (as JAX does)
EDGE = np.array([0.0, -0.0, 1.5, -2.5, np.inf, -np.inf, np.nan, 3e38, -1e-30, 7.0], np.float32)
EDGE_Y = np.array([-1.0, 2.0, -0.0, np.nan, 1.0, np.inf, 2.0, 3e38, 5.0, -np.inf], np.float32)

NEW_BINARY = [("copysign", 0), ("hypot", 2e-6), ("logaddexp", 2e-6), ("logaddexp2", 2e-6),
              ("fmax", 0), ("fmin", 0), ("heaviside", 0)]


@pytest.mark.parametrize("name,rtol", NEW_BINARY)
def test_more_binary_functions(name, rtol):
    ref = getattr(np, name)
    with np.errstate(all="ignore"):
        expected = ref(EDGE, EDGE_Y)
        expected_scalar = ref(EDGE, np.float32(-0.5))
    assert_matches(getattr(jnp, name)(jnp.asarray(EDGE), jnp.asarray(EDGE_Y)), expected, F32,
                   rtol=rtol)
    assert_matches(getattr(jnp, name)(jnp.asarray(EDGE), -0.5), expected_scalar, F32, rtol=rtol)
    # broadcasting, and integers promoted to float (fmax/fmin keep integers, as NumPy's)
    x, y = np.arange(-3, 3, dtype=np.int32).reshape(2, 3), np.array([2, -1, 0], np.int32)
    dtype = I32 if name in ("fmax", "fmin") else F32
    with np.errstate(all="ignore"):
        expected = ref(x.astype(dtype), y.astype(dtype))
    assert_matches(getattr(jnp, name)(jnp.asarray(x), jnp.asarray(y)), expected, dtype,
                   rtol=rtol)
    h = np.array([0.5, -0.25, 2.0], np.float16)
    with np.errstate(all="ignore"):
        expected = ref(h.astype(F32), h[::-1].astype(F32)).astype(np.float16)
    assert_matches(getattr(jnp, name)(jnp.asarray(h), jnp.asarray(h[::-1])), expected,
                   np.dtype(np.float16))


def test_hypot_and_logaddexp_do_not_overflow():
    big = np.array([3e38, 1e30, -2e38], np.float32)
    assert_matches(jnp.hypot(jnp.asarray(big), jnp.asarray(big / 2)),
                   np.hypot(big, big / 2), F32, rtol=2e-6)
    assert_matches(jnp.logaddexp(jnp.asarray(np.float32([100, -100, 1000])),
                                 jnp.asarray(np.float32([99, -101, 1000]))),
                   np.logaddexp(np.float32([100, -100, 1000]), np.float32([99, -101, 1000])),
                   F32, rtol=2e-6)


@pytest.mark.parametrize("name", ["fabs", "signbit", "isposinf", "isneginf", "sinc"])
def test_more_unary_functions(name):
    ref = getattr(np, name)
    with np.errstate(all="ignore"):
        expected = ref(EDGE)
    assert_matches(getattr(jnp, name)(jnp.asarray(EDGE)), expected, expected.dtype, rtol=2e-6)
    x = np.arange(-3, 4, dtype=np.int8)
    with np.errstate(all="ignore"):
        expected = ref(x.astype(F32)) if name in ("fabs", "sinc") else ref(x)
    assert_matches(getattr(jnp, name)(jnp.asarray(x)), expected, expected.dtype, rtol=2e-6)
    h = np.array([0.5, -0.25, -0.0, np.inf], np.float16)
    with np.errstate(all="ignore"):
        expected = ref(h)
    assert_matches(getattr(jnp, name)(jnp.asarray(h)), expected, expected.dtype)


def test_sinc_near_zero_and_integers():
    x = np.array([0.0, 1e-8, -1e-4, 0.5, 1.0, 2.0, -3.0, 10.25], np.float32)
    assert_matches(jnp.sinc(jnp.asarray(x)), np.sinc(x), F32, rtol=2e-6, atol=1e-6)


@pytest.mark.parametrize("dtype", INTS + [np.dtype(np.int16), np.dtype(np.uint32)], ids=_name)
def test_bitwise_count(dtype):
    info = np.iinfo(dtype)
    x = np.array([0, 1, 2, 3, 7, info.max, info.min, info.max // 3], dtype)
    if dtype.kind == "i":
        x = np.concatenate([x, np.array([-1, -2, -7], dtype)])
    expected = np.bitwise_count(x)
    assert_matches(jnp.bitwise_count(jnp.asarray(x)), expected, expected.dtype)


def test_array_api_aliases():
    x = jnp.asarray(np.float32([0.25, 0.5]))
    for alias, name in (("acos", "arccos"), ("asin", "arcsin"), ("atan", "arctan"),
                        ("acosh", "arccosh"), ("asinh", "arcsinh"), ("atanh", "arctanh")):
        arg = x + 1 if alias == "acosh" else x
        np.testing.assert_array_equal(np.asarray(getattr(jnp, alias)(arg)),
                                      np.asarray(getattr(jnp, name)(arg)))
        assert_matches(getattr(jnp, alias)(arg), getattr(np, name)(np.asarray(arg)), F32,
                       rtol=2e-6)
    assert_matches(jnp.pow(x, 2), np.float32([0.0625, 0.25]), F32)
    assert_matches(jnp.atan2(x, x), np.arctan2(np.float32([0.25, 0.5]), np.float32([0.25, 0.5])),
                   F32, rtol=1e-6)
    i = jnp.asarray(np.int32([1, 6]))
    assert_matches(jnp.bitwise_invert(i), np.invert(np.int32([1, 6])), I32)
    assert_matches(jnp.bitwise_left_shift(i, 2), np.int32([4, 24]), I32)
    assert_matches(jnp.bitwise_right_shift(i, 1), np.int32([0, 3]), I32)


@pytest.mark.parametrize("dtype", [F32, np.dtype(np.float16), I32, C64], ids=_name)
@pytest.mark.parametrize("equal_nan", [False, True])
def test_isclose_allclose(dtype, equal_nan):
    if dtype.kind in "iu":
        a = np.array([0, 100000, 5, -7, 1000001], dtype)
        b = np.array([0, 100001, 6, -7, 1000000], dtype)
    else:
        a = np.array([1.0, np.inf, np.nan, 1e3, -np.inf, 0.0, 1e-9, 2.0], dtype)
        b = np.array([1.0 + 5e-6, np.inf, np.nan, 1.0001e3, np.inf, 1e-9, 0.0, 2.1], dtype)
    compute = F32 if dtype.kind in "iu" or dtype == np.dtype(np.float16) else dtype
    expected = np.isclose(a.astype(compute), b.astype(compute), equal_nan=equal_nan)
    assert_matches(jnp.isclose(jnp.asarray(a), jnp.asarray(b), equal_nan=equal_nan), expected,
                   BOOL)
    assert_matches(jnp.isclose(jnp.asarray(a), 2, rtol=0.1, atol=0.5),
                   np.isclose(a.astype(compute), compute.type(2), rtol=0.1, atol=0.5), BOOL)
    assert_matches(jnp.allclose(jnp.asarray(a), jnp.asarray(b), equal_nan=equal_nan),
                   np.bool_(expected.all()), BOOL)
    assert_matches(jnp.allclose(jnp.asarray(a), jnp.asarray(a), equal_nan=equal_nan),
                   np.allclose(a.astype(compute), a.astype(compute), equal_nan=equal_nan), BOOL)


def test_functions_of_python_scalars():
    assert_matches(jnp.round(2.5), np.float32(2.0), F32)
    assert_matches(jnp.round(2.567, 2), np.round(np.float32(2.567), 2), F32, rtol=1e-6)
    assert_matches(jnp.round(1250, -2), np.round(1250, -2).astype(np.int32), I32)
    assert_matches(jnp.floor_divide(7, -2), np.int32(7 // -2), I32, weak_type=True)
    assert_matches(jnp.remainder(-7.5, 2), np.float32(-7.5 % 2), F32, weak_type=True)
    assert_matches(jnp.power(3, 4), np.int32(81), I32, weak_type=True)
    assert_matches(jnp.square(jnp.asarray([True, False])), np.array([1, 0], np.int32), I32)
    assert_matches(jnp.square(-1.5), np.float32(2.25), F32, weak_type=True)


@pytest.mark.parametrize("name", ["logical_and", "logical_or", "logical_xor", "equal", "less",
                                  "fmod", "floor_divide", "arctan2", "hypot", "copysign"])
@pytest.mark.parametrize("scalar", [0, 2, 1.5, True])
def test_binary_with_scalar_operands_broadcast(name, scalar):
    x = np.array([[0.0, -1.5, 2.0], [3.0, 0.5, -4.0]], np.float32)
    if isinstance(scalar, bool) and name in ("fmod", "floor_divide", "arctan2", "hypot",
                                             "copysign"):
        pytest.skip("NumPy gives float16 for bool with these functions")
    if name == "floor_divide":
        # float division by zero: NumPy gives +-inf, XLA-style x - fmod(x, 0) gives NaN
        if scalar == 0:
            pytest.skip("floor division by zero")
        x = np.where(x == 0, 0.25, x).astype(np.float32)
    ref = getattr(np, name)
    with np.errstate(all="ignore"):
        right = ref(x, np.float32(scalar))
        left = ref(np.float32(scalar), x)
    assert_matches(getattr(jnp, name)(jnp.asarray(x), scalar), right, right.dtype, rtol=2e-6)
    assert_matches(getattr(jnp, name)(scalar, jnp.asarray(x)), left, left.dtype, rtol=2e-6)
