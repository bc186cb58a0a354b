"""Index-expression helpers: r_ and c_ (concatenation written as indexing), s_ and
index_exp (building index tuples), and mask_indices.

Owns the small language inside r_[...]: slices become ranges (`1:4`, or `0:1:5j` for five
evenly spaced points with both ends), scalars and arrays are joined along an axis, and
a leading string 'axis[,ndmin[,trans1d]]' sets the axis, the minimum rank every piece is
raised to, and where a piece's own axes go when it is raised. NumPy's matrix
directives 'r' and 'c' have no counterpart (numax has no matrix type) and are refused.
"""

import operator

import numpy as np

from numax import lax
from numax.core import dtypes
from numax.numpy import manipulation
from numax.numpy._promote import ensure_array
from numax.numpy.grids import _range_from_slice


class _Concatenator:
    """r_ (axis 0, no minimum rank) and c_ (axis -1, at least 2-D, 1-D pieces as columns)."""

    def __init__(self, name, axis, ndmin, trans1d):
        self.name, self.axis, self.ndmin, self.trans1d = name, axis, ndmin, trans1d

    def _directive(self, text):
        if text in ("r", "c"):
            raise NotImplementedError(f"numax.numpy.{self.name}: the matrix directives 'r' and "
                                      "'c' are not supported (numax has no matrix type)")
        try:
            numbers = [int(part) for part in text.split(",")]
        except ValueError:
            raise ValueError(f"numax.numpy.{self.name}: cannot read the directive {text!r}; "
                             "expected 'axis', 'axis,ndmin' or 'axis,ndmin,trans1d'") from None
        if len(numbers) > 3:
            raise ValueError(f"numax.numpy.{self.name}: a directive has at most three numbers, "
                             f"got {text!r}")
        defaults = (self.axis, self.ndmin, self.trans1d)
        return tuple(numbers) + defaults[len(numbers):]

    def _raise_rank(self, piece, ndmin, trans1d):
        """NumPy's `array(piece, ndmin=ndmin)` with the piece's own axes moved to start at
        position `trans1d` (counted from the end when negative)."""
        own = piece.ndim
        if own >= ndmin:
            return piece
        piece = lax.reshape(piece, (1,) * (ndmin - own) + piece.shape)
        if trans1d == -1:
            return piece
        added = ndmin - own
        start = trans1d + added + 1 if trans1d < 0 else trans1d
        axes = list(range(ndmin))
        order = axes[:start] + axes[added:] + axes[start:added]
        return lax.transpose(piece, tuple(order))

    def __getitem__(self, key):
        items = key if isinstance(key, tuple) else (key,)
        axis, ndmin, trans1d = self.axis, self.ndmin, self.trans1d
        pieces = []
        for position, item in enumerate(items):
            if isinstance(item, str):
                if position != 0:
                    raise ValueError(f"numax.numpy.{self.name}: a string directive must come "
                                     f"first, got {item!r} at position {position}")
                axis, ndmin, trans1d = self._directive(item)
                continue
            if isinstance(item, slice):
                piece = _range_from_slice(item)
                if ndmin > 1:
                    piece = lax.reshape(piece, (1,) * (ndmin - 1) + piece.shape)
                    if trans1d != -1:
                        piece = manipulation.swapaxes(piece, -1, trans1d)
            else:
                piece = self._raise_rank(ensure_array(item), ndmin, trans1d)
            pieces.append(piece)
        if not pieces:
            return lax.full((0,), 0, dtypes.default_float_dtype())
        return manipulation.concatenate(pieces, axis=axis)

    def __repr__(self):
        return f"numax.numpy.{self.name}"


r_ = _Concatenator("r_", axis=0, ndmin=1, trans1d=-1)
c_ = _Concatenator("c_", axis=-1, ndmin=2, trans1d=0)


class _IndexExpression:
    """s_[...] returns the index as written; index_exp[...] always returns a tuple."""

    def __init__(self, name, make_tuple):
        self.name, self.make_tuple = name, make_tuple

    def __getitem__(self, item):
        if self.make_tuple and not isinstance(item, tuple):
            return (item,)
        return item

    def __repr__(self):
        return f"numax.numpy.{self.name}"


s_ = _IndexExpression("s_", make_tuple=False)
index_exp = _IndexExpression("index_exp", make_tuple=True)


def mask_indices(n, mask_func, k=0, *, size=None):
    """numpy.mask_indices: the indices where mask_func(ones((n, n)), k) is nonzero, e.g.
    mask_indices(3, jnp.triu) for the upper triangle. `size` as in nonzero (needed under
    jit only when mask_func's output depends on traced values).

    >>> import numax.numpy as jnp
    >>> jnp.mask_indices(2, jnp.triu)
    (Array([0, 0, 1], dtype=int32), Array([0, 1, 1], dtype=int32))
    """
    n = operator.index(n)
    mask = mask_func(lax.full((n, n), 1, np.int32), k)
    return manipulation.nonzero(mask, size=size)
