"""numax.numpy shape manipulation, joining, selection and products against NumPy:
reshape, ravel, transpose, swapaxes, moveaxis, squeeze, expand_dims, broadcast_*,
atleast_*, concatenate, stack, hstack, vstack, where, clip, matmul, dot, astype.

Shapes come from hypothesis (small: up to 4 dims, up to 4 per side); dtypes of joined
and selected arrays follow JAX's promotion (checked against NumPy's value semantics
computed in the JAX result dtype).
"""

import ml_dtypes
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import numax
import numax.numpy as jnp

BF16 = np.dtype(ml_dtypes.bfloat16)
F16, F32, C64 = np.dtype(np.float16), np.dtype(np.float32), np.dtype(np.complex64)
I8, U8, I16, I32, BOOL = (np.dtype(d) for d in (np.int8, np.uint8, np.int16, np.int32, np.bool_))
DTYPES = [BOOL, I8, U8, I32, F16, BF16, F32, C64]

shapes = hnp.array_shapes(min_dims=0, max_dims=4, min_side=0, max_side=4)
nonempty_shapes = hnp.array_shapes(min_dims=1, max_dims=4, min_side=1, max_side=4)


def _name(dtype):
    return "bfloat16" if dtype == BF16 else np.dtype(dtype).name


def _values(shape, dtype=F32, seed=0, low=-4, high=4):
    r = np.random.default_rng(seed)
    dtype = np.dtype(dtype)
    if dtype == BOOL:
        return r.random(shape) < 0.5
    if dtype.kind in "iu":
        return r.integers(0 if dtype.kind == "u" else low, high + 1, size=shape).astype(dtype)
    values = r.uniform(low, high, size=shape)
    if dtype == C64:
        values = values + 1j * r.uniform(low, high, size=shape)
    return values.astype(dtype)


def _check(result, expected, dtype=None, rtol=0.0, atol=0.0):
    assert isinstance(result, numax.Array), type(result)
    expected = np.asarray(expected)
    dtype = expected.dtype if dtype is None else np.dtype(dtype)
    assert result.dtype == dtype, (result.dtype, dtype)
    assert result.shape == expected.shape, (result.shape, expected.shape)
    got = np.asarray(result)
    if dtype in (F16, BF16):
        got, expected = got.astype(np.float32), expected.astype(np.float32)
    if rtol or atol:
        np.testing.assert_allclose(got, expected, rtol=rtol, atol=atol)
    else:
        np.testing.assert_array_equal(got, expected)


# ---------------------------------------------------------------- reshaping

@settings(max_examples=20, deadline=None)
@given(shape=shapes, data=st.data())
def test_reshape_with_minus_one_and_order(shape, data):
    x = _values(shape, I32, seed=1)
    size = x.size
    divisors = [d for d in range(1, size + 1) if size % d == 0] or [1]
    first = data.draw(st.sampled_from(divisors))
    if size:
        new_shape = data.draw(st.sampled_from([(first, -1), (-1,), (-1, first), (size,),
                                               (1, first, -1)]))
    else:
        new_shape = data.draw(st.sampled_from([(0,), (2, 0), (0, 3)]))
    order = data.draw(st.sampled_from(["C", "F"]))
    _check(jnp.reshape(jnp.asarray(x), new_shape, order=order), np.reshape(x, new_shape,
                                                                          order=order))
    if order == "C":
        _check(jnp.asarray(x).reshape(new_shape), x.reshape(new_shape))
        if len(new_shape) > 1:
            _check(jnp.asarray(x).reshape(*new_shape), x.reshape(*new_shape))
    _check(jnp.ravel(jnp.asarray(x), order=order), np.ravel(x, order=order))


def test_reshape_errors():
    x = jnp.ones((2, 3))
    with pytest.raises((TypeError, ValueError)):
        jnp.reshape(x, (4, 2))
    with pytest.raises((TypeError, ValueError)):
        jnp.reshape(x, (-1, -1))
    with pytest.raises((TypeError, ValueError)):
        jnp.reshape(x, (4, -1))


