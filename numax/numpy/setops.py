"""Set operations in NumPy's API: unique (and the Array API's unique_all, unique_counts,
unique_inverse, unique_values), union1d, intersect1d, setdiff1d, setxor1d, isin.

Each works on sorted data: sort, mark the elements that start a group of equal values,
then compact the marked ones with nonzero. The number of results depends on the values,
so under jit the static `size` must be given (JAX's rule): the first `size` results are
returned, padded with `fill_value` (default: the smallest result). With concrete inputs
and no `size`, the count is read from the mask. NaNs count as equal in unique
(equal_nan=True, as in NumPy 2) and as different from everything in the other ops, which
compare with ==. The Array API's unique_* functions keep every NaN, as its standard says.

Each operation runs as one jitted program (static: the size and the flags), so eager
calls compile once per shape instead of once per primitive; with concrete inputs and
no size, a first program counts the results.
"""

from typing import NamedTuple

import numpy as np

from numax import lax
from numax.api import jit
from numax.core import dtypes
from numax.core.trace import Tracer
from numax.numpy import ufuncs
from numax.numpy._promote import canonicalize_axis, ensure_array, promote


class _UniqueAll(NamedTuple):
    values: object
    indices: object
    inverse_indices: object
    counts: object


class _UniqueCounts(NamedTuple):
    values: object
    counts: object


class _UniqueInverse(NamedTuple):
    values: object
    inverse_indices: object


def _run(api, program, arrays, fill_value, size, result_axes, **options):
    """program(*arrays, fill_value, size=size, **options) under jit. Without `size` the
    inputs must be concrete: the program runs with the largest possible size, also
    returning the number of results, and the outputs are cut to it (on the host, so no
    second compilation). `result_axes` gives, per output, the axis to cut (None: keep)."""
    if size is not None:
        return program(*arrays, fill_value, size=int(size), **options)
    traced = next((a for a in arrays if isinstance(a, Tracer)), None)
    if traced is not None:
        from numax.core.errors import ConcretizationTypeError
        raise ConcretizationTypeError(traced, f"numax.numpy.{api}: the number of results "
                                      "depends on the values, which are traced; pass the static "
                                      f"size= (and optionally fill_value=), e.g. {api}(x, "
                                      "size=10).\n")
    outputs, count = program(*arrays, fill_value, size=None, **options)
    count = int(count)
    single = not isinstance(outputs, tuple)
    from numax.numpy.creation import asarray
    trimmed = tuple(out if axis is None else asarray(np.take(np.asarray(out), np.arange(count),
                                                             axis=axis))
                    for out, axis in zip((outputs,) if single else outputs, result_axes))
    return trimmed[0] if single else trimmed


def _with_count(mask, size, results):
    """results(size) with size as given, or with the largest size and the count."""
    if size is not None:
        return results(size)
    from numax.numpy.reductions import sum as reduce_sum
    return results(mask.shape[0]), reduce_sum(mask, dtype=dtypes.default_int_dtype())


def _positions(mask, size):
    """The indices of the first `size` True entries of the 1-d mask (padded with len(mask))
    and whether each slot holds one."""
    from numax.numpy.manipulation import nonzero
    n = mask.shape[0]
    found = nonzero(mask, size=size, fill_value=n)[0]
    valid = lax.lt(found, lax.full_like(found, n))
    return found, valid


def _compact(values, mask, size, fill_value):
    """values[mask] padded to `size` with fill_value (default: the first result)."""
    from numax.numpy.indexing import take
    found, valid = _positions(mask, size)
    out = take(values, found, axis=0, mode="clip")
    if size == 0:
        return out
    if fill_value is None:
        fill = lax.broadcast_in_dim(lax.index_in_dim(out, 0, keepdims=False), out.shape,
                                    tuple(range(1, out.ndim)))
    else:
        fill = lax.full_like(out, np.asarray(fill_value).astype(out.dtype) if not isinstance(
            fill_value, Tracer) else 0)
        if isinstance(fill_value, Tracer):
            fill = lax.broadcast_in_dim(lax.convert_element_type(fill_value, out.dtype),
                                        out.shape, ())
    valid = lax.broadcast_in_dim(valid, out.shape, (0,))
    return lax.select(valid, out, fill)


def _differs(a, b, equal_nan):
    """Adjacent sorted elements (or rows) that differ."""
    different = ufuncs.not_equal(a, b)
    if equal_nan and dtypes.is_inexact(a.dtype):
        different = ufuncs.logical_and(different, ufuncs.logical_not(
            ufuncs.logical_and(ufuncs.isnan(a), ufuncs.isnan(b))))
    if different.ndim > 1:
        from numax.numpy.reductions import any as reduce_any
        different = reduce_any(different, axis=tuple(range(1, different.ndim)))
    return different


