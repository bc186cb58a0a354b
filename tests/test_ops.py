"""numax.ops segment reductions against a Python loop over the rows, eagerly, under jit,
vmap and grad, with every option (num_segments, out-of-range ids, mode, bucket_size)."""

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import numax
import numax.numpy as jnp
from numax import ops
from numax.test_util import check_grads

_NUMPY = {"sum": np.add, "prod": np.multiply, "max": np.maximum, "min": np.minimum}
_FUNCTIONS = {"sum": ops.segment_sum, "prod": ops.segment_prod, "max": ops.segment_max,
              "min": ops.segment_min}


def _reference(kind, data, ids, num_segments, clip=False):
    data = np.asarray(data)
    if kind in ("sum", "prod"):
        fill = 0 if kind == "sum" else 1
    elif np.issubdtype(data.dtype, np.integer):
        info = np.iinfo(data.dtype)
        fill = info.min if kind == "max" else info.max
    else:
        fill = -np.inf if kind == "max" else np.inf
    out = np.full((num_segments,) + data.shape[1:], fill, data.dtype)
    for row, segment in zip(data, ids):
        if clip:
            segment = min(max(segment, 0), num_segments - 1)
        elif not 0 <= segment < num_segments:
            continue
        out[segment] = _NUMPY[kind](out[segment], row)
    return out


@settings(max_examples=20, deadline=None)
@given(kind=st.sampled_from(sorted(_FUNCTIONS)), rows=st.integers(0, 9),
       num_segments=st.integers(1, 5), seed=st.integers(0, 2**16),
       bucket=st.sampled_from([None, 2, 3]), sorted_ids=st.booleans())
def test_matches_loop(kind, rows, num_segments, seed, bucket, sorted_ids):
    rng = np.random.default_rng(seed)
    data = rng.uniform(0.5, 1.5, (rows, 3)).astype(np.float32)
    ids = rng.integers(-1, num_segments + 1, rows)  # includes out-of-range ids
    if sorted_ids:
        ids = np.sort(ids)
    out = _FUNCTIONS[kind](data, ids, num_segments, indices_are_sorted=sorted_ids,
                           bucket_size=bucket)
    np.testing.assert_allclose(np.asarray(out), _reference(kind, data, ids, num_segments),
                               rtol=1e-5)


@pytest.mark.parametrize("kind", sorted(_FUNCTIONS))
def test_integers_clip_mode_and_default_num_segments(kind):
    data = np.array([[5, -2], [7, 1], [-3, 4], [2, 2]], np.int32)
    ids = np.array([0, 3, 3, 5])
    np.testing.assert_array_equal(np.asarray(_FUNCTIONS[kind](data, ids)),
                                  _reference(kind, data, ids, 6))
    np.testing.assert_array_equal(np.asarray(_FUNCTIONS[kind](data, ids, 4, mode="clip")),
                                  _reference(kind, data, ids, 4, clip=True))


def test_jit_vmap_and_unique_indices():
    data = np.arange(12, dtype=np.float32).reshape(6, 2)
    ids = np.array([2, 0, 1, 3, 5, 4])
    jitted = numax.jit(lambda d, i: ops.segment_sum(d, i, num_segments=6, unique_indices=True))
    np.testing.assert_allclose(np.asarray(jitted(data, ids)), _reference("sum", data, ids, 6))
    batch = np.stack([data, 2 * data, -data])
    out = numax.vmap(lambda d: ops.segment_max(d, ids % 3, num_segments=3))(batch)
    expected = np.stack([_reference("max", b, ids % 3, 3) for b in batch])
    np.testing.assert_allclose(np.asarray(out), expected)


def test_gradients():
    data = np.random.default_rng(0).uniform(0.5, 1.5, (5, 2))
    ids = np.array([0, 1, 1, 2, 0])
    with numax.enable_x64():
        for kind in ("sum", "prod", "max"):
            f = lambda d, kind=kind: _FUNCTIONS[kind](d, ids, num_segments=3)  # noqa: E731
            check_grads(f, (data,), order=1, modes=("rev",))
            check_grads(numax.jit(f), (data,), order=1, modes=("rev",))


def test_errors():
    with pytest.raises(TypeError, match="segment_ids must be integers"):
        ops.segment_sum(np.ones(3), np.array([0.0, 1.0, 1.0]), 2)
    with pytest.raises(ValueError, match="one id per row"):
        ops.segment_sum(np.ones((3, 2)), np.array([0, 1]), 2)
    with pytest.raises(ValueError, match="non-negative"):
        ops.segment_sum(np.ones(3), np.array([0, 1, 1]), -1)
    with pytest.raises(numax.errors.ConcretizationTypeError):
        numax.jit(lambda d, i: ops.segment_sum(d, i))(np.ones(3), np.array([0, 1, 1]))
