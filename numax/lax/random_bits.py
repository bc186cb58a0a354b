"""XLA's own random-bit generator: the rng_bit_generator primitive and RandomAlgorithm.

Owns `rng_bit_generator`, declared once with its shape rule, lowering to
stablehlo.rng_bit_generator, batching rule and examples. It is a pure function of its key:
the same key gives the same bits and the same new key, eagerly and under jit. Its bits are
XLA's, not threefry's as in numax.random (which is bit-exact with JAX's jax.random); the key
is four uint32 words, which XLA reads as two uint64 words of state.
"""

import enum

import numpy as np

from numax.core import dtypes
from numax.core.abstract import ShapedArray
from numax.core.errors import NumaxTypeError
from numax.core.primitive import Primitive
from numax.lax._ad_rules import aval_of
from numax.lax.structural import concatenate, reshape, slice_in_dim, squeeze
from numax.lowering import tensor_type
from numax.transforms.batching import move_axis


class RandomAlgorithm(enum.IntEnum):
    """The bit-generation algorithm: XLA's default for the platform, Threefry or Philox."""

    RNG_DEFAULT = 0
    RNG_THREE_FRY = 1
    RNG_PHILOX = 2

    def __str__(self):
        return self.name


_HLO_ALGORITHM = {RandomAlgorithm.RNG_DEFAULT: "DEFAULT", RandomAlgorithm.RNG_THREE_FRY:
                  "THREE_FRY", RandomAlgorithm.RNG_PHILOX: "PHILOX"}
_KEY_DTYPE = np.dtype(np.uint32)
_BIT_DTYPES = tuple(np.dtype(d) for d in (np.uint8, np.uint16, np.uint32, np.uint64))


def _rng_bit_generator_abstract(key, *, shape, dtype, algorithm):
    if key.dtype != _KEY_DTYPE or key.shape != (4,):
        raise NumaxTypeError(f"rng_bit_generator: key must be a uint32 array of shape (4,), got "
                             f"{key.dtype.name}{list(key.shape)}")
    if dtype not in _BIT_DTYPES:
        raise NumaxTypeError(f"rng_bit_generator: dtype must be one of uint8, uint16, uint32, "
                             f"uint64, got {dtype.name}")
    return [ShapedArray(key.shape, key.dtype), ShapedArray(shape, dtype)]


def _rng_bit_generator_lower(ctx, key, *, shape, dtype, algorithm):
    """uint32[4] key -> uint64[2] state; XLA generates 32 or 64-bit words, so narrower bit
    widths are the low bits of 32-bit words."""
    state_type = tensor_type((2,), np.uint64)
    state = ctx.op("stablehlo.bitcast_convert",
                   [ctx.op("stablehlo.reshape", [key], tensor_type((2, 2), _KEY_DTYPE))],
                   state_type)
    word = dtype if dtype.itemsize >= 4 else np.dtype(np.uint32)
    new_state, bits = ctx.ops("stablehlo.rng_bit_generator", [state],
                              [state_type, tensor_type(shape, word)], attributes={
                                  "rng_algorithm":
                                      f"#stablehlo<rng_algorithm {_HLO_ALGORITHM[algorithm]}>"})
    if word != dtype:
        bits = ctx.op("stablehlo.convert", [bits], tensor_type(shape, dtype))
    new_key = ctx.op("stablehlo.bitcast_convert", [new_state], tensor_type((2, 2), _KEY_DTYPE))
    return [ctx.op("stablehlo.reshape", [new_key], tensor_type((4,), _KEY_DTYPE)), bits]


def rng_bit_generator_batch(args, dims, *, shape, dtype, algorithm):
    """One generator per key: XLA's op takes a single state, so the batch is unrolled."""
    (key,), (dim,) = args, dims
    key = move_axis(key, dim, 0)
    keys, bits = [], []
    for b in range(aval_of(key).shape[0]):
        new_key, out = rng_bit_generator_p.bind(squeeze(slice_in_dim(key, b, b + 1), (0,)),
                                                shape=shape, dtype=dtype, algorithm=algorithm)
        keys.append(reshape(new_key, (1, 4)))
        bits.append(reshape(out, (1,) + shape))
    return [concatenate(keys, 0), concatenate(bits, 0)], [0, 0]


rng_bit_generator_p = Primitive(
    "rng_bit_generator",
    abstract_eval=_rng_bit_generator_abstract,
    lower=_rng_bit_generator_lower,
    multiple_results=True,
    not_differentiable="integer key and output",
    batch=rng_bit_generator_batch,
    examples=lambda: [
        ((np.array([0, 42, 7, 1], np.uint32),),
         dict(shape=(3, 4), dtype=np.dtype(np.uint32), algorithm=RandomAlgorithm.RNG_DEFAULT)),
        ((np.array([1, 2, 3, 4], np.uint32),),
         dict(shape=(5,), dtype=np.dtype(np.uint8), algorithm=RandomAlgorithm.RNG_THREE_FRY)),
        ((np.array([9, 8, 7, 6], np.uint32),),
         dict(shape=(2, 2), dtype=np.dtype(np.uint32), algorithm=RandomAlgorithm.RNG_PHILOX))],
)


def rng_bit_generator(key, shape, dtype=np.uint32, algorithm=RandomAlgorithm.RNG_DEFAULT,
                      *, out_sharding=None):
    """(new_key, bits): an array of `shape` of random unsigned integers of `dtype` from XLA's
    generator, and the key to use next. `key` is a uint32 array of shape (4,). The bits are
    a deterministic function of (key, shape, dtype, algorithm) on a given platform but not
    portable across platforms or XLA versions (use numax.random for that)."""
    try:
        shape = tuple(int(d) for d in shape)
    except TypeError:
        raise TypeError(f"rng_bit_generator: shape must be a sequence of static integers, got "
                        f"{shape!r}") from None
    try:
        algorithm = RandomAlgorithm(algorithm)
    except ValueError:
        raise ValueError(f"rng_bit_generator: algorithm must be a lax.RandomAlgorithm, got "
                         f"{algorithm!r}") from None
    new_key, bits = rng_bit_generator_p.bind(key, shape=shape,
                                             dtype=dtypes.canonicalize_dtype(dtype),
                                             algorithm=algorithm)
    return new_key, bits


__all__ = ["RandomAlgorithm", "rng_bit_generator", "rng_bit_generator_p"]
