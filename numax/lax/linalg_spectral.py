"""Spectral decompositions of lax.linalg: `eigh`, `svd`, `eig` and `schur` as primitives.

Owns their rules; re-exported by lax/linalg.py (which owns the factorizations these
rules use: triangular solves and LU). Each lowers to one solver kernel of
lax/_matrix.py, as XLA has no native op for them: syevd/heevd and gesdd (LAPACK on CPU,
cuSOLVER on CUDA), geev and gees (CPU only, as in JAX). A kernel that does not
converge (info != 0) gives NaNs, as in JAX.

Eigenvectors and singular vectors are defined up to a sign (real) or a phase
(complex). The JVP rules follow the standard perturbation formulas (Magnus 1985; Giles
2008, "An extended collection of matrix derivative results"; Townsend 2016 for the SVD)
and need distinct eigenvalues / singular values. For `eig` the tangent of each
eigenvector also follows LAPACK's normalisation (unit norm, largest entry real), so it
matches finite differences; for complex `eigh`/`svd` only quantities that do not depend
on the phase are well defined.
"""

import numpy as np

from numax.core import dtypes
from numax.core.abstract import ShapedArray
from numax.core.primitive import Primitive
from numax.lax._matrix import (adjoint, check_matrix, complex_dtype, conj, diag_embed,
                               diagonal, gees_p, geev_p, gesdd_p, matrix_batch, mm, nan_unless,
                               off_diagonal_reciprocal, real_dtype, scale_columns, swap,
                               syevd_p, to_dtype, lower_as)
from numax.transforms.ad import get_aval


def _random(rng, shape, dtype):
    x = rng.standard_normal(shape)
    if np.dtype(dtype).kind == "c":
        x = x + 1j * rng.standard_normal(shape)
    return x.astype(dtype)


def _hermitian(rng, shape, dtype):
    a = _random(rng, shape, dtype)
    return ((a + np.conj(np.swapaxes(a, -1, -2))) / 2).astype(dtype)


def _ok(info):
    from numax import lax
    return lax.eq(info, np.int32(0))


def _real(x):
    from numax import lax
    return lax.real(x) if dtypes.is_complex(get_aval(x).dtype) else x


def _solve(a, b):
    """a^-1 b by LU (differentiable: used inside derivative rules)."""
    from numax.lax.linalg import lu, lu_solve
    factors, _, permutation = lu(a)
    return lu_solve(factors, permutation, b)


# ---------------------------------------------------------------- eigh

def _eigh_abstract(x, *, lower, sort_eigenvalues):
    check_matrix("eigh", x)
    return [x.strip_weak_type(), ShapedArray(x.shape[:-1], real_dtype(x.dtype))]


def _eigh_impl(x, *, lower, sort_eigenvalues):
    # syevd returns the eigenvalues in ascending order already.
    vectors, values, info = syevd_p.bind(x, lower=lower, vectors=True)
    ok = _ok(info)
    return nan_unless(ok, vectors), nan_unless(ok, values)


def eigh_jvp(primals, tangents, *, lower, sort_eigenvalues):
    """A = V diag(w) V^H: dw = Re diag(V^H dA V), dV = V (F * (V^H dA V)) with
    F_ij = 1 / (w_j - w_i) off the diagonal; dA is the Hermitian matrix that the triangle
    the kernel reads stands for."""
    from numax import lax
    from numax.lax.linalg import hermitian_from_lower
    (x,), (t,) = primals, tangents
    v, w = eigh_p.bind(x, lower=lower, sort_eigenvalues=sort_eigenvalues)
    t = hermitian_from_lower(t if lower else adjoint(t))
    projected = mm(adjoint(v), mm(t, v))
    dw = _real(diagonal(projected))
    f = to_dtype(off_diagonal_reciprocal(w), get_aval(x).dtype)
    return [v, w], [mm(v, lax.mul(f, projected)), dw]


def _eigh_examples():
    rng = np.random.default_rng(0)
    return [((_hermitian(rng, (3, 3), np.float32),), dict(lower=True, sort_eigenvalues=True)),
            ((_hermitian(rng, (3, 3), np.float32),), dict(lower=False, sort_eigenvalues=True)),
            ((_random(rng, (3, 3), np.float32),), dict(lower=True, sort_eigenvalues=True)),
            ((_hermitian(rng, (2, 4, 4), np.float32),), dict(lower=False,
                                                             sort_eigenvalues=True)),
            ((_hermitian(rng, (3, 3), np.complex64),), dict(lower=True,
                                                            sort_eigenvalues=True))]


eigh_p = Primitive(
    "eigh",
    abstract_eval=_eigh_abstract,
    lower=lower_as(_eigh_impl),
    multiple_results=True,
    jvp=eigh_jvp,
    examples=_eigh_examples,
)
eigh_p.batch = matrix_batch(eigh_p)