def test_reshape_keyword_shape():
    x = _values((2, 6), F32)
    _check(jnp.reshape(jnp.asarray(x), shape=(3, 4)), x.reshape(3, 4))
    _check(jnp.asarray(x).flatten(), x.flatten())


@settings(max_examples=20, deadline=None)
@given(shape=shapes, data=st.data())
def test_transpose_swapaxes_moveaxis(shape, data):
    x = _values(shape, F32, seed=2)
    ndim = x.ndim
    perm = data.draw(st.permutations(range(ndim)))
    signed_perm = [p - ndim if i % 2 else p for i, p in enumerate(perm)]
    _check(jnp.transpose(jnp.asarray(x), signed_perm), np.transpose(x, signed_perm))
    _check(jnp.transpose(jnp.asarray(x)), np.transpose(x))
    _check(jnp.asarray(x).T, x.T)
    _check(jnp.asarray(x).transpose(), x.transpose())
    if ndim:
        _check(jnp.asarray(x).transpose(*perm), x.transpose(*perm))
        _check(jnp.permute_dims(jnp.asarray(x), perm), np.permute_dims(x, perm))
        a = data.draw(st.integers(-ndim, ndim - 1))
        b = data.draw(st.integers(-ndim, ndim - 1))
        _check(jnp.swapaxes(jnp.asarray(x), a, b), np.swapaxes(x, a, b))
        _check(jnp.asarray(x).swapaxes(a, b), x.swapaxes(a, b))
        count = data.draw(st.integers(1, ndim))
        source = data.draw(st.lists(st.integers(0, ndim - 1), min_size=count, max_size=count,
                                    unique=True))
        destination = data.draw(st.lists(st.integers(-ndim, ndim - 1), min_size=count,
                                         max_size=count, unique_by=lambda d: d % ndim))
        _check(jnp.moveaxis(jnp.asarray(x), source, destination),
               np.moveaxis(x, source, destination))
        _check(jnp.moveaxis(jnp.asarray(x), source[0], destination[0]),
               np.moveaxis(x, source[0], destination[0]))
    if ndim >= 2:
        _check(jnp.asarray(x).mT, np.swapaxes(x, -1, -2))


def test_transpose_errors():
    with pytest.raises(ValueError):
        jnp.transpose(jnp.ones((2, 3)), (0, 0))
    with pytest.raises(ValueError):
        jnp.transpose(jnp.ones((2, 3)), (0,))
    with pytest.raises((ValueError, IndexError)):
        jnp.swapaxes(jnp.ones((2, 3)), 0, 2)


@settings(max_examples=20, deadline=None)
@given(shape=hnp.array_shapes(min_dims=0, max_dims=4, min_side=1, max_side=3), data=st.data())
def test_squeeze_and_expand_dims(shape, data):
    x = _values(shape, I8, seed=3)
    _check(jnp.squeeze(jnp.asarray(x)), np.squeeze(x))
    ones = [i for i, d in enumerate(shape) if d == 1]
    if ones:
        axes = tuple(data.draw(st.lists(st.sampled_from(ones), min_size=1, unique=True)))
        axes = tuple(a - len(shape) if i % 2 else a for i, a in enumerate(axes))
        _check(jnp.squeeze(jnp.asarray(x), axes), np.squeeze(x, axes))
        _check(jnp.asarray(x).squeeze(axes[0]), x.squeeze(axes[0]))
    ndim_out = x.ndim + 2
    new_axes = tuple(data.draw(st.lists(st.integers(-ndim_out, ndim_out - 1), min_size=2,
                                        max_size=2, unique_by=lambda a: a % ndim_out)))
    _check(jnp.expand_dims(jnp.asarray(x), new_axes), np.expand_dims(x, new_axes))
    axis = data.draw(st.integers(-x.ndim - 1, x.ndim))
    _check(jnp.expand_dims(jnp.asarray(x), axis), np.expand_dims(x, axis))


def test_squeeze_errors():
    with pytest.raises(ValueError):
        jnp.squeeze(jnp.ones((2, 1)), 0)
    with pytest.raises((ValueError, IndexError)):
        jnp.expand_dims(jnp.ones((2,)), 3)