def _group_starts(sorted_values, equal_nan=True):
    n = sorted_values.shape[0]
    if n == 0:
        return lax.full((0,), False, np.bool_)
    rest = _differs(lax.slice_in_dim(sorted_values, 1, n), lax.slice_in_dim(sorted_values, 0,
                                                                              n - 1), equal_nan)
    return lax.concatenate([lax.full((1,), True, np.bool_), rest], 0)


def _sort_rows(rows):
    """A stable lexicographic sort of the rows of a (n, ...) array: (sorted rows, perm)."""
    from numax.numpy.sorting import argsort, lexsort
    if rows.ndim == 1:
        perm = argsort(rows)
    else:
        columns = lax.reshape(rows, (rows.shape[0], int(np.prod(rows.shape[1:]))))
        keys = [lax.index_in_dim(columns, j, axis=1, keepdims=False)
                for j in range(columns.shape[1])]
        perm = lexsort(keys[::-1]) if keys else lax.iota(dtypes.default_int_dtype(),
                                                         rows.shape[0])
    from numax.numpy.indexing import take
    return take(rows, perm, axis=0, mode="clip"), perm


def unique(ar, return_index=False, return_inverse=False, return_counts=False, axis=None, *,
           equal_nan=True, size=None, fill_value=None, sorted=True):
    """The sorted unique elements of `ar` (or unique slices along `axis`), optionally with
    the index of each one's first occurrence, the inverse map and the counts.

    Under jit give the static `size`; missing results are padded: values with fill_value
    (default: the smallest value), indices with the index of the smallest value, counts
    with 0.

    >>> import numax.numpy as jnp
    >>> jnp.unique(jnp.asarray([3, 1, 3, 2]))
    Array([1, 2, 3], dtype=int32)
    >>> jnp.unique(jnp.asarray([3, 1, 3]), size=4, fill_value=-1)
    Array([ 1,  3, -1, -1], dtype=int32)
    """
    del sorted      # results are always sorted
    ar = ensure_array(ar)
    if axis is not None:
        axis = canonicalize_axis(axis, ar.ndim)
    flags = (bool(return_index), bool(return_inverse), bool(return_counts))
    result_axes = [0 if axis is None else axis] + [0] * flags[0] + [None] * flags[1] + \
        [0] * flags[2]
    outputs = _run("unique", _unique_program, (ar,), fill_value, size, result_axes, axis=axis,
                   equal_nan=bool(equal_nan), flags=flags)
    return outputs[0] if len(outputs) == 1 else tuple(outputs)


@jit(static_argnames=("size", "axis", "equal_nan", "flags"))
def _unique_program(ar, fill_value, *, size, axis, equal_nan, flags):
    original_shape = ar.shape
    if axis is None:
        rows = lax.reshape(ar, (ar.size,))
    else:
        from numax.numpy.manipulation import moveaxis
        rows = moveaxis(ar, axis, 0)
    aux, perm = _sort_rows(rows)
    mask = _group_starts(aux, equal_nan)
    return _with_count(mask, size, lambda count: _unique_outputs(
        aux, perm, mask, count, fill_value, axis, original_shape, flags))


def _unique_outputs(aux, perm, mask, count, fill_value, axis, original_shape, flags):
    return_index, return_inverse, return_counts = flags
    n = aux.shape[0]
    values = _compact(aux, mask, count, fill_value)
    if axis is not None:
        from numax.numpy.manipulation import moveaxis
        values = moveaxis(values, 0, axis)
    outputs = [values]
    index_dtype = dtypes.default_int_dtype()
    found, valid = _positions(mask, count) if n else (None, None)
    if return_index:
        from numax.numpy.indexing import take
        outputs.append(take(perm, lax.select(valid, found, lax.full_like(found, 0)), mode="clip")
                       if n else lax.full((count,), 0, index_dtype))
    if return_inverse:
        if n:
            group = lax.sub(lax.cumsum(lax.convert_element_type(mask, index_dtype), 0),
                            lax.full((n,), 1, index_dtype))
            inverse = lax.full((n,), 0, index_dtype).at[perm].set(group, unique_indices=True)
        else:
            inverse = lax.full((0,), 0, index_dtype)
        outputs.append(lax.reshape(inverse, original_shape) if axis is None else inverse)
    if return_counts:
        if n:
            following = lax.concatenate([lax.slice(found, (1,), (count,)),
                                         lax.full((1,), n, index_dtype)], 0) if count else found
            outputs.append(lax.select(valid, lax.sub(following, found), lax.full_like(found, 0)))
        else:
            outputs.append(lax.full((count,), 0, index_dtype))
    return tuple(outputs)


