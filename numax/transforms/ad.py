"""Forward and reverse mode: the JVP interpreter, linearization and transposition.

JVPTrace/JVPTracer carry a (primal, tangent) pair per value. Invariants: a tangent is
either a `Zero` (symbolic, never materialised) or a value with the primal's shape and
the tangent dtype of the primal's dtype (the same for inexact types; integer and bool
primals only ever have Zero tangents, float0 at the API boundary). A primitive's `jvp`
rule gets primals and tangents and binds on the parent trace; a `linear` primitive
applies itself to the tangents. Reverse mode is `linearize` (JVP under the partial
evaluation trace, which evaluates everything known and stages the tangent program)
followed by `backward_pass`, which walks the staged linear program backwards calling
each primitive's `transpose` rule. Knows no primitive by name.
"""

import numpy as np

from numax.core import dtypes
from numax.core.abstract import ShapedArray, TypedScalar
from numax.core.errors import NumaxError
from numax.core.ir import ClosedJaxpr, Jaxpr, Literal, dce
from numax.core.trace import Trace, Tracer, new_trace, raise_escaped, set_current_trace
from numax.transforms.partial_eval import PartialEvalTrace
from numax.transforms.staging import trace_to_jaxpr


class Zero:
    """A symbolic zero tangent or cotangent of abstract value `aval`."""

    __slots__ = ("aval",)

    def __init__(self, aval):
        self.aval = aval

    def __repr__(self):
        return f"Zero({self.aval.str_short()})"


class UndefinedPrimal:
    """Marks a linear input of an equation being transposed."""

    __slots__ = ("aval",)

    def __init__(self, aval):
        self.aval = aval

    def __repr__(self):
        return f"UndefinedPrimal({self.aval.str_short()})"


def is_undefined(value):
    return type(value) is UndefinedPrimal


def get_aval(value):
    aval = getattr(value, "aval", None)
    if aval is not None:
        return aval
    dtype, weak = dtypes.dtype_and_weak_type(value)
    return ShapedArray(np.shape(value), dtype, weak)


def is_differentiable_dtype(dtype):
    return dtypes.is_inexact(dtype)


def zeros_like_aval(aval):
    """A materialised zero of `aval` (bound on the current trace)."""
    from numax import lax
    return lax.full(aval.shape, 0, aval.dtype)


def instantiate(tangent):
    return zeros_like_aval(tangent.aval) if type(tangent) is Zero else tangent


def add_tangents(a, b):
    if type(a) is Zero:
        return b
    if type(b) is Zero:
        return a
    from numax import lax
    return lax.add(a, b)


# ---------------------------------------------------------------- JVP interpreter

class JVPTracer(Tracer):
    __slots__ = ("primal", "tangent")

    def __init__(self, trace, primal, tangent):
        self._trace = trace
        self.primal = primal
        self.tangent = tangent

    @property
    def aval(self):
        return get_aval(self.primal)


class JVPTrace(Trace):
    kind = "jvp"

    def unpack(self, value):
        if isinstance(value, JVPTracer) and value._trace is self:
            return value.primal, value.tangent
        if isinstance(value, Tracer) and not value._trace.alive:
            raise_escaped(value)
        return value, Zero(get_aval(value))

    def process_primitive(self, primitive, args, params):
        primals, tangents = [], []
        for arg in args:
            primal, tangent = self.unpack(arg)
            primals.append(primal)
            tangents.append(tangent)
        with set_current_trace(self.parent):
            if all(type(t) is Zero for t in tangents):
                return primitive.bind(*primals, **params)
            primal_out, tangent_out = jvp_of(primitive, primals, tangents, params)
        if primitive.multiple_results:
            return [JVPTracer(self, p, t) for p, t in zip(primal_out, tangent_out)]
        return JVPTracer(self, primal_out, tangent_out)


def jvp_of(primitive, primals, tangents, params):
    """Applies `primitive`'s JVP rule (or its linearity) on the current trace."""
    if primitive.jvp is not None:
        return primitive.jvp(primals, tangents, **params)
    if primitive.linear:
        out = primitive.bind(*primals, **params)
        linear_args = [p if not is_differentiable_dtype(get_aval(p).dtype) else instantiate(t)
                       for p, t in zip(primals, tangents)]
        return out, primitive.bind(*linear_args, **params)
    if primitive.not_differentiable:
        out = primitive.bind(*primals, **params)
        zero = (lambda o: Zero(get_aval(o)))
        return out, ([zero(o) for o in out] if primitive.multiple_results else zero(out))
    raise NotImplementedError(f"Differentiation rule for '{primitive.name}' not implemented")


