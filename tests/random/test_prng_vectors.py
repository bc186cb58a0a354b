"""numax.random against JAX 0.10.2's bits: every vector of shared/reference/prng_vectors.json,
and an independent NumPy Threefry-2x32 (Salmon et al. 2011) with JAX's documented key
derivation (anchored to the same vectors) for many more keys, shapes and bit widths."""

import json
import pathlib

import numpy as np
import pytest

import numax
import numax.random as random
from numax.random import prng

from _threefry_numpy import np_bits, np_counters, np_fold_in, np_split

VECTORS_PATH = (pathlib.Path(__file__).resolve().parents[3] / "shared" / "reference" /
                "prng_vectors.json")
VECTORS = json.loads(VECTORS_PATH.read_text())
METADATA = {"jax_version", "config"}


def _raw(seed):
    return random.PRNGKey(seed)


# Each vector's name, read as JAX code, and the numax call that must reproduce it. The
# keys of the JSON file decide what is checked: a vector added there without an entry
# here fails test_every_vector_is_checked.
CASES = {
    "PRNGKey(0)": lambda key: key(0),
    "PRNGKey(42)": lambda key: key(42),
    "key_data(key(7))": lambda key: random.key_data(random.key(7)),
    "split(PRNGKey(0))": lambda key: random.split(key(0)),
    "split(PRNGKey(0), 3)": lambda key: random.split(key(0), 3),
    "fold_in(PRNGKey(0), 5)": lambda key: random.fold_in(key(0), 5),
    "bits(PRNGKey(0), (5,), uint32)": lambda key: random.bits(key(0), (5,), np.uint32),
    "bits(PRNGKey(1), (2,3), uint32)": lambda key: random.bits(key(1), (2, 3), np.uint32),
    "uniform(PRNGKey(0), (4,))": lambda key: random.uniform(key(0), (4,)),
    "normal(PRNGKey(0), (4,))": lambda key: random.normal(key(0), (4,)),
    "randint(PRNGKey(3), (6,), 0, 10)": lambda key: random.randint(key(3), (6,), 0, 10),
    "permutation(PRNGKey(0), 8)": lambda key: random.permutation(key(0), 8),
    "bernoulli(PRNGKey(2), 0.3, (8,))": lambda key: random.bernoulli(key(2), 0.3, (8,)),
}

# The JSON stores floats as Python floats printed from float32 values; compare the float32
# bit patterns, not approximately.
DTYPES = {"uniform": np.float32, "normal": np.float32, "randint": np.int32,
          "permutation": np.int32, "bernoulli": np.bool_}


def _expected(name):
    value = np.asarray(VECTORS[name])
    for prefix, dtype in DTYPES.items():
        if name.startswith(prefix):
            return value.astype(dtype)
    return value.astype(np.uint32)


def _data(value):
    return np.asarray(random.key_data(value)) if isinstance(value, random.PRNGKeyArray) \
        else np.asarray(value)


def _typed_key(seed):
    return random.key(seed)


def _assert_bits_equal(actual, expected):
    actual = np.asarray(actual)
    assert actual.dtype == expected.dtype, (actual.dtype, expected.dtype)
    assert actual.shape == expected.shape
    if actual.dtype.kind == "f":
        np.testing.assert_array_equal(actual.view(np.uint32), expected.view(np.uint32))
    else:
        np.testing.assert_array_equal(actual, expected)


def test_every_vector_is_checked():
    assert set(VECTORS) - METADATA == set(CASES)
    assert VECTORS["config"]["jax_threefry_partitionable"] is True


@pytest.mark.parametrize("name", sorted(CASES))
def test_vector_with_raw_keys(name):
    _assert_bits_equal(_data(CASES[name](_raw)), _expected(name))


@pytest.mark.parametrize("name", sorted(CASES))
def test_vector_with_typed_keys(name):
    expected = _expected(name)
    out = CASES[name](_typed_key)
    if name.startswith(("PRNGKey", "split", "fold_in")):
        assert isinstance(out, random.PRNGKeyArray)
    _assert_bits_equal(_data(out), expected)


@pytest.mark.parametrize("name", sorted(CASES))
def test_vector_under_jit(name):
    """The key is an argument of the jitted function (traced), as in user code."""
    if name.startswith(("PRNGKey", "key_data")):
        seed = 0 if name == "PRNGKey(0)" else 42 if name == "PRNGKey(42)" else 7
        make = random.PRNGKey if name.startswith("PRNGKey") else \
            (lambda s: random.key_data(random.key(s)))
        _assert_bits_equal(numax.jit(make)(seed), _expected(name))
        return
    seeds = {}
    call = CASES[name]

    def recording_key(seed):
        seeds.setdefault("seed", seed)
        return _raw(seed)

    call(recording_key)
    key = random.PRNGKey(seeds["seed"])
    _assert_bits_equal(_data(numax.jit(lambda k: call(lambda _: k))(key)), _expected(name))


