"""`lax.while_loop` and `lax.fori_loop`, and the `while` primitive.

`while(*cond_consts, *body_consts, *init, cond_jaxpr, body_jaxpr, cond_nconsts,
body_nconsts)` repeats `carry = body(body_consts, carry)` while `cond(cond_consts, carry)`.
It lowers to `stablehlo.while`, whose loop state also carries the constants.

Rules: the JVP is a while loop carrying tangents next to the carry (which tangents are
nonzero is found by iterating to a fixed point). Partial evaluation runs the known part
of the carry as its own loop and stages the whole loop for the unknown part; that staged
loop cannot be transposed, so reverse mode raises JAX's error (the trip count is unknown
until run, so no residuals can be stored). Under vmap a batched predicate keeps looping
while any lane's predicate holds, and lanes that have finished keep their values.

`fori_loop` with static bounds is a `scan` (so reverse mode works); with traced bounds
it is a while loop.
"""

import operator

import numpy as np

from numax.core import dtypes
from numax.core.config import config
from numax.core.errors import ConcretizationTypeError, NumaxTypeError
from numax.core.ir import dce_closed
from numax.core.primitive import Primitive
from numax.core.pytree import tree_flatten, tree_unflatten
from numax.core.trace import Tracer, set_current_trace
from numax.lax.control_flow import common
from numax.lax.control_flow.common import (cached, evaluate, get_aval, reorder, same_type,
                                           trace_closed)
from numax.lowering import TOKEN_TYPE
from numax.transforms.ad import Zero, instantiate
from numax.transforms.batching import batch_flat, move_axis, to_front

WHILE_REVERSE_MODE_ERROR = (
    "Reverse-mode differentiation does not work for lax.while_loop or lax.fori_loop with "
    "dynamic start/stop values. Try using lax.scan, or lax.fori_loop with static start/stop.")


# ---------------------------------------------------------------- the primitive

def _split(values, cond_nconsts, body_nconsts):
    return (values[:cond_nconsts], values[cond_nconsts:cond_nconsts + body_nconsts],
            values[cond_nconsts + body_nconsts:])


def _while_abstract(*avals, cond_jaxpr, body_jaxpr, cond_nconsts, body_nconsts):
    cond_consts, body_consts, carry = _split(avals, cond_nconsts, body_nconsts)

    def check(what, expected, given):
        if len(expected) != len(given) or not all(map(same_type, expected, given)):
            raise NumaxTypeError(
                f"while: {what} takes ({', '.join(a.str_short() for a in expected)}) but is "
                f"given ({', '.join(a.str_short() for a in given)})")

    check("cond_jaxpr", cond_jaxpr.in_avals, list(cond_consts) + list(carry))
    check("body_jaxpr", body_jaxpr.in_avals, list(body_consts) + list(carry))
    check("the carry", list(carry), body_jaxpr.out_avals)
    pred = cond_jaxpr.out_avals
    if len(pred) != 1 or pred[0].shape != () or pred[0].dtype != np.bool_:
        raise NumaxTypeError(f"while: cond_jaxpr must return one bool scalar, got "
                             f"({', '.join(a.str_short() for a in pred)})")
    return list(carry)


def _while_lower(ctx, *operands, cond_jaxpr, body_jaxpr, cond_nconsts, body_nconsts):
    types = list(ctx.avals_in)
    count = cond_nconsts + body_nconsts
    # With effects (host callbacks) inside, the effect token is the first loop state
    # entry, so they keep program order across iterations and with the enclosing code.
    effects = ctx.has_effects(cond_jaxpr, body_jaxpr)
    if effects:
        types = [TOKEN_TYPE] + types
        operands = [ctx.effect_token()] + list(operands)

    def cond_region(region_ctx, *state):
        if effects:
            region_ctx.set_effect_token(state[0])
            state = state[1:]
        cond_consts, _, carry = _split(state, cond_nconsts, body_nconsts)
        return region_ctx.lower_jaxpr_inline(cond_jaxpr, list(cond_consts) + list(carry))

    def body_region(region_ctx, *state):
        if effects:
            region_ctx.set_effect_token(state[0])
            state = state[1:]
        _, body_consts, carry = _split(state, cond_nconsts, body_nconsts)
        new_carry = region_ctx.lower_jaxpr_inline(body_jaxpr, list(body_consts) + list(carry))
        token = [region_ctx.effect_token()] if effects else []
        return token + list(state[:count]) + list(new_carry)

    outs = ctx.ops("stablehlo.while", operands, types,
                   regions=[ctx.region(types, cond_region), ctx.region(types, body_region)])
    if effects:
        ctx.set_effect_token(outs[0])
        outs = outs[1:]
    return outs[count:]


