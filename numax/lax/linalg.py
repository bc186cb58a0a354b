"""lax.linalg: matrix factorizations as primitives, with JAX's wrappers.

Owns `cholesky`, `triangular_solve`, `lu` and `qr` (this file) and re-exports `eigh`,
`svd`, `eig` and `schur` (lax/linalg_spectral.py). Every primitive acts on the last
two axes and takes any leading batch axes; its batching rule only moves a batch axis
that sits among the last two to the front. Each lowers to a lax function of the
internal kernel primitives of lax/_matrix.py (LAPACK on CPU, cuSOLVER on CUDA).
Choices made by measurement (jit, CPU, best of repeated runs; numbers in the commit
that added them):

* cholesky: LAPACK potrf on CPU. XLA's native stablehlo.cholesky was as fast at 4x4
  but 4x slower at 32x32 and ~100x slower at 128x128 (8 ms vs 60 us), and 9x slower
  for a batch of 256 16x16 matrices; stablehlo.cholesky on other platforms. A matrix
  that is not positive definite gives NaNs, as in JAX.
* triangular_solve: the native stablehlo.triangular_solve. LAPACK trsm was up to 2x
  faster below ~256x256 but 1.5-3x slower at 1000x1000, and erratic when OpenBLAS
  threads compete for cores; the native op also runs on every platform.
* lu, qr (and eigh, svd, eig, schur): LAPACK / cuSOLVER, as XLA has no native op (eig
  and schur on CPU only, as in JAX); an unblocked LU written in lax was 2x slower at
  8x8, 16x at 64x64 and 130x at 256x256 than getrf.

Derivatives follow the standard matrix-calculus identities (cited on each rule). The
factorizations read only one triangle (cholesky) or are defined up to a gauge (qr's
signs), and the rules use the matching tangent, so they agree with finite
differences of the primitive itself.
"""

import numpy as np

from numax.core import dtypes
from numax.core.abstract import ShapedArray
from numax.core.errors import NumaxTypeError
from numax.core.primitive import Primitive
from numax.lax._ad_rules import Zero, is_undefined, is_zero
from numax.lax._matrix import (LINALG_DTYPES, adjoint, check_matrix, conj, corner,
                               diag_embed, diagonal, eye_like, geqrf_p, getrf_p, lower_as,
                               matrix_batch, mm, nan_unless, native_cholesky_p,
                               native_triangular_solve_p, orgqr_p, potrf_p, swap, tril, triu)
from numax.transforms.ad import get_aval
from numax.transforms.batching import batch_size, to_front


def _zero(x):
    return Zero(get_aval(x).strip_weak_type())


def _random(rng, shape, dtype):
    x = rng.standard_normal(shape)
    if np.dtype(dtype).kind == "c":
        x = x + 1j * rng.standard_normal(shape)
    return x.astype(dtype)


def _spd(rng, shape, dtype):
    a = _random(rng, shape, dtype)
    n = shape[-1]
    return (a @ np.conj(np.swapaxes(a, -1, -2)) + n * np.eye(n)).astype(dtype)


def _pad_to(x, rows, cols):
    """`x` (..., m, n) zero-padded at the end to (..., rows, cols)."""
    from numax import lax
    aval = get_aval(x)
    m, n = aval.shape[-2:]
    if (m, n) == (rows, cols):
        return x
    config = [(0, 0, 0)] * (aval.ndim - 2) + [(0, rows - m, 0), (0, cols - n, 0)]
    return lax.pad(x, lax.full((), 0, aval.dtype), config)


# ---------------------------------------------------------------- cholesky

def _cholesky_abstract(x):
    check_matrix("cholesky", x)
    return x.strip_weak_type()


def _cholesky_lapack(x):
    from numax import lax
    factor, info = potrf_p.bind(x, lower=True)
    return nan_unless(lax.eq(info, np.int32(0)), tril(factor))


def _cholesky_native(x):
    return tril(native_cholesky_p.bind(x)[0])


def _cholesky_lower(ctx, x):
    implementation = _cholesky_lapack if ctx.platform == "cpu" else _cholesky_native
    return lower_as(implementation)(ctx, x)


