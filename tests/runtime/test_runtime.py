"""The runtime contract on the installed jaxlib: devices, transfers, compile/execute,
donation, deletion and memory release. Reference values are NumPy's."""

import gc

import ml_dtypes
import numpy as np
import pytest

from numax import runtime


def test_cpu_backend_and_devices():
    assert "cpu" in runtime.backends()
    cpu = runtime.devices("cpu")
    assert cpu and all(d.platform == "cpu" for d in cpu)
    assert runtime.device_count("cpu") == len(cpu)
    assert runtime.default_backend() in runtime.backends()
    with pytest.raises(runtime.BackendError, match="unknown or unavailable backend 'tpu'"):
        runtime.devices("tpu")


@pytest.mark.parametrize("dtype", ["bool", "int8", "int16", "int32", "int64", "uint8", "uint16",
                                   "uint32", "uint64", "float16", "float32", "float64",
                                   "complex64", "complex128"])
def test_put_fetch_roundtrip_numpy_dtypes(dtype):
    rng = np.random.default_rng(0)
    host = (rng.standard_normal((3, 4)) * 10).astype(dtype)
    buffer = runtime.put(host)
    np.testing.assert_array_equal(runtime.fetch(buffer, host.dtype, host.shape), host)


@pytest.mark.parametrize("dtype", [ml_dtypes.bfloat16, ml_dtypes.float8_e4m3fn,
                                   ml_dtypes.float8_e5m2, ml_dtypes.int4, ml_dtypes.uint4])
def test_put_fetch_roundtrip_ml_dtypes(dtype):
    host = np.array([0, 1, 2, 3, 5, 7], dtype=np.float32).astype(dtype)
    buffer = runtime.put(host)
    out = runtime.fetch(buffer, np.dtype(dtype), host.shape)
    assert out.dtype == np.dtype(dtype)
    np.testing.assert_array_equal(out.astype(np.float32), host.astype(np.float32))


def test_put_copies_host_memory():
    host = np.zeros(64, np.float32)
    buffer = runtime.put(host)
    host[:] = 1  # later writes to the NumPy array must not reach the device copy
    assert runtime.fetch(buffer, host.dtype, host.shape).sum() == 0


ADD = """module @add {
  func.func public @main(%a: tensor<4xf32>, %b: tensor<4xf32>) -> (tensor<4xf32>) {
    %0 = "stablehlo.add"(%a, %b) : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
    func.return %0 : tensor<4xf32>
  }
}"""


class _Aval:
    shape, dtype, weak_type = (4,), np.dtype(np.float32), False


def test_compile_and_execute():
    exe = runtime.compile_module(ADD, runtime.devices("cpu")[:1], [_Aval()])
    a, b = np.arange(4, dtype=np.float32), np.full(4, 0.5, np.float32)
    out, = exe.execute([runtime.put(a), runtime.put(b)])
    np.testing.assert_array_equal(runtime.fetch(out, a.dtype, a.shape), a + b)


def test_compile_error_names_the_module():
    with pytest.raises(runtime.CompileError, match="could not compile"):
        runtime.compile_module("module { this is not mlir }", runtime.devices("cpu")[:1], [])


def test_donated_input_is_deleted_and_fetch_errors():
    donating = ADD.replace("%a: tensor<4xf32>,", "%a: tensor<4xf32> {jax.buffer_donor = true},")
    exe = runtime.compile_module(donating, runtime.devices("cpu")[:1], [_Aval()])
    a = runtime.put(np.ones(4, np.float32))
    out, = exe.execute([a, runtime.put(np.ones(4, np.float32))])
    assert a.is_deleted()
    np.testing.assert_array_equal(runtime.fetch(out, np.dtype(np.float32), (4,)), np.full(4, 2.0))
    with pytest.raises(runtime.DeletedBufferError, match="deleted or donated"):
        runtime.fetch(a, np.dtype(np.float32), (4,))


def test_device_memory_is_released_when_the_buffer_dies():
    gc.collect()
    before = runtime.live_buffer_count("cpu")
    buffers = [runtime.put(np.ones(1000, np.float32)) for _ in range(5)]
    assert runtime.live_buffer_count("cpu") == before + 5
    del buffers
    gc.collect()
    assert runtime.live_buffer_count("cpu") == before


def test_dlpack_export_is_zero_copy_view():
    host = np.arange(6, dtype=np.float32)
    buffer = runtime.put(host)

    class Exporter:
        def __dlpack__(self, **kwargs):
            return runtime.to_dlpack(buffer)

        def __dlpack_device__(self):
            return (1, 0)

    np.testing.assert_array_equal(np.from_dlpack(Exporter()), host)


def test_versions_are_supported():
    assert (0, 10, 2) <= runtime.JAXLIB_VERSION < (0, 12, 0)
