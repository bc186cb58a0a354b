"""numax.scipy.linalg: scipy.linalg on numax arrays, with JAX's semantics.

Owns SciPy's conventions over numax.lax.linalg and numax.numpy.linalg: SciPy's argument
names and defaults (cholesky is upper by default, `trans` codes, `(c, lower)` and
`(lu, piv)` factor tuples, result orders), plus what SciPy has and NumPy lacks:
matrix functions (`expm` by Pade scaling-and-squaring, `sqrtm` by the Schur method)
and special matrices (`block_diag`, `toeplitz`, ...). Written in lax and numax.numpy
only, so everything works under jit, vmap and grad; `overwrite_*`/`check_finite`
arguments are accepted and ignored (arrays are immutable; JAX does the same).
"""

import operator

import numpy as np

from numax import lax
from numax.core import dtypes
from numax.lax import linalg as lax_linalg
from numax.numpy import creation, linalg as np_linalg, manipulation, reductions, ufuncs
from numax.numpy._promote import broadcast_shapes, broadcast_to, ensure_array, promote

_inexact = np_linalg._inexact
_adjoint = np_linalg._adjoint


def _matrix(a, name, square=True):
    return np_linalg._matrix(a, name, square=square)


# ---------------------------------------------------------------- solving with factors

_TRANS = {0: 0, "N": 0, 1: 1, "T": 1, 2: 2, "C": 2}


def _trans_code(trans, name):
    try:
        return _TRANS[trans]
    except (KeyError, TypeError):
        raise ValueError(f"{name}: trans must be 0/'N', 1/'T' or 2/'C', got {trans!r}") from None


def solve_triangular(a, b, trans=0, lower=False, unit_diagonal=False, overwrite_b=False,
                     debug=None, check_finite=True):
    """Solves op(a) x = b for triangular a (only the `lower` or upper triangle is read);
    op is a, a^T (trans 1/'T') or a^H (2/'C'). b is (..., n) or (..., n, k)."""
    a, b = _inexact(a, b, name="scipy.linalg.solve_triangular")
    trans = _trans_code(trans, "solve_triangular")
    vector = b.ndim == a.ndim - 1
    if vector:
        b = b[..., None]
    out = lax_linalg.triangular_solve(a, b, left_side=True, lower=lower, transpose_a=trans > 0,
                                      conjugate_a=trans == 2, unit_diagonal=unit_diagonal)
    return out[..., 0] if vector else out


def cholesky(a, lower=False, overwrite_a=False, check_finite=True):
    """The Cholesky factor: upper U (a = U^H U) by default, lower L with `lower`."""
    return np_linalg.cholesky(a, upper=not lower)


def cho_factor(a, lower=False, overwrite_a=False, check_finite=True):
    """(c, lower): the Cholesky factor of `a` in the named triangle (zeros elsewhere)."""
    return cholesky(a, lower=lower), lower


def cho_solve(c_and_lower, b, overwrite_b=False, check_finite=True):
    """Solves a x = b from cho_factor(a)'s (c, lower)."""
    c, lower = c_and_lower
    c, b = _inexact(c, b, name="scipy.linalg.cho_solve")
    vector = b.ndim == c.ndim - 1
    if vector:
        b = b[..., None]
    if lower:  # a = L L^H
        y = lax_linalg.triangular_solve(c, b, left_side=True, lower=True)
        x = lax_linalg.triangular_solve(c, y, left_side=True, lower=True, transpose_a=True,
                                        conjugate_a=True)
    else:  # a = U^H U
        y = lax_linalg.triangular_solve(c, b, left_side=True, lower=False, transpose_a=True,
                                        conjugate_a=True)
        x = lax_linalg.triangular_solve(c, y, left_side=True, lower=False)
    return x[..., 0] if vector else x


def lu(a, permute_l=False, overwrite_a=False, check_finite=True):
    """(p, l, u) with a = p @ l @ u (or (p @ l, u) with `permute_l`)."""
    a = _matrix(a, "scipy.linalg.lu", square=False)
    factors, _, permutation = lax_linalg.lu(a)
    m, n = a.shape[-2:]
    k = min(m, n)
    lower = manipulation.where(_mask(a.shape[:-2] + (m, k), upper_limit=-1),
                               factors[..., :, :k], 0)
    lower = lower + creation.eye(m, k, dtype=a.dtype)
    upper = manipulation.where(_mask(a.shape[:-2] + (k, n), lower_limit=0),
                               factors[..., :k, :], 0)
    # P a = L U with (P a)[i] = a[permutation[i]], so a = P^T L U: p[permutation[i], i] = 1
    p = manipulation.swapaxes(_one_hot(permutation, m, a.dtype), -1, -2)
    if permute_l:
        return manipulation.matmul(p, lower), upper
    return p, lower, upper


