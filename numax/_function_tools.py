"""Top-level function helpers: custom_gradient, closure_convert, ensure_compile_time_eval,
named_call and named_scope.

Owns these wrappers only; they are built on the public transformations
(custom_vjp, staging, the trace stack) and add no primitive.
"""

import contextlib
import functools

import numpy as np

from numax.core import dtypes
from numax.core.pytree import tree_flatten, tree_unflatten
from numax.core.trace import EVAL_TRACE, Trace, Tracer, current_trace, set_current_trace


# ---------------------------------------------------------------- closure conversion

def closure_convert(fun, *example_args):
    """Makes the floating-point values `fun` closes over explicit arguments.

    Returns `(converted, hoisted)`: `converted(*args, *hoisted)` computes `fun(*args)` for
    arguments with the example arguments' structure, shapes and dtypes. Closed-over
    values of other dtypes stay inside `converted`. Useful for custom_vjp rules, which
    may not close over values being differentiated.

    >>> import numax, numax.numpy as jnp
    >>> scale = jnp.float32(3.0)
    >>> converted, hoisted = numax.closure_convert(lambda x: x * scale, 1.0)
    >>> float(converted(2.0, *hoisted))
    6.0
    """
    from numax.api import abstractify
    from numax.transforms.ad import eval_jaxpr
    from numax.transforms.staging import trace_to_jaxpr
    leaves, in_tree = tree_flatten(example_args)
    store = {}

    def flat(*flat_leaves):
        out_leaves, store["tree"] = tree_flatten(fun(*tree_unflatten(in_tree, list(flat_leaves))))
        return out_leaves

    closed, consts = trace_to_jaxpr(flat, [abstractify(x) for x in leaves])
    hoist = [dtypes.issubdtype(abstractify(c).dtype, np.inexact) for c in consts]
    hoisted = [c for c, h in zip(consts, hoist) if h]
    kept = [c for c, h in zip(consts, hoist) if not h]
    num_args, out_tree = len(example_args), store["tree"]

    def converted(*args_and_hoisted):
        if len(args_and_hoisted) != num_args + len(hoisted):
            raise TypeError(f"closure_convert: the converted function takes {num_args} "
                            f"argument(s) followed by {len(hoisted)} hoisted value(s), got "
                            f"{len(args_and_hoisted)} values")
        arg_leaves, tree = tree_flatten(args_and_hoisted[:num_args])
        if tree != in_tree:
            raise TypeError(f"closure_convert: arguments have structure {tree}, but the "
                            f"example arguments had {in_tree}")
        given, kept_iter = iter(args_and_hoisted[num_args:]), iter(kept)
        all_consts = [next(given) if h else next(kept_iter) for h in hoist]
        outs = eval_jaxpr(closed.jaxpr, (), *all_consts, *arg_leaves)
        return tree_unflatten(out_tree, outs)

    return converted, hoisted


def custom_gradient(fun):
    """Defines a function's gradient together with the function.

    `fun(*args)` returns `(value, vjp)`, where `vjp(cotangent)` returns one cotangent per
    argument (a tuple, or a single value for a one-argument function). Built on
    `numax.custom_vjp`; the vjp may close over values computed in `fun`.

    >>> import numax, numax.numpy as jnp
    >>> @numax.custom_gradient
    ... def f(x):
    ...     return jnp.sin(x), lambda g: (g * 10.0,)
    >>> float(numax.grad(f)(0.3))
    10.0
    """
    from numax.custom_derivatives import custom_vjp

    @functools.wraps(fun)
    def wrapper(*args):
        rules = []

        def primal(*xs):
            return fun(*xs)[0]

        def fwd(*xs):
            value, vjp = fun(*xs)
            converted, hoisted = closure_convert(vjp, value)
            rules.append(converted)
            return value, hoisted

        def bwd(hoisted, ct):
            cts = rules[-1](ct, *hoisted)
            return cts if isinstance(cts, tuple) else (cts,)

        with_rule = custom_vjp(primal)
        with_rule.defvjp(fwd, bwd)
        return with_rule(*args)

    return wrapper


# ---------------------------------------------------------------- compile-time evaluation

class _CompileTimeEvalTrace(Trace):
    """Runs a primitive eagerly when none of its inputs is a tracer; otherwise hands it
    to the enclosing transformation unchanged."""

    kind = "ensure_compile_time_eval"

    def process_primitive(self, primitive, args, params):
        concrete = not any(isinstance(x, Tracer) for x in args)
        with set_current_trace(EVAL_TRACE if concrete else self.parent):
            return primitive.bind(*args, **params)


@contextlib.contextmanager
def ensure_compile_time_eval():
    """Inside the block, operations whose inputs are all concrete run at once, even while
    a function is being traced (by jit, grad, vmap, ...), so their results are concrete
    arrays usable as Python values. Operations on traced values are traced as usual.

    >>> import numax, numax.numpy as jnp
    >>> @numax.jit
    ... def f(x):
    ...     with numax.ensure_compile_time_eval():
    ...         n = int(jnp.arange(4).sum())  # concrete: 6
    ...     return x * n
    >>> float(f(1.0))
    6.0
    """
    parent = current_trace()
    if parent is EVAL_TRACE:
        yield
        return
    trace = _CompileTimeEvalTrace(parent)
    try:
        with set_current_trace(trace):
            yield
    finally:
        trace.alive = False


# ---------------------------------------------------------------- names

def named_call(fun, *, name=None):
    """`fun` under a name for profiles and compiler metadata. numax's lowering carries no
    such names yet, so this returns a function that behaves exactly like `fun`."""
    if name is not None and not isinstance(name, str):
        raise TypeError(f"named_call: name must be a string, got {name!r}")

    @functools.wraps(fun)
    def named(*args, **kwargs):
        return fun(*args, **kwargs)

    return named


@contextlib.contextmanager
def named_scope(name):
    """`with named_scope("layer1"):` names the operations in the block for profiles. numax's
    lowering carries no such names yet, so the block runs unchanged."""
    if not isinstance(name, str):
        raise TypeError(f"named_scope: name must be a string, got {name!r}")
    yield
