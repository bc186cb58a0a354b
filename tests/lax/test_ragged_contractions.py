"""ragged_dot_general in its three modes (and ragged_dot) against Python loops over the
groups in NumPy, under jit, vmap and differentiation; plus conv_transpose_shape_tuple
against the shape lax.conv_transpose produces and random.key_dtype."""

import numpy as np
import pytest

import numax
from numax import lax
from numax.test_util import check_grads

R = lax.RaggedDotDimensionNumbers
RNG = np.random.default_rng(0)


def _bounds(sizes):
    ends = np.cumsum(sizes)
    return list(zip(ends - sizes, ends))


def _mode1_reference(lhs, rhs, sizes):
    """lhs [b, m, k], rhs [g, b, k, n], sizes (g,) or (b, g) -> [b, m, n]."""
    sizes = np.broadcast_to(sizes, (lhs.shape[0], rhs.shape[0]))
    out = np.zeros((lhs.shape[0], lhs.shape[1], rhs.shape[3]))
    for b in range(lhs.shape[0]):
        for g, (start, end) in enumerate(_bounds(sizes[b])):
            out[b, start:end] = lhs[b, start:end] @ rhs[g, b]
    return out


MODE1 = R((((2,), (2,)), ((0,), (1,))), [1], [0])


@pytest.mark.parametrize("sizes", [np.array([2, 0, 3]), np.array([[2, 0, 3], [1, 4, 2]])])
def test_ragged_free_dimension(sizes):
    lhs, rhs = RNG.standard_normal((2, 7, 3)), RNG.standard_normal((3, 2, 3, 4))
    got = numax.jit(lambda a, b, s: lax.ragged_dot_general(a, b, s, MODE1))(
        lhs.astype(np.float32), rhs.astype(np.float32), sizes.astype(np.int32))
    np.testing.assert_allclose(np.asarray(got), _mode1_reference(lhs, rhs, sizes), rtol=1e-5,
                               atol=1e-5)
    with numax.enable_x64():
        check_grads(lambda a, b: lax.ragged_dot_general(a, b, sizes, MODE1), (lhs, rhs), 1)


def test_ragged_contracting_dimension():
    lhs, rhs = RNG.standard_normal((2, 3, 6)), RNG.standard_normal((2, 6, 2))
    sizes = np.array([1, 3, 1])
    numbers = R((((2,), (1,)), ((0,), (0,))), [2], [])
    got = lax.ragged_dot_general(lhs.astype(np.float32), rhs.astype(np.float32), sizes,
                                 numbers)
    want = np.stack([np.einsum("bmk,bkn->bmn", lhs[..., s:e], rhs[:, s:e])
                     for s, e in _bounds(sizes)])
    assert got.shape == (3, 2, 3, 2)
    np.testing.assert_allclose(np.asarray(got), want, rtol=1e-5, atol=1e-5)
    with numax.enable_x64():
        check_grads(lambda a, b: lax.ragged_dot_general(a, b, sizes, numbers), (lhs, rhs), 1)


def test_ragged_batch_dimension():
    lhs, rhs = RNG.standard_normal((5, 2, 3)), RNG.standard_normal((5, 3, 2))
    numbers = R((((2,), (1,)), ((0,), (0,))), [0], [])
    got = lax.ragged_dot_general(lhs, rhs, np.array([1, 2]), numbers)
    want = np.einsum("bmk,bkn->bmn", lhs, rhs)
    want[3:] = 0
    np.testing.assert_allclose(np.asarray(got), want, rtol=1e-5, atol=1e-5)


def test_ragged_dot_and_vmap():
    lhs, rhs = RNG.standard_normal((4, 7, 3)), RNG.standard_normal((3, 3, 2))
    sizes = np.array([3, 1, 2])
    got = numax.vmap(lambda a: lax.ragged_dot(a, rhs, sizes))(lhs)
    want = np.stack([_mode1_reference(a[None], rhs[:, None], sizes)[0] for a in lhs])
    np.testing.assert_allclose(np.asarray(got), want, rtol=1e-5, atol=1e-5)


def test_ragged_errors_name_the_mistake():
    lhs, rhs = np.ones((5, 2), np.float32), np.ones((3, 2, 4), np.float32)
    with pytest.raises(TypeError, match="group_sizes must be an integer"):
        lax.ragged_dot(lhs, rhs, np.ones(3, np.float32))
    with pytest.raises(ValueError, match="one group dimension of size 2"):
        lax.ragged_dot_general(lhs, rhs, np.array([1, 2]), R((((1,), (1,)), ((), ())), [0], [0]))
    with pytest.raises(ValueError, match="rhs_group_dimensions must be empty"):
        lax.ragged_dot_general(lhs, np.ones((2, 4), np.float32), np.array([1, 1]),
                               R((((1,), (0,)), ((), ())), [1], [1]))
    with pytest.raises(ValueError, match="exactly one axis"):
        lax.ragged_dot_general(lhs, rhs, np.array([1, 2, 2]), R((((1,), (1,)), ((), ())), [], [0]))
    with pytest.raises(NotImplementedError, match="group_offset"):
        lax.ragged_dot(lhs, rhs, np.array([1, 2, 2]), group_offset=np.array([1]))


@pytest.mark.parametrize("numbers,lhs_shape,rhs_shape", [
    (("NHWC", "HWIO", "NHWC"), (2, 5, 6, 3), (3, 2, 3, 4)),
    (("NCHW", "OIHW", "NCHW"), (1, 3, 4, 7), (2, 3, 1, 4))])
@pytest.mark.parametrize("padding", ["SAME", "VALID", [(1, 2), (0, 1)]])
@pytest.mark.parametrize("strides", [(1, 1), (2, 3)])
def test_conv_transpose_shape_tuple_matches_conv_transpose(numbers, lhs_shape, rhs_shape,
                                                           padding, strides):
    out = lax.conv_transpose(np.ones(lhs_shape, np.float32), np.ones(rhs_shape, np.float32),
                             strides, padding, dimension_numbers=numbers)
    assert lax.conv_transpose_shape_tuple(lhs_shape, rhs_shape, strides, padding,
                                          numbers) == tuple(out.shape)


def test_key_dtype_is_the_dtype_of_typed_keys():
    assert numax.random.key_dtype() == numax.random.key(3).dtype
    assert numax.random.key_dtype("threefry2x32") == numax.random.key(3).dtype
    with pytest.raises(NotImplementedError, match="rbg"):
        numax.random.key_dtype("rbg")