def unique_all(x, /, *, size=None, fill_value=None):
    """The Array API's unique with (values, indices, inverse_indices, counts)."""
    return _UniqueAll(*unique(x, True, True, True, equal_nan=False, size=size,
                              fill_value=fill_value))


def unique_counts(x, /, *, size=None, fill_value=None):
    """The Array API's unique with (values, counts)."""
    return _UniqueCounts(*unique(x, return_counts=True, equal_nan=False, size=size,
                                 fill_value=fill_value))


def unique_inverse(x, /, *, size=None, fill_value=None):
    """The Array API's unique with (values, inverse_indices)."""
    return _UniqueInverse(*unique(x, return_inverse=True, equal_nan=False, size=size,
                                  fill_value=fill_value))


def unique_values(x, /, *, size=None, fill_value=None):
    """The Array API's unique values."""
    return unique(x, equal_nan=False, size=size, fill_value=fill_value)


# ---------------------------------------------------------------- two sets

def _flat(*arrays, name):
    arrays = [ensure_array(a) for a in promote(*arrays, name=name)]
    return [lax.reshape(a, (a.size,)) for a in arrays]


def _merged(ar1, ar2, assume_unique):
    """Both arrays' distinct values sorted together, the distinct ones (`valid`) first
    within a run of equal values, with each entry's origin (0 or 1) and original index."""
    index_dtype = dtypes.default_int_dtype()
    parts = []
    for origin, ar in enumerate((ar1, ar2)):
        aux, perm = _sort_rows(ar)
        valid = lax.full((ar.shape[0],), True, np.bool_) if assume_unique else \
            _group_starts(aux, equal_nan=True)
        parts.append((aux, valid, lax.full((ar.shape[0],), origin, np.int8), perm))
    values, valid, origin, index = (lax.concatenate([p[i] for p in parts], 0) for i in range(4))
    invalid = lax.convert_element_type(ufuncs.logical_not(valid), np.int8)
    values, invalid, origin, index = lax.sort((values, invalid, origin, index), 0,
                                              is_stable=True, num_keys=2)
    index = lax.convert_element_type(index, index_dtype)
    return values, ufuncs.logical_not(lax.convert_element_type(invalid, np.bool_)), origin, index


def _shift(x, offset, fill):
    """x[i + offset] (offset +1 or -1), with `fill` past the end."""
    n = x.shape[0]
    pad = lax.full((1,), fill, x.dtype)
    if offset > 0:
        return lax.concatenate([lax.slice(x, (1,), (n,)), pad], 0)
    return lax.concatenate([pad, lax.slice(x, (0,), (n - 1,))], 0)


def _paired_with_next(values, valid):
    """Entry i and i+1 are both distinct values and equal: the value is in both arrays."""
    if values.shape[0] == 0:
        return valid
    equal_next = ufuncs.logical_and(ufuncs.equal(values, _shift(values, 1, 0)),
                                    _shift(valid, 1, False))
    return ufuncs.logical_and(valid, equal_next)


def union1d(ar1, ar2, *, size=None, fill_value=None):
    """The sorted distinct values in either array.

    >>> import numax.numpy as jnp
    >>> jnp.union1d(jnp.asarray([3, 1]), jnp.asarray([2, 1]))
    Array([1, 2, 3], dtype=int32)
    """
    ar1, ar2 = _flat(ar1, ar2, name="numax.numpy.union1d")
    return unique(lax.concatenate([ar1, ar2], 0), size=size, fill_value=fill_value)


def intersect1d(ar1, ar2, assume_unique=False, return_indices=False, *, size=None,
                fill_value=None):
    """The sorted values present in both arrays; with return_indices also the index of
    each one's first occurrence in ar1 and in ar2.

    >>> import numax.numpy as jnp
    >>> jnp.intersect1d(jnp.asarray([1, 3, 4, 3]), jnp.asarray([3, 1, 2, 1]))
    Array([1, 3], dtype=int32)
    """
    ar1, ar2 = _flat(ar1, ar2, name="numax.numpy.intersect1d")
    return _run("intersect1d", _intersect_program, (ar1, ar2), fill_value, size,
                (0, 0, 0) if return_indices else (0,), assume_unique=bool(assume_unique),
                return_indices=bool(return_indices))


@jit(static_argnames=("size", "assume_unique", "return_indices"))
def _intersect_program(ar1, ar2, fill_value, *, size, assume_unique, return_indices):
    values, valid, origin, index = _merged(ar1, ar2, assume_unique)
    mask = _paired_with_next(values, valid)
    return _with_count(mask, size, lambda count: _intersection(
        values, mask, origin, index, count, fill_value, return_indices))


