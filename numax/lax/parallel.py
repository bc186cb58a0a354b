"""Collectives over named axes: psum, pmean, pmax, pmin, all_gather, psum_scatter,
ppermute, axis_index.

A collective names the axes it reduces or exchanges over (`axis_name`). Under
`vmap(..., axis_name=name)` the batching trace that owns the name applies the
collective's batch rule even when the operand is not batched there (a value the same
for every element still has one copy per element); other traces pass the collective to
their parent. With no transformation binding the name, it is an error. Inside the body
of `shard_map` (and `pmap`, built on it) the names are mesh axes: the collectives lower to
StableHLO collectives between the partitions of the manual region that differ only along
the named axes (lowering/spmd.py says which those are), and `bound_mesh_axes` tells the
tracing of such a body which names are bound and how large they are.
"""

import contextlib
import threading


import numpy as np

from numax.core.abstract import ShapedArray
from numax.core.errors import NumaxError
from numax.core.primitive import Primitive
from numax.lowering.builder import array_attribute
from numax.lax._ad_rules import Zero, aval_of, is_zero
from numax.transforms.batching import move_axis, to_front


class UnboundAxisNameError(NumaxError, NameError):
    """A collective named an axis that no enclosing vmap (or pmap) binds."""


_mesh_axes = threading.local()  # the axis sizes of the shard_map bodies being traced


@contextlib.contextmanager
def bound_mesh_axes(sizes):
    """While a shard_map body is traced, the names in `sizes` ({name: size}) are bound."""
    stack = _mesh_axes.__dict__.setdefault("stack", [])
    stack.append(dict(sizes))
    try:
        yield
    finally:
        stack.pop()


def _bound_size(axis_name):
    """The size of the named axis that an enclosing vmap or shard_map body binds, or None."""
    from numax.core.trace import _state
    trace = _state.trace
    while trace is not None:
        if getattr(trace, "axis_name", None) == axis_name:
            return trace.axis_size
        trace = trace.parent
    for sizes in reversed(getattr(_mesh_axes, "stack", ())):
        if axis_name in sizes:
            return sizes[axis_name]
    return None


def _check_bound(axes):
    for axis in axes:
        if _bound_size(axis) is None:
            _unbound(axes=(axis,))


def _unbound(*args, axes, **params):
    raise UnboundAxisNameError(f"unbound axis name: {axes[0]}. A collective must run inside a "
                               f"transformation that binds that name, e.g. "
                               f"numax.vmap(f, axis_name={axes[0]!r}), numax.pmap or "
                               "numax.shard_map over a mesh with that axis")


def _names(axis_name):
    return tuple(axis_name) if isinstance(axis_name, (tuple, list)) else (axis_name,)


def _collective(name, abstract_eval, batch, **rules):
    primitive = Primitive(name, abstract_eval=abstract_eval, impl=_unbound, batch=batch,
                          examples=lambda: [], register=False, **rules)
    primitive.collective = True
    return primitive


def _reduction_batch(primitive, reduce, scale_unbatched):
    """Batch rule of psum/pmax/pmin: reduce over this trace's batch axis if it is named,
    then apply the collective over the remaining names on the parent trace."""
    def rule(args, dims, *, axes, axis_data):
        from numax import lax
        (x,), (dim,) = args, dims
        if axis_data.axis_name not in axes:
            return primitive.bind(x, axes=axes), dim
        if dim is not None:
            x = reduce(x, dim)
        elif scale_unbatched:  # a value shared by all elements, summed over them
            x = lax.mul(x, axis_data.axis_size)
        rest = tuple(a for a in axes if a != axis_data.axis_name)
        return (primitive.bind(x, axes=rest) if rest else x), None
    rule.wants_axis = True
    return rule


def _sum_over(x, dim):
    from numax import lax
    return lax.reduce_sum(x, (dim,))


def _max_over(x, dim):
    from numax import lax
    return lax.reduce_max(x, (dim,))


def _min_over(x, dim):
    from numax import lax
    return lax.reduce_min(x, (dim,))


def _identity_abstract(x, *, axes):
    return x


psum_p = _collective("psum", _identity_abstract, None, linear=True,
                     transpose=lambda ct, x, *, axes: [ct if is_zero(ct) else psum_p.bind(ct, axes=axes)])
psum_p.batch = _reduction_batch(psum_p, _sum_over, True)
pmax_p = _collective("pmax", _identity_abstract, None)
pmax_p.batch = _reduction_batch(pmax_p, _max_over, False)
pmin_p = _collective("pmin", _identity_abstract, None)
pmin_p.batch = _reduction_batch(pmin_p, _min_over, False)


