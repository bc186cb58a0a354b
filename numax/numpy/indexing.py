"""`x[index]` and the index arithmetic behind `x.at[index]`, take and take_along_axis.

Owns the translation of a NumPy index expression into lax ops:

- Basic indices (integers, slices, None, ...) become `slice`/`rev` plus a reshape that
  drops integer axes; a traced integer becomes a `dynamic_slice` (clamped into range,
  as in JAX). Static integers out of range are IndexErrors.
- Advanced indices (integer arrays, lists inside a tuple, boolean masks) become one
  `gather`. Index arrays broadcast together to a shape B; B goes where the advanced
  indices stand if they are next to each other in the index (a None between them
  separates them), and in front otherwise, exactly as in NumPy. Integers are advanced indices
  when any array is present. A boolean mask must be concrete: it is converted with
  `nonzero`; a traced mask is a NonConcreteBooleanIndexError naming the fixes.
- `numax.ds(start, size, stride)` (a `Slice`) selects `size` elements from a start that may
  be traced. Reading, a stride of 1 is a `dynamic_slice` (a negative start counts from the
  end; the window is clamped into range) and a larger stride a gather of
  `start + stride * iota` with each index clamped. Writing, it is a scatter window (or
  one index per element) whose out-of-range part drops the update, as in JAX.
- `IndexPlan` is the layout shared with scatters: which operand axes are indexed,
  the index array, the dimension numbers and the shape of `x[index]`.

Out of bounds, as in JAX: negative indices count from the end once; what is still out of
range is clamped when reading (mode 'clip' or 'promise_in_bounds') or read as fill_value
(mode 'fill'), and dropped when writing (see numax.numpy.at).
"""

import operator

import numpy as np

from numax import lax
from numax.array import Array
from numax.core import dtypes
from numax.core.errors import NumaxError
from numax.core.trace import Tracer
from numax.numpy import _promote
from numax.numpy._promote import canonicalize_axis, ensure_array


class NonConcreteBooleanIndexError(NumaxError, IndexError):
    """A boolean mask index whose values are traced: the result's shape would depend on them."""

    def __init__(self, tracer, api="x[mask]"):
        super().__init__(
            f"{api}: array boolean indices must be concrete; got {tracer}.\n"
            "The number of selected elements depends on the mask's values, which are not known "
            "while tracing (under jit, vmap or grad), so the result would have no static shape. "
            "Use numax.numpy.where(mask, x, fill) to keep the shape, x.at[...] with "
            "numax.numpy.where(mask, new, x) to update, or a static number of results: "
            "x[numax.numpy.nonzero(mask, size=n, fill_value=...)].")


# ---------------------------------------------------------------- dynamic slices

class Slice:
    """What `numax.ds` returns: `size` elements of an axis from `start` (a static int or a
    traced integer scalar), every `stride`-th. `size` and `stride` are static."""

    __slots__ = ("start", "size", "stride")
    __hash__ = None  # mutable and compared by value, like a dataclass

    def __init__(self, start, size, stride=1):
        if isinstance(stride, (int, np.integer)) and stride < 0:
            raise ValueError("`stride` must be >= 0.")
        self.start, self.size, self.stride = start, size, stride

    @classmethod
    def from_slice(cls, item, size):
        """The Slice selecting what the builtin slice `item` selects on an axis of `size`."""
        start, stop, step = item.indices(size)
        return cls(start, len(range(start, stop, step)), step)

    @property
    def is_dynamic_start(self):
        return not isinstance(self.start, (int, np.integer))

    @property
    def is_dynamic_size(self):
        return not isinstance(self.size, (int, np.integer))

    def __eq__(self, other):
        if not isinstance(other, Slice):
            return NotImplemented
        return (self.start, self.size, self.stride) == (other.start, other.size, other.stride)

    def __repr__(self):
        return f"Slice(start={self.start!r}, size={self.size!r}, stride={self.stride!r})"


