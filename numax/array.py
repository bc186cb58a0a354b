"""`numax.Array`: an immutable array on one device or over several, with its abstract value.

The type is the runtime's own array type with numax's Python API installed on it, so
compiled programs and jaxlib's C++ jit dispatch produce and consume numax arrays directly.
Owns conversion of host values (Python scalars, lists, NumPy arrays) into device
arrays with JAX's dtype rules (Python scalars are weakly typed; 64-bit values are
narrowed unless x64 is on), conversion back to the host (`np.asarray`, `.item()`,
`.tolist()`, printing, pickling by value, DLPack) and device placement, and applies the
transfer guards (numax.transfer_guard) to those moves. Operators and
array methods (`+`, `.reshape`, `.sum`, indexing) are installed by numax.numpy on
both Array and Tracer, so concrete and traced arrays share one implementation.
An array laid out by a numax.sharding.NamedSharding is one jaxlib array over several
devices; its host value is assembled from its shards.
"""

import logging

import numpy as np

from numax import runtime
from numax.core import dtypes
from numax.core.abstract import ShapedArray
from numax.core.config import config
from numax.core.errors import NumaxError
from numax.core.trace import Tracer

_logger = logging.getLogger("numax")


class TransferGuardError(NumaxError, RuntimeError):
    """A transfer that a transfer guard ('disallow' or 'disallow_explicit') forbids."""


def guard_transfer(direction, explicit, describe):
    """Applies this thread's transfer guard for `direction` ('host_to_device',
    'device_to_host' or 'device_to_device') to one transfer; `describe()` says what moves.
    Explicit transfers (device_put, device_get) are guarded only by the '*_explicit' levels.
    Callers check `config.transfer_guards_active` first: unguarded transfers stay cheap."""
    level = config.transfer_guard(direction)
    if level is None or (explicit and not level.endswith("_explicit")):
        return
    option, direction = "jax_transfer_guard_" + direction, direction.replace("_", "-")
    if level.startswith("log"):
        _logger.warning("%s transfer: %s", direction, describe())
        return
    hint = ("it was requested explicitly, but the guard level 'disallow_explicit' forbids "
            "explicit transfers too" if explicit else
            "if it is intended, make it explicit with numax.device_put / numax.device_get")
    raise TransferGuardError(f"Disallowed {direction} transfer: {describe()}. A transfer guard "
                             f"({option}={level!r}, set by numax.transfer_guard or "
                             f"numax.config) forbids it; {hint}")


def guard_device_copy(array, destination, explicit):
    """The device-to-device guard for copying `array` to `destination` (a Device or Sharding)."""
    if config.transfer_guards_active:
        guard_transfer("device_to_device", explicit,
                       lambda: f"aval={array.aval!r}, sharding={array._sharding!r}, dst_sharding="
                               f"{_as_sharding(destination)!r}")


def _as_sharding(destination):
    return runtime.sharding_for(destination) if isinstance(destination, runtime.DEVICE_TYPE) \
        else destination


# Narrow dtypes NumPy has no byte-addressed view of: fetching them converts, even on CPU.
_SUB_BYTE_DTYPES = frozenset(("int1", "int2", "int4", "uint1", "uint2", "uint4",
                              "float4_e2m1fn"))


def _fetch_copies(array):
    """Whether fetching `array` copies its data. On CPU the host reads the device memory
    in place (as JAX does, whose device-to-host guard does not fire there) except for
    sub-byte dtypes."""
    platform = next(iter(array._sharding.device_set)).platform
    return platform != "cpu" or array.aval.dtype.name in _SUB_BYTE_DTYPES


