"""Top-level function helpers: jacobian, float0, custom_gradient, closure_convert,
ensure_compile_time_eval, named_call/named_scope and numax.custom_batching, checked
against NumPy formulas, finite differences and Python loops."""

import numpy as np
import pytest

import numax
import numax.numpy as jnp
from numax.custom_batching import custom_vmap, sequential_vmap
from numax.test_util import check_grads


def _x(*shape, seed=0):
    return np.random.default_rng(seed).uniform(0.5, 1.5, shape).astype(np.float32)


def test_jacobian_is_reverse_mode_jacobian():
    x = _x(3)
    jac = numax.jacobian(lambda v: jnp.sin(v) * v[0])(x)
    expected = np.diag(np.cos(x) * x[0])
    expected[:, 0] += np.sin(x)
    np.testing.assert_allclose(np.asarray(jac), expected, rtol=1e-5)


def test_float0_is_the_tangent_dtype_of_integers():
    grads = numax.grad(lambda x, n: x * n, argnums=(0, 1), allow_int=True)(2.0, 3)
    assert grads[1].dtype == numax.float0
    assert np.zeros((), numax.float0).dtype == numax.float0


def test_custom_gradient():
    @numax.custom_gradient
    def clipped_square(x):
        y = x * x
        return y, lambda g: (jnp.clip(g * 2 * x, -1.0, 1.0),)

    x = _x(4) - 1.0
    np.testing.assert_allclose(np.asarray(clipped_square(x)), x * x, rtol=1e-6)
    for route in (numax.grad, lambda f: numax.jit(numax.grad(f))):
        np.testing.assert_allclose(np.asarray(numax.vmap(route(clipped_square))(x)),
                                   np.clip(2 * x, -1, 1), rtol=1e-6)

    @numax.custom_gradient
    def scaled_product(a, b):
        return a * b, lambda g: (g * b * 10.0, g * a)

    np.testing.assert_allclose(numax.grad(scaled_product, argnums=(0, 1))(2.0, 3.0),
                               (30.0, 2.0), rtol=1e-6)

    @numax.custom_gradient
    def halved(x):
        return x * 2.0, lambda g: g * 0.5  # one argument: a bare cotangent is accepted

    np.testing.assert_allclose(numax.grad(halved)(1.0), 0.5)


def test_custom_gradient_with_true_gradient_matches_finite_differences():
    @numax.custom_gradient
    def softplus(x):
        return jnp.log1p(jnp.exp(x)), lambda g: g / (1 + jnp.exp(-x))

    x, eps = np.array([-1.0, 0.3, 2.0]), 1e-6
    with numax.enable_x64():  # check_grads needs a JVP, which custom_vjp functions lack
        grad = numax.grad(lambda v: jnp.sum(softplus(v)))(x)
        numeric = (np.asarray(softplus(x + eps)) - np.asarray(softplus(x - eps))) / (2 * eps)
    np.testing.assert_allclose(np.asarray(grad), numeric, rtol=1e-7)


def test_closure_convert():
    scale = jnp.asarray(_x(3))
    counts = jnp.arange(3)

    def f(v):
        return v * scale + counts

    converted, hoisted = numax.closure_convert(f, np.zeros(3, np.float32))
    assert len(hoisted) == 1 and hoisted[0] is scale  # only the float value is hoisted
    v = _x(3, seed=1)
    np.testing.assert_allclose(np.asarray(converted(v, *hoisted)), np.asarray(f(v)), rtol=1e-6)
    other = _x(3, seed=2)
    np.testing.assert_allclose(np.asarray(converted(v, other)), v * other + np.arange(3),
                               rtol=1e-6)
    with pytest.raises(TypeError, match="hoisted"):
        converted(v)

    def outer(s):  # closing over a tracer of an enclosing transformation
        g = lambda v: jnp.sum(v * s)  # noqa: E731
        conv, consts = numax.closure_convert(g, np.ones(3, np.float32))
        return conv(jnp.ones(3), *consts)

    np.testing.assert_allclose(np.asarray(numax.grad(outer)(_x(3))), np.ones(3), rtol=1e-6)


