"""A NumPy Threefry-2x32 (Salmon et al. 2011, "Parallel random numbers: as easy as 1, 2, 3")
with JAX's documented key derivation (jax_threefry_partitionable=True): the independent
reference the numax.random tests compare with. test_prng_vectors checks it against the
JAX vectors first."""

import numpy as np

_ROTATIONS = ((13, 15, 26, 6), (17, 29, 16, 24))


def np_threefry2x32(key0, key1, x0, x1):
    """Threefry-2x32, 20 rounds, on NumPy uint32 arrays (Salmon et al. 2011, table 4)."""
    key0, key1, x0, x1 = (np.atleast_1d(np.asarray(v, np.uint32)) for v in (key0, key1, x0, x1))
    with np.errstate(over="ignore"):
        return _np_rounds(key0, key1, x0, x1)


def _np_rounds(key0, key1, x0, x1):
    schedule = [key0, key1, key0 ^ key1 ^ np.uint32(0x1BD11BDA)]
    x = [x0 + schedule[0], x1 + schedule[1]]
    for group in range(5):
        for r in _ROTATIONS[group % 2]:
            x[0] = x[0] + x[1]
            x[1] = (x[1] << np.uint32(r)) | (x[1] >> np.uint32(32 - r))
            x[1] = x[1] ^ x[0]
        x[0] = x[0] + schedule[(group + 1) % 3]
        x[1] = x[1] + schedule[(group + 2) % 3] + np.uint32(group + 1)
    return x[0], x[1]


def np_counters(shape):
    index = np.arange(int(np.prod(shape)), dtype=np.uint64).reshape(shape)
    return (index >> np.uint64(32)).astype(np.uint32), (index & np.uint64(0xFFFFFFFF)).astype(
        np.uint32)


def np_bits(key, shape, width):
    hi, lo = (w.reshape(shape) for w in np_threefry2x32(key[0], key[1], *np_counters(shape)))
    if width == 64:
        return (hi.astype(np.uint64) << np.uint64(32)) | lo.astype(np.uint64)
    return (hi ^ lo).astype({8: np.uint8, 16: np.uint16, 32: np.uint32}[width])


def np_split(key, shape):
    hi, lo = (w.reshape(shape) for w in np_threefry2x32(key[0], key[1], *np_counters(shape)))
    return np.stack([hi, lo], axis=-1)


def np_fold_in(key, data):
    hi, lo = np_threefry2x32(key[0], key[1], 0, data)
    return np.concatenate([hi, lo])