def _mask(shape, lower_limit=None, upper_limit=None):
    nd = len(shape)
    diff = lax.sub(lax.broadcasted_iota(np.int32, shape, nd - 1),
                   lax.broadcasted_iota(np.int32, shape, nd - 2))
    mask = None
    if lower_limit is not None:
        mask = diff >= lower_limit
    if upper_limit is not None:
        mask = (diff <= upper_limit) if mask is None else mask & (diff <= upper_limit)
    return mask


def _one_hot(indices, size, dtype):
    """one_hot[..., i, j] = (indices[..., i] == j)."""
    columns = lax.broadcasted_iota(indices.dtype, indices.shape + (size,), indices.ndim)
    return (indices[..., None] == columns).astype(dtype)


def lu_factor(a, overwrite_a=False, check_finite=True):
    """(lu, piv): the packed LU factors and the 0-based row swaps (LAPACK's getrf)."""
    a = _matrix(a, "scipy.linalg.lu_factor", square=False)
    factors, pivots, _ = lax_linalg.lu(a)
    return factors, pivots


def lu_solve(lu_and_piv, b, trans=0, overwrite_b=False, check_finite=True):
    """Solves a x = b (trans 0), a^T x = b (1) or a^H x = b (2) from lu_factor(a)."""
    factors, pivots = lu_and_piv
    factors, b = _inexact(factors, b, name="scipy.linalg.lu_solve")
    trans = _trans_code(trans, "lu_solve")
    n = factors.shape[-1]
    permutation = lax_linalg.lu_pivots_to_permutation(ensure_array(pivots), n)
    vector = b.ndim == factors.ndim - 1
    if vector:
        b = b[..., None]
    if b.shape[-2] != n:
        raise ValueError(f"lu_solve: b of shape {b.shape} does not match the factors of shape "
                         f"{factors.shape}")
    x = lax_linalg.lu_solve(factors, permutation, b, trans)
    return x[..., 0] if vector else x


def solve(a, b, lower=False, overwrite_a=False, overwrite_b=False, debug=False,
          check_finite=True, assume_a="gen"):
    """Solves a x = b. assume_a='pos' uses the Cholesky factorization (reading the
    `lower` or upper triangle of a); 'gen', 'sym' and 'her' use LU."""
    if assume_a not in ("gen", "sym", "her", "pos"):
        raise ValueError(f"scipy.linalg.solve: assume_a must be 'gen', 'sym', 'her' or 'pos', "
                         f"got {assume_a!r}")
    if assume_a != "pos":
        return np_linalg.solve(a, b)
    a, b = _inexact(a, b, name="scipy.linalg.solve")
    factor = lax_linalg.cholesky(a if lower else _adjoint(a), symmetrize_input=False)
    return cho_solve((factor, True), b)


def det(a, overwrite_a=False, check_finite=True):
    return np_linalg.det(a)


def inv(a, overwrite_a=False, check_finite=True):
    return np_linalg.inv(a)


# ---------------------------------------------------------------- decompositions

def eigh(a, b=None, lower=True, eigvals_only=False, overwrite_a=False, overwrite_b=False,
         turbo=True, eigvals=None, type=1, check_finite=True, subset_by_index=None):  # noqa: A002
    """Eigenvalues (ascending) and eigenvectors of Hermitian `a`: returns (w, v), or w
    with `eigvals_only`; `subset_by_index=(first, last)` keeps eigenvalues first..last
    (inclusive, as in SciPy)."""
    if b is not None:
        raise NotImplementedError("scipy.linalg.eigh: the generalized problem (b=...) is not "
                                  "supported")
    if eigvals is not None:
        subset_by_index = eigvals
    if subset_by_index is not None:  # SciPy's (first, last) is inclusive
        first, last = (operator.index(i) for i in subset_by_index)
        subset_by_index = (first, last + 1)
    a = _matrix(a, "scipy.linalg.eigh")
    v, w = lax_linalg.eigh(a, lower=lower, subset_by_index=subset_by_index)
    return w if eigvals_only else (w, v)