def eigh(x, *, lower=True, symmetrize_input=True, sort_eigenvalues=True, subset_by_index=None):
    """Eigendecomposition of Hermitian matrices: returns (v, w), w ascending and the
    columns of v the eigenvectors (x v = v diag(w)). Only the triangle named by `lower`
    is read unless `symmetrize_input` first replaces x by (x + x^H) / 2."""
    from numax import lax
    from numax.lax.linalg import symmetrize
    if symmetrize_input:
        check_matrix("eigh", get_aval(x))
        x = symmetrize(x)
    v, w = eigh_p.bind(x, lower=bool(lower), sort_eigenvalues=bool(sort_eigenvalues))
    if subset_by_index is not None:
        start, stop = (int(i) for i in subset_by_index)
        n = get_aval(w).shape[-1]
        if not 0 <= start <= stop <= n:
            raise ValueError(f"eigh: subset_by_index={subset_by_index!r} must satisfy "
                             f"0 <= start <= stop <= {n}")
        v = lax.slice_in_dim(v, start, stop, axis=get_aval(v).ndim - 1)
        w = lax.slice_in_dim(w, start, stop, axis=get_aval(w).ndim - 1)
    return v, w


# ---------------------------------------------------------------- svd

def _svd_abstract(x, *, full_matrices, compute_uv):
    check_matrix("svd", x, square=False)
    batch, (m, n) = x.shape[:-2], x.shape[-2:]
    k = min(m, n)
    s = ShapedArray(batch + (k,), real_dtype(x.dtype))
    if not compute_uv:
        return [s]
    return [s, ShapedArray(batch + (m, m if full_matrices else k), x.dtype),
            ShapedArray(batch + (n if full_matrices else k, n), x.dtype)]


def _svd_impl(x, *, full_matrices, compute_uv):
    mode = ("A" if full_matrices else "S") if compute_uv else "N"
    _, s, u, vt, info = gesdd_p.bind(x, mode=mode)
    ok = _ok(info)
    if not compute_uv:
        return [nan_unless(ok, s)]
    return [nan_unless(ok, s), nan_unless(ok, u), nan_unless(ok, vt)]


def svd_jvp(primals, tangents, *, full_matrices, compute_uv):
    """A = U S V^H: with dP = U^H dA V, ds = Re diag(dP), U^H dU = F * (dP S + S dP^H) and
    V^H dV = F * (S dP + dP^H S), F_ij = 1 / (s_j^2 - s_i^2) off the diagonal, plus the
    components outside the span, (I - U U^H) dA V S^-1 and (I - V V^H) dA^H U S^-1.
    Complex: the undetermined phase is fixed by diag(U^H dU) = i Im diag(dP) / s."""
    from numax import lax
    (x,), (t,) = primals, tangents
    m, n = get_aval(x).shape[-2:]
    k = min(m, n)
    outs = svd_p.bind(x, full_matrices=full_matrices, compute_uv=compute_uv)
    if compute_uv and full_matrices and m != n:
        raise NotImplementedError(
            "svd: the derivative of the full SVD of a non-square matrix is not unique; use "
            "full_matrices=False (or compute_uv=False for singular values only)")
    s, u, vt = outs if compute_uv else svd_p.bind(x, full_matrices=False, compute_uv=True)
    dtype = get_aval(x).dtype
    v = adjoint(vt)
    t_v = mm(t, v)
    dp = mm(adjoint(u), t_v)
    ds = _real(diagonal(dp))
    if not compute_uv:
        return outs, [ds]
    s_c = to_dtype(s, dtype)
    f = to_dtype(off_diagonal_reciprocal(lax.mul(s, s)), dtype)
    dp_s = scale_columns(dp, s_c)
    s_dp = swap(scale_columns(swap(dp), s_c))
    du = mm(u, lax.mul(f, lax.add(dp_s, adjoint(dp_s))))
    dv = mm(v, lax.mul(f, lax.add(s_dp, adjoint(s_dp))))
    s_inverse = lax.div(lax.full_like(s_c, 1), s_c)
    if dtypes.is_complex(dtype):
        phase = lax.mul(lax.complex(lax.full_like(s, 0), lax.imag(diagonal(dp))), s_inverse)
        du = lax.add(du, mm(u, diag_embed(phase)))
    if m > k:
        du = lax.add(du, scale_columns(lax.sub(t_v, mm(u, dp)), s_inverse))
    if n > k:
        th_u = mm(adjoint(t), u)
        du_rest = lax.sub(th_u, mm(v, mm(vt, th_u)))
        dv = lax.add(dv, scale_columns(du_rest, s_inverse))
    return outs, [ds, du, adjoint(dv)]