def hermitian_from_lower(t):
    """The Hermitian matrix a kernel reading only the lower triangle of `t` (and the real
    part of its diagonal) sees."""
    from numax import lax
    strict = tril(t, -1)
    d = diagonal(t)
    if dtypes.is_complex(get_aval(t).dtype):
        d = lax.complex(lax.real(d), lax.full_like(lax.real(d), 0))
    return lax.add(lax.add(strict, adjoint(strict)), diag_embed(d))


def cholesky_jvp(primals, tangents):
    """A = L L^H: dL = L Phi(L^-1 dA L^-H), Phi = lower triangle with the diagonal halved
    (Murray 2016, "Differentiation of the Cholesky decomposition"); dA is the Hermitian
    matrix the lower triangle of the tangent stands for."""
    from numax import lax
    (x,), (t,) = primals, tangents
    factor = cholesky_p.bind(x)
    t = hermitian_from_lower(t)
    inner = triangular_solve(factor, t, left_side=True, lower=True)
    inner = triangular_solve(factor, inner, left_side=False, lower=True, transpose_a=True,
                             conjugate_a=True)
    phi = lax.add(tril(inner, -1), lax.mul(diag_embed(diagonal(inner)),
                                           lax.full((), 0.5, get_aval(inner).dtype)))
    return factor, mm(factor, phi)


def _cholesky_examples():
    rng = np.random.default_rng(0)
    return [((_spd(rng, (3, 3), np.float32),), {}),
            ((_spd(rng, (3, 3), np.complex64),), {}),
            ((_spd(rng, (2, 3, 3), np.float32),), {})]


cholesky_p = Primitive(
    "cholesky",
    abstract_eval=_cholesky_abstract,
    lower=_cholesky_lower,
    jvp=cholesky_jvp,
    examples=_cholesky_examples,
)
cholesky_p.batch = matrix_batch(cholesky_p)


def cholesky(x, *, symmetrize_input=True):
    """The lower-triangular Cholesky factor L of each Hermitian positive-definite matrix
    (x = L L^H). With `symmetrize_input`, x is first replaced by (x + x^H) / 2; without,
    only its lower triangle is read. Not positive definite: NaNs."""
    if symmetrize_input:
        check_matrix("cholesky", get_aval(x))
        x = symmetrize(x)
    return cholesky_p.bind(x)


def symmetrize(x):
    """(x + x^H) / 2 on the last two axes."""
    from numax import lax
    return lax.div(lax.add(x, adjoint(x)), lax.full((), 2, get_aval(x).dtype))


# ---------------------------------------------------------------- triangular_solve

def _triangular_solve_abstract(a, b, *, left_side, lower, transpose_a, conjugate_a,
                               unit_diagonal):
    check_matrix("triangular_solve", a)
    if b.dtype != a.dtype:
        raise NumaxTypeError(f"triangular_solve needs a and b of one dtype, got "
                             f"{a.dtype.name} and {b.dtype.name}")
    if b.ndim != a.ndim:
        raise ValueError(f"triangular_solve needs a and b of equal rank (same batch axes); got "
                         f"shapes {a.shape} and {b.shape}")
    m = a.shape[-1]
    side = b.shape[-2] if left_side else b.shape[-1]
    if b.shape[:-2] != a.shape[:-2] or side != m:
        raise ValueError(
            f"triangular_solve: incompatible shapes a {a.shape} and b {b.shape} for "
            f"left_side={left_side}: b needs the batch axes of a and {m} "
            f"{'rows' if left_side else 'columns'}")
    return b.strip_weak_type()


def _triangular_solve_impl(a, b, *, left_side, lower, transpose_a, conjugate_a, unit_diagonal):
    complex_ = dtypes.is_complex(get_aval(a).dtype)
    if conjugate_a and complex_ and not transpose_a:
        a = conj(a)
    mode = "N" if not transpose_a else ("C" if conjugate_a and complex_ else "T")
    return native_triangular_solve_p.bind(a, b, left_side=left_side, lower=lower,
                                          transpose=mode, unit_diagonal=unit_diagonal)[0]


def _op(x, transpose_a, conjugate_a):
    """op(x): x, x^T, x^H or conj(x), as the flags of triangular_solve say."""
    if transpose_a:
        x = swap(x)
    return conj(x) if conjugate_a else x


