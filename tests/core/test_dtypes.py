"""Tests for numax.core.dtypes: JAX's promotion table, lattice laws, x64 canonicalisation."""

import itertools
import json
from pathlib import Path

import ml_dtypes
import numpy as np
import pytest

from numax.core import dtypes
from numax.core.config import enable_x64

# --- JAX's reference table (x64 off) --------------------------------------------------

_REFERENCE = Path(__file__).resolve().parents[2].parent / "shared" / "reference" / "promotion_x32.json"
# A weak operand in the table is a Python scalar of that kind.
_WEAK_OPERANDS = {"i*": 1, "f*": 1.0, "c*": 1j}


def _reference_cases():
    if not _REFERENCE.exists():
        return [pytest.param(None, None, marks=pytest.mark.skip(
            reason=f"JAX's promotion table {_REFERENCE} is not present"))]
    table = json.loads(_REFERENCE.read_text())["table"]
    return [pytest.param(pair, expected, id=pair) for pair, expected in table.items()]


def _operand(name):
    return _WEAK_OPERANDS[name] if name in _WEAK_OPERANDS else np.dtype(name)


@pytest.mark.parametrize("pair, expected", _reference_cases())
def test_promotion_matches_jax_table_x32(pair, expected):
    a, b = pair.split(",")
    with enable_x64(False):
        dtype, weak = dtypes.result_type(_operand(a), _operand(b), return_weak_type_flag=True)
    assert dtype.name + ("*" if weak else "") == expected


def test_reference_table_covers_every_x32_pair():
    if not _REFERENCE.exists():
        pytest.skip(f"JAX's promotion table {_REFERENCE} is not present")
    table = json.loads(_REFERENCE.read_text())["table"]
    names = ["bool", "uint8", "uint16", "uint32", "int8", "int16", "int32", "bfloat16",
             "float16", "float32", "complex64"]
    strong_pairs = {f"{a},{b}" for a in names for b in names}
    mixed_pairs = {f"{a},{w}" for a in names for w in _WEAK_OPERANDS}
    mixed_pairs |= {f"{w},{a}" for a in names for w in _WEAK_OPERANDS}
    assert strong_pairs | mixed_pairs <= set(table)


# --- Lattice laws (checked on the precomputed join table itself) ------------------------

_NODES = list(dtypes._UPWARD)


def _join(a, b):
    return dtypes._JOIN[a, b]


def test_join_is_commutative_and_idempotent():
    for a, b in itertools.product(_NODES, repeat=2):
        assert _join(a, b) == _join(b, a), (a, b)
    for a in _NODES:
        assert _join(a, a) == a


def test_join_is_associative():
    # None means "no upper bound"; it must propagate the same way from either grouping.
    def join(a, b):
        return None if a is None or b is None else _join(a, b)

    for a, b, c in itertools.product(_NODES, repeat=3):
        assert join(join(a, b), c) == join(a, join(b, c)), (a, b, c)


def test_bool_is_bottom_and_join_is_an_upper_bound():
    for node in _NODES:
        assert _join("bool", node) == node
    assert _join("u64", "i8") == "f*"  # JAX's documented table: u64 with any signed int
    assert _join("bf16", "f16") == "f32"
    assert _join("c*", "f64") == "c128"


# --- Promotion beyond the x32 table ---------------------------------------------------

@pytest.mark.parametrize("args, expected", [
    ((np.int32, 1.0), ("float64", True)),       # i32 + f* is f*, the default float
    ((np.float32, 1.0), ("float32", False)),    # a weak float keeps float32's width
    ((np.int8, 1), ("int8", False)),
    ((1, 1), ("int64", True)),
    ((1, 1.0), ("float64", True)),
    ((np.int64, np.uint64), ("float64", True)),  # their join is the weak float node
    ((np.uint32, np.int32), ("int64", False)),
    ((np.float64, 1j), ("complex128", False)),
    ((np.float32, 1j), ("complex64", False)),
    ((np.int64, 1j), ("complex128", True)),
])
def test_promotion_x64(args, expected):
    with enable_x64():
        dtype, weak = dtypes.result_type(*args, return_weak_type_flag=True)
    assert (dtype.name, weak) == expected


