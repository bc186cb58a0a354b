"""Indexing primitives: reading and writing elements at data-dependent positions.

Owns dynamic_slice, dynamic_update_slice, gather and the scatter family (scatter,
scatter-add, scatter-sub, scatter-mul, scatter-min, scatter-max), the dimension-number
and mode types that describe them (GatherDimensionNumbers, ScatterDimensionNumbers,
GatherScatterMode), and JAX's wrappers over them. Each primitive is declared once with
its shape rule, lowering, differentiation and batching rules and example inputs. Static
slicing lives in lax/structural.py.

Derivatives: dynamic_slice, dynamic_update_slice, gather, scatter-add and scatter-sub are
linear in their floating operands (gather's tangent reads 0, not fill_value, out of
bounds) and transpose into one another. scatter, scatter-mul, scatter-min and scatter-max
have JVP rules that stay exact when indices repeat: scatter differentiates the one update
that won each element, scatter-mul multiplies by the other factors, scatter-min/max
split ties evenly. Batching never loops: batched indices become operand/indices batching
dims of a gather or scatter (dynamic slices with batched starts turn into those).

Out-of-bounds behaviour follows XLA and JAX: dynamic_slice and dynamic_update_slice
clamp their start indices so the window stays inside the operand; gather clamps
(CLIP, PROMISE_IN_BOUNDS) or returns fill_value for windows that do not fit
(FILL_OR_DROP, the default of lax.gather); scatter drops updates whose window does not
fit (FILL_OR_DROP, PROMISE_IN_BOUNDS) or clamps their indices (CLIP). Index vectors
always lie along the last axis of the indices array, as in JAX.
"""

import enum
from typing import NamedTuple

import numpy as np

from numax.core import dtypes
from numax.core.abstract import TypedScalar
from numax.core.errors import NumaxTypeError
from numax.core.primitive import Primitive
from numax.lax._ad_rules import Zero, aval_of, instantiate, is_undefined, is_zero
from numax.lax._rules import INT, UNSIGNED, random_array
from numax.lax.structural import (_at_axis, _zero_cotangents, broadcast_in_dim, concatenate,
                                  expand_dims, full, index_in_dim, reshape, squeeze)
from numax.lowering import array_attribute, tensor_type
from numax.transforms.batching import batch_size, move_axis


# ---------------------------------------------------------------- modes and dimension numbers

class GatherScatterMode(enum.Enum):
    """What gather and scatter do with indices whose window does not fit in the operand.

    CLIP: clamp the indices so the window fits. FILL_OR_DROP: gather returns fill_value
    there, scatter drops the update. PROMISE_IN_BOUNDS: the caller promises it never
    happens (gather then clamps and scatter drops, as XLA does natively)."""

    CLIP = "clip"
    FILL_OR_DROP = "fill"
    PROMISE_IN_BOUNDS = "promise_in_bounds"

    @staticmethod
    def from_any(mode):
        """A mode from a GatherScatterMode, None (FILL_OR_DROP) or one of the strings
        'clip', 'fill', 'drop', 'promise_in_bounds'."""
        if isinstance(mode, GatherScatterMode):
            return mode
        if mode is None or mode in ("fill", "drop"):
            return GatherScatterMode.FILL_OR_DROP
        if mode == "clip":
            return GatherScatterMode.CLIP
        if mode == "promise_in_bounds":
            return GatherScatterMode.PROMISE_IN_BOUNDS
        raise ValueError(f"unknown gather/scatter mode {mode!r}; use a GatherScatterMode or one "
                         "of 'clip', 'fill', 'drop', 'promise_in_bounds'")


class GatherDimensionNumbers(NamedTuple):
    """How gather's output, operand and indices axes correspond.

    offset_dims: output axes that hold the window (slice) axes.
    collapsed_slice_dims: operand axes whose size-1 window axis is dropped from the output.
    start_index_map: for each entry of an index vector, the operand axis it indexes.
    operand_batching_dims / start_indices_batching_dims: paired batch axes of the operand
    and the indices (the operand is indexed separately for each batch element)."""

    offset_dims: tuple
    collapsed_slice_dims: tuple
    start_index_map: tuple
    operand_batching_dims: tuple = ()
    start_indices_batching_dims: tuple = ()


class ScatterDimensionNumbers(NamedTuple):
    """How scatter's updates, operand and indices axes correspond.

    update_window_dims: axes of updates that hold the window axes.
    inserted_window_dims: operand axes with an implicit size-1 window axis (not in updates).
    scatter_dims_to_operand_dims: for each entry of an index vector, the operand axis it
    indexes. operand_batching_dims / scatter_indices_batching_dims: paired batch axes."""

    update_window_dims: tuple
    inserted_window_dims: tuple
    scatter_dims_to_operand_dims: tuple
    operand_batching_dims: tuple = ()
    scatter_indices_batching_dims: tuple = ()


def _dimension_numbers(name, kind, value):
    """`value` as a `kind` NamedTuple of int tuples (hashable, so it can be a parameter)."""
    if isinstance(value, dict):
        value = kind(**value)
    if not isinstance(value, tuple) or len(value) not in (3, 5):
        raise NumaxTypeError(f"{name}: dimension_numbers must be a {kind.__name__}, got {value!r}")
    try:
        return kind(*(tuple(int(d) for d in field) for field in value))
    except TypeError:
        raise NumaxTypeError(f"{name}: every field of dimension_numbers must be a sequence of "
                             f"integers, got {value!r}") from None


# ---------------------------------------------------------------- shared shape checks

def _check_indices(name, indices, what="indices"):
    if indices.dtype not in INT:
        raise NumaxTypeError(f"{name}: {what} must be integers, got dtype {indices.dtype.name}")
    if indices.ndim < 1:
        raise NumaxTypeError(f"{name}: {what} must have at least one axis; the last axis holds "
                             f"the index vectors (reshape scalar indices to shape (..., 1))")


def _check_axes(name, field, axes, rank, *, sorted_=True):
    if any(not 0 <= a < rank for a in axes) or len(set(axes)) != len(axes) or \
            (sorted_ and list(axes) != sorted(axes)):
        order = "strictly increasing " if sorted_ else "distinct "
        raise NumaxTypeError(f"{name}: {field} {axes} must be {order}axes in [0, {rank})")


def _check_batching(name, operand, indices, operand_field, operand_dims, indices_field,
                    indices_dims, excluded_field, excluded):
    _check_axes(name, operand_field, operand_dims, operand.ndim)
    _check_axes(name, indices_field, indices_dims, indices.ndim - 1, sorted_=False)
    if set(operand_dims) & set(excluded):
        raise NumaxTypeError(f"{name}: {operand_field} {operand_dims} and {excluded_field} "
                             f"{excluded} must not share axes")
    if len(operand_dims) != len(indices_dims) or any(
            operand.shape[a] != indices.shape[b] for a, b in zip(operand_dims, indices_dims)):
        raise NumaxTypeError(
            f"{name}: {operand_field} {operand_dims} and {indices_field} {indices_dims} must "
            f"pair up axes of equal size (operand shape {operand.shape}, indices shape "
            f"{indices.shape})")


def _check_index_map(name, field, index_map, operand, indices, batching_dims):
    if len(index_map) != indices.shape[-1]:
        raise NumaxTypeError(f"{name}: {field} {index_map} needs one entry per element of an "
                             f"index vector; the last axis of indices has size "
                             f"{indices.shape[-1]} (indices shape {indices.shape})")
    _check_axes(name, field, index_map, operand.ndim, sorted_=False)
    if set(index_map) & set(batching_dims):
        raise NumaxTypeError(f"{name}: {field} {index_map} must not contain operand batching "
                             f"dims {batching_dims}")


# ---------------------------------------------------------------- lowering helpers

def _int_compare_type(dtype):
    kind = "UNSIGNED" if dtype in UNSIGNED else "SIGNED"
    return f"#stablehlo<comparison_type {kind}>"


