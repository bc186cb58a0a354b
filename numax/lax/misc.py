"""The smaller corners of jax.lax that no family module owns.

Owns five primitives, each declared once with all of its rules: `copy` (an explicit
identity), `optimization_barrier` (values XLA may not move computation across), `split`
(one operand into pieces along an axis), `tile` (repeat along every axis) and `mulhi` (the
high half of an integer product); plus `platform_index`, which lowers to the index of the
platform a program is compiled for and so lets `platform_dependent` pick a branch at
compile time. The remaining names are wrappers over existing primitives: broadcast_shapes,
dtype, empty, shape_as_value, index_take, scatter_apply, composite and the typing aliases lax
exports. (with_sharding_constraint lives with its primitive in lax/placement.py.)
"""

import functools
from typing import Sequence, Union

import numpy as np

from numax.core import dtypes
from numax.core.abstract import ShapedArray
from numax.core.errors import NumaxTypeError
from numax.core.primitive import Primitive
from numax.lax._ad_rules import Zero, aval_of, is_undefined, is_zero
from numax.lax._batch_rules import elementwise_batch
from numax.lax._rules import INT, SIGNED, elementwise_abstract, random_array
from numax.lax.contractions import Precision
from numax.lax.convolution import ConvDimensionNumbers
from numax.lax.structural import concatenate, reshape, slice_in_dim
from numax.lowering import array_attribute, tensor_type
from numax.transforms.ad import instantiate

# ---------------------------------------------------------------- typing aliases

DotDimensionNumbers = tuple[tuple[Sequence[int], Sequence[int]],
                            tuple[Sequence[int], Sequence[int]]]
PrecisionLike = Union[None, str, Precision, tuple[str, str], tuple[Precision, Precision]]
ConvGeneralDilatedDimensionNumbers = Union[None, ConvDimensionNumbers, tuple[str, str, str]]


def _zero_cotangents(*args):
    return [Zero(arg.aval) if is_undefined(arg) else None for arg in args]


# ---------------------------------------------------------------- copy

copy_p = Primitive(
    "copy",
    abstract_eval=lambda x: x,
    lower=lambda ctx, x: x,
    linear=True,
    transpose=lambda ct, x: [ct],
    batch=lambda args, dims: (copy_p.bind(*args), dims[0]),
    examples=lambda: [((np.arange(6, dtype=np.float32).reshape(2, 3),), {}),
                      ((np.arange(4, dtype=np.int32),), {})],
)


# ---------------------------------------------------------------- optimization_barrier

def optimization_barrier_jvp(primals, tangents):
    """The barrier on the primals, and a second one on the nonzero tangents (symbolic zeros
    stay symbolic: a barrier around a constant zero would only block folding it)."""
    out = optimization_barrier_p.bind(*primals)
    live = [i for i, t in enumerate(tangents) if not is_zero(t)]
    tangents_out = [Zero(aval_of(o).strip_weak_type()) for o in out]
    if live:
        for i, t in zip(live, optimization_barrier_p.bind(*[tangents[i] for i in live])):
            tangents_out[i] = t
    return out, tangents_out


def optimization_barrier_transpose(cts, *args):
    """The barrier is the identity: cotangents pass straight through (behind a barrier)."""
    live = [i for i, (ct, x) in enumerate(zip(cts, args)) if is_undefined(x) and not is_zero(ct)]
    out = _zero_cotangents(*args)
    if live:
        for i, ct in zip(live, optimization_barrier_p.bind(*[cts[i] for i in live])):
            out[i] = ct
    return out


optimization_barrier_p = Primitive(
    "optimization_barrier",
    abstract_eval=lambda *avals: list(avals),
    lower=lambda ctx, *xs: ctx.ops("stablehlo.optimization_barrier", list(xs), ctx.avals_out),
    multiple_results=True,
    jvp=optimization_barrier_jvp,
    transpose=optimization_barrier_transpose,
    batch=lambda args, dims: (optimization_barrier_p.bind(*args), list(dims)),
    examples=lambda: [((np.linspace(-1, 1, 6, dtype=np.float32).reshape(2, 3),
                        np.arange(3, dtype=np.int32)), {}),
                      ((np.float32(2.5),), {})],
)


def optimization_barrier(operand):
    """The identity on a pytree of arrays, which XLA may not move computation across: every
    leaf is computed before any use of the result, and nothing after is hoisted before it
    (e.g. to keep rematerialised values from being merged with the originals)."""
    from numax.core.pytree import tree_flatten, tree_unflatten
    leaves, tree = tree_flatten(operand)
    if not leaves:
        return operand
    return tree_unflatten(tree, optimization_barrier_p.bind(*leaves))


