"""`numax.jit`, its call primitive, `make_jaxpr`, `eval_shape` and ahead-of-time lowering.

Owns the jit cache and the dispatch hot path. A call flattens the arguments, builds a
key from (argument tree, argument avals, static arguments, x64 mode, device or argument
shardings), and on a hit runs the cached executable directly. Arguments, results or
constraints laid out over several devices make the program one partitioned over them
(dispatch.compile_spmd_jaxpr). On a miss it stages the function into a
jaxpr (core's staging trace), lowers it and compiles it. Inside another
transformation (grad, vmap, an outer jit) a jitted function binds the `jit`
primitive instead, whose rules let that transformation see the staged program.
"""

import functools
import inspect
import operator
import weakref

import numpy as np

from numax import _checks, runtime
from numax.runtime import fastpath
from numax.array import Array, device_put, from_host
from numax.core import dtypes
from numax.core.ir import dce_closed
from numax.core.abstract import ShapedArray
from numax.core.config import config
from numax.core.primitive import Primitive
from numax.core.pytree import tree_flatten, tree_leaves, tree_map, tree_unflatten
from numax.core.trace import EVAL_TRACE, Tracer, _state
from numax.dispatch import (argument_device, compile_jaxpr, compile_spmd_jaxpr,
                            constraint_sharding, on_device, place_for_program,
                            spmd_argument_shardings)
from numax.sharding import NamedSharding, PartitionSpec
from numax.transforms.staging import closed_over_consts, trace_to_jaxpr


# ---------------------------------------------------------------- the call primitive

def _jit_lower(ctx, *operands, name, jaxpr):
    return ctx.call(jaxpr, operands, name)


def _jit_examples():
    from numax import lax
    x = np.linspace(-1, 1, 6, dtype=np.float32).reshape(2, 3)
    closed, _ = trace_to_jaxpr(lambda a, b: [lax.add(lax.sin(a), b), lax.mul(a, 2.0)],
                               [ShapedArray((2, 3), np.dtype(np.float32))] * 2)
    return [((x, x + 1), dict(name="example", jaxpr=closed))]


_jvp_jaxprs = weakref.WeakKeyDictionary()  # jaxpr -> {nonzero tangents: (jvp jaxpr, ...)}


def _jit_jvp(primals, tangents, *, name, jaxpr):
    """JVP of a jit call is a jit call of the JVP program (staged once per zero pattern)."""
    from numax.transforms.ad import Zero, jvp_jaxpr
    nonzero = tuple(type(t) is not Zero for t in tangents)
    per_jaxpr = _jvp_jaxprs.setdefault(jaxpr, {})
    cached = per_jaxpr.get(nonzero)
    if cached is None:
        cached = per_jaxpr[nonzero] = jvp_jaxpr(jaxpr, nonzero)
    closed, consts, zero_outputs = cached
    outs = jit_p.bind(*consts, *primals, *[t for t in tangents if type(t) is not Zero],
                      name=f"jvp({name})", jaxpr=closed)
    num_out = len(jaxpr.out_avals)
    tangent_iter = iter(outs[num_out:])
    out_tangents = [Zero(a.strip_weak_type()) if zero else next(tangent_iter)
                    for a, zero in zip(jaxpr.out_avals, zero_outputs)]
    return outs[:num_out], out_tangents


_split_jaxprs = weakref.WeakKeyDictionary()  # jaxpr -> {unknowns: (known, unknown, ...)}


def _jit_partial_eval(trace, args, params):
    """With some inputs unknown, a jit call splits into a jit call of its known part (run
    now, on the parent trace, returning residuals) and a staged jit call of its unknown
    part, which takes the residuals."""
    from numax.core.trace import set_current_trace
    from numax.transforms.partial_eval import partial_eval_jaxpr
    closed, name = params["jaxpr"], params["name"]
    unknowns = tuple(trace.is_unknown(x) for x in args)
    per_jaxpr = _split_jaxprs.setdefault(closed, {})
    split = per_jaxpr.get(unknowns)
    if split is None:
        split = per_jaxpr[unknowns] = partial_eval_jaxpr(closed, unknowns)
    known, unknown, out_unknowns, num_residuals = split
    known_args = [x for x, u in zip(args, unknowns) if not u]
    with set_current_trace(trace.parent):
        known_outs = jit_p.bind(*known.consts, *known_args, name=name,
                                jaxpr=_constvars_as_inputs(known))
    num_known_out = len(known_outs) - num_residuals
    residuals = list(known_outs[num_known_out:])
    unknown_args = [x for x, u in zip(args, unknowns) if u]
    unknown_outs = trace.stage(jit_p, residuals + unknown_args, dict(name=name, jaxpr=unknown))
    known_iter, unknown_iter = iter(known_outs[:num_known_out]), iter(unknown_outs)
    return [next(unknown_iter) if u else next(known_iter) for u in out_unknowns]


