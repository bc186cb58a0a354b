"""numax.config: known options, their effects, context managers, environment variables."""

import os
import subprocess
import sys

import numpy as np
import pytest

import numax
import numax.numpy as jnp


def test_unknown_option_is_a_clear_error():
    with pytest.raises(AttributeError, match="no option 'jax_enable_x63'"):
        numax.config.update("jax_enable_x63", True)
    with pytest.raises(AttributeError, match="no option"):
        numax.config.jax_not_a_flag


def test_x64_switches_default_dtypes():
    assert numax.config.jax_enable_x64 is False
    assert jnp.asarray(1.0).dtype == np.float32
    assert jnp.asarray(np.arange(3)).dtype == np.int32
    numax.config.update("jax_enable_x64", True)
    try:
        assert numax.config.jax_enable_x64 is True
        assert jnp.asarray(1.0).dtype == np.float64
        assert jnp.asarray(np.arange(3)).dtype == np.int64
        assert (jnp.ones(3) + 1).dtype == np.float64
    finally:
        numax.config.update("jax_enable_x64", False)
    assert jnp.ones(3).dtype == np.float32


def test_enable_x64_context_manager_restores():
    with numax.enable_x64():
        assert jnp.zeros(2).dtype == np.float64
    assert jnp.zeros(2).dtype == np.float32


def test_bad_values_are_rejected():
    with pytest.raises(TypeError, match="takes a bool"):
        numax.config.update("jax_enable_x64", "maybe")
    with pytest.raises(ValueError, match="takes one of"):
        numax.config.update("jax_default_matmul_precision", "ultra")


def test_disable_jit_flag_and_context():
    calls = []

    @numax.jit
    def f(x):
        calls.append(type(x).__name__)
        return x * 2

    numax.config.update("jax_disable_jit", True)
    try:
        f(jnp.ones(2))
    finally:
        numax.config.update("jax_disable_jit", False)
    with numax.disable_jit():
        f(jnp.ones(2))
    assert calls == ["Array", "Array"]


def test_default_matmul_precision_is_readable():
    numax.config.update("jax_default_matmul_precision", "highest")
    try:
        assert numax.config.jax_default_matmul_precision == "highest"
    finally:
        numax.config.update("jax_default_matmul_precision", None)


@pytest.mark.parametrize("variable", ["JAX_PLATFORMS", "NUMAX_PLATFORMS"])
def test_platforms_from_environment(variable):
    env = dict(os.environ, **{variable: "cpu"})
    env.pop("JAX_PLATFORMS" if variable == "NUMAX_PLATFORMS" else "NUMAX_PLATFORMS", None)
    code = "import numax; print(numax.config.jax_platforms, numax.default_backend(), numax.devices())"
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("cpu cpu [CpuDevice(id=0)")


def test_unknown_platform_is_a_clear_error():
    env = dict(os.environ, JAX_PLATFORMS="tpu_like")
    code = "import numax; numax.devices()"
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode != 0 and "unknown platform" in done.stderr
