"""`x[index]` for numax arrays: NumPy's basic indexing with JAX's rules.

Owns the translation of an index expression into lax ops: integers and slices
(negative, stepped) become `slice`/`rev` plus a reshape that drops integer axes;
`None` adds axes and `...` fills the rest. An integer index that is a traced value
becomes a `dynamic_slice` (JAX clamps such indices into range). Static integers out
of range are IndexErrors. Array (advanced) indices and boolean masks go through
`numax.numpy.advanced_index` when that exists; until then they are a clear error.
"""

import operator

import numpy as np

from numax import lax
from numax.array import Array
from numax.core import dtypes
from numax.core.trace import Tracer


def _is_integer_array(value):
    return isinstance(value, (Array, Tracer)) and value.ndim == 0 and \
        (dtypes.is_integer(value.dtype))


def _expand_ellipsis(index, ndim):
    if not isinstance(index, tuple):
        index = (index,)
    ellipses = [i for i, item in enumerate(index) if item is Ellipsis]
    if len(ellipses) > 1:
        raise IndexError("an index can only have a single ellipsis ('...')")
    consumed = sum(1 for item in index if item is not None and item is not Ellipsis)
    if consumed > ndim:
        raise IndexError(f"too many indices for array: array is {ndim}-dimensional, but "
                         f"{consumed} were indexed")
    if ellipses:
        at = ellipses[0]
        return index[:at] + (slice(None),) * (ndim - consumed) + index[at + 1:]
    return index + (slice(None),) * (ndim - consumed)


def _is_advanced(item):
    if isinstance(item, list):
        return True
    if isinstance(item, (Array, Tracer, np.ndarray)):   # a 0-d integer array is an integer
        return item.ndim > 0 or item.dtype == np.bool_
    return isinstance(item, (bool, np.bool_))


def getitem(x, index):
    index = _expand_ellipsis(index, x.ndim)
    if any(_is_advanced(item) for item in index):
        raise IndexError(
            "numax.numpy: indexing with arrays, lists or boolean masks (advanced indexing) is not "
            "supported yet; index with integers, slices, None and ... (basic indexing), or use "
            "numax.numpy.take / lax.gather")
    starts, limits, strides, reversed_axes = [], [], [], []
    dynamic = {}
    axis = 0
    for item in index:
        if item is None:
            continue
        size = x.shape[axis]
        if isinstance(item, slice):
            start, stop, step = item.indices(size)
            if step < 0:
                # reverse the axis, then take a forward slice of the reversed array
                reversed_axes.append(axis)
                start, stop, step = size - 1 - start, size - 1 - stop, -step
            count = max(0, (stop - start + step - 1) // step)
            starts.append(start)
            limits.append(start + (count - 1) * step + 1 if count else start)
            strides.append(step)
        elif isinstance(item, Tracer):
            if not _is_integer_array(item):
                raise IndexError(f"a traced index must be an integer scalar, got {item.aval}")
            dynamic[axis] = item   # the static slice keeps the whole axis
            starts.append(0)
            limits.append(size)
            strides.append(1)
        else:
            try:
                position = operator.index(item)
            except TypeError:
                raise IndexError(f"only integers, slices (`:`), ellipsis (`...`), None and "
                                 f"integer or boolean arrays are valid indices; got {item!r}") \
                    from None
            if not -size <= position < size:
                raise IndexError(f"index {position} is out of bounds for axis {axis} with size "
                                 f"{size}")
            position %= size
            starts.append(position)
            limits.append(position + 1)
            strides.append(1)
        axis += 1
    if reversed_axes:
        x = lax.rev(x, tuple(reversed_axes))
    if any(s != 0 for s in starts) or any(l != d for l, d in zip(limits, x.shape)) or \
            any(s != 1 for s in strides):
        if all(s == 1 for s in strides):
            x = lax.slice(x, tuple(starts), tuple(limits))
        else:
            x = lax.slice(x, tuple(starts), tuple(limits), tuple(strides))
    if dynamic:
        index_dtype = dtypes.default_int_dtype()
        zero = np.zeros((), index_dtype)
        start_indices = [_widen(dynamic[i], index_dtype) if i in dynamic else zero
                         for i in range(x.ndim)]
        slice_sizes = tuple(1 if i in dynamic else d for i, d in enumerate(x.shape))
        x = lax.dynamic_slice(x, start_indices, slice_sizes)
    final = []
    axis = 0
    for item in index:
        if item is None:
            final.append(1)
            continue
        if isinstance(item, slice):
            final.append(x.shape[axis])
        axis += 1
    if tuple(final) != x.shape:
        x = lax.reshape(x, tuple(final))
    return x


def _widen(index, index_dtype):
    """A traced index in the default integer type. lax.dynamic_slice counts negative
    indices from the end and clamps the rest into range (JAX's rule for traced indices);
    widening first keeps `index + size` from overflowing an int8 index."""
    return index if index.dtype == index_dtype else lax.convert_element_type(index, index_dtype)
