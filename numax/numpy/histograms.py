"""Counting into bins in NumPy's API: bincount, histogram, histogram_bin_edges,
histogram2d, histogramdd.

Each value's bin comes from searchsorted on the edges (the last edge belongs to the last
bin, values outside the edges are dropped), and the counts are one scatter-add, so
everything works under jit: there the number of bins must be static (bincount's
`length`, an int `bins`). As in JAX, histogram counts are floats (the weights default
to ones of the data's inexact type), and bincount clips negative values to 0. The edges
and the counts are each one jitted program.
"""

import builtins

import numpy as np

from numax import lax
from numax.api import jit
from numax.core import dtypes
from numax.core.trace import Tracer
from numax.numpy import ufuncs
from numax.numpy._promote import ensure_array, promote


def bincount(x, weights=None, minlength=0, *, length=None):
    """The number of occurrences of each value 0, 1, ... in the 1-d int array `x` (or the
    sum of `weights` there). Under jit the static `length` fixes the number of bins;
    values >= length are dropped.

    >>> import numax.numpy as jnp
    >>> jnp.bincount(jnp.asarray([0, 1, 1, 3]))
    Array([1, 2, 0, 1], dtype=int32)
    """
    x = ensure_array(x)
    if not dtypes.is_integer(x.dtype) or x.dtype == np.bool_:
        raise TypeError(f"numax.numpy.bincount: x must be integers, got dtype {x.dtype.name}")
    if x.ndim != 1:
        raise ValueError(f"numax.numpy.bincount: x must be 1-dimensional, got shape {x.shape}")
    if length is None:
        if isinstance(x, Tracer):
            from numax.core.errors import ConcretizationTypeError
            raise ConcretizationTypeError(x, "numax.numpy.bincount: the number of bins depends "
                                          "on the values of x, which are traced; pass the "
                                          "static length=, e.g. bincount(x, length=10).\n")
        host = np.asarray(x)
        length = max(int(host.max()) + 1 if host.size else 0, int(minlength))
    length = max(int(length), int(minlength))
    if weights is None:
        weights = lax.full(x.shape, 1, dtypes.default_int_dtype())
    else:
        weights = ensure_array(weights)
        if weights.shape != x.shape:
            raise ValueError(f"numax.numpy.bincount: weights of shape {weights.shape} must "
                             f"have the shape of x {x.shape}")
    positions = lax.max(x, lax.full_like(x, 0))
    return lax.full((length,), 0, weights.dtype).at[positions].add(weights, mode="drop")


def _edges_from_count(api, a, count, value_range):
    if count < 1:
        raise ValueError(f"numax.numpy.{api}: bins must be a positive integer, got {count}")
    if value_range is not None:
        low, high = value_range
        if not isinstance(low, Tracer) and not isinstance(high, Tracer) and low > high:
            raise ValueError(f"numax.numpy.{api}: max must be larger than min in range "
                             f"parameter, got {value_range}")
        value_range = tuple(value_range)
    return _edges_program(a, value_range, count=count)


@jit(static_argnames=("count",))
def _edges_program(a, value_range, *, count):
    dtype = dtypes.to_inexact_dtype(a.dtype)
    a = lax.convert_element_type(a, dtype) if a.dtype != dtype else a
    if value_range is not None:
        low, high = (lax.convert_element_type(ensure_array(v), dtype) for v in value_range)
    elif a.size == 0:
        low, high = lax.full((), 0, dtype), lax.full((), 1, dtype)
    else:
        low, high = lax.reduce_min(a, tuple(range(a.ndim))), lax.reduce_max(
            a, tuple(range(a.ndim)))
    same = lax.eq(low, high)
    half = lax.full((), 0.5, dtype)
    low = lax.select(same, lax.sub(low, half), low)
    high = lax.select(same, lax.add(high, half), high)
    steps = lax.div(lax.convert_element_type(lax.iota(np.int32, count + 1), dtype),
                    lax.full((), count, dtype))
    return lax.add(lax.broadcast_in_dim(low, (count + 1,), ()),
                   lax.mul(steps, lax.broadcast_in_dim(lax.sub(high, low), (count + 1,), ())))


def histogram_bin_edges(a, bins=10, range=None, weights=None):  # noqa: A002  (NumPy's name)
    """The bin edges histogram uses: `bins` + 1 evenly spaced edges over `range` (default:
    the data's min to max, widened by 0.5 each way if they are equal), or `bins` itself."""
    del weights     # NumPy's signature; the weights do not move the edges
    a = ensure_array(a)
    dtype = dtypes.to_inexact_dtype(a.dtype)
    if isinstance(bins, str):
        raise NotImplementedError(f"numax.numpy.histogram_bin_edges: string bins ({bins!r}) are "
                                  "not supported; give a number of bins or the edges")
    if np.ndim(bins) == 0 and not isinstance(bins, Tracer):
        return _edges_from_count("histogram_bin_edges", a, int(bins), range)
    edges = ensure_array(bins)
    if edges.ndim != 1:
        raise ValueError(f"numax.numpy.histogram_bin_edges: bins must be an int or a 1-d array "
                         f"of edges, got shape {edges.shape}")
    return edges if dtypes.is_inexact(edges.dtype) else lax.convert_element_type(edges, dtype)


def _bin_index(values, edges):
    """The bin of each value among len(edges) - 1 bins, or len(edges) - 1 (out of range)
    when it lies outside [edges[0], edges[-1]]; the last edge belongs to the last bin."""
    from numax.numpy.sorting import searchsorted
    bins = edges.shape[0] - 1
    position = searchsorted(edges, values, side="right")
    last = lax.index_in_dim(edges, bins, keepdims=False)
    position = lax.select(ufuncs.equal(values, last), lax.full_like(position, bins), position)
    inside = ufuncs.logical_and(lax.gt(position, lax.full_like(position, 0)),
                                lax.le(position, lax.full_like(position, bins)))
    return lax.select(inside, lax.sub(position, lax.full_like(position, 1)),
                      lax.full_like(position, bins))


