"""`x[index]` on numax arrays against NumPy's basic indexing: integers (negative too),
slices with any start/stop/step, None, Ellipsis, in random combinations from hypothesis;
the same expressions under jit; traced integer indices (dynamic_slice, clamped into
range as in JAX); and the IndexErrors of static out-of-range integers.
"""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import numax
import numax.numpy as jnp


def _check(result, expected):
    assert isinstance(result, (numax.Array,)), type(result)
    expected = np.asarray(expected)
    assert result.dtype == expected.dtype, (result.dtype, expected.dtype)
    assert result.shape == expected.shape, (result.shape, expected.shape)
    np.testing.assert_array_equal(np.asarray(result), expected)


@st.composite
def basic_indices(draw, shape):
    """A random basic index for `shape`: ints, slices, None and at most one Ellipsis.
    Occasionally it consumes one axis too many (NumPy raises IndexError then)."""
    ndim = len(shape)
    ellipsis = draw(st.booleans())
    consumed = draw(st.integers(0, ndim + (1 if draw(st.integers(0, 9)) == 0 else 0)))
    before = draw(st.integers(0, consumed)) if ellipsis else consumed
    axes = list(range(before)) + list(range(ndim - (consumed - before), ndim))

    def item(axis):
        size = shape[axis] if 0 <= axis < ndim else 1
        if size and draw(st.booleans()):
            return draw(st.integers(-size, size - 1))
        bound = st.one_of(st.none(), st.integers(-size - 2, size + 2))
        step = draw(st.one_of(st.none(), st.integers(-3, 3).filter(bool)))
        return slice(draw(bound), draw(bound), step)

    items = [item(a) for a in axes]
    if ellipsis:
        items.insert(before, Ellipsis)
    for _ in range(draw(st.integers(0, 2))):
        items.insert(draw(st.integers(0, len(items))), None)
    if len(items) == 1 and draw(st.booleans()):
        return items[0]
    return tuple(items)


def _count_consumed(index):
    items = index if isinstance(index, tuple) else (index,)
    return sum(1 for i in items if i is not None and i is not Ellipsis)


@settings(max_examples=60, deadline=None)
@given(shape=st.sampled_from([(), (5,), (4, 3), (3, 1, 4), (2, 3, 2, 2), (0, 3), (6, 0)]),
       data=st.data())
def test_basic_indexing_matches_numpy(shape, data):
    x = np.arange(int(np.prod(shape)), dtype=np.int32).reshape(shape)
    index = data.draw(basic_indices(shape))
    if _count_consumed(index) > len(shape):
        with pytest.raises(IndexError):
            jnp.asarray(x)[index]
        return
    expected = x[index]
    _check(jnp.asarray(x)[index], expected)


@settings(max_examples=15, deadline=None)
@given(shape=st.sampled_from([(5,), (4, 3), (3, 1, 4)]), data=st.data())
def test_basic_indexing_under_jit(shape, data):
    x = np.arange(int(np.prod(shape)), dtype=np.float32).reshape(shape)
    index = data.draw(basic_indices(shape))
    if _count_consumed(index) > len(shape):
        return
    _check(numax.jit(lambda v: v[index])(jnp.asarray(x)), x[index])


@pytest.mark.parametrize("index", [
    0, -1, 3, -4, slice(None), slice(1, 3), slice(None, None, -1), slice(3, 0, -2),
    slice(-10, 10), slice(10, 20), slice(2, 2), (Ellipsis, 1), (None, 2), (1, None, ...),
    (), Ellipsis, None, (slice(None), None), (-1, ...), (..., None),
    (np.int32(2),), np.int64(-2), (slice(None, None, 3), Ellipsis), np.array(1),
    (np.array(-1, np.int8), np.array(2)),
])
def test_specific_indices(index):
    x = np.arange(12, dtype=np.float32).reshape(4, 3)
    _check(jnp.asarray(x)[index], x[index])


def test_indexing_scalars_and_zero_size():
    x = np.float32(3.5)
    _check(jnp.asarray(x)[()], x[()])
    _check(jnp.asarray(x)[None], np.asarray(x)[None])
    _check(jnp.asarray(x)[...], np.asarray(x)[...])
    e = np.zeros((0, 3), np.int8)
    _check(jnp.asarray(e)[:, 1], e[:, 1])
    _check(jnp.asarray(e)[::-1], e[::-1])


@pytest.mark.parametrize("index", [5, -6, (0, 3), (1, -4), (0, 0, 0), (..., ..., 0)])
def test_static_out_of_range_raises_index_error(index):
    x = jnp.asarray(np.zeros((5, 3), np.float32))
    with pytest.raises(IndexError):
        x[index]


def test_invalid_index_types_raise():
    x = jnp.asarray(np.zeros((5, 3), np.float32))
    with pytest.raises(IndexError):
        x[1.5]
    with pytest.raises(IndexError):
        x["a"]


def test_traced_integer_index_is_dynamic_and_clamped():
    x = np.arange(20, dtype=np.float32).reshape(5, 4)
    f = numax.jit(lambda v, i: v[i])
    g = numax.jit(lambda v, i: v[1:, i])
    h = numax.jit(lambda v, i, j: v[i, ..., j])
    for i in range(-8, 9):
        clamped = min(max(i + 5 if i < 0 else i, 0), 4)    # JAX clamps dynamic indices
        _check(f(jnp.asarray(x), jnp.asarray(i, jnp.int32)), x[clamped])
        clamped_col = min(max(i + 4 if i < 0 else i, 0), 3)
        _check(g(jnp.asarray(x), jnp.asarray(i)), x[1:, clamped_col])
        _check(h(jnp.asarray(x), jnp.asarray(i), jnp.asarray(-1)), x[clamped, -1])


def test_traced_index_of_other_integer_dtypes():
    x = np.arange(6, dtype=np.int32)
    f = numax.jit(lambda v, i: v[i])
    for dtype in (np.int8, np.uint8, np.int32):
        _check(f(jnp.asarray(x), jnp.asarray(np.array(4, dtype))), x[4])
    _check(f(jnp.asarray(x), jnp.asarray(np.array(-2, np.int8))), x[-2])


def test_concrete_array_scalar_index():
    x = np.arange(6, dtype=np.int32) * 10
    _check(jnp.asarray(x)[jnp.asarray(3)], x[3])
    _check(jnp.asarray(x)[jnp.asarray(-1)], x[-1])


def test_iteration_and_len_follow_indexing():
    x = np.arange(6, dtype=np.int32).reshape(3, 2)
    a = jnp.asarray(x)
    assert len(a) == 3
    for row, expected in zip(a, x):
        _check(row, expected)
    with pytest.raises(TypeError):
        len(jnp.asarray(1.0))
    with pytest.raises(TypeError):
        iter(jnp.asarray(1.0))


@settings(max_examples=10, deadline=None)
@given(shape=hnp.array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=4), data=st.data())
def test_negative_step_slices_on_every_axis(shape, data):
    x = np.arange(int(np.prod(shape)), dtype=np.int32).reshape(shape)
    index = tuple(slice(None, None, data.draw(st.sampled_from([-1, -2, 2, 1]))) for _ in shape)
    _check(jnp.asarray(x)[index], x[index])
