"""dot_general, dot and batch_matmul against np.einsum; Precision; dtype and error rules."""

import numpy as np
import pytest

import numax
from numax import lax
from numax.core import dtypes
from numax.core.config import config
from numax.core.errors import NumaxTypeError

rng = np.random.default_rng(1234)


def _rand(shape, dtype="float32"):
    dtype = np.dtype(dtype)
    if dtype.kind in "iu":
        return rng.integers(-8 if dtype.kind == "i" else 0, 8, size=shape).astype(dtype)
    if dtype.kind == "b":
        return rng.random(shape) < 0.5
    if dtype.kind == "c":
        return (rng.standard_normal(shape) + 1j * rng.standard_normal(shape)).astype(dtype)
    return rng.standard_normal(shape).astype(dtype)


_LETTERS = "abcdefghijklmnopqrstuvwxyz"


def einsum_reference(lhs, rhs, dimension_numbers):
    """dot_general written as an einsum: batch axes first, then lhs free, then rhs free."""
    (lc, rc), (lb, rb) = dimension_numbers
    letters = iter(_LETTERS)
    lhs_sub = [next(letters) for _ in range(lhs.ndim)]
    rhs_sub = [next(letters) for _ in range(rhs.ndim)]
    for l, r in zip(lc + lb, rc + rb):
        rhs_sub[r] = lhs_sub[l]
    out = [lhs_sub[d] for d in lb]
    out += [lhs_sub[d] for d in range(lhs.ndim) if d not in lc and d not in lb]
    out += [rhs_sub[d] for d in range(rhs.ndim) if d not in rc and d not in rb]
    spec = f"{''.join(lhs_sub)},{''.join(rhs_sub)}->{''.join(out)}"
    return np.einsum(spec, lhs, rhs)


def _wide(x):
    """Exact-ish reference inputs: float64/complex128/int64 versions of x."""
    kind = np.asarray(x).dtype.kind
    return np.asarray(x, {"f": np.float64, "c": np.complex128, "b": np.int64,
                          "i": np.int64, "u": np.int64}[kind] if kind != "V" else np.float64)


CASES = [
    ((3, 4), (4, 5), (((1,), (0,)), ((), ()))),                 # matmul
    ((4,), (4,), (((0,), (0,)), ((), ()))),                     # inner product
    ((3, 4), (4,), (((1,), (0,)), ((), ()))),                   # matrix-vector
    ((4, 3), (4, 5), (((0,), (0,)), ((), ()))),                 # lhs transposed
    ((2, 3, 4), (2, 4, 5), (((2,), (1,)), ((0,), (0,)))),       # batched matmul
    ((3, 2, 4), (5, 4, 2), (((2,), (1,)), ((1,), (2,)))),       # batch axes not leading
    ((2, 3, 4, 5), (4, 2, 5, 6), (((2, 3), (0, 2)), ((0,), (1,)))),  # two contracting axes
    ((2, 3, 4), (3, 2, 4), (((), ()), ((0, 1), (1, 0)))),       # only batch axes (elementwise)
    ((2, 3), (4,), (((), ()), ((), ()))),                       # outer product
    ((), (3,), (((), ()), ((), ()))),                           # scalar operand
    ((0, 4), (4, 5), (((1,), (0,)), ((), ()))),                 # empty free axis
    ((3, 0), (0, 5), (((1,), (0,)), ((), ()))),                 # empty contraction -> zeros
]


@pytest.mark.parametrize("lhs_shape,rhs_shape,numbers", CASES)
@pytest.mark.parametrize("dtype", ["float32", "int32", "complex64"])
def test_dot_general_matches_einsum(lhs_shape, rhs_shape, numbers, dtype):
    lhs, rhs = _rand(lhs_shape, dtype), _rand(rhs_shape, dtype)
    out = lax.dot_general(lhs, rhs, numbers)
    expected = einsum_reference(_wide(lhs), _wide(rhs), numbers)
    assert out.shape == expected.shape and out.dtype == np.dtype(dtype)
    np.testing.assert_allclose(np.asarray(out), expected.astype(dtype), rtol=1e-5, atol=1e-5)


def test_dot_general_under_jit_and_lists():
    lhs, rhs = _rand((2, 3, 4)), _rand((2, 4, 5))
    out = numax.jit(lambda a, b: lax.dot_general(a, b, [[[2], [1]], [[0], [0]]]))(lhs, rhs)
    np.testing.assert_allclose(np.asarray(out), np.einsum("bij,bjk->bik", lhs, rhs), rtol=1e-5)