def triangular_solve_jvp(primals, tangents, **params):
    """Linear in b; for a: d(op(A)^-1 B) = -op(A)^-1 op(dA) X (left side) or
    -X op(dA) op(A)^-1 (right side), dA restricted to the triangle the solve reads."""
    from numax import lax
    a, b = primals
    ta, tb = tangents
    x = triangular_solve_p.bind(a, b, **params)
    out = _zero(x) if is_zero(tb) else triangular_solve_p.bind(a, tb, **params)
    if not is_zero(ta):
        k = -1 if params["unit_diagonal"] else 0
        ta = tril(ta, k) if params["lower"] else triu(ta, -k)
        ta = _op(ta, params["transpose_a"], params["conjugate_a"])
        product = mm(ta, x) if params["left_side"] else mm(x, ta)
        term = lax.neg(triangular_solve_p.bind(a, product, **params))
        out = term if is_zero(out) else lax.add(out, term)
    return x, out


def triangular_solve_transpose(ct, a, b, **params):
    """X = op(A)^-1 B is linear in B; its transpose solves with op(A)^T (the flags'
    transposition toggled, conjugation kept)."""
    if is_undefined(a):
        raise ValueError("triangular_solve is not linear in its matrix operand a")
    if is_zero(ct):
        return [None, Zero(b.aval)]
    flipped = dict(params, transpose_a=not params["transpose_a"])
    return [None, triangular_solve_p.bind(a, ct, **flipped)]


def triangular_solve_batch(args, dims, **params):
    """Both operands get the batch axis in front (an unbatched one is broadcast)."""
    size = batch_size(args, dims)
    a, b = (to_front(x, d, size) for x, d in zip(args, dims))
    return triangular_solve_p.bind(a, b, **params), 0


def _triangular_solve_examples():
    rng = np.random.default_rng(0)

    def tri(shape, dtype, lower=True):
        a = _random(rng, shape, dtype) + 3 * np.eye(shape[-1], dtype=dtype)
        return (np.tril(a) if lower else np.triu(a)).astype(dtype)
    flags = dict(left_side=True, lower=True, transpose_a=False, conjugate_a=False,
                 unit_diagonal=False)
    return [((tri((3, 3), np.float32), _random(rng, (3, 2), np.float32)), flags),
            ((tri((3, 3), np.float32, False), _random(rng, (2, 3), np.float32)),
             dict(flags, left_side=False, lower=False, transpose_a=True)),
            ((tri((3, 3), np.float32), _random(rng, (3, 2), np.float32)),
             dict(flags, unit_diagonal=True, transpose_a=True)),
            ((tri((2, 3, 3), np.float32, False), _random(rng, (2, 4, 3), np.float32)),
             dict(flags, left_side=False, lower=False)),
            ((tri((3, 3), np.complex64), _random(rng, (3, 2), np.complex64)),
             dict(flags, transpose_a=True, conjugate_a=True)),
            ((tri((3, 3), np.complex64, False), _random(rng, (2, 3), np.complex64)),
             dict(flags, left_side=False, lower=False, conjugate_a=True))]


triangular_solve_p = Primitive(
    "triangular_solve",
    abstract_eval=_triangular_solve_abstract,
    lower=lower_as(_triangular_solve_impl),
    jvp=triangular_solve_jvp,
    transpose=triangular_solve_transpose,
    batch=triangular_solve_batch,
    examples=_triangular_solve_examples,
)


def triangular_solve(a, b, *, left_side=False, lower=False, transpose_a=False,
                     conjugate_a=False, unit_diagonal=False):
    """Solves op(a) x = b (left_side) or x op(a) = b for x, a triangular; op(a) is a,
    a^T (transpose_a), conj(a) (conjugate_a) or a^H (both). Only the triangle named by
    `lower` is read (its diagonal taken as ones with `unit_diagonal`). A b of rank one
    less than a is treated as a vector (a single column, or row for the right side)."""
    from numax import lax
    a_shape, b_shape = get_aval(a).shape, get_aval(b).shape
    vector = len(b_shape) == len(a_shape) - 1
    if vector:
        b = lax.expand_dims(b, (len(b_shape) if left_side else len(b_shape) - 1,))
    out = triangular_solve_p.bind(a, b, left_side=bool(left_side), lower=bool(lower),
                                  transpose_a=bool(transpose_a),
                                  conjugate_a=bool(conjugate_a),
                                  unit_diagonal=bool(unit_diagonal))
    if vector:
        out = lax.squeeze(out, (len(b_shape) if left_side else len(b_shape) - 1,))
    return out


