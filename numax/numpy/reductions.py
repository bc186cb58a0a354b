"""Reductions (sum, prod, max, min, mean, var, std, all, any, argmax, argmin).

Owns NumPy's reduction signature (axis, dtype, keepdims, initial, where) with JAX's
dtype rules: sums and products of bool and small integers accumulate in the default
integer type, means of integers are floats, float16/bfloat16 are accumulated in
float32, `initial` joins the reduction, and `where` masks elements out with the
reduction's identity. Also allclose and array_equal, which reduce to one bool.
"""

import builtins

import numpy as np

from numax import lax
from numax.core import dtypes
from numax.core.abstract import TypedScalar
from numax.numpy._promote import broadcast_to, canonicalize_axes, canonicalize_axis, ensure_array


def _keep_dims(result, shape, axes):
    kept = tuple(1 if i in axes else d for i, d in enumerate(shape))
    return lax.reshape(result, kept)


def _accumulation_dtype(dtype, requested):
    if requested is not None:
        return dtypes.canonicalize_dtype(requested)
    if dtype == np.bool_:
        return dtypes.default_int_dtype()
    if dtypes.is_unsigned(dtype) and dtypes.itemsize_bits(dtype) < dtypes.itemsize_bits(
            dtypes.default_int_dtype()):
        return dtypes.canonicalize_dtype(np.uint64 if dtypes.default_int_dtype() == np.int64
                                         else np.uint32)
    if dtypes.is_integer(dtype) and dtypes.itemsize_bits(dtype) < dtypes.itemsize_bits(
            dtypes.default_int_dtype()):
        return dtypes.default_int_dtype()
    return dtype


def _reduction(name, lax_reduce, identity, accumulate=False, allow_empty=True,
               bool_reduce=None):
    def reduce(a, axis=None, dtype=None, out=None, keepdims=False, initial=None, where=None):
        if out is not None:
            raise NotImplementedError(f"numax.numpy.{name}: the out argument is not supported "
                                      "(arrays are immutable)")
        a = ensure_array(a)
        result_dtype = None
        if accumulate:
            result_dtype = _accumulation_dtype(a.dtype, dtype)
            a = _convert(a, _upcast_narrow_float(result_dtype))
        elif dtype is not None:
            a = _convert(a, dtypes.canonicalize_dtype(dtype))
        axes = canonicalize_axes(axis, a.ndim)
        if not allow_empty and initial is None and where is None and \
                builtins.any(a.shape[i] == 0 for i in axes):
            raise ValueError(f"zero-size array to reduction operation {name} which has no "
                             "identity; pass initial=")
        if where is not None:
            if initial is None and not allow_empty:
                raise ValueError(f"reduction operation {name} with where= needs initial=")
            where = broadcast_to(ensure_array(where), a.shape)
            a = lax.select(where, a, lax.full_like(a, identity(a.dtype)))
        # dtype=bool: a sum is a logical or, a product a logical and (as in NumPy)
        reducer = bool_reduce if bool_reduce and a.dtype == np.bool_ else lax_reduce
        result = reducer(a, axes)
        if initial is not None:
            result = _combine(name, result, initial)
        if result_dtype is not None:
            result = _convert(result, result_dtype)
        return _keep_dims(result, a.shape, axes) if keepdims else result
    reduce.__name__ = reduce.__qualname__ = name
    reduce.__doc__ = f"numpy.{name} with JAX's dtype rules."
    return reduce


def _convert(a, dtype):
    return a if a.dtype == dtype else lax.convert_element_type(a, dtype)


def _upcast_narrow_float(dtype):
    """float16 and bfloat16 sums, products, means and variances are computed in float32
    and rounded once at the end (JAX and NumPy both do): accumulating 1000 terms in
    bfloat16 would lose most of its 8 bits of precision."""
    return dtypes.float32 if dtype in (dtypes.float16, dtypes.bfloat16) else dtype


def _combine(name, result, initial):
    from numax.numpy import ufuncs
    combine = {"sum": ufuncs.add, "prod": ufuncs.multiply, "max": ufuncs.maximum,
               "min": ufuncs.minimum}[name]
    return _convert(combine(result, TypedScalar(initial, result.dtype, False)), result.dtype)


def _lowest(dtype):
    if dtype == np.bool_:
        return False
    if dtypes.is_integer(dtype):
        return dtypes.iinfo(dtype).min
    return -np.inf


def _highest(dtype):
    if dtype == np.bool_:
        return True
    if dtypes.is_integer(dtype):
        return dtypes.iinfo(dtype).max
    return np.inf


sum = _reduction("sum", lax.reduce_sum, lambda d: 0, accumulate=True,  # noqa: A001
                 bool_reduce=lax.reduce_or)
prod = _reduction("prod", lax.reduce_prod, lambda d: 1, accumulate=True,
                  bool_reduce=lax.reduce_and)
max = amax = _reduction("max", lax.reduce_max, _lowest, allow_empty=False)  # noqa: A001
min = amin = _reduction("min", lax.reduce_min, _highest, allow_empty=False)  # noqa: A001


