"""DLPack interchange (`numax.dlpack`): arrays from any DLPack producer, and the dtypes
that can cross the boundary. Arrays export themselves through `Array.__dlpack__`."""

import numpy as np

from numax.numpy.creation import from_dlpack

SUPPORTED_DTYPES = frozenset(np.dtype(name) for name in (
    "bool", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64",
    "float16", "float32", "float64", "complex64", "complex128"))


def is_supported_dtype(dtype):
    """Whether arrays of `dtype` can be exchanged through DLPack by numax."""
    return np.dtype(dtype) in SUPPORTED_DTYPES


__all__ = ["SUPPORTED_DTYPES", "from_dlpack", "is_supported_dtype"]
