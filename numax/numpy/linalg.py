"""numax.numpy.linalg: NumPy's linear algebra on numax arrays, with JAX's semantics.

Owns the NumPy-level functions (argument checks, dtype promotion to inexact types,
broadcasting of batch axes, NumPy's result conventions) over the primitives of
numax.lax.linalg; everything is lax and numax.numpy code, so it works under jit, vmap
and grad. Every function takes stacks of matrices in the last two axes (lstsq: one
matrix, as in JAX). Where NumPy and JAX differ, JAX wins: inputs are promoted to
inexact types (int -> float32 without x64), a matrix that is singular or not positive
definite gives inf/NaN instead of raising, and `lstsq` returns residuals always.
"""

import collections
import math
import operator

import numpy as np

from numax import lax
from numax.core import dtypes
from numax.lax import linalg as lax_linalg
from numax.numpy import creation, manipulation, reductions, ufuncs
from numax.numpy._promote import (broadcast_shapes, broadcast_to, canonicalize_axes,
                                  canonicalize_axis, convert, ensure_array, promote)

EighResult = collections.namedtuple("EighResult", ["eigenvalues", "eigenvectors"])
EigResult = collections.namedtuple("EigResult", ["eigenvalues", "eigenvectors"])
QRResult = collections.namedtuple("QRResult", ["Q", "R"])
SVDResult = collections.namedtuple("SVDResult", ["U", "S", "Vh"])
SlogdetResult = collections.namedtuple("SlogdetResult", ["sign", "logabsdet"])


# ---------------------------------------------------------------- argument handling

def _inexact(*args, name):
    """The arguments as arrays of one inexact dtype (integers and bools become float)."""
    args = [ensure_array(a) for a in promote(*args, name=name)]
    dtype = dtypes.to_inexact_dtype(args[0].dtype)
    return [convert(a, dtype) for a in args]


def _matrix(x, name, square=False):
    (x,) = _inexact(x, name=name)
    if x.ndim < 2:
        raise ValueError(f"{name}: needs an array of at least 2 dimensions (a matrix or a "
                         f"stack of matrices in the last two axes); got shape {x.shape}")
    if square and x.shape[-1] != x.shape[-2]:
        raise ValueError(f"{name}: needs square matrices in the last two axes; got shape "
                         f"{x.shape}")
    return x


def _swap(x):
    return manipulation.swapaxes(x, -1, -2)


def _adjoint(x):
    return ufuncs.conj(_swap(x))


def _eye_like(x):
    """Identity matrices with x's shape (..., n, n) and dtype."""
    n = x.shape[-1]
    return broadcast_to(creation.eye(n, dtype=x.dtype), x.shape)


def _real_dtype(dtype):
    return dtypes.real_dtype(dtype)


def _diagonal(x):
    """The main diagonal (..., n) of square matrices (..., n, n)."""
    n = x.shape[-1]
    on_diagonal = creation.eye(n, dtype=bool)
    return reductions.sum(manipulation.where(on_diagonal, x, creation.zeros((), x.dtype)),
                          axis=-1)


# ---------------------------------------------------------------- products and views

def matrix_transpose(x, /):
    """Transposes the last two axes."""
    x = ensure_array(x)
    if x.ndim < 2:
        raise ValueError(f"matrix_transpose: x must be at least two-dimensional; got shape "
                         f"{x.shape}")
    return _swap(x)


def matmul(x1, x2, /, *, precision=None, preferred_element_type=None):
    """The matrix product (numax.numpy.matmul)."""
    return manipulation.matmul(x1, x2, precision=precision,
                               preferred_element_type=preferred_element_type)


