"""numpy.pad for numax arrays: every mode of NumPy's pad, written with lax ops.

Modes: constant (constant_values, may be traced), empty (zeros, as in JAX), edge, wrap,
reflect and symmetric (reflect_type 'even' or 'odd'), linear_ramp (end_values),
maximum, minimum, mean, median (stat_length), and a callable applied to every 1-d
line along each axis. As in NumPy, axes are padded one after another, so corners
take the values of the later axes' rule; reflections wider than the array repeat
the way NumPy's do (odd reflections keep growing away from the edge). Each call runs
as one jitted program (the widths, mode and host-side values are static).
"""

import numpy as np

from numax import lax
from numax.api import jit
from numax.array import Array
from numax.core import dtypes
from numax.core.trace import Tracer
from numax.numpy import ufuncs
from numax.numpy._promote import ensure_array

_MODES = ("constant", "empty", "edge", "wrap", "reflect", "symmetric", "linear_ramp",
          "maximum", "minimum", "mean", "median")


def _pair_positions(shape, ndim):
    """NumPy's reading of a pad argument of `shape` as per-axis (before, after) pairs: the
    flat positions of the value used for each. One value serves all; two (not as a column)
    are (before, after) for every axis; otherwise the value broadcasts to (ndim, 2)."""
    positions = np.arange(int(np.prod(shape, dtype=np.int64))).reshape(shape)
    if positions.size == 1:
        return np.zeros((ndim, 2), np.int64)
    if positions.size == 2 and tuple(shape) != (2, 1):
        return np.broadcast_to(positions.reshape(2), (ndim, 2))
    return np.broadcast_to(positions, (ndim, 2))


def _pairs(value, ndim, name):
    """Static non-negative integer pairs (pad_width, stat_length)."""
    if isinstance(value, Tracer):
        raise TypeError(f"numax.numpy.pad: {name} must be static (it fixes the result's shape), "
                        "got a traced value")
    host = np.asarray(value)
    if host.size and host.dtype.kind not in "iu":
        raise TypeError(f"numax.numpy.pad: {name} must be integers, got {value!r}")
    try:
        positions = _pair_positions(host.shape, ndim)
    except ValueError:
        raise ValueError(f"numax.numpy.pad: {name} of shape {host.shape} does not fit an array "
                         f"of {ndim} dimensions; give a scalar, a (before, after) pair or one "
                         "pair per axis") from None
    pairs = host.reshape(-1)[positions]
    if (pairs < 0).any():
        raise ValueError(f"numax.numpy.pad: {name} cannot contain negative values, got {value!r}")
    return [tuple(int(v) for v in row) for row in pairs]


def _scalar_pairs(value, ndim, name):
    """Per-axis pairs of scalars (host values or traced 0-d arrays) for constant_values and
    end_values."""
    traced = isinstance(value, Tracer) or hasattr(value, "aval")
    shape = np.shape(value)
    try:
        positions = _pair_positions(shape, ndim)
    except ValueError:
        raise ValueError(f"numax.numpy.pad: {name} of shape {shape} does not fit an array of "
                         f"{ndim} dimensions") from None
    if not traced:
        flat = np.asarray(value).reshape(-1)
        return [(flat[i], flat[j]) for i, j in positions]
    flat = lax.reshape(value, (int(np.prod(shape, dtype=np.int64)),))
    pick = {int(i): lax.index_in_dim(flat, int(i), keepdims=False) for i in np.unique(positions)}
    return [(pick[int(i)], pick[int(j)]) for i, j in positions]


def _block(x, axis, width, value):
    """A block like x but `width` long on axis, filled with the scalar `value`."""
    shape = x.shape[:axis] + (width,) + x.shape[axis + 1:]
    if isinstance(value, (np.ndarray, np.generic, int, float, complex, bool)):
        return lax.full(shape, np.asarray(value).astype(x.dtype), x.dtype)
    value = ensure_array(value)
    if value.dtype != x.dtype:
        value = lax.convert_element_type(value, x.dtype)
    return lax.broadcast_in_dim(value, shape, ())


def _join(x, axis, before, after):
    pieces = [p for p in (before, x, after) if p is not None and p.shape[axis] > 0]
    return pieces[0] if len(pieces) == 1 else lax.concatenate(pieces, axis)


def _edge_slices(x, axis):
    size = x.shape[axis]
    return (lax.slice_in_dim(x, 0, 1, axis=axis), lax.slice_in_dim(x, size - 1, size, axis=axis))


def _repeat_slice(piece, axis, width):
    shape = piece.shape[:axis] + (width,) + piece.shape[axis + 1:]
    return lax.broadcast_in_dim(lax.reshape(piece, piece.shape[:axis] + piece.shape[axis + 1:]),
                                shape, tuple(i for i in range(piece.ndim) if i != axis))


