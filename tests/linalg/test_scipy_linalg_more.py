"""The special matrices and decompositions of numax.scipy.linalg added for issue 8
(numax/scipy/_special_matrices.py, _matrix_decompositions.py) against scipy.linalg; jit,
vmap and check_grads where the functions are differentiable."""

import numpy as np
import pytest
import scipy.linalg as sl

import numax
import numax.numpy as jnp
import numax.scipy.linalg as nl
from numax.test_util import check_grads

RNG = np.random.default_rng(2)
COEFFICIENTS = np.array([2.0, 3.0, -1.0, 5.0, 4.0], np.float32)


def _close(got, want, tol=1e-5):
    got = np.asarray(got)
    assert got.shape == np.shape(want)
    np.testing.assert_allclose(got, want, rtol=tol, atol=tol)


@pytest.mark.parametrize("name", ["companion", "fiedler"])
def test_coefficient_matrices(name):
    _close(getattr(nl, name)(COEFFICIENTS), getattr(sl, name)(COEFFICIENTS))
    _close(numax.jit(getattr(nl, name))(COEFFICIENTS), getattr(sl, name)(COEFFICIENTS))


@pytest.mark.parametrize("size", range(1, 8))
def test_fiedler_companion(size):
    a = RNG.standard_normal(size) + 0.5
    _close(nl.fiedler_companion(a.astype(np.float32)), sl.fiedler_companion(a), 1e-4)


@pytest.mark.parametrize("mode", ["full", "same", "valid"])
@pytest.mark.parametrize("n", [2, 5, 8])
def test_convolution_matrix(mode, n):
    _close(nl.convolution_matrix(COEFFICIENTS, n, mode), sl.convolution_matrix(COEFFICIENTS, n,
                                                                              mode))


def test_size_only_matrices():
    for scale in (None, "sqrtn", "n"):
        _close(nl.dft(6, scale), sl.dft(6, scale))
    np.testing.assert_array_equal(np.asarray(nl.hadamard(8)), sl.hadamard(8))
    _close(nl.helmert(5), sl.helmert(5))
    _close(nl.helmert(5, full=True), sl.helmert(5, full=True))
    _close(nl.invhilbert(4), sl.invhilbert(4), 1e-3)
    np.testing.assert_array_equal(np.asarray(nl.invhilbert(6, exact=True)),
                                  sl.invhilbert(6, exact=True))
    for kind in ("symmetric", "lower", "upper"):
        np.testing.assert_array_equal(np.asarray(nl.pascal(6, kind)), sl.pascal(6, kind))
        np.testing.assert_array_equal(np.asarray(nl.invpascal(6, kind)), sl.invpascal(6, kind))
    _close(nl.pascal(4, exact=False), sl.pascal(4, exact=False))
    with pytest.raises(ValueError, match="power of 2"):
        nl.hadamard(6)
    with pytest.raises(OverflowError):
        nl.invhilbert(40, exact=True)


def test_leslie_and_vmap():
    f, s = np.array([0.1, 2.0, 1.5], np.float32), np.array([0.5, 0.25], np.float32)
    _close(nl.leslie(f, s), sl.leslie(f, s))
    stacked = numax.vmap(nl.fiedler)(np.stack([COEFFICIENTS, 2 * COEFFICIENTS]))
    _close(stacked[1], sl.fiedler(2 * COEFFICIENTS))


@pytest.mark.parametrize("dtype", [np.float64, np.complex128])
def test_hessenberg_matches_lapack(dtype):
    a = RNG.standard_normal((5, 5))
    if dtype == np.complex128:
        a = a + 1j * RNG.standard_normal((5, 5))
    with numax.enable_x64():
        h, q = numax.jit(lambda m: nl.hessenberg(m, calc_q=True))(a)
        want_h, want_q = sl.hessenberg(a, calc_q=True)
        _close(h, want_h, 1e-10)
        _close(q, want_q, 1e-10)


def test_rsf2csf_matches_scipy():
    a = RNG.standard_normal((5, 5))
    t, z = sl.schur(a)
    with numax.enable_x64():
        got_t, got_z = numax.jit(nl.rsf2csf)(t, z)
    want_t, want_z = sl.rsf2csf(t, z)
    _close(got_t, want_t, 1e-10)
    _close(got_z, want_z, 1e-10)


def test_solve_sylvester_and_funm():
    a, b = RNG.standard_normal((4, 4)), RNG.standard_normal((3, 3))
    q = RNG.standard_normal((4, 3))
    with numax.enable_x64():
        _close(numax.jit(nl.solve_sylvester)(a, b, q), sl.solve_sylvester(a, b, q), 1e-9)
        _close(numax.jit(lambda m: nl.funm(m, jnp.exp))(a), sl.funm(a, np.exp), 1e-9)
        _close(nl.funm(a, lambda x: x * x), a @ a, 1e-9)


def test_expm_frechet_matches_scipy_and_finite_differences():
    a, e = 0.3 * RNG.standard_normal((4, 4)), RNG.standard_normal((4, 4))
    with numax.enable_x64():
        expm_a, derivative = numax.jit(nl.expm_frechet)(a, e)
        want_expm, want_derivative = sl.expm_frechet(a, e)
        _close(expm_a, want_expm, 1e-10)
        _close(derivative, want_derivative, 1e-10)


def test_eigh_tridiagonal():
    d, e = RNG.standard_normal(6), RNG.standard_normal(5)
    with numax.enable_x64():
        _close(nl.eigh_tridiagonal(d, e, eigvals_only=True),
               sl.eigh_tridiagonal(d, e, eigvals_only=True), 1e-10)
        w, v = nl.eigh_tridiagonal(d, e)
        want_w, want_v = sl.eigh_tridiagonal(d, e)
        _close(w, want_w, 1e-10)
        _close(np.abs(np.asarray(v)), np.abs(want_v), 1e-8)   # eigenvector signs are free
        _close(nl.eigh_tridiagonal(d, e, eigvals_only=True, select="i", select_range=(1, 3)),
               sl.eigh_tridiagonal(d, e, eigvals_only=True, select="i", select_range=(1, 3)),
               1e-10)
        check_grads(lambda x, y: nl.eigh_tridiagonal(x, y, eigvals_only=True), (d, e), 1)
    with pytest.raises(NotImplementedError):
        nl.eigh_tridiagonal(d, e, select="v", select_range=(0.0, 1.0))


@pytest.mark.parametrize("mode", ["left", "right"])
def test_qr_multiply(mode):
    a = RNG.standard_normal((5, 3))
    c = RNG.standard_normal((3, 2) if mode == "left" else (4, 5))
    with numax.enable_x64():
        got, r = nl.qr_multiply(a, c, mode)
        want, want_r = sl.qr_multiply(a, c, mode)
        _close(got, want, 1e-10)
        _close(r, want_r, 1e-10)