def vecdot(x1, x2, /, *, axis=-1, precision=None, preferred_element_type=None):
    """sum(conj(x1) * x2) along `axis`, broadcasting the other axes."""
    x1, x2 = (ensure_array(v) for v in promote(x1, x2, name="linalg.vecdot"))
    shape = broadcast_shapes(x1.shape, x2.shape)
    if not shape:
        raise ValueError("vecdot: needs arrays of at least one dimension")
    axis = canonicalize_axis(axis, len(shape))
    if x1.shape[axis - len(shape) + x1.ndim] != x2.shape[axis - len(shape) + x2.ndim]:
        raise ValueError(f"vecdot: x1 and x2 must have the same size along axis {axis}; got "
                         f"shapes {x1.shape} and {x2.shape}")
    x1, x2 = (manipulation.moveaxis(broadcast_to(v, shape), axis, -1) for v in (x1, x2))
    nd = len(shape)
    batch = tuple(range(nd - 1))
    return lax.dot_general(ufuncs.conj(x1), x2, (((nd - 1,), (nd - 1,)), (batch, batch)),
                           precision=precision, preferred_element_type=preferred_element_type)


def outer(x1, x2, /):
    """The outer product of two vectors."""
    x1, x2 = (ensure_array(v) for v in promote(x1, x2, name="linalg.outer"))
    if x1.ndim != 1 or x2.ndim != 1:
        raise ValueError(f"linalg.outer: x1 and x2 must be one-dimensional; got shapes "
                         f"{x1.shape} and {x2.shape}")
    return ufuncs.multiply(x1[:, None], x2[None, :])


def cross(x1, x2, /, *, axis=-1):
    """The cross product of 3-vectors along `axis` (other axes broadcast)."""
    x1, x2 = (ensure_array(v) for v in promote(x1, x2, name="linalg.cross"))
    shape = broadcast_shapes(x1.shape, x2.shape)
    axis = canonicalize_axis(axis, len(shape))
    for v in (x1, x2):
        if v.ndim == 0 or v.shape[axis - len(shape) + v.ndim] != 3:
            raise ValueError(f"linalg.cross: x1 and x2 must have size 3 along axis {axis}; "
                             f"got shapes {x1.shape} and {x2.shape}")
    a, b = (manipulation.moveaxis(broadcast_to(v, shape), axis, -1) for v in (x1, x2))
    a0, a1, a2 = (a[..., i] for i in range(3))
    b0, b1, b2 = (b[..., i] for i in range(3))
    parts = [a1 * b2 - a2 * b1, a2 * b0 - a0 * b2, a0 * b1 - a1 * b0]
    return manipulation.moveaxis(manipulation.stack(parts, axis=-1), -1, axis)


def tensordot(x1, x2, /, *, axes=2, precision=None, preferred_element_type=None):
    """Sums products over the last `axes` axes of x1 and the first of x2 (an int), or over
    the axes given as a pair of sequences."""
    x1, x2 = (ensure_array(v) for v in promote(x1, x2, name="linalg.tensordot"))
    if isinstance(axes, (int, np.integer)):
        n = operator.index(axes)
        if n < 0 or n > min(x1.ndim, x2.ndim):
            raise ValueError(f"tensordot: axes={n} must be between 0 and the smaller rank "
                             f"({x1.ndim}, {x2.ndim})")
        contract1, contract2 = tuple(range(x1.ndim - n, x1.ndim)), tuple(range(n))
    else:
        try:
            first, second = axes
        except (TypeError, ValueError):
            raise TypeError(f"tensordot: axes must be an int or a pair of sequences of axes; "
                            f"got {axes!r}") from None
        first = [first] if isinstance(first, (int, np.integer)) else list(first)
        second = [second] if isinstance(second, (int, np.integer)) else list(second)
        if len(first) != len(second):
            raise ValueError(f"tensordot: the two axis sequences must have equal length; got "
                             f"{axes!r}")
        contract1 = tuple(canonicalize_axis(a, x1.ndim) for a in first)
        contract2 = tuple(canonicalize_axis(a, x2.ndim) for a in second)
    for a, b in zip(contract1, contract2):
        if x1.shape[a] != x2.shape[b]:
            raise ValueError(f"tensordot: shape mismatch along contracted axes: {x1.shape} "
                             f"axis {a} vs {x2.shape} axis {b}")
    return lax.dot_general(x1, x2, ((contract1, contract2), ((), ())), precision=precision,
                           preferred_element_type=preferred_element_type)


