"""numax/lax/conv_utils.py: patch extraction and locally connected convolutions against
NumPy loops, shape helpers against the shapes conv_general_dilated produces, and
gradients by check_grads."""

import numpy as np
import pytest

import numax
from numax import lax
from numax.test_util import check_grads

RNG = np.random.default_rng(5)
DN = ("NHWC", "HWIO", "NHWC")


def _patches_reference(x, filter_shape, strides):
    """NHWC patches with channel-major feature order, by loops ('VALID' padding)."""
    n, h, w, c = x.shape
    fh, fw = filter_shape
    oh, ow = (h - fh) // strides[0] + 1, (w - fw) // strides[1] + 1
    out = np.zeros((n, oh, ow, c * fh * fw), x.dtype)
    for i in range(oh):
        for j in range(ow):
            window = x[:, i * strides[0]:i * strides[0] + fh, j * strides[1]:j * strides[1] + fw]
            out[:, i, j] = window.transpose(0, 3, 1, 2).reshape(n, -1)
    return out


def test_patches_match_loops_in_two_layouts():
    x = RNG.standard_normal((2, 5, 6, 3)).astype(np.float32)
    want = _patches_reference(x, (2, 3), (1, 2))
    got = lax.conv_general_dilated_patches(x, (2, 3), (1, 2), "VALID", dimension_numbers=DN)
    np.testing.assert_array_equal(np.asarray(got), want)
    nchw = lax.conv_general_dilated_patches(x.transpose(0, 3, 1, 2), (2, 3), (1, 2), "VALID")
    np.testing.assert_array_equal(np.asarray(nchw), want.transpose(0, 3, 1, 2))


def test_local_convolution_matches_loops_and_differentiates():
    x = RNG.standard_normal((2, 5, 6, 3))
    patches = _patches_reference(x, (2, 3), (1, 2))
    w = RNG.standard_normal(patches.shape[1:3] + (patches.shape[3], 4))
    got = numax.jit(lambda a, b: lax.conv_general_dilated_local(
        a, b, (1, 2), "VALID", (2, 3), dimension_numbers=DN))(x.astype(np.float32),
                                                              w.astype(np.float32))
    np.testing.assert_allclose(np.asarray(got), np.einsum("nijk,ijko->nijo", patches, w),
                               rtol=1e-4, atol=1e-4)
    with numax.enable_x64():
        check_grads(lambda a, b: lax.conv_general_dilated_local(
            a, b, (1, 2), "VALID", (2, 3), dimension_numbers=DN), (x, w), 1)


@pytest.mark.parametrize("padding", ["VALID", "SAME", ((1, 0), (2, 1))])
def test_shape_tuples_match_conv_general_dilated(padding):
    lhs, rhs = np.zeros((2, 7, 9, 3), np.float32), np.zeros((3, 2, 3, 4), np.float32)
    out = lax.conv_general_dilated(lhs, rhs, (2, 1), padding, dimension_numbers=DN)
    assert lax.conv_general_shape_tuple(lhs.shape, rhs.shape, (2, 1), padding, DN) == out.shape
    canonical = lax.conv_general_dilated(lhs.transpose(0, 3, 1, 2), rhs.transpose(3, 2, 0, 1),
                                         (2, 1), padding)
    assert lax.conv_shape_tuple((2, 3, 7, 9), (4, 3, 3, 2)[:2] + (3, 2), (2, 1),
                                padding) == canonical.shape


def test_permutations_match_dimension_numbers():
    numbers = lax.conv_dimension_numbers((1,) * 4, (1,) * 4, DN)
    assert lax.conv_general_permutations(DN) == tuple(numbers)
    with pytest.raises(TypeError, match="layout strings"):
        lax.conv_general_permutations(((0, 1), (0, 1), (0, 1)))
