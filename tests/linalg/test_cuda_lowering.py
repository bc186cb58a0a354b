"""The CUDA lowerings of the decompositions, checked on a machine without a GPU.

Each public decomposition is lowered for platform "cuda" and every cuSOLVER custom call
in the module text is checked against the calling convention of jaxlib's GPU solver FFI
handlers (jax-ml/jax jaxlib/gpu/solver_kernels_ffi.cc: operand/result order, attribute
names and types, shape checks; the layouts, attribute spellings and aliases as they
appear in JAX's serialized CUDA test modules,
jax/_src/internal_test_util/export_back_compat_test_data/cuda_*.py). The module must
parse with jaxlib's MLIR parser. The conversions that bring cuSOLVER's SVD results to
gesdd's conventions are also run on the CPU, with each cuSOLVER kernel simulated from
its documented contract, and compared with NumPy.
"""

import re

import numpy as np
import pytest

import numax
from numax.core.primitive import Primitive
from numax.lax import _matrix, linalg
from numax.lowering.custom_call import UnsupportedPlatformError, by_platform
from numax.lowering.jaxpr_lowering import lower_module
from numax.runtime.callbacks import parse_module
from numax.transforms.ad import get_aval
from tests.linalg._linalg_checks import rand, x64  # noqa: F401  (x64 is an autouse fixture)

# minor_to_major of a column-major matrix stack, and of a row-major array, by rank
# (as in the serialized modules: dense<[0, 1]>, dense<[1, 2, 0]>, dense<[2, 1, 0]>, ...).
COLUMN_MAJOR = {2: [0, 1], 3: [1, 2, 0], 4: [2, 3, 1, 0]}
ROW_MAJOR = {0: [], 1: [0], 2: [1, 0], 3: [2, 1, 0]}
ELEMENT = {np.float32: "f32", np.float64: "f64", np.complex64: "complex<f32>",
           np.complex128: "complex<f64>", np.int32: "i32"}


def tensor(shape, dtype):
    return "tensor<" + "".join(f"{d}x" for d in shape) + ELEMENT[dtype] + ">"


def _layouts(text):
    out = []
    for body in re.findall(r"dense<([^>]*)> : tensor<\d+xindex>", text):
        body = body.strip("[]")
        out.append([int(v) for v in body.split(",")] if body else [])
    return out


def custom_calls(text):
    """Each custom call in module text: target, attributes, layouts, aliases, types."""
    calls = []
    for line in text.splitlines():
        if '"stablehlo.custom_call"' not in line:
            continue
        attributes, signature = re.search(r"\{(call_target_name.*)\} : \((.*)$", line).groups()
        operand_types, result_types = signature.split(") -> ")
        config = re.search(r"backend_config = \{([^}]*)\}", attributes).group(1)
        calls.append(dict(
            target=re.search(r'call_target_name = "([^"]+)"', attributes).group(1),
            api_version=re.search(r"api_version = (\d+)", attributes).group(1),
            config=dict(item.split(" = ") for item in config.split(", ") if item),
            operand_layouts=_layouts(re.search(r"operand_layouts = \[(.*?)\], result_layouts",
                                               attributes).group(1)),
            result_layouts=_layouts(re.search(r"result_layouts = \[(.*?)\](, output|$)",
                                              attributes).group(1)),
            aliases=re.findall(r"output_tuple_indices = \[(\d*)\], operand_index = (\d+)",
                               attributes),
            operand_types=re.findall(r"tensor<[^>]*>+", operand_types),
            result_types=re.findall(r"tensor<[^>]*>+", result_types)))
    return calls


def cuda_module(f, *args):
    text = lower_module(numax.make_jaxpr(f)(*args), platform="cuda").text
    parse_module(text)  # raises on text jaxlib's MLIR parser rejects
    return text


def only_call(f, x, target):
    calls = [c for c in custom_calls(cuda_module(f, x)) if c["target"] == target]
    assert len(calls) == 1, [c["target"] for c in custom_calls(cuda_module(f, x))]
    call = calls[0]
    assert call["api_version"] == "4"
    return call