# ---------------------------------------------------------------- lu

def _lu_abstract(x):
    check_matrix("lu", x, square=False)
    batch, (m, n) = x.shape[:-2], x.shape[-2:]
    int32 = np.dtype(np.int32)
    return [x.strip_weak_type(), ShapedArray(batch + (min(m, n),), int32),
            ShapedArray(batch + (m,), int32)]


def lu_pivots_to_permutation(pivots, permutation_size):
    """The permutation (..., permutation_size) that LAPACK-style row swaps make: swap
    rows i and pivots[..., i] for i = 0, 1, ...; row i of P @ a is row perm[i] of a."""
    from numax import lax
    aval = get_aval(pivots)
    batch, k = aval.shape[:-1], aval.shape[-1]
    if k > permutation_size:
        raise ValueError(f"lu_pivots_to_permutation: {k} pivots cannot permute "
                         f"{permutation_size} rows")
    shape = batch + (permutation_size,)
    positions = lax.broadcasted_iota(np.int32, shape, len(batch))
    pivots = lax.convert_element_type(pivots, np.int32)

    def swap_step(i, perm):
        target = lax.dynamic_slice_in_dim(pivots, i, 1, axis=len(batch))
        target = lax.broadcast_in_dim(lax.squeeze(target, (len(batch),)), shape,
                                      tuple(range(len(batch))))
        at_i = lax.eq(positions, lax.full(shape, i, np.int32))
        at_target = lax.eq(positions, target)
        value_i = _pick(perm, at_i, shape)
        value_target = _pick(perm, at_target, shape)
        return lax.select(at_i, value_target, lax.select(at_target, value_i, perm))
    return lax.fori_loop(0, k, swap_step, positions)


def _pick(values, mask, shape):
    """The entry of `values` where `mask` holds (one per row of the last axis), broadcast."""
    from numax import lax
    nd = len(shape)
    chosen = lax.reduce_sum(lax.select(mask, values, lax.full_like(values, 0)), (nd - 1,))
    return lax.broadcast_in_dim(chosen, shape, tuple(range(nd - 1)))


def _lu_impl(x):
    from numax import lax
    lu, pivots, _ = getrf_p.bind(x)
    pivots = lax.sub(pivots, lax.full_like(pivots, 1))  # LAPACK's pivots are 1-based
    return lu, pivots, lu_pivots_to_permutation(pivots, get_aval(x).shape[-2])


def permute_rows(x, permutation):
    """x[..., permutation[..., i], :] for each row i."""
    from numax import lax
    from numax.lax.sorting import take_along_axis
    aval = get_aval(x)
    nd = aval.ndim
    indices = lax.broadcast_in_dim(permutation, aval.shape, tuple(range(nd - 1)))
    return take_along_axis(x, indices, nd - 2)


def _lu_factors(lu):
    """(L padded to m x m with unit diagonal, U padded to n x n with ones past k)."""
    from numax import lax
    aval = get_aval(lu)
    m, n = aval.shape[-2:]
    k = min(m, n)
    lower = _pad_to(corner(lu, m, k), m, m)
    lower = lax.add(tril(lower, -1), eye_like(lower))
    upper = triu(_pad_to(corner(lu, k, n), n, n))
    if k < n:  # ones on the diagonal past U's k rows keep the padded U invertible
        ones_past_k = np.diag((np.arange(n) >= k).astype(aval.dtype))
        nd = aval.ndim
        upper = lax.add(upper, lax.broadcast_in_dim(ones_past_k, get_aval(upper).shape,
                                                    (nd - 2, nd - 1)))
    return lower, upper


def lu_jvp(primals, tangents):
    """P A = L U: with X = L^-1 P dA U^-1, dL = L tril(X, -1) and dU = triu(X) U
    (L and U padded to square for rectangular A, so one formula serves every shape)."""
    from numax import lax
    (x,), (t,) = primals, tangents
    lu, pivots, permutation = lu_p.bind(x)
    lower, upper = _lu_factors(lu)
    inner = triangular_solve(lower, permute_rows(t, permutation), left_side=True, lower=True,
                             unit_diagonal=True)
    inner = triangular_solve(upper, inner, left_side=False, lower=False)
    tangent = lax.add(mm(lower, tril(inner, -1)), mm(triu(inner), upper))
    return [lu, pivots, permutation], [tangent, _zero(pivots), _zero(permutation)]


