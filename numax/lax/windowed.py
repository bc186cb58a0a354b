"""Windowed reductions: reduce_window_sum/max/min and the generic `reduce_window`.

Each output element reduces one window of the operand, after the operand is dilated
(`base_dilation - 1` holes between elements) and padded (`padding` (low, high) pairs,
possibly negative); holes and padding hold the init value. Windows may themselves be
dilated (`window_dilation`) and step by `window_strides`. All lower to one
`stablehlo.reduce_window`. Also owns JAX's padding helpers (`padtype_to_pads`,
`reduce_window_shape_tuple`) and `emit_reduce_window`, which lax/cumulative.py uses.
"""

import numpy as np

from numax.core.abstract import ShapedArray
from numax.core.errors import NumaxTypeError
from numax.core.primitive import Primitive
from numax.core.pytree import tree_flatten, tree_unflatten
from numax.lax._rules import ANY, NUMBER, check_dtype, random_array
from numax.lax.reductions import (aval_of, binary_region, check_computation, identity_max,
                                  identity_min, identity_sum, monoid_reducer, scalar_operand,
                                  stage_computation)
from numax.lowering import array_attribute, dense_i64
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


_PADDING_NAMES = ("VALID", "SAME", "SAME_LOWER")


def padtype_to_pads(in_shape, window_shape, window_strides, padding):
    """Explicit (low, high) pads for a padding string: 'VALID' pads nothing; 'SAME' pads
    so that the output has ceil(size / stride) elements, the extra element (if the total
    is odd) going at the end; 'SAME_LOWER' puts it at the start."""
    name = getattr(padding, "name", padding)  # also accepts enum members named like that
    if not isinstance(name, str) or name.upper() not in _PADDING_NAMES:
        raise ValueError(f"Unrecognized padding type: expected 'VALID', 'SAME' or 'SAME_LOWER', "
                         f"got {padding!r}")
    name = name.upper()
    if name == "VALID":
        return [(0, 0)] * len(in_shape)
    pads = []
    for size, window, stride in zip(in_shape, window_shape, window_strides):
        out_size = -(-size // stride)
        total = max((out_size - 1) * stride + window - size, 0)
        low = total // 2 if name == "SAME" else total - total // 2
        pads.append((low, total - low))
    return pads


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
        out.append(((x,), dict(window_dimensions=(1, 2), window_strides=(1, 1),
                               padding=((0, 0), (2, -1)), base_dilation=(1, 2),
                               window_dilation=(1, 2))))
        return out
    return examples


def monoid_window_reduction(name, hlo, identity, allowed, dtypes_):
    return Primitive(name, abstract_eval=_monoid_window_abstract(name, allowed),
                     lower=_monoid_window_lower(hlo, identity), examples=_window_examples(dtypes_))


reduce_window_sum_p = monoid_window_reduction("reduce_window_sum", "stablehlo.add", identity_sum,
                                              NUMBER, ("float32", "int32"))
reduce_window_max_p = monoid_window_reduction("reduce_window_max", "stablehlo.maximum",
                                              identity_max, ANY, ("float32", "int32", "bool"))
reduce_window_min_p = monoid_window_reduction("reduce_window_min", "stablehlo.minimum",
                                              identity_min, ANY, ("float32", "uint8"))


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
    from numax.lax.elementwise import add, mul  # the region's ops; a sibling family
    rng = np.random.default_rng(0)
    x = random_array(rng, (4, 5), "float32", 0.5, 1.5)
    k = random_array(rng, (4, 5), "int32")
    add_f32 = stage_computation("reduce_window", add, tree_flatten(0)[1], [np.dtype("float32")])
    sum_and_prod = stage_computation(
        "reduce_window", lambda a, b: (add(a[0], b[0]), mul(a[1], b[1])), tree_flatten((0, 0))[1],
        [np.dtype("float32"), np.dtype("int32")])
    window = dict(window_dimensions=(2, 2), window_strides=(2, 1), padding=((1, 0), (0, 1)),
                  base_dilation=(1, 1), window_dilation=(1, 2))
    return [((x, np.float32(0)), dict(computation=add_f32, **window)),
            ((x, k, np.float32(0), np.int32(1)), dict(computation=sum_and_prod, **window))]


reduce_window_p = Primitive(
    "reduce_window",
    abstract_eval=_reduce_window_abstract,
    lower=_reduce_window_lower,
    multiple_results=True,
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
