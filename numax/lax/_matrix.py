"""Building blocks of lax.linalg: matrix helpers, and the solver kernels as internal primitives.

Owns two things the linear-algebra primitives (lax/linalg.py, lax/linalg_spectral.py)
are written in:

* matrix helpers on stacks of matrices (the last two axes), written with lax ops so
  they work on any trace: transpose/adjoint, batched matmul, triangular masks,
  diagonals, identity.
* one internal primitive per solver kernel (getrf, geqrf, orgqr, potrf, syevd, gesdd,
  geev, gees), unregistered: they appear only inside the lowering of a public
  primitive, which is written as a lax function of them (`lower_as`). Each kernel
  takes leading batch axes natively and gives the same results on every platform it
  has: LAPACK on CPU, whose calling convention (operand order, FFI attributes,
  column-major layouts, aliases) is that of jaxlib's CPU FFI handlers, checked against
  jaxlib 0.10.2 and 0.11.2 by tests/linalg; cuSOLVER on CUDA for getrf, geqrf, orgqr,
  syevd and the SVD (gesvdj / gesvd brought to gesdd's conventions), following the
  calling convention of jaxlib's GPU solver FFI handlers (tests/linalg/
  test_gpu_decompositions.py). potrf has no CUDA lowering (cholesky uses
  stablehlo.cholesky there); geev and gees are CPU only, as in JAX.
"""

import numpy as np

from numax.core import dtypes
from numax.core.abstract import ShapedArray
from numax.core.errors import NumaxTypeError
from numax.core.primitive import Primitive
from numax.lowering.custom_call import boolean, by_platform, char, kernel_call
from numax.transforms.ad import get_aval
from numax.transforms.batching import move_axis

LINALG_DTYPES = frozenset(np.dtype(t) for t in (np.float32, np.float64, np.complex64,
                                                np.complex128))
_PREFIX = {"float32": "s", "float64": "d", "complex64": "c", "complex128": "z"}


def check_matrix(name, aval, square=True):
    """Raises a clear error unless `aval` is a (stack of) float/complex matrices."""
    if aval.dtype not in LINALG_DTYPES:
        raise NumaxTypeError(
            f"{name} does not accept dtype {aval.dtype.name}; it takes float32, float64, "
            "complex64 or complex128 arrays (convert first, e.g. x.astype(jnp.float32))")
    if aval.ndim < 2:
        raise ValueError(f"{name} needs an array of rank >= 2 (a matrix or a stack of "
                         f"matrices in the last two axes); got shape {aval.shape}")
    if square and aval.shape[-1] != aval.shape[-2]:
        raise ValueError(f"{name} needs square matrices in the last two axes; got shape "
                         f"{aval.shape}")


def real_dtype(dtype):
    return dtypes.real_dtype(dtype) if dtypes.is_complex(dtype) else np.dtype(dtype)


def complex_dtype(dtype):
    return np.dtype(np.complex64) if np.dtype(dtype) in (np.float32, np.complex64) \
        else np.dtype(np.complex128)


def is_complex(x):
    return dtypes.is_complex(get_aval(x).dtype)


# ---------------------------------------------------------------- matrix helpers

def swap(x):
    """The last two axes exchanged."""
    from numax import lax
    nd = get_aval(x).ndim
    return lax.transpose(x, tuple(range(nd - 2)) + (nd - 1, nd - 2))


def conj(x):
    from numax import lax
    return lax.conj(x) if is_complex(x) else x


def adjoint(x):
    """The conjugate transpose of each matrix."""
    return conj(swap(x))


def mm(a, b):
    """Batched matrix product over equal leading axes: (..., m, k) @ (..., k, n)."""
    from numax import lax
    nd_a, nd_b = get_aval(a).ndim, get_aval(b).ndim
    batch = tuple(range(nd_a - 2))
    return lax.dot_general(a, b, (((nd_a - 1,), (nd_b - 2,)), (batch, batch)),
                           precision=lax.Precision.HIGHEST)


