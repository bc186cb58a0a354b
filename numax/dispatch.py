"""Running programs: eager primitive application and compiled-executable caches.

Owns the eager path (a primitive bound with no transformation active is compiled
once per (primitive, params, input avals, device) into a one-equation program and
run) and the compilation of whole jaxprs for jit. Both paths lower through the same
code, so eager and jit give the same numbers. Host values given to a primitive are
put on the device first; results come back as `numax.Array`s carrying the avals that
abstract evaluation gave.
"""

import collections
import functools

from numax import _checks, runtime
from numax.array import Array, from_host
from numax.core.abstract import TypedScalar
from numax.core.ir import ClosedJaxpr, Equation, Jaxpr, Var
from numax.core.config import config
from numax.core.trace import Tracer, on_trace_change, raise_escaped, set_default_impl
from numax.lowering import lower_module


class CompiledProgram:
    """A compiled jaxpr: the executable and the avals of its outputs (which its result
    arrays carry)."""

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
        """The one output of a single-result program."""
        return self._execute(buffers).consume_with_handlers(self._handlers)[0]

    def run(self, buffers):
        return self._execute(buffers).consume_with_handlers(self._handlers)


_programs_by_text = collections.OrderedDict()  # (module text, device, ...) -> program
_PROGRAMS_BY_TEXT_CAPACITY = 512


def compile_jaxpr(closed_jaxpr, device, committed=False, donated=(), name="main_module"):
    """Lowers and compiles a jaxpr. A module whose text was compiled before for the same
    device is not compiled again: an eager loop or cond re-traces its (new) body function
    on every call, but the program is usually the same."""
    lowered = lower_module(closed_jaxpr, name=name, donated=donated, platform=device.platform)
    out_avals = tuple(closed_jaxpr.out_avals)
    # Programs that call back into Python hold this trace's host functions: never shared.
    key = None if lowered.host_callbacks else (lowered.text, device, committed, out_avals)
    program = _programs_by_text.get(key) if key else None
    if program is not None:
        _programs_by_text.move_to_end(key)
        return program
    _checks.log_compile(name, closed_jaxpr.in_avals, device.platform)
    executable = runtime.compile_module(lowered.text, [device], out_avals,
                                        host_callbacks=lowered.host_callbacks,
                                        committed=committed)
    program = CompiledProgram(executable, out_avals, device, committed, lowered.text)
    if key:
        _programs_by_text[key] = program
        if len(_programs_by_text) > _PROGRAMS_BY_TEXT_CAPACITY:
            _programs_by_text.popitem(last=False)
    return program


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


def on_device(arrays, device):
    """`arrays` with the uncommitted ones that live elsewhere copied to `device` (where
    the computation runs; committed arrays are there already)."""
    return [a if a._committed or a._device == device else
            runtime.rewrap(runtime.copy_to_device(a, device, a.aval), a.aval, False)
            for a in arrays]


_eager_cache = {}
_eager_dispatchers = {}


def apply_primitive(primitive, args, params):
    """Eager execution of one primitive (the EvalTrace's default implementation).

    This is the eager hot path. Each (primitive, params) has a C++ dispatcher that replays
    the compiled one-equation program for argument signatures it has seen; host scalars
    with a dtype become (cached) device arrays first, since the dispatcher cannot type them."""
    key = (primitive, tuple(params.items())) if params else primitive
    try:
        dispatcher = _eager_dispatchers.get(key)
    except TypeError:
        raise TypeError(f"{primitive.name}: parameters must be hashable, got {params}") from None
    if dispatcher is None:
        miss = functools.partial(_eager_miss, primitive, params)
        # Under disable_jit the C++ calls the function itself instead of replaying programs.
        dispatcher = _eager_dispatchers[key] = runtime.fastpath.jit_function(
            primitive.name, lambda *args: miss(*args)[0], miss, (), (), key)
    for x in args:
        if type(x) is not Array:
            return dispatcher(*[to_array(x) for x in args])
    return dispatcher(*args)


def _eager_miss(primitive, params, *args):
    """Compiles (once per argument avals and device) and runs a primitive for the C++
    dispatcher; returns the result and the record for replaying such calls."""
    arrays = [to_array(x) for x in args]
    device = argument_device(arrays)
    target = device or runtime.default_device()
    arrays = on_device(arrays, target)
    avals = tuple(x.aval for x in arrays)
    key = (primitive, tuple(params.items()), avals, target, device is not None)
    program = _eager_cache.get(key)
    if program is None:
        program = _eager_cache[key] = _compile_primitive(primitive, params, avals, device)
    if config.python_dispatch:
        _checks.before_run(primitive.name)
    outs = program.run(arrays)
    result = outs if primitive.multiple_results else outs[0]
    if config.python_dispatch:  # checked calls are never replayed by the C++ dispatch
        _checks.check_outputs(primitive.name, outs)
        return result, None, False
    if any(x is not y for x, y in zip(args, arrays)):
        return result, None, False  # host values: numax types them, not the dispatcher
    _, out_treedef = runtime.fastpath.flatten(result)
    return result, runtime.fastpath.replay_record(
        program.executable, (), [True] * len(arrays), out_treedef), False


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
    _programs_by_text.clear()
    _eager_dispatchers.clear()


set_default_impl(apply_primitive)


def _mirror_config():
    """Keeps the C++ jit dispatch's view of the configuration (part of its cache key) current."""
    runtime.fastpath.set_config_states(
        config.global_value("jax_enable_x64"), config.thread_override("jax_enable_x64"),
        config.global_value("jax_disable_jit"), config.thread_override("jax_disable_jit"),
        config.dispatch_key())


_mirror_config()
config.on_change(_mirror_config)
on_trace_change(runtime.fastpath.set_evaluating)
