"""Structural primitives and their wrappers against NumPy (or a Python loop where NumPy has
no equivalent): squeeze, expand_dims, transpose, rev, pad, concatenate, slice, iota,
broadcast, collapse, full; and the errors they raise for bad shapes and parameters."""

import numpy as np
import pytest

import numax
from numax import lax
from numax.core import dtypes
from numax.core.errors import NumaxTypeError

rng = np.random.default_rng(7)

DTYPES = ["float32", "int32", "uint8", "bool", "complex64", "bfloat16"]


def _rand(shape, dtype="float32"):
    dtype = np.dtype(dtypes.bfloat16 if dtype == "bfloat16" else dtype)
    if dtype.kind in "iu":
        return rng.integers(0 if dtype.kind == "u" else -8, 8, size=shape).astype(dtype)
    if dtype.kind == "b":
        return rng.random(shape) < 0.5
    if dtype.kind == "c":
        return (rng.standard_normal(shape) + 1j * rng.standard_normal(shape)).astype(dtype)
    return rng.standard_normal(shape).astype(dtype)


def _check(result, expected):
    result = np.asarray(result)
    assert result.dtype == expected.dtype, (result.dtype, expected.dtype)
    assert result.shape == expected.shape, (result.shape, expected.shape)
    np.testing.assert_array_equal(result, expected)


def _both(fn, *args):
    """fn applied eagerly and under jit (array arguments only)."""
    return fn(*args), numax.jit(fn)(*args)


# ---------------------------------------------------------------- squeeze / expand_dims / reshape

@pytest.mark.parametrize("shape,dims", [((1, 3, 1), (0,)), ((1, 3, 1), (0, 2)),
                                        ((1, 3, 1), (-1,)), ((2, 1), (1,)), ((1,), (0,))])
def test_squeeze_matches_numpy(shape, dims):
    x = _rand(shape)
    for out in _both(lambda a: lax.squeeze(a, dims), x):
        _check(out, np.squeeze(x, dims))


def test_squeeze_rejects_axis_of_size_not_one():
    with pytest.raises(NumaxTypeError, match=r"squeeze.*size is not 1.*\(2, 3\)"):
        lax.squeeze(np.zeros((2, 3), np.float32), (1,))
    with pytest.raises(ValueError, match="squeeze: axis 4"):
        lax.squeeze(np.zeros((1, 3), np.float32), (4,))


@pytest.mark.parametrize("shape,dims", [((2, 3), (0,)), ((2, 3), (-1,)), ((2, 3), (0, 3)),
                                        ((), (0, 1)), ((4,), (1, -1))])
def test_expand_dims_matches_numpy(shape, dims):
    x = _rand(shape, "int32")
    for out in _both(lambda a: lax.expand_dims(a, dims), x):
        _check(out, np.expand_dims(x, dims))


def test_expand_dims_rejects_repeated_axis():
    with pytest.raises(ValueError, match="repeated axis"):
        lax.expand_dims(np.zeros(3, np.float32), (0, -3))


def test_reshape_with_dimensions_transposes_first():
    x = _rand((2, 3, 4))
    for out in _both(lambda a: lax.reshape(a, (4, 6), dimensions=(2, 0, 1)), x):
        _check(out, np.transpose(x, (2, 0, 1)).reshape(4, 6))


def test_reshape_rejects_wrong_size():
    with pytest.raises(NumaxTypeError, match=r"reshape.*\(2, 3\).*\(4, 2\)"):
        lax.reshape(np.zeros((2, 3), np.float32), (4, 2))


@pytest.mark.parametrize("start,stop,expected", [(0, 2, (6, 4)), (1, None, (2, 12)),
                                                 (0, None, (24,)), (1, 1, (2, 1, 3, 4))])
def test_collapse_matches_numpy_reshape(start, stop, expected):
    x = _rand((2, 3, 4))
    _check(lax.collapse(x, start, stop), x.reshape(expected))


# ---------------------------------------------------------------- transpose / rev

@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape,perm", [((2, 3), (1, 0)), ((2, 3, 4), (2, 0, 1)),
                                        ((2, 3, 4), (0, 2, 1)), ((5,), (0,)), ((), ())])
def test_transpose_matches_numpy(dtype, shape, perm):
    x = _rand(shape, dtype)
    _check(lax.transpose(x, perm), np.transpose(x, perm))


