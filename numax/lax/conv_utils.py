"""Convolution helpers built on conv_general_dilated: shape arithmetic, layout permutations,
patch extraction and locally connected (unshared-weight) convolutions.

Owns conv_shape_tuple, conv_general_shape_tuple, conv_transpose_shape_tuple,
conv_general_permutations, conv_general_dilated_patches and conv_general_dilated_local. No primitive lives here:
patches are a grouped convolution with a one-hot kernel, so they inherit every rule of
conv_general_dilated, and the local convolution is patches contracted with the
per-position kernel.
"""

import numpy as np

from numax.lax.convolution import (ConvDimensionNumbers, _conv_transpose_padding,
                                   _dilate_size, conv_dimension_numbers, conv_general_dilated,
                                   padtype_to_pads)


def _padding(in_sizes, window_sizes, strides, padding, api):
    if isinstance(padding, str):
        return padtype_to_pads(in_sizes, window_sizes, strides, padding)
    pads = [tuple(int(p) for p in pair) for pair in padding]
    if len(pads) != len(in_sizes) or any(len(p) != 2 for p in pads):
        raise ValueError(f"{api}: padding must be a string or one (low, high) pair per spatial "
                         f"dimension, got {padding!r}")
    return pads


def conv_shape_tuple(lhs_shape, rhs_shape, strides, pads, batch_group_count=1):
    """The output shape of a convolution of lhs (N, C, spatial...) with rhs
    (O, I, spatial...), with `strides` and `pads` ((low, high) pairs or a padding string).

    >>> conv_shape_tuple((2, 3, 9, 9), (4, 3, 3, 3), (2, 2), 'VALID')
    (2, 4, 4, 4)
    """
    lhs_shape, rhs_shape = tuple(int(d) for d in lhs_shape), tuple(int(d) for d in rhs_shape)
    if len(lhs_shape) != len(rhs_shape) or len(lhs_shape) < 2:
        raise TypeError(f"conv_shape_tuple: lhs and rhs must have the same rank >= 2, got "
                        f"{lhs_shape} and {rhs_shape}")
    strides = tuple(int(s) for s in strides)
    if len(strides) != len(lhs_shape) - 2 or any(s <= 0 for s in strides):
        raise ValueError(f"conv_shape_tuple: strides {strides} must be one positive integer per "
                         f"spatial dimension")
    pads = _padding(lhs_shape[2:], rhs_shape[2:], strides, pads, "conv_shape_tuple")
    batch_group_count = int(batch_group_count)
    if lhs_shape[0] % batch_group_count:
        raise ValueError(f"conv_shape_tuple: batch_group_count {batch_group_count} must divide "
                         f"the batch size {lhs_shape[0]}")
    spatial = tuple(max(0, (size + low + high - window) // stride + 1)
                    for size, window, stride, (low, high) in zip(lhs_shape[2:], rhs_shape[2:],
                                                                 strides, pads))
    return (lhs_shape[0] // batch_group_count, rhs_shape[0]) + spatial


def conv_general_permutations(dimension_numbers):
    """(lhs_perm, rhs_perm, out_perm) for a triple of layout strings: the positions of
    (N, C, spatial...), (O, I, spatial...) and (N, C, spatial...), spatial dimensions in the
    order of the kernel's layout string.

    >>> conv_general_permutations(('NHWC', 'HWIO', 'NHWC'))
    ((0, 3, 1, 2), (3, 2, 0, 1), (0, 3, 1, 2))
    """
    try:
        lhs_spec, rhs_spec, out_spec = dimension_numbers
    except (TypeError, ValueError):
        raise TypeError(f"conv_general_permutations: dimension_numbers must be a triple of "
                        f"layout strings, got {dimension_numbers!r}") from None
    if not all(isinstance(s, str) for s in (lhs_spec, rhs_spec, out_spec)):
        raise TypeError(f"conv_general_permutations: dimension_numbers must be layout strings "
                        f"such as ('NCHW', 'OIHW', 'NCHW'), got {dimension_numbers!r}")
    rank = (0,) * len(lhs_spec)
    return tuple(conv_dimension_numbers(rank, (0,) * len(rhs_spec), dimension_numbers))


def conv_general_shape_tuple(lhs_shape, rhs_shape, window_strides, padding, dimension_numbers):
    """The output shape of conv_general_dilated (without dilation or groups) for operands of
    these shapes in the layouts `dimension_numbers` names."""
    numbers = conv_dimension_numbers(lhs_shape, rhs_shape, dimension_numbers)
    lhs = tuple(int(lhs_shape[d]) for d in numbers.lhs_spec)
    rhs = tuple(int(rhs_shape[d]) for d in numbers.rhs_spec)
    canonical = conv_shape_tuple(lhs, rhs, window_strides, padding)
    out = [0] * len(canonical)
    for size, position in zip(canonical, numbers.out_spec):
        out[position] = size
    return tuple(out)


def conv_transpose_shape_tuple(lhs_shape, rhs_shape, window_strides, padding,
                               dimension_numbers):
    """The output shape of lax.conv_transpose for operands of these shapes (no kernel
    dilation): a convolution of the stride-dilated input, padded by `padding` ((low, high)
    pairs, or 'SAME'/'VALID' as conv_transpose resolves them), with stride 1."""
    numbers = conv_dimension_numbers(lhs_shape, rhs_shape, dimension_numbers)
    lhs = tuple(int(lhs_shape[d]) for d in numbers.lhs_spec)
    rhs = tuple(int(rhs_shape[d]) for d in numbers.rhs_spec)
    strides = tuple(int(s) for s in window_strides)
    if isinstance(padding, str):
        if padding.upper() not in ("SAME", "VALID"):
            raise ValueError(f"conv_transpose_shape_tuple: padding must be 'SAME', 'VALID' or "
                             f"(low, high) pairs, got {padding!r}")
        padding = [_conv_transpose_padding(k, s, padding.upper())
                   for k, s in zip(rhs[2:], strides)]
    dilated = tuple(_dilate_size(size, s) for size, s in zip(lhs[2:], strides))
    canonical = conv_shape_tuple((lhs[0], lhs[1]) + dilated, rhs, (1,) * len(strides), padding)
    out = [0] * len(canonical)
    for size, position in zip(canonical, numbers.out_spec):
        out[position] = size
    return tuple(out)


def _canonical_numbers(lhs_shape, dimension_numbers):
    """The user's lhs and out layouts with a kernel in (O, I, spatial...) order."""
    ndim = len(lhs_shape)
    numbers = conv_dimension_numbers(lhs_shape, (0,) * ndim, dimension_numbers)
    return ConvDimensionNumbers(numbers.lhs_spec, tuple(range(ndim)), numbers.out_spec)


def conv_general_dilated_patches(lhs, filter_shape, window_strides, padding, lhs_dilation=None,
                                 rhs_dilation=None, dimension_numbers=None, precision=None,
                                 preferred_element_type=None):
    """The patches a convolution with a kernel of spatial shape `filter_shape` would see: the
    result's feature dimension has C * prod(filter_shape) entries, ordered channel-major
    (entry c * prod(filter_shape) + k is channel c at flat filter position k); other
    dimensions are those of conv_general_dilated's output with the same arguments.
    Computed as a grouped convolution with a one-hot kernel, so it is exact."""
    from numax.numpy import creation
    lhs = creation.asarray(lhs)
    filter_shape = tuple(int(d) for d in filter_shape)
    if len(filter_shape) != lhs.ndim - 2:
        raise ValueError(f"conv_general_dilated_patches: filter_shape {filter_shape} needs one "
                         f"size per spatial dimension of lhs (shape {lhs.shape})")
    numbers = _canonical_numbers(lhs.shape, dimension_numbers)
    channels = lhs.shape[numbers.lhs_spec[1]]
    size = int(np.prod(filter_shape))
    one_hot = np.eye(size, dtype=lhs.dtype).reshape((size, 1) + filter_shape)
    kernel = np.tile(one_hot, (channels,) + (1,) * (len(filter_shape) + 1))
    return conv_general_dilated(lhs, kernel, window_strides, padding, lhs_dilation=lhs_dilation,
                                rhs_dilation=rhs_dilation, dimension_numbers=numbers,
                                feature_group_count=channels, precision=precision,
                                preferred_element_type=preferred_element_type)


def conv_general_dilated_local(lhs, rhs, window_strides, padding, filter_shape,
                               lhs_dilation=None, rhs_dilation=None, dimension_numbers=None,
                               precision=None):
    """A locally connected convolution: like conv_general_dilated, but with a separate kernel
    at every output position. rhs has dimensions (O, I, out spatial...) in its layout, with
    I = C * prod(filter_shape) ordered as conv_general_dilated_patches orders its features:
    out[n, o, p] = sum_i patches[n, i, p] * rhs[o, i, p]."""
    from numax.lax.contractions import dot_general
    from numax.lax.structural import transpose
    from numax.numpy import creation
    lhs, rhs = creation.asarray(lhs), creation.asarray(rhs)
    if lhs.ndim != rhs.ndim:
        raise ValueError(f"conv_general_dilated_local: lhs and rhs must have the same rank, got "
                         f"shapes {lhs.shape} and {rhs.shape}")
    numbers = conv_dimension_numbers(lhs.shape, rhs.shape, dimension_numbers)
    ndim = lhs.ndim
    patches_numbers = ConvDimensionNumbers(numbers.lhs_spec, tuple(range(ndim)),
                                           tuple(range(ndim)))
    patches = conv_general_dilated_patches(lhs, filter_shape, window_strides, padding,
                                           lhs_dilation, rhs_dilation, patches_numbers,
                                           precision)
    kernel = transpose(rhs, numbers.rhs_spec)          # (O, I, out spatial...)
    if kernel.shape[1] != patches.shape[1] or kernel.shape[2:] != patches.shape[2:]:
        raise ValueError(
            f"conv_general_dilated_local: rhs must be (O, C * prod(filter_shape) = "
            f"{patches.shape[1]}, output spatial {patches.shape[2:]}) in its layout, got "
            f"{kernel.shape} in (O, I, spatial...) order")
    spatial = tuple(range(2, ndim))
    # Batch over output positions, contract the patch entries: (spatial..., N, O).
    out = dot_general(patches, kernel, (((1,), (1,)), (spatial, spatial)), precision=precision)
    canonical = transpose(out, (ndim - 2, ndim - 1) + tuple(range(ndim - 2)))
    inverse = np.argsort(numbers.out_spec)
    return transpose(canonical, tuple(int(i) for i in inverse))


__all__ = ["conv_general_dilated_local", "conv_general_dilated_patches",
           "conv_general_permutations", "conv_general_shape_tuple", "conv_shape_tuple",
           "conv_transpose_shape_tuple"]
