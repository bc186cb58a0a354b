"""numpy.pad against NumPy for every mode and argument form (scalar, pair, per-axis widths
and values; reflections wider than the array; stat_length; end_values), on int and float
arrays; traced constant values under jit; the callable mode; derivatives.
"""

import numpy as np
import pytest

import numax
import numax.numpy as jnp
from numax.test_util import check_grads

CASES = [
    ((2, 3), "constant", {}),
    (((1, 2), (3, 0)), "constant", {"constant_values": ((1, 2), (3, 4))}),
    (1, "constant", {"constant_values": 7}),
    (2, "edge", {}),
    ((5, 7), "wrap", {}),
    ((7, 9), "reflect", {}),
    ((7, 9), "reflect", {"reflect_type": "odd"}),
    ((7, 9), "symmetric", {}),
    (((2, 6), (9, 1)), "symmetric", {"reflect_type": "odd"}),
    ((2, 3), "linear_ramp", {"end_values": (-5, 20)}),
    (((1, 2), (3, 1)), "linear_ramp", {}),
    ((2, 3), "maximum", {}),
    ((2, 3), "minimum", {"stat_length": 2}),
    ((2, 3), "mean", {"stat_length": ((1, 2), (3, 1))}),
    ((3, 1), "median", {}),
    (((0, 0), (2, 2)), "mean", {}),
]


@pytest.mark.parametrize("width,mode,kwargs", CASES)
def test_pad_matches_numpy(width, mode, kwargs):
    # integers too where rounding matters (ramps, means, medians)
    rounding = mode in ("linear_ramp", "mean", "median")
    for dtype in (np.float32, np.int32) if rounding else (np.float32,):
        x = (np.arange(1, 13).reshape(3, 4) * 7 % 11).astype(dtype)
        result = jnp.pad(x, width, mode, **kwargs)
        expected = np.pad(x, width, mode, **kwargs)
        assert result.dtype == expected.dtype
        np.testing.assert_allclose(np.asarray(result), expected, rtol=1e-6)


def test_pad_edge_cases():
    single = np.array([[4.0]], np.float32)
    for mode in ("reflect", "symmetric", "edge", "wrap"):
        np.testing.assert_array_equal(np.asarray(jnp.pad(single, 2, mode)),
                                      np.pad(single, 2, mode))
    empty = np.zeros((0, 2), np.float32)
    np.testing.assert_array_equal(np.asarray(jnp.pad(empty, 1)), np.pad(empty, 1))
    np.testing.assert_array_equal(np.asarray(jnp.pad(empty, 1, "empty")), np.zeros((2, 4)))
    with pytest.raises(ValueError, match="empty axis"):
        jnp.pad(empty, 1, "edge")
    with pytest.raises(ValueError, match="negative"):
        jnp.pad(single, -1)
    with pytest.raises(ValueError, match="unsupported keyword"):
        jnp.pad(single, 1, "edge", constant_values=3)
    with pytest.raises(ValueError, match="mode"):
        jnp.pad(single, 1, "bogus")
    with pytest.raises(ValueError, match="stat_length of 0"):
        jnp.pad(single, 1, "maximum", stat_length=0)


def test_pad_traced_constant_and_callable():
    x = np.arange(3.0, dtype=np.float32)
    f = numax.jit(lambda v, c: jnp.pad(v, (1, 2), constant_values=c))
    np.testing.assert_array_equal(np.asarray(f(x, 5.0)), np.pad(x, (1, 2), constant_values=5.0))

    def ours(vector, width, axis, kwargs):
        return vector.at[:width[0]].set(-1).at[vector.shape[0] - width[1]:].set(kwargs["v"])

    def theirs(vector, width, axis, kwargs):
        vector[:width[0]] = -1
        vector[vector.shape[0] - width[1]:] = kwargs["v"]

    y = np.arange(6.0, dtype=np.float32).reshape(2, 3)
    np.testing.assert_array_equal(np.asarray(jnp.pad(y, (1, 2), ours, v=9)),
                                  np.pad(y, (1, 2), theirs, v=9))


def test_pad_derivatives():
    rng = np.random.default_rng(0)
    with numax.enable_x64():
        x = rng.standard_normal((3, 4))
        for mode, kwargs in [("reflect", {"reflect_type": "odd"}), ("wrap", {}),
                             ("linear_ramp", {"end_values": 1.0}), ("mean", {})]:
            check_grads(lambda v: jnp.pad(v, ((2, 5), (1, 0)), mode, **kwargs), (x,), order=1)
