"""Structural primitives: primitives that move, select or reshape elements.

Owns broadcast_in_dim, reshape, squeeze, transpose, rev, pad, concatenate, slice and
iota, each declared once with its shape rule, lowering, differentiation and batching
rules and example inputs, plus JAX's convenience wrappers built on them (broadcast,
expand_dims, collapse, slice_in_dim, index_in_dim, full, full_like, ...). All of them but
iota are linear, so each declares a transpose; batching rules keep the batch axis where
it is and shift the parameters around it. Data-dependent indexing (gather, scatter,
dynamic slicing) lives in lax/indexing.py.
"""

import numpy as np

from numax.core import dtypes
from numax.core.abstract import ShapedArray, TypedScalar
from numax.core.errors import NumaxTypeError
from numax.core.primitive import Primitive
from numax.lax._ad_rules import Zero, aval_of, is_undefined, is_zero
from numax.lax._rules import NUMBER, check_dtype, random_array
from numax.lowering import array_attribute
from numax.transforms.batching import batch_size, move_axis


def _static_ints(name, what, values):
    """A tuple of Python ints from a user-given sequence, or a clear error naming `name`."""
    try:
        return tuple(int(v) for v in values)
    except TypeError:
        raise NumaxTypeError(
            f"{name}: {what} must be a sequence of static integers, got {values!r}; shapes "
            "and axes cannot depend on traced values") from None


def _canonical_axis(name, axis, ndim):
    """`axis` in [0, ndim), with negative axes counted from the end (as NumPy does)."""
    axis = int(axis)
    if not -ndim <= axis < ndim:
        raise ValueError(f"{name}: axis {axis} is out of bounds for an array of rank {ndim}")
    return axis % ndim if ndim else axis


def _zero_cotangents(*args):
    """The cotangents of a transpose whose output cotangent is a symbolic zero."""
    return [Zero(arg.aval) if is_undefined(arg) else None for arg in args]


def _at_axis(x, dim, axis, size):
    """`x` with its batch dimension at `axis`: moved there from `dim`, or, for an unbatched
    `x` (dim None), broadcast to `size` copies stacked along `axis`."""
    if dim is not None:
        return move_axis(x, dim, axis)
    shape = aval_of(x).shape
    return broadcast_in_dim(x, shape[:axis] + (size,) + shape[axis:],
                            [d + (d >= axis) for d in range(len(shape))])


# ---------------------------------------------------------------- broadcast_in_dim

def _broadcast_in_dim_abstract(x, *, shape, broadcast_dimensions, sharding=None):
    if len(broadcast_dimensions) != x.ndim:
        raise NumaxTypeError(
            f"broadcast_in_dim: broadcast_dimensions {broadcast_dimensions} must have one entry "
            f"per operand dimension (operand shape {x.shape})")
    if any(not 0 <= d < len(shape) for d in broadcast_dimensions) or \
            list(broadcast_dimensions) != sorted(set(broadcast_dimensions)):
        raise NumaxTypeError(
            f"broadcast_in_dim: broadcast_dimensions {broadcast_dimensions} must be strictly "
            f"increasing dimensions of the result shape {shape}")
    for operand_dim, result_dim in enumerate(broadcast_dimensions):
        if x.shape[operand_dim] not in (1, shape[result_dim]):
            raise NumaxTypeError(
                f"broadcast_in_dim: operand dimension {operand_dim} of size "
                f"{x.shape[operand_dim]} cannot broadcast to result dimension {result_dim} of "
                f"size {shape[result_dim]} (operand shape {x.shape}, result shape {shape})")
    return ShapedArray(shape, x.dtype, x.weak_type)


def _broadcast_in_dim_lower(ctx, x, *, shape, broadcast_dimensions, sharding=None):
    return ctx.op("stablehlo.broadcast_in_dim", [x],
                  attributes={"broadcast_dimensions": array_attribute(broadcast_dimensions)})


def _broadcast_in_dim_examples():
    rng = np.random.default_rng(0)
    return [((random_array(rng, (3,), "float32"),), dict(shape=(2, 3), broadcast_dimensions=(1,),
                                                         sharding=None)),
            ((random_array(rng, (3, 1), "int32"),), dict(shape=(3, 4), broadcast_dimensions=(0, 1),
                                                          sharding=None)),
            ((random_array(rng, (), "float32"),), dict(shape=(2, 2), broadcast_dimensions=(),
                                                       sharding=None))]


