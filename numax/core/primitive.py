"""The Primitive object and the registry of all primitives.

A primitive holds every rule it has, declared together in one file of `lax/`:
abstract evaluation (shape/dtype/weak-type rule), lowering to StableHLO, JVP (or a
`linear` marker), transpose, batching, example inputs for the generic rule checker,
and an explicit note when it is not differentiable. Rules may be added after the
primitive is created (libraries written for JAX do that through registries that are
views onto these attributes), and transformations find rules only here.
`bind` hands the primitive to whichever trace is current (core/trace.py).
"""

import dataclasses
from typing import Callable

from numax.core import trace as trace_module

registry = {}


@dataclasses.dataclass(frozen=True)
class ImplicitJvpReference:
    """Declares that a sampler primitive's JVP is statistical: the implicit derivative of
    its sample x at a fixed quantile F(theta, x), dx = -(dF/dtheta . dtheta) / (dF/dx),
    not the derivative of the sampler at a fixed key (a rejection sampler's accepted
    proposal moves differently with theta). The generic AD checker compares the JVP with
    this reference, computed from `cdf`: the dotted name of an implementation independent
    of numax (named, not imported: numax does not depend on it) of F(theta, x),
    elementwise.

    parameter: position of theta among the primitive's arguments; it has the output's
        shape, and no other argument is differentiable.
    sample_of_output(out, **params): the sample x of an output (NumPy), for outputs that
        are a function of it (e.g. its log).
    """

    cdf: str
    parameter: int
    sample_of_output: Callable


class Primitive:
    """One operation of the IR with all of its rules.

    abstract_eval(*avals, **params) -> aval, or a list of avals if multiple_results.
    lower(ctx, *operands, **params) -> SSA value(s); ctx is a lowering.LoweringRuleContext.
    jvp(primals, tangents, **params) -> (primal_out, tangent_out); tangents may be Zero.
    linear: the JVP is the primitive applied to the tangents (the primals are not needed).
    transpose(cts, *args, **params) -> cotangents per input (None for non-linear inputs).
    batch(args, dims, **params) -> (out, out_dim).
    examples() -> list of (args, params) with NumPy inputs, for the generic rule checks.
    not_differentiable: a reason string when the primitive deliberately has no JVP.
    not_differentiable_in: {argument position: reason} for floating arguments that `jvp`
    does not differentiate (it raises NotImplementedError for a nonzero tangent there),
    e.g. polygamma's integer-valued order m.
    differentiation_modes: ("fwd", "rev") unless a primitive supports only one, e.g.
    ("rev",) for custom_vjp calls (no JVP, as in JAX), ("fwd",) for while loops.
    partial_eval(trace, args, params): optional; how the partial-evaluation trace handles
    the primitive when some arguments are unknown (default: stage the equation).
    dce(used_outputs, **params) -> (used_inputs, params[, kept_outputs]): optional, for
    primitives holding a sub-program: which inputs, and what params, an equation computing
    only the used outputs needs (dead-code elimination then prunes inside the sub-program
    too). A loop may add which outputs the narrowed equation keeps: more than the used ones
    where a used output reads a carry whose final value nobody reads.
    jvp_reference: an `ImplicitJvpReference` for a sampler whose JVP is statistical (the
    implicit derivative at a fixed quantile of its distribution, not the derivative at a
    fixed key); the generic AD checker compares the JVP with that reference instead of
    finite differences.
    rule_checks_exempt: a reason string when the generic rule checkers cannot exercise the
    primitive (its values are tokens, not arrays; or no two runs agree, as for a stateful
    random generator); they report the reason as a skip, and the primitive's own tests
    must cover its rules instead.
    """

    def __init__(self, name, *, abstract_eval, lower=None, impl=None, multiple_results=False,
                 jvp=None, linear=False, transpose=None, batch=None, examples=None,
                 not_differentiable=None, not_differentiable_in=None, partial_eval=None,
                 dce=None, differentiation_modes=("fwd", "rev"), effects=(),
                 jvp_reference=None, rule_checks_exempt=None, register=True):
        self.name = name
        self.abstract_eval = abstract_eval
        self.lower = lower
        self._impl = impl
        self.multiple_results = multiple_results
        self.jvp = jvp
        self.linear = linear
        self.transpose = transpose
        self.batch = batch
        self.examples = examples
        self.not_differentiable = not_differentiable
        self.not_differentiable_in = dict(not_differentiable_in or {})
        self.differentiation_modes = tuple(differentiation_modes)
        self.partial_eval = partial_eval
        self.dce = dce
        self.effects = tuple(effects)
        self.jvp_reference = jvp_reference
        self.rule_checks_exempt = rule_checks_exempt
        if register:
            if name in registry:
                raise ValueError(f"a primitive named {name!r} is already registered")
            registry[name] = self

    @property
    def impl(self):
        """The eager implementation declared for this primitive, or None (compile and run)."""
        return self._impl

    @impl.setter
    def impl(self, function):
        self._impl = function

    def bind(self, *args, **params):
        trace = trace_module._state.trace
        if trace is trace_module.EVAL_TRACE and self._impl is None:
            return trace_module._default_impl[0](self, args, params)  # eager fast path
        return trace.process_primitive(self, args, params)

    def __repr__(self):
        return self.name

    def __reduce__(self):
        return _lookup, (self.name,)


def _lookup(name):
    return registry[name]