def _pad_constant(x, widths, values):
    if all(not isinstance(v, Tracer) and np.ndim(v) == 0 for pair in values for v in pair):
        flat = {np.asarray(v).astype(x.dtype).item() for pair in values for v in pair}
        if len(flat) == 1:        # one value everywhere: a single lax.pad
            value = np.asarray(flat.pop(), x.dtype)
            return lax.pad(x, value, [(b, a, 0) for b, a in widths])
    for axis, ((before, after), (low, high)) in enumerate(zip(widths, values)):
        x = _join(x, axis, _block(x, axis, before, low), _block(x, axis, after, high))
    return x


def _pad_edge(x, axis, before, after):
    first, last = _edge_slices(x, axis)
    return _join(x, axis, _repeat_slice(first, axis, before), _repeat_slice(last, axis, after))


def _pad_wrap(x, axis, before, after):
    from numax.numpy.indexing import take
    size = x.shape[axis]
    positions = np.mod(np.arange(-before, size + after), size).astype(dtypes.default_int_dtype())
    return take(x, positions, axis=axis, mode="clip")


def _pad_reflect(x, axis, before, after, odd, include_edge):
    """NumPy's reflection: repeatedly mirror the valid region, by at most its length
    (less the edge for 'reflect') at a time, so that odd reflections keep extrapolating."""
    period = x.shape[axis]
    while before > 0 or after > 0:
        length = x.shape[axis]
        if include_edge:
            chunk = length // period * period
        else:
            chunk = (length - 1) // (period - 1) * (period - 1)
        offset = 0 if include_edge else 1
        left = right = None
        first, last = _edge_slices(x, axis)
        if before > 0:
            width = min(chunk, before)
            left = lax.rev(lax.slice_in_dim(x, offset, offset + width, axis=axis), (axis,))
            if odd:
                left = ufuncs.subtract(ufuncs.multiply(2, first), left)
            before -= width
        if after > 0:
            width = min(chunk, after)
            right = lax.rev(lax.slice_in_dim(x, length - offset - width, length - offset,
                                             axis=axis), (axis,))
            if odd:
                right = ufuncs.subtract(ufuncs.multiply(2, last), right)
            after -= width
        x = _join(x, axis, left, right)
    return x


def _pad_linear_ramp(x, axis, before, after, ends):
    """Ramps from end value to the edge value, the end included and the edge not (NumPy's
    linspace(end, edge, width, endpoint=False)); integer arrays round down, as NumPy 2."""
    compute = dtypes.to_inexact_dtype(x.dtype)
    pieces = []
    for width, edge, end, reverse in ((before, _edge_slices(x, axis)[0], ends[0], False),
                                      (after, _edge_slices(x, axis)[1], ends[1], True)):
        if width == 0:
            pieces.append(None)
            continue
        edge = lax.convert_element_type(edge, compute)
        end = _block(lax.convert_element_type(edge, compute), axis, 1, end)
        steps = lax.broadcast_in_dim(
            lax.convert_element_type(lax.iota(dtypes.default_int_dtype(), width), compute),
            x.shape[:axis] + (width,) + x.shape[axis + 1:], (axis,))
        ramp = ufuncs.add(end, ufuncs.multiply(ufuncs.subtract(edge, end),
                                               ufuncs.divide(steps, width)))
        if not dtypes.is_inexact(x.dtype):
            ramp = ufuncs.floor(ramp)
        ramp = lax.convert_element_type(ramp, x.dtype)
        pieces.append(lax.rev(ramp, (axis,)) if reverse else ramp)
    return _join(x, axis, pieces[0], pieces[1])


