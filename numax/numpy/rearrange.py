"""Rearranging elements in NumPy's API: flip, fliplr, flipud, roll, rot90, tile, repeat,
tri, tril, triu, diag, diagflat, diagonal, trace, the tril/triu/diag index helpers, and
split, array_split, hsplit, vsplit, dsplit.

All are static rearrangements written with lax.rev, slice, concatenate, broadcast and
reshape (gathers only for diagonals and array-valued repeats), so their derivatives
are the transposes of those ops. roll accepts a traced shift (a dynamic slice of the
array concatenated with itself); repeat accepts traced repeats when the static
`total_repeat_length` is given, as in JAX.
"""

import numpy as np

from numax import lax
from numax.api import jit
from numax.array import Array
from numax.core import dtypes
from numax.core.trace import Tracer
from numax.numpy._promote import canonicalize_axes, canonicalize_axis, ensure_array


def flip(m, axis=None):
    """`m` with the order of elements reversed along `axis` (all axes when None).

    >>> import numax.numpy as jnp
    >>> jnp.flip(jnp.asarray([[1, 2], [3, 4]]), axis=1)
    Array([[2, 1],
           [4, 3]], dtype=int32)
    """
    m = ensure_array(m)
    axes = canonicalize_axes(axis, m.ndim)
    return lax.rev(m, axes) if axes else m


def fliplr(m):
    """Reverses the columns (axis 1) of an array of at least 2 dimensions."""
    m = ensure_array(m)
    if m.ndim < 2:
        raise ValueError(f"numax.numpy.fliplr: the input must be at least 2-d, got shape {m.shape}")
    return flip(m, 1)


def flipud(m):
    """Reverses the rows (axis 0) of an array of at least 1 dimension."""
    m = ensure_array(m)
    if m.ndim < 1:
        raise ValueError("numax.numpy.flipud: the input must be at least 1-d, got a scalar")
    return flip(m, 0)


def _roll_static(a, shift, axis):
    size = a.shape[axis]
    shift %= size
    if shift == 0:
        return a
    return lax.concatenate([lax.slice_in_dim(a, size - shift, size, axis=axis),
                            lax.slice_in_dim(a, 0, size - shift, axis=axis)], axis)


def _roll_traced(a, shift, axis):
    size = a.shape[axis]
    index_dtype = dtypes.default_int_dtype()
    shift = lax.convert_element_type(shift, index_dtype) if shift.dtype != index_dtype else shift
    size_value = lax.full_like(shift, size)
    start = lax.rem(lax.sub(size_value, lax.rem(shift, size_value)), size_value)
    doubled = lax.concatenate([a, a], axis)
    return lax.dynamic_slice_in_dim(doubled, start, size, axis=axis)


def roll(a, shift, axis=None):
    """Elements shifted by `shift` places along `axis` (of the flattened array when None),
    wrapping around. `shift` may be traced.

    >>> import numax.numpy as jnp
    >>> jnp.roll(jnp.arange(5), 2)
    Array([3, 4, 0, 1, 2], dtype=int32)
    """
    a = ensure_array(a)
    if axis is None:
        return lax.reshape(roll(lax.reshape(a, (a.size,)), shift, 0), a.shape)
    axes = (axis,) if isinstance(axis, (int, np.integer)) else tuple(axis)
    axes = tuple(canonicalize_axis(ax, a.ndim) for ax in axes)
    if isinstance(shift, (Array, Tracer)) and shift.ndim > 0:
        shifts = [lax.index_in_dim(shift, i, keepdims=False) for i in range(shift.shape[0])]
    elif isinstance(shift, (list, tuple, np.ndarray)):
        shifts = list(shift)
    else:
        shifts = [shift]
    if len(shifts) == 1:
        shifts = shifts * len(axes)
    if len(axes) == 1:
        axes = axes * len(shifts)
    if len(shifts) != len(axes):
        raise ValueError(f"numax.numpy.roll: shift and axis must have one length (or be "
                         f"scalars), got {len(shifts)} shifts and {len(axes)} axes")
    for shift_value, ax in zip(shifts, axes):
        if a.shape[ax] == 0:
            continue
        if isinstance(shift_value, Tracer):
            a = _roll_traced(a, shift_value, ax)
        else:
            a = _roll_static(a, int(shift_value), ax)
    return a