def broadcast_in_dim_transpose(ct, x, *, shape, broadcast_dimensions, sharding=None):
    """Sums the cotangent over the new axes and over the size-1 operand axes that were
    stretched, then restores the operand's size-1 axes with a reshape."""
    if is_zero(ct):
        return [Zero(x.aval)]
    stretched = {result_dim for operand_dim, result_dim in enumerate(broadcast_dimensions)
                 if x.aval.shape[operand_dim] == 1 and shape[result_dim] != 1}
    summed = tuple(d for d in range(len(shape))
                   if d not in broadcast_dimensions or d in stretched)
    if summed:
        from numax.lax.reductions import reduce_sum
        ct = reduce_sum(ct, summed)
    return [reshape(ct, x.aval.shape)]


def broadcast_in_dim_batch(args, dims, *, shape, broadcast_dimensions, sharding=None):
    """The batch axis goes right after the result axis of the operand axis before it, so
    broadcast_dimensions stay increasing and nothing moves."""
    (x,), (axis,) = args, dims
    size = aval_of(x).shape[axis]
    position = broadcast_dimensions[axis - 1] + 1 if axis > 0 else 0
    new_dimensions = (tuple(broadcast_dimensions[:axis]) + (position,) +
                      tuple(d + 1 for d in broadcast_dimensions[axis:]))
    new_shape = tuple(shape[:position]) + (size,) + tuple(shape[position:])
    return broadcast_in_dim_p.bind(x, shape=new_shape, broadcast_dimensions=new_dimensions,
                                   sharding=None), position


broadcast_in_dim_p = Primitive(
    "broadcast_in_dim",
    abstract_eval=_broadcast_in_dim_abstract,
    lower=_broadcast_in_dim_lower,
    linear=True,
    transpose=broadcast_in_dim_transpose,
    batch=broadcast_in_dim_batch,
    examples=_broadcast_in_dim_examples,
)


def broadcast_in_dim(operand, shape, broadcast_dimensions, out_sharding=None):
    shape = tuple(int(d) for d in shape)
    broadcast_dimensions = tuple(int(d) for d in broadcast_dimensions)
    if np.shape(operand) == shape and broadcast_dimensions == tuple(range(len(shape))):
        return operand
    return broadcast_in_dim_p.bind(operand, shape=shape, broadcast_dimensions=broadcast_dimensions,
                                   sharding=None)


# ---------------------------------------------------------------- reshape

def _reshape_abstract(x, *, new_sizes, dimensions=None, sharding=None):
    if int(np.prod(new_sizes, dtype=np.int64)) != x.size:
        raise NumaxTypeError(f"reshape: cannot reshape an array of shape {x.shape} "
                             f"({x.size} elements) into shape {new_sizes}")
    if dimensions is not None:
        raise NumaxTypeError("reshape: the `dimensions` parameter is not supported; "
                             "transpose first")
    return ShapedArray(new_sizes, x.dtype, x.weak_type)


def reshape_batch(args, dims, *, new_sizes, dimensions=None, sharding=None):
    """Row-major reshape keeps a leading batch axis apart from the rest."""
    (x,), (axis,) = args, dims
    x = move_axis(x, axis, 0)
    return reshape_p.bind(x, new_sizes=(aval_of(x).shape[0],) + tuple(new_sizes),
                          dimensions=None, sharding=None), 0


reshape_p = Primitive(
    "reshape",
    abstract_eval=_reshape_abstract,
    lower=lambda ctx, x, **_: ctx.op("stablehlo.reshape", [x]),
    linear=True,
    transpose=lambda ct, x, **_: [Zero(x.aval) if is_zero(ct) else reshape(ct, x.aval.shape)],
    batch=reshape_batch,
    examples=lambda: [((np.arange(6, dtype=np.float32),), dict(new_sizes=(2, 3), dimensions=None,
                                                               sharding=None)),
                      ((np.ones((2, 3), np.int32),), dict(new_sizes=(6, 1), dimensions=None,
                                                          sharding=None))],
)


def reshape(operand, new_sizes, dimensions=None, out_sharding=None):
    new_sizes = tuple(int(d) for d in new_sizes)
    if dimensions is not None:
        operand = transpose(operand, dimensions)
    if np.shape(operand) == new_sizes:
        return operand
    return reshape_p.bind(operand, new_sizes=new_sizes, dimensions=None, sharding=None)


