"""numax.numpy.linalg against NumPy: values, batches, jit, vmap, gradients and errors.

Decompositions that are unique only up to signs/phases are compared through quantities
that are not (reconstructions, |entries|, projections); derivatives are checked against
finite differences with numax.test_util.check_grads in float64.
"""

import numpy as np
import pytest

import numax
import numax.numpy as jnp
from numax.test_util import check_grads
from _linalg_checks import J, close, rand, x64  # noqa: F401 (x64: autouse fixture)


def spd(shape, dtype=np.float64, seed=0):
    a = rand(shape, dtype, seed)
    n = shape[-1]
    return (a @ np.conj(np.swapaxes(a, -1, -2)) + n * np.eye(n)).astype(dtype)


# ---------------------------------------------------------------- values against NumPy

SQUARE = [(4, 4), (2, 3, 3)]


@pytest.mark.parametrize("shape", SQUARE)
@pytest.mark.parametrize("dtype", [np.float64, np.complex128])
def test_inv_det_slogdet(shape, dtype):
    a = rand(shape, dtype)
    close(J(jnp.linalg.inv)(a), np.linalg.inv(a))
    close(J(jnp.linalg.det)(a), np.linalg.det(a))
    sign, logdet = J(jnp.linalg.slogdet)(a)
    want_sign, want_logdet = np.linalg.slogdet(a)
    close(sign, want_sign)
    close(logdet, want_logdet)


@pytest.mark.parametrize("a_shape,b_shape", [((4, 4), (4,)), ((4, 4), (4, 2)),
                                             ((2, 3, 3), (3,)), ((2, 3, 3), (2, 3, 1)),
                                             ((3, 3), (2, 3, 2)), ((2, 1, 3, 3), (4, 3, 2))])
def test_solve_broadcasts_like_numpy(a_shape, b_shape):
    a, b = rand(a_shape), rand(b_shape, seed=1)
    close(J(jnp.linalg.solve)(a, b), np.linalg.solve(a, b))


def test_singular_matrices_give_inf_or_zero_not_errors():
    a = np.array([[1.0, 2.0], [2.0, 4.0]])
    close(J(jnp.linalg.det)(a), 0.0)
    sign, logdet = J(jnp.linalg.slogdet)(a)
    assert float(sign) == 0.0 and float(logdet) == -np.inf
    assert not np.all(np.isfinite(np.asarray(J(jnp.linalg.inv)(a))))
    close(J(jnp.linalg.cond)(a), np.linalg.cond(a), 1e-3)  # ~1e16: rounding decides
    assert float(J(jnp.linalg.cond)(np.diag([1.0, 0.0]))) == np.inf


@pytest.mark.parametrize("dtype", [np.float64, np.complex128])
def test_cholesky(dtype):
    a = spd((2, 4, 4), dtype)
    close(J(jnp.linalg.cholesky)(a), np.linalg.cholesky(a))
    close(J(jnp.linalg.cholesky, upper=True)(a), np.linalg.cholesky(a, upper=True))
    not_positive = -spd((3, 3))
    assert np.all(np.isnan(np.asarray(J(jnp.linalg.cholesky)(not_positive))))


@pytest.mark.parametrize("dtype", [np.float64, np.complex128])
def test_eigh(dtype):
    a = spd((2, 4, 4), dtype)
    w, v = J(jnp.linalg.eigh)(a)
    close(w, np.linalg.eigvalsh(a))
    close(J(jnp.linalg.eigvalsh)(a), np.linalg.eigvalsh(a))
    v = np.asarray(v)
    close(a @ v, v * np.asarray(w)[..., None, :])
    close(np.conj(np.swapaxes(v, -1, -2)) @ v, np.broadcast_to(np.eye(4), a.shape))
    upper_only = np.triu(a[0]) + np.triu(rand((4, 4)), 1).T  # garbage below the diagonal
    close(J(jnp.linalg.eigh, UPLO="U", symmetrize_input=False)(upper_only).eigenvalues,
          np.linalg.eigvalsh(upper_only, UPLO="U"))