def _carry_fixed_point(step, flags):
    """Smallest flags >= `flags` with step(flags) <= flags (flags: tuple of bools)."""
    flags = tuple(flags)
    while True:
        out = step(flags)
        new = tuple(a or b for a, b in zip(flags, out))
        if new == flags:
            return flags
        flags = new


def while_jvp(primals, tangents, *, cond_jaxpr, body_jaxpr, cond_nconsts, body_nconsts):
    cond_consts, body_consts, init = _split(primals, cond_nconsts, body_nconsts)
    _, body_const_tangents, init_tangents = _split(tangents, cond_nconsts, body_nconsts)
    consts_nz = tuple(common.differentiable_nonzeros(body_consts, body_const_tangents))
    differentiable = [common.is_differentiable_dtype(get_aval(x).dtype) for x in init]
    init_nz = common.differentiable_nonzeros(init, init_tangents)
    carry_nz = _carry_fixed_point(
        lambda nz: common.jvp_jaxpr(body_jaxpr, consts_nz + nz, nz)[1], init_nz)
    carry_nz = tuple(nz and d for nz, d in zip(carry_nz, differentiable))
    if not any(carry_nz):
        return while_p.bind(*primals, cond_jaxpr=cond_jaxpr, body_jaxpr=body_jaxpr,
                            cond_nconsts=cond_nconsts, body_nconsts=body_nconsts), \
            [Zero(get_aval(x).strip_weak_type()) for x in init]

    def compute():
        body, _ = common.jvp_jaxpr(body_jaxpr, consts_nz + carry_nz, carry_nz)
        nb, nc, nbt = body_nconsts, len(init), sum(consts_nz)
        # jvp inputs: (body consts, carry, const tangents, carry tangents); the loop wants
        # the constants first: (body consts, const tangents, carry, carry tangents).
        order = (list(range(nb)) + list(range(nb + nc, nb + nc + nbt))
                 + list(range(nb, nb + nc)) + list(range(nb + nc + nbt, len(body.in_avals))))
        tangent_avals = [a.strip_weak_type() for a, nz in zip(body_jaxpr.out_avals, carry_nz)
                         if nz]
        cond = common.with_unused_inputs(cond_jaxpr, after=tangent_avals)
        return cond, reorder(body, order)

    cond, body = cached(body_jaxpr, ("while_jvp", cond_jaxpr, consts_nz, carry_nz), compute)
    const_tangents = [t for t, nz in zip(body_const_tangents, consts_nz) if nz]
    carry_tangents = [instantiate(t) for t, nz in zip(init_tangents, carry_nz) if nz]
    outs = while_p.bind(*cond_consts, *body_consts, *const_tangents, *init, *carry_tangents,
                        cond_jaxpr=cond, body_jaxpr=body, cond_nconsts=cond_nconsts,
                        body_nconsts=body_nconsts + len(const_tangents))
    count = len(init)
    tangent_iter = iter(outs[count:])
    return outs[:count], [next(tangent_iter) if nz else Zero(get_aval(x).strip_weak_type())
                          for x, nz in zip(init, carry_nz)]


