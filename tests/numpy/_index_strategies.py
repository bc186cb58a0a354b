"""Hypothesis strategies for NumPy index expressions, shared by the indexing and `.at` tests.

`mixed_indices(shape)` draws an index for an array of `shape` that mixes integers, slices
(any start/stop/step), integer index arrays whose shapes broadcast together, at most one
boolean mask (then no other index arrays, so that NumPy's broadcast is always defined),
None and an Ellipsis, with values in bounds. `flat_positions(shape, index)` is the
reference for updates: the flat position in x of every element of x[index].
"""

import numpy as np
from hypothesis import strategies as st

INDEX_DTYPES = (np.int32, np.int64, np.int8, np.uint8)


@st.composite
def _slice(draw, size):
    bound = st.one_of(st.none(), st.integers(-size - 2, size + 2))
    step = draw(st.one_of(st.none(), st.integers(-3, 3).filter(bool)))
    return slice(draw(bound), draw(bound), step)


@st.composite
def _index_array(draw, size, batch):
    rank = draw(st.integers(0, len(batch)))
    sub = tuple(d if draw(st.booleans()) else 1 for d in batch[len(batch) - rank:])
    count = int(np.prod(sub, dtype=np.int64))
    values = np.array(draw(st.lists(st.integers(-size, size - 1), min_size=count,
                                    max_size=count)), np.int64).reshape(sub)
    dtype = draw(st.sampled_from(INDEX_DTYPES))
    if dtype == np.uint8:
        values = np.where(values < 0, values + size, values)
    return values.astype(dtype)


@st.composite
def mixed_indices(draw, shape, masks=True, none=True):
    ndim = len(shape)
    batch = draw(st.sampled_from([(), (2,), (3,), (2, 1), (1, 3), (2, 3)]))
    use_mask = masks and ndim > 0 and draw(st.integers(0, 3)) == 0
    mask_axis = draw(st.integers(0, ndim - 1)) if use_mask else None
    items, axis, advanced = [], 0, False
    while axis < ndim:
        size = shape[axis]
        if axis == mask_axis:
            span = draw(st.integers(1, min(2, ndim - axis)))
            mask_shape = shape[axis:axis + span]
            count = int(np.prod(mask_shape, dtype=np.int64))
            mask = np.array(draw(st.lists(st.booleans(), min_size=count, max_size=count)),
                            bool).reshape(mask_shape)
            items.append(mask)
            axis += span
            advanced = True
            continue
        kinds = ["slice", "int"] if size == 0 else ["slice", "int", "array", "array"]
        if use_mask:
            kinds = [k for k in kinds if k != "array"]
        kind = draw(st.sampled_from(kinds))
        if kind == "slice":
            items.append(draw(_slice(size)))
        elif kind == "int" and size:
            items.append(draw(st.integers(-size, size - 1)))
        elif kind == "int":
            items.append(slice(None))
        else:
            items.append(draw(_index_array(size, batch)))
            advanced = True
        axis += 1
    if not advanced and ndim and shape[0] and not use_mask:
        items[0] = draw(_index_array(shape[0], batch))
    choice = draw(st.integers(0, 2)) if items else 0
    if choice == 1:                             # leave out trailing items
        items = items[:draw(st.integers(1, len(items)))]
    elif choice == 2:                           # an Ellipsis stands for a run of items
        start = draw(st.integers(0, len(items)))
        stop = draw(st.integers(start, len(items)))
        items = items[:start] + [Ellipsis] + items[stop:]
    if none:
        for _ in range(draw(st.integers(0, 2))):
            items.insert(draw(st.integers(0, len(items))), None)
    return tuple(items)


def flat_positions(shape, index):
    """The flat position in an array of `shape` of each element of x[index]."""
    return np.arange(int(np.prod(shape, dtype=np.int64))).reshape(shape)[index]


def replace_arrays(index, arrays):
    """`index` with its integer arrays replaced, in order, by `arrays` (for tracing them)."""
    arrays = iter(arrays)
    return tuple(next(arrays) if isinstance(item, np.ndarray) and item.dtype != np.bool_ else item
                 for item in index)


def integer_arrays(index):
    return [item for item in index if isinstance(item, np.ndarray) and item.dtype != np.bool_]
