"""Reductions (numax/lax/reductions.py) against NumPy.

Monoid reductions over many axis combinations (empty axes and size-0 dimensions
included), argmax/argmin with NaNs and ties, the generic lax.reduce with Python
computations (single, multi-operand and pytree operands, closures), and the errors
bad input raises.
"""

import itertools

import ml_dtypes
import numpy as np
import pytest

import numax
from numax import lax
from numax.array import from_host
from numax.core.errors import NumaxTypeError

RNG = np.random.default_rng(1234)


def _random(shape, dtype, low=-3, high=3):
    dtype = np.dtype(dtype)
    if dtype == np.bool_:
        return RNG.random(shape) < 0.5
    if dtype.kind in "iu":
        low = max(low, np.iinfo(dtype).min)
        return RNG.integers(low, high + 1, size=shape).astype(dtype)
    if dtype.kind == "c":
        return (RNG.uniform(low, high, shape) + 1j * RNG.uniform(low, high, shape)).astype(dtype)
    return RNG.uniform(low, high, shape).astype(dtype)


def _all_axes(ndim):
    return [axes for r in range(ndim + 1) for axes in itertools.combinations(range(ndim), r)]


SHAPES = [(5,), (2, 3), (2, 3, 4), (0, 3), (2, 0, 4)]


def _empty_reduce(reference, identity):
    """np.<ufunc>.reduce, but with the reduction's identity for empty reductions (NumPy's
    max/min refuse those; XLA returns the init value)."""
    def reduce(x, axes):
        shape = tuple(d for i, d in enumerate(x.shape) if i not in axes)
        if any(x.shape[a] == 0 for a in axes):
            return np.full(shape, identity(x.dtype), x.dtype)
        return reference(x, axes)
    return reduce


def _float_min(dtype):
    return -np.inf if np.dtype(dtype).kind in "fc" else (
        False if dtype == np.bool_ else np.iinfo(dtype).min)


def _float_max(dtype):
    return np.inf if np.dtype(dtype).kind in "fc" else (
        True if dtype == np.bool_ else np.iinfo(dtype).max)


CASES = [
    ("reduce_sum", lambda x, a: np.sum(x, axis=a, dtype=x.dtype), ["float32", "int32", "uint8",
                                                                  "complex64"]),
    ("reduce_prod", lambda x, a: np.prod(x, axis=a, dtype=x.dtype), ["float32", "int32"]),
    ("reduce_max", _empty_reduce(lambda x, a: np.max(x, axis=a), _float_min),
     ["float32", "int8", "uint16", "bool"]),
    ("reduce_min", _empty_reduce(lambda x, a: np.min(x, axis=a), _float_max),
     ["float32", "int32", "uint8", "bool"]),
    ("reduce_and", lambda x, a: np.bitwise_and.reduce(x, axis=a) if x.size else
     np.full(tuple(d for i, d in enumerate(x.shape) if i not in a),
             True if x.dtype == np.bool_ else np.array(-1).astype(x.dtype), x.dtype),
     ["bool", "int32", "uint8"]),
    ("reduce_or", lambda x, a: np.bitwise_or.reduce(x, axis=a), ["bool", "int32", "uint8"]),
    ("reduce_xor", lambda x, a: np.bitwise_xor.reduce(x, axis=a), ["bool", "int32", "uint8"]),
]


@pytest.mark.parametrize("name,reference,dtypes_", CASES, ids=[c[0] for c in CASES])
def test_monoid_reductions_match_numpy(name, reference, dtypes_):
    function = getattr(lax, name)
    for i, dtype in enumerate(dtypes_):
        high = 255 if name in ("reduce_and", "reduce_or", "reduce_xor") else 3
        low = 0 if high == 255 else (-2 if name == "reduce_prod" else -3)
        # every shape and axis combination for the first dtype; fewer for the others, as
        # each distinct case compiles once
        for shape in SHAPES if i == 0 else [(2, 3), (2, 0, 4)]:
            x = _random(shape, dtype, low, high if name != "reduce_prod" else 2)
            combos = _all_axes(len(shape)) if i == 0 else [(1,), tuple(range(len(shape)))]
            for axes in combos:
                got = np.asarray(function(x, axes))
                want = np.asarray(reference(x, axes), dtype=x.dtype)
                assert got.dtype == want.dtype and got.shape == want.shape, (name, dtype, axes)
                if np.dtype(dtype).kind in "fc":
                    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5,
                                               err_msg=f"{name} {dtype} {shape} {axes}")
                else:
                    np.testing.assert_array_equal(got, want, err_msg=f"{name} {dtype} {axes}")