def diagonal(x, /, *, offset=0):
    """The diagonals (offset above the main one when positive) of the last two axes."""
    x = ensure_array(x)
    if x.ndim < 2:
        raise ValueError(f"linalg.diagonal: x must be at least two-dimensional; got shape "
                         f"{x.shape}")
    offset = operator.index(offset)
    m, n = x.shape[-2:]
    rows, cols = (0, offset) if offset >= 0 else (-offset, 0)
    length = max(0, min(m - rows, n - cols))
    start = (0,) * (x.ndim - 2) + (min(rows, m), min(cols, n))
    limit = x.shape[:-2] + (min(rows, m) + length, min(cols, n) + length)
    square = lax.slice(x, start, limit)
    if length == 0:
        return lax.reshape(square, x.shape[:-2] + (0,))
    return _diagonal(square)


def trace(x, /, *, offset=0, dtype=None):
    """Sums of the diagonals of the last two axes."""
    return reductions.sum(diagonal(x, offset=offset), axis=-1, dtype=dtype)


def multi_dot(arrays, *, precision=None):
    """The product of a chain of matrices, multiplied in the cheapest order; the first
    may be a row vector and the last a column vector (1-d)."""
    arrays = [ensure_array(a) for a in arrays]
    if len(arrays) < 2:
        raise ValueError(f"multi_dot: expecting at least two arrays, got {len(arrays)}")
    first_vector, last_vector = arrays[0].ndim == 1, arrays[-1].ndim == 1
    if first_vector:
        arrays[0] = arrays[0][None, :]
    if last_vector:
        arrays[-1] = arrays[-1][:, None]
    for i, a in enumerate(arrays):
        if a.ndim != 2:
            raise ValueError(f"multi_dot: array {i} has {a.ndim} dimensions; all but the first "
                             "and last must be two-dimensional (those may be vectors)")
    dims = [arrays[0].shape[0]] + [a.shape[1] for a in arrays]
    count = len(arrays)
    cost = [[0] * count for _ in range(count)]
    split = [[0] * count for _ in range(count)]
    for length in range(1, count):  # matrix-chain ordering by dynamic programming
        for i in range(count - length):
            j = i + length
            cost[i][j] = math.inf
            for k in range(i, j):
                c = cost[i][k] + cost[k + 1][j] + dims[i] * dims[k + 1] * dims[j + 1]
                if c < cost[i][j]:
                    cost[i][j], split[i][j] = c, k

    def product(i, j):
        if i == j:
            return arrays[i]
        k = split[i][j]
        return manipulation.matmul(product(i, k), product(k + 1, j), precision=precision)
    out = product(0, count - 1)
    if first_vector:
        out = out[0]
    if last_vector:
        out = out[..., 0]
    return out


# ---------------------------------------------------------------- factorizations

def cholesky(a, *, upper=False, symmetrize_input=True):
    """The Cholesky factor of Hermitian positive-definite matrices: lower L with
    a = L L^H (or upper U = L^H with a = U^H U). Not positive definite: NaNs."""
    a = _matrix(a, "linalg.cholesky", square=True)
    factor = lax_linalg.cholesky(a, symmetrize_input=symmetrize_input)
    return _adjoint(factor) if upper else factor


def qr(a, mode="reduced"):
    """QR decomposition; mode 'reduced' (Q m x k), 'complete' (Q m x m) or 'r' (R only)."""
    a = _matrix(a, "linalg.qr")
    if mode not in ("reduced", "complete", "r"):
        if mode == "raw":
            raise NotImplementedError("linalg.qr: mode='raw' (LAPACK's Householder "
                                      "reflectors) is not supported; use 'reduced', "
                                      "'complete' or 'r'")
        raise ValueError(f"linalg.qr: unrecognized mode {mode!r}; use 'reduced', 'complete' "
                         "or 'r'")
    q, r = lax_linalg.qr(a, full_matrices=mode == "complete")
    return r if mode == "r" else QRResult(q, r)