def _constvars_as_inputs(closed):
    """The same program with its constants as leading inputs (how jit_p takes them)."""
    from numax.core.ir import ClosedJaxpr, Jaxpr
    cached = _const_inputs.get(closed)
    if cached is None:
        jaxpr = closed.jaxpr
        cached = _const_inputs[closed] = ClosedJaxpr(
            Jaxpr((), jaxpr.constvars + jaxpr.invars, jaxpr.outvars, jaxpr.eqns), ())
    return cached


_const_inputs = weakref.WeakKeyDictionary()


def _jit_transpose(cts, *args, name, jaxpr):
    """Transposes the (linear) body of a staged jit call in place."""
    from numax.transforms.ad import backward_pass
    return backward_pass(jaxpr, list(cts), list(args))


_batched_jaxprs = weakref.WeakKeyDictionary()  # jaxpr -> {(dims, size): (jaxpr, ...)}


def _jit_batch(args, dims, *, name, jaxpr):
    """vmap of a jit call is a jit call of the batched program (batch dims moved to 0)."""
    from numax.transforms.ad import eval_jaxpr, get_aval
    from numax.transforms.batching import batch_flat, batch_size, move_axis
    size = batch_size(args, dims)
    args = [move_axis(a, d, 0) if d is not None else a for a, d in zip(args, dims)]
    pattern = (tuple(d is not None for d in dims), size)
    per_jaxpr = _batched_jaxprs.setdefault(jaxpr, {})
    cached = per_jaxpr.get(pattern)
    if cached is None:
        out_dims = []

        def batched_body(*values):
            outs, dims_out = batch_flat(lambda *xs: eval_jaxpr(jaxpr.jaxpr, jaxpr.consts, *xs),
                                        values, [0 if b else None for b in pattern[0]], size)
            out_dims[:] = dims_out
            return [move_axis(o, d, 0) if d is not None else o for o, d in zip(outs, dims_out)]

        avals = [get_aval(a) for a in args]
        closed, consts = trace_to_jaxpr(batched_body, avals)
        cached = per_jaxpr[pattern] = (closed, consts, out_dims)
    closed, consts, out_dims = cached
    outs = jit_p.bind(*consts, *args, name=name, jaxpr=closed)
    return outs, [0 if d is not None else None for d in out_dims]


def _jit_dce(used_outputs, *, name, jaxpr):
    """Only the used outputs, and the inputs they need, with the sub-program pruned."""
    pruned, used_inputs = dce_closed(jaxpr, used_outputs)
    return used_inputs, {"name": name, "jaxpr": pruned}


jit_p = Primitive(
    "jit",
    abstract_eval=lambda *avals, name, jaxpr: list(jaxpr.out_avals),
    lower=_jit_lower,
    multiple_results=True,
    jvp=_jit_jvp,
    partial_eval=_jit_partial_eval,
    dce=_jit_dce,
    transpose=_jit_transpose,
    batch=_jit_batch,
    examples=_jit_examples,
)


# ---------------------------------------------------------------- avals of arguments

