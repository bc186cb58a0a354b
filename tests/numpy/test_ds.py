"""numax.ds (a Slice with a possibly traced start) in `x[...]` and `x.at[...]`, against
NumPy references of JAX 0.10.2's rules, observed in its bench venv:

- reading with stride 1 is a dynamic_slice: a negative start counts from the end once,
  then the window is clamped into the axis;
- reading with a larger stride reads start + stride * k with each index clamped into the
  axis (no counting from the end);
- updating with stride 1 is one scatter window: if any of it is out of range, the whole
  update is dropped (a negative start is out of range);
- updating with a larger stride drops each out-of-range element on its own.
"""

import numpy as np
import pytest

import numax
import numax.numpy as jnp
from numax.numpy.indexing import Slice

LENGTH = 10


def _read_reference(x, start, size, stride, axis=0):
    n = x.shape[axis]
    if stride == 1:
        start = start + n if start < 0 else start
        start = min(max(start, 0), n - size)
        positions = np.arange(start, start + size)
    else:
        positions = np.clip(start + stride * np.arange(size), 0, n - 1)
    return np.take(x, positions, axis=axis)


def _update_reference(x, start, size, stride, values, combine):
    out = x.copy()
    positions = start + stride * np.arange(size)
    inside = (positions >= 0) & (positions < len(x))
    if stride == 1 and not inside.all():
        return out                                        # the whole window is dropped
    for position, value, keep in zip(positions, np.broadcast_to(values, (size,)), inside):
        if keep:
            out[position] = combine(out[position], value)
    return out


def _x():
    return np.random.default_rng(0).standard_normal(LENGTH).astype(np.float32)


def test_ds_builds_slices_like_jax():
    assert numax.ds(1, 2) == Slice(1, 2, 1)
    assert numax.ds(4) == Slice(0, 4, 1)                   # ds(n) is ds(0, n)
    assert numax.ds(1, None, 2) == Slice(0, 1, 2)
    assert repr(numax.ds(1, 2, 3)) == "Slice(start=1, size=2, stride=3)"
    assert Slice.from_slice(slice(2, 9, 3), LENGTH) == Slice(2, 3, 3)
    assert not numax.ds(1, 2).is_dynamic_start and numax.ds(jnp.int32(1), 2).is_dynamic_start
    with pytest.raises(ValueError, match="stride"):
        numax.ds(1, 2, -1)
    with pytest.raises(TypeError):
        hash(numax.ds(1, 2))


@pytest.mark.parametrize("stride", [1, 2, 3, 0])
@pytest.mark.parametrize("size", [0, 1, 3])
def test_reads_match_the_reference_for_static_and_traced_starts(size, stride):
    x = _x()
    jitted = numax.jit(lambda a, i: a[numax.ds(i, size, stride)])
    for start in range(-LENGTH - 3, LENGTH + 3):
        expected = _read_reference(x, start, size, stride)
        np.testing.assert_array_equal(np.asarray(jnp.asarray(x)[numax.ds(start, size, stride)]),
                                      expected, err_msg=f"static start {start}")
        np.testing.assert_array_equal(np.asarray(jitted(x, start)), expected,
                                      err_msg=f"traced start {start}")
        np.testing.assert_array_equal(
            np.asarray(jnp.asarray(x)[numax.ds(jnp.asarray(start, jnp.int16), size, stride)]),
            expected, err_msg=f"array start {start}")


def test_ds_mixes_with_every_other_kind_of_index():
    y = np.arange(4 * 5 * 6, dtype=np.float32).reshape(4, 5, 6)
    columns = np.array([0, 5, 2])
    jitted = numax.jit(lambda a, i, j: (a[numax.ds(i, 2), 1:4, numax.ds(j, 3)],
                                        a[None, numax.ds(i, 3), ..., 2],
                                        a[numax.ds(i, 2), jnp.asarray([4, 0]), columns[:2]],
                                        a[1, numax.ds(j, 2, 2)]))
    for i, j in [(0, 0), (1, 3), (3, 5), (-1, -2)]:
        window_i = _read_reference(np.arange(4), i, 2, 1)
        window_j = _read_reference(np.arange(6), j, 3, 1)
        i3 = _read_reference(np.arange(4), i, 3, 1)
        strided_j = _read_reference(np.arange(5), j, 2, 2)
        expected = (y[window_i][:, 1:4][:, :, window_j],
                    y[None, i3[0]:i3[-1] + 1, ..., 2],        # ds acts as a slice
                    y[window_i][:, [4, 0], [0, 5]],
                    y[1, strided_j])
        for got, want in zip(jitted(y, i, j), expected):
            np.testing.assert_array_equal(np.asarray(got), want, err_msg=f"i={i}, j={j}")