def eigh(a, UPLO=None, symmetrize_input=True):  # noqa: N803  (NumPy's name)
    """Eigenvalues (ascending) and eigenvectors of Hermitian matrices."""
    a = _matrix(a, "linalg.eigh", square=True)
    if UPLO not in (None, "L", "U"):
        raise ValueError(f"linalg.eigh: UPLO must be 'L' or 'U', got {UPLO!r}")
    v, w = lax_linalg.eigh(a, lower=UPLO != "U", symmetrize_input=symmetrize_input)
    return EighResult(w, v)


def eigvalsh(a, UPLO="L", *, symmetrize_input=True):  # noqa: N803
    """Eigenvalues (ascending) of Hermitian matrices."""
    return eigh(a, UPLO, symmetrize_input=symmetrize_input).eigenvalues


def eig(a):
    """Eigenvalues and right eigenvectors of general square matrices (complex results;
    CPU only)."""
    a = _matrix(a, "linalg.eig", square=True)
    w, v = lax_linalg.eig(a, compute_left_eigenvectors=False)
    return EigResult(w, v)


def eigvals(a):
    """Eigenvalues of general square matrices (complex; CPU only)."""
    a = _matrix(a, "linalg.eigvals", square=True)
    return lax_linalg.eig(a, compute_left_eigenvectors=False,
                          compute_right_eigenvectors=False)[0]


def svd(a, full_matrices=True, compute_uv=True, hermitian=False, subset_by_index=None):
    """Singular value decomposition a = U diag(S) Vh, S descending. `hermitian` uses the
    eigendecomposition of a Hermitian `a` instead."""
    a = _matrix(a, "linalg.svd")
    if hermitian:
        return _hermitian_svd(a, compute_uv)
    out = lax_linalg.svd(a, full_matrices=full_matrices, compute_uv=compute_uv,
                         subset_by_index=subset_by_index)
    return SVDResult(*out) if compute_uv else out


def _hermitian_svd(a, compute_uv):
    v, w = lax_linalg.eigh(a)
    s = ufuncs.abs(w)
    n = s.shape[-1]
    order = lax.broadcasted_iota(np.int32, s.shape, s.ndim - 1)
    _, order = lax.sort((lax.neg(s), order), dimension=s.ndim - 1, num_keys=1)
    s = _take_last(s, order)
    if not compute_uv:
        return s
    indices = broadcast_to(order[..., None, :], v.shape[:-1] + (n,))
    u = _take_last(v, indices)
    signs = ufuncs.sign(_take_last(w, order)).astype(a.dtype)
    vh = _adjoint(u * signs[..., None, :])
    return SVDResult(u, s, vh)


def _take_last(x, indices):
    from numax.lax.sorting import take_along_axis
    return take_along_axis(x, indices, x.ndim - 1)


def svdvals(x, /):
    """Singular values, descending."""
    return svd(x, compute_uv=False)


# ---------------------------------------------------------------- solving and inverting

def solve(a, b):
    """Solves a x = b; b is a vector (1-d) or a stack of matrices (..., n, k). Batch axes
    broadcast. A singular a gives inf/NaN."""
    a, b = _inexact(a, b, name="linalg.solve")
    if a.ndim < 2 or a.shape[-1] != a.shape[-2]:
        raise ValueError(f"linalg.solve: a must be a (stack of) square matrices; got shape "
                         f"{a.shape}")
    n = a.shape[-1]
    vector = b.ndim == 1
    if vector:
        if b.shape[0] != n:
            raise ValueError(f"linalg.solve: b of shape {b.shape} does not match a of shape "
                             f"{a.shape}")
        b = broadcast_to(b[:, None], a.shape[:-2] + (n, 1))
    else:
        if b.shape[-2] != n:
            raise ValueError(f"linalg.solve: b of shape {b.shape} does not match a of shape "
                             f"{a.shape}; b must be (n,) or (..., n, k) (NumPy 2 semantics)")
        batch = broadcast_shapes(a.shape[:-2], b.shape[:-2])
        a = broadcast_to(a, batch + a.shape[-2:])
        b = broadcast_to(b, batch + b.shape[-2:])
    if n == 0:
        return b[..., 0] if vector else b
    lu, _, permutation = lax_linalg.lu(a)
    x = lax_linalg.lu_solve(lu, permutation, b)
    return x[..., 0] if vector else x


