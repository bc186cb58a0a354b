"""conv_general_dilated and its wrappers against a direct NumPy convolution, SciPy's
correlate, and the adjoint identity that defines conv_transpose."""

import numpy as np
import pytest
import scipy.signal

import numax
from numax import lax
from numax.core import dtypes
from numax.core.errors import NumaxTypeError

rng = np.random.default_rng(7)


def _rand(shape, dtype="float32"):
    dtype = np.dtype(dtype)
    if dtype.kind in "iu":
        return rng.integers(-4 if dtype.kind == "i" else 0, 5, size=shape).astype(dtype)
    if dtype.kind == "c":
        return (rng.standard_normal(shape) + 1j * rng.standard_normal(shape)).astype(dtype)
    return rng.standard_normal(shape).astype(dtype)


# ---------------------------------------------------------------- NumPy reference

def _dilate(x, axis, factor):
    """Inserts factor - 1 zeros between neighbours along axis."""
    if factor == 1 or x.shape[axis] == 0:
        return x
    shape = list(x.shape)
    shape[axis] = (shape[axis] - 1) * factor + 1
    out = np.zeros(shape, x.dtype)
    index = [slice(None)] * x.ndim
    index[axis] = slice(None, None, factor)
    out[tuple(index)] = x
    return out


def _pad(x, axis, low, high):
    """Zero-pads (positive) or crops (negative) one axis."""
    if low < 0:
        x = np.take(x, np.arange(-low, x.shape[axis]), axis=axis)
        low = 0
    if high < 0:
        x = np.take(x, np.arange(0, x.shape[axis] + high), axis=axis)
        high = 0
    widths = [(0, 0)] * x.ndim
    widths[axis] = (low, high)
    return np.pad(x, widths)


