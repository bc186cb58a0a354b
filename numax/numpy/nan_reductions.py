"""NaN-ignoring reductions: nansum, nanprod, nanmax, nanmin, nanmean, nanvar, nanstd.

Owns how NaNs are taken out of a reduction: each NaN is replaced by the reduction's
identity (0 for sums, 1 for products, -inf/+inf for max/min) before the ordinary
reduction from numax.numpy.reductions runs, so axis, dtype, keepdims, initial and where
mean what they mean there. Slices with nothing but NaNs give NaN for max/min/mean/var
(as in NumPy and JAX, without NumPy's RuntimeWarning). Integer and bool arrays hold no
NaNs and go straight to the ordinary reduction.
"""

import numpy as np

from numax import lax
from numax.core import dtypes
from numax.numpy import reductions, ufuncs
from numax.numpy._promote import broadcast_to, canonicalize_axes, ensure_array


def _replace_nan(a, value):
    return lax.select(ufuncs.isnan(a), lax.full_like(a, value), a)


def _not_nan(a, where):
    """True where an element takes part: not NaN and selected by `where`."""
    keep = ufuncs.logical_not(ufuncs.isnan(a))
    if where is not None:
        keep = ufuncs.logical_and(keep, broadcast_to(ensure_array(where), a.shape))
    return keep


def nansum(a, axis=None, dtype=None, out=None, keepdims=False, initial=None, where=None):
    """numpy.nansum: the sum with NaNs counted as zero.

    >>> import numax.numpy as jnp
    >>> jnp.nansum(jnp.asarray([1.0, jnp.nan, 2.0]))
    Array(3., dtype=float32)
    """
    a = ensure_array(a)
    if dtypes.is_inexact(a.dtype):
        a = _replace_nan(a, 0)
    return reductions.sum(a, axis, dtype, out, keepdims, initial, where)


def nanprod(a, axis=None, dtype=None, out=None, keepdims=False, initial=None, where=None):
    """numpy.nanprod: the product with NaNs counted as one."""
    a = ensure_array(a)
    if dtypes.is_inexact(a.dtype):
        a = _replace_nan(a, 1)
    return reductions.prod(a, axis, dtype, out, keepdims, initial, where)


def _nan_extremum(name, reduce, fill):
    def extremum(a, axis=None, out=None, keepdims=False, initial=None, where=None):
        a = ensure_array(a)
        if not dtypes.is_inexact(a.dtype):
            return reduce(a, axis, None, out, keepdims, initial, where)
        if dtypes.is_complex(a.dtype):
            raise TypeError(f"numax.numpy.{name}: complex arrays have no ordering; take "
                            "numax.numpy.real or abs first")
        result = reduce(_replace_nan(a, fill), axis, None, out, keepdims, initial, where)
        any_kept = reductions.any(_not_nan(a, where), axis=axis, keepdims=keepdims)
        if initial is not None:
            return result
        # A slice with no number in it has no extremum: NaN, not the fill value.
        return lax.select(any_kept, result, lax.full_like(result, np.nan))
    extremum.__name__ = extremum.__qualname__ = name
    extremum.__doc__ = (f"numpy.{name}: the {name[3:]}imum ignoring NaNs; NaN where a slice "
                        "holds only NaNs.")
    return extremum


nanmax = _nan_extremum("nanmax", reductions.max, -np.inf)
nanmin = _nan_extremum("nanmin", reductions.min, np.inf)


def _count(a, axes, keepdims, where, dtype):
    return reductions.sum(_not_nan(a, where), axis=axes, dtype=dtype, keepdims=keepdims)


def nanmean(a, axis=None, dtype=None, out=None, keepdims=False, where=None):
    """numpy.nanmean: the mean of the non-NaN elements (NaN where there are none).

    >>> import numax.numpy as jnp
    >>> jnp.nanmean(jnp.asarray([1.0, jnp.nan, 2.0]))
    Array(1.5, dtype=float32)
    """
    a = ensure_array(a)
    if not dtypes.is_inexact(a.dtype):
        return reductions.mean(a, axis, dtype, out, keepdims, where=where)
    axes = canonicalize_axes(axis, a.ndim)
    result_dtype = dtypes.canonicalize_dtype(dtype or a.dtype)
    work_dtype = reductions._upcast_narrow_float(result_dtype)
    total = nansum(a, axes, work_dtype, out, keepdims, where=where)
    count = _count(a, axes, keepdims, where, dtypes.real_dtype(work_dtype))
    return reductions._convert(ufuncs.divide(total, count), result_dtype)


def nanvar(a, axis=None, dtype=None, out=None, ddof=0, keepdims=False, where=None):
    """numpy.nanvar: the variance of the non-NaN elements, divided by count - ddof (NaN
    where that is not positive)."""
    a = ensure_array(a)
    if not dtypes.is_inexact(a.dtype):
        return reductions.var(a, axis, dtype, out, ddof, keepdims, where=where)
    axes = canonicalize_axes(axis, a.ndim)
    result_dtype = dtypes.canonicalize_dtype(dtype or a.dtype)
    work_dtype = reductions._upcast_narrow_float(result_dtype)
    a = reductions._convert(a, work_dtype)
    keep = _not_nan(a, where)
    # Centre the zero-filled array, not `a`: squaring a NaN and masking it afterwards
    # would leave 0 * NaN in the reverse-mode derivative.
    clean = lax.select(keep, a, lax.full_like(a, 0))
    centered = ufuncs.subtract(clean, nanmean(a, axes, keepdims=True, where=where))
    if dtypes.is_complex(work_dtype):
        squared = lax.real(ufuncs.multiply(centered, lax.conj(centered)))
    else:
        squared = ufuncs.multiply(centered, centered)
    squared = lax.select(keep, squared, lax.full_like(squared, 0))
    total = reductions.sum(squared, axes, keepdims=keepdims)
    divisor = ufuncs.subtract(reductions.sum(keep, axes, total.dtype, keepdims=keepdims), ddof)
    variance = lax.select(ufuncs.greater(divisor, 0), ufuncs.divide(total, divisor),
                          lax.full_like(total, np.nan))
    return reductions._convert(variance, dtypes.real_dtype(result_dtype))


def nanstd(a, axis=None, dtype=None, out=None, ddof=0, keepdims=False, where=None):
    """numpy.nanstd: the square root of nanvar."""
    return lax.sqrt(nanvar(a, axis, dtype, out, ddof, keepdims, where))
