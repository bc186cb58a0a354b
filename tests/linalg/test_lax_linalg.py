"""numax.lax.linalg primitives against NumPy/SciPy (beyond the generic rule checks of
tests/lax): every triangular_solve flag, LU pivots and permutations, LAPACK's
eigenvector normalisation, Schur forms, derivative rules on complex inputs, lazy
registration of the LAPACK targets and the error on platforms without LAPACK."""

import numpy as np
import pytest
import scipy.linalg as sl

import numax
from numax.lax import linalg
from numax.test_util import check_grads, check_jvp
from _linalg_checks import close, rand, x64  # noqa: F401 (x64: autouse fixture)


FLAGS = [dict(left_side=left, lower=lower, transpose_a=transpose, conjugate_a=conjugate,
              unit_diagonal=unit)
         for left in (True, False) for lower in (True, False) for transpose in (True, False)
         for conjugate in (True, False) for unit in (True, False)]


def _reference_triangular_solve(a, b, left_side, lower, transpose_a, conjugate_a,
                                unit_diagonal):
    a = np.tril(a) if lower else np.triu(a)
    if unit_diagonal:
        a = a - np.diag(np.diag(a)) + np.eye(len(a))
    if transpose_a:
        a = a.T
    if conjugate_a:
        a = np.conj(a)
    return np.linalg.solve(a, b) if left_side else np.linalg.solve(a.T, b.T).T


def test_triangular_solve_every_flag():
    a = rand((3, 3), np.complex128) + 3 * np.eye(3)
    b_left, b_right = rand((3, 2), np.complex128, seed=1), rand((2, 3), np.complex128, seed=2)

    def all_solves(a, b_left, b_right):
        return [linalg.triangular_solve(a, b_left if f["left_side"] else b_right, **f)
                for f in FLAGS]
    for flags, got in zip(FLAGS, numax.jit(all_solves)(a, b_left, b_right)):
        b = b_left if flags["left_side"] else b_right
        close(got, _reference_triangular_solve(a, b, **flags))


def test_triangular_solve_vector_and_batch():
    a = np.tril(rand((2, 3, 3))) + 3 * np.eye(3)
    b = rand((2, 3), seed=1)
    close(linalg.triangular_solve(a, b, left_side=True, lower=True),
          np.stack([np.linalg.solve(m, v) for m, v in zip(a, b)]))
    close(numax.vmap(lambda m: linalg.triangular_solve(m, b[0], left_side=True, lower=True))(a),
          np.stack([np.linalg.solve(m, b[0]) for m in a]))


@pytest.mark.parametrize("shape", [(4, 4), (5, 3), (3, 5), (2, 3, 3)])
def test_lu_pivots_and_permutation(shape):
    a = rand(shape)
    lu, pivots, permutation = numax.jit(linalg.lu)(a)
    for i, m in enumerate(a.reshape((-1,) + shape[-2:])):
        want_lu, want_pivots = sl.lu_factor(m)
        index = np.unravel_index(i, shape[:-2])
        close(np.asarray(lu)[index], want_lu)
        np.testing.assert_array_equal(np.asarray(pivots)[index], want_pivots)
        p, _, _ = sl.lu(m)  # m = p l u, so row i of l u is row perm[i] of m
        np.testing.assert_array_equal(np.asarray(permutation)[index], np.argmax(p, axis=0))


def test_lu_pivots_to_permutation_matches_swapping_rows():
    rng = np.random.default_rng(0)
    pivots = np.stack([rng.integers(i, 6, size=(3, 2)) for i in range(4)], -1).astype(np.int32)
    got = np.asarray(linalg.lu_pivots_to_permutation(pivots, 6))
    for index in np.ndindex(pivots.shape[:-1]):
        perm = list(range(6))
        for i, p in enumerate(pivots[index]):
            perm[i], perm[p] = perm[p], perm[i]
        np.testing.assert_array_equal(got[index], perm)


@pytest.mark.parametrize("dtype", [np.float64, np.complex128])
def test_lu_solve_each_transposition(dtype):
    a, b = rand((4, 4), dtype), rand((4, 2), dtype, seed=1)
    lu, _, permutation = linalg.lu(a)
    for trans, op in ((0, a), (1, a.T), (2, np.conj(a.T))):
        close(linalg.lu_solve(lu, permutation, b, trans), np.linalg.solve(op, b))


@pytest.mark.parametrize("dtype", [np.float64, np.complex128])
def test_eig_matches_lapack_through_numpy(dtype):
    a = rand((4, 4), dtype)
    w, left, right = numax.jit(linalg.eig)(a)
    w_np, right_np = np.linalg.eig(a)  # the same LAPACK geev: the same normalisation
    close(w, w_np)
    close(right, right_np)
    left = np.asarray(left)
    close(np.conj(left.T) @ a, np.asarray(w)[:, None] * np.conj(left.T))
    close(np.linalg.norm(left, axis=0), np.ones(4))
    largest = np.abs(left).argmax(axis=0)
    close(left[largest, np.arange(4)].imag, np.zeros(4))
    (values,) = linalg.eig(a, compute_left_eigenvectors=False, compute_right_eigenvectors=False)
    close(values, w_np)


