"""`lax.cond` and `lax.switch`, and the `cond` primitive they bind.

`cond(index, *operands, branches)` runs `branches[index]` on the operands; every branch
is a ClosedJaxpr with the same input and output types. Branch functions are staged
into sub-programs; the values they close over become leading operands shared by all
branches. The index is an int32 scalar which the wrappers clamp into range (the
primitive, like `stablehlo.case`, runs the last branch for an out-of-range index).

Rules: the JVP is a cond of the branches' JVPs; partial evaluation splits every branch
with the same unknown inputs into a known cond, which also returns the residuals any
branch needs (each residual slot zero-filled by the branches that do not produce it),
and a staged unknown cond that consumes them; the transpose is a cond of the transposed
branches. Under vmap an unbatched index keeps the cond; a batched index computes every
branch and selects per output element, as JAX does.
"""

import numpy as np

from numax.core import dtypes
from numax.core.abstract import ShapedArray
from numax.core.config import config
from numax.core.errors import NumaxTypeError
from numax.core.ir import dce_closed
from numax.core.primitive import Primitive
from numax.core.pytree import tree_flatten, tree_unflatten
from numax.core.trace import Tracer, set_current_trace
from numax.lax.control_flow import common
from numax.lax.control_flow.common import cached, evaluate, get_aval, same_type, trace_closed
from numax.lowering import TOKEN_TYPE
from numax.transforms.ad import UndefinedPrimal, Zero, backward_pass, is_undefined
from numax.transforms.batching import move_axis, to_front


# ---------------------------------------------------------------- the primitive

def _cond_abstract(index, *operands, branches):
    if not branches:
        raise NumaxTypeError("cond needs at least one branch")
    if index.shape != () or index.dtype != np.int32:
        raise NumaxTypeError(f"cond: the branch index must be an int32 scalar, got "
                             f"{index.str_short(False)}")
    out_avals = branches[0].out_avals
    for i, branch in enumerate(branches):
        in_avals = branch.in_avals
        if len(in_avals) != len(operands) or not all(map(same_type, in_avals, operands)):
            raise NumaxTypeError(
                f"cond: branch {i} takes ({', '.join(a.str_short() for a in in_avals)}) but "
                f"the operands are ({', '.join(a.str_short() for a in operands)})")
        if len(branch.out_avals) != len(out_avals) or \
                not all(map(same_type, branch.out_avals, out_avals)):
            raise NumaxTypeError(
                f"cond: branch {i} returns ({', '.join(a.str_short() for a in branch.out_avals)})"
                f" but branch 0 returns ({', '.join(a.str_short() for a in out_avals)})")
    return [aval.update(weak_type=all(b.out_avals[k].weak_type for b in branches))
            for k, aval in enumerate(out_avals)]


def _cond_lower(ctx, index, *operands, branches):
    if len(branches) == 1:
        return ctx.lower_jaxpr_inline(branches[0], operands)
    if ctx.has_effects(*branches):
        return _cond_lower_with_effects(ctx, index, operands, branches)
    regions = [ctx.region([], lambda region_ctx, branch=branch:
                          region_ctx.lower_jaxpr_inline(branch, operands))
               for branch in branches]
    # The regions read the operands from the enclosing scope (stablehlo.case allows it).
    return ctx.ops("stablehlo.case", [index], ctx.avals_out, regions=regions)


def _cond_lower_with_effects(ctx, index, operands, branches):
    """Branches with effects (host callbacks) continue the effect token of the enclosing
    code and return it, so their effects keep program order."""
    token = ctx.effect_token()

    def branch_region(region_ctx, branch):
        region_ctx.set_effect_token(token)  # read from the enclosing scope, like the operands
        outs = region_ctx.lower_jaxpr_inline(branch, operands)
        return [region_ctx.effect_token()] + list(outs)

    regions = [ctx.region([], lambda region_ctx, branch=branch: branch_region(region_ctx, branch))
               for branch in branches]
    outs = ctx.ops("stablehlo.case", [index], [TOKEN_TYPE] + list(ctx.avals_out),
                   regions=regions)
    ctx.set_effect_token(outs[0])
    return outs[1:]