class ShapeDtypeStruct:
    """A shape and dtype standing in for an array (eval_shape results, lower() inputs)."""

    __slots__ = ("shape", "dtype", "weak_type", "sharding")

    def __init__(self, shape, dtype, weak_type=False, sharding=None):
        self.shape = tuple(shape)
        self.dtype = np.dtype(dtype)
        self.weak_type = weak_type
        self.sharding = sharding

    ndim = property(lambda self: len(self.shape))
    size = property(lambda self: int(np.prod(self.shape)))

    def __repr__(self):
        weak = ", weak_type=True" if self.weak_type else ""
        return f"ShapeDtypeStruct(shape={self.shape}, dtype={self.dtype.name}{weak})"

    def __eq__(self, other):
        return (isinstance(other, ShapeDtypeStruct) and self.shape == other.shape
                and self.dtype == other.dtype and self.weak_type == other.weak_type)

    def __hash__(self):
        return hash((self.shape, self.dtype, self.weak_type))


def abstractify(value):
    """The aval of a jit argument: Arrays and tracers carry theirs; host values get JAX's."""
    aval = getattr(value, "aval", None)
    if aval is not None:
        return aval
    if isinstance(value, ShapeDtypeStruct):
        return ShapedArray(value.shape, dtypes.canonicalize_dtype(value.dtype), value.weak_type)
    if isinstance(value, (list, tuple, dict)) or value is None:
        raise TypeError(f"expected an array, got {type(value).__name__}")
    try:
        dtype, weak = dtypes.dtype_and_weak_type(value)
    except TypeError:
        raise TypeError(f"Argument {value!r} of type {type(value)} is not a valid numax type; "
                        "jit arguments must be arrays, scalars or pytrees of them (mark other "
                        "arguments static with static_argnums)") from None
    return ShapedArray(np.shape(value), dtype, weak)


# ---------------------------------------------------------------- jit

class _CacheEntry:
    __slots__ = ("program", "out_tree", "consts", "kept", "all_kept", "jaxpr", "in_shardings")

    def __init__(self, program, out_tree, consts, kept, jaxpr, num_args, in_shardings=None):
        self.program = program
        self.out_tree = out_tree
        self.consts = consts
        self.kept = kept
        self.all_kept = kept == list(range(num_args))
        self.jaxpr = jaxpr
        self.in_shardings = in_shardings  # per argument, for a program over several devices


def _normalize_argnums(argnums, count, what):
    if argnums is None:
        return ()
    if isinstance(argnums, int):
        argnums = (argnums,)
    out = []
    for n in argnums:
        n = operator.index(n)
        if count is not None and not -count <= n < count:
            raise ValueError(f"jit: {what}={n} is out of range for a function of {count} "
                             "positional arguments")
        out.append(n % count if (count is not None and n < 0) else n)
    return tuple(sorted(set(out)))


def _positional_count(fun):
    try:
        parameters = inspect.signature(fun).parameters.values()
    except (TypeError, ValueError):
        return None
    if any(p.kind == p.VAR_POSITIONAL for p in parameters):
        return None
    return sum(p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD) for p in parameters)


def _argnames_to_nums(fun, names):
    try:
        parameters = list(inspect.signature(fun).parameters.values())
    except (TypeError, ValueError):
        return ()
    return tuple(i for i, p in enumerate(parameters)
                 if p.name in names and p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD))


live_jit_functions = weakref.WeakSet()  # for numax.clear_caches


