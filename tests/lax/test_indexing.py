"""Indexing primitives against NumPy: dynamic_slice / dynamic_update_slice (with XLA's
clamping of start indices), gather in the layouts NumPy indexing produces (vs fancy
indexing and take_along_axis), the scatter family (vs np.add.at and friends), and the
out-of-bounds modes: CLIP clamps, FILL_OR_DROP fills gathers and drops scatter updates."""

import numpy as np
import pytest

import numax
from numax import lax
from numax.core.errors import NumaxTypeError
from numax.lax import GatherDimensionNumbers as GDN
from numax.lax import GatherScatterMode
from numax.lax import ScatterDimensionNumbers as SDN

rng = np.random.default_rng(11)


def _rand(shape, dtype="float32"):
    dtype = np.dtype(dtype)
    if dtype.kind in "iu":
        return rng.integers(0 if dtype.kind == "u" else -50, 50, size=shape).astype(dtype)
    if dtype.kind == "b":
        return rng.random(shape) < 0.5
    return rng.standard_normal(shape).astype(dtype)


def _check(result, expected):
    result = np.asarray(result)
    assert result.dtype == expected.dtype, (result.dtype, expected.dtype)
    assert result.shape == expected.shape, (result.shape, expected.shape)
    np.testing.assert_array_equal(result, expected)


def _clamped_starts(starts, shape, sizes, allow_negative=True):
    """Where XLA starts the window: negative starts wrapped (if allowed), then clamped."""
    out = []
    for start, dim, size in zip(starts, shape, sizes):
        if allow_negative and start < 0:
            start += dim
        out.append(min(max(start, 0), dim - size))
    return out


# ---------------------------------------------------------------- dynamic_slice

STARTS = [(0, 0), (1, 2), (3, 4), (4, 6), (9, 9), (-1, -2), (-5, -7), (-20, 1)]


@pytest.mark.parametrize("starts", STARTS)
def test_dynamic_slice_matches_clamped_numpy_slice(starts):
    x = _rand((5, 7))
    sizes = (2, 3)
    begin = _clamped_starts(starts, x.shape, sizes)
    expected = x[begin[0]:begin[0] + 2, begin[1]:begin[1] + 3]
    _check(lax.dynamic_slice(x, starts, sizes), expected)
    traced = numax.jit(lambda a, i, j: lax.dynamic_slice(a, (i, j), sizes))
    _check(traced(x, np.int32(starts[0]), np.int32(starts[1])), expected)


def test_dynamic_slice_without_negative_wrapping_clamps_to_zero():
    x = np.arange(10, dtype=np.int32)
    _check(lax.dynamic_slice(x, [-2], [3], allow_negative_indices=False), x[0:3])
    traced = numax.jit(lambda a, i: lax.dynamic_slice(a, [i], [3], allow_negative_indices=False))
    _check(traced(x, np.int32(-2)), x[0:3])
    _check(lax.dynamic_slice(x, [-2], [2]), x[8:10])


def test_dynamic_slice_index_dtypes_and_array_of_starts():
    x = _rand((6, 4), "int16")
    for dtype in (np.int8, np.uint8, np.int32):
        start = numax.array.from_host(np.array(3, dtype))
        _check(lax.dynamic_slice(x, (start, 1), (2, 2)), x[3:5, 1:3])
    starts = numax.array.from_host(np.array([5, -1], np.int32))
    _check(lax.dynamic_slice(x, starts, (2, 2)), x[4:6, 2:4])
    _check(lax.dynamic_slice(x, np.array([1, 2]), (3, 1)), x[1:4, 2:3])


def test_dynamic_slice_with_64_bit_indices():
    with numax.enable_x64():
        x = np.arange(20, dtype=np.float64)
        i = numax.array.from_host(np.int64(-4))
        _check(lax.dynamic_slice(x, [i], [3]), x[16:19])


