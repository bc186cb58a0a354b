"""Collectives over named axes: psum, pmean, pmax, pmin, all_gather, psum_scatter,
ppermute, axis_index.

A collective names the axes it reduces or exchanges over (`axis_name`). Under
`vmap(..., axis_name=name)` the batching trace that owns the name applies the
collective's batch rule even when the operand is not batched there (a value the same
for every element still has one copy per element); other traces pass the collective to
their parent. With no transformation binding the name, it is an error. Multi-device
execution (pmap/shard_map) will give the same primitives their SPMD lowerings.
"""

import numpy as np

from numax.core.abstract import ShapedArray
from numax.core.errors import NumaxError
from numax.core.primitive import Primitive
from numax.lax._ad_rules import Zero, aval_of, is_zero
from numax.transforms.batching import move_axis, to_front


class UnboundAxisNameError(NumaxError, NameError):
    """A collective named an axis that no enclosing vmap (or pmap) binds."""


def _unbound(*args, axes, **params):
    raise UnboundAxisNameError(f"unbound axis name: {axes[0]}. A collective must run inside a "
                               f"transformation that binds that name, e.g. "
                               f"numax.vmap(f, axis_name={axes[0]!r})")


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
    return tree_map(lambda leaf: psum_p.bind(leaf, axes=_names(axis_name)), x)


def pmax(x, axis_name):
    from numax.core.pytree import tree_map
    return tree_map(lambda leaf: pmax_p.bind(leaf, axes=_names(axis_name)), x)


def pmin(x, axis_name):
    from numax.core.pytree import tree_map
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
    """This element's position along the named axis."""
    return axis_index_p.bind(axes=(axis_name,))


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
    from numax.core.trace import _state
    trace = _state.trace
    while trace is not None:
        if getattr(trace, "axis_name", None) == axis_name:
            return trace.axis_size
        trace = trace.parent
    raise UnboundAxisNameError(f"unbound axis name: {axis_name}")


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
    perm = tuple((int(s), int(d)) for s, d in perm)
    destinations = [d for _, d in perm]
    if len(set(destinations)) != len(destinations) or len({s for s, _ in perm}) != len(perm):
        raise ValueError(f"ppermute: perm {perm} must not repeat a source or a destination")
    return tree_map(lambda leaf: ppermute_p.bind(leaf, axes=(axis_name,), perm=perm), x)


__all__ = ["psum", "pmean", "pmax", "pmin", "all_gather", "psum_scatter", "ppermute",
           "axis_index", "psum_p", "pmax_p", "pmin_p", "all_gather_p", "psum_scatter_p",
           "ppermute_p", "axis_index_p", "UnboundAxisNameError"]
