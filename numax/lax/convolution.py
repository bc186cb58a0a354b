"""Convolutions: the conv_general_dilated primitive and the wrappers built on it.

Owns conv_general_dilated (declared once with its shape/dtype rule, lowering, JVP,
transpose, batching rule and example inputs), dimension numbers (ConvDimensionNumbers,
conv_dimension_numbers), padding resolution (padtype_to_pads, also used by reduce_window),
and the public wrappers conv, conv_with_general_padding, conv_general_dilated and
conv_transpose.

Conventions (as in XLA/JAX): a convolution is a cross-correlation (the kernel is not
flipped). Dimension numbers are index tuples: lhs_spec = (batch, feature, spatial...),
rhs_spec = (out feature, in feature, spatial...), out_spec = (batch, feature, spatial...);
spatial dimension i of lhs, rhs and out correspond to each other.
"""

from typing import NamedTuple

import numpy as np

from numax.core import dtypes
from numax.core.abstract import ShapedArray
from numax.core.errors import NumaxTypeError
from numax.core.primitive import Primitive
from numax.lax._ad_rules import Zero, aval_of, is_undefined, is_zero
from numax.lax._batch_rules import batch_size, move_axis
from numax.lax._rules import NUMBER, check_dtype, random_array
from numax.lax.contractions import (Precision, canonicalize_precision,
                                    canonicalize_preferred_type, cotangent_to_operand,
                                    precision_attribute)
from numax.lax.elementwise import add, convert_element_type
from numax.lax.structural import reshape, rev
from numax.lowering import array_attribute
from numax.lowering.builder import dense_i64


# ---------------------------------------------------------------- dimension numbers

class ConvDimensionNumbers(NamedTuple):
    """Where each logical dimension of a convolution's operands and result lives.

    lhs_spec: (batch dim, feature dim, spatial dims...) of the input.
    rhs_spec: (output feature dim, input feature dim, spatial dims...) of the kernel.
    out_spec: (batch dim, feature dim, spatial dims...) of the result.
    """
    lhs_spec: tuple
    rhs_spec: tuple
    out_spec: tuple


def _spec_from_string(spec, first, second, spatial_order):
    """Index spec from a layout string: positions of `first`, `second`, then the spatial
    letters in `spatial_order` (the order they appear in the kernel's layout string)."""
    return (spec.index(first), spec.index(second)) + tuple(spec.index(c) for c in spatial_order)


def conv_dimension_numbers(lhs_shape, rhs_shape, dimension_numbers):
    """ConvDimensionNumbers from None (NCHW/OIHW/NCHW order), a triple of layout strings
    such as ('NHWC', 'HWIO', 'NHWC'), or ConvDimensionNumbers (returned as given).

    In layout strings N/C name batch and feature of lhs and out, O/I the output and input
    features of the kernel; any other letters name spatial dimensions, which correspond by
    letter, in the order they appear in the kernel string.

    >>> conv_dimension_numbers((1, 5, 5, 3), (3, 3, 3, 8), ('NHWC', 'HWIO', 'NHWC'))
    ConvDimensionNumbers(lhs_spec=(0, 3, 1, 2), rhs_spec=(3, 2, 0, 1), out_spec=(0, 3, 1, 2))
    """
    lhs_shape, rhs_shape = tuple(lhs_shape), tuple(rhs_shape)
    if len(lhs_shape) != len(rhs_shape):
        raise TypeError(
            f"conv_dimension_numbers: lhs and rhs must have the same rank, got shapes {lhs_shape} "
            f"and {rhs_shape}")
    ndim = len(lhs_shape)
    if ndim < 2:
        raise TypeError(
            f"conv_dimension_numbers: operands need a batch/feature pair of dimensions (rank at "
            f"least 2), got shapes {lhs_shape} and {rhs_shape}")
    if dimension_numbers is None:
        default = tuple(range(ndim))
        return ConvDimensionNumbers(default, default, default)
    if isinstance(dimension_numbers, ConvDimensionNumbers):
        return ConvDimensionNumbers(*(tuple(int(d) for d in spec) for spec in dimension_numbers))
    try:
        lhs_string, rhs_string, out_string = dimension_numbers
    except (TypeError, ValueError):
        raise TypeError(
            "conv_dimension_numbers: dimension_numbers must be None, ConvDimensionNumbers or a "
            f"triple of layout strings like ('NHWC', 'HWIO', 'NHWC'), got "
            f"{dimension_numbers!r}") from None
    if not all(isinstance(s, str) for s in (lhs_string, rhs_string, out_string)):
        # A triple of index tuples is ConvDimensionNumbers in all but name.
        return conv_dimension_numbers(lhs_shape, rhs_shape,
                                      ConvDimensionNumbers(lhs_string, rhs_string, out_string))
    for name, spec, pair in (("lhs", lhs_string, "NC"), ("rhs", rhs_string, "OI"),
                             ("out", out_string, "NC")):
        if len(spec) != ndim:
            raise TypeError(
                f"conv_dimension_numbers: {name} layout {spec!r} has {len(spec)} letters but the "
                f"operands have rank {ndim} (shapes {lhs_shape} and {rhs_shape})")
        if len(set(spec)) != len(spec) or spec.count(pair[0]) != 1 or spec.count(pair[1]) != 1:
            raise TypeError(
                f"conv_dimension_numbers: {name} layout {spec!r} must name each dimension once "
                f"and contain exactly one {pair[0]!r} and one {pair[1]!r}")
    spatial = [c for c in rhs_string if c not in "OI"]
    if not (set(spatial) == set(lhs_string) - set("NC") == set(out_string) - set("NC")):
        raise TypeError(
            f"conv_dimension_numbers: the spatial letters of lhs {lhs_string!r}, rhs "
            f"{rhs_string!r} and out {out_string!r} must be the same")
    return ConvDimensionNumbers(_spec_from_string(lhs_string, "N", "C", spatial),
                                _spec_from_string(rhs_string, "O", "I", spatial),
                                _spec_from_string(out_string, "N", "C", spatial))


