"""numax/lax/approx_top_k.py against NumPy: approx_max_k/approx_min_k return the exact
k largest/smallest entries (recall 1 >= any recall_target) with their indices, along any
axis; tangents follow the selected entries (check_grads)."""

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import numax
from numax import lax
from numax.test_util import check_grads

RNG = np.random.default_rng(3)


@settings(max_examples=12, deadline=None)
@given(st.integers(1, 8), st.integers(1, 4), st.integers(0, 1), st.booleans())
def test_matches_sorted_numpy(n, rows, axis, largest):
    x = RNG.permutation(n * rows).reshape((rows, n) if axis else (n, rows)).astype(np.float32)
    size = x.shape[axis]
    k = RNG.integers(1, size + 1)
    api = lax.approx_max_k if largest else lax.approx_min_k
    values, indices = numax.jit(lambda v: api(v, k, reduction_dimension=axis))(x)
    order = np.argsort(-x if largest else x, axis=axis, kind="stable")
    want = np.take(order, np.arange(k), axis=axis)
    np.testing.assert_array_equal(np.asarray(indices), want)
    np.testing.assert_array_equal(np.asarray(values), np.take_along_axis(x, want, axis))


def test_integers_and_gradient():
    x = np.array([[5, -3, 9, 0], [1, 1, -7, 4]], np.int32)
    values, _ = lax.approx_min_k(x, 2)
    np.testing.assert_array_equal(np.asarray(values), np.sort(x, axis=1)[:, :2])
    with numax.enable_x64():
        f = RNG.permutation(12).reshape(3, 4).astype(np.float64)
        check_grads(lambda v: lax.approx_max_k(v, 2)[0] ** 2, (f,), 2)


def test_bad_k_is_rejected():
    with pytest.raises(ValueError, match="k=5"):
        lax.approx_max_k(np.zeros(3, np.float32), 5)