def test_transpose_under_jit():
    x = _rand((2, 3, 4))
    _check(numax.jit(lambda a: lax.transpose(a, (1, 2, 0)))(x), np.transpose(x, (1, 2, 0)))


@pytest.mark.parametrize("perm", [(0, 0), (0,), (1, 2), (-1, 0)])
def test_transpose_rejects_non_permutation(perm):
    with pytest.raises(NumaxTypeError, match=r"transpose: permutation .* is not a permutation"):
        lax.transpose(np.zeros((2, 3), np.float32), perm)


@pytest.mark.parametrize("dtype", ["float32", "int32", "bool"])
@pytest.mark.parametrize("shape,dims", [((5,), (0,)), ((3, 4), (1,)), ((3, 4), (0, 1)),
                                        ((2, 3, 4), (0, 2)), ((3, 4), ())])
def test_rev_matches_numpy_flip(dtype, shape, dims):
    x = _rand(shape, dtype)
    for out in _both(lambda a: lax.rev(a, dims), x):
        _check(out, np.flip(x, dims) if dims else x)


def test_rev_rejects_bad_dimensions():
    with pytest.raises(NumaxTypeError, match="rev: dimensions"):
        lax.rev(np.zeros((2, 3), np.float32), (2,))
    with pytest.raises(NumaxTypeError, match="rev: dimensions"):
        lax.rev(np.zeros((2, 3), np.float32), (0, 0))


# ---------------------------------------------------------------- pad

def pad_reference(x, value, config):
    """lax.pad by a Python loop: place each element, then crop negative edges."""
    out_shape = [lo + hi + n + max(n - 1, 0) * interior for n, (lo, hi, interior)
                 in zip(x.shape, config)]
    # build with non-negative low edges, then crop what negative edges remove
    full_shape = [max(lo, 0) + n + max(n - 1, 0) * interior + max(hi, 0)
                  for n, (lo, hi, interior) in zip(x.shape, config)]
    out = np.full(full_shape, value, dtype=x.dtype)
    for index in np.ndindex(*x.shape):
        target = tuple(max(lo, 0) + i * (interior + 1)
                       for i, (lo, _, interior) in zip(index, config))
        out[target] = x[index]
    crop = tuple(builtins_slice(-min(lo, 0), -min(lo, 0) + size)
                 for (lo, _, _), size in zip(config, out_shape))
    return out[crop]


builtins_slice = slice


@pytest.mark.parametrize("dtype", ["float32", "int32", "bool", "complex64"])
@pytest.mark.parametrize("config", [((1, 2, 0), (0, 3, 0)), ((0, 0, 0), (2, 2, 0)),
                                    ((3, 0, 0), (0, 0, 0))])
def test_pad_matches_numpy_pad(dtype, config):
    x = _rand((3, 4), dtype)
    value = np.array(1, dtype=x.dtype)
    expected = np.pad(x, [(lo, hi) for lo, hi, _ in config], constant_values=value)
    _check(lax.pad(x, value, config), expected)


@pytest.mark.parametrize("config", [((0, 0, 1), (0, 0, 2)), ((-1, 0, 0), (0, -2, 0)),
                                    ((-2, 1, 1), (1, -3, 2)), ((2, -1, 3), (-4, 0, 1)),
                                    ((-3, 0, 0), (0, 0, 0)), ((-4, -3, 2), (0, 0, 0))])
def test_pad_negative_and_interior_match_loop(config):
    x = _rand((3, 4), "int32")
    value = np.int32(-9)
    expected = pad_reference(x, value, config)
    for out in _both(lambda a, v: lax.pad(a, v, config), x, value):
        _check(out, expected)


def test_pad_python_scalar_value_takes_operand_dtype():
    x = _rand((3,), "float32")
    out = lax.pad(x, 0, [(1, 1, 0)])
    _check(out, np.pad(x, 1))