def histogram(a, bins=10, range=None, weights=None, density=None):  # noqa: A002
    """Counts (or summed weights) of the values of `a` in each bin, and the bin edges.
    density=True divides by the total and the bin widths, so the result integrates to 1.

    >>> import numax.numpy as jnp
    >>> counts, edges = jnp.histogram(jnp.asarray([1., 2., 2., 4.]), bins=3)
    >>> counts
    Array([1., 2., 1.], dtype=float32)
    """
    a = ensure_array(a)
    if weights is not None:
        weights = ensure_array(weights)
        if weights.shape != a.shape:
            raise ValueError(f"numax.numpy.histogram: weights of shape {weights.shape} must "
                             f"have the shape of a {a.shape}")
        weights = lax.reshape(weights, (weights.size,))
    counts, (edges,) = histogramdd(lax.reshape(a, (a.size, 1)), (bins,),
                                   None if range is None else (range,), weights, density,
                                   api="histogram")
    return counts, edges


@jit(static_argnames=("density",))
def _count_program(sample, weights, edges, *, density):
    """The (weighted) number of rows of `sample` in each cell of the grid of edges."""
    n = sample.shape[0]
    counts_shape = tuple(e.shape[0] - 1 for e in edges)
    flat = lax.full((n,), 0, dtypes.default_int_dtype())
    outside = lax.full((n,), False, np.bool_)
    for j, (edge, size) in enumerate(zip(edges, counts_shape)):
        column = lax.index_in_dim(sample, j, axis=1, keepdims=False)
        index = _bin_index(lax.convert_element_type(column, edge.dtype), edge)
        outside = ufuncs.logical_or(outside, lax.eq(index, lax.full_like(index, size)))
        flat = lax.add(lax.mul(flat, lax.full_like(flat, size)), index)
    total = int(np.prod(counts_shape, dtype=np.int64))
    flat = lax.select(outside, lax.full_like(flat, total), flat)
    if weights is None:
        weights = lax.full((n,), 1, sample.dtype)
    counts = lax.full((total,), 0, weights.dtype).at[flat].add(weights, mode="drop")
    counts = lax.reshape(counts, counts_shape)
    if density:
        from numax.numpy.reductions import sum as reduce_sum
        counts = ufuncs.divide(counts, reduce_sum(counts))
        for axis, edge in enumerate(edges):
            widths = ufuncs.subtract(lax.slice(edge, (1,), (edge.shape[0],)),
                                     lax.slice(edge, (0,), (edge.shape[0] - 1,)))
            counts = ufuncs.divide(counts, lax.broadcast_in_dim(
                lax.convert_element_type(widths, counts.dtype), counts.shape, (axis,)))
    return counts


def histogram2d(x, y, bins=10, range=None, weights=None, density=None):  # noqa: A002
    """The 2-d histogram of the points (x[i], y[i]): counts and the edges along x and y."""
    x, y = ensure_array(x), ensure_array(y)
    if x.shape != y.shape or x.ndim != 1:
        raise ValueError(f"numax.numpy.histogram2d: x and y must be 1-d of one length, got "
                         f"shapes {x.shape} and {y.shape}")
    try:                                  # NumPy's reading: one spec, or one per axis
        count = len(bins)
    except TypeError:
        count = 1
    if count not in (1, 2):
        bins = (bins, bins)               # one array of edges for both axes
    elif count == 1:
        bins = (bins, bins) if np.ndim(bins) == 0 else (bins[0], bins[0])
    sample = lax.concatenate([lax.reshape(v, (v.shape[0], 1))
                              for v in promote(x, y, name="numax.numpy.histogram2d")], 1)
    counts, edges = histogramdd(sample, bins, range, weights, density, api="histogram2d")
    return counts, edges[0], edges[1]


def histogramdd(sample, bins=10, range=None, weights=None, density=None,  # noqa: A002
                *, api="histogramdd"):
    """The d-dimensional histogram of the rows of the (n, d) `sample`: counts and a list
    of the edges along each dimension."""
    sample = ensure_array(sample)
    if sample.ndim == 1:
        sample = lax.reshape(sample, (sample.shape[0], 1))
    if sample.ndim != 2:
        raise ValueError(f"numax.numpy.{api}: sample must be an (n, d) array, got shape "
                         f"{sample.shape}")
    n, d = sample.shape
    dtype = dtypes.to_inexact_dtype(sample.dtype)
    sample = lax.convert_element_type(sample, dtype) if sample.dtype != dtype else sample
    if isinstance(bins, (int, np.integer)):
        bins = [bins] * d
    if len(bins) != d:
        raise ValueError(f"numax.numpy.{api}: got {len(bins)} bin specifications for {d} "
                         "dimensions")
    ranges = [None] * d if range is None else list(range)
    if len(ranges) != d:
        raise ValueError(f"numax.numpy.{api}: got {len(ranges)} ranges for {d} dimensions")
    columns = [lax.index_in_dim(sample, j, axis=1, keepdims=False) for j in builtins.range(d)]
    edges = [histogram_bin_edges(c, b, r) for c, b, r in zip(columns, bins, ranges)]
    if weights is not None:
        weights = ensure_array(weights)
        if weights.shape != (n,):
            raise ValueError(f"numax.numpy.{api}: weights of shape {weights.shape} must have "
                             f"one weight per sample ({n})")
    counts = _count_program(sample, weights, tuple(edges), density=bool(density))
    return counts, edges
