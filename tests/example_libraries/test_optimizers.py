"""numax.example_libraries.optimizers: every optimizer's trajectory under jit against a NumPy
float64 transcription of its update rule (on a pytree of parameters, with a step-size
schedule and with gradients that are zero at some entries), the schedules against their
closed forms (eagerly and with a traced step index), l2_norm/clip_grads against NumPy, the
OptimizerState pytree (one jit trace for many steps, pack/unpack round trip) and the errors
for misuse."""

import bisect
import math

import numpy as np
import pytest

import numax
from numax import numpy as jnp
from numax.example_libraries import optimizers
from numax.tree_util import tree_leaves, tree_map, tree_structure

STEPS = 5
RNG = np.random.RandomState(0)
PARAMS = {"w": RNG.randn(3, 4), "b": [RNG.randn(4)]}
GRADS = [tree_map(lambda p: RNG.randn(*p.shape), PARAMS) for _ in range(STEPS)]
for g in GRADS:  # an entry that never sees a gradient exercises the divide-by-zero guards
    g["w"][0, 0] = 0.0


def schedule(i):
    return 0.1 / (1 + 0.5 * i)


def _inverse_sqrt_or_zero(s):
    return np.where(s > 0, 1 / np.sqrt(np.where(s > 0, s, 1.0)), 0.0)


# NumPy transcriptions of the update rules: (i, g, x, state) -> (x, state), one array at a time.

def sgd_rule(i, g, x, s):
    return x - schedule(i) * g, s


def momentum_rule(i, g, x, v, mass=0.8):
    v = mass * v + g
    return x - schedule(i) * v, v


def nesterov_rule(i, g, x, v, mass=0.8):
    v = mass * v + g
    return x - schedule(i) * (mass * v + g), v


def adagrad_rule(i, g, x, s, momentum=0.7):
    total, m = s
    total = total + g ** 2
    m = (1 - momentum) * g * _inverse_sqrt_or_zero(total) + momentum * m
    return x - schedule(i) * m, (total, m)


def rmsprop_rule(i, g, x, a, gamma=0.8, eps=1e-6):
    a = gamma * a + (1 - gamma) * g ** 2
    return x - schedule(i) * g / np.sqrt(a + eps), a


def rmsprop_momentum_rule(i, g, x, s, gamma=0.8, eps=1e-6, momentum=0.7):
    a, m = s
    a = gamma * a + (1 - gamma) * g ** 2
    m = momentum * m + schedule(i) * g / np.sqrt(a + eps)
    return x - m, (a, m)


def adam_rule(i, g, x, s, b1=0.8, b2=0.9, eps=1e-6):
    m, v = s
    m = b1 * m + (1 - b1) * g
    v = b2 * v + (1 - b2) * g ** 2
    m_hat, v_hat = m / (1 - b1 ** (i + 1)), v / (1 - b2 ** (i + 1))
    return x - schedule(i) * m_hat / (np.sqrt(v_hat) + eps), (m, v)


def adamax_rule(i, g, x, s, b1=0.8, b2=0.9, eps=1e-6):
    m, u = s
    m = b1 * m + (1 - b1) * g
    u = np.maximum(b2 * u, np.abs(g))
    return x - schedule(i) / (1 - b1 ** (i + 1)) * m / (u + eps), (m, u)


def sm3_rule(i, g, x, s, momentum=0.7):
    # Written per entry with explicit loops over the index set, independent of the
    # broadcasting the library uses.
    m, accumulators = s
    total = np.empty_like(x)
    for index in np.ndindex(x.shape):
        total[index] = min(acc[k] for acc, k in zip(accumulators, index)) + g[index] ** 2
    m = (1 - momentum) * g * _inverse_sqrt_or_zero(total) + momentum * m
    new_accumulators = [np.full(n, -np.inf) for n in x.shape]
    for index in np.ndindex(x.shape):
        for acc, k in zip(new_accumulators, index):
            acc[k] = max(acc[k], total[index])
    return x - schedule(i) * m, (m, new_accumulators)


def zeros(x):
    return np.zeros_like(x)


CASES = {
    "sgd": (lambda: optimizers.sgd(schedule), sgd_rule, lambda x: None),
    "momentum": (lambda: optimizers.momentum(schedule, 0.8), momentum_rule, zeros),
    "nesterov": (lambda: optimizers.nesterov(schedule, mass=0.8), nesterov_rule, zeros),
    "adagrad": (lambda: optimizers.adagrad(schedule, momentum=0.7), adagrad_rule,
                lambda x: (zeros(x), zeros(x))),
    "rmsprop": (lambda: optimizers.rmsprop(schedule, gamma=0.8, eps=1e-6), rmsprop_rule, zeros),
    "rmsprop_momentum": (lambda: optimizers.rmsprop_momentum(schedule, 0.8, 1e-6, 0.7),
                         rmsprop_momentum_rule, lambda x: (zeros(x), zeros(x))),
    "adam": (lambda: optimizers.adam(schedule, b1=0.8, b2=0.9, eps=1e-6), adam_rule,
             lambda x: (zeros(x), zeros(x))),
    "adamax": (lambda: optimizers.adamax(schedule, b1=0.8, b2=0.9, eps=1e-6), adamax_rule,
               lambda x: (zeros(x), zeros(x))),
    "sm3": (lambda: optimizers.sm3(schedule, momentum=0.7), sm3_rule,
            lambda x: (zeros(x), [np.zeros(n) for n in x.shape])),
}