# ---------------------------------------------------------------- squeeze

def _squeeze_abstract(x, *, dimensions):
    if any(not 0 <= d < x.ndim for d in dimensions) or len(set(dimensions)) != len(dimensions):
        raise NumaxTypeError(f"squeeze: dimensions {dimensions} must be distinct axes of the "
                             f"operand (shape {x.shape})")
    if any(x.shape[d] != 1 for d in dimensions):
        raise NumaxTypeError(f"squeeze: cannot squeeze out an axis whose size is not 1; got "
                             f"shape {x.shape} and dimensions {dimensions}")
    shape = tuple(size for axis, size in enumerate(x.shape) if axis not in dimensions)
    return x.update(shape=shape)


def squeeze_batch(args, dims, *, dimensions):
    (x,), (axis,) = args, dims
    squeezed = tuple(d + (d >= axis) for d in dimensions)
    return squeeze_p.bind(x, dimensions=squeezed), axis - sum(d < axis for d in dimensions)


squeeze_p = Primitive(
    "squeeze",
    abstract_eval=_squeeze_abstract,
    lower=lambda ctx, x, **_: ctx.op("stablehlo.reshape", [x]),
    linear=True,
    transpose=lambda ct, x, **_: [Zero(x.aval) if is_zero(ct) else reshape(ct, x.aval.shape)],
    batch=squeeze_batch,
    examples=lambda: [((np.arange(6, dtype=np.float32).reshape(1, 6, 1),), dict(dimensions=(0, 2))),
                      ((np.ones((3, 1), np.int32),), dict(dimensions=(1,))),
                      ((np.ones((1,), np.bool_),), dict(dimensions=(0,)))],
)


def squeeze(array, dimensions):
    """Removes the size-1 axes `dimensions` (negative axes count from the end)."""
    ndim = np.ndim(array)
    dimensions = tuple(sorted({_canonical_axis("squeeze", d, ndim) for d in dimensions}))
    if not dimensions:
        return array
    return squeeze_p.bind(array, dimensions=dimensions)


def expand_dims(array, dimensions):
    """Inserts size-1 axes at `dimensions`, axes of the result (negative count from its end).

    >>> expand_dims(np.zeros((2, 3)), (0, -1)).shape
    (1, 2, 3, 1)
    """
    shape = np.shape(array)
    ndim_out = len(shape) + len(dimensions)
    new_axes = [_canonical_axis("expand_dims", d, ndim_out) for d in dimensions]
    if len(set(new_axes)) != len(new_axes):
        raise ValueError(f"expand_dims: repeated axis in dimensions {tuple(dimensions)}")
    kept_axes = [axis for axis in range(ndim_out) if axis not in new_axes]
    result_shape = [1] * ndim_out
    for axis, size in zip(kept_axes, shape):
        result_shape[axis] = size
    return broadcast_in_dim(array, result_shape, kept_axes)


# ---------------------------------------------------------------- transpose

def _transpose_abstract(x, *, permutation):
    if sorted(permutation) != list(range(x.ndim)):
        raise NumaxTypeError(f"transpose: permutation {permutation} is not a permutation of the "
                             f"operand's axes 0..{x.ndim - 1} (operand shape {x.shape})")
    return x.update(shape=tuple(x.shape[axis] for axis in permutation))


def transpose_transpose(ct, x, *, permutation):
    if is_zero(ct):
        return [Zero(x.aval)]
    return [transpose(ct, tuple(int(i) for i in np.argsort(permutation)))]


def transpose_batch(args, dims, *, permutation):
    """The batch axis keeps its position; the other axes are permuted around it."""
    (x,), (axis,) = args, dims
    permuted = [p + (p >= axis) for p in permutation]
    permuted.insert(axis, axis)
    return transpose_p.bind(x, permutation=tuple(permuted)), axis


transpose_p = Primitive(
    "transpose",
    abstract_eval=_transpose_abstract,
    lower=lambda ctx, x, *, permutation: ctx.op(
        "stablehlo.transpose", [x], attributes={"permutation": array_attribute(permutation)}),
    linear=True,
    transpose=transpose_transpose,
    batch=transpose_batch,
    examples=lambda: [((random_array(np.random.default_rng(0), (2, 3), "float32"),),
                       dict(permutation=(1, 0))),
                      ((np.arange(24, dtype=np.int32).reshape(2, 3, 4),),
                       dict(permutation=(2, 0, 1))),
                      ((np.float32(1.5),), dict(permutation=()))],
)


