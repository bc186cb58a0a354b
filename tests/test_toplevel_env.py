"""Top-level names about devices, processes, caches and state: typeof, Device, live_arrays,
clear_caches, copy_to_host_async, host/process numbering, make_array_from_*,
default_device (one device here; several CPU devices in a subprocess), version, typing,
dlpack and print_environment_info."""

import subprocess
import sys
import textwrap

import numpy as np
import pytest

import numax
import numax.numpy as jnp


def test_typeof_arrays_tracers_and_scalars():
    assert numax.typeof(jnp.ones((2, 3))) == numax.core.abstract.ShapedArray((2, 3), np.float32)
    weak = numax.typeof(1.5)
    assert (weak.shape, weak.dtype, weak.weak_type) == ((), np.float32, True)
    assert numax.typeof(np.arange(4, dtype=np.int64)).dtype == np.int32  # x64 off
    seen = []
    numax.jit(lambda x: seen.append(numax.typeof(x)) or x)(np.ones((4,), np.int16))
    assert (seen[0].shape, seen[0].dtype) == ((4,), np.int16)
    with pytest.raises(TypeError):
        numax.typeof("text")


def test_device_type_and_process_numbering():
    device = numax.devices()[0]
    assert isinstance(device, numax.Device)
    assert not isinstance("cpu", numax.Device)
    assert numax.host_count() == numax.process_count() == 1
    assert numax.host_id() == numax.process_index() == 0
    assert numax.host_ids() == numax.process_indices() == list(range(numax.process_count()))


def test_live_arrays_tracks_new_arrays():
    x = jnp.arange(5.0) * 3
    assert any(a is x for a in numax.live_arrays())
    assert all(isinstance(a, numax.Array) for a in numax.live_arrays())
    ident = id(x)
    del x
    assert all(id(a) != ident for a in numax.live_arrays())


def test_clear_caches_forces_retracing():
    traces = []

    @numax.jit
    def f(x):
        traces.append(1)
        return x * 2

    x = jnp.ones(3)
    f(x)
    f(x)
    assert len(traces) == 1 and f._cache_size() == 1
    numax.clear_caches()
    assert f._cache_size() == 0
    np.testing.assert_array_equal(np.asarray(f(x)), np.full(3, 2.0))
    assert len(traces) == 2


def test_copy_to_host_async_returns_the_tree():
    tree = {"a": jnp.arange(3), "b": [jnp.ones(2), 5]}
    assert numax.copy_to_host_async(tree) is tree
    np.testing.assert_array_equal(np.asarray(tree["a"]), np.arange(3))


def test_make_array_from_callback_and_friends():
    device = numax.devices()[0]
    data = np.arange(12, dtype=np.float32).reshape(3, 4)
    indices = []
    out = numax.make_array_from_callback((3, 4), device,
                                         lambda index: indices.append(index) or data[index])
    np.testing.assert_array_equal(np.asarray(out), data)
    assert indices == [(slice(None), slice(None))] and out.committed
    x = jnp.asarray(data)
    same = numax.make_array_from_single_device_arrays((3, 4), x._sharding, [x])
    np.testing.assert_array_equal(np.asarray(same), data)
    local = numax.make_array_from_process_local_data(device, data)
    np.testing.assert_array_equal(np.asarray(local), data)
    with pytest.raises(ValueError, match="shape"):
        numax.make_array_from_callback((2, 4), device, lambda index: data[index])
    with pytest.raises(ValueError, match="exactly one"):
        numax.make_array_from_single_device_arrays((3, 4), device, [x, x])
    with pytest.raises(ValueError, match="single-device"):
        numax.make_array_from_process_local_data("not a sharding", data)


def test_default_device_on_one_device():
    device = numax.devices()[0]
    with numax.default_device(device):
        assert jnp.ones(2).device == device
    with numax.default_device("cpu"):
        assert numax.jit(lambda v: v + 1)(jnp.ones(2)).device == device
    with pytest.raises(TypeError, match="jax_default_device"):
        numax.config.update("jax_default_device", 3)


def test_default_device_with_several_cpu_devices():
    script = textwrap.dedent("""
        import numpy as np
        import numax, numax.numpy as jnp
        d = numax.devices()
        assert len(d) == 3, d
        f = numax.jit(lambda v: v * 2)
        base = jnp.arange(3.0)
        assert f(base).device == d[0]
        with numax.default_device(d[2]):
            x = jnp.ones(3)
            assert x.device == d[2] and not x.committed
            assert (x + 1).device == d[2]
            assert f(base).device == d[2]          # uncommitted inputs follow the default
            assert (base + x).device == d[2]
            pinned = numax.device_put(jnp.ones(2), d[1])
            assert (pinned + 1).device == d[1]      # committed inputs win
        assert f(base).device == d[0] and (x + 1).device == d[0]
        numax.config.update("jax_default_device", d[1])
        assert jnp.zeros(1).device == d[1]
        numax.config.update("jax_default_device", None)
        np.testing.assert_array_equal(np.asarray(f(x)), np.full(3, 2.0))
        print("ok")
    """)
    env = {"XLA_FLAGS": "--xla_force_host_platform_device_count=3", "JAX_PLATFORMS": "cpu",
           "PATH": "/usr/bin:/bin"}
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                            env=env, timeout=120)
    assert result.stdout.strip() == "ok", result.stderr[-3000:]


def test_version_typing_dlpack_and_environment_info():
    assert numax.version.__version__ == numax.__version__
    assert numax.version.__version_info__ == tuple(int(p) for p in numax.__version__.split("."))
    assert isinstance(jnp.ones(2), numax.typing.ArrayLike.__args__)
    assert np.dtype in numax.typing.DTypeLike.__args__
    host = np.arange(6, dtype=np.int16).reshape(2, 3)
    out = numax.dlpack.from_dlpack(host)
    assert out.dtype == np.int16
    np.testing.assert_array_equal(np.asarray(out), host)
    assert numax.dlpack.is_supported_dtype(np.float32)
    assert not numax.dlpack.is_supported_dtype(jnp.bfloat16)
    text = numax.print_environment_info(return_string=True)
    assert numax.__version__ in text and np.__version__ in text and repr(numax.devices()[0]) in text


def test_print_environment_info_prints(capsys):
    numax.print_environment_info()
    assert "jaxlib" in capsys.readouterr().out