class _ArrayAPI:
    """The Python API of numax.Array, installed on the runtime's array type.

    numax.Array is jaxlib's own array type (numax/runtime/buffers.py says why); its native
    members (`aval`, `_committed`, `_npy_value`, `block_until_ready`, `is_ready`,
    `is_deleted`, `delete`, `unsafe_buffer_pointer`) are used as they are."""

    __array_priority__ = 100

    shape = property(lambda self: self.aval.shape)
    dtype = property(lambda self: self.aval.dtype)
    ndim = property(lambda self: self.aval.ndim)
    size = property(lambda self: self.aval.size)
    weak_type = property(lambda self: self.aval.weak_type)
    _buf = property(lambda self: self)  # the device buffer a program takes: the array itself
    _device = property(runtime.array_device)

    # ------------------------------------------------------------ host access
    def _host_value(self, explicit=False):
        value = self._npy_value
        if value is None:
            if config.transfer_guards_active and _fetch_copies(self):
                guard_transfer("device_to_host", explicit,
                               lambda: f"shape={self.aval.shape}, dtype={self.aval.dtype.name}, "
                                       f"device={self.device}")
            if runtime.is_multi_device(self):
                value = _assemble_on_host(self)
            else:
                value = runtime.fetch(self, self.aval.dtype, self.aval.shape)
            self._npy_value = value
        return value

    def __array__(self, dtype=None, copy=None):
        value = self._host_value()
        if copy:
            return np.array(value, dtype=dtype, copy=True)
        return value if dtype is None else value.astype(dtype, copy=False)

    def item(self, *args):
        return self._host_value().item(*args)

    def tolist(self):
        return self._host_value().tolist()

    def __bool__(self):
        if self.aval.size != 1:
            raise ValueError(f"The truth value of an array with {self.aval.size} elements is "
                             "ambiguous. Use a.any() or a.all()")
        return bool(self._host_value())

    def __int__(self):
        return int(self._host_value())

    def __float__(self):
        return float(self._host_value())

    def __complex__(self):
        return complex(self._host_value())

    def __index__(self):
        if not dtypes.is_integer(self.aval.dtype) and self.aval.dtype != np.bool_:
            raise TypeError(f"only integer arrays can be used as an index, got {self.aval.dtype}")
        return int(self._host_value())

    def __len__(self):
        if not self.aval.shape:
            raise TypeError("len() of unsized object (a 0-d array)")
        return self.aval.shape[0]

    def __iter__(self):
        if not self.aval.shape:
            raise TypeError("iteration over a 0-d array")
        return (self[i] for i in range(self.aval.shape[0]))

    def __hash__(self):
        raise TypeError("unhashable type: 'numax.Array'")

    def __format__(self, spec):
        if self.aval.ndim == 0:
            return format(self._host_value().item(), spec)
        return format(self._host_value(), spec)

    def __repr__(self):
        if self.is_deleted():
            return f"Array(<deleted>, shape={self.shape}, dtype={self.dtype.name})"
        weak = ", weak_type=True" if self.aval.weak_type else ""
        value = self._host_value()
        if self.size == 0:
            body = f"[], shape={self.shape}"
        else:
            body = np.array2string(value, separator=", ", prefix="Array(")
        return f"Array({body}, dtype={self.dtype.name}{weak})"

    def __str__(self):
        return str(self._host_value())

    def __reduce__(self):
        return _rebuild, (np.array(self._host_value()), self.aval.weak_type)

    def __copy__(self):
        return self

    def __deepcopy__(self, memo):
        return self

    # ------------------------------------------------------------ device
    @property
    def device(self):
        """The array's device, or its sharding when it lives on several devices (as JAX's)."""
        return self._sharding if runtime.is_multi_device(self) else self._device

    def devices(self):
        return set(self._sharding.device_set)

    sharding = property(lambda self: self._sharding)
    is_fully_replicated = property(lambda self: self._sharding.is_fully_replicated)
    is_fully_addressable = property(lambda self: True)  # one process

    @property
    def addressable_shards(self):
        """Each device's piece of the array: Shard(device, index, replica_id, data)."""
        index_map = self._sharding.devices_indices_map(self.aval.shape)
        if not runtime.is_multi_device(self):
            return [Shard(self._device, index_map[self._device], 0, self)]
        shards, seen = [], {}
        for device, data in runtime.device_shards(self, _shard_aval(self)):
            index = index_map[device]
            key = tuple((s.start, s.stop) for s in index)
            replica = seen[key] = seen.get(key, -1) + 1
            shards.append(Shard(device, index, replica, data))
        return shards

    @property
    def committed(self):
        return self._committed

    def copy_to_host_async(self):
        self._copy_single_device_array_to_host_async()

    def __dlpack__(self, *, stream=None, max_version=None, dl_device=None, copy=None):
        if runtime.is_multi_device(self):
            raise BufferError(f"__dlpack__ needs an array on one device, but this array is "
                              f"sharded over {self._sharding.num_devices} devices; move it to "
                              "one with numax.device_put(x, device) first")
        return runtime.to_dlpack(self)

    def __dlpack_device__(self):
        return (1, 0) if self._device.platform == "cpu" else (2, self._device.local_hardware_id)


Array = runtime.ARRAY_TYPE
Array.__name__ = Array.__qualname__ = "Array"
Array.__module__ = "numax"
for _name, _member in vars(_ArrayAPI).items():
    if _name not in ("__dict__", "__weakref__", "__module__", "__qualname__", "__doc__"):
        setattr(Array, _name, _member)
del _name, _member


class Shard:
    """One device's piece of an array: the device, the index (a tuple of slices) of the
    piece in the global array, which copy of that piece it is, and the piece itself."""

    __slots__ = ("device", "index", "replica_id", "data")

    def __init__(self, device, index, replica_id, data):
        self.device, self.index, self.replica_id, self.data = device, index, replica_id, data

    def __repr__(self):
        return (f"Shard(device={self.device!r}, index={self.index}, "
                f"replica_id={self.replica_id}, data={self.data})")


def _shard_aval(array):
    aval = array.aval
    return ShapedArray(array._sharding.shard_shape(aval.shape), aval.dtype, aval.weak_type)


def _assemble_on_host(array):
    """The global value of a multi-device array, copied together from its shards."""
    sharding = array._sharding
    index_map = sharding.devices_indices_map(array.aval.shape)
    shard_aval = _shard_aval(array)
    value = np.empty(array.aval.shape, array.aval.dtype)
    for device, shard in runtime.device_shards(array, shard_aval):
        value[index_map[device]] = runtime.fetch(shard, shard_aval.dtype, shard_aval.shape)
    value.flags.writeable = False  # like a single-device array's host value
    return value


