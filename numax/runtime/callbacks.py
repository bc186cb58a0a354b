"""Programs that call back into Python: compiling them and running them to completion.

A host callback is a `stablehlo.custom_call` to jaxlib's built-in Python-callback
target, whose `backend_config = {index = N}` picks entry N of the list of Python
functions given to `compile_and_load(..., host_callbacks=[...])`
(shared/reference/jaxlib_runtime.md §5). That overload accepts only an MLIR
`ir.Module`, so this module owns the MLIR context (jaxlib's bindings) used to parse
module text. It also owns how such a program runs: each host function is wrapped in
a trampoline that records an exception before XLA turns it into an opaque runtime
error, and `CallbackExecutable` waits until the program — and so every callback in it
— has finished before returning, then re-raises the recorded exception itself. So a
call of a program with callbacks returns only after its callbacks ran, in the order
the program ran them, and a failing callback surfaces at the call that ran it.

What a host function receives and must return is XLA's contract: read-only NumPy
arrays in, a tuple of arrays with exactly the declared shapes and dtypes out (a
wrong dtype is not detected by XLA; the numax-level wrappers validate). Programs
without callbacks never come here: their path in executable.py is unchanged.
"""

import threading

from jaxlib import xla_client as xc

from numax.runtime.executable import CompileError, Executable

_TARGETS = {"cpu": "xla_ffi_python_cpu_callback", "cuda": "xla_ffi_python_gpu_callback",
            "gpu": "xla_ffi_python_gpu_callback"}


def callback_target(platform):
    """The custom-call target that runs a Python host callback on `platform`."""
    try:
        return _TARGETS[platform]
    except KeyError:
        raise CompileError(f"host callbacks are not supported on platform {platform!r}") from None


_context_lock = threading.Lock()
_context = []


def _mlir_context():
    """An MLIR context knowing the dialects numax emits (func, stablehlo, chlo, ...)."""
    if not _context:
        from jaxlib.mlir import ir
        from jaxlib.mlir._mlir_libs import _jax_mlir_ext
        from jaxlib.mlir.dialects import chlo, stablehlo
        registry = ir.DialectRegistry()
        _jax_mlir_ext.register_dialects(registry)
        context = ir.Context()
        context.append_dialect_registry(registry)
        context.load_all_available_dialects()
        stablehlo.register_dialect(context)
        chlo.register_dialect(context)
        _context.append(context)
    return _context[0]


def parse_module(text):
    """`text` as a jaxlib `ir.Module` (what compile_and_load needs with host callbacks)."""
    from jaxlib.mlir import ir
    with _context_lock:
        with _mlir_context():
            return ir.Module.parse(text)


class _Trampoline:
    """Calls one host function for XLA, recording an exception it raises so the caller
    of the program can re-raise it (XLA only keeps its formatted traceback)."""

    __slots__ = ("function", "errors")

    def __init__(self, function, errors):
        self.function = function
        self.errors = errors

    def __call__(self, *arrays):
        try:
            return self.function(*arrays)
        except BaseException as error:
            self.errors.append(error)
            raise


class _Completed:
    """The results of a finished run, in the shape of jaxlib's ExecuteResults."""

    __slots__ = ("buffers",)

    def __init__(self, buffers):
        self.buffers = buffers

    def consume_with_handlers(self, handlers):
        return self.buffers  # made with the executable's own handlers


class _RunToCompletion:
    """`execute_sharded` for a program with callbacks: runs it, waits until it (and so
    every callback) has finished, and re-raises the exception a callback raised."""

    __slots__ = ("loaded", "handlers", "errors")

    def __init__(self, loaded, handlers, errors):
        self.loaded = loaded
        self.handlers = handlers
        self.errors = errors

    def __call__(self, buffers):
        try:
            results = self.loaded.execute_sharded(buffers, with_tokens=True)
            token = results.consume_token()
            outs = results.consume_with_handlers(self.handlers)
            token.block_until_ready()  # XLA may run the program asynchronously
        except xc.XlaRuntimeError:
            if not self.errors:
                raise
            error = self.errors[-1]
            self.errors.clear()
        else:
            return _Completed(outs)
        raise error  # outside the except block: XLA's copy of the traceback is noise


class CallbackExecutable(Executable):
    """An executable whose program calls Python; a run returns when it has finished."""

    __slots__ = ("callbacks",)
    runs_python = True

    def __init__(self, loaded, device, out_avals, text, callbacks, errors, committed):
        super().__init__(loaded, device, out_avals, text, committed)
        self.callbacks = callbacks  # keeps the host functions alive as long as the executable
        self.execute_sharded = _RunToCompletion(loaded, self.handlers, errors)

    def execute(self, buffers):
        return self.execute_sharded(buffers).buffers


def compile_with_callbacks(text, devices, out_avals, host_callbacks, options, committed):
    """Compiles `text`, whose custom call with `index = N` runs `host_callbacks[N]`."""
    device = devices[0]
    errors = []
    trampolines = [_Trampoline(function, errors) for function in host_callbacks]
    try:
        module = parse_module(text)
        loaded = device.client.compile_and_load(module, xc.DeviceList(tuple(devices)), options,
                                                host_callbacks=trampolines)
    except Exception as error:  # MLIR parse errors and XLA compile errors alike
        raise CompileError(f"XLA could not compile the module numax emitted:\n{error}\n\n"
                           f"module:\n{text}") from None
    return CallbackExecutable(loaded, device, out_avals, text, trampolines, errors, committed)
