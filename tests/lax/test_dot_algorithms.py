"""Dot algorithms (precision=DotAlgorithm/DotAlgorithmPreset) and result accuracy
(accuracy=AccuracyMode/Tolerance), against NumPy models of what each one computes."""

import ml_dtypes
import numpy as np
import pytest

import numax
from numax import lax
from numax.lax import AccuracyMode, DotAlgorithm, DotAlgorithmPreset, Tolerance
from numax.test_util import check_grads

P = DotAlgorithmPreset
RNG = np.random.default_rng(0)
X = RNG.standard_normal((6, 32)).astype(np.float32)
Y = RNG.standard_normal((32, 5)).astype(np.float32)

# Preset -> (operand type the storage rule picks for float32 operands, accumulation type).
# On XLA's CPU backend the primitive-dot precision (bf16, tf32) is a request it exceeds.
RUNNABLE = {
    P.F16_F16_F16: (np.float16, np.float16),
    P.F16_F16_F32: (np.float16, np.float32),
    P.BF16_BF16_BF16: (np.float32, ml_dtypes.bfloat16),
    P.BF16_BF16_F32: (np.float32, np.float32),
    P.BF16_BF16_F32_X3: (np.float32, np.float32),
    P.BF16_BF16_F32_X6: (np.float32, np.float32),
    P.BF16_BF16_F32_X9: (np.float32, np.float32),
    P.TF32_TF32_F32: (np.float32, np.float32),
    P.TF32_TF32_F32_X3: (np.float32, np.float32),
    P.F32_F32_F32: (np.float32, np.float32),
    P.F64_F64_F64: (np.float64, np.float64),
}


def _tolerance(dtype, n):
    return 2 * n * float(ml_dtypes.finfo(dtype).eps)


@pytest.mark.parametrize("preset", list(RUNNABLE), ids=str)
def test_preset_matches_rounded_numpy(preset):
    storage, accumulation = RUNNABLE[preset]
    exact = X.astype(storage).astype(np.float64) @ Y.astype(storage).astype(np.float64)
    out = numax.jit(lambda a, b: lax.dot(a, b, precision=preset))(X, Y)
    assert out.dtype == np.float32
    scale = np.abs(X.astype(np.float64)) @ np.abs(Y.astype(np.float64))
    bound = _tolerance(accumulation, X.shape[1]) * scale + _tolerance(np.float32, 1) * np.abs(exact)
    assert np.all(np.abs(np.asarray(out, np.float64) - exact) <= bound)


def test_bf16_operands_accumulate_in_float32():
    xb, yb = X.astype(ml_dtypes.bfloat16), Y.astype(ml_dtypes.bfloat16)
    reference = xb.astype(np.float32) @ yb.astype(np.float32)
    out = lax.dot(xb, yb, precision="BF16_BF16_F32", preferred_element_type=np.float32)
    np.testing.assert_allclose(np.asarray(out), reference, rtol=1e-6, atol=1e-5)
    # A bfloat16 result is the float32 sum rounded once (not a bfloat16 accumulation).
    out16 = lax.dot(xb, yb, precision=P.BF16_BF16_F32)
    assert out16.dtype == ml_dtypes.bfloat16
    np.testing.assert_array_equal(np.asarray(out16).astype(np.float32),
                                  reference.astype(ml_dtypes.bfloat16).astype(np.float32))


def test_f32_algorithm_matches_float32_numpy_and_converts_other_operands():
    np.testing.assert_allclose(np.asarray(lax.dot(X, Y, precision=P.F32_F32_F32)), X @ Y,
                               rtol=1e-5, atol=1e-5)
    a = RNG.integers(-5, 5, (3, 4)).astype(np.int32)
    b = RNG.integers(-5, 5, (4, 2)).astype(np.int32)
    out = lax.dot(a, b, precision=P.F32_F32_F32)
    assert out.dtype == np.int32
    np.testing.assert_array_equal(np.asarray(out), a @ b)


def test_lowering_states_the_algorithm():
    text = numax.jit(lambda a, b: lax.dot(a, b, precision=P.BF16_BF16_F32_X3)).lower(X, Y).as_text()
    assert ("algorithm = #stablehlo.dot_algorithm<lhs_precision_type = bf16, rhs_precision_type "
            "= bf16, accumulation_type = f32, lhs_component_count = 1, rhs_component_count = 1, "
            "num_primitive_operations = 3, allow_imprecise_accumulation = false>") in text
    text = numax.jit(lambda a, b: lax.dot(a, b, precision=P.TF32_TF32_F32)).lower(X, Y).as_text()
    assert "lhs_precision_type = tf32" in text
    assert "algorithm" not in numax.jit(lax.dot).lower(X, Y).as_text()


