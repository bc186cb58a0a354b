"""Choosing and placing elements in NumPy's API: select, piecewise, choose, extract,
compress, trim_zeros, apply_along_axis, apply_over_axes, and the functional forms of NumPy's
in-place writers put, put_along_axis, place and fill_diagonal.

Arrays are immutable, so the writers return an updated copy and require
`inplace=False` (JAX's rule: code written for NumPy's in-place versions would
otherwise silently do nothing). Selections whose size depends on values (extract,
compress with a mask) need a static `size` under jit, as nonzero does.
"""

import numpy as np

from numax import lax
from numax.core import dtypes
from numax.core.trace import Tracer
from numax.numpy import ufuncs
from numax.numpy._promote import broadcast_shapes, broadcast_to, canonicalize_axis, \
    ensure_array, promote


def _require_copy(api, inplace):
    if inplace:
        raise ValueError(f"numax.numpy.{api} cannot modify arrays in place, because numax "
                         f"arrays are immutable. Pass inplace=False to get the updated array "
                         "as the result instead.")


def _as_bool(condition):
    condition = ensure_array(condition)
    return condition if condition.dtype == np.bool_ else ufuncs.not_equal(condition, 0)


def select(condlist, choicelist, default=0):
    """The element of the first choice whose condition holds, else `default`.

    >>> import numax.numpy as jnp
    >>> x = jnp.arange(5)
    >>> jnp.select([x < 2, x > 3], [x, x ** 2], default=-1)
    Array([ 0,  1, -1, -1, 16], dtype=int32)
    """
    if len(condlist) != len(choicelist):
        raise ValueError(f"numax.numpy.select: condlist and choicelist must have one length, got "
                         f"{len(condlist)} and {len(choicelist)}")
    if len(condlist) == 0:
        raise ValueError("numax.numpy.select: condlist must not be empty")
    conditions = [ensure_array(c) for c in condlist]
    for c in conditions:
        if c.dtype != np.bool_:
            raise TypeError(f"numax.numpy.select: conditions must be boolean arrays, got dtype "
                            f"{c.dtype.name}")
    values = [ensure_array(v) for v in promote(*choicelist, default,
                                               name="numax.numpy.select")]
    shape = broadcast_shapes(*[c.shape for c in conditions], *[v.shape for v in values])
    result = broadcast_to(values[-1], shape)
    for condition, value in zip(reversed(conditions), reversed(values[:-1])):
        result = lax.select(broadcast_to(condition, shape), broadcast_to(value, shape), result)
    return result


def piecewise(x, condlist, funclist, *args, **kw):
    """funclist[i](x) where condlist[i] holds (later conditions win), an extra last function
    (or value) where none holds, 0 otherwise. The functions must be elementwise: they are
    evaluated on all of x and the results selected.

    >>> import numax.numpy as jnp
    >>> x = jnp.asarray([-2., 0., 3.])
    >>> jnp.piecewise(x, [x < 0, x >= 0], [lambda v: -v, lambda v: v ** 2])
    Array([2., 0., 9.], dtype=float32)
    """
    x = ensure_array(x)
    if isinstance(condlist, (Tracer,)) or (hasattr(condlist, "ndim") and condlist.ndim ==
                                            x.ndim and condlist.dtype == np.bool_):
        condlist = [condlist]
    conditions = [broadcast_to(_as_bool(c), x.shape) for c in condlist]
    if len(funclist) not in (len(conditions), len(conditions) + 1):
        raise ValueError(f"numax.numpy.piecewise: with {len(conditions)} conditions funclist "
                         f"needs {len(conditions)} or {len(conditions) + 1} entries, got "
                         f"{len(funclist)}")

    def evaluate(function):
        value = function(x, *args, **kw) if callable(function) else function
        value = ensure_array(value)
        if value.dtype != x.dtype:
            value = lax.convert_element_type(value, x.dtype)
        return broadcast_to(value, x.shape)

    if len(funclist) == len(conditions) + 1:
        from numax.numpy.reductions import any as reduce_any
        if conditions:
            stacked = lax.concatenate([lax.expand_dims(c, (0,)) for c in conditions], 0)
            none = ufuncs.logical_not(reduce_any(stacked, axis=0))
        else:
            none = lax.full(x.shape, True, np.bool_)
        conditions = conditions + [none]
    result = lax.full(x.shape, 0, x.dtype)
    for condition, function in zip(conditions, funclist):
        result = lax.select(condition, evaluate(function), result)
    return result