@pytest.mark.parametrize("start,size,axis", [(1, 2, 0), (-1, 1, 1), (5, 3, -1), (2, 0, 0)])
def test_dynamic_slice_in_dim_and_index_in_dim(start, size, axis):
    x = _rand((4, 6))
    axis_n = axis % 2
    begin = _clamped_starts([start], [x.shape[axis_n]], [size])[0]
    expected = np.take(x, range(begin, begin + size), axis=axis_n)
    _check(lax.dynamic_slice_in_dim(x, start, size, axis), expected)
    if size == 1:
        _check(lax.dynamic_index_in_dim(x, start, axis, keepdims=False),
               np.take(x, begin, axis=axis_n))


def test_dynamic_slice_errors():
    x = np.zeros((3, 4), np.float32)
    with pytest.raises(NumaxTypeError, match="dynamic_slice: got 1 start indices .* \\(3, 4\\)"):
        lax.dynamic_slice(x, [0], [1, 1])
    with pytest.raises(NumaxTypeError, match="dynamic_slice: slice_sizes \\(4, 1\\)"):
        lax.dynamic_slice(x, [0, 0], [4, 1])
    with pytest.raises(NumaxTypeError, match="dynamic_slice: start indices must be integer"):
        lax.dynamic_slice(x, [numax.array.from_host(np.float32(0)), 0], [1, 1])
    with pytest.raises(NumaxTypeError, match="must share one integer dtype"):
        lax.dynamic_slice_p.bind(x, np.int32(0), np.int8(0), slice_sizes=(1, 1))


# ---------------------------------------------------------------- dynamic_update_slice

@pytest.mark.parametrize("starts", STARTS)
def test_dynamic_update_slice_matches_clamped_numpy_assignment(starts):
    x = _rand((5, 7))
    update = _rand((2, 3))
    begin = _clamped_starts(starts, x.shape, update.shape)
    expected = x.copy()
    expected[begin[0]:begin[0] + 2, begin[1]:begin[1] + 3] = update
    _check(lax.dynamic_update_slice(x, update, starts), expected)
    traced = numax.jit(lambda a, u, i, j: lax.dynamic_update_slice(a, u, (i, j)))
    _check(traced(x, update, np.int32(starts[0]), np.int32(starts[1])), expected)


def test_dynamic_update_slice_in_dim_and_index_in_dim():
    x = _rand((4, 5), "int32")
    expected = x.copy()
    expected[:, 3:5] = 7
    _check(lax.dynamic_update_slice_in_dim(x, np.full((4, 2), 7, np.int32), 4, axis=1), expected)
    expected = x.copy()
    expected[2] = np.arange(5)
    _check(lax.dynamic_update_index_in_dim(x, np.arange(5, dtype=np.int32), -2, 0), expected)


def test_dynamic_update_slice_errors():
    x = np.zeros((3, 4), np.float32)
    with pytest.raises(NumaxTypeError, match="update has dtype int32 .* float32"):
        lax.dynamic_update_slice(x, np.zeros((1, 1), np.int32), (0, 0))
    with pytest.raises(NumaxTypeError, match=r"update shape \(4, 1\) .* \(3, 4\)"):
        lax.dynamic_update_slice(x, np.zeros((4, 1), np.float32), (0, 0))
    with pytest.raises(NumaxTypeError, match=r"update shape \(4,\)"):
        lax.dynamic_update_slice(x, np.zeros((4,), np.float32), (0, 0))


# ---------------------------------------------------------------- gather

def _take_rows(x, idx, mode=None, fill_value=None):
    """x[idx] as lax.gather, for integer `idx` of any shape given with a trailing axis of
    size 1 (the index vectors)."""
    batch_rank = idx.ndim - 1
    dn = GDN(offset_dims=tuple(range(batch_rank, x.ndim - 1 + batch_rank)),
             collapsed_slice_dims=(0,), start_index_map=(0,))
    return lax.gather(x, idx, dn, (1,) + x.shape[1:], mode=mode, fill_value=fill_value)


@pytest.mark.parametrize("dtype", ["float32", "int32", "bool", "uint8"])
@pytest.mark.parametrize("x_shape,idx_shape", [((6,), (4,)), ((6, 3), (4,)), ((6, 3), (2, 5)),
                                               ((6, 2, 3), (3,)), ((6,), ())])
