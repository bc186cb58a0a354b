"""Running programs: eager primitive application and compiled-executable caches.

Owns the eager path (a primitive bound with no transformation active is compiled
once per (primitive, params, input avals, device) into a one-equation program and
run) and the compilation of whole jaxprs for jit. Both paths lower through the same
code, so eager and jit give the same numbers. Host values given to a primitive are
put on the device first; results come back as `numax.Array`s carrying the avals that
abstract evaluation gave.
"""

from numax import runtime
from numax.array import Array, from_host

_new_array = object.__new__
from numax.core.abstract import TypedScalar
from numax.core.ir import ClosedJaxpr, Equation, Jaxpr, Var
from numax.core.trace import Tracer, raise_escaped, set_default_impl
from numax.lowering import lower_module


class CompiledProgram:
    """A compiled jaxpr: the executable and the avals of its outputs."""

    __slots__ = ("executable", "out_avals", "device", "committed", "text", "_execute", "_handlers")

    def __init__(self, executable, out_avals, device, committed, text):
        self.executable = executable
        self.out_avals = out_avals
        self.device = device
        self.committed = committed
        self.text = text
        self._execute = executable.execute_sharded  # bound once: the hot path
        self._handlers = executable.handlers

    def run_single(self, buffers):
        """The one output of a single-result program, as an Array."""
        buffer, = self._execute(buffers).consume_with_handlers(self._handlers)
        array = _new_array(Array)
        array._buf, array.aval, array._device, array._committed, array._npy = \
            buffer, self.out_avals[0], self.device, self.committed, None
        return array

    def run(self, buffers):
        device, committed = self.device, self.committed
        outs = []
        results = self._execute(buffers).consume_with_handlers(self._handlers)
        for buffer, aval in zip(results, self.out_avals):
            array = _new_array(Array)
            array._buf, array.aval, array._device, array._committed, array._npy = \
                buffer, aval, device, committed, None
            outs.append(array)
        return outs


def compile_jaxpr(closed_jaxpr, device, committed=False, donated=(), name="main_module"):
    lowered = lower_module(closed_jaxpr, name=name, donated=donated, platform=device.platform)
    out_avals = tuple(closed_jaxpr.out_avals)
    executable = runtime.compile_module(lowered.text, [device], out_avals,
                                        host_callbacks=lowered.host_callbacks)
    return CompiledProgram(executable, out_avals, device, committed, lowered.text)


_scalar_arrays = {}


def _scalar_array(scalar):
    """Device arrays for typed scalars, cached: eager `x + 1.0` should not copy 1.0 each time."""
    key = (scalar.aval, scalar.value.tobytes())
    array = _scalar_arrays.get(key)
    if array is None:
        if len(_scalar_arrays) > 4096:
            _scalar_arrays.clear()
        array = _scalar_arrays[key] = from_host(scalar.value, weak_type=scalar.aval.weak_type)
    return array


def to_array(value):
    """An Array for any array-like argument of a primitive (Array, NumPy value, scalar)."""
    if isinstance(value, Array):
        return value
    if type(value) is TypedScalar:
        return _scalar_array(value)
    if isinstance(value, Tracer):
        raise_escaped(value)
    if isinstance(value, (list, tuple)):
        raise TypeError(f"a primitive got a {type(value).__name__} where an array is expected; "
                        "convert it with numax.numpy.asarray first")
    return from_host(value)


def argument_device(arrays):
    """The device a computation on `arrays` runs on: that of committed inputs, else default."""
    device = None
    for array in arrays:
        if array._committed:
            if device is not None and array._device != device:
                raise ValueError(
                    f"Received incompatible devices for a computation: {device} and "
                    f"{array._device}. Move the arrays to one device with numax.device_put.")
            device = array._device
    return device


_eager_cache = {}


def apply_primitive(primitive, *args, **params):
    """Eager execution of one primitive (the EvalTrace's default implementation).

    This is the eager hot path: one pass over the arguments, one dict lookup, one
    execute; parameter-free primitives skip hashing an empty params tuple."""
    avals, buffers, committed = [], [], False
    for x in args:
        if type(x) is not Array:
            x = to_array(x)
        avals.append(x.aval)
        buffers.append(x._buf)
        committed = committed or x._committed
    device = argument_device([to_array(x) for x in args]) if committed else None
    key = (primitive, tuple(params.items()), tuple(avals), device) if params else \
        (primitive, tuple(avals), device)
    try:
        program = _eager_cache.get(key)
    except TypeError:
        raise TypeError(f"{primitive.name}: parameters must be hashable, got {params}") from None
    if program is None:
        program = _eager_cache[key] = _compile_primitive(primitive, params, tuple(avals), device)
    if primitive.multiple_results:
        return program.run(buffers)
    return program.run_single(buffers)


def _compile_primitive(primitive, params, avals, device):
    invars = [Var(a) for a in avals]
    out = primitive.abstract_eval(*avals, **params)
    outvars = [Var(a) for a in (out if primitive.multiple_results else [out])]
    jaxpr = Jaxpr((), invars, outvars, [Equation(primitive, invars, params, outvars)])
    committed = device is not None
    return compile_jaxpr(ClosedJaxpr(jaxpr, ()), device or runtime.default_device(), committed,
                         name=primitive.name)


def clear_caches():
    _eager_cache.clear()


set_default_impl(apply_primitive)
