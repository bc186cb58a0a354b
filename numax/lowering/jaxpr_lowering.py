"""IR -> StableHLO module text.

Owns the walk over a jaxpr: arguments, literals and constants become SSA values; each
equation is handed to its primitive's `lower` rule through a `LoweringRuleContext`;
sub-programs become private functions called with `func.call` (one function per
distinct jaxpr, so modules stay small). Checks that every rule returned values of the
types the primitive's abstract evaluation promised, so a bad rule fails here with the
primitive's name rather than deep inside XLA.

Effects: equations of primitives with `effects` (host callbacks) keep program order
through a `!stablehlo.token` threaded from one to the next by their rules
(`LoweringRuleContext.effect_token`); a private function whose program contains such
an equation takes the token as its first argument and returns it as its first
result, so the order holds across calls too.
`lower_module` returns the module text with the Python host callbacks its custom
calls refer to by index; they are compiled together (runtime/callbacks.py).
"""

import collections

import numpy as np

from numax.core.ir import ClosedJaxpr, Literal, jaxpr_has_effects
from numax.lowering.builder import (FunctionBuilder, ModuleBuilder, Value, aval_type,
                                    dense_attribute, tensor_type)


class LoweringError(RuntimeError):
    """A primitive's lowering rule is missing or produced a value of the wrong type."""


class LoweringRuleContext:
    """What a primitive's `lower` rule sees: the builder, and the input/output avals."""

    __slots__ = ("builder", "avals_in", "avals_out", "primitive")

    def __init__(self, builder, avals_in, avals_out, primitive):
        self.builder = builder
        self.avals_in = avals_in
        self.avals_out = avals_out
        self.primitive = primitive

    @property
    def aval_out(self):
        return self.avals_out[0]

    def op(self, name, operands, result_type=None, attributes=None, regions=()):
        """Emits an op with one result (of the primitive's output type unless given)."""
        result_type = self.avals_out[0] if result_type is None else result_type
        return self.builder.op(name, list(operands), [result_type], attributes, regions)[0]

    def ops(self, name, operands, result_types, attributes=None, regions=()):
        """Emits an op with any number of results; returns them as a list."""
        return self.builder.op(name, list(operands), list(result_types), attributes, regions)

    def constant(self, value, dtype, shape=()):
        """A constant tensor of `shape` filled with `value` (or given by the array `value`)."""
        array = np.broadcast_to(np.asarray(value, dtype=dtype), shape)
        type_ = tensor_type(shape, dtype)
        return self.builder.op("stablehlo.constant", [], [type_],
                               {"value": dense_attribute(array, type_)})[0]

    def region(self, argument_types, body):
        """Region text; `body(ctx, *arguments)` returns the values the region yields."""
        def build(builder, *arguments):
            return body(self._with_builder(builder), *arguments)
        return self.builder.region(argument_types, build)

    def _with_builder(self, builder):
        return LoweringRuleContext(builder, self.avals_in, self.avals_out, self.primitive)

    def call(self, closed_jaxpr, operands, name="fn"):
        """Calls a sub-program (lowered once per module as a private function)."""
        module = self.builder.module
        callee = lower_private_function(module, closed_jaxpr, name)
        result_types = [aval_type(a) for a in closed_jaxpr.out_avals]
        if not jaxpr_has_effects(closed_jaxpr):
            return self.builder.op("func.call", list(operands), result_types,
                                   {"callee": f"@{callee}"})
        outs = self.builder.op("func.call", [self.effect_token()] + list(operands),
                               [TOKEN_TYPE] + result_types, {"callee": f"@{callee}"})
        self.set_effect_token(outs[0])
        return outs[1:]

    @property
    def platform(self):
        """The platform the module is compiled for ("cpu", "cuda", ...)."""
        return self.builder.module.platform

    def add_host_callback(self, function):
        """Registers a Python function for a host-callback custom call; returns its index."""
        return self.builder.module.add_host_callback(function)

    def effect_token(self):
        """The token that orders this body's effects (created on first use)."""
        builder = self.builder
        if builder.token is None:
            builder.token = builder.op("stablehlo.after_all", [], [TOKEN_TYPE])[0]
        return builder.token

    def set_effect_token(self, token):
        """Records the token an effect returned: the next effect waits for it."""
        self.builder.token = token

    def has_effects(self, *closed_jaxprs):
        """Whether any of these sub-programs has effects: an op whose regions lower them
        passes the effect token through (in and out), so their effects keep program order."""
        return any(jaxpr_has_effects(j) for j in closed_jaxprs)

    def lower_jaxpr_inline(self, closed_jaxpr, operands):
        """Lowers a sub-program's equations right here (for regions of loops and branches)."""
        return lower_body(self.builder, closed_jaxpr, list(operands))

    def type(self, aval):
        return aval_type(aval)