def test_pad_errors():
    x = np.zeros((2, 3), np.float32)
    with pytest.raises(NumaxTypeError, match="pad: interior padding must be non-negative"):
        lax.pad(x, np.float32(0), [(0, 0, -1), (0, 0, 0)])
    with pytest.raises(NumaxTypeError, match="pad: .* negative size"):
        lax.pad(x, np.float32(0), [(-2, -1, 0), (0, 0, 0)])
    with pytest.raises(NumaxTypeError, match="pad: padding_value has dtype int32 .* float32"):
        lax.pad(x, np.int32(0), [(0, 0, 0), (0, 0, 0)])
    with pytest.raises(NumaxTypeError, match="pad: padding_config .* one"):
        lax.pad(x, np.float32(0), [(0, 0, 0)])
    with pytest.raises(NumaxTypeError, match="pad: padding_value must be a scalar"):
        lax.pad(x, np.zeros(2, np.float32), [(0, 0, 0), (0, 0, 0)])


# ---------------------------------------------------------------- concatenate

@pytest.mark.parametrize("dtype", ["float32", "int8", "bool"])
@pytest.mark.parametrize("shapes,axis", [([(2, 3), (4, 3)], 0), ([(2, 1), (2, 0), (2, 3)], 1),
                                         ([(5,), (1,), (2,), (3,)], 0),
                                         ([(2, 3, 1), (2, 3, 2)], 2)])
def test_concatenate_matches_numpy(dtype, shapes, axis):
    xs = [_rand(s, dtype) for s in shapes]
    expected = np.concatenate(xs, axis)
    _check(lax.concatenate(xs, axis), expected)
    _check(numax.jit(lambda *a: lax.concatenate(a, axis))(*xs), expected)


def test_concatenate_weak_type_only_when_all_weak():
    weak = numax.array.from_host(np.ones(2, np.float32), weak_type=True)
    strong = numax.array.from_host(np.ones(2, np.float32))
    assert lax.concatenate([weak, weak], 0).weak_type
    assert not lax.concatenate([weak, strong], 0).weak_type


def test_concatenate_errors():
    a, b = np.zeros((2, 3), np.float32), np.zeros((2, 4), np.float32)
    with pytest.raises(NumaxTypeError, match=r"concatenate: .*match except along dimension 0"):
        lax.concatenate([a, b], 0)
    with pytest.raises(NumaxTypeError, match="concatenate: operands must have the same dtype"):
        lax.concatenate([a, a.astype(np.int32)], 0)
    with pytest.raises(NumaxTypeError, match="concatenate: dimension -1 is out of bounds"):
        lax.concatenate([a, a], -1)
    with pytest.raises(ValueError, match="non-empty"):
        lax.concatenate([], 0)


# ---------------------------------------------------------------- slice

@pytest.mark.parametrize("dtype", ["float32", "int32", "bool"])
@pytest.mark.parametrize("start,limit,strides", [
    ((0, 0), (5, 7), None), ((1, 2), (4, 6), None), ((1, 0), (5, 7), (2, 3)),
    ((4, 6), (5, 7), (3, 3)), ((2, 3), (2, 7), (1, 2)), ((0, 1), (5, 7), (5, 10))])
def test_slice_matches_numpy(dtype, start, limit, strides):
    x = _rand((5, 7), dtype)
    steps = strides or (1, 1)
    expected = x[tuple(builtins_slice(s, l, k) for s, l, k in zip(start, limit, steps))]
    for out in _both(lambda a: lax.slice(a, start, limit, strides), x):
        _check(out, expected)


@pytest.mark.parametrize("start,limit,strides", [((0,), (6,), None), ((-1,), (3,), None),
                                                 ((3,), (2,), None), ((0,), (3,), (0,)),
                                                 ((0, 0), (3, 3), None)])
def test_slice_rejects_bad_bounds(start, limit, strides):
    with pytest.raises(NumaxTypeError, match="slice: "):
        lax.slice(np.zeros(5, np.float32), start, limit, strides)


@pytest.mark.parametrize("start,limit,stride,axis", [(1, 4, 1, 0), (-3, None, 1, 1),
                                                     (None, -1, 2, 1), (0, 5, 2, -1)])
def test_slice_in_dim_matches_numpy(start, limit, stride, axis):
    x = _rand((4, 6))
    index = [builtins_slice(None)] * 2
    index[axis] = builtins_slice(start, limit, stride)
    _check(lax.slice_in_dim(x, start, limit, stride, axis), x[tuple(index)])


@pytest.mark.parametrize("index,axis,keepdims", [(0, 0, True), (-1, 1, False), (2, -1, True),
                                                 (3, 0, False)])
