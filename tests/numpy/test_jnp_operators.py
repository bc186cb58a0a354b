"""Python operators and array methods on numax arrays (and on tracers under jit) against
NumPy: arithmetic, reflected operators with Python scalars and NumPy values on the left,
comparisons (including with None and other non-array objects), unary operators,
conversions (bool, int, float, index, len, hash), properties and methods.

Dtypes follow JAX with x64 off: a Python scalar operand is weakly typed, so it takes the
array's dtype (int8 array + 1 is int8, int32 array * 1.5 is float32).
"""

import operator

import ml_dtypes
import numpy as np
import pytest

import numax
import numax.numpy as jnp

BF16 = np.dtype(ml_dtypes.bfloat16)
F16, F32, C64 = np.dtype(np.float16), np.dtype(np.float32), np.dtype(np.complex64)
I8, U8, I32, BOOL = (np.dtype(d) for d in (np.int8, np.uint8, np.int32, np.bool_))


def _check(result, expected, dtype=None, weak_type=None, rtol=0.0):
    assert isinstance(result, numax.Array), type(result)
    expected = np.asarray(expected)
    dtype = expected.dtype if dtype is None else np.dtype(dtype)
    assert result.dtype == dtype, (result.dtype, dtype)
    if weak_type is not None:
        assert result.weak_type == weak_type, (result.weak_type, weak_type)
    assert result.shape == expected.shape, (result.shape, expected.shape)
    if rtol:
        np.testing.assert_allclose(np.asarray(result), expected.astype(dtype), rtol=rtol)
    else:
        np.testing.assert_array_equal(np.asarray(result), expected.astype(dtype))


ARITHMETIC = [operator.add, operator.sub, operator.mul, operator.truediv, operator.floordiv,
              operator.mod, operator.pow]
BITWISE = [operator.and_, operator.or_, operator.xor, operator.lshift, operator.rshift]
COMPARISONS = [operator.eq, operator.ne, operator.lt, operator.le, operator.gt, operator.ge]

X_INT = np.array([[-7, -2, 1], [3, 5, 9]], np.int32)   # no zeros: they are divisors below
Y_INT = np.array([[2, -3, 4], [-1, 2, 3]], np.int32)
X_FLOAT = np.array([[-7.5, -2.0, 0.25], [3.0, 5.5, 9.0]], np.float32)
Y_FLOAT = np.array([[2.0, -3.0, 4.0], [-1.5, 2.0, 0.5]], np.float32)


def _expected(op, x, y, dtype):
    """NumPy's answer in `dtype` (the dtype JAX gives the operator's result)."""
    with np.errstate(all="ignore"):
        if op is operator.truediv:
            return op(np.asarray(x, np.float32), np.asarray(y, np.float32))
        if op in COMPARISONS:
            return op(np.asarray(x), np.asarray(y))
        return np.asarray(op(np.asarray(x, dtype), np.asarray(y, dtype))).astype(dtype)


@pytest.mark.parametrize("op", ARITHMETIC + COMPARISONS, ids=lambda o: o.__name__)
@pytest.mark.parametrize("kind", ["int", "float"])
def test_operators_between_arrays(op, kind):
    x, y = (X_INT, Y_INT) if kind == "int" else (X_FLOAT, Y_FLOAT)
    if op is operator.pow and kind == "int":
        y = np.abs(y)
    dtype = F32 if op is operator.truediv else BOOL if op in COMPARISONS else x.dtype
    _check(op(jnp.asarray(x), jnp.asarray(y)), _expected(op, x, y, dtype), dtype, rtol=1e-6
           if dtype == F32 else 0)


