"""numax.example_libraries.optimizers: small first-order optimizers, as JAX's example library.

An optimizer is an `(init_fun, update_fun, get_params)` triple. `init_fun(params)` builds an
`OptimizerState` from a pytree of parameters, `update_fun(step, grads, opt_state)` takes one
step with a gradient pytree of the same structure, and `get_params(opt_state)` reads the
parameters back. Each optimizer below is written for a single array and lifted to pytrees by
the `optimizer` decorator, which packs the per-leaf states flat so the whole state is a pytree
that passes through `numax.jit`. This module also owns the step-size schedules (a schedule maps
the step index to a step size), gradient clipping by global norm, and the conversion of a state
to and from a serialisable nested form (`unpack_optimizer_state` / `pack_optimizer_state`). It
is an example library: Optax-style libraries are the fully featured route.

>>> from numax.example_libraries import optimizers
>>> init_fun, update_fun, get_params = optimizers.sgd(0.5)
>>> state = update_fun(0, {"w": 2.0}, init_fun({"w": 1.0}))
>>> float(get_params(state)["w"])
0.0
"""

import functools
from typing import Any, Callable, NamedTuple

from numax import numpy as jnp
from numax.tree_util import register_pytree_node, tree_flatten, tree_map, tree_unflatten

Step = int
Array = Any
Params = Any
State = Any
Updates = Any
Schedule = Callable[[Step], float]


class OptimizerState(NamedTuple):
    """An optimizer's state for a whole parameter pytree, stored partially flattened.

    `packed_state[k]` holds the flattened per-array state of the k-th parameter leaf,
    `tree_def` is the parameter pytree's structure and `subtree_defs[k]` the structure of the
    k-th per-array state. As a pytree its leaves are the arrays of `packed_state` only; the
    two structures travel as static data, so jit traces the arrays and keys on the shapes.
    """
    packed_state: Any
    tree_def: Any
    subtree_defs: Any


register_pytree_node(
    OptimizerState,
    lambda state: ((state.packed_state,), (state.tree_def, state.subtree_defs)),
    lambda structures, children: OptimizerState(children[0], *structures))

InitFn = Callable[[Params], OptimizerState]
UpdateFn = Callable[[Step, Updates, OptimizerState], OptimizerState]
ParamsFn = Callable[[OptimizerState], Params]


class Optimizer(NamedTuple):
    """The `(init_fn, update_fn, params_fn)` triple an optimizer constructor returns."""
    init_fn: InitFn
    update_fn: UpdateFn
    params_fn: ParamsFn


def unzip2(pairs):
    """Splits an iterable of pairs into a tuple of first items and a tuple of second items."""
    firsts, seconds = [], []
    for first, second in pairs:
        firsts.append(first)
        seconds.append(second)
    return tuple(firsts), tuple(seconds)


def _flatten_states(states):
    """Per-leaf states -> (flat leaf lists, their treedefs), as two tuples."""
    return unzip2(tree_flatten(state) for state in states)


def _unflatten_states(opt_state):
    return [tree_unflatten(treedef, leaves)
            for treedef, leaves in zip(opt_state.subtree_defs, opt_state.packed_state)]


