"""Rematerialisation: `checkpoint`/`remat`, its primitive, and saving policies.

`checkpoint(f)` stages f into a `checkpoint` equation. Evaluated or compiled, it is
just f. Its JVP is a checkpoint of f's JVP program. The difference is in partial
evaluation (reverse mode): the known (primal) part runs now, but instead of keeping
every intermediate as a residual for the backward pass, only the inputs, and the
values a `policy` marks saveable, are kept; everything else the tangent program needs
is recomputed inside the staged backward program (the backward pass evaluates such
residual computations forward before transposing).
"""

import functools

from numax.core.ir import ClosedJaxpr, Jaxpr, Literal, dce_closed
from numax.core.primitive import Primitive
from numax.core.pytree import tree_flatten, tree_unflatten
from numax.core.trace import set_current_trace
from numax.transforms.ad import Zero, eval_jaxpr, get_aval, jvp_jaxpr, _read
from numax.transforms.batching import batch_flat, move_axis, batch_size
from numax.transforms.staging import closed_over_consts, trace_to_jaxpr


# ---------------------------------------------------------------- policies

def everything_saveable(*args, **params):
    return True


def nothing_saveable(*args, **params):
    return False


def dots_saveable(primitive, *args, **params):
    return primitive.name == "dot_general"


checkpoint_dots = dots_saveable


def dots_with_no_batch_dims_saveable(primitive, *args, **params):
    if primitive.name != "dot_general":
        return False
    (_, _), (lhs_batch, rhs_batch) = params["dimension_numbers"]
    return not lhs_batch and not rhs_batch


checkpoint_dots_with_no_batch_dims = dots_with_no_batch_dims_saveable


def save_anything_except_these_names(*names):
    def policy(primitive, *args, **params):
        return not (primitive.name == "name" and params.get("name") in names)
    return policy


def save_only_these_names(*names):
    def policy(primitive, *args, **params):
        return primitive.name == "name" and params.get("name") in names
    return policy


def save_any_names_but_these(*names):
    def policy(primitive, *args, **params):
        return primitive.name == "name" and params.get("name") not in names
    return policy


def save_from_both_policies(first, second):
    def policy(*args, **params):
        return first(*args, **params) or second(*args, **params)
    return policy


class checkpoint_policies:
    """The saving policies, under JAX's names."""
    everything_saveable = staticmethod(everything_saveable)
    nothing_saveable = staticmethod(nothing_saveable)
    dots_saveable = staticmethod(dots_saveable)
    checkpoint_dots = staticmethod(dots_saveable)
    dots_with_no_batch_dims_saveable = staticmethod(dots_with_no_batch_dims_saveable)
    checkpoint_dots_with_no_batch_dims = staticmethod(dots_with_no_batch_dims_saveable)
    save_anything_except_these_names = staticmethod(save_anything_except_these_names)
    save_only_these_names = staticmethod(save_only_these_names)
    save_any_names_but_these = staticmethod(save_any_names_but_these)
    save_from_both_policies = staticmethod(save_from_both_policies)


# ---------------------------------------------------------------- the primitive

def _checkpoint_jvp(primals, tangents, *, jaxpr, prevent_cse, policy):
    nonzero = tuple(type(t) is not Zero for t in tangents)
    closed, consts, zero_outputs = jvp_jaxpr(jaxpr, nonzero)
    closed = closed_over_consts(closed, consts)
    outs = checkpoint_p.bind(*primals, *[t for t in tangents if type(t) is not Zero],
                             jaxpr=closed, prevent_cse=prevent_cse, policy=policy)
    count = len(jaxpr.out_avals)
    tangent_iter = iter(outs[count:])
    out_tangents = [Zero(a.strip_weak_type()) if zero else next(tangent_iter)
                    for a, zero in zip(jaxpr.out_avals, zero_outputs)]
    return outs[:count], out_tangents


