"""numax.nn functions against NumPy/SciPy references: every activation on a grid that
includes extreme inputs, JAX's derivative conventions at kinks (relu'(0) = 0, relu6' = 0
at 0 and 6), gradients against finite differences, the softmax family and logsumexp
(large values, masks, weights, signs) against scipy.special, one_hot, standardize, glu,
dot_product_attention against a per-head NumPy loop (grouped-query heads, bias, masks,
causal and local windows, sequence lengths), the block-scaled matmul, and vmap/jit.
"""

import math

import ml_dtypes
import numpy as np
import pytest
import scipy.special as sp

import numax
import numax.numpy as jnp
from numax import nn
from numax.test_util import check_grads

rng = np.random.default_rng(0)

EXTREME = np.array([-1e4, -1000.0, -100.0, -30.0, -6.0, -1.0, -0.5, -1e-3, 0.0, 1e-3, 0.5, 1.0,
                    2.5, 6.0, 30.0, 100.0, 1000.0, 1e4])


def _selu_constants():
    """alpha and lambda of the self-normalising ELU (Klambauer et al. 2017, eq. 14)."""
    e, pi = math.e, math.pi
    erfc = sp.erfc(1 / math.sqrt(2))
    alpha = -math.sqrt(2 / pi) / (erfc * math.exp(0.5) - 1)
    scale = (1 - erfc * math.sqrt(e)) * math.sqrt(2 * pi) * (
        2 * sp.erfc(math.sqrt(2)) * e ** 2 + pi * erfc ** 2 * e
        - 2 * (2 + pi) * erfc * math.sqrt(e) + pi + 2) ** -0.5
    return alpha, scale


SELU_ALPHA, SELU_SCALE = _selu_constants()


def _elu(x, alpha=1.0):
    return np.where(x > 0, x, alpha * np.expm1(np.minimum(x, 0)))


def _softplus(x):
    return np.logaddexp(x, 0)


def _log1mexp(x):
    # Both forms are accurate in float64 on their side of log 2 (Maechler 2012).
    return np.where(x < np.log(2), np.log(-np.expm1(-x)), np.log1p(-np.exp(-x)))


# name -> (numax function, float64 NumPy reference)
ACTIVATIONS = {
    "relu": (nn.relu, lambda x: np.maximum(x, 0)),
    "relu6": (nn.relu6, lambda x: np.clip(x, 0, 6)),
    "sigmoid": (nn.sigmoid, sp.expit),
    "softplus": (nn.softplus, _softplus),
    "log_sigmoid": (nn.log_sigmoid, lambda x: -np.logaddexp(0, -x)),
    "silu": (nn.silu, lambda x: x * sp.expit(x)),
    "swish": (nn.swish, lambda x: x * sp.expit(x)),
    "mish": (nn.mish, lambda x: x * np.tanh(_softplus(x))),
    "soft_sign": (nn.soft_sign, lambda x: x / (np.abs(x) + 1)),
    "squareplus": (nn.squareplus, lambda x: (x + np.sqrt(x * x + 4)) / 2),
    "sparse_plus": (nn.sparse_plus,
                    lambda x: np.piecewise(x, [x <= -1, x >= 1], [0, lambda v: v,
                                                                 lambda v: (v + 1) ** 2 / 4])),
    "sparse_sigmoid": (nn.sparse_sigmoid,
                       lambda x: np.piecewise(x, [x <= -1, x >= 1], [0, 1, lambda v: (v + 1) / 2])),
    "elu": (nn.elu, _elu),
    "celu": (nn.celu, lambda x: np.maximum(x, 0) + np.expm1(np.minimum(x, 0))),
    "selu": (nn.selu, lambda x: SELU_SCALE * _elu(x, SELU_ALPHA)),
    "gelu": (nn.gelu, lambda x: 0.5 * x * (1 + np.tanh(np.sqrt(2 / np.pi) *
                                                       (x + 0.044715 * x ** 3)))),
    "gelu_exact": (lambda x: nn.gelu(x, approximate=False),
                   lambda x: 0.5 * x * (1 + sp.erf(x / np.sqrt(2)))),
    "hard_sigmoid": (nn.hard_sigmoid, lambda x: np.clip(x + 3, 0, 6) / 6),
    "hard_silu": (nn.hard_silu, lambda x: x * np.clip(x + 3, 0, 6) / 6),
    "hard_swish": (nn.hard_swish, lambda x: x * np.clip(x + 3, 0, 6) / 6),
    "hard_tanh": (nn.hard_tanh, lambda x: np.clip(x, -1, 1)),
    "leaky_relu": (nn.leaky_relu, lambda x: np.where(x >= 0, x, 0.01 * x)),
    "tanh": (nn.tanh, np.tanh),
    "identity": (nn.identity, lambda x: x),
}


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_activation_matches_reference_including_extremes(name):
    fn, reference = ACTIVATIONS[name]
    x = np.concatenate([EXTREME, rng.uniform(-8, 8, 30)]).astype(np.float32)
    with np.errstate(all="ignore"):
        want = reference(x.astype(np.float64))
    got = fn(x)
    assert got.dtype == np.float32
    np.testing.assert_allclose(np.asarray(got), want, rtol=2e-6, atol=1e-6, err_msg=name)