def band_mask(shape, lower_limit=None, upper_limit=None):
    """Boolean mask of entries with lower_limit <= col - row <= upper_limit: a NumPy
    constant for one matrix, broadcast over the batch axes (so a mask costs at most one
    operation in a program)."""
    from numax import lax
    m, n = shape[-2:]
    diff = np.arange(n)[None, :] - np.arange(m)[:, None]
    mask = np.ones((m, n), bool)
    if lower_limit is not None:
        mask &= diff >= lower_limit
    if upper_limit is not None:
        mask &= diff <= upper_limit
    if len(shape) == 2:
        return mask
    nd = len(shape)
    return lax.broadcast_in_dim(mask, tuple(shape), (nd - 2, nd - 1))


def _keep(x, mask):
    from numax import lax
    return lax.select(mask, x, lax.full_like(x, 0))


def tril(x, k=0):
    return _keep(x, band_mask(get_aval(x).shape, upper_limit=k))


def triu(x, k=0):
    return _keep(x, band_mask(get_aval(x).shape, lower_limit=k))


def eye_like(x):
    """The identity (..., n, n) with `x`'s shape and dtype (`x` square)."""
    from numax import lax
    aval = get_aval(x)
    n = aval.shape[-1]
    eye = np.eye(n, dtype=aval.dtype)
    if aval.ndim == 2:
        return lax.convert_element_type(eye, aval.dtype)
    return lax.broadcast_in_dim(eye, aval.shape, (aval.ndim - 2, aval.ndim - 1))


def corner(x, rows, cols):
    """x[..., :rows, :cols]."""
    from numax import lax
    aval = get_aval(x)
    if aval.shape[-2:] == (rows, cols):
        return x
    return lax.slice(x, (0,) * aval.ndim, aval.shape[:-2] + (rows, cols))


def diagonal(x):
    """The main diagonal (..., min(m, n)) of each matrix."""
    from numax import lax
    aval = get_aval(x)
    m, n = aval.shape[-2:]
    k = min(m, n)
    if m != n:
        x = lax.slice(x, (0,) * aval.ndim, aval.shape[:-2] + (k, k))
    kept = _keep(x, band_mask(get_aval(x).shape, 0, 0))
    return lax.reduce_sum(kept, (get_aval(x).ndim - 1,))


def diag_embed(v):
    """(..., n) -> (..., n, n) with `v` on the diagonal."""
    from numax import lax
    aval = get_aval(v)
    shape = aval.shape + aval.shape[-1:]
    nd = aval.ndim
    full = lax.broadcast_in_dim(v, shape, tuple(range(nd - 1)) + (nd,))
    return _keep(full, band_mask(shape, 0, 0))


def scale_columns(x, v):
    """x[..., i, j] * v[..., j]."""
    from numax import lax
    aval = get_aval(x)
    nd = aval.ndim
    return lax.mul(x, lax.broadcast_in_dim(v, aval.shape, tuple(range(nd - 2)) + (nd - 1,)))


def off_diagonal_reciprocal(d):
    """F[..., i, j] = 1 / (d[..., j] - d[..., i]) off the diagonal, 0 on it; NaN-free
    under differentiation (the diagonal divides by 1, not by 0)."""
    from numax import lax
    aval = get_aval(d)
    nd = aval.ndim
    shape = aval.shape + aval.shape[-1:]
    dj = lax.broadcast_in_dim(d, shape, tuple(range(nd - 1)) + (nd,))
    di = lax.broadcast_in_dim(d, shape, tuple(range(nd)))
    on_diagonal = band_mask(shape, 0, 0)
    safe = lax.select(on_diagonal, lax.full(shape, 1, aval.dtype), lax.sub(dj, di))
    return lax.select(on_diagonal, lax.full(shape, 0, aval.dtype), lax.div(lax.full(shape, 1, aval.dtype), safe))