def svd(a, full_matrices=True, compute_uv=True, overwrite_a=False, check_finite=True,
        lapack_driver="gesdd"):
    """(U, s, Vh) with a = U diag(s) Vh, or s alone without `compute_uv`."""
    if lapack_driver not in ("gesdd", "gesvd"):
        raise ValueError(f"scipy.linalg.svd: lapack_driver must be 'gesdd' or 'gesvd', got "
                         f"{lapack_driver!r}")
    a = _matrix(a, "scipy.linalg.svd", square=False)
    out = lax_linalg.svd(a, full_matrices=full_matrices, compute_uv=compute_uv)
    return tuple(out) if compute_uv else out


def qr(a, overwrite_a=False, lwork=None, mode="full", pivoting=False, check_finite=True):
    """(Q, R) for mode 'full' or 'economic'; (R,) for mode 'r' (R of the full shape)."""
    if pivoting:
        raise NotImplementedError("scipy.linalg.qr: pivoting=True is not supported")
    if mode not in ("full", "economic", "r"):
        raise ValueError(f"scipy.linalg.qr: mode must be 'full', 'economic' or 'r' (mode "
                         f"'raw' is not supported), got {mode!r}")
    a = _matrix(a, "scipy.linalg.qr", square=False)
    q, r = lax_linalg.qr(a, full_matrices=mode != "economic")
    return (r,) if mode == "r" else (q, r)


def schur(a, output="real"):
    """(T, Z) with a = Z T Z^H: T quasi-upper-triangular ('real') or upper-triangular
    ('complex'). CPU only."""
    if output not in ("real", "complex", "r", "c"):
        raise ValueError(f"scipy.linalg.schur: output must be 'real' or 'complex', got "
                         f"{output!r}")
    a = _matrix(a, "scipy.linalg.schur")
    if output in ("complex", "c"):
        a = a.astype(dtypes.to_complex_dtype(a.dtype))
    return lax_linalg.schur(a)


def polar(a, side="right", method="svd"):
    """(u, p): a = u p (side 'right') or p u ('left'), u unitary, p Hermitian positive
    semi-definite, from the SVD."""
    if side not in ("right", "left"):
        raise ValueError(f"scipy.linalg.polar: side must be 'right' or 'left', got {side!r}")
    if method != "svd":
        raise NotImplementedError(f"scipy.linalg.polar: method={method!r} is not supported; "
                                  "use 'svd'")
    a = _matrix(a, "scipy.linalg.polar", square=False)
    u_svd, s, vh = lax_linalg.svd(a, full_matrices=False)
    u = manipulation.matmul(u_svd, vh)
    s = s.astype(a.dtype)
    if side == "right":
        p = manipulation.matmul(_adjoint(vh) * s[..., None, :], vh)
    else:
        p = manipulation.matmul(u_svd * s[..., None, :], _adjoint(u_svd))
    return u, p


# ---------------------------------------------------------------- matrix functions

# Pade approximants of exp (Higham 2005, "The scaling and squaring method for the matrix
# exponential revisited"): numerator coefficients b_0..b_m, and the largest 1-norm for which
# degree m is accurate to unit roundoff without scaling (theta_m).
_PADE = {
    7: (17297280.0, 8648640.0, 1995840.0, 277200.0, 25200.0, 1512.0, 56.0, 1.0),
    13: (64764752532480000.0, 32382376266240000.0, 7771770303897600.0, 1187353796428800.0,
         129060195264000.0, 10559470521600.0, 670442572800.0, 33522128640.0, 1323241920.0,
         40840800.0, 960960.0, 16380.0, 182.0, 1.0),
}
_THETA = {7: 3.925724783138660, 13: 5.371920351148152}  # 7: single, 13: double precision


