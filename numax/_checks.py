"""Debugging checks behind config options: debug_nans/debug_infs, log_compiles,
explain_cache_misses, check_tracer_leaks, enable_checks, no_tracing and no_execution.

Owns what each check does; numax/dispatch.py and numax/api.py call in here at the few
points where programs are traced, compiled and run. The checks that must see every
call (NaN/inf checks, no_execution) are part of the C++ dispatch key
(`config.python_dispatch`), so while one is on every call runs through Python, and while
all are off the fast path is untouched. Knows no primitive by name.
"""

import gc
import logging

import numpy as np

from numax.core import dtypes
from numax.core.config import config
from numax.core.errors import UnexpectedTracerError
from numax.core.trace import Tracer

logger = logging.getLogger("numax")


# ---------------------------------------------------------------- running

def before_run(name):
    """Raises inside `numax.no_execution()`."""
    if config.read("jax_no_execution"):
        raise RuntimeError(f"numax.no_execution: {name} was about to run a compiled program "
                           "inside a `with numax.no_execution():` block")


def _bad_value(arrays):
    """'nan' or 'inf' if a checked kind of bad value is among `arrays`, else None."""
    check_nans, check_infs = config.read("jax_debug_nans"), config.read("jax_debug_infs")
    if not (check_nans or check_infs):
        return None
    for array in arrays:
        if not dtypes.issubdtype(array.dtype, np.inexact):
            continue
        value = np.asarray(array)
        if value.dtype not in (np.float16, np.float32, np.float64, np.complex64, np.complex128):
            value = value.astype(np.complex128 if np.iscomplexobj(value) else np.float64)
        if check_nans and np.isnan(value).any():
            return "nan"
        if check_infs and np.isinf(value).any():
            return "inf"
    return None


def check_outputs(name, arrays):
    """Raises FloatingPointError if an output of primitive `name` is a NaN/inf being checked."""
    bad = _bad_value(arrays)
    if bad:
        raise FloatingPointError(f"invalid value ({bad}) encountered in {name}")


def check_jit_outputs(name, closed_jaxpr, inputs, outputs):
    """Like check_outputs for a jitted call. On a bad value the program is run again op by
    op, so that the error names the primitive that produced it (eager ops are checked);
    if that run is clean (XLA's fused code can round differently), the jitted function
    is named instead."""
    bad = _bad_value(outputs)
    if not bad:
        return
    if not any(x.is_deleted() for x in inputs):  # donated inputs cannot be run again
        from numax.transforms.ad import eval_jaxpr
        eval_jaxpr(closed_jaxpr.jaxpr, closed_jaxpr.consts, *inputs)
    raise FloatingPointError(f"invalid value ({bad}) encountered in jit({name}); running it "
                             "op by op did not say which operation produced it")


# ---------------------------------------------------------------- compiling and tracing

def log_compile(name, in_avals, platform):
    if config.read("jax_log_compiles"):
        shapes = ", ".join(a.str_short() for a in in_avals)
        logger.warning("Compiling %s with argument types (%s) for %s", name, shapes, platform)


def before_trace(name):
    """Raises inside `numax.no_tracing()`; with check_tracer_leaks on, returns the ids of
    the tracers alive now (to tell new leaks from old ones)."""
    if config.read("jax_no_tracing"):
        raise RuntimeError(f"numax.no_tracing: jit({name}) was about to be traced inside a "
                           "`with numax.no_tracing():` block")
    if config.read("jax_check_tracer_leaks"):
        gc.collect()
        return {id(x) for x in gc.get_objects() if isinstance(x, Tracer)}
    return None


def after_trace(name, closed_jaxpr, tracers_before):
    """Type-checks the program (enable_checks) and looks for leaked tracers."""
    if config.read("jax_enable_checks"):
        from numax.core.ir import typecheck
        typecheck(closed_jaxpr)
    if tracers_before is not None:
        gc.collect()
        leaked = [x for x in gc.get_objects() if isinstance(x, Tracer)
                  and id(x) not in tracers_before and not x._trace.alive]
        if leaked:
            raise UnexpectedTracerError(
                f"check_tracer_leaks: tracing jit({name}) leaked {len(leaked)} tracer(s), e.g. "
                f"{leaked[0]!r}. A value computed inside the function is still referenced after "
                "tracing ended (stored in a global, an attribute or a closure); return it "
                "instead.")


def explain_cache_miss(name, key, cached_keys):
    """Logs why the jit cache key `key` (in_tree, in_avals, static key, semantic options,
    device) matches none of `cached_keys`."""
    if not config.read("jax_explain_cache_misses"):
        return
    logger.warning("numax.jit: cache miss for %s: %s", name, _miss_reason(key, cached_keys))


_KEY_PARTS = ("the argument structure", "the argument types", "the static arguments",
              "the configuration", "the committed device")


def _miss_reason(key, cached_keys):
    if not cached_keys:
        return "first call (never traced before)"
    closest = min(cached_keys, key=lambda old: sum(a != b for a, b in zip(old, key)))
    reasons = []
    for part, old, new in zip(_KEY_PARTS, closest, key):
        if old == new:
            continue
        if part == "the argument types" and len(old) == len(new):
            changed = [f"argument {i}: {a.str_short()}{' (weak)' * a.weak_type} -> "
                       f"{b.str_short()}{' (weak)' * b.weak_type}"
                       for i, (a, b) in enumerate(zip(old, new)) if a != b]
            reasons.append("different argument types (" + "; ".join(changed) + ")")
        else:
            reasons.append(f"different {part[4:]}: {old} -> {new}")
    return "; ".join(reasons)