def cond_jvp(primals, tangents, *, branches):
    index, operands = primals[0], primals[1:]
    operand_tangents = tangents[1:]
    nonzeros = tuple(common.differentiable_nonzeros(operands, operand_tangents))
    count = len(branches[0].out_avals)
    out_nonzeros = [False] * count
    for branch in branches:
        _, branch_nonzeros = common.jvp_jaxpr(branch, nonzeros, (False,) * count)
        out_nonzeros = [a or b for a, b in zip(out_nonzeros, branch_nonzeros)]
    jvp_branches = tuple(common.jvp_jaxpr(branch, nonzeros, out_nonzeros)[0]
                         for branch in branches)
    present = [t for t, nz in zip(operand_tangents, nonzeros) if nz]
    outs = cond_p.bind(index, *operands, *present, branches=jvp_branches)
    tangent_iter = iter(outs[count:])
    out_tangents = [next(tangent_iter) if nz else Zero(a.strip_weak_type())
                    for a, nz in zip(branches[0].out_avals, out_nonzeros)]
    return outs[:count], out_tangents


def _residual_slots(residual_avals):
    """Shares residual slots between branches by type: (slot avals, per branch the slot of
    each of its residuals)."""
    slot_avals, assignment = [], []
    for avals in residual_avals:
        used, mine = set(), []
        for aval in avals:
            aval = aval.strip_weak_type()
            slot = next((k for k, s in enumerate(slot_avals) if s == aval and k not in used), None)
            if slot is None:
                slot = len(slot_avals)
                slot_avals.append(aval)
            used.add(slot)
            mine.append(slot)
        assignment.append(mine)
    return slot_avals, assignment


def _cond_split(branches, unknowns):
    """Known and unknown branches of a cond with these unknown operands (cached)."""
    def compute():
        count = len(branches[0].out_avals)
        splits = [common.partial_eval(b, unknowns) for b in branches]
        out_unknowns = [any(s[2][k] for s in splits) for k in range(count)]
        if any(list(s[2]) != out_unknowns for s in splits):
            splits = [common.partial_eval(b, unknowns, out_unknowns) for b in branches]
        num_known_out = count - sum(out_unknowns)
        slot_avals, assignment = _residual_slots(
            [known.out_avals[num_known_out:] for known, _, _, _ in splits])
        operand_avals = branches[0].in_avals
        known_avals = [a for a, u in zip(operand_avals, unknowns) if not u]
        unknown_avals = [a for a, u in zip(operand_avals, unknowns) if u]

        def known_branch(known, slots_of):
            def run(*args):
                outs = evaluate(known, *args)
                filled = [None] * len(slot_avals)
                for slot, value in zip(slots_of, outs[num_known_out:]):
                    filled[slot] = value
                return list(outs[:num_known_out]) + [
                    common.zeros(a) if v is None else v for v, a in zip(filled, slot_avals)]
            return trace_closed(run, known_avals)

        def unknown_branch(unknown, slots_of):
            def run(*args):
                slots, rest = args[:len(slot_avals)], args[len(slot_avals):]
                return evaluate(unknown, *[slots[k] for k in slots_of], *rest)
            return trace_closed(run, list(slot_avals) + unknown_avals)

        known_branches = tuple(known_branch(s[0], a) for s, a in zip(splits, assignment))
        unknown_branches = tuple(unknown_branch(s[1], a) for s, a in zip(splits, assignment))
        return known_branches, unknown_branches, tuple(out_unknowns), num_known_out

    return cached(branches[0], ("split", branches, unknowns), compute)