def _intersection(values, mask, origin, index, size, fill_value, return_indices):
    result = _compact(values, mask, size, fill_value)
    if not return_indices:
        return result
    # a value in both arrays has its two distinct entries next to each other: one from
    # each array, in either order
    next_index = _shift(index, 1, 0) if index.shape[0] else index
    first_is_1 = ufuncs.equal(origin, lax.full_like(origin, 0))
    index1 = lax.select(first_is_1, index, next_index)
    index2 = lax.select(first_is_1, next_index, index)
    found, valid_slot = _positions(mask, size)
    from numax.numpy.indexing import take
    picks = []
    for positions in (index1, index2):
        picked = take(positions, found, mode="clip") if positions.shape[0] else \
            lax.full((size,), 0, positions.dtype)
        picks.append(lax.select(valid_slot, picked, lax.full_like(picked, 0)) if size else picked)
    return result, picks[0], picks[1]


def setdiff1d(ar1, ar2, assume_unique=False, *, size=None, fill_value=None):
    """The sorted distinct values of ar1 that are not in ar2.

    >>> import numax.numpy as jnp
    >>> jnp.setdiff1d(jnp.asarray([5, 1, 3, 1]), jnp.asarray([3]))
    Array([1, 5], dtype=int32)
    """
    ar1, ar2 = _flat(ar1, ar2, name="numax.numpy.setdiff1d")
    return _run("setdiff1d", _setdiff_program, (ar1, ar2), fill_value, size, (0,),
                assume_unique=bool(assume_unique))


@jit(static_argnames=("size", "assume_unique"))
def _setdiff_program(ar1, ar2, fill_value, *, size, assume_unique):
    aux, _ = _sort_rows(ar1)
    distinct = lax.full(aux.shape, True, np.bool_) if assume_unique else _group_starts(aux)
    mask = ufuncs.logical_and(distinct, isin(aux, ar2, invert=True))
    return _with_count(mask, size, lambda count: _compact(aux, mask, count, fill_value))


def setxor1d(ar1, ar2, assume_unique=False, *, size=None, fill_value=None):
    """The sorted values that are in exactly one of the arrays.

    >>> import numax.numpy as jnp
    >>> jnp.setxor1d(jnp.asarray([1, 2, 3]), jnp.asarray([2, 4]))
    Array([1, 3, 4], dtype=int32)
    """
    ar1, ar2 = _flat(ar1, ar2, name="numax.numpy.setxor1d")
    return _run("setxor1d", _setxor_program, (ar1, ar2), fill_value, size, (0,),
                assume_unique=bool(assume_unique))


@jit(static_argnames=("size", "assume_unique"))
def _setxor_program(ar1, ar2, fill_value, *, size, assume_unique):
    values, valid, _, _ = _merged(ar1, ar2, assume_unique)
    paired = _paired_with_next(values, valid)
    if values.shape[0]:
        paired = ufuncs.logical_or(paired, _shift(paired, -1, False))
    mask = ufuncs.logical_and(valid, ufuncs.logical_not(paired))
    return _with_count(mask, size, lambda count: _compact(values, mask, count, fill_value))


def isin(element, test_elements, assume_unique=False, invert=False, *, method="auto"):
    """Whether each element of `element` is in `test_elements` (compared with ==, so NaN
    is in nothing). `method`: 'compare_all' (one broadcast comparison), 'binary_search' or
    'sort' (searchsorted in the sorted test elements), or 'auto'.

    >>> import numax.numpy as jnp
    >>> jnp.isin(jnp.asarray([1, 2, 5]), jnp.asarray([5, 1]))
    Array([ True, False,  True], dtype=bool)
    """
    element, test_elements = (ensure_array(a) for a in promote(
        element, test_elements, name="numax.numpy.isin"))
    if method not in ("auto", "compare_all", "binary_search", "sort"):
        raise ValueError(f"numax.numpy.isin: unknown method {method!r}; use 'auto', "
                         "'compare_all', 'binary_search' or 'sort'")
    return _isin_program(element, test_elements, invert=bool(invert), method=method)


@jit(static_argnames=("invert", "method"))
def _isin_program(element, test_elements, *, invert, method):
    from numax.numpy.reductions import any as reduce_any
    tests = lax.reshape(test_elements, (test_elements.size,))
    if tests.shape[0] == 0:
        found = lax.full(element.shape, False, np.bool_)
    elif method == "compare_all" or (method == "auto" and tests.shape[0] * element.size
                                     <= 1 << 16) or dtypes.is_complex(element.dtype):
        equal = ufuncs.equal(lax.expand_dims(element, (element.ndim,)), tests)
        found = reduce_any(equal, axis=-1)
    else:
        from numax.numpy.indexing import take
        from numax.numpy.sorting import searchsorted
        ordered = lax.sort(tests, 0)
        where = searchsorted(ordered, element, method="sort" if method == "sort" else "scan")
        found = ufuncs.equal(take(ordered, where, mode="clip"), element)
    return ufuncs.logical_not(found) if invert else found
