"""Reductions: reduce_sum/prod/max/min/and/or/xor, argmax/argmin and the generic `reduce`.

Each monoid reduction is one `stablehlo.reduce` whose region applies one binary op,
started from that op's identity (0, 1, -inf, +inf, all ones, ...). argmax/argmin are a
two-operand reduce over (values, iota) whose region picks the first index of the
extreme value, NaN counting as the extreme. The generic `reduce` takes a Python
function, staged once per (function, operand dtypes) into a ClosedJaxpr kept in the
params, and lowers it into the region.

Also owns the helpers the other reduction-like families share (lax/cumulative.py,
lax/windowed.py, lax/sorting.py): axis canonicalisation, the identities, one-op
regions, and staging a user's scalar computation.
"""

import numpy as np

from numax.core import dtypes
from numax.core.abstract import ShapedArray, TypedScalar
from numax.core.config import config
from numax.core.errors import NumaxTypeError
from numax.core.ir import ClosedJaxpr
from numax.core.primitive import Primitive
from numax.core.pytree import tree_flatten, tree_unflatten
from numax.core.trace import Tracer
from numax.lax._ad_rules import Zero, is_zero
from numax.lax._rules import (ANY, BOOL, FLOAT, INT, INT_OR_BOOL, NUMBER, check_dtype,
                              random_array)
from numax.lowering import array_attribute
from numax.lowering.builder import tensor_type
from numax.transforms.ad import eval_jaxpr, jvp_flat
from numax.transforms.batching import batch_flat, batch_size, to_front
from numax.transforms.staging import closed_over_consts, trace_to_jaxpr


# ---------------------------------------------------------------- shared helpers

def aval_of(value):
    """The abstract value of an operand (Array, tracer, NumPy value or Python scalar)."""
    aval = getattr(value, "aval", None)
    if aval is not None:
        return aval
    dtype, weak = dtypes.dtype_and_weak_type(value)
    return ShapedArray(np.shape(value), dtype, weak)


def canonical_axis(name, axis, ndim):
    """`axis` in [0, ndim), negative values counting from the end (as NumPy does)."""
    try:
        axis = int(axis)
    except TypeError:
        raise TypeError(f"{name}: axis must be an integer, got {axis!r}") from None
    if not -ndim <= axis < ndim:
        raise ValueError(f"{name}: axis {axis} is out of bounds for an array of rank {ndim}; "
                         f"use an axis in [{-ndim}, {ndim})")
    return axis % ndim


def canonical_axes(name, axes, ndim):
    if isinstance(axes, (int, np.integer)):
        axes = (axes,)
    axes = tuple(canonical_axis(name, a, ndim) for a in axes)
    if len(set(axes)) != len(axes):
        raise ValueError(f"{name}: duplicate axis in {axes}; list each axis once")
    return axes


def check_axes(name, aval, axes):
    """For abstract evaluation: `axes` are distinct, canonical axes of `aval`."""
    if not isinstance(axes, tuple) or not all(isinstance(a, (int, np.integer)) for a in axes):
        raise NumaxTypeError(f"{name}: axes must be a tuple of ints, got {axes!r}")
    if len(set(axes)) != len(axes):
        raise ValueError(f"{name}: duplicate axis in axes={axes}; list each axis once")
    if not all(0 <= a < aval.ndim for a in axes):
        raise ValueError(f"{name}: axes={axes} are out of bounds for an operand of shape "
                         f"{aval.shape}; axes must lie in [0, {aval.ndim}) (the lax.{name} "
                         "wrapper accepts negative axes)")


def reduced_shape(shape, axes):
    return tuple(d for i, d in enumerate(shape) if i not in axes)


def identity_sum(dtype):
    return np.zeros((), dtype)


def identity_prod(dtype):
    return np.ones((), dtype)


def identity_max(dtype):
    """The smallest value of `dtype`: max(identity, x) == x for every x."""
    if dtype == np.bool_:
        return np.array(False)
    if dtype in INT:
        return np.array(dtypes.iinfo(dtype).min, dtype)
    return np.array(-np.inf, dtype)


def identity_min(dtype):
    if dtype == np.bool_:
        return np.array(True)
    if dtype in INT:
        return np.array(dtypes.iinfo(dtype).max, dtype)
    return np.array(np.inf, dtype)