def test_ensure_compile_time_eval():
    sizes = []

    @numax.jit
    def f(x):
        with numax.ensure_compile_time_eval():
            table = jnp.arange(4.0) ** 2
            sizes.append(int(table.sum()))  # a concrete value inside jit
            largest = table[int(jnp.argmax(table))]
            y = x * table  # traced input: staged as usual
        return y + largest

    x = _x(4)
    np.testing.assert_allclose(np.asarray(f(x)), x * np.arange(4.0) ** 2 + 9.0, rtol=1e-6)
    assert sizes == [14]
    with numax.ensure_compile_time_eval():  # outside any transformation: plain eager
        assert float(jnp.ones(2).sum()) == 2.0
    with pytest.raises(numax.errors.ConcretizationTypeError):
        numax.jit(lambda v: int(v.sum()))(x)

    def under_grad(v):
        with numax.ensure_compile_time_eval():
            k = float(jnp.asarray(3.0) * 2)
            return jnp.sin(v) * k

    np.testing.assert_allclose(numax.grad(under_grad)(0.2), 6 * np.cos(0.2), rtol=1e-6)
    np.testing.assert_allclose(np.asarray(numax.vmap(under_grad)(x)), 6 * np.sin(x), rtol=1e-6)


def test_named_call_and_named_scope_are_transparent():
    f = numax.named_call(lambda v: v * 2, name="double")
    np.testing.assert_allclose(np.asarray(numax.jit(f)(jnp.ones(2))), [2.0, 2.0])
    with numax.named_scope("block"):
        np.testing.assert_allclose(numax.grad(lambda v: v ** 3)(2.0), 12.0)
    with pytest.raises(TypeError, match="string"):
        with numax.named_scope(3):
            pass


def _custom_sin():
    calls = []

    @custom_vmap
    def f(x, y):
        return jnp.sin(x) * y

    @f.def_vmap
    def rule(axis_size, in_batched, x, y):
        calls.append((axis_size, in_batched))
        x_batched, y_batched = in_batched
        out = jnp.sin(x) * y  # broadcasting handles either batch pattern here
        return out, x_batched or y_batched

    return f, calls


def test_custom_vmap_rule_is_used():
    f, calls = _custom_sin()
    x, y = _x(5), _x(5, seed=1)
    np.testing.assert_allclose(float(f(x[0], y[0])), np.sin(x[0]) * y[0], rtol=1e-6)
    assert calls == []
    out = numax.vmap(f, in_axes=(0, None))(x, y[0])
    np.testing.assert_allclose(np.asarray(out), np.sin(x) * y[0], rtol=1e-6)
    assert calls == [(5, (True, False))]
    out = numax.jit(numax.vmap(f))(x, y)
    np.testing.assert_allclose(np.asarray(out), np.sin(x) * y, rtol=1e-6)
    assert calls[-1] == (5, (True, True))


def test_custom_vmap_rule_output_decides_the_result():
    @custom_vmap
    def f(x):
        return x + 1.0

    @f.def_vmap
    def rule(axis_size, in_batched, x):
        return jnp.zeros_like(x[0]) + axis_size, False  # unbatched output

    out = numax.vmap(f)(_x(4, 2))
    np.testing.assert_allclose(np.asarray(out), np.full((4, 2), 4.0))


def test_custom_vmap_derivatives_differentiate_the_function():
    f, _ = _custom_sin()
    with numax.enable_x64():
        check_grads(lambda x: f(x, 2.0), (np.array([0.3, -0.7]),), order=2)
    np.testing.assert_allclose(np.asarray(numax.vmap(numax.grad(lambda x: f(x, 2.0)))(_x(3))),
                               2 * np.cos(_x(3)), rtol=1e-6)


def test_custom_vmap_errors():
    @custom_vmap
    def f(x):
        return x * 2

    with pytest.raises(AttributeError, match="def_vmap"):
        f(1.0)

    @f.def_vmap
    def bad_rule(axis_size, in_batched, x):
        return x[0], True  # claims a batch axis it does not have

    with pytest.raises(ValueError, match="out_batched=True"):
        numax.vmap(f)(jnp.ones((3, 2)))


def test_sequential_vmap_matches_loop():
    f = sequential_vmap(lambda a, b: jnp.sum(a * b))
    a, b = _x(4, 3), _x(3, seed=1)
    out = numax.vmap(f, in_axes=(0, None))(a, b)
    np.testing.assert_allclose(np.asarray(out), [np.sum(row * b) for row in a], rtol=1e-5)
