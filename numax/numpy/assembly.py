"""Assembling arrays from pieces and editing them along an axis: block, column_stack,
dstack, append, insert, delete, resize, unstack, rollaxis, matrix_transpose.

Owns the position bookkeeping of insert and delete. Which positions are inserted or
removed decides the output shape, so those indices must be concrete (host values): they
are turned into one index vector on the host and the result is a single gather along the
axis, which keeps both functions differentiable and jit-friendly. The exception is
delete with assume_unique_indices=True, where the output length is known up front and
traced indices are allowed.
"""

import operator

import numpy as np

from numax import lax
from numax.core import dtypes
from numax.core.trace import Tracer
from numax.numpy import manipulation
from numax.numpy._promote import broadcast_to, canonicalize_axis, ensure_array
from numax.numpy.indexing import take


def _concrete_indices(api, obj):
    if isinstance(obj, Tracer):
        raise TypeError(f"numax.numpy.{api}: the positions `obj` decide the output shape, so "
                        "they must be concrete (not traced); pass them as a static argument"
                        + (", or use assume_unique_indices=True" if api == "delete" else ""))
    return obj


def _flatten_if_none(arr, axis):
    arr = ensure_array(arr)
    if axis is None:
        return lax.reshape(arr, (arr.size,)), 0
    return arr, canonicalize_axis(axis, arr.ndim)


def _check_range(api, indices, size):
    bad = (indices < -size) | (indices >= size)
    if np.any(bad):
        raise IndexError(f"numax.numpy.{api}: index {indices[bad][0]} is out of bounds for "
                         f"axis with size {size}")
    return np.where(indices < 0, indices + size, indices)


def _integer_array(api, obj):
    indices = np.asarray(obj)
    if indices.dtype == np.bool_:
        return indices
    if indices.size == 0:
        return indices.astype(np.intp)
    if indices.dtype.kind not in "iu":
        raise TypeError(f"numax.numpy.{api}: positions must be integers, a slice or a boolean "
                        f"mask, got dtype {indices.dtype}")
    return indices


def append(arr, values, axis=None):
    """numpy.append: `values` joined to the end of `arr` along `axis` (both flattened
    when axis is None).

    >>> import numax.numpy as jnp
    >>> jnp.append(jnp.asarray([1, 2]), jnp.asarray([[3], [4]]))
    Array([1, 2, 3, 4], dtype=int32)
    """
    if axis is None:
        return manipulation.concatenate([manipulation.ravel(arr), manipulation.ravel(values)])
    return manipulation.concatenate([arr, values], axis)


def delete(arr, obj, axis=None, *, assume_unique_indices=False):
    """numpy.delete: `arr` without the entries at `obj` (an int, slice, integer sequence or
    boolean mask) along `axis` (of the flattened array when axis is None).

    With assume_unique_indices=True, `obj` may be traced; it must then hold distinct
    in-range integers.

    >>> import numax.numpy as jnp
    >>> jnp.delete(jnp.asarray([10, 11, 12, 13]), jnp.asarray([0, 2]))
    Array([11, 13], dtype=int32)
    """
    arr, axis = _flatten_if_none(arr, axis)
    size = arr.shape[axis]
    if assume_unique_indices and not isinstance(obj, slice):
        return _delete_unique(arr, obj, axis)
    obj = _concrete_indices("delete", obj)
    keep = np.ones(size, dtype=bool)
    if isinstance(obj, slice):
        keep[obj] = False
    else:
        indices = _integer_array("delete", obj)
        if indices.dtype == np.bool_:
            if indices.shape != (size,):
                raise ValueError(f"numax.numpy.delete: a boolean mask must have shape "
                                 f"({size},), got {indices.shape}")
            keep = ~indices
        else:
            keep[_check_range("delete", indices.ravel(), size)] = False
    return take(arr, np.flatnonzero(keep).astype(dtypes.default_int_dtype()), axis=axis,
                indices_are_sorted=True, unique_indices=True)


