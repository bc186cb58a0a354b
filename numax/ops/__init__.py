"""Segment reductions (`numax.ops`): segment_sum, segment_prod, segment_max, segment_min.

Each reduces the rows of `data` that share a segment id into one output row, with one
scatter over an array filled with the reduction's identity; ids outside
[0, num_segments) are dropped (or clamped with mode='clip').
"""

import operator

import numpy as np

from numax import lax
from numax import numpy as jnp
from numax.core import dtypes


def _identity(dtype, kind):
    """The value an empty segment holds: the identity of the reduction."""
    if kind == "sum":
        return 0
    if kind == "prod":
        return 1
    if dtype == np.bool_:
        return kind == "min"
    if dtypes.issubdtype(dtype, np.integer):
        info = dtypes.iinfo(dtype)
        return info.min if kind == "max" else info.max
    return -np.inf if kind == "max" else np.inf


_SCATTERS = {"sum": lax.scatter_add, "prod": lax.scatter_mul, "max": lax.scatter_max,
             "min": lax.scatter_min}
_REDUCERS = {"sum": jnp.sum, "prod": jnp.prod, "max": jnp.max, "min": jnp.min}


def _segment_reduce(kind, data, segment_ids, num_segments, indices_are_sorted, unique_indices,
                    bucket_size, mode):
    api = f"segment_{kind}"
    data = jnp.asarray(data)
    segment_ids = jnp.asarray(segment_ids)
    if not dtypes.issubdtype(segment_ids.dtype, np.integer):
        raise TypeError(f"{api}: segment_ids must be integers, got dtype {segment_ids.dtype}")
    if data.ndim == 0 or segment_ids.shape != data.shape[:1]:
        raise ValueError(f"{api}: segment_ids must be one id per row of data (shape "
                         f"{data.shape[:1]}), got shape {segment_ids.shape}")
    if num_segments is None:
        # Needs concrete ids: under jit, pass num_segments explicitly.
        num_segments = int(jnp.max(segment_ids)) + 1 if segment_ids.size else 0
    num_segments = operator.index(num_segments)
    if num_segments < 0:
        raise ValueError(f"{api}: num_segments must be non-negative, got {num_segments}")
    identity = _identity(data.dtype, kind)

    def reduce(rows, ids):
        out = jnp.full((num_segments,) + rows.shape[1:], identity, data.dtype)
        numbers = lax.ScatterDimensionNumbers(update_window_dims=tuple(range(1, rows.ndim)),
                                              inserted_window_dims=(0,),
                                              scatter_dims_to_operand_dims=(0,))
        return _SCATTERS[kind](out, ids[:, None], rows, numbers,
                               indices_are_sorted=indices_are_sorted,
                               unique_indices=unique_indices, mode=mode)

    if bucket_size is None or data.shape[0] <= bucket_size:
        return reduce(data, segment_ids)
    bucket_size = operator.index(bucket_size)
    if bucket_size <= 0:
        raise ValueError(f"{api}: bucket_size must be positive, got {bucket_size}")
    # Padding rows hold the identity, so whichever segment they land in is unchanged.
    buckets = -(-data.shape[0] // bucket_size)
    pad = buckets * bucket_size - data.shape[0]
    data = jnp.concatenate([data, jnp.full((pad,) + data.shape[1:], identity, data.dtype)])
    segment_ids = jnp.concatenate([segment_ids, jnp.zeros((pad,), segment_ids.dtype)])
    from numax.mapping import vmap
    partial = vmap(reduce)(data.reshape((buckets, bucket_size) + data.shape[1:]),
                           segment_ids.reshape(buckets, bucket_size))
    return _REDUCERS[kind](partial, axis=0)


def _make(kind, description, empty):
    def segment_reduce(data, segment_ids, num_segments=None, indices_are_sorted=False,
                       unique_indices=False, bucket_size=None, mode=None):
        return _segment_reduce(kind, data, segment_ids, num_segments, indices_are_sorted,
                               unique_indices, bucket_size, mode)
    segment_reduce.__name__ = segment_reduce.__qualname__ = f"segment_{kind}"
    segment_reduce.__doc__ = f"""The {description} of the rows of `data` in each segment.

    Output row `k` combines the rows `i` of `data` with `segment_ids[i] == k`, for k in
    [0, num_segments); a segment with no rows holds {empty}. `num_segments`
    defaults to max(segment_ids) + 1, which needs concrete ids (pass it under jit).
    Ids out of range are dropped (mode None or 'drop') or clamped (mode 'clip').
    `indices_are_sorted` / `unique_indices` are promises that let XLA go faster;
    `bucket_size` reduces the rows in buckets of that many first (for accuracy of sums).
    """
    return segment_reduce


segment_sum = _make("sum", "sum", "0")
segment_prod = _make("prod", "product", "1")
segment_max = _make("max", "maximum", "the dtype's lowest value (-inf for floats)")
segment_min = _make("min", "minimum", "the dtype's highest value (inf for floats)")

__all__ = ["segment_max", "segment_min", "segment_prod", "segment_sum"]