def transpose(operand, permutation):
    """Permutes the axes: result axis i is operand axis permutation[i] (like np.transpose)."""
    permutation = _static_ints("transpose", "permutation", permutation)
    if permutation == tuple(range(np.ndim(operand))):
        return operand
    return transpose_p.bind(operand, permutation=permutation)


# ---------------------------------------------------------------- rev

def _rev_abstract(x, *, dimensions):
    if any(not 0 <= d < x.ndim for d in dimensions) or len(set(dimensions)) != len(dimensions):
        raise NumaxTypeError(f"rev: dimensions {dimensions} must be distinct axes of the operand "
                             f"(shape {x.shape}); negative axes are not accepted by lax.rev")
    return x


rev_p = Primitive(
    "rev",
    abstract_eval=_rev_abstract,
    lower=lambda ctx, x, *, dimensions: ctx.op(
        "stablehlo.reverse", [x], attributes={"dimensions": array_attribute(dimensions)}),
    linear=True,
    transpose=lambda ct, x, *, dimensions: [
        Zero(x.aval) if is_zero(ct) else rev_p.bind(ct, dimensions=dimensions)],
    batch=lambda args, dims, *, dimensions: (
        rev_p.bind(args[0], dimensions=tuple(d + (d >= dims[0]) for d in dimensions)), dims[0]),
    examples=lambda: [((np.arange(5, dtype=np.float32),), dict(dimensions=(0,))),
                      ((np.arange(12, dtype=np.int32).reshape(3, 4),), dict(dimensions=(0, 1))),
                      ((np.arange(12, dtype=np.uint8).reshape(3, 4),), dict(dimensions=(1,)))],
)


def rev(operand, dimensions):
    """Reverses the order of elements along each axis in `dimensions`."""
    return rev_p.bind(operand, dimensions=_static_ints("rev", "dimensions", dimensions))


# ---------------------------------------------------------------- pad

def _pad_abstract(x, padding_value, *, padding_config):
    if padding_value.shape != ():
        raise NumaxTypeError(f"pad: padding_value must be a scalar, got shape "
                             f"{padding_value.shape}")
    if padding_value.dtype != x.dtype:
        raise NumaxTypeError(f"pad: padding_value has dtype {padding_value.dtype.name} but the "
                             f"operand has {x.dtype.name}; convert one of them so they match")
    if len(padding_config) != x.ndim:
        raise NumaxTypeError(f"pad: padding_config {padding_config} needs one (low, high, "
                             f"interior) triple per operand dimension (operand shape {x.shape})")
    shape = []
    for size, (low, high, interior) in zip(x.shape, padding_config):
        if interior < 0:
            raise NumaxTypeError(f"pad: interior padding must be non-negative, got "
                                 f"padding_config {padding_config}")
        padded = low + high + size + max(size - 1, 0) * interior
        if padded < 0:
            raise NumaxTypeError(f"pad: padding_config {padding_config} crops operand shape "
                                 f"{x.shape} to a negative size")
        shape.append(padded)
    return x.update(shape=tuple(shape), weak_type=x.weak_type and padding_value.weak_type)


def _pad_lower(ctx, x, padding_value, *, padding_config):
    low, high, interior = zip(*padding_config) if padding_config else ((), (), ())
    return ctx.op("stablehlo.pad", [x, padding_value], attributes={
        "edge_padding_low": array_attribute(low), "edge_padding_high": array_attribute(high),
        "interior_padding": array_attribute(interior)})


def _pad_examples():
    rng = np.random.default_rng(0)
    x = random_array(rng, (3, 4), "float32")
    return [((x, np.float32(0)), dict(padding_config=((1, 2, 0), (0, 1, 0)))),
            ((x, np.float32(-1)), dict(padding_config=((0, 0, 1), (2, 0, 2)))),
            ((x, np.float32(7)), dict(padding_config=((-1, 1, 0), (1, -2, 1)))),
            ((np.arange(5, dtype=np.int32), np.int32(9)), dict(padding_config=((2, -3, 1),)))]