def cond_partial_eval(trace, args, params):
    """Known branches run now (returning residuals); the unknown branches are staged."""
    branches = params["branches"]
    index, operands = args[0], args[1:]
    if trace.is_unknown(index):
        return trace.stage(cond_p, args, params)
    unknowns = tuple(trace.is_unknown(x) for x in operands)
    known_branches, unknown_branches, out_unknowns, num_known_out = _cond_split(branches, unknowns)
    known_outs = []
    if known_branches[0].out_avals:
        with set_current_trace(trace.parent):
            known_outs = cond_p.bind(index, *[x for x, u in zip(operands, unknowns) if not u],
                                     branches=known_branches)
    residuals = known_outs[num_known_out:]
    unknown_outs = []
    if any(out_unknowns):
        unknown_outs = trace.stage(cond_p, [index, *residuals,
                                            *[x for x, u in zip(operands, unknowns) if u]],
                                   dict(branches=unknown_branches))
    known_iter, unknown_iter = iter(known_outs[:num_known_out]), iter(unknown_outs)
    return [next(unknown_iter) if u else next(known_iter) for u in out_unknowns]


def cond_transpose(cts, index, *operands, branches):
    """A cond of the transposed branches; the index and non-linear operands are inputs."""
    if is_undefined(index):
        raise ValueError("cond is not linear in its branch index")
    linear = tuple(is_undefined(x) for x in operands)
    ct_nonzero = tuple(type(ct) is not Zero for ct in cts)
    if not any(ct_nonzero):
        return [None] + [Zero(x.aval) if lin else None for x, lin in zip(operands, linear)]
    avals = branches[0].in_avals
    out_avals = branches[0].out_avals

    def compute():
        residual_avals = [get_aval(x) for x, lin in zip(operands, linear) if not lin]
        ct_avals = [a.strip_weak_type() for a, nz in zip(out_avals, ct_nonzero) if nz]

        def transposed(branch):
            def run(*args):
                residual_iter = iter(args[:len(residual_avals)])
                ct_iter = iter(args[len(residual_avals):])
                inputs = [UndefinedPrimal(a) if lin else next(residual_iter)
                          for a, lin in zip(avals, linear)]
                cts_out = [next(ct_iter) if nz else Zero(a.strip_weak_type())
                           for a, nz in zip(out_avals, ct_nonzero)]
                cts_in = backward_pass(branch, cts_out, inputs)
                return [common.materialize(ct, a.strip_weak_type())
                        for ct, a, lin in zip(cts_in, avals, linear) if lin]
            return trace_closed(run, residual_avals + ct_avals)

        return tuple(transposed(b) for b in branches)

    key = ("transpose", branches, linear, ct_nonzero,
           tuple(get_aval(x) for x, lin in zip(operands, linear) if not lin))
    transposed_branches = cached(branches[0], key, compute)
    outs = iter(cond_p.bind(index, *[x for x, lin in zip(operands, linear) if not lin],
                            *[ct for ct in cts if type(ct) is not Zero],
                            branches=transposed_branches))
    return [None] + [next(outs) if lin else None for lin in linear]


def cond_batch(args, dims, *, branches, axis_data):
    size, axis_name = axis_data.axis_size, axis_data.axis_name
    index, index_dim = args[0], dims[0]
    operands = [move_axis(x, d, 0) if d is not None else x for x, d in zip(args[1:], dims[1:])]
    in_batched = tuple(d is not None for d in dims[1:])
    count = len(branches[0].out_avals)
    if index_dim is not None:
        return _select_branches(move_axis(index, index_dim, 0), operands, in_batched, branches,
                                size, axis_name)
    out_batched = [False] * count
    for branch in branches:
        _, batched = common.batch_jaxpr(branch, size, in_batched, (False,) * count, axis_name)
        out_batched = [a or b for a, b in zip(out_batched, batched)]
    batched_branches = tuple(common.batch_jaxpr(b, size, in_batched, out_batched, axis_name)[0]
                             for b in branches)
    outs = cond_p.bind(index, *operands, branches=batched_branches)
    return outs, [0 if b else None for b in out_batched]