def identity_and(dtype):
    if dtype == np.bool_:
        return np.array(True)
    return np.array(-1).astype(dtype)  # all bits set, for signed and unsigned alike


def identity_or(dtype):
    return np.zeros((), dtype)


def binary_region(ctx, hlo, dtype):
    """A reduction region `(a, b) -> hlo(a, b)` on scalars of `dtype`."""
    scalar = tensor_type((), dtype)
    return ctx.region([scalar, scalar], lambda c, a, b: [c.op(hlo, [a, b], result_type=scalar)])


def compare(ctx, a, b, direction):
    """The scalar comparison `a <direction> b` (inside a region), with the default
    comparison type of the element type: for floats NaN is unordered and unequal to
    everything, and -0.0 == 0.0."""
    return ctx.op("stablehlo.compare", [a, b], result_type=tensor_type((), np.bool_),
                  attributes={"comparison_direction":
                              f"#stablehlo<comparison_direction {direction}>"})


def logical(ctx, name, *values):
    """stablehlo and/or/not on i1 scalars."""
    return ctx.op(f"stablehlo.{name}", list(values), result_type=values[0].type)


def stage_computation(name, computation, operand_tree, dtypes_):
    """The ClosedJaxpr of `computation(acc, x)` on scalars, acc and x shaped like
    `operand_tree` with leaves of `dtypes_`. Cached per (computation, tree, dtypes), so
    repeated eager calls pass the same jaxpr object and hit the executable cache (x64
    mode is in the key: it changes the dtypes of Python scalars the computation uses)."""
    key = (computation, operand_tree, tuple(dtypes_), config.x64_enabled)
    try:
        closed = _staged.get(key)
    except TypeError:  # an unhashable callable: stage it every time
        key, closed = None, None
    if closed is not None:
        return closed
    n = len(dtypes_)

    def flat(*leaves):
        acc = tree_unflatten(operand_tree, list(leaves[:n]))
        x = tree_unflatten(operand_tree, list(leaves[n:]))
        out_leaves, out_tree = tree_flatten(computation(acc, x))
        if out_tree != operand_tree:
            raise TypeError(f"{name}: the computation must return the structure of the "
                            f"operands, {operand_tree}; it returned {out_tree}")
        return out_leaves

    scalars = [ShapedArray((), d) for d in dtypes_]
    closed, consts = trace_to_jaxpr(flat, scalars + scalars)
    if any(isinstance(c, Tracer) for c in consts):
        raise TypeError(f"{name}: the computation closes over a traced value; a reduction "
                        "computation may only use its two arguments and constants. Compute "
                        "the traced value outside and pass it as an extra operand instead.")
    if consts:
        closed = closed_over_consts(closed, consts)
    for aval, dtype in zip(closed.out_avals, dtypes_):
        if aval.shape != () or aval.dtype != dtype:
            raise TypeError(
                f"{name}: the computation must return scalars of dtypes "
                f"{[np.dtype(d).name for d in dtypes_]}; it returned "
                f"{[str(a) for a in closed.out_avals]}. Convert the results with "
                "lax.convert_element_type.")
    if key is not None:
        if len(_staged) > 512:
            _staged.clear()
        _staged[key] = closed
    return closed


_staged = {}


def check_computation(name, computation, operand_avals):
    """For abstract evaluation: `computation` maps 2n scalars to n scalars of the operand
    dtypes."""
    if not isinstance(computation, ClosedJaxpr):
        raise NumaxTypeError(f"{name}: the computation parameter must be a ClosedJaxpr, got "
                             f"{type(computation).__name__}; call lax.{name} "
                             "with a Python function instead of binding the primitive")
    scalars = [ShapedArray((), a.dtype) for a in operand_avals]
    ins = [a.strip_weak_type() for a in computation.in_avals]
    outs = [(a.shape, a.dtype) for a in computation.out_avals]
    if ins != scalars + scalars or outs != [((), a.dtype) for a in operand_avals]:
        raise NumaxTypeError(
            f"{name}: the computation has type ({', '.join(map(str, computation.in_avals))}) -> "
            f"({', '.join(map(str, computation.out_avals))}), but operands of dtypes "
            f"{[a.dtype.name for a in operand_avals]} need 2 x {len(operand_avals)} scalar "
            f"arguments and {len(operand_avals)} scalar results of those dtypes")