def _along_last_axis(ctx, values, dtype, shape):
    """The per-index-vector-entry constants `values` broadcast to an indices array's shape."""
    vector = ctx.constant(np.asarray(values, dtype), dtype, (len(values),))
    return ctx.op("stablehlo.broadcast_in_dim", [vector], tensor_type(shape, dtype),
                  {"broadcast_dimensions": array_attribute([len(shape) - 1])})


def _upper_bounds(operand_shape, window_sizes, index_map, dtype):
    """Largest start index per index-vector entry whose window still fits, clipped to what
    the index dtype can hold (a narrower index can never exceed it then)."""
    highest = int(dtypes.iinfo(dtype).max)
    return [min(operand_shape[d] - window_sizes[d], highest) for d in index_map]


def _all_in_bounds(ctx, indices, upper):
    """Bool array over the index vectors: every entry in [0, upper] (the window fits)."""
    aval = ctx.avals_in[1]
    shape, dtype = aval.shape, aval.dtype
    bool_type = tensor_type(shape, np.bool_)
    compare_type = _int_compare_type(dtype)
    above = ctx.op("stablehlo.compare", [indices, ctx.constant(0, dtype, shape)], bool_type, {
        "comparison_direction": "#stablehlo<comparison_direction GE>",
        "compare_type": compare_type})
    below = ctx.op("stablehlo.compare", [indices, _along_last_axis(ctx, upper, dtype, shape)],
                   bool_type, {"comparison_direction": "#stablehlo<comparison_direction LE>",
                               "compare_type": compare_type})
    inside = ctx.op("stablehlo.and", [above, below], bool_type)
    scalar = tensor_type((), np.bool_)
    every = ctx.region([scalar, scalar],
                       lambda c, a, b: [c.op("stablehlo.and", [a, b], scalar)])
    return ctx.op("stablehlo.reduce", [inside, ctx.constant(True, np.bool_)],
                  tensor_type(shape[:-1], np.bool_),
                  {"dimensions": array_attribute([len(shape) - 1])}, regions=[every])


def _bool_attribute(value):
    return "true" if value else "false"


def _dims(values):
    return "[" + ", ".join(str(v) for v in values) + "]"


# ---------------------------------------------------------------- dynamic_slice

def _check_start_indices(name, operand, start_indices):
    if len(start_indices) != operand.ndim:
        raise NumaxTypeError(f"{name}: got {len(start_indices)} start indices for an operand of "
                             f"shape {operand.shape}; give one scalar index per dimension")
    for index in start_indices:
        if index.shape != () or index.dtype not in INT:
            raise NumaxTypeError(f"{name}: start indices must be integer scalars, got "
                                 f"{', '.join(str(i) for i in start_indices)}")
    if len({index.dtype for index in start_indices}) > 1:
        raise NumaxTypeError(f"{name}: start indices must share one integer dtype, got "
                             f"{', '.join(i.dtype.name for i in start_indices)}")


def _dynamic_slice_abstract(operand, *start_indices, slice_sizes):
    _check_start_indices("dynamic_slice", operand, start_indices)
    if len(slice_sizes) != operand.ndim or any(
            not 0 <= size <= dim for size, dim in zip(slice_sizes, operand.shape)):
        raise NumaxTypeError(f"dynamic_slice: slice_sizes {slice_sizes} must give one size per "
                             f"dimension, each between 0 and the operand's size (operand shape "
                             f"{operand.shape})")
    return operand.update(shape=slice_sizes)


def _dynamic_slice_examples():
    x = np.arange(30, dtype=np.float32).reshape(5, 6)
    i32 = np.int32
    return [((x, i32(1), i32(2)), dict(slice_sizes=(2, 3))),
            ((x, i32(4), i32(5)), dict(slice_sizes=(3, 2))),      # clamped to (2, 4)
            ((x, i32(-2), i32(0)), dict(slice_sizes=(1, 6))),     # clamped to (0, 0)
            ((np.arange(8, dtype=np.int8), np.uint8(3)), dict(slice_sizes=(4,)))]


def _zeros(aval):
    return full(aval.shape, 0, aval.dtype)


def _index_vectors(indices, dims, size):
    """Scalar start indices, some batched, as one (size, len(indices)) array of index
    vectors (the form gather and scatter take)."""
    columns = [broadcast_in_dim(index, (size, 1), ()) if dim is None else
               reshape(index, (size, 1)) for index, dim in zip(indices, dims)]
    return concatenate(columns, 1)


def _insert_batching_pair(operand_dims, indices_dims, operand_axis, indices_axis):
    """Adds the pair (operand_axis, indices_axis) to paired batching dims, keeping the
    operand's side sorted."""
    position = sum(d < operand_axis for d in operand_dims)
    return (tuple(operand_dims[:position]) + (operand_axis,) + tuple(operand_dims[position:]),
            tuple(indices_dims[:position]) + (indices_axis,) + tuple(indices_dims[position:]))


def dynamic_slice_transpose(ct, operand, *start_indices, slice_sizes):
    """The window's cotangent written into zeros at the same (equally clamped) start."""
    if is_zero(ct):
        return _zero_cotangents(operand, *start_indices)
    zeros = _zeros(operand.aval)
    return [dynamic_update_slice_p.bind(zeros, ct, *start_indices)] + [None] * len(start_indices)


def dynamic_slice_batch(args, dims, *, slice_sizes):
    """With shared start indices the batch axis is sliced whole; with batched ones each
    batch element has its own window, which is a gather (clamping like dynamic_slice)."""
    operand, *indices = args
    operand_axis, *index_dims = dims
    size = batch_size(args, dims)
    rank = len(indices)
    if all(d is None for d in index_dims):
        index_dtype = aval_of(indices[0]).dtype if indices else np.dtype(np.int32)
        indices.insert(operand_axis, TypedScalar(0, index_dtype, False))
        sizes = list(slice_sizes)
        sizes.insert(operand_axis, size)
        return dynamic_slice_p.bind(operand, *indices, slice_sizes=tuple(sizes)), operand_axis
    vectors = _index_vectors(indices, index_dims, size)
    offset_dims = tuple(range(1, rank + 1))
    if operand_axis is None:
        dn = GatherDimensionNumbers(offset_dims, (), tuple(range(rank)))
    else:
        slice_sizes = slice_sizes[:operand_axis] + (1,) + slice_sizes[operand_axis:]
        dn = GatherDimensionNumbers(offset_dims, (), tuple(a + (a >= operand_axis)
                                                          for a in range(rank)),
                                    (operand_axis,), (0,))
    return gather_p.bind(operand, vectors, dimension_numbers=dn, slice_sizes=slice_sizes,
                         indices_are_sorted=False, unique_indices=False,
                         mode=GatherScatterMode.CLIP, fill_value=None), 0


dynamic_slice_p = Primitive(
    "dynamic_slice",
    abstract_eval=_dynamic_slice_abstract,
    lower=lambda ctx, operand, *start_indices, slice_sizes: ctx.op(
        "stablehlo.dynamic_slice", [operand, *start_indices],
        attributes={"slice_sizes": array_attribute(slice_sizes)}),
    linear=True,                       # in the operand; the start indices are integers
    transpose=dynamic_slice_transpose,
    batch=dynamic_slice_batch,
    examples=_dynamic_slice_examples,
)


# ---------------------------------------------------------------- dynamic_update_slice

def _dynamic_update_slice_abstract(operand, update, *start_indices):
    _check_start_indices("dynamic_update_slice", operand, start_indices)
    if update.dtype != operand.dtype:
        raise NumaxTypeError(f"dynamic_update_slice: update has dtype {update.dtype.name} but "
                             f"the operand has {operand.dtype.name}; convert the update")
    if update.ndim != operand.ndim or any(u > o for u, o in zip(update.shape, operand.shape)):
        raise NumaxTypeError(f"dynamic_update_slice: update shape {update.shape} must have the "
                             f"operand's rank and fit inside operand shape {operand.shape}")
    return operand