@pytest.mark.parametrize("dtype", [np.float64, np.complex128])
def test_eig_and_eigvals(dtype):
    a = rand((2, 4, 4), dtype)
    w, v = J(jnp.linalg.eig)(a)
    w, v = np.asarray(w), np.asarray(v)
    close(np.sort_complex(w.reshape(-1)), np.sort_complex(np.linalg.eigvals(a).reshape(-1)))
    close(a @ v, v * w[..., None, :])
    close(np.linalg.norm(v, axis=-2), np.ones((2, 4)))
    close(np.sort_complex(np.asarray(J(jnp.linalg.eigvals)(a)).reshape(-1)),
          np.sort_complex(np.linalg.eigvals(a).reshape(-1)))


@pytest.mark.parametrize("shape,dtype", [((4, 3), np.float64), ((3, 5), np.float64),
                                         ((2, 3, 3), np.float64), ((4, 3), np.complex128)])
def test_svd(shape, dtype):
    a = rand(shape, dtype)
    close(J(jnp.linalg.svdvals)(a), np.linalg.svd(a, compute_uv=False))
    for full in (True, False):
        u, s, vh = J(jnp.linalg.svd, full_matrices=full)(a)
        u_np, s_np, vh_np = np.linalg.svd(a, full_matrices=full)
        assert u.shape == u_np.shape and vh.shape == vh_np.shape
        close(s, s_np)
        k = min(shape[-2:])
        u, vh = np.asarray(u)[..., :, :k], np.asarray(vh)[..., :k, :]
        close((u * np.asarray(s)[..., None, :]) @ vh, a)


def test_svd_hermitian():
    a = spd((3, 3)) - 5 * np.eye(3)  # symmetric with eigenvalues of both signs
    u, s, vh = J(jnp.linalg.svd, hermitian=True)(a)
    close(s, np.linalg.svd(a, compute_uv=False))
    close((np.asarray(u) * np.asarray(s)) @ np.asarray(vh), a)
    close(J(jnp.linalg.svd, hermitian=True, compute_uv=False)(a),
          np.linalg.svd(a, compute_uv=False))


@pytest.mark.parametrize("shape", [(4, 3), (3, 5), (2, 3, 3)])
@pytest.mark.parametrize("mode", ["reduced", "complete"])
def test_qr(shape, mode):
    a = rand(shape)
    q, r = J(jnp.linalg.qr, mode=mode)(a)
    q_np, r_np = np.linalg.qr(a, mode=mode)
    assert q.shape == q_np.shape and r.shape == r_np.shape
    close(np.abs(np.asarray(r)), np.abs(r_np))
    close(np.asarray(q) @ np.asarray(r), a)
    close(np.abs(np.asarray(J(jnp.linalg.qr, mode="r")(a))), np.abs(np.linalg.qr(a, mode="r")))


def test_lstsq():
    a, b = rand((5, 3)), rand((5, 2), seed=1)
    x, resid, rank, s = J(jnp.linalg.lstsq)(a, b)
    x_np, resid_np, rank_np, s_np = np.linalg.lstsq(a, b)
    close(x, x_np)
    close(resid, resid_np)
    assert int(rank) == rank_np
    close(s, s_np)
    close(J(jnp.linalg.lstsq)(a, b[:, 0])[0], np.linalg.lstsq(a, b[:, 0])[0])
    deficient = np.hstack([a[:, :2], a[:, :1]])  # rank 2: minimum-norm solution
    close(J(jnp.linalg.lstsq)(deficient, b)[0], np.linalg.lstsq(deficient, b)[0])
    assert int(J(jnp.linalg.lstsq)(deficient, b)[2]) == 2
    assert jnp.linalg.lstsq(deficient, b, numpy_resid=True)[1].shape == (0,)  # not under jit


def test_pinv_matrix_rank_cond():
    a = rand((2, 4, 3))
    close(J(jnp.linalg.pinv)(a), np.linalg.pinv(a))
    low_rank = rand((5, 2)) @ rand((2, 4), seed=1)
    close(J(jnp.linalg.pinv)(low_rank), np.linalg.pinv(low_rank), 1e-8)
    assert int(J(jnp.linalg.matrix_rank)(low_rank)) == 2
    np.testing.assert_array_equal(J(jnp.linalg.matrix_rank)(np.stack([low_rank, rand((5, 4))])),
                                  [2, 4])
    sq = rand((4, 4))
    for p in [None, -2, 1, "fro"]:  # the other orders go through the norms tested below
        close(J(jnp.linalg.cond, p=p)(sq), np.linalg.cond(sq, p), 1e-8)


