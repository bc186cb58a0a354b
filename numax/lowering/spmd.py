"""Sharding annotations for XLA's SPMD partitioner on a lowered module.

Owns the GSPMD spelling of a program partitioned over several devices: the
`mhlo.sharding = "<GSPMD sharding text>"` attributes on @main's arguments and results
(jaxlib_runtime.md §7) and the `@Sharding` custom call that constrains an intermediate
value. What the sharding texts say (which device holds which piece) is
numax/sharding.py's business; here they are opaque strings. A result left without an
attribute gets whatever layout the partitioner propagates to it.

Also owns manual regions (shard_map's per-device bodies): the `@SPMDFullToShardShape` /
`@SPMDShardToFullShape` custom calls around them, and, while a body is lowered, which
partitions each named mesh axis groups, which is what the collectives' replica groups,
channel handles and partition-id arithmetic are written from.
"""

import contextlib
import re
import threading

import numpy as np

from numax.lowering.builder import aval_type, dense_i64

_MAIN_HEADER = re.compile(r"^  func\.func public @main\(.*\) -> \(.*\) \{$", re.MULTILINE)


def annotate_main(text, in_avals, out_avals, in_shardings, out_shardings, donated=()):
    """`text` (a module lowered by jaxpr_lowering.lower_module) with @main's signature
    carrying `mhlo.sharding` attributes: `in_shardings[i]` / `out_shardings[i]` are
    GSPMD sharding texts, or None for no attribute. `donated` are the argument positions
    whose buffers @main may reuse (their `jax.buffer_donor` attribute is kept)."""
    arguments = []
    for i, (aval, sharding) in enumerate(zip(in_avals, in_shardings)):
        attributes = ["jax.buffer_donor = true"] if i in donated else []
        if sharding is not None:
            attributes.append(f'mhlo.sharding = "{sharding}"')
        suffix = f" {{{', '.join(attributes)}}}" if attributes else ""
        arguments.append(f"%arg{i}: {aval_type(aval)}{suffix}")
    results = [aval_type(aval) + (f' {{mhlo.sharding = "{sharding}"}}' if sharding else "")
               for aval, sharding in zip(out_avals, out_shardings)]
    header = f"  func.func public @main({', '.join(arguments)}) -> ({', '.join(results)}) {{"
    annotated, count = _MAIN_HEADER.subn(lambda _: header, text, count=1)
    if count != 1:
        raise ValueError("annotate_main: the module has no public @main of the form "
                         "lower_module emits")
    return annotated


def sharding_custom_call(ctx, x, sharding):
    """`x` constrained to the layout of the GSPMD sharding text `sharding` (the
    partitioner moves data where the constraint requires)."""
    return ctx.op("stablehlo.custom_call", [x], attributes={
        "call_target_name": '"Sharding"', "mhlo.sharding": f'"{sharding}"'})


# ---------------------------------------------------------------- manual regions

class ManualAxes:
    """The mesh axes of the manual region being lowered: `partitions` holds, per mesh
    position, the number of the partition (the program's device) there, with one array
    axis per name in `axis_names`. Collectives over some of these names exchange values
    between the partitions that differ only in those mesh coordinates."""

    def __init__(self, partitions, axis_names):
        self.partitions = partitions
        self.axis_names = tuple(axis_names)

    def groups(self, axes):
        """The partition numbers of each group a collective over `axes` combines, each
        group ordered by the position along `axes` (the first name most major)."""
        self._check_bound(axes)
        order = [self.axis_names.index(a) for a in axes]
        rest = [i for i in range(len(self.axis_names)) if i not in order]
        size = int(np.prod([self.partitions.shape[i] for i in order], dtype=int))
        return self.partitions.transpose(rest + order).reshape(-1, size)

    def index_table(self, axes):
        """Per partition number, its position along `axes` (as in `groups`)."""
        table = np.zeros(self.partitions.size, np.int32)
        for group in self.groups(axes):
            table[group] = np.arange(len(group))
        return table

    def _check_bound(self, axes):
        from numax.lax.parallel import UnboundAxisNameError
        for axis in axes:
            if axis not in self.axis_names:
                raise UnboundAxisNameError(
                    f"unbound axis name: {axis}. The enclosing shard_map's mesh has axes "
                    f"{self.axis_names}")


_manual_state = threading.local()


@contextlib.contextmanager
def manual_region(partitions, axis_names):
    """Lowering inside this block is of the per-device body of a manual region."""
    if getattr(_manual_state, "axes", None) is not None:
        raise NotImplementedError("shard_map nested inside another shard_map is not supported")
    _manual_state.axes = ManualAxes(partitions, axis_names)
    try:
        yield _manual_state.axes
    finally:
        _manual_state.axes = None


def manual_axes(collective, axes):
    """The ManualAxes a collective over `axes` is lowered in; an error naming the
    collective when no shard_map/pmap binds them."""
    current = getattr(_manual_state, "axes", None)
    if current is None:
        from numax.lax.parallel import UnboundAxisNameError
        raise UnboundAxisNameError(
            f"unbound axis name: {axes[0]}. {collective} over a named axis must run inside "
            f"numax.shard_map, numax.pmap or numax.vmap(..., axis_name=...) binding that name")
    current._check_bound(axes)
    return current


def channel_attributes(ctx, groups=None):
    """The attributes that make a collective address partitions of a manual region: a
    channel of its own (handles numbered per module) and, for groups, partition numbers
    as global device ids."""
    module = ctx.builder.module
    handle = module.__dict__["_channels"] = module.__dict__.get("_channels", 0) + 1
    attributes = {"channel_handle": f"#stablehlo.channel_handle<handle = {handle}, type = 1>"}
    if groups is not None:
        attributes["replica_groups"] = dense_i64(groups)
        attributes["use_global_device_ids"] = "unit"
    return attributes


def full_to_shard(ctx, x, sharding, shard_type):
    """The global value `x`, laid out by the GSPMD text `sharding`, as each partition's
    piece (of type `shard_type`) inside a manual region."""
    constrained = ctx.op("stablehlo.custom_call", [x], x.type, {
        "call_target_name": '"Sharding"', "mhlo.sharding": f'"{sharding}"'})
    return ctx.op("stablehlo.custom_call", [constrained], shard_type, {
        "call_target_name": '"SPMDFullToShardShape"', "mhlo.sharding": '"{manual}"'})


def shard_to_full(ctx, x, sharding, full_type):
    """Each partition's piece `x` of a manual region, assembled into the global value of
    type `full_type` laid out by the GSPMD text `sharding`."""
    manual = ctx.op("stablehlo.custom_call", [x], x.type, {
        "call_target_name": '"Sharding"', "mhlo.sharding": '"{manual}"'})
    return ctx.op("stablehlo.custom_call", [manual], full_type, {
        "call_target_name": '"SPMDShardToFullShape"', "mhlo.sharding": f'"{sharding}"'})