def test_dot_general_float64():
    with numax.core.config.enable_x64():
        lhs, rhs = _rand((5, 7), "float64"), _rand((7, 3), "float64")
        out = lax.dot_general(numax.array.from_host(lhs), numax.array.from_host(rhs),
                              (((1,), (0,)), ((), ())))
        assert out.dtype == np.float64
        np.testing.assert_allclose(np.asarray(out), lhs @ rhs, rtol=1e-13)


def test_int8_preferred_int32_does_not_overflow():
    lhs = np.full((2, 64), 100, np.int8)
    rhs = np.full((64, 3), 100, np.int8)
    out = lax.dot(lhs, rhs, preferred_element_type=np.int32)
    assert out.dtype == np.int32
    np.testing.assert_array_equal(np.asarray(out), lhs.astype(np.int64) @ rhs.astype(np.int64))


def test_int8_default_result_wraps_like_int8():
    lhs, rhs = _rand((3, 5), "int8"), _rand((5, 2), "int8")
    out = lax.dot(lhs, rhs)
    assert out.dtype == np.int8
    expected = (lhs.astype(np.int64) @ rhs.astype(np.int64)).astype(np.int8)  # two's complement
    np.testing.assert_array_equal(np.asarray(out), expected)


def test_bfloat16_preferred_float32_accumulates_in_float32():
    lhs = _rand((4, 256), dtypes.bfloat16)
    rhs = _rand((256, 3), dtypes.bfloat16)
    out = lax.dot_general(lhs, rhs, (((1,), (0,)), ((), ())), preferred_element_type=np.float32)
    assert out.dtype == np.float32
    expected = lhs.astype(np.float64) @ rhs.astype(np.float64)
    np.testing.assert_allclose(np.asarray(out), expected, rtol=1e-5, atol=1e-4)
    plain = lax.dot(lhs, rhs)
    assert plain.dtype == dtypes.bfloat16


def test_float32_preferred_narrower_float_is_allowed():
    lhs, rhs = _rand((3, 4)), _rand((4, 2))
    out = lax.dot(lhs, rhs, preferred_element_type=np.float16)
    assert out.dtype == np.float16
    np.testing.assert_allclose(np.asarray(out).astype(np.float64), lhs @ rhs, rtol=2e-3,
                               atol=2e-3)


def test_mixed_input_dtypes_take_the_higher_precision_type():
    lhs, rhs = _rand((3, 4), "int8"), _rand((4, 2), "float32")
    out = lax.dot(lhs, rhs)
    assert out.dtype == np.float32
    np.testing.assert_allclose(np.asarray(out), lhs.astype(np.float64) @ rhs, rtol=1e-5)


def test_bool_dot_is_or_of_ands():
    lhs, rhs = _rand((3, 4), "bool"), _rand((4, 5), "bool")
    out = lax.dot(lhs, rhs)
    assert out.dtype == np.bool_
    np.testing.assert_array_equal(np.asarray(out), (lhs.astype(int) @ rhs.astype(int)) > 0)


def test_weak_type_only_when_both_operands_weak():
    weak = numax.array.from_host(np.ones((2, 2), np.float32), weak_type=True)
    strong = np.ones((2, 2), np.float32)
    assert lax.dot(weak, weak).aval.weak_type
    assert not lax.dot(weak, strong).aval.weak_type


def test_dot_shapes():
    m, v = _rand((3, 4)), _rand((4,))
    np.testing.assert_allclose(np.asarray(lax.dot(m, v)), m @ v, rtol=1e-5)
    np.testing.assert_allclose(np.asarray(lax.dot(v[:3], m)), v[:3] @ m, rtol=1e-5)
    np.testing.assert_allclose(np.asarray(lax.dot(v, v)), v @ v, rtol=1e-5)
    assert lax.dot(v, v).shape == ()


@pytest.mark.parametrize("shapes", [((3, 4), (5, 6)), ((2, 3, 4), (4, 5)), ((), (3,))])
def test_dot_rejects_incompatible_shapes(shapes):
    with pytest.raises(TypeError, match="Incompatible shapes for dot"):
        lax.dot(np.ones(shapes[0], np.float32), np.ones(shapes[1], np.float32))