class JitFunction:
    """A jitted function's staging, compilation and caches. `numax.jit(f)` returns its
    `dispatcher`: jaxlib's C++ dispatch, with `lower`, `eval_shape` and `clear_cache` attached."""

    def __init__(self, fun, static_argnums=None, static_argnames=None, donate_argnums=None,
                 donate_argnames=None, keep_unused=False, inline=False, in_shardings=None,
                 out_shardings=None):
        if not callable(fun):
            raise TypeError(f"jit expects a callable, got {fun!r}")
        self.in_shardings = _check_shardings(in_shardings, "in_shardings")
        self.out_shardings = _check_shardings(out_shardings, "out_shardings")
        functools.update_wrapper(self, fun)
        self.fun = fun
        count = _positional_count(fun)
        static_argnames = (static_argnames,) if isinstance(static_argnames, str) else \
            tuple(static_argnames or ())
        donate_argnames = (donate_argnames,) if isinstance(donate_argnames, str) else \
            tuple(donate_argnames or ())
        self.static_argnums = tuple(sorted(set(
            _normalize_argnums(static_argnums, count, "static_argnums")
            + _argnames_to_nums(fun, static_argnames))))
        self.static_argnames = static_argnames
        self.donate_argnums = tuple(sorted(set(
            _normalize_argnums(donate_argnums, count, "donate_argnums")
            + _argnames_to_nums(fun, donate_argnames))))
        self.donate_argnames = donate_argnames
        overlap = set(self.static_argnums) & set(self.donate_argnums)
        if overlap:
            raise ValueError(f"jit: arguments {sorted(overlap)} are both static and donated")
        self.keep_unused = keep_unused
        self.inline = inline
        self._cache = {}
        self._traces = {}
        self._simple = not (self.static_argnums or self.static_argnames or self.donate_argnums
                            or self.donate_argnames)
        # What `numax.jit` returns: jaxlib's C++ dispatcher, which replays known signatures
        # itself and calls `_cache_miss` for the others.
        self.dispatcher = fastpath.jit_function(_name(fun), fun, self._cache_miss,
                                                self.static_argnums, self.static_argnames, self)
        functools.update_wrapper(self.dispatcher, fun)
        for name in ("lower", "eval_shape", "clear_cache", "_cache_size"):
            setattr(self.dispatcher, name, getattr(self, name))
        live_jit_functions.add(self)

    # ------------------------------------------------------------ call
    def _cache_miss(self, *args, **kwargs):
        """Runs a call the C++ dispatch has no record for; returns (outputs, the record that
        lets the C++ dispatch replay calls of this signature or None, False)."""
        if config.jit_disabled:
            return self.fun(*args, **kwargs), None, False
        dynamic, static_key = self._dynamic(args, kwargs)
        leaves, in_tree = tree_flatten(dynamic)
        if _state.trace is not EVAL_TRACE or any(isinstance(x, Tracer) for x in leaves):
            return self._bind(args, kwargs, dynamic, leaves, in_tree, static_key), None, False
        arrays = [x if type(x) is Array else _argument_array(x) for x in leaves]
        shardings = spmd_argument_shardings(arrays, self._argument_shardings(args, len(leaves)))
        device = None
        if shardings is None:  # one device
            device = argument_device(arrays)
            arrays = on_device(arrays, device or runtime.default_device())
        key = (in_tree, tuple(x.aval for x in arrays), static_key, config.semantic_key(), device,
               shardings and tuple(shardings))
        entry = self._cache.get(key)
        if entry is None:
            _checks.explain_cache_miss(_name(self.fun), key, list(self._cache))
            entry = self._cache[key] = self._compile(args, kwargs, in_tree, arrays, device,
                                                     shardings)
        if entry.in_shardings is not None:
            arrays = place_for_program(arrays, entry.in_shardings)
        kept = arrays if entry.all_kept else [arrays[i] for i in entry.kept]
        if config.python_dispatch:
            _checks.before_run(f"jit({_name(self.fun)})")
        outs = entry.program.run(entry.consts + kept)
        result = tree_unflatten(entry.out_tree, outs)
        if config.python_dispatch:  # checked calls are never replayed by the C++ dispatch
            _checks.check_jit_outputs(_name(self.fun), entry.jaxpr, entry.consts + arrays, outs)
            return result, None, False
        return result, self._replay_record(entry, dynamic, leaves, arrays, result, outs), False

    @staticmethod
    def _replay_record(entry, dynamic, leaves, arrays, result, outs):
        """The C++ dispatch's record for this call, if it flattens the arguments and the
        result exactly as numax did (a pytree node it does not know makes it differ)."""
        in_leaves, _ = fastpath.flatten(dynamic)
        out_leaves, out_treedef = fastpath.flatten(result)
        if not (_same_objects(in_leaves, leaves) and _same_objects(out_leaves, outs)):
            return None
        if any(type(x) is Array and x is not y for x, y in zip(leaves, arrays)):
            return None  # an argument was moved to the computation's device
        if (entry.in_shardings is not None or config.transfer_guard("host_to_device")) and \
                any(type(x) is not Array for x in leaves):
            # host values would need laying out over the devices, or checking against the
            # transfer guard on every call, which numax does
            return None
        kept = set(entry.kept)
        in_shardings = None
        if entry.in_shardings is not None:  # constants are replicated over the same devices
            in_shardings = [c._sharding for c in entry.consts] + list(entry.in_shardings)
        return fastpath.replay_record(
            entry.program.executable, entry.consts,
            [True] * len(entry.consts) + [i in kept for i in range(len(leaves))], out_treedef,
            in_shardings)

    def _dynamic(self, args, kwargs):
        """(the traced arguments as one pytree, a hashable key of the static ones)."""
        if self._simple and not kwargs:
            return args, None
        return self._split_static(args, kwargs)

    def _split_static(self, args, kwargs):
        """Dynamic arguments as a pytree ((args, kwargs)) and a hashable key of the static ones."""
        static_args = []
        dynamic_args = []
        for i, arg in enumerate(args):
            if i in self.static_argnums:
                static_args.append((i, arg))
            else:
                dynamic_args.append(arg)
        static_kwargs = sorted((k, v) for k, v in kwargs.items() if k in self.static_argnames)
        dynamic_kwargs = {k: v for k, v in kwargs.items() if k not in self.static_argnames}
        static_key = (tuple(static_args), tuple(static_kwargs))
        try:
            hash(static_key)
        except TypeError as error:
            raise ValueError(
                f"Non-hashable static arguments are not supported: the static arguments of "
                f"{self.__name__} must be hashable ({error}). Pass arrays as ordinary "
                "arguments, or convert lists to tuples.") from None
        return (tuple(dynamic_args), dynamic_kwargs), static_key

    def _flat_function(self, args, kwargs, in_tree):
        """The function of flat dynamic leaves that the jaxpr stages; records the output tree."""
        store = {}

        def flat(*leaves):
            dynamic = tree_unflatten(in_tree, list(leaves))
            if self._simple and not kwargs:
                out = self.fun(*dynamic)
            else:
                dyn_args, dyn_kwargs = dynamic
                dyn_iter = iter(dyn_args)
                full_args = [args[i] if i in self.static_argnums else next(dyn_iter)
                             for i in range(len(args))]
                full_kwargs = {k: (kwargs[k] if k in self.static_argnames else dyn_kwargs[k])
                               for k in kwargs}
                out = self.fun(*full_args, **full_kwargs)
            out_leaves, store["out_tree"] = tree_flatten(out)
            return out_leaves

        return flat, store

    def trace(self, args, kwargs, in_tree, in_avals):
        flat, store = self._flat_function(args, kwargs, in_tree)
        tracers_before = _checks.before_trace(_name(self.fun))
        closed, consts = trace_to_jaxpr(flat, in_avals)
        _checks.after_trace(_name(self.fun), closed, tracers_before)
        return closed, consts, store["out_tree"]

    def _donated_leaves(self, args, kwargs):
        """Flat positions of the dynamic leaves that belong to donated arguments."""
        if not (self.donate_argnums or self.donate_argnames):
            return ()
        (dyn_args, dyn_kwargs), _ = self._split_static(args, kwargs)
        positions = [i for i in range(len(args)) if i not in self.static_argnums]
        marks = (tuple(tree_map(lambda _, d=i in self.donate_argnums: d, a)
                       for i, a in zip(positions, dyn_args)),
                 {k: tree_map(lambda _, d=k in self.donate_argnames: d, v)
                  for k, v in dyn_kwargs.items()})
        return tuple(i for i, donated in enumerate(tree_leaves(marks)) if donated)

    def _prune(self, closed, num_consts):
        """The program without dead equations and unused arguments (unless keep_unused),
        and which arguments were kept."""
        from numax.core.ir import dce
        jaxpr = dce(closed.jaxpr)
        kept = list(range(len(jaxpr.invars) - num_consts))
        if not self.keep_unused:
            used = _used_inputs(jaxpr)
            kept = [i for i in kept if jaxpr.invars[num_consts + i] in used]
        return _select_inputs(closed, list(range(num_consts)) + [num_consts + i for i in kept]), kept

    def _compile(self, args, kwargs, in_tree, arrays, device, shardings):
        in_avals = [x.aval for x in arrays]
        closed, consts, out_tree = self.trace(args, kwargs, in_tree, in_avals)
        num_consts = len(consts)
        pruned, kept = self._prune(closed, num_consts)
        const_arrays = [c if isinstance(c, Array) else from_host(np.asarray(c), guard=None)
                        for c in consts]
        donated_leaves = set(self._donated_leaves(args, kwargs))
        donated = [num_consts + position for position, i in enumerate(kept) if i in donated_leaves]
        name = f"jit_{_name(self.fun)}"
        out_shardings = _broadcast_shardings(
            self.out_shardings, tree_unflatten(out_tree, list(pruned.out_avals)), "out_shardings")
        # A program whose inputs, results or intermediate values are laid out over several
        # devices is partitioned over them; its other inputs and constants are replicated.
        anchor = next((s for s in (*(shardings or ()), *out_shardings) if s is not None), None) \
            or constraint_sharding(closed.jaxpr)
        if anchor is None:
            target = device or runtime.default_device()
            program = compile_jaxpr(pruned, target, committed=device is not None,
                                    donated=donated, name=name)
            return _CacheEntry(program, out_tree, [c._buf for c in const_arrays], kept, closed,
                               len(arrays))
        replicated = anchor.with_spec(PartitionSpec())
        shardings = shardings or [replicated] * len(arrays)
        const_arrays = [device_put(c, replicated) for c in const_arrays]
        program = compile_spmd_jaxpr(
            pruned, [replicated] * num_consts + [shardings[i] for i in kept], out_shardings,
            donated=tuple(donated), name=name)
        return _CacheEntry(program, out_tree, const_arrays, kept, closed, len(arrays), shardings)

    def _argument_shardings(self, args, num_leaves):
        """The in_shardings entry of every dynamic leaf (None where none is given), or None.
        in_shardings covers the positional arguments, whose leaves come first."""
        if self.in_shardings is None:
            return None
        positional = tuple(a for i, a in enumerate(args) if i not in self.static_argnums)
        shardings = _broadcast_shardings(self.in_shardings, positional, "in_shardings")
        return shardings + [None] * (num_leaves - len(shardings))

    def _bind(self, args, kwargs, dynamic, leaves, in_tree, static_key):
        """Inside a transformation: stage the function and bind the jit primitive.

        The staged program is cached per argument types when it closes over no tracers,
        so transformations of the call (jvp, vmap) see the same jaxpr object each time
        and their own caches keyed on it hit."""
        in_avals = [abstractify(x) for x in leaves]
        key = (in_tree, tuple(in_avals), static_key, config.semantic_key())
        cached = self._traces.get(key)
        if cached is None:
            cached = self.trace(args, kwargs, in_tree, in_avals)
            if not any(isinstance(c, Tracer) for c in cached[1]):
                self._traces[key] = cached
        closed, consts, out_tree = cached
        outs = jit_p.bind(*consts, *leaves, name=_name(self.fun), jaxpr=closed)
        return tree_unflatten(out_tree, outs)

    # ------------------------------------------------------------ ahead of time
    def lower(self, *args, **kwargs):
        """Stages and lowers for these arguments; returns a `Lowered` (`.as_text()`, `.compile()`)."""
        dynamic, _ = self._dynamic(args, kwargs)
        leaves, in_tree = tree_flatten(dynamic)
        in_avals = [abstractify(x) for x in leaves]
        closed, consts, out_tree = self.trace(args, kwargs, in_tree, in_avals)
        return Lowered(self, closed, consts, out_tree, in_tree, in_avals)

    def eval_shape(self, *args, **kwargs):
        return eval_shape(self.fun, *args, **kwargs)

    def clear_cache(self):
        self._cache.clear()
        self._traces.clear()
        self.dispatcher._clear_cache()

    def _cache_size(self):
        return len(self._cache)