def _dynamic_update_slice_examples():
    rng = np.random.default_rng(0)
    x = random_array(rng, (4, 5), "float32")
    update = random_array(rng, (2, 3), "float32")
    i32 = np.int32
    return [((x, update, i32(1), i32(1)), {}),
            ((x, update, i32(3), i32(-4)), {}),                   # clamped to (2, 0)
            ((np.zeros(6, np.int32), np.arange(1, 4, dtype=np.int32), np.int64(5)), {})]


def dynamic_update_slice_transpose(ct, operand, update, *start_indices):
    """The operand's cotangent is `ct` with the overwritten window zeroed; the update's is
    that window of `ct` (both at the same clamped start)."""
    if is_zero(ct):
        return _zero_cotangents(operand, update, *start_indices)
    update_aval = update.aval if is_undefined(update) else aval_of(update)
    ct_operand = ct_update = None
    if is_undefined(operand):
        ct_operand = dynamic_update_slice_p.bind(ct, _zeros(update_aval), *start_indices)
    if is_undefined(update):
        ct_update = dynamic_slice_p.bind(ct, *start_indices, slice_sizes=update_aval.shape)
    return [ct_operand, ct_update] + [None] * len(start_indices)


def dynamic_update_slice_batch(args, dims):
    """With shared start indices the operand and the update share a batch axis that is
    written whole; with batched ones each batch element writes its own window, which is a
    scatter (clamping like dynamic_update_slice)."""
    operand, update, *indices = args
    operand_axis, update_axis, *index_dims = dims
    size = batch_size(args, dims)
    rank = len(indices)
    if all(d is None for d in index_dims):
        axis = operand_axis if operand_axis is not None else update_axis
        operand = _at_axis(operand, operand_axis, axis, size)
        update = _at_axis(update, update_axis, axis, size)
        index_dtype = aval_of(indices[0]).dtype if indices else np.dtype(np.int32)
        indices.insert(axis, TypedScalar(0, index_dtype, False))
        return dynamic_update_slice_p.bind(operand, update, *indices), axis
    operand_axis = 0 if operand_axis is None else operand_axis
    update_axis = 0 if update_axis is None else update_axis
    operand = _at_axis(operand, dims[0], operand_axis, size)
    update = _at_axis(update, dims[1], update_axis, size)
    dn = ScatterDimensionNumbers(
        update_window_dims=tuple(a for a in range(rank + 1) if a != update_axis),
        inserted_window_dims=(),
        scatter_dims_to_operand_dims=tuple(a + (a >= operand_axis) for a in range(rank)),
        operand_batching_dims=(operand_axis,), scatter_indices_batching_dims=(0,))
    return scatter_p.bind(operand, _index_vectors(indices, index_dims, size), update,
                          dimension_numbers=dn, indices_are_sorted=False, unique_indices=True,
                          mode=GatherScatterMode.CLIP), operand_axis


dynamic_update_slice_p = Primitive(
    "dynamic_update_slice",
    abstract_eval=_dynamic_update_slice_abstract,
    lower=lambda ctx, operand, update, *start_indices: ctx.op(
        "stablehlo.dynamic_update_slice", [operand, update, *start_indices]),
    linear=True,                       # jointly in the operand and the update
    transpose=dynamic_update_slice_transpose,
    batch=dynamic_update_slice_batch,
    examples=_dynamic_update_slice_examples,
)


# ---------------------------------------------------------------- gather

def _gather_abstract(operand, indices, *, dimension_numbers, slice_sizes, indices_are_sorted,
                     unique_indices, mode, fill_value):
    name = "gather"
    dn = dimension_numbers
    _check_indices(name, indices)
    batch_rank = indices.ndim - 1
    out_rank = len(dn.offset_dims) + batch_rank
    _check_axes(name, "offset_dims", dn.offset_dims, out_rank)
    _check_axes(name, "collapsed_slice_dims", dn.collapsed_slice_dims, operand.ndim)
    _check_batching(name, operand, indices, "operand_batching_dims", dn.operand_batching_dims,
                    "start_indices_batching_dims", dn.start_indices_batching_dims,
                    "collapsed_slice_dims", dn.collapsed_slice_dims)
    _check_index_map(name, "start_index_map", dn.start_index_map, operand, indices,
                     dn.operand_batching_dims)
    dropped = dn.collapsed_slice_dims + dn.operand_batching_dims
    if operand.ndim != len(dn.offset_dims) + len(dropped):
        raise NumaxTypeError(
            f"gather: operand rank {operand.ndim} must equal len(offset_dims) + "
            f"len(collapsed_slice_dims) + len(operand_batching_dims) (got {dn})")
    if len(slice_sizes) != operand.ndim or any(
            not 0 <= size <= dim for size, dim in zip(slice_sizes, operand.shape)):
        raise NumaxTypeError(f"gather: slice_sizes {slice_sizes} must give one size per operand "
                             f"dimension, each between 0 and its size (operand shape "
                             f"{operand.shape})")
    if any(slice_sizes[d] > 1 for d in dropped):
        raise NumaxTypeError(f"gather: slice_sizes {slice_sizes} must be 1 (or 0) on collapsed and "
                             f"batching dims {tuple(sorted(dropped))}")
    offset_sizes = iter(slice_sizes[d] for d in range(operand.ndim) if d not in dropped)
    batch_sizes = iter(indices.shape[:-1])
    shape = tuple(next(offset_sizes) if axis in dn.offset_dims else next(batch_sizes)
                  for axis in range(out_rank))
    return operand.update(shape=shape)


def _gather_attribute(dn, index_vector_dim):
    fields = [("offset_dims", dn.offset_dims), ("collapsed_slice_dims", dn.collapsed_slice_dims),
              ("operand_batching_dims", dn.operand_batching_dims),
              ("start_indices_batching_dims", dn.start_indices_batching_dims),
              ("start_index_map", dn.start_index_map)]
    body = ", ".join(f"{key} = {_dims(value)}" for key, value in fields if value)
    body += (", " if body else "") + f"index_vector_dim = {index_vector_dim}"
    return f"#stablehlo.gather<{body}>"


def _gather_lower(ctx, operand, indices, *, dimension_numbers, slice_sizes, indices_are_sorted,
                  unique_indices, mode, fill_value):
    operand_aval, indices_aval = ctx.avals_in
    out_aval = ctx.aval_out
    # XLA's gather clamps start indices so the window fits: that is CLIP, and a valid
    # reading of PROMISE_IN_BOUNDS. FILL_OR_DROP masks those positions afterwards.
    gathered = ctx.op("stablehlo.gather", [operand, indices], attributes={
        "dimension_numbers": _gather_attribute(dimension_numbers, indices_aval.ndim - 1),
        "slice_sizes": array_attribute(slice_sizes),
        "indices_are_sorted": _bool_attribute(indices_are_sorted)})
    if mode is not GatherScatterMode.FILL_OR_DROP:
        return gathered
    upper = _upper_bounds(operand_aval.shape, slice_sizes, dimension_numbers.start_index_map,
                          indices_aval.dtype)
    valid = _all_in_bounds(ctx, indices, upper)
    batch_axes = [a for a in range(out_aval.ndim) if a not in dimension_numbers.offset_dims]
    if dimension_numbers.offset_dims:  # else the mask already has the output's shape
        valid = ctx.op("stablehlo.broadcast_in_dim", [valid], out_aval.update(dtype=np.bool_),
                       {"broadcast_dimensions": array_attribute(batch_axes)})
    if fill_value is None:
        fill_value = _default_fill_value(out_aval.dtype)
    fill = ctx.constant(fill_value, out_aval.dtype, out_aval.shape)
    return ctx.op("stablehlo.select", [valid, gathered, fill])


