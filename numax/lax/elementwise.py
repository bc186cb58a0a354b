"""Elementwise primitives: arithmetic, transcendental functions, and dtype conversion.

Each primitive is declared once with its shape/dtype rule, lowering and example inputs,
using the builders of lax/_rules.py. Operands must share a dtype; rank-0 operands
broadcast. NumPy-style promotion and broadcasting live in numax.numpy, not here.
"""

import numpy as np

from numax.core import dtypes
from numax.core.abstract import ShapedArray
from numax.core.primitive import Primitive
from numax.lax._rules import (ANY, INEXACT, NUMBER, check_dtype, elementwise_abstract, operands,
                              elementwise_examples, hlo_op)


def unary(name, hlo, allowed=INEXACT, *, low=-3.0, high=3.0, dtypes_=("float32",), **rules):
    """A one-operand elementwise primitive lowered to a single StableHLO/CHLO op."""
    return Primitive(name, abstract_eval=elementwise_abstract(name, allowed), lower=hlo_op(hlo),
                     examples=elementwise_examples(1, dtypes_, low=low, high=high), **rules)


def binary(name, hlo, allowed=NUMBER, *, low=-3.0, high=3.0, dtypes_=("float32", "int32"),
           **rules):
    """A two-operand elementwise primitive lowered to a single StableHLO/CHLO op."""
    return Primitive(name, abstract_eval=elementwise_abstract(name, allowed), lower=hlo_op(hlo),
                     examples=elementwise_examples(2, dtypes_, low=low, high=high), **rules)


add_p = binary("add", "stablehlo.add", dtypes_=("float32", "int32", "complex64"))
sub_p = binary("sub", "stablehlo.subtract", dtypes_=("float32", "int32", "complex64"))
mul_p = binary("mul", "stablehlo.multiply", dtypes_=("float32", "int32", "complex64"))
neg_p = unary("neg", "stablehlo.negate", NUMBER, dtypes_=("float32", "int32"))
sin_p = unary("sin", "stablehlo.sine")
cos_p = unary("cos", "stablehlo.cosine")


# ---------------------------------------------------------------- dtype conversion

def _convert_abstract(aval, *, new_dtype, weak_type, sharding=None):
    check_dtype("convert_element_type", aval, ANY)
    return ShapedArray(aval.shape, new_dtype, weak_type)


def _convert_lower(ctx, x, *, new_dtype, weak_type, sharding=None):
    aval_in = ctx.avals_in[0]
    if aval_in.dtype == new_dtype:
        return x
    if new_dtype == np.bool_:  # XLA's convert to i1 truncates; NumPy's is "!= 0"
        zero = ctx.constant(0, aval_in.dtype, aval_in.shape)
        return ctx.op("stablehlo.compare", [x, zero], attributes={
            "comparison_direction": "#stablehlo<comparison_direction NE>"})
    if dtypes.is_complex(aval_in.dtype) and not dtypes.is_complex(new_dtype):
        x = ctx.op("stablehlo.real", [x], aval_in.update(dtype=dtypes.real_dtype(aval_in.dtype)))
    return ctx.op("stablehlo.convert", [x])


def _convert_examples():
    rng = np.random.default_rng(0)
    x = rng.uniform(-5, 5, size=(2, 3)).astype(np.float32)
    ints = rng.integers(-5, 5, size=(4,)).astype(np.int32)
    return [((x,), dict(new_dtype=np.dtype(np.int32), weak_type=False, sharding=None)),
            ((x,), dict(new_dtype=np.dtype(np.bool_), weak_type=False, sharding=None)),
            ((ints,), dict(new_dtype=np.dtype(np.float32), weak_type=False, sharding=None)),
            ((ints,), dict(new_dtype=np.dtype(np.bool_), weak_type=False, sharding=None)),
            ((x,), dict(new_dtype=dtypes.bfloat16, weak_type=False, sharding=None))]


convert_element_type_p = Primitive(
    "convert_element_type",
    abstract_eval=_convert_abstract,
    lower=_convert_lower,
    examples=_convert_examples,
)


# ---------------------------------------------------------------- public wrappers

def add(x, y):
    return add_p.bind(*operands(x, y))


def sub(x, y):
    return sub_p.bind(*operands(x, y))


def mul(x, y):
    return mul_p.bind(*operands(x, y))


def neg(x):
    return neg_p.bind(*operands(x))


def sin(x):
    return sin_p.bind(*operands(x))


def cos(x):
    return cos_p.bind(*operands(x))


def convert_element_type(operand, new_dtype, weak_type=False):
    new_dtype = dtypes.canonicalize_dtype(new_dtype)
    if getattr(operand, "dtype", None) == new_dtype and \
            getattr(operand, "weak_type", False) == weak_type:
        return operand
    return convert_element_type_p.bind(operand, new_dtype=new_dtype, weak_type=weak_type,
                                       sharding=None)


__all__ = [name for name in dir() if name.endswith("_p") or name in (
    "add", "sub", "mul", "neg", "sin", "cos", "convert_element_type")]
