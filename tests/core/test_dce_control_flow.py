"""Dead-code elimination through cond, scan, while, checkpoint and custom-derivative calls.

Each test stages a program whose control-flow equation has outputs nobody reads, runs
`ir.dce` (what jit does before lowering), and checks both that the equation shrank and
that the pruned program computes what NumPy or a Python loop computes.
"""

import re

import numpy as np
import pytest

import numax
import numax.numpy as jnp
from numax import lax
from numax.core.ir import ClosedJaxpr, dce, typecheck
from numax.lowering import lower_jaxpr
from numax.transforms.ad import eval_jaxpr

RNG = np.random.default_rng(0)


def _pruned(f, *args):
    """(the staged program of f, the same program after dce), both type-checked."""
    closed = numax.make_jaxpr(f)(*args)
    pruned = ClosedJaxpr(dce(closed.jaxpr), closed.consts)
    typecheck(closed)
    typecheck(pruned)
    return closed, pruned


def _run(closed, *args):
    return [np.asarray(o) for o in eval_jaxpr(closed.jaxpr, closed.consts, *args)]


def _only(closed, name):
    eqns = [e for e in closed.jaxpr.eqns if e.primitive.name == name]
    assert len(eqns) == 1, [e.primitive.name for e in closed.jaxpr.eqns]
    return eqns[0]


def _sub_programs(eqn):
    for value in eqn.params.values():
        for sub in value if isinstance(value, tuple) else (value,):
            if isinstance(sub, ClosedJaxpr):
                yield sub


def _equation_count(closed):
    """Equations of the program and of every sub-program in it."""
    return sum(1 + sum(_equation_count(s) for s in _sub_programs(e)) for e in closed.jaxpr.eqns)


def _primitives(closed):
    names = []
    for eqn in closed.jaxpr.eqns:
        names.append(eqn.primitive.name)
        for sub in _sub_programs(eqn):
            names += _primitives(sub)
    return names


def _stablehlo_ops(closed):
    return len(re.findall(r'"?stablehlo\.[a-z_]+"?\(', lower_jaxpr(closed)))


def _float32(*shape):
    return RNG.uniform(-1, 1, shape).astype(np.float32)


# ---------------------------------------------------------------- cond

@pytest.mark.parametrize("predicate", [True, False])
def test_cond_drops_unused_outputs_and_operands_no_branch_reads(predicate):
    x, y, w = _float32(3), _float32(3), _float32(3, 3)

    def f(p, x, y):
        first, _ = lax.cond(p, lambda x, y: (jnp.sin(x), (y @ w) * 2.0),
                            lambda x, y: (jnp.cos(x) + 1.0, jnp.exp(y)), x, y)
        return first

    closed, pruned = _pruned(f, predicate, x, y)
    before, after = _only(closed, "cond"), _only(pruned, "cond")
    assert (len(before.outvars), len(after.outvars)) == (2, 1)
    assert len(after.invars) < len(before.invars)  # y and the closed-over w are gone
    for branch in after.params["branches"]:
        assert len(branch.out_avals) == 1 and len(branch.in_avals) == 1
    assert _equation_count(pruned) < _equation_count(closed)
    expected = np.sin(x) if predicate else np.cos(x) + 1.0
    np.testing.assert_allclose(_run(pruned, predicate, x, y)[0], expected, rtol=1e-6)
    np.testing.assert_allclose(numax.jit(f)(predicate, x, y), expected, rtol=1e-6)


@pytest.mark.parametrize("predicate", [True, False])
def test_cond_keeps_an_operand_any_branch_reads(predicate):
    x, y = _float32(4), _float32(4)

    def f(p, x, y):
        return lax.cond(p, lambda x, y: (x * 2.0, y), lambda x, y: (y - x, x), x, y)[0]

    closed, pruned = _pruned(f, predicate, x, y)
    after = _only(pruned, "cond")
    assert len(after.outvars) == 1 and len(after.invars) == 3  # index, x, y
    for branch in after.params["branches"]:
        assert len(branch.in_avals) == 2
    np.testing.assert_allclose(_run(pruned, predicate, x, y)[0],
                               x * 2.0 if predicate else y - x, rtol=1e-6)