def test_eig_derivatives_follow_lapack_normalisation():
    for a in (rand((3, 3), seed=1), rand((3, 3), np.complex128, seed=2)):
        check_jvp(lambda x: linalg.eig(x), (a,))
    check_grads(lambda x: linalg.eig(x, compute_left_eigenvectors=False)[0],
                (rand((3, 3), seed=3),), order=1)


def test_eigh_svd_qr_shapes_and_values():
    h = rand((4, 4))
    h = h + h.T
    v, w = linalg.eigh(h)
    close(w, np.linalg.eigvalsh(h))
    v2, w2 = linalg.eigh(h, subset_by_index=(1, 3))
    close(w2, np.linalg.eigvalsh(h)[1:3])
    close(np.abs(np.asarray(v2)), np.abs(np.asarray(v)[:, 1:3]))
    lower_only = np.tril(h) + np.triu(rand((4, 4), seed=1), 1)
    close(linalg.eigh(lower_only, symmetrize_input=False)[1], np.linalg.eigvalsh(h))
    for shape in [(5, 3), (3, 5)]:
        a = rand(shape)
        k = min(shape)
        for full in (True, False):
            u, s, vh = linalg.svd(a, full_matrices=full)
            assert u.shape == (shape[0], shape[0] if full else k)
            assert vh.shape == (shape[1] if full else k, shape[1])
            close(s, np.linalg.svd(a, compute_uv=False))
            q, r = linalg.qr(a, full_matrices=full)
            assert q.shape == (shape[0], shape[0] if full else k)
            assert r.shape == (shape[0] if full else k, shape[1])
            close(np.asarray(q) @ np.asarray(r), a)
        close(linalg.svd(a, compute_uv=False), np.linalg.svd(a, compute_uv=False))


def test_cholesky_reads_one_triangle_and_nans_when_not_positive_definite():
    a = rand((3, 3))
    spd = a @ a.T + 3 * np.eye(3)
    garbage_above = np.tril(spd) + np.triu(rand((3, 3), seed=1), 1)
    close(linalg.cholesky(garbage_above, symmetrize_input=False), np.linalg.cholesky(spd))
    assert np.isnan(np.asarray(linalg.cholesky(-spd))).all()


def test_complex_derivative_rules():
    a = rand((3, 3), np.complex128, seed=5)
    h = a @ np.conj(a.T) + 3 * np.eye(3)
    check_grads(lambda x: linalg.lu(x)[0], (a,), order=1)
    check_grads(lambda x: linalg.qr(x, full_matrices=False), (rand((4, 3), np.complex128),),
                order=1)
    check_grads(lambda x: linalg.eigh(x)[1], (h,), order=1)  # eigenvalues: gauge-free
    check_grads(lambda x: linalg.triangular_solve(x, a, left_side=False, lower=False,
                                                  conjugate_a=True),
                (np.triu(h),), order=1)


def test_schur_matches_scipy():
    for a in (rand((4, 4)), rand((3, 3), np.complex128)):
        t, z = linalg.schur(a)
        t_want, z_want = sl.schur(a)
        close(t, t_want, 1e-9)
        close(z, z_want, 1e-9)
    with pytest.raises(NotImplementedError, match="Schur"):
        numax.jvp(lambda x: linalg.schur(x)[0], (rand((3, 3)),), (rand((3, 3)),))


def test_lapack_targets_register_lazily():
    from numax.runtime import lapack
    linalg.lu(rand((2, 2)))
    assert "lapack_dgetrf_ffi" in lapack.registered_targets()
    assert "lapack_zgeev_ffi" in lapack.registered_targets()


def test_lapack_kernels_need_a_cpu_platform():
    from numax.lowering.custom_call import UnsupportedPlatformError
    from numax.lowering.jaxpr_lowering import lower_module
    jaxpr = numax.make_jaxpr(lambda x: linalg.eig(x)[0])(np.eye(2))
    with pytest.raises(UnsupportedPlatformError, match="only on CPU"):
        lower_module(jaxpr, platform="cuda")


def test_errors():
    with pytest.raises(TypeError, match="int32"):
        linalg.lu(np.ones((2, 2), np.int32))
    with pytest.raises(ValueError, match="rank >= 2"):
        linalg.cholesky(np.ones(3))
    with pytest.raises(ValueError, match="incompatible shapes"):
        linalg.triangular_solve(np.eye(3), np.ones((2, 2)), left_side=True)
    with pytest.raises(NotImplementedError, match="full_matrices=False"):
        numax.jvp(lambda x: linalg.qr(x, full_matrices=True), (rand((4, 3)),),
                  (rand((4, 3)),))
    with pytest.raises(NotImplementedError, match="pivoting"):
        linalg.qr(np.eye(2), pivoting=True)
