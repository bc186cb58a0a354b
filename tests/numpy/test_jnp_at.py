"""`x.at[index]` against NumPy: every update method on hypothesis-drawn mixed indices
(repeated indices accumulate like NumPy's ufunc.at, computed through the flat positions
NumPy's own indexing selects), out-of-bounds modes (drop by default, clip, fill for get),
keyword arguments, dtype casting of values, jit with traced indices and values, and
derivatives (scatter JVPs and transposes) against finite differences and np.add.at.
"""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import numax
import numax.numpy as jnp
from numax.test_util import check_grads

from _index_strategies import flat_positions, integer_arrays, mixed_indices, replace_arrays

SHAPES = [(5,), (4, 3), (3, 1, 4), (2, 3, 2)]

_UFUNCS = {"add": np.add, "subtract": np.subtract, "multiply": np.multiply,
           "min": np.minimum, "max": np.maximum}


def _reference(x, index, values, method):
    """x updated the NumPy way: each element of x[index] gets the matching value, in order."""
    positions = flat_positions(x.shape, index)
    values = np.broadcast_to(values, positions.shape).astype(x.dtype)
    out = x.copy().reshape(-1)
    if method == "set":
        out[positions.ravel()] = values.ravel()
    else:
        _UFUNCS[method].at(out, positions.ravel(), values.ravel())
    return out.reshape(x.shape)


def _check(result, expected, **tolerance):
    assert isinstance(result, numax.Array), type(result)
    assert result.shape == expected.shape and result.dtype == expected.dtype, \
        (result.shape, result.dtype, expected.shape, expected.dtype)
    np.testing.assert_allclose(np.asarray(result), expected, **tolerance)


@settings(max_examples=60, deadline=None)
@given(shape=st.sampled_from(SHAPES), method=st.sampled_from(["set", *_UFUNCS]),
       data=st.data())
def test_updates_match_numpy(shape, method, data):
    rng = np.random.default_rng(0)
    x = rng.integers(-5, 5, shape).astype(np.float32)
    index = data.draw(mixed_indices(shape))
    positions = flat_positions(shape, index)
    values = rng.integers(1, 4, positions.shape).astype(np.float32)
    if method == "set":     # which of several values for one element wins is unspecified
        values = (positions % 7 + 10).astype(np.float32)
    result = getattr(jnp.asarray(x).at[index], method)(values)
    _check(result, _reference(x, index, values, method))


@settings(max_examples=20, deadline=None)
@given(shape=st.sampled_from(SHAPES), method=st.sampled_from(["add", "max"]), data=st.data())
def test_updates_under_jit_with_traced_indices(shape, method, data):
    x = np.arange(int(np.prod(shape)), dtype=np.float32).reshape(shape)
    index = data.draw(mixed_indices(shape))
    values = np.float32(2.5)
    arrays = integer_arrays(index)
    f = numax.jit(lambda v, w, *a: getattr(v.at[replace_arrays(index, a)], method)(w))
    _check(f(jnp.asarray(x), values, *arrays), _reference(x, index, values, method))


def test_set_with_slices_steps_and_broadcast_values():
    x = np.zeros((4, 5), np.int32)
    cases = [(slice(None, None, 2), np.arange(5)), ((slice(None), slice(4, 0, -2)), 7),
             ((Ellipsis, 1), np.array([1, 2, 3, 4])), ((None, 2), [[9, 8, 7, 6, 5]]),
             ((np.array([3, 0]), slice(1, 3)), np.array([[1], [2]])),
             (x.sum(axis=1) == 0, 4), ((1, [0, 4]), [[[6, 6]]])]
    for index, values in cases:
        expected = x.copy()
        expected[index] = values
        _check(jnp.asarray(x).at[index].set(values if not isinstance(values, list)
                                            else np.asarray(values)), expected)


def test_divide_power_apply_and_get():
    x = np.arange(1, 7, dtype=np.float32).reshape(2, 3)
    index = (np.array([0, 0, 1]), np.array([1, 1, 2]))
    expected = x.copy()
    np.divide.at(expected, index, np.float32([2, 4, 8]))
    _check(jnp.asarray(x).at[index].divide(np.float32([2, 4, 8])), expected, rtol=1e-6)
    expected = x.copy()
    np.power.at(expected, index, np.float32([2, 3, 0.5]))
    _check(jnp.asarray(x).at[index].power(np.float32([2, 3, 0.5])), expected, rtol=1e-5)
    expected = x.copy()
    expected[:, ::2] = np.sin(expected[:, ::2])
    _check(jnp.asarray(x).at[:, ::2].apply(jnp.sin), expected, rtol=1e-6)
    _check(jnp.asarray(x).at[1, [2, 0]].get(), x[1, [2, 0]])
    _check(jnp.asarray(x).at[1].mul(3.0), np.where(np.arange(2)[:, None] == 1, 3 * x, x))