def inv(a):
    """The inverse of each square matrix (inf/NaN when singular)."""
    a = _matrix(a, "linalg.inv", square=True)
    return solve(a, _eye_like(a))


def det(a):
    """The determinant of each square matrix (by LU decomposition)."""
    a = _matrix(a, "linalg.det", square=True)
    if a.shape[-1] == 0:
        return creation.ones(a.shape[:-2], a.dtype)
    lu, pivots, _ = lax_linalg.lu(a)
    sign = _permutation_sign(pivots, a.dtype)
    return sign * reductions.prod(_diagonal(lu), axis=-1)


def _permutation_sign(pivots, dtype):
    """+1 or -1: the parity of the row swaps `pivots`."""
    swaps = reductions.sum(pivots != lax.broadcasted_iota(np.int32, pivots.shape,
                                                           pivots.ndim - 1), axis=-1)
    odd = (swaps % 2) == 1
    return manipulation.where(odd, -1, 1).astype(dtype)


def slogdet(a, *, method=None):
    """(sign, log|det|) of each square matrix; a singular matrix gives (0, -inf)."""
    a = _matrix(a, "linalg.slogdet", square=True)
    if method not in (None, "lu"):
        raise ValueError(f"linalg.slogdet: method={method!r} is not supported; use 'lu'")
    real = _real_dtype(a.dtype)
    if a.shape[-1] == 0:
        return SlogdetResult(creation.ones(a.shape[:-2], a.dtype),
                             creation.zeros(a.shape[:-2], real))
    lu, pivots, _ = lax_linalg.lu(a)
    d = _diagonal(lu)
    magnitude = ufuncs.abs(d)
    singular = reductions.any(magnitude == 0, axis=-1)
    sign = _permutation_sign(pivots, a.dtype)
    safe = manipulation.where(magnitude == 0, 1, magnitude)
    if dtypes.is_complex(a.dtype):
        sign = sign * reductions.prod(d / safe.astype(a.dtype), axis=-1)
    else:
        sign = sign * reductions.prod(ufuncs.sign(d), axis=-1)
    logdet = reductions.sum(ufuncs.log(magnitude), axis=-1)
    sign = manipulation.where(singular, creation.zeros((), a.dtype), sign)
    logdet = manipulation.where(singular, -np.inf, logdet)
    return SlogdetResult(sign, logdet)


def matrix_power(a, n):
    """a raised to the integer power n (n < 0: of the inverse), by repeated squaring."""
    a = ensure_array(a)
    if a.ndim < 2 or a.shape[-1] != a.shape[-2]:
        raise ValueError(f"linalg.matrix_power: a must be a (stack of) square matrices; got "
                         f"shape {a.shape}")
    try:
        n = operator.index(n)
    except TypeError:
        raise TypeError(f"linalg.matrix_power: exponent must be an integer, got {n!r}") from None
    if n == 0:
        return broadcast_to(creation.eye(a.shape[-1], dtype=a.dtype), a.shape)
    if n < 0:
        a, n = inv(a), -n
    result = None
    power = a
    while n:
        if n & 1:
            result = power if result is None else manipulation.matmul(result, power)
        n >>= 1
        if n:
            power = manipulation.matmul(power, power)
    return result


