"""Top-level configuration context managers, each checked for its effect: eagerly, under
jit, and after the C++ dispatch has cached the call (a check must still run)."""

import logging
import warnings

import numpy as np
import pytest

import numax
import numax.numpy as jnp
from numax.core.primitive import Primitive


@pytest.mark.parametrize("manager,value,kind", [(numax.debug_nans, -1.0, "nan"),
                                                (numax.debug_infs, 0.0, "inf")])
def test_debug_nans_and_infs(manager, value, kind):
    x = jnp.asarray([value, 1.0])
    f = numax.jit(lambda v: jnp.log(v) * 2.0)
    f(x)
    f(x)  # now replayed by the C++ dispatch
    assert not np.isfinite(np.asarray(jnp.log(x))[0])
    with manager():
        with pytest.raises(FloatingPointError, match=rf"invalid value \({kind}\) encountered in log"):
            jnp.log(x)
        with pytest.raises(FloatingPointError, match=rf"\({kind}\) encountered in log"):
            f(x)
        np.testing.assert_allclose(np.asarray(f(jnp.asarray([2.0, 1.0]))),
                                   2 * np.log([2.0, 1.0]), rtol=1e-6)
        jnp.log(jnp.asarray([1, 2]).astype(jnp.float32))  # clean results pass
    assert not np.isfinite(np.asarray(f(x))[0])  # off again


def test_debug_nans_with_donated_inputs_names_the_jitted_function():
    f = numax.jit(lambda v: jnp.log(v), donate_argnums=0)
    with numax.debug_nans():
        with pytest.raises(FloatingPointError, match=r"\(nan\) encountered in jit\(<lambda>\)"):
            f(-jnp.ones(3))


