"""`lax.scan` and `lax.map`, and the `scan` primitive.

`scan(*consts, *init, *xs, jaxpr, length, reverse, num_consts, num_carry, unroll)` runs
`carry, y = jaxpr(consts, carry, x)` for each slice `x` of the xs along their leading
axis (last to first if `reverse`) and returns the final carry and the stacked ys. It
lowers to one `stablehlo.while` whose state holds a step counter, the constants, the
carry, the xs and the ys being filled: each step reads its x with `dynamic_slice` and
writes its y with `dynamic_update_slice`. `unroll` steps run per loop trip.

Rules: the JVP is a scan carrying tangents next to the carry (which carry tangents are
nonzero is a fixed point). Partial evaluation splits the body once: a known scan runs now
and emits, stacked, only the residuals the unknown body needs; residuals that do not
change between iterations are computed once, outside the loop, and residuals that are
slices of a known xs reuse that xs. The unknown scan takes the residuals; its transpose is
a scan in the other direction over the transposed body, accumulating the constants'
cotangents in its carry. vmap batches the body, with a carry batched if the body makes it
so (again a fixed point).
"""

import operator

import numpy as np

from numax.core.abstract import ShapedArray
from numax.core.config import config
from numax.core.errors import NumaxTypeError
from numax.core.ir import dce_closed
from numax.core.primitive import Primitive
from numax.core.pytree import tree_flatten, tree_unflatten
from numax.core.trace import set_current_trace
from numax.lax.control_flow import common
from numax.lax.control_flow.common import (cached, evaluate, get_aval, is_forwarded_input,
                                           reorder, same_type, trace_closed)
from numax.lax.control_flow.loops import _carry_fixed_point
from numax.lowering import TOKEN_TYPE
from numax.lowering.builder import array_attribute
from numax.transforms.ad import UndefinedPrimal, Zero, backward_pass, instantiate, is_undefined
from numax.transforms.batching import move_axis, to_front

_I32 = ShapedArray((), np.dtype(np.int32))


def _split(values, num_consts, num_carry):
    return (list(values[:num_consts]), list(values[num_consts:num_consts + num_carry]),
            list(values[num_consts + num_carry:]))


def _stacked(aval, length):
    return aval.update(shape=(length,) + aval.shape)


def _unstacked(aval):
    return aval.update(shape=aval.shape[1:])


# ---------------------------------------------------------------- the primitive

def _scan_abstract(*avals, jaxpr, length, reverse, num_consts, num_carry, unroll):
    consts, carry, xs = _split(avals, num_consts, num_carry)
    for x in xs:
        if x.shape[:1] != (length,):
            raise NumaxTypeError(f"scan: every xs operand needs leading axis {length}, got "
                                 f"{x.str_short()}")
    expected = consts + carry + [_unstacked(x) for x in xs]
    if len(jaxpr.in_avals) != len(expected) or not all(
            same_type(a, b) for a, b in zip(jaxpr.in_avals, expected)):
        raise NumaxTypeError(
            f"scan: the body takes ({', '.join(a.str_short() for a in jaxpr.in_avals)}) but is "
            f"given ({', '.join(a.str_short() for a in expected)})")
    carry_out = jaxpr.out_avals[:num_carry]
    if not all(same_type(a, b) for a, b in zip(carry, carry_out)):
        raise NumaxTypeError(
            f"scan: the body turns carry ({', '.join(a.str_short() for a in carry)}) into "
            f"({', '.join(a.str_short() for a in carry_out)})")
    return list(carry) + [_stacked(y, length) for y in jaxpr.out_avals[num_carry:]]