def test_matrix_power():
    a = rand((2, 3, 3))
    for n in (0, 1, 2, 5, -1, -3):
        close(J(jnp.linalg.matrix_power, n=n)(a), np.linalg.matrix_power(a, n), 1e-8)


@pytest.mark.parametrize("ord_", [None, "fro", "nuc", 1, -1, 2, -2, np.inf, -np.inf])
def test_matrix_norms(ord_):
    a = rand((2, 3, 4), np.complex128)
    for axis in [(1, 2), (2, 0), (-1, -2)]:
        close(J(jnp.linalg.norm, axis=axis, ord=ord_)(a), np.linalg.norm(a, ord_, axis=axis))
    close(J(jnp.linalg.norm, axis=(1, 2), keepdims=True, ord=ord_)(a),
          np.linalg.norm(a, ord_, axis=(1, 2), keepdims=True))
    close(J(jnp.linalg.norm, ord=ord_)(a[0]), np.linalg.norm(a[0], ord_))


@pytest.mark.parametrize("ord_", [None, 0, 1, -1, 2, 3, 0.5, np.inf, -np.inf])
def test_vector_norms(ord_):
    x = rand((3, 5))
    x[0, 1] = 0.0  # NumPy warns dividing by it for negative orders
    with np.errstate(divide="ignore"):
        close(J(jnp.linalg.norm, ord=ord_)(x[0]), np.linalg.norm(x[0], ord_))
        close(J(jnp.linalg.norm, axis=1, keepdims=True, ord=ord_)(x),
              np.linalg.norm(x, ord_, axis=1, keepdims=True))
        if ord_ is not None:
            close(J(jnp.linalg.vector_norm, ord=ord_)(x), np.linalg.vector_norm(x, ord=ord_))
            close(J(jnp.linalg.vector_norm, ord=ord_, axis=(0, 1), keepdims=True)(x),
                  np.linalg.vector_norm(x, ord=ord_, axis=(0, 1), keepdims=True))


def test_norm_defaults_and_matrix_norm():
    a = rand((2, 3, 4))
    close(J(jnp.linalg.norm)(a), np.linalg.norm(a))
    close(J(jnp.linalg.norm, keepdims=True)(a), np.linalg.norm(a, keepdims=True))
    close(J(jnp.linalg.matrix_norm, ord=1)(a), np.linalg.matrix_norm(a, ord=1))
    close(J(jnp.linalg.matrix_norm, keepdims=True)(a), np.linalg.matrix_norm(a, keepdims=True))
    close(J(jnp.linalg.vector_norm)(a), np.linalg.vector_norm(a))


def test_tensor_functions():
    a = rand((6, 2, 3))
    close(J(jnp.linalg.tensorinv, ind=1)(a), np.linalg.tensorinv(a, ind=1))
    a4 = rand((2, 3, 2, 3))
    close(J(jnp.linalg.tensorinv)(a4), np.linalg.tensorinv(a4))
    big, b = rand((2, 3, 6)), rand((2, 3), seed=1)
    close(J(jnp.linalg.tensorsolve)(big, b), np.linalg.tensorsolve(big, b))
    x, y = rand((3, 4, 5)), rand((4, 5, 2), seed=1)
    close(J(jnp.linalg.tensordot)(x, y), np.tensordot(x, y))
    close(J(jnp.linalg.tensordot, axes=0)(x, y), np.tensordot(x, y, axes=0))
    close(J(jnp.linalg.tensordot, axes=((1,), (0,)))(x, y), np.tensordot(x, y, axes=([1], [0])))
    close(J(jnp.linalg.tensordot, axes=((2, 0), (2, 0)))(x, x),
          np.tensordot(x, x, axes=([2, 0], [2, 0])))


def test_tensorsolve_axes():
    a, b = rand((2, 6, 3)), rand((2, 3), seed=1)
    close(J(jnp.linalg.tensorsolve, axes=(1,))(a, b), np.linalg.tensorsolve(a, b, axes=(1,)))