def jvp_flat(flat_fun, primals, tangents):
    """(primal outputs, tangent outputs) of `flat_fun` at `primals` along `tangents`."""
    with new_trace(JVPTrace) as trace:
        inputs = [JVPTracer(trace, p, t) for p, t in zip(primals, tangents)]
        outs = flat_fun(*inputs)
        pairs = [trace.unpack(o) for o in outs]
    return [p for p, _ in pairs], [t for _, t in pairs]


def jvp_jaxpr(jaxpr, nonzero):
    """The JVP of the closed jaxpr `jaxpr`, staged: a program of (primals, the tangents
    `nonzero` marks) returning (outputs, the output tangents that are not symbolically
    zero). Returns (closed jaxpr with leading constant inputs, consts, which output
    tangents are zero)."""
    in_avals = list(jaxpr.in_avals)
    tangent_avals = [a.strip_weak_type() for a, nz in zip(in_avals, nonzero) if nz]
    zero_outputs = []

    def jvp_body(*args):
        tangent_iter = iter(args[len(in_avals):])
        tangent_args = [next(tangent_iter) if nz else Zero(a) for a, nz in zip(in_avals, nonzero)]
        outs, out_tangents = jvp_flat(lambda *xs: eval_jaxpr(jaxpr.jaxpr, jaxpr.consts, *xs),
                                      args[:len(in_avals)], tangent_args)
        zero_outputs[:] = [type(t) is Zero for t in out_tangents]
        return outs + [t for t in out_tangents if type(t) is not Zero]

    closed, consts = trace_to_jaxpr(jvp_body, in_avals + tangent_avals)
    return closed, consts, zero_outputs


# ---------------------------------------------------------------- linearize

def linearize_flat(flat_fun, primals, differentiable=None):
    """Evaluates `flat_fun` at `primals` and stages its linear (tangent) map.

    Returns (primal outputs, linear ClosedJaxpr, out_zero flags). The jaxpr takes one
    tangent per entry of `primals` whose `differentiable` flag is set; its constants are
    the residuals. Outputs whose tangent is a symbolic zero are flagged and not computed.
    """
    if differentiable is None:
        differentiable = [True] * len(primals)
    with new_trace(PartialEvalTrace) as pe:
        tangent_args = [pe.new_argument(tangent_aval(get_aval(p))) if d else None
                        for p, d in zip(primals, differentiable)]
        with new_trace(JVPTrace) as trace:
            inputs = [JVPTracer(trace, p, t if t is not None else Zero(get_aval(p)))
                      for p, t in zip(primals, tangent_args)]
            outs = flat_fun(*inputs)
            pairs = [trace.unpack(o) for o in outs]
        out_primals = []
        for primal, _ in pairs:
            if isinstance(primal, Tracer) and primal._trace is pe:
                raise NumaxError("linearize: a primal output depends on the tangent inputs; "
                                 "a JVP rule is not linear in its tangents")
            out_primals.append(primal)
        out_zero = [type(t) is Zero for _, t in pairs]
        outvars = [pe.to_var(t) for _, t in pairs if type(t) is not Zero]
    jaxpr, residuals = pe.finish(outvars)
    jaxpr = dce(jaxpr)
    used = _used_vars(jaxpr)
    keep = [i for i, v in enumerate(jaxpr.constvars) if v in used]
    jaxpr = Jaxpr([jaxpr.constvars[i] for i in keep], jaxpr.invars, jaxpr.outvars, jaxpr.eqns)
    return out_primals, ClosedJaxpr(jaxpr, [residuals[i] for i in keep]), out_zero


def _used_vars(jaxpr):
    used = {v for v in jaxpr.outvars if type(v) is not Literal}
    for eqn in jaxpr.eqns:
        used.update(v for v in eqn.invars if type(v) is not Literal)
    return used


def tangent_aval(aval):
    return aval.strip_weak_type() if is_differentiable_dtype(aval.dtype) else \
        ShapedArray(aval.shape, dtypes.float0)


