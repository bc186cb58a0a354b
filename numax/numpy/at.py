"""`x.at[index]`: functional updates of immutable arrays, lowered to lax's scatter family.

Owns the `.at` property's helper objects and the translation of `x.at[index].op(values)`
into one scatter: the index goes through numax.numpy.indexing's IndexPlan (the same
layout as `x[index]`, with stepped slices as iota index arrays), `values` is cast to
x's dtype and broadcast to the shape of `x[index]`.

As in JAX: out-of-bounds updates are dropped by default (mode 'drop'/'fill'; negative
indices count from the end once), 'clip' clamps them; with repeated indices `add`,
`multiply`, `min`, `max` accumulate and `set` keeps one of the values (unspecified
which). `get` reads with gather's modes and a fill_value.
"""

import numpy as np

from numax import lax
from numax.numpy import _promote, indexing
from numax.numpy._promote import ensure_array

_MODES = (None, "clip", "drop", "fill", "promise_in_bounds")


def _scatter_mode(mode):
    if isinstance(mode, lax.GatherScatterMode):
        return mode
    if mode not in _MODES:
        raise ValueError(f"x.at[...]: unknown mode {mode!r}; use 'drop' (the default for "
                         "updates), 'fill', 'clip' or 'promise_in_bounds'")
    return lax.GatherScatterMode.from_any(mode)


def scatter_index(x, index, values, scatter, *, mode=None, indices_are_sorted=False,
                  unique_indices=False, api="x.at[index].set"):
    """x with `values` combined into x[index] by the lax scatter function `scatter`."""
    x = ensure_array(x)
    entries = indexing.parse_index(x.shape, index)
    entries = indexing.expand_masks(x.shape, entries)
    original_shape = x.shape
    x, entries = indexing.insert_new_axes(x, entries)
    plan = indexing.IndexPlan(x.shape, entries)
    values = _updates(api, values, x, plan.shape)
    if values.shape != plan.out_shape:
        values = lax.reshape(values, plan.out_shape)
    if int(np.prod(plan.out_shape)) == 0 or any(x.shape[a] == 0 for a in plan.collapsed):
        out = x                                    # nothing to update (or all out of range)
    else:
        out = scatter(x, plan.indices(), values, plan.scatter_dimension_numbers(),
                      indices_are_sorted=indices_are_sorted, unique_indices=unique_indices,
                      mode=_scatter_mode(mode))
    return out if out.shape == original_shape else lax.reshape(out, original_shape)


def _updates(api, values, x, shape):
    """`values` in x's dtype (and weak type), broadcast to `shape` by NumPy's assignment
    rule (extra leading axes of length 1 are allowed)."""
    if isinstance(values, (list, tuple)):
        from numax.numpy.creation import array
        values = array(values)
    values = _promote.convert(_promote.as_operand(values, api), x.dtype,
                              getattr(x, "weak_type", False))
    value_shape = np.shape(values)
    while len(value_shape) > len(shape) and value_shape[0] == 1:
        value_shape = value_shape[1:]
    if value_shape != np.shape(values):
        values = lax.reshape(ensure_array(values), value_shape)
    try:
        return ensure_array(_promote.broadcast_to(values, tuple(shape)))
    except ValueError:
        raise ValueError(f"{api}: values of shape {np.shape(values)} cannot be broadcast to the "
                         f"shape {tuple(shape)} of the indexed array") from None


