"""The top-level names about the machine numax runs on and the state it keeps.

Owns: the Device type, process/host numbering (numax runs as one process), arrays
made from per-device data (on one device or laid out by a NamedSharding over several),
`typeof`, `live_arrays`, `clear_caches`, `copy_to_host_async` and
`print_environment_info`. Everything about jaxlib is reached through numax.runtime.
"""

import platform
import sys

import numpy as np

from numax import runtime
from numax.array import Array, device_put
from numax.core import dtypes
from numax.core.abstract import ShapedArray
from numax.core.config import config
from numax.core.pytree import tree_leaves
from numax.sharding import NamedSharding

Device = runtime.DEVICE_TYPE  # the type of what numax.devices() lists


def typeof(x):
    """The abstract value (shape, dtype, weak type) of an array, tracer or scalar.

    >>> import numax, numax.numpy as jnp
    >>> numax.typeof(jnp.ones((2, 3)))
    ShapedArray(float32[2,3])
    """
    from numax.api import abstractify
    return abstractify(x)


def live_arrays(platform=None):
    """Every array the backend (default: the default backend) still holds on its devices."""
    return runtime.live_arrays(platform)


def clear_caches():
    """Drops every compiled program and staged function numax keeps: the eager primitive
    caches and the caches of every live jitted function."""
    from numax import api, dispatch
    dispatch.clear_caches()
    for jitted in list(api.live_jit_functions):
        jitted.clear_cache()


def copy_to_host_async(x):
    """Starts copying every array of the pytree `x` to the host; returns `x`."""
    for leaf in tree_leaves(x):
        if isinstance(leaf, Array):
            leaf.copy_to_host_async()
    return x


def process_indices():
    return list(range(runtime.process_count()))


def host_count(backend=None):
    """The number of processes (an older name of process_count)."""
    return runtime.process_count()


def host_id(backend=None):
    """This process's index (an older name of process_index)."""
    return runtime.process_index()


def host_ids(backend=None):
    """The indices of all processes (an older name of process_indices)."""
    return process_indices()


def print_environment_info(return_string=False):
    """Prints (or returns) the versions and devices numax runs with, for bug reports."""
    import numax
    lines = [f"numax:    {numax.__version__}",
             f"jaxlib:   {'.'.join(map(str, runtime.JAXLIB_VERSION))}",
             f"numpy:    {np.__version__}",
             f"python:   {sys.version.splitlines()[0]}",
             f"platform: {platform.platform()}",
             f"backend:  {runtime.default_backend()}",
             f"devices:  {runtime.devices()}",
             f"process_count: {runtime.process_count()}",
             f"x64 enabled:   {config.x64_enabled}"]
    text = "\n".join(lines)
    if return_string:
        return text
    print(text)


# ---------------------------------------------------------------- arrays from device data

def _single_device(sharding, api):
    """The device of a single-device sharding (a Device also stands for one)."""
    if isinstance(sharding, Device):
        return sharding
    device = getattr(sharding, "_device", None)
    if device is not None:
        return device
    devices = getattr(sharding, "device_set", None)
    if devices is not None and len(devices) == 1:
        return next(iter(devices))
    raise ValueError(f"{api}: numax supports single-device shardings only (a Device or an "
                     f"array's sharding), got {sharding!r}")


def _is_multi_device(sharding):
    return isinstance(sharding, NamedSharding) and sharding.num_devices > 1


def _from_pieces(shape, sharding, pieces, api):
    """The array of global `shape` laid out by `sharding` whose piece on the device
    `sharding._device_assignment[i]` is the host array `pieces[i]`."""
    want = sharding.shard_shape(shape)
    for device, piece in zip(sharding._device_assignment, pieces):
        if np.shape(piece) != want:
            raise ValueError(f"{api}: the data for {device} has shape {np.shape(piece)}, but "
                             f"{sharding} gives each device a shard of shape {want}")
    dtype = dtypes.canonicalize_dtype(np.result_type(*pieces))
    pieces = [np.asarray(piece, dtype) for piece in pieces]
    return runtime.put_shards(pieces, sharding._device_assignment, sharding,
                              ShapedArray(shape, dtype))


def make_array_from_callback(shape, sharding, data_callback):
    """An array of `shape` whose data on each device is `data_callback(index)`, index being
    the tuple of slices that device's shard covers (the whole array on one device)."""
    shape = tuple(shape)
    if _is_multi_device(sharding):
        index_map = sharding.devices_indices_map(shape)
        return _from_pieces(shape, sharding, [np.asarray(data_callback(index_map[device]))
                                              for device in sharding._device_assignment],
                            "make_array_from_callback")
    device = _single_device(sharding, "make_array_from_callback")
    data = data_callback(tuple(slice(None) for _ in shape))
    if isinstance(data, Array):
        data = np.asarray(data)
    if np.shape(data) != shape:
        raise ValueError(f"make_array_from_callback: the callback returned data of shape "
                         f"{np.shape(data)} for an array of shape {shape}")
    return device_put(data, device)


def make_array_from_single_device_arrays(shape, sharding, arrays):
    """The array of `shape` whose shards are `arrays`, one numax Array on each device of
    `sharding` (in any order), each holding the shard `sharding` gives that device."""
    shape, arrays = tuple(shape), list(arrays)
    if _is_multi_device(sharding):
        api = "make_array_from_single_device_arrays"
        by_device = {}
        for array in arrays:
            if not isinstance(array, Array) or len(array.devices()) != 1:
                raise ValueError(f"{api}: each shard must be a numax Array on one device, got "
                                 f"{array!r}")
            by_device[next(iter(array.devices()))] = array
        missing = [d for d in sharding._device_assignment if d not in by_device]
        if missing or len(by_device) != len(arrays):
            raise ValueError(f"{api}: give exactly one array on each of the sharding's "
                             f"{sharding.num_devices} devices; missing {missing}, got arrays on "
                             f"{sorted(by_device, key=lambda d: d.id)}")
        return _from_pieces(shape, sharding, [np.asarray(by_device[d])
                                              for d in sharding._device_assignment], api)
    device = _single_device(sharding, "make_array_from_single_device_arrays")
    if len(arrays) != 1 or not isinstance(arrays[0], Array):
        raise ValueError(f"make_array_from_single_device_arrays: a single-device sharding takes "
                         f"exactly one numax Array, got {len(arrays)} value(s)")
    if tuple(arrays[0].shape) != shape:
        raise ValueError(f"make_array_from_single_device_arrays: the array has shape "
                         f"{arrays[0].shape}, but the global shape is {shape}")
    return device_put(arrays[0], device)


def make_array_from_process_local_data(sharding, local_data, global_shape=None):
    """The global array built from this process's data: numax runs as one process, so
    `local_data` is the whole array, laid out by `sharding`."""
    shape = np.shape(local_data)
    if global_shape is not None and tuple(global_shape) != shape:
        raise ValueError(f"make_array_from_process_local_data: with one process the global "
                         f"shape {tuple(global_shape)} must equal the local data's shape {shape}")
    if _is_multi_device(sharding):
        return device_put(local_data, sharding)
    return device_put(local_data, _single_device(sharding, "make_array_from_process_local_data"))