def choose(a, choices, out=None, mode="raise"):
    """choices[a[i]][i] for every position i, with a and the choices broadcast together.
    mode: 'raise' (checks a; concrete arrays only), 'wrap' or 'clip'.

    >>> import numax.numpy as jnp
    >>> jnp.choose(jnp.asarray([0, 2, 1]), [jnp.arange(3), 10 * jnp.arange(3), -jnp.ones(3, int)])
    Array([ 0, -1, 20], dtype=int32)
    """
    if out is not None:
        raise NotImplementedError("numax.numpy.choose: the `out` argument is not supported")
    a = ensure_array(a)
    if not dtypes.is_integer(a.dtype) or a.dtype == np.bool_:
        raise TypeError(f"numax.numpy.choose: a must be integers, got dtype {a.dtype.name}")
    count = len(choices)
    if mode == "raise":
        if isinstance(a, Tracer):
            raise TypeError("numax.numpy.choose: mode='raise' needs a concrete `a` (it checks its "
                            "values); use mode='wrap' or mode='clip' under jit")
        host = np.asarray(a)
        if host.size and (host.min() < 0 or host.max() >= count):
            raise ValueError("numax.numpy.choose: invalid entry in choice array")
    elif mode == "wrap":
        a = ufuncs.mod(a, count)
    elif mode == "clip":
        a = lax.clamp(lax.full_like(a, 0), a, lax.full_like(a, count - 1))
    else:
        raise ValueError(f"numax.numpy.choose: mode must be 'raise', 'wrap' or 'clip', got "
                         f"{mode!r}")
    values = [ensure_array(c) for c in promote(*choices, name="numax.numpy.choose")]
    shape = broadcast_shapes(a.shape, *[v.shape for v in values])
    which = broadcast_to(lax.convert_element_type(a, np.int32), shape)
    return lax.select_n(which, *[broadcast_to(v, shape) for v in values])


def extract(condition, arr, *, size=None, fill_value=0):
    """The elements of ravel(arr) where ravel(condition) is nonzero (`size` under jit)."""
    from numax.numpy.manipulation import nonzero
    from numax.numpy.indexing import take
    arr = ensure_array(arr)
    condition = ensure_array(condition) if isinstance(condition, Tracer) else np.asarray(condition)
    flat_condition = lax.reshape(condition, (condition.size,)) if isinstance(
        condition, Tracer) else condition.ravel()
    flat = lax.reshape(arr, (arr.size,))
    if np.size(flat_condition) != arr.size:
        raise ValueError(f"numax.numpy.extract: condition (size {np.size(flat_condition)}) and "
                         f"arr (size {arr.size}) must have the same size")
    positions = nonzero(flat_condition, size=size, fill_value=arr.size)[0]   # past the end
    if size is None:
        return take(flat, positions, mode="clip")
    return take(flat, positions, mode="fill", fill_value=fill_value)


def compress(condition, a, axis=None, *, size=None, fill_value=0, out=None):
    """The slices of `a` along `axis` where the 1-d `condition` holds (`size` under jit:
    missing slices are filled with fill_value)."""
    from numax.numpy.manipulation import nonzero
    from numax.numpy.indexing import take
    if out is not None:
        raise NotImplementedError("numax.numpy.compress: the `out` argument is not supported")
    a = ensure_array(a)
    if axis is None:
        a, axis = lax.reshape(a, (a.size,)), 0
    axis = canonicalize_axis(axis, a.ndim)
    if np.ndim(condition) != 1:
        raise ValueError(f"numax.numpy.compress: condition must be 1-d, got shape "
                         f"{np.shape(condition)}")
    condition = condition if isinstance(condition, Tracer) else np.asarray(condition)
    length = np.shape(condition)[0]
    if length > a.shape[axis]:
        condition = condition[:a.shape[axis]]
    positions = nonzero(condition, size=size, fill_value=a.shape[axis])[0]   # past the end
    if size is None:
        return take(a, positions, axis=axis, mode="clip")
    return take(a, positions, axis=axis, mode="fill", fill_value=fill_value)


