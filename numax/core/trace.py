"""Traces and tracers: how a primitive application finds the interpreter that handles it.

There is one *current trace* per thread. `Primitive.bind` hands the primitive and its
arguments to it; the trace unboxes its own tracers, applies the primitive's rule, and
binds the results on its *parent* trace (the one that was current when it started),
by making the parent current while the rule runs. The bottom trace is `EvalTrace`,
which runs primitives eagerly. Traces nest through these parent pointers, never
through a global level counter; each trace is its own identity tag, so a tracer knows
exactly which transformation owns it. When a transformation ends, its trace is marked
dead; a tracer of a dead trace that shows up later is a leaked tracer and raises
`UnexpectedTracerError` naming the transformation. Knows no primitive by name.
"""

import contextlib
import threading

from numax.core import errors


class Trace:
    """An interpreter for primitives. Subclasses implement `process_primitive`."""

    kind = "trace"

    def __init__(self, parent):
        self.parent = parent
        self.alive = True

    def process_primitive(self, primitive, args, params):
        raise NotImplementedError

    def __repr__(self):
        return f"{type(self).__name__}"


class EvalTrace(Trace):
    """The bottom trace: runs each primitive at once on concrete values."""

    kind = "eval"

    def __init__(self):
        super().__init__(None)

    def process_primitive(self, primitive, args, params):
        impl = primitive._impl
        if impl is None:  # the default implementation rejects tracers itself, cheaply
            return _default_impl[0](primitive, args, params)
        for arg in args:
            if isinstance(arg, Tracer):
                raise_escaped(arg)
        return impl(*args, **params)


EVAL_TRACE = EvalTrace()
_default_impl = [None]


def set_default_impl(impl):
    """Installs `impl(primitive, args, params)`, the eager path of primitives that
    declare no `impl` of their own (numax.dispatch: compile once, then run)."""
    _default_impl[0] = impl


class _State(threading.local):
    def __init__(self):
        self.trace = EVAL_TRACE


_state = _State()


def current_trace():
    return _state.trace


_trace_listeners = []


def on_trace_change(listener):
    """Registers `listener(is_eval)`, called whenever this thread's current trace changes
    between evaluation and a transformation (the C++ jit dispatch keys on it)."""
    _trace_listeners.append(listener)


def _switch(trace):
    was_eval = _state.trace is EVAL_TRACE
    _state.trace = trace
    if (trace is EVAL_TRACE) is not was_eval:
        for listener in _trace_listeners:
            listener(trace is EVAL_TRACE)


@contextlib.contextmanager
def set_current_trace(trace):
    """Makes `trace` current inside the block (used by rules to bind on a parent trace)."""
    previous = _state.trace
    _switch(trace)
    try:
        yield trace
    finally:
        _switch(previous)


@contextlib.contextmanager
def new_trace(make_trace):
    """Starts a transformation: `make_trace(parent)` becomes current; it is dead afterwards."""
    parent = _state.trace
    trace = make_trace(parent)
    _switch(trace)
    try:
        yield trace
    finally:
        trace.alive = False
        _switch(parent)


def raise_escaped(tracer):
    trace = tracer._trace
    if not trace.alive:
        raise errors.UnexpectedTracerError(
            f"Encountered an unexpected tracer: {tracer!r}, created by a {trace.kind} "
            "transformation that has already finished. A value computed inside a transformed "
            "function (jit, grad, vmap, ...) escaped it, e.g. by being stored in a global or an "
            "attribute, and was then used outside. Return values from the function instead.")
    raise errors.UnexpectedTracerError(
        f"Encountered tracer {tracer!r} of a {trace.kind} transformation outside the scope "
        "that is tracing it.")


class Tracer:
    """A boxed value inside a transformation. `aval` is its abstract value.

    Array-like methods (operators, .reshape, .sum, ...) are installed on this class by
    numax.numpy so tracers behave like arrays; conversions to concrete Python values
    raise concretization errors.
    """

    __slots__ = ("_trace",)
    __array_priority__ = 1000

    @property
    def aval(self):
        raise NotImplementedError

    shape = property(lambda self: self.aval.shape)
    dtype = property(lambda self: self.aval.dtype)
    ndim = property(lambda self: self.aval.ndim)
    size = property(lambda self: self.aval.size)
    weak_type = property(lambda self: self.aval.weak_type)

    def __repr__(self):
        return f"Traced<{self.aval.str_short(False)}>with<{self._trace!r}>"

    def __bool__(self):
        raise errors.TracerBoolConversionError(self)

    def __index__(self):
        raise errors.TracerIntegerConversionError(self)

    def __int__(self):
        raise errors.TracerIntegerConversionError(self)

    def __float__(self):
        raise errors.ConcretizationTypeError(self, "The problem arose with the `float` function.\n")

    def __complex__(self):
        raise errors.ConcretizationTypeError(self, "The problem arose with the `complex` function.\n")

    def __array__(self, dtype=None, copy=None):
        raise errors.TracerArrayConversionError(self)

    def __hash__(self):
        raise TypeError(f"unhashable type: {type(self).__name__} (a traced array)")

    def __len__(self):
        if not self.aval.shape:
            raise TypeError("len() of unsized object (a 0-d traced array)")
        return self.aval.shape[0]

    def __iter__(self):
        if not self.aval.shape:
            raise TypeError("iteration over a 0-d array")
        return (self[i] for i in range(self.aval.shape[0]))

    def item(self, *args):
        raise errors.ConcretizationTypeError(self, "The problem arose with the `item` method.\n")

    def tolist(self):
        raise errors.ConcretizationTypeError(self, "The problem arose with the `tolist` method.\n")


def is_tracer(value):
    return isinstance(value, Tracer)