def test_gather_rows_matches_numpy_fancy_indexing(dtype, x_shape, idx_shape):
    x = _rand(x_shape, dtype)
    idx = rng.integers(0, x_shape[0], size=idx_shape).astype(np.int32)
    _check(_take_rows(x, idx[..., None]), x[idx])
    _check(numax.jit(_take_rows)(x, idx[..., None]), x[idx])


def test_gather_columns_matches_x_colon_idx():
    x = _rand((4, 7))
    idx = np.array([6, 0, 3, 3, 1], np.int32)
    dn = GDN(offset_dims=(0,), collapsed_slice_dims=(1,), start_index_map=(1,))
    _check(lax.gather(x, idx[:, None], dn, (4, 1)), x[:, idx])


def test_gather_point_coordinates_matches_x_i_j():
    x = _rand((4, 7))
    i = rng.integers(0, 4, size=(3, 2))
    j = rng.integers(0, 7, size=(3, 2))
    dn = GDN(offset_dims=(), collapsed_slice_dims=(0, 1), start_index_map=(0, 1))
    _check(lax.gather(x, np.stack([i, j], -1).astype(np.int32), dn, (1, 1)), x[i, j])
    # index vector entries in the other order
    dn = GDN(offset_dims=(), collapsed_slice_dims=(0, 1), start_index_map=(1, 0))
    _check(lax.gather(x, np.stack([j, i], -1).astype(np.int32), dn, (1, 1)), x[i, j])


def test_batched_gather_matches_take_along_axis():
    x = _rand((3, 6))
    idx = rng.integers(0, 6, size=(3, 4)).astype(np.int32)
    dn = GDN(offset_dims=(), collapsed_slice_dims=(1,), start_index_map=(1,),
             operand_batching_dims=(0,), start_indices_batching_dims=(0,))
    expected = np.take_along_axis(x, idx, axis=1)
    _check(lax.gather(x, idx[..., None], dn, (1, 1)), expected)
    _check(numax.jit(lambda a, i: lax.gather(a, i, dn, (1, 1)))(x, idx[..., None]), expected)


def test_batched_gather_with_batch_axis_of_indices_last():
    x = _rand((3, 6))
    idx = rng.integers(0, 6, size=(4, 3)).astype(np.int32)       # batch axis 1 of indices
    dn = GDN(offset_dims=(), collapsed_slice_dims=(1,), start_index_map=(1,),
             operand_batching_dims=(0,), start_indices_batching_dims=(1,))
    expected = np.stack([x[b, idx[:, b]] for b in range(3)], axis=1)
    _check(lax.gather(x, idx[..., None], dn, (1, 1)), expected)


def test_gather_windows_match_loop():
    x = _rand((6, 5))
    starts = np.array([[0, 0], [4, 3], [2, 1]], np.int32)
    dn = GDN(offset_dims=(1, 2), collapsed_slice_dims=(), start_index_map=(0, 1))
    expected = np.stack([x[i:i + 2, j:j + 2] for i, j in starts])
    _check(lax.gather(x, starts, dn, (2, 2), mode="clip"), expected)


OOB = np.array([-1, 0, 5, 6, 100, -100, 2], np.int32)


def test_gather_clip_clamps_indices():
    x = _rand((6, 3))
    _check(_take_rows(x, OOB[:, None], mode="clip"), x[np.clip(OOB, 0, 5)])
    out = _take_rows(x, OOB[:, None], mode=GatherScatterMode.PROMISE_IN_BOUNDS)
    _check(np.asarray(out)[1:4], x[[0, 5, 5]])        # in-bounds rows are exact


@pytest.mark.parametrize("dtype,default", [("float32", np.nan), ("int32", np.iinfo(np.int32).min),
                                           ("uint8", 255), ("bool", True),
                                           ("complex64", np.nan)])