def numpy_trajectory(rule, initial_state):
    """The parameters after each step, every leaf updated on its own in float64."""
    leaves = tree_leaves(PARAMS)
    states = [initial_state(x) for x in leaves]
    trajectory = []
    for i, grads in enumerate(GRADS):
        stepped = [rule(i, g, x, s) for g, x, s in zip(tree_leaves(grads), leaves, states)]
        leaves, states = [x for x, _ in stepped], [s for _, s in stepped]
        trajectory.append(leaves)
    return trajectory


@pytest.mark.parametrize("name", list(CASES))
def test_trajectory_under_jit_matches_numpy(name):
    make, rule, initial_state = CASES[name]
    init_fun, update_fun, get_params = make()
    params32 = tree_map(lambda p: jnp.asarray(p, jnp.float32), PARAMS)
    state = init_fun(params32)
    assert_tree_close(get_params(state), PARAMS, rtol=1e-6)  # get_params(init_fun(p)) == p
    traces = []

    @numax.jit
    def step(i, grads, state):
        traces.append(i)
        return update_fun(i, grads, state)

    for i, (grads, expected) in enumerate(zip(GRADS, numpy_trajectory(rule, initial_state))):
        state = step(jnp.int32(i), tree_map(lambda g: jnp.asarray(g, jnp.float32), grads), state)
        assert tree_structure(get_params(state)) == tree_structure(PARAMS)
        np.testing.assert_allclose(np.concatenate([np.ravel(x) for x in
                                                   tree_leaves(get_params(state))]),
                                   np.concatenate([np.ravel(x) for x in expected]),
                                   rtol=2e-5, atol=2e-6, err_msg=f"{name}, step {i}")
    # The packed state is a pytree whose structure is stable: one trace serves every step.
    assert len(traces) == 1


def assert_tree_close(actual, expected, **tolerance):
    assert tree_structure(actual) == tree_structure(expected)
    for a, e in zip(tree_leaves(actual), tree_leaves(expected)):
        np.testing.assert_allclose(np.asarray(a), e, **tolerance)


def test_constant_step_size_and_eager_update():
    init_fun, update_fun, get_params = optimizers.momentum(0.05, mass=0.5)
    x, v = np.array([1.0, -2.0]), np.zeros(2)
    state = init_fun(jnp.asarray(x, jnp.float32))
    for i in range(3):
        g = np.array([0.5, 1.5]) * (i + 1)
        v = 0.5 * v + g
        x = x - 0.05 * v
        state = update_fun(i, jnp.asarray(g, jnp.float32), state)
    np.testing.assert_allclose(np.asarray(get_params(state)), x, rtol=1e-6)


def test_optimizer_decorator_lifts_a_custom_rule_to_pytrees():
    @optimizers.optimizer
    def sign_sgd(step_size):
        def init(x):
            return {"x": x, "count": jnp.zeros((), jnp.int32)}

        def update(i, g, state):
            return {"x": state["x"] - step_size * jnp.sign(g), "count": state["count"] + 1}
        return init, update, lambda state: state["x"]

    opt = sign_sgd(0.25)
    assert isinstance(opt, optimizers.Optimizer)
    params = (jnp.array([1.0, 2.0]), {"z": jnp.array(3.0)})
    grads = (jnp.array([-4.0, 0.5]), {"z": jnp.array(-0.1)})
    state = opt.update_fn(0, grads, opt.init_fn(params))
    new_params = opt.params_fn(state)
    np.testing.assert_allclose(np.asarray(new_params[0]), [1.25, 1.75])
    np.testing.assert_allclose(np.asarray(new_params[1]["z"]), 3.25)
    per_param = optimizers.unpack_optimizer_state(state)
    assert int(per_param[1]["z"].subtree["count"]) == 1


def test_update_that_changes_its_state_structure_is_an_error():
    @optimizers.optimizer
    def growing():
        return (lambda x: (x,)), (lambda i, g, state: (state[0], g)), (lambda state: state[0])

    init_fun, update_fun, _ = growing()
    with pytest.raises(TypeError, match="output structure that did not match"):
        update_fun(0, jnp.ones(2), init_fun(jnp.ones(2)))


def test_gradient_tree_must_match_parameter_tree():
    init_fun, update_fun, _ = optimizers.sgd(0.1)
    state = init_fun({"a": jnp.ones(2)})
    with pytest.raises(TypeError, match="did not match the parameter tree structure"):
        update_fun(0, {"b": jnp.ones(2)}, state)
    with pytest.raises(TypeError, match="expected the OptimizerState"):
        update_fun(0, {"a": jnp.ones(2)}, {"a": jnp.ones(2)})


def test_sm3_rejects_scalar_parameters():
    with pytest.raises(ValueError, match="at least one axis"):
        optimizers.sm3(0.1)[0](jnp.float32(2.0))