@pytest.mark.parametrize("op", ARITHMETIC + COMPARISONS, ids=lambda o: o.__name__)
@pytest.mark.parametrize("scalar", [3, 2.5, -2])
@pytest.mark.parametrize("dtype", [I8, I32, F16, F32], ids=str)
def test_operators_with_python_scalars_on_both_sides(op, scalar, dtype):
    x = (X_INT if dtype.kind == "i" else X_FLOAT).astype(dtype)
    if op is operator.pow and dtype.kind == "i" and isinstance(scalar, int):
        scalar = abs(scalar)
    # the weak scalar takes the array's dtype, unless it is a float meeting integers;
    # then the result is a weakly typed float32, as in JAX
    promoted = F32 if dtype.kind == "i" and isinstance(scalar, float) else dtype
    weak = promoted != dtype and op not in COMPARISONS
    result_dtype = BOOL if op in COMPARISONS else \
        F32 if op is operator.truediv and promoted.kind == "i" else promoted
    compute = F32 if promoted == F16 or op is operator.truediv else promoted
    right = op(jnp.asarray(x), scalar)
    left = op(scalar, jnp.asarray(x))
    for result, (a, b) in ((right, (x, scalar)), (left, (scalar, x))):
        if op is operator.pow and not isinstance(a, np.ndarray) and dtype.kind == "i" and \
                np.any(np.asarray(b) < 0):
            continue   # scalar ** negative integers: not an integer
        with np.errstate(all="ignore"):
            expected = op(np.asarray(a, compute), np.asarray(b, compute))
        expected = np.asarray(expected).astype(result_dtype)
        rtol = 2e-3 if dtype == F16 else 1e-6 if result_dtype.kind == "f" else 0
        if op is operator.pow and rtol:
            rtol = max(rtol, 4e-6)
        _check(result, expected, result_dtype, rtol=rtol, weak_type=weak)


@pytest.mark.parametrize("op", BITWISE, ids=lambda o: o.__name__)
@pytest.mark.parametrize("dtype", [I8, U8, I32, BOOL], ids=str)
def test_bitwise_operators(op, dtype):
    if dtype == BOOL and op in (operator.lshift, operator.rshift):
        pytest.skip("NumPy does not shift booleans")
    rng = np.random.default_rng(0)
    if dtype == BOOL:
        x, y = rng.random((3, 4)) < 0.5, rng.random((3, 4)) < 0.5
    else:
        x = rng.integers(-100 if dtype.kind == "i" else 0, 100, size=(3, 4)).astype(dtype)
        y = rng.integers(0, 7, size=(3, 4)).astype(dtype)
    _check(op(jnp.asarray(x), jnp.asarray(y)), op(x, y), dtype)
    if dtype != BOOL:
        _check(op(jnp.asarray(x), 3), op(x, dtype.type(3)), dtype)
        _check(op(5, jnp.asarray(y)), op(dtype.type(5), y), dtype)
    else:
        _check(op(jnp.asarray(x), True), op(x, True), dtype)


def test_unary_operators():
    x = jnp.asarray(X_INT)
    _check(-x, -X_INT)
    _check(+x, +X_INT)
    _check(abs(x), np.abs(X_INT))
    _check(~x, ~X_INT)
    b = jnp.asarray(X_INT > 0)
    _check(~b, ~(X_INT > 0))
    f = jnp.asarray(X_FLOAT)
    _check(-f, -X_FLOAT)
    _check(abs(f), np.abs(X_FLOAT))
    with pytest.raises(TypeError):
        ~f
    z = jnp.asarray(np.array([3 + 4j, -1j], np.complex64))
    _check(abs(z), np.float32([5, 1]), F32)