class _IndexUpdateRef:
    """`x.at[index]`: the methods below return updated copies of x."""

    __slots__ = ("array", "index")

    def __init__(self, array, index):
        self.array = array
        self.index = index

    def __repr__(self):
        return f"_IndexUpdateRef({self.array!r}, {self.index!r})"

    def _scatter(self, values, scatter, name, mode, indices_are_sorted, unique_indices):
        return scatter_index(self.array, self.index, values, scatter, mode=mode,
                             indices_are_sorted=indices_are_sorted,
                             unique_indices=unique_indices, api=f"x.at[index].{name}")

    def get(self, *, indices_are_sorted=False, unique_indices=False, mode=None,
            fill_value=None, out_sharding=None):
        """x[index]; mode 'fill' reads `fill_value` (default NaN, or the extreme integer)
        where indices are out of bounds; the default and 'clip' clamp."""
        if mode == "drop":
            mode = "fill"
        if mode is not None and mode not in _MODES:
            _scatter_mode(mode)
        return indexing.gather_index(self.array, self.index, mode=mode, fill_value=fill_value,
                                     indices_are_sorted=indices_are_sorted,
                                     unique_indices=unique_indices)

    def set(self, values, *, indices_are_sorted=False, unique_indices=False, mode=None):
        """x with x[index] replaced by values (x[index] = values)."""
        return self._scatter(values, lax.scatter, "set", mode, indices_are_sorted,
                             unique_indices)

    def add(self, values, *, indices_are_sorted=False, unique_indices=False, mode=None):
        """x[index] += values, accumulating over repeated indices."""
        return self._scatter(values, lax.scatter_add, "add", mode, indices_are_sorted,
                             unique_indices)

    def subtract(self, values, *, indices_are_sorted=False, unique_indices=False, mode=None):
        """x[index] -= values, accumulating over repeated indices."""
        return self._scatter(values, lax.scatter_sub, "subtract", mode, indices_are_sorted,
                             unique_indices)

    def multiply(self, values, *, indices_are_sorted=False, unique_indices=False, mode=None):
        """x[index] *= values, accumulating over repeated indices."""
        return self._scatter(values, lax.scatter_mul, "multiply", mode, indices_are_sorted,
                             unique_indices)

    mul = multiply

    def divide(self, values, *, indices_are_sorted=False, unique_indices=False, mode=None):
        """x[index] /= values: x divided by the product of the values landing on each
        element (NumPy's true division, so integer x gives floats)."""
        from numax.numpy import ufuncs
        divisor = scatter_index(lax.full_like(self.array, 1), self.index, values,
                                lax.scatter_mul, mode=mode, indices_are_sorted=indices_are_sorted,
                                unique_indices=unique_indices, api="x.at[index].divide")
        return ufuncs.divide(self.array, divisor)

    def power(self, values, *, indices_are_sorted=False, unique_indices=False, mode=None):
        """x[index] **= values: x raised to the product of the exponents landing on each
        element ((x ** a) ** b == x ** (a * b))."""
        from numax.numpy import ufuncs
        exponent = scatter_index(lax.full_like(self.array, 1), self.index, values,
                                 lax.scatter_mul, mode=mode,
                                 indices_are_sorted=indices_are_sorted,
                                 unique_indices=unique_indices, api="x.at[index].power")
        return ufuncs.power(self.array, exponent)

    def min(self, values, *, indices_are_sorted=False, unique_indices=False, mode=None):
        """x[index] = minimum(x[index], values), over repeated indices too."""
        return self._scatter(values, lax.scatter_min, "min", mode, indices_are_sorted,
                             unique_indices)

    def max(self, values, *, indices_are_sorted=False, unique_indices=False, mode=None):
        """x[index] = maximum(x[index], values), over repeated indices too."""
        return self._scatter(values, lax.scatter_max, "max", mode, indices_are_sorted,
                             unique_indices)

    def apply(self, func, *, indices_are_sorted=False, unique_indices=False, mode=None):
        """x[index] = func(x[index]) for an elementwise `func` (applied once per element,
        also where indices repeat)."""
        current = indexing.gather_index(self.array, self.index, mode="clip",
                                        indices_are_sorted=indices_are_sorted,
                                        unique_indices=unique_indices)
        updated = func(current)
        if np.shape(updated) != current.shape:
            raise ValueError(f"x.at[index].apply: func must be elementwise; it turned values of "
                             f"shape {current.shape} into shape {np.shape(updated)}")
        return self._scatter(updated, lax.scatter, "apply", mode, indices_are_sorted,
                             unique_indices)


class _IndexUpdateHelper:
    """`x.at`: index it (`x.at[index]`) to choose what to update."""

    __slots__ = ("array",)

    def __init__(self, array):
        self.array = array

    def __getitem__(self, index):
        return _IndexUpdateRef(self.array, index)

    def __repr__(self):
        return f"_IndexUpdateHelper({self.array!r})"


def at_property(self):
    """The `.at` property: `x.at[index].set(v)` is x with x[index] = v.

    >>> import numax.numpy as jnp
    >>> jnp.zeros(4).at[1:3].set(jnp.asarray([5., 6.]))
    Array([0., 5., 6., 0.], dtype=float32)
    >>> jnp.zeros(3).at[jnp.asarray([0, 0, 2])].add(1.)
    Array([2., 0., 1.], dtype=float32)
    """
    return _IndexUpdateHelper(self)
