"""Keys: seeding (JAX's handling of negative and large seeds), typed key arrays and their
methods, raw keys, and split / fold_in / bits under jit and vmap (compared with loops
and with the NumPy reference of test_prng_vectors)."""

import numpy as np
import pytest

import numax
import numax.numpy as jnp
import numax.random as random
from numax.core import dtypes
from numax.random.prng import prng_key

from _threefry_numpy import np_bits, np_fold_in, np_split


def _data(keys):
    return np.asarray(random.key_data(keys))


# ---------------------------------------------------------------- seeds

@pytest.mark.parametrize("seed,words", [
    (0, [0, 0]), (42, [0, 42]), (-1, [0, 0xFFFFFFFF]), (-2, [0, 0xFFFFFFFE]),
    (2 ** 31, [0, 2 ** 31]), (2 ** 32 + 5, [0, 5]), (2 ** 40 + 3, [0, 3]),
])
def test_seed_words_without_x64(seed, words):
    """x64 off: the seed goes through int64 and then the 32-bit default int, so only its
    low word survives; the high word of the key is 0."""
    np.testing.assert_array_equal(np.asarray(random.PRNGKey(seed)), np.array(words, np.uint32))
    np.testing.assert_array_equal(_data(random.key(seed)), np.array(words, np.uint32))


@pytest.mark.parametrize("seed,words", [
    (0, [0, 0]), (-1, [0xFFFFFFFF, 0xFFFFFFFF]), (2 ** 32 + 5, [1, 5]),
    (2 ** 40 + 3, [2 ** 8, 3]), (-(2 ** 33), [0xFFFFFFFE, 0]),
])
def test_seed_words_with_x64(seed, words):
    """x64 on: a 64-bit seed splits into its high and low words."""
    with numax.enable_x64():
        np.testing.assert_array_equal(np.asarray(random.PRNGKey(seed)),
                                      np.array(words, np.uint32))


def test_numpy_and_traced_seeds():
    np.testing.assert_array_equal(np.asarray(random.PRNGKey(np.int32(-1))), [0, 0xFFFFFFFF])
    np.testing.assert_array_equal(np.asarray(random.PRNGKey(np.uint32(7))), [0, 7])
    np.testing.assert_array_equal(np.asarray(random.PRNGKey(np.int8(-1))), [0, 0xFFFFFFFF])
    np.testing.assert_array_equal(np.asarray(numax.jit(random.PRNGKey)(-3)), [0, 2 ** 32 - 3])
    np.testing.assert_array_equal(_data(numax.jit(random.key)(jnp.int32(9))), [0, 9])
    with numax.enable_x64():
        seed = jnp.asarray(np.int64(2 ** 35 + 1))
        np.testing.assert_array_equal(np.asarray(numax.jit(random.PRNGKey)(seed)), [8, 1])


@pytest.mark.parametrize("bad", [1.5, True, np.array([1, 2]), np.float32(2)])
def test_bad_seeds(bad):
    with pytest.raises(TypeError):
        random.PRNGKey(bad)


def test_seed_out_of_int64_range():
    with pytest.raises(OverflowError):
        random.PRNGKey(2 ** 64)


# ---------------------------------------------------------------- typed keys

def test_typed_key_basics():
    key = random.key(3)
    assert key.shape == () and key.ndim == 0 and key.size == 1
    assert str(key.dtype) == "key<fry>" and key.dtype == "key<fry>"
    assert dtypes.issubdtype(key.dtype, prng_key)
    assert dtypes.issubdtype(key.dtype, dtypes.extended)
    assert not dtypes.issubdtype(key.dtype, np.integer)
    assert str(random.key_impl(key)) == "threefry2x32"
    assert random.key_impl(random.PRNGKey(0)) == "threefry2x32"
    assert "key<fry>" in repr(key)
    assert random.clone(key) is key
    with pytest.raises(TypeError):
        np.asarray(key)
    with pytest.raises(TypeError):
        hash(key)


def test_wrap_and_unwrap():
    data = np.array([[1, 2], [3, 4], [5, 6]], np.uint32)
    keys = random.wrap_key_data(data)
    assert keys.shape == (3,)
    np.testing.assert_array_equal(_data(keys), data)
    np.testing.assert_array_equal(_data(random.key_data(random.PRNGKey(5))), [0, 5])
    with pytest.raises(TypeError):
        random.wrap_key_data(np.zeros((3, 2), np.int32))
    with pytest.raises(TypeError):
        random.wrap_key_data(np.zeros((3, 4), np.uint32))
    with pytest.raises(NotImplementedError):
        random.key(0, impl="rbg")


def test_key_array_indexing_and_shapes():
    keys = random.split(random.key(0), (2, 3))
    data = _data(keys)
    assert keys.shape == (2, 3) and len(keys) == 2
    np.testing.assert_array_equal(_data(keys[1]), data[1])
    np.testing.assert_array_equal(_data(keys[1, 2]), data[1, 2])
    np.testing.assert_array_equal(_data(keys[:, ::2]), data[:, ::2])
    np.testing.assert_array_equal(_data(keys[..., 0]), data[..., 0, :])
    np.testing.assert_array_equal(_data(keys[None]), data[None])
    np.testing.assert_array_equal(_data(keys.reshape(6)), data.reshape(6, 2))
    np.testing.assert_array_equal(_data(keys.reshape(3, -1)), data.reshape(3, 2, 2))
    np.testing.assert_array_equal(_data(keys.ravel()), data.reshape(6, 2))
    np.testing.assert_array_equal(_data(keys.T), data.transpose(1, 0, 2))
    np.testing.assert_array_equal(_data(keys.swapaxes(0, 1)), data.transpose(1, 0, 2))
    np.testing.assert_array_equal(_data(keys[:1].squeeze(0)), data[0])
    rows = list(keys)
    assert len(rows) == 2 and rows[0].shape == (3,)
    np.testing.assert_array_equal(np.asarray(keys == keys), np.ones((2, 3), bool))
    np.testing.assert_array_equal(np.asarray(keys[0] != keys[1]), np.ones(3, bool))
    with pytest.raises(TypeError):
        len(random.key(0))