# ---------------------------------------------------------------- split

def _split_abstract(x, *, sizes, axis):
    if not 0 <= axis < x.ndim:
        raise NumaxTypeError(f"split: axis {axis} is not an axis of the operand of shape "
                             f"{x.shape}")
    if any(s < 0 for s in sizes) or sum(sizes) != x.shape[axis]:
        raise NumaxTypeError(f"split: sizes {sizes} must be non-negative and sum to the size "
                             f"{x.shape[axis]} of axis {axis} (operand shape {x.shape})")
    return [x.update(shape=x.shape[:axis] + (s,) + x.shape[axis + 1:]) for s in sizes]


def _split_lower(ctx, x, *, sizes, axis):
    shape, outs, start = ctx.avals_in[0].shape, [], 0
    for size, aval in zip(sizes, ctx.avals_out):
        starts = [0] * len(shape)
        limits = list(shape)
        starts[axis], limits[axis] = start, start + size
        outs.append(ctx.op("stablehlo.slice", [x], ctx.type(aval), attributes={
            "start_indices": array_attribute(starts), "limit_indices": array_attribute(limits),
            "strides": array_attribute([1] * len(shape))}))
        start += size
    return outs


def split_transpose(cts, x, *, sizes, axis):
    """The pieces' cotangents, concatenated back (symbolic zeros made concrete)."""
    if all(is_zero(ct) for ct in cts):
        return [Zero(x.aval)]
    return [concatenate([instantiate(ct) for ct in cts], axis)]


def split_batch(args, dims, *, sizes, axis):
    (x,), (dim,) = args, dims
    axis = axis + (axis >= dim)
    return split_p.bind(x, sizes=sizes, axis=axis), [dim] * len(sizes)


split_p = Primitive(
    "split",
    abstract_eval=_split_abstract,
    lower=_split_lower,
    multiple_results=True,
    linear=True,
    transpose=split_transpose,
    batch=split_batch,
    examples=lambda: [((random_array(np.random.default_rng(0), (2, 7), "float32"),),
                       dict(sizes=(3, 0, 4), axis=1)),
                      ((np.arange(12, dtype=np.int32).reshape(6, 2),), dict(sizes=(1, 5), axis=0))],
)


def split(operand, sizes, axis=0):
    """Pieces of `operand` along `axis` of the given sizes (which must sum to that axis's
    size); the inverse of concatenate.

    >>> [np.asarray(p).tolist() for p in split(np.arange(5), (2, 3))]
    [[0, 1], [2, 3, 4]]
    """
    ndim = np.ndim(operand)
    axis = int(axis)
    if not -ndim <= axis < ndim:
        raise ValueError(f"split: axis {axis} is out of bounds for an array of rank {ndim}")
    try:
        sizes = tuple(int(s) for s in sizes)
    except TypeError:
        raise TypeError(f"split: sizes must be a sequence of static integers, got "
                        f"{sizes!r}") from None
    return list(split_p.bind(operand, sizes=sizes, axis=axis % ndim))


# ---------------------------------------------------------------- tile

def _tile_abstract(x, *, reps):
    if len(reps) != x.ndim or any(r < 0 for r in reps):
        raise NumaxTypeError(f"tile: reps {reps} must hold one non-negative count per axis of "
                             f"the operand (shape {x.shape})")
    return x.update(shape=tuple(r * d for r, d in zip(reps, x.shape)))


def _interleaved(reps, shape):
    """(r0, d0, r1, d1, ...): the shape a tiled array has before merging each pair."""
    return tuple(v for pair in zip(reps, shape) for v in pair)


def _tile_lower(ctx, x, *, reps):
    shape = ctx.avals_in[0].shape
    dtype = ctx.avals_in[0].dtype
    spread = ctx.op("stablehlo.broadcast_in_dim", [x],
                    tensor_type(_interleaved(reps, shape), dtype),
                    {"broadcast_dimensions": array_attribute(range(1, 2 * len(shape), 2))})
    return ctx.op("stablehlo.reshape", [spread])


def tile_transpose(ct, x, *, reps):
    """Each operand element's cotangent is the sum over its copies."""
    if is_zero(ct):
        return [Zero(x.aval)]
    from numax.lax.reductions import reduce_sum
    shape = x.aval.shape
    ct = reshape(ct, _interleaved(reps, shape))
    return [reduce_sum(ct, tuple(range(0, 2 * len(shape), 2)))]