def _select_branches(index, operands, in_batched, branches, size, axis_name):
    """A batched index: every branch runs on the whole batch; each output element takes the
    value of the branch its lane's index picks (out of range: the last, as stablehlo.case)."""
    from numax.lax.elementwise import bitwise_or, ge, lt, select, select_n
    from numax.lax.structural import broadcast_in_dim
    from numax.transforms.batching import batch_flat
    last = len(branches) - 1
    index = select(bitwise_or(lt(index, np.int32(0)), ge(index, np.int32(last + 1))),
                   broadcast_in_dim(np.int32(last), (size,), ()), index)
    results = []
    for branch in branches:
        outs, out_dims = batch_flat(lambda *xs, branch=branch: evaluate(branch, *xs), operands,
                                    [0 if b else None for b in in_batched], size, axis_name)
        results.append([to_front(o, d, size) for o, d in zip(outs, out_dims)])
    outs = []
    for cases in zip(*results):
        shape = get_aval(cases[0]).shape
        which = broadcast_in_dim(index, shape, (0,))
        outs.append(select_n(which, *cases))
    return outs, [0] * len(outs)


cond_batch.wants_axis = True


def cond_dce(used_outputs, *, branches):
    """Every branch computes only the used outputs; an operand stays if any branch reads it
    (the index always stays)."""
    reads = [dce_closed(branch, used_outputs)[1] for branch in branches]
    used_operands = [any(flags) for flags in zip(*reads)]
    narrowed = tuple(dce_closed(branch, used_outputs, used_operands)[0] for branch in branches)
    return [True] + used_operands, dict(branches=narrowed)


def _cond_examples():
    from numax import lax
    f32 = np.dtype(np.float32)
    x = np.linspace(-1, 1, 6, dtype=np.float32).reshape(2, 3)
    y = np.linspace(0.5, 2, 6, dtype=np.float32).reshape(2, 3)

    def stage(fun, avals):
        return trace_closed(fun, avals)

    pair = [ShapedArray((2, 3), f32)] * 2
    two = (stage(lambda a, b: [lax.mul(lax.sin(a), b), lax.add(a, b)], pair),
           stage(lambda a, b: [lax.exp(lax.mul(a, np.float32(0.5))), lax.mul(a, a)], pair))
    three = (stage(lambda a: [lax.sin(a)], pair[:1]), stage(lambda a: [lax.mul(a, a)], pair[:1]),
             stage(lambda a: [lax.neg(a)], pair[:1]))
    return [((np.int32(1), x, y), dict(branches=two)),
            ((np.int32(0), x, y), dict(branches=two)),
            ((np.int32(2), x), dict(branches=three)),
            ((np.int32(1), x), dict(branches=three))]


cond_p = Primitive(
    "cond",
    abstract_eval=_cond_abstract,
    lower=_cond_lower,
    multiple_results=True,
    jvp=cond_jvp,
    partial_eval=cond_partial_eval,
    transpose=cond_transpose,
    batch=cond_batch,
    dce=cond_dce,
    examples=_cond_examples,
)


# ---------------------------------------------------------------- the wrappers

def _check_scalar_index(value, what, allowed, message):
    shape = np.shape(value)
    if shape != ():
        raise TypeError(f"{what} must be scalar, got {value} of shape {shape}.")
    dtype = get_aval(value).dtype
    if not allowed(dtype):
        raise TypeError(message.format(dtype=dtype.name))
    return dtype


def _stage_branches(api, names, functions, operands):
    """Stages every branch on the flattened operands; checks their output types agree.
    Returns (branches, consts, operand leaves, output tree)."""
    leaves, in_tree = tree_flatten(tuple(operands))
    in_avals = [get_aval(x) for x in leaves]
    staged = [common.stage_function(f, in_tree, in_avals) for f in functions]
    trees = [out_tree for _, _, out_tree in staged]
    avals = [closed.out_avals for closed, _, _ in staged]
    if any(t != trees[0] for t in trees) or any(
            len(a) != len(avals[0]) or not all(map(same_type, a, avals[0])) for a in avals):
        paths = _output_paths(trees[0])
        error = common.branch_type_error(api, names, trees, avals, paths)
        if error is not None:
            raise error
    branches, consts = common.join_consts([(closed, consts) for closed, consts, _ in staged])
    return tuple(branches), consts, leaves, trees[0]