def rot90(m, k=1, axes=(0, 1)):
    """`m` rotated by 90 degrees `k` times in the plane of `axes`, from the first axis
    towards the second.

    >>> import numax.numpy as jnp
    >>> jnp.rot90(jnp.asarray([[1, 2], [3, 4]]))
    Array([[2, 4],
           [1, 3]], dtype=int32)
    """
    m = ensure_array(m)
    if len(axes) != 2:
        raise ValueError("numax.numpy.rot90: axes must name exactly two axes")
    first, second = (canonicalize_axis(ax, m.ndim) for ax in axes)
    if first == second:
        raise ValueError(f"numax.numpy.rot90: the two axes must differ, got {axes}")
    k = int(k) % 4
    if k == 0:
        return m
    if k == 2:
        return lax.rev(m, (first, second))
    permutation = list(range(m.ndim))
    permutation[first], permutation[second] = second, first
    if k == 1:
        return lax.transpose(lax.rev(m, (second,)), tuple(permutation))
    return lax.rev(lax.transpose(m, tuple(permutation)), (second,))


def tile(A, reps):
    """`A` repeated `reps` times along each axis (reps and A.shape are aligned on the right).

    >>> import numax.numpy as jnp
    >>> jnp.tile(jnp.asarray([1, 2]), (2, 2))
    Array([[1, 2, 1, 2],
           [1, 2, 1, 2]], dtype=int32)
    """
    A = ensure_array(A)
    reps = (int(reps),) if np.ndim(reps) == 0 else tuple(int(r) for r in reps)
    if any(r < 0 for r in reps):
        raise ValueError(f"numax.numpy.tile: reps must be non-negative, got {reps}")
    ndim = max(len(reps), A.ndim)
    reps = (1,) * (ndim - len(reps)) + reps
    shape = (1,) * (ndim - A.ndim) + A.shape
    interleaved = tuple(d for pair in zip(reps, shape) for d in pair)
    expanded = lax.broadcast_in_dim(lax.reshape(A, shape), interleaved,
                                    tuple(range(1, 2 * ndim, 2)))
    return lax.reshape(expanded, tuple(r * d for r, d in zip(reps, shape)))


def repeat(a, repeats, axis=None, *, total_repeat_length=None):
    """Each element repeated `repeats` times (an int, or one count per element) along
    `axis` (of the flattened array when None). Traced repeats need the static
    `total_repeat_length`: extra results repeat the last element, surplus ones are cut.

    >>> import numax.numpy as jnp
    >>> jnp.repeat(jnp.asarray([1, 2, 3]), jnp.asarray([2, 0, 1]))
    Array([1, 1, 3], dtype=int32)
    """
    a = ensure_array(a)
    if axis is None:
        a, axis = lax.reshape(a, (a.size,)), 0
    axis = canonicalize_axis(axis, a.ndim)
    size = a.shape[axis]
    if not isinstance(repeats, (Array, Tracer)) and np.ndim(repeats) == 0:
        count = int(repeats)
        if count < 0:
            raise ValueError(f"numax.numpy.repeat: repeats must be non-negative, got {count}")
        out = _repeat_each(a, count, axis)
        return out if total_repeat_length is None else _fit_length(out, total_repeat_length, axis)
    if isinstance(repeats, Tracer):
        if total_repeat_length is None:
            from numax.core.errors import ConcretizationTypeError
            raise ConcretizationTypeError(repeats, "numax.numpy.repeat: with traced repeats the "
                                          "result's length is unknown; pass the static "
                                          "total_repeat_length=.\n")
        return _repeat_traced(a, repeats, axis, int(total_repeat_length))
    counts = np.asarray(repeats).astype(np.int64)
    if counts.ndim == 0 or counts.shape == (1,):
        return repeat(a, int(counts.reshape(())), axis,
                      total_repeat_length=total_repeat_length)
    if counts.shape != (size,):
        raise ValueError(f"numax.numpy.repeat: repeats of shape {counts.shape} do not fit an "
                         f"axis of length {size}")
    if (counts < 0).any():
        raise ValueError("numax.numpy.repeat: repeats must be non-negative")
    from numax.numpy.indexing import take
    positions = np.repeat(np.arange(size), counts).astype(dtypes.default_int_dtype())
    out = take(a, positions, axis=axis, mode="clip")
    return out if total_repeat_length is None else _fit_length(out, total_repeat_length, axis)