def ds(start, size=None, stride=None):
    """An index selecting `size` elements from `start` (which may be traced), every
    `stride`-th; `ds(n)` is `ds(0, n)`. Unlike a builtin slice, its start may be a traced
    value under jit; its size must be static.

    >>> import numax, numax.numpy as jnp
    >>> numax.jit(lambda x, i: x[numax.ds(i, 2)])(jnp.arange(5), 3)
    Array([3, 4], dtype=int32)
    """
    if size is None:
        start, size = 0, start
    return Slice(start, size, 1 if stride is None else stride)


def _checked_dslice(item):
    """A Slice with a static int size and stride and an int or integer-scalar start."""
    try:
        size, stride = operator.index(item.size), operator.index(item.stride)
    except TypeError:
        raise TypeError(f"numax.ds: the size and stride must be static integers, got {item!r}; "
                        "a size that depends on a traced value would give an array of unknown "
                        "shape (mark the argument static with jit's static_argnums)") from None
    start = item.start
    if isinstance(start, (np.ndarray, np.generic)) and np.ndim(start) == 0 and \
            start.dtype.kind in "iu":
        start = int(start)
    if isinstance(start, (Array, Tracer)):
        if np.ndim(start) != 0 or not dtypes.is_integer(start.dtype):
            raise TypeError(f"numax.ds: the start must be an integer scalar, got {start!r}")
    elif not isinstance(start, int) or isinstance(start, bool):
        raise TypeError(f"numax.ds: the start must be an integer (or traced integer scalar), "
                        f"got {start!r}")
    return Slice(start, size, stride)


def _start_index(start):
    """A ds start as a device scalar in the default integer type (static ints stay ints)."""
    if _is_host(start):
        return start
    return _widen(start, dtypes.default_int_dtype())


def _strided_positions(start, stride, size):
    """start + stride * arange(size) in the default integer type (host or device)."""
    offsets = (stride * np.arange(size)).astype(dtypes.default_int_dtype())
    if _is_host(start):
        return start + offsets
    start = _start_index(start)
    return lax.add(lax.broadcast_in_dim(start, (size,), ()), offsets)


def _apply_dynamic_slices(x, entries, mode):
    """x with each ds index applied along its axis (JAX's reading rules), the entry
    replaced by a full slice; the rest of the index then applies as usual."""
    if not _has_kind(entries, ("dslice",)):
        return x, entries
    if mode not in (None, "clip", "promise_in_bounds"):
        raise NotImplementedError(f"reading a numax.ds index with mode={mode!r} is not "
                                  "supported: ds reads clamp into range; use mode='clip' or an "
                                  "integer index array")
    out, axis = [], 0
    for kind, value in entries:
        if kind == "dslice":
            if value.stride == 1:
                x = lax.dynamic_slice_in_dim(x, _start_index(value.start), value.size, axis)
            else:  # take's 'clip' clamps each index, negative ones to 0
                x = take(x, _strided_positions(value.start, value.stride, value.size),
                         axis=axis, mode="clip")
            kind, value = "slice", slice(None)
        out.append((kind, value))
        axis += _consumed(kind, value)
    return x, out


# ---------------------------------------------------------------- parsing

def _slice_bound(value):
    if value is None:
        return None
    if isinstance(value, Tracer):
        raise IndexError(f"slice bounds must be static integers; got the traced value {value}. "
                         "Use numax.lax.dynamic_slice(x, starts, sizes) for a slice at a traced "
                         "position (its size must stay static)")
    try:
        return operator.index(value)
    except TypeError:
        raise IndexError(f"slice indices must be integers or None, got {value!r}") from None