def scalar_operand(value, dtype):
    """A Python scalar init value as a typed scalar of `dtype` (lax.reduce(x, 0, ...) on
    an f32 x reduces from an f32 zero); other values pass through."""
    if type(value) in (bool, int, float, complex):
        return TypedScalar(value, dtype, False)
    return value


def physical_axes(axes, batch_dim):
    """`axes` of an unbatched operand as axes of its payload with a batch axis at `batch_dim`."""
    return tuple(a + (a >= batch_dim) for a in axes)


def jvp_of_implementation(implementation, primals, tangents):
    """(outputs, output tangents) of `implementation(*primals) -> list`, a composition of
    lax ops that computes what a primitive computes. Rules whose derivative is easiest to
    state as "differentiate this equivalent program" (cumulative scans, the generic reduce
    and reduce_window) use it, so they need no primitive of their own. Tangents may be
    symbolic zeros."""
    return jvp_flat(implementation, list(primals), list(tangents))


def apply_computation(computation, arrays):
    """The scalar ClosedJaxpr `computation` applied elementwise to `arrays` (one shape):
    it is vmapped over the flattened elements, so any scalar program works."""
    from numax import lax
    shape = aval_of(arrays[0]).shape
    size = int(np.prod(shape, dtype=np.int64))
    flat = [lax.reshape(a, (size,)) for a in arrays]
    outs, dims = batch_flat(
        lambda *xs: eval_jaxpr(computation.jaxpr, computation.consts, *xs),
        flat, [0] * len(flat), size)
    return [lax.reshape(o if d is not None else lax.broadcast_in_dim(o, (size,), ()), shape)
            for o, d in zip(outs, dims)]


def batched_init_result(computation, unbatched_result, inits, init_dims, size):
    """Result of a reduction whose init values are batched: `unbatched_result`, a list of
    (result, batch axis or None) pairs, was computed from one batch element's init values,
    and each batch element's own init is folded in once more. Init values must be identities of the
    computation (the contract of reduce and reduce_window), so this equals reducing with
    each element's init. Returns the results with the batch axis first."""
    from numax import lax
    results = [to_front(r, d, size) for r, d in unbatched_result]
    shape = aval_of(results[0]).shape
    own = [lax.broadcast_in_dim(init, shape, (0,)) if d is not None else
           lax.broadcast_in_dim(init, shape, ()) for init, d in zip(inits, init_dims)]
    return apply_computation(computation, own + results)


def first_of_batch(inits, init_dims):
    """Batch element 0 of each init value (the scalar a batched init holds there)."""
    from numax import lax
    return [lax.index_in_dim(init, 0, axis=d, keepdims=False) if d is not None else init
            for init, d in zip(inits, init_dims)]


# ---------------------------------------------------------------- monoid reductions

def _reduce_abstract(name, allowed):
    def rule(x, *, axes):
        check_dtype(name, x, allowed)
        check_axes(name, x, axes)
        return ShapedArray(reduced_shape(x.shape, axes), x.dtype, x.weak_type)
    return rule


def _reduce_lower(hlo, identity):
    def lower(ctx, x, *, axes):
        if not axes:  # nothing to reduce; XLA would also fold reduce-over-nothing away
            return x
        dtype = ctx.avals_in[0].dtype
        return ctx.op("stablehlo.reduce", [x, ctx.constant(identity(dtype), dtype)],
                      attributes={"dimensions": array_attribute(axes)},
                      regions=[binary_region(ctx, hlo, dtype)])
    lower.__name__ = f"lower_reduce_{hlo.split('.')[-1]}"
    return lower


def _reduce_examples(dtypes_, low=-3.0, high=3.0):
    def examples():
        rng = np.random.default_rng(0)
        out = []
        for dtype in dtypes_:
            out.append(((random_array(rng, (2, 3), dtype, low, high),), dict(axes=(1,))))
            out.append(((random_array(rng, (2, 3, 4), dtype, low, high),), dict(axes=(0, 2))))
            out.append(((random_array(rng, (5,), dtype, low, high),), dict(axes=(0,))))
        out.append(((random_array(rng, (0, 3), dtypes_[0], low, high),), dict(axes=(0,))))
        out.append(((random_array(rng, (2, 3), dtypes_[0], low, high),), dict(axes=())))
        return out
    return examples