def _delete_unique(arr, obj, axis):
    obj = ensure_array(obj)
    if not dtypes.is_integer(obj.dtype) or obj.ndim > 1:
        raise TypeError("numax.numpy.delete: with assume_unique_indices=True, obj must be an "
                        f"integer scalar or 1-D integer array, got {obj.dtype} {obj.shape}")
    size = arr.shape[axis]
    obj = lax.reshape(obj, (obj.size,))
    obj = lax.select(lax.lt(obj, lax.full_like(obj, 0)), lax.add(obj, lax.full_like(obj, size)),
                     obj)
    positions = lax.broadcasted_iota(obj.dtype, (size, obj.size), 0)
    removed = lax.reduce_or(lax.eq(positions, lax.broadcast_in_dim(obj, (size, obj.size), (1,))),
                            (1,))
    kept, = manipulation.nonzero(lax.bitwise_not(removed), size=size - obj.size)
    return take(arr, kept, axis=axis, indices_are_sorted=True, unique_indices=True)


def insert(arr, obj, values, axis=None):
    """numpy.insert: `values` inserted before the positions `obj` (an int, slice or integer
    sequence) along `axis` (of the flattened array when axis is None).

    >>> import numax.numpy as jnp
    >>> jnp.insert(jnp.asarray([1, 2, 3]), 1, jnp.asarray([8, 9]))
    Array([1, 8, 9, 2, 3], dtype=int32)
    """
    arr, axis = _flatten_if_none(arr, axis)
    obj = _concrete_indices("insert", obj)
    size = arr.shape[axis]
    values = ensure_array(values)
    if values.dtype != arr.dtype:
        values = lax.convert_element_type(values, arr.dtype)
    if isinstance(obj, slice):
        indices = np.arange(*obj.indices(size))
    else:
        indices = _integer_array("insert", obj)
        if indices.dtype == np.bool_:
            raise TypeError("numax.numpy.insert: positions must be integers or a slice, not "
                            "booleans")
    if indices.size == 1:
        index = int(indices.ravel()[0])
        if not -size <= index <= size:
            raise IndexError(f"numax.numpy.insert: index {index} is out of bounds for axis "
                             f"{axis} with size {size}")
        index = index + size if index < 0 else index
        if values.ndim > arr.ndim:
            raise ValueError(f"numax.numpy.insert: values of shape {values.shape} do not fit "
                             f"into an array of shape {arr.shape}")
        values = lax.reshape(values, (1,) * (arr.ndim - values.ndim) + values.shape)
        if indices.ndim == 0:
            # A scalar position inserts values[i] as the i-th new slice along axis.
            values = manipulation.moveaxis(values, 0, axis)
        count = values.shape[axis]
        new_positions = index + np.arange(count)
    else:
        indices = np.ravel(indices)
        count = len(indices)
        if count and np.any((indices < -size) | (indices > size)):
            raise IndexError(f"numax.numpy.insert: an index in {obj} is out of bounds for "
                             f"axis {axis} with size {size}")
        new_positions = np.where(indices < 0, indices + size, indices)
        order = np.argsort(new_positions, kind="stable")
        new_positions[order] += np.arange(count)
    block_shape = arr.shape[:axis] + (count,) + arr.shape[axis + 1:]
    values = broadcast_to(values, block_shape)
    gather = np.empty(size + count, dtype=np.int64)
    taken = np.zeros(size + count, dtype=bool)
    gather[new_positions] = size + np.arange(count)
    taken[new_positions] = True
    gather[~taken] = np.arange(size)
    joined = lax.concatenate([arr, values], axis)
    return take(joined, gather.astype(dtypes.default_int_dtype()), axis=axis,
                unique_indices=True)


def column_stack(tup):
    """numpy.column_stack: 1-D arrays become columns, then everything is joined along
    axis 1."""
    columns = []
    for a in tup:
        a = ensure_array(a)
        if a.ndim < 2:
            a = lax.reshape(a, (a.size, 1))
        columns.append(a)
    return manipulation.concatenate(columns, axis=1)


def dstack(tup, dtype=None):
    """numpy.dstack: arrays made at least 3-D, joined along the third axis."""
    arrays = [manipulation.atleast_3d(a) for a in tup]
    return manipulation.concatenate(arrays, axis=2, dtype=dtype)