def _classify(item):
    """(kind, value): kind is 'none', 'ellipsis', 'slice', 'dslice' (a numax.ds Slice), 'int'
    (a static int or a traced integer scalar), 'array' (integers, rank >= 1) or 'mask' (a
    concrete boolean array)."""
    if item is None:
        return "none", None
    if item is Ellipsis:
        return "ellipsis", None
    if isinstance(item, slice):
        return "slice", slice(_slice_bound(item.start), _slice_bound(item.stop),
                              _slice_bound(item.step))
    if isinstance(item, Slice):
        return "dslice", _checked_dslice(item)
    if isinstance(item, (bool, np.bool_)):
        return "mask", np.asarray(item)
    if isinstance(item, (int, np.integer)):
        return "int", int(item)
    if isinstance(item, (list, tuple)):
        from numax.numpy.creation import array
        item = array(item) if _contains_arrays(item) else np.asarray(item)
        if isinstance(item, np.ndarray) and item.size == 0 and item.dtype.kind == "f":
            item = item.astype(np.int32)        # `[]` selects nothing, as in NumPy
    if isinstance(item, (np.ndarray, Array, Tracer)):
        kind = np.dtype(item.dtype).kind
        if kind == "b":
            if isinstance(item, Tracer):
                raise NonConcreteBooleanIndexError(item)
            return "mask", np.asarray(item)
        if kind not in "iu":
            raise IndexError(f"arrays used as indices must be of integer or boolean type; got "
                             f"an index of dtype {np.dtype(item.dtype).name}")
        if item.ndim == 0 and not isinstance(item, Tracer):
            return "int", int(item)
        return ("int" if item.ndim == 0 else "array"), item
    try:
        return "int", operator.index(item)
    except TypeError:
        raise IndexError(f"only integers, slices (`:`), ellipsis (`...`), None and integer or "
                         f"boolean arrays are valid indices; got {item!r}") from None


def _contains_arrays(seq):
    return any(_contains_arrays(v) if isinstance(v, (list, tuple)) else
               isinstance(v, (Array, Tracer)) for v in seq)


def _consumed(kind, value):
    if kind in ("int", "array", "slice", "dslice"):
        return 1
    return value.ndim if kind == "mask" else 0


def parse_index(shape, index):
    """The index as a list of (kind, value), one per item, with the ellipsis expanded and
    trailing axes filled with full slices. Boolean masks stay as 'mask' entries; an
    ellipsis of no axes between advanced indices stays as a 'gap' entry (no axis)."""
    if isinstance(index, list):
        raise TypeError("using a list for multidimensional indexing is not allowed (NumPy "
                        "reads x[[0, 1]] as an index array, older code as a tuple); write "
                        "x[numax.numpy.array(seq)] for an index array or x[tuple(seq)] for "
                        "one index per axis")
    items = [_classify(item) for item in (index if isinstance(index, tuple) else (index,))]
    ellipses = [i for i, (kind, _) in enumerate(items) if kind == "ellipsis"]
    if len(ellipses) > 1:
        raise IndexError("an index can only have a single ellipsis ('...')")
    consumed = sum(_consumed(kind, value) for kind, value in items)
    if consumed > len(shape):
        raise IndexError(f"too many indices for array: array is {len(shape)}-dimensional, but "
                         f"{consumed} were indexed")
    fill = [("slice", slice(None))] * (len(shape) - consumed)
    if ellipses:
        before, after = items[:ellipses[0]], items[ellipses[0] + 1:]
        if not fill and _has_kind(items, ("array", "mask")) and \
                _has_kind(before, _ADVANCED) and _has_kind(after, _ADVANCED):
            # An ellipsis that stands for no axis still separates the advanced indices on
            # its two sides (NumPy's and JAX's rule): their axes then go first.
            fill = [("gap", None)]
        return before + fill + after
    return items + fill


_ADVANCED = ("int", "array", "mask")  # integers are advanced indices beside index arrays


def _has_kind(entries, kinds):
    return any(kind in kinds for kind, _ in entries)


def expand_masks(shape, entries):
    """Boolean masks replaced by the integer index arrays of their nonzero elements. A 0-d
    mask (x[True]) selects along a new axis of length 1: it is returned as ('new', n) with
    n the number of selections (1 or 0)."""
    out, axis = [], 0
    for kind, value in entries:
        if kind != "mask":
            out.append((kind, value))
            axis += _consumed(kind, value)
            continue
        if value.ndim == 0:
            out.append(("new", int(value)))
            continue
        for i, size in enumerate(value.shape):
            if size != shape[axis + i]:
                raise IndexError(f"boolean index did not match indexed array along axis "
                                 f"{axis + i}; size of axis is {shape[axis + i]} but size of "
                                 f"corresponding boolean axis is {size}")
        out.extend(("array", positions) for positions in np.nonzero(value))
        axis += value.ndim
    return out


