"""Dtypes: the dtype objects, canonicalisation for x64 mode, and JAX's promotion lattice.

Owns everything numax knows about element types: the NumPy and ml_dtypes dtypes it
supports (bool through complex128, bfloat16, the float8 family, sub-byte ints, and the
`float0` tangent dtype), which of them exist while x64 is off (`canonicalize_dtype`),
which Python values are weakly typed (`dtype_and_weak_type`), and how dtypes combine
(`result_type`, `promote_types`), following JAX's documented type-promotion lattice
with weak types. Promotion is precomputed into a join table at import time and results
are cached per x64 mode, so the hot path is a few dict lookups.
"""

import numpy as np
import ml_dtypes

from numax.core.config import config
from numax.core.errors import NumaxError

# --- The dtype objects ----------------------------------------------------------------

bool_ = np.dtype(np.bool_)
int8, int16, int32, int64 = (np.dtype(n) for n in ("int8", "int16", "int32", "int64"))
uint8, uint16, uint32, uint64 = (np.dtype(n) for n in ("uint8", "uint16", "uint32", "uint64"))
bfloat16 = np.dtype(ml_dtypes.bfloat16)
float16, float32, float64 = np.dtype("float16"), np.dtype("float32"), np.dtype("float64")
complex64, complex128 = np.dtype("complex64"), np.dtype("complex128")

# Tangent dtype of integer and bool inputs: zero bytes, so it carries no data.
float0 = np.dtype([("float0", np.void, 0)])

# Narrow floats and sub-byte ints are optional in ml_dtypes; take the ones this version has.
# They join only with weak scalars (and themselves): JAX gives them no implicit promotion.
_NARROW_FLOAT_NAMES = ("float8_e3m4", "float8_e4m3", "float8_e4m3b11fnuz", "float8_e4m3fn",
                       "float8_e4m3fnuz", "float8_e5m2", "float8_e5m2fnuz", "float8_e8m0fnu",
                       "float6_e2m3fn", "float6_e3m2fn", "float4_e2m1fn")
_SUB_BYTE_INT_NAMES = ("int1", "int2", "int4")
_SUB_BYTE_UINT_NAMES = ("uint1", "uint2", "uint4")


def _optional(names):
    return {n: np.dtype(getattr(ml_dtypes, n)) for n in names if hasattr(ml_dtypes, n)}


_narrow_floats = _optional(_NARROW_FLOAT_NAMES)
# Types numax names, promotes and describes (finfo/iinfo) but cannot hold in an array:
# StableHLO has no 1-bit integer type, and XLA's CPU compiler cannot convert float6 values
# (both checked on jaxlib 0.10.2 and 0.11.2).
_NO_ARRAYS = frozenset(np.dtype(getattr(ml_dtypes, n)) for n in
                       ("int1", "uint1", "float6_e2m3fn", "float6_e3m2fn") if hasattr(ml_dtypes, n))
_sub_byte_ints = _optional(_SUB_BYTE_INT_NAMES)
_sub_byte_uints = _optional(_SUB_BYTE_UINT_NAMES)
# Module attributes named as in ml_dtypes: float8_e4m3fn, float8_e5m2, ..., int4, uint4.
globals().update(_narrow_floats, **_sub_byte_ints, **_sub_byte_uints)

_SIGNED = (int8, int16, int32, int64, *_sub_byte_ints.values())
_UNSIGNED = (uint8, uint16, uint32, uint64, *_sub_byte_uints.values())
_FLOATS = (bfloat16, float16, float32, float64, *_narrow_floats.values())
_COMPLEX = (complex64, complex128)

# One letter per supported dtype: 'b' bool, 'i' signed, 'u' unsigned, 'f' float, 'c' complex.
# NumPy's own `kind` says 'V' for every ml_dtypes type, so we keep our own.
_CATEGORY = {bool_: "b", **{d: "i" for d in _SIGNED}, **{d: "u" for d in _UNSIGNED},
             **{d: "f" for d in _FLOATS}, **{d: "c" for d in _COMPLEX}}


class TypePromotionError(NumaxError, ValueError):
    """Two dtypes have no implicit promotion (e.g. float8 with float32)."""


class extended(np.generic):
    """Abstract scalar type of extended dtypes: `issubdtype(key_dtype, extended)`."""


class ExtendedDType:
    """Base of dtypes NumPy doesn't know (PRNG key types). Passes `allow_extended=True`."""
    type = extended
    name = "extended"