def while_partial_eval(trace, args, params):
    """The known carries loop now; the unknown ones come from the whole loop, staged."""
    cond_jaxpr, body_jaxpr = params["cond_jaxpr"], params["body_jaxpr"]
    cond_nconsts, body_nconsts = params["cond_nconsts"], params["body_nconsts"]
    unknowns = [trace.is_unknown(x) for x in args]
    cond_uk, body_uk, init_uk = _split(unknowns, cond_nconsts, body_nconsts)
    body_uk = tuple(body_uk)
    carry_uk = _carry_fixed_point(
        lambda uk: tuple(common.partial_eval(body_jaxpr, body_uk + uk, uk)[2]), init_uk)
    pred_unknown = common.partial_eval(cond_jaxpr, tuple(cond_uk) + carry_uk)[2][0]
    if pred_unknown or all(carry_uk):
        return trace.stage(while_p, args, params)

    def compute():
        known_cond = common.partial_eval(cond_jaxpr, tuple(cond_uk) + carry_uk)[0]
        known_body = common.partial_eval(body_jaxpr, body_uk + carry_uk, carry_uk)[0]
        num_known = carry_uk.count(False)
        return common.select_outputs(known_cond, [0]), \
            common.select_outputs(known_body, range(num_known))

    known_cond, known_body = cached(body_jaxpr, ("while_split", cond_jaxpr, tuple(cond_uk),
                                                 body_uk, carry_uk), compute)
    cond_consts, body_consts, init = _split(args, cond_nconsts, body_nconsts)
    known_cond_consts = [x for x, u in zip(cond_consts, cond_uk) if not u]
    known_body_consts = [x for x, u in zip(body_consts, body_uk) if not u]
    with set_current_trace(trace.parent):
        known_outs = while_p.bind(*known_cond_consts, *known_body_consts,
                                  *[x for x, u in zip(init, carry_uk) if not u],
                                  cond_jaxpr=known_cond, body_jaxpr=known_body,
                                  cond_nconsts=len(known_cond_consts),
                                  body_nconsts=len(known_body_consts))
    staged = trace.stage(while_p, args, params) if any(carry_uk) else known_outs
    known_iter = iter(known_outs)
    return [out if u else next(known_iter) for out, u in zip(staged, carry_uk)]


def while_transpose(cts, *args, **params):
    raise ValueError(WHILE_REVERSE_MODE_ERROR)


def while_batch(args, dims, *, cond_jaxpr, body_jaxpr, cond_nconsts, body_nconsts, axis_data):
    size, axis_name = axis_data.axis_size, axis_data.axis_name
    args = [move_axis(x, d, 0) if d is not None else x for x, d in zip(args, dims)]
    batched = [d is not None for d in dims]
    cond_b, body_b, init_b = _split(batched, cond_nconsts, body_nconsts)
    cond_b, body_b = tuple(cond_b), tuple(body_b)
    carry_b = _carry_fixed_point(
        lambda b: common.batch_jaxpr(body_jaxpr, size, body_b + b, b, axis_name)[1], init_b)
    pred_batched = common.batch_jaxpr(cond_jaxpr, size, cond_b + carry_b, (False,),
                                      axis_name)[1][0]
    cond_consts, body_consts, init = _split(args, cond_nconsts, body_nconsts)
    if pred_batched:
        carry_b = (True,) * len(init)
    init = [to_front(x, 0 if x_b else None, size) if c_b else x
            for x, x_b, c_b in zip(init, init_b, carry_b)]
    if not pred_batched:
        cond = common.batch_jaxpr(cond_jaxpr, size, cond_b + carry_b, (False,), axis_name)[0]
        body = common.batch_jaxpr(body_jaxpr, size, body_b + carry_b, carry_b, axis_name)[0]
        outs = while_p.bind(*cond_consts, *body_consts, *init, cond_jaxpr=cond, body_jaxpr=body,
                            cond_nconsts=cond_nconsts, body_nconsts=body_nconsts)
        return outs, [0 if b else None for b in carry_b]
    cond, body = cached(body_jaxpr, ("while_any_lane", cond_jaxpr, size, cond_b, body_b,
                                     axis_name),
                        lambda: _any_lane_programs(cond_jaxpr, body_jaxpr, size, cond_b, body_b,
                                                   axis_name))
    outs = while_p.bind(*cond_consts, *cond_consts, *body_consts, *init, cond_jaxpr=cond,
                        body_jaxpr=body, cond_nconsts=cond_nconsts,
                        body_nconsts=cond_nconsts + body_nconsts)
    return outs, [0] * len(outs)


