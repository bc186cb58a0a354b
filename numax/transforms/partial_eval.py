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

from numax.core.ir import ClosedJaxpr, Jaxpr
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
        return self.stage(primitive, args, params)

    def stage(self, primitive, args, params):
        """Stages an equation into the unknown program, whatever its inputs."""
        return super().process_primitive(primitive, args, params)

    def finish(self, outvars):
        """(jaxpr over the unknown inputs with residual constvars, residual values)."""
        residual_vars = [var for var, _ in self.const_vars.values()]
        residuals = [value for _, value in self.const_vars.values()]
        return Jaxpr(residual_vars, self.invars, outvars, self.eqns), residuals


def partial_eval_jaxpr(closed, unknowns, instantiate=False):
    """Splits a program into the part computable from its known inputs and the rest.

    Returns (known, unknown, out_unknowns, num_residuals):
      known:   ClosedJaxpr, known inputs -> known outputs + residuals
      unknown: ClosedJaxpr, residuals + unknown inputs -> unknown outputs
    `instantiate` (bool or one flag per output) forces outputs into the unknown part.
    Used by jit calls and control flow under linearization, so that the known part
    stays one compiled call and only residuals cross to the staged tangent program.
    """
    from numax.core.trace import new_trace
    from numax.transforms.ad import eval_jaxpr
    from numax.transforms.staging import closed_over_consts, trace_to_jaxpr

    in_avals = closed.in_avals
    known_avals = [a for a, u in zip(in_avals, unknowns) if not u]
    unknown_avals = [a for a, u in zip(in_avals, unknowns) if u]
    num_out = len(closed.out_avals)
    forced = [instantiate] * num_out if isinstance(instantiate, bool) else list(instantiate)
    store = {}

    def known_fun(*known_args):
        known_iter = iter(known_args)
        with new_trace(PartialEvalTrace) as pe:
            unknown_iter = iter([pe.new_argument(a) for a in unknown_avals])
            args = [next(unknown_iter) if u else next(known_iter) for u in unknowns]
            outs = eval_jaxpr(closed.jaxpr, closed.consts, *args)
            out_unknowns = [pe.is_unknown(o) or f for o, f in zip(outs, forced)]
            outvars = [pe.to_var(o) for o, u in zip(outs, out_unknowns) if u]
        jaxpr, residuals = pe.finish(outvars)
        store["unknown"] = (jaxpr, out_unknowns, len(residuals))
        return [o for o, u in zip(outs, out_unknowns) if not u] + residuals

    known_staged, known_consts = trace_to_jaxpr(known_fun, known_avals)
    jaxpr, out_unknowns, num_residuals = store["unknown"]
    unknown = ClosedJaxpr(Jaxpr((), jaxpr.constvars + jaxpr.invars, jaxpr.outvars, jaxpr.eqns), ())
    return closed_over_consts(known_staged, known_consts), unknown, out_unknowns, num_residuals