def _statistic(mode):
    from numax.numpy import reductions

    def median(v, axis):
        from numax.numpy.sorting import sort
        ordered = sort(v, axis=axis)
        n = v.shape[axis]
        low = lax.slice_in_dim(ordered, (n - 1) // 2, (n - 1) // 2 + 1, axis=axis)
        high = lax.slice_in_dim(ordered, n // 2, n // 2 + 1, axis=axis)
        return reductions.mean(lax.concatenate([low, high], axis), axis=axis, keepdims=True)

    return {"maximum": lambda v, axis: reductions.max(v, axis=axis, keepdims=True),
            "minimum": lambda v, axis: reductions.min(v, axis=axis, keepdims=True),
            "mean": lambda v, axis: reductions.mean(v, axis=axis, keepdims=True),
            "median": median}[mode]


def _pad_stat(x, axis, before, after, lengths, mode):
    size = x.shape[axis]
    statistic = _statistic(mode)
    if size == 0 or any(length == 0 for length in lengths if length is not None):
        if mode in ("maximum", "minimum"):
            raise ValueError("numax.numpy.pad: stat_length of 0 yields no value for padding")
    pieces = []
    for width, length, from_end in ((before, lengths[0], False), (after, lengths[1], True)):
        length = size if length is None else min(int(length), size)
        region = lax.slice_in_dim(x, size - length, size, axis=axis) if from_end else \
            lax.slice_in_dim(x, 0, length, axis=axis)
        value = statistic(region, axis)
        if value.dtype != x.dtype:
            if not dtypes.is_inexact(x.dtype):
                value = ufuncs.rint(value)
            value = lax.convert_element_type(value, x.dtype)
        pieces.append(_repeat_slice(value, axis, width))
    return _join(x, axis, pieces[0], pieces[1])


def _pad_function(x, widths, function, kwargs):
    """NumPy's callable mode: function(vector, (before, after), axis, kwargs) returns the
    padded vector (numax arrays are immutable, so it must return, not assign)."""
    from numax import vmap
    from numax.numpy.manipulation import moveaxis
    x = _pad_constant(x, widths, [(0, 0)] * x.ndim)
    for axis, pair in enumerate(widths):
        lines = moveaxis(x, axis, -1)
        shape = lines.shape
        flat = lax.reshape(lines, (int(np.prod(shape[:-1], dtype=np.int64)), shape[-1]))
        padded = vmap(lambda v: ensure_array(function(v, pair, axis, kwargs)))(flat)
        if padded.shape != flat.shape:
            raise ValueError(f"numax.numpy.pad: the padding function must return a vector of "
                             f"the padded length {shape[-1]}, got shape {padded.shape[1:]}")
        x = moveaxis(lax.reshape(lax.convert_element_type(padded, x.dtype), shape), -1, axis)
    return x


def pad(array, pad_width, mode="constant", **kwargs):
    """`array` padded by pad_width[i] = (before, after) elements along axis i.

    >>> import numax.numpy as jnp
    >>> jnp.pad(jnp.asarray([1, 2, 3]), (2, 1), mode="reflect")
    Array([3, 2, 1, 2, 3, 2], dtype=int32)
    >>> jnp.pad(jnp.asarray([1., 2.]), 1, constant_values=(-1., 9.))
    Array([-1.,  1.,  2.,  9.], dtype=float32)
    """
    x = ensure_array(array)
    widths = _pairs(pad_width, x.ndim, "pad_width")
    if callable(mode):
        return _pad_function(x, widths, mode, kwargs)
    if mode not in _MODES:
        raise ValueError(f"numax.numpy.pad: mode {mode!r} is not supported; use one of {_MODES} "
                         "or a function")
    allowed = {"constant": {"constant_values"}, "linear_ramp": {"end_values"},
               "reflect": {"reflect_type"}, "symmetric": {"reflect_type"},
               "maximum": {"stat_length"}, "minimum": {"stat_length"},
               "mean": {"stat_length"}, "median": {"stat_length"}}.get(mode, set())
    unknown = set(kwargs) - allowed
    if unknown:
        raise ValueError(f"numax.numpy.pad: unsupported keyword arguments for mode {mode!r}: "
                         f"{sorted(unknown)}")
    reflect_type = kwargs.get("reflect_type", "even")
    if reflect_type not in ("even", "odd"):
        raise ValueError(f"numax.numpy.pad: reflect_type must be 'even' or 'odd', got "
                         f"{reflect_type!r}")
    lengths = kwargs.get("stat_length")
    lengths = ((None, None),) * x.ndim if lengths is None else \
        tuple(_pairs(lengths, x.ndim, "stat_length"))
    values = kwargs.get("constant_values" if mode in ("constant", "empty") else "end_values", 0)
    if mode not in ("constant", "empty"):
        for axis, (before, after) in enumerate(widths):
            if (before or after) and x.shape[axis] == 0:
                raise ValueError(f"numax.numpy.pad: can't extend empty axis {axis} using modes "
                                 "other than 'constant' or 'empty'")
    if isinstance(values, (Tracer, Array)):
        static_values, values = None, values
    else:                  # host values are static: hashable, and the fast paths see them
        host = np.asarray(values)
        static_values, values = (tuple(host.reshape(-1).tolist()), host.shape), None
    return _pad_program(x, values, widths=tuple(widths), mode=mode, static_values=static_values,
                        lengths=lengths, reflect_type=reflect_type)


@jit(static_argnames=("widths", "mode", "static_values", "lengths", "reflect_type"))
def _pad_program(x, values, *, widths, mode, static_values, lengths, reflect_type):
    if static_values is not None:
        flat, shape = static_values
        values = np.asarray(flat).reshape(shape)
    if mode in ("constant", "empty"):
        return _pad_constant(x, widths, _scalar_pairs(values, x.ndim, "constant_values"))
    ends = _scalar_pairs(values, x.ndim, "end_values") if mode == "linear_ramp" else None
    for axis, (before, after) in enumerate(widths):
        if before == 0 and after == 0:
            continue
        if mode == "edge" or (mode in ("reflect", "symmetric") and x.shape[axis] == 1):
            x = _pad_edge(x, axis, before, after)
        elif mode == "wrap":
            x = _pad_wrap(x, axis, before, after)
        elif mode in ("reflect", "symmetric"):
            x = _pad_reflect(x, axis, before, after, reflect_type == "odd",
                             include_edge=mode == "symmetric")
        elif mode == "linear_ramp":
            x = _pad_linear_ramp(x, axis, before, after, ends[axis])
        else:
            x = _pad_stat(x, axis, before, after, lengths[axis], mode)
    return x