def _name(fun):
    return getattr(fun, "__name__", type(fun).__name__)


def _check_shardings(shardings, what):
    """`shardings` (a pytree prefix of NamedShardings and Nones) if jit supports it."""
    for leaf in tree_leaves(shardings, is_leaf=lambda x: x is None):
        if leaf is not None and not isinstance(leaf, NamedSharding):
            values = "arguments" if what == "in_shardings" else "results"
            raise TypeError(f"jit: {what} takes numax.sharding.NamedSharding objects or None "
                            f"(a pytree prefix of the {values}), got {leaf!r}; place "
                            "single-device values with numax.device_put")
    return shardings


def _broadcast_shardings(prefix, tree, what):
    """One sharding (or None) per leaf of `tree`, from `prefix`, a pytree prefix of `tree`
    whose leaves are shardings or None (a single sharding applies to every leaf)."""
    if prefix is None or isinstance(prefix, NamedSharding):
        return [prefix] * len(tree_leaves(tree))
    if isinstance(prefix, (tuple, list)) and isinstance(tree, (tuple, list)) \
            and len(prefix) == len(tree):
        return [s for p, t in zip(prefix, tree) for s in _broadcast_shardings(p, t, what)]
    if isinstance(prefix, dict) and isinstance(tree, dict) and prefix.keys() == tree.keys():
        return [s for k in sorted(tree) for s in _broadcast_shardings(prefix[k], tree[k], what)]
    raise ValueError(f"jit: {what} {prefix!r} is not a pytree prefix of the values it lays out "
                     f"({tree!r}): give one sharding, or a tuple/list/dict matching them")


