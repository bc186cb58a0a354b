"""SciPy's special-matrix constructors, for numax.scipy.linalg.

Owns companion, convolution_matrix, dft, fiedler, fiedler_companion, hadamard, helmert,
invhilbert, invpascal, leslie and pascal. Matrices built from array arguments are written
in numax.numpy, so they trace under jit, vmap and grad; those that depend only on a static
size are exact integer/binomial formulas evaluated once in NumPy (Python integers, so
no rounding) and then placed on the device.
"""

import math
import operator

import numpy as np

from numax.core import dtypes
from numax.numpy import creation, manipulation, ufuncs
from numax.numpy._promote import ensure_array


def _vector(a, name):
    a = ensure_array(a)
    if a.ndim != 1:
        raise ValueError(f"scipy.linalg.{name}: expected a 1-D array, got shape {a.shape}")
    return a


def _size(n, name):
    try:
        n = operator.index(n)
    except TypeError:
        raise TypeError(f"scipy.linalg.{name}: n must be an integer, got {n!r}") from None
    if n < 0:
        raise ValueError(f"scipy.linalg.{name}: n must be non-negative, got {n}")
    return n


def _float(a):
    return a if dtypes.is_inexact(a.dtype) else a.astype(dtypes.default_float_dtype())


def _exact_integers(values, name):
    """A table of Python integers as the default integer dtype, or a clear error when an
    entry does not fit (rather than a wrapped-around number)."""
    dtype = dtypes.default_int_dtype()
    info = dtypes.iinfo(dtype)
    if any(not info.min <= v <= info.max for row in values for v in row):
        raise OverflowError(f"scipy.linalg.{name}: entries exceed the range of {dtype.name}; "
                            "use exact=False (or enable x64 for larger exact tables)")
    return creation.asarray(np.array(values, dtype).reshape(len(values), -1))


def companion(a):
    """The companion matrix of the polynomial with coefficients a (highest degree first):
    its first row is -a[1:] / a[0], with ones on the subdiagonal; its eigenvalues are the
    polynomial's roots."""
    a = _float(_vector(a, "companion"))
    n = a.shape[0]
    if n < 2:
        raise ValueError("scipy.linalg.companion: the length of a must be at least 2")
    first_row = -a[1:] / a[0]
    below = creation.eye(n - 2, n - 1, dtype=a.dtype) if n > 2 else creation.zeros((0, 1), a.dtype)
    return manipulation.concatenate([first_row[None, :], below], axis=0)


def convolution_matrix(a, n, mode="full"):
    """The Toeplitz matrix A with A @ v == np.convolve(a, v, mode) for every v of length n
    (mode 'full', 'same' or 'valid')."""
    a = _vector(a, "convolution_matrix")
    n = _size(n, "convolution_matrix")
    m = a.shape[0]
    if m == 0 or n == 0:
        raise ValueError("scipy.linalg.convolution_matrix: a and n must be non-empty")
    rows = m + n - 1
    if mode == "full":
        start, count = 0, rows
    elif mode == "same":
        start, count = (min(m, n) - 1) // 2, max(m, n)
    elif mode == "valid":
        start, count = min(m, n) - 1, max(m, n) - min(m, n) + 1
    else:
        raise ValueError(f"scipy.linalg.convolution_matrix: mode must be 'full', 'same' or "
                         f"'valid', got {mode!r}")
    offset = np.arange(start, start + count)[:, None] - np.arange(n)[None, :]
    inside = (offset >= 0) & (offset < m)
    padded = manipulation.concatenate([a, creation.zeros((1,), a.dtype)])
    return padded[np.where(inside, offset, m)]


def dft(n, scale=None):
    """The n x n discrete Fourier transform matrix, W[j, k] = exp(-2 pi i j k / n), divided
    by sqrt(n) for scale='sqrtn' or by n for scale='n'."""
    n = _size(n, "dft")
    if scale not in (None, "sqrtn", "n"):
        raise ValueError(f"scipy.linalg.dft: scale must be None, 'sqrtn' or 'n', got {scale!r}")
    # j k mod n keeps the angle small, so large n loses no accuracy.
    angle = -2 * np.pi * (np.outer(np.arange(n), np.arange(n)) % max(n, 1)) / max(n, 1)
    w = np.exp(1j * angle)
    if scale == "sqrtn":
        w = w / np.sqrt(n)
    elif scale == "n":
        w = w / n
    return creation.asarray(w.astype(dtypes.default_complex_dtype()))


def fiedler(a):
    """The symmetric Fiedler matrix F[i, j] = |a[i] - a[j]|."""
    a = _vector(a, "fiedler")
    return ufuncs.abs(a[:, None] - a[None, :])


