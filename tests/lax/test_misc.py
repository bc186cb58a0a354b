"""numax/lax/misc.py against NumPy: split, tile, copy, optimization_barrier, mulhi (against
Python's exact integers), broadcast_shapes, index_take, scatter_apply, ragged_dot (a
Python loop over groups), platform_dependent and the small wrappers; derivatives by
check_grads (finite differences)."""

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import numax
from numax import lax
from numax.core.errors import NumaxTypeError
from numax.test_util import check_grads

RNG = np.random.default_rng(7)


def test_split_matches_numpy_and_inverts_concatenate():
    x = RNG.standard_normal((3, 9)).astype(np.float32)
    pieces = lax.split(x, (2, 0, 7), axis=1)
    for got, want in zip(pieces, np.split(x, [2, 2], axis=1)):
        np.testing.assert_array_equal(np.asarray(got), want)
    jitted = numax.jit(lambda v: lax.split(v, (1, 2), axis=-2))(x)
    np.testing.assert_array_equal(np.asarray(jitted[1]), x[1:])
    check_grads(lambda v: lax.split(v, (4, 5), 1)[1] * lax.split(v, (4, 5), 1)[1], (x,), 2)
    with pytest.raises(NumaxTypeError, match="sum to the size"):
        lax.split(x, (2, 2), axis=1)


@settings(max_examples=15, deadline=None)
@given(st.lists(st.integers(1, 3), min_size=1, max_size=3), st.data())
def test_tile_matches_numpy(shape, data):
    reps = data.draw(st.lists(st.integers(0, 3), min_size=len(shape), max_size=len(shape)))
    x = RNG.standard_normal(shape).astype(np.float32)
    np.testing.assert_array_equal(np.asarray(lax.tile(x, reps)), np.tile(x, reps))


def test_tile_grad_and_vmap():
    x = RNG.standard_normal((2, 3))
    with numax.enable_x64():
        check_grads(lambda v: lax.tile(v, (2, 3)) ** 2, (x,), 2)
    batched = numax.vmap(lambda v: lax.tile(v, (2,)))(x.astype(np.float32))
    np.testing.assert_array_equal(np.asarray(batched), np.tile(x.astype(np.float32), (1, 2)))


def test_copy_and_optimization_barrier_are_identities_with_identity_derivatives():
    x = RNG.standard_normal((4,)).astype(np.float32)
    np.testing.assert_array_equal(np.asarray(lax.copy_p.bind(x)), x)
    tree = {"a": x, "b": np.arange(3, dtype=np.int32)}
    out = numax.jit(lax.optimization_barrier)(tree)
    np.testing.assert_array_equal(np.asarray(out["a"]), x)
    np.testing.assert_array_equal(np.asarray(out["b"]), tree["b"])
    grad = numax.grad(lambda v: (lax.optimization_barrier(v * v) * 3.0).sum())(x)
    np.testing.assert_allclose(np.asarray(grad), 6 * x, rtol=1e-6)


@pytest.mark.parametrize("dtype", ["int8", "uint8", "int16", "uint16", "int32", "uint32",
                                   "int64", "uint64"])
def test_mulhi_matches_exact_integers(dtype):
    info = np.iinfo(dtype)
    values = [info.min, info.max, 0, 1, -1 if info.min < 0 else 2, info.max // 3]
    x = np.array(values + list(RNG.integers(info.min, info.max, 30, dtype=dtype,
                                            endpoint=True)), dtype)
    y = np.array(values[::-1] + list(RNG.integers(info.min, info.max, 30, dtype=dtype,
                                                  endpoint=True)), dtype)
    bits = info.bits
    with numax.enable_x64(bits == 64):
        got = np.asarray(lax.mulhi(x, y))
    # Python integers are exact, and >> floors, which is the signed high half.
    assert [int(g) for g in got] == [(int(a) * int(b)) >> bits for a, b in zip(x, y)]


def test_broadcast_shapes():
    for shapes in [((2, 1), (3,)), ((), (4, 1, 5), (1, 6, 1)), ((0, 1), (3,))]:
        assert lax.broadcast_shapes(*shapes) == np.broadcast_shapes(*shapes)
    with pytest.raises(ValueError, match="incompatible"):
        lax.broadcast_shapes((2,), (3,))


def test_dtype_empty_and_shape_as_value():
    assert lax.dtype(1.0) == np.float64
    assert lax.dtype(1.0, canonicalize=True) == np.float32
    assert lax.dtype(np.zeros(2, np.int16)) == np.int16
    e = lax.empty((2, 3), np.int32)
    assert e.shape == (2, 3) and e.dtype == np.int32
    np.testing.assert_array_equal(np.asarray(lax.shape_as_value((4, 5))), [4, 5])


def test_index_take_matches_numpy_fancy_indexing():
    src = RNG.standard_normal((4, 5, 6)).astype(np.float32)
    i0, i2 = RNG.integers(0, 4, (3, 2)), RNG.integers(0, 6, (3, 2))
    got = lax.index_take(src, (i0, i2), (0, 2))
    np.testing.assert_array_equal(np.asarray(got), src[i0, :, i2])


def test_scatter_apply_applies_once_per_hit():
    operand = np.arange(6, dtype=np.float32)
    indices = np.array([[1], [4], [1]])
    dn = lax.ScatterDimensionNumbers(update_window_dims=(), inserted_window_dims=(0,),
                                     scatter_dims_to_operand_dims=(0,))
    got = numax.jit(lambda o: lax.scatter_apply(o, indices, lambda v: v * 2 + 1, dn,
                                                   update_shape=(3,)))(operand)
    want = operand.copy()
    for (i,) in indices:
        want[i] = want[i] * 2 + 1
    np.testing.assert_array_equal(np.asarray(got), want)


def _ragged_reference(lhs, rhs, sizes):
    out, start = np.zeros((lhs.shape[0], rhs.shape[2]), lhs.dtype), 0
    for g, size in enumerate(sizes):
        out[start:start + size] = lhs[start:start + size] @ rhs[g]
        start += size
    return out


def test_ragged_dot_matches_group_loop_and_differentiates():
    lhs = RNG.standard_normal((7, 3))
    rhs = RNG.standard_normal((3, 3, 2))
    sizes = np.array([2, 0, 4], np.int32)
    got = numax.jit(lax.ragged_dot)(lhs.astype(np.float32), rhs.astype(np.float32), sizes)
    np.testing.assert_allclose(np.asarray(got), _ragged_reference(lhs, rhs, sizes), rtol=1e-5,
                               atol=1e-5)
    with numax.enable_x64():
        check_grads(lambda a, b: lax.ragged_dot(a, b, sizes), (lhs, rhs), 1)


def test_platform_dependent_picks_the_compiled_platform():
    x = np.float32(3.0)

    def f(v):
        return lax.platform_dependent(v, cpu=lambda u: u * 2, cuda=lambda u: u * 3,
                                      default=lambda u: u)
    platform = numax.default_backend()
    want = {"cpu": 6.0, "gpu": 9.0, "cuda": 9.0}.get(platform, 3.0)
    assert float(f(x)) == want and float(numax.jit(f)(x)) == want
    with pytest.raises(ValueError, match="at least one branch"):
        lax.platform_dependent(x)


def test_composite_and_sharding_constraint_keep_values():
    double = lax.composite(lambda v: v * 2, name="test.double")
    x = RNG.standard_normal(3).astype(np.float32)
    np.testing.assert_array_equal(np.asarray(numax.jit(double)(x)), x * 2)
    assert lax.with_sharding_constraint(x, None) is x
