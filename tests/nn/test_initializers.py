"""numax.nn.initializers: shapes and dtypes, sample statistics against the target
variances (fans computed by hand here), the distributions' supports and shapes
(Kolmogorov-Smirnov against scipy.stats), JAX's own random vectors for the draws that are
a rescaled uniform or normal, orthogonality of `orthogonal` and the structure of
`delta_orthogonal`, and clear errors for unsupported arguments.
"""

import json
import pathlib

import ml_dtypes
import numpy as np
import pytest
import scipy.stats as stats

import numax
from numax import random
from numax.nn import initializers as init

KEY = random.PRNGKey(0)
VECTORS = json.loads((pathlib.Path(__file__).resolve().parents[3] / "shared" / "reference" /
                      "prng_vectors.json").read_text())

# name -> (builder, scale, mode, distribution)
VARIANCE_SCALING = {
    "glorot_uniform": (init.glorot_uniform, 1.0, "fan_avg", "uniform"),
    "glorot_normal": (init.glorot_normal, 1.0, "fan_avg", "truncated_normal"),
    "xavier_uniform": (init.xavier_uniform, 1.0, "fan_avg", "uniform"),
    "xavier_normal": (init.xavier_normal, 1.0, "fan_avg", "truncated_normal"),
    "lecun_uniform": (init.lecun_uniform, 1.0, "fan_in", "uniform"),
    "lecun_normal": (init.lecun_normal, 1.0, "fan_in", "truncated_normal"),
    "he_uniform": (init.he_uniform, 2.0, "fan_in", "uniform"),
    "he_normal": (init.he_normal, 2.0, "fan_in", "truncated_normal"),
    "kaiming_uniform": (init.kaiming_uniform, 2.0, "fan_in", "uniform"),
    "kaiming_normal": (init.kaiming_normal, 2.0, "fan_in", "truncated_normal"),
}


def _target_variance(scale, mode, fan_in, fan_out):
    return scale / {"fan_in": fan_in, "fan_out": fan_out,
                    "fan_avg": (fan_in + fan_out) / 2}[mode]


def _check_distribution(sample, distribution, variance):
    """Mean 0, the target variance (to five standard errors; a truncated normal left
    unrescaled would be 29% off) and the right law by a KS test."""
    sample = np.asarray(sample, np.float64).ravel()
    std = np.sqrt(variance)
    assert abs(sample.mean()) < 5 * std / np.sqrt(sample.size)
    np.testing.assert_allclose(sample.var(), variance, rtol=5 * np.sqrt(2 / sample.size))
    if distribution == "uniform":
        law = stats.uniform(-np.sqrt(3) * std, 2 * np.sqrt(3) * std)
    elif distribution == "normal":
        law = stats.norm(0, std)
    else:   # a standard normal cut at +-2, scaled to the target deviation
        law = stats.truncnorm(-2, 2, scale=std / stats.truncnorm(-2, 2).std())
    assert law.support()[0] <= sample.min() and sample.max() <= law.support()[1]
    assert stats.kstest(sample, law.cdf).pvalue > 1e-3


@pytest.mark.parametrize("name", sorted(VARIANCE_SCALING))
def test_named_variance_scaling_initializers(name):
    builder, scale, mode, distribution = VARIANCE_SCALING[name]
    shape = (3, 3, 40, 60)   # a convolution kernel: receptive field 9, in 40, out 60
    w = builder()(KEY, shape)
    assert w.shape == shape and w.dtype == np.float32
    _check_distribution(w, distribution, _target_variance(scale, mode, 9 * 40, 9 * 60))


@pytest.mark.parametrize("mode", ["fan_in", "fan_out", "fan_avg"])
@pytest.mark.parametrize("distribution", ["truncated_normal", "normal", "uniform"])
def test_variance_scaling_modes_and_distributions(mode, distribution):
    w = init.variance_scaling(0.5, mode, distribution)(KEY, (200, 300))
    _check_distribution(w, distribution, _target_variance(0.5, mode, 200, 300))