def tile_batch(args, dims, *, reps):
    (x,), (dim,) = args, dims
    return tile_p.bind(x, reps=reps[:dim] + (1,) + reps[dim:]), dim


tile_p = Primitive(
    "tile",
    abstract_eval=_tile_abstract,
    lower=_tile_lower,
    linear=True,
    transpose=tile_transpose,
    batch=tile_batch,
    examples=lambda: [((random_array(np.random.default_rng(0), (2, 3), "float32"),),
                       dict(reps=(2, 3))),
                      ((np.arange(4, dtype=np.int32),), dict(reps=(3,))),
                      ((np.float32(1.5),), dict(reps=()))],
)


def tile(operand, reps):
    """`operand` repeated reps[i] times along axis i (one count per axis), like np.tile
    with len(reps) == operand.ndim."""
    try:
        reps = tuple(int(r) for r in reps)
    except TypeError:
        raise TypeError(f"tile: reps must be a sequence of static integers, got "
                        f"{reps!r}") from None
    return tile_p.bind(operand, reps=reps)


# ---------------------------------------------------------------- mulhi

def _mulhi_lower(ctx, x, y):
    """Products of 8-32 bit integers fit in 64 bits: widen, multiply, shift. 64-bit operands
    go through the schoolbook product of their 32-bit halves (all in uint64, so no step
    overflows), corrected for the signs of signed operands."""
    aval = ctx.aval_out
    dtype, shape = aval.dtype, aval.shape
    bits = dtype.itemsize * 8
    signed = dtype in SIGNED
    wide = np.dtype(np.int64 if signed else np.uint64)
    wide_type, u64 = tensor_type(shape, wide), tensor_type(shape, np.uint64)

    def op(name, *args, type_=None):
        return ctx.op(name, list(args), type_ or u64)

    def const(value, dtype_=np.uint64):
        return ctx.constant(value, dtype_, shape)

    if bits < 64:
        product = op("stablehlo.multiply", op("stablehlo.convert", x, type_=wide_type),
                     op("stablehlo.convert", y, type_=wide_type), type_=wide_type)
        shift = "stablehlo.shift_right_arithmetic" if signed else "stablehlo.shift_right_logical"
        high = op(shift, product, const(bits, wide), type_=wide_type)
        return op("stablehlo.convert", high, type_=ctx.type(aval))
    a, b = (op("stablehlo.bitcast_convert", v) if signed else v for v in (x, y))
    mask, half = const(0xFFFFFFFF), const(32)
    a0, a1 = op("stablehlo.and", a, mask), op("stablehlo.shift_right_logical", a, half)
    b0, b1 = op("stablehlo.and", b, mask), op("stablehlo.shift_right_logical", b, half)
    low_low = op("stablehlo.multiply", a0, b0)
    t = op("stablehlo.add", op("stablehlo.multiply", a1, b0),
           op("stablehlo.shift_right_logical", low_low, half))
    carry = op("stablehlo.add", op("stablehlo.multiply", a0, b1), op("stablehlo.and", t, mask))
    high = op("stablehlo.add", op("stablehlo.add", op("stablehlo.multiply", a1, b1),
                                  op("stablehlo.shift_right_logical", t, half)),
              op("stablehlo.shift_right_logical", carry, half))
    if not signed:
        return high
    # As signed values a = a_u - 2**64 [a < 0], so hi(a b) = hi(a_u b_u) - b [a < 0] - a [b < 0].
    zero = const(0, np.int64)
    pred = tensor_type(shape, np.bool_)
    for sign_of, other in ((x, b), (y, a)):
        negative = ctx.op("stablehlo.compare", [sign_of, zero], pred, attributes={
            "comparison_direction": "#stablehlo<comparison_direction LT>",
            "comparison_type": "#stablehlo<comparison_type SIGNED>"})
        high = op("stablehlo.subtract", high,
                  ctx.op("stablehlo.select", [negative, other, const(0)], u64))
    return op("stablehlo.bitcast_convert", high, type_=ctx.type(aval))


def _mulhi_examples():
    rng = np.random.default_rng(0)
    out = []
    for dtype in ("int32", "uint32", "int8", "uint16"):
        info = dtypes.iinfo(dtype)
        out.append(((rng.integers(info.min, info.max, (5,), dtype=dtype, endpoint=True),
                     rng.integers(info.min, info.max, (5,), dtype=dtype, endpoint=True)), {}))
    return out


