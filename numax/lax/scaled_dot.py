"""`scaled_dot`: a dot_general of block-scaled operands, written as a lax composition.

Owns `scaled_dot(lhs, rhs, lhs_scale=, rhs_scale=)`, which computes
`dot_general(lhs * repeat(lhs_scale), rhs * repeat(rhs_scale))`: each scale has the rank
of its operand and the same size along every batch and free dimension, while along a
contracting dimension its size divides the operand's (a "subchannel" of k = operand/scale
consecutive elements shares one scale, at least two). As in JAX 0.10.2's decomposition,
operands and repeated scales are converted to bfloat16 and multiplied there, and the
dot_general of the bfloat16 products accumulates into `preferred_element_type` (bfloat16
by default). Being a composition, it is differentiable and batchable through its parts;
integer and bool `preferred_element_type`s and complex inputs are refused.
"""

import numpy as np

from numax.core import dtypes
from numax.lax.contractions import dot_general
from numax.lax.elementwise import convert_element_type, mul
from numax.lax.structural import broadcast_in_dim, reshape
from numax.lax._ad_rules import aval_of

_BF16 = dtypes.bfloat16


def _default_dimension_numbers(ndim):
    """JAX's default: contract lhs's last axis with rhs's second-to-last, batch the rest."""
    batch = tuple(range(ndim - 2))
    return ((ndim - 1,), (ndim - 2,)), (batch, batch)


def _check_scale(side, operand_shape, scale_shape, contracting):
    for dim, (size, scale_size) in enumerate(zip(operand_shape, scale_shape)):
        if dim not in contracting:
            if size != scale_size:
                raise TypeError(f"scaled_dot: {side} dim {dim} of size {size} does not match "
                                f"scale dim size {scale_size}.")
            continue
        if scale_size == 0 or size % scale_size:
            raise TypeError(f"scaled_dot: {side} contracting dim {dim} of size {size} must be "
                            f"divisible by its scale's dim size {scale_size}.")
        if size // scale_size < 2:
            raise TypeError(f"scaled_dot: the ratio of {side} contracting dim {dim} to its "
                            f"scale's dim size ({size // scale_size}) must be at least 2.")


def _repeat_along(scale, contracting, operand_shape):
    """The scale with each element repeated k times (consecutively) along the contracting
    dimensions: broadcast a new axis of size k after each, then merge the pairs."""
    shape = aval_of(scale).shape
    expanded, placement = [], []
    for dim, size in enumerate(shape):
        placement.append(len(expanded))
        expanded.append(size)
        if dim in contracting:
            expanded.append(operand_shape[dim] // size)
    scale = broadcast_in_dim(scale, tuple(expanded), tuple(placement))
    return reshape(scale, tuple(operand_shape))


def _scaled_operand(operand, scale, contracting):
    operand = convert_element_type(operand, _BF16)
    if scale is None:  # JAX's default scale is 1, exact in bfloat16
        return operand
    repeated = _repeat_along(scale, contracting, aval_of(operand).shape)
    return mul(operand, convert_element_type(repeated, _BF16))


def scaled_dot(lhs, rhs, *, lhs_scale=None, rhs_scale=None, dimension_numbers=None,
               preferred_element_type=None):
    """`(lhs * lhs_scale) @ (rhs * rhs_scale)` with subchannel scales, in bfloat16.

    >>> import numpy as np
    >>> x, y = np.ones((2, 4), np.float32), np.ones((4, 3), np.float32)
    >>> scaled_dot(x, y, lhs_scale=np.full((2, 2), 2, np.float32)).dtype
    dtype(bfloat16)
    """
    lhs_aval, rhs_aval = aval_of(lhs), aval_of(rhs)
    if lhs_aval.ndim < 2 or rhs_aval.ndim < 2:
        raise TypeError("scaled_dot does not support 0-rank and 1-rank operands.")
    values = {"lhs": lhs_aval, "rhs": rhs_aval, "lhs_scale": lhs_scale, "rhs_scale": rhs_scale}
    avals = {k: (v if k in ("lhs", "rhs") else aval_of(v)) for k, v in values.items()
             if v is not None}
    if len({a.ndim for a in avals.values()}) != 1:
        ranks = " ".join(f"{k} rank: {a.ndim}" for k, a in avals.items())
        raise TypeError(f"scaled_dot: all input tensors must have the same rank. Got {ranks}.")
    for name, aval in avals.items():
        if dtypes.is_complex(aval.dtype):
            raise TypeError(f"scaled_dot computes in bfloat16 and does not accept complex "
                            f"inputs; {name} has dtype {aval.dtype.name}")
    if preferred_element_type is None:
        preferred_element_type = _BF16
    preferred_element_type = dtypes.canonicalize_dtype(preferred_element_type)
    if not dtypes.issubdtype(preferred_element_type, np.floating):
        raise TypeError(f"scaled_dot: preferred_element_type must be a floating-point dtype "
                        f"(the products are bfloat16), got {preferred_element_type.name}")
    if dimension_numbers is None:
        dimension_numbers = _default_dimension_numbers(lhs_aval.ndim)
    (lhs_contracting, rhs_contracting), (lhs_batch, rhs_batch) = dimension_numbers
    batch_sizes = {avals[k].shape[d] for k, dims in (("lhs", lhs_batch), ("rhs", rhs_batch),
                                                     ("lhs_scale", lhs_batch),
                                                     ("rhs_scale", rhs_batch))
                   if k in avals for d in dims}
    if len(batch_sizes) > 1:
        raise TypeError(f"scaled_dot: all input tensors must have the same batch dimension "
                        f"sizes for batch dims {tuple(lhs_batch)}, {tuple(rhs_batch)}.")
    if lhs_scale is not None:
        _check_scale("LHS", lhs_aval.shape, avals["lhs_scale"].shape, tuple(lhs_contracting))
    if rhs_scale is not None:
        _check_scale("RHS", rhs_aval.shape, avals["rhs_scale"].shape, tuple(rhs_contracting))
    return dot_general(_scaled_operand(lhs, lhs_scale, tuple(lhs_contracting)),
                       _scaled_operand(rhs, rhs_scale, tuple(rhs_contracting)),
                       dimension_numbers, preferred_element_type=preferred_element_type)


__all__ = ["scaled_dot"]