def test_gather_fill_or_drop_fills_out_of_bounds(dtype, default):
    x = _rand((6, 3), dtype if dtype != "complex64" else "float32").astype(dtype)
    valid = (OOB >= 0) & (OOB < 6)
    expected = x[np.clip(OOB, 0, 5)].copy()
    expected[~valid] = default
    _check(_take_rows(x, OOB[:, None]), expected)     # mode None means FILL_OR_DROP
    _check(numax.jit(_take_rows)(x, OOB[:, None]), expected)
    expected[~valid] = 1
    _check(_take_rows(x, OOB[:, None], mode="fill", fill_value=1), expected)


def test_gather_fill_applies_to_windows_that_do_not_fit():
    # A window of 2 starting at 4 of 5 does not fit: JAX fills the whole window.
    x = np.arange(5, dtype=np.float32)
    dn = GDN(offset_dims=(1,), collapsed_slice_dims=(), start_index_map=(0,))
    out = lax.gather(x, np.array([[3], [4], [-1]], np.int32), dn, (2,), fill_value=-1.0)
    _check(out, np.array([[3, 4], [-1, -1], [-1, -1]], np.float32))


def test_gather_fill_with_narrow_index_dtype_and_large_operand():
    x = np.arange(300, dtype=np.float32)
    idx = np.array([-128, -1, 0, 127], np.int8)
    expected = np.array([np.nan, np.nan, 0, 127], np.float32)
    _check(_take_rows(x, idx[:, None]), expected)


def test_gather_errors():
    x = np.zeros((4, 5), np.float32)
    rows = GDN(offset_dims=(1,), collapsed_slice_dims=(0,), start_index_map=(0,))
    with pytest.raises(NumaxTypeError, match="gather: indices must be integers, got dtype float32"):
        lax.gather(x, np.zeros((2, 1), np.float32), rows, (1, 5))
    with pytest.raises(NumaxTypeError, match=r"gather: start_index_map \(0,\) needs one entry"):
        lax.gather(x, np.zeros((2, 2), np.int32), rows, (1, 5))
    with pytest.raises(NumaxTypeError, match=r"gather: slice_sizes \(1, 6\)"):
        lax.gather(x, np.zeros((2, 1), np.int32), rows, (1, 6))
    with pytest.raises(NumaxTypeError, match=r"gather: slice_sizes \(2, 5\) must be 1"):
        lax.gather(x, np.zeros((2, 1), np.int32), rows, (2, 5))
    with pytest.raises(NumaxTypeError, match="gather: operand rank 2 must equal"):
        lax.gather(x, np.zeros((2, 1), np.int32), GDN((), (0,), (0,)), (1, 5))
    with pytest.raises(NumaxTypeError, match="gather: indices must have at least one axis"):
        lax.gather(x, np.int32(0), rows, (1, 5))
    with pytest.raises(NumaxTypeError, match="gather: offset_dims"):
        lax.gather(x, np.zeros((2, 1), np.int32), GDN((3,), (0,), (0,)), (1, 5))
    with pytest.raises(NumaxTypeError, match="operand_batching_dims .* pair up"):
        lax.gather(x, np.zeros((3, 1), np.int32), GDN((), (1,), (1,), (0,), (0,)), (1, 1))
    with pytest.raises(NumaxTypeError, match="fill_value must be a static scalar"):
        lax.gather(np.zeros(3, np.uint8), np.zeros((1, 1), np.int32), GDN((), (0,), (0,)),
                   (1,), fill_value=-1)
    with pytest.raises(ValueError, match="unknown gather/scatter mode 'wrap'"):
        lax.gather(x, np.zeros((2, 1), np.int32), rows, (1, 5), mode="wrap")


def test_gather_scatter_mode_from_any():
    assert GatherScatterMode.from_any(None) is GatherScatterMode.FILL_OR_DROP
    assert GatherScatterMode.from_any("drop") is GatherScatterMode.FILL_OR_DROP
    assert GatherScatterMode.from_any("clip") is GatherScatterMode.CLIP
    assert GatherScatterMode.from_any("promise_in_bounds") is GatherScatterMode.PROMISE_IN_BOUNDS


# ---------------------------------------------------------------- scatter family

ROWS = SDN(update_window_dims=(1,), inserted_window_dims=(0,), scatter_dims_to_operand_dims=(0,))
POINTS = SDN(update_window_dims=(), inserted_window_dims=(0,), scatter_dims_to_operand_dims=(0,))

