"""Compiling StableHLO text for devices and executing it.

Owns `compile_and_load`, the result handlers that turn outputs into buffers carrying
our avals, and the per-call execute path (`execute_sharded` + `consume_with_handlers`,
the cheapest jaxlib path that never imports jax, jaxlib_runtime.md §4). Also owns the
MLIR spelling of element types, since the runtime's own helper programs need it too.
"""

import numpy as np
from jaxlib import xla_client as xc

from numax.runtime.buffers import sharding_for
from numax.runtime.client import JAXLIB_VERSION

_HANDLER_KWARGS = {"_skip_checks": True} if JAXLIB_VERSION < (0, 11) else {}

_MLIR_TYPES = {
    "bool": "i1", "int8": "i8", "int16": "i16", "int32": "i32", "int64": "i64",
    "uint8": "ui8", "uint16": "ui16", "uint32": "ui32", "uint64": "ui64",
    "bfloat16": "bf16", "float16": "f16", "float32": "f32", "float64": "f64",
    "complex64": "complex<f32>", "complex128": "complex<f64>",
    "int4": "i4", "uint4": "ui4", "int2": "i2", "uint2": "ui2",
    "float8_e4m3fn": "f8E4M3FN", "float8_e5m2": "f8E5M2", "float8_e4m3fnuz": "f8E4M3FNUZ",
    "float8_e5m2fnuz": "f8E5M2FNUZ", "float8_e4m3b11fnuz": "f8E4M3B11FNUZ",
    "float8_e4m3": "f8E4M3", "float8_e3m4": "f8E3M4", "float8_e8m0fnu": "f8E8M0FNU",
    "float4_e2m1fn": "f4E2M1FN",
}


def mlir_element_type(dtype):
    try:
        return _MLIR_TYPES[np.dtype(dtype).name]
    except KeyError:
        raise TypeError(f"dtype {dtype} has no StableHLO element type") from None


class CompileError(RuntimeError):
    """XLA rejected a module numax emitted; the message holds XLA's diagnostic."""


class Executable:
    """A loaded XLA executable for one device, with result handlers built once.

    `execute_sharded(buffers).consume_with_handlers(handlers)` is the hot path callers
    may bind once; it is jaxlib's own method unless the program calls back into Python
    (runtime/callbacks.py), whose run must also wait for its callbacks.
    """

    __slots__ = ("loaded", "device", "out_avals", "committed", "handlers", "text",
                 "execute_sharded", "out_shardings")
    runs_python = False  # whether the program calls back into Python

    def __init__(self, loaded, device, out_avals, text, committed=True, out_shardings=None):
        self.loaded = loaded
        self.committed = committed
        self.execute_sharded = loaded.execute_sharded
        self.device = device  # None for a program partitioned over several devices
        self.out_avals = tuple(out_avals)
        if out_shardings is None:
            out_shardings = [sharding_for(device)] * len(self.out_avals)
        self.out_shardings = tuple(out_shardings)
        self.handlers = [xc.array_result_handler(aval, sharding, committed, **_HANDLER_KWARGS)
                         for aval, sharding in zip(out_avals, out_shardings)]
        self.text = text

    def execute(self, buffers):
        """Runs on `buffers` (one per parameter); returns one buffer per result."""
        return self.loaded.execute_sharded(buffers).consume_with_handlers(self.handlers)

    def optimized_hlo(self):
        return self.loaded.hlo_modules()[0].to_string() if hasattr(self.loaded, "hlo_modules") \
            else self.loaded.get_hlo_text()

    def cost_analysis(self):
        return self.loaded.cost_analysis()

    def memory_stats(self):
        return self.loaded.get_compiled_memory_stats()


def compile_module(text, devices, out_avals, host_callbacks=(), committed=True):
    """Compiles StableHLO `text` (with a public @main) for `devices` (one device for now);
    its results are arrays with `out_avals`, committed to the device or not.

    `host_callbacks[N]` is the Python function its host-callback custom call with
    `index = N` runs (runtime/callbacks.py); such a program runs to completion on each call.
    """
    device = devices[0]
    client = device.client
    options = xc.CompileOptions()
    # Without an explicit assignment XLA runs a one-replica program on the client's first
    # device, whatever device it was compiled for.
    options.executable_build_options.device_assignment = xc.DeviceAssignment.create(
        np.array([[device.id]]))
    if host_callbacks:
        from numax.runtime.callbacks import compile_with_callbacks
        return compile_with_callbacks(text, devices, out_avals, host_callbacks, options, committed)
    return Executable(_compile(client, text, devices, options), device, out_avals, text,
                      committed)


def _compile(client, text, devices, options):
    try:
        return client.compile_and_load(text, xc.DeviceList(tuple(devices)), options)
    except xc.XlaRuntimeError as error:
        raise CompileError(f"XLA could not compile the module numax emitted:\n{error}\n\n"
                           f"module:\n{text}") from None


def compile_spmd(text, devices, out_avals, name_result_layouts, chosen_by_xla):
    """Compiles StableHLO `text`, whose @main arguments and results carry GSPMD
    `mhlo.sharding` attributes, as one program partitioned over `devices` by XLA's SPMD
    partitioner (partition i runs on devices[i]; the attributes number devices that way).
    Results whose `chosen_by_xla` entry is true get the layout the partitioner propagates
    to them (their attribute, if any, is only a hint), the others exactly their attribute;
    `name_result_layouts(texts)` turns the GSPMD sharding text of every result's final
    layout into the sharding object (an SpmdSharding) its arrays carry."""
    options = xc.CompileOptions()
    options.num_partitions = len(devices)
    options.device_assignment = xc.DeviceAssignment.create(
        np.array([[device.id for device in devices]]))
    build = options.executable_build_options
    build.use_spmd_partitioning = True
    build.use_shardy_partitioner = False  # numax emits GSPMD attributes (jaxlib_runtime.md §7)
    build.allow_spmd_sharding_propagation_to_output = list(chosen_by_xla) or [False]
    loaded = _compile(devices[0].client, text, devices, options)
    protos = loaded.get_output_shardings()
    # Over one device XLA partitions nothing and reports no output shardings: all replicated.
    layouts = (["{replicated}"] * len(out_avals) if protos is None else
               [str(xc.HloSharding.from_proto(proto)) for proto in protos])
    return Executable(loaded, None, out_avals, text, True, name_result_layouts(layouts))


RuntimeFailure = xc.XlaRuntimeError
