"""Sorting and searching in NumPy's API: sort, argsort, lexsort, sort_complex, partition,
argpartition, searchsorted, digitize, nanargmax, nanargmin.

Everything sorts with `lax.sort`, whose order is JAX's: NaNs last, -0.0 equal to 0.0,
complex numbers by real then imaginary part. `descending=True` reverses a stable
ascending sort of the reversed array, so equal keys keep their input order (and NaNs
come first). searchsorted uses the same order, so `searchsorted(sort(a), v)` agrees
with NumPy also for NaNs. Indices are in the default integer type (int32 without x64).
partition/argpartition return a full sort, which satisfies the partition contract.
"""

import numpy as np

from numax import lax
from numax.api import jit
from numax.core import dtypes
from numax.numpy import ufuncs
from numax.numpy._promote import canonicalize_axis, ensure_array, promote


def _flatten_if_none(a, axis):
    a = ensure_array(a)
    if axis is None:
        return lax.reshape(a, (a.size,)), 0
    return a, canonicalize_axis(axis, a.ndim)


def _check_sort_args(api, kind, order):
    if order is not None:
        raise NotImplementedError(f"numax.numpy.{api}: the `order` argument (structured arrays) "
                                  "is not supported")
    del kind      # every sort is stable; kind='quicksort' etc. only name algorithms


def sort(a, axis=-1, *, kind=None, order=None, stable=True, descending=False):
    """A sorted copy of `a` along `axis` (the flattened array for axis=None).

    >>> import numax.numpy as jnp
    >>> jnp.sort(jnp.asarray([3., jnp.nan, 1., 2.]))
    Array([ 1.,  2.,  3., nan], dtype=float32)
    """
    _check_sort_args("sort", kind, order)
    a, axis = _flatten_if_none(a, axis)
    if a.ndim == 0:
        raise np.exceptions.AxisError("numax.numpy.sort: axis is out of bounds for a 0-d array; "
                                      "use axis=None")
    if descending:
        return lax.rev(lax.sort(lax.rev(a, (axis,)), axis, is_stable=stable), (axis,))
    return lax.sort(a, axis, is_stable=stable)


def argsort(a, axis=-1, *, kind=None, order=None, stable=True, descending=False):
    """The indices that sort `a` along `axis`; equal elements keep their order.

    >>> import numax.numpy as jnp
    >>> jnp.argsort(jnp.asarray([3, 1, 2, 1]))
    Array([1, 3, 2, 0], dtype=int32)
    """
    _check_sort_args("argsort", kind, order)
    a, axis = _flatten_if_none(a, axis)
    if a.ndim == 0:
        raise np.exceptions.AxisError("numax.numpy.argsort: axis is out of bounds for a 0-d "
                                      "array; use axis=None")
    index_dtype = dtypes.default_int_dtype()
    iota = lax.broadcasted_iota(index_dtype, a.shape, axis)
    if descending:
        _, found = lax.sort((lax.rev(a, (axis,)), iota), axis, is_stable=stable, num_keys=1)
        last = lax.full_like(found, a.shape[axis] - 1)
        return lax.sub(last, lax.rev(found, (axis,)))
    return lax.sort((a, iota), axis, is_stable=stable, num_keys=1)[1]


def lexsort(keys, axis=-1):
    """The indices that sort by several keys: the last key is the primary one.

    >>> import numax.numpy as jnp
    >>> jnp.lexsort((jnp.asarray([1, 0, 2]), jnp.asarray([1, 1, 0])))
    Array([2, 1, 0], dtype=int32)
    """
    keys = [ensure_array(k) for k in keys]
    if not keys:
        raise TypeError("numax.numpy.lexsort: need a sequence of keys with length >= 1")
    shapes = {k.shape for k in keys}
    if len(shapes) != 1:
        raise ValueError(f"numax.numpy.lexsort: all keys need the same shape, got {sorted(shapes)}")
    shape = keys[0].shape
    if not shape:
        raise np.exceptions.AxisError("numax.numpy.lexsort: keys must be at least 1-d")
    axis = canonicalize_axis(axis, len(shape))
    iota = lax.broadcasted_iota(dtypes.default_int_dtype(), shape, axis)
    return lax.sort(tuple(keys[::-1]) + (iota,), axis, is_stable=True, num_keys=len(keys))[-1]


def sort_complex(a):
    """`a` sorted along its last axis, as complex numbers (real part, then imaginary).

    >>> import numax.numpy as jnp
    >>> jnp.sort_complex(jnp.asarray([3., 1.]))
    Array([1.+0.j, 3.+0.j], dtype=complex64)
    """
    a = sort(a, axis=-1)
    complex_dtype = dtypes.result_type(a.dtype, np.complex64)
    return lax.convert_element_type(a, complex_dtype) if a.dtype != complex_dtype else a