def test_variance_scaling_axes():
    # batch axis 0, in axis 2, out axes (1, 3): fan_in 30, fan_out 4 * 25
    shape = (16, 4, 30, 25)
    initializer = init.variance_scaling(1.0, "fan_in", "normal", in_axis=2, out_axis=(1, 3),
                                        batch_axis=0)
    _check_distribution(initializer(KEY, shape), "normal", 1 / 30)
    fan_out = init.variance_scaling(1.0, "fan_out", "normal", in_axis=2, out_axis=(1, 3),
                                    batch_axis=(0,))
    _check_distribution(fan_out(KEY, shape), "normal", 1 / 100)
    # in_axis/out_axis swapped for a (out, in) layout
    swapped = init.lecun_normal(in_axis=-1, out_axis=-2)(KEY, (20000, 2))
    _check_distribution(swapped, "truncated_normal", 1 / 2)


@pytest.mark.parametrize("dtype", [np.float16, ml_dtypes.bfloat16, np.float64])
def test_dtypes(dtype):
    with numax.enable_x64(dtype == np.float64):
        builders = [init.glorot_uniform(), init.he_normal(), init.normal(), init.constant(2.0),
                    init.zeros, init.ones]
        if dtype == np.float64:   # the rest compile more; one dtype besides float32 is enough
            builders += [init.orthogonal(), init.uniform(), init.truncated_normal()]
        for builder in builders:
            w = builder(KEY, (4, 6), dtype)
            assert w.dtype == np.dtype(dtype) and w.shape == (4, 6)
        # the builder's dtype is the default of the initializer it returns
        assert init.lecun_uniform(dtype=dtype)(KEY, (3, 2)).dtype == np.dtype(dtype)
    assert init.glorot_normal()(KEY, (3, 2)).dtype == np.float32   # float means float32


def test_complex_normal_variance_scaling():
    w = np.asarray(init.variance_scaling(1.0, "fan_in", "normal", dtype=np.complex64)(
        KEY, (300, 200)))
    assert w.dtype == np.complex64
    np.testing.assert_allclose(np.mean(np.abs(w) ** 2), 1 / 300, rtol=0.03)
    with pytest.raises(TypeError, match="complex"):
        init.glorot_uniform(dtype=np.complex64)(KEY, (3, 3))


def test_draws_are_jax_vectors_rescaled():
    """normal/uniform draw from the same bits as numax.random, which reproduces JAX's
    vectors; the initializers only rescale them."""
    normal = np.asarray(VECTORS["normal(PRNGKey(0), (4,))"], np.float32)
    uniform01 = np.asarray(VECTORS["uniform(PRNGKey(0), (4,))"], np.float32)
    np.testing.assert_allclose(np.asarray(init.normal(0.5)(KEY, (4,))), 0.5 * normal,
                               rtol=1e-6)
    np.testing.assert_allclose(np.asarray(init.uniform(3.0)(KEY, (4,))), 3 * uniform01,
                               rtol=1e-6)
    # (2, 2) draws the same bits as (4,) with the partitionable threefry
    np.testing.assert_allclose(
        np.asarray(init.variance_scaling(2.0, "fan_in", "normal")(KEY, (2, 2))).ravel(),
        normal * np.float32(np.sqrt(np.float32(1.0))), rtol=1e-6)
    np.testing.assert_allclose(
        np.asarray(init.variance_scaling(6.0, "fan_out", "uniform")(KEY, (2, 2))).ravel(),
        (2 * uniform01 - 1) * 3, rtol=1e-6, atol=1e-7)


def test_simple_random_initializers():
    w = np.asarray(init.normal(0.1)(KEY, (400, 250)), np.float64)
    _check_distribution(w, "normal", 0.01)
    u = np.asarray(init.uniform(0.2)(KEY, (400, 250)), np.float64)
    assert u.min() >= 0 and u.max() < 0.2
    assert stats.kstest(u.ravel(), stats.uniform(0, 0.2).cdf).pvalue > 1e-3
    t = np.asarray(init.truncated_normal(0.3, lower=-1.0, upper=1.5)(KEY, (400, 250)))
    law = stats.truncnorm(-1.0, 1.5, scale=0.3)
    assert -0.3 <= t.min() and t.max() <= 0.45
    assert stats.kstest(t.ravel().astype(np.float64), law.cdf).pvalue > 1e-3


