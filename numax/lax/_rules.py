"""Rule builders shared by families of primitives (elementwise, reductions, ...).

Owns the small vocabulary that primitive declarations are written in: dtype classes,
shape/dtype rules for n-ary elementwise ops, lowering to a single StableHLO op, and
deterministic example inputs for the generic rule checker. Nothing here names a
particular primitive.
"""

import numpy as np

from numax.core import dtypes
from numax.core.abstract import ShapedArray, TypedScalar
from numax.core.errors import NumaxTypeError

# ---------------------------------------------------------------- dtype classes

BOOL = frozenset([np.dtype(np.bool_)])
# Sub-byte ints and narrow floats (int4, float8_*) compute like their wider kin, as in JAX:
# XLA widens them internally. Types no array can hold (dtypes.check_array_dtype) are left out.
SIGNED = frozenset(d for d in dtypes._SIGNED if d not in dtypes._NO_ARRAYS)
UNSIGNED = frozenset(d for d in dtypes._UNSIGNED if d not in dtypes._NO_ARRAYS)
INT = SIGNED | UNSIGNED
FLOAT = frozenset(d for d in dtypes._FLOATS if d not in dtypes._NO_ARRAYS)
COMPLEX = frozenset([np.dtype(np.complex64), np.dtype(np.complex128)])
INEXACT = FLOAT | COMPLEX
NUMBER = INT | INEXACT
ANY = NUMBER | BOOL
INT_OR_BOOL = INT | BOOL

_CLASS_NAMES = {BOOL: "bool", INT: "integer", FLOAT: "floating-point", COMPLEX: "complex",
                INEXACT: "floating-point or complex", NUMBER: "numeric", ANY: "any",
                INT_OR_BOOL: "integer or bool", SIGNED: "signed integer",
                FLOAT | INT: "floating-point or integer", FLOAT | SIGNED: "floating-point or signed integer",
                NUMBER - UNSIGNED: "signed numeric",
                INT | FLOAT | BOOL: "integer, floating-point or bool"}


def class_name(allowed):
    return _CLASS_NAMES.get(allowed, "/".join(sorted(d.name for d in allowed)))


def check_dtype(name, aval, allowed, position=""):
    if aval.dtype not in allowed:
        where = f" (operand {position})" if position != "" else ""
        raise NumaxTypeError(f"{name} does not accept dtype {aval.dtype.name}{where}; "
                             f"it takes {class_name(allowed)} arrays")


# ---------------------------------------------------------------- shape/dtype rules

def elementwise_abstract(name, allowed, result_dtype=None):
    """Rule for an n-ary elementwise op: same shapes, same dtypes (weak types may differ).

    Rank-0 operands broadcast against the others (so `x + 1.0` stages as
    `add x 1.0:f32[]`, as in JAX). The result is weak only when every operand is weak.
    `result_dtype(dtype)` maps the operand dtype to the result's (e.g. bool for comparisons)."""
    def rule(*avals, **params):
        first = avals[0]
        shape = max((a.shape for a in avals), key=len)
        for i, aval in enumerate(avals):
            check_dtype(name, aval, allowed, i)
            if aval.shape != shape and aval.shape != ():
                raise NumaxTypeError(
                    f"{name} got incompatible shapes {', '.join(str(a.shape) for a in avals)}; "
                    "lax operations need equal shapes (numax.numpy functions broadcast)")
            if aval.dtype != first.dtype:
                raise NumaxTypeError(
                    f"{name} requires arguments to have the same dtypes, got "
                    f"{', '.join(a.dtype.name for a in avals)}; convert with "
                    "lax.convert_element_type (numax.numpy functions promote)")
        dtype = first.dtype if result_dtype is None else result_dtype(first.dtype)
        weak = all(a.weak_type for a in avals) and result_dtype is None
        return ShapedArray(shape, dtype, weak)
    return rule


# ---------------------------------------------------------------- lowering

def broadcast_scalars(ctx, operands):
    """Operands with rank-0 ones broadcast to the output shape (elementwise ops only)."""
    shape = ctx.aval_out.shape
    if not shape:
        return list(operands)
    out = []
    for value, aval in zip(operands, ctx.avals_in):
        if aval.shape != shape:
            value = ctx.op("stablehlo.broadcast_in_dim", [value], aval.update(shape=shape),
                           {"broadcast_dimensions": "array<i64>"})
        out.append(value)
    return out


def hlo_op(op_name, **attributes):
    """Lowering to one StableHLO/CHLO op whose result type is the primitive's output type."""
    def lower(ctx, *operands, **params):
        return ctx.op(op_name, broadcast_scalars(ctx, operands), attributes=attributes or None)
    lower.__name__ = f"lower_{op_name.split('.')[-1]}"
    return lower


# ---------------------------------------------------------------- example inputs

def random_array(rng, shape, dtype, low=-3.0, high=3.0):
    dtype = np.dtype(dtype)
    if dtype == np.bool_:
        return rng.random(shape) < 0.5
    if dtype in INT:
        lo = max(int(low), int(dtypes.iinfo(dtype).min))
        hi = min(int(high), int(dtypes.iinfo(dtype).max))
        if dtype in UNSIGNED:
            lo = max(lo, 0)
        return rng.integers(lo, hi + 1, size=shape).astype(dtype)
    if dtype in COMPLEX:
        real = rng.uniform(low, high, size=shape) + 1j * rng.uniform(low, high, size=shape)
        return real.astype(dtype)
    return rng.uniform(low, high, size=shape).astype(dtype)


def elementwise_examples(arity, dtypes_=("float32",), shapes=((), (5,), (2, 3)), low=-3.0,
                         high=3.0, params=None, seed=0):
    """Example (args, params) pairs for an elementwise op of `arity` operands."""
    def examples():
        rng = np.random.default_rng(seed)
        out = []
        for dtype in dtypes_:
            for shape in shapes:
                args = tuple(random_array(rng, shape, dtype, low, high) for _ in range(arity))
                out.append((args, dict(params or {})))
        return out
    return examples


# ---------------------------------------------------------------- wrapper helpers

_PYTHON_SCALARS = (bool, int, float, complex)


def operands(*args):
    """Arguments for an elementwise primitive: Python scalars take the dtype of the array
    operands, as weak-typed scalars (lax.add(x, 1) on an f32 x adds an f32 1)."""
    for a in args:
        if type(a) in _PYTHON_SCALARS:
            break
    else:
        return args
    reference = next((a for a in args if type(a) not in _PYTHON_SCALARS), None)
    if reference is None:
        dtype = dtypes.result_type(*args)
    else:
        dtype = getattr(reference, "dtype", None)
        dtype = dtypes.canonicalize_dtype(dtype if dtype is not None else np.asarray(reference).dtype)
    return tuple(TypedScalar(a, dtype, True) if type(a) in _PYTHON_SCALARS else a for a in args)
