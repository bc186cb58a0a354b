"""packbits and unpackbits: booleans packed eight to a uint8 and back.

Owns the bit order conventions: 'big' puts the first element in the most significant
bit (NumPy's default), 'little' in the least significant. A packed axis whose length is
not a multiple of 8 is padded with zeros; unpackbits' `count` keeps that many bits
(dropping the last -count for a negative count, padding with zeros past the end).
"""

import numpy as np

from numax import lax
from numax.core import dtypes
from numax.numpy._promote import canonicalize_axis, ensure_array


def _check_bitorder(api, bitorder):
    if bitorder not in ("big", "little"):
        raise ValueError(f"numax.numpy.{api}: bitorder must be 'big' or 'little', got "
                         f"{bitorder!r}")


def _bit_shifts(bitorder, shape, axis):
    """The shift of each of the 8 bit positions, laid along `axis` of `shape`."""
    positions = lax.convert_element_type(lax.iota(np.int32, 8), np.uint8)
    if bitorder == "big":
        positions = lax.sub(lax.full((8,), 7, np.uint8), positions)
    return lax.broadcast_in_dim(positions, shape, (axis,))


def packbits(a, axis=None, bitorder="big"):
    """numpy.packbits: the nonzero-ness of each element of `a`, packed eight to a uint8
    along `axis` (of the flattened array when axis is None).

    >>> import numax.numpy as jnp
    >>> jnp.packbits(jnp.asarray([1, 0, 1, 1, 0, 0, 0, 0, 1]))
    Array([176, 128], dtype=uint8)
    """
    _check_bitorder("packbits", bitorder)
    a = ensure_array(a)
    if not (dtypes.is_integer(a.dtype) or a.dtype == np.bool_):
        raise TypeError(f"numax.numpy.packbits: expected an integer or boolean array, got "
                        f"dtype {a.dtype.name}")
    if axis is None:
        a, axis = lax.reshape(a, (a.size,)), 0
    axis = canonicalize_axis(axis, a.ndim)
    bits = lax.convert_element_type(lax.ne(a, lax.full_like(a, 0)), np.uint8)
    length = a.shape[axis]
    padding = -length % 8
    if padding:
        config = [(0, 0, 0)] * a.ndim
        config[axis] = (0, padding, 0)
        bits = lax.pad(bits, np.uint8(0), config)
    groups = (length + padding) // 8
    grouped = lax.reshape(bits, bits.shape[:axis] + (groups, 8) + bits.shape[axis + 1:])
    shifted = lax.shift_left(grouped, _bit_shifts(bitorder, grouped.shape, axis + 1))
    return lax.reduce_or(shifted, (axis + 1,))


def unpackbits(a, axis=None, count=None, bitorder="big"):
    """numpy.unpackbits: each uint8 of `a` spread into its eight bits (0 or 1, uint8)
    along `axis` (of the flattened array when axis is None).

    >>> import numax.numpy as jnp
    >>> jnp.unpackbits(jnp.asarray([5], dtype=jnp.uint8))
    Array([0, 0, 0, 0, 0, 1, 0, 1], dtype=uint8)
    """
    _check_bitorder("unpackbits", bitorder)
    a = ensure_array(a)
    if a.dtype != np.uint8:
        raise TypeError(f"numax.numpy.unpackbits: expected a uint8 array, got dtype "
                        f"{a.dtype.name}")
    if axis is None:
        a, axis = lax.reshape(a, (a.size,)), 0
    axis = canonicalize_axis(axis, a.ndim)
    spread = lax.broadcast_in_dim(a, a.shape[:axis + 1] + (8,) + a.shape[axis + 1:],
                                  tuple(i if i <= axis else i + 1 for i in range(a.ndim)))
    bits = lax.bitwise_and(lax.shift_right_logical(
        spread, _bit_shifts(bitorder, spread.shape, axis + 1)), lax.full_like(spread, 1))
    length = a.shape[axis] * 8
    bits = lax.reshape(bits, a.shape[:axis] + (length,) + a.shape[axis + 1:])
    if count is None:
        return bits
    count = int(count)
    keep = max(length + count, 0) if count < 0 else count
    if keep <= length:
        return lax.slice_in_dim(bits, 0, keep, axis=axis)
    config = [(0, 0, 0)] * bits.ndim
    config[axis] = (0, keep - length, 0)
    return lax.pad(bits, np.uint8(0), config)
