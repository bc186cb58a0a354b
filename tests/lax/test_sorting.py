"""Sorting (numax/lax/sorting.py) against NumPy.

sort against np.sort(kind="stable") (NaN placement and the sign of zeros included),
several operands against np.argsort / np.lexsort, complex keys, and top_k against a
reference built from a stable argsort of IEEE total-order keys.
"""

import ml_dtypes
import numpy as np
import pytest

import numax
from numax import lax
from numax.core.errors import NumaxTypeError

RNG = np.random.default_rng(5)


def _random(shape, dtype, low=-3, high=3):
    dtype = np.dtype(dtype)
    if dtype == np.bool_:
        return RNG.random(shape) < 0.5
    if dtype.kind in "iu":
        return RNG.integers(max(low, np.iinfo(dtype).min), high + 1, size=shape).astype(dtype)
    return RNG.uniform(low, high, shape).astype(dtype)


def _assert_same_bits(got, want, message=""):
    """Equal values, equal signs of zeros, NaNs in the same places."""
    got = np.asarray(got)
    assert got.dtype == want.dtype and got.shape == want.shape, message
    if want.dtype == ml_dtypes.bfloat16:  # NumPy's NaN-aware comparison needs a NumPy float
        got, want = got.astype(np.float32), want.astype(np.float32)
    np.testing.assert_array_equal(got, want, err_msg=message)
    if want.dtype.kind == "f":
        np.testing.assert_array_equal(np.signbit(got[~np.isnan(want)]),
                                      np.signbit(want[~np.isnan(want)]), err_msg=message)


@pytest.mark.parametrize("dtype", ["float32", "int8", "uint16", "int32", "bool", "float16"])
def test_sort_matches_numpy(dtype):
    for shape in [(9,), (3, 5), (2, 3, 4)]:
        x = _random(shape, dtype)
        for dimension in range(len(shape)):
            got = lax.sort(x, dimension=dimension)
            _assert_same_bits(got, np.sort(x, axis=dimension, kind="stable"),
                              f"{dtype} {shape} {dimension}")
    x = _random((3, 5), dtype)
    _assert_same_bits(lax.sort(x, dimension=-2), np.sort(x, axis=0, kind="stable"))
    _assert_same_bits(lax.sort(x), np.sort(x, axis=-1, kind="stable"))


def test_sort_nans_last_and_zeros_equal():
    x = np.array([3.0, np.nan, -0.0, 0.0, -np.inf, -np.nan, 1.0, 0.0, -0.0, np.inf],
                 np.float32)
    got = np.asarray(lax.sort(x))
    # NumPy's stable sort treats -0.0 == 0.0 and puts NaNs last, like JAX
    _assert_same_bits(got, np.sort(x, kind="stable"))
    assert np.isnan(got[-2:]).all()
    bf16 = x.astype(ml_dtypes.bfloat16)
    _assert_same_bits(lax.sort(bf16), np.sort(bf16.astype(np.float32), kind="stable")
                      .astype(ml_dtypes.bfloat16))


def test_sort_unstable_with_distinct_keys():
    x = RNG.permutation(20).astype(np.float32).reshape(4, 5)
    _assert_same_bits(lax.sort(x, dimension=1, is_stable=False), np.sort(x, axis=1))


def test_sort_several_operands_by_one_key():
    keys = _random((3, 8), "int32", 0, 3)  # many ties: stability matters
    values = _random((3, 8), "float32")
    order = np.argsort(keys, axis=1, kind="stable")
    sorted_keys, sorted_values = lax.sort((keys, values), dimension=1)
    np.testing.assert_array_equal(np.asarray(sorted_keys), np.take_along_axis(keys, order, 1))
    np.testing.assert_array_equal(np.asarray(sorted_values),
                                  np.take_along_axis(values, order, 1))
    out = lax.sort([keys, values, keys], dimension=0, num_keys=1)
    assert isinstance(out, tuple) and len(out) == 3
    order = np.argsort(keys, axis=0, kind="stable")
    np.testing.assert_array_equal(np.asarray(out[1]), np.take_along_axis(values, order, 0))


def test_sort_by_two_keys_matches_lexsort():
    first = _random((20,), "int32", 0, 2)
    second = _random((20,), "float32", 0, 3).round()
    second[[3, 7]] = np.nan
    payload = np.arange(20, dtype=np.int32)
    order = np.lexsort((second, first))  # last key is primary in NumPy; NaN sorts last
    outs = lax.sort((first, second, payload), num_keys=2)
    np.testing.assert_array_equal(np.asarray(outs[0]), first[order])
    np.testing.assert_array_equal(np.asarray(outs[1]), second[order])
    np.testing.assert_array_equal(np.asarray(outs[2]), payload[order])