def test_divmod_and_matmul_operators():
    q, r = divmod(jnp.asarray(X_INT), jnp.asarray(Y_INT))
    _check(q, X_INT // Y_INT)
    _check(r, X_INT % Y_INT)
    q, r = divmod(jnp.asarray(X_FLOAT), 2.5)
    _check(q, np.floor_divide(X_FLOAT, np.float32(2.5)))
    _check(r, np.remainder(X_FLOAT, np.float32(2.5)), rtol=1e-6)
    q, r = divmod(7, jnp.asarray(Y_INT))
    _check(q, 7 // Y_INT)
    _check(r, 7 % Y_INT)
    a = np.arange(6, dtype=np.float32).reshape(2, 3)
    _check(jnp.asarray(a) @ jnp.asarray(a.T), a @ a.T, rtol=1e-6)
    _check(a @ jnp.asarray(a.T), a @ a.T, rtol=1e-6)


def test_operators_with_numpy_values_on_the_left_give_arrays():
    x = jnp.asarray(X_FLOAT)
    for op in (operator.add, operator.mul, operator.sub, operator.truediv, operator.lt,
               operator.eq):
        result = op(Y_FLOAT, x)
        assert isinstance(result, numax.Array), (op, type(result))
        _check(result, op(Y_FLOAT, X_FLOAT), rtol=1e-6)
        result = op(np.float32(2.0), x)
        assert isinstance(result, numax.Array), (op, type(result))
        _check(result, op(np.float32(2.0), X_FLOAT), rtol=1e-6)
    # a float64 NumPy array is strongly typed: canonicalised to float32 with x64 off
    _check(np.ones((2, 3)) + jnp.asarray(X_INT), X_INT + 1.0, F32, weak_type=False)


def test_comparisons_with_non_arrays():
    x = jnp.asarray(np.arange(3, dtype=np.int32))
    assert (x == None) is False  # noqa: E711  (JAX: NotImplemented, then identity)
    assert (x != None) is True  # noqa: E711
    assert (x == "abc") is False
    assert (x == object()) is False
    with pytest.raises(TypeError):
        x < None  # noqa: B015
    with pytest.raises(TypeError):
        x + "abc"  # noqa: B018
    with pytest.raises(TypeError):
        x + [1, 2, 3]  # noqa: B018


def test_in_place_operators_rebind():
    x = jnp.asarray(np.arange(3, dtype=np.int32))
    y = x
    y += 1
    _check(y, np.arange(3) + 1, I32)
    _check(x, np.arange(3), I32)    # arrays are immutable: x is unchanged
    y *= 2.5
    _check(y, (np.arange(3) + 1) * 2.5, F32)


def test_conversions():
    assert bool(jnp.asarray(1.0)) is True and bool(jnp.asarray([0])) is False
    with pytest.raises(ValueError):
        bool(jnp.asarray([1, 2]))
    assert int(jnp.asarray(7.9)) == 7 and float(jnp.asarray(2)) == 2.0
    assert complex(jnp.asarray(1 + 2j)) == 1 + 2j
    assert operator.index(jnp.asarray(4)) == 4
    assert [10, 11, 12][jnp.asarray(2)] == 12
    with pytest.raises(TypeError):
        operator.index(jnp.asarray(4.0))
    with pytest.raises(TypeError):
        hash(jnp.asarray(1))
    assert jnp.asarray([[1, 2]]).tolist() == [[1, 2]]
    assert jnp.asarray(2.5).item() == 2.5
    assert f"{jnp.asarray(2.5):.2f}" == "2.50"
    assert round(jnp.asarray(2.567), 2).dtype == F32
    np.testing.assert_allclose(np.asarray(round(jnp.asarray(2.567), 2)), 2.57, rtol=1e-6)


def test_properties():
    x = np.arange(24, dtype=np.float32).reshape(2, 3, 4)
    a = jnp.asarray(x)
    assert a.shape == x.shape and a.ndim == 3 and a.size == 24 and a.dtype == F32
    assert a.itemsize == 4 and a.nbytes == 96
    _check(a.T, x.T)
    _check(a.mT, np.swapaxes(x, -1, -2))
    z = np.array([1 + 2j, 3 - 4j], np.complex64)
    _check(jnp.asarray(z).real, z.real)
    _check(jnp.asarray(z).imag, z.imag)
    _check(jnp.asarray(x).real, x)
    _check(jnp.asarray(x).imag, np.zeros_like(x))


def test_methods():
    x = np.arange(-6, 6, dtype=np.float32).reshape(3, 4)
    a = jnp.asarray(x)
    _check(a.sum(), x.sum())
    _check(a.sum(axis=0), x.sum(axis=0))
    _check(a.mean(1), x.mean(1), rtol=1e-6)
    _check(a.max(axis=1, keepdims=True), x.max(axis=1, keepdims=True))
    _check(a.argmin(), np.int32(x.argmin()))
    _check(a.reshape(4, 3), x.reshape(4, 3))
    _check(a.reshape((2, -1)), x.reshape((2, -1)))
    _check(a.transpose(1, 0), x.transpose(1, 0))
    _check(a.transpose((1, 0)), x.transpose((1, 0)))
    _check(a.ravel(), x.ravel())
    _check(a.astype(jnp.int8), x.astype(np.int8))
    _check(a.clip(-1, 2), x.clip(-1, 2))
    _check(a.round(), np.round(x))
    _check(a.conj(), x.conj())
    _check(a.dot(a.T), x.dot(x.T), rtol=1e-6)
    _check(a[None].squeeze(0), x)
    _check(a.swapaxes(0, 1), x.swapaxes(0, 1))
    _check(a.all(axis=0), x.all(axis=0))
    _check(a.any(), x.any())
    _check(a.var(ddof=1), x.var(ddof=1), rtol=1e-6)
    _check(a.std(), x.std(), rtol=1e-6)
    _check(a.prod(axis=1), x.prod(axis=1))


def test_operators_on_tracers_match_eager():
    x = jnp.asarray(X_INT)
    y = jnp.asarray(Y_INT)

    def program(a, b):
        return (a + 1, 2 * a - b, a // b, a % 3, 7 % b, a ** 2, 2 ** jnp.abs(b), a / 2,
                a < b, a == b, -a, ~a, a & b, a | 4, a ^ b, a << 1, a >> 1, abs(a),
                a * 1.5, 1.5 - a, a[1, ::-1], a.T @ b, a.sum(axis=0), a.astype(jnp.float32))

    eager = program(x, y)
    staged = numax.jit(program)(x, y)
    expected = program(X_INT, Y_INT)   # the same program run by NumPy
    for e, s, n in zip(eager, staged, expected):
        assert e.dtype == s.dtype and e.shape == s.shape and e.weak_type == s.weak_type
        np.testing.assert_array_equal(np.asarray(s), np.asarray(e))
        n = np.asarray(n)
        if n.dtype == np.float64:
            n = n.astype(np.float32)
        if n.dtype == np.int64:
            n = n.astype(np.int32)
        np.testing.assert_allclose(np.asarray(s), n, rtol=1e-6)
        assert s.dtype == n.dtype, (s.dtype, n.dtype)


def test_weak_types_through_operators():
    x8 = jnp.asarray(np.ones(3, np.int8))
    _check(x8 + 1, np.full(3, 2, np.int8), I8, weak_type=False)
    _check(x8 * 1.5, np.full(3, 1.5, np.float32), F32, weak_type=True)
    h = jnp.asarray(np.ones(3, np.float16))
    _check(h + 1.5, np.full(3, 2.5, np.float16), F16, weak_type=False)
    w = jnp.asarray(2.0)
    _check(w + 1, np.float32(3.0), F32, weak_type=True)
    _check(w + h, np.full(3, 3.0, np.float16), F16, weak_type=False)
    _check(jnp.asarray(3) * 2, np.int32(6), I32, weak_type=True)
    _check(jnp.asarray(3) + np.int8(1), np.int8(4), I8, weak_type=False)
    _check(jnp.asarray(np.ones(2, np.uint8)) + jnp.asarray(np.ones(2, np.int8)),
           np.full(2, 2, np.int16), np.int16)


def test_copy_and_nonzero_methods():
    x = np.array([[0, 2], [3, 0]], np.int32)
    _check(jnp.asarray(x).copy(), x)
    for result, expected in zip(jnp.asarray(x).nonzero(), x.nonzero()):
        _check(result, expected.astype(np.int32))
    staged = numax.jit(lambda v: v.nonzero(size=3, fill_value=-1))(jnp.asarray(x))
    _check(staged[0], np.array([0, 1, -1], np.int32))
    _check(staged[1], np.array([1, 0, -1], np.int32))
