"""custom_jvp and custom_vjp: user-defined derivative rules.

A call of a custom_jvp/custom_vjp function stages the function into a jaxpr and binds
`custom_jvp_call` / `custom_vjp_call`, whose params carry the user's rules as flat
functions. Evaluation and lowering use the staged function; the JVP interpreter calls
the user's JVP, or for custom_vjp the user's forward pass plus `custom_lin`, a linear
primitive whose transpose is the user's backward pass (so only reverse mode works for
custom_vjp, as in JAX). Batching vmaps the user's rules along with the function.
Functions may not close over values being differentiated: pass those as arguments.

With `symbolic_zeros=True` the user's rules see which (co)tangents are known to be zero:
a JVP rule receives `SymbolicZero` for them, a custom_vjp forward pass receives each
argument as a `CustomVJPPrimal` (value, perturbed) and its backward pass receives
`SymbolicZero` cotangents. Rules may return `SymbolicZero` (or, for bwd, None) for a
zero result either way.
"""

import functools
import inspect

import numpy as np

from numax.core.errors import NumaxError
from numax.core.primitive import Primitive
from numax.core.pytree import tree_flatten, tree_map, tree_unflatten
from numax.core.ir import dce_closed
from numax.core import dtypes
from numax.transforms.ad import (Zero, eval_jaxpr, get_aval, instantiate,
                                 is_differentiable_dtype)
from numax.transforms.batching import batch_flat, batch_size, to_front
from numax.transforms.staging import trace_to_jaxpr


# ---------------------------------------------------------------- symbolic zeros

class SymbolicZero:
    """A tangent or cotangent known to be zero, as rules defined with
    `symbolic_zeros=True` receive it: it has the `aval`, `shape` and `dtype` of the zero
    it stands for (float0 for integer and bool primals) but no data, so it cannot be
    computed with; test for it with `isinstance` and skip its term instead.

    >>> import numax, numax.numpy as jnp
    >>> from numax.custom_derivatives import SymbolicZero
    >>> @numax.custom_jvp
    ... def mul(x, y):
    ...     return x * y
    >>> def mul_jvp(primals, tangents):
    ...     (x, y), (tx, ty) = primals, tangents
    ...     terms = [t * other for t, other in ((tx, y), (ty, x))
    ...              if not isinstance(t, SymbolicZero)]
    ...     return x * y, sum(terms) if terms else jnp.zeros_like(x)
    >>> _ = mul.defjvp(mul_jvp, symbolic_zeros=True)
    >>> numax.grad(mul)(2.0, 3.0)  # mul_jvp sees ty as a SymbolicZero
    Array(3., dtype=float32)
    """

    __slots__ = ("aval",)

    def __init__(self, aval):
        self.aval = aval

    shape = property(lambda self: self.aval.shape)
    dtype = property(lambda self: self.aval.dtype)

    @staticmethod
    def from_primal_value(value):
        """The symbolic zero tangent of the primal `value`."""
        return SymbolicZero(_zero_tangent_aval(get_aval(value)))

    def __array__(self, dtype=None, copy=None):
        raise TypeError(f"{self!r} is a symbolic zero and holds no data; check for it with "
                        "isinstance(t, SymbolicZero) and leave its term out, or materialise "
                        "it with numpy.zeros(t.shape, t.dtype)")

    def __repr__(self):
        return f"SymbolicZero({self.aval.str_short()})"


def _zero_tangent_aval(aval):
    """The aval of a zero tangent of a primal of `aval`: float0 for non-float primals
    (weak types stay, so the zero of a Python float is a weak float, as in JAX)."""
    if is_differentiable_dtype(aval.dtype):
        return aval
    return aval.update(dtype=dtypes.float0, weak_type=False)


def zero_from_primal(value, symbolic_zeros=False):
    """A zero tangent for every leaf of the pytree `value`: `SymbolicZero`s, or with
    `symbolic_zeros=False` materialised zeros (float0 arrays for integer leaves)."""
    if symbolic_zeros:
        return tree_map(SymbolicZero.from_primal_value, value)
    return tree_map(lambda leaf: _user_tangent(Zero(get_aval(leaf)), leaf), value)