def _same_objects(xs, ys):
    return len(xs) == len(ys) and all(x is y for x, y in zip(xs, ys))


def _argument_array(value):
    if isinstance(value, Tracer):
        from numax.core.trace import raise_escaped
        raise_escaped(value)
    abstractify(value)  # raises a clear error for unsupported argument types
    return from_host(value)


def _used_inputs(jaxpr):
    used = set(v for v in jaxpr.outvars if not hasattr(v, "value"))
    for eqn in jaxpr.eqns:
        used.update(v for v in eqn.invars if not hasattr(v, "value"))
    return used


def _select_inputs(closed, positions):
    """The program over the inputs at `positions`, without dead equations."""
    from numax.core.ir import ClosedJaxpr, Jaxpr, dce
    jaxpr = dce(closed.jaxpr)
    invars = [jaxpr.invars[i] for i in positions]
    return ClosedJaxpr(Jaxpr((), invars, jaxpr.outvars, jaxpr.eqns), ())


class Lowered:
    """A staged and lowered computation: `as_text()` is its StableHLO; `compile()` builds it."""

    def __init__(self, jit_function, closed, consts, out_tree, in_tree, in_avals):
        from numax.lowering import lower_jaxpr
        self._jit = jit_function
        self.jaxpr, self.kept = jit_function._prune(closed, len(consts))
        self.consts = consts
        self.out_tree = out_tree
        self.in_tree = in_tree
        self.in_avals = in_avals
        self._text = lower_jaxpr(self.jaxpr, name=f"jit_{_name(jit_function.fun)}")

    def as_text(self, dialect="stablehlo"):
        return self._text

    def compile(self):
        return Compiled(self)

    @property
    def out_info(self):
        return tree_unflatten(self.out_tree, [ShapeDtypeStruct(a.shape, a.dtype, a.weak_type)
                                              for a in self.jaxpr.out_avals])