def trim_zeros(filt, trim="fb"):
    """The 1-d `filt` without its leading ('f') and/or trailing ('b') zeros. The result's
    length depends on the values, so `filt` must be concrete.

    >>> import numax.numpy as jnp
    >>> jnp.trim_zeros(jnp.asarray([0, 0, 3, 0, 5, 0]))
    Array([3, 0, 5], dtype=int32)
    """
    if isinstance(filt, Tracer):
        from numax.core.errors import ConcretizationTypeError
        raise ConcretizationTypeError(filt, "numax.numpy.trim_zeros: the result's length "
                                      "depends on the values of filt, so it must be concrete; "
                                      "under jit use a mask instead.\n")
    filt = ensure_array(filt)
    if filt.ndim != 1:
        raise ValueError(f"numax.numpy.trim_zeros: filt must be 1-d, got shape {filt.shape}")
    if not set(trim.lower()) <= {"f", "b"}:
        raise ValueError(f"numax.numpy.trim_zeros: trim must contain only 'f' and 'b', got "
                         f"{trim!r}")
    nonzero = np.flatnonzero(np.asarray(filt))
    if nonzero.size == 0:
        return lax.slice(filt, (0,), (0,))
    start = int(nonzero[0]) if "f" in trim.lower() else 0
    stop = int(nonzero[-1]) + 1 if "b" in trim.lower() else filt.shape[0]
    return lax.slice(filt, (start,), (stop,))


def apply_along_axis(func1d, axis, arr, *args, **kwargs):
    """func1d applied to every 1-d slice of `arr` along `axis` (with vmap); the axes of its
    result take the place of `axis`.

    >>> import numax.numpy as jnp
    >>> jnp.apply_along_axis(lambda v: v[::-1], 1, jnp.arange(6).reshape(2, 3))
    Array([[2, 1, 0],
           [5, 4, 3]], dtype=int32)
    """
    from numax import vmap
    arr = ensure_array(arr)
    axis = canonicalize_axis(axis, arr.ndim)
    function = lambda v: ensure_array(func1d(v, *args, **kwargs))  # noqa: E731
    # Map over the axes after `axis`, then over those before it, so that the result's
    # own axes land where `axis` was.
    for _ in range(arr.ndim - axis - 1):
        function = vmap(function, in_axes=-1, out_axes=-1)
    for _ in range(axis):
        function = vmap(function, in_axes=0, out_axes=0)
    return function(arr)


def apply_over_axes(func, a, axes):
    """func(a, axis) applied for each axis in turn; a result that lost the axis gets it
    back with length 1, so the rank is kept."""
    from numax.numpy.manipulation import expand_dims
    a = ensure_array(a)
    for axis in ([axes] if isinstance(axes, (int, np.integer)) else axes):
        result = ensure_array(func(a, axis))
        if result.ndim == a.ndim - 1:
            result = expand_dims(result, axis)
        elif result.ndim != a.ndim:
            raise ValueError("numax.numpy.apply_over_axes: func must return an array of the "
                             "input's rank or one less")
        a = result
    return a


