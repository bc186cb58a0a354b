"""numax.numpy packbits and unpackbits against NumPy over shapes, axes, both bit orders
and counts (positive, negative, past the end), under jit and vmap."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import numax
import numax.numpy as jnp


@settings(max_examples=10, deadline=None)
@given(shape=st.sampled_from([(13,), (3, 11), (2, 8, 3)]), seed=st.integers(0, 99),
       axis=st.sampled_from([None, 0, -1]), bitorder=st.sampled_from(["big", "little"]),
       dtype=st.sampled_from([np.bool_, np.uint8, np.int32]))
def test_packbits(shape, seed, axis, bitorder, dtype):
    a = np.random.default_rng(seed).integers(0, 3, size=shape).astype(dtype)
    got = jnp.packbits(a, axis=axis, bitorder=bitorder)
    want = np.packbits(a, axis=axis, bitorder=bitorder)
    assert got.dtype == np.uint8
    np.testing.assert_array_equal(np.asarray(got), want)


@settings(max_examples=10, deadline=None)
@given(shape=st.sampled_from([(3,), (2, 3)]), seed=st.integers(0, 99),
       axis=st.sampled_from([None, 0, -1]), bitorder=st.sampled_from(["big", "little"]),
       count=st.sampled_from([None, 0, 3, -5, 30]))
def test_unpackbits(shape, seed, axis, bitorder, count):
    a = np.random.default_rng(seed).integers(0, 256, size=shape).astype(np.uint8)
    got = jnp.unpackbits(a, axis=axis, count=count, bitorder=bitorder)
    want = np.unpackbits(a, axis=axis, count=count, bitorder=bitorder)
    assert got.dtype == np.uint8
    np.testing.assert_array_equal(np.asarray(got), want)


def test_round_trip_transforms_and_errors():
    a = np.random.default_rng(0).integers(0, 2, size=(4, 16)).astype(np.bool_)
    packed = numax.jit(lambda x: jnp.packbits(x, axis=1))(a)
    np.testing.assert_array_equal(np.asarray(packed), np.packbits(a, axis=1))
    unpacked = numax.vmap(jnp.unpackbits)(packed)
    np.testing.assert_array_equal(np.asarray(unpacked), a.astype(np.uint8))
    with pytest.raises(TypeError, match="uint8"):
        jnp.unpackbits(np.ones(3, np.int32))
    with pytest.raises(TypeError, match="integer or boolean"):
        jnp.packbits(np.ones(3, np.float32))
    with pytest.raises(ValueError, match="bitorder"):
        jnp.packbits(a, bitorder="middle")