def _default_fill_value(dtype):
    """JAX's fill for out-of-bounds gathers: NaN for inexact types, the minimum of signed and
    the maximum of unsigned integers, True for bool (values that stand out)."""
    if dtypes.is_inexact(dtype):
        return np.nan
    if dtype in UNSIGNED:
        return int(dtypes.iinfo(dtype).max)
    if dtype in INT:
        return int(dtypes.iinfo(dtype).min)
    return True


def _gather_examples():
    rng = np.random.default_rng(0)
    x = random_array(rng, (5, 4), "float32")

    def params(dn, slice_sizes, mode=GatherScatterMode.PROMISE_IN_BOUNDS, fill_value=None):
        return dict(dimension_numbers=GatherDimensionNumbers(*dn), slice_sizes=slice_sizes,
                    indices_are_sorted=False, unique_indices=False, mode=mode,
                    fill_value=fill_value)

    rows = ((1,), (0,), (0,))                                # x[idx] for idx of shape (3,)
    out_of_bounds = np.array([[4], [-1], [7], [0]], np.int32)
    return [
        ((x, np.array([[3], [0], [3]], np.int32)), params(rows, (1, 4))),
        ((x, np.array([[2, 1], [0, 3]], np.int32)), params(((), (0, 1), (0, 1)), (1, 1))),
        ((x, np.array([[1], [3]], np.int32)), params(((0,), (1,), (1,)), (5, 1))),    # x[:, idx]
        ((x, np.array([[0, 0], [3, 2], [4, 2]], np.int32)), params(((1, 2), (), (0, 1)), (2, 2))),
        ((x, out_of_bounds), params(rows, (1, 4), GatherScatterMode.CLIP)),
        ((x, out_of_bounds), params(rows, (1, 4), GatherScatterMode.FILL_OR_DROP, np.nan)),
        ((np.arange(6, dtype=np.int32), np.array([[5], [6], [-1]], np.int8)),
         params(((), (0,), (0,)), (1,), GatherScatterMode.FILL_OR_DROP)),
        ((x, np.array([[[1], [4]], [[0], [0]], [[3], [2]], [[9], [1]], [[2], [2]]], np.int32)),
         params(((), (1,), (1,), (0,), (0,)), (1, 1), GatherScatterMode.FILL_OR_DROP, -1.0)),
    ]


def gather_jvp(primals, tangents, *, dimension_numbers, slice_sizes, indices_are_sorted,
               unique_indices, mode, fill_value):
    """Gather is linear in the operand, except that windows out of bounds read the fill
    value, a constant: their tangent is 0, not fill_value."""
    operand, indices = primals
    params = dict(dimension_numbers=dimension_numbers, slice_sizes=slice_sizes,
                  indices_are_sorted=indices_are_sorted, unique_indices=unique_indices, mode=mode)
    out = gather_p.bind(operand, indices, fill_value=fill_value, **params)
    if is_zero(tangents[0]):
        return out, Zero(aval_of(out).strip_weak_type())
    tangent_fill = (_static_fill_value(aval_of(out).dtype, 0)
                    if mode is GatherScatterMode.FILL_OR_DROP else None)
    return out, gather_p.bind(tangents[0], indices, fill_value=tangent_fill, **params)


def gather_transpose(ct, operand, indices, *, dimension_numbers, slice_sizes,
                     indices_are_sorted, unique_indices, mode, fill_value):
    """Each gathered element's cotangent is added back where it was read: a scatter-add
    with the mirrored dimension numbers. FILL_OR_DROP windows out of bounds read the fill
    value, so their cotangents are dropped; CLIP and PROMISE_IN_BOUNDS gathers clamp the
    start indices (XLA's gather does), so their cotangents go to the clamped windows."""
    if is_zero(ct):
        return [Zero(operand.aval), None]
    if mode is GatherScatterMode.PROMISE_IN_BOUNDS:
        mode = GatherScatterMode.CLIP
    dn = dimension_numbers
    scatter_dn = ScatterDimensionNumbers(dn.offset_dims, dn.collapsed_slice_dims,
                                         dn.start_index_map, dn.operand_batching_dims,
                                         dn.start_indices_batching_dims)
    return [scatter_add_p.bind(_zeros(operand.aval), indices, ct, dimension_numbers=scatter_dn,
                               indices_are_sorted=indices_are_sorted,
                               unique_indices=unique_indices, mode=mode), None]


def gather_batch(args, dims, *, dimension_numbers, slice_sizes, indices_are_sorted,
                 unique_indices, mode, fill_value):
    """A batched operand with shared indices: its batch axis becomes one more window axis,
    taken whole. Batched indices: their batch axis is one more index batch axis, paired
    with the operand's batch axis through operand_batching_dims when that is batched too."""
    (operand, indices), (operand_axis, indices_axis) = args, dims
    dn = dimension_numbers
    params = dict(indices_are_sorted=indices_are_sorted, unique_indices=unique_indices,
                  mode=mode, fill_value=fill_value)

    def shift(axes):                   # operand axes, once the operand's batch axis is in
        return tuple(a + (a >= operand_axis) for a in axes)

    if indices_axis is None:
        dropped = set(dn.collapsed_slice_dims) | set(dn.operand_batching_dims)
        k = sum(1 for a in range(operand_axis) if a not in dropped)
        position = dn.offset_dims[k - 1] + 1 if k > 0 else 0
        offset_dims = (dn.offset_dims[:k] + (position,) +
                       tuple(o + 1 for o in dn.offset_dims[k:]))
        new_dn = GatherDimensionNumbers(offset_dims, shift(dn.collapsed_slice_dims),
                                        shift(dn.start_index_map),
                                        shift(dn.operand_batching_dims),
                                        dn.start_indices_batching_dims)
        sizes = (slice_sizes[:operand_axis] + (aval_of(operand).shape[operand_axis],) +
                 slice_sizes[operand_axis:])
        return gather_p.bind(operand, indices, dimension_numbers=new_dn, slice_sizes=sizes,
                             **params), position
    if indices_axis == aval_of(indices).ndim - 1:  # index vectors must stay last
        indices, indices_axis = move_axis(indices, indices_axis, 0), 0
    out_rank = len(dn.offset_dims) + aval_of(indices).ndim - 2
    batch_positions = [a for a in range(out_rank) if a not in dn.offset_dims]
    if indices_axis < len(batch_positions):
        position = batch_positions[indices_axis]
    else:
        position = batch_positions[-1] + 1 if batch_positions else 0
    offset_dims = tuple(o + (o >= position) for o in dn.offset_dims)
    indices_batching = tuple(b + (b >= indices_axis) for b in dn.start_indices_batching_dims)
    if operand_axis is None:
        new_dn = dn._replace(offset_dims=offset_dims,
                             start_indices_batching_dims=indices_batching)
    else:
        operand_batching, indices_batching = _insert_batching_pair(
            shift(dn.operand_batching_dims), indices_batching, operand_axis, indices_axis)
        new_dn = GatherDimensionNumbers(offset_dims, shift(dn.collapsed_slice_dims),
                                        shift(dn.start_index_map), operand_batching,
                                        indices_batching)
        slice_sizes = slice_sizes[:operand_axis] + (1,) + slice_sizes[operand_axis:]
    return gather_p.bind(operand, indices, dimension_numbers=new_dn, slice_sizes=slice_sizes,
                         **params), position


gather_p = Primitive(
    "gather",
    abstract_eval=_gather_abstract,
    lower=_gather_lower,
    jvp=gather_jvp,                    # linear in the operand, but the fill value is not
    transpose=gather_transpose,
    batch=gather_batch,
    examples=_gather_examples,
)


# ---------------------------------------------------------------- scatter family