def _any_lane_programs(cond_jaxpr, body_jaxpr, size, cond_b, body_b, axis_name):
    """Cond and body of a loop whose predicate differs per lane (all carries batched): loop
    while any lane's predicate holds; a lane whose predicate is false keeps its carry."""
    from numax.lax.elementwise import select_n
    from numax.lax.reductions import reduce_or
    from numax.lax.structural import broadcast_in_dim
    carry_avals = [a.update(shape=(size,) + a.shape) for a in body_jaxpr.out_avals]
    cond_const_avals = [a.update(shape=(size,) + a.shape) if b else a
                        for a, b in zip(cond_jaxpr.in_avals, cond_b)]
    body_const_avals = [a.update(shape=(size,) + a.shape) if b else a
                        for a, b in zip(body_jaxpr.in_avals, body_b)]
    num_cond, num_body = len(cond_b), len(body_b)

    def lane_predicates(cond_consts, carry):
        (pred,), (dim,) = batch_flat(lambda *xs: evaluate(cond_jaxpr, *xs),
                                     list(cond_consts) + list(carry),
                                     [0 if b else None for b in cond_b] + [0] * len(carry),
                                     size, axis_name)
        return to_front(pred, dim, size)

    def cond(*args):
        return [reduce_or(lane_predicates(args[:num_cond], args[num_cond:]), (0,))]

    def body(*args):
        cond_consts = args[:num_cond]
        body_consts = args[num_cond:num_cond + num_body]
        carry = args[num_cond + num_body:]
        running = lane_predicates(cond_consts, carry)
        new, new_dims = batch_flat(lambda *xs: evaluate(body_jaxpr, *xs),
                                   list(body_consts) + list(carry),
                                   [0 if b else None for b in body_b] + [0] * len(carry),
                                   size, axis_name)
        out = []
        for old, value, dim in zip(carry, new, new_dims):
            value = to_front(value, dim, size)
            shape = get_aval(old).shape
            out.append(select_n(broadcast_in_dim(running, shape, (0,)), old, value))
        return out

    return (trace_closed(cond, cond_const_avals + carry_avals),
            trace_closed(body, cond_const_avals + body_const_avals + carry_avals))


while_batch.wants_axis = True


def while_dce(used_outputs, *, cond_jaxpr, body_jaxpr, cond_nconsts, body_nconsts):
    """Keeps the carries the used outputs and the predicate read, through any number of
    iterations (a fixed point over the body), and the constants those read. A kept carry
    stays an output."""
    predicate_reads = dce_closed(cond_jaxpr, (True,))[1][cond_nconsts:]

    def carries_read(used_carry):
        return tuple(dce_closed(body_jaxpr, used_carry)[1][body_nconsts:])

    used_carry = _carry_fixed_point(
        carries_read, [u or r for u, r in zip(used_outputs, predicate_reads)])
    cond, cond_reads = dce_closed(cond_jaxpr, (True,), (False,) * cond_nconsts + used_carry)
    body, body_reads = dce_closed(body_jaxpr, used_carry, (False,) * body_nconsts + used_carry)
    cond_consts_read, body_consts_read = cond_reads[:cond_nconsts], body_reads[:body_nconsts]
    params = dict(cond_jaxpr=cond, body_jaxpr=body, cond_nconsts=sum(cond_consts_read),
                  body_nconsts=sum(body_consts_read))
    return cond_consts_read + body_consts_read + list(used_carry), params, used_carry