def to_dtype(x, dtype):
    from numax import lax
    if get_aval(x).dtype == np.dtype(dtype):
        return x
    return lax.convert_element_type(x, dtype)


def nan_unless(ok, x):
    """`x` where `ok` (over the leading axes) holds, NaN elsewhere (LAPACK's info != 0)."""
    from numax import lax
    aval = get_aval(x)
    ok = lax.broadcast_in_dim(ok, aval.shape, tuple(range(get_aval(ok).ndim)))
    return lax.select(ok, x, lax.full(aval.shape, np.nan, aval.dtype))


def matrix_batch(primitive):
    """Batching rule of a primitive on one stack of matrices: a batch axis among the last
    two moves to the front; every output keeps the batch axis where the input has it."""
    def rule(args, dims, **params):
        (x,), (dim,) = args, dims
        if dim >= get_aval(x).ndim - 2:
            x, dim = move_axis(x, dim, 0), 0
        out = primitive.bind(x, **params)
        return (out, [dim] * len(out)) if primitive.multiple_results else (out, dim)
    return rule


# ---------------------------------------------------------------- lowering a lax function

def lower_as(function):
    """A lowering rule that lowers `function(*operands, **params)` (lax code over this
    module's kernel primitives) in place of the primitive."""
    def lower(ctx, *operands, **params):
        from numax.transforms.staging import trace_to_jaxpr
        multiple = ctx.primitive.multiple_results

        def flat(*xs):
            out = function(*xs, **params)
            return list(out) if multiple else [out]

        closed, consts = trace_to_jaxpr(flat, list(ctx.avals_in))
        constants = []
        for value in consts:
            value = np.asarray(value)
            constants.append(ctx.constant(value, value.dtype, value.shape))
        outs = ctx.lower_jaxpr_inline(closed, constants + list(operands))
        return outs if multiple else outs[0]
    lower.__name__ = f"lower_{function.__name__.strip('_')}"
    return lower


# ---------------------------------------------------------------- solver kernels

def _lapack(kernel):
    """The LAPACK target of `kernel` for the operand's dtype (`lapack_dgetrf_ffi`)."""
    def target(ctx):
        prefix = _PREFIX[np.dtype(ctx.avals_in[0].dtype).name]
        name = kernel
        if prefix in "cz":
            name = {"syevd": "heevd", "orgqr": "ungqr"}.get(kernel, kernel)
        return f"lapack_{prefix}{name}_ffi"
    return target


def _cusolver(kernel):
    """The cuSOLVER target of `kernel`: one target for every dtype (`cusolver_getrf_ffi`)."""
    return lambda ctx: f"cusolver_{kernel}_ffi"


def _kernel(name, abstract_eval, lower):
    return Primitive(name, abstract_eval=abstract_eval, lower=lower, multiple_results=True,
                     register=False)


def _info(batch):
    return ShapedArray(batch, np.dtype(np.int32))


def _getrf_abstract(x):
    batch, (m, n) = x.shape[:-2], x.shape[-2:]
    return [x.strip_weak_type(), ShapedArray(batch + (min(m, n),), np.dtype(np.int32)),
            _info(batch)]


# getrf, geqrf and orgqr take the same operands, results, layouts and aliases on both
# platforms (pivots 1-based on both); only the target's name differs.
def _getrf_call(target):
    return lambda ctx, x: kernel_call(ctx, target(ctx), [x], ctx.avals_out,
                                      matrices_out=[True, False, False], aliases=[(0, 0)])


getrf_p = _kernel("getrf", _getrf_abstract, by_platform("getrf", {
    "cpu": _getrf_call(_lapack("getrf")), "cuda": _getrf_call(_cusolver("getrf"))}))


def _potrf_abstract(x, *, lower):
    return [x.strip_weak_type(), _info(x.shape[:-2])]


