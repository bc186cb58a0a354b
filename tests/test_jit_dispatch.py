"""The C++ jit dispatch (numax/runtime/fastpath.py): replayed calls give the same results
as the first, run no Python, and fall back to numax wherever replaying would be wrong
(transformations, disable_jit, x64 and other semantic options, callbacks, pytree nodes).

`_cache_miss` is what the C++ dispatch calls when it has no record of a call's signature;
counting its calls tells whether a call was replayed."""

import dataclasses

import numpy as np
import pytest

import numax
import numax.numpy as jnp
from numax import api, dispatch, lax
from numax.callbacks import CallbackError


@pytest.fixture
def misses(monkeypatch):
    """Counts calls into Python for jit functions created after the fixture is set up."""
    count = [0]
    original = api.JitFunction._cache_miss

    def counted(self, *args, **kwargs):
        count[0] += 1
        return original(self, *args, **kwargs)

    monkeypatch.setattr(api.JitFunction, "_cache_miss", counted)
    return count


def _x(*shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape).astype(np.float32)


def test_repeated_calls_are_replayed_with_the_same_results(misses):
    f = numax.jit(lambda x, y: jnp.sin(x) * y + 1.0)
    x, y = jnp.asarray(_x(3, 4)), jnp.asarray(_x(3, 4, seed=1))
    outs = [f(x, y) for _ in range(4)]
    assert misses[0] == 1
    for out in outs:
        np.testing.assert_allclose(np.asarray(out), np.sin(_x(3, 4)) * _x(3, 4, seed=1) + 1,
                                   rtol=1e-6)
        assert out.dtype == np.float32 and not out.weak_type and isinstance(out, numax.Array)
    f(jnp.asarray(_x(2)), jnp.asarray(_x(2)))  # a new shape is a new signature
    assert misses[0] == 2


def test_numpy_and_python_scalar_arguments_are_typed_as_numax_types_them(misses):
    f = numax.jit(lambda x, s: x * s)
    for _ in range(3):
        out = f(_x(3), 2.0)
        np.testing.assert_allclose(np.asarray(out), _x(3) * 2.0)
        assert out.dtype == np.float32
        weak = f(2, 3)
        assert weak.dtype == np.int32 and weak.weak_type and int(weak) == 6


def test_x64_mode_is_part_of_the_signature(misses):
    f = numax.jit(lambda x: x + 1)
    assert f(1.5).dtype == np.float32
    with numax.enable_x64():
        assert f(1.5).dtype == np.float64
        assert f(np.arange(3)).dtype == np.int64
    assert f(1.5).dtype == np.float32
    assert misses[0] == 3


def test_matmul_precision_is_part_of_the_signature(misses):
    f = numax.jit(lambda a, b: a @ b)
    a = jnp.asarray(_x(4, 4))
    f(a, a)
    f(a, a)
    with numax.default_matmul_precision("highest"):
        f(a, a)
    assert misses[0] == 2


def test_disable_jit_after_replay_runs_python():
    seen = []

    @numax.jit
    def f(x):
        seen.append(type(x))
        return x * 2

    x = jnp.asarray(_x(3))
    f(x)
    f(x)
    with numax.disable_jit():
        np.testing.assert_allclose(np.asarray(f(x)), _x(3) * 2)
    assert len(seen) == 2 and seen[1] is type(x)  # traced once, then run op by op


def test_calls_inside_transformations_are_staged_not_replayed():
    f = numax.jit(lambda x: jnp.sin(x) * 3.0)
    x = jnp.asarray(_x(3))
    f(x)
    f(x)  # recorded for eager replay
    jaxpr = numax.make_jaxpr(lambda y: f(x) + y)(x)
    assert any(e.primitive.name == "jit" for e in jaxpr.jaxpr.eqns)
    # a concrete closed-over argument inside grad: values must still be right
    g = numax.grad(lambda y: jnp.sum(f(x) * y))(jnp.ones(3))
    np.testing.assert_allclose(np.asarray(g), np.sin(_x(3)) * 3.0, rtol=1e-6)
    eager = numax.vmap(lambda y: f(x) * y)(jnp.arange(2.0))
    np.testing.assert_allclose(np.asarray(eager), np.outer(np.arange(2.0), np.sin(_x(3)) * 3),
                               rtol=1e-6)