# ---------------------------------------------------------------- broadcasting

@settings(max_examples=20, deadline=None)
@given(shapes=hnp.mutually_broadcastable_shapes(num_shapes=3, min_dims=0, max_dims=4,
                                                max_side=4))
def test_broadcast_arrays_shapes_and_to(shapes):
    arrays = [_values(s, dtype, seed=i) for i, (s, dtype) in
              enumerate(zip(shapes.input_shapes, (F32, I32, BOOL)))]
    assert jnp.broadcast_shapes(*shapes.input_shapes) == np.broadcast_shapes(
        *shapes.input_shapes)
    results = jnp.broadcast_arrays(*[jnp.asarray(a) for a in arrays])
    for result, expected in zip(results, np.broadcast_arrays(*arrays)):
        _check(result, expected)
    _check(jnp.broadcast_to(jnp.asarray(arrays[0]), shapes.result_shape),
           np.broadcast_to(arrays[0], shapes.result_shape))


def test_broadcast_errors_and_scalars():
    with pytest.raises(ValueError):
        jnp.broadcast_to(jnp.ones((3,)), (4,))
    with pytest.raises(ValueError):
        jnp.broadcast_to(jnp.ones((2, 3)), (3,))
    with pytest.raises(ValueError):
        jnp.broadcast_shapes((2, 3), (4,))
    _check(jnp.broadcast_to(3, (2, 2)), np.broadcast_to(np.int32(3), (2, 2)))
    _check(jnp.broadcast_to(jnp.ones(3), 3), np.ones(3, np.float32))
    assert jnp.broadcast_shapes(3, (2, 1)) == (2, 3)


@pytest.mark.parametrize("fn", ["atleast_1d", "atleast_2d", "atleast_3d"])
def test_atleast(fn):
    for shape in [(), (2,), (2, 3), (2, 3, 4), (1, 2, 3, 4)]:
        x = _values(shape, F32)
        _check(getattr(jnp, fn)(jnp.asarray(x)), getattr(np, fn)(x))
    results = getattr(jnp, fn)(jnp.asarray(1.0), jnp.ones((2,)))
    expected = getattr(np, fn)(np.float32(1.0), np.ones((2,), np.float32))
    assert len(results) == len(expected)
    for r, e in zip(results, expected):
        _check(r, e)
    _check(getattr(jnp, fn)(5), getattr(np, fn)(np.int32(5)))


# ---------------------------------------------------------------- joining

@settings(max_examples=20, deadline=None)
@given(shape=hnp.array_shapes(min_dims=1, max_dims=3, min_side=0, max_side=3), data=st.data())
def test_concatenate_and_stack(shape, data):
    ndim = len(shape)
    axis = data.draw(st.integers(-ndim, ndim - 1))
    count = data.draw(st.integers(1, 3))
    parts = []
    for i in range(count):
        part_shape = list(shape)
        part_shape[axis] = data.draw(st.integers(0, 3))
        parts.append(_values(tuple(part_shape), F32, seed=i))
    _check(jnp.concatenate([jnp.asarray(p) for p in parts], axis=axis),
           np.concatenate(parts, axis=axis))
    _check(jnp.concatenate([jnp.asarray(p) for p in parts], axis=None),
           np.concatenate(parts, axis=None))
    same = [_values(shape, I32, seed=i) for i in range(count)]
    stack_axis = data.draw(st.integers(-ndim - 1, ndim))
    _check(jnp.stack([jnp.asarray(p) for p in same], axis=stack_axis),
           np.stack(same, axis=stack_axis))
    _check(jnp.hstack([jnp.asarray(p) for p in same]), np.hstack(same))
    _check(jnp.vstack([jnp.asarray(p) for p in same]), np.vstack(same))


@pytest.mark.parametrize("a,b", [(I8, U8), (I8, F16), (BOOL, I32), (F32, C64), (BF16, F16),
                                 (U8, I32), (I32, F32), (BOOL, BOOL)], ids=str)
