"""Questions about dtypes and objects (isdtype, can_cast, iterable), array_equiv, and
printing (array_repr, array_str and NumPy's print options).

Owns the Array API's dtype kinds, where bfloat16 and the float8 family count as real
floating types and int4/uint4 as integers (NumPy's own `kind` calls them 'V'). Arrays
are printed by NumPy from their host value, so NumPy's print options
(set_printoptions, printoptions) govern numax's output too; they are NumPy's own.
"""

import numpy as np

from numax.core import dtypes
from numax.numpy import reductions, ufuncs
from numax.numpy._promote import broadcast_shapes, ensure_array

get_printoptions = np.get_printoptions
set_printoptions = np.set_printoptions
printoptions = np.printoptions
object_ = np.object_

_KINDS = {
    "bool": dtypes.is_bool,
    "signed integer": lambda d: dtypes.is_integer(d) and not dtypes.is_unsigned(d),
    "unsigned integer": dtypes.is_unsigned,
    "integral": dtypes.is_integer,
    "real floating": dtypes.is_float,
    "complex floating": dtypes.is_complex,
    "numeric": lambda d: dtypes.is_integer(d) or dtypes.is_inexact(d),
}


def isdtype(dtype, kind):
    """The Array API's isdtype: whether `dtype` is of `kind`, a dtype, one of 'bool',
    'signed integer', 'unsigned integer', 'integral', 'real floating', 'complex floating',
    'numeric', or a tuple of those.

    >>> import numax.numpy as jnp
    >>> jnp.isdtype(jnp.bfloat16, "real floating"), jnp.isdtype(jnp.int8, ("bool", "numeric"))
    (True, True)
    """
    dtype = np.dtype(dtype)
    kinds = kind if isinstance(kind, tuple) else (kind,)
    for k in kinds:
        if isinstance(k, str):
            if k not in _KINDS:
                raise ValueError(f"numax.numpy.isdtype: unknown kind {k!r}; expected one of "
                                 f"{sorted(_KINDS)} or a dtype")
            if _KINDS[k](dtype):
                return True
        else:
            try:
                if dtype == np.dtype(k):
                    return True
            except TypeError:
                raise TypeError(f"numax.numpy.isdtype: kind must be a string, a dtype or a "
                                f"tuple of those, got {k!r}") from None
    return False


def can_cast(from_, to, casting="safe"):
    """numpy.can_cast for dtypes and arrays (read by dtype), bfloat16 and friends
    included."""
    source = from_.dtype if hasattr(from_, "dtype") and not isinstance(from_, type) else from_
    return bool(np.can_cast(np.dtype(source), np.dtype(to), casting))


def iterable(y):
    """numpy.iterable: whether iter(y) works (False for 0-d arrays)."""
    return np.iterable(y)


def array_equiv(a1, a2):
    """numpy.array_equiv: whether a1 and a2 broadcast against each other and are equal
    everywhere (a 0-d bool array; False when the shapes do not broadcast).

    >>> import numax.numpy as jnp
    >>> jnp.array_equiv(jnp.asarray([1, 2]), jnp.asarray([[1, 2], [1, 2]]))
    Array(True, dtype=bool)
    """
    a1, a2 = ensure_array(a1), ensure_array(a2)
    try:
        broadcast_shapes(a1.shape, a2.shape)
    except ValueError:
        return ensure_array(False)
    return reductions.all(ufuncs.equal(a1, a2))


def array_str(a, max_line_width=None, precision=None, suppress_small=None):
    """numpy.array_str: the values of `a` as text, without the Array(...) wrapper."""
    return np.array_str(np.asarray(a), max_line_width, precision, suppress_small)


def array_repr(arr, max_line_width=None, precision=None, suppress_small=None):
    """The repr of `arr` as an Array (`Array([1, 2], dtype=int32)`), with NumPy's line
    width, precision and small-number suppression options."""
    options = {name: value for name, value in (("linewidth", max_line_width),
                                               ("precision", precision),
                                               ("suppress", suppress_small))
               if value is not None}
    with np.printoptions(**options):
        return repr(ensure_array(arr))