def lstsq(a, b, rcond=None, *, numpy_resid=False):
    """Least-squares solution of a x = b (a one matrix; b a vector or matrix), by SVD.
    Returns (x, residuals, rank, singular values). Residuals are |b - a x|^2 per column;
    with `numpy_resid` they are empty unless rank == n < m, as in NumPy (which needs a
    concrete rank, so not under jit)."""
    a, b = _inexact(a, b, name="linalg.lstsq")
    if a.ndim != 2:
        raise TypeError(f"linalg.lstsq: {a.ndim}-dimensional array given. a must be "
                        "two-dimensional")
    if b.ndim not in (1, 2):
        raise TypeError(f"linalg.lstsq: {b.ndim}-dimensional array given. b must be one- or "
                        "two-dimensional")
    m, n = a.shape
    if b.shape[0] != m:
        raise ValueError(f"linalg.lstsq: leading dimensions of a {a.shape} and b {b.shape} "
                         "differ")
    vector = b.ndim == 1
    if vector:
        b = b[:, None]
    real = _real_dtype(a.dtype)
    eps = dtypes.finfo(real).eps
    if rcond is None:
        rcond = eps * max(m, n)
    else:
        rcond = manipulation.where(ensure_array(rcond) < 0, eps, rcond).astype(real)
    u, s, vh = lax_linalg.svd(a, full_matrices=False)
    if s.shape[0] == 0:
        mask = s > 0
    else:
        mask = s >= rcond * s[0]
    rank = reductions.sum(mask, axis=-1).astype(np.int32)
    safe = manipulation.where(mask, s, 1)
    s_inverse = manipulation.where(mask, 1 / safe, 0).astype(a.dtype)
    x = manipulation.matmul(_adjoint(vh), s_inverse[:, None] * manipulation.matmul(_adjoint(u),
                                                                                   b))
    if numpy_resid:
        if int(rank) == n and m > n:
            resid = _column_squares(b - manipulation.matmul(a, x))
        else:
            resid = creation.zeros((0,), real)
    else:
        resid = _column_squares(b - manipulation.matmul(a, x))
    if vector:
        x = x[:, 0]
    return x, resid, rank, s


def _column_squares(r):
    return reductions.sum(ufuncs.real(r * ufuncs.conj(r)), axis=0)


def pinv(a, rtol=None, hermitian=False, *, rcond=None):
    """The Moore-Penrose pseudo-inverse by SVD, dropping singular values at or below
    rtol * largest (default rtol: 10 * max(m, n) * eps)."""
    a = _matrix(a, "linalg.pinv")
    if rcond is not None:
        rtol = rcond
    m, n = a.shape[-2:]
    real = _real_dtype(a.dtype)
    if rtol is None:
        rtol = 10.0 * max(m, n) * dtypes.finfo(real).eps
    rtol = ensure_array(rtol).astype(real)
    u, s, vh = svd(a, full_matrices=False, hermitian=hermitian)
    if s.shape[-1] == 0:
        return _swap(a)
    cutoff = rtol[..., None] * reductions.max(s, axis=-1, keepdims=True)
    keep = s > cutoff
    s_inverse = manipulation.where(keep, 1 / manipulation.where(keep, s, 1), 0).astype(a.dtype)
    return manipulation.matmul(_adjoint(vh) * s_inverse[..., None, :], _adjoint(u))


def matrix_rank(M, rtol=None, *, tol=None):  # noqa: N803  (NumPy's name)
    """The number of singular values above tol (default max(m, n) * eps * largest)."""
    (M,) = _inexact(M, name="linalg.matrix_rank")
    if M.ndim < 2:
        return reductions.any(M != 0).astype(dtypes.default_int_dtype())
    s = svdvals(M)
    if tol is None:
        if rtol is None:
            rtol = max(M.shape[-2:]) * dtypes.finfo(_real_dtype(M.dtype)).eps
        tol = ensure_array(rtol)[..., None] * reductions.max(s, axis=-1, keepdims=True)
    else:
        tol = ensure_array(tol)[..., None]
    return reductions.sum(s > tol, axis=-1).astype(dtypes.default_int_dtype())