# --- Canonicalisation -----------------------------------------------------------------

_TO_32 = {int64: int32, uint64: uint32, float64: float32, complex128: complex64}

# Two caches, indexed by config.x64_enabled (False -> 0, True -> 1); keys are whatever the
# caller passed (np.dtype, scalar type, Python type, string), values canonical np.dtypes.
_canonical_cache = ({}, {})


def canonicalize_dtype(dtype, allow_extended=False):
    """The dtype numax uses for `dtype`: 64-bit types become 32-bit ones unless x64 is on."""
    try:
        return _canonical_cache[config.x64_enabled][dtype]
    except (KeyError, TypeError):  # TypeError: an unhashable spec; it goes the slow way
        return _canonicalize_slow(dtype, allow_extended)


def _canonicalize_slow(dtype, allow_extended):
    if isinstance(dtype, ExtendedDType):
        if allow_extended:
            return dtype
        raise TypeError(f"extended dtype {dtype.name} is not allowed here")
    try:
        np_dtype = np.dtype(dtype)
    except TypeError as e:
        raise TypeError(f"{dtype!r} is not a valid dtype") from e
    x64 = config.x64_enabled
    result = np_dtype if x64 else _TO_32.get(np_dtype, np_dtype)
    try:
        _canonical_cache[x64][dtype] = result
    except TypeError:
        pass  # unhashable spec, e.g. a structured-dtype list
    return result


def default_int_dtype():
    return int64 if config.x64_enabled else int32


def default_float_dtype():
    return float64 if config.x64_enabled else float32


def default_complex_dtype():
    return complex128 if config.x64_enabled else complex64


_PYTHON_SCALAR_DEFAULTS = {bool: lambda: bool_, int: default_int_dtype,
                           float: default_float_dtype, complex: default_complex_dtype}


def python_scalar_dtype(value):
    """The canonical dtype of a Python bool/int/float/complex (or of that Python type)."""
    kind = value if isinstance(value, type) else type(value)
    default = _PYTHON_SCALAR_DEFAULTS.get(kind)
    if default is None:  # subclasses such as IntEnum; bool before int, it subclasses int
        default = next((f for t, f in _PYTHON_SCALAR_DEFAULTS.items() if issubclass(kind, t)),
                       None)
        if default is None:
            raise TypeError(f"{value!r} is not a Python scalar")
    return default()


# --- Which dtype and weakness a value has ---------------------------------------------

def _is_weak_python_type(t):
    # Python int/float/complex are weak; bool is not (True + int8 is int8). Identity, not
    # `in`: np.dtype('int64') == int is True.
    return t is int or t is float or t is complex


def _python_scalar_input(x):
    return python_scalar_dtype(x), not isinstance(x, bool)


def _numpy_input(x):
    return x.dtype, False


def _dtype_attribute_input(x):
    # numax arrays, tracers and avals carry `weak_type` themselves; others are strong
    dtype = getattr(x, "dtype", None)
    if dtype is None:
        raise TypeError(f"value of type {type(x).__name__} is not a valid numax type: {x!r}")
    return dtype, bool(getattr(x, "weak_type", False))


def _reject_spec(x):
    raise TypeError(f"expected an array or scalar value, got the dtype spec {x!r}")


def _value_handler(kind):
    """How to read (raw dtype, weak) from values of type `kind`; chosen once per type."""
    if issubclass(kind, (np.ndarray, np.generic)):  # first: np.float64 subclasses float
        return _numpy_input
    if issubclass(kind, (bool, int, float, complex)):
        return _python_scalar_input
    if issubclass(kind, (str, bytes, type, np.dtype, ExtendedDType)):
        return _reject_spec
    return _dtype_attribute_input


def _type_spec_input(t):
    if _is_weak_python_type(t):  # `int`, `float`, `complex` stand for weak scalars
        return python_scalar_dtype(t), True
    return np.dtype(t), False


def _promotion_handler(kind):
    """Like _value_handler, but dtype specs are allowed too (result_type takes both)."""
    if issubclass(kind, (np.dtype, ExtendedDType)):
        return lambda d: (d, False)
    if issubclass(kind, type):
        return _type_spec_input
    if issubclass(kind, str):
        return lambda s: (np.dtype(s), False)
    if kind is type(None):  # JAX reads None as "the default float", weakly typed
        return lambda _: (default_float_dtype(), True)
    return _value_handler(kind)


