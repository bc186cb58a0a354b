"""numax/lax/random_bits.py: rng_bit_generator is deterministic in its key (eager == jit),
advances the key, and its bits look uniform (bit frequencies and a chi-square test on
bytes, against the binomial/chi-square distributions, not against fixed bits)."""

import numpy as np
import pytest

import numax
from numax import lax
from numax.core.errors import NumaxTypeError

KEY = np.array([0, 42, 7, 1], np.uint32)


def test_same_key_same_bits_eagerly_and_under_jit():
    new_key, bits = lax.rng_bit_generator(KEY, (64,))
    jit_key, jit_bits = numax.jit(lambda k: lax.rng_bit_generator(k, (64,)))(KEY)
    np.testing.assert_array_equal(np.asarray(bits), np.asarray(jit_bits))
    np.testing.assert_array_equal(np.asarray(new_key), np.asarray(jit_key))
    assert not np.array_equal(np.asarray(new_key), KEY)
    _, next_bits = lax.rng_bit_generator(new_key, (64,))
    assert not np.array_equal(np.asarray(next_bits), np.asarray(bits))


@pytest.mark.parametrize("algorithm", list(lax.RandomAlgorithm))
def test_bits_are_uniform(algorithm):
    _, bits = lax.rng_bit_generator(KEY, (4096,), np.uint32, algorithm)
    bits = np.asarray(bits)
    assert bits.dtype == np.uint32
    ones = np.unpackbits(bits.view(np.uint8)).reshape(-1, 32).mean(axis=0)
    # 4096 draws per bit: standard deviation 0.0078, so 0.04 is beyond 5 sigma.
    assert np.all(np.abs(ones - 0.5) < 0.04)
    counts = np.bincount(bits.view(np.uint8), minlength=256)
    expected = bits.size * 4 / 256
    chi2 = ((counts - expected) ** 2 / expected).sum()
    assert chi2 < 340  # the 0.0005 upper quantile of chi-square with 255 dof is about 343


def test_narrow_dtypes_and_vmap_over_keys():
    _, bits = lax.rng_bit_generator(KEY, (3, 5), np.uint8)
    assert bits.shape == (3, 5) and bits.dtype == np.uint8
    keys = np.stack([KEY, KEY + 1])
    new_keys, batched = numax.vmap(lambda k: lax.rng_bit_generator(k, (4,)))(keys)
    for i in range(2):
        want_key, want = lax.rng_bit_generator(keys[i], (4,))
        np.testing.assert_array_equal(np.asarray(batched[i]), np.asarray(want))
        np.testing.assert_array_equal(np.asarray(new_keys[i]), np.asarray(want_key))


def test_bad_key_is_rejected():
    with pytest.raises(NumaxTypeError, match="uint32 array of shape"):
        lax.rng_bit_generator(np.zeros(2, np.uint32), (3,))