def reduction_batch(primitive):
    """Batching rule of a one-operand reduction over `axes`: the batch axis stays where it
    is and the reduced axes shift past it."""
    def rule(args, dims, **params):
        (x,), (dim,) = args, dims
        axes = physical_axes(params["axes"], dim)
        out_dim = dim - sum(a < dim for a in axes)
        return primitive.bind(x, **dict(params, axes=axes)), out_dim
    return rule


def monoid_reduction(name, hlo, identity, allowed, dtypes_, low=-3.0, high=3.0, **rules):
    """A reduction by one associative, commutative StableHLO op started from its identity."""
    primitive = Primitive(name, abstract_eval=_reduce_abstract(name, allowed),
                          lower=_reduce_lower(hlo, identity),
                          examples=_reduce_examples(dtypes_, low, high), **rules)
    primitive.batch = reduction_batch(primitive)
    return primitive


def kept_axes(ndim, axes):
    return tuple(i for i in range(ndim) if i not in axes)


def reduce_sum_transpose(ct, x, *, axes):
    """Each input element receives the cotangent of the sum it went into."""
    from numax import lax
    if is_zero(ct):
        return [Zero(x.aval)]
    return [lax.broadcast_in_dim(ct, x.aval.shape, kept_axes(x.aval.ndim, axes))]


def _product_of_others(x, axes):
    """d prod / d x_i: the product of the other elements of x_i's reduction group.

    Computed without dividing by x_i, so zeros are handled: the reduced axes are
    flattened into one, and the product of the elements before i times the product of
    the elements after i comes from two exclusive cumulative products."""
    from numax import lax
    aval = aval_of(x)
    kept = kept_axes(aval.ndim, axes)
    order = kept + tuple(axes)
    moved_shape = tuple(aval.shape[i] for i in order)
    size = int(np.prod([aval.shape[a] for a in axes], dtype=np.int64))
    flat = lax.reshape(lax.transpose(x, order), moved_shape[:len(kept)] + (size,))
    last = len(kept)
    keep = [(0, 0, 0)] * last
    before = lax.pad(lax.cumprod(flat, axis=last), 1, keep + [(1, -1, 0)])
    after = lax.pad(lax.cumprod(flat, axis=last, reverse=True), 1, keep + [(-1, 1, 0)])
    others = lax.reshape(lax.mul(before, after), moved_shape)
    return lax.transpose(others, tuple(int(i) for i in np.argsort(order)))


def reduce_prod_jvp(primals, tangents, *, axes):
    from numax import lax
    (x,), (t,) = primals, tangents
    out = reduce_prod_p.bind(x, axes=axes)
    return out, reduce_sum_p.bind(lax.mul(t, _product_of_others(x, axes)), axes=axes)


def chooser_jvp(name):
    """JVP of reduce_max/reduce_min: the tangent at the extreme element; when several
    elements tie, their tangents are averaged (as JAX does)."""
    def rule(primals, tangents, *, axes):
        from numax import lax
        (x,), (t,) = primals, tangents
        primitive = reduce_max_p if name == "reduce_max" else reduce_min_p
        out = primitive.bind(x, axes=axes)
        aval = aval_of(x)
        kept = kept_axes(aval.ndim, axes)
        at_extreme = lax.convert_element_type(
            lax.eq(x, lax.broadcast_in_dim(out, aval.shape, kept)), aval.dtype)
        counts = reduce_sum_p.bind(at_extreme, axes=axes)
        weights = lax.div(at_extreme, lax.broadcast_in_dim(counts, aval.shape, kept))
        return out, reduce_sum_p.bind(lax.mul(t, weights), axes=axes)
    rule.__name__ = f"{name}_jvp"
    return rule


BITWISE = "bitwise reduction: integer and bool operands only"

reduce_sum_p = monoid_reduction("reduce_sum", "stablehlo.add", identity_sum, NUMBER,
                                ("float32", "int32", "complex64"),
                                linear=True, transpose=reduce_sum_transpose)