def _svd_examples():
    rng = np.random.default_rng(0)
    return [((_random(rng, (4, 3), np.float32),), dict(full_matrices=False, compute_uv=True)),
            ((_random(rng, (3, 4), np.float32),), dict(full_matrices=False, compute_uv=True)),
            ((_random(rng, (4, 3), np.float32),), dict(full_matrices=True, compute_uv=False)),
            ((_random(rng, (2, 3, 5), np.float32),), dict(full_matrices=False,
                                                          compute_uv=True)),
            ((_random(rng, (4, 3), np.float32),), dict(full_matrices=True, compute_uv=True)),
            ((_random(rng, (3, 3), np.complex64),), dict(full_matrices=False,
                                                         compute_uv=True))]


svd_p = Primitive(
    "svd",
    abstract_eval=_svd_abstract,
    lower=lower_as(_svd_impl),
    multiple_results=True,
    jvp=svd_jvp,
    examples=_svd_examples,
)
svd_p.batch = matrix_batch(svd_p)


def svd(x, *, full_matrices=True, compute_uv=True, subset_by_index=None, algorithm=None):
    """Singular value decomposition x = u diag(s) vh (LAPACK gesdd on CPU, cuSOLVER on
    CUDA), s descending.
    Returns (u, s, vh), or s alone without `compute_uv`."""
    if subset_by_index is not None:
        raise NotImplementedError("lax.linalg.svd: subset_by_index is not supported yet")
    outs = svd_p.bind(x, full_matrices=bool(full_matrices), compute_uv=bool(compute_uv))
    if not compute_uv:
        return outs[0]
    s, u, vt = outs
    return u, s, vt


# ---------------------------------------------------------------- eig

def _eig_abstract(x, *, compute_left_eigenvectors, compute_right_eigenvectors):
    check_matrix("eig", x)
    c = complex_dtype(x.dtype)
    outs = [ShapedArray(x.shape[:-1], c)]
    outs += [ShapedArray(x.shape, c)] * (bool(compute_left_eigenvectors) +
                                         bool(compute_right_eigenvectors))
    return outs


def _eig_impl(x, *, compute_left_eigenvectors, compute_right_eigenvectors):
    from numax import lax
    outs = geev_p.bind(x, left=compute_left_eigenvectors, right=compute_right_eigenvectors)
    if dtypes.is_complex(get_aval(x).dtype):
        w, left, right, info = outs
    else:
        real, imag, left, right, info = outs
        w = lax.complex(real, imag)
    ok = _ok(info)
    result = [nan_unless(ok, w)]
    if compute_left_eigenvectors:
        result.append(nan_unless(ok, left))
    if compute_right_eigenvectors:
        result.append(nan_unless(ok, right))
    return result


def _lapack_gauge(v, dv):
    """`dv` made tangent to LAPACK's normalisation of the columns of `v` (unit norm, the
    entry of largest modulus real): dv - v (a + i b), a = Re(v^H dv) per column and
    b = Im(dv_k / v_k) at that entry k."""
    from numax import lax
    aval = get_aval(v)
    nd = aval.ndim
    a = lax.reduce_sum(_real(lax.mul(conj(v), dv)), (nd - 2,))
    magnitude = _real(lax.mul(conj(v), v))
    largest = lax.argmax(magnitude, nd - 2, np.int32)
    rows = lax.broadcasted_iota(np.int32, aval.shape, nd - 2)
    at_largest = lax.eq(rows, lax.broadcast_in_dim(largest, aval.shape,
                                                   tuple(range(nd - 2)) + (nd - 1,)))
    zero = lax.full_like(v, 0)
    v_k = lax.reduce_sum(lax.select(at_largest, v, zero), (nd - 2,))
    dv_k = lax.reduce_sum(lax.select(at_largest, dv, zero), (nd - 2,))
    b = lax.imag(lax.div(dv_k, v_k))
    return lax.sub(dv, scale_columns(v, lax.complex(a, b)))


def _eigenvector_tangent(v, w, t):
    """dV for A V = V diag(w) along dA = t: V (F * (V^-1 dA V)), in LAPACK's gauge."""
    from numax import lax
    projected = _solve(v, mm(t, v))
    dv = mm(v, lax.mul(off_diagonal_reciprocal(w), projected))
    return _lapack_gauge(v, dv), projected


