"""`numax.interpreters.mlir`: JAX's lowering registry, for rules numax can lower.

Owns `register_lowering` and `lower_fun`. numax lowers programs to StableHLO *text*
and has no MLIR Python bindings, so a JAX lowering rule that builds MLIR operations
(through `jax.interpreters.mlir`'s ir/hlo objects) cannot run here; registering one is
refused at once with an explanation. What works is the form libraries mostly use,
`register_lowering(p, lower_fun(f, multiple_results=...))`: `f` computes the primitive
from its operands with numax.lax/numax.numpy, and is traced and lowered in place of
the primitive. A lowering rule of an existing numax primitive may be registered too.
Per-platform rules dispatch on the platform the program is compiled for.
"""

from numax.core.primitive import Primitive, registry
from numax.lax._matrix import lower_as
from numax.lowering import LoweringError

# Platforms JAX accepts in register_lowering; "gpu" stands for both GPU platforms.
_PLATFORM_ALIASES = {"cpu": ("cpu",), "cuda": ("cuda",), "rocm": ("rocm",), "tpu": ("tpu",),
                     "oneapi": ("oneapi",), "gpu": ("cuda", "rocm")}


class FunctionLowering:
    """A lowering rule that lowers `fun(*operands, **params)` in place of the primitive.
    `multiple_results` says whether `fun` returns a sequence of outputs (it need not
    match the primitive's own flag when the primitive has one result)."""

    def __init__(self, fun, multiple_results):
        self.fun = fun
        self.multiple_results = multiple_results
        self.__name__ = f"lower_fun({getattr(fun, '__name__', type(fun).__name__)})"

    def __call__(self, ctx, *operands, **params):
        primitive = ctx.primitive

        def as_primitive_outputs(*args, **kwargs):
            out = self.fun(*args, **kwargs)
            outs = list(out) if self.multiple_results else [out]
            if primitive.multiple_results:
                return outs
            if len(outs) != 1:
                raise LoweringError(
                    f"lowering of '{primitive.name}': the function given to mlir.lower_fun "
                    f"returned {len(outs)} outputs for a primitive with one result")
            return outs[0]
        as_primitive_outputs.__name__ = getattr(self.fun, "__name__", "lower_fun")
        return lower_as(as_primitive_outputs)(ctx, *operands, **params)


def lower_fun(fun, multiple_results=True):
    """A lowering rule computing the primitive as `fun(*operands, **params)`, written with
    numax operations (it is traced and lowered in the primitive's place).

    >>> from numax.extend.core import Primitive
    >>> import numax, numpy as np
    >>> twice_p = Primitive("twice")
    >>> _ = twice_p.def_abstract_eval(lambda aval: aval)
    >>> register_lowering(twice_p, lower_fun(lambda x: 2 * x, multiple_results=False))
    >>> numax.jit(twice_p.bind)(np.float32(4.0))
    Array(8., dtype=float32)
    """
    if not callable(fun):
        raise TypeError(f"mlir.lower_fun: expected a callable, got {type(fun).__name__}")
    return FunctionLowering(fun, bool(multiple_results))


class PlatformLowering:
    """`owner`'s lowering with per-platform rules and a default for the other platforms."""

    def __init__(self, owner, default):
        self.owner = owner
        self.default = default
        self.by_platform = {}

    def __call__(self, ctx, *operands, **params):
        rule = self.by_platform.get(ctx.platform, self.default)
        if rule is None:
            raise LoweringError(
                f"primitive '{ctx.primitive.name}' has lowering rules only for "
                f"{sorted(self.by_platform)}, and this program is compiled for "
                f"{ctx.platform!r}; register one with mlir.register_lowering(p, rule) "
                "(no platform) to cover every platform")
        return rule(ctx, *operands, **params)


def _is_numax_rule(rule):
    return isinstance(rule, (FunctionLowering, PlatformLowering)) or any(
        rule is primitive.lower for primitive in registry.values())


def register_lowering(prim, rule, platform=None, inline=True, cacheable=True):
    """Sets `prim`'s lowering to `rule` (from `lower_fun`, or an existing numax primitive's
    lowering rule), for one platform ("cpu", "cuda", "rocm", "gpu", "tpu") or all.

    `inline` and `cacheable` are accepted for JAX's signature: numax always lowers the
    rule's computation in place, and caches compiled programs by their text.
    """
    if not isinstance(prim, Primitive):
        raise TypeError(f"mlir.register_lowering: expected a primitive, got "
                        f"{type(prim).__name__}: {prim!r}")
    if not _is_numax_rule(rule):
        raise NotImplementedError(
            f"mlir.register_lowering: the rule {getattr(rule, '__name__', rule)!r} for "
            f"primitive '{prim.name}' is not one numax can run. numax lowers to StableHLO text "
            "and has no MLIR Python bindings, so a rule that builds MLIR operations cannot "
            "work. Register mlir.lower_fun(f, multiple_results=...) instead, where f computes "
            "the primitive from its operands with numax.lax / numax.numpy.")
    # A PlatformLowering is updated in place only by its own primitive: another primitive
    # may have been given it as a rule.
    owns_platform_rules = isinstance(prim.lower, PlatformLowering) and prim.lower.owner is prim
    if platform is None:
        if owns_platform_rules:
            prim.lower.default = rule
        else:
            prim.lower = rule
        return
    if platform not in _PLATFORM_ALIASES:
        raise NotImplementedError(
            f"mlir.register_lowering: unknown platform {platform!r} for primitive "
            f"'{prim.name}'; known platforms are {', '.join(sorted(_PLATFORM_ALIASES))}")
    if not owns_platform_rules:
        prim.lower = PlatformLowering(prim, prim.lower)
    for name in _PLATFORM_ALIASES[platform]:
        prim.lower.by_platform[name] = rule