def _lu_examples():
    rng = np.random.default_rng(0)
    return [((_random(rng, (3, 3), np.float32),), {}),
            ((_random(rng, (5, 3), np.float32),), {}),
            ((_random(rng, (3, 5), np.float32),), {}),
            ((_random(rng, (2, 5, 3), np.float32),), {}),
            ((_random(rng, (3, 3), np.complex64),), {}),
            ((_random(rng, (3, 3), np.float64),), {})]


lu_p = Primitive(
    "lu",
    abstract_eval=_lu_abstract,
    lower=lower_as(_lu_impl),
    multiple_results=True,
    jvp=lu_jvp,
    examples=_lu_examples,
)
lu_p.batch = matrix_batch(lu_p)


def lu(x):
    """LU decomposition with partial pivoting: returns (lu, pivots, permutation) with
    P x = L U, L unit lower-triangular (below the diagonal of `lu`), U upper-triangular
    (on and above it), `pivots` the 0-based row swaps and `permutation` P's rows."""
    return tuple(lu_p.bind(x))


def lu_solve(lu_matrix, permutation, b, trans=0):
    """Solves a x = b (trans 0), a^T x = b (1) or a^H x = b (2) from `lu(a)`'s factors;
    b is (..., n, k)."""
    from numax.lax.sorting import take_along_axis
    from numax import lax
    if trans == 0:
        b = permute_rows(b, permutation)
        y = triangular_solve(lu_matrix, b, left_side=True, lower=True, unit_diagonal=True)
        return triangular_solve(lu_matrix, y, left_side=True, lower=False)
    conjugate = trans == 2
    y = triangular_solve(lu_matrix, b, left_side=True, lower=False, transpose_a=True,
                         conjugate_a=conjugate)
    x = triangular_solve(lu_matrix, y, left_side=True, lower=True, unit_diagonal=True,
                         transpose_a=True, conjugate_a=conjugate)
    # a = P^T L U, so x solves P x = z: x[..., j, :] = z[..., inverse[j], :]
    aval = get_aval(x)
    nd = aval.ndim
    inverse = _inverse_permutation(permutation)
    indices = lax.broadcast_in_dim(inverse, aval.shape, tuple(range(nd - 1)))
    return take_along_axis(x, indices, nd - 2)


def _inverse_permutation(permutation):
    """inverse[..., permutation[..., i]] = i."""
    from numax import lax
    aval = get_aval(permutation)
    nd = aval.ndim
    shape = aval.shape + aval.shape[-1:]
    rows = lax.broadcast_in_dim(permutation, shape, tuple(range(nd)))      # [.., i, j] = p[i]
    cols = lax.broadcasted_iota(aval.dtype, shape, nd)                       # [.., i, j] = j
    positions = lax.broadcasted_iota(aval.dtype, shape, nd - 1)             # [.., i, j] = i
    return lax.reduce_sum(lax.select(lax.eq(rows, cols), positions, lax.full_like(positions, 0)),
                          (nd - 1,))


# ---------------------------------------------------------------- qr

def _qr_abstract(x, *, full_matrices):
    check_matrix("qr", x, square=False)
    batch, (m, n) = x.shape[:-2], x.shape[-2:]
    k = min(m, n)
    q_cols, r_rows = (m, m) if full_matrices else (k, k)
    return [ShapedArray(batch + (m, q_cols), x.dtype), ShapedArray(batch + (r_rows, n), x.dtype)]


def _qr_impl(x, *, full_matrices):
    aval = get_aval(x)
    m, n = aval.shape[-2:]
    k = min(m, n)
    reflectors, taus = geqrf_p.bind(x)
    if m > n and full_matrices:
        q_input = _pad_to(reflectors, m, m)
    else:
        q_input = corner(reflectors, m, k)
    q = orgqr_p.bind(q_input, taus)[0]
    r = triu(corner(reflectors, m if full_matrices else k, n))
    return q, r