def _repeat_each(a, count, axis):
    shape = a.shape[:axis + 1] + (count,) + a.shape[axis + 1:]
    dims = tuple(range(axis + 1)) + tuple(range(axis + 2, a.ndim + 1))
    expanded = lax.broadcast_in_dim(a, shape, dims)
    return lax.reshape(expanded, a.shape[:axis] + (a.shape[axis] * count,) + a.shape[axis + 1:])


def _fit_length(out, length, axis):
    """Cut to `length` along axis, or extend by repeating the last element."""
    length = int(length)
    size = out.shape[axis]
    if length <= size:
        return lax.slice_in_dim(out, 0, length, axis=axis)
    if size == 0:
        raise ValueError("numax.numpy.repeat: cannot extend an empty result to "
                         f"total_repeat_length={length}")
    last = lax.slice_in_dim(out, size - 1, size, axis=axis)
    return lax.concatenate([out, _repeat_each(last, length - size, axis)], axis)


def _repeat_traced(a, repeats, axis, length):
    """Output position p takes the element i with cumsum(repeats)[i-1] <= p < cumsum[i]."""
    from numax.numpy.indexing import take
    from numax.numpy.sorting import searchsorted
    index_dtype = dtypes.default_int_dtype()
    repeats = lax.convert_element_type(repeats, index_dtype)
    repeats = lax.broadcast_in_dim(repeats, (a.shape[axis],), () if repeats.ndim == 0 else (0,))
    ends = lax.cumsum(repeats, 0)
    positions = searchsorted(ends, lax.iota(index_dtype, length), side="right")
    return take(a, positions, axis=axis, mode="clip")


# ---------------------------------------------------------------- triangles and diagonals

def _tri_mask(rows, cols, k):
    row = lax.broadcasted_iota(dtypes.default_int_dtype(), (rows, cols), 0)
    col = lax.broadcasted_iota(dtypes.default_int_dtype(), (rows, cols), 1)
    return lax.ge(lax.add(row, lax.full_like(row, int(k))), col)


def tri(N, M=None, k=0, dtype=None):
    """An N x M array with ones at and below the k-th diagonal.

    >>> import numax.numpy as jnp
    >>> jnp.tri(2, 3, dtype=int)
    Array([[1, 0, 0],
           [1, 1, 0]], dtype=int32)
    """
    M = N if M is None else M
    dtype = dtypes.canonicalize_dtype(dtypes.default_float_dtype() if dtype is None else dtype)
    return _tri_program(N=int(N), M=int(M), k=int(k), dtype=dtype)


@jit(static_argnames=("N", "M", "k", "dtype"))
def _tri_program(*, N, M, k, dtype):  # noqa: N803  (NumPy's names)
    return lax.convert_element_type(_tri_mask(N, M, k), dtype)


def _triangle(api, m, k, upper):
    m = ensure_array(m)
    if m.ndim < 2:
        raise ValueError(f"numax.numpy.{api}: the input must be at least 2-d, got shape "
                         f"{m.shape}")
    return _triangle_program(m, k=int(k), upper=upper)


@jit(static_argnames=("k", "upper"))
def _triangle_program(m, *, k, upper):
    rows, cols = m.shape[-2:]
    keep = lax.bitwise_not(_tri_mask(rows, cols, k - 1)) if upper else _tri_mask(rows, cols, k)
    mask = lax.broadcast_in_dim(keep, m.shape, (m.ndim - 2, m.ndim - 1))
    return lax.select(mask, m, lax.full_like(m, 0))