@pytest.mark.parametrize("name", ["relu", "sigmoid", "softplus", "gelu", "silu", "elu"])
def test_activation_float64_and_bfloat16(name):
    fn, reference = ACTIVATIONS[name]
    x = rng.uniform(-6, 6, 16)
    with numax.enable_x64():
        got = fn(x)
        assert got.dtype == np.float64
        np.testing.assert_allclose(np.asarray(got), reference(x), rtol=1e-13, atol=1e-15)
    x16 = x.astype(ml_dtypes.bfloat16)
    got16 = fn(x16)
    assert got16.dtype == ml_dtypes.bfloat16
    np.testing.assert_allclose(np.asarray(got16, np.float64),
                               reference(x16.astype(np.float64)), rtol=2e-2, atol=2e-2)


def test_log_sigmoid_and_softplus_stay_finite_at_extremes():
    x = np.array([-1e30, -1e4, -100.0, 100.0, 1e4, 1e30], np.float32)
    np.testing.assert_allclose(np.asarray(nn.log_sigmoid(x)), [-1e30, -1e4, -100, 0, 0, 0],
                               rtol=1e-6, atol=1e-30)
    np.testing.assert_allclose(np.asarray(nn.softplus(x)), [0, 0, 0, 100, 1e4, 1e30],
                               rtol=1e-6, atol=1e-30)
    assert np.asarray(nn.sigmoid(x))[0] == 0 and np.asarray(nn.sigmoid(x))[-1] == 1


def test_log1mexp_matches_reference_and_is_nan_below_zero():
    x = np.array([1e-6, 1e-3, 0.1, 0.69, 0.7, 1.0, 5.0, 30.0, 80.0])
    with numax.enable_x64():
        np.testing.assert_allclose(np.asarray(nn.log1mexp(x)), _log1mexp(x), rtol=1e-14)
    assert np.isnan(np.asarray(nn.log1mexp(np.float32(-1.0))))
    np.testing.assert_allclose(np.asarray(nn.log1mexp(x.astype(np.float32))), _log1mexp(x),
                               rtol=3e-6)


def test_activation_parameters():
    x = np.linspace(-4, 4, 17).astype(np.float32)
    np.testing.assert_allclose(np.asarray(nn.leaky_relu(x, negative_slope=0.2)),
                               np.where(x >= 0, x, 0.2 * x), rtol=1e-6)
    np.testing.assert_allclose(np.asarray(nn.elu(x, alpha=0.5)), _elu(x, 0.5), rtol=1e-6)
    np.testing.assert_allclose(np.asarray(nn.celu(x, alpha=2.0)),
                               np.maximum(x, 0) + 2 * np.expm1(np.minimum(x, 0) / 2), rtol=1e-6)
    np.testing.assert_allclose(np.asarray(nn.squareplus(x, b=1.0)),
                               (x + np.sqrt(x * x + 1)) / 2, rtol=1e-6)


