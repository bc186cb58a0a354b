"""numax.scipy.linalg against SciPy: factor/solve pairs, matrix functions, special
matrices, under jit and vmap, with gradients where they are defined."""

import numpy as np
import pytest
import scipy.linalg as sl

import numax
import numax.scipy.linalg as nsl
from numax.test_util import check_grads
from _linalg_checks import J, close, rand, x64  # noqa: F401 (x64: autouse fixture)


def spd(n, dtype=np.float64, seed=0):
    a = rand((n, n), dtype, seed)
    return (a @ np.conj(a.T) + n * np.eye(n)).astype(dtype)


A = rand((4, 4))
B = rand((4, 2), seed=1)
SPD = spd(4)


@pytest.mark.parametrize("lower", [True, False])
@pytest.mark.parametrize("trans", [0, 1, 2, "N", "T", "C"])
def test_solve_triangular(lower, trans):
    a = np.tril(rand((4, 4), np.complex128)) + 4 * np.eye(4)
    a = a if lower else a.T
    b = rand((4, 2), np.complex128, seed=1)
    close(J(nsl.solve_triangular, trans=trans, lower=lower)(a, b),
          sl.solve_triangular(a, b, trans=trans, lower=lower))
    close(J(nsl.solve_triangular, trans=trans, lower=lower, unit_diagonal=True)(a, b[:, 0]),
          sl.solve_triangular(a, b[:, 0], trans=trans, lower=lower, unit_diagonal=True))


@pytest.mark.parametrize("lower", [True, False])
def test_cholesky_cho_factor_cho_solve(lower):
    close(J(nsl.cholesky, lower=lower)(SPD), sl.cholesky(SPD, lower=lower))
    c, flag = nsl.cho_factor(SPD, lower=lower)
    assert flag == lower
    mask = np.tril(np.ones((4, 4))) if lower else np.triu(np.ones((4, 4)))
    close(np.asarray(c) * mask, sl.cho_factor(SPD, lower=lower)[0] * mask)
    solve = numax.jit(lambda c, b: nsl.cho_solve((c, lower), b))  # `lower` stays static
    close(solve(c, B), sl.cho_solve((c, lower), B))
    close(solve(c, B[:, 0]), sl.cho_solve((c, lower), B[:, 0]))
    close(J(nsl.solve, assume_a="pos", lower=lower)(SPD, B), sl.solve(SPD, B, assume_a="pos"))


@pytest.mark.parametrize("shape", [(4, 4), (5, 3), (3, 5)])
def test_lu(shape):
    a = rand(shape)
    for got, want in zip(J(nsl.lu)(a), sl.lu(a)):
        close(got, want)
    for got, want in zip(J(nsl.lu, permute_l=True)(a), sl.lu(a, permute_l=True)):
        close(got, want)


@pytest.mark.parametrize("trans", [0, 1, 2])
def test_lu_factor_lu_solve(trans):
    a, b = rand((4, 4), np.complex128), rand((4, 2), np.complex128, seed=1)
    factors, pivots = J(nsl.lu_factor)(a)
    want_factors, want_pivots = sl.lu_factor(a)
    close(factors, want_factors)
    np.testing.assert_array_equal(pivots, want_pivots)
    close(J(nsl.lu_solve, trans=trans)((factors, pivots), b),
          sl.lu_solve((want_factors, want_pivots), b, trans=trans))
    close(J(nsl.lu_solve, trans=trans)((factors, pivots), b[:, 0]),
          sl.lu_solve((want_factors, want_pivots), b[:, 0], trans=trans))


def test_solve_det_inv():
    close(J(nsl.solve)(A, B), sl.solve(A, B))
    close(J(nsl.solve, assume_a="sym")(SPD, B), sl.solve(SPD, B, assume_a="sym"))
    close(J(nsl.det)(A), sl.det(A))
    close(J(nsl.inv)(A), sl.inv(A))


def test_decompositions():
    w, v = J(nsl.eigh)(SPD)
    close(w, sl.eigh(SPD)[0])
    close(SPD @ np.asarray(v), np.asarray(v) * np.asarray(w))
    close(J(nsl.eigh, eigvals_only=True)(SPD), sl.eigh(SPD, eigvals_only=True))
    close(J(nsl.eigh, eigvals_only=True, subset_by_index=(1, 2))(SPD),
          sl.eigh(SPD, eigvals_only=True, subset_by_index=(1, 2)))
    tall = rand((5, 3))
    u, s, vh = J(nsl.svd)(tall)
    assert u.shape == (5, 5) and vh.shape == (3, 3)
    close(s, sl.svd(tall)[1])
    close(J(nsl.svd, compute_uv=False)(tall), sl.svd(tall, compute_uv=False))
    for mode in ("full", "economic"):
        q, r = J(nsl.qr, mode=mode)(tall)
        q_want, r_want = sl.qr(tall, mode=mode)
        assert q.shape == q_want.shape and r.shape == r_want.shape
        close(np.abs(np.asarray(r)), np.abs(r_want))
        close(np.asarray(q) @ np.asarray(r), tall)
    (r,) = nsl.qr(tall, mode="r")
    close(np.abs(np.asarray(r)), np.abs(sl.qr(tall, mode="r")[0]))


@pytest.mark.parametrize("output", ["real", "complex"])
def test_schur(output):
    t, z = J(nsl.schur, output=output)(A)
    t_want, _ = sl.schur(A, output=output)
    t, z = np.asarray(t), np.asarray(z)
    close(z @ t @ np.conj(z.T), A)
    close(np.conj(z.T) @ z, np.eye(4))
    below = np.tril(np.ones((4, 4)), -2 if output == "real" else -1).astype(bool)
    assert np.all(t[below] == 0)
    close(np.sort_complex(np.linalg.eigvals(t)), np.sort_complex(np.linalg.eigvals(t_want)))