# ---------------------------------------------------------------- scan

def _three_carries(a, b, c, xs):
    """a reads b, b reads xs, c is independent (and reads the closed-over matrix)."""
    matrix = np.float32(0.5) * np.eye(3, dtype=np.float32)

    def step(carry, x):
        a, b, c = carry
        return (a + jnp.sin(b), b * 0.9 + x, jnp.tanh(matrix @ c)), (a * x, jnp.exp(c))
    return lax.scan(step, (a, b, c), xs)


def _three_carries_loop(a, b, c, xs, reverse=False):
    matrix = np.float32(0.5) * np.eye(3, dtype=np.float32)
    ys_a, ys_c = [None] * len(xs), [None] * len(xs)
    for i in (reversed(range(len(xs))) if reverse else range(len(xs))):
        ys_a[i], ys_c[i] = a * xs[i], np.exp(c)
        a, b, c = a + np.sin(b), b * np.float32(0.9) + xs[i], np.tanh(matrix @ c)
    return (a, b, c), (np.stack(ys_a), np.stack(ys_c))


def test_scan_keeps_the_carries_a_used_output_reads():
    a, b, c, xs = _float32(3), _float32(3), _float32(3), _float32(5, 3)

    def f(a, b, c, xs):
        (final_a, _, _), _ = _three_carries(a, b, c, xs)
        return final_a

    closed, pruned = _pruned(f, a, b, c, xs)
    before, after = _only(closed, "scan"), _only(pruned, "scan")
    assert (len(before.outvars), len(after.outvars)) == (5, 2)  # carries a and b stay
    assert after.params["num_carry"] == 2 and after.params["num_consts"] == 0
    assert "tanh" not in _primitives(pruned) and "exp" not in _primitives(pruned)
    assert _stablehlo_ops(pruned) < _stablehlo_ops(closed)
    (expected, _, _), _ = _three_carries_loop(a, b, c, xs)
    np.testing.assert_allclose(_run(pruned, a, b, c, xs)[0], expected, rtol=1e-5)
    np.testing.assert_allclose(numax.jit(f)(a, b, c, xs), expected, rtol=1e-5)


def test_scan_drops_unused_ys_and_the_xs_only_they_read():
    a, b, c, xs = _float32(3), _float32(3), _float32(3), _float32(5, 3)

    def f(a, b, c, xs):
        (_, _, final_c), (_, ys_c) = _three_carries(a, b, c, xs)
        return final_c, ys_c

    closed, pruned = _pruned(f, a, b, c, xs)
    after = _only(pruned, "scan")
    assert after.params["num_carry"] == 1 and len(after.outvars) == 2
    assert after.params["num_consts"] == 1 and len(after.invars) == 2  # matrix, c: no xs
    assert "sin" not in _primitives(pruned)
    (_, _, expected_c), (_, expected_ys) = _three_carries_loop(a, b, c, xs)
    final_c, ys_c = _run(pruned, a, b, c, xs)
    np.testing.assert_allclose(final_c, expected_c, rtol=1e-5)
    np.testing.assert_allclose(ys_c, expected_ys, rtol=1e-5)


@pytest.mark.parametrize("reverse, unroll", [(True, 1), (False, 2), (True, 3)])
def test_scan_keeps_length_direction_and_unroll(reverse, unroll):
    a, b, c, xs = _float32(3), _float32(3), _float32(3), _float32(7, 3)

    def f(a, b, c, xs):
        matrix = np.float32(0.5) * np.eye(3, dtype=np.float32)

        def step(carry, x):
            a, b, c = carry
            return (a + jnp.sin(b), b * 0.9 + x, jnp.tanh(matrix @ c)), (a * x, jnp.exp(c))
        (final_a, _, _), (ys_a, _) = lax.scan(step, (a, b, c), xs, reverse=reverse,
                                              unroll=unroll)
        return final_a, ys_a

    closed, pruned = _pruned(f, a, b, c, xs)
    before, after = _only(closed, "scan"), _only(pruned, "scan")
    for name in ("length", "reverse", "unroll"):
        assert after.params[name] == before.params[name]
    assert len(after.outvars) == 3
    (expected_a, _, _), (expected_ys, _) = _three_carries_loop(a, b, c, xs, reverse)
    for got, expected in zip(numax.jit(f)(a, b, c, xs), (expected_a, expected_ys)):
        np.testing.assert_allclose(got, expected, rtol=1e-5)


