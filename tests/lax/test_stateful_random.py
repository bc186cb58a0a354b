"""lax.rng_uniform: XLA's stateful generator. Values differ per run, so the tests check
ranges and moments of the distribution against uniform's, not values."""

import numpy as np
import pytest

import numax
from numax import lax

N = 20000


@pytest.mark.parametrize("low, high, dtype", [(2.0, 5.0, np.float32), (-1.0, 1.0, np.float64),
                                              (0.0, 1.0, np.float16)])
def test_float_moments(low, high, dtype):
    with numax.enable_x64(dtype == np.float64):
        x = np.asarray(lax.rng_uniform(dtype(low), dtype(high), (N,)), np.float64)
        assert lax.rng_uniform(dtype(low), dtype(high), (2,)).dtype == dtype
    assert x.min() >= low and x.max() < high or (dtype == np.float16 and x.max() <= high)
    width = high - low
    assert abs(x.mean() - (low + high) / 2) < 4 * width / np.sqrt(12 * N)
    assert abs(x.var() - width ** 2 / 12) < 0.05 * width ** 2 / 12


@pytest.mark.parametrize("dtype", [np.int32, np.uint32])
def test_integers_cover_the_range(dtype):
    x = np.asarray(numax.jit(lambda: lax.rng_uniform(dtype(3), dtype(9), (N,)))())
    assert x.dtype == dtype and set(np.unique(x)) == set(range(3, 9))
    counts = np.bincount(x - 3) / N
    np.testing.assert_allclose(counts, 1 / 6, atol=0.02)


def test_shape_python_scalars_and_fresh_draws():
    x = lax.rng_uniform(0, 10, [2, 3])
    assert x.shape == (2, 3) and x.dtype == np.int32
    f = numax.jit(lambda: lax.rng_uniform(0.0, 1.0, (64,)))
    assert not np.array_equal(np.asarray(f()), np.asarray(f()))
    eqn = numax.make_jaxpr(lambda: lax.rng_uniform(0.0, 1.0, (3,)))().eqns[0]
    assert eqn.primitive.name == "rng_uniform" and eqn.params == {"shape": (3,)}


@pytest.mark.parametrize("args, error", [
    ((np.float32(0), np.float16(1), (2,)), "identical dtypes"),
    ((np.zeros(2, np.float32), np.ones(2, np.float32), (2,)), "scalars"),
    ((np.int8(0), np.int8(3), (2,)), "int8"),
    ((True, True, (2,)), "bool"),
])
def test_bad_inputs(args, error):
    with pytest.raises(TypeError, match=error):
        lax.rng_uniform(*args)


def test_no_derivative_or_batching():
    with pytest.raises(NotImplementedError, match="rng_uniform"):
        numax.grad(lambda a: lax.rng_uniform(a, 2.0, (3,)).sum())(1.0)
    with pytest.raises(NotImplementedError, match="rng_uniform"):
        numax.vmap(lambda a: lax.rng_uniform(a, 2.0, (3,)))(np.ones(2, np.float32))