def test_products_and_views():
    x, y = rand((2, 3, 4)), rand((2, 3, 4), seed=1)
    close(J(jnp.linalg.matmul)(x, np.swapaxes(y, -1, -2)), x @ np.swapaxes(y, -1, -2))
    close(J(jnp.linalg.matrix_transpose)(x), np.swapaxes(x, -1, -2))
    close(J(jnp.linalg.vecdot)(x + 1j * y, y), np.linalg.vecdot(x + 1j * y, y))
    close(J(jnp.linalg.vecdot, axis=-1)(x, y[0, 0]), np.linalg.vecdot(x, y[0, 0]))
    close(J(jnp.linalg.vecdot, axis=1)(x, y), np.sum(x * y, axis=1))
    close(J(jnp.linalg.outer)(x[0, 0], y[0, 1]), np.outer(x[0, 0], y[0, 1]))
    v, w = rand((4, 3)), rand((3,), seed=1)
    close(J(jnp.linalg.cross)(v, w), np.linalg.cross(v, w))
    close(J(jnp.linalg.cross, axis=0)(v.T, v[::-1].T), np.cross(v.T, v[::-1].T, axis=0))
    for offset in (-2, -1, 0, 1, 3, 5):
        close(J(jnp.linalg.diagonal, offset=offset)(x), np.linalg.diagonal(x, offset=offset))
        close(J(jnp.linalg.trace, offset=offset)(x), np.linalg.trace(x, offset=offset))
    chain = [rand((3,)), rand((3, 5)), rand((5, 2)), rand((2, 4)), rand((4,))]
    close(J(jnp.linalg.multi_dot)(chain), np.linalg.multi_dot(chain))
    close(J(jnp.linalg.multi_dot)(chain[1:3]), np.linalg.multi_dot(chain[1:3]))


# ---------------------------------------------------------------- dtypes, jit, vmap

def test_integer_input_becomes_default_float():
    with numax.enable_x64(False):
        a = np.array([[2, 1], [1, 3]], np.int32)
        out = jnp.linalg.inv(a)
        assert out.dtype == np.float32
        np.testing.assert_allclose(np.asarray(out), np.linalg.inv(a), rtol=1e-6)
        w = jnp.linalg.eigvalsh(a.astype(np.float32))
        assert w.dtype == np.float32


@pytest.mark.parametrize("dtype", [np.float32, np.complex64])
def test_single_precision(dtype):
    with numax.enable_x64(False):
        a = spd((3, 3), dtype)
        tol = 1e-4
        np.testing.assert_allclose(np.asarray(jnp.linalg.inv(a)), np.linalg.inv(a), rtol=tol,
                                   atol=tol)
        np.testing.assert_allclose(np.asarray(jnp.linalg.eigvalsh(a)), np.linalg.eigvalsh(a),
                                   rtol=tol)
        np.testing.assert_allclose(np.asarray(jnp.linalg.svdvals(a)),
                                   np.linalg.svd(a, compute_uv=False), rtol=tol)
        assert jnp.linalg.cholesky(a).dtype == dtype


def test_jit_matches_eager():
    a, b = rand((3, 3)), rand((3, 2), seed=1)

    def some(a, b):
        return jnp.linalg.solve(a, b), jnp.linalg.eigh(a @ a.T)[0], jnp.linalg.qr(a)[1]
    for got, want in zip(numax.jit(some)(a, b), some(a, b)):
        close(got, np.asarray(want), 1e-12)


def test_vmap_matches_loop():
    a, b = rand((4, 3, 3)), rand((4, 3), seed=1)
    vmap = lambda f, **kw: numax.jit(numax.vmap(f, **kw))  # noqa: E731  (one compile each)
    close(vmap(jnp.linalg.solve)(a, b), np.stack([np.linalg.solve(x, y) for x, y in zip(a, b)]))
    close(vmap(jnp.linalg.solve, in_axes=(0, None))(a, b[0]),
          np.stack([np.linalg.solve(x, b[0]) for x in a]))
    moved = np.moveaxis(a, 0, 2)  # batch axis among the matrix axes: moved to the front
    close(vmap(jnp.linalg.det, in_axes=2)(moved), np.linalg.det(a))
    close(vmap(jnp.linalg.eigvalsh, in_axes=1)(np.moveaxis(spd((4, 3, 3)), 0, 1)),
          np.linalg.eigvalsh(spd((4, 3, 3))))
    close(vmap(numax.vmap(jnp.linalg.inv))(a.reshape(2, 2, 3, 3)),
          np.linalg.inv(a).reshape(2, 2, 3, 3))


# ---------------------------------------------------------------- gradients (float64)

A = rand((3, 3), seed=3)
B = rand((3, 2), seed=4)
SPD = spd((3, 3), seed=5)
TALL = rand((4, 2), seed=6)