def _while_examples():
    """A float carry first (forward mode checked, reverse mode must refuse), then loops whose
    floats reach only the predicate, and integer-only loops."""
    from numax import lax
    i32, f32 = np.dtype(np.int32), np.dtype(np.float32)
    from numax.core.abstract import ShapedArray
    scalar_i, scalar_f = ShapedArray((), i32), ShapedArray((), f32)
    vector = ShapedArray((3,), f32)
    # count, total: add 1 to count while count * step < limit
    counting_cond = trace_closed(
        lambda limit, step, count: [lax.lt(lax.mul(lax.convert_element_type(count, f32), step),
                                           limit)], [scalar_f, scalar_f, scalar_i])
    counting_body = trace_closed(lambda count: [lax.add(count, np.int32(1))], [scalar_i])
    # Collatz steps of n: (n, steps)
    collatz_cond = trace_closed(lambda n, steps: [lax.gt(n, np.int32(1))], [scalar_i, scalar_i])
    collatz_body = trace_closed(
        lambda n, steps: [lax.select(lax.eq(lax.rem(n, np.int32(2)), np.int32(0)),
                                     lax.div(n, np.int32(2)),
                                     lax.add(lax.mul(n, np.int32(3)), np.int32(1))),
                          lax.add(steps, np.int32(1))], [scalar_i, scalar_i])
    # x <- x * c + 1 for i in [0, n)
    affine_cond = trace_closed(lambda n, i, x: [lax.lt(i, n)], [scalar_i, scalar_i, vector])
    affine_body = trace_closed(lambda c, i, x: [lax.add(i, np.int32(1)),
                                                lax.add(lax.mul(x, c), np.float32(1))],
                               [vector, scalar_i, vector])
    counting = dict(cond_jaxpr=counting_cond, body_jaxpr=counting_body, cond_nconsts=2,
                    body_nconsts=0)
    collatz = dict(cond_jaxpr=collatz_cond, body_jaxpr=collatz_body, cond_nconsts=0,
                   body_nconsts=0)
    affine = dict(cond_jaxpr=affine_cond, body_jaxpr=affine_body, cond_nconsts=1, body_nconsts=1)
    c = np.array([0.5, -1.0, 1.5], np.float32)
    x = np.array([1.0, 2.0, -0.5], np.float32)
    return [((np.int32(4), c, np.int32(0), x), affine),
            ((np.float32(7.5), np.float32(1.25), np.int32(0)), counting),
            ((np.int32(27), np.int32(0)), collatz),
            ((np.int32(6), np.int32(0)), collatz)]


while_p = Primitive(
    "while",
    abstract_eval=_while_abstract,
    lower=_while_lower,
    multiple_results=True,
    jvp=while_jvp,
    partial_eval=while_partial_eval,
    transpose=while_transpose,
    batch=while_batch,
    dce=while_dce,
    examples=_while_examples,
    differentiation_modes=("fwd",),
)


# ---------------------------------------------------------------- while_loop

def _stage_loop_functions(api, cond_fun, body_fun, init_leaves, init_tree, paths, owner, tag):
    """Stages cond and body on the carry; makes weakly typed init leaves strong where the
    body's output is strong (then stages again). Returns (init leaves, cond, cond consts,
    body, body consts)."""
    while True:
        avals = [get_aval(x) for x in init_leaves]
        in_tree = tree_flatten((tree_unflatten(init_tree, init_leaves),))[1]
        body, body_consts, out_tree = common.stage_function(body_fun, in_tree, avals,
                                                            owner=owner, tag=tag)
        promote = common.check_carry(api, init_tree, avals, out_tree, body.out_avals, paths)
        if not promote:
            break
        init_leaves = [common.strong(x, a) if i in promote else x
                       for i, (x, a) in enumerate(zip(init_leaves, avals))]
    cond, cond_consts, pred_tree = common.stage_function(cond_fun, in_tree, avals)
    pred = cond.out_avals
    if pred_tree.num_leaves != 1 or pred[0].shape != () or pred[0].dtype != np.bool_:
        shown = ", ".join(a.str_short(False) for a in pred)
        raise TypeError(f"{api}: cond_fun must return a boolean scalar, but got output type(s) "
                        f"[{shown}].")
    return init_leaves, cond, cond_consts, body, body_consts


def while_loop(cond_fun, body_fun, init_val):
    """`val = body_fun(val)` while `cond_fun(val)`; returns the final `val`.

    The carry must keep its pytree structure, shapes and dtypes. Reverse-mode
    differentiation is not supported (use `scan` or `fori_loop` with static bounds).

    >>> import numpy as np
    >>> from numax import lax
    >>> int(lax.while_loop(lambda i: i < 10, lambda i: i + 3, np.int32(0)))
    12
    """
    if not (callable(cond_fun) and callable(body_fun)):
        raise TypeError("lax.while_loop: cond_fun and body_fun arguments should be callable.")
    if config.jit_disabled:
        val = init_val
        while cond_fun(val):
            val = body_fun(val)
        return val
    init_leaves, init_tree = tree_flatten(init_val)
    paths = common.leaf_paths(init_val, "init_val")
    init_leaves, cond, cond_consts, body, body_consts = _stage_loop_functions(
        "while_loop", cond_fun, body_fun, init_leaves, init_tree, paths, body_fun, None)
    outs = while_p.bind(*cond_consts, *body_consts, *init_leaves, cond_jaxpr=cond,
                        body_jaxpr=body, cond_nconsts=len(cond_consts),
                        body_nconsts=len(body_consts))
    return tree_unflatten(init_tree, outs)