def test_reference_reproduces_the_vectors():
    zero = np.array([0, 0], np.uint32)
    np.testing.assert_array_equal(np_split(zero, (3,)), _expected("split(PRNGKey(0), 3)"))
    np.testing.assert_array_equal(np_fold_in(zero, 5), _expected("fold_in(PRNGKey(0), 5)"))
    np.testing.assert_array_equal(np_bits(zero, (5,), 32),
                                  _expected("bits(PRNGKey(0), (5,), uint32)"))
    np.testing.assert_array_equal(np_bits(np.array([0, 1], np.uint32), (2, 3), 32),
                                  _expected("bits(PRNGKey(1), (2,3), uint32)"))


_KEYS = [np.array(k, np.uint32) for k in ([0, 0], [0, 1], [12345, 678], [0xFFFFFFFF, 7],
                                          [0x9E3779B9, 0x7F4A7C15])]
_SHAPES = [(), (1,), (7,), (2, 3), (3, 1, 4), (0,), (2, 0)]


@pytest.mark.parametrize("shape", _SHAPES)
def test_bits_match_reference(shape):
    for key in _KEYS:
        np.testing.assert_array_equal(np.asarray(random.bits(key, shape, np.uint32)),
                                      np_bits(key, shape, 32))


@pytest.mark.parametrize("width,dtype", [(8, np.uint8), (16, np.uint16)])
def test_narrow_bits_match_reference(width, dtype):
    for key in _KEYS[:3]:
        out = random.bits(key, (4, 5), dtype)
        assert out.dtype == dtype
        np.testing.assert_array_equal(np.asarray(out), np_bits(key, (4, 5), width))


def test_64_bit_values_match_reference():
    with numax.enable_x64():
        out = random.bits(_KEYS[2], (6,), np.uint64)
        assert out.dtype == np.uint64
        np.testing.assert_array_equal(np.asarray(out), np_bits(_KEYS[2], (6,), 64))
        assert random.bits(_KEYS[2], (2,)).dtype == np.uint64   # JAX's default uint
    assert random.bits(_KEYS[2], (2,), np.uint64).dtype == np.uint32   # x64 off


@pytest.mark.parametrize("num", [1, 2, 5, (2, 3), (4, 1, 2)])
def test_split_matches_reference(num):
    shape = (num,) if isinstance(num, int) else num
    for key in _KEYS:
        np.testing.assert_array_equal(np.asarray(random.split(key, num)), np_split(key, shape))


def test_fold_in_matches_reference():
    for key in _KEYS:
        for data in (0, 1, 5, 2 ** 31, 2 ** 32 - 1):
            np.testing.assert_array_equal(np.asarray(random.fold_in(key, data)),
                                          np_fold_in(key, data))


def test_wide_counters_match_reference():
    """The general counter path (for arrays of 2**32 elements or more) computes the same
    hi/lo words as the 32-bit path; checked on small shapes by forcing it."""
    for shape in [(5,), (3, 4), (2, 3, 7)]:
        hi, lo = numax.jit(lambda: prng.iota_2x32_shape(shape, wide=True))()
        ref_hi, ref_lo = np_counters(shape)
        np.testing.assert_array_equal(np.asarray(hi), ref_hi)
        np.testing.assert_array_equal(np.asarray(lo), ref_lo)


def test_wide_product_matches_numpy():
    values = np.array([0, 1, 65535, 65536, 123456789, 0xFFFFFFFF], np.uint32)
    for factor in (1, 3, 65537, 0xFFFFFFFF, 0x89ABCDEF):
        hi, lo = prng._wide_product(numax.numpy.asarray(values), factor)
        product = values.astype(object) * factor
        np.testing.assert_array_equal(np.asarray(hi), np.array([p >> 32 for p in product],
                                                               np.uint32))
        np.testing.assert_array_equal(np.asarray(lo), np.array([p & 0xFFFFFFFF for p in product],
                                                               np.uint32))


@pytest.mark.parametrize("rolled", [True, False])
def test_rolled_and_unrolled_rounds_agree(rolled, monkeypatch):
    """On CPU the rounds run as a loop (as in JAX); both forms give the vectors."""
    monkeypatch.setattr(prng, "rolled_rounds", rolled)
    # The unjitted bodies, so no program traced under the other setting is reused.
    f = numax.jit(lambda k: (prng.random_bits_data(k, 32, (3, 5)), prng.split_data(k, 4)))
    for key in _KEYS[:3]:
        bits, keys = f(key)
        np.testing.assert_array_equal(np.asarray(bits), np_bits(key, (3, 5), 32))
        np.testing.assert_array_equal(np.asarray(keys), np_split(key, (4,)))