_value_handlers, _promotion_handlers = {}, {}


def _raw_dtype_and_weak(x):
    """(dtype, weak) without canonicalising array dtypes: promotion joins the raw types."""
    kind = type(x)
    handler = _value_handlers.get(kind)
    if handler is None:
        handler = _value_handlers[kind] = _value_handler(kind)
    return handler(x)


def _promotion_input(x):
    """(dtype, weak) of one `result_type` argument: a dtype spec or a value."""
    kind = type(x)
    handler = _promotion_handlers.get(kind)
    if handler is None:
        handler = _promotion_handlers[kind] = _promotion_handler(kind)
    return handler(x)


def dtype_and_weak_type(x):
    """(canonical dtype, weak) of a value: Python int/float/complex are weak, bool is not."""
    dtype, weak = _raw_dtype_and_weak(x)
    return canonicalize_dtype(dtype, allow_extended=True), weak


# --- The promotion lattice ------------------------------------------------------------

def dtype_name_short(dtype):
    """JAX's short dtype name as printed in jaxprs: f32, i8, u32, bf16, bool, f8_e4m3fn."""
    if isinstance(dtype, ExtendedDType):
        return dtype.name
    dtype = np.dtype(dtype)
    if dtype == float0:
        return "float0"
    name = dtype.name
    if name == "bool":
        return name
    return (name.replace("bfloat", "bf").replace("float", "f").replace("uint", "u")
            .replace("int", "i").replace("complex", "c"))


_I_WEAK, _F_WEAK, _C_WEAK = "i*", "f*", "c*"
_WEAK_NODES = (_I_WEAK, _F_WEAK, _C_WEAK)

# Upward edges of the lattice, named by short dtype names plus the three weak nodes.
# A set's promotion is its least upper bound; weak nodes sit just above bool so a weak
# scalar adopts the class and width of any strong operand of its own kind or higher.
_NARROW_FLOAT_NODES = [dtype_name_short(d) for d in _narrow_floats.values()]
_SUB_BYTE_NODES = [dtype_name_short(d) for d in (*_sub_byte_ints.values(),
                                                 *_sub_byte_uints.values())]
_UPWARD = {
    "bool": [_I_WEAK],
    _I_WEAK: ["u8", "i8", *_SUB_BYTE_NODES],
    "u8": ["u16", "i16"], "u16": ["u32", "i32"], "u32": ["u64", "i64"], "u64": [_F_WEAK],
    "i8": ["i16"], "i16": ["i32"], "i32": ["i64"], "i64": [_F_WEAK],
    _F_WEAK: [_C_WEAK, "bf16", "f16", *_NARROW_FLOAT_NODES],
    "bf16": ["f32"], "f16": ["f32"], "f32": ["f64", "c64"], "f64": ["c128"],
    _C_WEAK: ["c64"], "c64": ["c128"], "c128": [],
    **{n: [] for n in _SUB_BYTE_NODES + _NARROW_FLOAT_NODES},  # dead ends: no promotion
}

_STRONG_NODE = {d: dtype_name_short(d) for d in _CATEGORY}
_NODE_DTYPE = {node: d for d, node in _STRONG_NODE.items()}
_WEAK_NODE = {d: {"b": "bool", "i": _I_WEAK, "u": _I_WEAK, "f": _F_WEAK, "c": _C_WEAK}[c]
              for d, c in _CATEGORY.items()}
_WEAK_NODE_DEFAULT = {_I_WEAK: default_int_dtype, _F_WEAK: default_float_dtype,
                      _C_WEAK: default_complex_dtype}


def _upper_sets(upward):
    """Each node mapped to the set of nodes at or above it."""
    above = {}

    def visit(node):
        if node not in above:
            above[node] = {node}.union(*(visit(parent) for parent in upward[node]))
        return above[node]

    for node in upward:
        visit(node)
    return above


def _join_table(upward):
    """(a, b) -> least upper bound of a and b, or None where they have none."""
    above = _upper_sets(upward)
    table = {}
    for a in upward:
        for b in upward:
            common = above[a] & above[b]
            # the least element of `common` is the one whose upper set contains all of it
            least = [n for n in common if above[n] >= common]
            table[a, b] = least[0] if least else None
    return table


_JOIN = _join_table(_UPWARD)


def _node(dtype, weak):
    try:
        return _WEAK_NODE[dtype] if weak else _STRONG_NODE[dtype]
    except (KeyError, TypeError):
        raise TypeError(f"dtype {dtype} does not take part in numax type promotion") from None