def _extremum_jvp(primitive):
    """Tangent of the winning elements, averaged over ties (like reduce_max)."""
    def rule(primals, tangents, *, axes):
        from numax import lax
        (x,), (t,) = primals, tangents
        out = primitive.bind(x, axes=axes)
        if is_zero(t):
            return out, t
        winners = lax.convert_element_type(lax.eq(x, out), aval_of(t).dtype)
        count = psum_p.bind(winners, axes=axes)
        return out, lax.div(psum_p.bind(lax.mul(t, winners), axes=axes), count)
    return rule


pmax_p.jvp = _extremum_jvp(pmax_p)
pmin_p.jvp = _extremum_jvp(pmin_p)


def psum(x, axis_name):
    """Sum of `x` over the named axis (every element gets the total)."""
    from numax.core.pytree import tree_map
    _check_bound(_names(axis_name))
    return tree_map(lambda leaf: psum_p.bind(leaf, axes=_names(axis_name)), x)


def pmax(x, axis_name):
    from numax.core.pytree import tree_map
    _check_bound(_names(axis_name))
    return tree_map(lambda leaf: pmax_p.bind(leaf, axes=_names(axis_name)), x)


def pmin(x, axis_name):
    from numax.core.pytree import tree_map
    _check_bound(_names(axis_name))
    return tree_map(lambda leaf: pmin_p.bind(leaf, axes=_names(axis_name)), x)


def pmean(x, axis_name):
    from numax import lax
    from numax.core.pytree import tree_map
    count = psum(1, axis_name)
    return tree_map(lambda leaf: lax.div(psum_p.bind(leaf, axes=_names(axis_name)),
                                         lax.convert_element_type(count, aval_of(leaf).dtype)), x)


# ---------------------------------------------------------------- axis_index

def _axis_index_batch(args, dims, *, axes, axis_data):
    from numax import lax
    if axes[0] != axis_data.axis_name:
        return axis_index_p.bind(axes=axes), None
    return lax.iota(np.dtype(np.int32), axis_data.axis_size), 0


_axis_index_batch.wants_axis = True
axis_index_p = _collective("axis_index", lambda *, axes: ShapedArray((), np.dtype(np.int32)),
                           _axis_index_batch, not_differentiable="integer output")


def axis_index(axis_name):
    """This element's position along the named axis (a tuple of names: the position
    along all of them, the first most major)."""
    _check_bound(_names(axis_name))
    return axis_index_p.bind(axes=_names(axis_name))


# ---------------------------------------------------------------- all_gather, psum_scatter

def _all_gather_abstract(x, *, axes, axis, tiled, size):
    shape = list(x.shape)
    if tiled:
        shape[axis] *= size
    else:
        shape.insert(axis, size)
    return x.update(shape=tuple(shape))


def _all_gather_batch(args, dims, *, axes, axis, tiled, size, axis_data):
    from numax import lax
    (x,), (dim,) = args, dims
    if axes[0] != axis_data.axis_name:
        return all_gather_p.bind(x, axes=axes, axis=axis + (dim is not None and dim <= axis),
                                 tiled=tiled, size=size), dim
    x = to_front(x, dim, axis_data.axis_size)
    gathered = move_axis(x, 0, axis)
    if tiled:
        shape = list(aval_of(gathered).shape)
        merged = shape[:axis] + [shape[axis] * shape[axis + 1]] + shape[axis + 2:]
        gathered = lax.reshape(gathered, tuple(merged))
    return gathered, None


_all_gather_batch.wants_axis = True


def _all_gather_transpose(ct, x, *, axes, axis, tiled, size):
    if is_zero(ct):
        return [Zero(x.aval)]
    return [psum_scatter_p.bind(ct, axes=axes, scatter_dimension=axis, tiled=tiled, size=size)]


all_gather_p = _collective("all_gather", _all_gather_abstract, _all_gather_batch, linear=True,
                           transpose=_all_gather_transpose)


def _psum_scatter_abstract(x, *, axes, scatter_dimension, tiled, size):
    shape = list(x.shape)
    if tiled:
        shape[scatter_dimension] //= size
    else:
        del shape[scatter_dimension]
    return x.update(shape=tuple(shape))