def _rnn_loss(w, h0, xs):
    def step(h, x):
        h = jnp.tanh(w @ h + x)
        return h, jnp.sum(h * h)
    h, ys = lax.scan(step, h0, xs)
    return jnp.sum(ys) + 0.5 * jnp.sum(h)


def _rnn_loss_numpy(w, h0, xs):
    h, total = h0, 0.0
    for x in xs:
        h = np.tanh(w @ h + x)
        total += np.sum(h * h)
    return total + 0.5 * np.sum(h)


def test_grad_of_an_rnn_prunes_the_forward_scan():
    w, h0, xs = _float32(4, 4) * 0.5, _float32(4), _float32(6, 4)
    closed, pruned = _pruned(numax.grad(_rnn_loss), w, h0, xs)
    forward = [e for e in closed.jaxpr.eqns if e.primitive.name == "scan"][0]
    forward_pruned = [e for e in pruned.jaxpr.eqns if e.primitive.name == "scan"][0]
    assert len(forward_pruned.outvars) < len(forward.outvars)  # the loss's ys are not needed
    assert _equation_count(pruned) < _equation_count(closed)
    assert _stablehlo_ops(pruned) < _stablehlo_ops(closed)
    # central differences in float64 of the NumPy loss
    w64, h64, xs64 = (v.astype(np.float64) for v in (w, h0, xs))
    step = 1e-6
    expected = np.zeros_like(w64)
    for index in np.ndindex(w.shape):
        bump = np.zeros_like(w64)
        bump[index] = step
        expected[index] = (_rnn_loss_numpy(w64 + bump, h64, xs64)
                           - _rnn_loss_numpy(w64 - bump, h64, xs64)) / (2 * step)
    np.testing.assert_allclose(_run(pruned, w, h0, xs)[0], expected, rtol=2e-4, atol=2e-5)
    np.testing.assert_allclose(numax.jit(numax.grad(_rnn_loss))(w, h0, xs), expected,
                               rtol=2e-4, atol=2e-5)


def test_a_pruned_scan_still_differentiates_and_vmaps():
    a, b, c, xs = _float32(3), _float32(3), _float32(3), _float32(5, 3)

    def f(a, b, c, xs):
        (final_a, _, _), _ = _three_carries(a, b, c, xs)
        return jnp.sum(final_a)

    closed, pruned = _pruned(f, a, b, c, xs)
    run_pruned = lambda *args: eval_jaxpr(pruned.jaxpr, pruned.consts, *args)[0]  # noqa: E731
    got = numax.grad(run_pruned, argnums=(0, 1))(a, b, c, xs)
    expected = numax.grad(f, argnums=(0, 1))(a, b, c, xs)
    for g, e in zip(got, expected):
        np.testing.assert_allclose(g, e, rtol=1e-5)
    batch = np.stack([a, a * 2, a - 1])
    batched = numax.vmap(run_pruned, in_axes=(0, None, None, None))(batch, b, c, xs)
    loop = [_three_carries_loop(row, b, c, xs)[0][0].sum() for row in batch]
    np.testing.assert_allclose(batched, loop, rtol=1e-5)


# ---------------------------------------------------------------- while

def _while_program(limit, x, y, z):
    """i counts (read by the predicate); x reads y; z is independent."""
    matrix = np.float32(0.9) * np.eye(3, dtype=np.float32)

    def body(carry):
        i, x, y, z = carry
        return i + 1, x + jnp.cos(y), y * 0.5 + 1.0, jnp.tanh(matrix @ z)
    return lax.while_loop(lambda carry: carry[0] < limit, body, (0, x, y, z))


def _while_loop_numpy(limit, x, y, z):
    matrix = np.float32(0.9) * np.eye(3, dtype=np.float32)
    i = 0
    while i < limit:
        i, x, y, z = i + 1, x + np.cos(y), y * np.float32(0.5) + 1, np.tanh(matrix @ z)
    return i, x, y, z