def test_debug_nans_ignores_infs_and_integers():
    with numax.debug_nans():
        assert np.isinf(np.asarray(jnp.log(jnp.zeros(2)))).all()
        np.testing.assert_array_equal(np.asarray(jnp.arange(3) // 1), np.arange(3))


def test_log_compiles(caplog):
    numax.clear_caches()  # an identical program compiled by an earlier test is not recompiled
    f = numax.jit(lambda v: v * 3 + 1)
    with caplog.at_level(logging.WARNING, logger="numax"):
        f(jnp.ones(7))
        assert not any("Compiling" in r.getMessage() for r in caplog.records)
        with numax.log_compiles():
            f(jnp.ones(5))
            f(jnp.ones(5))
    compiles = [r.getMessage() for r in caplog.records if "jit_<lambda>" in r.getMessage()]
    assert len(compiles) == 1 and "f32[5]" in compiles[0]


def test_explain_cache_misses(caplog):
    f = numax.jit(lambda v, n: v * n, static_argnums=1)
    with caplog.at_level(logging.WARNING, logger="numax"), numax.explain_cache_misses():
        f(jnp.ones(3), 2)
        f(jnp.ones(3), 2)
        f(jnp.ones(4), 2)
        f(jnp.ones(4), 3)
    messages = [r.getMessage() for r in caplog.records if "cache miss" in r.getMessage()]
    assert len(messages) == 3
    assert "first call" in messages[0]
    assert "argument 0: f32[3] -> f32[4]" in messages[1]
    assert "static arguments" in messages[2]


def test_no_tracing_and_no_execution():
    f = numax.jit(lambda v: v - 1)
    x, y = jnp.ones(3), jnp.ones(4)
    f(x)
    with numax.no_tracing():
        np.testing.assert_array_equal(np.asarray(f(x)), np.zeros(3))  # cached: fine
        with pytest.raises(RuntimeError, match="no_tracing"):
            f(y)
    with numax.no_execution():
        with pytest.raises(RuntimeError, match="no_execution"):
            f(x)
        with pytest.raises(RuntimeError, match="no_execution"):
            jnp.sin(x)
        assert numax.make_jaxpr(f)(x) is not None  # tracing alone runs nothing
    np.testing.assert_array_equal(np.asarray(f(y)), np.zeros(4))


def test_check_tracer_leaks():
    kept = []

    def leaky(v):
        kept.append(v * 2)
        return v

    numax.jit(leaky)(1.0)  # off: no check
    assert numax.checking_leaks is numax.check_tracer_leaks
    with numax.check_tracer_leaks():
        with pytest.raises(numax.errors.UnexpectedTracerError, match="leaked"):
            numax.jit(leaky)(2.0)
        kept.clear()
        np.testing.assert_allclose(float(numax.jit(lambda v: v * 2)(3.0)), 6.0)


def test_enable_checks_type_checks_staged_programs():
    calls = []

    def drifting_abstract_eval(aval):
        # Reports a different type the second time: a broken rule the checker must catch.
        calls.append(aval)
        return aval if len(calls) == 1 else aval.update(shape=aval.shape + (1,))

    drift = Primitive("toplevel_test_drift", abstract_eval=drifting_abstract_eval,
                      lower=lambda ctx, x: x, register=False)
    numax.jit(lambda v: drift.bind(v))(np.ones(2, np.float32))  # unchecked: goes through
    calls.clear()
    with numax.enable_checks():
        with pytest.raises(Exception, match="toplevel_test_drift"):
            numax.jit(lambda v: drift.bind(v) + 0)(np.ones(3, np.float32))


def test_numpy_rank_promotion():
    x, y = jnp.ones((2, 3)), jnp.arange(3.0)
    f = numax.jit(lambda a, b: a * b)
    np.testing.assert_allclose(np.asarray(f(x, y)), np.ones((2, 3)) * np.arange(3.0))
    with numax.numpy_rank_promotion("raise"):
        with pytest.raises(ValueError, match="jax_numpy_rank_promotion='raise'"):
            x + y
        with pytest.raises(ValueError, match="rank promotion"):
            f(x, y)
        np.testing.assert_allclose(np.asarray(x + jnp.ones((1, 3)) + 2.0), np.full((2, 3), 4.0))
    with numax.numpy_rank_promotion("warn"):
        with pytest.warns(UserWarning, match="rank promotion"):
            x - y
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        x - y


def test_numpy_dtype_promotion_strict():
    f32, i32 = jnp.ones(3, jnp.float32), jnp.arange(3)
    assert (f32 + i32).dtype == np.float32
    with numax.numpy_dtype_promotion("strict"):
        assert (f32 + 1).dtype == np.float32 and (f32 * 2.5).dtype == np.float32
        assert (i32 + 1).dtype == np.int32 and (f32 + f32).dtype == np.float32
        for mixed in (lambda: f32 + i32, lambda: i32 + 1.5,
                      lambda: f32.astype(jnp.bfloat16) + f32,
                      lambda: jnp.promote_types(np.int32, np.float32),
                      lambda: numax.jit(lambda a, b: a + b)(f32, i32)):
            with pytest.raises(numax.core.dtypes.TypePromotionError, match="strict"):
                mixed()
    with pytest.raises(ValueError, match="takes one of"):
        numax.config.update("jax_numpy_dtype_promotion", "loose")


def test_prng_options_state_what_numax_implements():
    with numax.threefry_partitionable(True):
        key = numax.random.PRNGKey(0)
        assert numax.random.uniform(key, (2,)).shape == (2,)
    with pytest.raises(NotImplementedError, match="partitionable"):
        with numax.threefry_partitionable(False):
            pass
    with numax.default_prng_impl("threefry2x32"):
        pass
    with pytest.raises(NotImplementedError, match="threefry2x32"):
        numax.config.update("jax_default_prng_impl", "rbg")


def test_legacy_prng_key():
    raw, typed = numax.random.PRNGKey(1), numax.random.key(1)
    sample = numax.jit(lambda k: numax.random.normal(k, (3,)))
    sample(raw)  # allowed by default, and cached
    np.testing.assert_array_equal(np.asarray(numax.random.normal(raw, (3,))),
                                  np.asarray(numax.random.normal(typed, (3,))))
    with numax.legacy_prng_key("error"):
        assert numax.random.normal(typed, (3,)).shape == (3,)
        with pytest.raises(ValueError, match="legacy uint32 key"):
            numax.random.split(raw)
        with pytest.raises(ValueError, match="legacy uint32 key"):
            sample(raw)
    with numax.legacy_prng_key("warn"):
        with pytest.warns(UserWarning, match="legacy uint32 key"):
            numax.random.uniform(raw)