def _psum_scatter_batch(args, dims, *, axes, scatter_dimension, tiled, size, axis_data):
    from numax import lax
    (x,), (dim,) = args, dims
    if axes[0] != axis_data.axis_name:
        shifted = scatter_dimension + (dim is not None and dim <= scatter_dimension)
        return psum_scatter_p.bind(x, axes=axes, scatter_dimension=shifted, tiled=tiled,
                                   size=size), dim
    x = to_front(x, dim, axis_data.axis_size)
    total = lax.reduce_sum(x, (0,))
    if tiled:
        shape = list(aval_of(total).shape)
        chunk = shape[scatter_dimension] // axis_data.axis_size
        total = lax.reshape(total, tuple(shape[:scatter_dimension] + [axis_data.axis_size, chunk]
                                         + shape[scatter_dimension + 1:]))
    return total, scatter_dimension


_psum_scatter_batch.wants_axis = True


def _psum_scatter_transpose(ct, x, *, axes, scatter_dimension, tiled, size):
    if is_zero(ct):
        return [Zero(x.aval)]
    return [all_gather_p.bind(ct, axes=axes, axis=scatter_dimension, tiled=tiled, size=size)]


psum_scatter_p = _collective("psum_scatter", _psum_scatter_abstract, _psum_scatter_batch,
                             linear=True, transpose=_psum_scatter_transpose)


def _axis_size(axis_name):
    size = _bound_size(axis_name)
    if size is None:
        _unbound(axes=(axis_name,))
    return size


def all_gather(x, axis_name, *, axis=0, tiled=False):
    """Every element gets all elements' values, stacked (or concatenated if tiled) at `axis`."""
    from numax.core.pytree import tree_map
    size = _axis_size(axis_name)

    def gather(leaf):
        ndim = aval_of(leaf).ndim
        position = axis % (ndim + (0 if tiled else 1)) if ndim or not tiled else 0
        return all_gather_p.bind(leaf, axes=(axis_name,), axis=position, tiled=tiled, size=size)
    return tree_map(gather, x)


def psum_scatter(x, axis_name, *, scatter_dimension=0, tiled=False):
    """Sums over the axis, and element i keeps the i-th block of the result."""
    from numax.core.pytree import tree_map
    size = _axis_size(axis_name)

    def scatter(leaf):
        shape = aval_of(leaf).shape
        dim = scatter_dimension % len(shape)
        if (shape[dim] != size) if not tiled else (shape[dim] % size):
            raise ValueError(f"psum_scatter: dimension {dim} of size {shape[dim]} must "
                             f"{'be divisible by' if tiled else 'equal'} the axis size {size}")
        return psum_scatter_p.bind(leaf, axes=(axis_name,), scatter_dimension=dim, tiled=tiled,
                                   size=size)
    return tree_map(scatter, x)


# ---------------------------------------------------------------- ppermute

def _ppermute_batch(args, dims, *, axes, perm, axis_data):
    from numax import lax
    (x,), (dim,) = args, dims
    if axes[0] != axis_data.axis_name:
        return ppermute_p.bind(x, axes=axes, perm=perm), dim
    size = axis_data.axis_size
    x = to_front(x, dim, size)
    sources = np.zeros(size, np.int32)
    received = np.zeros(size, bool)
    for source, destination in perm:
        sources[destination] = source
        received[destination] = True
    import numax.numpy as jnp
    moved = jnp.take(x, jnp.asarray(sources), axis=0) if hasattr(jnp, "take") else \
        lax.concatenate([lax.slice_in_dim(x, int(s), int(s) + 1, axis=0) for s in sources], 0)
    shape = aval_of(moved).shape
    mask = lax.broadcast_in_dim(jnp.asarray(received), shape, (0,))
    return lax.select(mask, moved, lax.full(shape, 0, aval_of(moved).dtype)), 0


_ppermute_batch.wants_axis = True


def _ppermute_transpose(ct, x, *, axes, perm):
    if is_zero(ct):
        return [Zero(x.aval)]
    return [ppermute_p.bind(ct, axes=axes, perm=tuple((d, s) for s, d in perm))]


ppermute_p = _collective("ppermute", lambda x, *, axes, perm: x, _ppermute_batch, linear=True,
                         transpose=_ppermute_transpose)


def ppermute(x, axis_name, perm):
    """Sends element `source`'s value to `destination` for each (source, destination) pair;
    elements that receive nothing get zeros."""
    from numax.core.pytree import tree_map
    _check_bound((axis_name,))
    perm = tuple((int(s), int(d)) for s, d in perm)
    destinations = [d for _, d in perm]
    if len(set(destinations)) != len(destinations) or len({s for s, _ in perm}) != len(perm):
        raise ValueError(f"ppermute: perm {perm} must not repeat a source or a destination")
    return tree_map(lambda leaf: ppermute_p.bind(leaf, axes=(axis_name,), perm=perm), x)