def test_integer_inputs():
    x = np.arange(-3, 4, dtype=np.int32)
    assert nn.relu(x).dtype == np.int32
    np.testing.assert_array_equal(np.asarray(nn.relu(x)), np.maximum(x, 0))
    np.testing.assert_allclose(np.asarray(nn.sigmoid(x)), sp.expit(x), rtol=1e-6)
    assert nn.softplus(x).dtype == np.float32


# ---------------------------------------------------------------- derivatives


def test_relu_derivative_at_kinks_is_zero():
    grad_relu = numax.grad(nn.relu)
    assert float(grad_relu(0.0)) == 0.0
    assert float(grad_relu(1e-3)) == 1.0 and float(grad_relu(-1e-3)) == 0.0
    grad_relu6 = numax.grad(nn.relu6)
    assert [float(grad_relu6(v)) for v in (0.0, 6.0, 3.0, 7.0)] == [0.0, 0.0, 1.0, 0.0]
    x = np.array([-1.0, 0.0, 0.0, 2.0], np.float32)
    g = numax.vmap(numax.grad(nn.relu))(x)
    np.testing.assert_array_equal(np.asarray(g), [0, 0, 0, 1])
    # forward mode uses the same rule
    _, tangent = numax.jvp(nn.relu, (x,), (np.ones(4, np.float32),))
    np.testing.assert_array_equal(np.asarray(tangent), [0, 0, 0, 1])


SMOOTH = ["sigmoid", "softplus", "log_sigmoid", "silu", "mish", "soft_sign", "squareplus",
          "elu", "celu", "selu", "gelu", "gelu_exact", "tanh", "sparse_plus",
          "sparse_sigmoid", "hard_sigmoid", "hard_silu", "hard_tanh", "leaky_relu", "relu",
          "relu6"]


@pytest.mark.parametrize("name", SMOOTH)
def test_activation_gradients_match_finite_differences(name):
    fn = ACTIVATIONS[name][0]
    # points away from every kink (0, +-1, +-3, 6)
    x = np.array([-7.3, -4.2, -2.1, -0.6, -0.2, 0.3, 0.7, 1.6, 2.4, 4.5, 7.5])
    with numax.enable_x64():
        check_grads(fn, (x,), order=2 if name == "gelu" else 1)


def test_log1mexp_gradient():
    with numax.enable_x64():
        check_grads(nn.log1mexp, (np.array([0.05, 0.5, 0.9, 3.0, 20.0]),), order=1)


# ---------------------------------------------------------------- softmax family


def _masked_softmax_reference(x, where, axis):
    x = np.where(where, x, -np.inf)
    shifted = np.exp(x - x.max(axis=axis, keepdims=True))
    return np.where(where, shifted / shifted.sum(axis=axis, keepdims=True), 0)


@pytest.mark.parametrize("axis", [-1, 0, (0, 2), None])
def test_softmax_and_log_softmax_match_scipy(axis):
    x = rng.normal(size=(3, 4, 5)).astype(np.float32) * 5
    np.testing.assert_allclose(np.asarray(nn.softmax(x, axis=axis)),
                               sp.softmax(x.astype(np.float64), axis=axis), rtol=2e-6,
                               atol=1e-7)
    np.testing.assert_allclose(np.asarray(nn.log_softmax(x, axis=axis)),
                               sp.log_softmax(x.astype(np.float64), axis=axis), rtol=2e-6,
                               atol=2e-6)


def test_softmax_is_stable_for_large_inputs():
    x = np.array([[1e4, 1e4 + 1, 1e4 - 2], [-1e4, -1e4, -1e4 + 3]], np.float32)
    want = sp.softmax(x.astype(np.float64), axis=-1)
    np.testing.assert_allclose(np.asarray(nn.softmax(x)), want, rtol=2e-6)
    np.testing.assert_allclose(np.asarray(nn.log_softmax(x)),
                               sp.log_softmax(x.astype(np.float64), axis=-1), rtol=2e-6,
                               atol=2e-6)
    # +inf makes softmax NaN everywhere (inf / inf), as documented for JAX
    assert np.isnan(np.asarray(nn.softmax(np.array([np.inf, 1.0], np.float32)))).all()