UFUNC_AT = {lax.scatter_add: np.add, lax.scatter_sub: np.subtract, lax.scatter_mul: np.multiply,
            lax.scatter_min: np.minimum, lax.scatter_max: np.maximum}


@pytest.mark.parametrize("scatter_fn", list(UFUNC_AT), ids=lambda f: f.__name__)
@pytest.mark.parametrize("dtype", ["float32", "int32"])
def test_scatter_combiners_with_duplicates_match_ufunc_at(scatter_fn, dtype):
    x = _rand((6, 3), dtype)
    idx = np.array([4, 0, 4, 2, 4, 0], np.int32)
    updates = _rand((6, 3), dtype)
    if scatter_fn is lax.scatter_mul and dtype == "float32":
        updates = np.float32(2) ** rng.integers(-2, 3, size=(6, 3)).astype(np.float32)  # exact
    expected = x.copy()
    UFUNC_AT[scatter_fn].at(expected, idx, updates)
    _check(scatter_fn(x, idx[:, None], updates, ROWS), expected)
    _check(numax.jit(lambda a, i, u: scatter_fn(a, i, u, ROWS))(x, idx[:, None], updates),
           expected)


def test_scatter_add_of_points_matches_np_add_at():
    x = np.zeros(5, np.int32)
    idx = rng.integers(0, 5, size=(4, 6))
    updates = rng.integers(-9, 9, size=(4, 6)).astype(np.int32)
    expected = x.copy()
    np.add.at(expected, idx, updates)
    _check(lax.scatter_add(x, idx[..., None].astype(np.int32), updates, POINTS), expected)


def test_scatter_min_max_propagate_nan_like_numpy():
    x = np.array([1.0, np.nan, 3.0, 4.0], np.float32)
    idx = np.array([[0], [1], [2], [0]], np.int32)
    updates = np.array([np.nan, 5.0, -1.0, 0.5], np.float32)
    for scatter_fn, ufunc in ((lax.scatter_min, np.minimum), (lax.scatter_max, np.maximum)):
        expected = x.copy()
        with np.errstate(invalid="ignore"):
            ufunc.at(expected, idx[:, 0], updates)
        _check(scatter_fn(x, idx, updates, POINTS), expected)


@pytest.mark.parametrize("dtype", ["float32", "int8", "bool"])
def test_scatter_with_unique_indices_matches_assignment(dtype):
    x = _rand((6, 3), dtype)
    idx = np.array([5, 1, 2], np.int32)
    updates = _rand((3, 3), dtype)
    expected = x.copy()
    expected[idx] = updates
    _check(lax.scatter(x, idx[:, None], updates, ROWS, unique_indices=True), expected)


def test_scatter_columns_and_windows():
    x = _rand((4, 6))
    cols = np.array([5, 0, 2], np.int32)
    updates = _rand((4, 3))
    expected = x.copy()
    expected[:, cols] = updates
    dn = SDN(update_window_dims=(0,), inserted_window_dims=(1,), scatter_dims_to_operand_dims=(1,))
    _check(lax.scatter(x, cols[:, None], updates, dn), expected)

    starts = np.array([[0, 0], [2, 4], [1, 1]], np.int32)
    windows = _rand((3, 2, 2))
    expected = x.copy()
    for (i, j), w in zip(starts, windows):
        expected[i:i + 2, j:j + 2] += w
    dn = SDN(update_window_dims=(1, 2), inserted_window_dims=(),
             scatter_dims_to_operand_dims=(0, 1))
    np.testing.assert_allclose(np.asarray(lax.scatter_add(x, starts, windows, dn)), expected,
                               rtol=1e-6)


def test_batched_scatter_add_matches_loop():
    x = _rand((3, 5))
    idx = rng.integers(0, 5, size=(3, 4)).astype(np.int32)
    updates = _rand((3, 4))
    dn = SDN(update_window_dims=(), inserted_window_dims=(1,), scatter_dims_to_operand_dims=(1,),
             operand_batching_dims=(0,), scatter_indices_batching_dims=(0,))
    expected = x.copy()
    for b in range(3):
        np.add.at(expected[b], idx[b], updates[b])
    np.testing.assert_allclose(np.asarray(lax.scatter_add(x, idx[..., None], updates, dn)),
                               expected, rtol=1e-6)


