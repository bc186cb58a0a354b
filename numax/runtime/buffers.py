"""Device arrays: host->device puts, device->host fetches, dlpack, re-wrapping, deletion.

numax's Array *is* jaxlib's array type (`ArrayImpl`, exported here as `ARRAY_TYPE`;
numax/array.py installs the Python API on it), so that jaxlib's C++ jit dispatch
(runtime/fastpath.py) can take numax arrays as arguments and build its results. An array
is created only through `put`, `rewrap` or an executable, always with a numax aval; the
rest of numax reaches jaxlib's side of it only through this module. Fetching uses the zero-copy
buffer protocol for NumPy's own dtypes; ml_dtypes (bfloat16, float8, int4) are
bitcast on the device to unsigned integers first, because jaxlib's own fetch for
them tries to import jax (jaxlib_runtime.md §0, §3).
"""

import numpy as np
from jaxlib import xla_client as xc

from numax.runtime.client import JAXLIB_VERSION, default_device

_COPY = xc.HostBufferSemantics.IMMUTABLE_ONLY_DURING_CALL


class OneDevice(xc.SingleDeviceSharding):
    """Single-device sharding accepted by jaxlib 0.10.2 and 0.11.x alike (numax.sharding's
    SingleDeviceSharding: that module installs the public API on it).

    There is one instance per device (`OneDevice(device)` returns it), so identity is
    equality: the C++ jit dispatch compares and hashes the sharding of every argument on
    every call, and object identity keeps that out of Python."""

    memory_kind = None

    def __new__(cls, device):
        sharding = _shardings.get(device)
        if sharding is None:
            if not isinstance(device, xc.Device):
                raise TypeError(f"SingleDeviceSharding takes a device (numax.devices()[i]), "
                                f"got {device!r}")
            sharding = _shardings[device] = super().__new__(cls, device)
            xc.SingleDeviceSharding.__init__(sharding, device)
        return sharding

    def __init__(self, device):
        pass  # initialised once, by __new__

    def _to_xla_hlo_sharding(self, ndim):
        return xc.HloSharding.replicate()


_shardings = {}


def sharding_for(device):
    sharding = _shardings.get(device)
    return sharding if sharding is not None else OneDevice(device)


class SpmdSharding(xc.Sharding):
    """A layout over several devices, as jaxlib's arrays and executables take it: the
    devices in a fixed order (`_device_assignment`, which numbers a program's partitions)
    and, per rank, XLA's GSPMD sharding text from the subclass's `_hlo_text(ndim)`
    (numax.sharding.NamedSharding is the subclass)."""

    memory_kind = None

    def __init__(self, devices):
        super().__init__()
        self._device_assignment = tuple(devices)
        self._internal_device_list = xc.DeviceList(self._device_assignment)

    def _to_xla_hlo_sharding(self, ndim):
        return xc.HloSharding.from_string(self._hlo_text(ndim))


def same_hlo_sharding(text, other):
    """Whether two GSPMD sharding texts describe the same layout (they may be spelled
    differently: an iota `<=[4]` or a device list)."""
    return xc.HloSharding.from_string(text) == xc.HloSharding.from_string(other)


def is_multi_device(array):
    return type(array._sharding) is not OneDevice


def put_shards(pieces, devices, sharding, aval, committed=True):
    """One array of `aval` laid out by `sharding` (an SpmdSharding) from the host arrays
    `pieces`, `pieces[i]` going to `devices[i]`."""
    # Every copying mode fails for several devices on jaxlib 0.10.2 ("bad_function_call"), so
    # the device may alias the host memory (ZERO_COPY): give it private copies, which the
    # array keeps alive.
    pieces = [np.array(piece, copy=True) for piece in pieces]
    return xc.batched_device_put(aval, sharding, pieces, list(devices), committed, False,
                                 xc.HostBufferSemantics.ZERO_COPY, enable_x64=True)


def device_shards(array, shard_aval):
    """The per-device arrays of a multi-device array, in its sharding's device order, as
    (device, single-device array with `shard_aval`) pairs."""
    _check_alive(array)
    devices = [_device_of(piece) for piece in array._arrays]
    return [(device, xc.ArrayImpl(shard_aval, sharding_for(device), [piece], array._committed,
                                  True))
            for device, piece in zip(devices, array._arrays)]


def _device_of(piece):
    """The device of one piece of an array: over one device, the piece is the array itself
    and keeps its one-device SpmdSharding."""
    device = getattr(piece._sharding, "_device", None)
    if device is None:
        (device,) = piece._sharding._device_assignment
    return device


