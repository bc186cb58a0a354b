"""Machinery shared by the control-flow primitives (cond, while, scan).

Owns three things the primitives' files build on:
- staging user functions into sub-programs, cached per (function, argument tree and avals),
  so a repeated eager `lax.cond(p, f, g, x)` finds the same jaxpr object and therefore the
  same compiled executable. Closed-over values (tracers of enclosing transformations
  included) come back as `consts` that the caller passes as explicit operands;
- the checks users see: carry types of loops, branch output types of cond;
- jaxpr-to-jaxpr transformations the rules use (JVP, batching, partial evaluation,
  reordering inputs and outputs). Each result is cached on the jaxpr it was made from, so
  the chain from a user function to its transposed or batched body is made once.

Sub-programs made by rules keep their (concrete) constants inside the ClosedJaxpr; only
user functions' constants are hoisted into operands. Knows no user-facing API by name.
"""

import weakref

import numpy as np

from numax.core.config import config
from numax.core.ir import ClosedJaxpr, Jaxpr, Literal, Var
from numax.core.pytree import keystr, tree_flatten, tree_flatten_with_path, tree_unflatten
from numax.core.trace import Tracer
from numax.transforms import ad
from numax.transforms.ad import Zero, eval_jaxpr, get_aval, is_differentiable_dtype, jvp_flat
from numax.transforms.batching import batch_flat, to_front
from numax.transforms.partial_eval import partial_eval_jaxpr
from numax.transforms.staging import trace_to_jaxpr


# ---------------------------------------------------------------- caches

_rule_cache = weakref.WeakKeyDictionary()  # jaxpr -> {key: derived value}


def cached(owner, key, compute):
    """`compute()`, remembered per (owner jaxpr, key) unless the result holds tracers."""
    table = _rule_cache.get(owner)
    if table is None:
        table = _rule_cache[owner] = {}
    key = (key, config.x64_enabled)
    try:
        return table[key]
    except KeyError:
        pass
    value = compute()
    if not _holds_tracer(value):
        table[key] = value
    return value


def _holds_tracer(value):
    if isinstance(value, Tracer):
        return True
    if isinstance(value, (tuple, list)):
        return any(_holds_tracer(v) for v in value)
    if isinstance(value, ClosedJaxpr):
        return any(isinstance(c, Tracer) for c in value.consts)
    return False


_user_cache = weakref.WeakKeyDictionary()  # user function -> {key: staged result}


def stage_function(fun, in_tree, in_avals, *, owner=None, tag=None, split_output=None):
    """Stages `fun(*tree_unflatten(in_tree, leaves))` for leaves of `in_avals`.

    Returns (closed, consts, out_info): `closed` takes `consts + leaves` (it has no constvars),
    `consts` are the values the function closes over (possibly tracers of enclosing
    transformations), and out_info is the output tree, or what `split_output(out) ->
    (leaves, info)` returns. The result is cached on `owner` (default `fun`) and `tag`
    when it closes over no tracers.
    """
    owner = fun if owner is None else owner
    key = (tag, split_output, in_tree, tuple(in_avals), config.x64_enabled)
    try:
        table = _user_cache.get(owner)
        if table is None:
            table = _user_cache[owner] = {}
    except TypeError:  # not weakly referenceable: no caching
        table = None
    if table is not None and key in table:
        return table[key]
    store = {}

    def flat(*leaves):
        out = fun(*tree_unflatten(in_tree, list(leaves)))
        if split_output is None:
            out_leaves, store["info"] = tree_flatten(out)
        else:
            out_leaves, store["info"] = split_output(out)
        return out_leaves

    closed, consts = trace_to_jaxpr(flat, list(in_avals))
    result = (closed, consts, store["info"])
    if table is not None and not any(isinstance(c, Tracer) for c in consts):
        table[key] = result
    return result


def trace_closed(flat_fun, in_avals):
    """A rule's sub-program: `flat_fun` staged with its constants kept inside (they are
    concrete: rules only evaluate sub-programs whose constants are concrete)."""
    closed, consts = trace_to_jaxpr(flat_fun, list(in_avals))
    if not consts:
        return closed
    jaxpr = closed.jaxpr
    n = len(consts)
    return ClosedJaxpr(Jaxpr(jaxpr.invars[:n], jaxpr.invars[n:], jaxpr.outvars, jaxpr.eqns),
                       consts)


def evaluate(closed, *args):
    """Binds the equations of `closed` on the current trace."""
    return eval_jaxpr(closed.jaxpr, closed.consts, *args)


# ---------------------------------------------------------------- type checks users see

def same_type(a, b):
    """Equal shapes and dtypes; weak types may differ (they only steer promotion)."""
    return a.shape == b.shape and a.dtype == b.dtype


