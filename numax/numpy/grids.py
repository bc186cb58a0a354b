"""Coordinate grids and index conversion in NumPy's API: meshgrid, mgrid, ogrid, indices,
ix_, unravel_index, ravel_multi_index.

Grids are broadcasts of 1-d ranges (iota or the given vectors), so they cost nothing
until used. mgrid and ogrid take slices: an integer step gives arange, a complex step
`5j` gives that many points with both ends included (linspace), as in NumPy.
"""

import numpy as np

from numax import lax
from numax.core import dtypes
from numax.core.trace import Tracer
from numax.numpy._promote import ensure_array


def meshgrid(*xi, copy=True, sparse=False, indexing="xy"):
    """Coordinate arrays from 1-d coordinate vectors: with indexing='xy' (Cartesian) the
    first two axes of the outputs are swapped relative to 'ij' (matrix indexing).

    >>> import numax.numpy as jnp
    >>> xs, ys = jnp.meshgrid(jnp.arange(3), jnp.arange(2))
    >>> xs
    Array([[0, 1, 2],
           [0, 1, 2]], dtype=int32)
    """
    del copy       # arrays are immutable
    if indexing not in ("xy", "ij"):
        raise ValueError(f"numax.numpy.meshgrid: indexing must be 'xy' or 'ij', got {indexing!r}")
    vectors = [ensure_array(x) for x in xi]
    for v in vectors:
        if v.ndim != 1:
            raise ValueError(f"numax.numpy.meshgrid: the inputs must be 1-d, got shape {v.shape} "
                             "(ravel it first)")
    shape = [v.shape[0] for v in vectors]
    if indexing == "xy" and len(vectors) >= 2:
        shape[0], shape[1] = shape[1], shape[0]
    out = []
    for i, v in enumerate(vectors):
        axis = i
        if indexing == "xy" and len(vectors) >= 2 and i < 2:
            axis = 1 - i
        if sparse:
            out.append(lax.reshape(v, tuple(v.shape[0] if k == axis else 1
                                            for k in range(len(shape)))))
        else:
            out.append(lax.broadcast_in_dim(v, tuple(shape), (axis,)))
    return out


def _range_from_slice(item):
    """The 1-d vector a slice stands for in mgrid/ogrid."""
    from numax.numpy.creation import arange, linspace
    start = 0 if item.start is None else item.start
    step = 1 if item.step is None else item.step
    for value in (start, item.stop, step):
        if isinstance(value, Tracer):
            raise TypeError("numax.numpy.mgrid/ogrid: slice bounds must be static, got a traced "
                            "value")
    if isinstance(step, complex) or np.iscomplexobj(step):
        count = int(abs(step))
        return linspace(start, item.stop, count, endpoint=True)
    return arange(start, item.stop, step)


class _Grid:
    """`mgrid[...]` (dense) and `ogrid[...]` (sparse) grids of slices."""

    def __init__(self, sparse, name):
        self.sparse = sparse
        self.name = name

    def __getitem__(self, key):
        if isinstance(key, slice):
            return _range_from_slice(key)
        if not isinstance(key, tuple) or not all(isinstance(k, slice) for k in key):
            raise TypeError(f"numax.numpy.{self.name}: index with slices, e.g. "
                            f"{self.name}[0:3, 0:5:2] or {self.name}[0:1:5j]")
        vectors = [_range_from_slice(k) for k in key]
        dtype = dtypes.result_type(*[v.dtype for v in vectors])
        vectors = [v if v.dtype == dtype else lax.convert_element_type(v, dtype)
                   for v in vectors]
        grids = meshgrid(*vectors, indexing="ij", sparse=self.sparse)
        if self.sparse:
            return grids
        if not grids:
            return lax.full((0,), 0, dtype)
        return lax.concatenate([lax.expand_dims(g, (0,)) for g in grids], 0)

    def __repr__(self):
        return f"numax.numpy.{self.name}"


mgrid = _Grid(sparse=False, name="mgrid")
ogrid = _Grid(sparse=True, name="ogrid")


def indices(dimensions, dtype=None, sparse=False):
    """An array (or, sparse, a tuple of arrays) holding each position's index along each
    axis of a grid of shape `dimensions`.

    >>> import numax.numpy as jnp
    >>> jnp.indices((2, 3))[1]
    Array([[0, 1, 2],
           [0, 1, 2]], dtype=int32)
    """
    dimensions = tuple(int(d) for d in dimensions)
    dtype = dtypes.canonicalize_dtype(dtypes.default_int_dtype() if dtype is None else dtype)
    ranges = [lax.iota(dtype, d) for d in dimensions]
    grids = meshgrid(*ranges, indexing="ij", sparse=sparse)
    if sparse:
        return tuple(grids)
    if not grids:
        return lax.full((0,), 0, dtype)
    return lax.concatenate([lax.expand_dims(g, (0,)) for g in grids], 0)


