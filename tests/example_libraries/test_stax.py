"""numax.example_libraries.stax: every layer's init_fun output shape against the shape of its
apply_fun result, Dense / convolutions / transposed convolutions / pooling / BatchNorm against
NumPy loops, the elementwise layers against NumPy formulas, Dropout's train and test modes,
the combinators, and a small MLP trained with optimizers.adam whose loss goes down."""

import itertools
import math

import numpy as np
import pytest

import numax
from numax import numpy as jnp
from numax import random
from numax.example_libraries import optimizers, stax
from numax.tree_util import tree_leaves

KEY = random.PRNGKey(0)
RNG = np.random.RandomState(0)


def randn(*shape):
    return RNG.randn(*shape).astype(np.float32)


def leaf_shapes(shape_tree):
    """A tuple of ints for a shape; a list/tuple of such tuples for several."""
    if all(isinstance(d, int) for d in shape_tree):
        return tuple(shape_tree)
    return tuple(leaf_shapes(s) for s in shape_tree)


def init_and_apply(layer, inputs, **kwargs):
    init_fun, apply_fun = layer
    in_shape = ([x.shape for x in inputs] if isinstance(inputs, (list, tuple))
                else inputs.shape)
    out_shape, params = init_fun(KEY, in_shape)
    return out_shape, params, apply_fun(params, inputs, **kwargs)


# ---------------------------------------------------------------- shapes

SHAPE_CASES = {
    "Dense3d": (lambda: stax.Dense(5), (2, 4, 3)),
    "Conv": (lambda: stax.Conv(4, (3, 2), strides=(2, 1), padding="SAME"), (2, 7, 6, 3)),
    "ConvTranspose": (lambda: stax.ConvTranspose(4, (3, 3), (2, 2), "SAME"), (2, 4, 5, 3)),
    "Conv1DTranspose": (lambda: stax.Conv1DTranspose(2, (3,), (3,)), (2, 4, 3)),
    "GeneralConv": (lambda: stax.GeneralConv(("NCHW", "OIHW", "NHWC"), 4, (2, 3)), (2, 3, 6, 5)),
    "GeneralConvTranspose": (
        lambda: stax.GeneralConvTranspose(("NCH", "OIH", "NCH"), 4, (2,), (2,)), (2, 3, 5)),
    "BatchNorm": (lambda: stax.BatchNorm(), (2, 3, 3, 4)),
    "MaxPool": (lambda: stax.MaxPool((2, 2)), (2, 5, 5, 3)),
    "SumPool": (lambda: stax.SumPool((2, 3), (2, 2), "SAME"), (2, 5, 5, 3)),
    "AvgPool": (lambda: stax.AvgPool((3,), (2,), "SAME", spec="NCW"), (2, 3, 7)),
    "Flatten": (lambda: stax.Flatten, (2, 3, 4)),
    "Dropout": (lambda: stax.Dropout(0.5), (2, 3)),
    "serial": (lambda: stax.serial(stax.Conv(2, (2, 2)), stax.Relu, stax.Flatten,
                                   stax.Dense(3), stax.LogSoftmax), (2, 4, 4, 1)),
    "residual": (lambda: stax.serial(stax.FanOut(2), stax.parallel(stax.Dense(3), stax.Dense(3)),
                                     stax.FanInSum), (2, 5)),
    "shape_dependent": (lambda: stax.shape_dependent(lambda shape: stax.Dense(shape[-1] * 2)),
                        (2, 3)),
}


@pytest.mark.parametrize("name", list(SHAPE_CASES))
def test_init_output_shape_matches_apply(name):
    make, in_shape = SHAPE_CASES[name]
    out_shape, _, outputs = init_and_apply(make(), jnp.asarray(randn(*in_shape)), rng=KEY)
    assert leaf_shapes(out_shape) == tuple(outputs.shape)


def test_batch_dimension_may_be_unknown():
    out_shape, _ = stax.serial(stax.Conv(4, (3, 3)), stax.Relu, stax.Dense(2))[0](
        KEY, (-1, 5, 5, 3))
    assert tuple(out_shape) == (-1, 3, 3, 2)


# ---------------------------------------------------------------- dense and convolutions


def test_dense_matches_numpy():
    x = randn(4, 3)
    _, (W, b), y = init_and_apply(stax.Dense(5), jnp.asarray(x))
    assert W.shape == (3, 5) and b.shape == (5,)
    np.testing.assert_allclose(np.asarray(y), x @ np.asarray(W) + np.asarray(b), rtol=1e-5,
                               atol=1e-6)


