"""numax.image against a NumPy reference written from the kernels' published definitions
(triangle; Keys 1981 cubic convolution with a = -0.5; Lanczos windowed sinc), pixel by
pixel, and against scipy.ndimage.zoom for linear resampling."""

import numpy as np
import pytest
import scipy.ndimage
from hypothesis import given, settings, strategies as st

import numax
import numax.numpy as jnp
from numax import image
from numax.test_util import check_grads


def _triangle(x):
    return max(0.0, 1.0 - abs(x))


def _keys(x, a=-0.5):
    x = abs(x)
    if x < 1:
        return (a + 2) * x**3 - (a + 3) * x**2 + 1
    if x < 2:
        return a * x**3 - 5 * a * x**2 + 8 * a * x - 4 * a
    return 0.0


def _lanczos(n):
    return lambda x: float(np.sinc(x) * np.sinc(x / n)) if abs(x) < n else 0.0


_KERNELS = {"linear": _triangle, "cubic": _keys, "lanczos3": _lanczos(3), "lanczos5": _lanczos(5)}


def _resample_axis(x, axis, out_size, scale, translation, kernel, antialias):
    """Each output pixel j: its centre j + 0.5 mapped back to input coordinates, then a
    normalised kernel-weighted sum of the input pixels (centres i + 0.5)."""
    x = np.moveaxis(np.asarray(x, np.float64), axis, 0)
    in_size = x.shape[0]
    width = max(1.0, 1.0 / scale) if antialias else 1.0
    out = np.zeros((out_size,) + x.shape[1:])
    for j in range(out_size):
        centre = (j + 0.5 - translation) / scale  # in input coordinates
        if not 0.0 <= centre <= in_size:
            continue
        weights = np.array([kernel((centre - (i + 0.5)) / width) for i in range(in_size)])
        if abs(weights.sum()) > 1000 * np.finfo(np.float32).eps:
            out[j] = np.tensordot(weights / weights.sum(), x, axes=(0, 0))
    return np.moveaxis(out, 0, axis)


def _reference_resize(x, shape, method, antialias):
    for axis, (n_in, n_out) in enumerate(zip(x.shape, shape)):
        if n_in != n_out:
            x = _resample_axis(x, axis, n_out, n_out / n_in, 0.0, _KERNELS[method], antialias)
    return x


def _reference_nearest(x, shape):
    for axis, (n_in, n_out) in enumerate(zip(x.shape, shape)):
        picks = [min(int(np.floor((j + 0.5) * n_in / n_out)), n_in - 1) for j in range(n_out)]
        x = np.take(x, picks, axis=axis)
    return x


@settings(max_examples=20, deadline=None)
@given(method=st.sampled_from(sorted(_KERNELS)), antialias=st.booleans(),
       in_shape=st.tuples(st.integers(1, 7), st.integers(1, 7)),
       out_shape=st.tuples(st.integers(1, 9), st.integers(1, 9)), seed=st.integers(0, 999))
def test_resize_matches_reference(method, antialias, in_shape, out_shape, seed):
    x = np.random.default_rng(seed).uniform(-1, 1, in_shape + (2,)).astype(np.float32)
    shape = out_shape + (2,)
    out = image.resize(x, shape, method, antialias=antialias)
    assert out.shape == shape and out.dtype == np.float32
    np.testing.assert_allclose(np.asarray(out), _reference_resize(x, shape, method, antialias),
                               rtol=2e-5, atol=2e-5)


@settings(max_examples=15, deadline=None)
@given(in_shape=st.tuples(st.integers(1, 6), st.integers(1, 6)),
       out_shape=st.tuples(st.integers(1, 9), st.integers(1, 9)), seed=st.integers(0, 999))
def test_nearest(in_shape, out_shape, seed):
    x = np.random.default_rng(seed).integers(0, 100, in_shape).astype(np.int32)
    out = image.resize(x, out_shape, "nearest")
    assert out.dtype == np.int32
    np.testing.assert_array_equal(np.asarray(out), _reference_nearest(x, out_shape))


def test_linear_matches_scipy_zoom():
    # Half-pixel-centred linear interpolation with edge clamping is scipy's zoom with
    # grid_mode=True, order=1, mode='nearest' (upsampling, or downsampling without antialias).
    x = np.random.default_rng(1).uniform(size=(6, 5)).astype(np.float32)
    for shape, antialias in [((13, 11), True), ((4, 3), False)]:
        expected = scipy.ndimage.zoom(x.astype(np.float64), (shape[0] / 6, shape[1] / 5),
                                      order=1, grid_mode=True, mode="nearest")
        np.testing.assert_allclose(np.asarray(image.resize(x, shape, "bilinear",
                                                           antialias=antialias)),
                                   expected, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("method", sorted(_KERNELS))
def test_scale_and_translate(method):
    x = np.random.default_rng(2).uniform(size=(2, 7, 6)).astype(np.float32)
    scale, translation = np.array([0.6, 1.7]), np.array([0.8, -1.3])
    out = image.scale_and_translate(x, (2, 5, 9), (1, 2), scale, translation, method)
    expected = _resample_axis(x, 1, 5, 0.6, 0.8, _KERNELS[method], True)
    expected = _resample_axis(expected, 2, 9, 1.7, -1.3, _KERNELS[method], True)
    np.testing.assert_allclose(np.asarray(out), expected, rtol=2e-5, atol=2e-5)
    traced = numax.jit(lambda s, t: image.scale_and_translate(x, (2, 5, 9), (1, 2), s, t, method))
    np.testing.assert_allclose(np.asarray(traced(scale, translation)), expected, rtol=2e-5,
                               atol=2e-5)


def test_jit_vmap_and_integer_images():
    x = np.arange(2 * 4 * 5).reshape(2, 4, 5).astype(np.uint8)
    resize = lambda a: image.resize(a, (6, 3), "cubic")  # noqa: E731
    out = numax.vmap(resize)(x)
    assert out.dtype == np.float32
    expected = np.stack([_reference_resize(a, (6, 3), "cubic", True) for a in x])
    np.testing.assert_allclose(np.asarray(out), expected, rtol=1e-5, atol=1e-4)
    np.testing.assert_allclose(np.asarray(numax.jit(resize)(x[0])), expected[0], rtol=1e-5,
                               atol=1e-4)


def test_gradients():
    x = np.random.default_rng(3).uniform(size=(4, 3))
    with numax.enable_x64():
        check_grads(lambda a: image.resize(a, (3, 5), "lanczos3"), (x,), order=1)
        check_grads(lambda s: image.scale_and_translate(x, (5, 3), (0,), s, jnp.zeros(1),
                                                        "linear"),
                    (np.array([1.3]),), order=1, modes=("rev",))


def test_errors():
    x = np.ones((3, 3), np.float32)
    with pytest.raises(ValueError, match="Unknown resize method"):
        image.resize(x, (4, 4), "bogus")
    with pytest.raises(ValueError, match="rank"):
        image.resize(x, (4,), "linear")
    with pytest.raises(ValueError, match="nearest"):
        image.scale_and_translate(x, (4, 4), (0, 1), [1.0, 1.0], [0.0, 0.0], "nearest")
    with pytest.raises(ValueError, match="not a spatial dim"):
        image.scale_and_translate(x, (4, 5), (0,), [1.0], [0.0], "linear")
