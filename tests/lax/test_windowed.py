"""Windowed reductions (numax/lax/windowed.py) against a Python-loop reference.

The reference builds the dilated, padded operand explicitly and reduces every window
element by element, so strides, padding strings and pairs (negative included), base and
window dilation are each checked against first principles. Also the generic
reduce_window with Python computations and several operands, padtype_to_pads, and
the errors bad input raises.
"""

import itertools

import numpy as np
import pytest

import numax
from numax import lax
from numax.core.errors import NumaxTypeError
from numax.lax import windowed

RNG = np.random.default_rng(7)


def reference_reduce_window(x, init, op, window, strides, padding, base_dilation=None,
                            window_dilation=None):
    """Reduce-window by the definition: dilate, pad (or crop), then loop over windows."""
    ndim = x.ndim
    base_dilation = base_dilation or (1,) * ndim
    window_dilation = window_dilation or (1,) * ndim
    dilated_shape = [0 if n == 0 else (n - 1) * b + 1 for n, b in zip(x.shape, base_dilation)]
    dilated = np.full(dilated_shape, init, x.dtype)
    dilated[tuple(slice(None, None, b) for b in base_dilation)] = x
    for axis, (low, high) in enumerate(padding):  # pad with init, or crop when negative
        pad_width = [(0, 0)] * ndim
        pad_width[axis] = (max(low, 0), max(high, 0))
        dilated = np.pad(dilated, pad_width, constant_values=init)
        size = dilated.shape[axis]
        index = [slice(None)] * ndim
        index[axis] = slice(max(-low, 0), size - max(-high, 0))
        dilated = dilated[tuple(index)]
    extents = [(w - 1) * d + 1 for w, d in zip(window, window_dilation)]
    out_shape = [0 if n < e else (n - e) // s + 1
                 for n, e, s in zip(dilated.shape, extents, strides)]
    out = np.empty(out_shape, x.dtype)
    for index in itertools.product(*map(range, out_shape)):
        accumulator = np.asarray(init, x.dtype)
        for offset in itertools.product(*map(range, window)):
            position = tuple(i * s + o * d for i, s, o, d in
                             zip(index, strides, offset, window_dilation))
            accumulator = op(accumulator, dilated[position])
        out[index] = accumulator
    return out


def _random(shape, dtype):
    if np.dtype(dtype).kind in "iu":
        return RNG.integers(0, 10, size=shape).astype(dtype)
    return RNG.uniform(-3, 3, shape).astype(dtype)


# (window, strides, padding, base_dilation, window_dilation) for an operand of shape (5, 6)
WINDOWS = [
    ((2, 2), (1, 1), "VALID", None, None),
    ((3, 2), (2, 1), "SAME", None, None),
    ((2, 3), (2, 2), "SAME_LOWER", None, None),
    ((2, 3), (1, 3), ((1, 0), (2, 2)), None, None),
    ((3, 1), (1, 1), ((-1, 1), (0, -2)), None, None),
    ((2, 2), (1, 2), ((0, 1), (1, 0)), (2, 1), None),
    ((2, 2), (1, 1), ((0, 0), (1, 1)), None, (2, 3)),
    ((2, 3), (3, 1), ((1, 2), (0, 0)), (2, 3), (1, 2)),
    ((7, 1), (1, 1), "VALID", None, None),  # larger than the operand: an empty result
]

MONOIDS = [
    ("sum", windowed.reduce_window_sum, np.add, lambda d: 0),
    ("max", windowed.reduce_window_max, np.maximum,
     lambda d: -np.inf if np.dtype(d).kind == "f" else np.iinfo(d).min),
    ("min", windowed.reduce_window_min, np.minimum,
     lambda d: np.inf if np.dtype(d).kind == "f" else np.iinfo(d).max),
]


def _pads(shape, window, strides, padding):
    if isinstance(padding, str):
        return lax.padtype_to_pads(shape, window, strides, padding)
    return padding


@pytest.mark.parametrize("name,function,op,identity", MONOIDS, ids=[m[0] for m in MONOIDS])
@pytest.mark.parametrize("dtype", ["float32", "int32"])
def test_monoid_window_reductions_match_the_loop(name, function, op, identity, dtype):
    x = _random((5, 6), dtype)
    for window, strides, padding, base, dilation in WINDOWS:
        got = function(x, window, strides, padding, base, dilation)
        want = reference_reduce_window(x, identity(dtype), op, window, strides,
                                       _pads(x.shape, window, strides, padding), base, dilation)
        assert got.dtype == x.dtype
        np.testing.assert_allclose(np.asarray(got), want, rtol=1e-6, atol=1e-6,
                                   err_msg=f"{name} {window} {strides} {padding} {base} {dilation}")


def test_lax_reduce_window_with_known_ops_uses_the_monoid_primitives():
    x = _random((5, 6), "float32")
    for op, init, reference_op, primitive in ((lax.add, 0.0, np.add, "reduce_window_sum"),
                                              (getattr(lax, "max", None), -np.inf, np.maximum,
                                               "reduce_window_max"),
                                              (getattr(lax, "min", None), np.inf, np.minimum,
                                               "reduce_window_min")):
        if op is None:
            continue  # that elementwise op is not declared yet
        got = lax.reduce_window(x, init, op, (2, 3), (1, 2), "SAME")
        want = reference_reduce_window(x, init, reference_op, (2, 3), (1, 2),
                                       lax.padtype_to_pads(x.shape, (2, 3), (1, 2), "SAME"))
        np.testing.assert_allclose(np.asarray(got), want, rtol=1e-6, atol=1e-5)
        jaxpr = numax.make_jaxpr(lambda x: lax.reduce_window(x, init, op, (2, 3), (1, 2),
                                                             "SAME"))(x)
        assert [e.primitive.name for e in jaxpr.eqns] == [primitive]


