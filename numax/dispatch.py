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
from numax.array import Array, from_host, guard_device_copy, guard_host_to_device
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
        _remember_program(key, program)
    return program


def _remember_program(key, program):
    _programs_by_text[key] = program
    if len(_programs_by_text) > _PROGRAMS_BY_TEXT_CAPACITY:
        _programs_by_text.popitem(last=False)


def compile_spmd_jaxpr(closed_jaxpr, in_shardings, out_shardings, donated=(),
                       name="main_module"):
    """Lowers and compiles a jaxpr as one program partitioned over several devices by XLA's
    SPMD partitioner. `in_shardings` / `out_shardings` hold a NamedSharding per input and
    output, all over one set of devices, or None for an output whose layout the
    partitioner chooses; the results carry the NamedSharding (on the first mesh given)
    that says the chosen layout, and a layout no spec on that mesh can say is replaced by
    full replication (the program is then compiled again with that requirement)."""
    from numax.lowering.spmd import annotate_main
    from numax.sharding import NamedSharding, PartitionSpec, named_sharding_for
    given = [s for s in (*in_shardings, *out_shardings) if s is not None]
    if not given:  # no input, no required output: the program's constraints say where
        given = [constraint_sharding(closed_jaxpr.jaxpr)]
    devices, mesh = given[0]._device_assignment, given[0].mesh
    for sharding in given:
        if sharding.device_set != given[0].device_set:
            raise ValueError(f"Received incompatible devices for a computation: {given[0]} "
                             f"and {sharding} are over different devices")
    lowered = lower_module(closed_jaxpr, name=name, donated=donated,
                           platform=devices[0].platform)
    if lowered.host_callbacks:
        raise NotImplementedError(f"{name}: host callbacks (debug.print, pure_callback, ...) in "
                                  "a program over several devices are not supported yet")
    in_avals, out_avals = closed_jaxpr.in_avals, tuple(closed_jaxpr.out_avals)
    key = (lowered.text, tuple(in_shardings), tuple(out_shardings), donated)
    program = _programs_by_text.get(key)
    if program is not None:
        _programs_by_text.move_to_end(key)
        return program
    in_texts = [s._hlo_text(a.ndim) for s, a in zip(in_shardings, in_avals)]
    required = list(out_shardings)
    while True:
        unnamed = []

        def name_layouts(layouts):
            named = []
            for i, (sharding, layout, aval) in enumerate(zip(required, layouts, out_avals)):
                if sharding is None:  # an input's sharding is the name JAX would give
                    sharding = next((s for s, a in zip(in_shardings, in_avals)
                                     if a.ndim == aval.ndim and
                                     runtime.same_hlo_sharding(s._hlo_text(a.ndim), layout)),
                                    None) or named_sharding_for(mesh, layout, aval.ndim)
                    if sharding is None:
                        unnamed.append(i)
                        sharding = NamedSharding(mesh, PartitionSpec())
                elif not runtime.same_hlo_sharding(sharding._hlo_text(aval.ndim), layout):
                    raise RuntimeError(f"{name}: XLA laid result {i} out as {layout}, not as "
                                       f"the required {sharding} (a numax bug)")
                named.append(sharding)
            required[:] = named
            return named

        text = annotate_main(lowered.text, in_avals, out_avals, in_texts,
                             [s._hlo_text(a.ndim) if s is not None else None
                              for s, a in zip(required, out_avals)], donated)
        _checks.log_compile(name, in_avals, devices[0].platform)
        executable = runtime.compile_spmd(text, devices, out_avals, name_layouts,
                                          [s is None for s in required])
        if not unnamed:
            break
    program = CompiledProgram(executable, out_avals, None, True, text)
    _remember_program(key, program)
    return program


def constraint_sharding(jaxpr):
    """A NamedSharding some with_sharding_constraint in `jaxpr` (or a sub-program) asks for."""
    from numax.lax.placement import sharding_constraint_p
    from numax.sharding import NamedSharding
    for eqn in jaxpr.eqns:
        if eqn.primitive is sharding_constraint_p and \
                isinstance(eqn.params["sharding"], NamedSharding):
            return eqn.params["sharding"]
        for value in eqn.params.values():
            for sub in (value if isinstance(value, (tuple, list)) else (value,)):
                if isinstance(sub, (ClosedJaxpr, Jaxpr)):
                    found = constraint_sharding(getattr(sub, "jaxpr", sub))
                    if found is not None:
                        return found
    return None


_placed_scalars = {}  # (id of a 0-d array, sharding) -> (the array, its placed copy)


