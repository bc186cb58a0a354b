"""Array creation: array/asarray from host values, filled arrays, ranges, identity.

Owns JAX's conversion rules for host data: a Python scalar becomes a weakly typed
0-d array, lists and NumPy arrays become strongly typed arrays narrowed to 32 bits
unless x64 is on (a list's leaves are joined on JAX's lattice, so [np.int8(1), 2] is
int8), and nested lists containing traced values are stacked with lax. Also copy and
from_dlpack (any DLPack producer NumPy can read).
"""

import numpy as np

from numax import lax
from numax.array import Array, from_host
from numax.core import dtypes
from numax.core.abstract import TypedScalar
from numax.core.trace import Tracer

_PYTHON_SCALARS = (bool, int, float, complex)


def _shape_tuple(shape):
    if isinstance(shape, (int, np.integer)):
        return (int(shape),)
    try:
        return tuple(int(d) for d in shape)
    except TypeError:
        raise TypeError(f"shape must be an int or a sequence of ints, got {shape!r}") from None


def _contains_traced(value):
    if isinstance(value, (Tracer, Array)):
        return True
    if isinstance(value, (list, tuple)):
        return any(_contains_traced(v) for v in value)
    return False


def _check_python_int(value, dtype):
    """Python ints that do not fit the target type are errors, as in JAX."""
    if type(value) is int and dtype is not None and dtypes.is_integer(dtype):
        info = dtypes.iinfo(dtype)
        if not info.min <= value <= info.max:
            raise OverflowError(f"Python int {value} too large to convert to "
                                f"{np.dtype(dtype).name}")


def array(object, dtype=None, copy=True, order=None, ndmin=0):
    """An Array from a scalar, nested sequence, NumPy array or Array (JAX's dtype rules)."""
    if order not in (None, "K", "C", "A"):
        raise NotImplementedError(f"numax.numpy.array: order={order!r} is not supported")
    dtype = None if dtype is None else dtypes.canonicalize_dtype(dtype)
    if isinstance(object, (Array, Tracer)):
        out = object if dtype is None else lax.convert_element_type(object, dtype)
    elif isinstance(object, (list, tuple)) and _contains_traced(object):
        out = _stack_nested(object, dtype)
    elif hasattr(object, "__jax_array__"):
        out = array(object.__jax_array__(), dtype)
    else:
        if type(object) in _PYTHON_SCALARS:
            _check_python_int(object, dtype)
        if not isinstance(object, (np.ndarray, np.generic, list, tuple, TypedScalar)) and \
                type(object) not in _PYTHON_SCALARS and hasattr(object, "__array__"):
            object = np.asarray(object)
        if isinstance(object, (list, tuple)):
            host = np.asarray(object)
            if host.dtype == object_dtype:
                raise TypeError(f"numax.numpy.array: cannot convert a ragged or mixed sequence "
                                f"to an array: {object!r}")
            host_dtype = _sequence_dtype(object, host) if dtype is None else dtype
            _check_integer_range(host, host_dtype)
            out = from_host(host.astype(host_dtype), weak_type=False)
        elif isinstance(object, TypedScalar):
            out = from_host(object.value, weak_type=object.aval.weak_type)
        else:
            if isinstance(object, str) or object is None:
                raise TypeError(f"numax.numpy.array: unsupported input {object!r}")
            out = from_host(object, dtype=dtype) if dtype is not None else from_host(object)
    if ndmin > np.ndim(out):
        out = lax.reshape(out, (1,) * (ndmin - np.ndim(out)) + tuple(np.shape(out)))
    return out


object_dtype = np.dtype(object)


def _leaf_kinds(seq, kinds):
    for item in seq:
        if isinstance(item, (list, tuple)):
            _leaf_kinds(item, kinds)
        elif isinstance(item, np.generic):
            kinds.add(item.dtype)
        elif isinstance(item, np.ndarray):
            kinds.add(item.dtype)
        else:
            kinds.add(type(item))
    return kinds


def _sequence_dtype(seq, host):
    """The dtype JAX gives a nested sequence: its leaves joined on the promotion lattice
    (NumPy scalars are strong, Python scalars weak: [np.int8(1), 2] is int8)."""
    kinds = _leaf_kinds(seq, set())
    if not kinds:
        return dtypes.default_float_dtype()
    if all(kind in _PYTHON_SCALARS for kind in kinds):
        return dtypes.dtype_and_weak_type(host)[0]   # NumPy's choice, narrowed to 32 bits
    return dtypes.result_type(*kinds)


def _check_integer_range(host, dtype):
    """Python ints that do not fit the (32-bit) integer type are errors, as in JAX."""
    if host.dtype.kind in "iu" and host.size and dtypes.is_integer(dtype) and \
            dtypes.itemsize_bits(dtype) < 8 * host.dtype.itemsize:
        info = dtypes.iinfo(dtype)
        low, high = host.min(), host.max()
        if low < info.min or high > info.max:
            bad = low if low < info.min else high
            raise OverflowError(f"Python int {bad} too large to convert to "
                                f"{np.dtype(dtype).name}")


def _stack_nested(seq, dtype):
    items = [_stack_nested(v, dtype) if isinstance(v, (list, tuple)) else v for v in seq]
    from numax.numpy.manipulation import stack
    return stack(items) if dtype is None else lax.convert_element_type(stack(items), dtype)


def asarray(a, dtype=None, order=None, copy=None):
    """Like `array`, but returns Arrays of the right dtype unchanged."""
    if type(a) is Array and (dtype is None or a.dtype == dtypes.canonicalize_dtype(dtype)):
        return a
    return array(a, dtype=dtype, order=order)