def cond(x, p=None):
    """The condition number in the norm `p` (None/2/-2 by SVD; 1, -1, inf, -inf, 'fro',
    'nuc' as norm(x) * norm(inv(x))). Singular matrices give inf."""
    x = _matrix(x, "linalg.cond")
    if p in (None, 2, -2):
        s = svdvals(x)
        r = s[..., 0] / s[..., -1] if p != -2 else s[..., -1] / s[..., 0]
    else:
        if x.shape[-1] != x.shape[-2]:
            raise ValueError(f"linalg.cond: norm {p!r} needs square matrices; got shape "
                             f"{x.shape}")
        r = norm(x, ord=p, axis=(-2, -1)) * norm(inv(x), ord=p, axis=(-2, -1))
    nan_in_x = reductions.any(ufuncs.isnan(x), axis=(-2, -1))
    return manipulation.where(ufuncs.isnan(r) & ~nan_in_x, np.inf, r)


def tensorinv(a, ind=2):
    """The inverse of `a` seen as a map from its last axes to its first `ind` axes."""
    a = ensure_array(a)
    ind = operator.index(ind)
    if ind <= 0:
        raise ValueError(f"linalg.tensorinv: ind must be a positive integer, got {ind}")
    rows, cols = math.prod(a.shape[:ind]), math.prod(a.shape[ind:])
    if rows != cols:
        raise ValueError(f"linalg.tensorinv: the first {ind} axes of a (shape {a.shape}) must "
                         "have as many elements as the others")
    return manipulation.reshape(inv(manipulation.reshape(a, (rows, cols))),
                                a.shape[ind:] + a.shape[:ind])


def tensorsolve(a, b, axes=None):
    """Solves tensordot(a, x, axes=x.ndim) = b for x (`axes` of a moved last first)."""
    a, b = _inexact(a, b, name="linalg.tensorsolve")
    if axes is not None:
        axes = [canonicalize_axis(ax, a.ndim) for ax in
                ([axes] if isinstance(axes, (int, np.integer)) else axes)]
        rest = [i for i in range(a.ndim) if i not in axes]
        a = manipulation.transpose(a, rest + axes)
    out_shape = a.shape[b.ndim:]
    rows, cols = math.prod(a.shape[:b.ndim]), math.prod(out_shape)
    if a.shape[:b.ndim] != b.shape or rows != cols:
        raise ValueError(f"linalg.tensorsolve: a of shape {a.shape} and b of shape {b.shape} "
                         "do not make a square system (a's leading axes must be b's shape and "
                         "hold as many elements as its trailing axes)")
    x = solve(manipulation.reshape(a, (rows, cols)), manipulation.reshape(b, (rows,)))
    return manipulation.reshape(x, out_shape)


# ---------------------------------------------------------------- norms

def _abs_squared(x):
    return ufuncs.real(x * ufuncs.conj(x)) if dtypes.is_complex(x.dtype) else x * x


def _vector_norm(x, ord, axis, keepdims):  # noqa: A002
    if ord is None or ord == 2:
        return ufuncs.sqrt(reductions.sum(_abs_squared(x), axis=axis, keepdims=keepdims))
    if isinstance(ord, str):
        raise ValueError(f"Invalid norm order {ord!r} for vectors")
    magnitude = ufuncs.abs(x)
    if ord == np.inf:
        return reductions.max(magnitude, axis=axis, keepdims=keepdims)
    if ord == -np.inf:
        return reductions.min(magnitude, axis=axis, keepdims=keepdims)
    if ord == 0:
        return reductions.sum(x != 0, axis=axis, keepdims=keepdims).astype(magnitude.dtype)
    if ord == 1:
        return reductions.sum(magnitude, axis=axis, keepdims=keepdims)
    p = ensure_array(ord).astype(magnitude.dtype)
    return reductions.sum(magnitude ** p, axis=axis, keepdims=keepdims) ** (1 / p)