reduce_prod_p = monoid_reduction("reduce_prod", "stablehlo.multiply", identity_prod, NUMBER,
                                 ("float32", "int32"), low=-2.0, high=2.0, jvp=reduce_prod_jvp)
# Complex max/min compare (real, imag) lexicographically, as StableHLO defines them.
reduce_max_p = monoid_reduction("reduce_max", "stablehlo.maximum", identity_max, ANY,
                                ("float32", "int32", "uint8", "bool", "complex64"),
                                jvp=chooser_jvp("reduce_max"))
reduce_min_p = monoid_reduction("reduce_min", "stablehlo.minimum", identity_min, ANY,
                                ("float32", "int32", "uint8", "bool", "complex64"),
                                jvp=chooser_jvp("reduce_min"))
reduce_and_p = monoid_reduction("reduce_and", "stablehlo.and", identity_and, INT_OR_BOOL,
                                ("bool", "int32", "uint8"), low=0, high=255,
                                not_differentiable=BITWISE)
reduce_or_p = monoid_reduction("reduce_or", "stablehlo.or", identity_or, INT_OR_BOOL,
                               ("bool", "int32", "uint8"), low=0, high=255,
                               not_differentiable=BITWISE)
reduce_xor_p = monoid_reduction("reduce_xor", "stablehlo.xor", identity_or, INT_OR_BOOL,
                                ("bool", "int32", "uint8"), low=0, high=255,
                                not_differentiable=BITWISE)


def _reduce_wrapper(primitive):
    def wrapper(operand, axes):
        axes = canonical_axes(primitive.name, axes, aval_of(operand).ndim)
        return primitive.bind(operand, axes=axes)
    wrapper.__name__ = primitive.name
    wrapper.__doc__ = (f"`{primitive.name}` of `operand` over `axes` (a sequence of ints); the "
                       "reduced axes are removed from the result.")
    return wrapper


reduce_sum = _reduce_wrapper(reduce_sum_p)
reduce_prod = _reduce_wrapper(reduce_prod_p)
reduce_max = _reduce_wrapper(reduce_max_p)
reduce_min = _reduce_wrapper(reduce_min_p)
reduce_and = _reduce_wrapper(reduce_and_p)
reduce_or = _reduce_wrapper(reduce_or_p)
reduce_xor = _reduce_wrapper(reduce_xor_p)


# ---------------------------------------------------------------- argmax / argmin

def _argminmax_abstract(name):
    def rule(x, *, axes, index_dtype):
        check_dtype(name, x, INT | FLOAT | BOOL)
        check_axes(name, x, axes)
        if len(axes) != 1:
            raise NumaxTypeError(f"{name}: axes must hold exactly one axis, got {axes}")
        if x.shape[axes[0]] == 0:
            raise ValueError(f"{name}: the reduced axis {axes[0]} of the operand of shape "
                             f"{x.shape} is empty; there is no index of an extreme value")
        index_dtype = np.dtype(index_dtype)
        if index_dtype not in INT:
            raise NumaxTypeError(f"{name}: index_dtype must be an integer type, got "
                                 f"{index_dtype.name}; use e.g. numpy.int32")
        return ShapedArray(reduced_shape(x.shape, axes), index_dtype, False)
    return rule