def _scan_lower(ctx, *operands, jaxpr, length, reverse, num_consts, num_carry, unroll):
    consts, carry, xs = _split(operands, num_consts, num_carry)
    x_avals = ctx.avals_in[num_consts + num_carry:]
    y_avals = ctx.avals_out[num_carry:]
    ys = [ctx.constant(0, a.dtype, a.shape) for a in y_avals]
    if length == 0:
        return carry + ys

    def step(c, i, consts, carry, xs, ys):
        """One iteration at step number `i` (an i32 value) in the region of context `c`."""
        zero = c.constant(0, np.int32)
        index = i if not reverse else c.op(
            "stablehlo.subtract", [c.constant(length - 1, np.int32), i], _I32)
        slices = []
        for x, aval in zip(xs, x_avals):
            inner = aval.shape[1:]
            piece = c.op("stablehlo.dynamic_slice", [x, index] + [zero] * len(inner),
                         aval.update(shape=(1,) + inner),
                         {"slice_sizes": array_attribute((1,) + inner)})
            slices.append(c.op("stablehlo.reshape", [piece], _unstacked(aval)))
        outs = c.lower_jaxpr_inline(jaxpr, list(consts) + list(carry) + slices)
        new_ys = []
        for stack, y, aval in zip(ys, outs[num_carry:], y_avals):
            inner = aval.shape[1:]
            piece = c.op("stablehlo.reshape", [y], aval.update(shape=(1,) + inner))
            new_ys.append(c.op("stablehlo.dynamic_update_slice",
                               [stack, piece, index] + [zero] * len(inner), aval))
        return list(outs[:num_carry]), new_ys

    unroll = max(1, min(int(unroll), length))
    trips, remainder = divmod(length, unroll)
    if trips <= 1:  # short enough to write out every step
        for i in range(length):
            carry, ys = step(ctx, ctx.constant(i, np.int32), consts, carry, xs, ys)
        return carry + ys
    counts = [1, len(consts), len(carry), len(xs), len(ys)]
    types = [_I32] + list(ctx.avals_in) + list(y_avals)

    def unpack(state):
        bounds = np.cumsum([0] + counts)
        return [list(state[a:b]) for a, b in zip(bounds[:-1], bounds[1:])]

    # With effects (host callbacks) in the body, the effect token is the first loop state
    # entry, so they keep program order across iterations and with the enclosing code.
    effects = ctx.has_effects(jaxpr)
    if effects:
        types = [TOKEN_TYPE] + types

    def cond_region(c, *state):
        state = state[1:] if effects else state
        bound = c.constant(trips * unroll, np.int32)
        return [c.op("stablehlo.compare", [state[0], bound], ShapedArray((), np.bool_),
                     {"comparison_direction": "#stablehlo<comparison_direction LT>",
                      "compare_type": "#stablehlo<comparison_type SIGNED>"})]

    def body_region(c, *state):
        if effects:
            c.set_effect_token(state[0])
            state = state[1:]
        (i,), loop_consts, loop_carry, loop_xs, loop_ys = unpack(state)
        for j in range(unroll):
            at = i if j == 0 else c.op("stablehlo.add", [i, c.constant(j, np.int32)], _I32)
            loop_carry, loop_ys = step(c, at, loop_consts, loop_carry, loop_xs, loop_ys)
        following = c.op("stablehlo.add", [i, c.constant(unroll, np.int32)], _I32)
        token = [c.effect_token()] if effects else []
        return token + [following] + loop_consts + loop_carry + loop_xs + loop_ys

    state = [ctx.constant(0, np.int32)] + consts + carry + xs + ys
    if effects:
        state = [ctx.effect_token()] + state
    outs = ctx.ops("stablehlo.while", state, types,
                   regions=[ctx.region(types, cond_region), ctx.region(types, body_region)])
    if effects:
        ctx.set_effect_token(outs[0])
        outs = outs[1:]
    _, _, carry, _, ys = unpack(outs)
    for j in range(remainder):
        carry, ys = step(ctx, ctx.constant(trips * unroll + j, np.int32), consts, carry, xs, ys)
    return carry + ys