def _check_kth(api, kth, size):
    kths = np.atleast_1d(np.asarray(kth))
    if kths.dtype.kind not in "iu":
        raise TypeError(f"numax.numpy.{api}: kth must be a static integer (or integers), got "
                        f"{kth!r}")
    for k in kths:
        if not -size <= k < size:
            raise ValueError(f"numax.numpy.{api}: kth={int(k)} is out of bounds for an axis of "
                             f"size {size}")


def partition(a, kth, axis=-1):
    """`a` rearranged along `axis` so that element `kth` is where a sort would put it, the
    ones before it are not larger and the ones after not smaller. (Here: a stable sort.)"""
    a = ensure_array(a)
    axis = canonicalize_axis(axis, a.ndim)
    _check_kth("partition", kth, a.shape[axis])
    return sort(a, axis)


def argpartition(a, kth, axis=-1):
    """Indices that partition `a` around `kth` along `axis` (here: a stable argsort)."""
    a = ensure_array(a)
    axis = canonicalize_axis(axis, a.ndim)
    _check_kth("argpartition", kth, a.shape[axis])
    return argsort(a, axis)


# ---------------------------------------------------------------- searching

def _less(x, y):
    """x < y in sort's order: NaN above everything, complex numbers lexicographically."""
    if dtypes.is_complex(x.dtype):
        xr, yr = ufuncs.real(x), ufuncs.real(y)
        return ufuncs.logical_or(_less(xr, yr), ufuncs.logical_and(
            _equal(xr, yr), _less(ufuncs.imag(x), ufuncs.imag(y))))
    if not dtypes.is_inexact(x.dtype):
        return ufuncs.less(x, y)
    return ufuncs.logical_or(ufuncs.less(x, y), ufuncs.logical_and(
        ufuncs.isnan(y), ufuncs.logical_not(ufuncs.isnan(x))))


def _equal(x, y):
    both_nan = ufuncs.logical_and(ufuncs.isnan(x), ufuncs.isnan(y))
    return ufuncs.logical_or(ufuncs.equal(x, y), both_nan)


def _goes_right(side):
    """Whether the query v lies right of the sorted element e: e < v for side='left',
    e <= v (not v < e) for side='right'."""
    if side == "left":
        return lambda element, v: _less(element, v)
    return lambda element, v: ufuncs.logical_not(_less(v, element))


def _search_scan(sorted_arr, v, side, unrolled):
    """Binary search: every query halves [low, high) bit_length(n) times."""
    n = sorted_arr.shape[0]
    index_dtype = dtypes.default_int_dtype()
    goes_right = _goes_right(side)
    low = lax.full(v.shape, 0, index_dtype)
    high = lax.full(v.shape, n, index_dtype)

    def step(_, bounds):
        low, high = bounds
        middle = lax.div(lax.add(low, high), lax.full_like(low, 2))
        element = _take_clamped(sorted_arr, middle)
        right = ufuncs.logical_and(goes_right(element, v), lax.lt(low, high))
        left = ufuncs.logical_and(ufuncs.logical_not(right), lax.lt(low, high))
        low = lax.select(right, lax.add(middle, lax.full_like(middle, 1)), low)
        high = lax.select(left, middle, high)
        return low, high

    steps = int(n).bit_length()
    if unrolled:
        bounds = (low, high)
        for i in range(steps):
            bounds = step(i, bounds)
        return bounds[0]
    return lax.fori_loop(0, steps, step, (low, high))[0]


def _take_clamped(arr, positions):
    from numax.numpy.indexing import take
    return take(arr, positions, mode="clip")


def _search_compare_all(sorted_arr, v, side):
    """Counts the elements left of each query with one broadcast comparison (O(n m))."""
    from numax.numpy.reductions import sum as reduce_sum
    right = _goes_right(side)(sorted_arr, lax.expand_dims(v, (v.ndim,)))
    return reduce_sum(right, axis=-1, dtype=dtypes.default_int_dtype())


def _search_sort(sorted_arr, v, side):
    """Sorts the elements together with the queries (queries before equal elements for
    side='left', after for 'right'); a query's answer is the number of elements before it."""
    from numax.numpy.cumulative import cumsum
    n, index_dtype = sorted_arr.shape[0], dtypes.default_int_dtype()
    queries = lax.reshape(v, (v.size,))
    m = queries.shape[0]
    keys = lax.concatenate([sorted_arr, queries], 0)
    query_first = side == "left"
    tags = lax.concatenate([lax.full((n,), 1 if query_first else 0, np.int8),
                            lax.full((m,), 0 if query_first else 1, np.int8)], 0)
    order = lax.iota(index_dtype, n + m)
    _, _, order = lax.sort((keys, tags, order), 0, is_stable=True, num_keys=2)
    is_element = lax.lt(order, lax.full_like(order, n))
    before = lax.sub(cumsum(is_element, dtype=index_dtype),
                     lax.convert_element_type(is_element, index_dtype))
    slots = lax.select(is_element, lax.full_like(order, m), lax.sub(order, lax.full_like(order, n)))
    out = lax.full((m,), 0, index_dtype).at[slots].set(before, mode="drop", unique_indices=True)
    return lax.reshape(out, v.shape)