def test_index_in_dim_matches_numpy(index, axis, keepdims):
    x = _rand((4, 6))
    expected = np.take(x, index, axis=axis)
    if keepdims:
        expected = np.expand_dims(expected, axis)
    _check(lax.index_in_dim(x, index, axis, keepdims), expected)


def test_index_in_dim_out_of_bounds():
    with pytest.raises(IndexError, match="index_in_dim: index 4 is out of bounds"):
        lax.index_in_dim(np.zeros((4,), np.float32), 4)


# ---------------------------------------------------------------- iota

@pytest.mark.parametrize("dtype", ["int32", "uint8", "int16", "float32", "float16", "bfloat16",
                                   "complex64"])
def test_iota_matches_arange(dtype):
    dtype = dtypes.bfloat16 if dtype == "bfloat16" else np.dtype(dtype)
    _check(lax.iota(dtype, 7), np.arange(7).astype(dtype))


def test_iota_64_bit_dtypes_need_x64():
    _check(lax.iota(np.int64, 3), np.arange(3, dtype=np.int32))
    with numax.enable_x64():
        _check(lax.iota(np.int64, 3), np.arange(3, dtype=np.int64))
        _check(lax.iota(np.float64, 3), np.arange(3, dtype=np.float64))


@pytest.mark.parametrize("shape,dimension", [((3, 4), 0), ((3, 4), 1), ((2, 3, 4), 2),
                                             ((2, 3, 4), -2)])
def test_broadcasted_iota_matches_np_indices(shape, dimension):
    expected = np.indices(shape, dtype=np.int32)[dimension]
    _check(lax.broadcasted_iota(np.int32, shape, dimension), expected)
    _check(numax.jit(lambda: lax.broadcasted_iota(np.int32, shape, dimension))(), expected)


def test_iota_errors():
    with pytest.raises(NumaxTypeError, match="iota does not accept dtype bool"):
        lax.iota(np.bool_, 3)
    with pytest.raises(ValueError, match="broadcasted_iota: axis 2"):
        lax.broadcasted_iota(np.int32, (2, 3), 2)


# ---------------------------------------------------------------- broadcast and full

def test_broadcast_prepends_sizes():
    x = _rand((2, 3))
    _check(lax.broadcast(x, (4, 1)), np.broadcast_to(x, (4, 1, 2, 3)))
    _check(lax.broadcast_to_rank(x, 4), x.reshape(1, 1, 2, 3))
    assert lax.broadcast_to_rank(x, 2) is x


@pytest.mark.parametrize("value,dtype,expected_dtype,weak", [
    (1.5, None, np.float32, True), (2, None, np.int32, True), (True, None, np.bool_, False),
    (3, np.float32, np.float32, False), (np.int16(4), None, np.int16, False),
    (2.5, np.int32, np.int32, False), (1 + 2j, None, np.complex64, True)])
def test_full_matches_np_full(value, dtype, expected_dtype, weak):
    out = lax.full((2, 3), value, dtype)
    _check(out, np.full((2, 3), value).astype(expected_dtype))
    assert out.weak_type == weak


def test_full_scalar_shape_and_array_fill():
    out = lax.full((), 3.0)
    _check(out, np.array(3.0, np.float32))
    fill = numax.array.from_host(np.float32(2.0))
    _check(lax.full((3,), fill, np.int32), np.full(3, 2, np.int32))
    _check(numax.jit(lambda v: lax.full((2, 2), v))(np.float32(5)), np.full((2, 2), 5, np.float32))


def test_full_rejects_non_scalar_fill():
    with pytest.raises(NumaxTypeError, match=r"full: fill_value must be a scalar.*\(2,\)"):
        lax.full((3,), np.zeros(2, np.float32))


def test_full_like_and_zeros_like_array():
    x = _rand((2, 3), "int8")
    _check(lax.full_like(x, 7), np.full_like(x, 7))
    _check(lax.full_like(x, 7, np.float32), np.full((2, 3), 7, np.float32))
    _check(lax.full_like(x, 1, shape=(4,)), np.ones(4, np.int8))
    _check(lax.zeros_like_array(x), np.zeros_like(x))
    weak = numax.array.from_host(np.ones(3, np.float32), weak_type=True)
    assert lax.zeros_like_array(weak).weak_type
    assert not lax.full_like(weak, 0, np.float32).weak_type
