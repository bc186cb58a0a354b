"""The decompositions under jit on a CUDA device, against NumPy / SciPy.

They skip cleanly where no CUDA backend can be initialised (as tests/runtime/test_gpu.py
does). Each case runs float32, float64 (x64) and complex64, batched and not; the SVD
covers both cuSOLVER kernels numax uses (Jacobi up to 1024x1024, QR above, with a wide
matrix going through the transposed path).
"""

import numpy as np
import pytest
import scipy.linalg as sl

import numax
import numax.numpy as jnp
from numax.lax import linalg



DTYPES = [np.float32, np.float64, np.complex64]
TOLERANCE = {np.float32: 2e-4, np.float64: 1e-10, np.complex64: 2e-4}


@pytest.fixture(autouse=True)
def x64():
    with numax.enable_x64():
        yield


def rand(shape, dtype, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(shape)
    if np.dtype(dtype).kind == "c":
        x = x + 1j * rng.standard_normal(shape)
    return x.astype(dtype)


@pytest.fixture
def on_gpu(cuda_device):
    """run(f, *args): f jitted and run on the first CUDA device; the outputs as NumPy arrays."""
    def run(f, *args):
        out = numax.jit(f)(*[numax.device_put(a, cuda_device) for a in args])
        leaves = out if isinstance(out, (tuple, list)) else [out]
        for leaf in leaves:
            assert leaf.device == cuda_device
        return tuple(np.asarray(v) for v in leaves) if isinstance(out, (tuple, list)) \
            else np.asarray(out)
    return run


def close(got, want, dtype, scale=1.0):
    tol = TOLERANCE[dtype] * scale
    np.testing.assert_allclose(got, want, rtol=tol, atol=tol)


def adjoint(x):
    return np.conj(np.swapaxes(x, -1, -2))


def assert_orthonormal_columns(q, dtype):
    k = q.shape[-1]
    close(adjoint(q) @ q, np.broadcast_to(np.eye(k), q.shape[:-2] + (k, k)), dtype, 10)


def hermitian(shape, dtype, seed=0):
    a = rand(shape, dtype, seed)
    return ((a + adjoint(a)) / 2).astype(dtype)


def spd(shape, dtype, seed=0):
    a = rand(shape, dtype, seed)
    n = shape[-1]
    return (a @ adjoint(a) + n * np.eye(n)).astype(dtype)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", [(5, 5), (3, 6, 6), (40, 40)])
@pytest.mark.parametrize("lower", [True, False])
def test_eigh(shape, dtype, lower, on_gpu):
    a = hermitian(shape, dtype)
    v, w = on_gpu(lambda x: linalg.eigh(x, lower=lower), a)
    close(w, np.linalg.eigvalsh(a), dtype, shape[-1])
    close(a @ v, v * w[..., None, :], dtype, shape[-1])
    assert_orthonormal_columns(v, dtype)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", [(6, 4), (4, 6), (3, 5, 5), (2, 40, 36), (1030, 5),
                                   (5, 1030)])
@pytest.mark.parametrize("full", [True, False])
def test_svd(shape, dtype, full, on_gpu):
    a = rand(shape, dtype)
    u, s, vh = on_gpu(lambda x: linalg.svd(x, full_matrices=full), a)
    want_u, want_s, want_vh = np.linalg.svd(a, full_matrices=full)
    assert u.shape == want_u.shape and vh.shape == want_vh.shape
    scale = max(shape[-2:]) ** 0.5
    close(s, want_s, dtype, scale)
    k = s.shape[-1]
    close((u[..., :, :k] * s[..., None, :]) @ vh[..., :k, :], a, dtype, 10 * scale)
    assert_orthonormal_columns(u, dtype)
    assert_orthonormal_columns(adjoint(vh), dtype)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", [(6, 4), (2, 4, 6), (1030, 5), (5, 1030)])
def test_singular_values_only(shape, dtype, on_gpu):
    a = rand(shape, dtype)
    s = on_gpu(lambda x: linalg.svd(x, compute_uv=False), a)
    close(s, np.linalg.svd(a, compute_uv=False), dtype, max(shape[-2:]) ** 0.5)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", [(5, 5), (6, 4), (4, 6), (3, 5, 4)])