def test_sort_complex_by_real_then_imaginary_part():
    x = (RNG.integers(0, 3, size=12) + 1j * RNG.integers(-2, 2, size=12)).astype(np.complex64)
    np.testing.assert_array_equal(np.asarray(lax.sort(x)), np.sort(x, kind="stable"))


def test_sort_key_val():
    keys = _random((2, 7), "float32")
    values = _random((2, 7), "int32", 0, 100)
    sorted_keys, sorted_values = lax.sort_key_val(keys, values)
    order = np.argsort(keys, axis=-1, kind="stable")
    np.testing.assert_array_equal(np.asarray(sorted_keys), np.sort(keys, axis=-1))
    np.testing.assert_array_equal(np.asarray(sorted_values),
                                  np.take_along_axis(values, order, -1))


def test_sort_under_jit_and_empty():
    x = _random((4, 6), "float32")
    got = numax.jit(lambda x: lax.sort(x, dimension=0))(x)
    _assert_same_bits(got, np.sort(x, axis=0, kind="stable"))
    assert lax.sort(np.zeros((0, 3), np.float32), dimension=0).shape == (0, 3)


# ---------------------------------------------------------------- top_k

def _total_order_key(x):
    """IEEE total order as integers: -NaN < -inf < ... < -0.0 < 0.0 < ... < inf < NaN."""
    if x.dtype.kind != "f":
        return x.astype(np.int64)
    bits = x.astype(np.float32).view(np.int32).astype(np.int64)
    return np.where(bits < 0, -(bits & 0x7FFFFFFF) - 1, bits)


def _reference_top_k(x, k):
    order = np.argsort(-_total_order_key(x), axis=-1, kind="stable")[..., :k]
    return np.take_along_axis(x, order, -1), order.astype(np.int32)


@pytest.mark.parametrize("dtype", ["float32", "int32", "uint8", "float16"])
def test_top_k_matches_reference(dtype):
    for shape, k in [((9,), 3), ((9,), 9), ((3, 6), 1), ((2, 3, 5), 4), ((4,), 0)]:
        x = _random(shape, dtype, 0, 4)  # few distinct values: ties
        values, indices = lax.top_k(x, k)
        want_values, want_indices = _reference_top_k(x, k)
        assert indices.dtype == np.int32 and values.dtype == x.dtype
        np.testing.assert_array_equal(np.asarray(values), want_values, err_msg=f"{shape} {k}")
        np.testing.assert_array_equal(np.asarray(indices), want_indices, err_msg=f"{shape} {k}")


def test_top_k_special_floats():
    x = np.array([1.0, np.nan, -0.0, 0.0, np.inf, -np.inf, 2.0, -np.nan], np.float32)
    values, indices = lax.top_k(x, 8)
    want_values, want_indices = _reference_top_k(x, 8)
    np.testing.assert_array_equal(np.asarray(indices), want_indices)
    _assert_same_bits(values, want_values)


def test_top_k_under_jit():
    x = _random((3, 7), "float32")
    values, indices = numax.jit(lambda x: lax.top_k(x, 2))(x)
    want_values, want_indices = _reference_top_k(x, 2)
    np.testing.assert_array_equal(np.asarray(values), want_values)
    np.testing.assert_array_equal(np.asarray(indices), want_indices)


# ---------------------------------------------------------------- errors

def test_bad_input_errors():
    x = np.ones((2, 3), np.float32)
    with pytest.raises(ValueError, match="sort: axis 2 is out of bounds"):
        lax.sort(x, dimension=2)
    with pytest.raises(ValueError, match="num_keys=3 must be between 1 and the number"):
        lax.sort((x, x), num_keys=3)
    with pytest.raises(ValueError, match="num_keys=0"):
        lax.sort(x, num_keys=0)
    with pytest.raises(NumaxTypeError, match="sort: all operands must have one shape"):
        lax.sort((x, np.ones((3, 2), np.float32)))
    with pytest.raises(ValueError, match="top_k: k=4 is larger than the last axis"):
        lax.top_k(x, 4)
    with pytest.raises(ValueError, match="top_k: k must be a non-negative"):
        lax.top_k(x, -1)
    with pytest.raises(NumaxTypeError, match="top_k needs an operand of rank >= 1"):
        lax.top_k(np.float32(1), 1)
    with pytest.raises(NumaxTypeError, match="top_k does not accept dtype bool"):
        lax.top_k(x > 0, 1)