def test_explicit_dot_algorithm():
    algorithm = DotAlgorithm(np.float32, np.float32, np.float32, num_primitive_operations=1)
    out = numax.jit(lambda a, b: lax.dot_general(a, b, (((1,), (0,)), ((), ())),
                                                 precision=algorithm))(X, Y)
    np.testing.assert_allclose(np.asarray(out), X @ Y, rtol=1e-5, atol=1e-5)
    text = numax.jit(lambda a, b: lax.dot(a, b, precision=DotAlgorithm(
        "tf32", "tf32", "float32", allow_imprecise_accumulation=True))).lower(X, Y).as_text()
    assert "lhs_precision_type = tf32" in text and "allow_imprecise_accumulation = true" in text


def test_default_preset_is_default_precision():
    expected = numax.make_jaxpr(lambda a, b: lax.dot(a, b, precision="default"))(X, Y)
    for precision in (P.DEFAULT, "DEFAULT"):
        got = numax.make_jaxpr(lambda a, b: lax.dot(a, b, precision=precision))(X, Y)
        assert str(got) == str(expected)


def test_preset_names_and_config_default():
    jaxpr = numax.make_jaxpr(lambda a, b: lax.dot(a, b, precision="bf16_bf16_f32"))(X, Y)
    assert "precision=BF16_BF16_F32" in str(jaxpr)
    with numax.default_matmul_precision("F32_F32_F32"):
        jaxpr = numax.make_jaxpr(lambda a, b: lax.dot(a, b))(X, Y)
    assert "precision=F32_F32_F32" in str(jaxpr)


def test_bad_requests_raise():
    with pytest.raises(ValueError, match="not understood"):
        lax.dot(X, Y, precision="BF17_BF16_F32")
    with pytest.raises(ValueError, match="not understood"):
        lax.dot(X, Y, precision=(P.BF16_BF16_F32, P.BF16_BF16_F32))
    with pytest.raises(TypeError, match="requires float8 operands"):
        lax.dot(X, Y, precision=P.ANY_F8_ANY_F8_F32)
    with pytest.raises(TypeError, match="reads real operands"):
        lax.dot(X.astype(np.complex64), Y.astype(np.complex64), precision=P.F32_F32_F32)
    with pytest.raises(ValueError, match="num_primitive_operations"):
        lax.dot(X, Y, precision=DotAlgorithm(np.float32, np.float32, np.float32, 1, 1, 0))
    with pytest.raises(ValueError, match="lhs_precision_type"):
        lax.dot(X, Y, precision=DotAlgorithm(np.int32, np.float32, np.float32))


def test_transformations_keep_the_algorithm():
    f = lambda a, b: lax.dot(a, b, precision=P.BF16_BF16_F32).sum() ** 2  # noqa: E731
    jaxpr = str(numax.make_jaxpr(numax.grad(f, argnums=(0, 1)))(X, Y))
    assert jaxpr.count("dot_general") == jaxpr.count("precision=BF16_BF16_F32") == 3
    check_grads(lambda a, b: lax.dot(a, b, precision=P.F32_F32_F32), (X[:3, :4], Y[:4, :2]),
                order=1, modes=("fwd", "rev"), atol=1e-2, rtol=1e-2)
    batched = numax.vmap(lambda a: lax.dot(a, Y, precision=P.BF16_BF16_F32))(X.reshape(2, 3, 32))
    np.testing.assert_allclose(np.asarray(batched).reshape(6, 5), X @ Y, rtol=1e-5, atol=1e-5)
    assert "precision=BF16_BF16_F32" in str(numax.make_jaxpr(numax.vmap(
        lambda a: lax.dot(a, Y, precision=P.BF16_BF16_F32)))(X.reshape(2, 3, 32)))