def scan_jvp(primals, tangents, *, jaxpr, length, reverse, num_consts, num_carry, unroll):
    consts, init, xs = _split(primals, num_consts, num_carry)
    const_t, init_t, xs_t = _split(tangents, num_consts, num_carry)
    num_ys = len(jaxpr.out_avals) - num_carry
    const_nz = tuple(common.differentiable_nonzeros(consts, const_t))
    xs_nz = tuple(common.differentiable_nonzeros(xs, xs_t))
    differentiable = [common.is_differentiable_dtype(get_aval(x).dtype) for x in init]

    def carry_out_nonzeros(carry_nz):
        nz = common.jvp_jaxpr(jaxpr, const_nz + carry_nz + xs_nz, carry_nz + (False,) * num_ys)[1]
        return tuple(a and d for a, d in zip(nz[:num_carry], differentiable))

    carry_nz = _carry_fixed_point(carry_out_nonzeros,
                                  common.differentiable_nonzeros(init, init_t))
    params = dict(length=length, reverse=reverse, unroll=unroll)

    def compute():
        body, out_nz = common.jvp_jaxpr(jaxpr, const_nz + carry_nz + xs_nz,
                                        carry_nz + (False,) * num_ys)
        nc, ncar, nx = num_consts, num_carry, len(xs)
        nct, ncart, nxt = sum(const_nz), sum(carry_nz), sum(xs_nz)
        base = nc + ncar + nx
        # jvp inputs (consts, carry, xs, const_t, carry_t, xs_t) -> the scan's order
        # (consts, const_t, carry, carry_t, xs, xs_t); outputs likewise.
        in_order = (list(range(nc)) + list(range(base, base + nct))
                    + list(range(nc, nc + ncar)) + list(range(base + nct, base + nct + ncart))
                    + list(range(nc + ncar, base)) + list(range(base + nct + ncart,
                                                                base + nct + ncart + nxt)))
        ys_nz = out_nz[num_carry:]
        nyt = sum(ys_nz)
        outs = ncar + num_ys
        out_order = (list(range(ncar)) + list(range(outs, outs + ncart))
                     + list(range(ncar, outs)) + list(range(outs + ncart, outs + ncart + nyt)))
        return reorder(body, in_order, out_order), ys_nz

    body, ys_nz = cached(jaxpr, ("scan_jvp", const_nz, carry_nz, xs_nz), compute)
    if not (any(carry_nz) or any(ys_nz)):
        outs = scan_p.bind(*primals, jaxpr=jaxpr, num_consts=num_consts, num_carry=num_carry,
                           **params)
        return outs, [Zero(get_aval(o).strip_weak_type()) for o in outs]
    present = lambda values, flags: [v for v, f in zip(values, flags) if f]  # noqa: E731
    carry_tangents = [instantiate(t) for t, nz in zip(init_t, carry_nz) if nz]
    outs = scan_p.bind(*consts, *present(const_t, const_nz), *init, *carry_tangents,
                       *xs, *present(xs_t, xs_nz), jaxpr=body,
                       num_consts=num_consts + sum(const_nz),
                       num_carry=num_carry + sum(carry_nz), **params)
    ncart = sum(carry_nz)
    carry_out, carry_t_out = outs[:num_carry], iter(outs[num_carry:num_carry + ncart])
    ys = outs[num_carry + ncart:num_carry + ncart + num_ys]
    ys_t = iter(outs[num_carry + ncart + num_ys:])
    out_tangents = [next(carry_t_out) if nz else Zero(get_aval(o).strip_weak_type())
                    for o, nz in zip(carry_out, carry_nz)]
    out_tangents += [next(ys_t) if nz else Zero(get_aval(o).strip_weak_type())
                     for o, nz in zip(ys, ys_nz)]
    return list(carry_out) + list(ys), out_tangents


class _ScanSplit:
    """How a scan with some unknown operands splits into a known and an unknown scan."""

    __slots__ = ("carry_uk", "out_uk", "invariant", "known_body", "num_res2",
                 "num_invariant", "variant_sources", "unknown_body")