class CustomVJPPrimal:
    """An argument as a custom_vjp forward pass defined with `symbolic_zeros=True` sees
    it: its `value`, and whether it is `perturbed` (has a non-zero tangent)."""

    __slots__ = ("value", "perturbed")

    def __init__(self, value, perturbed):
        self.value = value
        self.perturbed = perturbed

    def __repr__(self):
        return f"CustomVJPPrimal(value={self.value!r}, perturbed={self.perturbed})"


def custom_vjp_primal_tree_values(tree):
    """The pytree of `.value`s of a pytree of `CustomVJPPrimal`s."""
    def value_of(leaf):
        if not isinstance(leaf, CustomVJPPrimal):
            raise TypeError(f"custom_vjp_primal_tree_values expects a pytree of "
                            f"CustomVJPPrimal leaves, got a leaf of type {type(leaf).__name__}")
        return leaf.value
    return tree_map(value_of, tree)


def _internal_zero(value):
    """A user rule's result with a SymbolicZero turned into numax's internal Zero."""
    return Zero(value.aval) if isinstance(value, SymbolicZero) else value


# ---------------------------------------------------------------- shared pieces

def _resolve_kwargs(fun, args, kwargs):
    if not kwargs:
        return args
    bound = inspect.signature(fun).bind(*args, **kwargs)
    bound.apply_defaults()
    if bound.kwargs:
        raise TypeError("custom_jvp/custom_vjp functions do not accept keyword-only arguments")
    return bound.args


def _split(args, nondiff_argnums):
    static = [args[i] for i in nondiff_argnums]
    diff = [a for i, a in enumerate(args) if i not in nondiff_argnums]
    return static, diff


def _merge(static, diff, nondiff_argnums, count):
    static_iter, diff_iter = iter(static), iter(diff)
    return [next(static_iter) if i in nondiff_argnums else next(diff_iter) for i in range(count)]


def _stage(fun, static, diff_leaves, in_tree, nondiff_argnums, count):
    """The function of the differentiable leaves as a jaxpr (constants as leading inputs)."""
    store = {}

    def flat(*leaves):
        args = _merge(static, tree_unflatten(in_tree, list(leaves)), nondiff_argnums, count)
        out_leaves, store["tree"] = tree_flatten(fun(*args))
        return out_leaves

    closed, consts = trace_to_jaxpr(flat, [get_aval(x) for x in diff_leaves])
    return closed, consts, store["tree"]


def _eval_call(*args, call, **params):
    return eval_jaxpr(call.jaxpr, call.consts, *args)


def _lower_call(ctx, *operands, call, name, **params):
    return ctx.call(call, operands, name)


def _check_no_const_tangents(tangents, num_consts, kind):
    if any(type(t) is not Zero for t in tangents[:num_consts]):
        raise NumaxError(
            f"a {kind} function closes over a value that is being differentiated; pass that "
            "value as an explicit argument of the function instead")


def _batched_jaxpr(call, size):
    """`call` vmapped with every input and output batched along axis 0."""
    def body(*values):
        outs, dims = batch_flat(lambda *xs: eval_jaxpr(call.jaxpr, call.consts, *xs), values,
                                [0] * len(values), size)
        return [to_front(o, d, size) for o, d in zip(outs, dims)]
    in_avals = [a.update(shape=(size,) + a.shape) for a in call.in_avals]
    closed, consts = trace_to_jaxpr(body, in_avals)
    if consts:
        closed = _inline_consts(closed, consts)
    return closed


def _inline_consts(closed, consts):
    from numax.core.ir import ClosedJaxpr, Jaxpr
    jaxpr = closed.jaxpr
    n = len(consts)
    return ClosedJaxpr(Jaxpr(jaxpr.invars[:n], jaxpr.invars[n:], jaxpr.outvars, jaxpr.eqns), consts)