def insert_new_axes(x, entries):
    """For each ('new', n) entry a size-1 axis inserted into x and indexed by n zeros."""
    if not any(kind == "new" for kind, _ in entries):
        return x, entries
    shape, out, axis = list(x.shape), [], 0
    for kind, value in entries:
        if kind == "new":
            shape.insert(axis, 1)
            out.append(("array", np.zeros(value, np.int32)))
            axis += 1
            continue
        out.append((kind, value))
        axis += _consumed(kind, value)
    return lax.reshape(x, tuple(shape)), out


def _is_advanced(kind, value):
    return kind in ("array", "mask")


# ---------------------------------------------------------------- the layout of x[index]

def _is_host(value):
    return not isinstance(value, (Array, Tracer))


class IndexPlan:
    """The gather/scatter layout of `x[entries]` for entries of kind 'none', 'slice', 'int'
    and 'array' (one per axis of x, plus Nones).

    Integer and array entries are collapsed axes indexed by the broadcast index arrays
    (shape B). A slice with step 1 is a window axis (a start and a size); any other slice
    is a collapsed axis indexed by `start + step * iota`, with its own batch axis. The
    index array has the batch axes in output order and one index vector along its last
    axis, covering the axes in `start_index_map`.
    """

    def __init__(self, shape, entries):
        self.operand_shape = tuple(shape)
        pieces, advanced, advanced_at, axis = [], [], [], 0
        first, position = None, 0
        for kind, value in entries:
            if kind == "gap":
                position += 1
                continue
            if kind == "none":
                pieces.append(("none",))
                position += 1
                continue
            if kind in ("int", "array"):
                if first is None:
                    first = len(pieces)
                advanced.append((axis, value))
                advanced_at.append(position)
            else:
                if kind == "dslice":   # start may be traced; out-of-range parts are dropped
                    start, step, count = value.start, value.stride, value.size
                else:
                    start, stop, step = value.indices(shape[axis])
                    count = len(range(start, stop, step))
                pieces.append(("window" if step == 1 else "strided", axis, start, step, count))
            axis += 1
            position += 1
        contiguous = advanced_at == list(range(advanced_at[0], advanced_at[0] + len(advanced_at))) \
            if advanced else True
        self.advanced = advanced
        self.advanced_shape = _promote.broadcast_shapes(*[np.shape(v) for _, v in advanced])
        if advanced:
            pieces.insert(first if contiguous else 0, ("advanced",))
        self.pieces = pieces

        batch_shape, out_shape, final_shape, offset_dims = [], [], [], []
        self.advanced_batch_dims = ()
        self.strided = []              # (axis, start, step, batch dim)
        self.windows = {}              # axis -> (start, count)
        for piece in pieces:
            if piece[0] == "none":
                final_shape.append(1)
            elif piece[0] == "advanced":
                self.advanced_batch_dims = tuple(range(len(batch_shape),
                                                       len(batch_shape) + len(self.advanced_shape)))
                batch_shape.extend(self.advanced_shape)
                out_shape.extend(self.advanced_shape)
                final_shape.extend(self.advanced_shape)
            elif piece[0] == "strided":
                _, axis, start, step, count = piece
                self.strided.append((axis, start, step, len(batch_shape)))
                batch_shape.append(count)
                out_shape.append(count)
                final_shape.append(count)
            else:
                _, axis, start, _, count = piece
                self.windows[axis] = (start, count)
                offset_dims.append(len(out_shape))
                out_shape.append(count)
                final_shape.append(count)
        self.batch_shape = tuple(batch_shape)
        self.out_shape = tuple(out_shape)        # the gather's output (no None axes)
        self.shape = tuple(final_shape)          # the shape of x[index]
        self.offset_dims = tuple(offset_dims)
        self.collapsed = tuple(sorted([a for a, _ in advanced] + [s[0] for s in self.strided]))
        indexed = set(self.collapsed) | {a for a, (start, _) in self.windows.items()
                                         if not _is_host(start) or start != 0}
        if not indexed and shape:
            indexed = {min(self.windows)}        # an index vector of at least one entry
        self.start_index_map = tuple(sorted(indexed))
        self.slice_sizes = tuple(1 if a in self.collapsed else self.windows[a][1]
                                 for a in range(len(shape)))

    def gather_dimension_numbers(self):
        return lax.GatherDimensionNumbers(offset_dims=self.offset_dims,
                                          collapsed_slice_dims=self.collapsed,
                                          start_index_map=self.start_index_map)

    def scatter_dimension_numbers(self):
        return lax.ScatterDimensionNumbers(update_window_dims=self.offset_dims,
                                           inserted_window_dims=self.collapsed,
                                           scatter_dims_to_operand_dims=self.start_index_map)

    def indices(self):
        """The index array: batch_shape + (len(start_index_map),), in the default int type.
        Negative array and integer indices count from the end (once)."""
        index_dtype = dtypes.default_int_dtype()
        advanced = dict(self.advanced)
        strided = {s[0]: s for s in self.strided}
        host = all(_is_host(v) for v in advanced.values()) and \
            all(_is_host(s[1]) for s in self.strided) and \
            all(_is_host(start) for start, _ in self.windows.values())
        columns = []
        for axis in self.start_index_map:
            size = self.operand_shape[axis]
            if axis in advanced:
                columns.append(self._advanced_column(advanced[axis], size, index_dtype, host))
            elif axis in strided:
                _, start, step, dim = strided[axis]
                count = self.batch_shape[dim]
                values = _strided_positions(start, step, count)
                if _is_host(values):
                    shape = [1] * len(self.batch_shape)
                    shape[dim] = count
                    columns.append(np.broadcast_to(values.reshape(shape), self.batch_shape))
                else:
                    columns.append(lax.broadcast_in_dim(values, self.batch_shape, (dim,)))
            else:
                start = self.windows[axis][0]
                columns.append(np.full(self.batch_shape, start, index_dtype) if _is_host(start)
                               else lax.broadcast_in_dim(_start_index(start), self.batch_shape,
                                                         ()))
        if not columns:                          # a 0-d operand: empty index vectors
            return np.zeros(self.batch_shape + (0,), index_dtype)
        if host:
            return np.stack(columns, axis=-1)
        rank = len(self.batch_shape)
        columns = [lax.reshape(_as_device(c), self.batch_shape + (1,)) for c in columns]
        return columns[0] if len(columns) == 1 else lax.concatenate(columns, rank)

    def _advanced_column(self, value, size, index_dtype, host):
        if _is_host(value):
            value = np.asarray(value).astype(np.int64)
            # clipping to [-1, size] keeps in-range values and out-of-range ones out of
            # range, and lets indices like 2**40 fit the int32 index type
            value = np.clip(np.where(value < 0, value + size, value), -1, size).astype(
                index_dtype)
            value = np.broadcast_to(value, self.advanced_shape)
            shape = [1] * len(self.batch_shape)
            for d, extent in zip(self.advanced_batch_dims, self.advanced_shape):
                shape[d] = extent
            column = np.broadcast_to(value.reshape(shape), self.batch_shape)
            return column if host else _as_device(column)
        if value.dtype != index_dtype:
            value = lax.convert_element_type(value, index_dtype)
        value = lax.select(lax.lt(value, lax.full_like(value, 0)),
                           lax.add(value, lax.full_like(value, size)), value)
        value = _promote.broadcast_to(value, self.advanced_shape)
        return lax.broadcast_in_dim(value, self.batch_shape, self.advanced_batch_dims)