def test_empty_reductions_give_the_identity():
    empty = np.zeros((0, 2), np.float32)
    np.testing.assert_array_equal(np.asarray(lax.reduce_sum(empty, (0,))), [0, 0])
    np.testing.assert_array_equal(np.asarray(lax.reduce_prod(empty, (0,))), [1, 1])
    np.testing.assert_array_equal(np.asarray(lax.reduce_max(empty, (0,))), [-np.inf, -np.inf])
    np.testing.assert_array_equal(np.asarray(lax.reduce_min(empty, (0,))), [np.inf, np.inf])
    ints = np.zeros((0,), np.int16)
    assert np.asarray(lax.reduce_max(ints, (0,))) == np.iinfo(np.int16).min
    assert np.asarray(lax.reduce_and(np.zeros((0,), np.uint8), (0,))) == 255
    assert np.asarray(lax.reduce_and(np.zeros((0,), bool), (0,))) == np.True_


def test_negative_axes_and_nan_propagation():
    x = _random((2, 3, 4), "float32")
    np.testing.assert_allclose(np.asarray(lax.reduce_sum(x, (-1, 0))), x.sum(axis=(0, 2)),
                               rtol=1e-6, atol=1e-5)
    x[1, 2, 3] = np.nan
    np.testing.assert_array_equal(np.asarray(lax.reduce_max(x, (2,))), np.max(x, axis=2))
    np.testing.assert_array_equal(np.asarray(lax.reduce_min(x, (1, 2))), np.min(x, axis=(1, 2)))


def test_low_precision_and_float64():
    x = _random((3, 8), "float32")
    for dtype in (ml_dtypes.bfloat16, np.float16):
        got = np.asarray(lax.reduce_sum(x.astype(dtype), (1,))).astype(np.float32)
        np.testing.assert_allclose(got, x.astype(dtype).astype(np.float32).sum(1), rtol=2e-2,
                                   atol=5e-2)
        got = np.asarray(lax.reduce_max(x.astype(dtype), (1,)))
        np.testing.assert_array_equal(got, x.astype(dtype).max(1))
    with numax.enable_x64():
        y = RNG.normal(size=(4, 5))
        got = lax.reduce_sum(y, (1,))
        assert got.dtype == np.float64
        np.testing.assert_allclose(np.asarray(got), y.sum(1), rtol=1e-13, atol=1e-12)


def test_weak_type_is_kept():
    x = from_host(np.ones((2, 3), np.float32), weak_type=True)
    assert lax.reduce_sum(x, (0,)).aval.weak_type
    assert not lax.reduce_sum(np.ones((2, 3), np.float32), (0,)).aval.weak_type


def test_reductions_under_jit_match_numpy():
    x = _random((3, 4), "float32")
    out = numax.jit(lambda x: (lax.reduce_sum(x, (0,)), lax.reduce_max(x, (1,))))(x)
    np.testing.assert_allclose(np.asarray(out[0]), x.sum(0), rtol=1e-6, atol=1e-5)
    np.testing.assert_array_equal(np.asarray(out[1]), x.max(1))


# ---------------------------------------------------------------- argmax / argmin

@pytest.mark.parametrize("dtype", ["float32", "float16", "int8", "uint32", "bool"])
def test_argmax_argmin_match_numpy(dtype):
    for shape in [(7,), (3, 5), (2, 3, 4)]:
        x = _random(shape, dtype, -2, 2)  # a small range makes ties likely
        for axis in range(len(shape)):
            for function, reference in ((lax.argmax, np.argmax), (lax.argmin, np.argmin)):
                got = np.asarray(function(x, axis, np.int32))
                assert got.dtype == np.int32
                np.testing.assert_array_equal(got, reference(x, axis=axis),
                                              err_msg=f"{function.__name__} {shape} {axis}")