def _scan_split(jaxpr, num_consts, num_carry, unknowns):
    const_uk, init_uk, xs_uk = _split(unknowns, num_consts, num_carry)
    const_uk, xs_uk = tuple(const_uk), tuple(xs_uk)
    num_ys = len(jaxpr.out_avals) - num_carry
    carry_uk = _carry_fixed_point(
        lambda uk: tuple(common.partial_eval(jaxpr, const_uk + uk + xs_uk,
                                             uk + (False,) * num_ys)[2][:num_carry]),
        init_uk)

    def compute():
        split = _ScanSplit()
        known, unknown, out_uk, num_res = common.partial_eval(
            jaxpr, const_uk + carry_uk + xs_uk, carry_uk + (False,) * num_ys)
        split.carry_uk, split.out_uk = carry_uk, tuple(out_uk)
        num_known_consts = const_uk.count(False)
        num_known_out = len(out_uk) - sum(out_uk)
        # Loop-invariant residuals (functions of the known constants alone) are computed
        # once, before the loop: split the known body again with only its constants known.
        invariant, loop_body, inv_uk, num_res2 = common.partial_eval(
            known, (False,) * num_known_consts
            + (True,) * (len(known.in_avals) - num_known_consts),
            (True,) * num_known_out + (False,) * num_res)
        residual_varies = inv_uk[num_known_out:]
        split.invariant, split.num_res2 = invariant, num_res2
        split.num_invariant = residual_varies.count(False)
        # Residuals that are a known x slice unchanged reuse that xs instead of a new stack.
        num_known_carry = carry_uk.count(False)
        xs_start = num_res2 + num_known_carry
        known_xs = [i for i, u in enumerate(xs_uk) if not u]
        sources, stacked_outputs = [], []
        outputs_so_far = num_known_out
        for r, varies in enumerate(residual_varies):
            if not varies:
                continue
            out_index = outputs_so_far
            outputs_so_far += 1
            source = next((k for k in range(len(known_xs))
                           if is_forwarded_input(loop_body, out_index, xs_start + k)), None)
            if source is None:
                sources.append(("stacked", len(stacked_outputs)))
                stacked_outputs.append(out_index)
            else:
                sources.append(("xs", source))
        split.variant_sources = tuple(sources)
        split.known_body = common.select_outputs(
            loop_body, list(range(num_known_out)) + stacked_outputs)
        # The unknown body takes (residuals, unknown consts, unknown carry, unknown xs);
        # as a scan body its residuals go first (invariant ones, as constants) and after
        # the carry (loop-varying ones, as xs).
        invariant_positions = [r for r, v in enumerate(residual_varies) if not v]
        variant_positions = [r for r, v in enumerate(residual_varies) if v]
        num_uk_consts, num_uk_carry = sum(const_uk), sum(carry_uk)
        rest = num_res
        order = (invariant_positions
                 + list(range(rest, rest + num_uk_consts + num_uk_carry))
                 + variant_positions
                 + list(range(rest + num_uk_consts + num_uk_carry, len(unknown.in_avals))))
        split.unknown_body = reorder(unknown, order)
        return split

    return cached(jaxpr, ("scan_split", num_consts, num_carry, tuple(unknowns)), compute)


def scan_partial_eval(trace, args, params):
    """A known scan now (emitting stacked residuals) and a staged scan for the unknowns."""
    jaxpr, num_consts, num_carry = params["jaxpr"], params["num_consts"], params["num_carry"]
    unknowns = [trace.is_unknown(x) for x in args]
    if all(unknowns):
        return trace.stage(scan_p, args, params)
    split = _scan_split(jaxpr, num_consts, num_carry, unknowns)
    const_uk, _, xs_uk = _split(unknowns, num_consts, num_carry)
    consts, init, xs = _split(args, num_consts, num_carry)
    carry_uk = split.carry_uk
    loop = dict(length=params["length"], reverse=params["reverse"], unroll=params["unroll"])
    known_consts = [x for x, u in zip(consts, const_uk) if not u]
    known_xs = [x for x, u in zip(xs, xs_uk) if not u]
    with set_current_trace(trace.parent):
        before = evaluate(split.invariant, *known_consts)
        invariant_res = before[:split.num_invariant]
        res2 = before[split.num_invariant:]
        known_outs = scan_p.bind(*res2, *[x for x, u in zip(init, carry_uk) if not u],
                                 *known_xs, jaxpr=split.known_body, num_consts=len(res2),
                                 num_carry=carry_uk.count(False), **loop)
    num_known_out = len(split.out_uk) - sum(split.out_uk)
    stacked = known_outs[num_known_out:]
    variant_res = [stacked[i] if kind == "stacked" else known_xs[i]
                   for kind, i in split.variant_sources]
    out_uk = split.out_uk
    unknown_outs = []
    if any(out_uk):
        unknown_args = (list(invariant_res) + [x for x, u in zip(consts, const_uk) if u]
                        + [x for x, u in zip(init, carry_uk) if u]
                        + variant_res + [x for x, u in zip(xs, xs_uk) if u])
        unknown_outs = trace.stage(scan_p, unknown_args, dict(
            jaxpr=split.unknown_body, num_consts=len(invariant_res) + sum(const_uk),
            num_carry=sum(carry_uk), **loop))
    known_iter, unknown_iter = iter(known_outs[:num_known_out]), iter(unknown_outs)
    return [next(unknown_iter) if u else next(known_iter) for u in out_uk]