def optimizer(opt_maker):
    """Decorator lifting an optimizer written for one array to one working on pytrees.

    `opt_maker(*args, **kwargs)` returns `(init, update, get_params)` for a single array:
    `init(x) -> state`, `update(step, g, state) -> state`, `get_params(state) -> x`, where a
    state may be any pytree of arrays. The decorated constructor returns an `Optimizer` whose
    functions take and return parameter pytrees and an `OptimizerState`.
    """
    @functools.wraps(opt_maker)
    def make_tree_optimizer(*args, **kwargs):
        init, update, get_params = opt_maker(*args, **kwargs)

        @functools.wraps(init)
        def tree_init(params):
            leaves, treedef = tree_flatten(params)
            packed, subtree_defs = _flatten_states(init(x) for x in leaves)
            return OptimizerState(packed, treedef, subtree_defs)

        @functools.wraps(update)
        def tree_update(step, grads, opt_state):
            _check_is_state("update_fun", opt_state)
            grad_leaves, grad_treedef = tree_flatten(grads)
            if grad_treedef != opt_state.tree_def:
                raise TypeError(
                    "optimizer update function was passed a gradient tree that did not match "
                    f"the parameter tree structure with which it was initialized: parameter "
                    f"tree {opt_state.tree_def} and grad tree {grad_treedef}.")
            states = _unflatten_states(opt_state)
            new_states = [update(step, g, state) for g, state in zip(grad_leaves, states)]
            packed, subtree_defs = _flatten_states(new_states)
            for before, after in zip(opt_state.subtree_defs, subtree_defs):
                if before != after:
                    raise TypeError(
                        "optimizer update function produced an output structure that did not "
                        f"match its input structure: input {before} and output {after}.")
            return OptimizerState(packed, opt_state.tree_def, subtree_defs)

        @functools.wraps(get_params)
        def tree_get_params(opt_state):
            _check_is_state("get_params", opt_state)
            params = [get_params(state) for state in _unflatten_states(opt_state)]
            return tree_unflatten(opt_state.tree_def, params)

        return Optimizer(tree_init, tree_update, tree_get_params)
    return make_tree_optimizer


def _check_is_state(api, opt_state):
    if not isinstance(opt_state, OptimizerState):
        raise TypeError(f"optimizers {api}: expected the OptimizerState that init_fun returned, "
                        f"got {type(opt_state).__name__}. Pass the optimizer state, not the "
                        "parameters (update_fun's arguments are (step, grads, opt_state)).")


# ---------------------------------------------------------------- optimizers for one array
# Each returns (init, update, get_params) for a single array; the decorator does pytrees.
# `step_size(i)` is always read through make_schedule, so a number or a schedule both work.


def _first(state):
    return state[0]


@optimizer
def sgd(step_size):
    """Stochastic gradient descent: `x <- x - step_size(i) * g`.

    Args:
      step_size: a positive scalar, or a schedule mapping the step index to one.

    Returns:
      An (init_fun, update_fun, get_params) triple.
    """
    step_size = make_schedule(step_size)

    def update(i, g, x):
        return x - step_size(i) * g
    return (lambda x: x), update, (lambda x: x)


@optimizer
def momentum(step_size: Schedule, mass: float):
    """SGD with heavy-ball momentum: `v <- mass * v + g;  x <- x - step_size(i) * v`.

    Args:
      step_size: a positive scalar, or a schedule mapping the step index to one.
      mass: the momentum coefficient.
    """
    return _heavy_ball(step_size, mass, lookahead=False)


@optimizer
def nesterov(step_size: Schedule, mass: float):
    """SGD with Nesterov momentum: `v <- mass * v + g;  x <- x - step_size(i) * (mass * v + g)`.

    Args:
      step_size: a positive scalar, or a schedule mapping the step index to one.
      mass: the momentum coefficient.
    """
    return _heavy_ball(step_size, mass, lookahead=True)


def _heavy_ball(step_size, mass, lookahead):
    """The velocity update momentum and nesterov share; nesterov steps along the velocity
    it looks ahead to (`mass * v + g`), momentum along the velocity itself."""
    step_size = make_schedule(step_size)

    def init(x):
        return x, jnp.zeros_like(x)

    def update(i, g, state):
        x, velocity = state
        velocity = mass * velocity + g
        direction = mass * velocity + g if lookahead else velocity
        return x - step_size(i) * direction, velocity
    return init, update, _first


def _inverse_sqrt_or_zero(accumulator):
    # An entry that has only ever seen zero gradients has a zero accumulator; it takes no
    # step instead of dividing by zero.
    return jnp.where(accumulator > 0, 1.0 / jnp.sqrt(accumulator), 0.0)