def leaf_paths(tree_value, prefix):
    """`prefix` + key path of every leaf of `tree_value` (for error messages)."""
    return [prefix + keystr(path) for path, _ in tree_flatten_with_path(tree_value)[0]]


def _type_difference(a, b):
    if a.shape != b.shape and a.dtype != b.dtype:
        return "so the shapes and dtypes do not match"
    if a.shape != b.shape:
        return "so the shapes do not match"
    return "so the dtypes do not match"


def check_carry(api, in_tree, in_avals, out_tree, out_avals, paths):
    """Raises TypeError when a loop body's output carry differs from its input carry.

    Returns the positions whose input is weakly typed but whose output is not (same
    dtype): the caller makes those inputs strongly typed and stages again, as JAX does."""
    if in_tree != out_tree:
        raise TypeError(
            f"{api} body function carry input and carry output must have the same pytree "
            f"structure, but they differ:\n  * the input carry has structure {in_tree}\n"
            f"  * the output carry has structure {out_tree}")
    problems = []
    for path, a, b in zip(paths, in_avals, out_avals):
        if not same_type(a, b):
            problems.append(
                f"  * the input carry component {path} has type {a.str_short(False)} but the "
                f"corresponding output carry component has type {b.str_short(False)}, "
                f"{_type_difference(a, b)}")
    if problems:
        raise TypeError(f"{api} body function carry input and carry output must have equal "
                        "types (e.g. shapes and dtypes of arrays), but they differ:\n"
                        + "\n".join(problems))
    return [i for i, (a, b) in enumerate(zip(in_avals, out_avals)) if a.weak_type and not b.weak_type]


def strong(value, aval):
    """`value` with aval's dtype and no weak type."""
    if isinstance(value, (bool, int, float, complex, np.generic, np.ndarray)):
        return np.asarray(value, aval.dtype)
    from numax.lax.elementwise import convert_element_type
    return convert_element_type(value, aval.dtype, weak_type=False)


def branch_type_error(api, names, trees, avals_lists, paths):
    """The TypeError for branches whose outputs differ, naming both output types."""
    first_tree, first_avals = trees[0], avals_lists[0]
    for name, tree, avals in zip(names[1:], trees[1:], avals_lists[1:]):
        if tree != first_tree:
            return TypeError(
                f"{api}: branch outputs must have identical types (pytree structure, shapes and "
                f"dtypes), but {names[0]} output has structure {first_tree} and {name} output "
                f"has structure {tree}")
        for path, a, b in zip(paths, first_avals, avals):
            if not same_type(a, b):
                return TypeError(
                    f"{api}: branch outputs must have identical types (pytree structure, shapes "
                    f"and dtypes), but {names[0]} output{path} has type {a.str_short(False)} "
                    f"and {name} output{path} has type {b.str_short(False)}, "
                    f"{_type_difference(a, b)}")
    return None


# ---------------------------------------------------------------- jaxpr surgery

def reorder(closed, in_order=None, out_order=None):
    """The same program with inputs (and outputs) permuted: input k is old input in_order[k]."""
    jaxpr = closed.jaxpr
    invars = jaxpr.invars if in_order is None else [jaxpr.invars[i] for i in in_order]
    outvars = jaxpr.outvars if out_order is None else [jaxpr.outvars[i] for i in out_order]
    return ClosedJaxpr(Jaxpr(jaxpr.constvars, invars, outvars, jaxpr.eqns), closed.consts)


def with_unused_inputs(closed, before=(), after=()):
    """The same program taking extra inputs of avals `before` / `after` that it ignores."""
    jaxpr = closed.jaxpr
    invars = [Var(a) for a in before] + list(jaxpr.invars) + [Var(a) for a in after]
    return ClosedJaxpr(Jaxpr(jaxpr.constvars, invars, jaxpr.outvars, jaxpr.eqns), closed.consts)


def select_outputs(closed, positions):
    jaxpr = closed.jaxpr
    outvars = [jaxpr.outvars[i] for i in positions]
    return ClosedJaxpr(Jaxpr(jaxpr.constvars, jaxpr.invars, outvars, jaxpr.eqns), closed.consts)