def pad_transpose(ct, x, padding_value, *, padding_config):
    """The operand's cotangent is read back from the positions its elements landed on:
    negated edge padding undoes the edges (a crop becomes zero padding again), then a
    slice with stride interior + 1 skips the interior padding. The padding value was
    copied everywhere else, so its cotangent is the sum of the rest of `ct`."""
    if is_zero(ct):
        return _zero_cotangents(x, padding_value)
    unpadded = pad(ct, 0, [(-low, -high, 0) for low, high, _ in padding_config])
    shape = aval_of(unpadded).shape
    ct_x = slice(unpadded, (0,) * len(shape), shape,
                 [interior + 1 for _, _, interior in padding_config])
    ct_value = None
    if is_undefined(padding_value):
        from numax.lax.elementwise import sub
        from numax.lax.reductions import reduce_sum
        axes = tuple(range(len(shape)))
        ct_value = sub(reduce_sum(ct, axes), reduce_sum(ct_x, axes)) if axes else \
            sub(ct, ct_x)
    return [ct_x if is_undefined(x) else None, ct_value]


def pad_batch(args, dims, *, padding_config):
    """A batched operand gets one more unpadded axis. A batched padding value (one per
    batch element) is written over a zero-padded operand through a mask of the padding
    positions."""
    (x, value), (x_axis, value_axis) = args, dims
    if value_axis is None:
        config = list(padding_config)
        config.insert(x_axis, (0, 0, 0))
        return pad_p.bind(x, value, padding_config=tuple(config)), x_axis
    from numax.lax.elementwise import select_n
    size = batch_size(args, dims)
    x = _at_axis(x, x_axis, 0, size)
    padded = pad(x, 0, ((0, 0, 0),) + tuple(padding_config))
    shape = aval_of(padded).shape
    is_operand = pad(full(aval_of(x).shape[1:], True), False, padding_config)
    is_operand = broadcast_in_dim(is_operand, shape, range(1, len(shape)))
    value = broadcast_in_dim(move_axis(value, value_axis, 0), shape, (0,))
    return select_n(is_operand, value, padded), 0


pad_p = Primitive(
    "pad",
    abstract_eval=_pad_abstract,
    lower=_pad_lower,
    linear=True,                      # jointly in the operand and the padding value
    transpose=pad_transpose,
    batch=pad_batch,
    examples=_pad_examples,
)


def pad(operand, padding_value, padding_config):
    """Pads with `padding_value`: per axis a (low, high, interior) triple; negative low/high
    crop, interior inserts that many values between neighbouring elements.

    >>> np.asarray(pad(np.array([1, 2, 3], np.int32), np.int32(0), [(1, -1, 1)]))
    array([0, 1, 0, 2, 0], dtype=int32)
    """
    try:
        padding_config = tuple((int(lo), int(hi), int(interior))
                               for lo, hi, interior in padding_config)
    except (TypeError, ValueError):
        raise NumaxTypeError(f"pad: padding_config must be a sequence of (low, high, interior) "
                             f"integer triples, got {padding_config!r}") from None
    if type(padding_value) in (bool, int, float, complex):
        padding_value = TypedScalar(padding_value, _dtype_of(operand), True)
    return pad_p.bind(operand, padding_value, padding_config=padding_config)


def _dtype_of(x):
    dtype = getattr(x, "dtype", None)
    return dtypes.canonicalize_dtype(dtype if dtype is not None else np.asarray(x).dtype)


# ---------------------------------------------------------------- concatenate

def _concatenate_abstract(*operands, dimension):
    first = operands[0]
    if not 0 <= dimension < first.ndim:
        raise NumaxTypeError(f"concatenate: dimension {dimension} is out of bounds for operands "
                             f"of rank {first.ndim} (lax.concatenate takes a non-negative axis)")
    for aval in operands:
        if aval.dtype != first.dtype:
            raise NumaxTypeError(
                f"concatenate: operands must have the same dtype, got "
                f"{', '.join(a.dtype.name for a in operands)}; convert them first")
        if aval.ndim != first.ndim or any(
                a != b for axis, (a, b) in enumerate(zip(aval.shape, first.shape))
                if axis != dimension):
            raise NumaxTypeError(
                f"concatenate: operand shapes must match except along dimension {dimension}, "
                f"got {', '.join(str(a.shape) for a in operands)}")
    shape = list(first.shape)
    shape[dimension] = sum(a.shape[dimension] for a in operands)
    return first.update(shape=tuple(shape), weak_type=all(a.weak_type for a in operands))


