"""Partial evaluation: run what is known now, stage what depends on unknown inputs.

PartialEvalTrace is a staging trace whose own tracers are the *unknown* values (its
program's inputs and everything computed from them). An equation none of whose
arguments is unknown is bound on the parent trace at once and its results stay plain
parent values; any other equation is staged. Known values used by staged equations
become the program's constants ("residuals"). Linearization uses it with the
tangents unknown, so the primal computation runs and the tangent program is staged.
A primitive may take over with a `partial_eval(trace, args, params)` rule (jit calls
inline their body so that only its tangent part is staged).
"""

from numax.core.ir import Jaxpr
from numax.core.trace import Tracer, set_current_trace
from numax.transforms.staging import StagingTrace


class PartialEvalTrace(StagingTrace):
    kind = "linearize"

    def is_unknown(self, value):
        return isinstance(value, Tracer) and value._trace is self

    def process_primitive(self, primitive, args, params):
        if not any(self.is_unknown(x) for x in args):
            with set_current_trace(self.parent):
                return primitive.bind(*args, **params)
        rule = getattr(primitive, "partial_eval", None)
        if rule is not None:
            return rule(self, args, params)
        return super().process_primitive(primitive, args, params)

    def finish(self, outvars):
        """(jaxpr over the unknown inputs with residual constvars, residual values)."""
        residual_vars = [var for var, _ in self.const_vars.values()]
        residuals = [value for _, value in self.const_vars.values()]
        return Jaxpr(residual_vars, self.invars, outvars, self.eqns), residuals
