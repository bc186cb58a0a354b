"""The differentiation API: jvp, linearize, vjp, grad, value_and_grad, Jacobians, Hessians,
linear_transpose, custom rules, checkpoint — against finite differences and analytic
derivatives, along several routes that must agree."""

import functools
import re

import numpy as np
import pytest

import numax
import numax.numpy as jnp
from numax import lax
from numax.test_util import check_grads


def _x(*shape, seed=0):
    return np.random.default_rng(seed).uniform(0.5, 1.5, shape).astype(np.float32)


def loss(w, x):
    return jnp.sum(jnp.tanh(x @ w) ** 2)


def test_grad_matches_analytic():
    x = 1.3
    assert np.isclose(float(numax.grad(lambda v: jnp.sin(v) * v)(x)), np.cos(x) * x + np.sin(x))


def test_routes_agree():
    """grad, jit(grad), grad(jit), vjp, jvp-derived and value_and_grad give one answer."""
    w, x = jnp.asarray(_x(3, 2)), jnp.asarray(_x(4, 3, seed=1))
    reference = np.asarray(numax.grad(loss)(w, x))
    routes = {
        "jit(grad)": numax.jit(numax.grad(loss))(w, x),
        "grad(jit)": numax.grad(numax.jit(loss))(w, x),
        "vjp": numax.vjp(lambda v: loss(v, x), w)[1](jnp.asarray(1.0))[0],
        "value_and_grad": numax.value_and_grad(loss)(w, x)[1],
        "jacrev": numax.jacrev(loss)(w, x),
    }
    for name, value in routes.items():
        np.testing.assert_allclose(np.asarray(value), reference, rtol=2e-5, atol=1e-6, err_msg=name)
    # jvp along a basis direction gives one gradient entry
    basis = np.zeros((3, 2), np.float32)
    basis[1, 0] = 1
    _, directional = numax.jvp(lambda v: loss(v, x), (w,), (jnp.asarray(basis),))
    np.testing.assert_allclose(float(directional), reference[1, 0], rtol=1e-5)


def test_grad_against_finite_differences_float64():
    with numax.enable_x64():
        w, x = _x(3, 2).astype(np.float64), _x(4, 3, seed=1).astype(np.float64)
        check_grads(loss, (w, x), order=2, modes=("fwd", "rev"))


def test_higher_order():
    f = lambda v: jnp.sin(v) * v  # noqa: E731
    d3 = numax.grad(numax.grad(numax.grad(f)))(0.7)
    # d3/dx3 (x sin x) = -3 sin x - x cos x
    assert np.isclose(float(d3), -3 * np.sin(0.7) - 0.7 * np.cos(0.7), rtol=1e-5)
    d4 = numax.grad(numax.grad(numax.grad(numax.grad(f))))(0.7)
    assert np.isclose(float(d4), -4 * np.cos(0.7) + 0.7 * np.sin(0.7), rtol=1e-4)


def test_no_perturbation_confusion():
    assert float(numax.grad(lambda x: numax.grad(lambda y: x * y)(1.0))(2.0)) == 1.0
    value = numax.grad(lambda x: x * numax.grad(lambda y: x * y)(3.0))(2.0)
    assert float(value) == 4.0  # d/dx (x * x) = 2x


def test_argnums_and_pytrees():
    def f(params, x, scale):
        return jnp.sum((params["w"] * x + params["b"][0]) ** 2) * scale

    params = {"w": jnp.asarray(_x(3)), "b": (jnp.asarray(0.5), None)}
    x = jnp.asarray(_x(3, seed=2))
    g_params, g_scale = numax.grad(f, argnums=(0, 2))(params, x, 2.0)
    assert set(g_params) == {"w", "b"} and g_params["b"][1] is None
    w, b = _x(3), 0.5
    expected_w = 2 * (w * _x(3, seed=2) + b) * _x(3, seed=2) * 2.0
    np.testing.assert_allclose(np.asarray(g_params["w"]), expected_w, rtol=1e-5)
    np.testing.assert_allclose(float(g_scale), np.sum((w * _x(3, seed=2) + b) ** 2), rtol=1e-5)


