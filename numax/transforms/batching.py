"""Batching interpreter: BatchTrace/BatchTracer and the machinery behind vmap.

Invariant: a BatchTracer's `batch_dim` is None (the value is the same for every batch
element) or a valid axis of its payload `value`, of size `axis_size`. A primitive's
`batch(args, dims, **params)` rule gets payloads and their batch dims (None for
unbatched) and returns (out, out_dim) — lists of both for multiple results — binding
on the parent trace. Rules move batch dimensions as little as they can; the helpers
below bring a dimension to the front or broadcast an unbatched operand only when an
operation needs it. Knows no primitive by name.
"""

from numax.core.errors import NumaxError
from numax.core.trace import Trace, Tracer, new_trace, raise_escaped, set_current_trace


class BatchTracer(Tracer):
    __slots__ = ("value", "batch_dim")

    def __init__(self, trace, value, batch_dim):
        self._trace = trace
        self.value = value
        self.batch_dim = batch_dim

    @property
    def aval(self):
        from numax.transforms.ad import get_aval
        aval = get_aval(self.value)
        if self.batch_dim is None:
            return aval
        shape = aval.shape[:self.batch_dim] + aval.shape[self.batch_dim + 1:]
        return aval.update(shape=shape)


class BatchTrace(Trace):
    kind = "vmap"

    def __init__(self, parent, axis_size, axis_name=None):
        super().__init__(parent)
        self.axis_size = axis_size
        self.axis_name = axis_name

    def __repr__(self):
        return f"BatchTrace(axis_size={self.axis_size}, axis_name={self.axis_name!r})"

    def unpack(self, value):
        if isinstance(value, BatchTracer) and value._trace is self:
            return value.value, value.batch_dim
        if isinstance(value, Tracer) and not value._trace.alive:
            raise_escaped(value)
        return value, None

    def process_primitive(self, primitive, args, params):
        values, dims = [], []
        for arg in args:
            value, dim = self.unpack(arg)
            values.append(value)
            dims.append(dim)
        owns_collective = getattr(primitive, "collective", False) and \
            self.axis_name is not None and self.axis_name in params.get("axes", ())
        with set_current_trace(self.parent):
            if all(d is None for d in dims) and not owns_collective:
                return primitive.bind(*values, **params)
            if primitive.batch is None:
                raise NotImplementedError(f"Batching rule for '{primitive.name}' not implemented")
            rule_params = dict(params)
            if getattr(primitive.batch, "wants_axis", False):
                rule_params["axis_data"] = self
            out, out_dim = primitive.batch(values, dims, **rule_params)
        if primitive.multiple_results:
            return [BatchTracer(self, o, d) if d is not None else o for o, d in zip(out, out_dim)]
        return BatchTracer(self, out, out_dim) if out_dim is not None else out


def batch_flat(flat_fun, values, dims, axis_size, axis_name=None):
    """Runs `flat_fun` on batched inputs; returns (out payloads, out batch dims)."""
    with new_trace(lambda parent: BatchTrace(parent, axis_size, axis_name)) as trace:
        inputs = [BatchTracer(trace, v, d) if d is not None else v for v, d in zip(values, dims)]
        outs = flat_fun(*inputs)
        pairs = [trace.unpack(o) for o in outs]
    return [v for v, _ in pairs], [d for _, d in pairs]


class BatchingError(NumaxError, ValueError):
    """Inconsistent batch sizes, bad in_axes/out_axes."""


# ---------------------------------------------------------------- helpers for rules

def move_axis(x, source, destination):
    from numax import lax
    from numax.transforms.ad import get_aval
    ndim = get_aval(x).ndim
    if source == destination:
        return x
    perm = [i for i in range(ndim) if i != source]
    perm.insert(destination, source)
    return lax.transpose(x, tuple(perm))


def to_front(x, dim, size):
    """`x` with its batch dimension first; an unbatched `x` is broadcast to `size` copies."""
    from numax import lax
    from numax.transforms.ad import get_aval
    if dim is None:
        aval = get_aval(x)
        return lax.broadcast_in_dim(x, (size,) + aval.shape, tuple(range(1, aval.ndim + 1)))
    return move_axis(x, dim, 0)


def batch_size(values, dims):
    from numax.transforms.ad import get_aval
    for value, dim in zip(values, dims):
        if dim is not None:
            return get_aval(value).shape[dim]
    raise ValueError("no batched operand")