def _join_all(nodes, dtypes):
    result = nodes[0]
    for node in nodes[1:]:
        joined = _JOIN[result, node]
        if joined is None:
            names = ", ".join(repr(str(d)) for d in dtypes)
            raise TypePromotionError(
                f"Input dtypes ({names}) have no implicit promotion path: float8 and sub-byte "
                f"types promote only with themselves and Python scalars. Convert explicitly, "
                f"e.g. x.astype('float32').")
        result = joined
    return result


def _checked_promote(pairs):
    if config.strict_dtype_promotion:
        _check_strict(pairs)
    return _promote(pairs)


def _check_strict(pairs):
    """jax_numpy_dtype_promotion='strict': operands must share one strong dtype; weak
    (Python) scalars may join it only within their kind or above it (int -> any number,
    float -> any inexact type, complex -> complex)."""
    strong = {d for d, weak in pairs if not weak}
    allowed = len(strong) <= 1
    if allowed and strong:
        target = next(iter(strong))
        for d, weak in pairs:
            if weak and not (
                    (is_integer(d) and (is_integer(target) or issubdtype(target, np.inexact)))
                    or (issubdtype(d, np.floating) and issubdtype(target, np.inexact))
                    or (is_complex(d) and is_complex(target))):
                allowed = False
    if not allowed:
        names = ", ".join(repr(str(d)) for d, _ in pairs)
        raise TypePromotionError(
            f"Input dtypes ({names}) have no available implicit dtype promotion path when "
            "jax_numpy_dtype_promotion=strict. Try explicitly casting inputs to the desired "
            "output type, or set jax_numpy_dtype_promotion=standard.")


def _promote(pairs):
    """The (canonical dtype, weak) that a list of (raw dtype, weak) promotes to."""
    first = pairs[0][0]
    all_weak = all(weak for _, weak in pairs)
    if len(pairs) == 1 or (not all_weak and all(d == first for d, _ in pairs)):
        # One dtype throughout: no lattice needed, so float8 and extended dtypes pass.
        return canonicalize_dtype(first, allow_extended=True), all_weak
    dtypes = [d for d, _ in pairs]
    if all_weak:
        # Only weak operands (e.g. two weak tracers of different widths): join their
        # dtypes as if strong, then keep the result weak.
        node = _join_all([_node(d, False) for d in dtypes], dtypes)
        weak = True
    else:
        node = _join_all([_node(d, w) for d, w in pairs], dtypes)
        weak = node in _WEAK_NODES  # weak iff the join is itself a weak node
    dtype = _WEAK_NODE_DEFAULT[node]() if node in _WEAK_NODE_DEFAULT else _NODE_DTYPE[node]
    return canonicalize_dtype(dtype), weak


# (x64, strict, dtype_1, weak_1, dtype_2, weak_2, ...) -> (canonical dtype, weak)
_result_cache = {}


def result_type(*args, return_weak_type_flag=False):
    """JAX's promotion of any mix of dtypes, Python scalars/types and arrays.

    Python int/float/complex (values or the types themselves) and values whose
    `weak_type` is set are weak: they take the type of a strong operand of the same kind
    or higher. The result is canonical for the current x64 mode.
    """
    if not args:
        raise ValueError("at least one array or dtype is required")
    if len(args) == 2:  # the binary-operator hot path
        da, wa = _promotion_input(args[0])
        db, wb = _promotion_input(args[1])
        key = (config.x64_enabled, config.strict_dtype_promotion, da, wa, db, wb)
        try:
            out = _result_cache[key]
        except KeyError:
            out = _result_cache[key] = _checked_promote([(da, wa), (db, wb)])
    else:
        pairs = [_promotion_input(x) for x in args]
        key = (config.x64_enabled, config.strict_dtype_promotion,
               *(item for pair in pairs for item in pair))
        try:
            out = _result_cache[key]
        except KeyError:
            out = _result_cache[key] = _checked_promote(pairs)
    return out if return_weak_type_flag else out[0]