def qr_jvp(primals, tangents, *, full_matrices):
    """A = Q R (m >= n): with C = Q^H dA R^-1, dQ = dA R^-1 - Q (C - W) and dR = (C - W) R,
    W = Q^H dQ the skew-Hermitian matrix whose strict lower triangle is C's (its diagonal
    is i Im(diag C): R keeps a real diagonal). m < n: A = Q [R1 | R2] factors the square
    block, and dR2 = Q^H dA2 + dQ^H A2."""
    from numax import lax
    (x,), (t,) = primals, tangents
    q, r = qr_p.bind(x, full_matrices=full_matrices)
    m, n = get_aval(x).shape[-2:]
    if full_matrices and m > n:
        raise NotImplementedError(
            "qr: the derivative of the full QR decomposition of a tall matrix (m > n, "
            "full_matrices=True) is not unique; use full_matrices=False (mode='reduced')")
    if m < n:
        square_r, t_square = corner(r, m, m), corner(t, m, m)
        dq, dr_square = _qr_square_tangent(q, square_r, t_square)
        rest, t_rest = _columns_from(x, m), _columns_from(t, m)
        dr_rest = lax.add(mm(adjoint(q), t_rest), mm(adjoint(dq), rest))
        return [q, r], [dq, lax.concatenate([dr_square, dr_rest], get_aval(x).ndim - 1)]
    dq, dr = _qr_square_tangent(q, r, t)
    return [q, r], [dq, dr]


def _columns_from(x, start):
    from numax import lax
    aval = get_aval(x)
    return lax.slice(x, (0,) * (aval.ndim - 1) + (start,), aval.shape)


def _qr_square_tangent(q, r, t):
    from numax import lax
    t_rinv = triangular_solve(r, t, left_side=False, lower=False)
    c = mm(adjoint(q), t_rinv)
    strict = tril(c, -1)
    w = lax.sub(strict, adjoint(strict))
    if dtypes.is_complex(get_aval(c).dtype):
        d = lax.imag(diagonal(c))
        w = lax.add(w, diag_embed(lax.complex(lax.full_like(d, 0), d)))
    c_minus_w = lax.sub(c, w)
    return lax.sub(t_rinv, mm(q, c_minus_w)), mm(c_minus_w, r)


def _qr_examples():
    rng = np.random.default_rng(0)
    return [((_random(rng, (4, 3), np.float32),), dict(full_matrices=False)),
            ((_random(rng, (3, 3), np.float32),), dict(full_matrices=True)),
            ((_random(rng, (3, 5), np.float32),), dict(full_matrices=False)),
            ((_random(rng, (2, 3, 3), np.float32),), dict(full_matrices=True)),
            ((_random(rng, (5, 3), np.float32),), dict(full_matrices=True)),
            ((_random(rng, (4, 3), np.complex64),), dict(full_matrices=False))]


qr_p = Primitive(
    "qr",
    abstract_eval=_qr_abstract,
    lower=lower_as(_qr_impl),
    multiple_results=True,
    jvp=qr_jvp,
    examples=_qr_examples,
)
qr_p.batch = matrix_batch(qr_p)


def qr(x, *, pivoting=False, full_matrices=True, use_magma=None):
    """QR decomposition x = Q R (Householder, LAPACK geqrf + orgqr): Q has orthonormal
    columns, R is upper-triangular. full_matrices: Q is m x m and R m x n; otherwise Q
    is m x k and R k x n, k = min(m, n)."""
    if pivoting:
        raise NotImplementedError("lax.linalg.qr: pivoting=True (column-pivoted QR) is not "
                                  "supported yet; use pivoting=False")
    q, r = qr_p.bind(x, full_matrices=bool(full_matrices))
    return q, r


from numax.lax.linalg_spectral import (eig, eig_p, eigh, eigh_p, schur, schur_p,  # noqa: E402
                                       svd, svd_p)

__all__ = ["cholesky", "cholesky_p", "eig", "eig_p", "eigh", "eigh_p", "lu", "lu_p",
           "lu_pivots_to_permutation", "lu_solve", "qr", "qr_p", "schur", "schur_p", "svd",
           "svd_p", "symmetrize", "triangular_solve", "triangular_solve_p",
           "LINALG_DTYPES"]
