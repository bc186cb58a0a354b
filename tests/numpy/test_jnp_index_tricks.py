"""numax.numpy r_, c_, s_, index_exp and mask_indices against NumPy: slices as ranges
(integer and complex steps), scalars, arrays, and the 'axis,ndmin,trans1d' directive."""

import numpy as np
import pytest

import numax
import numax.numpy as jnp

A = np.array([[1, 2, 3], [4, 5, 6]])


def _pairs():
    """(numax expression, NumPy expression) pairs built from one list of index keys."""
    keys = [
        ("r", (slice(1, 4), 0, 7, np.array([9, 8]))), ("r", slice(-1, 1, 5j)),
        ("r", ("-1", A, A)), ("r", ("0,2", [1, 2, 3], [4, 5, 6])),
        ("r", ("0,2,0", [1, 2, 3], [4, 5, 6])), ("r", ("1,2,0", [1, 2, 3], [4, 5, 6])),
        ("r", ("0,3,-2", A)), ("r", ("0,4,1", A, A)), ("r", (A, A)), ("r", (2.5, 1, 3)),
        ("c", (np.array([1, 2, 3]), np.array([4, 5, 6]))),
        ("c", (np.array([[1, 2, 3]]), 0, 0, np.array([[4, 5, 6]]))),
        ("c", (slice(1, 4), slice(2, 5))), ("c", ("1,2,0", [1, 2], [3, 4])),
    ]
    return [pytest.param(kind, key, id=f"{kind}_{i}") for i, (kind, key) in enumerate(keys)]


@pytest.mark.parametrize("kind,key", _pairs())
def test_concatenators(kind, key):
    key = tuple(np.asarray(k) if isinstance(k, list) else k for k in key) \
        if isinstance(key, tuple) else key
    got = (jnp.r_ if kind == "r" else jnp.c_)[key]
    want = (np.r_ if kind == "r" else np.c_)[key]
    assert got.shape == want.shape
    np.testing.assert_allclose(np.asarray(got), want)


def test_concatenator_errors_and_jit():
    with pytest.raises(NotImplementedError, match="matrix"):
        jnp.r_["r", [1, 2]]
    with pytest.raises(ValueError, match="first"):
        jnp.r_[np.arange(2), "0"]
    with pytest.raises(ValueError, match="directive"):
        jnp.r_["a,b", np.arange(2)]
    got = numax.jit(lambda x: jnp.r_[x, 0, 1:3])(np.arange(2.0, dtype=np.float32))
    np.testing.assert_array_equal(np.asarray(got), np.r_[np.arange(2.0), 0, 1:3])


def test_index_expressions():
    keys = [(slice(1, 2), slice(None, None, 3)), 3, Ellipsis, (None, 1), slice(2)]
    for key in keys:
        assert jnp.s_[key] == np.s_[key]
        assert jnp.index_exp[key] == np.index_exp[key]
    x = np.arange(24).reshape(4, 6)
    np.testing.assert_array_equal(np.asarray(jnp.asarray(x)[jnp.s_[1:, ::2]]), x[np.s_[1:, ::2]])


@pytest.mark.parametrize("k", [-1, 0, 2])
def test_mask_indices(k):
    for func, np_func in ((jnp.triu, np.triu), (jnp.tril, np.tril)):
        got = jnp.mask_indices(4, func, k)
        want = np.mask_indices(4, np_func, k)
        assert len(got) == 2
        for g, w in zip(got, want):
            np.testing.assert_array_equal(np.asarray(g), w)
    padded = jnp.mask_indices(3, jnp.triu, size=8)
    np.testing.assert_array_equal(np.asarray(padded[0]),
                                  np.r_[np.mask_indices(3, np.triu)[0], [0, 0]])
