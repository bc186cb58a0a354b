"""SciPy's remaining decompositions and matrix functions, for numax.scipy.linalg.

Owns hessenberg (Householder reflections with LAPACK's gehrd conventions), rsf2csf (real to
complex Schur form by Givens rotations), solve_sylvester (Bartels-Stewart on complex Schur
forms), funm (the Schur-Parlett recurrence), expm_frechet (the exponential of a block
triangular matrix), eigh_tridiagonal and qr_multiply. All are written in numax.numpy and
numax.lax over static matrix sizes (their loops unroll while tracing); those built on the
Schur decomposition run where lax.linalg.schur does (CPU).
"""

import numpy as np

from numax.core import dtypes
from numax.lax import linalg as lax_linalg
import numax.numpy as jnp
from numax.numpy import linalg as np_linalg
from numax.numpy._promote import ensure_array


def _square(a, name):
    a = ensure_array(a)
    if a.ndim != 2 or a.shape[0] != a.shape[1]:
        raise ValueError(f"scipy.linalg.{name}: expected a square matrix, got shape {a.shape}")
    if not dtypes.is_inexact(a.dtype):
        a = a.astype(dtypes.default_float_dtype())
    return a


def _adjoint(x):
    return jnp.conj(jnp.swapaxes(x, -1, -2))


def _complex(x):
    return x.astype(dtypes.to_complex_dtype(x.dtype))


# ---------------------------------------------------------------- hessenberg

def hessenberg(a, calc_q=False, overwrite_a=False, check_finite=True):
    """The upper Hessenberg form H of a square matrix (a = Q H Q^H, Q unitary), and Q with
    calc_q. Column k is reduced by the reflector I - tau v v^H that LAPACK's gehrd would use
    (v[k+1] = 1, beta = -sign(Re alpha) * norm), so H and Q agree with SciPy's."""
    a = _square(a, "hessenberg")
    n = a.shape[0]
    q = jnp.eye(n, dtype=a.dtype)
    real = dtypes.real_dtype(a.dtype)
    index = np.arange(n)
    # n - 1 reflectors: the last one (a single entry) only makes a complex subdiagonal
    # entry real, as LAPACK does; for real input it is the identity.
    for k in range(n - 1):
        below = index > k + 1
        x = jnp.where(index >= k + 1, a[:, k], 0)
        alpha = a[k + 1, k]
        tail_norm = jnp.sqrt(jnp.sum(jnp.abs(jnp.where(below, x, 0)) ** 2))
        norm = jnp.sqrt(tail_norm ** 2 + jnp.abs(alpha) ** 2)
        beta = -jnp.where(jnp.real(alpha) >= 0, 1, -1).astype(real) * norm
        skip = (tail_norm == 0) & (jnp.imag(alpha) == 0)
        safe_beta = jnp.where(skip, 1, beta).astype(real)
        tau = jnp.where(skip, 0, (beta - alpha) / safe_beta).astype(a.dtype)
        pivot = jnp.where(skip, 1, alpha - beta).astype(a.dtype)
        v = jnp.where(below, x / pivot, 0).astype(a.dtype)
        v = jnp.where(index == k + 1, 1, v).astype(a.dtype)
        # a <- (I - tau v v^H)^H a (I - tau v v^H); q <- q (I - tau v v^H)
        a = a - jnp.conj(tau) * jnp.outer(v, jnp.conj(v) @ a)
        a = a - tau * jnp.outer(a @ v, jnp.conj(v))
        q = q - tau * jnp.outer(q @ v, jnp.conj(v))
    h = jnp.triu(a, -1)
    return (h, q) if calc_q else h


# ---------------------------------------------------------------- rsf2csf

