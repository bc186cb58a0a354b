"""`numax.interpreters.ad`: JAX's differentiation registries, as views onto numax primitives.

Owns the adapters libraries use to give a primitive its derivative rules:
`primitive_jvps[p] = rule` sets `p.jvp`, `primitive_transposes[p] = rule` sets
`p.transpose`, and `defjvp`/`defjvp2`/`deflinear`/`deflinear2` build such rules.
numax's rule conventions are JAX's — `jvp(primals, tangents, **params) ->
(primal_out, tangent_out)` with `Zero` for symbolic zero tangents, and
`transpose(ct, *args, **params)` with `UndefinedPrimal` for the linear arguments,
returning one cotangent per argument (None for non-linear ones) — so rules are stored
as given. The interpreter itself lives in numax.transforms.ad.
"""

from numax.interpreters._rule_view import PrimitiveRuleView
from numax.transforms.ad import (JVPTrace, JVPTracer, UndefinedPrimal, Zero,  # noqa: F401
                                 add_tangents, get_aval, is_undefined, jvp_of, zeros_like_aval)
from numax.transforms.ad import instantiate as instantiate_zeros  # noqa: F401

is_undefined_primal = is_undefined


def _read_jvp(primitive):
    if primitive.jvp is not None:
        return primitive.jvp
    if primitive.linear or primitive.not_differentiable:
        # The rule numax derives from linearity (or a declared zero derivative), in
        # JAX's calling convention.
        def derived_jvp(primals, tangents, **params):
            return jvp_of(primitive, list(primals), list(tangents), params)
        return derived_jvp
    return None


def _write_jvp(primitive, rule):
    primitive.jvp = rule


def _write_transpose(primitive, rule):
    primitive.transpose = rule


primitive_jvps = PrimitiveRuleView("ad.primitive_jvps", _read_jvp, _write_jvp)
primitive_transposes = PrimitiveRuleView(
    "ad.primitive_transposes", lambda primitive: primitive.transpose, _write_transpose)


def _single_result(primitive, api):
    if primitive.multiple_results:
        raise TypeError(f"{api}: primitive '{primitive.name}' has multiple results; write its "
                        f"JVP rule directly with ad.primitive_jvps[{primitive.name}] = rule")


def _summed_jvp(primitive, jvprules, with_output):
    """A JVP rule that sums `rule(t, [out,] *primals, **params)` over the arguments with a
    rule and a nonzero tangent (a rule of None marks an argument not differentiated)."""
    def jvp(primals, tangents, **params):
        out = primitive.bind(*primals, **params)
        total = Zero(get_aval(out).strip_weak_type())
        for rule, tangent in zip(jvprules, tangents):
            if rule is None or type(tangent) is Zero:
                continue
            term = rule(tangent, out, *primals, **params) if with_output else \
                rule(tangent, *primals, **params)
            total = add_tangents(total, term)
        return out, total
    return jvp


def defjvp(primitive, *jvprules):
    """Sets `primitive`'s JVP from one rule per argument, `rule(t, *primals, **params)`
    -> that argument's contribution to the output tangent (None: not differentiable)."""
    _single_result(primitive, "ad.defjvp")
    primitive.jvp = _summed_jvp(primitive, jvprules, with_output=False)


def defjvp2(primitive, *jvprules):
    """Like `defjvp`, with rules `rule(t, out, *primals, **params)` that also get the
    primitive's output."""
    _single_result(primitive, "ad.defjvp2")
    primitive.jvp = _summed_jvp(primitive, jvprules, with_output=True)


def _linear(primitive, transpose_rule, with_args):
    primitive.jvp = None  # numax applies a linear primitive to the tangents itself
    primitive.linear = True

    def transpose(ct, *args, **params):
        if type(ct) is Zero:
            return [Zero(x.aval) if is_undefined(x) else None for x in args]
        return transpose_rule(ct, *args, **params) if with_args else transpose_rule(ct, **params)
    primitive.transpose = transpose


def deflinear(primitive, transpose_rule):
    """Declares `primitive` linear in all its arguments, with cotangents
    `transpose_rule(ct, **params)` -> one per argument."""
    _linear(primitive, transpose_rule, with_args=False)


def deflinear2(primitive, transpose_rule):
    """Like `deflinear`, with `transpose_rule(ct, *args, **params)` seeing the arguments
    (`UndefinedPrimal`s for the linear ones)."""
    _linear(primitive, transpose_rule, with_args=True)