def _output_paths(out_tree):
    from numax.core.pytree import keystr, tree_flatten_with_path
    placeholder = tree_unflatten(out_tree, [0] * out_tree.num_leaves)
    return [keystr(path) for path, _ in tree_flatten_with_path(placeholder)[0]]


def _bind_cond(index, branches, consts, leaves, out_tree):
    outs = cond_p.bind(index, *consts, *leaves, branches=branches)
    return tree_unflatten(out_tree, outs)


_NO_OPERAND = object()


def switch(index, branches, *operands, operand=_NO_OPERAND):
    """Applies `branches[index]` to `operands`; the index is clamped into range.

    >>> import numpy as np
    >>> from numax import lax
    >>> float(lax.switch(5, [lambda x: x + 1, lambda x: x * 10], np.float32(2.0)))
    20.0
    """
    if operand is not _NO_OPERAND:  # JAX's older single-operand keyword
        operands = operands + (operand,)
    branches = tuple(branches)
    if not branches:
        raise ValueError("Empty branch sequence")
    for branch in branches:
        if not callable(branch):
            raise TypeError(f"lax.switch: branches must be callable, got {branch!r}")
    _check_scalar_index(index, "Branch index", lambda d: dtypes.is_integer(d),
                        "Index type must be an integer, got {dtype}.")
    if len(branches) == 1:
        return branches[0](*operands)
    last = len(branches) - 1
    if not isinstance(index, Tracer):
        index = np.int32(min(max(int(np.asarray(index)), 0), last))
        if config.jit_disabled:
            return branches[int(index)](*operands)
    else:
        from numax.lax.elementwise import clamp, convert_element_type
        index = clamp(np.int32(0), convert_element_type(index, np.int32), np.int32(last))
    names = [f"branch {i}" for i in range(len(branches))]
    staged = _stage_branches("lax.switch", names, branches, operands)
    return _bind_cond(index, *staged)


def cond(pred, true_fun, false_fun, *operands, operand=_NO_OPERAND):
    """`true_fun(*operands)` if `pred` else `false_fun(*operands)`, staged as one program.

    Both functions are traced (only one runs); their outputs must have identical pytree
    structure, shapes and dtypes.

    >>> import numpy as np
    >>> from numax import lax
    >>> float(lax.cond(np.float32(3.0) > 0, lambda x: x * 2, lambda x: -x, np.float32(3.0)))
    6.0
    """
    if operand is not _NO_OPERAND:  # JAX's older single-operand keyword
        operands = operands + (operand,)
    if not (callable(true_fun) and callable(false_fun)):
        raise TypeError("lax.cond: true_fun and false_fun arguments should be callable.")
    dtype = _check_scalar_index(
        pred, "Pred", lambda d: d == np.bool_ or dtypes.is_integer(d) or dtypes.is_inexact(d),
        "Pred type must be either boolean or number, got {dtype}.")
    if not isinstance(pred, Tracer):
        index = np.int32(bool(np.asarray(pred)))
        if config.jit_disabled:
            return (true_fun if index else false_fun)(*operands)
    else:
        from numax.lax.elementwise import convert_element_type, ne
        if dtype != np.bool_:
            pred = ne(pred, np.zeros((), dtype))
        index = convert_element_type(pred, np.int32)
    staged = _stage_branches("lax.cond", ["false_fun", "true_fun"], [false_fun, true_fun],
                             operands)
    return _bind_cond(index, *staged)


__all__ = ["cond", "switch", "cond_p"]