def test_argmax_argmin_nan_and_ties():
    x = np.array([[1, np.nan, 3, np.nan],
                  [2, 5, 5, 1],
                  [-np.inf] * 4,
                  [np.nan] * 4,
                  [0.0, -0.0, 0.0, -1.0],
                  [np.inf, 1, np.inf, np.nan]], np.float32)
    for function, reference in ((lax.argmax, np.argmax), (lax.argmin, np.argmin)):
        np.testing.assert_array_equal(np.asarray(function(x, 1, np.int32)), reference(x, axis=1))
        np.testing.assert_array_equal(np.asarray(function(x, 0, np.int32)), reference(x, axis=0))
        np.testing.assert_array_equal(np.asarray(function(x, -1, np.int32)), reference(x, axis=1))
    bf16 = x.astype(ml_dtypes.bfloat16)
    np.testing.assert_array_equal(np.asarray(lax.argmax(bf16, 1, np.int32)), np.argmax(x, axis=1))


def test_argmax_index_dtypes():
    x = _random((3, 6), "float32")
    got = lax.argmin(x, 1, np.uint8)
    assert got.dtype == np.uint8
    np.testing.assert_array_equal(np.asarray(got), np.argmin(x, 1))
    with numax.enable_x64():
        got = lax.argmax(x, 0, np.int64)
        assert got.dtype == np.int64
        np.testing.assert_array_equal(np.asarray(got), np.argmax(x, 0))


def test_argmax_under_jit():
    x = _random((4, 5), "float32")
    x[2, 3] = np.nan
    got = numax.jit(lambda x: lax.argmax(x, 1, np.int32))(x)
    np.testing.assert_array_equal(np.asarray(got), np.argmax(x, 1))


# ---------------------------------------------------------------- the generic reduce

def test_reduce_with_a_known_op_becomes_the_monoid_reduction():
    x = _random((3, 4), "float32")
    np.testing.assert_allclose(np.asarray(lax.reduce(x, 0.0, lax.add, (1,))), x.sum(1),
                               rtol=1e-6, atol=1e-5)
    np.testing.assert_allclose(np.asarray(lax.reduce(x, np.float32(1), lax.mul, (0,))),
                               x.prod(0), rtol=1e-6, atol=1e-5)
    jaxpr = numax.make_jaxpr(lambda x: lax.reduce(x, 0.0, lax.add, (1,)))(x)
    assert [e.primitive.name for e in jaxpr.eqns] == ["reduce_sum"]
    # a non-identity init is not the monoid's: the generic reduction keeps it
    jaxpr = numax.make_jaxpr(lambda x: lax.reduce(x, 1.0, lax.add, (1,)))(x)
    assert [e.primitive.name for e in jaxpr.eqns] == ["reduce"]


def test_reduce_with_a_python_computation():
    x = _random((3, 4, 5), "float32")
    add = lambda a, b: lax.add(a, b)  # noqa: E731  (not lax.add itself: forces the generic path)
    for dims in [(0,), (1, 2), (0, 1, 2), (-1,)]:
        got = lax.reduce(x, np.float32(0), add, dims)
        np.testing.assert_allclose(np.asarray(got), x.sum(axis=dims), rtol=1e-5, atol=1e-6)
    jaxpr = numax.make_jaxpr(lambda x: lax.reduce(x, 0.0, add, (1,)))(x)
    assert [e.primitive.name for e in jaxpr.eqns] == ["reduce"]