def full(shape, fill_value, dtype=None):
    """An array of `shape` filled with `fill_value`; a Python scalar fill without a dtype
    gives a weakly typed array, as lax.full does."""
    if dtype is None:
        dtype, weak = _dtype_and_weak(fill_value)
    else:
        dtype, weak = dtypes.canonicalize_dtype(dtype), False
    return _full(_shape_tuple(shape), fill_value, dtype, weak)


def _full(shape, fill_value, dtype, weak):
    if isinstance(fill_value, (Array, Tracer)) or np.ndim(fill_value):
        from numax.numpy._promote import broadcast_to
        value = asarray(fill_value, dtype)
        return broadcast_to(value, shape)
    _check_python_int(fill_value, dtype)
    if not shape:
        return from_host(np.asarray(fill_value, dtype), weak_type=weak)
    return lax.broadcast_in_dim(TypedScalar(fill_value, dtype, weak), shape, ())


def zeros(shape, dtype=None):
    return full(shape, 0, dtype or dtypes.default_float_dtype())


def ones(shape, dtype=None):
    return full(shape, 1, dtype or dtypes.default_float_dtype())


def empty(shape, dtype=None):
    return zeros(shape, dtype)


def full_like(a, fill_value, dtype=None, shape=None):
    """Like `full`, with the shape and dtype of `a`; without a dtype the result is weakly
    typed exactly when `a` is (as lax.full_like)."""
    if dtype is None:
        dtype, weak = _dtype_and_weak(a)
    else:
        dtype, weak = dtypes.canonicalize_dtype(dtype), False
    return _full(np.shape(a) if shape is None else _shape_tuple(shape), fill_value, dtype, weak)


def zeros_like(a, dtype=None, shape=None):
    return full_like(a, 0, dtype, shape)


def ones_like(a, dtype=None, shape=None):
    return full_like(a, 1, dtype, shape)


def empty_like(a, dtype=None, shape=None):
    return zeros_like(a, dtype, shape)


def _dtype_and_weak(a):
    if isinstance(a, (Array, Tracer, TypedScalar)):
        return a.dtype, a.weak_type
    if isinstance(a, (list, tuple)):
        return _sequence_dtype(a, np.asarray(a)), False
    return dtypes.dtype_and_weak_type(a)


def copy(a, order=None):
    """A copy of `a` as an Array (numax arrays are immutable, so this is `array(a)`)."""
    return array(a, copy=True, order=order)


def from_dlpack(x, /, *, device=None, copy=None):
    """An Array holding the data of any object that implements the DLPack protocol
    (`__dlpack__`), e.g. a NumPy array or a CPU tensor of another library. The data is
    copied; 64-bit values are narrowed to 32 bits unless x64 is on.

    >>> import numpy as np, numax.numpy as jnp
    >>> jnp.from_dlpack(np.arange(3, dtype=np.float32))
    Array([0., 1., 2.], dtype=float32)
    """
    if not hasattr(x, "__dlpack__"):
        raise TypeError(f"numax.numpy.from_dlpack: expected an object with a __dlpack__ "
                        f"method (a DLPack producer), got {type(x).__name__}")
    if isinstance(x, Array):
        out = x
    else:
        try:
            host = np.from_dlpack(x)
        except (BufferError, RuntimeError, TypeError) as error:
            raise TypeError(f"numax.numpy.from_dlpack: NumPy cannot import this "
                            f"{type(x).__name__} (only CPU DLPack producers are supported): "
                            f"{error}") from error
        out = from_host(np.array(host))
    if device is not None:
        from numax.array import device_put
        out = device_put(out, device)
    return out


def _concrete(value, name):
    if isinstance(value, Tracer):
        from numax.core.errors import ConcretizationTypeError
        raise ConcretizationTypeError(value, f"The problem arose with the {name} argument of "
                                             "numax.numpy.arange, which must be static.\n")
    if isinstance(value, Array):
        return value.item() if value.ndim == 0 else np.asarray(value)
    return value


def arange(start, stop=None, step=None, dtype=None):
    """Evenly spaced values in [start, stop); integer ranges are staged as lax.iota."""
    start = _concrete(start, "start")
    stop = _concrete(stop, "stop")
    step = _concrete(step, "step")
    if stop is None:
        start, stop = 0, start
    step = 1 if step is None else step
    if dtype is None:
        dtype = dtypes.result_type(*[v for v in (start, stop, step) if v is not None])
        dtype = dtypes.canonicalize_dtype(dtype)
    else:
        dtype = dtypes.canonicalize_dtype(dtype)
    values = np.arange(start, stop, step)
    if dtypes.is_integer(dtype) and start == 0 and step == 1 and values.size:
        return lax.iota(dtype, values.size)
    return from_host(values.astype(dtype))


def linspace(start, stop, num=50, endpoint=True, retstep=False, dtype=None, axis=0):
    num = int(_concrete(num, "num"))
    start, stop = _concrete(start, "start"), _concrete(stop, "stop")
    dtype = dtypes.canonicalize_dtype(dtype or dtypes.to_inexact_dtype(
        dtypes.result_type(start, stop)))
    values, step = np.linspace(np.asarray(start, np.float64), np.asarray(stop, np.float64), num,
                               endpoint=endpoint, retstep=True, axis=axis)
    if dtypes.is_integer(dtype):
        values = np.floor(values)   # integer ranges round toward -inf (JAX and NumPy 2)
    out = from_host(values.astype(dtype))
    if not retstep:
        return out
    return out, from_host(np.asarray(step, dtypes.to_inexact_dtype(dtype)))


def eye(N, M=None, k=0, dtype=None):
    M = N if M is None else M
    return from_host(np.eye(int(N), int(M), int(k), dtype=dtypes.canonicalize_dtype(
        dtype or dtypes.default_float_dtype())))


def identity(n, dtype=None):
    return eye(n, dtype=dtype)
