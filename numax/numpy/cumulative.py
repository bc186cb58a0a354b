"""Cumulative operations and differences in NumPy's API: cumsum, cumprod, cumulative_sum,
cumulative_prod (Array API, with include_initial), nancumsum, nancumprod, diff, ediff1d.

Running sums and products lower to lax.cumsum / lax.cumprod (associative scans that XLA
parallelises) and take the dtype rules of sum and prod: bool and small integers
accumulate in the default integer type. axis=None works on the flattened array.
"""

import numpy as np

from numax import lax
from numax.core import dtypes
from numax.numpy import ufuncs
from numax.numpy._promote import canonicalize_axis, ensure_array
from numax.numpy.reductions import _accumulation_dtype


def _prepare(api, a, axis, dtype):
    a = ensure_array(a)
    if axis is None:
        a, axis = lax.reshape(a, (a.size,)), 0
    else:
        axis = canonicalize_axis(axis, a.ndim)
    result_dtype = _accumulation_dtype(a.dtype, dtype)
    if a.dtype != result_dtype:
        a = lax.convert_element_type(a, result_dtype)
    return a, axis


def _no_out(api, out):
    if out is not None:
        raise NotImplementedError(f"numax.numpy.{api}: the `out` argument is not supported "
                                  "(arrays are immutable); use the returned array")


def cumsum(a, axis=None, dtype=None, out=None):
    """Running sums along `axis` (of the flattened array when axis is None).

    >>> import numax.numpy as jnp
    >>> jnp.cumsum(jnp.asarray([[1, 2], [3, 4]]), axis=0)
    Array([[1, 2],
           [4, 6]], dtype=int32)
    """
    _no_out("cumsum", out)
    a, axis = _prepare("cumsum", a, axis, dtype)
    if a.dtype == np.bool_:          # dtype=bool asked for: a running logical or
        return _as_bool(lax.cummax(lax.convert_element_type(a, np.int8), axis))
    return lax.cumsum(a, axis)


def cumprod(a, axis=None, dtype=None, out=None):
    """Running products along `axis` (of the flattened array when axis is None)."""
    _no_out("cumprod", out)
    a, axis = _prepare("cumprod", a, axis, dtype)
    if a.dtype == np.bool_:          # a running logical and
        return _as_bool(lax.cummin(lax.convert_element_type(a, np.int8), axis))
    return lax.cumprod(a, axis)


def _as_bool(x):
    return lax.convert_element_type(x, np.bool_)


def _nan_to(a, value):
    a = ensure_array(a)
    if not dtypes.is_inexact(a.dtype):
        return a
    return lax.select(ufuncs.isnan(a), lax.full_like(a, value), a)


def nancumsum(a, axis=None, dtype=None, out=None):
    """cumsum with NaNs counted as zero."""
    return cumsum(_nan_to(a, 0), axis, dtype, out)


def nancumprod(a, axis=None, dtype=None, out=None):
    """cumprod with NaNs counted as one."""
    return cumprod(_nan_to(a, 1), axis, dtype, out)


def _array_api_cumulative(api, function, identity, x, axis, dtype, include_initial):
    x = ensure_array(x)
    if x.ndim == 0:
        raise ValueError(f"numax.numpy.{api}: the input must be at least 1-dimensional, got a "
                         "0-d array")
    if axis is None:
        if x.ndim > 1:
            raise ValueError(f"numax.numpy.{api}: axis must be given for arrays of more than "
                             f"one dimension (got shape {x.shape})")
        axis = 0
    axis = canonicalize_axis(axis, x.ndim)
    out = function(x, axis=axis, dtype=dtype)
    if include_initial:
        shape = out.shape[:axis] + (1,) + out.shape[axis + 1:]
        out = lax.concatenate([lax.full(shape, identity, out.dtype), out], axis)
    return out


def cumulative_sum(x, /, *, axis=None, dtype=None, include_initial=False):
    """The Array API's running sum; include_initial puts a 0 in front.

    >>> import numax.numpy as jnp
    >>> jnp.cumulative_sum(jnp.asarray([1, 2, 3]), include_initial=True)
    Array([0, 1, 3, 6], dtype=int32)
    """
    return _array_api_cumulative("cumulative_sum", cumsum, 0, x, axis, dtype, include_initial)


def cumulative_prod(x, /, *, axis=None, dtype=None, include_initial=False):
    """The Array API's running product; include_initial puts a 1 in front."""
    return _array_api_cumulative("cumulative_prod", cumprod, 1, x, axis, dtype, include_initial)


def _along(a, axis, value):
    """A prepend/append value as an array with `a`'s shape but length 1 along axis (a
    scalar) or as given (an array)."""
    value = ensure_array(value)
    if value.ndim == 0:
        shape = a.shape[:axis] + (1,) + a.shape[axis + 1:]
        return lax.broadcast_in_dim(value, shape, ())
    return value


def diff(a, n=1, axis=-1, prepend=None, append=None):
    """The n-th discrete difference along `axis`: a[1:] - a[:-1], n times. Booleans
    differ by `!=`, as in NumPy.

    >>> import numax.numpy as jnp
    >>> jnp.diff(jnp.asarray([1, 4, 9, 16]), n=2)
    Array([2, 2], dtype=int32)
    """
    a = ensure_array(a)
    n = int(n)
    if n < 0:
        raise ValueError(f"numax.numpy.diff: order must be non-negative but got {n}")
    if n == 0:
        return a
    if a.ndim == 0:
        raise ValueError("numax.numpy.diff requires input that is at least one dimensional")
    axis = canonicalize_axis(axis, a.ndim)
    pieces = [a]
    if prepend is not None:
        pieces.insert(0, _along(a, axis, prepend))
    if append is not None:
        pieces.append(_along(a, axis, append))
    if len(pieces) > 1:
        from numax.numpy.manipulation import concatenate
        a = concatenate(pieces, axis)
    for _ in range(n):
        size = a.shape[axis]
        if size == 0:
            break
        upper = lax.slice_in_dim(a, 1, size, axis=axis)
        lower = lax.slice_in_dim(a, 0, size - 1, axis=axis)
        a = ufuncs.not_equal(upper, lower) if a.dtype == np.bool_ else \
            ufuncs.subtract(upper, lower)
    return a


def ediff1d(ary, to_end=None, to_begin=None):
    """Differences of consecutive elements of the flattened array, with optional values
    put before (`to_begin`) and after (`to_end`), cast to its dtype.

    >>> import numax.numpy as jnp
    >>> jnp.ediff1d(jnp.asarray([1, 2, 4, 7]), to_begin=-99)
    Array([-99,   1,   2,   3], dtype=int32)
    """
    ary = ensure_array(ary)
    flat = lax.reshape(ary, (ary.size,))
    out = ufuncs.subtract(lax.slice(flat, (1,), (flat.shape[0],)),
                          lax.slice(flat, (0,), (flat.shape[0] - 1,))) if flat.shape[0] > 1 \
        else lax.full((0,), 0, ary.dtype)
    pieces = [out]
    for extra, where in ((to_begin, 0), (to_end, None)):
        if extra is None:
            continue
        extra = ensure_array(extra)
        extra = lax.reshape(extra, (extra.size,))
        if extra.dtype != out.dtype:
            extra = lax.convert_element_type(extra, out.dtype)
        pieces.insert(0, extra) if where == 0 else pieces.append(extra)
    return pieces[0] if len(pieces) == 1 else lax.concatenate(pieces, 0)
