"""Shape manipulation, joining, selection and matrix products in NumPy's API.

Owns reshape (with -1), transpose, squeeze, expand_dims, swapaxes, moveaxis, ravel,
broadcast_to/broadcast_arrays, concatenate, stack, where, nonzero (static `size` under
jit), clip, matmul and dot, each written on lax primitives with NumPy's argument
conventions and error messages.
"""

import numpy as np

from numax import lax
from numax.array import Array
from numax.core import dtypes
from numax.core.trace import Tracer
from numax.numpy import _promote
from numax.numpy._promote import canonicalize_axes, canonicalize_axis, ensure_array, promote


def _infer_shape(size, newshape):
    if isinstance(newshape, (int, np.integer)):
        newshape = (newshape,)
    newshape = tuple(int(d) for d in newshape)
    unknown = [i for i, d in enumerate(newshape) if d == -1]
    if len(unknown) > 1:
        raise ValueError("can only specify one unknown dimension (-1) in a reshape")
    if unknown:
        known = int(np.prod([d for d in newshape if d != -1], dtype=np.int64))
        if known == 0 or size % known:
            raise TypeError(f"cannot reshape array of size {size} into shape {newshape}")
        newshape = tuple(size // known if d == -1 else d for d in newshape)
    if int(np.prod(newshape, dtype=np.int64)) != size:
        raise TypeError(f"cannot reshape array of size {size} into shape {newshape}")
    return newshape


def reshape(a, shape=None, order="C", *, newshape=None, copy=None):
    if shape is None:
        shape = newshape
    a = ensure_array(a)
    shape = _infer_shape(a.size, shape)
    if order == "F":
        return transpose(lax.reshape(transpose(a), shape[::-1]))
    if order not in ("C", "A"):
        raise ValueError(f"reshape: unknown order {order!r}")
    return lax.reshape(a, shape)


def ravel(a, order="C"):
    a = ensure_array(a)
    return reshape(a, (a.size,), order=order)


def transpose(a, axes=None):
    a = ensure_array(a)
    if axes is None:
        axes = tuple(range(a.ndim))[::-1]
    axes = tuple(canonicalize_axis(i, a.ndim) for i in axes)
    if sorted(axes) != list(range(a.ndim)):
        raise ValueError(f"axes {axes} don't match array of dimension {a.ndim}")
    return lax.transpose(a, axes)


def permute_dims(a, axes):
    return transpose(a, axes)


def swapaxes(a, axis1, axis2):
    a = ensure_array(a)
    perm = list(range(a.ndim))
    i, j = canonicalize_axis(axis1, a.ndim), canonicalize_axis(axis2, a.ndim)
    perm[i], perm[j] = perm[j], perm[i]
    return lax.transpose(a, tuple(perm))


def moveaxis(a, source, destination):
    a = ensure_array(a)
    source = canonicalize_axes(source, a.ndim)
    destination = canonicalize_axes(destination, a.ndim)
    if len(source) != len(destination):
        raise ValueError("moveaxis: source and destination must have the same number of axes")
    order = [i for i in range(a.ndim) if i not in source]
    for dest, src in sorted(zip(destination, source)):
        order.insert(dest, src)
    return lax.transpose(a, tuple(order))


def squeeze(a, axis=None):
    a = ensure_array(a)
    if axis is None:
        axes = tuple(i for i, d in enumerate(a.shape) if d == 1)
    else:
        axes = canonicalize_axes(axis, a.ndim)
        for i in axes:
            if a.shape[i] != 1:
                raise ValueError(f"cannot select an axis to squeeze out which has size not equal "
                                 f"to one (axis {i} of shape {a.shape})")
    return lax.reshape(a, tuple(d for i, d in enumerate(a.shape) if i not in axes))


def expand_dims(a, axis):
    a = ensure_array(a)
    axes = (axis,) if isinstance(axis, (int, np.integer)) else tuple(axis)
    ndim = a.ndim + len(axes)
    axes = sorted(canonicalize_axis(i, ndim) for i in axes)
    shape = list(a.shape)
    for i in axes:
        shape.insert(i, 1)
    return lax.reshape(a, tuple(shape))


def broadcast_to(array, shape):
    shape = (shape,) if isinstance(shape, (int, np.integer)) else tuple(int(d) for d in shape)
    return _promote.broadcast_to(ensure_array(array), shape)


def broadcast_shapes(*shapes):
    return _promote.broadcast_shapes(*[(s,) if isinstance(s, int) else tuple(s) for s in shapes])


def broadcast_arrays(*args):
    arrays = [ensure_array(a) for a in args]
    shape = _promote.broadcast_shapes(*[a.shape for a in arrays])
    return [_promote.broadcast_to(a, shape) for a in arrays]


def atleast_1d(*arrays):
    out = [ensure_array(a) if np.ndim(a) >= 1 else reshape(a, (1,)) for a in arrays]
    return out[0] if len(out) == 1 else out


def atleast_2d(*arrays):
    out = []
    for a in arrays:
        a = ensure_array(a)
        out.append(a if a.ndim >= 2 else reshape(a, (1,) * (2 - a.ndim) + a.shape))
    return out[0] if len(out) == 1 else out


def atleast_3d(*arrays):
    out = []
    for a in arrays:
        a = ensure_array(a)
        if a.ndim == 0:
            a = reshape(a, (1, 1, 1))
        elif a.ndim == 1:
            a = reshape(a, (1, a.shape[0], 1))
        elif a.ndim == 2:
            a = reshape(a, a.shape + (1,))
        out.append(a)
    return out[0] if len(out) == 1 else out


def concatenate(arrays, axis=0, dtype=None):
    if isinstance(arrays, (np.ndarray,)) or hasattr(arrays, "aval"):
        arrays = list(arrays)
    if not len(arrays):
        raise ValueError("need at least one array to concatenate")
    arrays = [ensure_array(a) for a in promote(*arrays, name="numax.numpy.concatenate")]
    if dtype is not None:
        arrays = [lax.convert_element_type(a, dtypes.canonicalize_dtype(dtype)) for a in arrays]
    if axis is None:
        arrays = [ravel(a) for a in arrays]
        axis = 0
    if arrays[0].ndim == 0:
        raise ValueError("zero-dimensional arrays cannot be concatenated")
    axis = canonicalize_axis(axis, arrays[0].ndim)
    if len(arrays) == 1:
        return arrays[0]
    return lax.concatenate(arrays, axis)


def stack(arrays, axis=0, dtype=None):
    if not len(arrays):
        raise ValueError("need at least one array to stack")
    arrays = [ensure_array(a) for a in arrays]
    shapes = {a.shape for a in arrays}
    if len(shapes) != 1:
        raise ValueError(f"all input arrays must have the same shape, got {sorted(shapes)}")
    axis = canonicalize_axis(axis, arrays[0].ndim + 1)
    return concatenate([expand_dims(a, axis) for a in arrays], axis, dtype)


def hstack(tup, dtype=None):
    arrays = [atleast_1d(a) for a in tup]
    return concatenate(arrays, 0 if arrays[0].ndim == 1 else 1, dtype)


def vstack(tup, dtype=None):
    return concatenate([atleast_2d(a) for a in tup], 0, dtype)


def where(condition, x=None, y=None, /, *, size=None, fill_value=None):
    """`where(c, x, y)` selects elementwise; `where(c)` is `nonzero(c)`."""
    if x is None and y is None:
        return nonzero(condition, size=size, fill_value=fill_value)
    if x is None or y is None:
        raise ValueError("numax.numpy.where takes either 1 or 3 arguments")
    condition = ensure_array(condition)
    if condition.dtype != np.bool_:
        condition = lax.ne(condition, lax.full_like(condition, 0))
    x, y = promote(x, y, name="numax.numpy.where")
    shape = _promote.broadcast_shapes(condition.shape, np.shape(x), np.shape(y))
    condition = _promote.broadcast_to(condition, shape)
    x = _promote.broadcast_to(ensure_array(x), shape)
    y = _promote.broadcast_to(ensure_array(y), shape)
    return lax.select(condition, x, y)


def nonzero(a, *, size=None, fill_value=None):
    """Indices of the nonzero elements, one int array per axis.

    The number of results depends on the values, so under jit `size` must be given: the
    first `size` indices are returned, padded with `fill_value` (default 0; a scalar or
    one value per axis), as in JAX.

    >>> import numax.numpy as jnp
    >>> jnp.nonzero(jnp.asarray([0, 3, 0, 5]), size=3, fill_value=-1)
    (Array([ 1,  3, -1], dtype=int32),)
    """
    from numax.numpy.creation import asarray
    if np.ndim(a) == 0:
        raise ValueError("numax.numpy.nonzero: calling nonzero on 0-d arrays is not allowed; "
                         "use atleast_1d(a).nonzero()")
    index_dtype = dtypes.default_int_dtype()
    ndim = np.ndim(a)
    fills = fill_value if isinstance(fill_value, (tuple, list)) else (fill_value,) * ndim
    if len(fills) != ndim:
        raise ValueError(f"numax.numpy.nonzero: fill_value needs one value per axis ({ndim}), "
                         f"got {fill_value!r}")
    fills = tuple(0 if f is None else f for f in fills)
    if not isinstance(a, Tracer):
        found = np.nonzero(np.asarray(a))
        if size is not None:
            found = tuple(np.concatenate([i[:size], np.full(max(size - len(i), 0), f)])
                          for i, f in zip(found, fills))
        return tuple(asarray(i.astype(index_dtype)) for i in found)
    if size is None:
        from numax.core.errors import ConcretizationTypeError
        raise ConcretizationTypeError(a, "The size argument of numax.numpy.nonzero (and of "
                                         "where/argwhere with one argument) must be given "
                                         "when the input is traced, e.g. nonzero(x, size=10).\n")
    return _traced_nonzero(a, int(size), fills, index_dtype)


def _traced_nonzero(a, size, fills, index_dtype):
    """Sort the flat positions so nonzero ones come first, in order: each position p is
    keyed p when a[p] != 0 and n + p otherwise."""
    flat = ravel(a)
    n = flat.shape[0]
    mask = flat if flat.dtype == np.bool_ else lax.ne(flat, lax.full_like(flat, 0))
    positions = lax.iota(index_dtype, n)
    keys = lax.select(mask, positions, lax.add(positions, lax.full_like(positions, n)))
    if size > n:
        keys = lax.concatenate([keys, lax.full((size - n,), 2 * n, index_dtype)], 0)
    keys = lax.slice(lax.sort(keys), (0,), (size,))
    found = lax.lt(keys, lax.full_like(keys, n))
    out, stride = [], 1
    for extent, fill in reversed(list(zip(a.shape, fills))):
        coordinate = lax.rem(lax.div(keys, lax.full_like(keys, stride)),
                             lax.full_like(keys, extent))
        out.append(lax.select(found, coordinate, lax.full_like(keys, fill)))
        stride *= extent
    return tuple(reversed(out))


def flatnonzero(a, *, size=None, fill_value=None):
    """Indices of the nonzero elements of ravel(a)."""
    return nonzero(ravel(ensure_array(a)) if isinstance(a, Tracer) else np.ravel(a),
                   size=size, fill_value=fill_value)[0]


def argwhere(a, *, size=None, fill_value=None):
    """The nonzero indices as one (count, ndim) array."""
    if np.ndim(a) == 0:   # NumPy: one row of no coordinates per nonzero element
        found = nonzero(atleast_1d(ensure_array(a)), size=size, fill_value=fill_value)[0]
        from numax.numpy.creation import zeros
        return zeros((found.shape[0], 0), dtypes.default_int_dtype())
    return stack(nonzero(a, size=size, fill_value=fill_value), axis=1)


def count_nonzero(a, axis=None, keepdims=False):
    """The number of nonzero elements (int32 with x64 off)."""
    from numax.numpy import reductions
    a = ensure_array(a)
    mask = a if a.dtype == np.bool_ else lax.ne(a, lax.full_like(a, 0))
    return reductions.sum(mask, axis=axis, keepdims=keepdims, dtype=dtypes.default_int_dtype())


def clip(arr=None, min=None, max=None, *, a=None, a_min=None, a_max=None):  # noqa: A002
    from numax.numpy import ufuncs
    arr = a if arr is None else arr
    min = a_min if min is None else min
    max = a_max if max is None else max
    arr = ensure_array(arr)
    if min is not None:
        arr = ufuncs.maximum(arr, min)
    if max is not None:
        arr = ufuncs.minimum(arr, max)
    return arr


def matmul(a, b, *, precision=None, preferred_element_type=None):
    """NumPy matmul: batched over leading dims, 1-d operands promoted and squeezed."""
    a, b = (ensure_array(v) for v in promote(a, b, name="numax.numpy.matmul"))
    if a.ndim == 0 or b.ndim == 0:
        raise ValueError("matmul: input operands must not be scalars")
    a_vector, b_vector = a.ndim == 1, b.ndim == 1
    if a_vector:
        a = reshape(a, (1, a.shape[0]))
    if b_vector:
        b = reshape(b, (b.shape[0], 1))
    if a.shape[-1] != b.shape[-2]:
        raise ValueError(f"matmul: contracting dimensions differ: {a.shape[-1]} (lhs shape "
                         f"{a.shape}) and {b.shape[-2]} (rhs shape {b.shape})")
    batch = _promote.broadcast_shapes(a.shape[:-2], b.shape[:-2])
    a = _promote.broadcast_to(a, batch + a.shape[-2:])
    b = _promote.broadcast_to(b, batch + b.shape[-2:])
    nb = len(batch)
    out = lax.dot_general(a, b, (((a.ndim - 1,), (nb,)), (tuple(range(nb)), tuple(range(nb)))),
                          precision=precision, preferred_element_type=preferred_element_type)
    if a_vector:
        out = squeeze(out, -2)
    if b_vector:
        out = squeeze(out, -1)
    return out


def dot(a, b, *, precision=None, preferred_element_type=None):
    a, b = (ensure_array(v) for v in promote(a, b, name="numax.numpy.dot"))
    if a.ndim == 0 or b.ndim == 0:
        from numax.numpy import ufuncs
        return ufuncs.multiply(a, b)
    if b.ndim == 1 or a.ndim == 1 and b.ndim <= 2:
        return matmul(a, b, precision=precision, preferred_element_type=preferred_element_type)
    contract_b = b.ndim - 2
    return lax.dot_general(a, b, (((a.ndim - 1,), (contract_b,)), ((), ())), precision=precision,
                           preferred_element_type=preferred_element_type)


def astype(x, dtype, copy=False):
    x = ensure_array(x)
    dtype = dtypes.canonicalize_dtype(dtype)
    return x if x.dtype == dtype else lax.convert_element_type(x, dtype)


def shape(a):
    return np.shape(a)


def ndim(a):
    return np.ndim(a)


def isscalar(element):
    """True for scalars and for 0-d arrays (JAX counts those as scalars, unlike NumPy,
    so the answer does not change under jit, where scalars become 0-d arrays)."""
    if isinstance(element, (np.ndarray, Array, Tracer)):
        return element.ndim == 0
    if hasattr(element, "__jax_array__"):
        return np.ndim(element.__jax_array__()) == 0
    return bool(np.isscalar(element))


def size(a, axis=None):
    return int(np.size(a)) if axis is None else np.shape(a)[axis]