def test_split_unpacks():
    k1, k2 = random.split(random.key(0))
    assert isinstance(k1, random.PRNGKeyArray) and k1.shape == ()
    r1, r2 = random.split(random.PRNGKey(0))
    np.testing.assert_array_equal(_data(k1), np.asarray(r1))
    np.testing.assert_array_equal(_data(k2), np.asarray(r2))


def test_typed_keys_through_jit():
    @numax.jit
    def step(key):
        key, sub = random.split(key)
        return key, random.normal(sub, (3,))

    key = random.key(0)
    new_key, sample = step(key)
    assert isinstance(new_key, random.PRNGKeyArray)
    expected_key, expected_sub = random.split(key)
    np.testing.assert_array_equal(_data(new_key), _data(expected_key))
    np.testing.assert_array_equal(np.asarray(sample), np.asarray(random.normal(expected_sub, (3,))))


def test_vmap_over_typed_keys():
    keys = random.split(random.key(1), 4)
    out = numax.vmap(lambda k: random.uniform(k, (2,)))(keys)
    loop = np.stack([np.asarray(random.uniform(k, (2,))) for k in keys])
    np.testing.assert_array_equal(np.asarray(out), loop)
    split = numax.vmap(random.split)(keys)
    assert isinstance(split, random.PRNGKeyArray) and split.shape == (4, 2)
    np.testing.assert_array_equal(_data(split), np.stack([_data(random.split(k)) for k in keys]))


def test_single_key_required():
    keys = random.split(random.key(0), 3)
    for function in (lambda k: random.split(k), lambda k: random.fold_in(k, 1),
                     lambda k: random.bits(k, (2,)), lambda k: random.normal(k, (2,))):
        with pytest.raises(TypeError, match="single key"):
            function(keys)
        with pytest.raises(TypeError, match="single key"):
            function(random.key_data(keys))


def test_raw_key_validation():
    with pytest.raises(TypeError):
        random.normal(np.zeros(2, np.int32), (2,))
    with pytest.raises(TypeError):
        random.split(np.zeros(3, np.uint32))
    # NumPy uint32 keys work like device ones.
    np.testing.assert_array_equal(np.asarray(random.split(np.array([0, 0], np.uint32))),
                                  np.asarray(random.split(random.PRNGKey(0))))


# ---------------------------------------------------------------- split, fold_in, bits

def test_split_and_fold_in_vmapped_equal_looped():
    keys = random.split(random.PRNGKey(7), 5)
    host_keys = np.asarray(keys)
    vmapped = numax.vmap(lambda k: random.split(k, 3))(keys)
    np.testing.assert_array_equal(np.asarray(vmapped),
                                  np.stack([np_split(k, (3,)) for k in host_keys]))
    data = np.arange(5, dtype=np.uint32) * 1000
    folded = numax.vmap(random.fold_in)(keys, jnp.asarray(data))
    np.testing.assert_array_equal(np.asarray(folded), np.stack([
        np_fold_in(k, d) for k, d in zip(host_keys, data)]))
    folded_one_key = numax.vmap(lambda d: random.fold_in(host_keys[0], d))(jnp.asarray(data))
    np.testing.assert_array_equal(np.asarray(folded_one_key), np.stack([
        np_fold_in(host_keys[0], d) for d in data]))


def test_bits_vmapped_and_jitted():
    keys = random.split(random.PRNGKey(3), 4)
    out = numax.jit(numax.vmap(lambda k: random.bits(k, (2, 3))))(keys)
    np.testing.assert_array_equal(np.asarray(out),
                                  np.stack([np_bits(k, (2, 3), 32) for k in np.asarray(keys)]))


def test_jit_equals_eager_for_key_functions():
    key = random.PRNGKey(11)
    np.testing.assert_array_equal(np.asarray(numax.jit(lambda k: random.split(k, (2, 2)))(key)),
                                  np.asarray(random.split(key, (2, 2))))
    np.testing.assert_array_equal(np.asarray(numax.jit(random.fold_in)(key, 12)),
                                  np.asarray(random.fold_in(key, 12)))
    np.testing.assert_array_equal(np.asarray(numax.jit(lambda k: random.bits(k, (9,)))(key)),
                                  np.asarray(random.bits(key, (9,))))


def test_fold_in_data_conversions():
    key = random.PRNGKey(0)
    expected = np_fold_in(np.asarray(key), 0xFFFFFFFF)
    np.testing.assert_array_equal(np.asarray(random.fold_in(key, -1)), expected)
    np.testing.assert_array_equal(np.asarray(random.fold_in(key, jnp.int32(-1))), expected)
    np.testing.assert_array_equal(np.asarray(random.fold_in(key, np.uint32(2 ** 32 - 1))),
                                  expected)
    with pytest.raises(TypeError):
        random.fold_in(key, 1.5)
    with pytest.raises(TypeError):
        random.fold_in(key, jnp.arange(2))


def test_docstring_examples():
    import doctest

    from numax.random import distributions, prng, rejection
    for module in (prng, distributions, rejection):
        assert doctest.testmod(module).failed == 0, module.__name__


def test_bits_dtype_errors():
    with pytest.raises(TypeError):
        random.bits(random.PRNGKey(0), (2,), np.int32)
    with pytest.raises(TypeError):
        random.bits(random.PRNGKey(0), (2,), np.float32)