@pytest.mark.parametrize("scatter_fn", [lax.scatter, lax.scatter_add, lax.scatter_max],
                         ids=lambda f: f.__name__)
def test_scatter_fill_or_drop_drops_out_of_bounds_updates(scatter_fn):
    x = _rand((6, 3))
    idx = np.array([-1, 6, 100, 3, -100], np.int32)             # only 3 is in bounds
    updates = _rand((5, 3))
    expected = x.copy()
    ufunc = {lax.scatter_add: np.add, lax.scatter_max: np.maximum}.get(scatter_fn)
    if ufunc is None:
        expected[3] = updates[3]
    else:
        ufunc.at(expected, [3], updates[3:4])
    _check(scatter_fn(x, idx[:, None], updates, ROWS), expected)  # mode None: FILL_OR_DROP
    _check(numax.jit(lambda a, i, u: scatter_fn(a, i, u, ROWS, mode="drop"))(
        x, idx[:, None], updates), expected)


def test_scatter_drops_windows_that_do_not_fit():
    x = np.zeros(5, np.float32)
    dn = SDN(update_window_dims=(1,), inserted_window_dims=(), scatter_dims_to_operand_dims=(0,))
    out = lax.scatter_add(x, np.array([[3], [4]], np.int32), np.ones((2, 2), np.float32), dn)
    _check(out, np.array([0, 0, 0, 1, 1], np.float32))


def test_scatter_clip_clamps_indices():
    x = _rand((6, 3))
    idx = np.array([-1, 6, 100, 3], np.int32)
    updates = _rand((4, 3))
    expected = x.copy()
    np.add.at(expected, np.clip(idx, 0, 5), updates)
    np.testing.assert_allclose(np.asarray(lax.scatter_add(x, idx[:, None], updates, ROWS,
                                                          mode="clip")), expected, rtol=1e-6)
    dn = SDN(update_window_dims=(1,), inserted_window_dims=(), scatter_dims_to_operand_dims=(0,))
    out = lax.scatter(np.zeros(5, np.float32), np.array([[4]], np.int32),
                      np.array([[1, 2]], np.float32), dn, mode="clip")
    _check(out, np.array([0, 0, 0, 1, 2], np.float32))


def test_scatter_errors():
    x = np.zeros((4, 3), np.float32)
    idx = np.zeros((2, 1), np.int32)
    with pytest.raises(NumaxTypeError, match="scatter-add: updates have dtype int32 .* float32"):
        lax.scatter_add(x, idx, np.zeros((2, 3), np.int32), ROWS)
    with pytest.raises(NumaxTypeError, match=r"scatter-add: the non-window axes of updates \(3,\)"):
        lax.scatter_add(x, idx, np.zeros((3, 3), np.float32), ROWS)
    with pytest.raises(NumaxTypeError, match="scatter: updates of shape .* must have rank"):
        lax.scatter(x, idx, np.zeros((2, 3, 1), np.float32), ROWS)
    with pytest.raises(NumaxTypeError, match="scatter-mul: update window axis 1 of size 4"):
        lax.scatter_mul(x, idx, np.zeros((2, 4), np.float32), ROWS)
    with pytest.raises(NumaxTypeError, match="scatter-min: indices must be integers"):
        lax.scatter_min(x, idx.astype(np.float32), np.zeros((2, 3), np.float32), ROWS)
    with pytest.raises(NumaxTypeError, match="scatter-max: scatter_dims_to_operand_dims"):
        lax.scatter_max(x, np.zeros((2, 2), np.int32), np.zeros((2, 3), np.float32), ROWS)
    with pytest.raises(NumaxTypeError, match="must be a ScatterDimensionNumbers"):
        lax.scatter(x, idx, np.zeros((2, 3), np.float32), "rows")
