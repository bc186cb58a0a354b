"""The runtime contract: the only package that imports jaxlib.

The rest of numax sees backends and devices, device arrays (put, fetch, rewrap, delete,
dlpack), executables compiled from StableHLO text, and the C++ jit dispatch
(`fastpath`). One jaxlib type leaves this package on purpose: the array type, which
numax/array.py turns into `numax.Array` so that the C++ dispatch can take and return
numax arrays. Facts about jaxlib that shaped it are recorded, with their probes, in
shared/reference/jaxlib_runtime.md.
"""

from numax.runtime.client import (  # noqa: F401
    DEVICE_TYPE, Backend, BackendError, JAXLIB_VERSION, XLA_CLIENT_VERSION, backend_of, backends,
    default_backend, default_device, device_count, devices, get_backend, local_device_count,
    live_arrays, live_buffer_count, local_devices, process_count, process_index)
from numax.runtime.buffers import (  # noqa: F401
    ARRAY_TYPE, DeletedBufferError, OneDevice, SpmdSharding, array_device, copy_to_device,
    device_shards, fetch, is_multi_device, put, put_shards, rewrap,
    same_hlo_sharding, sharding_for, to_dlpack)
from numax.runtime.executable import (  # noqa: F401
    CompileError, Executable, RuntimeFailure, compile_module, compile_spmd, mlir_element_type)
from numax.runtime.callbacks import callback_target  # noqa: F401
from numax.runtime import fastpath  # noqa: F401