# ---------------------------------------------------------------- padding

def _dilate_size(size, dilation):
    """Size of an axis after inserting dilation - 1 zeros between neighbours."""
    return 0 if size == 0 else 1 + dilation * (size - 1)


def padtype_to_pads(in_shape, window_shape, window_strides, padding):
    """Explicit (low, high) padding pairs for a padding string.

    'VALID': no padding. 'SAME': pad so the output has ceil(in / stride) elements, with
    the odd element of padding at the end; 'SAME_LOWER' puts it at the start.

    >>> padtype_to_pads((5, 6), (3, 3), (2, 2), 'SAME')
    [(1, 1), (0, 1)]
    """
    mode = getattr(padding, "name", padding)  # also accepts enum members named like that
    if not isinstance(mode, str) or mode.upper() not in ("VALID", "SAME", "SAME_LOWER"):
        raise ValueError(f"Unrecognized padding type {padding!r}; use 'SAME', 'SAME_LOWER' or "
                         "'VALID' (or pass explicit (low, high) pairs to the operation)")
    mode = mode.upper()
    if mode == "VALID":
        return [(0, 0)] * len(in_shape)
    pads = []
    for size, window, stride in zip(in_shape, window_shape, window_strides):
        out_size = -(-int(size) // int(stride))
        total = max((out_size - 1) * int(stride) + int(window) - int(size), 0)
        small, large = total // 2, total - total // 2
        pads.append((small, large) if mode == "SAME" else (large, small))
    return pads


# ---------------------------------------------------------------- conv_general_dilated

def _preferred_conv_dtype(dtype, preferred_element_type):
    """Convolutions may only widen within a kind: int8 -> int32, bf16 -> f32, c64 -> c128."""
    if preferred_element_type is None or preferred_element_type == dtype:
        return dtype
    preferred = np.dtype(preferred_element_type)

    def kind(d):
        return "complex" if dtypes.is_complex(d) else "float" if dtypes.is_float(d) else \
            "unsigned" if dtypes.is_unsigned(d) else "signed"
    if kind(preferred) != kind(dtype) or \
            dtypes.itemsize_bits(preferred) < dtypes.itemsize_bits(dtype):
        raise NumaxTypeError(
            f"conv_general_dilated: preferred_element_type {preferred.name} cannot hold the "
            f"result of {dtype.name} operands; it must be a type of the same kind (signed, "
            "unsigned, floating-point or complex) at least as wide, or None")
    return preferred


def _check_spec(spec, ndim, what):
    if sorted(spec) != list(range(ndim)):
        raise NumaxTypeError(
            f"conv_general_dilated: dimension_numbers.{what} {tuple(spec)} must be a permutation "
            f"of the {ndim} axes (0..{ndim - 1}); build it with lax.conv_dimension_numbers")


def _check_window_param(values, count, name, minimum):
    if len(values) != count or any(v < minimum for v in values):
        raise NumaxTypeError(
            f"conv_general_dilated: {name} {tuple(values)} must have one entry per spatial "
            f"dimension ({count}), each at least {minimum}")


def _conv_abstract(lhs, rhs, *, window_strides, padding, lhs_dilation, rhs_dilation,
                   dimension_numbers, feature_group_count, batch_group_count, precision=None,
                   preferred_element_type=None):
    name = "conv_general_dilated"
    check_dtype(name, lhs, NUMBER, "lhs")
    check_dtype(name, rhs, NUMBER, "rhs")
    if lhs.dtype != rhs.dtype:
        raise NumaxTypeError(
            f"{name} requires operands of the same dtype, got {lhs.dtype.name} and "
            f"{rhs.dtype.name}; convert one with lax.convert_element_type")
    if lhs.ndim != rhs.ndim or lhs.ndim < 2:
        raise NumaxTypeError(
            f"{name}: lhs and rhs must have the same rank, at least 2, got shapes {lhs.shape} "
            f"and {rhs.shape}")
    lhs_spec, rhs_spec, out_spec = dimension_numbers
    for spec, what in ((lhs_spec, "lhs_spec"), (rhs_spec, "rhs_spec"), (out_spec, "out_spec")):
        _check_spec(spec, lhs.ndim, what)
    spatial = lhs.ndim - 2
    _check_window_param(window_strides, spatial, "window_strides", 1)
    _check_window_param(lhs_dilation, spatial, "lhs_dilation", 1)
    _check_window_param(rhs_dilation, spatial, "rhs_dilation", 1)
    if len(padding) != spatial or any(len(pair) != 2 for pair in padding):
        raise NumaxTypeError(
            f"{name}: padding {padding} must have one (low, high) pair per spatial dimension "
            f"({spatial})")
    if feature_group_count < 1 or batch_group_count < 1:
        raise NumaxTypeError(
            f"{name}: feature_group_count ({feature_group_count}) and batch_group_count "
            f"({batch_group_count}) must be positive")
    if feature_group_count > 1 and batch_group_count > 1:
        raise NumaxTypeError(
            f"{name}: at most one of feature_group_count ({feature_group_count}) and "
            f"batch_group_count ({batch_group_count}) may be greater than 1")

    batch, features = lhs.shape[lhs_spec[0]], lhs.shape[lhs_spec[1]]
    out_features, in_features = rhs.shape[rhs_spec[0]], rhs.shape[rhs_spec[1]]
    if features % feature_group_count:
        raise NumaxTypeError(
            f"{name}: feature_group_count {feature_group_count} must divide the lhs feature "
            f"dimension, of size {features} (lhs shape {lhs.shape})")
    if features // feature_group_count != in_features:
        raise NumaxTypeError(
            f"{name}: the lhs feature size divided by feature_group_count must equal the rhs "
            f"input feature size, but {features} // {feature_group_count} != {in_features} "
            f"(lhs shape {lhs.shape}, rhs shape {rhs.shape}, dimension_numbers "
            f"{tuple(dimension_numbers)})")
    for count, what in ((feature_group_count, "feature_group_count"),
                        (batch_group_count, "batch_group_count")):
        if out_features % count:
            raise NumaxTypeError(
                f"{name}: the rhs output feature size {out_features} must be a multiple of "
                f"{what} {count} (rhs shape {rhs.shape})")
    if batch % batch_group_count:
        raise NumaxTypeError(
            f"{name}: batch_group_count {batch_group_count} must divide the lhs batch dimension, "
            f"of size {batch} (lhs shape {lhs.shape})")

    out_spatial = []
    for i in range(spatial):
        size = lhs.shape[lhs_spec[2 + i]]
        padded = _dilate_size(size, lhs_dilation[i]) + padding[i][0] + padding[i][1]
        if padded < 0:
            raise NumaxTypeError(
                f"{name}: negative padding {padding[i]} removes more than the "
                f"{_dilate_size(size, lhs_dilation[i])} elements of (dilated) spatial dimension "
                f"{i} of the lhs (shape {lhs.shape})")
        window = _dilate_size(rhs.shape[rhs_spec[2 + i]], rhs_dilation[i])
        out_spatial.append(max(0, (padded - window) // window_strides[i] + 1))
    logical = [batch // batch_group_count, out_features] + out_spatial
    shape = [0] * lhs.ndim
    for logical_dim, physical_dim in enumerate(out_spec):
        shape[physical_dim] = logical[logical_dim]
    dtype = _preferred_conv_dtype(lhs.dtype, preferred_element_type)
    return ShapedArray(tuple(shape), dtype, lhs.weak_type and rhs.weak_type)


def _layout_text(spec, first, second):
    """One side of `#stablehlo.conv<[b, 0, 1, f]x...>`: a label per physical dimension."""
    labels = [""] * len(spec)
    labels[spec[0]], labels[spec[1]] = first, second
    for i, dim in enumerate(spec[2:]):
        labels[dim] = str(i)
    return "[" + ", ".join(labels) + "]"


def _conv_lower(ctx, lhs, rhs, *, window_strides, padding, lhs_dilation, rhs_dilation,
                dimension_numbers, feature_group_count, batch_group_count, precision=None,
                preferred_element_type=None):
    lhs_spec, rhs_spec, out_spec = dimension_numbers
    layout = (f"#stablehlo.conv<{_layout_text(lhs_spec, 'b', 'f')}x"
              f"{_layout_text(rhs_spec, 'o', 'i')}->{_layout_text(out_spec, 'b', 'f')}>")
    attributes = {"dimension_numbers": layout,
                  "feature_group_count": f"{feature_group_count} : i64",
                  "batch_group_count": f"{batch_group_count} : i64",
                  "precision_config": precision_attribute(precision)}
    if window_strides:  # rank-2 operands have no window at all
        attributes.update(window_strides=array_attribute(window_strides),
                          padding=dense_i64(padding, (len(padding), 2)),
                          lhs_dilation=array_attribute(lhs_dilation),
                          rhs_dilation=array_attribute(rhs_dilation))
    return ctx.op("stablehlo.convolution", [lhs, rhs], attributes=attributes)


def _conv_examples():
    rng = np.random.default_rng(0)

    def case(lhs_shape, rhs_shape, dtype="float32", *, strides=None, padding=None,
             lhs_dilation=None, rhs_dilation=None, layout=None, groups=1, batch_groups=1,
             precision=None, preferred=None):
        spatial = len(lhs_shape) - 2
        # Values in [-1, 1] keep float32 sums small, so that checks comparing two summation
        # orders (vmap folds the batch into groups) hold at tight absolute tolerances.
        args = (random_array(rng, lhs_shape, dtype, -1.0, 1.0),
                random_array(rng, rhs_shape, dtype, -1.0, 1.0))
        return args, dict(
            window_strides=tuple(strides or (1,) * spatial),
            padding=tuple(padding or ((0, 0),) * spatial),
            lhs_dilation=tuple(lhs_dilation or (1,) * spatial),
            rhs_dilation=tuple(rhs_dilation or (1,) * spatial),
            dimension_numbers=conv_dimension_numbers(lhs_shape, rhs_shape, layout),
            feature_group_count=groups, batch_group_count=batch_groups, precision=precision,
            preferred_element_type=None if preferred is None else np.dtype(preferred))
    return [
        # The registry-wide AD and batching checkers look at the first few examples only, so
        # these lead: feature groups, batch groups, strides, negative padding, dilations.
        case((2, 5, 6, 4), (3, 3, 2, 6), strides=(2, 1), padding=((1, 1), (0, 2)),
             layout=("NHWC", "HWIO", "NHWC"), groups=2),
        case((4, 3, 9, 5), (4, 3, 2, 2), strides=(1, 2), padding=((1, -1), (0, 1)),
             lhs_dilation=(1, 2), rhs_dilation=(2, 1), batch_groups=2),
        case((1, 2, 9), (3, 2, 4), lhs_dilation=(2,), rhs_dilation=(2,), padding=((2, -1),)),
        case((2, 3, 6, 5), (4, 3, 3, 2)),
        case((2, 7, 6, 3), (3, 3, 3, 4), strides=(2, 1), padding=((1, 1), (0, 2)),
             layout=("NHWC", "HWIO", "NHWC")),
        case((1, 2, 4, 3, 3), (2, 2, 2, 2, 2), strides=(1, 2, 1)),
        case((2, 4, 5, 5), (6, 2, 3, 3), groups=2),
        case((4, 3, 5, 5), (4, 3, 2, 2), batch_groups=2),
        case((2, 3), (4, 3)),  # no spatial dimensions: a matrix product
        case((2, 3, 5, 5), (2, 3, 3, 3), "int32"),
        case((2, 3, 5, 5), (2, 3, 3, 3), "int8", preferred="int32"),
        case((2, 3, 5, 5), (2, 3, 3, 3), "bfloat16", preferred="float32"),
        case((1, 2, 5, 5), (2, 2, 3, 3), "complex64"),
        case((1, 2, 5, 5), (2, 2, 3, 3), precision=(Precision.HIGHEST, Precision.HIGHEST)),
    ]


# ---------------------------------------------------------------- differentiation, batching
#
# Notation for one spatial dimension: lhs size n, lhs dilation ld, padding (lo, hi), kernel
# size k with rhs dilation rd (dilated window w = rd*(k-1) + 1), stride s, output size y.
# out[o, j] = sum_{i, t} padded(dilated(lhs))[i, j*s + t*rd] * rhs[o, i, t].
# Matching the positions j*s + t*rd = lo + m*ld of lhs element m term by term gives both
# transposes as convolutions again:
# - for lhs: ct dilated by s, correlated with the spatially flipped kernel (rhs dilation rd),
#   stride ld, padding low w - 1 - lo, high chosen so the result has n elements;
# - for rhs: lhs (dilated by ld, padding low lo) correlated with ct used as the kernel
#   dilated by s, stride rd, with batch and feature roles swapped, high padding chosen so
#   the result has k elements.
# Feature groups of the forward conv become batch groups of the rhs transpose and vice
# versa; for the lhs transpose both become feature groups of a regrouped kernel.

def _fold_axis(x, source, target, groups=1):
    """`x` with axis `source` merged into axis `target`, which is viewed as (groups, rest) and
    becomes (groups, source, rest); the result has one axis fewer."""
    shape = list(aval_of(x).shape)
    rest_axis = target
    if groups > 1:
        x = reshape(x, shape[:target] + [groups, shape[target] // groups] +
                    shape[target + 1:])
        source += source > target
        rest_axis += 1
    destination = rest_axis - 1 if source < rest_axis else rest_axis
    x = move_axis(x, source, destination)
    shape = list(aval_of(x).shape)
    start = destination - (groups > 1)
    stop = destination + 2
    return reshape(x, shape[:start] + [int(np.prod(shape[start:stop]))] + shape[stop:])


def _unfold_axis(x, axis, size, groups=1):
    """Inverse of _fold_axis: axis `axis`, viewed as (groups, size, rest), gives its `size`
    factor to a new axis placed just before it (at `axis`)."""
    shape = list(aval_of(x).shape)
    rest = shape[axis] // (groups * size)
    if groups == 1:
        return reshape(x, shape[:axis] + [size, rest] + shape[axis + 1:])
    x = reshape(x, shape[:axis] + [groups, size, rest] + shape[axis + 1:])
    x = move_axis(x, axis + 1, axis)
    return reshape(x, shape[:axis] + [size, groups * rest] + shape[axis + 1:])


def _split_off_groups(x, axis, groups, target):
    """Moves the outer `groups` factor of axis `axis` to the outer end of axis `target`."""
    if groups == 1:
        return x
    shape = list(aval_of(x).shape)
    x = reshape(x, shape[:axis] + [groups, shape[axis] // groups] + shape[axis + 1:])
    return _fold_axis(x, axis, target + (target > axis))


def _same_dtype_as(x, ct):
    """The known operand converted to the cotangent's dtype when preferred_element_type
    widened the result (a convolution wants operands of one dtype)."""
    dtype = aval_of(ct).dtype
    return x if aval_of(x).dtype == dtype else convert_element_type(x, dtype)


def _conv_transpose_lhs(ct, rhs, lhs_aval, *, window_strides, padding, lhs_dilation,
                        rhs_dilation, dimension_numbers, feature_group_count, batch_group_count,
                        precision):
    lhs_spec, rhs_spec, out_spec = dimension_numbers
    rhs_shape, ct_shape = aval_of(rhs).shape, aval_of(ct).shape
    pads = []
    for i in range(len(window_strides)):
        window = _dilate_size(rhs_shape[rhs_spec[2 + i]], rhs_dilation[i])
        low = window - 1 - padding[i][0]
        total = (lhs_aval.shape[lhs_spec[2 + i]] - 1) * lhs_dilation[i] + window
        pads.append((low, total - _dilate_size(ct_shape[out_spec[2 + i]], window_strides[i]) -
                     low))
    groups = feature_group_count * batch_group_count  # at most one of them exceeds 1
    kernel = rev(_same_dtype_as(rhs, ct), tuple(rhs_spec[2:]))
    # kernel'[g*I + i, o'] = rhs[g*O' + o', i]: the group factor moves from O to I.
    kernel = _split_off_groups(kernel, rhs_spec[0], groups, rhs_spec[1])
    numbers = ConvDimensionNumbers(out_spec, (rhs_spec[1], rhs_spec[0]) + tuple(rhs_spec[2:]),
                                   lhs_spec)
    result = conv_general_dilated_p.bind(
        ct, kernel, window_strides=tuple(lhs_dilation), padding=tuple(pads),
        lhs_dilation=tuple(window_strides), rhs_dilation=tuple(rhs_dilation),
        dimension_numbers=numbers, feature_group_count=groups, batch_group_count=1,
        precision=precision, preferred_element_type=None)
    # With batch groups, feature block g of the result belongs to batch block g of lhs.
    return _split_off_groups(result, lhs_spec[1], batch_group_count, lhs_spec[0])


def _conv_transpose_rhs(ct, lhs, rhs_aval, *, window_strides, padding, lhs_dilation,
                        rhs_dilation, dimension_numbers, feature_group_count, batch_group_count,
                        precision):
    lhs_spec, rhs_spec, out_spec = dimension_numbers
    lhs_shape, ct_shape = aval_of(lhs).shape, aval_of(ct).shape
    pads = []
    for i in range(len(window_strides)):
        low = padding[i][0]
        total = (rhs_aval.shape[rhs_spec[2 + i]] - 1) * rhs_dilation[i] + \
            _dilate_size(ct_shape[out_spec[2 + i]], window_strides[i])
        pads.append((low, total - _dilate_size(lhs_shape[lhs_spec[2 + i]], lhs_dilation[i]) -
                     low))

    def swap(spec):
        return (spec[1], spec[0]) + tuple(spec[2:])
    return conv_general_dilated_p.bind(
        _same_dtype_as(lhs, ct), ct, window_strides=tuple(rhs_dilation), padding=tuple(pads),
        lhs_dilation=tuple(lhs_dilation), rhs_dilation=tuple(window_strides),
        dimension_numbers=ConvDimensionNumbers(swap(lhs_spec), swap(out_spec), swap(rhs_spec)),
        feature_group_count=batch_group_count, batch_group_count=feature_group_count,
        precision=precision, preferred_element_type=None)


def conv_general_dilated_transpose(ct, lhs, rhs, *, preferred_element_type=None, **params):
    """Transpose in whichever operand is linear (see the derivation above); computed in the
    cotangent's dtype and converted to the operand's (preferred_element_type widens)."""
    if is_undefined(lhs) == is_undefined(rhs):
        raise ValueError("conv_general_dilated_transpose: the convolution is linear in one "
                         "operand at a time")
    if is_undefined(lhs):
        ct_lhs = Zero(lhs.aval) if is_zero(ct) else \
            cotangent_to_operand(_conv_transpose_lhs(ct, rhs, lhs.aval, **params), lhs.aval)
        return [ct_lhs, None]
    ct_rhs = Zero(rhs.aval) if is_zero(ct) else \
        cotangent_to_operand(_conv_transpose_rhs(ct, lhs, rhs.aval, **params), rhs.aval)
    return [None, ct_rhs]


def conv_general_dilated_jvp(primals, tangents, **params):
    """Bilinear: conv(t_lhs, rhs) + conv(lhs, t_rhs), skipping symbolic zeros."""
    (lhs, rhs), (t_lhs, t_rhs) = primals, tangents
    out = conv_general_dilated_p.bind(lhs, rhs, **params)
    terms = []
    if not is_zero(t_lhs):
        terms.append(conv_general_dilated_p.bind(t_lhs, rhs, **params))
    if not is_zero(t_rhs):
        terms.append(conv_general_dilated_p.bind(lhs, t_rhs, **params))
    if not terms:
        return out, Zero(aval_of(out).strip_weak_type())
    return out, terms[0] if len(terms) == 1 else add(*terms)


def conv_general_dilated_batch(args, dims, *, dimension_numbers, feature_group_count,
                               batch_group_count, **params):
    """The vmapped axis is folded into an axis the convolution already has and unfolded from
    the result: into the lhs batch (lhs batched only; inside the batch groups if any), into
    the kernel's output features (rhs batched only; inside the groups), or into the groups
    themselves when both are batched (feature groups, or batch groups if those are in use)."""
    (lhs, rhs), (lhs_dim, rhs_dim) = args, dims
    lhs_spec, rhs_spec, out_spec = dimension_numbers
    size = batch_size(args, dims)

    def axis_in_batched(axis, batch_dim):
        return axis + (axis >= batch_dim)
    groups = feature_group_count * batch_group_count
    if lhs_dim is not None and rhs_dim is not None:
        lhs_axis = lhs_spec[0] if batch_group_count > 1 else lhs_spec[1]
        lhs = _fold_axis(lhs, lhs_dim, axis_in_batched(lhs_axis, lhs_dim))
        rhs = _fold_axis(rhs, rhs_dim, axis_in_batched(rhs_spec[0], rhs_dim))
        if batch_group_count > 1:
            batch_group_count *= size
        else:
            feature_group_count *= size
        unfold = (out_spec[1], 1)
    elif lhs_dim is not None:
        lhs = _fold_axis(lhs, lhs_dim, axis_in_batched(lhs_spec[0], lhs_dim), batch_group_count)
        unfold = (out_spec[0], 1)
    else:
        rhs = _fold_axis(rhs, rhs_dim, axis_in_batched(rhs_spec[0], rhs_dim), groups)
        unfold = (out_spec[1], groups)
    out = conv_general_dilated_p.bind(
        lhs, rhs, dimension_numbers=dimension_numbers, feature_group_count=feature_group_count,
        batch_group_count=batch_group_count, **params)
    axis, unfold_groups = unfold
    return _unfold_axis(out, axis, size, unfold_groups), axis


conv_general_dilated_p = Primitive(
    "conv_general_dilated",
    abstract_eval=_conv_abstract,
    lower=_conv_lower,
    jvp=conv_general_dilated_jvp,
    transpose=conv_general_dilated_transpose,
    batch=conv_general_dilated_batch,
    examples=_conv_examples,
)


# ---------------------------------------------------------------- public wrappers

def _shape(x):
    shape = getattr(x, "shape", None)
    return tuple(shape) if shape is not None else np.shape(x)


def _int_tuple(values, count, api, name):
    if values is None:
        return (1,) * count
    try:
        values = tuple(int(v) for v in values)
    except TypeError:
        raise TypeError(f"{api}: {name} must be a sequence of {count} integers (one per spatial "
                        f"dimension), got {values!r}") from None
    if len(values) != count:
        raise ValueError(f"{api}: {name} {values} must have one entry per spatial dimension "
                         f"({count})")
    return values


def _padding_pairs(padding, api):
    try:
        return tuple((int(lo), int(hi)) for lo, hi in padding)
    except (TypeError, ValueError):
        raise TypeError(f"{api}: padding must be 'SAME', 'SAME_LOWER', 'VALID' or a sequence of "
                        f"(low, high) integer pairs, got {padding!r}") from None


def conv_general_dilated(lhs, rhs, window_strides, padding, lhs_dilation=None, rhs_dilation=None,
                         dimension_numbers=None, feature_group_count=1, batch_group_count=1,
                         precision=None, preferred_element_type=None):
    """General n-d convolution (cross-correlation) with strides, padding, dilations, groups.

    padding: 'SAME', 'SAME_LOWER', 'VALID' or (low, high) pairs per spatial dimension
    (negative values crop). lhs_dilation > 1 is a transposed ("fractionally strided")
    convolution, rhs_dilation > 1 an atrous one. feature_group_count splits the features
    into groups convolved separately (= lhs features for a depthwise convolution);
    batch_group_count does the same with the batch.

    >>> import numpy as np
    >>> x, w = np.ones((1, 3, 8, 8), np.float32), np.ones((4, 3, 3, 3), np.float32)
    >>> conv_general_dilated(x, w, (2, 2), 'SAME').shape
    (1, 4, 4, 4)
    """
    api = "conv_general_dilated"
    lhs_shape, rhs_shape = _shape(lhs), _shape(rhs)
    numbers = conv_dimension_numbers(lhs_shape, rhs_shape, dimension_numbers)
    spatial = len(lhs_shape) - 2
    window_strides = _int_tuple(window_strides, spatial, api, "window_strides")
    lhs_dilation = _int_tuple(lhs_dilation, spatial, api, "lhs_dilation")
    rhs_dilation = _int_tuple(rhs_dilation, spatial, api, "rhs_dilation")
    if isinstance(padding, str):
        # As in JAX, string padding is computed from the undilated lhs and the dilated kernel.
        in_sizes = [lhs_shape[d] for d in numbers.lhs_spec[2:]]
        windows = [_dilate_size(rhs_shape[d], r) for d, r in zip(numbers.rhs_spec[2:],
                                                                  rhs_dilation)]
        padding = padtype_to_pads(in_sizes, windows, window_strides, padding)
    return conv_general_dilated_p.bind(
        lhs, rhs, window_strides=window_strides, padding=_padding_pairs(padding, api),
        lhs_dilation=lhs_dilation, rhs_dilation=rhs_dilation, dimension_numbers=numbers,
        feature_group_count=int(feature_group_count), batch_group_count=int(batch_group_count),
        precision=canonicalize_precision(precision, api),
        preferred_element_type=canonicalize_preferred_type(preferred_element_type))


def conv(lhs, rhs, window_strides, padding, precision=None, preferred_element_type=None):
    """Convolution of an NCHW-style lhs with an OIHW-style kernel; padding as in
    conv_general_dilated."""
    return conv_general_dilated(lhs, rhs, window_strides, padding, precision=precision,
                                preferred_element_type=preferred_element_type)


def conv_with_general_padding(lhs, rhs, window_strides, padding, lhs_dilation, rhs_dilation,
                              precision=None, preferred_element_type=None):
    """Convolution in NCHW/OIHW layout with explicit padding and dilations."""
    return conv_general_dilated(lhs, rhs, window_strides, padding, lhs_dilation=lhs_dilation,
                                rhs_dilation=rhs_dilation, precision=precision,
                                preferred_element_type=preferred_element_type)


def _conv_transpose_padding(window, stride, padding):
    """(low, high) padding of the stride-dilated input so that a transposed convolution has
    in * stride outputs ('SAME') or in * stride + max(window - stride, 0) ('VALID'); with
    these pads, transpose_kernel=True gives the adjoint of a strided 'SAME'/'VALID' conv."""
    if padding == "SAME":
        total = window + stride - 2
        low = window - 1 if stride > window - 1 else -(-total // 2)
    else:
        total = window + stride - 2 + max(window - stride, 0)
        low = window - 1
    return low, total - low


_TRANSPOSE_LAYOUTS = {2: ("NC", "IO", "NC"), 3: ("NHC", "HIO", "NHC"),
                      4: ("NHWC", "HWIO", "NHWC"), 5: ("NHWDC", "HWDIO", "NHWDC")}


def conv_transpose(lhs, rhs, strides, padding, rhs_dilation=None, dimension_numbers=None,
                   transpose_kernel=False, precision=None, preferred_element_type=None):
    """Transposed convolution: a convolution of the `strides`-dilated lhs.

    Default layouts are channels-last (NHWC/HWIO/NHWC and their 1-d and 3-d forms).
    padding: 'SAME' (output = input * stride), 'VALID' (output = input * stride +
    max(window - stride, 0)) or explicit (low, high) pairs applied to the dilated input.
    With transpose_kernel=True the kernel is flipped spatially and its I/O axes swapped,
    which makes this the gradient (adjoint) of conv_general_dilated with the same strides,
    padding mode and kernel.
    """
    api = "conv_transpose"
    lhs_shape, rhs_shape = _shape(lhs), _shape(rhs)
    if len(lhs_shape) != len(rhs_shape) or len(lhs_shape) < 2:
        raise TypeError(f"{api}: lhs and rhs must have the same rank, at least 2, got shapes "
                        f"{lhs_shape} and {rhs_shape}")
    if dimension_numbers is None:
        if len(lhs_shape) not in _TRANSPOSE_LAYOUTS:
            raise ValueError(f"{api}: there are no default dimension_numbers for rank "
                             f"{len(lhs_shape)} operands; pass dimension_numbers")
        dimension_numbers = _TRANSPOSE_LAYOUTS[len(lhs_shape)]
    numbers = conv_dimension_numbers(lhs_shape, rhs_shape, dimension_numbers)
    spatial = len(lhs_shape) - 2
    strides = _int_tuple(strides, spatial, api, "strides")
    rhs_dilation = _int_tuple(rhs_dilation, spatial, api, "rhs_dilation")
    if isinstance(padding, str):
        if padding.upper() not in ("SAME", "VALID"):
            raise ValueError(f"{api}: padding must be 'SAME', 'VALID' or a sequence of (low, "
                             f"high) pairs, got {padding!r}")
        windows = [_dilate_size(rhs_shape[d], r) for d, r in zip(numbers.rhs_spec[2:],
                                                                  rhs_dilation)]
        padding = [_conv_transpose_padding(k, s, padding.upper())
                   for k, s in zip(windows, strides)]
    if transpose_kernel:
        # Swapping the kernel's I and O axes is only a relabelling of the dimension numbers;
        # the spatial flip moves data.
        rhs = rev(rhs, tuple(numbers.rhs_spec[2:]))
        out_feature, in_feature = numbers.rhs_spec[:2]
        numbers = numbers._replace(rhs_spec=(in_feature, out_feature) + numbers.rhs_spec[2:])
    return conv_general_dilated(lhs, rhs, (1,) * spatial, padding, lhs_dilation=strides,
                                rhs_dilation=rhs_dilation, dimension_numbers=numbers,
                                precision=precision,
                                preferred_element_type=preferred_element_type)


__all__ = ["ConvDimensionNumbers", "conv_dimension_numbers", "padtype_to_pads",
           "conv_general_dilated", "conv", "conv_with_general_padding", "conv_transpose",
           "conv_general_dilated_p"]