def test_closed_over_constants_and_unused_arguments_are_replayed_correctly(misses):
    table = _x(5, seed=3)
    f = numax.jit(lambda x, unused, y: x * jnp.asarray(table) + y)
    x, u, y = jnp.asarray(_x(5)), jnp.asarray(_x(7)), jnp.asarray(_x(5, seed=2))
    for _ in range(3):
        np.testing.assert_allclose(np.asarray(f(x, u, y)), _x(5) * table + _x(5, seed=2),
                                   rtol=1e-6)
    assert misses[0] == 1


def test_keyword_static_and_donated_arguments(misses):
    f = numax.jit(lambda x, n, *, scale: x * n * scale, static_argnums=1)
    x = jnp.asarray(_x(3))
    for _ in range(2):
        np.testing.assert_allclose(np.asarray(f(x, 3, scale=jnp.float32(2.0))), _x(3) * 6,
                                   rtol=1e-6)
    np.testing.assert_allclose(np.asarray(f(x, 4, scale=jnp.float32(2.0))), _x(3) * 8,
                               rtol=1e-6)
    assert misses[0] == 2
    g = numax.jit(lambda a, b: a + b, donate_argnums=0)
    for _ in range(3):
        a = jnp.asarray(_x(4))
        out = g(a, jnp.asarray(_x(4)))
        np.testing.assert_allclose(np.asarray(out), 2 * _x(4))
        assert a.is_deleted()


@dataclasses.dataclass
class _Params:
    w: object
    b: object


numax.tree_util.register_dataclass(_Params, data_fields=["w", "b"], meta_fields=[])


def test_custom_pytree_nodes_are_replayed_and_rebuilt(misses):
    f = numax.jit(lambda p, x: _Params(p.w * x, p.b + 1))
    p = _Params(jnp.asarray(_x(3)), jnp.asarray(_x(3, seed=1)))
    for _ in range(3):
        out = f(p, 2.0)
        assert isinstance(out, _Params)
        np.testing.assert_allclose(np.asarray(out.w), _x(3) * 2)
        np.testing.assert_allclose(np.asarray(out.b), _x(3, seed=1) + 1)
    assert misses[0] == 1


def test_programs_with_callbacks_always_run_through_numax(capfd):
    f = numax.jit(lambda x: numax.debug.print("x={}", x) or x + 1)
    for _ in range(3):
        f(jnp.asarray(2.0))
    assert capfd.readouterr().out.count("x=2.0") == 3

    def bad(x):
        raise ValueError("callback failed")

    g = numax.jit(lambda x: numax.pure_callback(bad, jax_shape(x), x))
    for _ in range(2):
        with pytest.raises(CallbackError, match="callback failed"):
            g(jnp.asarray(1.0)).block_until_ready()


def jax_shape(x):
    return numax.ShapeDtypeStruct(x.shape, x.dtype)


def test_eager_primitives_are_replayed_and_typed():
    before = len(dispatch._eager_cache)
    x = jnp.asarray(_x(6))
    for _ in range(3):
        np.testing.assert_allclose(np.asarray(lax.mul(x, x)), _x(6) ** 2)
        out = lax.add(x, 2.0)
        assert out.dtype == np.float32 and not out.weak_type
        np.testing.assert_allclose(np.asarray(out), _x(6) + 2)
    assert len(dispatch._eager_cache) - before <= 2
    committed = numax.device_put(x, numax.devices()[0])
    assert lax.add(committed, x).committed and not lax.add(x, x).committed


def test_identical_programs_are_compiled_once(monkeypatch):
    """An eager fori_loop re-traces its body (a new closure) on every call; the module text
    is the same each time, so XLA compiles it once."""
    compiles = []
    original = dispatch.runtime.compile_module
    monkeypatch.setattr(dispatch.runtime, "compile_module",
                        lambda *a, **k: compiles.append(a[0]) or original(*a, **k))

    def f(x):
        return lax.fori_loop(0, 7, lambda i, c: c * 1.5 + i, x)

    x = jnp.asarray(_x(5))
    expected = _x(5)
    for i in range(7):
        expected = expected * 1.5 + i
    results = [f(x) for _ in range(3)]
    for out in results:
        np.testing.assert_allclose(np.asarray(out), expected, rtol=1e-6)
    assert len(compiles) == 1
