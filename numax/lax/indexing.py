"""Indexing primitives: reading and writing elements at data-dependent positions.

Owns dynamic_slice, dynamic_update_slice, gather and the scatter family (scatter,
scatter-add, scatter-sub, scatter-mul, scatter-min, scatter-max), the dimension-number
and mode types that describe them (GatherDimensionNumbers, ScatterDimensionNumbers,
GatherScatterMode), and JAX's wrappers over them. Each primitive is declared once with
its shape rule, lowering and example inputs. Static slicing lives in lax/structural.py.

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
from numax.lax._rules import INT, UNSIGNED, random_array
from numax.lax.structural import expand_dims, index_in_dim, squeeze
from numax.lowering import array_attribute, tensor_type


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
    highest = int(np.iinfo(dtype).max)
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


dynamic_slice_p = Primitive(
    "dynamic_slice",
    abstract_eval=_dynamic_slice_abstract,
    lower=lambda ctx, operand, *start_indices, slice_sizes: ctx.op(
        "stablehlo.dynamic_slice", [operand, *start_indices],
        attributes={"slice_sizes": array_attribute(slice_sizes)}),
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


dynamic_update_slice_p = Primitive(
    "dynamic_update_slice",
    abstract_eval=_dynamic_update_slice_abstract,
    lower=lambda ctx, operand, update, *start_indices: ctx.op(
        "stablehlo.dynamic_update_slice", [operand, update, *start_indices]),
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
        return int(np.iinfo(dtype).max)
    if dtype in INT:
        return int(np.iinfo(dtype).min)
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


gather_p = Primitive(
    "gather",
    abstract_eval=_gather_abstract,
    lower=_gather_lower,
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


def _scatter_primitive(name, combine, dtype, unique_only=False):
    return Primitive(name, abstract_eval=_scatter_abstract(name), lower=_scatter_lower(combine),
                     examples=_scatter_examples(dtype, unique_only))


# JAX's primitive names: `scatter-add`, not `scatter_add`, as printed in jaxprs. For bool
# operands StableHLO's add is "or", multiply "and", minimum "and", maximum "or".
scatter_p = _scatter_primitive("scatter", None, "float32", unique_only=True)
scatter_add_p = _scatter_primitive("scatter-add", "stablehlo.add", "float32")
scatter_sub_p = _scatter_primitive("scatter-sub", "stablehlo.subtract", "int32")
scatter_mul_p = _scatter_primitive("scatter-mul", "stablehlo.multiply", "int32")
scatter_min_p = _scatter_primitive("scatter-min", "stablehlo.minimum", "float32")
scatter_max_p = _scatter_primitive("scatter-max", "stablehlo.maximum", "int32")


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