def _valid_correlation(lhs, rhs, strides):
    """lhs (N, C, *S), rhs (O, C, *K): strided 'valid' cross-correlation by im2col."""
    spatial = lhs.ndim - 2
    window = rhs.shape[2:]
    if any(s < k for s, k in zip(lhs.shape[2:], window)):
        out_spatial = tuple(max(0, (s - k) // st + 1)
                            for s, k, st in zip(lhs.shape[2:], window, strides))
        return np.zeros((lhs.shape[0], rhs.shape[0]) + out_spatial, np.result_type(lhs, rhs))
    patches = np.lib.stride_tricks.sliding_window_view(lhs, window, axis=tuple(range(2, lhs.ndim)))
    patches = patches[(slice(None), slice(None)) + tuple(slice(None, None, s) for s in strides)]
    letters = "pqrstu"[:spatial]
    kernel = "xyzw"[:spatial]
    return np.einsum(f"nc{letters}{kernel},oc{kernel}->no{letters}", patches, rhs)


def conv_reference(lhs, rhs, strides, padding, lhs_dilation=None, rhs_dilation=None,
                   numbers=None, feature_groups=1, batch_groups=1):
    """conv_general_dilated computed directly: dilate, pad, correlate each group, concat."""
    spatial = lhs.ndim - 2
    lhs_spec, rhs_spec, out_spec = numbers or [tuple(range(lhs.ndim))] * 3
    lhs = np.transpose(lhs, lhs_spec)
    rhs = np.transpose(rhs, rhs_spec)
    for i in range(spatial):
        lhs = _dilate(lhs, 2 + i, (lhs_dilation or [1] * spatial)[i])
        lhs = _pad(lhs, 2 + i, *padding[i])
        rhs = _dilate(rhs, 2 + i, (rhs_dilation or [1] * spatial)[i])
    if feature_groups > 1:
        lhs_parts = np.split(lhs, feature_groups, axis=1)
        rhs_parts = np.split(rhs, feature_groups, axis=0)
    elif batch_groups > 1:
        lhs_parts = np.split(lhs, batch_groups, axis=0)
        rhs_parts = np.split(rhs, batch_groups, axis=0)
    else:
        lhs_parts, rhs_parts = [lhs], [rhs]
    out = np.concatenate([_valid_correlation(l, r, strides) for l, r in
                          zip(lhs_parts, rhs_parts)], axis=1)
    return np.transpose(out, np.argsort(out_spec))


def _wide(x):
    return np.asarray(x, {"f": np.float64, "c": np.complex128, "i": np.int64,
                          "u": np.int64}.get(np.asarray(x).dtype.kind, np.float64))


def _check(out, expected, dtype="float32", tol=1e-4):
    assert out.shape == expected.shape, (out.shape, expected.shape)
    assert out.dtype == np.dtype(dtype)
    if np.dtype(dtype).kind in "iu":
        np.testing.assert_array_equal(np.asarray(out), expected.astype(dtype))
    else:
        np.testing.assert_allclose(np.asarray(out).astype(expected.dtype), expected, rtol=tol,
                                   atol=tol)


# ---------------------------------------------------------------- conv_general_dilated

@pytest.mark.parametrize("lhs_shape,rhs_shape,kwargs", [
    # NCHW/OIHW default layout
    ((2, 3, 7, 6), (4, 3, 3, 2), dict(window_strides=(1, 1), padding=((0, 0), (0, 0)))),
    # stride 2 with explicit asymmetric padding
    ((2, 3, 9, 8), (4, 3, 3, 3), dict(window_strides=(2, 2), padding=((1, 2), (0, 1)))),
    # negative padding crops
    ((1, 2, 8, 8), (3, 2, 2, 3), dict(window_strides=(1, 2), padding=((-1, 2), (1, -2)))),
    # lhs dilation (transposed conv) and rhs dilation (atrous)
    ((1, 2, 5, 4), (3, 2, 3, 3), dict(window_strides=(1, 1), padding=((2, 2), (1, 1)),
                                      lhs_dilation=(2, 3))),
    ((1, 2, 9, 9), (3, 2, 3, 2), dict(window_strides=(1, 2), padding=((0, 0), (1, 1)),
                                      rhs_dilation=(2, 3))),
    # 1-d and 3-d
    ((3, 2, 10), (4, 2, 3), dict(window_strides=(2,), padding=((1, 1),), rhs_dilation=(2,))),
    ((1, 2, 5, 4, 6), (3, 2, 2, 3, 2), dict(window_strides=(1, 2, 2),
                                            padding=((1, 0), (0, 1), (1, 1)))),
    # window larger than the input: empty output
    ((1, 1, 2, 5), (1, 1, 3, 3), dict(window_strides=(1, 1), padding=((0, 0), (0, 0)))),
])
def test_conv_matches_reference(lhs_shape, rhs_shape, kwargs):
    lhs, rhs = _rand(lhs_shape), _rand(rhs_shape)
    out = lax.conv_general_dilated(lhs, rhs, **kwargs)
    expected = conv_reference(_wide(lhs), _wide(rhs), kwargs["window_strides"], kwargs["padding"],
                              kwargs.get("lhs_dilation"), kwargs.get("rhs_dilation"))
    _check(out, expected)


@pytest.mark.parametrize("layout,lhs_shape,rhs_shape", [
    (("NHWC", "HWIO", "NHWC"), (2, 7, 6, 3), (3, 2, 3, 4)),
    (("NCHW", "OIHW", "NHWC"), (2, 3, 7, 6), (4, 3, 3, 2)),
    (("NWHC", "WHIO", "CHWN"), (2, 6, 7, 3), (2, 3, 3, 4)),  # spatial order from the kernel
    (("NWC", "WIO", "NWC"), (2, 9, 3), (3, 3, 5)),
    (("NDHWC", "DHWIO", "NDHWC"), (1, 4, 5, 4, 2), (2, 3, 2, 2, 3)),
])
def test_conv_dimension_number_layouts(layout, lhs_shape, rhs_shape):
    lhs, rhs = _rand(lhs_shape), _rand(rhs_shape)
    spatial = len(lhs_shape) - 2
    strides = (2,) + (1,) * (spatial - 1)
    padding = tuple((1, 0) for _ in range(spatial))
    numbers = lax.conv_dimension_numbers(lhs_shape, rhs_shape, layout)
    out = lax.conv_general_dilated(lhs, rhs, strides, padding, dimension_numbers=layout)
    # Independent route: move every operand to NC+spatial order by letter, then compare.
    lhs_string, rhs_string, out_string = layout
    spatial_letters = [c for c in rhs_string if c not in "OI"]
    to_standard = lambda s, a, b: [s.index(a), s.index(b)] + [s.index(c) for c in spatial_letters]
    lhs_std = np.transpose(lhs, to_standard(lhs_string, "N", "C"))
    rhs_std = np.transpose(rhs, to_standard(rhs_string, "O", "I"))
    expected_std = conv_reference(_wide(lhs_std), _wide(rhs_std), strides, padding)
    expected = np.transpose(expected_std, np.argsort(to_standard(out_string, "N", "C")))
    _check(out, expected)
    assert tuple(numbers.lhs_spec) == tuple(to_standard(lhs_string, "N", "C"))


def test_conv_dimension_numbers_forms():
    numbers = lax.conv_dimension_numbers((1, 5, 5, 3), (3, 3, 3, 8), ("NHWC", "HWIO", "NHWC"))
    assert numbers == lax.ConvDimensionNumbers((0, 3, 1, 2), (3, 2, 0, 1), (0, 3, 1, 2))
    assert lax.conv_dimension_numbers((1, 2, 3), (1, 2, 3), None) == \
        lax.ConvDimensionNumbers((0, 1, 2), (0, 1, 2), (0, 1, 2))
    assert lax.conv_dimension_numbers((1, 5, 5, 3), (3, 3, 3, 8), numbers) == numbers
    with pytest.raises(TypeError, match="'NHW' has 3 letters but the operands have rank 4"):
        lax.conv_dimension_numbers((1, 5, 5, 3), (3, 3, 3, 8), ("NHW", "HWIO", "NHWC"))
    with pytest.raises(TypeError, match="exactly one 'O' and one 'I'"):
        lax.conv_dimension_numbers((1, 5, 5, 3), (3, 3, 3, 8), ("NHWC", "HWIX", "NHWC"))
    with pytest.raises(TypeError, match="spatial letters"):
        lax.conv_dimension_numbers((1, 5, 5, 3), (3, 3, 3, 8), ("NHWC", "HDIO", "NHWC"))


@pytest.mark.parametrize("mode", ["SAME", "SAME_LOWER", "VALID"])
@pytest.mark.parametrize("size,window,stride,dilation", [(7, 3, 1, 1), (8, 4, 2, 1),
                                                         (9, 3, 2, 2), (5, 6, 3, 1)])
def test_string_padding(mode, size, window, stride, dilation):
    lhs, rhs = _rand((1, 2, size, 4)), _rand((3, 2, window, 1))
    out = lax.conv_general_dilated(lhs, rhs, (stride, 1), mode, rhs_dilation=(dilation, 1))
    # The TensorFlow/XLA convention, written out independently of padtype_to_pads.
    effective = (window - 1) * dilation + 1
    if mode == "VALID":
        pads = (0, 0)
        assert out.shape[2] == max(0, (size - effective) // stride + 1)
    else:
        out_size = -(-size // stride)
        total = max((out_size - 1) * stride + effective - size, 0)
        pads = (total // 2, total - total // 2) if mode == "SAME" else \
            (total - total // 2, total // 2)
        assert out.shape[2] == out_size
    expected = conv_reference(_wide(lhs), _wide(rhs), (stride, 1), (pads, (0, 0)),
                              rhs_dilation=(dilation, 1))
    _check(out, expected)


def test_padtype_to_pads():
    assert lax.padtype_to_pads((5, 6), (3, 3), (2, 2), "SAME") == [(1, 1), (0, 1)]
    assert lax.padtype_to_pads((6,), (4,), (1,), "same_lower") == [(2, 1)]
    assert lax.padtype_to_pads((5, 6), (3, 3), (2, 2), "VALID") == [(0, 0), (0, 0)]
    with pytest.raises(ValueError, match="padding type.*'FULL'"):
        lax.padtype_to_pads((5,), (3,), (1,), "FULL")


@pytest.mark.parametrize("groups,lhs_shape,rhs_shape", [
    (2, (2, 4, 6, 5), (6, 2, 3, 3)),   # grouped
    (3, (1, 3, 6, 6), (3, 1, 3, 3)),   # depthwise
    (3, (1, 3, 6, 6), (6, 1, 2, 2)),   # depthwise with channel multiplier 2
])
def test_feature_group_count(groups, lhs_shape, rhs_shape):
    lhs, rhs = _rand(lhs_shape), _rand(rhs_shape)
    out = lax.conv_general_dilated(lhs, rhs, (1, 1), "VALID", feature_group_count=groups)
    expected = conv_reference(_wide(lhs), _wide(rhs), (1, 1), ((0, 0), (0, 0)),
                              feature_groups=groups)
    _check(out, expected)


def test_depthwise_nhwc():
    lhs, rhs = _rand((2, 6, 6, 4)), _rand((3, 3, 1, 4))
    out = lax.conv_general_dilated(lhs, rhs, (1, 1), "SAME", feature_group_count=4,
                                   dimension_numbers=("NHWC", "HWIO", "NHWC"))
    # Depthwise written as a per-channel loop of 2-d correlations.
    padded = np.pad(_wide(lhs), ((0, 0), (1, 1), (1, 1), (0, 0)))
    kernel = _wide(rhs)
    expected = np.zeros((2, 6, 6, 4))
    for n in range(2):
        for c in range(4):
            expected[n, :, :, c] = scipy.signal.correlate(padded[n, :, :, c], kernel[:, :, 0, c],
                                                          mode="valid")
    _check(out, expected)


def test_batch_group_count():
    lhs, rhs = _rand((4, 3, 5, 5)), _rand((6, 3, 2, 2))
    out = lax.conv_general_dilated(lhs, rhs, (1, 1), "VALID", batch_group_count=2)
    expected = conv_reference(_wide(lhs), _wide(rhs), (1, 1), ((0, 0), (0, 0)), batch_groups=2)
    assert out.shape == (2, 6, 4, 4)
    _check(out, expected)


def test_matches_scipy_correlate():
    image, kernel = _rand((9, 8)), _rand((3, 4))
    out = lax.conv(image[None, None], kernel[None, None], (1, 1), "VALID")
    expected = scipy.signal.correlate(_wide(image), _wide(kernel), mode="valid")
    _check(np.asarray(out)[0, 0], expected)
    full = lax.conv(image[None, None], kernel[None, None], (1, 1), ((2, 2), (3, 3)))
    _check(np.asarray(full)[0, 0], scipy.signal.correlate(_wide(image), _wide(kernel), mode="full"))


@pytest.mark.parametrize("dtype,preferred,result", [
    ("int32", None, "int32"), ("int8", "int32", "int32"), ("complex64", None, "complex64"),
    (dtypes.bfloat16, "float32", "float32")])
def test_conv_dtypes(dtype, preferred, result):
    lhs, rhs = _rand((2, 3, 6, 5), dtype), _rand((4, 3, 3, 2), dtype)
    out = lax.conv_general_dilated(lhs, rhs, (1, 2), ((1, 0), (0, 1)),
                                   preferred_element_type=preferred)
    expected = conv_reference(_wide(lhs.astype(np.float32) if dtype == dtypes.bfloat16 else lhs),
                              _wide(rhs.astype(np.float32) if dtype == dtypes.bfloat16 else rhs),
                              (1, 2), ((1, 0), (0, 1)))
    _check(out, expected, result, tol=1e-3)


def test_conv_float64():
    with numax.core.config.enable_x64():
        lhs, rhs = _rand((1, 2, 6, 6), "float64"), _rand((3, 2, 3, 3), "float64")
        out = lax.conv(numax.array.from_host(lhs), numax.array.from_host(rhs), (1, 1), "SAME")
        _check(out, conv_reference(lhs, rhs, (1, 1), ((1, 1), (1, 1))), "float64", tol=1e-12)


def test_conv_with_general_padding_and_jit():
    lhs, rhs = _rand((1, 2, 5, 5)), _rand((3, 2, 3, 3))
    f = numax.jit(lambda a, b: lax.conv_with_general_padding(a, b, (1, 1), ((1, 2), (2, 1)),
                                                             (2, 1), (1, 2)))
    expected = conv_reference(_wide(lhs), _wide(rhs), (1, 1), ((1, 2), (2, 1)), (2, 1), (1, 2))
    _check(f(lhs, rhs), expected)


def test_precision_reaches_the_lowering():
    text = numax.jit(lambda a, b: lax.conv(a, b, (1, 1), "VALID", precision="highest")).lower(
        _rand((1, 1, 4, 4)), _rand((1, 1, 2, 2))).as_text()
    assert "[#stablehlo<precision HIGHEST>, #stablehlo<precision HIGHEST>]" in text


# ---------------------------------------------------------------- conv_transpose

def _flip_swap(kernel, numbers):
    """The kernel with spatial axes reversed and I/O swapped (what transpose_kernel does)."""
    kernel = np.flip(kernel, axis=tuple(numbers.rhs_spec[2:]))
    return np.swapaxes(kernel, numbers.rhs_spec[0], numbers.rhs_spec[1])


# Shapes where conv_transpose's output has the shape of conv's input: for 'SAME' the stride
# divides the input, for 'VALID' the strided windows tile it exactly.
@pytest.mark.parametrize("padding,size,window,stride", [
    ("SAME", 8, 3, 2), ("SAME", 8, 4, 2), ("SAME", 6, 2, 2), ("SAME", 9, 3, 3), ("SAME", 7, 3, 1),
    ("SAME", 10, 5, 2), ("VALID", 8, 4, 2), ("VALID", 9, 3, 3), ("VALID", 6, 2, 2),
    ("VALID", 7, 3, 1), ("VALID", 9, 5, 2)])
def test_conv_transpose_is_the_adjoint_of_conv(padding, size, window, stride):
    x = _rand((2, size, 5, 3))
    w = _rand((window, 2, 3, 4))  # HWIO: 3 input features, 4 output features
    layout = ("NHWC", "HWIO", "NHWC")
    numbers = lax.conv_dimension_numbers(x.shape, w.shape, layout)
    y_shape = lax.conv_general_dilated(x, w, (stride, 1), padding, dimension_numbers=layout).shape
    y = _rand(y_shape)
    # <conv(x), y> == <x, conv_transpose(y)>: conv_transpose with the kernel flipped and its
    # I/O axes swapped (here in NumPy) is conv's adjoint; transpose_kernel=True does the same.
    forward = conv_reference(_wide(x), _wide(w), (stride, 1),
                             lax.padtype_to_pads((size, x.shape[2]), (window, 2), (stride, 1),
                                                 padding),
                             numbers=numbers)
    back = lax.conv_transpose(y, _flip_swap(w, numbers), (stride, 1), padding)
    assert back.shape == x.shape
    np.testing.assert_allclose(np.vdot(forward, _wide(y)), np.vdot(_wide(x), _wide(back)),
                               rtol=1e-4)
    flipped_by_numax = lax.conv_transpose(y, w, (stride, 1), padding, transpose_kernel=True)
    np.testing.assert_allclose(np.asarray(flipped_by_numax), np.asarray(back), rtol=1e-6)


def test_conv_transpose_scatter_definition():
    """Each input element adds a (stride-spaced) copy of the kernel to the output."""
    x, w = _rand((1, 4, 1)), _rand((3, 1, 1))  # NWC / WIO, one channel
    out = lax.conv_transpose(x, w, (2,), ((2, 2),))  # 'full' padding: window - 1 each side
    expected = np.zeros((4 - 1) * 2 + 3)
    for i in range(4):
        expected[i * 2:i * 2 + 3] += x[0, i, 0] * w[::-1, 0, 0]
    _check(np.asarray(out)[0, :, 0], expected)


def test_conv_transpose_1d_and_3d_shapes():
    assert lax.conv_transpose(_rand((2, 5, 3)), _rand((3, 3, 4)), (2,), "SAME").shape == (2, 10, 4)
    assert lax.conv_transpose(_rand((1, 3, 3, 3, 2)), _rand((2, 2, 2, 2, 5)), (2, 2, 2),
                              "VALID").shape == (1, 6, 6, 6, 5)


# ---------------------------------------------------------------- errors

def test_error_channels_not_divisible_by_groups():
    with pytest.raises(NumaxTypeError, match="feature_group_count 2 must divide the lhs feature "
                                             "dimension, of size 3"):
        lax.conv_general_dilated(_rand((1, 3, 5, 5)), _rand((4, 1, 3, 3)), (1, 1), "VALID",
                                 feature_group_count=2)
    with pytest.raises(NumaxTypeError, match="output feature size 3 must be a multiple of "
                                             "feature_group_count 2"):
        lax.conv_general_dilated(_rand((1, 4, 5, 5)), _rand((3, 2, 3, 3)), (1, 1), "VALID",
                                 feature_group_count=2)
    with pytest.raises(NumaxTypeError, match="batch_group_count 2 must divide the lhs batch"):
        lax.conv_general_dilated(_rand((3, 2, 5, 5)), _rand((4, 2, 3, 3)), (1, 1), "VALID",
                                 batch_group_count=2)


def test_error_feature_mismatch():
    with pytest.raises(NumaxTypeError, match=r"4 // 1 != 3"):
        lax.conv(_rand((1, 4, 5, 5)), _rand((2, 3, 3, 3)), (1, 1), "VALID")


def test_error_bad_params():
    lhs, rhs = _rand((1, 2, 5, 5)), _rand((3, 2, 3, 3))
    with pytest.raises(ValueError, match=r"window_strides \(1,\) must have one entry per spatial"):
        lax.conv(lhs, rhs, (1,), "VALID")
    with pytest.raises(NumaxTypeError, match="window_strides"):
        lax.conv(lhs, rhs, (0, 1), "VALID")
    with pytest.raises(TypeError, match="padding must be 'SAME'"):
        lax.conv(lhs, rhs, (1, 1), 3)
    with pytest.raises(NumaxTypeError, match="same rank"):
        lax.conv_general_dilated_p.bind(
            lhs, rhs[0], window_strides=(1, 1), padding=((0, 0), (0, 0)), lhs_dilation=(1, 1),
            rhs_dilation=(1, 1), dimension_numbers=lax.ConvDimensionNumbers(
                (0, 1, 2, 3), (0, 1, 2, 3), (0, 1, 2, 3)),
            feature_group_count=1, batch_group_count=1, precision=None,
            preferred_element_type=None)
    with pytest.raises(NumaxTypeError, match="negative padding"):
        lax.conv(lhs, rhs, (1, 1), ((-3, -3), (0, 0)))
    with pytest.raises(NumaxTypeError, match="same dtype"):
        lax.conv(lhs, rhs.astype(np.int32), (1, 1), "VALID")
    with pytest.raises(NumaxTypeError, match="preferred_element_type float32 cannot hold"):
        lax.conv(lhs.astype(np.int32), rhs.astype(np.int32), (1, 1), "VALID",
                 preferred_element_type=np.float32)
    with pytest.raises(NumaxTypeError, match="at most one of feature_group_count"):
        lax.conv_general_dilated(_rand((2, 2, 5, 5)), _rand((2, 1, 3, 3)), (1, 1), "VALID",
                                 feature_group_count=2, batch_group_count=2)