@optimizer
def adagrad(step_size, momentum=0.9):
    """Adagrad (Duchi et al., 2011) with momentum on the scaled gradient.

    `s <- s + g**2;  m <- (1 - momentum) * g / sqrt(s) + momentum * m;  x <- x - step_size(i) * m`,
    where entries with `s == 0` get a zero scaled gradient.

    Args:
      step_size: a positive scalar, or a schedule mapping the step index to one.
      momentum: the momentum coefficient.
    """
    step_size = make_schedule(step_size)

    def init(x):
        return x, jnp.zeros_like(x), jnp.zeros_like(x)

    def update(i, g, state):
        x, squared_sum, moment = state
        squared_sum = squared_sum + jnp.square(g)
        moment = (1 - momentum) * (g * _inverse_sqrt_or_zero(squared_sum)) + momentum * moment
        return x - step_size(i) * moment, squared_sum, moment
    return init, update, _first


@optimizer
def rmsprop(step_size, gamma=0.9, eps=1e-8):
    """RMSProp: `a <- gamma * a + (1 - gamma) * g**2;  x <- x - step_size(i) * g / sqrt(a + eps)`.

    Args:
      step_size: a positive scalar, or a schedule mapping the step index to one.
      gamma: the decay rate of the squared-gradient average.
      eps: added to the average under the square root, for stability.
    """
    step_size = make_schedule(step_size)

    def init(x):
        return x, jnp.zeros_like(x)

    def update(i, g, state):
        x, mean_square = state
        mean_square = gamma * mean_square + (1 - gamma) * jnp.square(g)
        return x - step_size(i) * g / jnp.sqrt(mean_square + eps), mean_square
    return init, update, _first


@optimizer
def rmsprop_momentum(step_size, gamma=0.9, eps=1e-8, momentum=0.9):
    """RMSProp with momentum on the step.

    `a <- gamma * a + (1 - gamma) * g**2;  m <- momentum * m + step_size(i) * g / sqrt(a + eps);
    x <- x - m`.

    Args:
      step_size: a positive scalar, or a schedule mapping the step index to one.
      gamma: the decay rate of the squared-gradient average.
      eps: added to the average under the square root, for stability.
      momentum: the momentum coefficient.
    """
    step_size = make_schedule(step_size)

    def init(x):
        return x, jnp.zeros_like(x), jnp.zeros_like(x)

    def update(i, g, state):
        x, mean_square, moment = state
        mean_square = gamma * mean_square + (1 - gamma) * jnp.square(g)
        moment = momentum * moment + step_size(i) * g / jnp.sqrt(mean_square + eps)
        return x - moment, mean_square, moment
    return init, update, _first


def _bias_correction(beta, i, dtype):
    # 1 - beta**(i+1) in the parameter's dtype; `i` may be a traced step index under jit.
    return 1 - jnp.asarray(beta, dtype) ** (i + 1)


@optimizer
def adam(step_size, b1=0.9, b2=0.999, eps=1e-8):
    """Adam (Kingma & Ba, 2015).

    `m <- b1 * m + (1 - b1) * g;  v <- b2 * v + (1 - b2) * g**2;
    x <- x - step_size(i) * m_hat / (sqrt(v_hat) + eps)` with the bias-corrected moments
    `m_hat = m / (1 - b1**(i+1))` and `v_hat = v / (1 - b2**(i+1))`.

    Args:
      step_size: a positive scalar, or a schedule mapping the step index to one.
      b1: the decay rate of the first-moment estimate.
      b2: the decay rate of the second-moment estimate.
      eps: added to the denominator, for stability.
    """
    step_size = make_schedule(step_size)

    def init(x):
        return x, jnp.zeros_like(x), jnp.zeros_like(x)

    def update(i, g, state):
        x, first_moment, second_moment = state
        first_moment = (1 - b1) * g + b1 * first_moment
        second_moment = (1 - b2) * jnp.square(g) + b2 * second_moment
        first_hat = first_moment / _bias_correction(b1, i, first_moment.dtype)
        second_hat = second_moment / _bias_correction(b2, i, second_moment.dtype)
        x = x - step_size(i) * first_hat / (jnp.sqrt(second_hat) + eps)
        return x, first_moment, second_moment
    return init, update, _first


