"""Windowed reductions: reduce_window_sum/max/min and the generic `reduce_window`.

Each output element reduces one window of the operand, after the operand is dilated
(`base_dilation - 1` holes between elements) and padded (`padding` (low, high) pairs,
possibly negative); holes and padding hold the init value. Windows may themselves be
dilated (`window_dilation`) and step by `window_strides`. All lower to one
`stablehlo.reduce_window`. Also owns the select-and-scatter family (select_and_gather_add,
select_and_scatter_add and the general select_and_scatter, whose select and scatter
computations are sub-programs), and `reduce_window_shape_tuple` (padding strings resolve with
convolution.padtype_to_pads) and `emit_reduce_window`, which lax/cumulative.py uses.
"""

import numpy as np

from numax.core.abstract import ShapedArray
from numax.core.errors import NumaxTypeError
from numax.core.primitive import Primitive
from numax.core.pytree import tree_flatten, tree_unflatten
from numax.lax._ad_rules import Zero, is_undefined, is_zero
from numax.lax._rules import ANY, FLOAT, NUMBER, check_dtype, random_array
from numax.lax.convolution import padtype_to_pads
from numax.lax.reductions import (apply_computation, aval_of, batched_init_result,
                                  binary_region, check_computation, compare, first_of_batch,
                                  identity_max, identity_min, identity_sum, jvp_of_implementation,
                                  logical, monoid_reducer, scalar_operand, stage_computation)
from numax.lowering import array_attribute, dense_i64
from numax.transforms.batching import batch_size, to_front
from numax.transforms.staging import closed_over_consts, trace_to_jaxpr
from numax.lowering.builder import tensor_type


# ---------------------------------------------------------------- shapes and padding

def _dilate(size, dilation):
    return 0 if size == 0 else 1 + dilation * (size - 1)