def scan_transpose(cts, *args, jaxpr, length, reverse, num_consts, num_carry, unroll):
    """A scan in the opposite direction over the transposed body. Every carry is treated as
    linear (a non-linear carry of a linear scan is a materialised zero tangent)."""
    consts, init, xs = _split(args, num_consts, num_carry)
    const_lin = tuple(is_undefined(c) for c in consts)
    xs_lin = tuple(is_undefined(x) for x in xs)
    ct_carry, ct_ys = list(cts[:num_carry]), list(cts[num_carry:])
    ys_nz = tuple(type(ct) is not Zero for ct in ct_ys)
    if all(type(ct) is Zero for ct in cts):
        return ([Zero(c.aval) if lin else None for c, lin in zip(consts, const_lin)]
                + [Zero(get_aval(x)) if is_undefined(x) else None for x in init]
                + [Zero(x.aval) if lin else None for x, lin in zip(xs, xs_lin)])
    in_avals = jaxpr.in_avals
    const_avals, carry_avals, x_avals = _split(in_avals, num_consts, num_carry)
    y_avals = jaxpr.out_avals[num_carry:]
    residual_const_avals = [get_aval(c) for c, lin in zip(consts, const_lin) if not lin]
    residual_x_avals = [_unstacked(get_aval(x)) for x, lin in zip(xs, xs_lin) if not lin]

    def compute():
        lin_const_avals = [a.strip_weak_type() for a, lin in zip(const_avals, const_lin) if lin]
        carry_ct_avals = [a.strip_weak_type() for a in carry_avals]
        y_ct_avals = [a.strip_weak_type() for a, nz in zip(y_avals, ys_nz) if nz]
        counts = [len(residual_const_avals), len(lin_const_avals), len(carry_ct_avals),
                  len(residual_x_avals), len(y_ct_avals)]

        def body(*values):
            bounds = np.cumsum([0] + counts)
            res_c, acc, ct_c, res_x, ct_y = [list(values[a:b])
                                             for a, b in zip(bounds[:-1], bounds[1:])]
            res_c_iter, res_x_iter, ct_y_iter = iter(res_c), iter(res_x), iter(ct_y)
            inputs = ([UndefinedPrimal(a) if lin else next(res_c_iter)
                       for a, lin in zip(const_avals, const_lin)]
                      + [UndefinedPrimal(a) for a in carry_avals]
                      + [UndefinedPrimal(a) if lin else next(res_x_iter)
                         for a, lin in zip(x_avals, xs_lin)])
            cts_out = ct_c + [next(ct_y_iter) if nz else Zero(a.strip_weak_type())
                              for a, nz in zip(y_avals, ys_nz)]
            cts_in = backward_pass(jaxpr, cts_out, inputs)
            ct_consts, ct_carry_in, ct_xs = _split(cts_in, num_consts, num_carry)
            from numax.transforms.ad import add_tangents
            lin_ct_consts = [ct for ct, lin in zip(ct_consts, const_lin) if lin]
            new_acc = [common.materialize(add_tangents(a, ct), aval)
                       for a, ct, aval in zip(acc, lin_ct_consts, lin_const_avals)]
            new_carry = [common.materialize(ct, aval)
                         for ct, aval in zip(ct_carry_in, carry_ct_avals)]
            new_xs = [common.materialize(ct, aval.strip_weak_type())
                      for ct, aval, lin in zip(ct_xs, x_avals, xs_lin) if lin]
            return new_acc + new_carry + new_xs

        avals = (residual_const_avals + lin_const_avals + carry_ct_avals + residual_x_avals
                 + y_ct_avals)
        return trace_closed(body, avals), len(lin_const_avals)

    key = ("scan_transpose", const_lin, xs_lin, ys_nz, tuple(residual_const_avals),
           tuple(residual_x_avals))
    body, num_lin_consts = cached(jaxpr, key, compute)
    lin_const_avals = [a.strip_weak_type() for a, lin in zip(const_avals, const_lin) if lin]
    accumulators = [common.zeros(a) for a in lin_const_avals]
    carry_cts = [common.materialize(ct, a.strip_weak_type()) for ct, a in zip(ct_carry, carry_avals)]
    outs = scan_p.bind(*[c for c, lin in zip(consts, const_lin) if not lin], *accumulators,
                       *carry_cts, *[x for x, lin in zip(xs, xs_lin) if not lin],
                       *[ct for ct, nz in zip(ct_ys, ys_nz) if nz],
                       jaxpr=body, length=length, reverse=not reverse,
                       num_consts=len(residual_const_avals),
                       num_carry=num_lin_consts + num_carry, unroll=unroll)
    const_cts, carry_out = iter(outs[:num_lin_consts]), outs[num_lin_consts:num_lin_consts + num_carry]
    xs_cts = iter(outs[num_lin_consts + num_carry:])
    return ([next(const_cts) if lin else None for lin in const_lin] + list(carry_out)
            + [next(xs_cts) if lin else None for lin in xs_lin])


