"""Abstract values: what a transformation knows about an array without its data.

`ShapedArray(shape, dtype, weak_type)` is interned: constructing the same triple twice
returns the same object, so avals compare and hash by identity. That keeps jit cache
keys (tuples of avals) cheap to build and to look up, which the dispatch hot path
relies on. Nothing here knows about primitives, tracers or devices.
"""

import operator

import numpy as np

from numax.core import dtypes

_interned = {}


class ShapedArray:
    """The abstract value of an array: shape, dtype and whether its dtype is weak."""

    __slots__ = ("shape", "dtype", "weak_type", "ndim", "size", "__weakref__")

    def __new__(cls, shape, dtype, weak_type=False):
        key = (shape, dtype, weak_type)
        try:
            return _interned[key]
        except (KeyError, TypeError):
            pass
        shape = tuple(operator.index(d) for d in shape)
        dtype = np.dtype(dtype)
        weak_type = bool(weak_type)
        if any(d < 0 for d in shape):
            raise ValueError(f"array shape {shape} has a negative dimension")
        canonical_key = (shape, dtype, weak_type)
        aval = _interned.get(canonical_key)
        if aval is None:
            dtypes.check_array_dtype(dtype)
            aval = object.__new__(cls)
            object.__setattr__(aval, "shape", shape)
            object.__setattr__(aval, "dtype", dtype)
            object.__setattr__(aval, "weak_type", weak_type)
            object.__setattr__(aval, "ndim", len(shape))
            object.__setattr__(aval, "size", int(np.prod(shape, dtype=np.int64)))
            _interned[canonical_key] = aval
        if type(key[0]) is tuple:
            _interned[key] = aval
        return aval

    def __setattr__(self, name, value):
        raise AttributeError("ShapedArray is immutable")

    def __reduce__(self):
        return ShapedArray, (self.shape, self.dtype, self.weak_type)

    def __copy__(self):
        return self

    def __deepcopy__(self, memo):
        return self

    def update(self, shape=None, dtype=None, weak_type=None):
        return ShapedArray(self.shape if shape is None else shape,
                           self.dtype if dtype is None else dtype,
                           self.weak_type if weak_type is None else weak_type)

    def strip_weak_type(self):
        return self.update(weak_type=False) if self.weak_type else self

    def str_short(self, short_dtypes=True):
        name = dtypes.dtype_name_short(self.dtype) if short_dtypes else self.dtype.name
        return f"{name}[{','.join(str(d) for d in self.shape)}]"

    def __repr__(self):
        weak = ", weak_type=True" if self.weak_type else ""
        return f"ShapedArray({self.str_short(False)}{weak})"

    __str__ = str_short


def raise_to_shaped(aval, weak_type=None):
    return aval if weak_type is None else aval.update(weak_type=weak_type)


class TypedScalar:
    """A host scalar with a chosen dtype and weak type (e.g. the `1.0` of `x + 1.0` once
    promoted to x's dtype). Staging writes it inline as a Literal; eager execution puts
    it on the device (cached)."""

    __slots__ = ("value", "aval")

    def __init__(self, value, dtype, weak_type):
        self.value = np.asarray(value, dtype=dtype)
        self.aval = ShapedArray((), self.value.dtype, weak_type)

    shape = property(lambda self: ())
    dtype = property(lambda self: self.aval.dtype)
    weak_type = property(lambda self: self.aval.weak_type)
    ndim = 0

    def __repr__(self):
        return f"TypedScalar({self.value!r}, weak_type={self.aval.weak_type})"


class AbstractToken:
    """The abstract value of a token (lax.create_token / lax.after_all): an ordering
    dependency between effects that holds no data, lowered to `!stablehlo.token`. There is
    one, `abstract_token`. It has no shape or dtype; asking for one is a user's attempt to
    use a token as an array, answered with a TypeError that says so."""

    __slots__ = ()
    weak_type = False

    def __getattr__(self, name):
        if name in ("shape", "dtype", "ndim", "size"):
            raise TypeError(
                f"a token has no {name}: tokens (lax.create_token, lax.after_all) order effects "
                "and carry no data, so they cannot be used as arrays, cross the boundary of a "
                "top-level jit call, or be returned from vmap, jvp or grad. Create and consume "
                "tokens inside the function that needs them.")
        raise AttributeError(name)

    def strip_weak_type(self):
        return self

    def str_short(self, short_dtypes=True):
        return "Tok"

    def __repr__(self):
        return "AbstractToken()"

    def __reduce__(self):
        return _the_abstract_token, ()

    __str__ = str_short


abstract_token = object.__new__(AbstractToken)


def _the_abstract_token():
    return abstract_token