class _PutAval:
    """A minimal aval (shape, dtype, weak_type) for the runtime's own arrays and programs."""

    __slots__ = ("shape", "dtype", "weak_type")

    def __init__(self, shape, dtype, weak_type):
        self.shape, self.dtype, self.weak_type = shape, dtype, weak_type


ARRAY_TYPE = xc.ArrayImpl


def put(host_array, device=None, aval=None, committed=False):
    """Copies a NumPy array to `device`; `aval` (shape, dtype, weak_type) becomes the array's
    aval (by default the host array's shape and dtype, not weak)."""
    device = device or default_device()
    if aval is None:
        aval = _PutAval(host_array.shape, host_array.dtype, False)
    return xc.batched_device_put(aval, sharding_for(device), [host_array], [device], committed,
                                 False, _COPY, enable_x64=True)


def rewrap(array, aval, committed):
    """The same device buffer under another aval / committed flag (no copy)."""
    return xc.ArrayImpl(aval, array._sharding, [array], committed, True)


def array_device(array):
    return array._sharding._device


class DeletedBufferError(RuntimeError):
    """An array whose buffer was deleted or donated was used."""


def _check_alive(buffer):
    if buffer.is_deleted():
        raise DeletedBufferError(
            "Array has been deleted or donated (e.g. passed in a donate_argnums slot of a jitted "
            "function); it can no longer be used")


_NUMPY_DTYPES = frozenset(np.dtype(name) for name in (
    "bool", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64",
    "float16", "float32", "float64", "complex64", "complex128"))
_bitcast_executables = {}


def fetch(buffer, dtype, shape):
    """Device -> host NumPy array (read-only; zero-copy on CPU for NumPy dtypes)."""
    _check_alive(buffer)
    if dtype in _NUMPY_DTYPES:
        return np.asarray(buffer)
    return _fetch_extended(buffer, dtype, shape)


def _fetch_extended(buffer, dtype, shape):
    """ml_dtypes: reinterpret the bits on the device as a NumPy integer type, then view back."""
    from numax.runtime import executable  # avoids a cycle at import time

    bits = dtype.itemsize * 8
    sub_byte = dtype.name in ("int4", "uint4", "int2", "uint2", "float4_e2m1fn")
    key = (dtype, tuple(shape), buffer.devices().pop() if hasattr(buffer, "devices") else None)
    compiled = _bitcast_executables.get(key)
    if compiled is None:
        mlir_type = executable.mlir_element_type(dtype)
        dims = "x".join(str(d) for d in shape)
        prefix = dims + "x" if dims else ""
        if sub_byte:  # widen on the device; the host then narrows with astype
            wide = np.dtype("int8") if dtype.name.startswith("int") else np.dtype("uint8")
            op = "stablehlo.convert"
            out_type = "i8" if wide == np.int8 else "ui8"
            if dtype.name == "float4_e2m1fn":
                wide, out_type = np.dtype("float32"), "f32"
        else:
            wide = np.dtype(f"uint{bits}")
            op, out_type = "stablehlo.bitcast_convert", f"ui{bits}"
        text = (f"func.func public @main(%x: tensor<{prefix}{mlir_type}>) -> tensor<{prefix}{out_type}> {{\n"
                f"  %0 = \"{op}\"(%x) : (tensor<{prefix}{mlir_type}>) -> tensor<{prefix}{out_type}>\n"
                f"  func.return %0 : tensor<{prefix}{out_type}>\n}}")
        device = next(iter(buffer.devices())) if hasattr(buffer, "devices") else default_device()
        exe = executable.compile_module(text, [device], [_PutAval(tuple(shape), wide, False)])
        compiled = _bitcast_executables[key] = (exe, wide)
    exe, wide = compiled
    raw = np.asarray(exe.execute([buffer])[0])
    return raw.astype(dtype) if sub_byte else raw.view(dtype)


def to_dlpack(buffer):
    """A DLPack capsule aliasing the buffer (NumPy dtypes only)."""
    from jaxlib import _jax
    _check_alive(buffer)
    return _jax.buffer_to_dlpack_managed_tensor(buffer)


def copy_to_device(buffer, device, aval):
    """A committed copy of `buffer` on `device` (device-to-device, no host round trip)."""
    _check_alive(buffer)
    copy, = xc.batched_copy_array_to_devices_with_sharding(
        [buffer], [xc.DeviceList((device,))], [sharding_for(device)],
        [xc.ArrayCopySemantics.ALWAYS_COPY])
    return rewrap(copy, aval, True)


__all__ = ["ARRAY_TYPE", "put", "rewrap", "array_device", "fetch", "sharding_for", "to_dlpack", "copy_to_device",
           "DeletedBufferError", "OneDevice", "JAXLIB_VERSION", "SpmdSharding", "same_hlo_sharding",
           "is_multi_device", "put_shards", "device_shards"]