@optimizer
def adamax(step_size, b1=0.9, b2=0.999, eps=1e-8):
    """AdaMax, Adam's infinity-norm variant.

    `m <- b1 * m + (1 - b1) * g;  u <- max(b2 * u, |g|);
    x <- x - step_size(i) / (1 - b1**(i+1)) * m / (u + eps)`.

    Args:
      step_size: a positive scalar, or a schedule mapping the step index to one.
      b1: the decay rate of the first-moment estimate.
      b2: the decay rate of the infinity-norm estimate.
      eps: added to the denominator, for stability.
    """
    step_size = make_schedule(step_size)

    def init(x):
        return x, jnp.zeros_like(x), jnp.zeros_like(x)

    def update(i, g, state):
        x, first_moment, norm_bound = state
        first_moment = (1 - b1) * g + b1 * first_moment
        norm_bound = jnp.maximum(b2 * norm_bound, jnp.abs(g))
        corrected_step = step_size(i) / _bias_correction(b1, i, first_moment.dtype)
        return x - corrected_step * first_moment / (norm_bound + eps), first_moment, norm_bound
    return init, update, _first


@optimizer
def sm3(step_size, momentum=0.9):
    """SM3 (Anil et al., 2019): Adagrad with one accumulator vector per array axis.

    For an array of rank r the state keeps r vectors, one per axis. Each step takes, per entry,
    the minimum of the vectors' entries covering it, adds `g**2` to get the accumulator `s`,
    then steps like adagrad: `m <- (1 - momentum) * g / sqrt(s) + momentum * m;
    x <- x - step_size(i) * m`; each vector becomes `s`'s maximum over the other axes.

    Args:
      step_size: a positive scalar, or a schedule mapping the step index to one.
      momentum: the momentum coefficient.
    """
    step_size = make_schedule(step_size)

    def init(x):
        x = jnp.asarray(x)
        if x.ndim == 0:
            raise ValueError("optimizers.sm3: every parameter needs at least one axis (SM3 keeps "
                             "one accumulator per axis); got a scalar parameter. Reshape it to "
                             "shape (1,).")
        return x, jnp.zeros_like(x), [jnp.zeros(n, x.dtype) for n in x.shape]

    def update(i, g, state):
        x, moment, axis_accumulators = state
        rank = x.ndim
        covers = [jnp.expand_dims(v, [a for a in range(rank) if a != axis])
                  for axis, v in enumerate(axis_accumulators)]
        accumulator = functools.reduce(jnp.minimum, covers) + jnp.square(g)
        moment = (1 - momentum) * (g * _inverse_sqrt_or_zero(accumulator)) + momentum * moment
        axis_accumulators = [accumulator.max(axis=tuple(a for a in range(rank) if a != axis))
                             for axis in range(rank)]
        return x - step_size(i) * moment, moment, axis_accumulators
    return init, update, _first


# ---------------------------------------------------------------- step-size schedules


def constant(step_size) -> Schedule:
    """The schedule `i -> step_size`."""
    def schedule(i):
        return step_size
    return schedule


def exponential_decay(step_size, decay_steps, decay_rate):
    """The schedule `i -> step_size * decay_rate ** (i / decay_steps)`."""
    def schedule(i):
        return step_size * decay_rate ** (i / decay_steps)
    return schedule


def inverse_time_decay(step_size, decay_steps, decay_rate, staircase=False):
    """The schedule `i -> step_size / (1 + decay_rate * i / decay_steps)`.

    With `staircase=True` the ratio `i / decay_steps` is floored, so the step size drops only
    every `decay_steps` steps.
    """
    if staircase:
        def schedule(i):
            return step_size / (1 + decay_rate * jnp.floor(i / decay_steps))
    else:
        def schedule(i):
            return step_size / (1 + decay_rate * i / decay_steps)
    return schedule