# ---------------------------------------------------------------- schedules

STEP_INDICES = [0, 1, 3, 7, 10, 25]


def closed_forms():
    return {
        "constant": (optimizers.constant(0.3), lambda i: 0.3),
        "exponential_decay": (optimizers.exponential_decay(0.3, 10, 0.5),
                              lambda i: 0.3 * 0.5 ** (i / 10)),
        "inverse_time_decay": (optimizers.inverse_time_decay(0.3, 4, 2.0),
                               lambda i: 0.3 / (1 + 2.0 * i / 4)),
        "inverse_time_decay_staircase": (
            optimizers.inverse_time_decay(0.3, 4, 2.0, staircase=True),
            lambda i: 0.3 / (1 + 2.0 * math.floor(i / 4))),
        "polynomial_decay": (optimizers.polynomial_decay(0.3, 10, 0.01, power=2.0),
                             lambda i: (0.3 - 0.01) * (1 - min(i, 10) / 10) ** 2 + 0.01),
        "piecewise_constant": (optimizers.piecewise_constant([3, 10], [0.3, 0.2, 0.1]),
                               lambda i: [0.3, 0.2, 0.1][bisect.bisect_left([3, 10], i)]),
    }


@pytest.mark.parametrize("name", list(closed_forms()))
def test_schedule_matches_closed_form(name):
    schedule_fn, expected = closed_forms()[name]
    traced = numax.jit(schedule_fn)
    for i in STEP_INDICES:
        np.testing.assert_allclose(np.asarray(schedule_fn(i)), expected(i), rtol=1e-6)
        np.testing.assert_allclose(np.asarray(traced(jnp.int32(i))), expected(i), rtol=1e-6)


def test_piecewise_constant_rejects_mismatched_lengths():
    with pytest.raises(ValueError, match="one shorter"):
        optimizers.piecewise_constant([1, 2], [0.1, 0.2])
    with pytest.raises(ValueError, match="must be sequences"):
        optimizers.piecewise_constant(1, [0.1, 0.2])


def test_make_schedule():
    def custom(i):
        return 1.0 / (i + 1)
    assert optimizers.make_schedule(custom) is custom
    assert optimizers.make_schedule(0.2)(17) == 0.2
    with pytest.raises(TypeError, match="scalar or a schedule"):
        optimizers.make_schedule([0.1, 0.2])


# ---------------------------------------------------------------- gradient utilities

def test_l2_norm_and_clip_grads_match_numpy():
    tree = {"a": RNG.randn(3).astype(np.float32), "b": (RNG.randn(2, 2).astype(np.float32),)}
    flat = np.concatenate([np.ravel(x) for x in tree_leaves(tree)]).astype(np.float64)
    norm = np.linalg.norm(flat)
    np.testing.assert_allclose(float(optimizers.l2_norm(tree)), norm, rtol=1e-6)

    clipped = optimizers.clip_grads(tree, norm / 2)
    assert_tree_close(clipped, tree_map(lambda x: x / 2, tree), rtol=1e-6)
    np.testing.assert_allclose(float(optimizers.l2_norm(clipped)), norm / 2, rtol=1e-6)
    assert_tree_close(optimizers.clip_grads(tree, 2 * norm), tree, rtol=0)


# ---------------------------------------------------------------- state packing


def test_unpack_and_pack_round_trip():
    init_fun, update_fun, get_params = optimizers.adam(0.1)
    params = {"w": jnp.ones((2, 3)), "b": [jnp.zeros(3)]}
    grads = tree_map(lambda p: p + 0.5, params)
    state = update_fun(0, grads, init_fun(params))

    unpacked = optimizers.unpack_optimizer_state(state)
    assert tree_structure(unpacked) == tree_structure({"w": 0, "b": [0]})  # JoinPoints are leaves
    (w_state,) = unpacked["w"]  # a JoinPoint iterates over the state it wraps
    assert len(w_state) == 3
    np.testing.assert_array_equal(np.asarray(w_state[0]), np.asarray(get_params(state)["w"]))

    repacked = optimizers.pack_optimizer_state(unpacked)
    assert isinstance(repacked, optimizers.OptimizerState)
    assert tree_structure(repacked) == tree_structure(state)
    for a, b in zip(tree_leaves(repacked), tree_leaves(state)):
        np.testing.assert_array_equal(np.asarray(a), np.asarray(b))
    # Training goes on from the repacked state exactly as from the original.
    after_original = get_params(update_fun(1, grads, state))
    after_repacked = get_params(update_fun(1, grads, repacked))
    for a, b in zip(tree_leaves(after_original), tree_leaves(after_repacked)):
        np.testing.assert_array_equal(np.asarray(a), np.asarray(b))


def test_pack_rejects_a_tree_without_join_points():
    with pytest.raises(TypeError, match="JoinPoints"):
        optimizers.pack_optimizer_state({"w": jnp.ones(2)})


def test_unzip2():
    assert optimizers.unzip2([(1, "a"), (2, "b")]) == ((1, 2), ("a", "b"))
    assert optimizers.unzip2([]) == ((), ())