# ---------------------------------------------------------------- lowerings in manual regions

def _all_reduce_lower(collective, hlo):
    def lower(ctx, x, *, axes):
        from numax.lax.reductions import binary_region
        from numax.lowering.spmd import channel_attributes, manual_axes
        groups = manual_axes(collective, axes).groups(axes)
        return ctx.op("stablehlo.all_reduce", [x], attributes=channel_attributes(ctx, groups),
                      regions=[binary_region(ctx, hlo, ctx.avals_in[0].dtype)])
    lower.__name__ = f"{collective}_lower"
    return lower


psum_p.lower = _all_reduce_lower("psum", "stablehlo.add")
pmax_p.lower = _all_reduce_lower("pmax", "stablehlo.maximum")
pmin_p.lower = _all_reduce_lower("pmin", "stablehlo.minimum")


def _axis_index_lower(ctx, *, axes):
    """The partition id, looked up in the table of each partition's position."""
    from numax.lowering.spmd import manual_axes
    table = manual_axes("axis_index", axes).index_table(axes)
    scalar = ShapedArray((), np.dtype(np.uint32))
    partition = ctx.op("stablehlo.partition_id", [], ctx.type(scalar))
    position = ctx.op("stablehlo.convert", [partition], ctx.type(ctx.aval_out))
    picked = ctx.op("stablehlo.dynamic_slice", [ctx.constant(table, np.int32, table.shape),
                                                position],
                    ctx.type(ShapedArray((1,), np.dtype(np.int32))),
                    {"slice_sizes": array_attribute([1])})
    return ctx.op("stablehlo.reshape", [picked])


axis_index_p.lower = _axis_index_lower


def _all_gather_lower(ctx, x, *, axes, axis, tiled, size):
    from numax.lowering.spmd import channel_attributes, manual_axes
    groups = manual_axes("all_gather", axes).groups(axes)
    if not tiled:  # gather pieces with a new axis of size 1 along it
        shape = list(ctx.avals_in[0].shape)
        x = ctx.op("stablehlo.reshape", [x], ctx.type(ctx.avals_in[0].update(
            shape=tuple(shape[:axis] + [1] + shape[axis:]))))
    return ctx.op("stablehlo.all_gather", [x], attributes={
        "all_gather_dim": f"{axis} : i64", **channel_attributes(ctx, groups)})


all_gather_p.lower = _all_gather_lower


def _psum_scatter_lower(ctx, x, *, axes, scatter_dimension, tiled, size):
    from numax.lax.reductions import binary_region
    from numax.lowering.spmd import channel_attributes, manual_axes
    groups = manual_axes("psum_scatter", axes).groups(axes)
    shape = list(ctx.avals_in[0].shape)
    shape[scatter_dimension] //= size
    scattered = ctx.op("stablehlo.reduce_scatter", [x],
                       ctx.type(ctx.avals_in[0].update(shape=tuple(shape))),
                       attributes={"scatter_dimension": f"{scatter_dimension} : i64",
                                   **channel_attributes(ctx, groups)},
                       regions=[binary_region(ctx, "stablehlo.add", ctx.avals_in[0].dtype)])
    return scattered if tiled else ctx.op("stablehlo.reshape", [scattered])


psum_scatter_p.lower = _psum_scatter_lower


def _ppermute_lower(ctx, x, *, axes, perm):
    """Each group along the axis exchanges as `perm` says (positions become partitions)."""
    from numax.lowering.builder import dense_i64
    from numax.lowering.spmd import channel_attributes, manual_axes
    groups = manual_axes("ppermute", axes).groups(axes)
    pairs = [(group[s], group[d]) for group in groups for s, d in perm]
    attributes = {"source_target_pairs": dense_i64(pairs, (len(pairs), 2)),
                  **channel_attributes(ctx)}
    return ctx.op("stablehlo.collective_permute", [x], attributes=attributes)


ppermute_p.lower = _ppermute_lower


__all__ = ["psum", "pmean", "pmax", "pmin", "all_gather", "psum_scatter", "ppermute",
           "axis_index", "psum_p", "pmax_p", "pmin_p", "all_gather_p", "psum_scatter_p",
           "ppermute_p", "axis_index_p", "UnboundAxisNameError"]
