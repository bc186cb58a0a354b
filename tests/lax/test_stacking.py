"""lax.stack / lax.unstack (the stack and unstack primitives) against np.stack and NumPy
indexing, under jit, vmap and differentiation."""

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import numax
from numax import lax
from numax.test_util import check_grads


@settings(max_examples=20, deadline=None)
@given(shape=st.lists(st.integers(0, 3), min_size=0, max_size=3), count=st.integers(1, 4),
       data=st.data())
def test_stack_and_unstack_match_numpy(shape, count, data):
    rng = np.random.default_rng(len(shape) + count)
    arrays = [rng.standard_normal(shape).astype(np.float32) for _ in range(count)]
    axis = data.draw(st.integers(-len(shape) - 1, len(shape)))
    stacked = lax.stack(arrays, axis=axis)
    np.testing.assert_array_equal(np.asarray(stacked), np.stack(arrays, axis=axis))
    pieces = numax.jit(lambda x: lax.unstack(x, axis=axis))(np.stack(arrays, axis=axis))
    assert len(pieces) == count
    for piece, array in zip(pieces, arrays):
        np.testing.assert_array_equal(np.asarray(piece), array)


def test_gradients_and_vmap():
    rng = np.random.default_rng(0)
    x, y = rng.standard_normal((2, 3, 2))
    with numax.enable_x64():
        check_grads(lambda a, b: lax.stack([a, b * 2.0], axis=1), (x, y), 2)
        check_grads(lambda a: lax.unstack(a, axis=1)[1] * lax.unstack(a, axis=0)[0][1], (x,), 2)
    batch = rng.standard_normal((4, 3)).astype(np.float32)
    got = numax.vmap(lambda a: lax.stack([a, a + 1], axis=-1))(batch)
    np.testing.assert_array_equal(np.asarray(got), np.stack([batch, batch + 1], axis=-1))
    first, second, third = numax.vmap(lambda a: lax.unstack(a), in_axes=1)(batch.T.copy())
    np.testing.assert_array_equal(np.asarray(second), batch[:, 1])


def test_errors_name_the_mistake():
    with pytest.raises(ValueError, match="stack: needs a non-empty"):
        lax.stack([])
    with pytest.raises(TypeError, match="one shape and dtype"):
        lax.stack([np.ones(2, np.float32), np.ones(3, np.float32)])
    with pytest.raises(ValueError, match="axis 3 is out of bounds"):
        lax.stack([np.ones(2, np.float32)], axis=3)
    with pytest.raises(ValueError, match="unstack: needs an array of rank"):
        lax.unstack(np.float32(1))
