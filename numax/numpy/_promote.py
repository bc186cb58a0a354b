"""NumPy-style argument handling on top of lax: dtype promotion and broadcasting.

Owns the step every numax.numpy function takes before binding primitives: turn each
argument into something lax accepts (Arrays and tracers pass through, host arrays
become constants, Python scalars become weakly typed scalars), promote to a common
dtype with JAX's lattice, and broadcast non-scalar operands to a common shape. The
fast path (two arrays of the same aval) does no work at all, which keeps eager
`jnp.add(x, y)` cheap.
"""

import operator
import warnings

import numpy as np

from numax import lax
from numax.array import Array
from numax.core import dtypes
from numax.core.abstract import TypedScalar
from numax.core.config import config
from numax.core.trace import Tracer

_PYTHON_SCALARS = (bool, int, float, complex)


def as_operand(x, name="argument"):
    """Arrays, tracers and typed scalars pass; host values are checked and converted."""
    if isinstance(x, (Array, Tracer, TypedScalar)):
        return x
    if type(x) in _PYTHON_SCALARS:
        return x
    if isinstance(x, (np.ndarray, np.generic)):
        return x
    if isinstance(x, (list, tuple)):
        raise TypeError(f"{name}: numax.numpy functions do not accept {type(x).__name__}s; "
                        f"use numax.numpy.asarray({type(x).__name__.lower()}) or "
                        "numax.numpy.array(...) first")
    if hasattr(x, "__array__") or hasattr(x, "__jax_array__"):
        return np.asarray(x.__jax_array__() if hasattr(x, "__jax_array__") else x)
    raise TypeError(f"{name}: expected an array or a scalar, got {type(x).__name__}")


def dtype_of(x):
    return x.dtype if hasattr(x, "dtype") else dtypes.dtype_and_weak_type(x)[0]


def shape_of(x):
    return getattr(x, "shape", None) if not type(x) in _PYTHON_SCALARS else ()


def convert(x, dtype, weak_type=False):
    """`x` as `dtype`; Python scalars become TypedScalars (inline literals when staged)."""
    if type(x) in _PYTHON_SCALARS:
        if type(x) is int and dtypes.is_integer(dtype):
            # A weak Python int that does not fit the strong integer type wraps, as a cast
            # does (JAX converts through a NumPy int64 array): uint8 array + -1 adds 255.
            x = np.asarray(x).astype(dtype)
        return TypedScalar(x, dtype, weak_type)
    if isinstance(x, (np.ndarray, np.generic)) and not isinstance(x, Array):
        return np.asarray(x, dtype=dtype)
    if x.dtype == dtype and getattr(x, "weak_type", False) == weak_type:
        return x
    return lax.convert_element_type(x, dtype, weak_type)


def promote(*args, name="argument"):
    """Arguments converted to their common dtype (JAX's promotion with weak types)."""
    args = [as_operand(a, name) for a in args]
    dtype, weak = dtypes.result_type(*args, return_weak_type_flag=True)
    return [convert(a, dtype, weak) for a in args]


def broadcast_shapes(*shapes):
    """NumPy broadcasting of shapes, with JAX's error message."""
    ndim = max((len(s) for s in shapes), default=0)
    out = []
    for axis in range(ndim):
        size = 1
        for shape in shapes:
            d = shape[axis - ndim + len(shape)] if axis - ndim + len(shape) >= 0 else 1
            if d != 1:
                if size != 1 and size != d:
                    raise ValueError(f"Incompatible shapes for broadcasting: "
                                     f"{', '.join(str(tuple(s)) for s in shapes)}")
                size = d
        out.append(size)
    return tuple(out)


def broadcast_to(x, shape):
    """`x` broadcast to `shape` with lax.broadcast_in_dim (rank-0 scalars stay as they are
    only when the caller lets lax broadcast them)."""
    x_shape = np.shape(x)
    if x_shape == tuple(shape):
        return x
    if type(x) in _PYTHON_SCALARS or isinstance(x, TypedScalar):
        x = _scalar_to_array(x)
    ndim = len(shape)
    lead = ndim - len(x_shape)
    if lead < 0 or any(d not in (1, shape[lead + i]) for i, d in enumerate(x_shape)):
        raise ValueError(f"Incompatible shapes for broadcasting: {tuple(x_shape)} and "
                         f"requested shape {tuple(shape)}")
    squeezed = [i for i, d in enumerate(x_shape) if d == 1 and shape[lead + i] != 1]
    if squeezed:
        x = lax.reshape(x, tuple(d for i, d in enumerate(x_shape) if i not in squeezed))
    dims = tuple(lead + i for i in range(len(x_shape)) if i not in squeezed)
    return lax.broadcast_in_dim(x, tuple(shape), dims)


def _scalar_to_array(x):
    from numax.numpy.creation import asarray
    return asarray(x.value if isinstance(x, TypedScalar) else x,
                   dtype=x.dtype if isinstance(x, TypedScalar) else None)


def promote_and_broadcast(*args, name="argument"):
    """Common dtype and common shape; rank-0 operands are left for lax to broadcast."""
    if len(args) == 2:
        x, y = args
        if type(x) is Array and type(y) is Array and x.aval is y.aval:
            return args
    args = promote(*args, name=name)
    shapes = [np.shape(a) for a in args]
    shape = broadcast_shapes(*shapes)
    out = []
    for a, s in zip(args, shapes):
        if s == shape or s == ():
            out.append(a)
        else:
            if len(s) != len(shape):
                _check_rank_promotion(shapes, name)
            out.append(broadcast_to(a, shape))
    return out


def _check_rank_promotion(shapes, name):
    """Honours jax_numpy_rank_promotion when non-scalar operands of different ranks meet."""
    mode = config.read("jax_numpy_rank_promotion")
    if mode == "allow":
        return
    message = (f"{name}: operands could not be broadcast together with shapes "
               f"{' '.join(str(tuple(s)) for s in shapes)} and with the config option "
               f"jax_numpy_rank_promotion={mode!r} (implicit rank promotion); add the missing "
               "leading axes explicitly, e.g. with reshape or expand_dims")
    if mode == "raise":
        raise ValueError(message)
    warnings.warn(message, stacklevel=4)


def ensure_array(x):
    """An Array or tracer for any array-like (host values are put on the device)."""
    if isinstance(x, (Array, Tracer)):
        return x
    from numax.numpy.creation import asarray
    return asarray(x)


def canonicalize_axis(axis, ndim, name="axis"):
    """`axis` in [0, ndim); out of range is NumPy's AxisError (a ValueError and an
    IndexError), as a 0-d array has no axis 0 to reduce or squeeze."""
    axis = operator.index(axis)
    if not -ndim <= axis < ndim:
        raise np.exceptions.AxisError(f"{name} {axis} is out of bounds for an array of "
                                      f"dimension {ndim}")
    return axis % ndim


def canonicalize_axes(axis, ndim):
    if axis is None:
        return tuple(range(ndim))
    if isinstance(axis, (int, np.integer)):
        return (canonicalize_axis(axis, ndim),)
    axes = tuple(canonicalize_axis(a, ndim) for a in axis)
    if len(set(axes)) != len(axes):
        raise ValueError(f"repeated axis in {axis}")
    return axes