def _scatter_abstract(name):
    def rule(operand, indices, updates, *, dimension_numbers, indices_are_sorted,
             unique_indices, mode):
        dn = dimension_numbers
        _check_indices(name, indices)
        if updates.dtype != operand.dtype:
            raise NumaxTypeError(f"{name}: updates have dtype {updates.dtype.name} but the "
                                 f"operand has {operand.dtype.name}; convert the updates")
        _check_axes(name, "update_window_dims", dn.update_window_dims, updates.ndim)
        _check_axes(name, "inserted_window_dims", dn.inserted_window_dims, operand.ndim)
        _check_batching(name, operand, indices, "operand_batching_dims",
                        dn.operand_batching_dims, "scatter_indices_batching_dims",
                        dn.scatter_indices_batching_dims, "inserted_window_dims",
                        dn.inserted_window_dims)
        _check_index_map(name, "scatter_dims_to_operand_dims", dn.scatter_dims_to_operand_dims,
                         operand, indices, dn.operand_batching_dims)
        window_axes = _scatter_window_axes(operand.ndim, dn)
        if len(window_axes) != len(dn.update_window_dims):
            raise NumaxTypeError(
                f"{name}: operand rank {operand.ndim} must equal len(update_window_dims) + "
                f"len(inserted_window_dims) + len(operand_batching_dims) (got {dn})")
        if updates.ndim != len(dn.update_window_dims) + indices.ndim - 1:
            raise NumaxTypeError(
                f"{name}: updates of shape {updates.shape} must have rank "
                f"len(update_window_dims) + indices rank - 1 = "
                f"{len(dn.update_window_dims) + indices.ndim - 1} (indices shape {indices.shape})")
        scatter_sizes = tuple(size for axis, size in enumerate(updates.shape)
                              if axis not in dn.update_window_dims)
        if scatter_sizes != indices.shape[:-1]:
            raise NumaxTypeError(
                f"{name}: the non-window axes of updates {scatter_sizes} must match the index "
                f"batch shape {indices.shape[:-1]} (updates shape {updates.shape}, indices "
                f"shape {indices.shape}, update_window_dims {dn.update_window_dims})")
        for update_axis, operand_axis in zip(dn.update_window_dims, window_axes):
            if updates.shape[update_axis] > operand.shape[operand_axis]:
                raise NumaxTypeError(
                    f"{name}: update window axis {update_axis} of size "
                    f"{updates.shape[update_axis]} is larger than operand axis {operand_axis} of "
                    f"size {operand.shape[operand_axis]}")
        return operand
    return rule


def _scatter_window_axes(operand_rank, dn):
    """The operand axes that the update window axes run along, in order."""
    implicit = set(dn.inserted_window_dims) | set(dn.operand_batching_dims)
    return [axis for axis in range(operand_rank) if axis not in implicit]


def _scatter_attribute(dn, index_vector_dim):
    fields = [("update_window_dims", dn.update_window_dims),
              ("inserted_window_dims", dn.inserted_window_dims),
              ("input_batching_dims", dn.operand_batching_dims),
              ("scatter_indices_batching_dims", dn.scatter_indices_batching_dims),
              ("scatter_dims_to_operand_dims", dn.scatter_dims_to_operand_dims)]
    body = ", ".join(f"{key} = {_dims(value)}" for key, value in fields if value)
    body += (", " if body else "") + f"index_vector_dim = {index_vector_dim}"
    return f"#stablehlo.scatter<{body}>"


def _scatter_lower(combine):
    """Lowering to stablehlo.scatter whose update computation is `combine` (an op name, or
    None to replace the old value)."""
    def lower(ctx, operand, indices, updates, *, dimension_numbers, indices_are_sorted,
              unique_indices, mode):
        operand_aval, indices_aval, updates_aval = ctx.avals_in
        dn = dimension_numbers
        if mode is GatherScatterMode.CLIP:
            # XLA's scatter drops updates whose window does not fit; CLIP moves them inside.
            window = [1] * operand_aval.ndim
            for update_axis, operand_axis in zip(dn.update_window_dims,
                                                 _scatter_window_axes(operand_aval.ndim, dn)):
                window[operand_axis] = updates_aval.shape[update_axis]
            dtype = indices_aval.dtype
            upper = _upper_bounds(operand_aval.shape, window, dn.scatter_dims_to_operand_dims,
                                  dtype)
            indices = ctx.op("stablehlo.clamp", [
                ctx.constant(0, dtype, indices_aval.shape), indices,
                _along_last_axis(ctx, upper, dtype, indices_aval.shape)], indices_aval)
        scalar = tensor_type((), operand_aval.dtype)
        if combine is None:
            update = ctx.region([scalar, scalar], lambda c, old, new: [new])
        else:
            update = ctx.region([scalar, scalar],
                                lambda c, old, new: [c.op(combine, [old, new], scalar)])
        return ctx.op("stablehlo.scatter", [operand, indices, updates], regions=[update],
                      attributes={
                          "scatter_dimension_numbers": _scatter_attribute(
                              dn, indices_aval.ndim - 1),
                          "indices_are_sorted": _bool_attribute(indices_are_sorted),
                          "unique_indices": _bool_attribute(unique_indices)})
    return lower


def _scatter_examples(dtype, unique_only):
    """Examples covering the numpy-indexing layouts, batching dims and every mode. When
    `unique_only`, no two updates hit the same element (scatter's order is unspecified)."""
    def examples():
        rng = np.random.default_rng(0)
        x = random_array(rng, (5, 3), dtype)
        modes = GatherScatterMode

        def params(dn, mode=modes.FILL_OR_DROP, unique=False):
            return dict(dimension_numbers=ScatterDimensionNumbers(*dn), indices_are_sorted=False,
                        unique_indices=unique, mode=mode)

        rows = ((1,), (0,), (0,))                              # x[idx] = updates[i, :]
        repeated = np.array([[4], [0], [4]], np.int32)
        distinct = np.array([[4], [0], [2]], np.int32)
        out_of_bounds = np.array([[7], [-1], [1]], np.int32)
        row_updates = random_array(rng, (3, 3), dtype)
        cases = [
            ((x, distinct, row_updates), params(rows, unique=True)),
            ((x, np.array([[1, 2], [4, 0]], np.int32), random_array(rng, (2,), dtype)),
             params(((), (0, 1), (0, 1)))),
            ((x, np.array([[2], [0]], np.int32), random_array(rng, (5, 2), dtype)),
             params(((0,), (1,), (1,)))),                      # x[:, idx] = updates
            ((x, np.array([[1, 1], [3, 0]], np.int32), random_array(rng, (2, 2, 2), dtype)),
             params(((1, 2), (), (0, 1)))),                    # 2x2 windows
            ((x, out_of_bounds, row_updates), params(rows, modes.FILL_OR_DROP)),
            ((x, out_of_bounds[:2], row_updates[:2]), params(rows, modes.CLIP)),
            ((x, np.array([[[2]], [[0]], [[1]], [[2]], [[0]]], np.int32),
              random_array(rng, (5, 1), dtype)), params(((), (1,), (1,), (0,), (0,)))),
        ]
        if not unique_only:
            cases.append(((x, repeated, row_updates), params(rows)))
            cases.append(((x, out_of_bounds, row_updates), params(rows, modes.CLIP)))
        return cases
    return examples


def _scatter_primitive(name, combine, dtype, unique_only=False, **rules):
    primitive = Primitive(name, abstract_eval=_scatter_abstract(name),
                          lower=_scatter_lower(combine),
                          examples=_scatter_examples(dtype, unique_only), **rules)
    primitive.batch = scatter_batch(primitive)
    return primitive