# Only the CPU has a potrf lowering: cholesky uses stablehlo.cholesky elsewhere.
potrf_p = _kernel("potrf", _potrf_abstract, by_platform("potrf", {
    "cpu": lambda ctx, x, *, lower: kernel_call(
        ctx, _lapack("potrf")(ctx), [x], ctx.avals_out,
        attributes={"uplo": char("L" if lower else "U")}, matrices_out=[True, False],
        aliases=[(0, 0)])}, used_by="cholesky"))


def _geqrf_abstract(x):
    batch, (m, n) = x.shape[:-2], x.shape[-2:]
    return [x.strip_weak_type(), ShapedArray(batch + (min(m, n),), x.dtype)]


def _geqrf_call(target):
    return lambda ctx, x: kernel_call(ctx, target(ctx), [x], ctx.avals_out,
                                      matrices_out=[True, False], aliases=[(0, 0)])


geqrf_p = _kernel("geqrf", _geqrf_abstract, by_platform("geqrf", {
    "cpu": _geqrf_call(_lapack("geqrf")), "cuda": _geqrf_call(_cusolver("geqrf"))}))


def _orgqr_call(target):
    return lambda ctx, x, taus: kernel_call(ctx, target(ctx), [x, taus], ctx.avals_out,
                                            matrices_in=[True, False], aliases=[(0, 0)])


orgqr_p = _kernel("orgqr", lambda x, taus: [x.strip_weak_type()], by_platform("orgqr", {
    "cpu": _orgqr_call(_lapack("orgqr")), "cuda": _orgqr_call(_cusolver("orgqr"))}))


def _syevd_abstract(x, *, lower, vectors):
    batch, n = x.shape[:-2], x.shape[-1]
    return [x.strip_weak_type(), ShapedArray(batch + (n,), real_dtype(x.dtype)), _info(batch)]


def _syevd_cusolver(ctx, x, *, lower, vectors):
    # The cuSOLVER kernel always computes the eigenvectors (`vectors` changes nothing);
    # algorithm 0 lets it pick Jacobi (syevj) up to 32x32 and syevd above.
    return kernel_call(ctx, "cusolver_syevd_ffi", [x], ctx.avals_out,
                       attributes={"algorithm": "0 : ui8", "lower": boolean(lower)},
                       matrices_out=[True, False, False], aliases=[(0, 0)])


syevd_p = _kernel("syevd", _syevd_abstract, by_platform("syevd", {
    "cpu": lambda ctx, x, *, lower, vectors: kernel_call(
        ctx, _lapack("syevd")(ctx), [x], ctx.avals_out,
        attributes={"uplo": char("L" if lower else "U"), "mode": char("V" if vectors else "N")},
        matrices_out=[True, False, False], aliases=[(0, 0)]),
    "cuda": _syevd_cusolver}, used_by="eigh"))


def _gesdd_shapes(shape, mode):
    m, n = shape[-2:]
    k = min(m, n)
    if mode == "A":
        return (m, m), (n, n)
    if mode == "S":
        return (m, k), (k, n)
    return (1, 1), (1, 1)  # unused, but LAPACK wants leading dimensions >= 1


def _gesdd_abstract(x, *, mode):
    batch, (m, n) = x.shape[:-2], x.shape[-2:]
    u_shape, vt_shape = _gesdd_shapes(x.shape, mode)
    return [x.strip_weak_type(), ShapedArray(batch + (min(m, n),), real_dtype(x.dtype)),
            ShapedArray(batch + u_shape, x.dtype), ShapedArray(batch + vt_shape, x.dtype),
            _info(batch)]