def rsf2csf(T, Z, check_finite=True):  # noqa: N803  (SciPy's names)
    """(T, Z) in complex Schur form from a real Schur form: each 2 x 2 diagonal block of
    the real form (a complex conjugate pair of eigenvalues) is triangularised by a complex
    Givens rotation, applied to T from both sides and to Z from the right."""
    t, z = _square(T, "rsf2csf"), _square(Z, "rsf2csf")
    if t.shape != z.shape:
        raise ValueError(f"scipy.linalg.rsf2csf: T and Z must have the same shape, got "
                         f"{t.shape} and {z.shape}")
    if dtypes.is_complex(t.dtype) or dtypes.is_complex(z.dtype):
        raise ValueError("scipy.linalg.rsf2csf: T and Z must be real (a real Schur form)")
    t, z = _complex(t), _complex(z)
    n = t.shape[0]
    eps = float(dtypes.finfo(dtypes.real_dtype(t.dtype)).eps)
    for m in range(n - 1, 0, -1):
        sub = t[m, m - 1]
        coupled = jnp.abs(sub) > eps * (jnp.abs(t[m - 1, m - 1]) + jnp.abs(t[m, m]))
        a, b, c, d = t[m - 1, m - 1], t[m - 1, m], sub, t[m, m]
        # The block's eigenvalue with positive imaginary part, shifted by T[m, m].
        mu = (a + d) / 2 + jnp.sqrt(((a - d) / 2) ** 2 + b * c) - d
        r = jnp.sqrt(jnp.abs(mu) ** 2 + jnp.abs(c) ** 2)
        r = jnp.where(coupled, r, 1)
        cos, sin = mu / r, c / r
        g = jnp.stack([jnp.stack([jnp.conj(cos), sin]),
                                jnp.stack([-sin, cos])])
        rows = g @ t[m - 1:m + 1, m - 1:]
        rotated = t.at[m - 1:m + 1, m - 1:].set(rows)
        rotated = rotated.at[:m + 1, m - 1:m + 1].set(rotated[:m + 1, m - 1:m + 1] @ _adjoint(g))
        rotated = rotated.at[m, m - 1].set(0)
        t = jnp.where(coupled, rotated, t)
        z = jnp.where(coupled, z.at[:, m - 1:m + 1].set(z[:, m - 1:m + 1] @ _adjoint(g)),
                               z)
    return t, z


# ---------------------------------------------------------------- Schur-based solvers

def _complex_schur(a):
    t, z = lax_linalg.schur(_complex(a))
    return t, z


def solve_sylvester(a, b, q):
    """X with A X + X B = Q (Bartels-Stewart): with A = U R U^H and B = V S V^H in complex
    Schur form, R Y + Y S = U^H Q V is solved one column of Y at a time by triangular
    solves, and X = U Y V^H (real when A, B and Q are). Needs A and -B to share no
    eigenvalue."""
    a, b = _square(a, "solve_sylvester"), _square(b, "solve_sylvester")
    q = ensure_array(q)
    if q.shape != (a.shape[0], b.shape[0]):
        raise ValueError(f"scipy.linalg.solve_sylvester: q must have shape "
                         f"{(a.shape[0], b.shape[0])} for a of shape {a.shape} and b of shape "
                         f"{b.shape}, got {q.shape}")
    dtype = dtypes.result_type(a, b, q)
    if not dtypes.is_inexact(dtype):
        dtype = dtypes.default_float_dtype()
    r, u = _complex_schur(a.astype(dtype))
    s, v = _complex_schur(b.astype(dtype))
    f = _adjoint(u) @ _complex(q.astype(dtype)) @ v
    n, m = a.shape[0], b.shape[0]
    columns = []
    for k in range(m):
        rhs = f[:, k]
        for j in range(k):
            rhs = rhs - s[j, k] * columns[j]
        system = r + s[k, k] * jnp.eye(n, dtype=r.dtype)
        columns.append(lax_linalg.triangular_solve(system, rhs[:, None], left_side=True,
                                                   lower=False)[:, 0])
    y = jnp.stack(columns, axis=1) if columns else jnp.zeros((n, 0), r.dtype)
    x = u @ y @ _adjoint(v)
    return x if dtypes.is_complex(dtype) else jnp.real(x).astype(dtype)


def funm(A, func, disp=True):  # noqa: N803
    """f(A) for a scalar function `func` applied to a matrix through its complex Schur form
    A = Z T Z^H: F = f(T) is upper triangular with f(T[i, i]) on its diagonal, and the
    Schur-Parlett recurrence fills each superdiagonal from the previous ones,
    F[i, j] = (T F - F T)[i, j] / (T[j, j] - T[i, i]) (accurate for well-separated
    eigenvalues; repeated eigenvalues divide by zero, as in SciPy). Returns the complex
    result Z F Z^H."""
    if not disp:
        raise NotImplementedError("scipy.linalg.funm: disp=False (the error estimate) is not "
                                  "supported")
    t, z = _complex_schur(_square(A, "funm"))
    n = t.shape[0]
    diagonal = jnp.diagonal(t)
    f = jnp.zeros_like(t) + jnp.diag(ensure_array(func(diagonal)).astype(t.dtype))
    for p in range(1, n):
        i = np.arange(n - p)
        j = i + p
        # With F known below the p-th superdiagonal, (T F - F T)[i, i + p] is exactly the
        # recurrence's numerator: its terms in F[i, i + p] vanish (that entry is still 0).
        numerator = (t @ f - f @ t)[i, j]
        f = f.at[i, j].set(numerator / (diagonal[j] - diagonal[i]))
    return z @ f @ _adjoint(z)


# ---------------------------------------------------------------- other decompositions