DTYPES = [np.float32, np.float64, np.complex64, np.complex128]
SHAPES = [(3, 3), (2, 4, 3), (2, 1, 3, 5)]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", SHAPES)
def test_lu_calls_getrf(shape, dtype):
    x = rand(shape, dtype)
    batch, (m, n) = shape[:-2], shape[-2:]
    call = only_call(linalg.lu, x, "cusolver_getrf_ffi")
    assert call["config"] == {}
    assert call["operand_types"] == [tensor(shape, dtype)]
    assert call["result_types"] == [tensor(shape, dtype), tensor(batch + (min(m, n),), np.int32),
                                    tensor(batch, np.int32)]
    rank = len(shape)
    assert call["operand_layouts"] == [COLUMN_MAJOR[rank]]
    assert call["result_layouts"] == [COLUMN_MAJOR[rank], ROW_MAJOR[rank - 1],
                                      ROW_MAJOR[rank - 2]]
    assert call["aliases"] == [("0", "0")]


def test_lu_pivots_are_made_zero_based():
    # cuSOLVER's pivots are 1-based, as LAPACK's: the program subtracts one from them.
    text = cuda_module(linalg.lu, rand((3, 3)))
    pivots = re.search(r'(%\d+):3 = "stablehlo.custom_call"', text).group(1) + "#1"
    assert re.search(rf'"stablehlo.subtract"\({pivots}, %\d+\)', text)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape,full", [((4, 3), True), ((4, 3), False), ((3, 5), True),
                                        ((2, 5, 3), False)])
def test_qr_calls_geqrf_and_orgqr(shape, full, dtype):
    x = rand(shape, dtype)
    batch, (m, n) = shape[:-2], shape[-2:]
    k = min(m, n)
    rank = len(shape)
    f = lambda a: linalg.qr(a, full_matrices=full)  # noqa: E731
    geqrf = only_call(f, x, "cusolver_geqrf_ffi")
    assert geqrf["config"] == {}
    assert geqrf["result_types"] == [tensor(shape, dtype), tensor(batch + (k,), dtype)]
    assert geqrf["operand_layouts"] == [COLUMN_MAJOR[rank]]
    assert geqrf["result_layouts"] == [COLUMN_MAJOR[rank], ROW_MAJOR[rank - 1]]
    assert geqrf["aliases"] == [("0", "0")]
    orgqr = only_call(f, x, "cusolver_orgqr_ffi")
    q_shape = batch + (m, m if full and m > n else k)
    assert orgqr["operand_types"] == [tensor(q_shape, dtype), tensor(batch + (k,), dtype)]
    assert orgqr["result_types"] == [tensor(q_shape, dtype)]
    assert orgqr["operand_layouts"] == [COLUMN_MAJOR[rank], ROW_MAJOR[rank - 1]]
    assert orgqr["result_layouts"] == [COLUMN_MAJOR[rank]]
    assert orgqr["aliases"] == [("", "0")]  # one result: an empty tuple index


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("lower", [True, False])
@pytest.mark.parametrize("shape", [(3, 3), (2, 4, 4)])
def test_eigh_calls_syevd(shape, lower, dtype):
    x = rand(shape, dtype)
    batch, n = shape[:-2], shape[-1]
    rank = len(shape)
    call = only_call(lambda a: linalg.eigh(a, lower=lower), x, "cusolver_syevd_ffi")
    assert call["config"] == {"algorithm": "0 : ui8", "lower": str(lower).lower()}
    real = np.float32 if dtype in (np.float32, np.complex64) else np.float64
    assert call["result_types"] == [tensor(shape, dtype), tensor(batch + (n,), real),
                                    tensor(batch, np.int32)]
    assert call["operand_layouts"] == [COLUMN_MAJOR[rank]]
    assert call["result_layouts"] == [COLUMN_MAJOR[rank], ROW_MAJOR[rank - 1],
                                      ROW_MAJOR[rank - 2]]
    assert call["aliases"] == [("0", "0")]


def _svd(full, uv):
    return lambda a: linalg.svd(a, full_matrices=full, compute_uv=uv)