_SEARCH_METHODS = ("scan", "scan_unrolled", "sort", "compare_all")


def searchsorted(a, v, side="left", sorter=None, *, method="scan"):
    """Where to insert `v` into the sorted 1-d `a` to keep it sorted: the first such place
    (side='left') or the last ('right'). `method` picks the algorithm ('scan': a binary
    search loop, 'scan_unrolled', 'sort', 'compare_all'); all give the same answer.

    >>> import numax.numpy as jnp
    >>> jnp.searchsorted(jnp.asarray([1, 2, 2, 3]), jnp.asarray([2, 4]), side="right")
    Array([3, 4], dtype=int32)
    """
    if side not in ("left", "right"):
        raise ValueError(f"numax.numpy.searchsorted: side must be 'left' or 'right', got {side!r}")
    if method not in _SEARCH_METHODS:
        raise ValueError(f"numax.numpy.searchsorted: method must be one of {_SEARCH_METHODS}, got "
                         f"{method!r}")
    a, v = (ensure_array(x) for x in promote(a, v, name="numax.numpy.searchsorted"))
    if a.ndim != 1:
        raise ValueError(f"numax.numpy.searchsorted: a must be 1-dimensional, got shape {a.shape}")
    if sorter is not None:
        from numax.numpy.indexing import take
        a = take(a, sorter, mode="clip")
    if a.shape[0] == 0 or v.size == 0:
        return lax.full(v.shape, 0, dtypes.default_int_dtype())
    return _search_program(a, v, side=side, method=method)


@jit(static_argnames=("side", "method"))
def _search_program(a, v, *, side, method):
    if method == "compare_all":
        return _search_compare_all(a, v, side)
    if method == "sort":
        return _search_sort(a, v, side)
    return _search_scan(a, v, side, unrolled=method == "scan_unrolled")


def digitize(x, bins, right=False, *, method=None):
    """The index of the bin of `bins` (monotonic, either direction) each x falls in.

    >>> import numax.numpy as jnp
    >>> jnp.digitize(jnp.asarray([0.5, 1.0, 2.5]), jnp.asarray([1.0, 2.0, 3.0]))
    Array([0, 1, 2], dtype=int32)
    """
    x, bins = (ensure_array(v) for v in promote(x, bins, name="numax.numpy.digitize"))
    if bins.ndim != 1:
        raise ValueError(f"numax.numpy.digitize: bins must be 1-dimensional, got shape "
                         f"{bins.shape}")
    if bins.shape[0] == 0:
        return lax.full(x.shape, 0, dtypes.default_int_dtype())
    return _digitize_program(x, bins, side="left" if right else "right",
                             method="scan" if method is None else method)


@jit(static_argnames=("side", "method"))
def _digitize_program(x, bins, *, side, method):
    increasing = searchsorted(bins, x, side=side, method=method)
    decreasing = lax.sub(lax.full_like(increasing, bins.shape[0]),
                         searchsorted(lax.rev(bins, (0,)), x, side=side, method=method))
    ascending = lax.ge(lax.slice(bins, (bins.shape[0] - 1,), (bins.shape[0],)),
                       lax.slice(bins, (0,), (1,)))
    return lax.select(lax.broadcast_in_dim(lax.reshape(ascending, ()), x.shape, ()),
                      increasing, decreasing)


def _nan_arg_reduction(name, reduce, fill):
    def reduction(a, axis=None, out=None, keepdims=False):
        if out is not None:
            raise NotImplementedError(f"numax.numpy.{name}: the `out` argument is not supported")
        a = ensure_array(a)
        if not dtypes.is_inexact(a.dtype):
            return reduce(a, axis=axis, keepdims=keepdims)
        return program(a, axis=axis, keepdims=bool(keepdims))

    @jit(static_argnames=("axis", "keepdims"))
    def program(a, *, axis, keepdims):
        from numax.numpy import reductions
        nans = ufuncs.isnan(a)
        filled = lax.select(nans, lax.full_like(a, fill), a)
        result = reduce(filled, axis=axis, keepdims=keepdims)
        all_nan = reductions.all(nans, axis=axis, keepdims=keepdims)
        return lax.select(all_nan, lax.full_like(result, -1), result)
    reduction.__name__ = reduction.__qualname__ = name
    reduction.__doc__ = (f"numpy.{name}: the index of the {name[6:]} ignoring NaNs. Slices that "
                         "are all NaN give -1 (JAX's rule; NumPy raises).")
    return reduction


def _argmax(*args, **kwargs):
    from numax.numpy.reductions import argmax
    return argmax(*args, **kwargs)


def _argmin(*args, **kwargs):
    from numax.numpy.reductions import argmin
    return argmin(*args, **kwargs)


nanargmax = _nan_arg_reduction("nanargmax", _argmax, -np.inf)
nanargmin = _nan_arg_reduction("nanargmin", _argmin, np.inf)