def tril(m, k=0):
    """`m` with the elements above the k-th diagonal (of the last two axes) zeroed."""
    return _triangle("tril", m, k, upper=False)


def triu(m, k=0):
    """`m` with the elements below the k-th diagonal (of the last two axes) zeroed."""
    return _triangle("triu", m, k, upper=True)


def _diagonal_positions(rows, cols, offset):
    length = max(0, min(rows + min(offset, 0), cols - max(offset, 0)))
    start_row, start_col = max(-offset, 0), max(offset, 0)
    index_dtype = dtypes.default_int_dtype()
    return (np.arange(start_row, start_row + length, dtype=index_dtype),
            np.arange(start_col, start_col + length, dtype=index_dtype))


def diagonal(a, offset=0, axis1=0, axis2=1):
    """The `offset`-th diagonal of the plane of axis1 and axis2, as the last axis of the
    result (the other axes keep their order).

    >>> import numax.numpy as jnp
    >>> jnp.diagonal(jnp.arange(9).reshape(3, 3), 1)
    Array([1, 5], dtype=int32)
    """
    from numax.numpy.indexing import gather_index
    from numax.numpy.manipulation import moveaxis
    a = ensure_array(a)
    if a.ndim < 2:
        raise ValueError(f"numax.numpy.diagonal: the input must be at least 2-d, got shape "
                         f"{a.shape}")
    axis1, axis2 = canonicalize_axis(axis1, a.ndim), canonicalize_axis(axis2, a.ndim)
    if axis1 == axis2:
        raise ValueError("numax.numpy.diagonal: axis1 and axis2 cannot be the same")
    a = moveaxis(a, (axis1, axis2), (-2, -1))
    rows, cols = _diagonal_positions(a.shape[-2], a.shape[-1], int(offset))
    return gather_index(a, (Ellipsis, rows, cols), indices_are_sorted=True,
                        unique_indices=True)


def trace(a, offset=0, axis1=0, axis2=1, dtype=None, out=None):
    """The sum along a diagonal (see diagonal), with sum's dtype rules."""
    from numax.numpy.reductions import sum as reduce_sum
    if out is not None:
        raise NotImplementedError("numax.numpy.trace: the `out` argument is not supported")
    return reduce_sum(diagonal(a, offset, axis1, axis2), axis=-1, dtype=dtype)


def diag(v, k=0):
    """For 1-d v, a square array with v on the k-th diagonal; for 2-d v, its k-th diagonal.

    >>> import numax.numpy as jnp
    >>> jnp.diag(jnp.asarray([1, 2]), k=1)
    Array([[0, 1, 0],
           [0, 0, 2],
           [0, 0, 0]], dtype=int32)
    """
    v = ensure_array(v)
    if v.ndim == 2:
        return diagonal(v, k)
    if v.ndim != 1:
        raise ValueError(f"numax.numpy.diag: the input must be 1-d or 2-d, got shape {v.shape}")
    k = int(k)
    n = v.shape[0] + abs(k)
    rows, cols = _diagonal_positions(n, n, k)
    return lax.full((n, n), 0, v.dtype).at[rows, cols].set(v, unique_indices=True,
                                                            indices_are_sorted=True)


def diagflat(v, k=0):
    """A square array with the flattened `v` on the k-th diagonal."""
    v = ensure_array(v)
    return diag(lax.reshape(v, (v.size,)), k)


def _as_arrays(*arrays):
    from numax.numpy.creation import asarray
    return tuple(asarray(a) for a in arrays)


def tril_indices(n, k=0, m=None):
    """The (row, column) indices of the lower triangle of an n x m array."""
    return _as_arrays(*np.tril_indices(int(n), int(k), None if m is None else int(m)))


def triu_indices(n, k=0, m=None):
    """The (row, column) indices of the upper triangle of an n x m array."""
    return _as_arrays(*np.triu_indices(int(n), int(k), None if m is None else int(m)))


def tril_indices_from(arr, k=0):
    """tril_indices for the shape of the 2-d `arr`."""
    shape = np.shape(arr)
    if len(shape) != 2:
        raise ValueError(f"numax.numpy.tril_indices_from: arr must be 2-d, got shape {shape}")
    return tril_indices(shape[0], k, shape[1])