def _gesvdj_abstract(x, *, full_matrices, compute_uv):
    """cuSOLVER's Jacobi SVD: (a, s, u, v, info), V itself rather than V^H; u and v are
    computed (and must be allocated) even without `compute_uv`."""
    batch, (m, n) = x.shape[:-2], x.shape[-2:]
    k = min(m, n)
    return [x.strip_weak_type(), ShapedArray(batch + (k,), real_dtype(x.dtype)),
            ShapedArray(batch + (m, m if full_matrices else k), x.dtype),
            ShapedArray(batch + (n, n if full_matrices else k), x.dtype), _info(batch)]


gesvdj_p = _kernel("gesvdj", _gesvdj_abstract, by_platform("gesvdj", {
    "cuda": lambda ctx, x, *, full_matrices, compute_uv: kernel_call(
        ctx, "cusolver_gesvdj_ffi", [x], ctx.avals_out,
        attributes={"full_matrices": boolean(full_matrices), "compute_uv": boolean(compute_uv)},
        matrices_out=[True, False, True, True, False], aliases=[(0, 0)])}, used_by="svd"))


def _gesvd_abstract(x, *, full_matrices, compute_uv):
    """cuSOLVER's QR SVD: (a, s, u, vt, info) for m >= n. The kernel takes only m >= n,
    so a wide x goes in row-major, which is x^T column-major, with `transposed` set; its
    u and vt, read back row-major, are then x's vt and u: this returns them in that
    order. Without `compute_uv` u and vt are scalars the kernel never touches."""
    batch, (m, n) = x.shape[:-2], x.shape[-2:]
    k = min(m, n)
    if compute_uv:
        u = ShapedArray(batch + (m, m if full_matrices else k), x.dtype)
        vt = ShapedArray(batch + (n if full_matrices else k, n), x.dtype)
    else:
        u = vt = ShapedArray((), x.dtype)
    first, second = (vt, u) if m < n else (u, vt)
    return [x.strip_weak_type(), ShapedArray(batch + (k,), real_dtype(x.dtype)), first, second,
            _info(batch)]


def _gesvd_cusolver(ctx, x, *, full_matrices, compute_uv):
    m, n = ctx.avals_in[0].shape[-2:]
    transposed = m < n
    matrices = [not transposed, False, not transposed, not transposed, False]
    return kernel_call(ctx, "cusolver_gesvd_ffi", [x], ctx.avals_out,
                       attributes={"full_matrices": boolean(full_matrices),
                                   "compute_uv": boolean(compute_uv),
                                   "transposed": boolean(transposed)},
                       matrices_in=[not transposed], matrices_out=matrices, aliases=[(0, 0)])


gesvd_p = _kernel("gesvd", _gesvd_abstract,
                  by_platform("gesvd", {"cuda": _gesvd_cusolver}, used_by="svd"))

# JAX's choice on CUDA, from NVIDIA's measurements (GTC 2019, S9226): Jacobi up to
# 1024x1024, QR above. Not measured here.
_JACOBI_SVD_LIMIT = 1024
# cuSOLVER's batched Jacobi kernel (matrices up to 32x32) has no economy mode, so small
# matrices are decomposed in full and the reduced factors sliced from it.
_BATCHED_JACOBI_LIMIT = 32


def _gesdd_cusolver(x, *, mode):
    """gesdd's results (U, V^H, shapes by `mode`) from cuSOLVER's SVD kernels."""
    from numax import lax
    aval = get_aval(x)
    batch, (m, n) = aval.shape[:-2], aval.shape[-2:]
    k = min(m, n)
    compute_uv = mode != "N"
    if m <= _JACOBI_SVD_LIMIT and n <= _JACOBI_SVD_LIMIT:
        economy = mode != "A" and m > _BATCHED_JACOBI_LIMIT and n > _BATCHED_JACOBI_LIMIT
        out, s, u, v, info = gesvdj_p.bind(x, full_matrices=not economy, compute_uv=compute_uv)
        vt = adjoint(v)
    else:
        out, s, first, second, info = gesvd_p.bind(x, full_matrices=mode == "A",
                                                   compute_uv=compute_uv)
        u, vt = (second, first) if m < n else (first, second)
    if mode == "N":
        unused = lax.full(batch + (1, 1), 0, aval.dtype)
        return out, s, unused, unused, info
    if mode == "S":
        u, vt = corner(u, m, k), corner(vt, k, n)
    return out, s, u, vt, info


