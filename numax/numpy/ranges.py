"""Arrays generated from ranges: logspace and geomspace (evenly spaced on a log scale)
and fromfunction (a function of the index grid).

Owns the interpolation grid they share, built on the device from an iota so that start
and stop may be arrays (one sequence per element, laid along `axis`) and may be traced;
only the number of points fixes the shape and must be concrete. Values are computed in
the inexact type of the inputs (the default float for integers); an integer `dtype`
rounds the result down, as NumPy does.
"""

import operator

import numpy as np

from numax import lax
from numax.core import dtypes
from numax.core.trace import Tracer
from numax.numpy import manipulation, ufuncs
from numax.numpy._promote import broadcast_shapes, broadcast_to, ensure_array


def _computation_dtype(dtype, *values):
    inexact = dtypes.to_inexact_dtype(dtypes.result_type(*values))
    if dtype is not None and dtypes.is_inexact(dtypes.canonicalize_dtype(dtype)):
        inexact = dtypes.result_type(inexact, dtypes.canonicalize_dtype(dtype))
    return inexact


def _grid(api, start, stop, num, endpoint, dtype):
    """num points from start to stop (stop included with endpoint) along a new last axis."""
    num = operator.index(num)
    if num < 0:
        raise ValueError(f"numax.numpy.{api}: the number of samples must be non-negative, got "
                         f"{num}")
    shape = broadcast_shapes(start.shape, stop.shape)
    start, stop = broadcast_to(start, shape), broadcast_to(stop, shape)
    divisions = num - 1 if endpoint else num
    steps = lax.iota(dtypes.real_dtype(dtype), num)
    if divisions > 0:
        steps = lax.div(steps, lax.full((), divisions, steps.dtype))
    steps = lax.convert_element_type(steps, dtype)
    span = lax.expand_dims(ufuncs.subtract(stop, start), (len(shape),))
    values = ufuncs.add(lax.expand_dims(start, (len(shape),)), ufuncs.multiply(span, steps))
    if endpoint and num > 1:
        values = lax.concatenate([lax.slice_in_dim(values, 0, num - 1, axis=len(shape)),
                                  lax.expand_dims(stop, (len(shape),))], len(shape))
    return values


def _finish(api, values, axis, dtype):
    axis = axis if axis >= 0 else values.ndim + axis
    if not 0 <= axis < values.ndim:
        raise np.exceptions.AxisError(f"numax.numpy.{api}: axis {axis} is out of bounds for "
                                      f"a result of dimension {values.ndim}")
    values = manipulation.moveaxis(values, -1, axis)
    if dtype is None:
        return values
    dtype = dtypes.canonicalize_dtype(dtype)
    if dtypes.is_integer(dtype) and not dtypes.is_complex(values.dtype):
        values = lax.floor(values)
    return lax.convert_element_type(values, dtype)


def logspace(start, stop, num=50, endpoint=True, base=10.0, dtype=None, axis=0):
    """numpy.logspace: base ** linspace(start, stop, num): num points evenly spaced on a
    log scale from base**start to base**stop.

    >>> import numax.numpy as jnp
    >>> jnp.logspace(0, 3, 4)
    Array([   1.,   10.,  100., 1000.], dtype=float32)
    """
    start, stop, base = ensure_array(start), ensure_array(stop), ensure_array(base)
    computation = _computation_dtype(dtype, start, stop, base)
    start, stop, base = (lax.convert_element_type(v, computation) for v in (start, stop, base))
    exponents = _grid("logspace", start, stop, num, endpoint, computation)
    base = lax.expand_dims(base, (base.ndim,))
    return _finish("logspace", ufuncs.power(base, exponents), axis, dtype)


def geomspace(start, stop, num=50, endpoint=True, dtype=None, axis=0):
    """numpy.geomspace: num points from start to stop in geometric progression (each a
    constant multiple of the one before); start and stop are returned exactly.

    >>> import numax.numpy as jnp
    >>> jnp.geomspace(1, 1000, 4)
    Array([   1.,   10.,  100., 1000.], dtype=float32)
    """
    start, stop = ensure_array(start), ensure_array(stop)
    for name, value in (("start", start), ("stop", stop)):
        if not isinstance(value, Tracer) and np.any(np.asarray(value) == 0):
            raise ValueError(f"numax.numpy.geomspace: a geometric sequence cannot include "
                             f"zero, got {name}={value}")
    computation = _computation_dtype(dtype, start, stop)
    start, stop = (lax.convert_element_type(v, computation) for v in (start, stop))
    # Walk from |start| (or start's direction, for complex) to stop / sign(start) on a log
    # scale and put the sign back: negative real ranges work, mixed signs give NaN.
    sign = ufuncs.sign(start)
    start, stop = ufuncs.divide(start, sign), ufuncs.divide(stop, sign)
    exponents = _grid("geomspace", ufuncs.log10(start), ufuncs.log10(stop), num, endpoint,
                      computation)
    values = ufuncs.power(lax.full((), 10, computation), exponents)
    num = exponents.shape[-1]
    last = exponents.ndim - 1
    if num > 0:
        pieces = [lax.expand_dims(start, (last,))]
        if num > 1:
            inner_end = num - 1 if endpoint else num
            pieces.append(lax.slice_in_dim(values, 1, inner_end, axis=last))
            if endpoint:
                pieces.append(lax.expand_dims(stop, (last,)))
        values = lax.concatenate([broadcast_to(p, values.shape[:-1] + p.shape[-1:])
                                  for p in pieces], last)
    values = ufuncs.multiply(values, lax.expand_dims(broadcast_to(sign, values.shape[:-1]),
                                                     (last,)))
    return _finish("geomspace", values, axis, dtype)


def fromfunction(function, shape, *, dtype=float, **kwargs):
    """numpy.fromfunction: an array whose element at index (i, j, ...) is
    function(i, j, ..., **kwargs). As in JAX, `function` is vectorized with vmap, so it
    sees one scalar index per argument.

    >>> import numax.numpy as jnp
    >>> jnp.fromfunction(lambda i, j: i + 10 * j, (2, 3), dtype=int)
    Array([[ 0, 10, 20],
           [ 1, 11, 21]], dtype=int32)
    """
    from numax import vmap
    from numax.tree_util import tree_map
    shape = (operator.index(shape),) if np.ndim(shape) == 0 else \
        tuple(operator.index(d) for d in shape)
    dtype = dtypes.canonicalize_dtype(dtype)
    size = int(np.prod(shape, dtype=np.int64))
    flat = [lax.reshape(lax.broadcasted_iota(dtype, shape, i), (size,))
            for i in range(len(shape))]
    result = vmap(lambda *indices: function(*indices, **kwargs))(*flat)
    return tree_map(lambda x: lax.reshape(x, shape + x.shape[1:]), result)