def triu_indices_from(arr, k=0):
    """triu_indices for the shape of the 2-d `arr`."""
    shape = np.shape(arr)
    if len(shape) != 2:
        raise ValueError(f"numax.numpy.triu_indices_from: arr must be 2-d, got shape {shape}")
    return triu_indices(shape[0], k, shape[1])


def diag_indices(n, ndim=2):
    """`ndim` copies of arange(n): the indices of the main diagonal of an n^ndim array."""
    return _as_arrays(*np.diag_indices(int(n), int(ndim)))


def diag_indices_from(arr):
    """diag_indices for `arr`, whose axes must all have one length."""
    shape = np.shape(arr)
    if len(shape) < 2 or len(set(shape)) != 1:
        raise ValueError(f"numax.numpy.diag_indices_from: arr must be at least 2-d with all "
                         f"axes of equal length, got shape {shape}")
    return diag_indices(shape[0], len(shape))


# ---------------------------------------------------------------- splitting

def _split_points(api, size, indices_or_sections, even):
    if isinstance(indices_or_sections, Tracer):
        raise TypeError(f"numax.numpy.{api}: the split points must be static (they fix the "
                        "shapes of the pieces), got a traced value")
    if np.ndim(indices_or_sections) == 0:
        sections = int(indices_or_sections)
        if sections <= 0:
            raise ValueError(f"numax.numpy.{api}: number of sections must be larger than 0")
        if even and size % sections:
            raise ValueError(f"numax.numpy.{api}: array split does not result in an equal "
                             f"division ({size} into {sections} sections); use array_split")
        base, extra = divmod(size, sections)
        lengths = [base + 1] * extra + [base] * (sections - extra)
        return list(np.cumsum([0] + lengths))
    points = [int(i) for i in np.asarray(indices_or_sections).ravel()]
    return [0] + points + [size]


def _split(api, ary, indices_or_sections, axis, even):
    ary = ensure_array(ary)
    axis = canonicalize_axis(axis, ary.ndim)
    size = ary.shape[axis]
    points = _split_points(api, size, indices_or_sections, even)
    pieces = []
    for start, stop in zip(points[:-1], points[1:]):
        start = min(max(start + size if start < 0 else start, 0), size)
        stop = min(max(stop + size if stop < 0 else stop, 0), size)
        pieces.append(lax.slice_in_dim(ary, start, max(start, stop), axis=axis))
    return pieces


def split(ary, indices_or_sections, axis=0):
    """`ary` cut along `axis` into equal sections, or at the given indices.

    >>> import numax.numpy as jnp
    >>> jnp.split(jnp.arange(6), [2, 5])
    [Array([0, 1], dtype=int32), Array([2, 3, 4], dtype=int32), Array([5], dtype=int32)]
    """
    return _split("split", ary, indices_or_sections, axis, even=True)


def array_split(ary, indices_or_sections, axis=0):
    """Like split, but n sections need not divide the axis (the first ones get one more)."""
    return _split("array_split", ary, indices_or_sections, axis, even=False)


def hsplit(ary, indices_or_sections):
    """split along axis 1 (axis 0 for 1-d arrays)."""
    ary = ensure_array(ary)
    if ary.ndim == 0:
        raise ValueError("numax.numpy.hsplit only works on arrays of 1 or more dimensions")
    return split(ary, indices_or_sections, 1 if ary.ndim > 1 else 0)


def vsplit(ary, indices_or_sections):
    """split along axis 0 of an array of at least 2 dimensions."""
    ary = ensure_array(ary)
    if ary.ndim < 2:
        raise ValueError("numax.numpy.vsplit only works on arrays of 2 or more dimensions")
    return split(ary, indices_or_sections, 0)


def dsplit(ary, indices_or_sections):
    """split along axis 2 of an array of at least 3 dimensions."""
    ary = ensure_array(ary)
    if ary.ndim < 3:
        raise ValueError("numax.numpy.dsplit only works on arrays of 3 or more dimensions")
    return split(ary, indices_or_sections, 2)