def reduce_window_shape_tuple(operand_shape, window_dimensions, window_strides, padding,
                              base_dilation=None, window_dilation=None):
    """The result shape of a windowed reduction (as XLA computes it: a window larger
    than the padded operand gives a size-0 dimension)."""
    ndim = len(operand_shape)
    base_dilation = base_dilation or (1,) * ndim
    window_dilation = window_dilation or (1,) * ndim
    out = []
    for size, window, stride, (low, high), base, dilation in zip(
            operand_shape, window_dimensions, window_strides, padding, base_dilation,
            window_dilation):
        padded = _dilate(size, base) + low + high
        extent = _dilate(window, dilation)
        out.append(0 if padded < extent else (padded - extent) // stride + 1)
    return tuple(out)


def _check_window(name, aval, window_dimensions, window_strides, padding, base_dilation,
                  window_dilation):
    ndim = aval.ndim
    named = dict(window_dimensions=window_dimensions, window_strides=window_strides,
                 padding=padding, base_dilation=base_dilation, window_dilation=window_dilation)
    for key, value in named.items():
        if not isinstance(value, tuple) or len(value) != ndim:
            raise NumaxTypeError(f"{name}: {key} must be a tuple with one entry per operand "
                                 f"dimension ({ndim} for shape {aval.shape}), got {value!r}")
    for key in ("window_dimensions", "window_strides", "base_dilation", "window_dilation"):
        if not all(isinstance(v, (int, np.integer)) and v >= 1 for v in named[key]):
            raise NumaxTypeError(f"{name}: {key} must be positive integers, got {named[key]}")
    if not all(isinstance(p, tuple) and len(p) == 2 for p in padding):
        raise NumaxTypeError(f"{name}: padding must be a tuple of (low, high) pairs, got "
                             f"{padding!r}")
    for size, (low, high), base in zip(aval.shape, padding, base_dilation):
        if _dilate(size, base) + low + high < 0:
            raise NumaxTypeError(f"{name}: padding {padding} removes more elements than the "
                                 f"operand of shape {aval.shape} has")


def _window_params(ndim, window_dimensions, window_strides, padding, base_dilation,
                   window_dilation):
    """Normalises user arguments to the primitives' params (tuples of ints)."""
    def ints(values):
        return (1,) * ndim if values is None else tuple(int(v) for v in values)
    return dict(window_dimensions=ints(window_dimensions), window_strides=ints(window_strides),
                padding=tuple((int(low), int(high)) for low, high in padding),
                base_dilation=ints(base_dilation), window_dilation=ints(window_dilation))


def emit_reduce_window(ctx, operands, inits, region, result_types, *, window_dimensions,
                       window_strides, padding, base_dilation, window_dilation):
    """One stablehlo.reduce_window; returns its results as a list."""
    attributes = {
        "window_dimensions": array_attribute(window_dimensions),
        "window_strides": array_attribute(window_strides),
        "base_dilations": array_attribute(base_dilation),
        "window_dilations": array_attribute(window_dilation),
        "padding": dense_i64(np.asarray(padding, np.int64).reshape(-1), (len(padding), 2)),
    }
    return ctx.ops("stablehlo.reduce_window", list(operands) + list(inits), result_types,
                   attributes=attributes, regions=[region])


def _with_unit_window_at(window, dim):
    """Window params for an operand with one more axis at `dim`, which the windows do not
    reduce (size 1, stride 1, no padding or dilation): how every windowed op batches."""
    def insert(values, value):
        return values[:dim] + (value,) + values[dim:]
    return {key: insert(value, (0, 0) if key == "padding" else 1) for key, value in window.items()}


def _common_batch_axis(args, dims):
    """`args` batched at one axis: kept where they are if they agree, else moved (or an
    unbatched one broadcast) to the front. Returns (args, axis)."""
    if len(set(dims)) == 1 and dims[0] is not None:
        return list(args), dims[0]
    size = batch_size(args, dims)
    return [to_front(x, d, size) for x, d in zip(args, dims)], 0


def _laid_out_shape(shape, padding, base_dilation):
    """The operand's shape as the windows see it: dilated by base_dilation, then padded."""
    return tuple(_dilate(n, b) + low + high for n, (low, high), b in
                 zip(shape, padding, base_dilation))


def _window_slices(shape, out_shape, offset, window_strides, window_dilation):
    """(start, limit, stride) of the strided slice that holds element `offset` of every
    window of an operand laid out with `shape`."""
    starts = tuple(k * d for k, d in zip(offset, window_dilation))
    limits = tuple(start + (o - 1) * s + 1 for start, o, s in zip(starts, out_shape,
                                                                   window_strides))
    return starts, limits, tuple(window_strides)


def _place_window_slice(values, shape, offset, window_strides, window_dilation):
    """Transpose of `_window_slices`: `values` (one per window) spread back to `shape`,
    zero elsewhere."""
    from numax import lax
    starts, _, _ = _window_slices(shape, aval_of(values).shape, offset, window_strides,
                                  window_dilation)
    config = [(start, size - start - (o - 1) * s - 1, s - 1) for start, size, o, s in
              zip(starts, shape, aval_of(values).shape, window_strides)]
    return lax.pad(values, 0, config)


def _unlay(ct, shape, padding, base_dilation):
    """Transpose of laying an operand of `shape` out as the windows see it: the padding is
    cropped and every base_dilation-th element kept."""
    from numax import lax
    cropped = lax.pad(ct, 0, [(-low, -high, 0) for low, high in padding])
    return lax.slice(cropped, (0,) * len(shape), aval_of(cropped).shape, base_dilation)


# ---------------------------------------------------------------- monoid windowed reductions

def _monoid_window_abstract(name, allowed):
    def rule(x, **window):
        check_dtype(name, x, allowed)
        _check_window(name, x, **window)
        return ShapedArray(reduce_window_shape_tuple(x.shape, **window), x.dtype, x.weak_type)
    return rule


def _monoid_window_lower(hlo, identity):
    def lower(ctx, x, **window):
        dtype = ctx.avals_in[0].dtype
        return emit_reduce_window(ctx, [x], [ctx.constant(identity(dtype), dtype)],
                                  binary_region(ctx, hlo, dtype), [ctx.aval_out], **window)[0]
    lower.__name__ = f"lower_reduce_window_{hlo.split('.')[-1]}"
    return lower


def _window_examples(dtypes_):
    def examples():
        rng = np.random.default_rng(0)
        out = []
        for dtype in dtypes_:
            x = random_array(rng, (5, 6), dtype)
            out.append(((x,), dict(window_dimensions=(2, 3), window_strides=(1, 2),
                                   padding=((0, 0), (1, 1)), base_dilation=(1, 1),
                                   window_dilation=(1, 1))))
        x = random_array(rng, (2, 7), dtypes_[0])
        # Every window holds one element besides padding and holes (so no output is the
        # infinite identity, which finite differences cannot check).
        out.append(((x,), dict(window_dimensions=(1, 2), window_strides=(1, 1),
                               padding=((0, 0), (1, -1)), base_dilation=(1, 2),
                               window_dilation=(1, 3))))
        return out
    return examples


def window_batch(primitive):
    """The batch axis stays where it is, with a window of size 1 along it."""
    def rule(args, dims, **window):
        (x,), (dim,) = args, dims
        return primitive.bind(x, **_with_unit_window_at(window, dim)), dim
    return rule


def monoid_window_reduction(name, hlo, identity, allowed, dtypes_, **rules):
    primitive = Primitive(name, abstract_eval=_monoid_window_abstract(name, allowed),
                          lower=_monoid_window_lower(hlo, identity),
                          examples=_window_examples(dtypes_), **rules)
    primitive.batch = window_batch(primitive)
    return primitive


def reduce_window_sum_transpose(ct, x, **window):
    """Each element of the laid-out operand receives the cotangents of the windows that
    cover it: output o covers positions o * stride + k * window_dilation, so position p
    receives the sum over k of the stride-dilated ct at p - k * window_dilation, which is
    a window sum over the ct dilated by the strides (base_dilation) and padded by the
    window's extent. The padding and holes of the layout are then dropped."""
    if is_zero(ct):
        return [Zero(x.aval)]
    from numax import lax
    aval, out_shape = x.aval, aval_of(ct).shape
    if 0 in out_shape or 0 in aval.shape:
        return [lax.full(aval.shape, 0, aval.dtype)]
    laid_shape = _laid_out_shape(aval.shape, window["padding"], window["base_dilation"])
    spread_padding = tuple(
        ((w - 1) * d, size - (o - 1) * s - 1) for w, d, size, o, s in zip(
            window["window_dimensions"], window["window_dilation"], laid_shape, out_shape,
            window["window_strides"]))
    spread = reduce_window_sum_p.bind(
        ct, window_dimensions=window["window_dimensions"],
        window_strides=(1,) * aval.ndim, padding=spread_padding,
        base_dilation=window["window_strides"], window_dilation=window["window_dilation"])
    return [_unlay(spread, aval.shape, window["padding"], window["base_dilation"])]


def window_chooser_jvp(name):
    """JVP of reduce_window_max/min: per window, the tangent of the element the window
    picked (select_and_gather_add)."""
    def rule(primals, tangents, **window):
        from numax import lax
        (x,), (t,) = primals, tangents
        primitive = reduce_window_max_p if name == "reduce_window_max" else reduce_window_min_p
        select_prim = lax.ge_p if name == "reduce_window_max" else lax.le_p
        return primitive.bind(x, **window), select_and_gather_add_p.bind(
            t, x, select_prim=select_prim, **window)
    rule.__name__ = f"{name}_jvp"
    return rule


reduce_window_sum_p = monoid_window_reduction("reduce_window_sum", "stablehlo.add", identity_sum,
                                              NUMBER, ("float32", "int32"), linear=True,
                                              transpose=reduce_window_sum_transpose)
reduce_window_max_p = monoid_window_reduction("reduce_window_max", "stablehlo.maximum",
                                              identity_max, ANY, ("float32", "int32", "bool"),
                                              jvp=window_chooser_jvp("reduce_window_max"))
reduce_window_min_p = monoid_window_reduction("reduce_window_min", "stablehlo.minimum",
                                              identity_min, ANY, ("float32", "uint8"),
                                              jvp=window_chooser_jvp("reduce_window_min"))


# ---------------------------------------------------------------- select_and_gather/scatter_add
#
# The linear maps behind the derivative of reduce_window_max/min. Each window picks one
# element of the operand: the first one (in window order) holding the window's maximum
# (ge_p) or minimum (le_p), a NaN counting as more extreme than any number; edge padding
# is never picked, holes of a base dilation are positions holding -inf/+inf.
# select_and_gather_add reads a tangent at each window's pick; select_and_scatter_add
# adds a cotangent per window at its pick. Each is the other's transpose.

def _picks_max(select_prim):
    if select_prim.name not in ("ge", "le"):
        raise NumaxTypeError(f"select_prim must be lax.ge_p (pick the maximum) or lax.le_p "
                             f"(pick the minimum), got {select_prim}")
    return select_prim.name == "ge"


def _select_identity(select_prim, dtype):
    return (identity_max if _picks_max(select_prim) else identity_min)(dtype)


def _select_and_gather_add_abstract(tangents, operand, *, select_prim, **window):
    name = "select_and_gather_add"
    check_dtype(name, operand, FLOAT)
    _picks_max(select_prim)
    if tangents.shape != operand.shape or tangents.dtype != operand.dtype:
        raise NumaxTypeError(f"{name}: tangents {tangents} and operand {operand} must have "
                             "one shape and dtype")
    _check_window(name, operand, **window)
    return ShapedArray(reduce_window_shape_tuple(operand.shape, **window), tangents.dtype,
                       tangents.weak_type)


def _select_and_gather_add_lower(ctx, tangents, operand, *, select_prim, window_dimensions,
                                 window_strides, padding, base_dilation, window_dilation):
    """A reduce_window over (value, position, tangent) triples whose region keeps the
    triple with the more extreme value, the earlier position on ties (so the region is
    associative and commutative, as XLA requires). Edge padding enters as the init triple
    (identity, last position, 0), which never wins a tie with an element; holes of a base
    dilation are made explicit first, so that they are positions like in
    select_and_scatter_add's transpose."""
    aval = ctx.avals_in[1]
    dtype, shape = aval.dtype, aval.shape
    identity = _select_identity(select_prim, dtype)
    if any(b != 1 for b in base_dilation):
        shape = tuple(_dilate(n, b) for n, b in zip(shape, base_dilation))
        interior = {"edge_padding_low": array_attribute((0,) * len(shape)),
                    "edge_padding_high": array_attribute((0,) * len(shape)),
                    "interior_padding": array_attribute(b - 1 for b in base_dilation)}
        operand = ctx.op("stablehlo.pad", [operand, ctx.constant(identity, dtype)],
                         result_type=tensor_type(shape, dtype), attributes=interior)
        tangents = ctx.op("stablehlo.pad", [tangents, ctx.constant(0, dtype)],
                          result_type=tensor_type(shape, dtype), attributes=interior)
    size = int(np.prod(shape, dtype=np.int64))
    index_dtype = np.dtype(np.int32 if size < 2 ** 31 - 1 else np.int64)
    flat = ctx.op("stablehlo.iota", [], result_type=tensor_type((size,), index_dtype),
                  attributes={"iota_dimension": "0 : i64"})
    positions = ctx.op("stablehlo.reshape", [flat], result_type=tensor_type(shape, index_dtype))
    value_scalar, index_scalar = tensor_type((), dtype), tensor_type((), index_dtype)
    direction = "GT" if _picks_max(select_prim) else "LT"

    def body(c, a_value, a_index, a_tangent, b_value, b_index, b_tangent):
        a_nan = compare(c, a_value, a_value, "NE")
        b_nan = compare(c, b_value, b_value, "NE")
        better = logical(c, "or", compare(c, a_value, b_value, direction),
                         logical(c, "and", a_nan, logical(c, "not", b_nan)))
        tie = logical(c, "or", compare(c, a_value, b_value, "EQ"),
                      logical(c, "and", a_nan, b_nan))
        pick_a = logical(c, "or", better,
                         logical(c, "and", tie, compare(c, a_index, b_index, "LT")))
        return [c.op("stablehlo.select", [pick_a, a, b], result_type=t) for a, b, t in
                ((a_value, b_value, value_scalar), (a_index, b_index, index_scalar),
                 (a_tangent, b_tangent, value_scalar))]

    region = ctx.region([value_scalar, index_scalar, value_scalar] * 2, body)
    inits = [ctx.constant(identity, dtype), ctx.constant(np.iinfo(index_dtype).max, index_dtype),
             ctx.constant(0, dtype)]
    out_shape = ctx.aval_out.shape
    results = emit_reduce_window(
        ctx, [operand, positions, tangents], inits, region,
        [tensor_type(out_shape, dtype), tensor_type(out_shape, index_dtype), ctx.aval_out],
        window_dimensions=window_dimensions, window_strides=window_strides, padding=padding,
        base_dilation=(1,) * len(shape), window_dilation=window_dilation)
    return results[2]


def _select_and_scatter_by_patches(ct, operand, select_prim, window):
    """select_and_gather_add's transpose for dilated windows (stablehlo.select_and_scatter
    has no window dilation): each window offset k is a strided slice of the laid-out
    operand; the first offset holding the window's extreme value takes the cotangent."""
    from numax import lax
    aval = aval_of(operand)
    identity = np.asarray(_select_identity(select_prim, aval.dtype))
    padding, base_dilation = window["padding"], window["base_dilation"]
    holes = [(0, 0, b - 1) for b in base_dilation]
    laid = lax.pad(operand, identity, [(low, high, b - 1) for (low, high), b in
                                       zip(padding, base_dilation)])
    valid = lax.pad(lax.pad(lax.full(aval.shape, True, np.bool_), True, holes), False,
                    [(low, high, 0) for low, high in padding])  # holes valid, edges not
    laid_shape, out_shape = aval_of(laid).shape, aval_of(ct).shape
    offsets = list(np.ndindex(*window["window_dimensions"]))

    def patch(x, offset):
        return lax.slice(x, *_window_slices(laid_shape, out_shape, offset,
                                            window["window_strides"], window["window_dilation"]))

    extreme_of = lax.max if _picks_max(select_prim) else lax.min
    fill = lax.full(out_shape, identity, aval.dtype)
    values = [lax.select_n(patch(valid, k), fill, patch(laid, k)) for k in offsets]
    valids = [patch(valid, k) for k in offsets]
    extreme = values[0]
    for value in values[1:]:
        extreme = extreme_of(extreme, value)
    extreme_is_nan = lax.ne(extreme, extreme)
    taken = lax.full(out_shape, False, np.bool_)
    zeros = lax.full(out_shape, 0, aval_of(ct).dtype)
    spread = None
    for k, value, ok in zip(offsets, values, valids):
        hit = lax.bitwise_or(lax.eq(value, extreme),
                             lax.bitwise_and(lax.ne(value, value), extreme_is_nan))
        pick = lax.bitwise_and(lax.bitwise_and(ok, hit), lax.bitwise_not(taken))
        taken = lax.bitwise_or(taken, pick)
        placed = _place_window_slice(lax.select_n(pick, zeros, ct), laid_shape, k,
                                     window["window_strides"], window["window_dilation"])
        spread = placed if spread is None else lax.add(spread, placed)
    return _unlay(spread, aval.shape, padding, base_dilation)


def select_and_gather_add_transpose(ct, tangents, operand, *, select_prim, **window):
    """Adds each window's cotangent at the element the window picked: one
    select_and_scatter_add over the operand with its holes made explicit (or, for dilated
    windows, one masked slice per window offset)."""
    from numax import lax
    if is_undefined(operand):
        raise ValueError("select_and_gather_add is linear in its tangents only; the operand "
                         "that chooses the elements must be known")
    aval = tangents.aval
    if is_zero(ct):
        return [Zero(aval), None]
    if 0 in aval_of(ct).shape or 0 in aval.shape:
        return [lax.full(aval.shape, 0, aval.dtype), None]
    if any(d != 1 for d in window["window_dilation"]):
        return [_select_and_scatter_by_patches(ct, operand, select_prim, window), None]
    base_dilation = window["base_dilation"]
    if any(b != 1 for b in base_dilation):
        identity = np.asarray(_select_identity(select_prim, aval.dtype))
        operand = lax.pad(operand, identity, [(0, 0, b - 1) for b in base_dilation])
    spread = select_and_scatter_add_p.bind(
        ct, operand, select_prim=select_prim, window_dimensions=window["window_dimensions"],
        window_strides=window["window_strides"], padding=window["padding"])
    if any(b != 1 for b in base_dilation):
        spread = lax.slice(spread, (0,) * aval.ndim, aval_of(spread).shape, base_dilation)
    return [spread, None]


def _linear_in_first_jvp(primitive):
    """JVP of an op linear in its first operand and piecewise constant in its second (the
    operand that chooses positions): the op applied to the first operand's tangent."""
    def rule(primals, tangents, **params):
        out = primitive.bind(*primals, **params)
        if is_zero(tangents[0]):
            return out, Zero(aval_of(out).strip_weak_type())
        return out, primitive.bind(tangents[0], primals[1], **params)
    rule.__name__ = f"{primitive.name}_jvp"
    return rule


def _select_batch(primitive):
    """Both operands batched at one axis, with a window of size 1 along it."""
    def rule(args, dims, *, select_prim, **window):
        args, dim = _common_batch_axis(args, dims)
        return primitive.bind(*args, select_prim=select_prim,
                              **_with_unit_window_at(window, dim)), dim
    return rule


def _select_examples():
    from numax.lax.elementwise import ge_p, le_p  # the comparisons; a sibling family
    rng = np.random.default_rng(0)
    x, t = random_array(rng, (5, 6), "float32"), random_array(rng, (5, 6), "float32")
    y, u = random_array(rng, (2, 7), "float32"), random_array(rng, (2, 7), "float32")
    return [((t, x), dict(select_prim=ge_p, window_dimensions=(2, 3), window_strides=(1, 2),
                          padding=((0, 0), (1, 1)), base_dilation=(1, 1),
                          window_dilation=(1, 1))),
            ((u, y), dict(select_prim=le_p, window_dimensions=(1, 2), window_strides=(1, 1),
                          padding=((0, 0), (2, -1)), base_dilation=(1, 2),
                          window_dilation=(1, 2))),
            ((t, x), dict(select_prim=ge_p, window_dimensions=(3, 2), window_strides=(2, 2),
                          padding=((1, 1), (0, 1)), base_dilation=(2, 1),
                          window_dilation=(1, 1)))]


select_and_gather_add_p = Primitive(
    "select_and_gather_add",
    abstract_eval=_select_and_gather_add_abstract,
    lower=_select_and_gather_add_lower,
    transpose=select_and_gather_add_transpose,
    examples=_select_examples,
)
select_and_gather_add_p.jvp = _linear_in_first_jvp(select_and_gather_add_p)
select_and_gather_add_p.batch = _select_batch(select_and_gather_add_p)


def _select_and_scatter_add_abstract(source, operand, *, select_prim, window_dimensions,
                                     window_strides, padding):
    name = "select_and_scatter_add"
    check_dtype(name, operand, FLOAT)
    _picks_max(select_prim)
    ones = (1,) * operand.ndim
    window = dict(window_dimensions=window_dimensions, window_strides=window_strides,
                  padding=padding, base_dilation=ones, window_dilation=ones)
    _check_window(name, operand, **window)
    windows = reduce_window_shape_tuple(operand.shape, **window)
    if source.shape != windows or source.dtype != operand.dtype:
        raise NumaxTypeError(f"{name}: source {source} must hold one {operand.dtype.name} "
                             f"value per window, shape {windows}")
    return ShapedArray(operand.shape, source.dtype, source.weak_type)


def _select_and_scatter_add_lower(ctx, source, operand, *, select_prim, window_dimensions,
                                  window_strides, padding):
    """stablehlo.select_and_scatter: XLA walks each window in order, keeping the current
    pick while select(pick, candidate) holds, so `pick >= candidate or pick is NaN` keeps
    the first maximal element (NaN most extreme); padding is never picked."""
    dtype = ctx.avals_in[1].dtype
    scalar = tensor_type((), dtype)
    direction = "GE" if _picks_max(select_prim) else "LE"

    def select(c, current, candidate):
        return [logical(c, "or", compare(c, current, candidate, direction),
                        compare(c, current, current, "NE"))]

    return emit_select_and_scatter(
        ctx, operand, source, ctx.constant(0, ctx.avals_in[0].dtype),
        ctx.region([scalar, scalar], select),
        binary_region(ctx, "stablehlo.add", ctx.avals_in[0].dtype),
        window_dimensions=window_dimensions, window_strides=window_strides, padding=padding)


def emit_select_and_scatter(ctx, operand, source, init, select_region, scatter_region, *,
                            window_dimensions, window_strides, padding):
    """One stablehlo.select_and_scatter (select_and_scatter_add and select_and_scatter)."""
    return ctx.op("stablehlo.select_and_scatter", [operand, source, init],
                  attributes={"window_dimensions": array_attribute(window_dimensions),
                              "window_strides": array_attribute(window_strides),
                              "padding": dense_i64(np.asarray(padding, np.int64).reshape(-1),
                                                   (len(padding), 2))},
                  regions=[select_region, scatter_region])


def select_and_scatter_add_transpose(ct, source, operand, *, select_prim, window_dimensions,
                                     window_strides, padding):
    """Reads the cotangent at each window's pick: select_and_gather_add."""
    if is_undefined(operand):
        raise ValueError("select_and_scatter_add is linear in its source only; the operand "
                         "that chooses the elements must be known")
    if is_zero(ct):
        return [Zero(source.aval), None]
    ones = (1,) * len(window_dimensions)
    return [select_and_gather_add_p.bind(
        ct, operand, select_prim=select_prim, window_dimensions=window_dimensions,
        window_strides=window_strides, padding=padding, base_dilation=ones,
        window_dilation=ones), None]


def _select_and_scatter_examples():
    from numax.lax.elementwise import ge_p, le_p  # the comparisons; a sibling family
    rng = np.random.default_rng(1)
    x = random_array(rng, (5, 6), "float32")
    out = []
    for select_prim, window in (
            (ge_p, dict(window_dimensions=(2, 3), window_strides=(1, 2),
                        padding=((0, 0), (1, 1)))),
            (le_p, dict(window_dimensions=(3, 2), window_strides=(2, 2),
                        padding=((1, 1), (0, 1))))):
        ones = (1, 1)
        windows = reduce_window_shape_tuple(x.shape, base_dilation=ones, window_dilation=ones,
                                            **window)
        out.append(((random_array(rng, windows, "float32"), x),
                    dict(select_prim=select_prim, **window)))
    return out


select_and_scatter_add_p = Primitive(
    "select_and_scatter_add",
    abstract_eval=_select_and_scatter_add_abstract,
    lower=_select_and_scatter_add_lower,
    transpose=select_and_scatter_add_transpose,
    examples=_select_and_scatter_examples,
)
select_and_scatter_add_p.jvp = _linear_in_first_jvp(select_and_scatter_add_p)
select_and_scatter_add_p.batch = _select_batch(select_and_scatter_add_p)


# ---------------------------------------------------------------- the general select_and_scatter
# In every window, `select_computation(current, candidate) -> bool` chooses one operand
# element (the current pick is kept while it returns True); each source value is then
# folded into the output at its window's pick with `scatter_computation(acc, value)`,
# starting from `init_value` everywhere. select_and_scatter_add is the case (ge or le, add).

def _select_and_scatter_abstract(operand, source, init_value, *, select_computation,
                                 scatter_computation, window_dimensions, window_strides,
                                 padding):
    name = "select_and_scatter"
    ones = (1,) * operand.ndim
    window = dict(window_dimensions=window_dimensions, window_strides=window_strides,
                  padding=padding, base_dilation=ones, window_dilation=ones)
    _check_window(name, operand, **window)
    windows = reduce_window_shape_tuple(operand.shape, **window)
    if source.shape != windows:
        raise NumaxTypeError(f"{name}: source {source} must hold one value per window, shape "
                             f"{windows}")
    if init_value.shape != () or init_value.dtype != source.dtype:
        raise NumaxTypeError(f"{name}: init_value must be a scalar of the source's dtype "
                             f"{source.dtype.name}, got {init_value}")
    check_computation(name, scatter_computation, [source])
    selects = [(a.shape, a.dtype) for a in select_computation.out_avals]
    if [a.strip_weak_type() for a in select_computation.in_avals] != \
            [ShapedArray((), operand.dtype)] * 2 or selects != [((), np.dtype(bool))]:
        raise NumaxTypeError(f"{name}: the select computation must map two {operand.dtype.name} "
                             f"scalars to one bool, got {select_computation.in_avals} -> "
                             f"{select_computation.out_avals}")
    return ShapedArray(operand.shape, source.dtype, source.weak_type)


def _select_and_scatter_lower(ctx, operand, source, init_value, *, select_computation,
                              scatter_computation, **window):
    operand_scalar = tensor_type((), ctx.avals_in[0].dtype)
    source_scalar = tensor_type((), ctx.avals_in[1].dtype)

    def region(computation, scalar):
        return ctx.region([scalar, scalar],
                          lambda c, *xs: c.lower_jaxpr_inline(computation, xs))
    return emit_select_and_scatter(ctx, operand, source, init_value,
                                   region(select_computation, operand_scalar),
                                   region(scatter_computation, source_scalar), **window)


def _select_and_scatter_jvp(primals, tangents, **params):
    raise NotImplementedError(
        "Differentiation rule for 'select_and_scatter' not implemented (as in JAX): its "
        "scatter computation is arbitrary. The derivative of a max/min pooling uses "
        "select_and_scatter_add, which reduce_window_max/min's rules already apply.")


def _select_and_scatter_batch(args, dims, *, select_computation, scatter_computation,
                              **window):
    """Operand and source batched at one axis, with a window of size 1 along it. A batched
    init value (one scalar per element, which the op cannot take) runs one op per element."""
    params = dict(select_computation=select_computation, scatter_computation=scatter_computation)
    if dims[2] is None:
        (operand, source), dim = _common_batch_axis(args[:2], dims[:2])
        return select_and_scatter_p.bind(operand, source, args[2], **params,
                                         **_with_unit_window_at(window, dim)), dim
    from numax.lax.structural import concatenate, expand_dims, index_in_dim
    size = batch_size(args, dims)
    fronts = [to_front(x, d, size) for x, d in zip(args, dims)]
    outs = [select_and_scatter_p.bind(*[index_in_dim(x, b, keepdims=False) for x in fronts],
                                      **params, **window) for b in range(size)]
    return concatenate([expand_dims(out, (0,)) for out in outs], 0), 0


def stage_select_computation(select, dtype):
    """The ClosedJaxpr of `select(current, candidate) -> bool` on two scalars of `dtype`,
    the select_computation parameter of select_and_scatter."""
    scalar = ShapedArray((), np.dtype(dtype))
    closed, consts = trace_to_jaxpr(lambda a, b: [select(a, b)], [scalar, scalar])
    return closed_over_consts(closed, consts) if consts else closed


def _select_and_scatter_general_examples():
    """Integer operands, as for reduce_window: the generic checkers widen floating inputs
    to float64, which computations staged for float32 would not accept."""
    from numax.lax.elementwise import ge, le, add, max as maximum
    rng = np.random.default_rng(2)
    x = random_array(rng, (5, 6), "int32", -9, 9)
    scalar_tree = tree_flatten(0)[1]
    i32 = [np.dtype("int32")]
    out = []
    for select, scatter, init, window in (
            (ge, add, 0, dict(window_dimensions=(2, 3), window_strides=(1, 2),
                              padding=((0, 0), (1, 1)))),
            (le, maximum, -100, dict(window_dimensions=(3, 2), window_strides=(2, 2),
                                     padding=((1, 1), (0, 1))))):
        windows = reduce_window_shape_tuple(x.shape, base_dilation=(1, 1),
                                            window_dilation=(1, 1), **window)
        out.append(((x, random_array(rng, windows, "int32", -9, 9), np.int32(init)),
                    dict(select_computation=stage_select_computation(select, "int32"),
                         scatter_computation=stage_computation("select_and_scatter", scatter,
                                                               scalar_tree, i32),
                         **window)))
    return out


select_and_scatter_p = Primitive(
    "select_and_scatter",
    abstract_eval=_select_and_scatter_abstract,
    lower=_select_and_scatter_lower,
    jvp=_select_and_scatter_jvp,
    batch=_select_and_scatter_batch,
    examples=_select_and_scatter_general_examples,
)


def _monoid_window_wrapper(primitive):
    def wrapper(operand, window_dimensions, window_strides, padding, base_dilation=None,
                window_dilation=None):
        aval = aval_of(operand)
        if isinstance(padding, str):
            padding = padtype_to_pads(aval.shape, window_dimensions, window_strides, padding)
        return primitive.bind(operand, **_window_params(
            aval.ndim, window_dimensions, window_strides, padding, base_dilation,
            window_dilation))
    wrapper.__name__ = primitive.name
    wrapper.__doc__ = f"`{primitive.name}` with the arguments of lax.reduce_window."
    return wrapper


# Not in numax.lax's namespace (JAX exports only the primitives); numax.numpy and
# numax.nn use them from here.
reduce_window_sum = _monoid_window_wrapper(reduce_window_sum_p)
reduce_window_max = _monoid_window_wrapper(reduce_window_max_p)
reduce_window_min = _monoid_window_wrapper(reduce_window_min_p)


# ---------------------------------------------------------------- the generic reduce_window

def _reduce_window_abstract(*args, computation, **window):
    if len(args) % 2 or not args:
        raise NumaxTypeError(f"reduce_window: takes n operands and n init values, got "
                             f"{len(args)} arrays in all")
    n = len(args) // 2
    operands, inits = args[:n], args[n:]
    for operand, init in zip(operands, inits):
        if operand.shape != operands[0].shape:
            raise NumaxTypeError(f"reduce_window: all operands must have one shape, got "
                                 f"{[o.shape for o in operands]}")
        if init.shape != () or init.dtype != operand.dtype:
            raise NumaxTypeError(f"reduce_window: each init value must be a scalar of its "
                                 f"operand's dtype; got init {init} for an operand {operand}")
    _check_window("reduce_window", operands[0], **window)
    check_computation("reduce_window", computation, operands)
    shape = reduce_window_shape_tuple(operands[0].shape, **window)
    return [ShapedArray(shape, o.dtype, o.weak_type) for o in operands]


def _reduce_window_lower(ctx, *args, computation, **window):
    n = len(args) // 2
    scalars = [tensor_type((), a.dtype) for a in ctx.avals_in[:n]]
    region = ctx.region(scalars + scalars, lambda c, *xs: c.lower_jaxpr_inline(computation, xs))
    return emit_reduce_window(ctx, args[:n], args[n:], region, ctx.avals_out, **window)


def _reduce_window_examples():
    """Integer operands only: the generic checkers widen floating inputs to float64, which
    the float32 computation staged in the params would not accept. The floating-point
    rules are tested in tests/lax/test_reductions_ad.py."""
    from numax.lax.elementwise import add, mul  # the region's ops; a sibling family
    rng = np.random.default_rng(0)
    k = random_array(rng, (4, 5), "int32")
    m = random_array(rng, (4, 5), "int32", -2, 2)
    add_i32 = stage_computation("reduce_window", add, tree_flatten(0)[1], [np.dtype("int32")])
    sum_and_prod = stage_computation(
        "reduce_window", lambda a, b: (add(a[0], b[0]), mul(a[1], b[1])), tree_flatten((0, 0))[1],
        [np.dtype("int32"), np.dtype("int32")])
    window = dict(window_dimensions=(2, 2), window_strides=(2, 1), padding=((1, 0), (0, 1)),
                  base_dilation=(1, 1), window_dilation=(1, 2))
    return [((k, np.int32(0)), dict(computation=add_i32, **window)),
            ((k, m, np.int32(0), np.int32(1)), dict(computation=sum_and_prod, **window))]


def _reduce_window_by_offsets(computation, operands, inits, fill_values, window):
    """What reduce_window computes, in lax ops: the operands are laid out as the windows
    see them (dilated and padded with `fill_values`), element k of every window is one
    strided slice, and those slices are folded into the init values one offset at a time.
    The init values enter once per window, as in XLA, which skips padding positions: the
    padding holds `fill_values` (the primal inits, constants here), so it carries no
    derivative."""
    from numax import lax
    aval = aval_of(operands[0])
    laid = [lax.pad(x, fill, [(low, high, b - 1) for (low, high), b in
                              zip(window["padding"], window["base_dilation"])])
            for x, fill in zip(operands, fill_values)]
    laid_shape = aval_of(laid[0]).shape
    out_shape = reduce_window_shape_tuple(aval.shape, **window)
    accumulated = [lax.broadcast_in_dim(init, out_shape, ()) for init in inits]
    if 0 in out_shape:
        return accumulated
    for offset in np.ndindex(*window["window_dimensions"]):
        where = _window_slices(laid_shape, out_shape, offset, window["window_strides"],
                               window["window_dilation"])
        accumulated = apply_computation(computation,
                                        accumulated + [lax.slice(x, *where) for x in laid])
    return accumulated


def reduce_window_jvp(primals, tangents, *, computation, **window):
    """The JVP of the equivalent program `_reduce_window_by_offsets`, so any computation
    written in differentiable lax ops can be differentiated."""
    n = len(primals) // 2
    outs = reduce_window_p.bind(*primals, computation=computation, **window)
    fill_values = primals[n:]
    _, out_tangents = jvp_of_implementation(
        lambda *args: _reduce_window_by_offsets(computation, args[:n], args[n:], fill_values,
                                                window),
        primals, tangents)
    return outs, out_tangents


def reduce_window_batch(args, dims, *, computation, **window):
    """Batched operands share one batch axis with a window of size 1 along it; batched
    init values are folded in after reducing with batch element 0's inits."""
    n = len(args) // 2
    operands, inits, operand_dims, init_dims = args[:n], args[n:], dims[:n], dims[n:]
    out_dim = None
    if any(d is not None for d in operand_dims):
        operands, out_dim = _common_batch_axis(operands, operand_dims)
        window = _with_unit_window_at(window, out_dim)
    if all(d is None for d in init_dims):
        outs = reduce_window_p.bind(*operands, *inits, computation=computation, **window)
        return outs, [out_dim] * n
    outs = reduce_window_p.bind(*operands, *first_of_batch(inits, init_dims),
                                computation=computation, **window)
    outs = batched_init_result(computation, [(o, out_dim) for o in outs], inits, init_dims,
                               batch_size(args, dims))
    return outs, [0] * n


reduce_window_p = Primitive(
    "reduce_window",
    abstract_eval=_reduce_window_abstract,
    lower=_reduce_window_lower,
    multiple_results=True,
    jvp=reduce_window_jvp,
    batch=reduce_window_batch,
    examples=_reduce_window_examples,
)


# (wrapper name in numax.lax, windowed reduction, identity, dtypes it applies to)
_WINDOW_MONOIDS = (("add", reduce_window_sum, identity_sum, NUMBER),
                   ("max", reduce_window_max, identity_max, ANY),
                   ("min", reduce_window_min, identity_min, ANY))


def reduce_window(operand, init_value, computation, window_dimensions, window_strides, padding,
                  base_dilation=None, window_dilation=None):
    """Reduces each window of `operand` (an array or pytree of arrays of one shape) with
    `computation(acc, x) -> acc` from `init_value` (scalars, same tree).

    `padding` is 'VALID', 'SAME', 'SAME_LOWER' or a sequence of (low, high) pairs; a
    padding string is resolved with `padtype_to_pads` from the operand shape, the
    (undilated) window dimensions and the strides, as JAX does. lax.add with 0 and
    lax.max/lax.min with -inf/+inf become reduce_window_sum/max/min.

        >>> reduce_window(x, 0.0, numax.lax.add, (2,), (2,), 'VALID')  # pairwise sums
    """
    flat_operands, tree = tree_flatten(operand)
    flat_inits, init_tree = tree_flatten(init_value)
    if init_tree != tree:
        raise ValueError(f"reduce_window: operand and init_value must have the same "
                         f"structure, got {tree} and {init_tree}")
    if not flat_operands:
        raise ValueError("reduce_window: needs at least one operand")
    avals = [aval_of(x) for x in flat_operands]
    if isinstance(padding, str) or not isinstance(padding, (tuple, list)):
        padding = padtype_to_pads(avals[0].shape, window_dimensions, window_strides, padding)
    params = _window_params(avals[0].ndim, window_dimensions, window_strides, padding,
                            base_dilation, window_dilation)
    flat_inits = [scalar_operand(v, a.dtype) for v, a in zip(flat_inits, avals)]
    if len(flat_operands) == 1:
        reducer = monoid_reducer(computation, flat_inits[0], avals[0].dtype, _WINDOW_MONOIDS)
        if reducer is not None:
            return tree_unflatten(tree, [reducer(flat_operands[0], **params)])
    closed = stage_computation("reduce_window", computation, tree, [a.dtype for a in avals])
    outs = reduce_window_p.bind(*flat_operands, *flat_inits, computation=closed, **params)
    return tree_unflatten(tree, outs)


__all__ = [name for name in dir() if name.endswith("_p")] + [
    "reduce_window", "padtype_to_pads", "reduce_window_shape_tuple"]