def put(a, ind, v, mode=None, *, inplace=True):
    """ravel(a) with the elements at `ind` replaced by `v` (repeated to the length of ind),
    reshaped back. mode: None/'fill'/'drop' drop out-of-range indices, 'clip' clamps,
    'wrap' wraps. Needs inplace=False."""
    from numax.numpy.indexing import _integer_indices, _wrap_indices
    _require_copy("put", inplace)
    a = ensure_array(a)
    ind = _integer_indices("numax.numpy.put", ind)
    ind = lax.reshape(ensure_array(ind), (np.size(ind),))
    if mode == "wrap":
        ind, mode = _wrap_indices(ind, a.size), "clip"
    elif mode not in (None, "fill", "drop", "clip", "raise"):
        raise ValueError(f"numax.numpy.put: unknown mode {mode!r}")
    if mode == "raise":
        raise NotImplementedError("numax.numpy.put: mode='raise' is not supported; use 'clip', "
                                  "'wrap' or the default (drop out-of-range indices)")
    v = ensure_array(v)
    values = lax.reshape(v, (v.size,))
    if ind.shape[0] and values.shape[0] != ind.shape[0]:
        if values.shape[0] == 0:
            return a
        repeats = -(-ind.shape[0] // values.shape[0])
        from numax.numpy.rearrange import tile
        values = lax.slice(tile(values, repeats), (0,), (ind.shape[0],))
    flat = lax.reshape(a, (a.size,))
    return lax.reshape(flat.at[ind].set(values, mode=mode), a.shape)


def put_along_axis(arr, indices, values, axis, inplace=True, *, mode=None):
    """arr with arr[..., indices[..., j, ...], ...] = values along `axis` (the functional
    inverse of take_along_axis). Needs inplace=False."""
    _require_copy("put_along_axis", inplace)
    arr = ensure_array(arr)
    indices = ensure_array(indices)
    if axis is None:
        flat = lax.reshape(arr, (arr.size,))
        return lax.reshape(put_along_axis(flat, lax.reshape(indices, (indices.size,)), values,
                                          0, inplace=False, mode=mode), arr.shape)
    axis = canonicalize_axis(axis, arr.ndim)
    if indices.ndim != arr.ndim:
        raise ValueError(f"numax.numpy.put_along_axis: indices (shape {indices.shape}) and arr "
                         f"(shape {arr.shape}) must have the same number of dimensions")
    shape = broadcast_shapes(*[tuple(1 if i == axis else d for i, d in enumerate(s))
                               for s in (arr.shape, indices.shape)])
    if shape != tuple(1 if i == axis else d for i, d in enumerate(arr.shape)):
        raise ValueError(f"numax.numpy.put_along_axis: indices of shape {indices.shape} do not "
                         f"broadcast against arr of shape {arr.shape}")
    index_shape = shape[:axis] + (indices.shape[axis],) + shape[axis + 1:]
    indices = broadcast_to(indices, index_shape)
    index = tuple(indices if i == axis else lax.broadcast_in_dim(
        lax.iota(dtypes.default_int_dtype(), index_shape[i]), index_shape, (i,))
        for i in range(arr.ndim))
    return arr.at[index].set(values, mode=mode)


def place(arr, mask, vals, *, inplace=True):
    """arr with the positions where `mask` holds set to `vals` in order (repeated as
    needed). `mask` must be concrete. Needs inplace=False."""
    _require_copy("place", inplace)
    arr = ensure_array(arr)
    if isinstance(mask, Tracer):
        from numax.numpy.indexing import NonConcreteBooleanIndexError
        raise NonConcreteBooleanIndexError(mask, "numax.numpy.place")
    positions = np.flatnonzero(np.asarray(mask))
    if positions.size == 0:
        return arr
    return put(arr, positions.astype(dtypes.default_int_dtype()), vals, inplace=False)


def fill_diagonal(a, val, wrap=False, *, inplace=True):
    """`a` with its main diagonal (a[i, i, ...]) set to `val` (repeated as needed). For a
    tall 2-d array, wrap=True restarts the diagonal every N+1 rows. Needs inplace=False."""
    _require_copy("fill_diagonal", inplace)
    a = ensure_array(a)
    if a.ndim < 2:
        raise ValueError("numax.numpy.fill_diagonal: array must be at least 2-d")
    if a.ndim > 2 and len(set(a.shape)) != 1:
        raise ValueError("numax.numpy.fill_diagonal: all dimensions of the input must be of "
                         "equal length")
    if a.ndim == 2:
        step = a.shape[1] + 1
        end = a.size if wrap else min(a.size, a.shape[1] * a.shape[1])
    else:
        step = int(np.sum(np.cumprod((1,) + a.shape[:-1])))
        end = a.size
    positions = np.arange(0, end, step).astype(dtypes.default_int_dtype())
    if positions.size == 0:
        return a
    return put(a, positions, val, inplace=False)