def _vmapped(function, size):
    """A flat function of lists of arrays, vmapped with everything batched along axis 0."""
    def batched(*lists):
        counts = [len(x) for x in lists]
        flat = [v for x in lists for v in x]
        # symbolic zeros carry no data to batch: each example sees one of its own aval
        zeros = {i: Zero(v.aval.update(shape=v.aval.shape[1:]))
                 for i, v in enumerate(flat) if type(v) is Zero}
        present = [v for v in flat if type(v) is not Zero]

        def inner(*values):
            it = iter(values)
            full = [zeros[i] if i in zeros else next(it) for i in range(len(flat))]
            it = iter(full)
            parts = [[next(it) for _ in range(c)] for c in counts]
            outs = function(*parts)
            return [v for part in outs for v in part] if isinstance(outs, tuple) else outs
        outs, dims = batch_flat(inner, present, [0] * len(present), size)
        return [to_front(o, d, size) if not isinstance(o, Zero) else o for o, d in zip(outs, dims)]
    return batched


def _broadcast_all(args, dims):
    size = batch_size(args, dims)
    return [to_front(a, d, size) for a, d in zip(args, dims)], size


def _used(values, used_outputs):
    return [v for v, used in zip(values, used_outputs) if used]


def _narrowed_call(call, used_outputs, num_consts):
    """The primal program computing only the used outputs, and which inputs it takes:
    every argument stays, since the user's rules receive them all (and may read one the
    function does not), but closed-over constants it no longer reads go (the rules never
    see those)."""
    num_args = len(call.in_avals) - num_consts
    return dce_closed(call, used_outputs, (False,) * num_consts + (True,) * num_args)


# ---------------------------------------------------------------- custom_jvp

def _custom_jvp_call_jvp(primals, tangents, *, call, jvp, num_consts, name, symbolic_zeros):
    _check_no_const_tangents(tangents, num_consts, "custom_jvp")
    args, arg_tangents = primals[num_consts:], tangents[num_consts:]
    if not symbolic_zeros:
        arg_tangents = [instantiate(t) if np.issubdtype(get_aval(p).dtype, np.inexact) else t
                        for p, t in zip(args, arg_tangents)]
    outs, out_tangents = jvp(list(args), list(arg_tangents))
    return outs, out_tangents


def _custom_jvp_call_batch(args, dims, *, call, jvp, num_consts, name, symbolic_zeros):
    args, size = _broadcast_all(args, dims)
    batched_call = _batched_jaxpr(call, size)
    plain_jvp = jvp

    def batched_jvp(primals, tangents):
        nonzero = [not isinstance(t, Zero) for t in tangents]
        present = [t for t in tangents if not isinstance(t, Zero)]
        count_out = len(call.out_avals)

        def body(*values):
            ps = list(values[:len(primals)])
            ts_iter = iter(values[len(primals):])
            ts = [next(ts_iter) if nz else Zero(get_aval(p)) for p, nz in zip(ps, nonzero)]
            outs, out_tangents = plain_jvp(ps, ts)
            return list(outs) + [instantiate(t) for t in out_tangents]
        outs, out_dims = batch_flat(body, list(primals) + present,
                                    [0] * (len(primals) + len(present)), size)
        outs = [to_front(o, d, size) for o, d in zip(outs, out_dims)]
        return outs[:count_out], outs[count_out:]

    outs = custom_jvp_call_p.bind(*args, call=batched_call, jvp=batched_jvp,
                                  num_consts=num_consts, name=name, symbolic_zeros=symbolic_zeros)
    return outs, [0] * len(outs)


def _custom_call_examples(kind):
    def examples():
        from numax import lax
        x = np.linspace(0.5, 1.5, 6, dtype=np.float32)
        if kind == "jvp":
            f = custom_jvp(lambda v: lax.sin(v))
            f.defjvp(lambda primals, tangents: (lax.sin(primals[0]),
                                                lax.mul(lax.cos(primals[0]), tangents[0])))
        else:
            f = custom_vjp(lambda v: lax.sin(v))
            f.defvjp(lambda v: (lax.sin(v), v), lambda v, ct: (lax.mul(lax.cos(v), ct),))
        return [((x,), f._params(x))]
    return examples


def _jvp_of_used_outputs(jvp, used_outputs):
    """The user's JVP rule, run whole, with its results narrowed to the used outputs."""
    def narrowed(primals, tangents):
        outs, out_tangents = jvp(primals, tangents)
        return _used(outs, used_outputs), _used(out_tangents, used_outputs)
    return narrowed