class _AnyArrayMeta(type):
    def __instancecheck__(cls, value):
        return isinstance(value, (Array, Tracer))

    def __subclasscheck__(cls, subclass):
        return issubclass(subclass, (Array, Tracer))


class AnyArray(metaclass=_AnyArrayMeta):
    """The public `numax.Array` (and `numax.numpy.ndarray`): what `isinstance` checks in
    user code mean by an array, a concrete one or a traced one (as `jax.Array` does)."""

    def __new__(cls, *args, **kwargs):
        raise TypeError("numax.Array cannot be constructed directly; "
                        "use numax.numpy.array or numax.numpy.asarray")


def _rebuild(host_value, weak_type):
    return from_host(host_value, weak_type=weak_type, guard="explicit")  # as device_put


def _host_array(value, dtype=None, weak_type=None):
    """(NumPy array, aval) of a host value by JAX's dtype rules."""
    if dtype is None:
        host_dtype, weak = dtypes.dtype_and_weak_type(value) if not isinstance(value, list) else \
            dtypes.dtype_and_weak_type(np.asarray(value))
    else:
        host_dtype, weak = dtypes.canonicalize_dtype(dtype), False
    if weak_type is not None:
        weak = weak_type
    array = np.asarray(value, dtype=host_dtype)
    return array, ShapedArray(array.shape, host_dtype, weak)


def from_host(value, dtype=None, weak_type=None, device=None, committed=False, guard="implicit"):
    """Puts a host value (scalar, nested list, NumPy array) on a device as an Array.
    `guard` says how the host-to-device guard sees the transfer: 'implicit', 'explicit'
    (numax.device_put) or None (data numax itself stages, such as a program's constants)."""
    array, aval = _host_array(value, dtype, weak_type)
    device = device or runtime.default_device()
    if guard and config.transfer_guards_active:
        guard_host_to_device(aval, device, guard == "explicit")
    return runtime.put(array, device, aval, committed)


def guard_host_to_device(aval, destination, explicit):
    """The host-to-device guard for putting a value of `aval` on `destination`."""
    guard_transfer("host_to_device", explicit,
                   lambda: f"aval={aval!r}, dst_sharding={_as_sharding(destination)!r}")


def put_sharded(value, sharding, explicit=True):
    """An Array (or host value) laid out by `sharding` (a NamedSharding), committed to it.
    An Array's value goes through the host on the way: device_put is not a hot path.
    `explicit`: whether the user asked for the move (device_put), for the transfer guards."""
    if isinstance(value, Array):
        if value._sharding == sharding:
            return value if value._committed else runtime.rewrap(value, value.aval, True)
        guard_device_copy(value, sharding, explicit)
        host, aval = _unguarded_host_value(value), value.aval
    else:
        host, aval = _host_array(value)
        if config.transfer_guards_active:
            guard_host_to_device(aval, sharding, explicit)
    index_map = sharding.devices_indices_map(aval.shape)
    devices = sharding._device_assignment
    pieces = [host[index_map[device]] for device in devices]
    return runtime.put_shards(pieces, devices, sharding, aval)


def device_put(value, device=None):
    """Moves an Array (or host value) to `device` (a Device or a Sharding); with a device
    given, the result is committed."""
    if isinstance(value, Tracer):  # traced: the primitive device_put stands for
        from numax.lax.placement import device_put_p, with_sharding_constraint
        if isinstance(device, runtime.SpmdSharding):  # in a program: a layout requirement
            return with_sharding_constraint(value, device)
        return device_put_p.bind(value, devices=(device,))[0]
    if isinstance(device, runtime.OneDevice):
        device = device._device
    elif isinstance(device, runtime.SpmdSharding):
        return put_sharded(value, device)
    elif device is not None and not isinstance(device, runtime.DEVICE_TYPE):
        raise TypeError(f"device_put: expected a Device or a Sharding (numax.sharding."
                        f"NamedSharding), got {device!r}")
    if device is not None and isinstance(value, Array) and runtime.is_multi_device(value):
        guard_device_copy(value, device, explicit=True)
        # gathered on the host, then put on the one device
        return from_host(_unguarded_host_value(value), device=device, committed=True,
                         guard=None)
    if isinstance(value, Array):
        if device is None or device == value._device:
            if device is not None and not value._committed:
                return runtime.rewrap(value, value.aval, True)
            return value
        guard_device_copy(value, device, explicit=True)
        return runtime.copy_to_device(value, device, value.aval)
    return from_host(value, device=device, committed=device is not None, guard="explicit")


def _unguarded_host_value(array):
    """The host value of an array that a device-to-device move passes through the host
    for (the move itself is what the guards see)."""
    with config.override("jax_transfer_guard_device_to_host", "allow"):
        return array._host_value()


def x64_enabled():
    return config.x64_enabled
