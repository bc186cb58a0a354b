"""bincount, histogram, histogram_bin_edges, histogram2d and histogramdd against NumPy
(bins as counts or edges, range, weights, density, values on the last edge and outside
the range); static lengths and bin counts under jit.
"""

import numpy as np
import pytest

import numax
import numax.numpy as jnp
from numax.core.errors import ConcretizationTypeError

RNG = np.random.default_rng(0)
DATA = np.round(RNG.normal(size=40), 2).astype(np.float32)
WEIGHTS = RNG.uniform(size=40).astype(np.float32)


def _close(result, expected):
    np.testing.assert_allclose(np.asarray(result), expected, rtol=1e-5, atol=1e-6)


def test_bincount_matches_numpy():
    x = RNG.integers(0, 6, 20)
    np.testing.assert_array_equal(np.asarray(jnp.bincount(x)), np.bincount(x))
    np.testing.assert_array_equal(np.asarray(jnp.bincount(x, minlength=9)),
                                  np.bincount(x, minlength=9))
    _close(jnp.bincount(x, WEIGHTS[:20]), np.bincount(x, WEIGHTS[:20]))
    f = numax.jit(lambda v: jnp.bincount(v, length=4))
    np.testing.assert_array_equal(np.asarray(f(x)), np.bincount(x[x < 4], minlength=4))
    clipped = jnp.bincount(np.array([-2, 0, 1]))              # negatives count as 0 (JAX)
    np.testing.assert_array_equal(np.asarray(clipped), [2, 1])
    with pytest.raises(ConcretizationTypeError, match="length="):
        numax.jit(jnp.bincount)(x)
    with pytest.raises(TypeError, match="integers"):
        jnp.bincount(np.array([0.5]))


@pytest.mark.parametrize("kwargs", [
    {}, {"bins": 5, "range": (-1, 1)}, {"bins": np.array([-2.0, -0.5, 0.0, 3.0])},
    {"bins": 4, "density": True}, {"bins": 3, "weights": WEIGHTS, "density": True},
    {"bins": 6, "weights": WEIGHTS},
])
def test_histogram_matches_numpy(kwargs):
    counts, edges = jnp.histogram(DATA, **kwargs)
    expected_counts, expected_edges = np.histogram(DATA, **kwargs)
    _close(counts, expected_counts)
    _close(edges, expected_edges)
    _close(jnp.histogram_bin_edges(DATA, kwargs.get("bins", 10), kwargs.get("range")),
           np.histogram_bin_edges(DATA, kwargs.get("bins", 10), kwargs.get("range")))


def test_histogram_edges_constant_data_and_jit():
    counts, edges = jnp.histogram(np.array([1.0, 1.0, 1.0], np.float32), bins=2)
    expected = np.histogram(np.array([1.0, 1.0, 1.0]), bins=2)
    _close(counts, expected[0])
    _close(edges, expected[1])
    last_edge = np.array([0.0, 0.5, 1.0, 1.0], np.float32)        # the last edge is inclusive
    _close(jnp.histogram(last_edge, bins=2)[0], np.histogram(last_edge, bins=2)[0])
    f = numax.jit(lambda v: jnp.histogram(v, bins=4, range=(-2, 2)))
    counts, edges = f(DATA)
    _close(counts, np.histogram(DATA, bins=4, range=(-2, 2))[0])
    with pytest.raises(NotImplementedError, match="string"):
        jnp.histogram(DATA, bins="auto")


def test_histogram2d_and_dd_match_numpy():
    x, y = DATA[:20], DATA[20:]
    for bins in [5, [np.array([-3.0, 0.0, 3.0]), 2]]:
        result = jnp.histogram2d(x, y, bins=bins)
        expected = np.histogram2d(x, y, bins=bins)
        for r, e in zip(result, expected):
            _close(r, e)
    sample = DATA.reshape(-1, 2)
    result = jnp.histogramdd(sample, bins=(2, 3), range=[(-1, 1), (-2, 2)], density=True)
    expected = np.histogramdd(sample, bins=(2, 3), range=[(-1, 1), (-2, 2)], density=True)
    _close(result[0], expected[0])
    for r, e in zip(result[1], expected[1]):
        _close(r, e)
