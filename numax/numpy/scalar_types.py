"""JAX's scalar types: `numax.numpy.float32` and friends.

Owns the objects a JAX user writes as dtypes (`jnp.zeros(3, jnp.float32)`,
`x.dtype == jnp.int32`) that are also callable (`jnp.float32(1)` is a 0-d float32 Array,
since numax, like JAX, has no scalar objects of its own). Each is a class carrying the
NumPy dtype it stands for in `.dtype`, which is all NumPy and numax.core.dtypes need to
read it as a dtype; comparison and hashing follow the NumPy scalar type, so
`jnp.float32 == np.float32`.
"""

import numpy as np

from numax.core import dtypes


class _ScalarMeta(type):
    """Metaclass of the scalar types: calling one converts, comparing one compares dtypes."""

    def __call__(cls, x):
        from numax.numpy.creation import asarray
        return asarray(x, dtype=cls.dtype)

    def __eq__(cls, other):
        return cls is other or cls.dtype.type == other

    def __ne__(cls, other):
        return not cls == other

    def __hash__(cls):
        return hash(cls.dtype.type)

    def __instancecheck__(cls, instance):
        return isinstance(instance, cls.dtype.type)

    def __repr__(cls):
        return f"<class 'numax.numpy.{cls.__name__}'>"


def _scalar_type(name, dtype):
    doc = (f"The {np.dtype(dtype).name} scalar type: a dtype (`zeros(3, {name})`) and a "
           f"constructor of 0-d {np.dtype(dtype).name} arrays (`{name}(1)`).")
    return _ScalarMeta(name, (), {"dtype": np.dtype(dtype), "__module__": "numax.numpy",
                                  "__doc__": doc})


_NAMES = ["bool_", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64",
          "bfloat16", "float16", "float32", "float64", "complex64", "complex128",
          *dtypes._narrow_floats, *dtypes._sub_byte_ints, *dtypes._sub_byte_uints]

SCALAR_TYPES = {name: _scalar_type(name, getattr(dtypes, name)) for name in _NAMES}
