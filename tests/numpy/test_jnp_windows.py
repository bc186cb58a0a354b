"""numax.numpy window functions (bartlett, blackman, hamming, hanning, kaiser) and i0
against NumPy: lengths 0, 1, 2, odd and even, traced kaiser beta, and i0's derivative
against finite differences."""

import numpy as np
import pytest

import numax
import numax.numpy as jnp
from numax.test_util import check_grads

WINDOWS = ["bartlett", "blackman", "hamming", "hanning"]


@pytest.mark.parametrize("name", WINDOWS)
@pytest.mark.parametrize("M", [0, 1, 2, 5, 8])
def test_windows_match_numpy(name, M):
    got = getattr(jnp, name)(M)
    assert got.dtype == np.float32 and got.shape == (M,)
    np.testing.assert_allclose(np.asarray(got), getattr(np, name)(M), atol=2e-7)


@pytest.mark.parametrize("M,beta", [(1, 3.0), (2, 0.0), (7, 5.0), (10, 8.6)])
def test_kaiser(M, beta):
    np.testing.assert_allclose(np.asarray(jnp.kaiser(M, beta)), np.kaiser(M, beta), rtol=2e-6,
                               atol=1e-7)


def test_kaiser_traced_beta_and_length_errors():
    got = numax.jit(lambda b: jnp.kaiser(6, b))(4.0)
    np.testing.assert_allclose(np.asarray(got), np.kaiser(6, 4.0), rtol=2e-6)
    with pytest.raises(TypeError, match="concrete integer"):
        jnp.hanning(4.5)
    with pytest.raises(TypeError, match="concrete integer"):
        numax.jit(jnp.bartlett)(4)


def test_i0():
    x = np.linspace(-20, 20, 41).astype(np.float32)
    got = jnp.i0(x)
    np.testing.assert_allclose(np.asarray(got), np.i0(x.astype(np.float64)), rtol=2e-6)
    assert jnp.i0(np.arange(3)).dtype == np.float32
    np.testing.assert_allclose(np.asarray(numax.jit(jnp.i0)(x)), np.asarray(got), rtol=1e-6)
    with pytest.raises(TypeError, match="complex"):
        jnp.i0(np.ones(2, np.complex64))


def test_i0_gradient():
    with numax.enable_x64():
        check_grads(jnp.i0, (np.array([-3.0, -0.5, 0.7, 4.0]),), order=2)
        # d/dx I0(x) = I1(x); at 0 it is 0.
        assert float(numax.grad(jnp.i0)(0.0)) == 0.0