def _checkpoint_partial_eval(trace, args, params):
    """Known equations run now; a staged equation's known inputs are recomputed in the
    staged program unless they are inputs or the policy saves them."""
    closed, policy = params["jaxpr"], params["policy"] or nothing_saveable
    jaxpr = closed.jaxpr
    known, staged, producers = {}, {}, {}
    for var, value in zip(jaxpr.constvars, closed.consts):
        known[var] = staged[var] = value
    for var, value in zip(jaxpr.invars, args):
        staged[var] = value
        if not trace.is_unknown(value):
            known[var] = value

    def read_known(var):
        return _read(known, var)

    def get_staged(var):
        if type(var) is Literal:
            return _read({}, var)
        if var not in staged:
            eqn = producers[var]
            outs = trace.stage(eqn.primitive, [get_staged(v) for v in eqn.invars], eqn.params)
            for outvar, out in zip(eqn.outvars, outs if eqn.primitive.multiple_results else [outs]):
                staged[outvar] = out
        return staged[var]

    for eqn in jaxpr.eqns:
        if all(type(v) is Literal or v in known for v in eqn.invars):
            with set_current_trace(trace.parent):
                outs = eqn.primitive.bind(*[read_known(v) for v in eqn.invars], **eqn.params)
            outs = outs if eqn.primitive.multiple_results else [outs]
            save = policy(eqn.primitive, *[v.aval for v in eqn.invars], **eqn.params)
            for outvar, out in zip(eqn.outvars, outs):
                known[outvar] = out
                if save:
                    staged[outvar] = out
                else:
                    producers[outvar] = eqn
        else:
            outs = trace.process_primitive(eqn.primitive, [get_staged(v) for v in eqn.invars],
                                           eqn.params)
            for outvar, out in zip(eqn.outvars, outs if eqn.primitive.multiple_results else [outs]):
                staged[outvar] = out
    return [read_known(v) if (type(v) is Literal or v in known) else staged[v]
            for v in jaxpr.outvars]


def _checkpoint_batch(args, dims, *, jaxpr, prevent_cse, policy):
    size = batch_size(args, dims)
    args = [move_axis(a, d, 0) if d is not None else a for a, d in zip(args, dims)]
    out_dims = []

    def body(*values):
        outs, dims_out = batch_flat(lambda *xs: eval_jaxpr(jaxpr.jaxpr, jaxpr.consts, *xs), values,
                                    [0 if d is not None else None for d in dims], size)
        out_dims[:] = dims_out
        return [move_axis(o, d, 0) if d is not None else o for o, d in zip(outs, dims_out)]

    closed, consts = trace_to_jaxpr(body, [get_aval(a) for a in args])
    outs = checkpoint_p.bind(*args, jaxpr=closed_over_consts(closed, consts),
                             prevent_cse=prevent_cse, policy=policy)
    return outs, [0 if d is not None else None for d in out_dims]


def _checkpoint_dce(used_outputs, *, jaxpr, prevent_cse, policy):
    jaxpr, used_inputs = dce_closed(jaxpr, used_outputs)
    return used_inputs, dict(jaxpr=jaxpr, prevent_cse=prevent_cse, policy=policy)


def _checkpoint_examples():
    import numpy as np
    from numax import lax
    closed, consts = trace_to_jaxpr(lambda x: [lax.mul(lax.sin(x), x)],
                                    [get_aval(np.zeros(4, np.float32))])
    x = np.linspace(-1, 1, 4, dtype=np.float32)
    return [((x,), dict(jaxpr=closed_over_consts(closed, consts), prevent_cse=True, policy=None))]


checkpoint_p = Primitive(
    "checkpoint",
    abstract_eval=lambda *avals, jaxpr, **params: list(jaxpr.out_avals),
    impl=lambda *args, jaxpr, **params: eval_jaxpr(jaxpr.jaxpr, jaxpr.consts, *args),
    lower=lambda ctx, *operands, jaxpr, **params: ctx.call(jaxpr, operands, "checkpoint"),
    multiple_results=True,
    jvp=_checkpoint_jvp,
    partial_eval=_checkpoint_partial_eval,
    batch=_checkpoint_batch,
    dce=_checkpoint_dce,
    examples=_checkpoint_examples,
)


def checkpoint(fun=None, *, prevent_cse=True, policy=None, static_argnums=()):
    """Recompute `fun`'s intermediates in the backward pass instead of storing them.

    `policy(primitive, *avals, **params) -> bool` says which intermediates to save anyway
    (see `checkpoint_policies`). Usable as a decorator."""
    if fun is None:
        return functools.partial(checkpoint, prevent_cse=prevent_cse, policy=policy,
                                 static_argnums=static_argnums)
    static_argnums = (static_argnums,) if isinstance(static_argnums, int) else tuple(static_argnums)

    @functools.wraps(fun)
    def checkpointed(*args):
        dynamic = [a for i, a in enumerate(args) if i not in static_argnums]
        leaves, in_tree = tree_flatten(dynamic)
        store = {}

        def flat(*flat_leaves):
            it = iter(tree_unflatten(in_tree, list(flat_leaves)))
            full = [a if i in static_argnums else next(it) for i, a in enumerate(args)]
            out_leaves, store["tree"] = tree_flatten(fun(*full))
            return out_leaves

        closed, consts = trace_to_jaxpr(flat, [get_aval(x) for x in leaves])
        outs = checkpoint_p.bind(*consts, *leaves, jaxpr=closed, prevent_cse=prevent_cse,
                                 policy=policy)
        return tree_unflatten(store["tree"], outs)

    return checkpointed


remat = checkpoint