def eig_jvp(primals, tangents, *, compute_left_eigenvectors, compute_right_eigenvectors):
    """A V = V diag(w): dw = diag(V^-1 dA V), dV = V (F * (V^-1 dA V)), F_ij =
    1 / (w_j - w_i) off the diagonal, then kept tangent to LAPACK's normalisation. Left
    eigenvectors are the right eigenvectors of A^H (eigenvalues conj(w))."""
    (x,), (t,) = primals, tangents
    params = dict(compute_left_eigenvectors=compute_left_eigenvectors,
                  compute_right_eigenvectors=compute_right_eigenvectors)
    outs = eig_p.bind(x, **params)
    w, right = eig_p.bind(x, compute_left_eigenvectors=False, compute_right_eigenvectors=True)
    t = to_dtype(t, complex_dtype(get_aval(x).dtype))
    d_right, projected = _eigenvector_tangent(right, w, t)
    out_tangents = [diagonal(projected)]
    if compute_left_eigenvectors:
        _, left = eig_p.bind(x, compute_left_eigenvectors=True, compute_right_eigenvectors=False)
        out_tangents.append(_eigenvector_tangent(left, conj(w), adjoint(t))[0])
    if compute_right_eigenvectors:
        out_tangents.append(d_right)
    return outs, out_tangents


def _eig_examples():
    rng = np.random.default_rng(0)
    rotation = np.array([[1.0, 2.0, 0.5], [-2.0, 1.0, 0.3], [0.1, 0.2, 3.0]], np.float32)
    return [((_random(rng, (3, 3), np.float32),), dict(compute_left_eigenvectors=False,
                                                        compute_right_eigenvectors=True)),
            ((rotation,), dict(compute_left_eigenvectors=True, compute_right_eigenvectors=True)),
            ((_random(rng, (3, 3), np.float32),), dict(compute_left_eigenvectors=False,
                                                       compute_right_eigenvectors=False)),
            ((_random(rng, (2, 3, 3), np.float32),), dict(compute_left_eigenvectors=True,
                                                          compute_right_eigenvectors=False)),
            ((_random(rng, (3, 3), np.complex64),), dict(compute_left_eigenvectors=True,
                                                         compute_right_eigenvectors=True))]


eig_p = Primitive(
    "eig",
    abstract_eval=_eig_abstract,
    lower=lower_as(_eig_impl),
    multiple_results=True,
    jvp=eig_jvp,
    examples=_eig_examples,
)
eig_p.batch = matrix_batch(eig_p)


def eig(x, *, compute_left_eigenvectors=True, compute_right_eigenvectors=True, use_magma=None):
    """Eigendecomposition of general square matrices (LAPACK geev, CPU only): returns
    [w] followed by the left and/or right eigenvectors requested (complex; columns of
    unit norm whose largest entry is real). Left eigenvectors u satisfy u^H x = w u^H."""
    return list(eig_p.bind(x, compute_left_eigenvectors=bool(compute_left_eigenvectors),
                           compute_right_eigenvectors=bool(compute_right_eigenvectors)))


# ---------------------------------------------------------------- schur

_SCHUR_NOT_DIFFERENTIABLE = ("the Schur decomposition has no derivative rule (the Schur "
                             "vectors are not unique)")


def _schur_abstract(x, *, compute_schur_vectors):
    check_matrix("schur", x)
    t = x.strip_weak_type()
    return [t, t] if compute_schur_vectors else [t]


def _schur_impl(x, *, compute_schur_vectors):
    outs = gees_p.bind(x, vectors=compute_schur_vectors)
    ok = _ok(outs[-1])
    t = nan_unless(ok, outs[0])
    return [t, nan_unless(ok, outs[1])] if compute_schur_vectors else [t]


def schur_jvp(primals, tangents, **params):
    raise NotImplementedError(f"schur: {_SCHUR_NOT_DIFFERENTIABLE}")


def _schur_examples():
    rng = np.random.default_rng(0)
    return [((_random(rng, (3, 3), np.float32),), dict(compute_schur_vectors=True)),
            ((_random(rng, (2, 4, 4), np.float32),), dict(compute_schur_vectors=False)),
            ((_random(rng, (3, 3), np.complex64),), dict(compute_schur_vectors=True))]


schur_p = Primitive(
    "schur",
    abstract_eval=_schur_abstract,
    lower=lower_as(_schur_impl),
    multiple_results=True,
    jvp=schur_jvp,
    not_differentiable_in={0: _SCHUR_NOT_DIFFERENTIABLE},
    examples=_schur_examples,
)
schur_p.batch = matrix_batch(schur_p)


def schur(x, *, compute_schur_vectors=True, sort_eig_vals=False, select_callable=None):
    """Schur decomposition x = Z T Z^H (LAPACK gees, CPU only): T upper-triangular
    (quasi-triangular with 2x2 blocks for real input), Z unitary. Returns (T, Z), or T
    alone without `compute_schur_vectors`."""
    if sort_eig_vals or select_callable is not None:
        raise NotImplementedError("lax.linalg.schur: sorting eigenvalues (sort_eig_vals, "
                                  "select_callable) is not supported yet")
    outs = schur_p.bind(x, compute_schur_vectors=bool(compute_schur_vectors))
    return tuple(outs) if compute_schur_vectors else outs[0]


__all__ = ["eig", "eig_p", "eigh", "eigh_p", "schur", "schur_p", "svd", "svd_p"]