def test_result_cache_is_per_x64_mode():
    with enable_x64(False):
        assert dtypes.result_type(np.int32, 1.0) == np.float32
    with enable_x64(True):
        assert dtypes.result_type(np.int32, 1.0) == np.float64


class _Value:
    """Stands in for a numax array or tracer: it carries dtype and weak_type."""

    def __init__(self, dtype, weak_type=False):
        self.dtype, self.weak_type = np.dtype(dtype), weak_type


def test_result_type_with_arrays_and_many_args():
    with enable_x64(False):
        assert dtypes.result_type(np.zeros(2, np.int8), np.zeros(2, np.uint8)) == np.int16
        assert dtypes.result_type(np.int8, np.uint8, np.int32, 1.0,
                                  return_weak_type_flag=True) == (np.float32, True)
        assert dtypes.result_type(np.float16) == np.float16
        assert dtypes.result_type(2.0, return_weak_type_flag=True) == (np.float32, True)
        # Only weak operands: their dtypes are joined as if strong, then stay weak.
        weak_i16, weak_f16 = _Value("int16", True), _Value("float16", True)
        assert dtypes.result_type(weak_i16, weak_f16, return_weak_type_flag=True) == (
            np.float16, True)
        assert dtypes.result_type(weak_f16, np.int32, return_weak_type_flag=True) == (
            np.float32, True)
        # Same dtype with one strong operand is that dtype, strong.
        assert dtypes.result_type(_Value("float16", True), np.float16,
                                  return_weak_type_flag=True) == (np.float16, False)
        assert dtypes.result_type(int, np.uint16) == np.uint16  # Python types are weak
        assert dtypes.result_type(np.float64) == np.float32
    with pytest.raises(ValueError):
        dtypes.result_type()


def test_narrow_types_promote_only_with_themselves_and_weak_scalars():
    f8, i4 = dtypes.float8_e4m3fn, dtypes.int4
    with enable_x64(False):
        assert dtypes.result_type(f8, f8) == f8
        assert dtypes.result_type(f8, 1.0, return_weak_type_flag=True) == (f8, False)
        assert dtypes.result_type(f8, 1) == f8
        assert dtypes.result_type(i4, 1) == i4
        assert dtypes.result_type(True, i4) == i4
        for other in (np.float32, dtypes.bfloat16, dtypes.float8_e5m2):
            with pytest.raises(dtypes.TypePromotionError, match="no implicit promotion"):
                dtypes.result_type(f8, other)
        with pytest.raises(dtypes.TypePromotionError):
            dtypes.result_type(i4, np.int8)
        with pytest.raises(dtypes.TypePromotionError):
            dtypes.result_type(i4, 1.0)  # f* sits above i* but not above int4


def test_unsupported_dtype_in_promotion():
    with pytest.raises(TypeError, match="does not take part"):
        dtypes.result_type(np.dtype("S3"), np.int32)


def test_promote_types_is_not_canonicalised():
    with enable_x64(False):
        assert dtypes.promote_types(np.int64, np.int32) == np.int64
        assert dtypes.promote_types(int, float) == np.float64
    assert dtypes.promote_types("uint8", int) == np.uint8
    assert dtypes.promote_types("float16", float) == np.float16
    assert dtypes.promote_types(dtypes.bfloat16, np.float16) == np.float32
    assert dtypes.promote_types(np.int32, np.int32) == np.int32


# --- Canonicalisation and defaults -----------------------------------------------------

@pytest.mark.parametrize("spec, x32, x64", [
    (np.dtype("int64"), "int32", "int64"),
    (np.uint64, "uint32", "uint64"),
    ("float64", "float32", "float64"),
    (np.complex128, "complex64", "complex128"),
    (float, "float32", "float64"),
    (int, "int32", "int64"),
    (complex, "complex64", "complex128"),
    (bool, "bool", "bool"),
    ("bfloat16", "bfloat16", "bfloat16"),
    (ml_dtypes.bfloat16, "bfloat16", "bfloat16"),
    (np.int8, "int8", "int8"),
    ("float8_e4m3fn", "float8_e4m3fn", "float8_e4m3fn"),
])
def test_canonicalize_dtype(spec, x32, x64):
    with enable_x64(False):
        assert dtypes.canonicalize_dtype(spec) == np.dtype(x32)
        assert dtypes.canonicalize_dtype(spec) == np.dtype(x32)  # the cached answer agrees
    with enable_x64(True):
        assert dtypes.canonicalize_dtype(spec) == np.dtype(x64)
    assert isinstance(dtypes.canonicalize_dtype(spec), np.dtype)


