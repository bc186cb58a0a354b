"""Descriptive statistics of numax.scipy.stats: mode, rankdata and sem. They work along
one axis (moved last), from a stable sort: runs of equal values in the sorted array give
the modes and the tied ranks, so everything stays jit- and vmap-compatible (static
shapes, no data-dependent sizes)."""

import collections

from numax import lax, numpy as jnp
from numax.core import dtypes
from numax.numpy._promote import canonicalize_axis, ensure_array

ModeResult = collections.namedtuple("ModeResult", ["mode", "count"])


def _only_propagate(name, nan_policy):
    if nan_policy != "propagate":
        raise ValueError(f"{name}: only nan_policy='propagate' is supported; got "
                         f"{nan_policy!r}")


def _along_last(a, axis, name):
    """`a` with `axis` moved last (flattened for axis=None), the axis used, and the
    number of dimensions a kept result has."""
    a = ensure_array(a)
    if axis is None:
        return jnp.ravel(a), None, max(a.ndim, 1)
    if a.ndim == 0:
        a = a.reshape(1)
    axis = canonicalize_axis(axis, a.ndim, name=f"{name}: axis")
    return jnp.moveaxis(a, axis, -1), axis, a.ndim


def _run_starts(sorted_values):
    """True where a run of equal values begins along the last axis (NaNs, sorted last,
    form one run, as SciPy counts them)."""
    previous, current = sorted_values[..., :-1], sorted_values[..., 1:]
    same = previous == current
    if dtypes.is_inexact(sorted_values.dtype):
        same = same | (jnp.isnan(previous) & jnp.isnan(current))
    first = jnp.ones(sorted_values.shape[:-1] + (1,), bool)
    return jnp.concatenate([first, ~same], axis=-1)


def _run_start_index(starts):
    """For each position of the sorted axis, the index where its run begins."""
    positions = lax.broadcasted_iota(dtypes.default_int_dtype(), starts.shape, starts.ndim - 1)
    return lax.cummax(jnp.where(starts, positions, 0), axis=starts.ndim - 1), positions


def mode(a, axis=0, nan_policy="propagate", keepdims=False):
    """The most common value along `axis` (the smallest of equally common ones) and its
    count, as SciPy's ModeResult(mode, count).

    >>> import numpy as np
    >>> mode(np.array([3, 1, 3, 2])).mode.item()
    3
    """
    _only_propagate("mode", nan_policy)
    a, axis, kept_ndim = _along_last(a, axis, "mode")
    if a.shape[-1] == 0:
        raise ValueError("mode: the axis to take the mode over is empty")
    sorted_values = jnp.sort(a, axis=-1)
    start, positions = _run_start_index(_run_starts(sorted_values))
    length_so_far = positions - start + 1
    # argmax picks the first longest run, the smallest value when runs tie.
    end = jnp.argmax(length_so_far, axis=-1, keepdims=True)
    modes = jnp.take_along_axis(sorted_values, end, axis=-1)[..., 0]
    counts = jnp.max(length_so_far, axis=-1)
    if keepdims:
        if axis is None:
            modes, counts = modes.reshape((1,) * kept_ndim), counts.reshape((1,) * kept_ndim)
        else:
            modes, counts = jnp.expand_dims(modes, axis), jnp.expand_dims(counts, axis)
    return ModeResult(modes, counts)


_RANK_METHODS = ("average", "min", "max", "dense", "ordinal")


def rankdata(a, method="average", *, axis=None, nan_policy="propagate"):
    """Ranks 1..n of the values along `axis` (of the flattened array for axis=None), ties
    resolved by `method`: 'average', 'min', 'max', 'dense' or 'ordinal'. As in SciPy, a
    NaN makes every rank along its axis NaN; integer input ranked by a method other than
    'average' gives integer ranks (float otherwise, so that NaN can propagate).

    >>> import numpy as np
    >>> rankdata(np.array([3, 1, 3, 2])).tolist()
    [3.5, 1.0, 3.5, 2.0]
    """
    if method not in _RANK_METHODS:
        raise ValueError(f"rankdata: method must be one of {_RANK_METHODS}; got {method!r}")
    _only_propagate("rankdata", nan_policy)
    values, axis, _ = _along_last(a, axis, "rankdata")
    order = jnp.argsort(values, axis=-1, stable=True)
    sorted_values = jnp.take_along_axis(values, order, axis=-1)
    starts = _run_starts(sorted_values)
    start, positions = _run_start_index(starts)
    last = starts.ndim - 1
    if method == "ordinal":
        sorted_ranks = positions + 1
    elif method == "dense":
        sorted_ranks = jnp.cumsum(starts.astype(positions.dtype), axis=-1)
    else:
        ends = jnp.concatenate([starts[..., 1:], jnp.ones_like(starts[..., :1])], axis=-1)
        end = lax.cummin(jnp.where(ends, positions, positions.shape[-1]), axis=last,
                         reverse=True)
        sorted_ranks = {"min": start + 1, "max": end + 1,
                        "average": (start + end + 2) / 2}[method]
    inverse = jnp.argsort(order, axis=-1)
    ranks = jnp.take_along_axis(sorted_ranks, inverse, axis=-1)
    if dtypes.is_inexact(values.dtype) or method == "average":
        ranks = ranks.astype(dtypes.to_inexact_dtype(dtypes.canonicalize_dtype(float)))
        if dtypes.is_inexact(values.dtype):
            has_nan = jnp.any(jnp.isnan(values), axis=-1, keepdims=True)
            ranks = jnp.where(has_nan, jnp.nan, ranks)
    return ranks if axis is None else jnp.moveaxis(ranks, -1, axis)


def sem(a, axis=0, ddof=1, nan_policy="propagate", *, keepdims=False):
    """The standard error of the mean, std(a, ddof) / sqrt(n), along `axis` (of the
    flattened array for axis=None). nan_policy='omit' leaves NaNs out of both.

    >>> import numpy as np
    >>> round(float(sem(np.array([1.0, 2.0, 4.0]))), 4)
    0.8819
    """
    a = ensure_array(a)
    if not dtypes.is_inexact(a.dtype):
        a = a.astype(dtypes.to_inexact_dtype(a.dtype))
    if nan_policy == "propagate":
        where = None
    elif nan_policy == "omit":
        where = ~jnp.isnan(a)
    else:
        raise ValueError(f"sem: nan_policy must be 'propagate' or 'omit'; got {nan_policy!r}")
    kept_shape = (1,) * max(a.ndim, 1)
    flattened = axis is None
    if flattened:
        a, axis = jnp.ravel(a), 0
        where = None if where is None else jnp.ravel(where)
    count = (a.shape[canonicalize_axis(axis, a.ndim, name="sem: axis")] if where is None
             else jnp.sum(where, axis=axis, keepdims=keepdims))
    deviation = jnp.std(a, axis=axis, ddof=ddof, keepdims=keepdims, where=where)
    result = deviation / jnp.sqrt(jnp.asarray(count, deviation.dtype))
    if flattened and keepdims:
        result = result.reshape(kept_shape)
    return result