def same_padding(size, window, stride):
    total = max((math.ceil(size / stride) - 1) * stride + window - size, 0)
    return total // 2, total - total // 2


def numpy_conv(x, w, strides, pads):
    """Cross-correlation of x (N, *spatial, C) with w (*window, C, O), explicit loops."""
    spatial = x.ndim - 2
    x = np.pad(x, [(0, 0)] + list(pads) + [(0, 0)])
    window = w.shape[:spatial]
    out_spatial = [(x.shape[1 + d] - window[d]) // strides[d] + 1 for d in range(spatial)]
    out = np.zeros((x.shape[0], *out_spatial, w.shape[-1]))
    for position in itertools.product(*map(range, out_spatial)):
        patch = x[(slice(None),) + tuple(slice(p * s, p * s + k) for p, s, k in
                                         zip(position, strides, window))]
        out[(slice(None),) + position] = np.tensordot(patch, w, axes=spatial + 1)
    return out


def numpy_conv_transpose_valid(x, w, strides):
    """lax.conv_transpose with VALID padding as a scatter: input entry i adds x[i] * w
    (spatially flipped, as the kernel is not transposed) at output offset i * stride. The
    output spans max((n - 1) * stride + window, n * stride): with a stride longer than the
    window, the tail past the last window stays zero (JAX's convention)."""
    spatial = x.ndim - 2
    window = w.shape[:spatial]
    flipped = w[tuple(slice(None, None, -1) for _ in range(spatial))]
    out_spatial = [max((n - 1) * s + k, n * s) for n, s, k in zip(x.shape[1:-1], strides, window)]
    out = np.zeros((x.shape[0], *out_spatial, w.shape[-1]))
    for position in itertools.product(*map(range, x.shape[1:-1])):
        target = (slice(None),) + tuple(slice(p * s, p * s + k) for p, s, k in
                                        zip(position, strides, window))
        out[target] += np.einsum("nc,...co->n...o", x[(slice(None),) + position], flipped)
    return out


def test_conv_same_padding_with_strides_matches_numpy():
    x = randn(2, 7, 6, 3)
    _, (W, b), y = init_and_apply(stax.Conv(4, (3, 2), strides=(2, 1), padding="SAME"),
                                  jnp.asarray(x))
    assert W.shape == (3, 2, 3, 4) and b.shape == (1, 1, 1, 4)
    pads = [same_padding(7, 3, 2), same_padding(6, 2, 1)]
    expected = numpy_conv(x, np.asarray(W), (2, 1), pads) + np.asarray(b)
    np.testing.assert_allclose(np.asarray(y), expected, rtol=1e-4, atol=1e-5)


def test_general_conv_layouts_match_numpy():
    x = randn(2, 3, 6, 5)  # NCHW
    layer = stax.GeneralConv(("NCHW", "OIHW", "NHWC"), 4, (2, 3), padding=[(1, 0), (0, 2)])
    _, (W, b), y = init_and_apply(layer, jnp.asarray(x))
    assert W.shape == (4, 3, 2, 3) and b.shape == (1, 1, 1, 4)
    expected = numpy_conv(x.transpose(0, 2, 3, 1), np.asarray(W).transpose(2, 3, 1, 0), (1, 1),
                          [(1, 0), (0, 2)]) + np.asarray(b)
    np.testing.assert_allclose(np.asarray(y), expected, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("layer, in_shape, strides", [
    (lambda: stax.ConvTranspose(4, (3, 2), strides=(2, 3)), (2, 3, 4, 3), (2, 3)),
    (lambda: stax.Conv1DTranspose(2, (3,), strides=(2,)), (2, 5, 3), (2,)),
])
def test_conv_transpose_valid_matches_numpy(layer, in_shape, strides):
    x = randn(*in_shape)
    out_shape, (W, b), y = init_and_apply(layer(), jnp.asarray(x))
    expected = numpy_conv_transpose_valid(x, np.asarray(W), strides) + np.asarray(b)
    assert tuple(out_shape) == expected.shape
    np.testing.assert_allclose(np.asarray(y), expected, rtol=1e-4, atol=1e-5)


def test_conv_transpose_same_upsamples_by_the_stride():
    out_shape, _, y = init_and_apply(stax.ConvTranspose(2, (3, 3), (2, 3), "SAME"),
                                     jnp.asarray(randn(1, 4, 5, 3)))
    assert tuple(out_shape) == y.shape == (1, 8, 15, 2)


def test_conv_rejects_filter_of_wrong_rank():
    with pytest.raises(ValueError, match="one entry per spatial axis"):
        stax.Conv(4, (3,))


# ---------------------------------------------------------------- batch norm


def numpy_batch_norm(x, axes, beta, gamma, epsilon=1e-5):
    mean = x.mean(axis=axes, keepdims=True)
    var = x.astype(np.float64).var(axis=axes, keepdims=True)
    return (x - mean) / np.sqrt(var + epsilon) * gamma + beta


@pytest.mark.parametrize("axis, in_shape, param_shape", [
    ((0, 1, 2), (2, 3, 3, 4), (4,)), (0, (5, 3, 4), (3, 4)), ((0, -2), (5, 3, 4), (4,))])
def test_batch_norm_matches_numpy(axis, in_shape, param_shape):
    x = 3 * randn(*in_shape) + 1
    init_fun, apply_fun = stax.BatchNorm(axis=axis)
    out_shape, (beta, gamma) = init_fun(KEY, x.shape)
    assert tuple(out_shape) == x.shape
    assert beta.shape == gamma.shape == param_shape
    np.testing.assert_array_equal(np.asarray(beta), 0)
    np.testing.assert_array_equal(np.asarray(gamma), 1)
    beta, gamma = randn(*param_shape), randn(*param_shape)
    axes = (axis,) if isinstance(axis, int) else tuple(a % x.ndim for a in axis)
    keep = tuple(slice(None) if i not in axes else None for i in range(x.ndim))
    y = apply_fun((jnp.asarray(beta), jnp.asarray(gamma)), jnp.asarray(x))
    np.testing.assert_allclose(np.asarray(y), numpy_batch_norm(x, axes, beta[keep], gamma[keep]),
                               rtol=1e-4, atol=1e-4)


def test_batch_norm_without_center_or_scale():
    x = randn(6, 2)
    for center, scale in [(False, True), (True, False), (False, False)]:
        init_fun, apply_fun = stax.BatchNorm(axis=0, center=center, scale=scale)
        _, (beta, gamma) = init_fun(KEY, x.shape)
        assert (beta == ()) == (not center) and (gamma == ()) == (not scale)
        beta = jnp.asarray([0.5, -1.0]) if center else ()
        gamma = jnp.asarray([2.0, 3.0]) if scale else ()
        expected = numpy_batch_norm(x, (0,), np.asarray(beta) if center else 0.0,
                                    np.asarray(gamma) if scale else 1.0)
        np.testing.assert_allclose(np.asarray(apply_fun((beta, gamma), jnp.asarray(x))),
                                   expected, rtol=1e-4, atol=1e-4)


# ---------------------------------------------------------------- pooling


def numpy_pool(x, reduce, window, strides, pads, average=False):
    """Pooling over axes 1..-2 of x (N, *spatial, C); padding is excluded from the window
    (its entries never count, for the maximum or the average's divisor)."""
    out_spatial = [(n + lo + hi - k) // s + 1
                   for n, k, s, (lo, hi) in zip(x.shape[1:-1], window, strides, pads)]
    out = np.zeros((x.shape[0], *out_spatial, x.shape[-1]))
    for position in itertools.product(*map(range, out_spatial)):
        ranges = [(max(p * s - lo, 0), min(p * s - lo + k, n)) for p, s, k, (lo, _), n in
                  zip(position, strides, window, pads, x.shape[1:-1])]
        patch = x[(slice(None),) + tuple(slice(a, b) for a, b in ranges)]
        value = reduce(patch, axis=tuple(range(1, x.ndim - 1)))
        if average:
            value = value / np.prod([b - a for a, b in ranges])
        out[(slice(None),) + position] = value
    return out


@pytest.mark.parametrize("layer, reduce, average", [
    (stax.MaxPool, np.max, False), (stax.SumPool, np.sum, False), (stax.AvgPool, np.sum, True)])
@pytest.mark.parametrize("padding", ["VALID", "SAME"])
def test_pooling_matches_numpy(layer, reduce, average, padding):
    x = randn(2, 5, 6, 3)
    window, strides = (2, 3), (2, 2)
    out_shape, params, y = init_and_apply(layer(window, strides, padding), jnp.asarray(x))
    assert params == ()
    pads = ([same_padding(5, 2, 2), same_padding(6, 3, 2)] if padding == "SAME"
            else [(0, 0), (0, 0)])
    expected = numpy_pool(x, reduce, window, strides, pads, average)
    assert tuple(out_shape) == expected.shape
    np.testing.assert_allclose(np.asarray(y), expected, rtol=1e-5, atol=1e-5)


def test_pooling_with_channels_first_spec():
    x = randn(2, 3, 7)  # N C W
    _, _, y = init_and_apply(stax.AvgPool((3,), (2,), "SAME", spec="NCW"), jnp.asarray(x))
    expected = numpy_pool(x.transpose(0, 2, 1), np.sum, (3,), (2,), [same_padding(7, 3, 2)],
                          average=True).transpose(0, 2, 1)
    np.testing.assert_allclose(np.asarray(y), expected, rtol=1e-5, atol=1e-6)


def test_pooling_rejects_inconsistent_arguments():
    with pytest.raises(ValueError, match="same length"):
        stax.MaxPool((2, 2), strides=(1,))
    with pytest.raises(ValueError, match="must name N, C"):
        stax.MaxPool((2, 2), spec="NHW")


# ---------------------------------------------------------------- elementwise layers


def numpy_softmax(x):
    e = np.exp(x - x.max(-1, keepdims=True))
    return e / e.sum(-1, keepdims=True)


SELU_ALPHA, SELU_SCALE = 1.6732632423543772, 1.0507009873554805
ELEMENTWISE = {
    "Tanh": np.tanh,
    "Relu": lambda x: np.maximum(x, 0),
    "Exp": np.exp,
    "LogSoftmax": lambda x: np.log(numpy_softmax(x)),
    "Softmax": numpy_softmax,
    "Softplus": lambda x: np.log1p(np.exp(x)),
    "Sigmoid": lambda x: 1 / (1 + np.exp(-x)),
    "Elu": lambda x: np.where(x > 0, x, np.expm1(x)),
    "LeakyRelu": lambda x: np.where(x > 0, x, 0.01 * x),
    "Selu": lambda x: SELU_SCALE * np.where(x > 0, x, SELU_ALPHA * np.expm1(x)),
    "Gelu": lambda x: 0.5 * x * (1 + np.tanh(np.sqrt(2 / np.pi) * (x + 0.044715 * x ** 3))),
    "Identity": lambda x: x,
}


@pytest.mark.parametrize("name", list(ELEMENTWISE))
def test_elementwise_layer_matches_numpy(name):
    x = 2 * randn(3, 4)
    out_shape, params, y = init_and_apply(getattr(stax, name), jnp.asarray(x))
    assert tuple(out_shape) == x.shape and params == ()
    np.testing.assert_allclose(np.asarray(y), ELEMENTWISE[name](x.astype(np.float64)),
                               rtol=2e-5, atol=1e-6)


def test_elementwise_passes_keyword_arguments():
    _, apply_fun = stax.elementwise(numax.nn.leaky_relu, negative_slope=0.5)
    np.testing.assert_allclose(np.asarray(apply_fun((), jnp.asarray([-2.0, 3.0]))), [-1.0, 3.0])


# ---------------------------------------------------------------- dropout


def test_dropout_keeps_with_probability_rate_and_rescales():
    rate, x = 0.7, 1 + np.abs(randn(100, 100))
    _, apply_fun = stax.Dropout(rate)
    y = np.asarray(apply_fun((), jnp.asarray(x), rng=KEY))
    kept = y != 0
    np.testing.assert_allclose(y[kept], x[kept] / rate, rtol=1e-6)
    # Binomial(10000, 0.7): the kept fraction lies within 5 standard deviations of 0.7.
    assert abs(kept.mean() - rate) < 5 * math.sqrt(rate * (1 - rate) / kept.size)
    np.testing.assert_array_equal(np.asarray(apply_fun((), jnp.asarray(x), rng=KEY)), y)
    other = np.asarray(apply_fun((), jnp.asarray(x), rng=random.PRNGKey(1)))
    assert (other != y).any()


def test_dropout_test_mode_is_the_identity():
    x = randn(4, 5)
    _, apply_fun = stax.Dropout(0.5, mode="test")
    np.testing.assert_array_equal(np.asarray(apply_fun((), jnp.asarray(x), rng=KEY)), x)
    np.testing.assert_array_equal(np.asarray(apply_fun((), jnp.asarray(x))), x)


def test_dropout_in_train_mode_needs_a_key():
    with pytest.raises(ValueError, match="needs a PRNG key"):
        stax.Dropout(0.5)[1]((), jnp.ones(3))
    with pytest.raises(ValueError, match="needs a PRNG key"):
        stax.serial(stax.Dense(3), stax.Dropout(0.5))[1](
            stax.serial(stax.Dense(3), stax.Dropout(0.5))[0](KEY, (2, 3))[1], jnp.ones((2, 3)))


def test_serial_gives_each_layer_its_own_key():
    init_fun, apply_fun = stax.serial(stax.Dropout(0.5), stax.FanOut(1), stax.parallel(
        stax.Dropout(0.5)), stax.FanInSum)
    _, params = init_fun(KEY, (50, 50))
    ones = np.ones((50, 50), np.float32)
    y = np.asarray(apply_fun(params, jnp.asarray(ones), rng=KEY))
    # Two independent masks: about a quarter of the entries survive both, scaled by 4; a
    # shared key would keep half of them.
    survived = y != 0
    np.testing.assert_allclose(y[survived], 4.0)
    assert abs(survived.mean() - 0.25) < 5 * math.sqrt(0.25 * 0.75 / y.size)


# ---------------------------------------------------------------- fan-out / fan-in / combinators


def test_fan_layers_and_parallel_match_numpy():
    x = randn(2, 5)
    layer = stax.serial(stax.FanOut(3), stax.parallel(stax.Dense(2), stax.Identity, stax.Tanh),
                        stax.FanInConcat(axis=1))
    out_shape, params, y = init_and_apply(layer, jnp.asarray(x))
    (W, b), identity_params, tanh_params = params[1]
    assert identity_params == tanh_params == () and params[0] == params[2] == ()
    expected = np.concatenate([x @ np.asarray(W) + np.asarray(b), x, np.tanh(x)], axis=1)
    assert tuple(out_shape) == (2, 12)
    np.testing.assert_allclose(np.asarray(y), expected, rtol=1e-5, atol=1e-6)

    a, b = randn(2, 3), randn(2, 3)
    out_shape, _, total = init_and_apply(stax.FanInSum, [jnp.asarray(a), jnp.asarray(b)])
    assert tuple(out_shape) == (2, 3)
    np.testing.assert_allclose(np.asarray(total), a + b, rtol=1e-6)


def test_parallel_needs_one_input_per_layer():
    init_fun, _ = stax.parallel(stax.Tanh, stax.Relu)
    with pytest.raises(ValueError, match="got 3 inputs for 2 layers"):
        init_fun(KEY, [(2,), (2,), (2,)])


def test_shape_dependent_builds_the_layer_for_the_input_shape():
    layer = stax.shape_dependent(lambda shape: stax.Dense(shape[-1] + 1))
    x = randn(3, 4)
    out_shape, (W, b), y = init_and_apply(layer, jnp.asarray(x))
    assert tuple(out_shape) == (3, 5) and W.shape == (4, 5)
    np.testing.assert_allclose(np.asarray(y), x @ np.asarray(W) + np.asarray(b), rtol=1e-5,
                               atol=1e-6)


# ---------------------------------------------------------------- training


def test_mlp_trained_with_adam_decreases_the_loss():
    inputs = randn(32, 3)
    targets = np.sin(inputs @ np.array([[1.0], [-2.0], [0.5]], np.float32))
    init_fun, apply_fun = stax.serial(stax.Dense(16), stax.Tanh, stax.Dense(16), stax.Relu,
                                      stax.Dense(1))
    _, params = init_fun(KEY, (-1, 3))
    opt_init, opt_update, get_params = optimizers.adam(0.02)

    def loss(params):
        return jnp.mean((apply_fun(params, inputs) - targets) ** 2)

    @numax.jit
    def step(i, state):
        value, grads = numax.value_and_grad(loss)(get_params(state))
        return value, opt_update(i, grads, state)

    state = opt_init(params)
    losses = []
    for i in range(31):  # step i reports the loss before its update
        value, state = step(i, state)
        losses.append(float(value))
    assert all(np.isfinite(losses))
    assert losses[-1] < 0.5 * losses[0]
    assert len(tree_leaves(get_params(state))) == 6