def scan_batch(args, dims, *, jaxpr, length, reverse, num_consts, num_carry, unroll, axis_data):
    size, axis_name = axis_data.axis_size, axis_data.axis_name
    consts, init, xs = _split(args, num_consts, num_carry)
    const_d, init_d, xs_d = _split(dims, num_consts, num_carry)
    const_b = tuple(d is not None for d in const_d)
    xs_b = tuple(d is not None for d in xs_d)
    num_ys = len(jaxpr.out_avals) - num_carry
    carry_b = _carry_fixed_point(
        lambda b: common.batch_jaxpr(jaxpr, size, const_b + b + xs_b, b + (False,) * num_ys,
                                     axis_name)[1][:num_carry],
        tuple(d is not None for d in init_d))
    body, out_b = common.batch_jaxpr(jaxpr, size, const_b + carry_b + xs_b,
                                     carry_b + (False,) * num_ys, axis_name)
    consts = [move_axis(c, d, 0) if d is not None else c for c, d in zip(consts, const_d)]
    init = [to_front(x, d, size) if b else x for x, d, b in zip(init, init_d, carry_b)]
    xs = [move_axis(x, d, 1) if d is not None else x for x, d in zip(xs, xs_d)]
    outs = scan_p.bind(*consts, *init, *xs, jaxpr=body, length=length, reverse=reverse,
                       num_consts=num_consts, num_carry=num_carry, unroll=unroll)
    return outs, [0 if b else None for b in carry_b] + [1 if b else None
                                                        for b in out_b[num_carry:]]


scan_batch.wants_axis = True


def scan_dce(used_outputs, *, jaxpr, length, reverse, num_consts, num_carry, unroll):
    """Drops unused ys, and every carry that no used output reads, through any number of
    iterations (a fixed point: a kept carry's output keeps the carries it reads), then
    the constants and xs the narrowed body does not read. A kept carry stays an output."""
    used_ys = tuple(used_outputs[num_carry:])
    num_xs = len(jaxpr.in_avals) - num_consts - num_carry

    def carries_read(used_carry):
        reads = dce_closed(jaxpr, used_carry + used_ys)[1]
        return tuple(reads[num_consts:num_consts + num_carry])

    used_carry = _carry_fixed_point(carries_read, used_outputs[:num_carry])
    body, reads = dce_closed(jaxpr, used_carry + used_ys,
                             (False,) * num_consts + used_carry + (False,) * num_xs)
    consts_read, _, xs_read = _split(reads, num_consts, num_carry)
    params = dict(jaxpr=body, length=length, reverse=reverse, num_consts=sum(consts_read),
                  num_carry=sum(used_carry), unroll=unroll)
    return consts_read + list(used_carry) + xs_read, params, used_carry + used_ys


def _scan_examples():
    from numax import lax
    f32 = np.dtype(np.float32)
    vector, scalar = ShapedArray((3,), f32), ShapedArray((), f32)
    # carry c (3,), x (3,): c <- sin(c) * w + x ; y = c * x
    body = trace_closed(lambda w, c, x: [lax.add(lax.mul(lax.sin(c), w), x),
                                         lax.mul(c, x)], [vector, vector, vector])
    # cumulative sum of a (4, 3) stack, carry scalar product too
    cumulative = trace_closed(lambda total, product, x: [lax.add(total, x), lax.mul(product, x),
                                                         lax.add(total, x)],
                              [vector, vector, vector])
    # no xs: a carried pair, y = the carry's norm-ish
    rotate = trace_closed(lambda a, b: [lax.sub(a, lax.mul(b, np.float32(0.1))),
                                        lax.add(b, lax.mul(a, np.float32(0.1))),
                                        lax.add(lax.mul(a, a), lax.mul(b, b))], [scalar, scalar])
    rng = np.random.default_rng(0)
    w = rng.uniform(0.5, 1.5, 3).astype(np.float32)
    c = rng.uniform(-1, 1, 3).astype(np.float32)
    xs = rng.uniform(-1, 1, (4, 3)).astype(np.float32)
    loop = dict(reverse=False, unroll=1)
    return [((w, c, xs), dict(jaxpr=body, length=4, num_consts=1, num_carry=1, **loop)),
            ((c, np.ones(3, np.float32), xs), dict(jaxpr=cumulative, length=4, num_consts=0,
                                                   num_carry=2, reverse=True, unroll=3)),
            ((np.float32(1.0), np.float32(0.5)), dict(jaxpr=rotate, length=5, num_consts=0,
                                                      num_carry=2, reverse=False, unroll=2)),
            ((w, c, xs), dict(jaxpr=body, length=4, num_consts=1, num_carry=1, reverse=True,
                              unroll=4))]