def _pade(a, degree):
    """(U, V): the odd and even parts of the degree-`degree` Pade numerator at a."""
    b = _PADE[degree]
    mm = manipulation.matmul
    eye = broadcast_to(creation.eye(a.shape[-1], dtype=a.dtype), a.shape)
    a2 = mm(a, a)
    a4 = mm(a2, a2)
    a6 = mm(a4, a2)
    if degree == 7:
        u = mm(a, b[7] * a6 + b[5] * a4 + b[3] * a2 + b[1] * eye)
        v = b[6] * a6 + b[4] * a4 + b[2] * a2 + b[0] * eye
        return u, v
    u = mm(a, mm(a6, b[13] * a6 + b[11] * a4 + b[9] * a2) + b[7] * a6 + b[5] * a4 + b[3] * a2
           + b[1] * eye)
    v = mm(a6, b[12] * a6 + b[10] * a4 + b[8] * a2) + b[6] * a6 + b[4] * a4 + b[2] * a2 \
        + b[0] * eye
    return u, v


def expm(A, *, upper_triangular=False, max_squarings=16):  # noqa: N803  (SciPy's name)
    """The matrix exponential, by Pade scaling and squaring (Higham 2005): degree 13 in
    double precision, 7 in single; the matrix is scaled by 2^-s with s the smallest
    integer that brings its 1-norm under theta_m, then the approximant is squared s
    times. A matrix needing more than `max_squarings` squarings gives NaNs. Works on
    stacks of matrices."""
    a = _matrix(A, "scipy.linalg.expm")
    real = dtypes.real_dtype(a.dtype)
    degree = 13 if real == np.float64 else 7
    norm = reductions.max(reductions.sum(ufuncs.abs(a), axis=-2), axis=-1)
    needed = ufuncs.ceil(ufuncs.log2(manipulation.where(norm > 0, norm, 1) / _THETA[degree]))
    squarings = manipulation.clip(needed, 0, max_squarings).astype(np.int32)
    scale = (2.0 ** (-squarings.astype(real))).astype(a.dtype)
    u, v = _pade(a * scale[..., None, None], degree)
    result = np_linalg.solve(v - u, v + u)

    def square(i, r):
        more = (i < squarings)[..., None, None]
        return manipulation.where(more, manipulation.matmul(r, r), r)
    result = lax.fori_loop(0, max_squarings, square, result)
    # more squarings than allowed: the approximant would be inaccurate, so NaN (as JAX)
    too_large = (needed > max_squarings)[..., None, None]
    return manipulation.where(too_large, creation.full((), np.nan, a.dtype), result)


def sqrtm(A, blocksize=1):  # noqa: N803
    """The principal matrix square root, by the Schur method (Bjorck & Hammarling 1983):
    A = Z T Z^H with T upper-triangular (complex Schur form), R = sqrt(T) column band by
    band, and Z R Z^H. The result is complex, as in JAX. CPU only (needs schur)."""
    if blocksize != 1:
        raise NotImplementedError("scipy.linalg.sqrtm: only blocksize=1 is supported")
    a = _matrix(A, "scipy.linalg.sqrtm")
    a = a.astype(dtypes.to_complex_dtype(a.dtype))
    t, z = lax_linalg.schur(a)
    return manipulation.matmul(manipulation.matmul(z, _sqrt_upper_triangular(t)), _adjoint(z))


def _sqrt_upper_triangular(t):
    """R upper-triangular with R R = T: R_ii = sqrt(T_ii), and superdiagonal d from
    R_ij (R_ii + R_jj) = T_ij - sum_{i<k<j} R_ik R_kj, where (R R)_ij over the bands
    already found is exactly that sum."""
    n = t.shape[-1]
    d = np_linalg._diagonal(t)
    root = ufuncs.sqrt(d)
    r = root[..., :, None] * creation.eye(n, dtype=t.dtype)
    denominator = root[..., :, None] + root[..., None, :]
    band = lax.sub(lax.broadcasted_iota(np.int32, (n, n), 1),
                   lax.broadcasted_iota(np.int32, (n, n), 0))

    def step(k, r):
        new = (t - manipulation.matmul(r, r)) / denominator
        return manipulation.where(band == k, new, r)
    return lax.fori_loop(1, n, step, r)


# ---------------------------------------------------------------- special matrices