mulhi_p = Primitive(
    "mulhi",
    abstract_eval=elementwise_abstract("mulhi", INT),
    lower=_mulhi_lower,
    not_differentiable="integer inputs and output",
    examples=_mulhi_examples,
)
mulhi_p.batch = elementwise_batch(mulhi_p)


def mulhi(x, y):
    """The high half of the double-width product of two integers of the same dtype:
    (x * y) >> bits, computed exactly (signed operands give the signed high half)."""
    return mulhi_p.bind(x, y)


# ---------------------------------------------------------------- platform_dependent

def _platform_index_lower(ctx, *, platforms, has_default):
    platform = ctx.platform
    for index, names in enumerate(platforms):
        if platform in names:
            return ctx.constant(index, np.int32)
    if has_default:
        return ctx.constant(len(platforms), np.int32)
    raise NotImplementedError(
        f"platform_dependent: no branch for platform {platform!r} (branches for "
        f"{[n for names in platforms for n in names]}) and no default")


platform_index_p = Primitive(
    "platform_index",
    abstract_eval=lambda *, platforms, has_default: ShapedArray((), np.dtype(np.int32)),
    lower=_platform_index_lower,
    not_differentiable="it has no inputs",
    batch=lambda args, dims, **params: (platform_index_p.bind(**params), None),
    examples=lambda: [((), dict(platforms=(("cpu",), ("cuda", "rocm")), has_default=True))],
)

_PLATFORM_ALIASES = {"gpu": ("cuda", "rocm")}


def platform_dependent(*args, default=None, **per_platform):
    """Calls the branch given for the platform the computation is compiled for
    (`cpu=f`, `cuda=g`, `rocm=...`, `tpu=...`, `gpu=` for both cuda and rocm), or `default`.
    The choice is made when compiling, through a switch on an index the compiler folds, so
    all branches must accept `*args` and return the same types."""
    from numax.lax.control_flow import switch
    names, branches = [], []
    for platform, branch in per_platform.items():
        if branch is None:
            continue
        if not callable(branch):
            raise TypeError(f"platform_dependent: the branch for {platform!r} must be callable, "
                            f"got {branch!r}")
        names.append(_PLATFORM_ALIASES.get(platform, (platform,)))
        branches.append(branch)
    if default is not None:
        branches.append(default)
    if not branches:
        raise ValueError("platform_dependent: give at least one branch or a default")
    index = platform_index_p.bind(platforms=tuple(names), has_default=default is not None)
    return switch(index, branches, *args)


# ---------------------------------------------------------------- small wrappers

def broadcast_shapes(*shapes):
    """The NumPy broadcast of several shapes (size-1 axes stretch, missing leading axes are
    added); raises ValueError when two sizes differ and neither is 1.

    >>> broadcast_shapes((2, 1), (3,))
    (2, 3)
    """
    shapes = [tuple(int(d) for d in s) for s in shapes]
    if not shapes:
        return ()
    ndim = max(len(s) for s in shapes)
    result = []
    for axis in range(ndim):
        sizes = {s[axis - ndim + len(s)] for s in shapes if axis - ndim + len(s) >= 0} - {1}
        if len(sizes) > 1:
            raise ValueError(f"broadcast_shapes: incompatible shapes for broadcasting: "
                             f"{', '.join(map(str, shapes))}")
        result.append(sizes.pop() if sizes else 1)
    return tuple(result)


# Python scalars and their types have NumPy's 64-bit dtypes until canonicalised.
_PYTHON_TYPE_DTYPES = {bool: np.dtype(np.bool_), int: np.dtype(np.int64),
                       float: np.dtype(np.float64), complex: np.dtype(np.complex128)}


def dtype(x, *, canonicalize=False):
    """The dtype of a value (array, NumPy scalar, Python scalar or dtype-like); with
    `canonicalize`, the one numax would store it as under the current x64 setting."""
    if type(x) in _PYTHON_TYPE_DTYPES:
        result = _PYTHON_TYPE_DTYPES[type(x)]
    elif isinstance(x, type) and x in _PYTHON_TYPE_DTYPES:
        result = _PYTHON_TYPE_DTYPES[x]
    elif hasattr(x, "dtype"):
        result = np.dtype(x.dtype)
    else:
        try:
            result = np.dtype(x)
        except TypeError:
            raise TypeError(f"dtype: cannot determine the dtype of {x!r}") from None
    return dtypes.canonicalize_dtype(result) if canonicalize else result