@pytest.mark.parametrize("side", ["right", "left"])
def test_polar(side):
    u, p = J(nsl.polar, side=side)(rand((4, 3)))
    u_want, p_want = sl.polar(rand((4, 3)), side=side)
    close(u, u_want)
    close(p, p_want)


# ---------------------------------------------------------------- matrix functions

@pytest.mark.parametrize("scale", [1e-3, 1.0, 30.0])
@pytest.mark.parametrize("dtype", [np.float64, np.complex128])
def test_expm(scale, dtype):
    a = rand((2, 4, 4), dtype) * scale
    want = np.stack([sl.expm(m) for m in a])
    np.testing.assert_allclose(np.asarray(J(nsl.expm)(a)), want, rtol=1e-9,
                               atol=1e-11 * np.abs(want).max())


def test_expm_single_precision_and_special_cases():
    with numax.enable_x64(False):
        a = rand((4, 4), np.float32) * 3
        out = J(nsl.expm)(a)
        assert out.dtype == np.float32
        np.testing.assert_allclose(np.asarray(out), sl.expm(a.astype(np.float64)), rtol=2e-5,
                                   atol=2e-5 * np.abs(sl.expm(a.astype(np.float64))).max())
    close(J(nsl.expm)(np.zeros((3, 3))), np.eye(3))
    huge = np.stack([A, A * 1e6])  # 2^16 squarings are not enough for the second
    out = np.asarray(J(nsl.expm)(huge))
    close(out[0], sl.expm(A))
    assert np.isnan(out[1]).all()
    nilpotent = np.triu(rand((4, 4)), 1)
    close(J(nsl.expm)(nilpotent), sl.expm(nilpotent))


def test_expm_gradient():
    check_grads(numax.jit(nsl.expm), (rand((3, 3), seed=2),), order=1)
    # d/dt expm(t A) = A expm(t A)
    derivative = numax.jit(numax.jacfwd(lambda t: nsl.expm(t * A)))(0.7)
    close(derivative, A @ sl.expm(0.7 * A), 1e-8)


@pytest.mark.parametrize("name", ["spd", "general", "complex"])
def test_sqrtm(name):
    a = {"spd": SPD, "general": rand((4, 4), seed=3) + 3 * np.eye(4),
         "complex": rand((3, 3), np.complex128, seed=4)}[name]
    root = np.asarray(J(nsl.sqrtm)(a))
    assert np.iscomplexobj(root)
    close(root @ root, a, 1e-9)
    close(root, sl.sqrtm(a.astype(np.complex128)), 1e-9)


# ---------------------------------------------------------------- special matrices

def test_block_diag():
    parts = (rand((2, 3)), rand((1, 1), seed=1), rand((3,), seed=2), 7.0)
    close(J(nsl.block_diag)(*parts), sl.block_diag(*parts))
    close(nsl.block_diag(np.ones((2, 2), np.int32), np.eye(1)),
          sl.block_diag(np.ones((2, 2), np.int32), np.eye(1)))
    assert nsl.block_diag(np.ones((2, 2), np.int32)).dtype == np.int32
    with pytest.raises(ValueError, match="at most 2"):
        nsl.block_diag(np.ones((2, 2, 2)))


def test_toeplitz_hankel_circulant_hilbert():
    c, r = rand((4,)), rand((3,), seed=1)
    close(J(nsl.toeplitz)(c, r), sl.toeplitz(c, r))
    close(J(nsl.toeplitz)(c + 1j * r[0]), sl.toeplitz(c + 1j * r[0]))
    batch = rand((2, 4), seed=2)
    close(nsl.toeplitz(batch, r), np.stack([sl.toeplitz(b, r) for b in batch]))
    close(J(nsl.hankel)(c, r), sl.hankel(c, r))
    close(J(nsl.hankel)(c), sl.hankel(c))
    close(J(nsl.circulant)(c), sl.circulant(c))
    close(nsl.hilbert(5), sl.hilbert(5))


# ---------------------------------------------------------------- transformations

def test_vmap_and_grad_of_factor_solve_pairs():
    stack = np.stack([A + i * np.eye(4) for i in range(3)])
    solve = lambda a, b: nsl.lu_solve(nsl.lu_factor(a), b)  # noqa: E731
    close(numax.vmap(solve, in_axes=(0, None))(stack, B),
          np.stack([sl.solve(m, B) for m in stack]))
    cho = lambda a, b: nsl.cho_solve(nsl.cho_factor(a), b)  # noqa: E731
    check_grads(cho, (SPD, B), order=1)
    check_grads(lambda a, b: nsl.solve_triangular(a, b, lower=True),
                (np.tril(A) + 4 * np.eye(4), B), order=2)


def test_errors():
    with pytest.raises(ValueError, match="trans"):
        nsl.solve_triangular(A, B, trans=3)
    with pytest.raises(NotImplementedError, match="generalized"):
        nsl.eigh(SPD, SPD)
    with pytest.raises(ValueError, match="assume_a"):
        nsl.solve(A, B, assume_a="banded")
    with pytest.raises(NotImplementedError, match="pivoting"):
        nsl.qr(A, pivoting=True)
    with pytest.raises(ValueError, match="square"):
        nsl.expm(rand((3, 4)))
