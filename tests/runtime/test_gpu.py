"""GPU checks; they skip cleanly where no CUDA backend can be initialised."""

import numpy as np
import pytest

import numax




def test_jitted_matmul_on_gpu_matches_numpy(cuda_device):
    import numax.numpy as jnp
    device = cuda_device
    rng = np.random.default_rng(0)
    a = rng.standard_normal((256, 128)).astype(np.float32)
    b = rng.standard_normal((128, 64)).astype(np.float32)
    x, y = numax.device_put(a, device), numax.device_put(b, device)
    out = numax.jit(lambda p, q: jnp.matmul(p, q, precision="highest"))(x, y)
    assert out.device == device
    np.testing.assert_allclose(np.asarray(out), a @ b, rtol=1e-4, atol=1e-4)


def test_eager_ops_on_gpu(cuda_device):
    import numax.numpy as jnp
    device = cuda_device
    x = numax.device_put(np.linspace(0, 1, 16, dtype=np.float32), device)
    out = jnp.sin(x) * 2 + 1
    assert out.device == device
    np.testing.assert_allclose(np.asarray(out), np.sin(np.linspace(0, 1, 16)) * 2 + 1, rtol=1e-6)