def test_has_aux():
    def f(x):
        return jnp.sum(x ** 2), {"mean": jnp.mean(x)}

    (value, aux), grads = numax.value_and_grad(f, has_aux=True)(jnp.arange(3.0))
    assert float(value) == 5.0 and float(aux["mean"]) == 1.0
    np.testing.assert_allclose(np.asarray(grads), [0.0, 2.0, 4.0])
    g, aux = numax.grad(f, has_aux=True)(jnp.arange(3.0))
    np.testing.assert_allclose(np.asarray(g), [0.0, 2.0, 4.0])


def test_grad_errors():
    with pytest.raises(TypeError, match="scalar"):
        numax.grad(lambda x: x * 2)(jnp.ones(3))
    with pytest.raises(TypeError, match="real-valued outputs"):
        numax.grad(lambda x: x * 1j)(1.0)
    with pytest.raises(TypeError, match="integer"):
        numax.grad(lambda x: x * 2)(3)
    with pytest.raises(TypeError, match="argnums"):
        numax.grad(lambda x, y: x * y, argnums=2)(1.0, 2.0)


def test_allow_int_gives_float0():
    g = numax.grad(lambda x, n: x * n, argnums=(0, 1), allow_int=True)(2.0, 3)
    assert float(g[0]) == 3.0 and g[1].dtype == numax.dtypes.float0


def test_holomorphic():
    f = lambda z: z ** 2  # noqa: E731
    g = numax.grad(f, holomorphic=True)(jnp.asarray(1.0 + 2.0j))
    np.testing.assert_allclose(complex(g), 2 * (1 + 2j), rtol=1e-6)
    with pytest.raises(TypeError, match="complex"):
        numax.grad(f, holomorphic=True)(1.0)


def test_jvp_with_integer_inputs_needs_float0():
    out, tangent = numax.jvp(lambda x, n: x * n, (2.0, 3),
                             (1.0, np.zeros((), numax.dtypes.float0)))
    assert float(tangent) == 3.0
    with pytest.raises(TypeError, match="float0"):
        numax.jvp(lambda x, n: x * n, (2.0, 3), (1.0, 1))


def test_linearize():
    f = lambda x: jnp.sin(x) * x  # noqa: E731
    x = jnp.asarray(_x(4))
    out, f_jvp = numax.linearize(f, x)
    np.testing.assert_allclose(np.asarray(out), np.sin(_x(4)) * _x(4), rtol=1e-6)
    t = jnp.asarray(_x(4, seed=3))
    expected = numax.jvp(f, (x,), (t,))[1]
    np.testing.assert_allclose(np.asarray(f_jvp(t)), np.asarray(expected), rtol=1e-6)


def test_jacobians_and_hessian():
    A = _x(3, 3)
    f = lambda x: jnp.tanh(jnp.asarray(A) @ x)  # noqa: E731
    x = _x(3, seed=4)
    jac_expected = (1 - np.tanh(A @ x) ** 2)[:, None] * A
    np.testing.assert_allclose(np.asarray(numax.jacfwd(f)(jnp.asarray(x))), jac_expected, rtol=1e-4,
                               atol=1e-6)
    np.testing.assert_allclose(np.asarray(numax.jacrev(f)(jnp.asarray(x))), jac_expected, rtol=1e-4,
                               atol=1e-6)
    quadratic = lambda v: v @ jnp.asarray(A) @ v  # noqa: E731
    np.testing.assert_allclose(np.asarray(numax.hessian(quadratic)(jnp.asarray(x))), A + A.T,
                               rtol=1e-5)


def test_linear_transpose():
    A = _x(2, 3)
    f = lambda x: jnp.asarray(A) @ x  # noqa: E731
    f_t = numax.linear_transpose(f, jnp.zeros(3))
    ct = _x(2, seed=5)
    np.testing.assert_allclose(np.asarray(f_t(jnp.asarray(ct))[0]), A.T @ ct, rtol=1e-6)