def expm_frechet(A, E, method=None, compute_expm=True, check_finite=True):  # noqa: N803
    """The Frechet derivative L(A, E) of the matrix exponential at A in direction E, read
    from the exponential of the block matrix [[A, E], [0, A]] (whose top-right block it
    is); returns (expm(A), L) or L alone without compute_expm."""
    from numax.scipy.linalg import expm
    if method not in (None, "SPS", "blockEnlarge"):
        raise ValueError(f"scipy.linalg.expm_frechet: unknown method {method!r}")
    a, e = _square(A, "expm_frechet"), _square(E, "expm_frechet")
    if a.shape != e.shape:
        raise ValueError(f"scipy.linalg.expm_frechet: A and E must have the same shape, got "
                         f"{a.shape} and {e.shape}")
    dtype = dtypes.result_type(a, e)
    a, e = a.astype(dtype), e.astype(dtype)
    n = a.shape[0]
    zero = jnp.zeros_like(a)
    big = expm(jnp.concatenate([jnp.concatenate([a, e], axis=1),
                                         jnp.concatenate([zero, a], axis=1)], axis=0))
    derivative = big[:n, n:]
    return (big[:n, :n], derivative) if compute_expm else derivative


def eigh_tridiagonal(d, e, *, eigvals_only=False, select="a", select_range=None,
                     check_finite=True, tol=None, lapack_driver="auto"):
    """Eigenvalues (ascending), and with eigvals_only=False eigenvectors, of the symmetric
    (Hermitian) tridiagonal matrix with diagonal d and off-diagonal e, computed by eigh of
    the assembled matrix. select='i' with select_range=(lo, hi) keeps eigenvalues lo..hi
    (inclusive); selecting by value ('v') would give a data-dependent size and is not
    supported."""
    d, e = ensure_array(d), ensure_array(e)
    if d.ndim != 1 or e.shape != (max(d.shape[0] - 1, 0),):
        raise ValueError(f"scipy.linalg.eigh_tridiagonal: d must be 1-D of length n and e of "
                         f"length n - 1, got shapes {d.shape} and {e.shape}")
    dtype = dtypes.result_type(d, e)
    if not dtypes.is_inexact(dtype):
        dtype = dtypes.default_float_dtype()
    n = d.shape[0]
    matrix = jnp.diag(d.astype(dtype))
    if n > 1:
        off = e.astype(dtype)
        matrix = matrix + jnp.diag(off, 1) + jnp.diag(jnp.conj(off), -1)
    w, v = np_linalg.eigh(matrix)
    if select in ("i", 2):
        lo, hi = (int(k) for k in select_range)
        if not 0 <= lo <= hi < n:
            raise ValueError(f"scipy.linalg.eigh_tridiagonal: select_range {select_range} must "
                             f"satisfy 0 <= lo <= hi < {n}")
        w, v = w[lo:hi + 1], v[:, lo:hi + 1]
    elif select not in ("a", 0):
        raise NotImplementedError(f"scipy.linalg.eigh_tridiagonal: select={select!r} is not "
                                  "supported; use 'a' or 'i'")
    return w if eigvals_only else (w, v)


def qr_multiply(a, c, mode="right", pivoting=False, conjugate=False, overwrite_a=False,
                overwrite_c=False):
    """(Q C, R) for mode 'left' or (C Q, R) for mode 'right', with Q and R of the economic
    QR decomposition of a (K = min(M, N) columns of Q); Q is conjugated with `conjugate`.
    A 1-D c is a column for 'left' and a row for 'right'."""
    if pivoting:
        raise NotImplementedError("scipy.linalg.qr_multiply: pivoting=True is not supported")
    if mode not in ("left", "right"):
        raise ValueError(f"scipy.linalg.qr_multiply: mode must be 'left' or 'right', got "
                         f"{mode!r}")
    a, c = ensure_array(a), ensure_array(c)
    if a.ndim != 2 or c.ndim not in (1, 2):
        raise ValueError(f"scipy.linalg.qr_multiply: a must be 2-D and c 1-D or 2-D, got shapes "
                         f"{a.shape} and {c.shape}")
    dtype = dtypes.result_type(a, c)
    if not dtypes.is_inexact(dtype):
        dtype = dtypes.default_float_dtype()
    q, r = lax_linalg.qr(a.astype(dtype), full_matrices=False)
    if conjugate:
        q = jnp.conj(q)
    c = c.astype(dtype)
    if mode == "left":
        if c.shape[0] != q.shape[1]:
            raise ValueError(f"scipy.linalg.qr_multiply: for mode 'left' c needs {q.shape[1]} "
                             f"rows, got shape {c.shape}")
        return q @ c, r
    if c.shape[-1] != q.shape[0]:
        raise ValueError(f"scipy.linalg.qr_multiply: for mode 'right' c needs {q.shape[0]} "
                         f"columns, got shape {c.shape}")
    return c @ q, r


__all__ = ["eigh_tridiagonal", "expm_frechet", "funm", "hessenberg", "qr_multiply", "rsf2csf",
           "solve_sylvester"]
