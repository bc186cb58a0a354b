"""Staging interpreter: StagingTrace/StagingTracer turn Python code into a jaxpr.

Invariants: every StagingTracer of a live trace has a `var` defined by an input or an
equation of that trace. Values that are not this trace's tracers become inputs of the
program: Python, NumPy and concrete numax scalars become inline `Literal`s; arrays and
tracers of enclosing traces (closures over outer transformations) become constant
variables, which `trace_to_jaxpr` reports so callers can pass them as explicit
arguments. Knows no primitive by name.
"""

import numpy as np

from numax.core import dtypes
from numax.core.abstract import ShapedArray, TypedScalar
from numax.core.ir import ClosedJaxpr, Equation, Jaxpr, Literal, Var
from numax.core.trace import Trace, Tracer, new_trace, raise_escaped


class StagingTracer(Tracer):
    __slots__ = ("aval", "var")

    def __init__(self, trace, aval, var):
        self._trace = trace
        self.aval = aval
        self.var = var


_SCALAR_TYPES = (int, float, complex, bool, np.generic)


class StagingTrace(Trace):
    kind = "jit"

    def __init__(self, parent):
        super().__init__(parent)
        self.invars = []
        self.eqns = []
        self.const_vars = {}  # id(value) -> (Var, value); the value is kept alive here

    def new_argument(self, aval):
        var = Var(aval)
        self.invars.append(var)
        return StagingTracer(self, aval, var)

    def to_var(self, value):
        if isinstance(value, Tracer):
            if value._trace is self:
                return value.var
            if not value._trace.alive:
                raise_escaped(value)
            return self._const_var(value, value.aval)  # a tracer of an enclosing trace
        if type(value) is TypedScalar:
            return Literal(value.value, value.aval)
        if isinstance(value, _SCALAR_TYPES):
            dtype, weak = dtypes.dtype_and_weak_type(value)
            return Literal(np.asarray(value, dtype), ShapedArray((), dtype, weak))
        aval = getattr(value, "aval", None)
        if aval is not None and not aval.shape:
            # A concrete scalar (an Array: tracers were handled above) is inlined like a
            # Python scalar: it then costs the program no argument and no loop-carried value.
            return Literal(np.asarray(value), aval)
        if aval is None:
            array = np.asarray(value)
            dtype, weak = dtypes.dtype_and_weak_type(array)
            if array.ndim == 0:
                return Literal(array.astype(dtype), ShapedArray((), dtype, weak))
            aval = ShapedArray(array.shape, dtype, weak)
            value = array.astype(dtype, copy=False)
        return self._const_var(value, aval)

    def _const_var(self, value, aval):
        entry = self.const_vars.get(id(value))
        if entry is None:
            entry = self.const_vars[id(value)] = (Var(aval), value)
        return entry[0]

    def process_primitive(self, primitive, args, params):
        invars = [self.to_var(x) for x in args]
        out_aval = primitive.abstract_eval(*[v.aval for v in invars], **params)
        if primitive.multiple_results:
            outvars = [Var(a) for a in out_aval]
            self.eqns.append(Equation(primitive, invars, params, outvars))
            return [StagingTracer(self, v.aval, v) for v in outvars]
        outvar = Var(out_aval)
        self.eqns.append(Equation(primitive, invars, params, [outvar]))
        return StagingTracer(self, out_aval, outvar)


def trace_to_jaxpr(flat_fun, in_avals):
    """Stages `flat_fun(*tracers) -> list of outputs` into a jaxpr.

    Returns (closed_jaxpr, consts): the jaxpr takes the constants as *leading inputs*
    (it has no constvars), so a caller passes `consts + args`. Constants may include
    tracers of enclosing traces.
    """
    with new_trace(StagingTrace) as trace:
        arguments = [trace.new_argument(aval) for aval in in_avals]
        outs = flat_fun(*arguments)
        outvars = [trace.to_var(x) for x in outs]
    const_vars = [var for var, _ in trace.const_vars.values()]
    consts = [value for _, value in trace.const_vars.values()]
    jaxpr = Jaxpr((), const_vars + trace.invars, outvars, trace.eqns)
    return ClosedJaxpr(jaxpr, ()), consts


def closed_over_consts(closed_jaxpr, consts):
    """Turns leading constant inputs back into constvars (for printing make_jaxpr results)."""
    jaxpr = closed_jaxpr.jaxpr
    n = len(consts)
    return ClosedJaxpr(Jaxpr(jaxpr.invars[:n], jaxpr.invars[n:], jaxpr.outvars, jaxpr.eqns), consts)