def test_reduce_multiple_operands_and_pytrees():
    x = _random((3, 4), "float32", 0.5, 1.5)
    k = _random((3, 4), "int32", -3, 3)

    def sum_and_prod(a, b):
        return lax.add(a[0], b[0]), lax.mul(a[1], b[1])
    total, product = lax.reduce((x, k), (np.float32(0), np.int32(1)), sum_and_prod, (1,))
    np.testing.assert_allclose(np.asarray(total), x.sum(1), rtol=1e-6, atol=1e-5)
    np.testing.assert_array_equal(np.asarray(product), np.prod(k, axis=1, dtype=np.int32))

    def dict_reduce(a, b):
        return {"s": lax.add(a["s"], b["s"]), "p": lax.mul(a["p"], b["p"])}
    out = lax.reduce({"s": x, "p": k}, {"s": 0.0, "p": 1}, dict_reduce, (0,))
    np.testing.assert_allclose(np.asarray(out["s"]), x.sum(0), rtol=1e-6, atol=1e-5)
    np.testing.assert_array_equal(np.asarray(out["p"]), np.prod(k, axis=0, dtype=np.int32))
    jitted = numax.jit(lambda x, k: lax.reduce((x, k), (0.0, 1), sum_and_prod, (0,)))(x, k)
    np.testing.assert_allclose(np.asarray(jitted[0]), x.sum(0), rtol=1e-6, atol=1e-5)


def test_reduce_computation_closing_over_a_constant():
    x = _random((2, 5), "float32")
    one = from_host(np.float32(1))
    got = lax.reduce(x, np.float32(0), lambda a, b: lax.add(lax.mul(a, one), b), (1,))
    np.testing.assert_allclose(np.asarray(got), x.sum(1), rtol=1e-6, atol=1e-5)


def test_reduce_stages_each_computation_once():
    x = _random((2, 5), "float32")

    def add(a, b):
        return lax.add(a, b)

    def staged(x):
        return numax.make_jaxpr(lambda x: lax.reduce(x, 0.0, add, (1,)))(x).eqns[0].params[
            "computation"]
    assert staged(x) is staged(x)  # the same jaxpr object: eager calls hit one executable


def test_reduce_closing_over_a_tracer_is_an_error():
    x = _random((2, 5), "float32")

    def f(x, y):
        return lax.reduce(x, 0.0, lambda a, b: lax.add(lax.add(a, b), y), (1,))
    with pytest.raises(TypeError, match="closes over a traced value"):
        numax.jit(f)(x, np.float32(1))


def test_reduce_bad_computation_results():
    x = _random((2, 5), "float32")
    with pytest.raises(TypeError, match="structure"):
        lax.reduce(x, 0.0, lambda a, b: (lax.add(a, b), a), (1,))
    with pytest.raises(TypeError, match="dtypes"):
        lax.reduce(x, 0.0, lambda a, b: lax.convert_element_type(a, np.int32), (1,))


# ---------------------------------------------------------------- errors

def test_bad_input_errors_name_the_primitive_and_the_fix():
    with pytest.raises(NumaxTypeError, match="reduce_sum.*bool"):
        lax.reduce_sum(np.ones(3, bool), (0,))
    with pytest.raises(NumaxTypeError, match="reduce_and.*float32"):
        lax.reduce_and(np.ones(3, np.float32), (0,))
    with pytest.raises(ValueError, match="reduce_max: axis 2 is out of bounds"):
        lax.reduce_max(np.ones((2, 3), np.float32), (2,))
    with pytest.raises(ValueError, match="duplicate"):
        lax.reduce_sum(np.ones((2, 3), np.float32), (1, -1))
    with pytest.raises(ValueError, match="out of bounds"):
        lax.reduce_sum_p.bind(np.ones((2, 3), np.float32), axes=(-1,))
    with pytest.raises(ValueError, match="argmax.*empty"):
        lax.argmax(np.ones((2, 0), np.float32), 1, np.int32)
    with pytest.raises(NumaxTypeError, match="index_dtype must be an integer"):
        lax.argmin(np.ones((2, 3), np.float32), 1, np.float32)
    with pytest.raises(NumaxTypeError, match="argmax.*complex64"):
        lax.argmax(np.ones(3, np.complex64), 0, np.int32)
    with pytest.raises(ValueError, match="same structure"):
        lax.reduce((np.ones(3, np.float32),), (0.0, 0.0), lax.add, (0,))