def _custom_jvp_call_dce(used_outputs, *, call, jvp, num_consts, name, symbolic_zeros):
    narrowed, takes = _narrowed_call(call, used_outputs, num_consts)
    if not all(used_outputs):
        jvp = _jvp_of_used_outputs(jvp, used_outputs)
    return takes, dict(call=narrowed, jvp=jvp, num_consts=sum(takes[:num_consts]), name=name,
                       symbolic_zeros=symbolic_zeros)


custom_jvp_call_p = Primitive(
    "custom_jvp_call",
    abstract_eval=lambda *avals, call, **params: list(call.out_avals),
    impl=_eval_call,
    lower=_lower_call,
    multiple_results=True,
    jvp=_custom_jvp_call_jvp,
    batch=_custom_jvp_call_batch,
    dce=_custom_jvp_call_dce,
    examples=_custom_call_examples("jvp"),
)


class _CustomRuleFunction:
    """What custom_jvp and custom_vjp share: nondiff arguments split off, and the primal
    function staged on the flat differentiable arguments."""

    def _params(self, *args):
        """(flat args, params) for binding; also used to build the examples."""
        return self._prepare(args)[1]

    def _stage_primal(self, args, rule, kind):
        if rule is None:
            raise AttributeError(f"No {kind} defined for {type(self).__name__} function "
                                 f"{self.__name__} using def{kind.lower()}.")
        count = len(args)
        static, diff = _split(args, self.nondiff_argnums)
        leaves, in_tree = tree_flatten(diff)
        call, consts, out_tree = _stage(self.fun, static, leaves, in_tree, self.nondiff_argnums,
                                        count)
        return count, static, diff, leaves, in_tree, call, consts, out_tree


class custom_jvp(_CustomRuleFunction):
    """A function with a user-defined JVP (`@custom_jvp` then `@f.defjvp`)."""

    def __init__(self, fun, nondiff_argnums=()):
        functools.update_wrapper(self, fun)
        self.fun = fun
        self.nondiff_argnums = tuple(sorted(nondiff_argnums))
        self.jvp = None
        self.symbolic_zeros = False

    def defjvp(self, jvp, symbolic_zeros=False):
        """`jvp(*nondiff_args, primals, tangents) -> (primal_out, tangent_out)`."""
        self.jvp = jvp
        self.symbolic_zeros = symbolic_zeros
        return jvp

    def defjvps(self, *jvps):
        """One rule per argument: `rule(tangent, primal_out, *primals) -> contribution`
        (None for arguments with zero derivative)."""
        if self.nondiff_argnums:
            raise TypeError("defjvps does not support nondiff_argnums; use defjvp")

        def jvp(primals, tangents):
            out = self(*primals)
            total = None
            for rule, tangent in zip(jvps, tangents):
                if rule is None:
                    continue
                term = rule(tangent, out, *primals)
                total = term if total is None else tree_map(lambda a, b: a + b, total, term)
            if total is None:
                total = tree_map(lambda o: o * 0, out)
            return out, total
        self.defjvp(jvp)

    def _prepare(self, args):
        count, static, _, leaves, in_tree, call, consts, out_tree = \
            self._stage_primal(args, self.jvp, "JVP")
        user_jvp, nondiff = self.jvp, self.nondiff_argnums
        user_tangent = _symbolic_user_tangent if self.symbolic_zeros else _user_tangent

        def flat_jvp(primal_leaves, tangent_leaves):
            primals = tree_unflatten(in_tree, primal_leaves)
            tangents = tree_unflatten(in_tree, [user_tangent(t, p) for t, p in
                                                zip(tangent_leaves, primal_leaves)])
            out, out_tangent = user_jvp(*static, tuple(primals), tuple(tangents)) \
                if nondiff else user_jvp(tuple(primals), tuple(tangents))
            out_leaves, tree = tree_flatten(out)
            tangent_leaves_out, tangent_tree = tree_flatten(out_tangent)
            tangent_leaves_out = [_internal_zero(t) for t in tangent_leaves_out]
            if tree != out_tree or tangent_tree != out_tree:
                raise TypeError(f"custom_jvp rule of {self.__name__} must return a pair "
                                f"(primal_out, tangent_out) with the structure of the "
                                f"function's output {out_tree}; got {tree} and {tangent_tree}")
            for o, t in zip(out_leaves, tangent_leaves_out):
                if not isinstance(t, Zero) and get_aval(t).shape != get_aval(o).shape:
                    raise ValueError(f"custom_jvp rule of {self.__name__} returned a tangent of "
                                     f"shape {get_aval(t).shape} for an output of shape "
                                     f"{get_aval(o).shape}")
            return out_leaves, tangent_leaves_out

        params = dict(call=call, jvp=flat_jvp, num_consts=len(consts), name=self.__name__,
                      symbolic_zeros=self.symbolic_zeros)
        return consts + leaves, params, out_tree

    def __call__(self, *args, **kwargs):
        args = _resolve_kwargs(self.fun, args, kwargs)
        flat_args, params, out_tree = self._prepare(args)
        return tree_unflatten(out_tree, custom_jvp_call_p.bind(*flat_args, **params))