def _block_depth(arrays, path):
    if isinstance(arrays, tuple):
        raise TypeError(f"numax.numpy.block: arrays{path} is a tuple; only lists nest blocks")
    if not isinstance(arrays, list):
        return 0, np.ndim(arrays)
    if not arrays:
        raise ValueError(f"numax.numpy.block: arrays{path} is an empty list")
    inner = [_block_depth(a, f"{path}[{i}]") for i, a in enumerate(arrays)]
    depths = {d for d, _ in inner}
    if len(depths) != 1:
        raise ValueError(f"numax.numpy.block: list depths are mismatched inside arrays{path}")
    return depths.pop() + 1, max(n for _, n in inner)


def _block(arrays, depth, ndim):
    if depth == 0:
        a = ensure_array(arrays)
        return lax.reshape(a, (1,) * (ndim - a.ndim) + a.shape)
    parts = [_block(a, depth - 1, ndim) for a in arrays]
    return manipulation.concatenate(parts, axis=-depth)


def block(arrays):
    """numpy.block: one array assembled from nested lists of blocks; the innermost lists
    join along the last axis, the next ones along the axis before, and so on.

    >>> import numax.numpy as jnp
    >>> jnp.block([[jnp.eye(2), jnp.zeros((2, 1))], [jnp.ones((1, 3))]])
    Array([[1., 0., 0.],
           [0., 1., 0.],
           [1., 1., 1.]], dtype=float32)
    """
    depth, leaf_ndim = _block_depth(arrays, "")
    return _block(arrays, depth, max(depth, leaf_ndim))


def resize(a, new_shape):
    """numpy.resize: `a` flattened, repeated as often as needed and cut to `new_shape`
    (zeros when `a` is empty)."""
    a = ensure_array(a)
    new_shape = (operator.index(new_shape),) if np.ndim(new_shape) == 0 else \
        tuple(operator.index(d) for d in new_shape)
    if any(d < 0 for d in new_shape):
        raise ValueError(f"numax.numpy.resize: all dimensions of new_shape must be "
                         f"non-negative, got {new_shape}")
    total = int(np.prod(new_shape, dtype=np.int64))
    if a.size == 0 or total == 0:
        return lax.full(new_shape, 0, a.dtype)
    flat = lax.reshape(a, (a.size,))
    copies = -(-total // a.size)
    if copies > 1:
        flat = lax.concatenate([flat] * copies, 0)
    return lax.reshape(lax.slice_in_dim(flat, 0, total, axis=0), new_shape)


def unstack(x, /, *, axis=0):
    """The Array API's unstack: a tuple of the slices of `x` along `axis`."""
    x = ensure_array(x)
    if x.ndim == 0:
        raise ValueError("numax.numpy.unstack: x must have at least one dimension")
    axis = canonicalize_axis(axis, x.ndim)
    shape = x.shape[:axis] + x.shape[axis + 1:]
    return tuple(lax.reshape(lax.slice_in_dim(x, i, i + 1, axis=axis), shape)
                 for i in range(x.shape[axis]))


def rollaxis(a, axis, start=0):
    """numpy.rollaxis: `axis` moved to lie before position `start` (prefer moveaxis)."""
    a = ensure_array(a)
    axis = canonicalize_axis(axis, a.ndim)
    start = operator.index(start)
    if not -a.ndim <= start <= a.ndim:
        raise np.exceptions.AxisError(f"numax.numpy.rollaxis: start {start} is out of bounds "
                                      f"for an array of dimension {a.ndim}")
    start = start + a.ndim if start < 0 else start
    if axis < start:
        start -= 1
    return manipulation.moveaxis(a, axis, start)


def matrix_transpose(x, /):
    """The Array API's matrix_transpose: the last two axes swapped."""
    x = ensure_array(x)
    if x.ndim < 2:
        raise ValueError(f"numax.numpy.matrix_transpose: x must have at least 2 dimensions, "
                         f"got shape {x.shape}")
    return manipulation.swapaxes(x, -1, -2)
