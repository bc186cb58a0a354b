"""numax.numpy.ufunc and frompyfunc: a scalar function turned into a NumPy-style
universal function with __call__, outer, reduce, accumulate and at.

Owns the generic versions of those methods. The function is vectorized over broadcast
arguments with numax.numpy.vectorize (so it sees scalars, as under NumPy's frompyfunc);
reduce and accumulate run it along the axis with lax.scan, in order from the first
element, because a user's function need not be associative; at applies it to the
indexed elements one by one, so repeated indices accumulate as in NumPy. A faster
implementation of any method can be supplied to the constructor (call=, reduce=,
accumulate=, at=). reduceat is not provided.
"""

import numpy as np

from numax import lax
from numax.numpy import manipulation
from numax.numpy._promote import broadcast_to, canonicalize_axes, ensure_array
from numax.numpy.vectorize import vectorize


class ufunc:
    """A universal function built from a scalar function of `nin` arguments returning
    `nout` values.

    >>> import numax.numpy as jnp
    >>> add = jnp.frompyfunc(lambda x, y: x + y, nin=2, nout=1, identity=0)
    >>> add.reduce(jnp.asarray([1, 2, 3])), add.accumulate(jnp.asarray([1, 2, 3]))
    (Array(6, dtype=int32), Array([1, 3, 6], dtype=int32))
    """

    def __init__(self, func, /, nin, nout, *, name=None, nargs=None, identity=None,
                 call=None, reduce=None, accumulate=None, at=None):
        if not callable(func):
            raise TypeError(f"numax.numpy.ufunc: func must be callable, got {func!r}")
        self._func = func
        self.nin, self.nout = int(nin), int(nout)
        self.nargs = self.nin if nargs is None else int(nargs)
        self.identity = identity
        self.__name__ = name or getattr(func, "__name__", "ufunc")
        self._call = call or vectorize(func)
        self._reduce, self._accumulate, self._at = reduce, accumulate, at

    def __repr__(self):
        return f"<numax.numpy.ufunc '{self.__name__}'>"

    def __call__(self, *args):
        if len(args) != self.nin:
            raise TypeError(f"{self.__name__}() takes {self.nin} arguments, got {len(args)}")
        return self._call(*args)

    def _binary_only(self, method):
        if self.nin != 2 or self.nout != 1:
            raise ValueError(f"{self.__name__}.{method} is only defined for ufuncs with two "
                             f"inputs and one output (this one has nin={self.nin}, "
                             f"nout={self.nout})")

    def outer(self, A, B, /):
        """self(a, b) for every pair of an element a of A and b of B: shape A.shape +
        B.shape."""
        self._binary_only("outer")
        A, B = ensure_array(A), ensure_array(B)
        return self(lax.reshape(A, A.shape + (1,) * B.ndim), B)

    def _along_first(self, a, axis):
        """`a` with the reduced axes (an int) moved to the front, or all of them (None)
        flattened into one leading axis."""
        if axis is None:
            return lax.reshape(a, (a.size,)), tuple(range(a.ndim))
        axes = canonicalize_axes(axis, a.ndim)
        rest = tuple(i for i in range(a.ndim) if i not in axes)
        moved = lax.transpose(a, axes + rest)
        count = int(np.prod([a.shape[i] for i in axes], dtype=np.int64))
        return lax.reshape(moved, (count,) + tuple(a.shape[i] for i in rest)), axes

    def reduce(self, a, axis=0, dtype=None, out=None, keepdims=False, initial=None,
               where=None):
        """Combines the elements along `axis` (an int, a tuple, or None for all) from the
        first to the last: f(...f(f(a0, a1), a2)..., an)."""
        self._binary_only("reduce")
        if out is not None:
            raise NotImplementedError(f"{self.__name__}.reduce: the out argument is not "
                                      "supported (arrays are immutable)")
        if self._reduce is not None:
            return self._reduce(a, axis=axis, dtype=dtype, keepdims=keepdims, initial=initial,
                                where=where)
        a = ensure_array(a)
        if dtype is not None:
            a = lax.convert_element_type(a, np.dtype(dtype))
        shape = a.shape
        if where is not None:
            where = broadcast_to(ensure_array(where), shape)
        elements, axes = self._along_first(a, axis)
        start = initial if initial is not None else self.identity
        if start is None and (where is not None or elements.shape[0] == 0):
            raise ValueError(f"{self.__name__}.reduce: "
                             + ("where= needs initial= (this ufunc has no identity)"
                                if where is not None else
                                "zero-size reduction and the ufunc has no identity; pass "
                                "initial="))
        if where is not None:
            mask, _ = self._along_first(where, axis)
        if initial is None and where is None and elements.shape[0] > 0:
            carry, elements = elements[0], elements[1:]
        else:
            carry = lax.full(elements.shape[1:], start, elements.dtype)

        def step(carry, item):
            if where is None:
                return self._combine(carry, item), None
            x, keep = item
            return manipulation.where(keep, self._combine(carry, x), carry), None
        result, _ = lax.scan(step, carry, elements if where is None else (elements, mask))
        if keepdims:
            result = lax.reshape(result, tuple(1 if i in axes else d
                                               for i, d in enumerate(shape)))
        return result

    def _combine(self, carry, x):
        out = self(carry, x)
        return out if out.dtype == carry.dtype else lax.convert_element_type(out, carry.dtype)

    def accumulate(self, a, axis=0, dtype=None, out=None):
        """The running reduction along `axis`: out[i] = f(out[i-1], a[i])."""
        self._binary_only("accumulate")
        if out is not None:
            raise NotImplementedError(f"{self.__name__}.accumulate: the out argument is not "
                                      "supported (arrays are immutable)")
        if self._accumulate is not None:
            return self._accumulate(a, axis=axis, dtype=dtype)
        a = ensure_array(a)
        if dtype is not None:
            a = lax.convert_element_type(a, np.dtype(dtype))
        if a.ndim == 0:
            raise ValueError(f"{self.__name__}.accumulate: cannot accumulate a 0-d array")
        axis = canonicalize_axes(axis, a.ndim)[0]
        elements = manipulation.moveaxis(a, axis, 0)
        if elements.shape[0] == 0:
            return a

        def step(carry, x):
            carry = self._combine(carry, x)
            return carry, carry
        _, rest = lax.scan(step, elements[0], elements[1:])
        running = lax.concatenate([elements[:1], rest], 0)
        return manipulation.moveaxis(running, 0, axis)

    def at(self, a, indices, b=None, /, *, inplace=True):
        """A copy of `a` with a[indices] = f(a[indices], b) (or f(a[indices]) for one-input
        ufuncs), applied index by index so that repeated indices accumulate. Arrays are
        immutable, so inplace=False is required."""
        if inplace:
            raise ValueError(f"{self.__name__}.at: numax arrays are immutable; pass "
                             "inplace=False and use the returned array")
        if self._at is not None:
            return self._at(a, indices, b, inplace=False)
        if self.nout != 1 or self.nin not in (1, 2) or (self.nin == 2) == (b is None):
            raise ValueError(f"{self.__name__}.at takes b exactly for two-input ufuncs, and "
                             "needs one output")
        a = ensure_array(a)
        selected = lax.reshape(lax.iota(np.int32, a.size), a.shape)[indices]
        positions = lax.reshape(selected, (selected.size,))
        if b is not None:
            b = lax.reshape(broadcast_to(ensure_array(b), selected.shape), (selected.size,))

        def step(flat, item):
            position, value = item if b is not None else (item, None)
            current = flat[position]
            new = self(current) if value is None else self(current, value)
            return flat.at[position].set(new.astype(flat.dtype)), None
        flat, _ = lax.scan(step, lax.reshape(a, (a.size,)),
                           positions if b is None else (positions, b))
        return lax.reshape(flat, a.shape)


def frompyfunc(func, /, nin, nout, *, identity=None):
    """numpy.frompyfunc: `func` (of scalars) as a ufunc with outer, reduce, accumulate
    and at.

    >>> import numax.numpy as jnp
    >>> jnp.frompyfunc(lambda x, y: x * y, nin=2, nout=1).outer(jnp.arange(2), jnp.arange(3))
    Array([[0, 0, 0],
           [0, 1, 2]], dtype=int32)
    """
    return ufunc(func, nin, nout, identity=identity)