def _user_tangent(tangent, primal):
    """What a user's rule sees: zeros for symbolic zeros of float values, float0 for ints."""
    if isinstance(tangent, Zero):
        aval = get_aval(primal)
        if np.issubdtype(aval.dtype, np.inexact):
            return instantiate(tangent)
        return np.zeros(aval.shape, dtypes.float0)
    return tangent


def _symbolic_user_tangent(tangent, primal):
    """What a rule defined with symbolic_zeros=True sees: SymbolicZero for symbolic zeros."""
    if isinstance(tangent, Zero):
        return SymbolicZero.from_primal_value(primal)
    return tangent


def _symbolic_user_cotangent(ct):
    return SymbolicZero(_zero_tangent_aval(ct.aval)) if type(ct) is Zero else ct


# ---------------------------------------------------------------- custom_vjp

def _custom_lin_abstract(*avals, out_avals, **params):
    return list(out_avals)


def _custom_lin_impl(*args, **params):
    raise TypeError("can't apply forward-mode autodiff (jvp) to a custom_vjp function.")


def _custom_lin_transpose(cts, *args, num_res, bwd, out_avals, nonzero):
    from numax.numpy import asarray
    # users see arrays, never internal scalars; Zeros stay for flat_bwd to present
    residuals = [asarray(r) for r in args[:num_res]]
    cts = [ct if type(ct) is Zero else asarray(ct) for ct in cts]
    cts_in = bwd(residuals, cts)
    # bwd answers every differentiable argument; only the perturbed ones (`nonzero`) are
    # linear inputs of this equation, in order, after the residuals
    results = [None] * num_res
    linear_args = iter(args[num_res:])
    for flag, ct in zip(nonzero, cts_in):
        if flag:
            arg = next(linear_args)
            results.append(ct if ct is not None else Zero(arg.aval))
    return results


def _custom_lin_batch(args, dims, *, num_res, bwd, out_avals, nonzero):
    args, size = _broadcast_all(args, dims)
    batched_bwd = _vmapped(bwd, size)
    outs = custom_lin_p.bind(*args, num_res=num_res, bwd=batched_bwd,
                             out_avals=tuple(a.update(shape=(size,) + a.shape) for a in out_avals),
                             nonzero=nonzero)
    return outs, [0] * len(outs)


# custom_lin only ever appears in a staged linear program that is transposed; it cannot
# be evaluated or lowered, so it stays out of the registry's generic checks (custom_vjp's
# tests exercise it).
custom_lin_p = Primitive(
    "custom_lin",
    abstract_eval=_custom_lin_abstract,
    impl=_custom_lin_impl,
    lower=lambda ctx, *args, **params: _custom_lin_impl(),
    multiple_results=True,
    linear=True,
    transpose=_custom_lin_transpose,
    batch=_custom_lin_batch,
    register=False,
)