@pytest.mark.parametrize("dtype", [np.float32, np.complex64])
@pytest.mark.parametrize("shape", [(4, 3), (3, 5), (2, 4, 4), (40, 36)])
@pytest.mark.parametrize("full,uv", [(True, True), (False, True), (False, False)])
def test_svd_up_to_1024_calls_jacobi(shape, full, uv, dtype):
    x = rand(shape, dtype)
    batch, (m, n) = shape[:-2], shape[-2:]
    k = min(m, n)
    rank = len(shape)
    call = only_call(_svd(full, uv), x, "cusolver_gesvdj_ffi")
    # the economy mode only where the batched kernel (up to 32x32) would not apply
    economy = not full and m > 32 and n > 32
    assert call["config"] == {"full_matrices": str(not economy).lower(),
                              "compute_uv": str(uv).lower()}
    real = np.float32
    # u and v are allocated even without compute_uv; v is V, not V^H
    assert call["result_types"] == [
        tensor(shape, dtype), tensor(batch + (k,), real),
        tensor(batch + (m, k if economy else m), dtype),
        tensor(batch + (n, k if economy else n), dtype), tensor(batch, np.int32)]
    assert call["operand_layouts"] == [COLUMN_MAJOR[rank]]
    assert call["result_layouts"] == [COLUMN_MAJOR[rank], ROW_MAJOR[rank - 1],
                                      COLUMN_MAJOR[rank], COLUMN_MAJOR[rank],
                                      ROW_MAJOR[rank - 2]]
    assert call["aliases"] == [("0", "0")]


@pytest.mark.parametrize("shape", [(1030, 4), (4, 1030), (2, 1030, 3)])
@pytest.mark.parametrize("full,uv", [(True, True), (False, True), (False, False)])
def test_svd_above_1024_calls_qr_gesvd(shape, full, uv):
    x = np.zeros(shape, np.float32)
    batch, (m, n) = shape[:-2], shape[-2:]
    k = min(m, n)
    rank = len(shape)
    call = only_call(_svd(full, uv), x, "cusolver_gesvd_ffi")
    transposed = m < n  # the kernel takes m >= n only
    assert call["config"] == {"full_matrices": str(full and uv).lower(),
                              "compute_uv": str(uv).lower(),
                              "transposed": str(transposed).lower()}
    if uv:
        u = batch + (m, m if full else k)
        vt = batch + (n if full else k, n)
        # transposed, the kernel's u is x's vt and its vt is x's u
        slots = [vt, u] if transposed else [u, vt]
        slot_types = [tensor(s, np.float32) for s in slots]
    else:
        slot_types = [tensor((), np.float32)] * 2  # never touched by the kernel
    assert call["result_types"] == [tensor(shape, np.float32),
                                    tensor(batch + (k,), np.float32), *slot_types,
                                    tensor(batch, np.int32)]
    matrix = ROW_MAJOR[rank] if transposed else COLUMN_MAJOR[rank]
    slot_layouts = [matrix] * 2 if uv else [[], []]
    assert call["operand_layouts"] == [matrix]
    assert call["result_layouts"] == [matrix, ROW_MAJOR[rank - 1], *slot_layouts,
                                      ROW_MAJOR[rank - 2]]
    assert call["aliases"] == [("0", "0")]


def test_cholesky_and_triangular_solve_use_native_ops_on_cuda():
    a = np.tril(rand((3, 3))) + 3 * np.eye(3)
    for f, op in [(linalg.cholesky, "stablehlo.cholesky"),
                  (lambda x: linalg.triangular_solve(x, x, left_side=True, lower=True),
                   "stablehlo.triangular_solve")]:
        text = cuda_module(f, a)
        assert f'"{op}"' in text
        assert not custom_calls(text)


def test_lu_solve_inv_det_lower_for_cuda():
    import numax.numpy as jnp
    a = rand((2, 3, 3))
    for f in (jnp.linalg.inv, jnp.linalg.det, lambda x: jnp.linalg.solve(x, x[..., :1])):
        assert [c["target"] for c in custom_calls(cuda_module(f, a))] == ["cusolver_getrf_ffi"]


@pytest.mark.parametrize("f,kernel,public", [(linalg.eig, "geev", "eig"),
                                             (linalg.schur, "gees", "schur")])
def test_eig_and_schur_say_they_run_only_on_cpu(f, kernel, public):
    jaxpr = numax.make_jaxpr(f)(np.eye(2))
    with pytest.raises(UnsupportedPlatformError,
                       match=rf"the {kernel} kernel \(used by {public}\) runs only on CPU; "
                             r"this program is compiled for 'cuda'.*devices\('cpu'\)"):
        lower_module(jaxpr, platform="cuda")