scan_p = Primitive(
    "scan",
    abstract_eval=_scan_abstract,
    lower=_scan_lower,
    multiple_results=True,
    jvp=scan_jvp,
    partial_eval=scan_partial_eval,
    transpose=scan_transpose,
    batch=scan_batch,
    dce=scan_dce,
    examples=_scan_examples,
)


# ---------------------------------------------------------------- scan

def _scan_length(xs_leaves, length):
    lengths = set()
    for x in xs_leaves:
        shape = np.shape(x)
        if not shape:
            raise ValueError(f"scan got value with no leading axis to scan over: "
                             f"{get_aval(x).str_short(False)}")
        lengths.add(shape[0])
    if length is not None:
        try:
            length = operator.index(length)
        except TypeError:
            raise TypeError(f"lax.scan: length must be a Python int, got {length!r}") from None
        if lengths and lengths != {length}:
            raise ValueError(f"scan got `length` argument of {length} which disagrees with "
                             f"leading axis sizes {sorted(lengths)}.")
        return length
    if not lengths:
        raise ValueError("scan got no values to scan over and `length` not provided.")
    if len(lengths) > 1:
        raise ValueError(f"scan got values with different leading axis sizes: "
                         f"{', '.join(str(n) for n in sorted(lengths))}.")
    return lengths.pop()


def _unroll_count(unroll, length):
    if unroll is True:
        return max(length, 1)
    if unroll is False or unroll is None:
        return 1
    unroll = operator.index(unroll)
    if unroll < 0:
        raise ValueError(f"lax.scan: unroll must be a positive int or a bool, got {unroll}")
    return max(unroll, 1)


def _scan_output(out):
    if not (isinstance(out, (tuple, list)) and len(out) == 2):
        raise TypeError(f"scan body output must be a pair (carry, y), got "
                        f"{type(out).__name__}" + (f" of length {len(out)}"
                                                   if isinstance(out, (tuple, list)) else ""))
    carry_leaves, carry_tree = tree_flatten(out[0])
    y_leaves, y_tree = tree_flatten(out[1])
    return carry_leaves + y_leaves, (carry_tree, y_tree)


def _python_scan(f, init, xs, length, reverse):
    """scan with jit disabled: a Python loop (as JAX does), stacking the ys at the end."""
    from numax.lax.structural import concatenate, expand_dims, index_in_dim
    xs_leaves, xs_tree = tree_flatten(xs)
    carry, ys = init, []
    for i in (reversed(range(length)) if reverse else range(length)):
        x = tree_unflatten(xs_tree, [index_in_dim(v, i, keepdims=False) for v in xs_leaves])
        carry, y = f(carry, x)
        ys.append(y)
    if reverse:
        ys.reverse()
    if not ys:
        raise ValueError("scan with jit disabled needs a length of at least 1")
    y_leaves = [tree_flatten(y)[0] for y in ys]
    stacked = [concatenate([expand_dims(np.asarray(v) if not hasattr(v, "shape") else v, (0,))
                            for v in column], 0) for column in zip(*y_leaves)]
    return carry, tree_unflatten(tree_flatten(ys[0])[1], stacked)


def scan_with_owner(f, init, xs, length, reverse, unroll, owner, tag, api, carry_paths=None):
    """`scan`, with the staged body cached on `owner` (the user function that `f` wraps)."""
    xs_leaves, xs_tree = tree_flatten(xs)
    length = _scan_length(xs_leaves, length)
    unroll = _unroll_count(unroll, length)
    init_leaves, init_tree = tree_flatten(init)
    paths = carry_paths or common.leaf_paths(init, "init")
    x_avals = [_unstacked(get_aval(x)) for x in xs_leaves]
    while True:
        carry_avals = [get_aval(x) for x in init_leaves]
        in_tree = tree_flatten((tree_unflatten(init_tree, init_leaves),
                                tree_unflatten(xs_tree, x_avals)))[1]
        closed, consts, (carry_tree, y_tree) = common.stage_function(
            f, in_tree, carry_avals + x_avals, owner=owner, tag=tag, split_output=_scan_output)
        num_carry = len(init_leaves)
        promote = common.check_carry(api, init_tree, carry_avals, carry_tree,
                                     closed.out_avals[:carry_tree.num_leaves], paths)
        if not promote:
            break
        init_leaves = [common.strong(x, a) if i in promote else x
                       for i, (x, a) in enumerate(zip(init_leaves, carry_avals))]
    outs = scan_p.bind(*consts, *init_leaves, *xs_leaves, jaxpr=closed, length=length,
                       reverse=bool(reverse), num_consts=len(consts), num_carry=num_carry,
                       unroll=unroll)
    return tree_unflatten(init_tree, outs[:num_carry]), tree_unflatten(y_tree, outs[num_carry:])