def fiedler_companion(a):
    """Fiedler's pentadiagonal companion matrix of the polynomial with coefficients a
    (highest degree first, a[0] != 0): similar to the companion matrix, so it has the
    polynomial's roots as eigenvalues."""
    a = _float(_vector(a, "fiedler_companion"))
    size = a.shape[0]
    if size <= 2:
        if size == 2:
            return (-a[1] / a[0]).reshape(1, 1)
        return creation.zeros((0,), a.dtype)
    a = a / a[0]
    n = size - 1
    # Fiedler's factorisation: F_k is the identity but for the block [[-a_k, 1], [1, 0]] in
    # rows/columns k-1, k (F_n: -a_n in the last diagonal entry); the matrix is the product
    # of the odd-indexed factors times the product of the even-indexed ones.
    eye = creation.eye(n, dtype=a.dtype)

    def factor(k):
        if k == n:
            return eye.at[n - 1, n - 1].set(-a[n])
        return eye.at[k - 1, k - 1].set(-a[k]).at[k, k].set(0).at[k - 1, k].set(1) \
            .at[k, k - 1].set(1)

    odd, even = eye, eye
    for k in range(1, n + 1):
        if k % 2:
            odd = odd @ factor(k)
        else:
            even = even @ factor(k)
    return odd @ even


def hadamard(n, dtype=int):
    """The n x n Hadamard matrix of Sylvester's construction (n a power of 2)."""
    n = _size(n, "hadamard")
    if n < 1 or n & (n - 1):
        raise ValueError(f"scipy.linalg.hadamard: n must be a positive power of 2, got {n}")
    h = np.ones((1, 1), np.int64)
    while h.shape[0] < n:
        h = np.block([[h, h], [h, -h]])
    return creation.asarray(h.astype(dtypes.canonicalize_dtype(dtype)))


def helmert(n, full=False):
    """The Helmert matrix: orthogonal n x n (full) or its last n - 1 rows, whose rows after
    the first are orthonormal contrasts."""
    n = _size(n, "helmert")
    h = np.tril(np.ones((n, n)), -1) - np.diag(np.arange(n))
    d = np.arange(n) * np.arange(1, n + 1)
    h[0] = 1
    d[0] = n
    h = h / np.sqrt(d)[:, None]
    h = h if full else h[1:]
    return creation.asarray(h.astype(dtypes.default_float_dtype()))


def invhilbert(n, exact=False):
    """The inverse of the n x n Hilbert matrix, from its closed form in binomial
    coefficients (integers): exact=True gives integers (OverflowError when they do not
    fit the integer dtype), otherwise floats."""
    n = _size(n, "invhilbert")
    table = [[(-1) ** (i + j) * (i + j + 1) * math.comb(n + i, n - j - 1) *
              math.comb(n + j, n - i - 1) * math.comb(i + j, i) ** 2 for j in range(n)]
             for i in range(n)]
    if exact:
        return _exact_integers(table, "invhilbert") if n else creation.zeros((0, 0), int)
    return creation.asarray(np.array(table, np.float64).reshape(n, n)
                            .astype(dtypes.default_float_dtype()))


def _pascal_table(n, kind, inverse):
    lower = [[(-1) ** (i + j) * math.comb(i, j) if inverse else math.comb(i, j)
              for j in range(n)] for i in range(n)]
    if kind == "lower":
        return lower
    if kind == "upper":
        return [list(row) for row in zip(*lower)]
    if not inverse:
        return [[math.comb(i + j, i) for j in range(n)] for i in range(n)]
    # P = L L^T, so P^-1 = L^-T L^-1 (L^-1 is the signed lower table).
    return [[sum(lower[k][i] * lower[k][j] for k in range(n)) for j in range(n)]
            for i in range(n)]


def _pascal(name, n, kind, exact, inverse):
    n = _size(n, name)
    if kind not in ("symmetric", "lower", "upper"):
        raise ValueError(f"scipy.linalg.{name}: kind must be 'symmetric', 'lower' or 'upper', "
                         f"got {kind!r}")
    table = _pascal_table(n, kind, inverse)
    if exact:
        return _exact_integers(table, name) if n else creation.zeros((0, 0), int)
    return creation.asarray(np.array(table, np.float64).reshape(n, n)
                            .astype(dtypes.default_float_dtype()))


def pascal(n, kind="symmetric", exact=True):
    """The n x n Pascal matrix of binomial coefficients: symmetric C(i + j, i), lower
    C(i, j) or upper (its transpose); exact integers unless exact=False."""
    return _pascal("pascal", n, kind, exact, inverse=False)


def invpascal(n, kind="symmetric", exact=True):
    """The inverse of pascal(n, kind), an integer matrix (exact integers unless
    exact=False)."""
    return _pascal("invpascal", n, kind, exact, inverse=True)


def leslie(f, s):
    """The Leslie matrix: fecundities f (length n) on the first row and survival
    coefficients s (length n - 1) on the subdiagonal."""
    f, s = _vector(f, "leslie"), _vector(s, "leslie")
    n = f.shape[0]
    if n < 1 or s.shape[0] != n - 1:
        raise ValueError(f"scipy.linalg.leslie: need len(f) >= 1 and len(s) == len(f) - 1, got "
                         f"{n} and {s.shape[0]}")
    dtype = dtypes.result_type(f, s)
    below = s.astype(dtype)[:, None] * creation.eye(n - 1, n, dtype=dtype)
    return manipulation.concatenate([f.astype(dtype)[None, :], below], axis=0)


__all__ = ["companion", "convolution_matrix", "dft", "fiedler", "fiedler_companion",
           "hadamard", "helmert", "invhilbert", "invpascal", "leslie", "pascal"]