def test_concatenate_promotes(a, b):
    x, y = _values((2, 2), a, seed=1), _values((3, 2), b, seed=2)
    dtype = {(I8, U8): I16, (I8, F16): F16, (BOOL, I32): I32, (F32, C64): C64,
             (BF16, F16): F32, (U8, I32): I32, (I32, F32): F32, (BOOL, BOOL): BOOL}[(a, b)]
    compute = F32 if dtype in (F16, BF16) else dtype
    expected = np.concatenate([x.astype(compute), y.astype(compute)]).astype(dtype)
    _check(jnp.concatenate([jnp.asarray(x), jnp.asarray(y)]), expected, dtype)
    _check(jnp.concatenate([jnp.asarray(x), y]), expected, dtype)
    stacked = np.stack([x[:1].astype(compute), y[:1].astype(compute)]).astype(dtype)
    _check(jnp.stack([jnp.asarray(x[:1]), jnp.asarray(y[:1])]), stacked, dtype)


def test_concatenate_python_scalars_and_lists():
    # Python scalars in a stack take the dtype of the strong operands
    _check(jnp.stack([jnp.asarray(np.int8(1)), 2]), np.array([1, 2], np.int8))
    _check(jnp.hstack([jnp.ones(2, jnp.int32), jnp.asarray([3, 4])]),
           np.array([1, 1, 3, 4], np.int32))
    _check(jnp.concatenate((jnp.ones((1, 2)), np.zeros((1, 2)))), np.array([[1, 1], [0, 0]],
                                                                           np.float32))
    _check(jnp.concatenate([jnp.ones(2)], axis=0, dtype=jnp.int32), np.ones(2, np.int32))
    _check(jnp.stack([jnp.ones(2), jnp.zeros(2)], dtype=jnp.int8), np.array([[1, 1], [0, 0]],
                                                                            np.int8))


def test_join_errors():
    with pytest.raises(ValueError):
        jnp.concatenate([])
    with pytest.raises(ValueError):
        jnp.concatenate([jnp.asarray(1.0), jnp.asarray(2.0)])
    with pytest.raises((ValueError, TypeError)):
        jnp.concatenate([jnp.ones((2, 3)), jnp.ones((2, 4))], axis=0)
    with pytest.raises(ValueError):
        jnp.stack([jnp.ones(2), jnp.ones(3)])
    with pytest.raises(ValueError):
        jnp.stack([])


# ---------------------------------------------------------------- selection

@settings(max_examples=20, deadline=None)
@given(shapes=hnp.mutually_broadcastable_shapes(num_shapes=3, min_dims=0, max_dims=3,
                                                max_side=3),
       dtypes=st.sampled_from([(F32, F32), (I32, F32), (I8, U8), (BOOL, I8), (F16, BF16)]),
       seed=st.integers(0, 1000))
def test_where_three_arguments(shapes, dtypes, seed):
    cond_shape, x_shape, y_shape = shapes.input_shapes
    condition = _values(cond_shape, BOOL, seed=seed)
    x, y = _values(x_shape, dtypes[0], seed=seed + 1), _values(y_shape, dtypes[1], seed=seed + 2)
    dtype = {(F32, F32): F32, (I32, F32): F32, (I8, U8): I16, (BOOL, I8): I8,
             (F16, BF16): F32}[dtypes]
    compute = F32 if dtype in (F16, BF16) else dtype
    expected = np.where(condition, x.astype(compute), y.astype(compute)).astype(dtype)
    _check(jnp.where(jnp.asarray(condition), jnp.asarray(x), jnp.asarray(y)), expected, dtype)


def test_where_with_scalars_and_nonbool_condition():
    x = _values((2, 3), I32, seed=4)
    c = x > 0
    _check(jnp.where(jnp.asarray(c), jnp.asarray(x), 0), np.where(c, x, 0).astype(np.int32))
    result = jnp.where(jnp.asarray(c), jnp.asarray(x), 0.5)
    _check(result, np.where(c, x, 0.5).astype(np.float32), F32)
    _check(jnp.where(jnp.asarray(x), 1.0, -1.0), np.where(x, 1.0, -1.0).astype(np.float32), F32)
    assert jnp.where(True, 1.0, 2.0).weak_type
    _check(jnp.where(jnp.asarray(c), jnp.asarray(x, jnp.int8), 300 - 200),
           np.where(c, x, 100).astype(np.int8), I8)