def scan(f, init, xs=None, length=None, reverse=False, unroll=1, _split_transpose=False):
    """Loops `carry, y = f(carry, x)` over the leading axis of `xs`; returns the final carry
    and the ys stacked along a new leading axis.

    `xs` may be None (then `length` gives the trip count); `f` must return a carry of the
    same pytree structure, shapes and dtypes as `init`. `reverse` scans from the end
    (the ys still line up with the xs); `unroll` runs that many steps per loop trip.

    >>> import numpy as np
    >>> from numax import lax
    >>> total, running = lax.scan(lambda c, x: (c + x, c + x), np.float32(0), np.arange(4.0))
    >>> np.asarray(running).tolist()
    [0.0, 1.0, 3.0, 6.0]
    """
    if not callable(f):
        raise TypeError("lax.scan: f argument should be a callable.")
    if config.jit_disabled:
        xs_leaves, _ = tree_flatten(xs)
        return _python_scan(f, init, xs, _scan_length(xs_leaves, length), reverse)
    return scan_with_owner(f, init, xs, length, reverse, unroll, f, None, "scan")


class _MapBody:
    """lax.map's scan body (one per call; the staged body is cached on the user's f)."""

    __slots__ = ("f",)

    def __init__(self, f):
        self.f = f

    def step(self, carry, x):
        return carry, self.f(x)

    def batched_step(self, carry, x):
        from numax.mapping import vmap
        return carry, vmap(self.f)(x)


def map(f, xs, batch_size=None):  # noqa: A001  (JAX's name)
    """`f` applied to each slice of `xs` along its leading axis, stacked: like
    `numax.vmap(f)(xs)`, but one slice at a time (or `batch_size` slices at a time, vmapped).

    >>> import numpy as np
    >>> from numax import lax
    >>> np.asarray(lax.map(lambda x: x * x, np.arange(4.0))).tolist()
    [0.0, 1.0, 4.0, 9.0]
    """
    if not callable(f):
        raise TypeError("lax.map: f argument should be a callable.")
    body = _MapBody(f)
    if batch_size is None:
        _, ys = scan_with_owner(body.step, (), xs, None, False, 1, f, "map", "map")
        return ys
    from numax.lax.structural import concatenate, reshape, slice_in_dim
    from numax.mapping import vmap
    batch_size = operator.index(batch_size)
    if batch_size < 1:
        raise ValueError(f"lax.map: batch_size must be a positive int, got {batch_size}")
    leaves, tree = tree_flatten(xs)
    length = _scan_length(leaves, None)
    batches, remainder = divmod(length, batch_size)
    main = [reshape(slice_in_dim(x, 0, batches * batch_size, axis=0),
                    (batches, batch_size) + np.shape(x)[1:]) for x in leaves]
    results = []
    if batches:
        _, ys = scan_with_owner(body.batched_step, (), tree_unflatten(tree, main), None, False, 1,
                                f, "map_batched", "map")
        y_leaves, y_tree = tree_flatten(ys)
        results.append([reshape(y, (batches * batch_size,) + np.shape(y)[2:]) for y in y_leaves])
    if remainder:
        rest = vmap(f)(tree_unflatten(tree, [slice_in_dim(x, batches * batch_size, length, axis=0)
                                             for x in leaves]))
        rest_leaves, y_tree = tree_flatten(rest)
        results.append(rest_leaves)
    if len(results) == 1:
        return tree_unflatten(y_tree, results[0])
    return tree_unflatten(y_tree, [concatenate(list(column), 0) for column in zip(*results)])


__all__ = ["scan", "map", "scan_p"]