def _argminmax_lower(direction, identity):
    """Reduce (values, indices) pairs with a region that keeps the better pair.

    The region must be commutative and associative, because XLA may combine partial
    results in any order: pair a beats pair b if its value is strictly better, or if
    both values are equal (all NaNs counting as equal) and its index is smaller. NaN is
    better than any number, so the first NaN wins, as in NumPy."""
    def lower(ctx, x, *, axes, index_dtype):
        aval = ctx.avals_in[0]
        axis = axes[0]
        index_dtype = np.dtype(index_dtype)
        indices = ctx.op("stablehlo.iota", [], result_type=aval.update(dtype=index_dtype),
                         attributes={"iota_dimension": f"{axis} : i64"})
        value_scalar = tensor_type((), aval.dtype)
        index_scalar = tensor_type((), index_dtype)
        is_float = aval.dtype in FLOAT

        def body(c, a_value, a_index, b_value, b_index):
            better = compare(c, a_value, b_value, direction)
            tie = compare(c, a_value, b_value, "EQ")
            if is_float:
                a_nan = compare(c, a_value, a_value, "NE")
                b_nan = compare(c, b_value, b_value, "NE")
                better = logical(c, "or", better,
                                 logical(c, "and", a_nan, logical(c, "not", b_nan)))
                tie = logical(c, "or", tie, logical(c, "and", a_nan, b_nan))
            first = logical(c, "and", tie, compare(c, a_index, b_index, "LT"))
            pick_a = logical(c, "or", better, first)
            return [c.op("stablehlo.select", [pick_a, a_value, b_value], result_type=value_scalar),
                    c.op("stablehlo.select", [pick_a, a_index, b_index], result_type=index_scalar)]

        region = ctx.region([value_scalar, index_scalar, value_scalar, index_scalar], body)
        init_value = ctx.constant(identity(aval.dtype), aval.dtype)
        init_index = ctx.constant(0, index_dtype)
        out_shape = ctx.aval_out.shape
        _, index = ctx.ops("stablehlo.reduce", [x, indices, init_value, init_index],
                           [tensor_type(out_shape, aval.dtype), ctx.aval_out],
                           attributes={"dimensions": array_attribute(axes)}, regions=[region])
        return index
    lower.__name__ = f"lower_arg_{direction}"
    return lower


def _argminmax_examples():
    rng = np.random.default_rng(0)
    with_nan = random_array(rng, (3, 4), "float32")
    with_nan[1, 2] = np.nan
    with_nan[2, [0, 3]] = np.nan
    ties = np.array([[1, 3, 3, 0], [2, 2, 2, 2]], np.int32)
    i32, u8 = np.dtype("int32"), np.dtype("uint8")
    return [((random_array(rng, (2, 3), "float32"),), dict(axes=(1,), index_dtype=i32)),
            ((with_nan,), dict(axes=(1,), index_dtype=i32)),
            ((with_nan,), dict(axes=(0,), index_dtype=i32)),
            ((ties,), dict(axes=(1,), index_dtype=i32)),
            ((ties > 1,), dict(axes=(1,), index_dtype=u8)),
            ((random_array(rng, (4,), "float16"),), dict(axes=(0,), index_dtype=i32))]


argmax_p = Primitive(
    "argmax",
    abstract_eval=_argminmax_abstract("argmax"),
    lower=_argminmax_lower("GT", identity_max),
    not_differentiable="integer output (an index)",
    examples=_argminmax_examples,
)
argmax_p.batch = reduction_batch(argmax_p)
argmin_p = Primitive(
    "argmin",
    abstract_eval=_argminmax_abstract("argmin"),
    lower=_argminmax_lower("LT", identity_min),
    not_differentiable="integer output (an index)",
    examples=_argminmax_examples,
)
argmin_p.batch = reduction_batch(argmin_p)


def argmax(operand, axis, index_dtype):
    """Index of the largest element along `axis` (the first one on ties; NaN counts as
    the largest, so the first NaN's index if there is one)."""
    axis = canonical_axis("argmax", axis, aval_of(operand).ndim)
    return argmax_p.bind(operand, axes=(axis,), index_dtype=dtypes.canonicalize_dtype(index_dtype))


def argmin(operand, axis, index_dtype):
    """Index of the smallest element along `axis` (the first one on ties; NaN counts as
    the smallest, so the first NaN's index if there is one)."""
    axis = canonical_axis("argmin", axis, aval_of(operand).ndim)
    return argmin_p.bind(operand, axes=(axis,), index_dtype=dtypes.canonicalize_dtype(index_dtype))


# ---------------------------------------------------------------- the generic reduce

def _reduce_generic_abstract(*args, computation, dimensions):
    if len(args) % 2 or not args:
        raise NumaxTypeError(f"reduce: takes n operands and n init values, got {len(args)} "
                             "arrays in all")
    n = len(args) // 2
    operands, inits = args[:n], args[n:]
    for operand, init in zip(operands, inits):
        if operand.shape != operands[0].shape:
            raise NumaxTypeError(f"reduce: all operands must have one shape, got "
                                 f"{[o.shape for o in operands]}")
        if init.shape != () or init.dtype != operand.dtype:
            raise NumaxTypeError(f"reduce: each init value must be a scalar of its operand's "
                                 f"dtype; got init {init} for an operand {operand}")
    check_axes("reduce", operands[0], dimensions)
    check_computation("reduce", computation, operands)
    shape = reduced_shape(operands[0].shape, dimensions)
    return [ShapedArray(shape, o.dtype, o.weak_type) for o in operands]