def test_where_one_argument():
    x = _values((3, 4), I32, seed=5)
    for result, expected in zip(jnp.where(jnp.asarray(x)), np.where(x)):
        _check(result, expected.astype(np.int32), I32)


@pytest.mark.parametrize("dtype", [I32, F32, U8], ids=_name)
def test_clip(dtype):
    x = _values((3, 5), dtype, seed=6, low=-5, high=5)
    for low, high in ((-2 if dtype.kind != "u" else 1, 3), (None, 1), (0, None), (2, 2)):
        expected = np.clip(x, low, high)
        _check(jnp.clip(jnp.asarray(x), low, high), expected.astype(dtype), dtype)
        _check(jnp.asarray(x).clip(low, high), expected.astype(dtype), dtype)
    lo = _values((5,), dtype, seed=7, low=-3, high=1)
    _check(jnp.clip(jnp.asarray(x), jnp.asarray(lo), 3), np.clip(x, lo, 3).astype(dtype))
    if dtype == F32:
        y = np.array([np.nan, -np.inf, np.inf, 0.5], np.float32)
        _check(jnp.clip(jnp.asarray(y), -1, 1), np.clip(y, -1, 1))


# ---------------------------------------------------------------- products

@st.composite
def matmul_shapes(draw):
    m, k, n = (draw(st.integers(1, 4)) for _ in range(3))
    batch = draw(hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=2,
                                                   max_side=3))
    a_shape = batch.input_shapes[0] + (m, k)
    b_shape = batch.input_shapes[1] + (k, n)
    if draw(st.booleans()):
        a_shape = (k,)
    elif draw(st.booleans()):
        b_shape = (k,)
    return a_shape, b_shape


@settings(max_examples=20, deadline=None)
@given(shapes=matmul_shapes(), dtype=st.sampled_from([F32, I32, I8, C64, BF16]),
       seed=st.integers(0, 1000))
def test_matmul(shapes, dtype, seed):
    a_shape, b_shape = shapes
    a, b = _values(a_shape, dtype, seed, -3, 3), _values(b_shape, dtype, seed + 1, -3, 3)
    compute = F32 if dtype == BF16 else dtype
    expected = np.matmul(a.astype(compute), b.astype(compute)).astype(dtype)
    tolerance = dict(rtol=2e-2, atol=1e-1) if dtype == BF16 else \
        dict(rtol=1e-5, atol=1e-5) if dtype.kind in "fc" else {}
    _check(jnp.matmul(jnp.asarray(a), jnp.asarray(b)), expected, dtype, **tolerance)
    _check(jnp.asarray(a) @ jnp.asarray(b), expected, dtype, **tolerance)


@settings(max_examples=20, deadline=None)
@given(a_ndim=st.integers(0, 3), b_ndim=st.integers(0, 3), seed=st.integers(0, 1000))
def test_dot(a_ndim, b_ndim, seed):
    r = np.random.default_rng(seed)
    k = int(r.integers(1, 4))
    a_shape = tuple(int(d) for d in r.integers(1, 4, size=a_ndim))
    b_shape = tuple(int(d) for d in r.integers(1, 4, size=b_ndim))
    if a_ndim and b_ndim:
        a_shape = a_shape[:-1] + (k,)
        b_shape = b_shape[:-2] + (k,) + b_shape[-1:] if b_ndim >= 2 else (k,)
    a, b = _values(a_shape, F32, seed), _values(b_shape, F32, seed + 1)
    expected = np.dot(a, b)
    _check(jnp.dot(jnp.asarray(a), jnp.asarray(b)), expected, F32, rtol=1e-5, atol=1e-5)
    _check(jnp.asarray(a).dot(jnp.asarray(b)) if a_ndim else jnp.dot(a, jnp.asarray(b)),
           expected, F32, rtol=1e-5, atol=1e-5)