def _eigh_invariants(x):
    w, v = jnp.linalg.eigh(x)
    return w, jnp.abs(v)  # |v| does not depend on each eigenvector's sign


def _svd_invariants(x):
    u, s, vh = jnp.linalg.svd(x, full_matrices=False)
    return s, u @ vh, jnp.abs(u)


def _qr_factors(x):
    q, r = jnp.linalg.qr(x)
    return q, r


GRADIENT_CASES = {
    "inv": (jnp.linalg.inv, (A,)),
    "solve": (jnp.linalg.solve, (A, B)),
    "solve_vector": (jnp.linalg.solve, (A, B[:, 0])),
    "det": (jnp.linalg.det, (A,)),
    "slogdet": (lambda x: jnp.linalg.slogdet(x)[1], (A,)),
    "cholesky": (jnp.linalg.cholesky, (SPD,)),
    "eigh": (_eigh_invariants, (SPD,)),
    "svd": (_svd_invariants, (TALL,)),
    "svd_wide": (_svd_invariants, (TALL.T,)),
    "qr": (_qr_factors, (TALL,)),
    "qr_square": (_qr_factors, (A,)),
    "lstsq": (lambda a, b: jnp.linalg.lstsq(a, b)[0], (TALL, B[:, 0].repeat(2)[:4])),
    "pinv": (jnp.linalg.pinv, (TALL,)),
    "norm_2": (lambda x: jnp.linalg.norm(x, 2), (A,)),
}


@pytest.mark.parametrize("name", list(GRADIENT_CASES))
def test_gradients(name):
    f, args = GRADIENT_CASES[name]
    order = 1 if name in ("pinv", "norm_2", "svd_wide", "qr_square", "solve_vector") else 2
    check_grads(f, args, order=order, modes=("fwd", "rev"))


def test_gradient_of_det_is_cofactor_matrix():
    # d det(A) / dA = det(A) A^-T (Jacobi's formula)
    close(numax.grad(jnp.linalg.det)(A), np.linalg.det(A) * np.linalg.inv(A).T)
    close(numax.grad(lambda x: jnp.linalg.slogdet(x)[1])(A), np.linalg.inv(A).T)


def test_complex_gradients_of_gauge_free_quantities():
    a = rand((3, 3), np.complex128, seed=7)
    h = spd((3, 3), np.complex128, seed=8)
    check_grads(lambda x: jnp.linalg.eigvalsh(x), (h,), order=1)
    check_grads(lambda x: jnp.linalg.svdvals(x), (a,), order=1)
    check_grads(jnp.linalg.inv, (a,), order=1)
    check_grads(jnp.linalg.cholesky, (h,), order=1)


# ---------------------------------------------------------------- errors

def test_errors_name_the_mistake():
    with pytest.raises(ValueError, match="square"):
        jnp.linalg.inv(rand((3, 4)))
    with pytest.raises(ValueError, match="at least 2 dimensions"):
        jnp.linalg.det(rand((3,)))
    with pytest.raises(TypeError, match="float16"):
        jnp.linalg.inv(rand((2, 2)).astype(np.float16))
    with pytest.raises(NotImplementedError, match="raw"):
        jnp.linalg.qr(rand((3, 3)), mode="raw")
    with pytest.raises(ValueError, match="mode"):
        jnp.linalg.qr(rand((3, 3)), mode="bogus")
    with pytest.raises(TypeError, match="two-dimensional"):
        jnp.linalg.lstsq(rand((2, 3, 3)), rand((2, 3)))
    with pytest.raises(ValueError, match="Invalid norm order"):
        jnp.linalg.norm(rand((3, 3)), "bogus")
    with pytest.raises(ValueError, match="Invalid norm order"):
        jnp.linalg.norm(rand((3,)), "fro")
    with pytest.raises(ValueError, match="size 3"):
        jnp.linalg.cross(rand((4,)), rand((4,)))
    with pytest.raises(TypeError, match="integer"):
        jnp.linalg.matrix_power(rand((2, 2)), 1.5)
    with pytest.raises(ValueError, match="does not match"):
        jnp.linalg.solve(rand((3, 3)), rand((4,)))
    with pytest.raises(ValueError, match="two arrays"):
        jnp.linalg.multi_dot([rand((2, 2))])
    with pytest.raises(NotImplementedError, match="full_matrices=False"):
        numax.jvp(lambda x: jnp.linalg.svd(x)[0], (TALL,), (TALL,))