def _custom_vjp_call_jvp(primals, tangents, *, call, fwd, bwd, num_consts, name, out_tree):
    _check_no_const_tangents(tangents, num_consts, "custom_vjp")
    arg_tangents = tangents[num_consts:]
    nonzero = tuple(not isinstance(t, Zero) for t in arg_tangents)
    outs, residuals = fwd(list(primals[num_consts:]), nonzero)
    out_avals = tuple(get_aval(o).strip_weak_type() for o in outs)
    out_tangents = custom_lin_p.bind(*residuals, *[t for t in arg_tangents if not isinstance(t, Zero)],
                                     num_res=len(residuals), bwd=bwd, out_avals=out_avals,
                                     nonzero=nonzero)
    return outs, out_tangents


def _custom_vjp_call_batch(args, dims, *, call, fwd, bwd, num_consts, name, out_tree):
    args, size = _broadcast_all(args, dims)
    batched_call = _batched_jaxpr(call, size)
    plain_fwd = fwd

    def batched_fwd(primals, perturbed):
        counts = {}

        def body(*values):
            outs, residuals = plain_fwd(list(values), perturbed)
            counts["outs"] = len(outs)
            return list(outs) + list(residuals)
        results, result_dims = batch_flat(body, list(primals), [0] * len(primals), size)
        results = [to_front(r, d, size) for r, d in zip(results, result_dims)]
        return results[:counts["outs"]], results[counts["outs"]:]

    outs = custom_vjp_call_p.bind(*args, call=batched_call, fwd=batched_fwd,
                                  bwd=_vmapped(bwd, size), num_consts=num_consts, name=name,
                                  out_tree=out_tree)
    return outs, [0] * len(outs)


def _fwd_of_used_outputs(fwd, used_outputs):
    """The user's forward pass, run whole, with its outputs narrowed (residuals kept)."""
    def narrowed(primals, perturbed):
        outs, residuals = fwd(primals, perturbed)
        return _used(outs, used_outputs), residuals
    return narrowed


def _bwd_of_used_outputs(bwd, used_outputs, out_avals):
    """The user's backward pass given the used outputs' cotangents: a dropped output's
    cotangent is zero (nothing reads it)."""
    def widened(residuals, cts):
        used_cts = iter(cts)
        return bwd(residuals, [next(used_cts) if used else Zero(aval.strip_weak_type())
                               for used, aval in zip(used_outputs, out_avals)])
    return widened


def _custom_vjp_call_dce(used_outputs, *, call, fwd, bwd, num_consts, name, out_tree):
    """`out_tree` stays the user's output structure: the user's rules are written for it."""
    narrowed, takes = _narrowed_call(call, used_outputs, num_consts)
    if not all(used_outputs):
        fwd = _fwd_of_used_outputs(fwd, used_outputs)
        bwd = _bwd_of_used_outputs(bwd, used_outputs, call.out_avals)
    return takes, dict(call=narrowed, fwd=fwd, bwd=bwd, num_consts=sum(takes[:num_consts]),
                       name=name, out_tree=out_tree)


custom_vjp_call_p = Primitive(
    "custom_vjp_call",
    abstract_eval=lambda *avals, call, **params: list(call.out_avals),
    impl=_eval_call,
    lower=_lower_call,
    multiple_results=True,
    jvp=_custom_vjp_call_jvp,
    batch=_custom_vjp_call_batch,
    dce=_custom_vjp_call_dce,
    differentiation_modes=("rev",),
    examples=_custom_call_examples("vjp"),
)