def _as_device(value):
    if isinstance(value, (Array, Tracer)):
        return value
    from numax.numpy.creation import asarray
    return asarray(np.ascontiguousarray(value))


# ---------------------------------------------------------------- reading

def getitem(x, index):
    """x[index] with NumPy's semantics (JAX's out-of-bounds rules)."""
    return gather_index(x, index)


def gather_index(x, index, *, mode=None, fill_value=None, indices_are_sorted=False,
                 unique_indices=False, force_gather=False):
    """x[index]; `mode` None clamps out-of-bounds array indices ('promise_in_bounds'),
    'fill' reads fill_value there (default NaN / the extreme integer), 'clip' clamps.
    `force_gather` treats integers as 0-d index arrays (take's rule), so mode applies."""
    x = ensure_array(x)
    entries = parse_index(x.shape, index)
    x, entries = _apply_dynamic_slices(x, entries, mode)
    if not force_gather and mode in (None, "clip", "promise_in_bounds") and not any(
            _is_advanced(kind, value) for kind, value in entries):
        return _basic_getitem(x, entries, check_bounds=mode is None)
    entries = expand_masks(x.shape, entries)
    x, entries = insert_new_axes(x, entries)
    x, entries = _apply_static_slices(x, entries)
    plan = IndexPlan(x.shape, entries)
    for axis, value in plan.advanced:
        if isinstance(value, int) and mode is None and not -x.shape[axis] <= value < x.shape[axis]:
            raise IndexError(f"index {value} is out of bounds for axis {axis} with size "
                             f"{x.shape[axis]}")
    if int(np.prod(plan.shape)) == 0:
        return lax.full(plan.shape, 0, x.dtype)
    empty_axes = [axis for axis, _ in plan.advanced if x.shape[axis] == 0]
    if empty_axes:
        if mode not in ("fill", "drop"):
            raise IndexError(f"index is out of bounds for axis {empty_axes[0]} with size 0")
        return lax.full(plan.shape, _fill(x.dtype, fill_value), x.dtype)
    gather_mode = lax.GatherScatterMode.from_any("promise_in_bounds" if mode is None else mode)
    out = lax.gather(x, plan.indices(), plan.gather_dimension_numbers(), plan.slice_sizes,
                     unique_indices=unique_indices, indices_are_sorted=indices_are_sorted,
                     mode=gather_mode, fill_value=fill_value)
    return out if out.shape == plan.shape else lax.reshape(out, plan.shape)