class Compiled:
    """An executable for fixed argument types; call it with arrays of exactly those types."""

    def __init__(self, lowered):
        self.lowered = lowered
        device = runtime.default_device()
        self._consts = [(c if isinstance(c, Array) else from_host(np.asarray(c), guard=None))._buf
                        for c in lowered.consts]
        self._program = compile_jaxpr(lowered.jaxpr, device)

    def __call__(self, *args, **kwargs):
        _checks.before_run(f"jit({_name(self.lowered._jit.fun)})")
        dynamic, _ = self.lowered._jit._dynamic(args, kwargs)
        leaves, in_tree = tree_flatten(dynamic)
        if in_tree != self.lowered.in_tree:
            raise TypeError(f"Compiled function called with argument structure {in_tree}, "
                            f"but it was compiled for {self.lowered.in_tree}")
        arrays = [x if isinstance(x, Array) else from_host(x) for x in leaves]
        for i, (array, aval) in enumerate(zip(arrays, self.lowered.in_avals)):
            if array.aval.strip_weak_type() != aval.strip_weak_type():
                raise TypeError(f"Compiled function argument {i} has type {array.aval.str_short()}, "
                                f"but it was compiled for {aval.str_short()}")
        outs = self._program.run(self._consts + [arrays[i]._buf for i in self.lowered.kept])
        return tree_unflatten(self.lowered.out_tree, outs)

    def as_text(self):
        return self._program.executable.optimized_hlo()

    def cost_analysis(self):
        return self._program.executable.cost_analysis()

    def memory_analysis(self):
        return self._program.executable.memory_stats()