def test_constant_zeros_ones():
    np.testing.assert_array_equal(np.asarray(init.constant(-1.5)(KEY, (2, 3))),
                                  np.full((2, 3), -1.5))
    c = init.constant(np.array([1, 2, 3]), dtype=np.int32)(KEY, (2, 3))
    assert c.dtype == np.int32
    np.testing.assert_array_equal(np.asarray(c), [[1, 2, 3], [1, 2, 3]])
    np.testing.assert_array_equal(np.asarray(init.zeros(KEY, (3,))), np.zeros(3))
    np.testing.assert_array_equal(np.asarray(init.ones(KEY, (2, 2), np.int32)),
                                  np.ones((2, 2), np.int32))


@pytest.mark.parametrize("shape", [(7, 4), (4, 7), (5, 5)])
def test_orthogonal_matrices(shape):
    w = np.asarray(init.orthogonal(scale=2.0)(KEY, shape), np.float64) / 2
    small = min(shape)
    gram = w.T @ w if shape[0] >= shape[1] else w @ w.T
    np.testing.assert_allclose(gram, np.eye(small), atol=2e-6)


def test_orthogonal_column_axis_and_float64():
    w = np.asarray(init.orthogonal(column_axis=0)(KEY, (3, 2, 4)))
    columns = np.moveaxis(w, 0, -1).reshape(8, 3)      # rows: the other axes, columns: axis 0
    np.testing.assert_allclose(columns.T @ columns, np.eye(3), atol=2e-6)
    with numax.enable_x64():
        w = np.asarray(init.orthogonal()(KEY, (6, 3), np.float64))
        assert w.dtype == np.float64
        np.testing.assert_allclose(w.T @ w, np.eye(3), atol=1e-13)
    with pytest.raises(ValueError, match="at least 2"):
        init.orthogonal()(KEY, (5,))


def test_orthogonal_is_haar_distributed():
    """The first entry of a Haar-random 3x3 orthogonal matrix is distributed like the first
    coordinate of a uniform point on the sphere: (x + 1) / 2 ~ Beta(1, 1) in 3-D."""
    keys = random.split(KEY, 400)
    firsts = np.asarray(numax.vmap(lambda k: init.orthogonal()(k, (3, 3))[0, 0])(keys))
    assert stats.kstest((firsts + 1) / 2, stats.beta(1, 1).cdf).pvalue > 1e-3


@pytest.mark.parametrize("shape", [(3, 4, 6), (3, 5, 2, 2), (2, 3, 3, 4, 5)])
def test_delta_orthogonal(shape):
    w = np.asarray(init.delta_orthogonal(scale=1.5)(KEY, shape), np.float64)
    assert w.shape == shape
    centre = tuple((k - 1) // 2 for k in shape[:-2])
    matrix = w[centre] / 1.5
    np.testing.assert_allclose(matrix @ matrix.T, np.eye(shape[-2]), atol=2e-6)
    rest = w.copy()
    rest[centre] = 0
    assert not rest.any()
    with pytest.raises(ValueError, match="fan_in"):
        init.delta_orthogonal()(KEY, (3, 6, 4))
    with pytest.raises(ValueError, match="3-D, 4-D or 5-D"):
        init.delta_orthogonal()(KEY, (3, 3))


def test_errors():
    with pytest.raises(ValueError, match="at least 2 dimensions"):
        init.glorot_uniform()(KEY, (10,))
    with pytest.raises(ValueError, match="mode must be"):
        init.variance_scaling(1.0, "fan_middle", "normal")
    with pytest.raises(ValueError, match="distribution must be"):
        init.variance_scaling(1.0, "fan_in", "cauchy")
    with pytest.raises(TypeError, match="floating"):
        init.he_normal()(KEY, (3, 3), np.int32)


def test_jit_and_vmap_over_keys():
    initializer = init.he_uniform()
    eager = np.asarray(initializer(KEY, (5, 4)))
    jitted = np.asarray(numax.jit(lambda k: initializer(k, (5, 4)))(KEY))
    np.testing.assert_array_equal(eager, jitted)
    keys = random.split(KEY, 3)
    batched = np.asarray(numax.vmap(lambda k: initializer(k, (5, 4)))(keys))
    looped = np.stack([np.asarray(initializer(k, (5, 4))) for k in keys])
    np.testing.assert_array_equal(batched, looped)
    assert not np.array_equal(batched[0], batched[1])