def place_for_program(arrays, shardings):
    """`arrays` laid out as a partitioned program's `shardings` require: uncommitted
    arrays are moved there; committed ones must already be laid out so. The copies of
    0-d arrays are kept: an eager `x * 2` on a sharded x places the cached 2 each call."""
    from numax.array import put_sharded
    placed = []
    for array, sharding in zip(arrays, shardings):
        if array._sharding is not sharding and array._sharding != sharding:
            if array._committed:
                raise ValueError(
                    f"Received incompatible devices or shardings for a computation: an argument "
                    f"of type {array.aval.str_short()} is committed to {array._sharding}, but "
                    f"the computation needs it laid out as {sharding}. Move it with "
                    "numax.device_put(x, sharding) first.")
            if array.aval.shape:
                array = put_sharded(array, sharding, explicit=False)
            else:
                key = (id(array), sharding)
                cached = _placed_scalars.get(key)
                if cached is None:
                    if len(_placed_scalars) > 1024:
                        _placed_scalars.clear()
                    cached = _placed_scalars[key] = (array, put_sharded(array, sharding,
                                                                         explicit=False))
                array = cached[1]
        placed.append(array)
    return placed


def spmd_argument_shardings(arrays, required=None):
    """The sharding each input of a partitioned program takes: the required one where given,
    else that of a multi-device array, else replication over the first mesh found (None
    when no input is on several devices and none is required)."""
    from numax.sharding import NamedSharding, PartitionSpec
    required = required or [None] * len(arrays)
    found = [r if r is not None else a._sharding if runtime.is_multi_device(a) else None
             for a, r in zip(arrays, required)]
    mesh = next((s.mesh for s in found if s is not None), None)
    if mesh is None:
        return None
    return [s if s is not None else NamedSharding(mesh, PartitionSpec()) for s in found]


_scalar_arrays = {}


def _scalar_array(scalar):
    """Device arrays for typed scalars, cached: eager `x + 1.0` should not copy 1.0 each time."""
    key = (scalar.aval, scalar.value.tobytes())
    array = _scalar_arrays.get(key)
    if array is None:
        if len(_scalar_arrays) > 4096:
            _scalar_arrays.clear()
        # guarded in to_array, on every use: the cache is numax's, the transfer the user's
        array = _scalar_arrays[key] = from_host(scalar.value, weak_type=scalar.aval.weak_type,
                                                guard=None)
    return array


def to_array(value):
    """An Array for any array-like argument of a primitive (Array, NumPy value, scalar)."""
    if isinstance(value, Array):
        return value
    if type(value) is TypedScalar:
        if config.transfer_guards_active:
            guard_host_to_device(value.aval, runtime.default_device(), explicit=False)
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
    return [a if a._committed or a._device == device else _moved(a, device) for a in arrays]


def _moved(array, device):
    guard_device_copy(array, device, explicit=False)
    return runtime.rewrap(runtime.copy_to_device(array, device, array.aval), array.aval, False)


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
    shardings = spmd_argument_shardings(arrays) or _sub_program_shardings(params, len(arrays))
    if shardings is not None:  # inputs or a sub-program's values on several devices: partition
        arrays = place_for_program(arrays, shardings)
        avals = tuple(x.aval for x in arrays)
        key = (primitive, tuple(params.items()), avals, tuple(shardings))
        program = _eager_cache.get(key)
        if program is None:
            program = _eager_cache[key] = compile_spmd_jaxpr(
                _primitive_jaxpr(primitive, params, avals), shardings,
                [None] * _num_results(primitive, params, avals), name=primitive.name)
        outs = program.run(arrays)
        result = outs if primitive.multiple_results else outs[0]
        if config.python_dispatch or any(x is not y for x, y in zip(args, arrays)):
            return result, None, False  # moved arguments: numax places them, not the C++
        _, out_treedef = runtime.fastpath.flatten(result)
        return result, runtime.fastpath.replay_record(
            program.executable, (), [True] * len(arrays), out_treedef, shardings), False
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


def _sub_program_shardings(params, count):
    """Replicated shardings for `count` inputs when a sub-program in `params` (a staged jit
    call's body, say) constrains a value to a layout over several devices (as shard_map
    does to its traced arguments): such a program must be partitioned over those devices,
    whatever its inputs. Else None."""
    from numax.sharding import PartitionSpec
    for value in params.values():
        if isinstance(value, ClosedJaxpr):
            anchor = constraint_sharding(value.jaxpr)
            if anchor is not None and anchor.num_devices > 1:
                return [anchor.with_spec(PartitionSpec())] * count
    return None


def _primitive_jaxpr(primitive, params, avals):
    """The one-equation program applying `primitive` to inputs of `avals`."""
    invars = [Var(a) for a in avals]
    out = primitive.abstract_eval(*avals, **params)
    outvars = [Var(a) for a in (out if primitive.multiple_results else [out])]
    return ClosedJaxpr(Jaxpr((), invars, outvars, [Equation(primitive, invars, params, outvars)]),
                       ())


def _num_results(primitive, params, avals):
    return len(primitive.abstract_eval(*avals, **params)) if primitive.multiple_results else 1


def _compile_primitive(primitive, params, avals, device):
    committed = device is not None
    return compile_jaxpr(_primitive_jaxpr(primitive, params, avals),
                         device or runtime.default_device(), committed, name=primitive.name)


def clear_caches():
    _eager_cache.clear()
    _placed_scalars.clear()
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
