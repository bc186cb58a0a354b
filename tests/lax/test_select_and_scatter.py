"""The general select_and_scatter primitive against a Python loop over windows: in each
window the select computation picks one element (the current pick is kept while
select(pick, candidate) holds), and each source value is folded into the output at its
window's pick with the scatter computation, from init_value."""

import itertools

import numpy as np
import pytest

import numax
from numax import lax
from numax.core.pytree import tree_flatten
from numax.lax.reductions import stage_computation
from numax.lax.windowed import stage_select_computation


def _loop(operand, source, init, select, scatter, window, strides, padding):
    out = np.full(operand.shape, init, source.dtype)
    for position in itertools.product(*[range(n) for n in source.shape]):
        pick = None
        for offset in itertools.product(*[range(w) for w in window]):
            index = tuple(p * s + o - lo for p, s, o, (lo, _) in
                          zip(position, strides, offset, padding))
            if any(i < 0 or i >= n for i, n in zip(index, operand.shape)):
                continue  # padding is never picked
            if pick is None or not select(operand[pick], operand[index]):
                pick = index
        out[pick] = scatter(out[pick], source[position])
    return out


def _computation(function, dtype):
    return stage_computation("select_and_scatter", function, tree_flatten(0)[1], [np.dtype(dtype)])


CASES = [  # select, its NumPy twin, scatter, its NumPy twin, init, window, strides, padding
    (lax.ge, np.greater_equal, lax.add, np.add, 0.0, (2, 3), (1, 2), ((0, 0), (1, 1))),
    (lax.le, np.less_equal, lax.mul, np.multiply, 1.0, (3, 2), (2, 2), ((1, 1), (0, 1))),
    (lax.gt, np.greater, lax.max, np.maximum, -10.0, (2, 2), (2, 2), ((0, 0), (0, 0))),
]


@pytest.mark.parametrize("case", CASES)
def test_matches_a_loop(case):
    select, np_select, scatter, np_scatter, init, window, strides, padding = case
    rng = np.random.default_rng(0)
    operand = rng.permutation(30).reshape(5, 6).astype(np.float32)  # distinct: one pick
    windows = lax.reduce_window_shape_tuple(operand.shape, window, strides, padding)
    source = rng.uniform(0.5, 2, windows).astype(np.float32)
    params = dict(select_computation=stage_select_computation(select, np.float32),
                  scatter_computation=_computation(scatter, np.float32),
                  window_dimensions=window, window_strides=strides, padding=padding)
    out = lax.select_and_scatter_p.bind(operand, source, np.float32(init), **params)
    expected = _loop(operand, source, init, np_select, np_scatter, window, strides, padding)
    np.testing.assert_allclose(out, expected, rtol=1e-6)
    batched = numax.vmap(lambda o, s: lax.select_and_scatter_p.bind(o, s, np.float32(init),
                                                                    **params))(
        np.stack([operand, -operand]), np.stack([source, source]))
    np.testing.assert_allclose(batched[1], _loop(-operand, source, init, np_select, np_scatter,
                                                 window, strides, padding), rtol=1e-6)


def test_agrees_with_select_and_scatter_add():
    rng = np.random.default_rng(1)
    operand = rng.standard_normal((4, 6)).astype(np.float32)
    window = dict(window_dimensions=(2, 2), window_strides=(2, 2), padding=((0, 0), (0, 0)))
    source = rng.standard_normal((2, 3)).astype(np.float32)
    general = lax.select_and_scatter_p.bind(
        operand, source, np.float32(0), select_computation=stage_select_computation(lax.ge, np.float32),
        scatter_computation=_computation(lax.add, np.float32), **window)
    add = lax.select_and_scatter_add_p.bind(source, operand, select_prim=lax.ge_p, **window)
    np.testing.assert_array_equal(general, add)


def test_errors():
    operand, source = np.ones((4,), np.float32), np.ones((2,), np.float32)
    params = dict(select_computation=stage_select_computation(lax.ge, np.float32),
                  scatter_computation=_computation(lax.add, np.float32),
                  window_dimensions=(2,), window_strides=(2,), padding=((0, 0),))
    with pytest.raises(TypeError, match="one value per window"):
        lax.select_and_scatter_p.bind(operand, np.ones(3, np.float32), np.float32(0), **params)
    with pytest.raises(TypeError, match="init_value"):
        lax.select_and_scatter_p.bind(operand, source, np.int32(0), **params)
    with pytest.raises(TypeError, match="select computation"):
        lax.select_and_scatter_p.bind(operand, source, np.float32(0),
                                      **{**params, "select_computation": params["scatter_computation"]})
    with pytest.raises(NotImplementedError, match="select_and_scatter"):
        numax.grad(lambda s: lax.select_and_scatter_p.bind(operand, s, np.float32(0),
                                                           **params).sum())(source)