def scatter_batch(primitive):
    """Batching rule of a scatter. A batched operand with shared indices: its batch axis
    becomes one more update window axis, written whole. Batched indices: their batch axis
    is one more scatter axis of the updates, paired with the operand's batch axis through
    operand_batching_dims. An unbatched operand (or updates) is broadcast, since every
    batch element writes its own result."""
    def rule(args, dims, *, dimension_numbers, indices_are_sorted, unique_indices, mode):
        (operand, indices, updates), (operand_axis, indices_axis, updates_axis) = args, dims
        dn = dimension_numbers
        size = batch_size(args, dims)
        rank = aval_of(operand).ndim - (operand_axis is not None)
        operand = _at_axis(operand, operand_axis, operand_axis or 0, size)
        operand_axis = operand_axis or 0

        def shift(axes):
            return tuple(a + (a >= operand_axis) for a in axes)

        window_dims = dn.update_window_dims
        if indices_axis is None:
            k = sum(1 for a in _scatter_window_axes(rank, dn) if a < operand_axis)
            position = window_dims[k - 1] + 1 if k > 0 else 0
            window_dims = window_dims[:k] + (position,) + tuple(w + 1 for w in window_dims[k:])
            operand_batching = shift(dn.operand_batching_dims)
            indices_batching = dn.scatter_indices_batching_dims
        else:
            if indices_axis == aval_of(indices).ndim - 1:  # index vectors must stay last
                indices, indices_axis = move_axis(indices, indices_axis, 0), 0
            updates_rank = aval_of(updates).ndim - (updates_axis is not None)
            scatter_positions = [a for a in range(updates_rank) if a not in window_dims]
            if indices_axis < len(scatter_positions):
                position = scatter_positions[indices_axis]
            else:
                position = scatter_positions[-1] + 1 if scatter_positions else 0
            window_dims = tuple(w + (w >= position) for w in window_dims)
            operand_batching, indices_batching = _insert_batching_pair(
                shift(dn.operand_batching_dims),
                tuple(b + (b >= indices_axis) for b in dn.scatter_indices_batching_dims),
                operand_axis, indices_axis)
        updates = _at_axis(updates, updates_axis, position, size)
        new_dn = ScatterDimensionNumbers(window_dims, shift(dn.inserted_window_dims),
                                         shift(dn.scatter_dims_to_operand_dims),
                                         operand_batching, indices_batching)
        return primitive.bind(operand, indices, updates, dimension_numbers=new_dn,
                              indices_are_sorted=indices_are_sorted,
                              unique_indices=unique_indices, mode=mode), operand_axis
    return rule


def _gather_like_scatter(x, indices, updates_shape, dimension_numbers, mode, fill=0):
    """For each update element of a scatter, the element of `x` (operand-shaped) it lands
    on: the gather with mirrored dimension numbers and the scatter's mode. Windows the
    scatter drops read `fill`."""
    dn = dimension_numbers
    sizes = [1] * aval_of(x).ndim
    for update_axis, operand_axis in zip(dn.update_window_dims,
                                         _scatter_window_axes(aval_of(x).ndim, dn)):
        sizes[operand_axis] = updates_shape[update_axis]
    gather_dn = GatherDimensionNumbers(dn.update_window_dims, dn.inserted_window_dims,
                                       dn.scatter_dims_to_operand_dims, dn.operand_batching_dims,
                                       dn.scatter_indices_batching_dims)
    fill = (_static_fill_value(aval_of(x).dtype, fill)
            if mode is GatherScatterMode.FILL_OR_DROP else None)
    return gather_p.bind(x, indices, dimension_numbers=gather_dn, slice_sizes=tuple(sizes),
                         indices_are_sorted=False, unique_indices=False, mode=mode,
                         fill_value=fill)


def _scatter_winners(operand_shape, indices, updates_shape, params):
    """Bool over the update elements: True for the one update element whose value a
    scatter keeps at each operand element it writes. Decided once, by scattering the
    number of each update and reading back which number stayed, so that values and
    tangents (and cotangents) agree on the winner where indices repeat."""
    from numax import lax
    batch_shape = aval_of(indices).shape[:-1]
    numbers = reshape(lax.iota(np.int32, int(np.prod(batch_shape, dtype=np.int64))),
                      batch_shape)
    numbers = broadcast_in_dim(numbers, updates_shape, [
        a for a in range(len(updates_shape))
        if a not in params["dimension_numbers"].update_window_dims])
    written = scatter_p.bind(full(operand_shape, -1, np.int32), indices, numbers, **params)
    landed = _gather_like_scatter(written, indices, updates_shape,
                                  params["dimension_numbers"], params["mode"], fill=-1)
    return lax.eq(landed, numbers)


def scatter_jvp(primals, tangents, **params):
    """With unique indices scatter is linear in (operand, updates). Otherwise the winner
    of each written element is decided once (_scatter_winners) and both the value and the
    tangent are assembled from it: the operand with its written elements zeroed, plus a
    scatter-add of the winning updates only."""
    from numax import lax
    (operand, indices, updates), (t_operand, _, t_updates) = primals, tangents
    if params["unique_indices"]:
        out = scatter_p.bind(operand, indices, updates, **params)
        return out, scatter_p.bind(instantiate(t_operand), indices, instantiate(t_updates),
                                   **params)
    updates_aval = aval_of(updates)
    won = _scatter_winners(aval_of(operand).shape, indices, updates_aval.shape, params)
    zero_updates = _zeros(updates_aval)
    kept = scatter_p.bind(operand, indices, zero_updates, **params)
    out = scatter_add_p.bind(kept, indices, lax.select_n(won, zero_updates, updates), **params)
    t_kept = scatter_p.bind(instantiate(t_operand), indices, zero_updates, **params)
    if is_zero(t_updates):
        return out, t_kept
    t_won = lax.select_n(won, zero_updates, t_updates)
    return out, scatter_add_p.bind(t_kept, indices, t_won, **params)


def scatter_transpose(ct, operand, indices, updates, **params):
    """The operand's cotangent is `ct` with the written elements zeroed (a scatter of
    zeros, whichever update wins); each update's is the element of `ct` it was written
    to, for the winning updates only when indices may repeat."""
    if is_zero(ct):
        return _zero_cotangents(operand, indices, updates)
    from numax import lax
    updates_aval = updates.aval if is_undefined(updates) else aval_of(updates)
    ct_operand = ct_updates = None
    if is_undefined(operand):
        ct_operand = scatter_p.bind(ct, indices, _zeros(updates_aval), **params)
    if is_undefined(updates):
        ct_updates = _gather_like_scatter(ct, indices, updates_aval.shape,
                                          params["dimension_numbers"], params["mode"])
        if not params["unique_indices"]:
            won = _scatter_winners(aval_of(ct).shape, indices, updates_aval.shape, params)
            ct_updates = lax.select_n(won, _zeros(updates_aval), ct_updates)
    return [ct_operand, None, ct_updates]


def _scatter_add_transpose(sign):
    """Transpose of scatter-add (sign 1) and scatter-sub (sign -1): the operand's
    cotangent passes through; each update's is the element of `ct` it was added to
    (dropped updates get 0)."""
    def transpose(ct, operand, indices, updates, **params):
        if is_zero(ct):
            return _zero_cotangents(operand, indices, updates)
        ct_updates = None
        if is_undefined(updates):
            ct_updates = _gather_like_scatter(ct, indices, updates.aval.shape,
                                              params["dimension_numbers"], params["mode"])
            if sign < 0:
                from numax.lax.elementwise import neg
                ct_updates = neg(ct_updates)
        return [ct if is_undefined(operand) else None, None, ct_updates]
    return transpose


