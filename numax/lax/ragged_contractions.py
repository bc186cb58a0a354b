"""Grouped (ragged) matrix products: ragged_dot_general, its dimension numbers
RaggedDotDimensionNumbers, and ragged_dot, its common case.

lhs has one ragged dimension, cut into consecutive groups by `group_sizes`; what a group
does depends on the kind of that dimension (as in JAX):

1. a free dimension m of lhs: rows of group i are multiplied by rhs's slice i along its
   group dimension: [b.., m.., k..] x [g, b.., k.., n..] -> [b.., m.., n..];
2. a contracting dimension k: group i contracts only its own stretch of k, and each group
   gives its own result: [b.., m.., k..] x [b.., k.., n..] -> [g, b.., m.., n..];
3. a batch dimension: an ordinary dot_general over the batch entries in some group.

Positions past the last group give zeros. XLA's CPU backend has no ragged-dot op, so this
is written with existing primitives: one dot_general that computes every group's product
and a mask built from the cumulative group sizes. That costs g full products in mode 1
(and 2) but stays differentiable, jittable and vmappable through those primitives.
`group_sizes` is either (g,) or carries the leading dimensions JAX allows: the batch
dimensions and the lhs dimensions of the ragged kind that precede the ragged one.
"""

from typing import NamedTuple, Sequence

import numpy as np

from numax.core import dtypes
from numax.lax.contractions import _canonical_dimension_numbers, dot_general
from numax.lax.cumulative import cumsum
from numax.lax.elementwise import bitwise_and, convert_element_type, ge, lt, mul, sub
from numax.lax.reductions import reduce_sum
from numax.lax.structural import broadcast_in_dim, broadcasted_iota, transpose


class RaggedDotDimensionNumbers(NamedTuple):
    """How ragged_dot_general pairs its operands' dimensions: dot_general's
    ((lhs_contracting, rhs_contracting), (lhs_batch, rhs_batch)), the lhs ragged dimension
    (a sequence of one) and rhs's group dimension (one, or none for modes 2 and 3)."""

    dot_dimension_numbers: tuple
    lhs_ragged_dimensions: Sequence[int]
    rhs_group_dimensions: Sequence[int]


def _shape(x):
    shape = getattr(x, "shape", None)
    return tuple(shape) if shape is not None else np.shape(x)


def _dtype(x):
    dtype = getattr(x, "dtype", None)
    return np.dtype(dtype) if dtype is not None else np.asarray(x).dtype


def _group_bounds(group_sizes, leading_shape, groups):
    """(starts, ends) of the groups, each of shape leading_shape + (groups,), int32."""
    sizes = convert_element_type(group_sizes, np.int32)
    shape = leading_shape + (groups,)
    if _shape(sizes) != shape:
        sizes = broadcast_in_dim(sizes, shape, (len(shape) - 1,))
    ends = cumsum(sizes, axis=len(shape) - 1)
    return sub(ends, sizes), ends


def _place(value, value_dims, shape):
    """Broadcasts `value` into `shape`, its dimension i going to position value_dims[i]
    (any order: it is transposed to increasing positions first)."""
    order = sorted(range(len(value_dims)), key=lambda i: value_dims[i])
    if order != list(range(len(order))):
        value = transpose(value, tuple(order))
    return broadcast_in_dim(value, shape, tuple(sorted(value_dims)))


def _in_group_mask(starts, ends, value_dims, shape, position_axis, dtype):
    """1 where the index along `position_axis` lies in [start, end), else 0, in `dtype`."""
    index = broadcasted_iota(np.int32, shape, position_axis)
    inside = bitwise_and(ge(index, _place(starts, value_dims, shape)),
                         lt(index, _place(ends, value_dims, shape)))
    return convert_element_type(inside, dtype)