def test_a_platform_without_kernels_gets_a_clear_error():
    jaxpr = numax.make_jaxpr(linalg.lu)(np.eye(2))
    with pytest.raises(UnsupportedPlatformError, match=r"getrf kernel runs only on "
                                                       r"\['cpu', 'cuda'\].*'rocm'"):
        lower_module(jaxpr, platform="rocm")


# ---------------------------------------------------------------- the SVD conversions, run

# LAPACK's gesdd under another name, so the simulations still reach it while the SVD
# kernel itself is switched to its CUDA path.
_lapack_gesdd = Primitive("reference_gesdd", abstract_eval=_matrix.gesdd_p.abstract_eval,
                          lower=_matrix.gesdd_p.lower, multiple_results=True, register=False)


def _simulated_gesvdj(x, *, full_matrices, compute_uv):
    """What cusolver gesvdj returns, made from LAPACK's SVD: V itself, not V^H."""
    out, s, u, vt, info = _lapack_gesdd.bind(x, mode="A" if full_matrices else "S")
    return out, s, u, _matrix.adjoint(vt), info


def _simulated_gesvd(x, *, full_matrices, compute_uv):
    """What cusolver gesvd returns. Wide x arrives row-major, i.e. as x^T column-major
    (not conjugated); the kernel decomposes that, and its column-major u and vt are read
    back row-major, i.e. transposed."""
    m, n = get_aval(x).shape[-2:]
    if not compute_uv:
        out, s, _, _, info = _lapack_gesdd.bind(x, mode="N")
        zero = numax.lax.full((), 0, x.dtype)
        return out, s, zero, zero, info
    mode = "A" if full_matrices else "S"
    if m >= n:
        return tuple(_lapack_gesdd.bind(x, mode=mode))
    _, s, u, vt, info = _lapack_gesdd.bind(_matrix.swap(x), mode=mode)
    return x, s, _matrix.swap(u), _matrix.swap(vt), info


@pytest.mark.parametrize("shape", [(4, 3), (3, 5), (2, 3, 4), (40, 36), (36, 40), (1030, 3),
                                   (3, 1030), (2, 3, 1030)])
@pytest.mark.parametrize("dtype", [np.float64, np.complex128])
@pytest.mark.parametrize("full,uv", [(True, True), (False, True), (False, False)])
def test_svd_conversions_from_simulated_cusolver_kernels(monkeypatch, shape, dtype, full, uv):
    # On CPU, the SVD kernel takes its CUDA path, over CPU simulations of the two kernels.
    simulated = {"gesvdj": _simulated_gesvdj, "gesvd": _simulated_gesvd}
    for name, function in simulated.items():
        primitive = getattr(_matrix, f"{name}_p")
        monkeypatch.setattr(primitive, "lower", by_platform(name, {"cpu": _matrix.lower_as(
            function)}))
    monkeypatch.setattr(_matrix.gesdd_p, "lower", by_platform("gesdd", {
        "cpu": _matrix.lower_as(_matrix._gesdd_cusolver)}))
    x = rand(shape, dtype, seed=3)
    out = numax.jit(lambda a: linalg.svd(a, full_matrices=full, compute_uv=uv))(x)
    want = np.linalg.svd(x, full_matrices=full, compute_uv=uv)
    if not uv:
        np.testing.assert_allclose(np.asarray(out), want, rtol=1e-10, atol=1e-10)
        return
    u, s, vh = (np.asarray(v) for v in out)
    assert u.shape == want[0].shape and vh.shape == want[2].shape
    np.testing.assert_allclose(s, want[1], rtol=1e-10, atol=1e-10)
    k = s.shape[-1]
    rebuilt = (u[..., :, :k] * s[..., None, :]) @ vh[..., :k, :]
    np.testing.assert_allclose(rebuilt, x, rtol=1e-9, atol=1e-9)
    for q in (u, np.conj(np.swapaxes(vh, -1, -2))):
        eye = np.broadcast_to(np.eye(q.shape[-1]), q.shape[:-2] + (q.shape[-1],) * 2)
        np.testing.assert_allclose(np.conj(np.swapaxes(q, -1, -2)) @ q, eye, atol=1e-9)