def test_out_of_bounds_updates_follow_mode():
    x = np.zeros(5, np.float32)
    index = np.array([1, 7, -1, -9])
    added = jnp.asarray(x).at[index].add(1.0)                  # default: dropped
    np.testing.assert_array_equal(np.asarray(added), [0, 1, 0, 0, 1])
    np.testing.assert_array_equal(np.asarray(jnp.asarray(x).at[9].set(3.0)), x)
    clipped = jnp.asarray(x).at[index].add(1.0, mode="clip")   # 7 -> 4, -9 -> -4 -> 0
    np.testing.assert_array_equal(np.asarray(clipped), [1, 1, 0, 0, 2])
    traced = numax.jit(lambda v, i: v.at[i].add(1.0))(x, index)
    np.testing.assert_array_equal(np.asarray(traced), [0, 1, 0, 0, 1])
    got = jnp.asarray(x + 3).at[index].get(mode="fill", fill_value=-1.0)
    np.testing.assert_array_equal(np.asarray(got), [3, -1, 3, -1])
    nan_filled = jnp.asarray(x).at[np.array([8])].get(mode="fill")
    assert np.isnan(np.asarray(nan_filled)).all()
    clamped = jnp.asarray(np.arange(5.0, dtype=np.float32)).at[np.array([8, -8])].get()
    np.testing.assert_array_equal(np.asarray(clamped), [4, 0])
    with pytest.raises(ValueError, match="mode"):
        jnp.asarray(x).at[0].set(1.0, mode="bogus")


def test_keyword_arguments_and_value_casting():
    x = np.arange(6, dtype=np.int32)
    sorted_unique = jnp.asarray(x).at[np.array([1, 3])].set(
        np.array([7.9, -2.2]), indices_are_sorted=True, unique_indices=True)
    _check(sorted_unique, np.array([0, 7, 2, -2, 4, 5], np.int32))   # values cast like astype
    out = jnp.asarray(x).at[2].add(True)
    _check(out, np.array([0, 1, 3, 3, 4, 5], np.int32))
    weak = jnp.zeros(3).at[0].set(2)
    assert weak.dtype == np.float32
    with pytest.raises(ValueError, match="broadcast"):
        jnp.asarray(x).at[:3].set(np.ones(4))


def test_scalar_and_empty_updates():
    scalar = np.float32(3.0)
    for index in [(), Ellipsis, None, True]:
        expected = np.array(scalar)
        expected[index] = 5.0
        _check(jnp.asarray(scalar).at[index].set(5.0), expected)
    _check(jnp.asarray(scalar).at[()].add(1.5), np.float32(4.5))
    _check(numax.jit(lambda v: v.at[()].multiply(2.0))(scalar), np.float32(6.0))
    empty = np.zeros((2, 0), np.float32)
    _check(jnp.asarray(empty).at[:, []].set(1.0), empty)
    _check(jnp.asarray(np.ones(3, np.float32)).at[np.array([], np.int32)].add(1.0),
           np.ones(3, np.float32))
    _check(jnp.asarray(np.ones(3, np.float32)).at[np.zeros(3, bool)].set(0.0),
           np.ones(3, np.float32))


def test_bool_and_integer_arrays():
    flags = np.array([False, True, False, False])
    _check(jnp.asarray(flags).at[np.array([0, 0])].add(True),
           np.array([True, True, False, False]))
    counts = jnp.zeros(4, jnp.int32).at[np.array([1, 1, 3, 1])].add(1)
    _check(counts, np.array([0, 3, 0, 1], np.int32))


@pytest.mark.parametrize("index", [np.array([0, 2, 2]), (slice(1, None), np.array([0, 0])),
                                   (np.array([[1], [0]]), slice(None, None, -2))])
def test_gradients_of_add_and_set(index):
    rng = np.random.default_rng(4)
    x = rng.standard_normal((3, 3)).astype(np.float32)
    w = rng.standard_normal(x.shape).astype(np.float32)
    y = rng.standard_normal(x[index].shape).astype(np.float32)
    grad_x, grad_y = numax.grad(lambda a, b: jnp.sum(w * a.at[index].add(b)), (0, 1))(x, y)
    np.testing.assert_allclose(np.asarray(grad_x), w)
    np.testing.assert_allclose(np.asarray(grad_y), w[index], rtol=1e-6)
    unique = flat_positions(x.shape, index)
    if len(np.unique(unique)) == unique.size:
        grad_x, grad_y = numax.grad(lambda a, b: jnp.sum(w * a.at[index].set(b)), (0, 1))(x, y)
        kept = w.copy()
        kept[index] = 0
        np.testing.assert_allclose(np.asarray(grad_x), kept)
        np.testing.assert_allclose(np.asarray(grad_y), w[index])


def test_update_derivatives_against_finite_differences():
    rng = np.random.default_rng(5)
    with numax.enable_x64():
        x = rng.standard_normal((4, 3))
        y = rng.standard_normal((2, 3))
        index = np.array([3, 0])
        for method in ("set", "add", "subtract", "multiply", "min", "max", "divide", "power"):
            base = np.abs(x) + 1 if method == "power" else x
            check_grads(lambda a, b: getattr(jnp.asarray(a).at[index], method)(b), (base, y),
                        order=1, atol=1e-4, rtol=1e-4)
        check_grads(lambda a: jnp.asarray(a).at[1:, ::2].apply(jnp.sin), (x,), order=2)


def test_vmap_of_updates_matches_a_loop():
    rng = np.random.default_rng(6)
    x = rng.standard_normal((3, 5)).astype(np.float32)
    idx = rng.integers(0, 5, (3, 2))
    vals = rng.standard_normal((3, 2)).astype(np.float32)
    batched = numax.vmap(lambda a, i, v: a.at[i].add(v))(x, idx, vals)
    expected = x.copy()
    for b in range(3):
        np.add.at(expected[b], idx[b], vals[b])
    np.testing.assert_allclose(np.asarray(batched), expected, rtol=1e-6)
