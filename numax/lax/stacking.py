"""Joining arrays along a new axis and splitting one along an axis: the primitives
stack (n operands of one shape -> one array with a new axis of size n) and unstack (its
inverse, one result per index of the axis), each declared with all of its rules, and the
wrappers lax.stack and lax.unstack.

Both are linear and each is the other's transpose. They lower to a reshape per operand
plus one concatenate (stack), and a slice plus a reshape per result (unstack).
"""

import numpy as np

from numax.core.errors import NumaxTypeError
from numax.core.primitive import Primitive
from numax.lax._ad_rules import Zero, aval_of, instantiate, is_undefined, is_zero
from numax.lax._batch_rules import batch_size, move_axis
from numax.lax._rules import random_array
from numax.lax.structural import broadcast_in_dim
from numax.lowering import array_attribute


def _normalized_axis(api, axis, ndim):
    """`axis` in [0, ndim), accepting negative values as NumPy does."""
    if not isinstance(axis, (int, np.integer)) or not -ndim <= axis < ndim:
        raise ValueError(f"{api}: axis {axis!r} is out of bounds for a result of rank {ndim}; "
                         f"pass an integer in [{-ndim}, {ndim})")
    return int(axis) % ndim


# ---------------------------------------------------------------- stack

def _stack_abstract(*operands, axis):
    if not operands:
        raise NumaxTypeError("stack: needs at least one operand")
    first = operands[0]
    for aval in operands[1:]:
        if aval.shape != first.shape or aval.dtype != first.dtype:
            raise NumaxTypeError(
                "stack: all operands must have one shape and dtype, got "
                f"{', '.join(f'{a.dtype.name}{list(a.shape)}' for a in operands)}")
    if not 0 <= axis <= first.ndim:
        raise NumaxTypeError(f"stack: axis {axis} is out of bounds for operands of rank "
                             f"{first.ndim}")
    shape = first.shape[:axis] + (len(operands),) + first.shape[axis:]
    return first.update(shape=shape, weak_type=all(a.weak_type for a in operands))


def _stack_lower(ctx, *operands, axis):
    pieces = []
    for value, aval in zip(operands, ctx.avals_in):
        shape = aval.shape[:axis] + (1,) + aval.shape[axis:]
        pieces.append(ctx.op("stablehlo.reshape", [value], aval.update(shape=shape)))
    if len(pieces) == 1:
        return pieces[0]
    return ctx.op("stablehlo.concatenate", pieces, attributes={"dimension": f"{axis} : i64"})


def stack_transpose(ct, *operands, axis):
    if is_zero(ct):
        return [Zero(x.aval) if is_undefined(x) else None for x in operands]
    pieces = unstack_p.bind(ct, axis=axis)
    return [piece if is_undefined(x) else None for piece, x in zip(pieces, operands)]


def stack_batch(args, dims, *, axis):
    """Every operand gets its batch axis first (unbatched ones are broadcast), and the new
    axis moves one place right."""
    size = batch_size(args, dims)
    operands = []
    for x, d in zip(args, dims):
        if d is None:
            shape = aval_of(x).shape
            x = broadcast_in_dim(x, (size,) + shape, tuple(range(1, len(shape) + 1)))
        else:
            x = move_axis(x, d, 0)
        operands.append(x)
    return stack_p.bind(*operands, axis=axis + 1), 0


def _stack_examples():
    rng = np.random.default_rng(0)
    return [(tuple(random_array(rng, (2, 3), "float32") for _ in range(3)), dict(axis=1)),
            ((random_array(rng, (4,), "float32"), random_array(rng, (4,), "float32")),
             dict(axis=0)),
            ((random_array(rng, (), "int32"),), dict(axis=0)),
            (tuple(random_array(rng, (2, 2), "bool") for _ in range(2)), dict(axis=2))]


stack_p = Primitive(
    "stack",
    abstract_eval=_stack_abstract,
    lower=_stack_lower,
    linear=True,
    transpose=stack_transpose,
    batch=stack_batch,
    examples=_stack_examples,
)


# ---------------------------------------------------------------- unstack

def _unstack_abstract(x, *, axis):
    if not 0 <= axis < x.ndim:
        raise NumaxTypeError(f"unstack: axis {axis} is out of bounds for an operand of shape "
                             f"{x.shape}")
    piece = x.update(shape=x.shape[:axis] + x.shape[axis + 1:])
    return [piece] * x.shape[axis]


def _unstack_lower(ctx, x, *, axis):
    aval = ctx.avals_in[0]
    outs = []
    for i, out_aval in enumerate(ctx.avals_out):
        start = [0] * aval.ndim
        limit = list(aval.shape)
        start[axis], limit[axis] = i, i + 1
        piece = ctx.op("stablehlo.slice", [x], aval.update(shape=tuple(
            1 if d == axis else n for d, n in enumerate(aval.shape))), attributes={
            "start_indices": array_attribute(start), "limit_indices": array_attribute(limit),
            "strides": array_attribute([1] * aval.ndim)})
        outs.append(ctx.op("stablehlo.reshape", [piece], out_aval))
    return outs


def unstack_transpose(cts, x, *, axis):
    if all(is_zero(ct) for ct in cts):
        return [Zero(x.aval)]
    return [stack_p.bind(*[instantiate(ct) for ct in cts], axis=axis)]


def unstack_batch(args, dims, *, axis):
    (x,), (d,) = args, dims
    x = move_axis(x, d, 0)
    outs = unstack_p.bind(x, axis=axis + 1)
    return outs, [0] * len(outs)


def _unstack_examples():
    rng = np.random.default_rng(1)
    return [((random_array(rng, (2, 3, 4), "float32"),), dict(axis=1)),
            ((random_array(rng, (3,), "float32"),), dict(axis=0)),
            ((random_array(rng, (2, 5), "int32"),), dict(axis=0)),
            ((random_array(rng, (2, 0), "float32"),), dict(axis=1))]


unstack_p = Primitive(
    "unstack",
    abstract_eval=_unstack_abstract,
    lower=_unstack_lower,
    multiple_results=True,
    linear=True,
    transpose=unstack_transpose,
    batch=unstack_batch,
    examples=_unstack_examples,
)


# ---------------------------------------------------------------- wrappers

def stack(operands, axis=0):
    """Joins arrays of one shape and dtype along a new axis (like np.stack); axis may be
    negative, counted in the result's rank.

    >>> import numpy as np
    >>> stack([np.ones(3, np.float32), np.zeros(3, np.float32)], axis=1).shape
    (3, 2)
    """
    operands = list(operands)
    if not operands:
        raise ValueError("stack: needs a non-empty sequence of arrays")
    ndim = len(np.shape(operands[0])) + 1
    return stack_p.bind(*operands, axis=_normalized_axis("stack", axis, ndim))


def unstack(x, axis=0):
    """The slices of x along `axis`, as a tuple (axis may be negative).

    >>> import numpy as np
    >>> [p.shape for p in unstack(np.zeros((2, 3), np.float32), axis=1)]
    [(2,), (2,), (2,)]
    """
    ndim = len(np.shape(x))
    if ndim == 0:
        raise ValueError("unstack: needs an array of rank at least 1, got a scalar")
    return tuple(unstack_p.bind(x, axis=_normalized_axis("unstack", axis, ndim)))


__all__ = ["stack", "stack_p", "unstack", "unstack_p"]