def _constant_value(builder, value, aval):
    array = np.asarray(value, dtype=aval.dtype) if not hasattr(value, "_host_value") \
        else value._host_value()
    type_ = aval_type(aval)
    return builder.op("stablehlo.constant", [], [type_],
                      {"value": dense_attribute(np.broadcast_to(array, aval.shape), type_)})[0]


def lower_body(builder, closed_jaxpr, arguments):
    """Emits the equations of `closed_jaxpr` into `builder`; returns the output values."""
    jaxpr = closed_jaxpr.jaxpr
    env = {}
    for var, const in zip(jaxpr.constvars, closed_jaxpr.consts):
        env[var] = _constant_value(builder, const, var.aval)
    for var, value in zip(jaxpr.invars, arguments):
        env[var] = value

    def read(var):
        if isinstance(var, Literal):
            return _constant_value(builder, var.value, var.aval)
        return env[var]

    for eqn in jaxpr.eqns:
        primitive = eqn.primitive
        if primitive.lower is None:
            raise LoweringError(f"primitive {primitive.name!r} has no lowering rule")
        avals_in = [v.aval for v in eqn.invars]
        avals_out = [v.aval for v in eqn.outvars]
        ctx = LoweringRuleContext(builder, avals_in, avals_out, primitive)
        outs = primitive.lower(ctx, *[read(v) for v in eqn.invars], **eqn.params)
        if not primitive.multiple_results:
            outs = [outs]
        if len(outs) != len(eqn.outvars):
            raise LoweringError(f"lowering of {primitive.name!r} returned {len(outs)} values for "
                                f"{len(eqn.outvars)} results")
        for var, value in zip(eqn.outvars, outs):
            expected = aval_type(var.aval)
            if value.type != expected:
                raise LoweringError(f"lowering of {primitive.name!r} produced {value.type}, "
                                    f"expected {expected}")
            env[var] = value
    return [read(v) for v in jaxpr.outvars]


TOKEN_TYPE = "!stablehlo.token"


def _function_text(module, closed_jaxpr, name, visibility, argument_attributes=None):
    builder = FunctionBuilder(module)
    jaxpr = closed_jaxpr.jaxpr
    arguments = [Value(f"%arg{i}", aval_type(v.aval)) for i, v in enumerate(jaxpr.invars)]
    token_argument = None
    if visibility == "private" and jaxpr_has_effects(jaxpr):
        token_argument = builder.token = Value("%token", TOKEN_TYPE)
    outs = lower_body(builder, closed_jaxpr, arguments)
    header_args = [f"{token_argument}: {TOKEN_TYPE}"] if token_argument else []
    if token_argument:
        outs = [builder.token] + outs
    for i, argument in enumerate(arguments):
        attrs = (argument_attributes or {}).get(i)
        header_args.append(f"{argument}: {argument.type}" + (f" {{{attrs}}}" if attrs else ""))
    results = ", ".join(v.type for v in outs)
    ret = f"    func.return {', '.join(outs)} : {results}" if outs else "    func.return"
    return (f"  func.func {visibility} @{name}({', '.join(header_args)}) -> ({results}) {{\n"
            + "\n".join(builder.lines) + ("\n" if builder.lines else "") + ret + "\n  }")


def lower_private_function(module, closed_jaxpr, name):
    cache = module.__dict__.setdefault("_lowered", {})
    key = id(closed_jaxpr.jaxpr)
    if key in cache:
        return cache[key][0]
    callee = module.unique_function_name(name)
    cache[key] = (callee, closed_jaxpr)  # keeps the jaxpr alive so its id stays unique
    module.add_function(_function_text(module, closed_jaxpr, callee, "private"))
    return callee


class LoweredModule(collections.namedtuple("LoweredModule", ["text", "host_callbacks"])):
    """Module text, and the Python host callbacks its custom calls refer to by index."""

    __slots__ = ()


def lower_module(closed_jaxpr, name="main_module", donated=(), platform="cpu"):
    """A `LoweredModule` whose public @main computes `closed_jaxpr` on `platform`."""
    if not isinstance(closed_jaxpr, ClosedJaxpr):
        raise TypeError(f"lower_jaxpr takes a ClosedJaxpr, got {type(closed_jaxpr)}")
    module = ModuleBuilder(name, platform)
    attributes = {i: "jax.buffer_donor = true" for i in donated}
    module.add_function(_function_text(module, closed_jaxpr, "main", "public", attributes))
    return LoweredModule(module.text(), tuple(module.host_callbacks))


def lower_jaxpr(closed_jaxpr, name="main_module", donated=(), platform="cpu"):
    """StableHLO module text whose public @main computes `closed_jaxpr`."""
    return lower_module(closed_jaxpr, name, donated, platform).text