@pytest.mark.parametrize("full", [True, False])
def test_qr(shape, dtype, full, on_gpu):
    a = rand(shape, dtype)
    q, r = on_gpu(lambda x: linalg.qr(x, full_matrices=full), a)
    want_q, want_r = np.linalg.qr(a, mode="complete" if full else "reduced")
    assert q.shape == want_q.shape and r.shape == want_r.shape
    close(q @ r, a, dtype, 10)
    assert_orthonormal_columns(q, dtype)
    np.testing.assert_array_equal(np.tril(r, -1), 0)
    close(np.abs(np.diagonal(r, axis1=-2, axis2=-1)),
          np.abs(np.diagonal(want_r, axis1=-2, axis2=-1)), dtype, 10)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", [(5, 5), (6, 4), (4, 6), (3, 5, 5)])
def test_lu(shape, dtype, on_gpu):
    a = rand(shape, dtype)
    lu, pivots, permutation = on_gpu(linalg.lu, a)
    m, n = shape[-2:]
    k = min(m, n)
    for index in np.ndindex(shape[:-2]):
        want_lu, want_pivots = sl.lu_factor(a[index])
        np.testing.assert_array_equal(pivots[index], want_pivots)  # 0-based, as SciPy's
        close(lu[index], want_lu, dtype, 10)
        lower = np.tril(lu[index], -1)[:, :k] + np.eye(m, k)
        upper = np.triu(lu[index])[:k, :]
        close(a[index][permutation[index]], lower @ upper, dtype, 10)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", [(5, 5), (3, 4, 4)])
def test_cholesky(shape, dtype, on_gpu):
    a = spd(shape, dtype)
    close(on_gpu(linalg.cholesky, a), np.linalg.cholesky(a), dtype, 10)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("lower,transpose_a", [(True, False), (False, True)])
def test_triangular_solve(dtype, lower, transpose_a, on_gpu):
    t = rand((2, 4, 4), dtype) + 4 * np.eye(4, dtype=dtype)
    t = np.tril(t) if lower else np.triu(t)
    b = rand((2, 4, 3), dtype, seed=1)
    x = on_gpu(lambda p, q: linalg.triangular_solve(p, q, left_side=True, lower=lower,
                                                    transpose_a=transpose_a), t, b)
    for i in range(2):
        want = sl.solve_triangular(t[i], b[i], lower=lower, trans=1 if transpose_a else 0)
        close(x[i], want, dtype, 10)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("trans", [0, 1, 2])
def test_lu_solve(dtype, trans, on_gpu):
    a = rand((2, 5, 5), dtype)
    b = rand((2, 5, 3), dtype, seed=1)

    def solve(p, q):
        factors, _, permutation = linalg.lu(p)
        return linalg.lu_solve(factors, permutation, q, trans=trans)
    x = on_gpu(solve, a, b)
    op = {0: lambda m: m, 1: lambda m: np.swapaxes(m, -1, -2), 2: adjoint}[trans]
    close(x, np.linalg.solve(op(a), b), dtype, 100)


@pytest.mark.parametrize("dtype", DTYPES)
def test_solve_inv_det(dtype, on_gpu):
    a = rand((3, 4, 4), dtype)
    b = rand((3, 4, 2), dtype, seed=1)
    close(on_gpu(jnp.linalg.solve, a, b), np.linalg.solve(a, b), dtype, 100)
    close(on_gpu(jnp.linalg.inv, a), np.linalg.inv(a), dtype, 100)
    close(on_gpu(jnp.linalg.det, a), np.linalg.det(a), dtype, 100)


def test_eig_says_it_runs_only_on_cpu(on_gpu):
    from numax.lowering.custom_call import UnsupportedPlatformError
    with pytest.raises(UnsupportedPlatformError, match="runs only on CPU"):
        on_gpu(linalg.eig, rand((3, 3), np.float32))