def polynomial_decay(step_size, decay_steps, final_step_size, power=1.0):
    """The schedule decaying from `step_size` to `final_step_size` over `decay_steps` steps:

    `i -> (step_size - final_step_size) * (1 - min(i, decay_steps) / decay_steps) ** power
    + final_step_size`.
    """
    def schedule(i):
        progress = jnp.minimum(i, decay_steps) / decay_steps
        return (1 - progress) ** power * (step_size - final_step_size) + final_step_size
    return schedule


def piecewise_constant(boundaries: Any, values: Any):
    """The schedule `i -> values[k]`, with k the number of boundaries strictly below i.

    `values` needs exactly one more entry than `boundaries`.
    """
    boundaries, values = jnp.asarray(boundaries), jnp.asarray(values)
    if boundaries.ndim != 1 or values.ndim != 1:
        raise ValueError("boundaries and values must be sequences")
    if boundaries.shape[0] != values.shape[0] - 1:
        raise ValueError("boundaries length must be one shorter than values length")

    def schedule(i):
        return values[jnp.sum(i > boundaries)]
    return schedule


def make_schedule(scalar_or_schedule) -> Schedule:
    """A schedule from a schedule (returned as is) or a scalar step size (made constant)."""
    if callable(scalar_or_schedule):
        return scalar_or_schedule
    if jnp.ndim(scalar_or_schedule) == 0:
        return constant(scalar_or_schedule)
    raise TypeError(f"optimizers: a step size must be a scalar or a schedule (a function of the "
                    f"step index), got {type(scalar_or_schedule)}")


# ---------------------------------------------------------------- gradient utilities


def l2_norm(tree):
    """The l2 norm of all the entries of a pytree of arrays taken together."""
    squares = [jnp.vdot(x, x) for x in tree_flatten(tree)[0]]
    return jnp.sqrt(sum(squares))


def clip_grads(grad_tree, max_norm):
    """Scales a gradient pytree down to global l2 norm `max_norm` if its norm is larger."""
    norm = l2_norm(grad_tree)
    return tree_map(lambda g: jnp.where(norm < max_norm, g, g * (max_norm / norm)), grad_tree)


# ---------------------------------------------------------------- serialisation


class JoinPoint:
    """Marks where a parameter pytree's leaf holds an optimizer's per-array state pytree.

    It is a pytree leaf, so `unpack_optimizer_state`'s result flattens to one JoinPoint per
    parameter; iterating it yields the state it wraps.
    """
    __slots__ = ("subtree",)

    def __init__(self, subtree):
        self.subtree = subtree

    def __iter__(self):
        yield self.subtree

    def __repr__(self):
        return f"JoinPoint({self.subtree!r})"


def unpack_optimizer_state(opt_state):
    """An OptimizerState as the parameter pytree with a JoinPoint (holding that parameter's
    state pytree) at each leaf: a plain nested form, e.g. for serialisation."""
    _check_is_state("unpack_optimizer_state", opt_state)
    joined = [JoinPoint(state) for state in _unflatten_states(opt_state)]
    return tree_unflatten(opt_state.tree_def, joined)


def pack_optimizer_state(marked_pytree):
    """The inverse of `unpack_optimizer_state`: rebuilds the OptimizerState."""
    join_points, treedef = tree_flatten(marked_pytree)
    for leaf in join_points:
        if not isinstance(leaf, JoinPoint):
            raise TypeError("pack_optimizer_state: expected a pytree whose leaves are all "
                            "JoinPoints, as unpack_optimizer_state returns; got a leaf of type "
                            f"{type(leaf).__name__}.")
    packed, subtree_defs = _flatten_states(p.subtree for p in join_points)
    return OptimizerState(packed, treedef, subtree_defs)