def jit(fun=None, *, in_shardings=None, out_shardings=None, static_argnums=None,
        static_argnames=None, donate_argnums=None, donate_argnames=None, keep_unused=False,
        inline=False, device=None, backend=None):
    """Compiles `fun` with XLA; usable as `@jit` or `@jit(static_argnums=...)`.

    `in_shardings` / `out_shardings` (NamedShardings, or pytree prefixes of the positional
    arguments / results holding them and None) lay values out over several devices: the
    program is then partitioned over them by XLA, as it is when an argument is sharded.

    >>> import numax, numax.numpy as jnp
    >>> numax.jit(lambda x: x * 2)(jnp.arange(3))
    Array([0, 2, 4], dtype=int32)
    """
    if fun is None:
        return functools.partial(jit, in_shardings=in_shardings, out_shardings=out_shardings,
                                 static_argnums=static_argnums, static_argnames=static_argnames,
                                 donate_argnums=donate_argnums, donate_argnames=donate_argnames,
                                 keep_unused=keep_unused, inline=inline)
    return JitFunction(fun, static_argnums, static_argnames, donate_argnums, donate_argnames,
                       keep_unused, inline, in_shardings, out_shardings).dispatcher


# ---------------------------------------------------------------- staging without running

def make_jaxpr(fun, static_argnums=(), return_shape=False):
    """`make_jaxpr(f)(*args)` returns the program f stages for these arguments' types."""
    static_argnums = (static_argnums,) if isinstance(static_argnums, int) else tuple(static_argnums)

    @functools.wraps(fun)
    def staged(*args, **kwargs):
        dynamic = tuple(a for i, a in enumerate(args) if i not in static_argnums)
        leaves, in_tree = tree_flatten((dynamic, kwargs))
        store = {}

        def flat(*flat_leaves):
            dyn_args, dyn_kwargs = tree_unflatten(in_tree, list(flat_leaves))
            it = iter(dyn_args)
            full = [a if i in static_argnums else next(it) for i, a in enumerate(args)]
            out = fun(*full, **dyn_kwargs)
            out_leaves, store["tree"] = tree_flatten(out)
            return out_leaves

        closed, consts = trace_to_jaxpr(flat, [abstractify(x) for x in leaves])
        result = closed_over_consts(closed, consts)
        if return_shape:
            shapes = [ShapeDtypeStruct(a.shape, a.dtype, a.weak_type) for a in closed.out_avals]
            return result, tree_unflatten(store["tree"], shapes)
        return result

    return staged


def eval_shape(fun, *args, **kwargs):
    """The shapes and dtypes `fun` would return, as ShapeDtypeStructs; nothing is computed."""
    leaves, in_tree = tree_flatten((args, kwargs))
    store = {}

    def flat(*flat_leaves):
        a, k = tree_unflatten(in_tree, list(flat_leaves))
        out_leaves, store["tree"] = tree_flatten(fun(*a, **k))
        return out_leaves

    closed, _ = trace_to_jaxpr(flat, [abstractify(x) for x in leaves])
    return tree_unflatten(store["tree"], [ShapeDtypeStruct(a.shape, a.dtype, a.weak_type)
                                          for a in closed.out_avals])


# ---------------------------------------------------------------- host transfers

def device_get(tree):
    """A pytree with every Array replaced by its NumPy value (an explicit transfer, for the
    transfer guards)."""
    return tree_map(lambda x: x._host_value(explicit=True) if isinstance(x, Array) else x, tree)


def block_until_ready(tree):
    """Waits until every array in the pytree is computed; returns the pytree."""
    for leaf in tree_leaves(tree):
        if hasattr(leaf, "block_until_ready"):
            leaf.block_until_ready()
    return tree