# The SVD kernel: LAPACK gesdd on CPU; on CUDA cuSOLVER's Jacobi or QR SVD, with the
# results brought to gesdd's conventions.
gesdd_p = _kernel("gesdd", _gesdd_abstract, by_platform("gesdd", {
    "cpu": lambda ctx, x, *, mode: kernel_call(
        ctx, _lapack("gesdd")(ctx), [x], ctx.avals_out,
        attributes={"mode": char(mode)}, matrices_out=[True, False, True, True, False],
        aliases=[(0, 0)]),
    "cuda": lower_as(_gesdd_cusolver)}, used_by="svd"))


def _geev_abstract(x, *, left, right):
    batch, n = x.shape[:-2], x.shape[-1]
    vectors = ShapedArray(batch + (n, n), complex_dtype(x.dtype))
    values = [ShapedArray(batch + (n,), x.dtype)]
    if not dtypes.is_complex(x.dtype):
        values = values * 2  # real and imaginary parts
    return values + [vectors, vectors, _info(batch)]


def _geev_lower(ctx, x, *, left, right):
    values = 2 if ctx.avals_out[0].dtype not in (np.complex64, np.complex128) else 1
    return kernel_call(ctx, _lapack("geev")(ctx), [x], ctx.avals_out,
                       attributes={"compute_left": char("V" if left else "N"),
                                   "compute_right": char("V" if right else "N")},
                       matrices_out=[False] * values + [True, True, False])


# eig and schur run only on CPU, as in JAX (no GPU kernel exists for them).
geev_p = _kernel("geev", _geev_abstract, by_platform("geev", {"cpu": _geev_lower},
                                                     used_by="eig"))


def _gees_abstract(x, *, vectors):
    batch, n = x.shape[:-2], x.shape[-1]
    values = [ShapedArray(batch + (n,), x.dtype)]
    if not dtypes.is_complex(x.dtype):
        values = values * 2
    return [x.strip_weak_type(), x.strip_weak_type()] + values + [_info(batch), _info(batch)]


def _gees_lower(ctx, x, *, vectors):
    values = len(ctx.avals_out) - 4
    return kernel_call(ctx, _lapack("gees")(ctx), [x], ctx.avals_out,
                       attributes={"mode": char("V" if vectors else "N"), "sort": char("N")},
                       matrices_out=[True, True] + [False] * values + [False, False],
                       aliases=[(0, 0)])


gees_p = _kernel("gees", _gees_abstract, by_platform("gees", {"cpu": _gees_lower},
                                                     used_by="schur"))


def _trsm_abstract(a, b, *, left_side, lower, transpose, unit_diagonal):
    return [b.strip_weak_type()]


def _native_cholesky_lower(ctx, x):
    return [ctx.op("stablehlo.cholesky", [x], attributes={"lower": "true"})]


native_cholesky_p = _kernel("native_cholesky", lambda x: [x.strip_weak_type()],
                            _native_cholesky_lower)


def _native_triangular_solve_lower(ctx, a, b, *, left_side, lower, transpose, unit_diagonal):
    mode = {"N": "NO_TRANSPOSE", "T": "TRANSPOSE", "C": "ADJOINT"}[transpose]
    return [ctx.op("stablehlo.triangular_solve", [a, b], attributes={
        "left_side": boolean(left_side), "lower": boolean(lower),
        "unit_diagonal": boolean(unit_diagonal),
        "transpose_a": f"#stablehlo<transpose {mode}>"})]


native_triangular_solve_p = _kernel("native_triangular_solve", _trsm_abstract,
                                    _native_triangular_solve_lower)
