"""jaxlib's C++ jit dispatch (`_jax.pjit`), driven by numax without jax.

A `PjitFunction` keeps, per argument signature (pytree structure, dtype, shape,
weak_type, sharding and committed flag of every leaf, static arguments, and the values
of the configuration states below), a record of how to run the compiled program; a call
whose signature it knows runs entirely in C++ (about 3.5 µs, jaxlib_runtime.md §8).
Any other call goes to numax's Python `cache_miss`, which returns the outputs and, when
the call may be replayed from C++ later, the record (`FastPath`). The record's nine
fields are jaxlib's private contract, the same on 0.10.2 and 0.11.x; the runtime tests
exercise it on both.

The states included in the signature: x64 mode, disable_jit (the C++ then calls the
Python function itself), whether a transformation is tracing (a jitted function called
with concrete arrays inside one must be staged, not replayed), and a tuple of the other
configuration options that change a program's meaning. numax keeps
them current through the setters here. Pytree structures are flattened in C++ with a
private registry that mirrors the custom nodes registered with numax.tree_util.
"""

import collections

from jaxlib import _jax

from numax.runtime.buffers import sharding_for

_Config = _jax.config.Config
_UNSET = _jax.config.unset

_x64_state = _Config("numax_enable_x64", False, include_in_jit_key=True)
_disable_jit_state = _Config("numax_disable_jit", False, include_in_jit_key=True)
_trace_state = _Config("numax_trace", None, include_in_jit_key=True)
_semantics_state = _Config("numax_semantic_options", None, include_in_jit_key=True)
_jax.jax_jit.set_enable_x64_state(_x64_state)
_jax.jax_jit.set_disable_jit_state(_disable_jit_state)
_jax.jax_jit.set_post_hook_state(_Config("numax_post_hook", None, include_in_jit_key=False))

registry = _jax.pytree.PyTreeRegistry()

FastPath = collections.namedtuple("FastPath", [
    "xla_executable", "out_pytree_def", "in_shardings", "out_shardings", "out_avals",
    "out_committed", "kept_var_bitvec", "in_device_local_layouts", "const_args"])


def _set(state, global_value, local_value):
    state.set_global(global_value)
    state.set_local(_UNSET if local_value is None else local_value)


def set_config_states(x64, x64_local, disable_jit, disable_jit_local, semantics):
    """Mirrors numax.config (global values, and this thread's overrides or None)."""
    _set(_x64_state, x64, x64_local)
    _set(_disable_jit_state, disable_jit, disable_jit_local)
    _semantics_state.set_local(semantics)


def set_evaluating(is_eval):
    """Whether this thread evaluates eagerly (else some transformation is tracing)."""
    _trace_state.set_local(_UNSET if is_eval else True)


def register_node(node_type, flatten, unflatten):
    """Mirrors a numax pytree node: flatten(x) -> (children, aux); unflatten(aux, children)."""
    registry.register_node(node_type, flatten, unflatten)


def flatten(tree):
    """(leaves, treedef) as the C++ dispatch sees `tree`."""
    return registry.flatten(tree)


def jit_function(name, fun, cache_miss, static_argnums, static_argnames, cache_key,
                 capacity=4096):
    """A callable that dispatches in C++ and calls `cache_miss(*args, **kwargs) ->
    (outputs, FastPath or None, False)` for signatures it has no record of; `fun` is
    called directly while jit is disabled."""
    return _jax.pjit(name, fun, cache_miss, list(static_argnums), list(static_argnames),
                     cache_key, registry, _shard_arg_fallback,
                     _jax.PjitFunctionCache(capacity=capacity))


def _shard_arg_fallback(value, sharding, layout):
    # The C++ dispatch hands back every argument laid out over several devices (its own
    # check knows only jax's sharding types). A replayed call's signature matched, so such
    # an argument is already laid out as the program wants.
    if getattr(value, "_sharding", None) == sharding:
        return value
    raise TypeError(f"numax's jit dispatch cannot place an argument of type "
                    f"{type(value).__name__} on a device")


def replay_record(executable, consts, kept_mask, out_treedef, in_shardings=None):
    """The record that lets the C++ dispatch replay a call of `executable` (a runtime
    Executable) on the constants `consts` followed by the arguments `kept_mask` selects;
    None for programs that call back into Python, which must run through numax. A program
    partitioned over several devices gives the sharding of every constant and argument."""
    if executable.runs_python:
        return None
    num_in, num_out = len(kept_mask), len(executable.out_avals)
    if executable.device is None:
        in_shardings, out_shardings = list(in_shardings), list(executable.out_shardings)
    else:
        sharding = sharding_for(executable.device)
        in_shardings, out_shardings = [sharding] * num_in, [sharding] * num_out
    return FastPath(executable.loaded, out_treedef, in_shardings, out_shardings,
                    list(executable.out_avals), [executable.committed] * num_out, kept_mask,
                    [None] * num_in, list(consts))