def test_canonicalize_rejects_non_dtypes():
    with pytest.raises(TypeError, match="not a valid dtype"):
        dtypes.canonicalize_dtype("not_a_dtype")
    assert dtypes.canonicalize_dtype(dtypes.float0) == dtypes.float0


def test_extended_dtypes_need_permission():
    class KeyDType(dtypes.ExtendedDType):
        name = "key<test>"

    key = KeyDType()
    assert dtypes.canonicalize_dtype(key, allow_extended=True) is key
    with pytest.raises(TypeError):
        dtypes.canonicalize_dtype(key)
    assert dtypes.issubdtype(key, dtypes.extended)
    assert not dtypes.issubdtype(np.float32, dtypes.extended)


def test_defaults_follow_x64():
    with enable_x64(False):
        assert (dtypes.default_int_dtype(), dtypes.default_float_dtype(),
                dtypes.default_complex_dtype()) == (np.int32, np.float32, np.complex64)
        assert dtypes.python_scalar_dtype(3) == np.int32
        assert dtypes.python_scalar_dtype(True) == np.bool_
        assert dtypes.python_scalar_dtype(2.5) == np.float32
        assert dtypes.python_scalar_dtype(1j) == np.complex64
    with enable_x64(True):
        assert (dtypes.default_int_dtype(), dtypes.default_float_dtype(),
                dtypes.default_complex_dtype()) == (np.int64, np.float64, np.complex128)
        assert dtypes.python_scalar_dtype(3) == np.int64
    with pytest.raises(TypeError):
        dtypes.python_scalar_dtype("3")


# --- dtype_and_weak_type ---------------------------------------------------------------

@pytest.mark.parametrize("value, x32", [
    (1, ("int32", True)),
    (1.5, ("float32", True)),
    (1j, ("complex64", True)),
    (True, ("bool", False)),                       # Python bool is not weak
    (np.float64(1.0), ("float32", False)),         # NumPy scalars are strong
    (np.int16(1), ("int16", False)),
    (np.bool_(True), ("bool", False)),
    (np.zeros(3, np.int64), ("int32", False)),
    (np.zeros((), ml_dtypes.bfloat16), ("bfloat16", False)),
    (_Value("float32", True), ("float32", True)),  # numax values report their own weakness
    (_Value("int8"), ("int8", False)),
])
def test_dtype_and_weak_type(value, x32):
    with enable_x64(False):
        dtype, weak = dtypes.dtype_and_weak_type(value)
    assert (dtype.name, weak) == x32


def test_dtype_and_weak_type_x64():
    with enable_x64(True):
        assert dtypes.dtype_and_weak_type(1) == (np.int64, True)
        assert dtypes.dtype_and_weak_type(np.zeros(2)) == (np.float64, False)


@pytest.mark.parametrize("bad", ["float32", b"x", object(), None, [1, 2], np.float32,
                                 np.dtype("int32")])
def test_dtype_and_weak_type_rejects_unsupported(bad):
    with pytest.raises(TypeError):
        dtypes.dtype_and_weak_type(bad)


# --- Classification and names ----------------------------------------------------------