def test_matmul_dtype_promotion_and_errors():
    a = _values((2, 3), I8, seed=1)
    b = _values((3, 2), F32, seed=2)
    _check(jnp.matmul(jnp.asarray(a), jnp.asarray(b)), a.astype(np.float32) @ b, F32,
           rtol=1e-6)
    with pytest.raises(ValueError):
        jnp.matmul(jnp.ones((2, 3)), jnp.ones((2, 3)))
    with pytest.raises(ValueError):
        jnp.matmul(jnp.ones(3), 2.0)
    with pytest.raises(ValueError):
        jnp.matmul(jnp.ones((2, 2, 3)), jnp.ones((3, 3, 2)))


# ---------------------------------------------------------------- dtype conversion

def _astype_values(source, target):
    x = _values((4, 3), source, seed=8, low=-100, high=100)
    if target.kind == "u" or target == U8:
        x = np.abs(x).astype(source) if source.kind != "u" else x
    if target in (I8, U8) and source.kind in "fc":
        x = np.clip(x, -100, 100).astype(source)
    return x


@pytest.mark.parametrize("source", [d for d in [BOOL, I8, U8, I32, F16, BF16, F32]], ids=_name)
@pytest.mark.parametrize("target", DTYPES, ids=_name)
def test_astype(source, target):
    x = _astype_values(source, target)
    if source in (F16, BF16) and target not in (F16, BF16, F32, C64):
        expected = x.astype(np.float32).astype(target)
    else:
        expected = x.astype(target)
    _check(jnp.asarray(x).astype(target), expected, target)
    _check(jnp.astype(jnp.asarray(x), target), expected, target)


def test_astype_canonicalizes_64_bit():
    x = jnp.asarray([1.5, 2.5])
    _check(x.astype(np.float64), np.array([1.5, 2.5], np.float32), F32)
    _check(x.astype(np.int64), np.array([1, 2], np.int32), I32)
    _check(x.astype(int), np.array([1, 2], np.int32), I32)
    _check(x.astype(float), np.array([1.5, 2.5], np.float32), F32)
    _check(x.astype(bool), np.array([True, True]), BOOL)
    _check(x.astype("complex64"), np.array([1.5, 2.5], np.complex64), C64)


def test_astype_complex_to_complex_and_float_nonfinite_to_bool():
    z = np.array([1 + 2j, -3.5 - 1j], np.complex64)
    _check(jnp.asarray(z).astype(C64), z)
    f = np.array([np.nan, np.inf, 0.0, -0.0], np.float32)
    _check(jnp.asarray(f).astype(bool), f.astype(bool))


# ---------------------------------------------------------------- small queries

def test_shape_ndim_size():
    x = jnp.ones((2, 3, 4))
    assert jnp.shape(x) == (2, 3, 4) and jnp.ndim(x) == 3 and jnp.size(x) == 24
    assert jnp.size(x, 1) == 3
    assert jnp.shape(5) == () and jnp.ndim(5.0) == 0 and jnp.size(5) == 1
    assert jnp.shape([[1, 2, 3]]) == (1, 3) and jnp.ndim([1, 2]) == 1 and jnp.size([[1], [2]]) == 2


# ---------------------------------------------------------------- staged == eager

def test_jit_matches_eager():
    x = _values((2, 3, 4), F32, seed=9)
    y = _values((4, 2), F32, seed=10)

    def program(a, b):
        t = jnp.moveaxis(a, 0, -1)                  # (3, 4, 2)
        s = jnp.swapaxes(t, 1, 2)                   # (3, 2, 4)
        m = jnp.matmul(s, b)                        # (3, 2, 2)
        c = jnp.concatenate([m, jnp.expand_dims(m[0], 0)], axis=0)
        w = jnp.where(c > 0, c, jnp.clip(c, -1, None))
        return jnp.reshape(jnp.stack([w, -w], axis=-1), (-1, 4)).astype(jnp.float16)

    eager = program(jnp.asarray(x), jnp.asarray(y))
    staged = numax.jit(program)(jnp.asarray(x), jnp.asarray(y))
    t = np.swapaxes(np.moveaxis(x, 0, -1), 1, 2) @ y
    c = np.concatenate([t, t[:1]], axis=0)
    w = np.where(c > 0, c, np.clip(c, -1, None))
    expected = np.reshape(np.stack([w, -w], axis=-1), (-1, 4)).astype(np.float16)
    _check(eager, expected, F16, rtol=2e-3, atol=2e-3)
    _check(staged, np.asarray(eager), F16)