def empty(shape, dtype=None, *, out_sharding=None):
    """An array of `shape` whose contents are unspecified (XLA cannot allocate without
    writing, so it holds zeros); `dtype` defaults to the default float type."""
    from numax.lax.structural import full
    if isinstance(shape, (int, np.integer)):
        shape = (int(shape),)
    dtype = dtypes.default_float_dtype() if dtype is None else dtypes.canonicalize_dtype(dtype)
    return full(tuple(shape), 0, dtype)


def shape_as_value(shape):
    """A static shape as a 1-D integer array (the default integer dtype)."""
    from numax.numpy import creation
    values = [int(d) for d in shape]
    return creation.asarray(np.array(values, dtypes.canonicalize_dtype(np.int64)))


def index_take(src, idxs, axes):
    """src indexed along `axes` by the integer arrays `idxs` (one per axis, of a common shape
    S): the result has shape S followed by the axes of src not indexed, in order; like
    src[idxs[0], idxs[1], ...] with the indexed axes moved to the front. Indices are clamped
    into range."""
    from numax.lax.indexing import GatherDimensionNumbers, GatherScatterMode, gather
    from numax.numpy import creation, manipulation
    axes = tuple(int(a) % max(np.ndim(src), 1) for a in axes)
    idxs = [creation.asarray(i) for i in idxs]
    if len(idxs) != len(axes) or not idxs:
        raise ValueError(f"index_take: give one index array per axis, got {len(idxs)} index "
                         f"arrays for axes {axes}")
    if len({i.shape for i in idxs}) != 1:
        raise ValueError(f"index_take: the index arrays must have one shape, got "
                         f"{[i.shape for i in idxs]}")
    indices = manipulation.stack(idxs, axis=-1)
    shape = np.shape(src)
    batch_ndim = idxs[0].ndim
    kept = [d for d in range(len(shape)) if d not in axes]
    dn = GatherDimensionNumbers(offset_dims=tuple(range(batch_ndim, batch_ndim + len(kept))),
                                collapsed_slice_dims=tuple(sorted(axes)), start_index_map=axes)
    slice_sizes = tuple(1 if d in axes else shape[d] for d in range(len(shape)))
    return gather(src, indices, dn, slice_sizes, mode=GatherScatterMode.CLIP)


def scatter_apply(operand, scatter_indices, func, dimension_numbers, *, update_shape=(),
                  indices_are_sorted=False, unique_indices=False, mode=None):
    """Applies the elementwise `func` to the elements of `operand` that scatter's windows
    (for updates of shape `update_shape`) reach, once per time an element is reached, as
    XLA's scatter applies its combiner once per update; other elements are unchanged."""
    from numax.lax.control_flow import while_loop
    from numax.lax.indexing import scatter_add
    from numax.lax.reductions import reduce_max
    from numax.numpy import creation, manipulation
    operand = creation.asarray(operand)
    counts = scatter_add(creation.zeros(operand.shape, np.int32), scatter_indices,
                         creation.ones(tuple(update_shape), np.int32), dimension_numbers,
                         indices_are_sorted=indices_are_sorted, unique_indices=unique_indices,
                         mode=mode)
    if unique_indices:
        return manipulation.where(counts > 0, func(operand), operand)

    def body(state):
        k, x = state
        return k + 1, manipulation.where(counts > k, func(x), x)
    most = reduce_max(counts, tuple(range(counts.ndim))) if counts.ndim else counts
    return while_loop(lambda state: state[0] < most, body, (np.int32(0), operand))[1]


def composite(decomposition, name, version=0):
    """Marks `decomposition` as a named composite operation. XLA sees the decomposition
    itself, so results are the decomposition's; the name is kept on the function.

    >>> double = composite(lambda x: x * 2, name="my.double")
    >>> float(double(np.float32(2)))
    4.0
    """
    if not isinstance(name, str) or not name:
        raise ValueError(f"composite: name must be a non-empty string, got {name!r}")

    @functools.wraps(decomposition)
    def call(*args, **kwargs):
        return decomposition(*args, **kwargs)
    call.composite_name, call.composite_version = name, int(version)
    return call


__all__ = ["ConvGeneralDilatedDimensionNumbers", "DotDimensionNumbers", "PrecisionLike",
           "broadcast_shapes", "composite", "copy_p", "dtype", "empty", "index_take", "mulhi",
           "mulhi_p", "optimization_barrier", "optimization_barrier_p", "platform_dependent",
           "platform_index_p", "scatter_apply", "shape_as_value", "split", "split_p", "tile",
           "tile_p"]