def test_issubdtype_places_ml_dtypes_in_numpy_hierarchy():
    bf16, f8, i4, u4 = dtypes.bfloat16, dtypes.float8_e5m2, dtypes.int4, dtypes.uint4
    for float_type in (bf16, f8, ml_dtypes.bfloat16):
        assert dtypes.issubdtype(float_type, np.floating)
        assert dtypes.issubdtype(float_type, np.inexact)
        assert dtypes.issubdtype(float_type, np.number)
        assert not dtypes.issubdtype(float_type, np.integer)
        assert not dtypes.issubdtype(float_type, np.complexfloating)
    assert dtypes.issubdtype(bf16, ml_dtypes.bfloat16)
    assert not dtypes.issubdtype(bf16, np.float16)
    assert dtypes.issubdtype(i4, np.signedinteger) and not dtypes.issubdtype(i4, np.unsignedinteger)
    assert dtypes.issubdtype(u4, np.unsignedinteger) and dtypes.issubdtype(u4, np.integer)
    assert dtypes.issubdtype(np.float32, np.floating)
    assert dtypes.issubdtype(np.complex64, np.complexfloating)
    assert dtypes.issubdtype(np.bool_, np.bool_) and not dtypes.issubdtype(np.bool_, np.integer)
    assert dtypes.issubdtype(np.int32, np.int32) and not dtypes.issubdtype(np.int32, np.int64)
    assert dtypes.issubdtype(np.floating, np.inexact)


def test_kind_predicates():
    assert dtypes.is_float(dtypes.bfloat16) and dtypes.is_float("float8_e4m3fn")
    assert dtypes.is_float(np.float32) and not dtypes.is_float(np.complex64)
    assert dtypes.is_complex(np.complex128) and dtypes.is_inexact(np.complex64)
    assert dtypes.is_integer(np.uint8) and dtypes.is_integer(dtypes.int4)
    assert not dtypes.is_integer(np.bool_) and dtypes.is_bool(np.bool_)
    assert dtypes.is_unsigned(dtypes.uint4) and not dtypes.is_unsigned(np.int8)
    assert dtypes.is_inexact(float) and not dtypes.is_inexact(int)


@pytest.mark.parametrize("dtype, short", [
    (dtypes.bool_, "bool"), (np.int8, "i8"), (np.int32, "i32"), (np.int64, "i64"),
    (np.uint8, "u8"), (np.uint64, "u64"), (dtypes.bfloat16, "bf16"), (np.float16, "f16"),
    (np.float32, "f32"), (np.float64, "f64"), (np.complex64, "c64"), (np.complex128, "c128"),
    (dtypes.float8_e4m3fn, "f8_e4m3fn"), (dtypes.float8_e5m2, "f8_e5m2"), (dtypes.int4, "i4"),
    (dtypes.float0, "float0"),
])
def test_dtype_name_short(dtype, short):
    assert dtypes.dtype_name_short(dtype) == short


def test_limits_and_sizes():
    assert dtypes.finfo(dtypes.bfloat16).bits == 16
    assert dtypes.finfo(np.float32).eps == np.finfo(np.float32).eps
    assert dtypes.finfo(dtypes.float8_e4m3fn).max == 448
    assert dtypes.iinfo(np.int8).min == -128 and dtypes.iinfo(dtypes.int4).max == 7
    assert dtypes.itemsize_bits(np.float32) == 32 and dtypes.itemsize_bits(np.bool_) == 8
    assert dtypes.itemsize_bits(dtypes.int4) == 4 and dtypes.itemsize_bits(dtypes.float0) == 0


def test_kind_conversions():
    with enable_x64(False):
        assert dtypes.to_inexact_dtype(np.int32) == np.float32
        assert dtypes.to_inexact_dtype(np.bool_) == np.float32
        assert dtypes.to_inexact_dtype(np.float16) == np.float16
        assert dtypes.to_complex_dtype(np.float32) == np.complex64
        assert dtypes.to_complex_dtype(dtypes.bfloat16) == np.complex64
        assert dtypes.to_complex_dtype(np.int8) == np.complex64
        assert dtypes.real_dtype(np.complex64) == np.float32
    with enable_x64(True):
        assert dtypes.to_inexact_dtype(np.int32) == np.float64
        assert dtypes.to_complex_dtype(np.float64) == np.complex128
        assert dtypes.to_complex_dtype(np.complex64) == np.complex64
        assert dtypes.real_dtype(np.complex128) == np.float64
        assert dtypes.real_dtype(np.float32) == np.float32
