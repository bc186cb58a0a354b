"""Builders for batching rules shared by families of primitives.

Owns the elementwise batching rule (operands batched at one common axis need no
movement; otherwise batch axes go first and unbatched or rank-0 operands are
broadcast) and small helpers rules use: moving an axis, broadcasting an unbatched
operand, finding the batch size.
"""

from numax.transforms.ad import get_aval
from numax.transforms.batching import batch_size, move_axis, to_front  # noqa: F401


def elementwise_batch(primitive):
    """Batching rule of an n-ary elementwise primitive (rank-0 operands broadcast)."""
    def rule(args, dims, **params):
        from numax import lax
        avals = [get_aval(x) for x in args]
        unbatched_shapes = [a.shape[:d] + a.shape[d + 1:] if d is not None else a.shape
                            for a, d in zip(avals, dims)]
        out_shape = max(unbatched_shapes, key=len)
        batched = [d for d in dims if d is not None]
        if len(set(batched)) == 1 and all(d is not None and s == out_shape
                                          for d, s in zip(dims, unbatched_shapes)):
            return primitive.bind(*args, **params), batched[0]
        size = batch_size(args, dims)
        full = (size,) + out_shape
        new_args = []
        for x, d, shape in zip(args, dims, unbatched_shapes):
            if d is None:
                if shape:
                    x = lax.broadcast_in_dim(x, full, tuple(range(1, len(full))))
            else:
                x = move_axis(x, d, 0)
                if shape != out_shape:  # a batched rank-0 operand
                    x = lax.broadcast_in_dim(x, full, (0,))
            new_args.append(x)
        return primitive.bind(*new_args, **params), 0
    return rule
