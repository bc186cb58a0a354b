"""numax.jit: results against NumPy, the cache key, static and donated arguments,
pytrees, closures, nesting, ahead-of-time lowering, and concretization errors."""

import numpy as np
import pytest

import numax
import numax.numpy as jnp
from numax import lax
from numax.errors import ConcretizationTypeError, TracerBoolConversionError


def _x(*shape, dtype=np.float32, seed=0):
    return np.random.default_rng(seed).standard_normal(shape).astype(dtype)


def test_jit_matches_numpy():
    f = numax.jit(lambda x, y: jnp.sin(x) * y + 1.0)
    x, y = _x(3, 4), _x(3, 4, seed=1)
    out = f(jnp.asarray(x), jnp.asarray(y))
    np.testing.assert_allclose(np.asarray(out), np.sin(x) * y + 1.0, rtol=1e-6)
    assert out.dtype == np.float32 and out.shape == (3, 4)


def test_jit_accepts_numpy_and_python_scalars():
    f = numax.jit(lambda x, s: x * s)
    np.testing.assert_allclose(np.asarray(f(_x(3), 2.0)), _x(3) * 2.0)
    out = f(2, 3)
    assert out.dtype == np.int32 and out.weak_type and int(out) == 6


def test_pytrees_in_and_out():
    @numax.jit
    def f(params, x):
        return {"y": params["w"] * x + params["b"], "pair": (x, None, params["w"].sum())}

    params = {"w": jnp.asarray(_x(3)), "b": jnp.asarray(_x(3, seed=1))}
    out = f(params, jnp.asarray(_x(3, seed=2)))
    assert set(out) == {"y", "pair"} and out["pair"][1] is None
    np.testing.assert_allclose(np.asarray(out["y"]), _x(3) * _x(3, seed=2) + _x(3, seed=1),
                               rtol=1e-6)
    np.testing.assert_allclose(float(out["pair"][2]), _x(3).sum(), rtol=1e-5)


def test_closure_over_arrays_is_a_constant():
    c = jnp.asarray(_x(4))
    f = numax.jit(lambda x: x + c)
    np.testing.assert_allclose(np.asarray(f(jnp.ones(4))), _x(4) + 1, rtol=1e-6)


def test_nested_jit():
    inner = numax.jit(lambda x: x * 2)
    outer = numax.jit(lambda x: inner(x) + inner(x + 1))
    np.testing.assert_allclose(np.asarray(outer(jnp.arange(3.0))), [2.0, 6.0, 10.0])
    text = str(numax.make_jaxpr(outer)(jnp.arange(3.0)))
    assert text.count("jit[") == 3  # outer, then the two inner calls


def _count_traces(fun):
    calls = []

    def traced(*args, **kwargs):
        calls.append(1)
        return fun(*args, **kwargs)
    return traced, calls


def test_cache_hits_and_misses():
    traced, calls = _count_traces(lambda x: x * 2)
    f = numax.jit(traced)
    f(jnp.ones(3))
    f(jnp.ones(3))
    f(jnp.zeros(3))
    assert len(calls) == 1, "same shape and dtype must hit the cache"
    f(jnp.ones(4))
    assert len(calls) == 2, "a new shape recompiles"
    f(jnp.ones(4, dtype=jnp.int32))
    assert len(calls) == 3, "a new dtype recompiles"
    f(1.0)
    f(jnp.asarray(np.float32(1.0)))
    assert len(calls) == 5, "weak and strong scalars are different cache entries"
    f(2.0)
    assert len(calls) == 5, "another Python float hits the weak entry"


def test_cache_keyed_on_x64_mode():
    traced, calls = _count_traces(lambda x: x + 1)
    f = numax.jit(traced)
    assert f(1.0).dtype == np.float32
    with numax.enable_x64():
        assert f(1.0).dtype == np.float64
    assert f(1.0).dtype == np.float32
    assert len(calls) == 2


def test_static_argnums_and_argnames():
    traced, calls = _count_traces(lambda x, n, *, mode: x * n if mode == "mul" else x + n)
    f = numax.jit(traced, static_argnums=1, static_argnames="mode")
    x = jnp.arange(3.0)
    np.testing.assert_allclose(np.asarray(f(x, 3, mode="mul")), [0, 3, 6])
    np.testing.assert_allclose(np.asarray(f(x, 3, mode="add")), [3, 4, 5])
    f(x, 3, mode="mul")
    assert len(calls) == 2
    f(x, 4, mode="mul")
    assert len(calls) == 3, "a new static value recompiles"
    with pytest.raises(ValueError, match="hashable"):
        f(x, [1, 2], mode="mul")


def test_static_argnums_out_of_range():
    with pytest.raises(ValueError, match="out of range"):
        numax.jit(lambda x: x, static_argnums=3)