def test_stop_gradient_costs_nothing():
    f = lambda x: jnp.sum(x * lax.stop_gradient(x))  # noqa: E731
    np.testing.assert_allclose(np.asarray(numax.grad(f)(jnp.arange(3.0))), [0.0, 1.0, 2.0])
    compiled = numax.jit(numax.grad(lambda x: lax.stop_gradient(jnp.sin(x)) + x)).lower(1.0)
    assert "cosine" not in compiled.compile().as_text()  # no derivative of sin is computed


def test_custom_jvp():
    @numax.custom_jvp
    def f(x):
        return jnp.sin(x)

    @f.defjvp
    def f_jvp(primals, tangents):
        (x,), (t,) = primals, tangents
        return f(x), 2.0 * t  # deliberately not cos(x): the custom rule must be used

    assert float(numax.grad(f)(0.3)) == 2.0
    assert float(numax.jit(numax.grad(f))(0.3)) == 2.0
    assert np.isclose(float(f(0.3)), np.sin(0.3))


def test_custom_jvp_nondiff_argnums():
    @functools.partial(numax.custom_jvp, nondiff_argnums=(0,))
    def scale(n, x):
        return x * n

    @scale.defjvp
    def scale_jvp(n, primals, tangents):
        return scale(n, primals[0]), tangents[0] * n * 10

    assert float(numax.grad(lambda x: scale(3.0, x))(1.0)) == 30.0


def test_custom_vjp():
    @numax.custom_vjp
    def clip_gradient(x):
        return x

    clip_gradient.defvjp(lambda x: (x, None), lambda _, ct: (jnp.clip(ct, -1.0, 1.0),))
    f = lambda x: jnp.sum(clip_gradient(x) * 5.0)  # noqa: E731
    np.testing.assert_allclose(np.asarray(numax.grad(f)(jnp.ones(3))), np.ones(3))
    np.testing.assert_allclose(np.asarray(numax.jit(numax.grad(f))(jnp.ones(3))), np.ones(3))
    with pytest.raises(TypeError, match="forward-mode"):
        numax.jvp(clip_gradient, (1.0,), (1.0,))


def test_custom_vjp_bad_bwd_structure():
    @numax.custom_vjp
    def f(x, y):
        return x * y

    f.defvjp(lambda x, y: (x * y, (x, y)), lambda res, ct: (ct * res[1],))
    with pytest.raises(TypeError, match="2 differentiable arguments"):
        numax.grad(f)(1.0, 2.0)


def test_checkpoint_same_gradient_and_recomputes():
    f = lambda x: jnp.sin(jnp.sin(x) * x)  # noqa: E731
    g = numax.checkpoint(f)
    for point in (0.3, 1.7):
        assert np.isclose(float(numax.grad(g)(point)), float(numax.grad(f)(point)), rtol=1e-6)
    text = str(numax.make_jaxpr(numax.grad(g))(0.3))
    assert text.count("sin a") >= 2, "the backward program recomputes sin(x)"


def test_checkpoint_policy_saves_dots():
    w, x = jnp.asarray(_x(3, 3)), jnp.asarray(_x(3, seed=1))
    h = numax.checkpoint(lambda w, x: jnp.sin(lax.dot(w, x)),
                         policy=numax.checkpoint_policies.dots_saveable)
    reference = numax.grad(lambda w: jnp.sum(jnp.sin(lax.dot(w, x))))(w)
    np.testing.assert_allclose(np.asarray(numax.grad(lambda w: jnp.sum(h(w, x)))(w)),
                               np.asarray(reference), rtol=1e-6)
    saved = str(numax.make_jaxpr(numax.grad(lambda w: jnp.sum(h(w, x))))(w))
    recomputed = str(numax.make_jaxpr(numax.grad(lambda w: jnp.sum(numax.checkpoint(
        lambda w, x: jnp.sin(lax.dot(w, x)))(w, x))))(w))
    assert saved.count("dot_general") < recomputed.count("dot_general")