def _validate(api, lhs_shape, rhs_shape, numbers):
    try:
        dimension_numbers, ragged, group = numbers
        ragged, group = tuple(int(d) for d in ragged), tuple(int(d) for d in group)
    except (TypeError, ValueError):
        raise TypeError(f"{api}: ragged_dot_dimension_numbers must be a "
                        f"RaggedDotDimensionNumbers(dot_dimension_numbers, "
                        f"lhs_ragged_dimensions, rhs_group_dimensions), got {numbers!r}") from None
    (lhs_contract, rhs_contract), (lhs_batch, rhs_batch) = \
        _canonical_dimension_numbers(dimension_numbers)
    if len(ragged) != 1 or not 0 <= ragged[0] < len(lhs_shape):
        raise ValueError(f"{api}: lhs_ragged_dimensions must name exactly one axis of lhs "
                         f"(shape {lhs_shape}), got {ragged}")
    if len(group) > 1 or any(not 0 <= d < len(rhs_shape) for d in group):
        raise ValueError(f"{api}: rhs_group_dimensions must name at most one axis of rhs "
                         f"(shape {rhs_shape}), got {group}")
    if group and (group[0] in rhs_contract or group[0] in rhs_batch):
        raise ValueError(f"{api}: the rhs group dimension {group[0]} must be neither a "
                         "contracting nor a batch dimension")
    return (lhs_contract, rhs_contract), (lhs_batch, rhs_batch), ragged[0], group


def ragged_dot_general(lhs, rhs, group_sizes, ragged_dot_dimension_numbers, precision=None,
                       preferred_element_type=None, group_offset=None, out_sharding=None):
    """Ragged matrix product with dot_general's batch and contracting dimensions (see the
    module docstring for the three modes).

    >>> import numpy as np
    >>> numbers = RaggedDotDimensionNumbers((((1,), (1,)), ((), ())), [0], [0])
    >>> lhs, rhs = np.ones((5, 2), np.float32), np.ones((3, 2, 4), np.float32)
    >>> ragged_dot_general(lhs, rhs, np.array([2, 1, 2]), numbers).shape
    (5, 4)
    """
    api = "ragged_dot_general"
    if group_offset is not None:
        raise NotImplementedError(f"{api}: group_offset is not supported; pass None")
    if out_sharding is not None:
        raise NotImplementedError(f"{api}: out_sharding is not supported; pass None")
    lhs_shape, rhs_shape, sizes_shape = _shape(lhs), _shape(rhs), _shape(group_sizes)
    contract, batch, ragged, group = _validate(api, lhs_shape, rhs_shape,
                                               ragged_dot_dimension_numbers)
    (lhs_contract, rhs_contract), (lhs_batch, rhs_batch) = contract, batch
    if not sizes_shape or not dtypes.is_integer(_dtype(group_sizes)):
        raise TypeError(f"{api}: group_sizes must be an integer array of shape (g,) or "
                        f"(..., g), got {group_sizes!r}")
    groups = sizes_shape[-1]
    lhs_free = [d for d in range(len(lhs_shape)) if d not in lhs_contract and d not in lhs_batch]
    batch_shape = tuple(lhs_shape[d] for d in lhs_batch)
    nb = len(lhs_batch)
    options = dict(precision=precision, preferred_element_type=preferred_element_type)

    def leading(kind_dims, outer_of):
        """group_sizes' leading shape: the batch dims (modes 1, 2), then the lhs dims of
        the ragged dimension's kind that precede it."""
        outer = [d for d in kind_dims if d < outer_of]
        expected = (batch_shape if kind_dims is not lhs_batch else ()) + \
            tuple(lhs_shape[d] for d in outer)
        if sizes_shape[:-1] not in ((), expected):
            raise ValueError(f"{api}: group_sizes must have shape ({groups},) or "
                             f"{expected + (groups,)}, got {sizes_shape}")
        return expected, outer

    if ragged in lhs_free:                                        # mode 1
        if len(group) != 1 or rhs_shape[group[0]] != groups:
            raise ValueError(f"{api}: with a ragged non-contracting lhs dimension, rhs needs "
                             f"one group dimension of size {groups} (the number of groups), "
                             f"got rhs_group_dimensions {group} of rhs shape {rhs_shape}")
        lead_shape, outer = leading(lhs_free, ragged)
        product = dot_general(lhs, rhs, (contract, batch), **options)
        rhs_free = [d for d in range(len(rhs_shape)) if d not in rhs_contract and
                    d not in rhs_batch]
        group_axis = nb + len(lhs_free) + rhs_free.index(group[0])
        starts, ends = _group_bounds(group_sizes, lead_shape, groups)
        dims = list(range(nb)) + [nb + lhs_free.index(d) for d in outer] + [group_axis]
        mask = _in_group_mask(starts, ends, dims, product.shape,
                              nb + lhs_free.index(ragged), product.dtype)
        return reduce_sum(mul(product, mask), (group_axis,))
    if group:
        raise ValueError(f"{api}: rhs_group_dimensions must be empty when the lhs ragged "
                         f"dimension {ragged} is a contracting or batch dimension, got {group}")
    if ragged in lhs_contract:                                    # mode 2
        lead_shape, outer = leading(lhs_contract, ragged)
        starts, ends = _group_bounds(group_sizes, lead_shape, groups)
        grouped_shape = (groups,) + lhs_shape
        dims = [1 + d for d in lhs_batch] + [1 + d for d in outer] + [0]
        mask = _in_group_mask(starts, ends, dims, grouped_shape, 1 + ragged, _dtype(lhs))
        grouped = mul(broadcast_in_dim(lhs, grouped_shape, tuple(range(1, len(grouped_shape)))),
                      mask)
        shifted = ((tuple(1 + d for d in lhs_contract), rhs_contract),
                   (tuple(1 + d for d in lhs_batch), rhs_batch))
        out = dot_general(grouped, rhs, shifted, **options)   # [b.., g, m.., n..]
        permutation = (nb,) + tuple(range(nb)) + tuple(range(nb + 1, len(out.shape)))
        return transpose(out, permutation)
    # mode 3: the ragged dimension is a batch dimension.
    lead_shape, outer = leading(lhs_batch, ragged)
    starts, ends = _group_bounds(group_sizes, lead_shape, groups)
    product = dot_general(lhs, rhs, (contract, batch), **options)
    # Each batch entry lies in one group at most: summing the groups' masks keeps it or not.
    dims = [lhs_batch.index(d) for d in outer] + [len(product.shape)]
    keep = reduce_sum(_in_group_mask(starts, ends, dims, product.shape + (groups,),
                                     lhs_batch.index(ragged), product.dtype),
                      (len(product.shape),))
    return mul(product, keep)