def test_donate_argnums_deletes_the_input():
    f = numax.jit(lambda x, y: x + y, donate_argnums=0)
    x, y = jnp.ones(8), jnp.ones(8)
    out = f(x, y)
    np.testing.assert_array_equal(np.asarray(out), np.full(8, 2.0))
    assert x.is_deleted() and not y.is_deleted()
    with pytest.raises(RuntimeError, match="deleted or donated"):
        np.asarray(x)


def test_donate_argnames():
    f = numax.jit(lambda x, y: x * y, donate_argnames="y")
    x, y = jnp.ones(4), jnp.ones(4)
    f(x, y=y)
    assert y.is_deleted() and not x.is_deleted()


def test_keep_unused():
    f = numax.jit(lambda x, unused: x + 1)
    g = numax.jit(lambda x, unused: x + 1, keep_unused=True)
    assert "tensor<5xf32>" not in f.lower(jnp.ones(3), jnp.ones(5)).as_text()
    assert "tensor<5xf32>" in g.lower(jnp.ones(3), jnp.ones(5)).as_text()
    np.testing.assert_array_equal(np.asarray(f(jnp.ones(3), jnp.ones(5))), np.full(3, 2.0))
    np.testing.assert_array_equal(np.asarray(g(jnp.ones(3), jnp.ones(5))), np.full(3, 2.0))


def test_decorator_forms():
    @numax.jit
    def f(x):
        return x + 1

    @numax.jit(static_argnums=(1,))
    def g(x, k):
        return x * k

    assert float(f(1.0)) == 2.0 and float(g(2.0, 3)) == 6.0
    assert f.__name__ == "f"


def test_lower_as_text_and_compile():
    f = numax.jit(lambda x: jnp.sin(x) * 2)
    lowered = f.lower(jnp.ones((2, 3)))
    text = lowered.as_text()
    assert "stablehlo.sine" in text and "func.func public @main" in text
    assert "tensor<2x3xf32>" in text
    compiled = lowered.compile()
    np.testing.assert_allclose(np.asarray(compiled(jnp.ones((2, 3)))), np.sin(np.ones((2, 3))) * 2,
                               rtol=1e-6)
    with pytest.raises(TypeError, match="compiled for"):
        compiled(jnp.ones((3, 3)))


def test_lower_with_shape_dtype_struct():
    spec = numax.ShapeDtypeStruct((4,), np.float32)
    text = numax.jit(lambda x: x * 2).lower(spec).as_text()
    assert "tensor<4xf32>" in text


def test_eval_shape():
    out = numax.eval_shape(lambda x, y: {"s": x @ y, "t": (x.sum(),)},
                           numax.ShapeDtypeStruct((2, 3), np.float32), jnp.ones((3, 5)))
    assert out["s"].shape == (2, 5) and out["s"].dtype == np.float32
    assert out["t"][0].shape == ()


def test_python_if_on_traced_value_is_a_concretization_error():
    def f(x):
        if x > 0:
            return x
        return -x

    with pytest.raises(TracerBoolConversionError) as info:
        numax.jit(f)(1.0)
    message = str(info.value)
    assert "test_jit.py" in message and "f" in message and "concrete" in message
    assert isinstance(info.value, ConcretizationTypeError)


def test_int_of_traced_value_is_a_concretization_error():
    with pytest.raises(ConcretizationTypeError, match="int"):
        numax.jit(lambda x: jnp.zeros(int(x)))(3)
    with pytest.raises(ConcretizationTypeError):
        numax.jit(lambda x: float(x))(3.0)
    with pytest.raises(numax.errors.TracerArrayConversionError):
        numax.jit(lambda x: np.asarray(x))(3.0)


def test_leaked_tracer_is_an_error():
    leaked = []

    @numax.jit
    def f(x):
        leaked.append(x)
        return x

    f(1.0)
    with pytest.raises(numax.errors.UnexpectedTracerError, match="escaped"):
        leaked[0] + 1


def test_disable_jit_runs_python():
    seen = []

    @numax.jit
    def f(x):
        seen.append(type(x).__name__)
        return x + 1

    with numax.disable_jit():
        assert float(f(jnp.asarray(1.0))) == 2.0
    assert seen == ["Array"]


def test_jit_of_lax_primitive_program_equals_eager():
    x = jnp.asarray(_x(5))
    eager = lax.cos(lax.sin(x))
    staged = numax.jit(lambda v: lax.cos(lax.sin(v)))(x)
    np.testing.assert_array_equal(np.asarray(eager), np.asarray(staged))


def test_device_put_get_and_block():
    device = numax.devices()[0]
    x = numax.device_put(np.arange(3.0, dtype=np.float32), device)
    assert x.committed and x.device == device
    assert numax.device_get({"a": x})["a"].tolist() == [0.0, 1.0, 2.0]
    assert numax.block_until_ready((x, [x])) is not None
    y = numax.device_put(jnp.ones(2))
    assert not y.committed
