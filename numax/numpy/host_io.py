"""Reading and writing arrays through the host: frombuffer, fromstring, fromfile,
fromiter, load, save and savez.

Owns the boundary with files and Python byte buffers. Parsing and file access are done
by NumPy on the host, and the resulting array is put on the device with the usual
dtype canonicalisation (64-bit types become 32-bit without x64). These functions read
host data, so they cannot run on traced values; under jit they give constants, read once
when the function is traced. save and savez accept numax arrays wherever NumPy accepts
arrays.
"""

import numpy as np

from numax.core.trace import Tracer
from numax.numpy.creation import asarray


def _host_only(api, value):
    if isinstance(value, Tracer):
        raise TypeError(f"numax.numpy.{api}: needs host data, got a traced value; call it "
                        "outside of jit/vmap/grad")


def frombuffer(buffer, dtype=float, count=-1, offset=0):
    """numpy.frombuffer: a 1-D array read from the bytes of `buffer`.

    >>> import numax.numpy as jnp
    >>> jnp.frombuffer(b"\\x01\\x02\\x03", dtype=jnp.uint8)
    Array([1, 2, 3], dtype=uint8)
    """
    _host_only("frombuffer", buffer)
    return asarray(np.frombuffer(buffer, dtype=np.dtype(dtype), count=count, offset=offset))


def fromstring(string, dtype=float, count=-1, *, sep):
    """numpy.fromstring: a 1-D array parsed from text whose numbers are separated by
    `sep` (binary mode, sep='', is deprecated in NumPy and refused here).

    >>> import numax.numpy as jnp
    >>> jnp.fromstring("1 2 3", dtype=int, sep=" ")
    Array([1, 2, 3], dtype=int32)
    """
    if sep == "":
        raise ValueError("numax.numpy.fromstring: binary mode (sep='') is not supported; use "
                         "numax.numpy.frombuffer for bytes")
    return asarray(np.fromstring(string, dtype=np.dtype(dtype), count=count, sep=sep))


def fromfile(file, dtype=float, count=-1, sep="", offset=0):
    """numpy.fromfile: a 1-D array read from a binary or text file, on the host."""
    return asarray(np.fromfile(file, dtype=np.dtype(dtype), count=count, sep=sep,
                               offset=offset))


def fromiter(iterable, dtype, count=-1):
    """numpy.fromiter: a 1-D array of the items of a Python iterable."""
    return asarray(np.fromiter(iterable, dtype=np.dtype(dtype), count=count))


def load(file, *args, **kwargs):
    """numpy.load: arrays saved with save are returned as numax arrays; .npz archives
    and pickled objects come back as NumPy gives them."""
    loaded = np.load(file, *args, **kwargs)
    if isinstance(loaded, np.ndarray) and loaded.dtype != object:
        return asarray(loaded)
    return loaded


def save(file, arr, allow_pickle=True):
    """numpy.save: writes one array to a .npy file."""
    _host_only("save", arr)
    np.save(file, np.asarray(arr), allow_pickle=allow_pickle)


def savez(file, *args, **kwds):
    """numpy.savez: writes several arrays to an uncompressed .npz archive."""
    for value in (*args, *kwds.values()):
        _host_only("savez", value)
    np.savez(file, *[np.asarray(a) for a in args],
             **{name: np.asarray(a) for name, a in kwds.items()})
