"""`numax.interpreters.batching`: JAX's batching registries, as views onto numax primitives.

Owns the adapters libraries use to give a primitive its vmap rule:
`primitive_batchers[p] = rule` sets `p.batch` as given (numax's convention is JAX's:
`rule(batched_args, batch_dims, **params) -> (out, out_dims)`, a batch dim of None
meaning "not batched"); `axis_primitive_batchers[p] = rule` adapts a rule that also
needs the vmapped axis, `rule(axis_size, axis_name, spmd_axis_name, batched_args,
batch_dims, **params)`; `defvectorized` and `defbroadcasting` build rules for
elementwise primitives. As in JAX 0.10.2 the batcher registries can be written, and
here also read; the interpreter itself lives in numax.transforms.batching.
"""

from numax.interpreters._rule_view import PrimitiveRuleView
from numax.lax._batch_rules import elementwise_batch


def _write_batch(primitive, rule):
    primitive.batch = rule


def _read_axis_batch(primitive):
    return getattr(primitive.batch, "axis_rule", None)


def _write_axis_batch(primitive, axis_rule):
    if axis_rule is None:
        primitive.batch = None
        return

    # numax hands rules marked `wants_axis` the vmap's BatchTrace as `axis_data`.
    def batch(args, dims, *, axis_data, **params):
        # numax has no separate SPMD axis name for vmap: that argument is always None.
        return axis_rule(axis_data.axis_size, axis_data.axis_name, None, args, dims, **params)
    batch.wants_axis = True
    batch.axis_rule = axis_rule
    primitive.batch = batch


primitive_batchers = PrimitiveRuleView(
    "batching.primitive_batchers", lambda primitive: primitive.batch, _write_batch)
axis_primitive_batchers = PrimitiveRuleView(
    "batching.axis_primitive_batchers", _read_axis_batch, _write_axis_batch)


def defvectorized(primitive):
    """Sets the batching rule of a primitive that acts on each element (or each leading
    slice) independently, so it applies unchanged to batched operands; all operands must
    be batched at the same axis (use `defbroadcasting` for mixed operands)."""
    def batch(args, dims, **params):
        if len(set(dims)) != 1:
            raise ValueError(
                f"vmap of '{primitive.name}': its batching rule comes from "
                f"batching.defvectorized, which needs every operand batched at the same axis, "
                f"got batch dims {list(dims)}; declare it with batching.defbroadcasting instead")
        out = primitive.bind(*args, **params)
        return out, ([dims[0]] * len(out) if primitive.multiple_results else dims[0])
    primitive.batch = batch


def defbroadcasting(primitive):
    """Sets the batching rule of an elementwise n-ary primitive: operands batched at one
    common axis pass through; otherwise batch axes move to the front and unbatched (or
    rank-0) operands are broadcast."""
    primitive.batch = elementwise_batch(primitive)