def join_consts(programs):
    """[(closed, consts)] -> (programs all taking every consts list first, all consts).

    Branches of a cond close over different values; each branch gets inputs for the others'
    constants, which it ignores, so all branches share one operand list."""
    all_consts = [c for _, consts in programs for c in consts]
    if not all_consts:
        return [closed for closed, _ in programs], all_consts
    avals = tuple(get_aval(c) for c in all_consts)
    closed_jaxprs = tuple(closed for closed, _ in programs)
    counts = tuple(len(consts) for _, consts in programs)

    def compute():
        joined, offset = [], 0
        for closed, n in zip(closed_jaxprs, counts):
            jaxpr = closed.jaxpr
            invars = [Var(a) for a in avals[:offset]] + list(jaxpr.invars[:n]) + \
                     [Var(a) for a in avals[offset + n:]] + list(jaxpr.invars[n:])
            joined.append(ClosedJaxpr(Jaxpr((), invars, jaxpr.outvars, jaxpr.eqns), ()))
            offset += n
        return joined

    return cached(closed_jaxprs[0], ("join", closed_jaxprs, counts, avals), compute), all_consts


def is_forwarded_input(closed, out_index, in_index):
    """Whether output `out_index` of `closed` is its input `in_index`, unchanged."""
    jaxpr = closed.jaxpr
    out = jaxpr.outvars[out_index]
    return type(out) is not Literal and out is jaxpr.invars[in_index]


# ---------------------------------------------------------------- derived programs

def jvp_jaxpr(closed, nonzeros, instantiate):
    """The JVP program of `closed`.

    Inputs are (primals..., tangents of the inputs flagged in `nonzeros`...); outputs are
    (primal outputs..., tangents of the outputs flagged in the returned `out_nonzeros`...).
    `instantiate` (a flag per output) forces a materialised tangent for differentiable
    outputs. Returns (jvp ClosedJaxpr, out_nonzeros)."""
    nonzeros, instantiate = tuple(nonzeros), tuple(instantiate)

    def compute():
        in_avals = closed.in_avals
        count = len(in_avals)
        out_nonzeros = []

        def body(*args):
            tangent_iter = iter(args[count:])
            tangents = [next(tangent_iter) if nz else Zero(ad.tangent_aval(a))
                        for a, nz in zip(in_avals, nonzeros)]
            outs, out_tangents = jvp_flat(lambda *xs: evaluate(closed, *xs), args[:count],
                                          tangents)
            out_tangents = [ad.instantiate(t) if force and is_differentiable_dtype(
                get_aval(o).dtype) else t for o, t, force in zip(outs, out_tangents, instantiate)]
            out_nonzeros[:] = [type(t) is not Zero for t in out_tangents]
            return list(outs) + [t for t in out_tangents if type(t) is not Zero]

        tangent_avals = [ad.tangent_aval(a) for a, nz in zip(in_avals, nonzeros) if nz]
        jvp_closed = trace_closed(body, list(in_avals) + tangent_avals)
        return jvp_closed, tuple(out_nonzeros)

    return cached(closed, ("jvp", nonzeros, instantiate), compute)


def differentiable_nonzeros(values, tangents):
    """Per value: whether its tangent is nonzero (integer values never have one)."""
    return [type(t) is not Zero and is_differentiable_dtype(get_aval(v).dtype)
            for v, t in zip(values, tangents)]


def batch_jaxpr(closed, size, in_batched, force_out, axis_name=None):
    """The vmapped program: batched inputs and outputs carry the batch axis first.

    `force_out` (a flag per output) broadcasts unbatched outputs. Returns (ClosedJaxpr,
    out_batched)."""
    in_batched, force_out = tuple(in_batched), tuple(force_out)

    def compute():
        out_batched = []

        def body(*args):
            outs, dims = batch_flat(lambda *xs: evaluate(closed, *xs), args,
                                    [0 if b else None for b in in_batched], size, axis_name)
            out_batched[:] = [d is not None or f for d, f in zip(dims, force_out)]
            return [to_front(o, d, size) if b else o
                    for o, d, b in zip(outs, dims, out_batched)]

        in_avals = [a.update(shape=(size,) + a.shape) if b else a
                    for a, b in zip(closed.in_avals, in_batched)]
        return trace_closed(body, in_avals), tuple(out_batched)

    return cached(closed, ("batch", size, in_batched, force_out, axis_name), compute)


def partial_eval(closed, unknowns, instantiate=False):
    """`partial_eval_jaxpr`, cached: (known, unknown, out_unknowns, num_residuals)."""
    unknowns = tuple(unknowns)
    instantiate = instantiate if isinstance(instantiate, bool) else tuple(instantiate)
    return cached(closed, ("partial_eval", unknowns, instantiate),
                  lambda: partial_eval_jaxpr(closed, list(unknowns), instantiate))


def materialize(ct, aval):
    """A cotangent as a value (zeros for a symbolic zero)."""
    if type(ct) is Zero or ct is None:
        return ad.zeros_like_aval(aval)
    return ct


def zeros(aval):
    return ad.zeros_like_aval(aval)
