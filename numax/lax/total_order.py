"""Comparisons in the IEEE 754 total order: the primitives eq_to, le_to and lt_to.

They differ from eq/le/lt only on floating-point operands, which they compare in the
total order of IEEE 754 (StableHLO's TOTALORDER): -NaN < -inf < ... < -0.0 < +0.0 < ...
< +inf < +NaN, so a NaN equals a NaN of the same sign and payload and -0.0 is below +0.0.
Integer and bool operands compare as usual, complex ones (eq_to only: they have no order)
as eq does. JAX exports these primitives without wrapper functions; their outputs are
bool, so they have no derivative."""

import numpy as np

from numax.core import dtypes
from numax.lax._rules import ANY, elementwise_abstract, elementwise_examples
from numax.lax.elementwise import ORDERED, broadcast_scalars, compare_hlo, elementwise
from numax.lowering import tensor_type


_SIGNED_OF_WIDTH = {2: np.dtype(np.int16), 4: np.dtype(np.int32), 8: np.dtype(np.int64)}


def _order_key(ctx, x, dtype, shape):
    """A signed integer whose order is x's total order: the float's bits, with the
    magnitude bits of negative values flipped (sign-magnitude to two's complement order).
    Computed explicitly because XLA's CPU backend evaluates an elementwise TOTALORDER
    compare as an ordinary float compare."""
    int_dtype = _SIGNED_OF_WIDTH[dtype.itemsize]
    int_type = tensor_type(shape, int_dtype)
    bits = ctx.op("stablehlo.bitcast_convert", [x], int_type)
    magnitude_mask = ctx.constant(np.iinfo(int_dtype).max, int_dtype, shape)
    flipped = ctx.op("stablehlo.xor", [bits, magnitude_mask], int_type)
    negative = compare_hlo(ctx, bits, ctx.constant(0, int_dtype, shape), "LT", int_dtype, shape)
    return ctx.op("stablehlo.select", [negative, flipped, bits], int_type), int_dtype


def _total_order_comparison(name, direction, allowed):
    def lower(ctx, x, y):
        x, y = broadcast_scalars(ctx, [x, y])
        dtype, shape = ctx.avals_in[0].dtype, ctx.aval_out.shape
        if dtypes.is_float(dtype):
            (x, dtype), (y, _) = _order_key(ctx, x, dtype, shape), _order_key(ctx, y, dtype, shape)
        return compare_hlo(ctx, x, y, direction, dtype, shape)

    def examples():
        special = np.array([np.nan, -np.nan, -0.0, 0.0, np.inf, -np.inf, 1.0, np.nan],
                           np.float32)
        return [((special, special[::-1].copy()), {}),
                ((special, special), {}),
                *elementwise_examples(2, ("float32", "int32", "uint8", "bool"),
                                      shapes=((), (2, 3)), low=-2, high=2)()]
    return elementwise(name, abstract_eval=elementwise_abstract(
        name, allowed, result_dtype=lambda _: dtypes.bool_), lower=lower, examples=examples,
        not_differentiable="comparison: bool output")


eq_to_p = _total_order_comparison("eq_to", "EQ", ANY)
le_to_p = _total_order_comparison("le_to", "LE", ORDERED)
lt_to_p = _total_order_comparison("lt_to", "LT", ORDERED)

__all__ = ["eq_to_p", "le_to_p", "lt_to_p"]