def _fill(dtype, fill_value):
    if fill_value is not None:
        return fill_value
    if dtypes.is_inexact(dtype):
        return np.nan
    if np.dtype(dtype) == np.bool_:
        return True
    info = dtypes.iinfo(dtype)
    return info.max if np.dtype(dtype).kind == "u" else info.min


def _apply_static_slices(x, entries):
    """Every slice applied with lax.slice/rev, so the gather only sees whole axes."""
    starts, limits, strides, reversed_axes = [], [], [], []
    out, axis = [], 0
    for kind, value in entries:
        if kind in ("none", "gap"):
            out.append((kind, value))
            continue
        size = x.shape[axis]
        if kind == "slice":
            start, limit, stride, reverse = _forward_slice(value, size)
            out.append((kind, slice(None)))
        else:
            start, limit, stride, reverse = 0, size, 1, False
            out.append((kind, value))
        if reverse:
            reversed_axes.append(axis)
        starts.append(start)
        limits.append(limit)
        strides.append(stride)
        axis += 1
    return _slice(x, starts, limits, strides, reversed_axes), out


def _forward_slice(item, size):
    """(start, limit, stride, reverse) of a forward slice that, on the axis reversed when
    `reverse`, selects what `item` selects."""
    start, stop, step = item.indices(size)
    reverse = step < 0
    if reverse:
        start, stop, step = size - 1 - start, size - 1 - stop, -step
    count = max(0, (stop - start + step - 1) // step)
    return start, (start + (count - 1) * step + 1 if count else start), step, reverse


def _slice(x, starts, limits, strides, reversed_axes):
    if reversed_axes:
        x = lax.rev(x, tuple(reversed_axes))
    if any(s != 0 for s in starts) or any(l != d for l, d in zip(limits, x.shape)) or \
            any(s != 1 for s in strides):
        if all(s == 1 for s in strides):
            return lax.slice(x, tuple(starts), tuple(limits))
        return lax.slice(x, tuple(starts), tuple(limits), tuple(strides))
    return x


def _basic_getitem(x, entries, check_bounds=True):
    starts, limits, strides, reversed_axes = [], [], [], []
    dynamic = {}
    axis = 0
    for kind, item in entries:
        if kind == "none":
            continue
        size = x.shape[axis]
        if kind == "slice":
            start, limit, stride, reverse = _forward_slice(item, size)
            if reverse:
                reversed_axes.append(axis)
            starts.append(start)
            limits.append(limit)
            strides.append(stride)
        elif isinstance(item, Tracer):
            dynamic[axis] = item   # the static slice keeps the whole axis
            starts.append(0)
            limits.append(size)
            strides.append(1)
        else:
            if not -size <= item < size:
                if check_bounds or size == 0:
                    raise IndexError(f"index {item} is out of bounds for axis {axis} with size "
                                     f"{size}")
                item = min(max(item, -size), size - 1)
            item %= size
            starts.append(item)
            limits.append(item + 1)
            strides.append(1)
        axis += 1
    x = _slice(x, starts, limits, strides, reversed_axes)
    if dynamic:
        index_dtype = dtypes.default_int_dtype()
        zero = np.zeros((), index_dtype)
        start_indices = [_widen(dynamic[i], index_dtype) if i in dynamic else zero
                         for i in range(x.ndim)]
        slice_sizes = tuple(1 if i in dynamic else d for i, d in enumerate(x.shape))
        x = lax.dynamic_slice(x, start_indices, slice_sizes)
    final = []
    axis = 0
    for kind, _ in entries:
        if kind == "none":
            final.append(1)
            continue
        if kind == "slice":
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


# ---------------------------------------------------------------- take, take_along_axis

_TAKE_MODES = (None, "fill", "drop", "clip", "wrap", "promise_in_bounds")


def _check_take_mode(api, mode):
    if mode == "raise":
        raise NotImplementedError(f"{api}: mode='raise' is not supported: an index's value is "
                                  "not known while tracing, so no error can be raised from it; "
                                  "use 'fill' (the default), 'clip' or 'wrap'")
    if mode not in _TAKE_MODES:
        raise ValueError(f"{api}: unknown mode {mode!r}; use 'fill', 'clip' or 'wrap'")


def _integer_indices(api, indices):
    if isinstance(indices, (list, tuple)):
        from numax.numpy.creation import array
        indices = array(indices) if _contains_arrays(indices) else np.asarray(indices)
        if isinstance(indices, np.ndarray) and indices.size == 0:
            indices = indices.astype(np.int32)
    elif isinstance(indices, (int, np.integer)):
        indices = np.asarray(indices)
    if not dtypes.is_integer(getattr(indices, "dtype", np.dtype(np.float64))) or \
            np.dtype(indices.dtype) == np.bool_:
        raise TypeError(f"{api}: indices must be integers, got {indices!r}")
    return indices


def _wrap_indices(indices, size):
    if _is_host(indices):
        return np.mod(indices, size) if size else indices
    size_value = lax.full_like(indices, size)
    return lax.rem(lax.add(lax.rem(indices, size_value), size_value), size_value)


def take(a, indices, axis=None, out=None, mode=None, unique_indices=False,
         indices_are_sorted=False, fill_value=None):
    """Elements of `a` at `indices` along `axis` (of the flattened array when axis is None).

    JAX's default mode is 'fill': indices still out of range after counting negative ones
    from the end read `fill_value` (NaN for inexact types). 'clip' clamps into [0, size)
    (negative indices too, as in NumPy), 'wrap' wraps.

    >>> import numax.numpy as jnp
    >>> jnp.take(jnp.asarray([1., 2., 3.]), jnp.asarray([2, -1, 5]))
    Array([ 3.,  3., nan], dtype=float32)
    """
    if out is not None:
        raise NotImplementedError("numax.numpy.take: the `out` argument is not supported "
                                  "(arrays are immutable); use the returned array")
    _check_take_mode("numax.numpy.take", mode)
    a = ensure_array(a)
    indices = _integer_indices("numax.numpy.take", indices)
    if axis is None:
        a = lax.reshape(a, (a.size,))
        axis = 0
    axis = canonicalize_axis(axis, a.ndim)
    if mode == "wrap":
        indices, mode = _wrap_indices(indices, a.shape[axis]), "clip"
    elif mode == "clip":                 # NumPy's 'clip' clamps negative indices to 0
        indices = np.maximum(indices, 0) if _is_host(indices) else \
            lax.max(indices, lax.full_like(indices, 0))
    index = (slice(None),) * axis + (indices,)
    return gather_index(a, index, mode="fill" if mode is None else mode, fill_value=fill_value,
                        indices_are_sorted=indices_are_sorted, unique_indices=unique_indices,
                        force_gather=True)


def take_along_axis(arr, indices, axis, mode=None, fill_value=None):
    """arr[..., indices[..., j, ...], ...] along `axis`; the other axes of `arr` and
    `indices` broadcast against each other. Default mode 'fill', as in JAX.

    >>> import numax.numpy as jnp
    >>> x = jnp.asarray([[10, 30, 20], [60, 40, 50]])
    >>> jnp.take_along_axis(x, jnp.argsort(x, axis=1), axis=1)
    Array([[10, 20, 30],
           [40, 50, 60]], dtype=int32)
    """
    _check_take_mode("numax.numpy.take_along_axis", mode)
    arr = ensure_array(arr)
    indices = _integer_indices("numax.numpy.take_along_axis", indices)
    if axis is None:
        if np.ndim(indices) != 1:
            raise ValueError("numax.numpy.take_along_axis: with axis=None the indices must be "
                             f"1-dimensional, got shape {np.shape(indices)}")
        arr, axis = lax.reshape(arr, (arr.size,)), 0
    if np.ndim(indices) != arr.ndim:
        raise ValueError(f"numax.numpy.take_along_axis: indices (shape {np.shape(indices)}) and "
                         f"arr (shape {arr.shape}) must have the same number of dimensions")
    axis = canonicalize_axis(axis, arr.ndim)
    size = arr.shape[axis]
    shape = _promote.broadcast_shapes(
        *[tuple(1 if i == axis else d for i, d in enumerate(s))
          for s in (arr.shape, np.shape(indices))])
    arr = _promote.broadcast_to(arr, shape[:axis] + (size,) + shape[axis + 1:])
    index_shape = shape[:axis] + (np.shape(indices)[axis],) + shape[axis + 1:]
    if mode == "wrap":
        indices, mode = _wrap_indices(indices, size), "clip"
    index_dtype = dtypes.default_int_dtype()
    if _is_host(indices):
        indices = np.asarray(indices)
        indices = np.broadcast_to(np.where(indices < 0, indices + size, indices).astype(
            index_dtype), index_shape)[..., None]
    else:
        if indices.dtype != index_dtype:
            indices = lax.convert_element_type(indices, index_dtype)
        indices = lax.select(lax.lt(indices, lax.full_like(indices, 0)),
                             lax.add(indices, lax.full_like(indices, size)), indices)
        indices = lax.expand_dims(_promote.broadcast_to(indices, index_shape), (arr.ndim,))
    if 0 in index_shape:
        return lax.full(index_shape, 0, arr.dtype)
    if size == 0:
        return lax.full(index_shape, _fill(arr.dtype, fill_value), arr.dtype)
    others = tuple(i for i in range(arr.ndim) if i != axis)
    dimension_numbers = lax.GatherDimensionNumbers(
        offset_dims=(), collapsed_slice_dims=(axis,), start_index_map=(axis,),
        operand_batching_dims=others, start_indices_batching_dims=others)
    return lax.gather(arr, indices, dimension_numbers, (1,) * arr.ndim,
                      mode="fill" if mode is None else mode, fill_value=fill_value)