def test_convolution_accepts_presets():
    # StableHLO's convolution has no algorithm attribute; a 1x1 convolution is a matmul.
    image = RNG.standard_normal((2, 3, 4, 4)).astype(np.float32)
    kernel = RNG.standard_normal((5, 3, 1, 1)).astype(np.float32)
    out = numax.jit(lambda x, w: lax.conv_general_dilated(
        x, w, (1, 1), "VALID", precision=P.BF16_BF16_F32))(image, kernel)
    expected = np.einsum("bchw,oc->bohw", image, kernel[:, :, 0, 0])
    np.testing.assert_allclose(np.asarray(out), expected, rtol=1e-5, atol=1e-5)


# ---------------------------------------------------------------- accuracy

FUNCTIONS = {  # name: (numax function, NumPy reference, low, high)
    "exp": (lax.exp, np.exp, -3, 3), "exp2": (lax.exp2, np.exp2, -3, 3),
    "log": (lax.log, np.log, 0.1, 5), "log1p": (lax.log1p, np.log1p, -0.9, 3),
    "expm1": (lax.expm1, np.expm1, -3, 3), "sin": (lax.sin, np.sin, -3, 3),
    "cos": (lax.cos, np.cos, -3, 3), "tan": (lax.tan, np.tan, -1.4, 1.4),
    "tanh": (lax.tanh, np.tanh, -3, 3),
    "logistic": (lax.logistic, lambda x: 1 / (1 + np.exp(-x)), -3, 3),
    "sqrt": (lax.sqrt, np.sqrt, 0, 5), "rsqrt": (lax.rsqrt, lambda x: 1 / np.sqrt(x), 0.1, 5),
    "cbrt": (lax.cbrt, np.cbrt, -5, 5),
}
ACCURACIES = [AccuracyMode.HIGHEST, AccuracyMode.DEFAULT, "highest",
              Tolerance(atol=1e-6, rtol=1e-6, ulps=2)]


@pytest.mark.parametrize("name", list(FUNCTIONS))
def test_accuracy_results_within_tolerance(name):
    function, reference, low, high = FUNCTIONS[name]
    x = np.linspace(low, high, 11).astype(np.float32)
    expected = reference(x.astype(np.float64))
    for accuracy in ACCURACIES:
        for run in (function, numax.jit(function, static_argnames="accuracy")):
            out = np.asarray(run(x, accuracy=accuracy), np.float64)
            np.testing.assert_allclose(out, expected, rtol=4e-6, atol=1e-6, err_msg=str(accuracy))


def test_accuracy_lowering_and_params():
    x = np.linspace(0.5, 2, 4).astype(np.float32)
    text = numax.jit(lambda v: lax.sin(v, accuracy=Tolerance(atol=1e-5, rtol=0.5, ulps=3))) \
        .lower(x).as_text()
    assert ("result_accuracy = #stablehlo.result_accuracy<atol = 1.00000000000000008e-05, "
            "rtol = 5.00000000000000000e-01, ulps = 3, mode = "
            "#stablehlo.result_accuracy_mode<TOLERANCE>>") in text
    text = numax.jit(lambda v: lax.log(v, accuracy=AccuracyMode.HIGHEST)).lower(x).as_text()
    assert "#stablehlo.result_accuracy_mode<HIGHEST>" in text
    # Without accuracy= nothing changes: no param, no attribute.
    assert "accuracy" not in str(numax.make_jaxpr(lax.sin)(x))
    assert "result_accuracy" not in numax.jit(lax.sin).lower(x).as_text()


def test_accuracy_under_grad_and_vmap():
    x = np.linspace(0.5, 2, 4).astype(np.float32)
    check_grads(lambda v: lax.exp(v, accuracy=AccuracyMode.HIGHEST), (x,), order=2,
                modes=("fwd", "rev"), atol=1e-2, rtol=1e-2)
    grad = numax.grad(lambda v: lax.sin(v, accuracy="highest").sum())(x)
    np.testing.assert_allclose(np.asarray(grad), np.cos(x), rtol=1e-6, atol=1e-6)
    out = numax.vmap(lambda v: lax.log(v, accuracy=Tolerance(rtol=1e-6)))(x.reshape(2, 2))
    np.testing.assert_allclose(np.asarray(out), np.log(x).reshape(2, 2), rtol=1e-6)


def test_bad_accuracy_raises():
    x = np.ones(3, np.float32)
    with pytest.raises(TypeError, match="accuracy must be"):
        lax.exp(x, accuracy="best")
    with pytest.raises(ValueError, match="non-negative"):
        Tolerance(atol=-1.0)
    with pytest.raises(ValueError, match="ulps"):
        Tolerance(ulps=1.5)