def test_softmax_where():
    x = rng.normal(size=(4, 6)).astype(np.float32)
    where = rng.random((4, 6)) < 0.6
    where[:, 0] = True
    want = _masked_softmax_reference(x.astype(np.float64), where, -1)
    got = nn.softmax(x, where=where)
    np.testing.assert_allclose(np.asarray(got), want, rtol=2e-6, atol=1e-7)
    log_got = np.asarray(nn.log_softmax(x, where=where))
    assert np.all(log_got[~where] == -np.inf)
    np.testing.assert_allclose(log_got[where], np.log(want[where]), rtol=2e-6, atol=2e-6)
    with numax.enable_x64():
        x64 = x.astype(np.float64)
        check_grads(lambda v: nn.softmax(v, where=where), (x64,), order=1)
        check_grads(lambda v: jnp.where(where, nn.log_softmax(v, where=where), 0), (x64,),
                    order=1)


def test_softmax_gradients():
    x = rng.normal(size=(3, 4))
    with numax.enable_x64():
        check_grads(lambda v: nn.softmax(v, axis=0), (x,), order=1)
        check_grads(nn.log_softmax, (x,), order=2)
        # the gradient of sum(softmax) is zero, of log_softmax[i] is e_i - softmax
        g = numax.grad(lambda v: nn.log_softmax(v)[1, 2])(x)
        want = -sp.softmax(x, axis=-1) * (np.arange(3)[:, None] == 1)
        want[1, 2] += 1
        np.testing.assert_allclose(np.asarray(g), want, rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("axis,keepdims", [(None, False), (1, False), ((0, 2), True)])
def test_logsumexp_matches_scipy(axis, keepdims):
    a = rng.normal(size=(2, 3, 4)).astype(np.float32) * 10
    got = nn.logsumexp(a, axis=axis, keepdims=keepdims)
    want = sp.logsumexp(a.astype(np.float64), axis=axis, keepdims=keepdims)
    assert got.shape == np.shape(want)
    np.testing.assert_allclose(np.asarray(got), want, rtol=2e-6)


def test_logsumexp_extremes():
    a = np.array([[1000.0, 1000.0, -np.inf], [-np.inf, -np.inf, -np.inf], [np.inf, 1.0, 2.0],
                  [-1e4, -1e4 - 1, -1e4 + 2]], np.float32)
    with np.errstate(all="ignore"):
        want = sp.logsumexp(a.astype(np.float64), axis=1)
    np.testing.assert_allclose(np.asarray(nn.logsumexp(a, axis=1)), want, rtol=1e-6)
    assert np.isnan(np.asarray(nn.logsumexp(np.array([np.nan, 1.0], np.float32))))


def test_logsumexp_weights_and_sign():
    a = rng.normal(size=(3, 5))
    b = rng.normal(size=(3, 5))
    b[0, 0] = 0.0
    a[0, 0] = np.inf  # a zero weight drops its term even for +inf
    with numax.enable_x64():
        got, sign = nn.logsumexp(a, axis=1, b=b, return_sign=True)
        want, want_sign = sp.logsumexp(a, axis=1, b=b, return_sign=True)
        np.testing.assert_allclose(np.asarray(got), want, rtol=1e-12)
        np.testing.assert_array_equal(np.asarray(sign), want_sign)
        plain = np.asarray(nn.logsumexp(a, axis=1, b=b))
        with np.errstate(all="ignore"):
            np.testing.assert_allclose(plain, np.where(want_sign < 0, np.nan, want), rtol=1e-12)
        # broadcasting weights
        np.testing.assert_allclose(np.asarray(nn.logsumexp(a[1:], axis=0, b=np.array([2.0]))),
                                   sp.logsumexp(a[1:], axis=0, b=2.0), rtol=1e-12)


def test_logsumexp_where_and_gradients():
    a = rng.normal(size=(4, 5))
    where = rng.random((4, 5)) < 0.7
    where[:, 0] = True
    with numax.enable_x64():
        got = nn.logsumexp(a, axis=1, where=where)
        np.testing.assert_allclose(np.asarray(got),
                                   sp.logsumexp(np.where(where, a, -np.inf), axis=1), rtol=1e-12)
        check_grads(lambda v: nn.logsumexp(v, axis=1), (a,), order=1)
        check_grads(lambda v, w: nn.logsumexp(v, axis=0, b=w), (a, np.abs(a) + 0.5), order=1)
        # d logsumexp / da = softmax, also for huge inputs
        g = numax.grad(nn.logsumexp)(a + 1e5)
        np.testing.assert_allclose(np.asarray(g), sp.softmax(a), rtol=1e-9)


def test_logmeanexp():
    a = rng.normal(size=(3, 6)) * 4
    with numax.enable_x64():
        np.testing.assert_allclose(np.asarray(nn.logmeanexp(a, axis=1)),
                                   sp.logsumexp(a, axis=1) - np.log(6), rtol=1e-12)
        where = rng.random((3, 6)) < 0.5
        where[:, 0] = True
        want = sp.logsumexp(np.where(where, a, -np.inf), axis=1, keepdims=True) - \
            np.log(where.sum(axis=1, keepdims=True))
        np.testing.assert_allclose(np.asarray(nn.logmeanexp(a, axis=1, where=where,
                                                            keepdims=True)), want, rtol=1e-12)


# ---------------------------------------------------------------- one_hot, standardize, glu


def test_one_hot():
    x = np.array([[0, 2, 5], [-1, 1, 3]])
    eye = np.eye(4)
    want = np.where(((x >= 0) & (x < 4))[..., None], eye[np.clip(x, 0, 3)], 0)
    got = nn.one_hot(x, 4)
    assert got.dtype == np.float32 and got.shape == (2, 3, 4)
    np.testing.assert_array_equal(np.asarray(got), want)
    np.testing.assert_array_equal(np.asarray(nn.one_hot(x, 4, axis=0)), np.moveaxis(want, -1, 0))
    np.testing.assert_array_equal(np.asarray(nn.one_hot(x, 4, axis=1, dtype=np.int32)),
                                  np.moveaxis(want, -1, 1).astype(np.int32))
    assert nn.one_hot(x, 4, dtype=bool).dtype == np.bool_
    np.testing.assert_array_equal(np.asarray(nn.one_hot(np.array([1.0, 1.5]), 3)),
                                  [[0, 1, 0], [0, 0, 0]])
    jitted = numax.jit(lambda v: nn.one_hot(v, 3))(np.array([2, 0]))
    np.testing.assert_array_equal(np.asarray(jitted), [[0, 0, 1], [1, 0, 0]])
    with pytest.raises(TypeError, match="num_classes must be a concrete"):
        numax.jit(lambda v, n: nn.one_hot(v, n))(np.array([1]), 3)


def test_standardize():
    x = rng.normal(size=(3, 8)).astype(np.float32) * 3 + 2
    x64 = x.astype(np.float64)
    want = (x64 - x64.mean(-1, keepdims=True)) / np.sqrt(x64.var(-1, keepdims=True) + 1e-5)
    np.testing.assert_allclose(np.asarray(nn.standardize(x)), want, rtol=2e-4, atol=2e-5)
    want0 = (x64 - x64.mean(0)) / np.sqrt(x64.var(0) + 0.1)
    np.testing.assert_allclose(np.asarray(nn.standardize(x, axis=0, epsilon=0.1)), want0,
                               rtol=2e-4, atol=2e-5)
    mean, variance = np.float32(1.0), np.float32(4.0)
    np.testing.assert_allclose(np.asarray(nn.standardize(x, mean=mean, variance=variance)),
                               (x64 - 1) / np.sqrt(4 + 1e-5), rtol=1e-6)
    where = rng.random((3, 8)) < 0.6
    where[:, :2] = True
    with numax.enable_x64():
        got = np.asarray(nn.standardize(x64, where=where))
        m = np.array([r[w].mean() for r, w in zip(x64, where)])[:, None]
        v = np.array([r[w].var() for r, w in zip(x64, where)])[:, None]
        np.testing.assert_allclose(got, (x64 - m) / np.sqrt(v + 1e-5), rtol=1e-9)
        check_grads(nn.standardize, (x64,), order=1)


def test_glu():
    x = rng.normal(size=(2, 6)).astype(np.float32)
    np.testing.assert_allclose(np.asarray(nn.glu(x)), x[:, :3] * sp.expit(x[:, 3:]), rtol=1e-6)
    np.testing.assert_allclose(np.asarray(nn.glu(x.T, axis=0)),
                               (x[:, :3] * sp.expit(x[:, 3:])).T, rtol=1e-6)
    with pytest.raises(ValueError, match="even size"):
        nn.glu(np.ones((2, 5)))


# ---------------------------------------------------------------- dot_product_attention


def _attention_reference(q, k, v, bias=None, mask=None, scale=None, is_causal=False,
                         q_lengths=None, kv_lengths=None, window=None):
    """Per batch and head in float64: softmax over allowed keys (uniform over all keys
    when none is allowed), zero rows for padded queries; also the log-sum-exp residual."""
    batch, t, heads, h = q.shape
    s, kv_heads = k.shape[1:3]
    scale = 1 / np.sqrt(h) if scale is None else scale
    out = np.zeros((batch, t, heads, h))
    residual = np.zeros((batch, t, heads))
    big = -0.7 * np.finfo(np.float32).max
    for b in range(batch):
        for n in range(heads):
            kv = n // (heads // kv_heads)
            logits = q[b, :, n].astype(np.float64) @ k[b, :, kv].T.astype(np.float64) * scale
            if bias is not None:
                logits = logits + np.broadcast_to(bias, (batch, heads, t, s))[b, n]
            allowed = np.ones((t, s), bool)
            if mask is not None:
                allowed &= np.broadcast_to(mask, (batch, heads, t, s))[b, n]
            i, j = np.arange(t)[:, None], np.arange(s)[None, :]
            if is_causal:
                allowed &= j <= i
            if window is not None:
                allowed &= (j >= i - window[0]) & (j <= i + window[1])
            if q_lengths is not None:
                allowed &= i < q_lengths[b]
            if kv_lengths is not None:
                allowed &= j < kv_lengths[b]
            logits = np.where(allowed, logits, big)
            weights = sp.softmax(logits, axis=-1)
            out[b, :, n] = weights @ v[b, :, kv].astype(np.float64)
            residual[b, :, n] = sp.logsumexp(logits, axis=-1)
            if q_lengths is not None:
                out[b, q_lengths[b]:, n] = 0
    return out, residual


def _qkv(batch, t, s, heads, kv_heads, h, dtype=np.float32):
    return (rng.normal(size=(batch, t, heads, h)).astype(dtype),
            rng.normal(size=(batch, s, kv_heads, h)).astype(dtype),
            rng.normal(size=(batch, s, kv_heads, h)).astype(dtype))


ATTENTION_CASES = {
    "mha": dict(),
    "scale": dict(scale=0.3),
    "bias_and_mask": dict(bias=rng.normal(size=(1, 4, 3, 5)).astype(np.float32),
                          mask=rng.random((2, 1, 3, 5)) < 0.7),
    "causal_lengths": dict(is_causal=True, q_lengths=np.array([3, 2], np.int32),
                           kv_lengths=np.array([5, 1], np.int32)),
    "local_window": dict(window=(1, 0)),
    "fully_masked_row": dict(mask=np.broadcast_to(np.arange(3)[:, None] > 0, (3, 5))),
}


@pytest.mark.parametrize("case", sorted(ATTENTION_CASES))
@pytest.mark.parametrize("kv_heads", [4, 2])
def test_dot_product_attention_matches_reference(case, kv_heads):
    params = ATTENTION_CASES[case]
    q, k, v = _qkv(2, 3, 5, 4, kv_heads, 8)
    want, want_residual = _attention_reference(q, k, v, **params)
    kwargs = dict(bias=params.get("bias"), mask=params.get("mask"), scale=params.get("scale"),
                  is_causal=params.get("is_causal", False),
                  query_seq_lengths=params.get("q_lengths"),
                  key_value_seq_lengths=params.get("kv_lengths"),
                  local_window_size=params.get("window"))
    got, residual = nn.dot_product_attention(q, k, v, return_residual=True, **kwargs)
    assert got.shape == q.shape and got.dtype == np.float32 and residual.shape == (2, 3, 4)
    np.testing.assert_allclose(np.asarray(got), want, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(np.asarray(residual), want_residual, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(np.asarray(nn.dot_product_attention(q, k, v, **kwargs)), want,
                               rtol=1e-4, atol=1e-5)


def test_dot_product_attention_unbatched_int_window_and_xla():
    q, k, v = _qkv(1, 4, 4, 2, 1, 3)
    want, _ = _attention_reference(q, k, v, window=(1, 1), is_causal=True)
    got = nn.dot_product_attention(q[0], k[0], v[0], local_window_size=1, is_causal=True,
                                   implementation="xla")
    assert got.shape == (4, 2, 3)
    np.testing.assert_allclose(np.asarray(got), want[0], rtol=1e-4, atol=1e-5)
    bias = rng.normal(size=(2, 4, 4)).astype(np.float32)   # (N, T, S) for an unbatched call
    want, _ = _attention_reference(q, k, v, bias=bias[None])
    for b in (bias, bias[None]):   # (N, T, S) or (1, N, T, S)
        np.testing.assert_allclose(np.asarray(nn.dot_product_attention(q[0], k[0], v[0], b)),
                                   want[0], rtol=1e-4, atol=1e-5)


def test_dot_product_attention_low_precision():
    q, k, v = _qkv(1, 3, 4, 2, 2, 8)
    want, _ = _attention_reference(q, k, v, is_causal=True)
    got = nn.dot_product_attention(*(x.astype(ml_dtypes.bfloat16) for x in (q, k, v)),
                                   is_causal=True)
    assert got.dtype == ml_dtypes.bfloat16
    np.testing.assert_allclose(np.asarray(got, np.float64), want, rtol=5e-2, atol=5e-2)


def test_dot_product_attention_gradients_and_vmap():
    q, k, v = (x.astype(np.float64) for x in _qkv(1, 2, 3, 2, 1, 3))
    bias = rng.normal(size=(1, 2, 2, 3))
    with numax.enable_x64():
        check_grads(lambda q, k, v, b: nn.dot_product_attention(q, k, v, b, is_causal=True),
                    (q, k, v, bias), order=1)
    qs, ks, vs = _qkv(3, 2, 3, 2, 2, 4)   # the leading axis is vmapped over
    got = numax.vmap(lambda a, b, c: nn.dot_product_attention(a[None], b[None], c[None])[0])(
        qs, ks, vs)
    want = np.stack([_attention_reference(qs[i:i + 1], ks[i:i + 1], vs[i:i + 1])[0][0]
                     for i in range(3)])
    np.testing.assert_allclose(np.asarray(got), want, rtol=1e-4, atol=1e-5)


def test_dot_product_attention_errors():
    q, k, v = _qkv(1, 2, 3, 3, 2, 4)
    with pytest.raises(ValueError, match="multiple of the key/value heads"):
        nn.dot_product_attention(q, k, v)
    q, k, v = _qkv(1, 2, 3, 2, 2, 4)
    with pytest.raises(TypeError, match="mask must be boolean"):
        nn.dot_product_attention(q, k, v, mask=np.ones((1, 2, 2, 3), np.float32))
    with pytest.raises(NotImplementedError, match="cuDNN"):
        nn.dot_product_attention(q, k, v, implementation="cudnn")
    with pytest.raises(ValueError, match="same shape"):
        nn.dot_product_attention(q, k, v[:, :2])
    with pytest.raises(ValueError, match="does not broadcast"):
        nn.dot_product_attention(q, k, v, bias=np.ones((3, 3), np.float32))
    with pytest.raises(ValueError, match="shape \\(B,\\)"):
        nn.dot_product_attention(q, k, v, query_seq_lengths=np.array([1, 2]))


# ---------------------------------------------------------------- block-scaled products


def test_scaled_matmul_matches_numpy():
    lhs = rng.normal(size=(2, 3, 8)).astype(np.float32)
    rhs = rng.normal(size=(2, 4, 8)).astype(np.float32)
    lhs_scales = rng.uniform(0.5, 2, (2, 3, 2)).astype(np.float32)
    rhs_scales = rng.uniform(0.5, 2, (2, 4, 4)).astype(np.float32)
    a = lhs * np.repeat(lhs_scales, 4, axis=-1)
    b = rhs * np.repeat(rhs_scales, 2, axis=-1)
    want = np.einsum("bmk,bnk->bmn", a.astype(np.float64), b.astype(np.float64))
    got = nn.scaled_matmul(lhs, rhs, lhs_scales, rhs_scales)
    assert got.dtype == np.float32 and got.shape == (2, 3, 4)
    np.testing.assert_allclose(np.asarray(got), want, rtol=1e-5, atol=1e-5)
    assert nn.scaled_matmul(lhs, rhs, lhs_scales, rhs_scales,
                            preferred_element_type=ml_dtypes.bfloat16).dtype == \
        ml_dtypes.bfloat16
    with pytest.raises(ValueError, match="multiple of K_s"):
        nn.scaled_matmul(lhs, rhs, lhs_scales[..., :1].repeat(3, -1), rhs_scales)


def test_scaled_dot_general_without_configs_is_dot_general():
    lhs = rng.normal(size=(2, 3, 4)).astype(np.float32)
    rhs = rng.normal(size=(2, 4, 5)).astype(np.float32)
    got = nn.scaled_dot_general(lhs, rhs, (((2,), (1,)), ((0,), (0,))))
    np.testing.assert_allclose(np.asarray(got), lhs @ rhs, rtol=1e-5, atol=1e-5)
    config = nn.get_scaled_dot_general_config("mxfp8")
    assert (config.block_size, config.data_type, config.scale_type) == (
        32, np.dtype(ml_dtypes.float8_e4m3fn), np.dtype(ml_dtypes.float8_e8m0fnu))
    assert nn.get_scaled_dot_general_config("nvfp4").block_size == 16
    with pytest.raises(NotImplementedError, match="float8"):
        nn.scaled_dot_general(lhs, rhs, (((2,), (1,)), ((0,), (0,))), configs=[config] * 3)
    with pytest.raises(ValueError, match="mxfp8"):
        nn.get_scaled_dot_general_config("int8")


# ---------------------------------------------------------------- transformations


def test_vmap_and_jit_agree_with_loops():
    x = rng.normal(size=(3, 5)).astype(np.float32)
    for fn in (nn.softmax, nn.gelu, nn.relu, lambda v: nn.logsumexp(v, axis=0),
               lambda v: nn.standardize(v), lambda v: nn.one_hot(jnp.argmax(v), 5)):
        batched = np.asarray(numax.vmap(fn)(x))
        looped = np.stack([np.asarray(fn(row)) for row in x])
        np.testing.assert_allclose(batched, looped, rtol=1e-6, atol=1e-7)
        np.testing.assert_allclose(np.asarray(numax.jit(fn)(x[0])), looped[0], rtol=1e-6,
                                   atol=1e-7)
    # vmap along a non-leading axis
    np.testing.assert_allclose(np.asarray(numax.vmap(nn.softmax, in_axes=1)(x)),
                               sp.softmax(x.T.astype(np.float64), axis=-1), rtol=2e-6)


def test_grad_of_vmap_and_jit_of_grad():
    x = rng.normal(size=(4, 3))
    with numax.enable_x64():
        def loss(v):
            return jnp.sum(numax.vmap(lambda r: nn.logsumexp(nn.gelu(r)))(v))
        want = numax.grad(loss)(x)
        np.testing.assert_allclose(np.asarray(numax.jit(numax.grad(loss))(x)),
                                   np.asarray(want), rtol=1e-12)
        eps = 1e-6
        e = np.zeros_like(x)
        e[1, 2] = eps
        numeric = (float(loss(x + e)) - float(loss(x - e))) / (2 * eps)
        np.testing.assert_allclose(np.asarray(want)[1, 2], numeric, rtol=1e-6)


def test_public_names_cover_jax_nn():
    import json
    import pathlib
    names = json.loads((pathlib.Path(__file__).resolve().parents[3] / "shared" / "reference" /
                        "api_names.json").read_text())["names"]["jax.nn"]
    assert [n for n in names if not hasattr(nn, n)] == []