def test_batch_matmul():
    lhs, rhs = _rand((2, 3, 4, 5)), _rand((2, 3, 5, 6))
    out = lax.batch_matmul(lhs, rhs)
    np.testing.assert_allclose(np.asarray(out), lhs.astype(np.float64) @ rhs, rtol=1e-5,
                               atol=1e-5)
    with pytest.raises(ValueError, match="same rank"):
        lax.batch_matmul(_rand((3, 4, 5)), _rand((5, 6)))
    with pytest.raises(NumaxTypeError, match="batch dimensions must have equal sizes"):
        lax.batch_matmul(_rand((2, 4, 5)), _rand((3, 5, 6)))


# ---------------------------------------------------------------- precision

@pytest.mark.parametrize("value,member", [
    ("default", "DEFAULT"), ("bfloat16", "DEFAULT"), ("fastest", "DEFAULT"),
    ("high", "HIGH"), ("tensorfloat32", "HIGH"), ("highest", "HIGHEST"),
    ("float32", "HIGHEST"), ("HIGHEST", "HIGHEST")])
def test_precision_from_string(value, member):
    assert lax.Precision(value) is lax.Precision[member]


def _staged_precision(precision):
    jaxpr = numax.make_jaxpr(lambda a, b: lax.dot(a, b, precision=precision))(
        np.ones((2, 2), np.float32), np.ones((2, 2), np.float32))
    (eqn,) = jaxpr.jaxpr.eqns
    return eqn.params["precision"]


def test_precision_canonical_forms():
    P = lax.Precision
    assert _staged_precision(None) is None
    assert _staged_precision("highest") == (P.HIGHEST, P.HIGHEST)
    assert _staged_precision(P.HIGH) == (P.HIGH, P.HIGH)
    assert _staged_precision(("bfloat16", P.HIGHEST)) == (P.DEFAULT, P.HIGHEST)
    with pytest.raises(ValueError, match="precision 'fast' is not understood"):
        lax.dot(np.ones(2, np.float32), np.ones(2, np.float32), precision="fast")


def test_precision_lowers_to_precision_config():
    text = numax.jit(lambda a, b: lax.dot(a, b, precision=("high", "highest"))).lower(
        np.ones((2, 2), np.float32), np.ones((2, 2), np.float32)).as_text()
    assert "[#stablehlo<precision HIGH>, #stablehlo<precision HIGHEST>]" in text


def test_default_matmul_precision_config_is_respected():
    P = lax.Precision
    with config.override("jax_default_matmul_precision", "float32"):
        assert _staged_precision(None) == (P.HIGHEST, P.HIGHEST)
        text = numax.jit(lambda a, b: lax.dot(a, b)).lower(
            np.ones((2, 2), np.float32), np.ones((2, 2), np.float32)).as_text()
        assert "#stablehlo<precision HIGHEST>" in text
        assert _staged_precision("bfloat16") == (P.DEFAULT, P.DEFAULT)  # explicit wins
    assert _staged_precision(None) is None


# ---------------------------------------------------------------- errors

def _expect_type_error(match, lhs_shape, rhs_shape, numbers, **kwargs):
    with pytest.raises(NumaxTypeError, match=match):
        lax.dot_general(np.ones(lhs_shape, np.float32), np.ones(rhs_shape, np.float32), numbers,
                        **kwargs)


def test_mismatched_contracting_sizes():
    _expect_type_error(r"contracting dimensions must have equal sizes.*\(4,\).*\(5,\)",
                       (3, 4), (5, 6), (((1,), (0,)), ((), ())))


def test_bad_dimension_numbers():
    _expect_type_error(r"lhs dimension numbers must be axes of the lhs \(rank 2",
                       (3, 4), (4, 5), (((2,), (0,)), ((), ())))
    _expect_type_error("rhs dimension numbers", (3, 4), (4, 5), (((1,), (-1,)), ((), ())))
    _expect_type_error("same number of contracting", (3, 4), (4, 5), (((1,), (0, 1)), ((), ())))
    _expect_type_error("same number of batch", (2, 3, 4), (2, 4, 5), (((2,), (1,)), ((0,), ())))
    _expect_type_error("must all be distinct", (3, 4), (4, 3), (((1,), (0,)), ((1,), (1,))))
    with pytest.raises(TypeError, match=r"dimension_numbers must be \(\(lhs_contracting"):
        lax.dot_general(np.ones((3, 4)), np.ones((4, 5)), ((1,), (0,)))


def test_dtype_errors():
    with pytest.raises(NumaxTypeError, match="preferred_element_type int8 is narrower"):
        lax.dot(np.ones((2, 2), np.int32), np.ones((2, 2), np.int32),
                preferred_element_type=np.int8)