def block_diag(*arrs):
    """The block-diagonal matrix of the given arrays (scalars and vectors as 1 x n rows)."""
    if not arrs:
        return creation.zeros((1, 0))
    arrays = [ensure_array(a) for a in arrs]
    dtype = dtypes.result_type(*arrays)
    blocks = []
    for i, a in enumerate(arrays):
        if a.ndim > 2:
            raise ValueError(f"block_diag: argument {i} has {a.ndim} dimensions; arguments must "
                             "have at most 2")
        blocks.append(manipulation.atleast_2d(a).astype(dtype))
    width = sum(b.shape[1] for b in blocks)
    rows, column = [], 0
    for b in blocks:
        padding = [(0, 0, 0), (column, width - column - b.shape[1], 0)]
        rows.append(lax.pad(b, creation.zeros((), dtype), padding))
        column += b.shape[1]
    return manipulation.concatenate(rows, axis=0)


def toeplitz(c, r=None):
    """The Toeplitz matrix with first column c and first row r (default conj(c)); c[0]
    wins over r[0]. Leading axes of c and r are batch axes."""
    c = ensure_array(c)
    if r is None:
        r = ufuncs.conj(c)
    r = ensure_array(r)
    c, r = (ensure_array(v) for v in promote(c, r))
    if c.ndim == 0:
        c = c[None]
    if r.ndim == 0:
        r = r[None]
    batch = broadcast_shapes(c.shape[:-1], r.shape[:-1])
    c = broadcast_to(c, batch + c.shape[-1:])
    r = broadcast_to(r, batch + r.shape[-1:])
    m, n = c.shape[-1], r.shape[-1]
    # values[k] for k = i - j + n - 1: reversed r[1:], then c
    values = manipulation.concatenate([lax.rev(r[..., 1:], (r.ndim - 1,)), c], axis=-1)
    index = np.arange(m)[:, None] - np.arange(n)[None, :] + n - 1
    return _gather_last(values, index)


def _gather_last(values, index):
    """values[..., index] for a static integer matrix `index`."""
    from numax.lax.sorting import take_along_axis
    shape = values.shape[:-1] + index.shape
    flat = index.reshape(-1)
    indices = broadcast_to(creation.asarray(flat.astype(np.int32)),
                           values.shape[:-1] + flat.shape)
    out = take_along_axis(values, indices, values.ndim - 1)
    return manipulation.reshape(out, shape)


def hankel(c, r=None):
    """The Hankel matrix with first column c and last row r (default zeros); r[0] is
    ignored. One matrix: c and r are flattened."""
    c = manipulation.ravel(ensure_array(c))
    r = creation.zeros_like(c) if r is None else manipulation.ravel(ensure_array(r))
    c, r = (ensure_array(v) for v in promote(c, r))
    m, n = c.shape[0], r.shape[0]
    values = manipulation.concatenate([c, r[1:]], axis=0)
    index = np.arange(m)[:, None] + np.arange(n)[None, :]
    return _gather_last(values, index)


def circulant(c):
    """The circulant matrix with first column c (leading axes are batch axes)."""
    c = ensure_array(c)
    n = c.shape[-1]
    index = (np.arange(n)[:, None] - np.arange(n)[None, :]) % n
    return _gather_last(c, index)


def hilbert(n):
    """The n x n Hilbert matrix, H[i, j] = 1 / (i + j + 1)."""
    n = operator.index(n)
    index = np.arange(n)
    return 1.0 / creation.asarray((index[:, None] + index[None, :] + 1).astype(np.float64)
                                  ).astype(dtypes.default_float_dtype())


from numax.scipy._matrix_decompositions import (  # noqa: E402  (re-exports, kept by __all__)
    eigh_tridiagonal, expm_frechet, funm, hessenberg, qr_multiply, rsf2csf, solve_sylvester)
from numax.scipy._special_matrices import (  # noqa: E402
    companion, convolution_matrix, dft, fiedler, fiedler_companion, hadamard, helmert,
    invhilbert, invpascal, leslie, pascal)

__all__ = ["block_diag", "cho_factor", "cho_solve", "cholesky", "circulant", "companion",
           "convolution_matrix", "det", "dft", "eigh", "eigh_tridiagonal", "expm",
           "expm_frechet", "fiedler", "fiedler_companion", "funm", "hadamard", "hankel",
           "helmert", "hessenberg", "hilbert", "inv", "invhilbert", "invpascal", "leslie", "lu",
           "lu_factor", "lu_solve", "pascal", "polar", "qr", "qr_multiply", "rsf2csf", "schur",
           "solve", "solve_sylvester", "solve_triangular", "sqrtm", "svd", "toeplitz"]