def test_while_keeps_the_predicates_carry_and_the_carries_used_outputs_read():
    limit, x, y, z = np.int32(6), _float32(3), _float32(3), _float32(3)

    def f(limit, x, y, z):
        return _while_program(limit, x, y, z)[1]

    closed, pruned = _pruned(f, limit, x, y, z)
    before, after = _only(closed, "while"), _only(pruned, "while")
    assert (len(before.outvars), len(after.outvars)) == (4, 3)  # i, x, y stay
    assert after.params["body_nconsts"] == 0  # the matrix only z read is gone
    assert "tanh" not in _primitives(pruned)
    assert _stablehlo_ops(pruned) < _stablehlo_ops(closed)
    expected = _while_loop_numpy(limit, x, y, z)[1]
    np.testing.assert_allclose(_run(pruned, limit, x, y, z)[0], expected, rtol=1e-5)
    np.testing.assert_allclose(numax.jit(f)(limit, x, y, z), expected, rtol=1e-5)


def test_while_keeps_an_unused_carry_the_predicate_reads():
    x = _float32(3)

    def f(x):
        total, _ = lax.while_loop(lambda c: jnp.sum(c[1]) < 50.0,
                                  lambda c: (c[0] + 1.0, c[1] * 2.0 + 1.0), (x, jnp.abs(x)))
        return total

    closed, pruned = _pruned(f, x)
    assert len(_only(pruned, "while").outvars) == 2
    total, doubled = x, np.abs(x)
    while np.sum(doubled) < 50:
        total, doubled = total + 1, doubled * 2 + 1
    np.testing.assert_allclose(numax.jit(f)(x), total, rtol=1e-6)


# ---------------------------------------------------------------- checkpoint

def test_checkpoint_prunes_its_program_and_still_differentiates():
    x, w = _float32(4), _float32(4, 4)

    def f(x):
        first, _ = numax.checkpoint(lambda x: (jnp.sin(x) * x, jnp.exp(w @ x)))(x)
        return jnp.sum(first)

    closed, pruned = _pruned(f, x)
    after = _only(pruned, "checkpoint")
    assert len(after.outvars) == 1 and "exp" not in _primitives(pruned)
    np.testing.assert_allclose(_run(pruned, x)[0], np.sum(np.sin(x) * x), rtol=1e-5)
    _, pruned_grad = _pruned(numax.grad(f), x)
    assert "exp" not in _primitives(pruned_grad)
    expected = np.cos(x) * x + np.sin(x)
    np.testing.assert_allclose(_run(pruned_grad, x)[0], expected, rtol=1e-5)
    np.testing.assert_allclose(numax.jit(numax.grad(f))(x), expected, rtol=1e-5)


# ---------------------------------------------------------------- custom derivatives

def _custom_jvp_pair():
    """(sin x * c0, exp(c1) * x) with a JVP rule that deliberately scales the first tangent
    by 3, so tests can tell the user's rule ran."""
    c0, c1 = np.float32(2.0), np.arange(3, dtype=np.float32)

    @numax.custom_jvp
    def pair(x):
        return jnp.sin(x) * c0, jnp.exp(c1) * x

    @pair.defjvp
    def pair_jvp(primals, tangents):
        (x,), (t,) = primals, tangents
        return pair(x), (3.0 * jnp.cos(x) * c0 * t, jnp.exp(c1) * t)

    return pair


def test_custom_jvp_call_prunes_the_primal_and_keeps_the_users_rule():
    pair = _custom_jvp_pair()
    x, t = _float32(3), _float32(3)
    f = lambda x: pair(x)[0]  # noqa: E731
    closed, pruned = _pruned(f, x)
    before, after = _only(closed, "custom_jvp_call"), _only(pruned, "custom_jvp_call")
    assert (len(before.outvars), len(after.outvars)) == (2, 1)
    assert len(after.invars) < len(before.invars)  # the constant only the second output read
    assert "exp" not in _primitives(ClosedJaxpr(after.params["call"].jaxpr, []))
    np.testing.assert_allclose(_run(pruned, x)[0], np.sin(x) * 2, rtol=1e-6)
    run_pruned = lambda x: eval_jaxpr(pruned.jaxpr, pruned.consts, x)[0]  # noqa: E731
    out, tangent = numax.jvp(run_pruned, (x,), (t,))
    np.testing.assert_allclose(out, np.sin(x) * 2, rtol=1e-6)
    np.testing.assert_allclose(tangent, 3 * np.cos(x) * 2 * t, rtol=1e-5)
    np.testing.assert_allclose(numax.jit(numax.grad(lambda x: jnp.sum(f(x))))(x),
                               3 * np.cos(x) * 2, rtol=1e-5)