def ix_(*args):
    """Open-mesh index arrays from 1-d sequences (boolean ones select their True places):
    x[ix_(rows, cols)] is the cross product of rows and columns.

    >>> import numax.numpy as jnp
    >>> [a.shape for a in jnp.ix_(jnp.asarray([0, 1]), jnp.asarray([2, 0, 1]))]
    [(2, 1), (1, 3)]
    """
    out = []
    for i, arg in enumerate(args):
        if not isinstance(arg, (Tracer,)) and np.asarray(arg).dtype == np.bool_:
            arg = np.nonzero(np.asarray(arg))[0].astype(dtypes.default_int_dtype())
        if isinstance(arg, (list, tuple)) and len(arg) == 0:
            arg = np.zeros(0, dtypes.default_int_dtype())
        arg = ensure_array(arg)
        if arg.ndim != 1:
            raise ValueError(f"numax.numpy.ix_: the inputs must be 1-d, got shape {arg.shape}")
        if arg.dtype == np.bool_:
            raise TypeError("numax.numpy.ix_: boolean inputs must be concrete (they are turned "
                            "into index arrays with nonzero)")
        out.append(lax.reshape(arg, tuple(arg.shape[0] if k == i else 1
                                          for k in range(len(args)))))
    return tuple(out)


def unravel_index(indices, shape):
    """The coordinates in an array of `shape` of the flat (C-order) `indices`. Out of range
    indices are clipped into range, as in JAX.

    >>> import numax.numpy as jnp
    >>> jnp.unravel_index(jnp.asarray([5, 1]), (2, 3))
    (Array([1, 0], dtype=int32), Array([2, 1], dtype=int32))
    """
    indices = ensure_array(indices)
    if not dtypes.is_integer(indices.dtype) or indices.dtype == np.bool_:
        raise TypeError(f"numax.numpy.unravel_index: indices must be integers, got dtype "
                        f"{indices.dtype.name}")
    shape = tuple(int(d) for d in (shape if np.ndim(shape) else (shape,)))
    total = int(np.prod(shape, dtype=np.int64))
    index = lax.convert_element_type(indices, dtypes.default_int_dtype())
    total_value = lax.full_like(index, total)
    index = lax.select(lax.lt(index, lax.full_like(index, 0)), lax.add(index, total_value), index)
    index = lax.clamp(lax.full_like(index, 0), index, lax.full_like(index, max(total - 1, 0)))
    out = []
    for size in reversed(shape):
        size_value = lax.full_like(index, size)
        out.append(lax.rem(index, size_value))
        index = lax.div(index, size_value)
    return tuple(reversed(out))


def ravel_multi_index(multi_index, dims, mode="raise", order="C"):
    """The flat indices of coordinates `multi_index` in an array of shape `dims`. mode:
    'raise' (concrete inputs only), 'wrap' or 'clip'."""
    dims = tuple(int(d) for d in dims)
    if len(multi_index) != len(dims):
        raise ValueError(f"numax.numpy.ravel_multi_index: got {len(multi_index)} index arrays "
                         f"for {len(dims)} dimensions")
    if order not in ("C", "F"):
        raise ValueError(f"numax.numpy.ravel_multi_index: order must be 'C' or 'F', got "
                         f"{order!r}")
    if mode not in ("raise", "wrap", "clip"):
        raise ValueError(f"numax.numpy.ravel_multi_index: mode must be 'raise', 'wrap' or "
                         f"'clip', got {mode!r}")
    from numax.numpy.manipulation import broadcast_arrays
    arrays = broadcast_arrays(*[ensure_array(i) for i in multi_index])
    index_dtype = dtypes.default_int_dtype()
    arrays = [lax.convert_element_type(a, index_dtype) for a in arrays]
    if mode == "raise":
        if any(isinstance(a, Tracer) for a in arrays):
            raise TypeError("numax.numpy.ravel_multi_index: mode='raise' needs concrete indices "
                            "(it checks their values); use mode='wrap' or 'clip' under jit")
        for a, d in zip(arrays, dims):
            host = np.asarray(a)
            if host.size and (host.min() < 0 or host.max() >= d):
                raise ValueError("numax.numpy.ravel_multi_index: invalid entry in coordinates "
                                 "array")
    elif mode == "clip":
        arrays = [lax.clamp(lax.full_like(a, 0), a, lax.full_like(a, d - 1))
                  for a, d in zip(arrays, dims)]
    else:
        arrays = [lax.rem(lax.add(lax.rem(a, lax.full_like(a, d)), lax.full_like(a, d)),
                          lax.full_like(a, d)) for a, d in zip(arrays, dims)]
    order_axes = range(len(dims)) if order == "C" else reversed(range(len(dims)))
    flat = None
    for axis in order_axes:
        flat = arrays[axis] if flat is None else lax.add(
            lax.mul(flat, lax.full_like(flat, dims[axis])), arrays[axis])
    return flat if flat is not None else lax.full((), 0, index_dtype)