def test_checkpoint_name_policies():
    from numax.ad_checkpoint import checkpoint_name
    f = lambda x: jnp.sin(checkpoint_name(jnp.sin(x), "inner"))  # noqa: E731
    for policy in (numax.checkpoint_policies.save_only_these_names("inner"),
                   numax.checkpoint_policies.save_anything_except_these_names("inner")):
        g = numax.checkpoint(f, policy=policy)
        assert np.isclose(float(numax.grad(g)(0.4)), float(numax.grad(f)(0.4)), rtol=1e-6)


def test_grad_of_jit_runs_forward_as_one_call():
    f = numax.jit(lambda x: jnp.sin(x) * x)
    text = str(numax.make_jaxpr(numax.grad(f))(1.0))
    assert text.count("jit[") == 1 and "jvp(" in text


def test_jacobians_of_pytrees_agree_and_match_shapes():
    f = lambda p: {"a": p["x"] * p["x"], "b": jnp.sum(jnp.sin(p["y"]))}  # noqa: E731
    params = {"x": jnp.asarray(_x(3)), "y": jnp.asarray(_x(2, 2, seed=1))}
    forward, reverse = numax.jacfwd(f)(params), numax.jacrev(f)(params)
    np.testing.assert_allclose(np.asarray(forward["a"]["x"]), np.diag(2 * _x(3)), rtol=1e-6)
    np.testing.assert_allclose(np.asarray(forward["b"]["y"]), np.cos(_x(2, 2, seed=1)), rtol=1e-6)
    assert forward["a"]["y"].shape == (3, 2, 2) and forward["b"]["x"].shape == (3,)
    for a, b in zip(numax.tree.leaves(forward), numax.tree.leaves(reverse)):
        np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=1e-6)


def _unused_values(module_text):
    """SSA results in a StableHLO module that nothing uses (`%v:n = ...` has results %v#k)."""
    unused = []
    for name, count in re.findall(r"^\s*(%\w+)(?::(\d+))? = ", module_text, re.M):
        results = [f"{name}#{k}" for k in range(int(count))] if count else [name]
        unused += [r for r in results
                   if not re.search(re.escape(r) + r"(?![\w#])(?!\s*(?::\d+)?\s*=)", module_text)]
    return unused


def test_grad_program_has_no_dead_code_and_no_host_round_trips():
    def loss(params, x, y):
        for w, b in params[:-1]:
            x = jnp.tanh(x @ w + b)
        w, b = params[-1]
        return -jnp.mean(jnp.sum(numax.nn.log_softmax(x @ w + b) * y, axis=-1))

    sizes = [8, 16, 16, 4]
    params = [(jnp.asarray(_x(m, n, seed=m + n)), jnp.zeros(n))
              for m, n in zip(sizes[:-1], sizes[1:])]
    x, y = jnp.asarray(_x(5, 8)), jnp.asarray(np.eye(4, dtype=np.float32)[[0, 1, 2, 3, 0]])
    forward = numax.jit(loss).lower(params, x, y).as_text()
    backward = numax.jit(numax.grad(loss)).lower(params, x, y).as_text()
    assert "custom_call" not in backward and "callback" not in backward
    assert _unused_values(backward) == []
    ops = lambda text: len(re.findall(r'= "(?:stablehlo|chlo|func)\.', text))  # noqa: E731
    assert ops(backward) <= 2 * ops(forward)  # the forward pass plus one op per transposed op


def test_grad_of_the_identity_is_an_array_typed_like_the_input():
    """The cotangent seed reaches the input untouched; it must come back as an Array with
    the input's dtype and weak type (JAX 0.10.2: weak for a Python float)."""
    for x, weak in [(3.0, True), (jnp.float32(3.0), False)]:
        g = numax.grad(lambda v: v)(x)
        assert isinstance(g, numax.Array) and g.dtype == np.float32 and g.weak_type == weak
        assert float(g) == 1.0
    g = numax.grad(lambda v, w: v, argnums=(0, 1))(3.0, 2.0)
    assert [float(v) for v in g] == [1.0, 0.0]