def test_custom_vjp_call_prunes_the_primal_and_gives_zero_cotangents_to_dropped_outputs():
    @numax.custom_vjp
    def pair(x):
        return jnp.sin(x), jnp.exp(x) * 2.0

    def pair_fwd(x):
        return pair(x), x

    def pair_bwd(x, cts):
        first, second = cts
        return (jnp.cos(x) * first + 100.0 * second,)

    pair.defvjp(pair_fwd, pair_bwd)
    x = _float32(3)
    f = lambda x: jnp.sum(pair(x)[0])  # noqa: E731
    closed, pruned = _pruned(f, x)
    assert len(_only(pruned, "custom_vjp_call").outvars) == 1
    assert "exp" not in _primitives(ClosedJaxpr(
        _only(pruned, "custom_vjp_call").params["call"].jaxpr, []))
    np.testing.assert_allclose(_run(pruned, x)[0], np.sum(np.sin(x)), rtol=1e-6)
    run_pruned = lambda x: eval_jaxpr(pruned.jaxpr, pruned.consts, x)[0]  # noqa: E731
    np.testing.assert_allclose(numax.grad(run_pruned)(x), np.cos(x), rtol=1e-6)
    np.testing.assert_allclose(numax.jit(numax.grad(f))(x), np.cos(x), rtol=1e-6)


# ---------------------------------------------------------------- nesting and effects

def test_dce_reaches_a_scan_inside_a_cond_inside_a_jit():
    a, b, c, xs = _float32(3), _float32(3), _float32(3), _float32(5, 3)

    @numax.jit
    def inner(p, a, b, c, xs):
        return lax.cond(p, lambda: _three_carries(a, b, c, xs)[0],
                        lambda: (a, b, c))

    def f(p, a, b, c, xs):
        return inner(p, a, b, c, xs)[0]

    closed, pruned = _pruned(f, True, a, b, c, xs)
    assert "tanh" in _primitives(closed) and "tanh" not in _primitives(pruned)
    assert _stablehlo_ops(pruned) < _stablehlo_ops(closed)
    (expected, _, _), _ = _three_carries_loop(a, b, c, xs)
    np.testing.assert_allclose(numax.jit(f)(True, a, b, c, xs), expected, rtol=1e-5)
    np.testing.assert_allclose(numax.jit(f)(False, a, b, c, xs), a, rtol=1e-6)


def test_callbacks_inside_scan_and_cond_survive():
    seen = []
    x, xs = _float32(3), _float32(4, 3)

    def f(p, x, xs):
        def step(carry, x):
            numax.debug.callback(lambda value: seen.append(("scan", value.copy())), carry)
            return carry + x, jnp.sin(carry)
        final, _ = lax.scan(step, x, xs)

        def loud(x):
            numax.debug.callback(lambda value: seen.append(("cond", value.copy())), x)
            return x * 2.0, jnp.exp(x)
        doubled, _ = lax.cond(p, loud, lambda x: (x, x), final)
        return x  # none of the control flow's results is used

    closed, pruned = _pruned(f, True, x, xs)
    assert _primitives(pruned).count("debug_callback") == 2
    numax.jit(f)(True, x, xs)
    carries = np.cumsum(np.concatenate([x[None], xs]), axis=0)
    assert [kind for kind, _ in seen] == ["scan"] * 4 + ["cond"]
    for (_, value), expected in zip(seen, list(carries[:4]) + [carries[4]]):
        np.testing.assert_allclose(value, expected, rtol=1e-6)