@pytest.mark.parametrize("stride", [1, 2])
@pytest.mark.parametrize("method, combine", [("set", lambda old, new: new),
                                             ("add", np.add), ("multiply", np.multiply)])
def test_updates_match_the_reference(method, combine, stride):
    x = _x()
    values = np.array([10.0, -20.0, 30.0], np.float32)
    jitted = numax.jit(lambda a, i, v: getattr(a.at[numax.ds(i, 3, stride)], method)(v))
    for start in range(-LENGTH - 2, LENGTH + 2):
        expected = _update_reference(x, start, 3, stride, values, combine)
        np.testing.assert_allclose(np.asarray(jitted(x, start, values)), expected, rtol=1e-6,
                                   err_msg=f"traced start {start}")
        eager = getattr(jnp.asarray(x).at[numax.ds(start, 3, stride)], method)(values)
        np.testing.assert_allclose(np.asarray(eager), expected, rtol=1e-6,
                                   err_msg=f"static start {start}")


def test_two_dimensional_updates_drop_out_of_range_windows():
    y = np.arange(20, dtype=np.float32).reshape(4, 5)
    jitted = numax.jit(lambda a, i, j: a.at[numax.ds(i, 2), numax.ds(j, 3)].add(100.0))
    for i, j in [(0, 0), (2, 2), (3, 0), (0, 3), (-1, 0)]:
        expected = y.copy()
        if 0 <= i <= 2 and 0 <= j <= 2:
            expected[i:i + 2, j:j + 3] += 100.0
        np.testing.assert_array_equal(np.asarray(jitted(y, i, j)), expected,
                                      err_msg=f"i={i}, j={j}")


def test_at_get_reads_like_indexing():
    x = _x()
    for start in (-3, 2, 9):
        np.testing.assert_array_equal(np.asarray(jnp.asarray(x).at[numax.ds(start, 3)].get()),
                                      _read_reference(x, start, 3, 1))
        np.testing.assert_array_equal(np.asarray(jnp.asarray(x)[numax.ds(np.int64(start), 3)]),
                                      _read_reference(x, start, 3, 1))
    with pytest.raises(NotImplementedError, match="mode='fill'"):
        jnp.asarray(x).at[numax.ds(1, 3)].get(mode="fill")


def test_gradient_and_vmap_of_a_dynamic_slice():
    x = _x()
    grad = numax.grad(lambda a, i: (a[numax.ds(i, 3)] ** 2).sum())(x, 8)
    expected = np.zeros_like(x)
    expected[7:] = 2 * x[7:]                               # the clamped window
    np.testing.assert_allclose(np.asarray(grad), expected, rtol=1e-6)
    starts = np.array([0, 5, 9, -4])
    batched = numax.vmap(lambda i: jnp.asarray(x)[numax.ds(i, 3, 2)])(starts)
    np.testing.assert_array_equal(np.asarray(batched),
                                  np.stack([_read_reference(x, s, 3, 2) for s in starts]))


def test_bad_ds_indices_are_clear_errors():
    x = jnp.asarray(_x())
    with pytest.raises(TypeError, match="start must be an integer"):
        x[numax.ds(1.5, 2)]
    with pytest.raises(TypeError, match="start must be an integer"):
        x[numax.ds(True, 2)]
    with pytest.raises(TypeError, match="start must be an integer scalar"):
        x[numax.ds(jnp.asarray([1, 2]), 2)]
    with pytest.raises(TypeError, match="static integers"):
        numax.jit(lambda a, n: a[numax.ds(0, n)])(x, 2)
    with pytest.raises(TypeError, match="slice_sizes"):
        x[numax.ds(0, LENGTH + 1)]
