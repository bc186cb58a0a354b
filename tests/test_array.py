"""numax.Array: construction, host conversion, printing, pickling, DLPack, devices."""

import pickle
import subprocess
import sys
import pathlib

import ml_dtypes
import numpy as np
import pytest

import numax
import numax.numpy as jnp

ROOT = pathlib.Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("value,dtype,weak", [
    (1.0, np.float32, True), (3, np.int32, True), (True, np.bool_, False), (2j, np.complex64, True),
    ([1.0, 2.0], np.float32, False), ([1, 2], np.int32, False),
    (np.arange(3, dtype=np.int64), np.int32, False), (np.float64(1.5), np.float32, False),
    (np.ones(2, np.uint8), np.uint8, False),
])
def test_asarray_dtypes_and_weak_types(value, dtype, weak):
    x = jnp.asarray(value)
    assert x.dtype == dtype and x.weak_type == weak
    np.testing.assert_array_equal(np.asarray(x), np.asarray(value).astype(dtype))


def test_attributes_against_numpy():
    host = np.arange(24, dtype=np.float32).reshape(2, 3, 4)
    x = jnp.asarray(host)
    assert (x.shape, x.ndim, x.size, x.dtype) == (host.shape, host.ndim, host.size, host.dtype)
    np.testing.assert_array_equal(np.asarray(x.T), host.T)
    np.testing.assert_array_equal(np.asarray(x.reshape(4, 6)), host.reshape(4, 6))
    np.testing.assert_array_equal(np.asarray(x.reshape((6, -1))), host.reshape(6, -1))
    np.testing.assert_array_equal(np.asarray(x.astype(jnp.int32)), host.astype(np.int32))
    assert x.sum().item() == host.sum() and x.max(axis=1).tolist() == host.max(axis=1).tolist()
    np.testing.assert_allclose(np.asarray(x.mean(axis=(0, 2))), host.mean(axis=(0, 2)))
    assert x[1, 2, 3].item() == host[1, 2, 3] and x.tolist() == host.tolist()
    assert len(x) == 2 and [a.shape for a in x] == [(3, 4), (3, 4)]


def test_repr_like_jax():
    assert repr(jnp.asarray([1.0, 2.0])) == "Array([1., 2.], dtype=float32)"
    assert repr(jnp.asarray([1, 2, 3])) == "Array([1, 2, 3], dtype=int32)"
    assert repr(jnp.asarray(1.0)) == "Array(1., dtype=float32, weak_type=True)"
    assert repr(jnp.asarray([True, False])) == "Array([ True, False], dtype=bool)"
    assert repr(jnp.zeros((2, 2))) == "Array([[0., 0.],\n       [0., 0.]], dtype=float32)"
    assert str(jnp.asarray([1.0, 2.0])) == "[1. 2.]"


def test_python_conversions():
    assert float(jnp.asarray(2.5)) == 2.5 and int(jnp.asarray(3)) == 3
    assert bool(jnp.asarray(True)) and complex(jnp.asarray(1j)) == 1j
    assert [10, 20, 30][jnp.asarray(1)] == 20
    with pytest.raises(ValueError, match="ambiguous"):
        bool(jnp.ones(3))
    with pytest.raises(TypeError, match="unhashable"):
        hash(jnp.ones(3))
    with pytest.raises(TypeError, match="integer"):
        [1, 2][jnp.asarray(1.0)]
    assert f"{jnp.asarray(1.5):.2f}" == "1.50"


@pytest.mark.parametrize("dtype", [np.float32, np.int32, np.bool_, ml_dtypes.bfloat16, np.complex64])
def test_pickle_by_value(dtype):
    host = np.arange(6).reshape(2, 3).astype(dtype)
    x = jnp.asarray(host)
    y = pickle.loads(pickle.dumps(x))
    assert isinstance(y, numax.Array) and y.dtype == x.dtype and y.weak_type == x.weak_type
    np.testing.assert_array_equal(np.asarray(y), host)
    weak = pickle.loads(pickle.dumps(jnp.asarray(2.0)))
    assert weak.weak_type


def test_dlpack_to_numpy_and_back():
    host = np.arange(12, dtype=np.float32).reshape(3, 4)
    x = jnp.asarray(host)
    np.testing.assert_array_equal(np.from_dlpack(x), host)
    y = jnp.from_dlpack(host)
    assert isinstance(y, numax.Array)
    np.testing.assert_array_equal(np.asarray(y), host)


def test_np_asarray_of_bfloat16():
    host = np.array([1.5, -2.0, 3.25], dtype=ml_dtypes.bfloat16)
    out = np.asarray(jnp.asarray(host))
    assert out.dtype == ml_dtypes.bfloat16
    np.testing.assert_array_equal(out, host)


def test_block_until_ready_and_devices():
    x = jnp.ones(4) * 2
    assert x.block_until_ready() is x
    assert x.device == numax.devices()[0] and x.devices() == {numax.devices()[0]}
    assert numax.device_count() == len(numax.devices()) and numax.local_devices()


def test_arrays_are_immutable():
    x = jnp.ones(3)
    with pytest.raises(TypeError):
        x[0] = 2.0
    view = np.asarray(x)
    with pytest.raises(ValueError):
        view[0] = 5.0


def test_array_cannot_be_constructed_directly():
    with pytest.raises(TypeError, match="asarray"):
        numax.Array(np.ones(2))


def test_memory_released_when_array_dies():
    import gc
    from numax import runtime
    gc.collect()
    before = runtime.live_buffer_count()
    arrays = [jnp.asarray(np.full(1000, i, np.float32)) for i in range(4)]
    assert runtime.live_buffer_count() >= before + 4
    del arrays
    gc.collect()
    assert runtime.live_buffer_count() <= before


def test_quickstart_runs():
    done = subprocess.run([sys.executable, str(ROOT / "examples" / "quickstart.py")], cwd=ROOT,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert "func.func public @main" in done.stdout and "{ lambda ;" in done.stdout


def test_isinstance_numax_array_covers_traced_values():
    """As with jax.Array, user code's isinstance checks accept concrete and traced arrays."""
    x = jnp.ones(3)
    assert isinstance(x, numax.Array) and isinstance(x, jnp.ndarray)
    assert issubclass(type(x), numax.Array)
    seen = []
    numax.jit(lambda v: seen.append(isinstance(v, numax.Array)) or v)(x)
    numax.grad(lambda v: seen.append(isinstance(v, numax.Array)) or v)(1.0)
    numax.vmap(lambda v: seen.append(isinstance(v, jnp.ndarray)) or v)(x)
    assert seen == [True, True, True]
    assert not isinstance(np.ones(2), numax.Array) and not isinstance(1.0, numax.Array)