def _reduce_generic_lower(ctx, *args, computation, dimensions):
    n = len(args) // 2
    scalars = [tensor_type((), a.dtype) for a in ctx.avals_in[:n]]
    region = ctx.region(scalars + scalars,
                        lambda c, *xs: c.lower_jaxpr_inline(computation, xs))
    return ctx.ops("stablehlo.reduce", args, ctx.avals_out,
                   attributes={"dimensions": array_attribute(dimensions)}, regions=[region])


def _reduce_generic_examples():
    """Integer operands only: the generic checkers widen floating inputs to float64, which
    the float32 computation staged in the params would not accept. The floating-point
    rules are tested in tests/lax/test_reductions_ad.py."""
    from numax.lax.elementwise import add, mul  # the region's ops; a sibling family
    rng = np.random.default_rng(0)
    k = random_array(rng, (3, 4), "int32")
    m = random_array(rng, (3, 4), "int32", -2, 2)
    tree = tree_flatten(0)[1]
    pair_tree = tree_flatten((0, 0))[1]
    add_i32 = stage_computation("reduce", add, tree, [np.dtype("int32")])
    sum_and_prod = stage_computation(
        "reduce", lambda a, b: (add(a[0], b[0]), mul(a[1], b[1])), pair_tree,
        [np.dtype("int32"), np.dtype("int32")])
    return [((k, np.int32(0)), dict(computation=add_i32, dimensions=(1,))),
            ((k, np.int32(0)), dict(computation=add_i32, dimensions=(0, 1))),
            ((k, m, np.int32(0), np.int32(1)), dict(computation=sum_and_prod, dimensions=(0,)))]


def _reduce_by_halving(computation, operands, inits, dimensions):
    """What `reduce` computes, in lax ops: the reduced axes are flattened into the last
    axis, whose neighbouring pairs are combined until one element is left (an odd one out
    is carried to the next round); the init values are combined in once, at the end (as
    XLA does; they must be identities anyway)."""
    from numax import lax
    aval = aval_of(operands[0])
    kept = kept_axes(aval.ndim, dimensions)
    kept_shape = tuple(aval.shape[i] for i in kept)
    n = int(np.prod([aval.shape[d] for d in dimensions], dtype=np.int64))
    last = len(kept)
    xs = [lax.reshape(lax.transpose(x, kept + tuple(dimensions)), kept_shape + (n,))
          for x in operands]
    while n > 1:
        half = n // 2
        pairs = [lax.slice_in_dim(x, start, 2 * half, stride=2, axis=last)
                 for start in (0, 1) for x in xs]
        combined = apply_computation(computation, pairs)
        if n % 2:
            combined = [lax.concatenate([c, lax.slice_in_dim(x, n - 1, n, axis=last)], last)
                        for c, x in zip(combined, xs)]
        xs, n = combined, half + n % 2
    starts = [lax.broadcast_in_dim(init, kept_shape, ()) for init in inits]
    if n == 0:
        return starts
    return apply_computation(computation, starts + [lax.reshape(x, kept_shape) for x in xs])


def reduce_jvp(primals, tangents, *, computation, dimensions):
    """The JVP of the equivalent program `_reduce_by_halving` (whose ops all have rules),
    so any computation written in differentiable lax ops can be differentiated."""
    n = len(primals) // 2
    outs = reduce_p.bind(*primals, computation=computation, dimensions=dimensions)
    _, out_tangents = jvp_of_implementation(
        lambda *args: _reduce_by_halving(computation, args[:n], args[n:], dimensions),
        primals, tangents)
    return outs, out_tangents