def _matrix_norm(x, ord, axes, keepdims):  # noqa: A002
    row, col = axes
    if ord in (None, "fro", "f"):
        out = ufuncs.sqrt(reductions.sum(_abs_squared(x), axis=axes))
    elif ord in (1, -1):
        sums = reductions.sum(ufuncs.abs(x), axis=row)
        reduce = reductions.max if ord == 1 else reductions.min
        out = reduce(sums, axis=col - (col > row))
    elif ord in (np.inf, -np.inf):
        sums = reductions.sum(ufuncs.abs(x), axis=col)
        reduce = reductions.max if ord == np.inf else reductions.min
        out = reduce(sums, axis=row - (row > col))
    elif ord in (2, -2, "nuc"):
        s = svdvals(manipulation.moveaxis(x, (row, col), (-2, -1)))
        if ord == "nuc":
            out = reductions.sum(s, axis=-1)
        else:
            out = (reductions.max if ord == 2 else reductions.min)(s, axis=-1)
    else:
        raise ValueError(f"Invalid norm order {ord!r} for matrices")
    if keepdims:
        out = manipulation.expand_dims(out, tuple(sorted(axes)))
    return out


def norm(x, ord=None, axis=None, keepdims=False):  # noqa: A002
    """Vector or matrix norms, as numpy.linalg.norm."""
    (x,) = _inexact(x, name="linalg.norm")
    if axis is None:
        if ord is None:
            out = ufuncs.sqrt(reductions.sum(_abs_squared(x)))
            return manipulation.reshape(out, (1,) * x.ndim) if keepdims else out
        if x.ndim not in (1, 2):
            raise ValueError(f"linalg.norm: improper number of dimensions to norm: an array "
                             f"of shape {x.shape} with ord={ord!r} needs axis=")
        axis = tuple(range(x.ndim))
    axes = canonicalize_axes(axis, x.ndim)
    if len(axes) == 1:
        return _vector_norm(x, ord, axes[0], keepdims)
    if len(axes) == 2:
        return _matrix_norm(x, ord, axes, keepdims)
    raise ValueError(f"linalg.norm: improper number of dimensions to norm: axis={axis!r}")


def vector_norm(x, /, *, axis=None, keepdims=False, ord=2):  # noqa: A002
    """The vector norm over `axis` (all axes, flattened, by default)."""
    (x,) = _inexact(x, name="linalg.vector_norm")
    if axis is None:
        out = _vector_norm(manipulation.ravel(x), ord, 0, False)
        return manipulation.reshape(out, (1,) * x.ndim) if keepdims else out
    axes = canonicalize_axes(axis, x.ndim)
    if len(axes) == 1:
        return _vector_norm(x, ord, axes[0], keepdims)
    # several axes: move them last, flatten them, and take the vector norm of that
    rest = [i for i in range(x.ndim) if i not in axes]
    moved = manipulation.transpose(x, rest + list(axes))
    flat = manipulation.reshape(moved, tuple(x.shape[i] for i in rest) + (-1,))
    out = _vector_norm(flat, ord, len(rest), False)
    return manipulation.expand_dims(out, axes) if keepdims else out


def matrix_norm(x, /, *, keepdims=False, ord="fro"):  # noqa: A002
    """The matrix norm of each matrix in the last two axes."""
    (x,) = _inexact(x, name="linalg.matrix_norm")
    if x.ndim < 2:
        raise ValueError(f"linalg.matrix_norm: x must be at least two-dimensional; got shape "
                         f"{x.shape}")
    return _matrix_norm(x, ord, (x.ndim - 2, x.ndim - 1), keepdims)


__all__ = ["cholesky", "cond", "cross", "det", "diagonal", "eig", "eigh", "eigvals",
           "eigvalsh", "inv", "lstsq", "matmul", "matrix_norm", "matrix_power", "matrix_rank",
           "matrix_transpose", "multi_dot", "norm", "outer", "pinv", "qr", "slogdet", "solve",
           "svd", "svdvals", "tensordot", "tensorinv", "tensorsolve", "trace", "vecdot",
           "vector_norm", "EighResult", "EigResult", "QRResult", "SVDResult", "SlogdetResult"]