def ragged_dot(lhs, rhs, group_sizes, precision=None, preferred_element_type=None,
               group_offset=None, out_sharding=None):
    """A grouped matrix product: lhs (m, k) is split into consecutive row groups of
    `group_sizes` (g,), and group i is multiplied by rhs[i] (rhs is (g, k, n)); rows past
    sum(group_sizes) give zeros.

    >>> import numpy as np
    >>> lhs, rhs = np.ones((5, 2), np.float32), np.ones((3, 2, 4), np.float32)
    >>> ragged_dot(lhs, rhs, np.array([2, 1, 2])).shape
    (5, 4)
    """
    lhs_shape, rhs_shape, sizes_shape = _shape(lhs), _shape(rhs), _shape(group_sizes)
    if len(lhs_shape) != 2 or len(rhs_shape) != 3 or len(sizes_shape) != 1 or \
            rhs_shape[0] != sizes_shape[0] or lhs_shape[1] != rhs_shape[1]:
        raise ValueError(f"ragged_dot: expected lhs (m, k), rhs (g, k, n) and group_sizes (g,), "
                         f"got shapes {lhs_shape}, {rhs_shape} and {sizes_shape}")
    return ragged_dot_general(lhs, rhs, group_sizes, _RAGGED_ROWS, precision=precision,
                              preferred_element_type=preferred_element_type,
                              group_offset=group_offset, out_sharding=out_sharding)


# ragged_dot's layout: lhs rows are ragged, rhs's first axis holds the groups.
_RAGGED_ROWS = RaggedDotDimensionNumbers((((1,), (1,)), ((), ())), (0,), (0,))

__all__ = ["RaggedDotDimensionNumbers", "ragged_dot", "ragged_dot_general"]