def _bool_reduction(name, lax_reduce, identity):
    def reduce(a, axis=None, out=None, keepdims=False, *, where=None):
        a = ensure_array(a)
        a = a if a.dtype == np.bool_ else lax.ne(a, TypedScalar(0, a.dtype, False))
        axes = canonicalize_axes(axis, a.ndim)
        if where is not None:
            a = lax.select(broadcast_to(ensure_array(where), a.shape), a,
                           lax.full_like(a, identity))
        result = lax_reduce(a, axes)
        return _keep_dims(result, a.shape, axes) if keepdims else result
    reduce.__name__ = reduce.__qualname__ = name
    return reduce


all = _bool_reduction("all", lax.reduce_and, True)  # noqa: A001
any = _bool_reduction("any", lax.reduce_or, False)  # noqa: A001


def _count(shape, axes, where):
    if where is None:
        return int(np.prod([shape[i] for i in axes], dtype=np.int64))
    return sum(broadcast_to(ensure_array(where), shape), axis=axes,
               dtype=dtypes.default_int_dtype())


def mean(a, axis=None, dtype=None, out=None, keepdims=False, *, where=None):
    a = ensure_array(a)
    if dtype is None:
        dtype = dtypes.to_inexact_dtype(a.dtype)
    result_dtype = dtypes.canonicalize_dtype(dtype)
    dtype = _upcast_narrow_float(result_dtype)
    axes = canonicalize_axes(axis, a.ndim)
    total = sum(_convert(a, dtype), axis=axes, dtype=dtype, keepdims=keepdims, where=where)
    count = _count(a.shape, axes, where)
    if isinstance(count, int):
        return _convert(lax.div(total, TypedScalar(count, dtype, False)), result_dtype)
    count = _convert(count, dtype)
    if keepdims:
        count = _keep_dims(count, a.shape, axes)
    return _convert(lax.div(total, count), result_dtype)


def var(a, axis=None, dtype=None, out=None, ddof=0, keepdims=False, *, where=None, correction=None):
    from numax.numpy import ufuncs
    if correction is not None:
        ddof = correction
    a = ensure_array(a)
    result_dtype = dtypes.canonicalize_dtype(dtype or dtypes.to_inexact_dtype(a.dtype))
    dtype = _upcast_narrow_float(result_dtype)
    a = _convert(a, dtype)
    axes = canonicalize_axes(axis, a.ndim)
    centered = ufuncs.subtract(a, mean(a, axis=axes, keepdims=True, where=where))
    if dtypes.is_complex(dtype):
        squared = lax.real(ufuncs.multiply(centered, lax.conj(centered)))
    else:
        squared = ufuncs.multiply(centered, centered)
    total = sum(squared, axis=axes, keepdims=keepdims, where=where)
    count = _count(a.shape, axes, where)
    if isinstance(count, int):
        variance = lax.div(total, TypedScalar(np.maximum(count - ddof, 0), total.dtype, False))
    else:
        count = ufuncs.subtract(_convert(count, total.dtype), ddof)
        if keepdims:
            count = _keep_dims(count, a.shape, axes)
        variance = lax.div(total, count)
    return _convert(variance, dtypes.real_dtype(result_dtype))


def std(a, axis=None, dtype=None, out=None, ddof=0, keepdims=False, *, where=None, correction=None):
    return lax.sqrt(var(a, axis, dtype, out, ddof, keepdims, where=where, correction=correction))


def _arg_reduction(name, lax_fn):
    def reduce(a, axis=None, out=None, keepdims=False):
        a = ensure_array(a)
        if axis is None:
            flat = lax.reshape(a, (a.size,))
            if a.size == 0:
                raise ValueError(f"attempt to get {name} of an empty sequence")
            result = lax_fn(flat, 0, dtypes.default_int_dtype())
            return lax.reshape(result, (1,) * a.ndim) if keepdims else result
        axis = canonicalize_axis(axis, a.ndim)
        if a.shape[axis] == 0:
            raise ValueError(f"attempt to get {name} of an empty sequence")
        result = lax_fn(a, axis, dtypes.default_int_dtype())
        return _keep_dims(result, a.shape, (axis,)) if keepdims else result
    reduce.__name__ = reduce.__qualname__ = name
    return reduce


argmax = _arg_reduction("argmax", lax.argmax)
argmin = _arg_reduction("argmin", lax.argmin)


def allclose(a, b, rtol=1e-05, atol=1e-08, equal_nan=False):
    """all(isclose(a, b, ...)) as a 0-d bool Array."""
    from numax.numpy.ufuncs import isclose
    return all(isclose(a, b, rtol=rtol, atol=atol, equal_nan=equal_nan))


def array_equal(a1, a2, equal_nan=False):
    """True when both have one shape and equal elements (NaNs equal with equal_nan)."""
    from numax.numpy import ufuncs
    from numax.numpy.creation import asarray
    a1, a2 = ensure_array(a1), ensure_array(a2)
    if a1.shape != a2.shape:
        return asarray(False)
    equal = ufuncs.equal(a1, a2)
    if equal_nan:
        equal = ufuncs.logical_or(equal, ufuncs.logical_and(ufuncs.isnan(a1), ufuncs.isnan(a2)))
    return all(equal)