def _product_of_others(updates, indices, operand_shape, params):
    """For each update element, the product of the other update elements that land on the
    same operand element (1 when it lands alone). Zeros are counted rather than divided
    by: the product of the nonzero ones, divided by this update when it is nonzero, and
    zeroed when another zero shares its place."""
    from numax import lax
    dtype = aval_of(updates).dtype
    updates_shape = aval_of(updates).shape
    dn, mode = params["dimension_numbers"], params["mode"]
    is_zero_update = lax.eq(updates, full(updates_shape, 0, dtype))
    nonzero = lax.select_n(is_zero_update, updates, full(updates_shape, 1, dtype))
    product = scatter_mul_p.bind(full(operand_shape, 1, dtype), indices, nonzero, **params)
    zeros = scatter_add_p.bind(full(operand_shape, 0, np.int32), indices,
                               lax.convert_element_type(is_zero_update, np.int32), **params)
    product = _gather_like_scatter(product, indices, updates_shape, dn, mode)
    zeros = _gather_like_scatter(zeros, indices, updates_shape, dn, mode)
    zero = full(updates_shape, 0, dtype)
    when_nonzero = lax.select_n(lax.eq(zeros, full(updates_shape, 0, np.int32)), zero,
                                lax.div(product, nonzero))
    when_zero = lax.select_n(lax.eq(zeros, full(updates_shape, 1, np.int32)), zero, product)
    return lax.select_n(is_zero_update, when_nonzero, when_zero)


def scatter_mul_jvp(primals, tangents, **params):
    """out = operand * (product of the updates landing there). The operand's tangent is
    scaled by that product (a scatter-mul); an update's tangent by the operand times the
    product of the other updates landing with it."""
    from numax import lax
    (operand, indices, updates), (t_operand, _, t_updates) = primals, tangents
    out = scatter_mul_p.bind(operand, indices, updates, **params)
    tangent = Zero(aval_of(out).strip_weak_type())
    if not is_zero(t_operand):
        tangent = scatter_mul_p.bind(t_operand, indices, updates, **params)
    if not is_zero(t_updates):
        if not params["unique_indices"]:
            others = _product_of_others(updates, indices, aval_of(operand).shape, params)
            t_updates = lax.mul(t_updates, others)
        added = scatter_add_p.bind(_zeros(aval_of(out)), indices, t_updates, **params)
        term = lax.mul(operand, added)
        tangent = term if is_zero(tangent) else lax.add(tangent, term)
    return out, tangent


def scatter_mul_transpose(ct, operand, indices, updates, **params):
    """Linear in the operand only (the updates are known): a diagonal scaling, its own
    transpose."""
    if is_undefined(updates):
        raise NotImplementedError("scatter-mul is not linear in its updates; it has no "
                                  "transpose with respect to them")
    if is_zero(ct):
        return [Zero(operand.aval), None, None]
    return [scatter_mul_p.bind(ct, indices, updates, **params), None, None]


def _scatter_extremum_jvp(primitive):
    """JVP of scatter-min / scatter-max: the tangent of whichever value won, the operand's
    or an update's; where several tie for the result, the mean of their tangents (as
    max/min split ties evenly)."""
    def rule(primals, tangents, **params):
        from numax import lax
        (operand, indices, updates), (t_operand, _, t_updates) = primals, tangents
        out = primitive.bind(operand, indices, updates, **params)
        dtype = aval_of(out).dtype
        operand_zeros, updates_zeros = _zeros(aval_of(out)), _zeros(aval_of(updates))
        landed = _gather_like_scatter(out, indices, aval_of(updates).shape,
                                      params["dimension_numbers"], params["mode"],
                                      fill=np.nan)   # dropped updates never win
        won = lax.eq(updates, landed)
        kept = lax.eq(operand, out)
        winners = lax.add(lax.convert_element_type(kept, dtype), scatter_add_p.bind(
            operand_zeros, indices, lax.convert_element_type(won, dtype), **params))
        share = lax.div(full(aval_of(out).shape, 1, dtype), winners)
        tangent = lax.select_n(kept, operand_zeros, instantiate(t_operand))
        if not is_zero(t_updates):
            tangent = scatter_add_p.bind(tangent, indices,
                                         lax.select_n(won, updates_zeros, t_updates), **params)
        return out, lax.mul(tangent, share)
    return rule


# JAX's primitive names: `scatter-add`, not `scatter_add`, as printed in jaxprs. For bool
# operands StableHLO's add is "or", multiply "and", minimum "and", maximum "or".
scatter_p = _scatter_primitive("scatter", None, "float32", unique_only=True,
                               jvp=scatter_jvp, transpose=scatter_transpose)
scatter_add_p = _scatter_primitive("scatter-add", "stablehlo.add", "float32", linear=True,
                                   transpose=_scatter_add_transpose(1))
scatter_sub_p = _scatter_primitive("scatter-sub", "stablehlo.subtract", "int32", linear=True,
                                   transpose=_scatter_add_transpose(-1))
scatter_mul_p = _scatter_primitive("scatter-mul", "stablehlo.multiply", "int32",
                                   jvp=scatter_mul_jvp, transpose=scatter_mul_transpose)
scatter_min_p = _scatter_primitive("scatter-min", "stablehlo.minimum", "float32")
scatter_max_p = _scatter_primitive("scatter-max", "stablehlo.maximum", "int32")
scatter_min_p.jvp = _scatter_extremum_jvp(scatter_min_p)
scatter_max_p.jvp = _scatter_extremum_jvp(scatter_max_p)


# ---------------------------------------------------------------- wrappers: gather and scatter

def gather(operand, start_indices, dimension_numbers, slice_sizes, *, unique_indices=False,
           indices_are_sorted=False, mode=None, fill_value=None):
    """XLA's gather: for each index vector along the last axis of `start_indices`, the window
    of `slice_sizes` starting there (see GatherDimensionNumbers for the axis layout).

    mode None means FILL_OR_DROP: windows that do not fit read as `fill_value` (NaN for
    inexact dtypes, the minimum of signed and the maximum of unsigned integers, True for
    bool). 'clip' clamps indices so the window fits.

    >>> x = np.arange(10.0, dtype=np.float32)
    >>> dn = GatherDimensionNumbers(offset_dims=(), collapsed_slice_dims=(0,),
    ...                             start_index_map=(0,))
    >>> np.asarray(gather(x, np.array([[7], [2], [12]]), dn, (1,)))
    array([ 7.,  2., nan], dtype=float32)
    """
    dimension_numbers = _dimension_numbers("gather", GatherDimensionNumbers, dimension_numbers)
    mode = GatherScatterMode.from_any(mode)
    if mode is GatherScatterMode.FILL_OR_DROP:
        fill_value = _static_fill_value(_dtype_of(operand), fill_value)
    else:
        fill_value = None
    return gather_p.bind(operand, start_indices, dimension_numbers=dimension_numbers,
                         slice_sizes=tuple(int(s) for s in slice_sizes),
                         indices_are_sorted=bool(indices_are_sorted),
                         unique_indices=bool(unique_indices), mode=mode, fill_value=fill_value)


def _dtype_of(x):
    dtype = getattr(x, "dtype", None)
    return dtypes.canonicalize_dtype(dtype if dtype is not None else np.asarray(x).dtype)


def _static_fill_value(dtype, fill_value):
    """The fill value as a hashable Python scalar of `dtype` (it is a parameter)."""
    if fill_value is None:
        fill_value = _default_fill_value(dtype)
    try:
        value = np.asarray(fill_value).astype(dtype).item() if isinstance(
            fill_value, (np.ndarray, np.generic)) else np.asarray(fill_value, dtype).item()
    except (TypeError, ValueError, OverflowError) as error:
        raise NumaxTypeError(f"gather: fill_value must be a static scalar representable as "
                             f"{np.dtype(dtype).name}, got {fill_value!r} ({error})") from None
    # One NaN object, so equal parameters hash equal (float('nan') hashes by identity).
    return np.nan if isinstance(value, float) and value != value else value


def _scatter_wrapper(primitive, name, doc):
    def wrapper(operand, scatter_indices, updates, dimension_numbers, *,
                indices_are_sorted=False, unique_indices=False, mode=None):
        dimension_numbers = _dimension_numbers(name, ScatterDimensionNumbers, dimension_numbers)
        return primitive.bind(operand, scatter_indices, updates,
                              dimension_numbers=dimension_numbers,
                              indices_are_sorted=bool(indices_are_sorted),
                              unique_indices=bool(unique_indices),
                              mode=GatherScatterMode.from_any(mode))
    wrapper.__name__ = wrapper.__qualname__ = name
    wrapper.__doc__ = (
        f"XLA's scatter: {doc} (see ScatterDimensionNumbers for the axis layout).\n\n"
        "mode None means FILL_OR_DROP: updates whose window does not fit are dropped; 'clip'\n"
        "clamps their indices so the window fits.")
    return wrapper