def promote_types(a, b):
    """Promotion of two dtype specs, like `jnp.promote_types`; Python types are weak.

    Not canonicalised, as in JAX: promote_types(int64, int32) is int64 with x64 off,
    and a weak result is the 64-bit Python default (promote_types(int, float) is float64).
    """
    a_in, b_in = [(np.dtype(t), _is_weak_python_type(t)) for t in (a, b)]
    if config.strict_dtype_promotion:
        _check_strict([a_in, b_in])
    node = _join_all([_node(d, w) for d, w in (a_in, b_in)], [a_in[0], b_in[0]])
    if node in _WEAK_NODES:
        return np.dtype({_I_WEAK: int, _F_WEAK: float, _C_WEAK: complex}[node])
    return _NODE_DTYPE[node]


# --- Classification -------------------------------------------------------------------

_CUSTOM_PARENT = {**{d.type: np.floating for d in (bfloat16, *_narrow_floats.values())},
                  **{d.type: np.signedinteger for d in _sub_byte_ints.values()},
                  **{d.type: np.unsignedinteger for d in _sub_byte_uints.values()}}


def _scalar_type(x):
    if isinstance(x, ExtendedDType):
        return x.type
    if isinstance(x, type) and issubclass(x, np.generic):
        return x
    return np.dtype(x).type


def issubdtype(a, b):
    """numpy.issubdtype that also places bfloat16/float8 under np.floating, int4 under ints."""
    a_type, b_type = _scalar_type(a), _scalar_type(b)
    if a_type is b_type:
        return True
    parent = _CUSTOM_PARENT.get(a_type)
    if parent is not None:  # ml_dtypes types don't subclass NumPy's abstract types
        return issubclass(parent, b_type)
    return issubclass(a_type, b_type)


def _category(dtype):
    try:
        return _CATEGORY[dtype]
    except (KeyError, TypeError):
        if isinstance(dtype, ExtendedDType):
            return None
        return _CATEGORY.get(np.dtype(dtype))


def is_bool(dtype):
    return _category(dtype) == "b"


def is_integer(dtype):
    """Signed or unsigned integer; bool is not an integer here."""
    return _category(dtype) in ("i", "u")


def is_unsigned(dtype):
    return _category(dtype) == "u"


def is_float(dtype):
    return _category(dtype) == "f"


def is_complex(dtype):
    return _category(dtype) == "c"


def is_inexact(dtype):
    return _category(dtype) in ("f", "c")


def check_array_dtype(dtype):
    """Raises a clear error for a dtype that numax cannot hold in an array."""
    if dtype in _NO_ARRAYS:
        raise TypeError(
            f"numax arrays cannot have dtype {dtype.name}: XLA cannot compute with it (StableHLO "
            "has no 1-bit integers; XLA's CPU backend cannot convert 6-bit floats). The type "
            "exists for dtype queries (finfo, iinfo, promote_types); store the values as "
            "bool, int8, float8_* or float32 instead.")


def finfo(dtype):
    """Machine limits of a float type, bfloat16 and float8 included."""
    return ml_dtypes.finfo(np.dtype(dtype))


def iinfo(dtype):
    """Machine limits of an integer type, int4 and friends included."""
    return ml_dtypes.iinfo(np.dtype(dtype))


_SUB_BYTE_BITS = {np.dtype(getattr(ml_dtypes, name)): bits for name, bits in
                  (("int1", 1), ("uint1", 1), ("int2", 2), ("uint2", 2), ("int4", 4),
                   ("uint4", 4), ("float4_e2m1fn", 4), ("float6_e2m3fn", 6),
                   ("float6_e3m2fn", 6))
                  if hasattr(ml_dtypes, name)}


def itemsize_bits(dtype):
    """Bits per element: 4 for int4/float4, 6 for float6, 0 for float0, else 8 * itemsize."""
    dtype = np.dtype(dtype)
    return _SUB_BYTE_BITS.get(dtype, 8 * dtype.itemsize)


# --- Conversions between kinds (results are canonical) --------------------------------

def to_inexact_dtype(dtype):
    """Floats and complexes stay; bool and integers become the default float."""
    return canonicalize_dtype(dtype) if is_inexact(dtype) else default_float_dtype()


def to_complex_dtype(dtype):
    """The complex type holding `dtype`'s values: float64 -> complex128, else complex64."""
    dtype = to_inexact_dtype(dtype)
    if is_complex(dtype):
        return dtype
    return canonicalize_dtype(complex128 if dtype == float64 else complex64)


def real_dtype(dtype):
    """complex64 -> float32, complex128 -> float64; other dtypes are their own real type."""
    dtype = canonicalize_dtype(dtype)
    return {complex64: float32, complex128: float64}.get(dtype, dtype)
