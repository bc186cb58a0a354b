"""custom_vmap: functions with a user-defined batching rule (`numax.custom_batching`).

A call of a custom_vmap function stages the function into a jaxpr and binds
`custom_vmap_call`, whose params carry the user's rule as a flat function. Evaluation
and lowering run the staged function; numax.vmap calls the rule instead of batching
the function's operations. Derivatives differentiate the staged function, so under a
vmap of a derivative the function's own operations are batched, not the rule.
`sequential_vmap` makes a function whose batching is a loop (lax.map).
"""

import functools

import numpy as np

from numax.core.errors import NumaxError
from numax.core.primitive import Primitive
from numax.core.pytree import tree_flatten, tree_map, tree_structure, tree_unflatten
from numax.transforms.ad import Zero, eval_jaxpr, get_aval, jvp_flat
from numax.transforms.batching import batch_size, move_axis
from numax.transforms.staging import trace_to_jaxpr


def _eval_call(*args, call, **params):
    return eval_jaxpr(call.jaxpr, call.consts, *args)


def _lower_call(ctx, *operands, call, name, **params):
    return ctx.call(call, operands, name)


def _custom_vmap_call_jvp(primals, tangents, *, call, rule, num_consts, name):
    if any(type(t) is not Zero for t in tangents[:num_consts]):
        raise NumaxError(f"the custom_vmap function {name} closes over a value that is being "
                         "differentiated; pass that value as an explicit argument instead")
    return jvp_flat(lambda *xs: eval_jaxpr(call.jaxpr, call.consts, *xs), list(primals),
                    list(tangents))


def _custom_vmap_call_batch(args, dims, *, call, rule, num_consts, name):
    if any(d is not None for d in dims[:num_consts]):
        raise NumaxError(f"the custom_vmap function {name} closes over a value that is being "
                         "vmapped; pass that value as an explicit argument instead")
    size = batch_size(args, dims)
    values = [move_axis(x, d, 0) if d is not None else x
              for x, d in zip(args[num_consts:], dims[num_consts:])]
    outs, out_batched = rule(size, [d is not None for d in dims[num_consts:]], values)
    return outs, [0 if batched else None for batched in out_batched]


def _custom_vmap_examples():
    from numax import lax
    x = np.linspace(0.5, 1.5, 6, dtype=np.float32)
    f = custom_vmap(lambda v: lax.mul(lax.sin(v), 2.0))
    f.def_vmap(lambda size, batched, v: (lax.mul(lax.sin(v), 2.0), batched[0]))
    return [((x,), f._prepare((x,))[1])]


custom_vmap_call_p = Primitive(
    "custom_vmap_call",
    abstract_eval=lambda *avals, call, **params: list(call.out_avals),
    impl=_eval_call,
    lower=_lower_call,
    multiple_results=True,
    jvp=_custom_vmap_call_jvp,
    batch=_custom_vmap_call_batch,
    examples=_custom_vmap_examples,
)


class custom_vmap:
    """A function with a user-defined vmap rule: `@custom_vmap`, then

        @f.def_vmap
        def rule(axis_size, in_batched, *args):
            ...
            return out, out_batched

    `in_batched` mirrors the arguments with a bool per array: True where the argument
    has a leading batch axis of length `axis_size`. The rule returns the batched result
    and a pytree of bools of the output's structure saying which outputs carry the
    batch axis (first); a single bool stands for every output.

    >>> import numax, numax.numpy as jnp
    >>> @numax.custom_batching.custom_vmap
    ... def f(x):
    ...     return jnp.sin(x)
    >>> @f.def_vmap
    ... def f_rule(axis_size, in_batched, x):
    ...     return jnp.cos(x), in_batched[0]
    >>> numax.vmap(f)(jnp.zeros(2)).tolist()  # the rule ran
    [1.0, 1.0]
    """

    def __init__(self, fun):
        functools.update_wrapper(self, fun)
        self.fun = fun
        self.vmap_rule = None

    def def_vmap(self, rule):
        self.vmap_rule = rule
        return rule

    def _prepare(self, args):
        if self.vmap_rule is None:
            raise AttributeError(f"No batching rule defined for custom_vmap function "
                                 f"{self.__name__} using def_vmap.")
        leaves, in_tree = tree_flatten(args)
        store = {}

        def flat(*flat_leaves):
            out_leaves, store["tree"] = tree_flatten(self.fun(*tree_unflatten(in_tree,
                                                                              list(flat_leaves))))
            return out_leaves

        call, consts = trace_to_jaxpr(flat, [get_aval(x) for x in leaves])
        out_tree, user_rule, name = store["tree"], self.vmap_rule, self.__name__
        out_avals = call.out_avals

        def flat_rule(size, in_batched, values):
            out, out_batched = user_rule(size, tree_unflatten(in_tree, in_batched),
                                         *tree_unflatten(in_tree, values))
            out_leaves, tree = tree_flatten(out)
            if tree != out_tree:
                raise TypeError(f"the vmap rule of custom_vmap function {name} returned an "
                                f"output with structure {tree}, but the function's output "
                                f"has structure {out_tree}")
            if isinstance(out_batched, bool):
                out_batched = tree_map(lambda _: out_batched, out)
            flags, flags_tree = tree_flatten(out_batched)
            if flags_tree != out_tree:
                raise TypeError(f"the vmap rule of custom_vmap function {name} returned "
                                f"out_batched with structure {tree_structure(out_batched)}; "
                                f"it must match the output's structure {out_tree}")
            for leaf, batched, aval in zip(out_leaves, flags, out_avals):
                expected = ((size,) if batched else ()) + aval.shape
                if get_aval(leaf).shape != expected:
                    raise ValueError(f"the vmap rule of custom_vmap function {name} returned an "
                                     f"output of shape {get_aval(leaf).shape}; with "
                                     f"out_batched={bool(batched)} it must be {expected}")
            return out_leaves, [bool(b) for b in flags]

        params = dict(call=call, rule=flat_rule, num_consts=len(consts), name=name)
        return consts + leaves, params, out_tree

    def __call__(self, *args, **kwargs):
        if kwargs:
            raise TypeError(f"custom_vmap function {self.__name__} takes positional arguments "
                            "only")
        flat_args, params, out_tree = self._prepare(args)
        return tree_unflatten(out_tree, custom_vmap_call_p.bind(*flat_args, **params))


def sequential_vmap(fun):
    """`fun` as a custom_vmap whose batching rule applies it to one batch element at a
    time (with lax.map), for functions that cannot or should not be vectorized."""
    from numax import lax
    from numax.transforms.batching import to_front

    wrapped = custom_vmap(fun)

    @wrapped.def_vmap
    def rule(axis_size, in_batched, *args):
        leaves, tree = tree_flatten(args)
        flags = tree_flatten(in_batched)[0]
        stacked = [x if b else to_front(x, None, axis_size) for x, b in zip(leaves, flags)]
        out = lax.map(lambda xs: fun(*tree_unflatten(tree, list(xs))), stacked)
        return out, True

    return wrapped


__all__ = ["custom_vmap", "custom_vmap_call_p", "sequential_vmap"]
