"""`numax.dtypes`: the public dtype module libraries reach as `jax.dtypes`.

Owns only the public surface: it re-exports what numax/core/dtypes.py implements
(promotion, canonicalisation, classification, the extended-dtype scalar types) with the
names and signatures JAX 0.10.2's `jax.dtypes` has, plus `scalar_type_of`. `prng_key`
is the abstract scalar type of typed PRNG key dtypes (defined beside them in
numax/random/prng.py), so `issubdtype(numax.random.key(0).dtype, prng_key)` is True.
"""

import numpy as np
from ml_dtypes import finfo, iinfo  # noqa: F401  (JAX exposes these classes as they are)

from numax.core import dtypes as _core
from numax.core.dtypes import (TypePromotionError, bfloat16, extended, float0,  # noqa: F401
                               issubdtype, result_type)
from numax.random.prng import prng_key  # noqa: F401


def canonicalize_dtype(dtype, allow_extended_dtype=False):
    """The dtype numax computes in for `dtype`: 64-bit types become 32-bit unless x64 is on.

    >>> import numpy as np, numax
    >>> numax.dtypes.canonicalize_dtype(np.float64)
    dtype('float32')
    """
    if isinstance(dtype, _core.ExtendedDType) and not allow_extended_dtype:
        raise ValueError(f"canonicalize_dtype got the extended dtype {dtype.name}; pass "
                         "allow_extended_dtype=True to accept PRNG key dtypes")
    return _core.canonicalize_dtype(dtype, allow_extended=True)


def itemsize_bits(dtype):
    """Bits per element of a numeric dtype: 4 for int4, 16 for bfloat16, 8 for bool.

    >>> import numax
    >>> numax.dtypes.itemsize_bits(numax.numpy.int4)
    4
    """
    if isinstance(dtype, _core.ExtendedDType) or np.dtype(dtype) == float0:
        raise ValueError(f"itemsize_bits: {dtype} is not a numeric dtype; its elements have no "
                         "bit width of their own")
    return _core.itemsize_bits(dtype)


_PYTHON_SCALAR_OF_KIND = ((_core.is_bool, bool), (_core.is_integer, int), (_core.is_float, float),
                          (_core.is_complex, complex))


def scalar_type_of(x):
    """The Python scalar type (bool, int, float or complex) matching the dtype of `x`.

    >>> import numax, numax.numpy as jnp
    >>> numax.dtypes.scalar_type_of(jnp.ones(2, jnp.bfloat16))
    <class 'float'>
    """
    dtype, _ = _core.dtype_and_weak_type(x)
    for is_kind, python_type in _PYTHON_SCALAR_OF_KIND:
        if is_kind(dtype):
            return python_type
    raise TypeError(f"scalar_type_of: a value of dtype {dtype} has no Python scalar type; "
                    "only bool, integer, floating and complex values do")


__all__ = ["TypePromotionError", "bfloat16", "canonicalize_dtype", "extended", "finfo", "float0",
           "iinfo", "issubdtype", "itemsize_bits", "prng_key", "result_type", "scalar_type_of"]
