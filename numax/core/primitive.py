"""The Primitive object and the registry of all primitives.

A primitive holds every rule it has, declared together in one file of `lax/`:
abstract evaluation (shape/dtype/weak-type rule), lowering to StableHLO, JVP (or a
`linear` marker), transpose, batching, example inputs for the generic rule checker,
and an explicit note when it is not differentiable. Rules may be added after the
primitive is created (libraries written for JAX do that through registries that are
views onto these attributes), and transformations find rules only here.
`bind` hands the primitive to whichever trace is current (core/trace.py).
"""

from numax.core import trace as trace_module

registry = {}

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
    """

    def __init__(self, name, *, abstract_eval, lower=None, impl=None, multiple_results=False,
                 jvp=None, linear=False, transpose=None, batch=None, examples=None,
                 not_differentiable=None, not_differentiable_in=None, partial_eval=None,
                 dce=None, differentiation_modes=("fwd", "rev"), effects=(), register=True):
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