def _concatenate_examples():
    rng = np.random.default_rng(0)
    return [((random_array(rng, (2, 3), "float32"), random_array(rng, (4, 3), "float32")),
             dict(dimension=0)),
            ((random_array(rng, (2, 1), "int32"), random_array(rng, (2, 0), "int32"),
              random_array(rng, (2, 3), "int32")), dict(dimension=1)),
            ((random_array(rng, (3,), "bool"),), dict(dimension=0))]


def concatenate_transpose(ct, *operands, dimension):
    if is_zero(ct):
        return _zero_cotangents(*operands)
    cts, start = [], 0
    for operand in operands:
        size = aval_of(operand).shape[dimension]
        cts.append(slice_in_dim(ct, start, start + size, 1, dimension)
                   if is_undefined(operand) else None)
        start += size
    return cts


def concatenate_batch(args, dims, *, dimension):
    """Every operand gets its batch axis where the first batched one has it."""
    size = batch_size(args, dims)
    axis = next(d for d in dims if d is not None)
    operands = [_at_axis(x, d, axis, size) for x, d in zip(args, dims)]
    return concatenate_p.bind(*operands, dimension=dimension + (dimension >= axis)), axis


concatenate_p = Primitive(
    "concatenate",
    abstract_eval=_concatenate_abstract,
    lower=lambda ctx, *xs, dimension: ctx.op("stablehlo.concatenate", xs, attributes={
        "dimension": f"{dimension} : i64"}),
    linear=True,
    transpose=concatenate_transpose,
    batch=concatenate_batch,
    examples=_concatenate_examples,
)


def concatenate(operands, dimension):
    """Joins arrays along the existing axis `dimension` (like np.concatenate)."""
    operands = list(operands)
    if not operands:
        raise ValueError("concatenate: needs a non-empty sequence of arrays")
    if len(operands) == 1:
        return operands[0]
    return concatenate_p.bind(*operands, dimension=int(dimension))


# ---------------------------------------------------------------- slice