# ---------------------------------------------------------------- fori_loop

def _static_int(value):
    """`value` as a Python int if it is known now, else None."""
    if isinstance(value, Tracer):
        return None
    try:
        return operator.index(value) if not hasattr(value, "_buf") else int(value)
    except (TypeError, ConcretizationTypeError):
        return None


class _ForiBody:
    """fori_loop's body as a scan or while body; hashes like the user's function so the
    staged loop body is cached per user function."""

    __slots__ = ("body_fun",)

    def __init__(self, body_fun):
        self.body_fun = body_fun

    def scan_step(self, carry, _):
        i, x = carry
        from numax.lax.elementwise import add
        return (add(i, 1), self.body_fun(i, x)), None

    def while_step(self, carry):
        i, upper, x = carry
        from numax.lax.elementwise import add
        return add(i, 1), upper, self.body_fun(i, x)


def _fori_cond(carry):
    from numax.lax.elementwise import lt
    i, upper, _ = carry
    return lt(i, upper)


def fori_loop(lower, upper, body_fun, init_val, *, unroll=None):
    """`val = body_fun(i, val)` for i in range(lower, upper); returns the final `val`.

    With bounds known at trace time (Python ints, concrete arrays) the loop is a `scan`,
    so reverse-mode differentiation works; with traced bounds it is a `while_loop`.

    >>> from numax import lax
    >>> int(lax.fori_loop(0, 5, lambda i, total: total + i, 0))
    10
    """
    if not callable(body_fun):
        raise TypeError("lax.fori_loop: body_fun argument should be callable.")
    dtype = dtypes.result_type(lower, upper)
    if not dtypes.is_integer(dtype):
        raise TypeError(f"lax.fori_loop: lower and upper must be integers, got "
                        f"{get_aval(lower).dtype.name} and {get_aval(upper).dtype.name}")
    weak = all(get_aval(b).weak_type for b in (lower, upper))
    static_lower, static_upper = _static_int(lower), _static_int(upper)
    if config.jit_disabled and static_lower is not None and static_upper is not None:
        val = init_val
        for i in range(static_lower, static_upper):
            val = body_fun(_index_value(i, dtype, weak), val)
        return val
    body = _ForiBody(body_fun)
    if static_lower is not None and static_upper is not None:
        from numax.lax.control_flow.scan import scan_with_owner
        length = max(static_upper - static_lower, 0)
        start = _index_value(static_lower, dtype, weak)
        paths = ["lower"] + common.leaf_paths(init_val, "init_val")
        (_, result), _ = scan_with_owner(body.scan_step, (start, init_val), None, length, False,
                                         1 if unroll is None else unroll, body_fun, "fori_scan",
                                         "fori_loop", paths)
        return result
    if unroll is not None and unroll is not False and unroll != 1:
        raise ValueError("Can only use `unroll` in `fori_loop` if the loop bounds are "
                         "statically known.")
    from numax.lax.elementwise import convert_element_type
    lower = convert_element_type(lower, dtype, weak_type=weak)
    upper = convert_element_type(upper, dtype, weak_type=weak)
    init = (lower, upper, init_val)
    init_leaves, init_tree = tree_flatten(init)
    paths = common.leaf_paths(init_val, "init_val")
    paths = ["lower", "upper"] + paths
    init_leaves, cond, cond_consts, loop_body, body_consts = _stage_loop_functions(
        "fori_loop", _fori_cond, body.while_step, init_leaves, init_tree, paths, body_fun,
        "fori_while")
    outs = while_p.bind(*cond_consts, *body_consts, *init_leaves, cond_jaxpr=cond,
                        body_jaxpr=loop_body, cond_nconsts=len(cond_consts),
                        body_nconsts=len(body_consts))
    return tree_unflatten(init_tree, outs)[2]


def _index_value(i, dtype, weak):
    """The loop index: a Python int (weakly typed, as JAX's for Python-int bounds) or a
    scalar of the bounds' dtype."""
    return i if weak else np.asarray(i, dtype)


__all__ = ["while_loop", "fori_loop", "while_p"]