# ---------------------------------------------------------------- nonzero and friends

@settings(max_examples=15, deadline=None)
@given(shape=hnp.array_shapes(min_dims=1, max_dims=3, min_side=0, max_side=4),
       seed=st.integers(0, 1000), size=st.integers(0, 8), fill=st.integers(-3, 3))
def test_nonzero_where_argwhere(shape, seed, size, fill):
    x = (np.random.default_rng(seed).random(shape) < 0.4).astype(np.int8) * 3
    expected = np.nonzero(x)
    for fn in (jnp.nonzero, jnp.where):
        results = fn(jnp.asarray(x))
        assert len(results) == len(expected)
        for r, e in zip(results, expected):
            _check(r, e.astype(np.int32), I32)
    _check(jnp.argwhere(jnp.asarray(x)), np.argwhere(x).astype(np.int32), I32)
    _check(jnp.flatnonzero(jnp.asarray(x)), np.flatnonzero(x).astype(np.int32), I32)
    # with a static size, eagerly and under jit: the first `size` indices, then fill_value
    padded = [np.concatenate([e[:size], np.full(max(size - len(e), 0), fill)]).astype(np.int32)
              for e in expected]
    staged = numax.jit(lambda v: jnp.nonzero(v, size=size, fill_value=fill))(jnp.asarray(x))
    for eager_result, staged_result, e in zip(jnp.nonzero(jnp.asarray(x), size=size,
                                                          fill_value=fill), staged, padded):
        _check(eager_result, e, I32)
        _check(staged_result, e, I32)
    staged = numax.jit(lambda v: jnp.argwhere(v, size=size, fill_value=fill))(jnp.asarray(x))
    _check(staged, np.stack(padded, axis=1) if padded else np.zeros((size, 0), np.int32), I32)


def test_nonzero_errors_and_counts():
    with pytest.raises(numax.errors.ConcretizationTypeError):
        numax.jit(lambda v: jnp.nonzero(v))(jnp.ones(3))
    with pytest.raises(numax.errors.ConcretizationTypeError):
        numax.jit(lambda v: jnp.where(v))(jnp.ones(3))
    with pytest.raises(ValueError):
        jnp.nonzero(jnp.asarray(1.0))
    x = np.array([[0, 1.5, 0], [2, 0, -1]], np.float32)
    _check(jnp.count_nonzero(jnp.asarray(x)), np.int32(np.count_nonzero(x)), I32)
    _check(jnp.count_nonzero(jnp.asarray(x), axis=0),
           np.count_nonzero(x, axis=0).astype(np.int32), I32)
    _check(jnp.count_nonzero(jnp.asarray(x), axis=1, keepdims=True),
           np.count_nonzero(x, axis=1, keepdims=True).astype(np.int32), I32)
    staged = numax.jit(lambda v: jnp.nonzero(v, size=3, fill_value=(-1, -2)))(jnp.asarray(x))
    _check(staged[0], np.array([0, 1, 1], np.int32))
    _check(staged[1], np.array([1, 0, 2], np.int32))


def test_axis_errors_on_zero_dimensional_arrays():
    for fn in (lambda: jnp.squeeze(jnp.asarray(1.0), 0), lambda: jnp.sum(jnp.asarray(1.0), 0),
               lambda: jnp.argmax(jnp.asarray(1.0), 0), lambda: jnp.swapaxes(jnp.asarray(1), 0, 0)):
        with pytest.raises(np.exceptions.AxisError):
            fn()