def _slice_abstract(x, *, start_indices, limit_indices, strides=None):
    strides = (1,) * x.ndim if strides is None else strides
    if not len(start_indices) == len(limit_indices) == len(strides) == x.ndim:
        raise NumaxTypeError(
            f"slice: start_indices {start_indices}, limit_indices {limit_indices} and strides "
            f"{strides} need one entry per operand dimension (operand shape {x.shape})")
    for start, limit, stride, size in zip(start_indices, limit_indices, strides, x.shape):
        if not 0 <= start <= limit <= size or stride < 1:
            raise NumaxTypeError(
                f"slice: need 0 <= start <= limit <= size and stride >= 1 on every axis; got "
                f"start_indices {start_indices}, limit_indices {limit_indices}, strides "
                f"{strides} for operand shape {x.shape}")
    shape = tuple(-(-(limit - start) // stride)
                  for start, limit, stride in zip(start_indices, limit_indices, strides))
    return x.update(shape=shape)


def _slice_lower(ctx, x, *, start_indices, limit_indices, strides=None):
    strides = (1,) * len(start_indices) if strides is None else strides
    return ctx.op("stablehlo.slice", [x], attributes={
        "start_indices": array_attribute(start_indices),
        "limit_indices": array_attribute(limit_indices), "strides": array_attribute(strides)})


def _slice_examples():
    x = np.arange(40, dtype=np.float32).reshape(5, 8)
    return [((x,), dict(start_indices=(1, 2), limit_indices=(4, 7), strides=None)),
            ((x,), dict(start_indices=(0, 1), limit_indices=(5, 8), strides=(2, 3))),
            ((x,), dict(start_indices=(2, 3), limit_indices=(2, 8), strides=None)),
            ((np.arange(7, dtype=np.int32),), dict(start_indices=(6,), limit_indices=(7,),
                                                    strides=(4,)))]


def slice_transpose(ct, x, *, start_indices, limit_indices, strides=None):
    """Zero padding puts each element of `ct` back where it was read: `start` zeros
    before, stride - 1 between neighbours, and the rest of the axis after."""
    if is_zero(ct):
        return [Zero(x.aval)]
    strides = (1,) * len(start_indices) if strides is None else strides
    config = []
    for start, stride, size, out in zip(start_indices, strides, x.aval.shape,
                                        aval_of(ct).shape):
        last = start + (out - 1) * stride if out else start - 1
        config.append((start, size - last - 1, stride - 1))
    return [pad(ct, 0, config)]


def slice_batch(args, dims, *, start_indices, limit_indices, strides=None):
    (x,), (axis,) = args, dims
    size = aval_of(x).shape[axis]
    starts, limits = list(start_indices), list(limit_indices)
    starts.insert(axis, 0)
    limits.insert(axis, size)
    if strides is not None:
        strides = list(strides)
        strides.insert(axis, 1)
        strides = tuple(strides)
    return slice_p.bind(x, start_indices=tuple(starts), limit_indices=tuple(limits),
                        strides=strides), axis


slice_p = Primitive(
    "slice",
    abstract_eval=_slice_abstract,
    lower=_slice_lower,
    linear=True,
    transpose=slice_transpose,
    batch=slice_batch,
    examples=_slice_examples,
)


def slice(operand, start_indices, limit_indices, strides=None):  # noqa: A001  (lax's name)
    """operand[start:limit:stride] on every axis, with static non-negative bounds."""
    start_indices = _static_ints("slice", "start_indices", start_indices)
    limit_indices = _static_ints("slice", "limit_indices", limit_indices)
    if strides is not None:
        strides = _static_ints("slice", "strides", strides)
        if all(s == 1 for s in strides):
            strides = None
    if strides is None and start_indices == (0,) * len(start_indices) and \
            limit_indices == np.shape(operand):
        return operand
    return slice_p.bind(operand, start_indices=start_indices, limit_indices=limit_indices,
                        strides=strides)


def slice_in_dim(operand, start_index, limit_index, stride=1, axis=0):
    """operand[..., start_index:limit_index:stride, ...] along `axis`; None means the end and
    negative indices count from the end."""
    shape = np.shape(operand)
    axis = _canonical_axis("slice_in_dim", axis, len(shape))
    size = shape[axis]
    start = 0 if start_index is None else int(start_index)
    limit = size if limit_index is None else int(limit_index)
    start = start + size if start < 0 else start
    limit = limit + size if limit < 0 else limit
    starts, limits, strides = [0] * len(shape), list(shape), [1] * len(shape)
    starts[axis], limits[axis], strides[axis] = start, limit, int(stride)
    return slice(operand, starts, limits, strides)


def index_in_dim(operand, index, axis=0, keepdims=True):
    """operand[..., index, ...] along `axis` with a static index (negative counts from the end);
    keepdims keeps the axis with size 1."""
    shape = np.shape(operand)
    axis = _canonical_axis("index_in_dim", axis, len(shape))
    size, index = shape[axis], int(index)
    if not -size <= index < size:
        raise IndexError(f"index_in_dim: index {index} is out of bounds for axis {axis} of size "
                         f"{size}")
    index = index + size if index < 0 else index
    result = slice_in_dim(operand, index, index + 1, 1, axis)
    return result if keepdims else squeeze(result, (axis,))


# ---------------------------------------------------------------- iota

def _iota_abstract(*, dtype, shape, dimension, sharding=None):
    check_dtype("iota", ShapedArray((), dtype), NUMBER)
    if not 0 <= dimension < len(shape):
        raise NumaxTypeError(f"iota: dimension {dimension} is not an axis of shape {shape}")
    return ShapedArray(shape, dtype)


def iota_batch(args, dims, **params):
    raise AssertionError("iota has no operands, so vmap never has a batched one to pass it")


iota_p = Primitive(
    "iota",
    abstract_eval=_iota_abstract,
    lower=lambda ctx, *, dimension, **_: ctx.op("stablehlo.iota", [], attributes={
        "iota_dimension": f"{dimension} : i64"}),
    not_differentiable="iota has no operands: its value is a constant",
    batch=iota_batch,
    examples=lambda: [((), dict(dtype=np.dtype(np.int32), shape=(5,), dimension=0, sharding=None)),
                      ((), dict(dtype=np.dtype(np.float32), shape=(2, 3), dimension=1,
                                sharding=None)),
                      ((), dict(dtype=np.dtype(np.uint8), shape=(4, 2), dimension=0,
                                sharding=None))],
)


def iota(dtype, size, *, sharding=None):
    """[0, 1, ..., size - 1] as `dtype`."""
    return broadcasted_iota(dtype, (size,), 0)


def broadcasted_iota(dtype, shape, dimension, *, sharding=None):
    """An array of `shape` whose value at each position is its index along `dimension`."""
    shape = _static_ints("broadcasted_iota", "shape", shape)
    dimension = _canonical_axis("broadcasted_iota", dimension, len(shape))
    return iota_p.bind(dtype=dtypes.canonicalize_dtype(dtype), shape=shape, dimension=dimension,
                       sharding=None)


# ---------------------------------------------------------------- wrappers over broadcasting

def broadcast(operand, sizes, *, out_sharding=None):
    """Adds leading axes of `sizes`: the result has shape sizes + operand.shape."""
    sizes = _static_ints("broadcast", "sizes", sizes)
    ndim = np.ndim(operand)
    return broadcast_in_dim(operand, sizes + np.shape(operand),
                            range(len(sizes), len(sizes) + ndim))


def broadcast_to_rank(x, rank):
    """Adds leading size-1 axes until `x` has rank `rank`."""
    ndim = np.ndim(x)
    if ndim == rank:
        return x
    return broadcast(x, (1,) * (rank - ndim))


def collapse(operand, start_dimension, stop_dimension=None):
    """Merges axes start_dimension..stop_dimension-1 into one (stop None means the last)."""
    shape = np.shape(operand)
    start = _canonical_axis("collapse", start_dimension, len(shape)) if shape else 0
    stop = len(shape) if stop_dimension is None else int(stop_dimension)
    stop = stop + len(shape) if stop < 0 else stop
    if not start <= stop <= len(shape):
        raise ValueError(f"collapse: need start_dimension <= stop_dimension <= rank, got "
                         f"{start_dimension}, {stop_dimension} for shape {shape}")
    merged = int(np.prod(shape[start:stop], dtype=np.int64))
    return reshape(operand, shape[:start] + (merged,) + shape[stop:])


def full(shape, fill_value, dtype=None, *, sharding=None):
    """An array of `shape` filled with the scalar `fill_value` (weakly typed when both the
    value is a Python scalar and dtype is None, as in JAX)."""
    return _full(shape, fill_value, dtype, weak_type=None)


def _full(shape, fill_value, dtype, weak_type):
    shape = (int(shape),) if np.ndim(shape) == 0 else _static_ints("full", "shape", shape)
    if np.shape(fill_value) != ():
        raise NumaxTypeError(f"full: fill_value must be a scalar, got one of shape "
                             f"{np.shape(fill_value)}")
    value_dtype, value_weak = dtypes.dtype_and_weak_type(fill_value)
    if dtype is None:
        dtype, weak = value_dtype, value_weak
    else:
        dtype, weak = dtypes.canonicalize_dtype(dtype), False
    weak = weak if weak_type is None else weak_type
    if isinstance(fill_value, (bool, int, float, complex, np.ndarray, np.generic)):
        # A host value stays a literal of the program; bind the primitive directly so even
        # shape () yields an array rather than the literal itself.
        value = TypedScalar(np.asarray(fill_value).astype(dtype) if isinstance(
            fill_value, (np.ndarray, np.generic)) else fill_value, dtype, weak)
        return broadcast_in_dim_p.bind(value, shape=shape, broadcast_dimensions=(),
                                       sharding=None)
    from numax.lax.elementwise import convert_element_type
    value = convert_element_type(fill_value, dtype, weak_type=weak)
    return broadcast_in_dim(value, shape, ())


def full_like(x, fill_value, dtype=None, shape=None, sharding=None):
    """An array like `x` (its shape and dtype unless given) filled with `fill_value`."""
    if shape is None:
        shape = np.shape(x)
    weak = dtype is None and bool(getattr(x, "weak_type", False))
    return _full(shape, fill_value, _dtype_of(x) if dtype is None else dtype, weak_type=weak)


def zeros_like_array(x):
    """Zeros with the shape, dtype and weak type of `x`."""
    return full_like(x, 0)


__all__ = ["broadcast_in_dim", "reshape", "squeeze", "expand_dims", "transpose", "rev", "pad",
           "concatenate", "slice", "slice_in_dim", "index_in_dim", "iota", "broadcasted_iota",
           "broadcast", "broadcast_to_rank", "collapse", "full", "full_like", "zeros_like_array",
           "broadcast_in_dim_p", "reshape_p", "squeeze_p", "transpose_p", "rev_p", "pad_p",
           "concatenate_p", "slice_p", "iota_p"]
