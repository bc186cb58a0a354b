"""numax.vmap: in_axes/out_axes forms, axis_size, errors, and composition with jit/grad,
each checked against a Python loop."""

import numpy as np
import pytest

import numax
import numax.numpy as jnp


def _x(*shape, seed=0):
    return np.random.default_rng(seed).uniform(-1, 1, shape).astype(np.float32)


def _loop(f, *args, axes):
    size = next(np.shape(a)[ax] for a, ax in zip(args, axes) if ax is not None)
    outs = [f(*[np.take(a, i, axis=ax) if ax is not None else a for a, ax in zip(args, axes)])
            for i in range(size)]
    return np.stack([np.asarray(o) for o in outs])


def test_in_axes_int_none_and_negative():
    f = lambda x, y: jnp.sin(x) * y  # noqa: E731
    x, y = _x(4, 3), _x(3, seed=1)
    np.testing.assert_allclose(np.asarray(numax.vmap(f, in_axes=(0, None))(x, y)),
                               _loop(f, x, y, axes=(0, None)), rtol=1e-6)
    np.testing.assert_allclose(np.asarray(numax.vmap(f, in_axes=(-1, None))(x.T, y)),
                               _loop(f, x.T, y, axes=(1, None)), rtol=1e-6)


def test_out_axes():
    f = lambda x: x * 2  # noqa: E731
    x = _x(4, 3)
    out = numax.vmap(f, in_axes=0, out_axes=1)(x)
    np.testing.assert_allclose(np.asarray(out), (x * 2).T, rtol=1e-6)
    out = numax.vmap(lambda v: (v, 1.0), out_axes=(0, None))(x)
    assert float(out[1]) == 1.0


def test_pytree_in_axes_prefix():
    def f(params, x):
        return params["w"] * x + params["b"]

    params = {"w": _x(5, 3), "b": _x(3, seed=1)}
    x = _x(3, seed=2)
    out = numax.vmap(f, in_axes=({"w": 0, "b": None}, None))(params, x)
    np.testing.assert_allclose(np.asarray(out), params["w"] * x + params["b"], rtol=1e-6)


def test_axis_size_without_batched_inputs():
    out = numax.vmap(lambda x: x + 1.0, in_axes=None, axis_size=3)(jnp.ones(2))
    np.testing.assert_allclose(np.asarray(out), np.full((3, 2), 2.0))


def test_inconsistent_sizes_error_names_arguments():
    with pytest.raises(ValueError, match="inconsistent sizes") as info:
        numax.vmap(lambda x, y: x + y)(jnp.ones(3), jnp.ones(4))
    assert "(3,)" in str(info.value) and "(4,)" in str(info.value)


def test_out_axes_none_on_batched_output_error():
    with pytest.raises(ValueError, match="out_axes is None"):
        numax.vmap(lambda x: x * 2, out_axes=None)(jnp.ones(3))


def test_axis_out_of_range_error():
    with pytest.raises(ValueError, match="rank"):
        numax.vmap(lambda x: x, in_axes=2)(jnp.ones((3, 2)))


def test_no_mapped_axis_error():
    with pytest.raises(ValueError, match="at least one non-None"):
        numax.vmap(lambda x: x, in_axes=None)(jnp.ones(3))


def test_nested_vmap():
    f = lambda x, y: x * y  # noqa: E731
    x, y = _x(3), _x(4, seed=1)
    out = numax.vmap(numax.vmap(f, in_axes=(None, 0)), in_axes=(0, None))(x, y)
    np.testing.assert_allclose(np.asarray(out), np.outer(x, y), rtol=1e-6)


def test_per_example_gradients():
    def loss(w, x, y):
        return (jnp.sum(w * x) - y) ** 2

    w, xs, ys = _x(3), _x(5, 3, seed=1), _x(5, seed=2)
    grads = numax.jit(numax.vmap(numax.grad(loss), in_axes=(None, 0, 0)))(w, xs, ys)
    expected = np.stack([2 * (np.sum(w * x) - y) * x for x, y in zip(xs, ys)])
    np.testing.assert_allclose(np.asarray(grads), expected, rtol=1e-5)


def test_grad_of_vmap_and_vmap_of_jit():
    f = lambda x: jnp.sin(x) * x  # noqa: E731
    x = _x(4)
    g = numax.grad(lambda v: jnp.sum(numax.vmap(f)(v)))(x)
    np.testing.assert_allclose(np.asarray(g), np.cos(x) * x + np.sin(x), rtol=1e-5)
    out = numax.vmap(numax.jit(f))(x)
    np.testing.assert_allclose(np.asarray(out), np.sin(x) * x, rtol=1e-6)


def test_kwargs_are_mapped_over_axis_zero():
    out = numax.vmap(lambda x, *, scale: x * scale)(jnp.ones(3), scale=jnp.arange(3.0))
    np.testing.assert_allclose(np.asarray(out), [0.0, 1.0, 2.0])


def test_vmap_of_custom_jvp_and_custom_vjp_keeps_the_custom_rules():
    @numax.custom_jvp
    def f(x):
        return jnp.sin(x)

    f.defjvp(lambda primals, tangents: (f(primals[0]), 3.0 * tangents[0]))

    @numax.custom_vjp
    def g(x):
        return jnp.sin(x)

    g.defvjp(lambda x: (jnp.sin(x), None), lambda _, ct: (5.0 * ct,))
    x = _x(4)
    np.testing.assert_allclose(np.asarray(numax.vmap(f)(x)), np.sin(x), rtol=1e-6)
    np.testing.assert_allclose(np.asarray(numax.vmap(numax.grad(f))(x)), np.full(4, 3.0))
    np.testing.assert_allclose(np.asarray(numax.grad(lambda v: jnp.sum(numax.vmap(f)(v)))(x)),
                               np.full(4, 3.0))
    np.testing.assert_allclose(np.asarray(numax.vmap(numax.grad(g))(x)), np.full(4, 5.0))
    np.testing.assert_allclose(np.asarray(numax.grad(lambda v: jnp.sum(numax.vmap(g)(v)))(x)),
                               np.full(4, 5.0))