def reduce_batch(args, dims, *, computation, dimensions):
    """Batched operands share one batch axis and the reduced dimensions shift past it;
    batched init values are folded in after reducing with batch element 0's inits."""
    n = len(args) // 2
    operands, inits, operand_dims, init_dims = args[:n], args[n:], dims[:n], dims[n:]
    size = batch_size(args, dims)
    if any(d is not None for d in operand_dims):
        dim = operand_dims[0]
        if len(set(operand_dims)) != 1:  # bring every batch axis (or a broadcast) to the front
            operands, dim = [to_front(x, d, size) for x, d in zip(operands, operand_dims)], 0
        dimensions = physical_axes(dimensions, dim)
        out_dim = dim - sum(a < dim for a in dimensions)
    else:
        out_dim = None
    if all(d is None for d in init_dims):
        outs = reduce_p.bind(*operands, *inits, computation=computation, dimensions=dimensions)
        return outs, [out_dim] * n
    outs = reduce_p.bind(*operands, *first_of_batch(inits, init_dims), computation=computation,
                         dimensions=dimensions)
    outs = batched_init_result(computation, [(o, out_dim) for o in outs], inits, init_dims,
                               size)
    return outs, [0] * n


reduce_p = Primitive(
    "reduce",
    abstract_eval=_reduce_generic_abstract,
    lower=_reduce_generic_lower,
    multiple_results=True,
    jvp=reduce_jvp,
    batch=reduce_batch,
    examples=_reduce_generic_examples,
)


# (wrapper name in numax.lax, reduction, identity, dtypes it applies to)
_MONOIDS = (("add", reduce_sum, identity_sum, NUMBER),
            ("mul", reduce_prod, identity_prod, NUMBER),
            ("max", reduce_max, identity_max, ANY),
            ("min", reduce_min, identity_min, ANY),
            ("bitwise_and", reduce_and, identity_and, INT_OR_BOOL),
            ("bitwise_or", reduce_or, identity_or, INT_OR_BOOL),
            ("bitwise_xor", reduce_xor, identity_or, INT_OR_BOOL))


def monoid_reducer(computation, init_value, dtype, monoids):
    """The specialised reduction for `computation` when it is a known lax op and
    `init_value` is a concrete scalar equal to that op's identity, else None. The
    specialised primitives are the differentiable ones, as in JAX."""
    import numax.lax as lax_package  # the op wrappers live in sibling families
    if isinstance(init_value, Tracer):
        return None
    value = init_value.value if type(init_value) is TypedScalar else np.asarray(init_value)
    if value.shape != ():
        return None
    for op_name, reducer, identity, allowed in monoids:
        op = getattr(lax_package, op_name, None)
        if op is not None and computation is op and dtype in allowed:
            return reducer if np.equal(value, identity(dtype)) else None
    return None


def reduce(operands, init_values, computation, dimensions):
    """Reduces `operands` (an array or a pytree of arrays of one shape) over `dimensions`
    with `computation(acc, x) -> acc`, starting from `init_values` (scalars, same tree).

    `computation` must be associative and commutative with `init_values` as identity:
    XLA combines elements in an unspecified order. Known ops (lax.add with 0, lax.max
    with -inf, ...) become reduce_sum, reduce_max, ... .

        >>> reduce(numax.numpy.ones((2, 3)), 0.0, numax.lax.add, (1,))  # [3., 3.]
    """
    flat_operands, tree = tree_flatten(operands)
    flat_inits, init_tree = tree_flatten(init_values)
    if init_tree != tree:
        raise ValueError(f"reduce: operands and init_values must have the same structure, "
                         f"got {tree} and {init_tree}")
    if not flat_operands:
        raise ValueError("reduce: needs at least one operand")
    avals = [aval_of(x) for x in flat_operands]
    dimensions = canonical_axes("reduce", dimensions, avals[0].ndim)
    flat_inits = [scalar_operand(v, a.dtype) for v, a in zip(flat_inits, avals)]
    if len(flat_operands) == 1:
        reducer = monoid_reducer(computation, flat_inits[0], avals[0].dtype, _MONOIDS)
        if reducer is not None:
            return tree_unflatten(tree, [reducer(flat_operands[0], dimensions)])
    closed = stage_computation("reduce", computation, tree, [a.dtype for a in avals])
    outs = reduce_p.bind(*flat_operands, *flat_inits, computation=closed, dimensions=dimensions)
    return tree_unflatten(tree, outs)


__all__ = [name for name in dir() if name.endswith("_p")] + [
    "reduce_sum", "reduce_prod", "reduce_max", "reduce_min", "reduce_and", "reduce_or",
    "reduce_xor", "argmax", "argmin", "reduce"]