# ---------------------------------------------------------------- transpose

def backward_pass(closed_jaxpr, cotangents_out, inputs=None):
    """Cotangents of the linear inputs of `closed_jaxpr`, given output cotangents.

    `inputs` gives one entry per jaxpr input: an `UndefinedPrimal` for a linear input,
    or the value of a non-linear one (a residual); by default all inputs are linear.
    Equations whose inputs are all non-linear (residual computations, e.g. a
    rematerialised primal) are evaluated forward first; the rest are transposed in
    reverse order. Cotangents may be `Zero`; the result has one entry per input
    (`None` for non-linear inputs, `Zero` for untouched linear ones).
    """
    jaxpr = closed_jaxpr.jaxpr
    if inputs is None:
        inputs = [UndefinedPrimal(v.aval) for v in jaxpr.invars]
    env = dict(zip(jaxpr.constvars, closed_jaxpr.consts))
    linear = set()
    for var, value in zip(jaxpr.invars, inputs):
        if is_undefined(value):
            linear.add(var)
        else:
            env[var] = value
    linear_eqns = []
    for eqn in jaxpr.eqns:
        if any(type(v) is not Literal and v in linear for v in eqn.invars):
            linear.update(eqn.outvars)
            linear_eqns.append(eqn)
        else:
            values = [_read(env, v) for v in eqn.invars]
            out = eqn.primitive.bind(*values, **eqn.params)
            for var, value in zip(eqn.outvars, out if eqn.primitive.multiple_results else [out]):
                env[var] = value
    cts = {}

    def write(var, ct):
        if type(var) is Literal or type(ct) is Zero or ct is None or var not in linear:
            return
        cts[var] = add_tangents(cts[var], ct) if var in cts else ct

    for var, ct in zip(jaxpr.outvars, cotangents_out):
        write(var, ct)
    for eqn in reversed(linear_eqns):
        cts_out = [cts.pop(v) if v in cts else Zero(v.aval) for v in eqn.outvars]
        if all(type(ct) is Zero for ct in cts_out):
            continue
        args = [UndefinedPrimal(v.aval) if (type(v) is not Literal and v in linear)
                else _read(env, v) for v in eqn.invars]
        transpose = eqn.primitive.transpose
        if transpose is None:
            raise NotImplementedError(f"Transpose rule (for reverse-mode differentiation) for "
                                      f"'{eqn.primitive.name}' not implemented")
        ct_arg = cts_out if eqn.primitive.multiple_results else cts_out[0]
        cts_in = transpose(ct_arg, *args, **eqn.params)
        for var, arg, ct in zip(eqn.invars, args, cts_in):
            if is_undefined(arg):
                write(var, ct)
    return [(cts.get(v, Zero(v.aval)) if is_undefined(x) else None)
            for v, x in zip(jaxpr.invars, inputs)]


def _read(env, var):
    if type(var) is Literal:
        return TypedScalar(var.value, var.aval.dtype, var.aval.weak_type)
    return env[var]


def transpose_jaxpr_function(closed_jaxpr):
    """`f(*cotangents_out) -> cotangents_in` for a linear jaxpr (for linear_transpose)."""
    def transposed(*cts_out):
        return backward_pass(closed_jaxpr, list(cts_out))
    return transposed


def eval_jaxpr(jaxpr, consts, *args):
    """Evaluates a jaxpr by binding each equation on the current trace."""
    env = {}
    for var, value in zip(jaxpr.constvars, consts):
        env[var] = value
    for var, value in zip(jaxpr.invars, args):
        env[var] = value
    for eqn in jaxpr.eqns:
        out = eqn.primitive.bind(*[_read(env, v) for v in eqn.invars], **eqn.params)
        for var, value in zip(eqn.outvars, out if eqn.primitive.multiple_results else [out]):
            env[var] = value
    return [_read(env, v) for v in jaxpr.outvars]


__all__ = ["Zero", "UndefinedPrimal", "JVPTrace", "JVPTracer", "jvp_flat", "linearize_flat",
           "backward_pass", "eval_jaxpr", "instantiate", "add_tangents", "zeros_like_aval",
           "is_undefined", "get_aval", "Jaxpr", "Trace"]