class custom_vjp(_CustomRuleFunction):
    """A function with a user-defined VJP (`@custom_vjp` then `f.defvjp(fwd, bwd)`)."""

    def __init__(self, fun, nondiff_argnums=()):
        functools.update_wrapper(self, fun)
        self.fun = fun
        self.nondiff_argnums = tuple(sorted(nondiff_argnums))
        self.fwd = self.bwd = None
        self.symbolic_zeros = False

    def defvjp(self, fwd, bwd, symbolic_zeros=False):
        """`fwd(*args) -> (out, residuals)`; `bwd(*nondiff_args, residuals, ct) -> tuple
        with one cotangent (or None) per differentiable argument`. With `symbolic_zeros`,
        fwd gets each differentiable argument's leaves as `CustomVJPPrimal`s and bwd gets
        `SymbolicZero` for cotangents known to be zero."""
        self.fwd, self.bwd = fwd, bwd
        self.symbolic_zeros = symbolic_zeros

    def _prepare(self, args):
        count, static, diff, leaves, in_tree, call, consts, out_tree = \
            self._stage_primal(args, self.fwd, "VJP")
        user_fwd, user_bwd, nondiff = self.fwd, self.bwd, self.nondiff_argnums
        name, symbolic_zeros = self.__name__, self.symbolic_zeros
        user_cotangent = _symbolic_user_cotangent if symbolic_zeros else instantiate
        store = {}
        in_avals = [get_aval(x) for x in leaves]

        def flat_fwd(primal_leaves, perturbed):
            if symbolic_zeros:
                primal_leaves = [CustomVJPPrimal(value, flag)
                                 for value, flag in zip(primal_leaves, perturbed)]
            full = _merge(static, tree_unflatten(in_tree, primal_leaves), nondiff, count)
            result = user_fwd(*full)
            if not (isinstance(result, (tuple, list)) and len(result) == 2):
                raise TypeError(f"custom_vjp fwd of {name} must return a pair (output, "
                                f"residuals), got {type(result).__name__}")
            out, residuals = result
            out_leaves, tree = tree_flatten(out)
            if tree != out_tree:
                raise TypeError(f"custom_vjp fwd of {name} returned an output with structure "
                                f"{tree}, but the function's output has structure {out_tree}")
            res_leaves, store["res_tree"] = tree_flatten(residuals)
            return out_leaves, res_leaves

        def flat_bwd(res_leaves, ct_leaves):
            ct_leaves = [user_cotangent(ct) for ct in ct_leaves]
            residuals = tree_unflatten(store["res_tree"], res_leaves)
            ct = tree_unflatten(out_tree, ct_leaves)
            result = user_bwd(*static, residuals, ct) if nondiff else user_bwd(residuals, ct)
            if not isinstance(result, (tuple, list)):
                raise TypeError(f"custom_vjp bwd of {name} must return a tuple with one entry "
                                f"per differentiable argument, got {type(result).__name__}")
            if len(result) != len(diff):
                raise TypeError(f"custom_vjp bwd of {name} returned {len(result)} cotangents, "
                                f"but the function has {len(diff)} differentiable arguments")
            cts = []
            for i, (entry, arg) in enumerate(zip(result, diff)):
                arg_leaves, arg_tree = tree_flatten(arg)
                if entry is None:
                    cts += [None] * len(arg_leaves)
                    continue
                entry_leaves, entry_tree = tree_flatten(entry)
                if entry_tree != arg_tree:
                    raise TypeError(f"custom_vjp bwd of {name} returned a cotangent for argument "
                                    f"{i} with structure {entry_tree}, expected "
                                    f"{arg_tree}")
                for leaf, ct in zip(arg_leaves, entry_leaves):
                    ct = None if isinstance(ct, SymbolicZero) else ct
                    if ct is not None and get_aval(ct).shape != get_aval(leaf).shape:
                        raise ValueError(f"custom_vjp bwd of {name} returned a cotangent of shape "
                                         f"{get_aval(ct).shape} for argument {i} of shape "
                                         f"{get_aval(leaf).shape}")
                    cts.append(ct)
            return [Zero(a) if ct is None else ct for ct, a in zip(cts, in_avals)]

        params = dict(call=call, fwd=flat_fwd, bwd=flat_bwd, num_consts=len(consts), name=name,
                      out_tree=out_tree)
        return consts + leaves, params, out_tree

    def __call__(self, *args, **kwargs):
        args = _resolve_kwargs(self.fun, args, kwargs)
        flat_args, params, out_tree = self._prepare(args)
        return tree_unflatten(out_tree, custom_vjp_call_p.bind(*flat_args, **params))


__all__ = ["CustomVJPPrimal", "SymbolicZero", "custom_jvp", "custom_jvp_call_p", "custom_lin_p",
           "custom_vjp", "custom_vjp_call_p", "custom_vjp_primal_tree_values", "zero_from_primal"]