scatter = _scatter_wrapper(scatter_p, "scatter",
                           "operand with the windows at `scatter_indices` replaced by `updates`; "
                           "where updates overlap, which one wins is unspecified")
scatter_add = _scatter_wrapper(scatter_add_p, "scatter_add",
                               "operand with `updates` added at `scatter_indices` (repeated "
                               "indices accumulate)")
scatter_sub = _scatter_wrapper(scatter_sub_p, "scatter_sub",
                               "operand with `updates` subtracted at `scatter_indices`")
scatter_mul = _scatter_wrapper(scatter_mul_p, "scatter_mul",
                               "operand multiplied by `updates` at `scatter_indices`")
scatter_min = _scatter_wrapper(scatter_min_p, "scatter_min",
                               "elementwise minimum of operand and `updates` at `scatter_indices`")
scatter_max = _scatter_wrapper(scatter_max_p, "scatter_max",
                               "elementwise maximum of operand and `updates` at `scatter_indices`")


# ---------------------------------------------------------------- wrappers: dynamic slicing

def _is_static_index(index):
    return isinstance(index, (int, np.integer)) or (
        isinstance(index, np.ndarray) and index.shape == () and index.dtype.kind in "iu")


def _start_indices(name, operand, start_indices, allow_negative_indices):
    """One scalar index per axis, all of one integer dtype; with allow_negative_indices a
    negative index counts from the end of its axis (the primitive itself only clamps)."""
    shape = np.shape(operand)
    if not isinstance(start_indices, (list, tuple)) and np.ndim(start_indices) == 1:
        if isinstance(start_indices, np.ndarray):
            start_indices = list(start_indices)
        else:
            start_indices = [index_in_dim(start_indices, i, keepdims=False)
                             for i in range(np.shape(start_indices)[0])]
    start_indices = list(start_indices)
    if len(start_indices) != len(shape):
        raise NumaxTypeError(f"{name}: got {len(start_indices)} start indices for an operand of "
                             f"shape {shape}; give one index per dimension")
    if isinstance(allow_negative_indices, (bool, np.bool_)):
        allow_negative_indices = [bool(allow_negative_indices)] * len(shape)
    elif len(allow_negative_indices) != len(shape):
        raise ValueError(f"{name}: allow_negative_indices needs one bool per dimension, got "
                         f"{allow_negative_indices!r} for an operand of shape {shape}")
    traced = [i for i in start_indices if not _is_static_index(i)]
    for index in traced:
        if np.shape(index) != () or not dtypes.is_integer(_dtype_of(index)):
            raise NumaxTypeError(f"{name}: start indices must be integer scalars, got {index!r}")
    dtype = _dtype_of(traced[0]) if traced else dtypes.default_int_dtype()
    result = []
    for index, size, allow_negative in zip(start_indices, shape, allow_negative_indices):
        if _is_static_index(index):
            index = int(index)
            if allow_negative and index < 0:
                index += size
            result.append(TypedScalar(index, dtype, False))
            continue
        if _dtype_of(index) != dtype:
            from numax.lax.elementwise import convert_element_type
            index = convert_element_type(index, dtype)
        if allow_negative and dtype not in UNSIGNED:
            index = _wrap_negative(index, size, dtype)
        result.append(index)
    return result


def _wrap_negative(index, size, dtype):
    """index + size where index < 0 (a traced index; static ones are fixed on the host)."""
    import numax.lax as lax  # the comparison and selection primitives live in elementwise.py
    zero, size = TypedScalar(0, dtype, False), TypedScalar(size, dtype, False)
    return lax.select_n(lax.lt(index, zero), index, lax.add(index, size))


def dynamic_slice(operand, start_indices, slice_sizes, *, allow_negative_indices=True):
    """The window of `slice_sizes` starting at the (possibly traced) `start_indices`.
    Starts are clamped so the window lies inside the operand, as in XLA.

    >>> np.asarray(dynamic_slice(np.arange(5, dtype=np.int32), [4], [3]))
    array([2, 3, 4], dtype=int32)
    """
    indices = _start_indices("dynamic_slice", operand, start_indices, allow_negative_indices)
    slice_sizes = tuple(int(s) for s in slice_sizes)
    return dynamic_slice_p.bind(operand, *indices, slice_sizes=slice_sizes)


def dynamic_update_slice(operand, update, start_indices, *, allow_negative_indices=True):
    """`operand` with the window starting at `start_indices` replaced by `update`. Starts are
    clamped so the update lies inside the operand, as in XLA."""
    indices = _start_indices("dynamic_update_slice", operand, start_indices,
                             allow_negative_indices)
    return dynamic_update_slice_p.bind(operand, update, *indices)


def _one_axis(name, operand, axis, start):
    shape = np.shape(operand)
    if not -len(shape) <= int(axis) < len(shape):
        raise ValueError(f"{name}: axis {axis} is out of bounds for an array of rank {len(shape)}")
    axis = int(axis) % len(shape)
    starts = [0] * len(shape)
    starts[axis] = start
    return axis, starts


def dynamic_slice_in_dim(operand, start_index, slice_size, axis=0, *,
                         allow_negative_indices=True):
    """operand[..., start_index:start_index + slice_size, ...] along `axis`, with a traced
    start (clamped so the slice fits)."""
    axis, starts = _one_axis("dynamic_slice_in_dim", operand, axis, start_index)
    sizes = list(np.shape(operand))
    sizes[axis] = int(slice_size)
    return dynamic_slice(operand, starts, sizes, allow_negative_indices=allow_negative_indices)


def dynamic_index_in_dim(operand, index, axis=0, keepdims=True, *, allow_negative_indices=True):
    """operand[..., index, ...] along `axis` with a traced index (clamped into range)."""
    result = dynamic_slice_in_dim(operand, index, 1, axis,
                                  allow_negative_indices=allow_negative_indices)
    if keepdims:
        return result
    return squeeze(result, (_one_axis("dynamic_index_in_dim", operand, axis, 0)[0],))


def dynamic_update_slice_in_dim(operand, update, start_index, axis, *,
                                allow_negative_indices=True):
    """`operand` with `update` written from `start_index` along `axis` (clamped to fit)."""
    _, starts = _one_axis("dynamic_update_slice_in_dim", operand, axis, start_index)
    return dynamic_update_slice(operand, update, starts,
                                allow_negative_indices=allow_negative_indices)


def dynamic_update_index_in_dim(operand, update, index, axis, *, allow_negative_indices=True):
    """`operand` with position `index` along `axis` replaced by `update` (which may lack
    that axis)."""
    axis, _ = _one_axis("dynamic_update_index_in_dim", operand, axis, 0)
    if np.ndim(update) == np.ndim(operand) - 1:
        update = expand_dims(update, (axis,))
    return dynamic_update_slice_in_dim(operand, update, index, axis,
                                       allow_negative_indices=allow_negative_indices)


__all__ = ["GatherScatterMode", "GatherDimensionNumbers", "ScatterDimensionNumbers",
           "dynamic_slice", "dynamic_update_slice", "dynamic_slice_in_dim",
           "dynamic_index_in_dim", "dynamic_update_slice_in_dim", "dynamic_update_index_in_dim",
           "gather", "scatter", "scatter_add", "scatter_sub", "scatter_mul", "scatter_min",
           "scatter_max", "dynamic_slice_p", "dynamic_update_slice_p", "gather_p", "scatter_p",
           "scatter_add_p", "scatter_sub_p", "scatter_mul_p", "scatter_min_p", "scatter_max_p"]
