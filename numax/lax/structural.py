"""Structural primitives: primitives that move, select or reshape elements.

broadcast_in_dim, reshape, and (in the same style) squeeze, expand_dims, transpose,
rev, pad, concatenate, slicing, dynamic slicing and iota. Each is declared once with
its shape rule, lowering and example inputs.
"""

import numpy as np

from numax.core.abstract import ShapedArray
from numax.core.errors import NumaxTypeError
from numax.core.primitive import Primitive
from numax.lax._rules import random_array
from numax.lowering import array_attribute


# ---------------------------------------------------------------- broadcast_in_dim

def _broadcast_in_dim_abstract(x, *, shape, broadcast_dimensions, sharding=None):
    if len(broadcast_dimensions) != x.ndim:
        raise NumaxTypeError(
            f"broadcast_in_dim: broadcast_dimensions {broadcast_dimensions} must have one entry "
            f"per operand dimension (operand shape {x.shape})")
    if any(not 0 <= d < len(shape) for d in broadcast_dimensions) or \
            list(broadcast_dimensions) != sorted(set(broadcast_dimensions)):
        raise NumaxTypeError(
            f"broadcast_in_dim: broadcast_dimensions {broadcast_dimensions} must be strictly "
            f"increasing dimensions of the result shape {shape}")
    for operand_dim, result_dim in enumerate(broadcast_dimensions):
        if x.shape[operand_dim] not in (1, shape[result_dim]):
            raise NumaxTypeError(
                f"broadcast_in_dim: operand dimension {operand_dim} of size "
                f"{x.shape[operand_dim]} cannot broadcast to result dimension {result_dim} of "
                f"size {shape[result_dim]} (operand shape {x.shape}, result shape {shape})")
    return ShapedArray(shape, x.dtype, x.weak_type)


def _broadcast_in_dim_lower(ctx, x, *, shape, broadcast_dimensions, sharding=None):
    return ctx.op("stablehlo.broadcast_in_dim", [x],
                  attributes={"broadcast_dimensions": array_attribute(broadcast_dimensions)})


def _broadcast_in_dim_examples():
    rng = np.random.default_rng(0)
    return [((random_array(rng, (3,), "float32"),), dict(shape=(2, 3), broadcast_dimensions=(1,),
                                                         sharding=None)),
            ((random_array(rng, (3, 1), "int32"),), dict(shape=(3, 4), broadcast_dimensions=(0, 1),
                                                          sharding=None)),
            ((random_array(rng, (), "float32"),), dict(shape=(2, 2), broadcast_dimensions=(),
                                                       sharding=None))]


broadcast_in_dim_p = Primitive(
    "broadcast_in_dim",
    abstract_eval=_broadcast_in_dim_abstract,
    lower=_broadcast_in_dim_lower,
    examples=_broadcast_in_dim_examples,
)


def broadcast_in_dim(operand, shape, broadcast_dimensions, out_sharding=None):
    shape = tuple(int(d) for d in shape)
    broadcast_dimensions = tuple(int(d) for d in broadcast_dimensions)
    if np.shape(operand) == shape and broadcast_dimensions == tuple(range(len(shape))):
        return operand
    return broadcast_in_dim_p.bind(operand, shape=shape, broadcast_dimensions=broadcast_dimensions,
                                   sharding=None)


# ---------------------------------------------------------------- reshape

def _reshape_abstract(x, *, new_sizes, dimensions=None, sharding=None):
    if int(np.prod(new_sizes, dtype=np.int64)) != x.size:
        raise NumaxTypeError(f"reshape: cannot reshape an array of shape {x.shape} "
                             f"({x.size} elements) into shape {new_sizes}")
    if dimensions is not None:
        raise NumaxTypeError("reshape: the `dimensions` parameter is not supported; "
                             "transpose first")
    return ShapedArray(new_sizes, x.dtype, x.weak_type)


reshape_p = Primitive(
    "reshape",
    abstract_eval=_reshape_abstract,
    lower=lambda ctx, x, **_: ctx.op("stablehlo.reshape", [x]),
    examples=lambda: [((np.arange(6, dtype=np.float32),), dict(new_sizes=(2, 3), dimensions=None,
                                                               sharding=None)),
                      ((np.ones((2, 3), np.int32),), dict(new_sizes=(6, 1), dimensions=None,
                                                          sharding=None))],
)


def reshape(operand, new_sizes, dimensions=None, out_sharding=None):
    new_sizes = tuple(int(d) for d in new_sizes)
    if dimensions is not None:
        operand = transpose(operand, dimensions)  # noqa: F821  (declared with the family)
    if np.shape(operand) == new_sizes:
        return operand
    return reshape_p.bind(operand, new_sizes=new_sizes, dimensions=None, sharding=None)


__all__ = ["broadcast_in_dim", "reshape", "broadcast_in_dim_p", "reshape_p"]
