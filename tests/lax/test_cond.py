"""lax.cond and lax.switch against Python branching, NumPy and finite differences.

Piecewise functions through both branches and every switch index (including indices
out of range, which clamp), eager and jitted, pytree operands, closures over traced
values, the type errors users see, derivatives in both modes, and vmap with unbatched
and batched predicates (the latter computes every branch and selects).
"""

import numpy as np
import pytest

import numax
import numax.numpy as jnp
from numax import lax
from numax.core.ir import typecheck
from numax.test_util import check_grads

RNG = np.random.default_rng(6)
X = RNG.uniform(-1.5, 1.5, (4,)).astype(np.float32)


def piecewise(x):
    return lax.cond(jnp.sum(x) > 0, lambda v: jnp.sin(v) * 2.0, lambda v: v * v - 1.0, x)


def piecewise_reference(x):
    return np.sin(x) * 2.0 if x.sum() > 0 else x * x - 1.0


@pytest.mark.parametrize("sign", [1.0, -1.0])
@pytest.mark.parametrize("jit", [False, True])
def test_cond_takes_the_branch_python_would(sign, jit):
    x = np.abs(X) * sign
    f = numax.jit(piecewise) if jit else piecewise
    np.testing.assert_allclose(f(x), piecewise_reference(x), rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("pred", [True, False, np.bool_(True), 3, 0, np.int32(-2), 0.0, 2.5])
def test_cond_predicate_kinds(pred):
    expected = X + 1.0 if bool(pred) else X - 1.0
    out = lax.cond(pred, lambda v: v + 1.0, lambda v: v - 1.0, X)
    np.testing.assert_allclose(out, expected, rtol=1e-6)
    out = numax.jit(lambda p, v: lax.cond(p, lambda u: u + 1.0, lambda u: u - 1.0, v))(pred, X)
    np.testing.assert_allclose(out, expected, rtol=1e-6)


BRANCHES = [lambda v: v + 10.0, lambda v: v * 3.0, lambda v: -v, lambda v: jnp.cos(v)]
REFERENCES = [lambda v: v + 10.0, lambda v: v * 3.0, lambda v: -v, np.cos]


@pytest.mark.parametrize("index", [-5, -1, 0, 1, 2, 3, 4, 100])
def test_switch_clamps_the_index(index):
    expected = REFERENCES[min(max(index, 0), len(BRANCHES) - 1)](X)
    np.testing.assert_allclose(lax.switch(index, BRANCHES, X), expected, rtol=1e-6)
    jitted = numax.jit(lambda i, v: lax.switch(i, BRANCHES, v))
    np.testing.assert_allclose(jitted(np.int32(index), X), expected, rtol=1e-6)


def test_switch_single_branch_and_errors():
    np.testing.assert_allclose(lax.switch(7, [lambda v: v * 2.0], X), X * 2.0)
    with pytest.raises(ValueError, match="Empty branch sequence"):
        lax.switch(0, [], X)
    with pytest.raises(TypeError, match="Index type must be an integer"):
        lax.switch(1.0, BRANCHES, X)
    with pytest.raises(TypeError, match="Branch index must be scalar"):
        lax.switch(np.array([0, 1]), BRANCHES, X)


def test_cond_pytree_operands_and_outputs():
    operands = ({"a": X, "b": np.int32(3)}, [X * 2.0])

    def true_fun(tree, items):
        return {"sum": tree["a"] + items[0], "count": tree["b"] + 1}, tree["a"]

    def false_fun(tree, items):
        return {"sum": tree["a"] - items[0], "count": tree["b"] * 2}, items[0]

    for pred in (True, False):
        out = numax.jit(lambda p, t, i: lax.cond(p, true_fun, false_fun, t, i))(pred, *operands)
        expected = (true_fun if pred else false_fun)(*operands)
        np.testing.assert_allclose(out[0]["sum"], expected[0]["sum"], rtol=1e-6)
        assert int(out[0]["count"]) == int(expected[0]["count"])
        np.testing.assert_allclose(out[1], expected[1], rtol=1e-6)


def test_cond_without_operands_and_with_python_scalar_outputs():
    assert float(lax.cond(True, lambda: 1.5, lambda: 2.5)) == 1.5
    assert float(numax.jit(lambda p: lax.cond(p, lambda: 1.5, lambda: 2.5))(False)) == 2.5


def test_branches_close_over_traced_values():
    def f(x, scale):
        return lax.cond(x[0] > 0, lambda: x * scale, lambda: x + scale)

    for x in (X, -np.abs(X)):
        expected = x * 3.0 if x[0] > 0 else x + 3.0
        np.testing.assert_allclose(numax.jit(f)(x, np.float32(3.0)), expected, rtol=1e-6)
    # the closed-over value is differentiated through the branch
    grad = numax.grad(lambda s: jnp.sum(f(np.abs(X), s)))(np.float32(3.0))
    np.testing.assert_allclose(grad, np.abs(X).sum(), rtol=1e-5)


def test_branch_output_type_errors_name_both_types():
    with pytest.raises(TypeError, match=r"false_fun output has type float32\[4\].*"
                                        r"true_fun output has type float32\[\]"):
        lax.cond(True, lambda v: jnp.sum(v), lambda v: v, X)
    with pytest.raises(TypeError, match=r"int32\[4\].*float32\[4\]|float32\[4\].*int32\[4\]"):
        lax.cond(True, lambda v: v, lambda v: v.astype(jnp.int32), X)
    with pytest.raises(TypeError, match="structure"):
        lax.cond(True, lambda v: (v, v), lambda v: v, X)
    with pytest.raises(TypeError, match=r"branch 0 output.*branch 2 output"):
        lax.switch(1, [lambda v: v, lambda v: v, lambda v: v[:2]], X)


def test_predicate_must_be_a_scalar_boolean_or_number():
    with pytest.raises(TypeError, match="Pred must be scalar"):
        lax.cond(np.array([True, False]), lambda v: v, lambda v: v, X)
    with pytest.raises(TypeError, match="callable"):
        lax.cond(True, X, lambda v: v, X)


@pytest.mark.parametrize("sign,order", [(1.0, 2), (-1.0, 1)])
def test_cond_derivatives_match_finite_differences(sign, order):
    with numax.enable_x64():
        x = np.abs(X.astype(np.float64)) * sign
        y = np.linspace(0.5, 1.5, 4)
        # the branches need different residuals: sin/cos of x and y in one, exp in the other
        f = lambda a, b: lax.cond(jnp.sum(a) > 0, lambda u, v: (jnp.sin(u) * v, u * 2.0),
                                  lambda u, v: (jnp.exp(u) + v, u * v), a, b)
        check_grads(f, (x, y), order=order, modes=["fwd", "rev"])


def test_switch_derivatives_match_finite_differences():
    with numax.enable_x64():
        x = X.astype(np.float64)
        for index in range(len(BRANCHES)):
            check_grads(lambda v: lax.switch(index, BRANCHES, v), (x,), order=1,
                        modes=["fwd", "rev"])
            check_grads(numax.jit(lambda v: lax.switch(index, BRANCHES, v)), (x,), order=1,
                        modes=["fwd", "rev"])


def test_grad_of_cond_with_integer_outputs():
    def f(x):
        value, count = lax.cond(jnp.sum(x) > 0, lambda v: (jnp.sum(jnp.sin(v)), jnp.int32(1)),
                                lambda v: (jnp.sum(v * v), jnp.int32(2)), x)
        return value
    x = np.abs(X)
    np.testing.assert_allclose(numax.grad(f)(x), np.cos(x), rtol=1e-5)
    np.testing.assert_allclose(numax.grad(f)(-x), -2 * x, rtol=1e-5)


def test_vmap_with_batched_predicate_selects_per_lane():
    xs = np.stack([X, -np.abs(X), np.abs(X), X * 0.5])
    out = numax.vmap(piecewise)(xs)
    np.testing.assert_allclose(out, np.stack([piecewise_reference(x) for x in xs]), rtol=1e-6,
                               atol=1e-6)
    jaxpr = numax.make_jaxpr(numax.vmap(piecewise))(xs)
    typecheck(jaxpr)
    assert "select_n" in str(jaxpr) and "cond[" not in str(jaxpr)
    # derivatives through the select
    grads = numax.vmap(numax.grad(lambda x: jnp.sum(piecewise(x))))(xs)
    expected = np.stack([2 * np.cos(x) if x.sum() > 0 else 2 * x for x in xs])
    np.testing.assert_allclose(grads, expected, rtol=1e-5, atol=1e-6)


def test_vmap_of_switch_with_batched_out_of_range_index():
    indices = np.array([-2, 0, 1, 2, 3, 9], np.int32)
    out = numax.vmap(lambda i: lax.switch(i, BRANCHES, X))(indices)
    expected = np.stack([REFERENCES[min(max(i, 0), 3)](X) for i in indices])
    np.testing.assert_allclose(out, expected, rtol=1e-6)


def test_vmap_with_unbatched_predicate_keeps_the_cond():
    xs = np.stack([X, X * 2.0, -X])
    for pred in (True, False):
        f = lambda x: lax.cond(pred, lambda v: jnp.sin(v), lambda v: v * 3.0, x)
        out = numax.vmap(f)(xs)
        np.testing.assert_allclose(out, np.stack([np.sin(x) if pred else x * 3.0 for x in xs]),
                                   rtol=1e-6)
    g = lambda p, x: lax.cond(p, lambda v: jnp.sin(v), lambda v: v * 3.0, x)
    jaxpr = numax.make_jaxpr(numax.vmap(g, in_axes=(None, 0)))(True, xs)
    typecheck(jaxpr)
    assert "cond[" in str(jaxpr)


def test_cond_lowers_to_stablehlo_case():
    text = numax.jit(piecewise).lower(X).as_text()
    assert "stablehlo.case" in text
    text = numax.jit(lambda i, v: lax.switch(i, BRANCHES, v)).lower(np.int32(1), X).as_text()
    assert "stablehlo.case" in text


def test_eager_cond_compiles_once():
    from numax import dispatch
    true_fun, false_fun = (lambda v: v * 2.0), (lambda v: v - 1.0)
    lax.cond(True, true_fun, false_fun, X)
    size = len(dispatch._eager_cache)
    for pred in (False, True, False):
        out = lax.cond(pred, true_fun, false_fun, X)
        np.testing.assert_allclose(out, X * 2.0 if pred else X - 1.0, rtol=1e-6)
    assert len(dispatch._eager_cache) == size


def test_disable_jit_runs_only_the_taken_branch():
    calls = []

    def true_fun(v):
        calls.append("true")
        return v + 1.0

    def false_fun(v):
        calls.append("false")
        return v - 1.0

    with numax.disable_jit():
        out = lax.cond(True, true_fun, false_fun, X)
    np.testing.assert_allclose(out, X + 1.0, rtol=1e-6)
    assert calls == ["true"]


def test_primitive_runs_the_last_branch_for_an_out_of_range_index_in_every_mode():
    # lax.switch clamps before binding; the primitive itself follows stablehlo.case
    from numax.lax.control_flow.cond import cond_p
    from numax.lax.control_flow.common import trace_closed
    from numax.transforms.ad import get_aval
    branches = tuple(trace_closed(lambda v, k=k: [v * float(k + 1)], [get_aval(X)])
                     for k in range(3))
    indices = np.array([-1, 0, 1, 2, 3, 50], np.int32)
    expected = np.stack([X * (i + 1 if 0 <= i < 3 else 3) for i in indices])
    eager = np.stack([np.asarray(cond_p.bind(i, X, branches=branches)[0]) for i in indices])
    jitted = np.stack([np.asarray(numax.jit(lambda i: cond_p.bind(i, X, branches=branches))(i)[0])
                       for i in indices])
    batched = numax.vmap(lambda i: cond_p.bind(i, X, branches=branches)[0])(indices)
    for out in (eager, jitted, batched):
        np.testing.assert_allclose(out, expected, rtol=1e-6)