def test_generic_reduce_window_with_a_python_computation():
    x = _random((5, 6), "float32")

    def add(a, b):  # not lax.add itself, so the generic primitive runs
        return lax.add(a, b)

    def mul(a, b):
        return lax.mul(a, b)
    # The init value must be the computation's identity: XLA may fold it in any number of
    # times (padding, holes, partial results), so other inits have no fixed meaning.
    for (function, init, op), (window, strides, padding, base, dilation) in itertools.product(
            [(add, 0.0, np.add), (mul, 1.0, np.multiply)], WINDOWS):
        got = lax.reduce_window(x, init, function, window, strides, padding, base, dilation)
        want = reference_reduce_window(x, init, op, window, strides,
                                       _pads(x.shape, window, strides, padding), base, dilation)
        np.testing.assert_allclose(np.asarray(got), want, rtol=1e-5, atol=1e-5)
    jaxpr = numax.make_jaxpr(lambda x: lax.reduce_window(x, 0.0, add, (2, 2), (1, 1),
                                                         "VALID"))(x)
    assert [e.primitive.name for e in jaxpr.eqns] == ["reduce_window"]


def test_generic_reduce_window_with_several_operands():
    x = _random((4, 5), "float32")
    k = _random((4, 5), "int32")

    def sum_and_prod(a, b):
        return lax.add(a[0], b[0]), lax.mul(a[1], b[1])
    args = ((2, 2), (1, 2), ((1, 0), (0, 1)), (1, 1), (1, 2))
    total, product = lax.reduce_window((x, k), (0.0, 1), sum_and_prod, *args)
    np.testing.assert_allclose(np.asarray(total),
                               reference_reduce_window(x, 0.0, np.add, *args), rtol=1e-6, atol=1e-5)
    np.testing.assert_array_equal(np.asarray(product),
                                  reference_reduce_window(k, 1, np.multiply, *args))
    jitted = numax.jit(lambda x, k: lax.reduce_window((x, k), (0.0, 1), sum_and_prod, *args))
    np.testing.assert_array_equal(np.asarray(jitted(x, k)[1]), np.asarray(product))


def test_max_window_with_nans_and_infinities():
    x = np.array([[1.0, np.nan, -np.inf], [-np.inf, -np.inf, 2.0]], np.float32)
    got = windowed.reduce_window_max(x, (1, 2), (1, 1), "VALID")
    with np.errstate(invalid="ignore"):
        want = reference_reduce_window(x, -np.inf, np.maximum, (1, 2), (1, 1), ((0, 0), (0, 0)))
    np.testing.assert_array_equal(np.asarray(got), want)


def test_padtype_to_pads_gives_ceil_output_sizes():
    # SAME: output size ceil(n / stride), the total padding split evenly, the extra
    # element at the end (SAME_LOWER: at the start); VALID: no padding.
    for n, window, stride in itertools.product(range(1, 9), range(1, 5), range(1, 4)):
        total = max((-(-n // stride) - 1) * stride + window - n, 0)
        assert lax.padtype_to_pads((n,), (window,), (stride,), "SAME") == \
            [(total // 2, total - total // 2)]
        assert lax.padtype_to_pads((n,), (window,), (stride,), "same_lower") == \
            [(total - total // 2, total // 2)]
        shape = lax.reduce_window_shape_tuple((n,), (window,), (stride,),
                                              lax.padtype_to_pads((n,), (window,), (stride,),
                                                                  "SAME"))
        assert shape == (-(-n // stride),)
    assert lax.padtype_to_pads((5, 6), (2, 2), (1, 1), "VALID") == [(0, 0), (0, 0)]


def test_rank_one_and_size_zero_operands():
    x = _random((6,), "float32")
    got = windowed.reduce_window_sum(x, (3,), (2,), ((1, 1),))
    np.testing.assert_allclose(np.asarray(got),
                               reference_reduce_window(x, 0.0, np.add, (3,), (2,), ((1, 1),)),
                               rtol=1e-6, atol=1e-5)
    empty = np.zeros((0, 3), np.float32)
    got = windowed.reduce_window_max(empty, (1, 2), (1, 1), "VALID")
    assert got.shape == (0, 2)


def test_bad_input_errors():
    x = np.ones((4, 4), np.float32)
    with pytest.raises(ValueError, match="Unrecognized padding type"):
        lax.reduce_window(x, 0.0, lax.add, (2, 2), (1, 1), "FULL")
    with pytest.raises(NumaxTypeError, match="reduce_window_sum: window_strides must be positive"):
        lax.reduce_window(x, 0.0, lax.add, (2, 2), (0, 1), ((0, 0), (0, 0)))
    with pytest.raises(NumaxTypeError, match="window_dimensions must be a tuple with one entry"):
        lax.reduce_window(x, 0.0, lax.add, (2,), (1,), ((0, 0),))
    with pytest.raises(NumaxTypeError, match="padding .* removes more elements"):
        windowed.reduce_window_sum(x, (1, 1), (1, 1), ((-3, -3), (0, 0)))
    with pytest.raises(NumaxTypeError, match="reduce_window_sum does not accept dtype bool"):
        windowed.reduce_window_sum(x > 0, (2, 2), (1, 1), "VALID")
    with pytest.raises(ValueError, match="same structure"):
        lax.reduce_window((x, x), (0.0,), lax.add, (2, 2), (1, 1), "VALID")
