"""Host callbacks: numax.pure_callback and numax.experimental.io_callback.

Results are compared with NumPy applied to the same inputs; vmap against a Python loop;
orderings against the order of the Python program. Also the errors: callbacks that
return the wrong shape, dtype or number of values, that raise, that are differentiated
or vmapped where that is undefined.
"""

import numpy as np
import pytest

import numax
import numax.numpy as jnp
from numax.callbacks import CallbackError
from numax.experimental import io_callback


def _x(*shape, seed=0):
    return np.random.default_rng(seed).uniform(-1, 1, shape).astype(np.float32)


def _sds(x):
    return numax.ShapeDtypeStruct(np.shape(x), x.dtype if hasattr(x, "dtype") else np.float32)


def _sin(x):
    return numax.pure_callback(np.sin, _sds(x), x)


# ---------------------------------------------------------------- pure_callback

def test_pure_callback_eager_and_jit_match_numpy():
    x = _x(3, 4)
    np.testing.assert_array_equal(np.asarray(_sin(x)), np.sin(x))
    np.testing.assert_array_equal(np.asarray(numax.jit(_sin)(x)), np.sin(x))
    # the callback's result flows into compiled code around it
    f = numax.jit(lambda x: _sin(x * 2) + 1)
    np.testing.assert_allclose(np.asarray(f(x)), np.sin(x * 2) + 1, rtol=1e-6)


def test_pure_callback_pytrees_kwargs_and_received_types():
    seen = []

    def host(pair, scale, *, offset):
        a, b = pair
        seen.append([(type(v), v.dtype, v.shape, v.flags.writeable) for v in (a, b, scale, offset)])
        return {"sum": (a + b) * scale + offset, "count": np.int32(a.size)}

    shapes = {"sum": numax.ShapeDtypeStruct((3,), np.float32),
              "count": numax.ShapeDtypeStruct((), np.int32)}
    a, b = _x(3), _x(3, seed=1)

    def f(a, b):
        return numax.pure_callback(host, shapes, (a, b), np.float32(2), offset=jnp.float32(0.5))

    for out in (f(a, b), numax.jit(f)(a, b)):
        np.testing.assert_allclose(np.asarray(out["sum"]), (a + b) * 2 + 0.5, rtol=1e-6)
        assert int(out["count"]) == 3 and out["count"].dtype == np.int32
    eager_types, jit_types = seen
    assert eager_types == jit_types
    assert all(t is np.ndarray and not writeable for t, _, _, writeable in eager_types)
    assert [d for _, d, _, _ in eager_types] == [np.float32] * 4


def test_pure_callback_dtypes_round_trip():
    values = [np.array(True), np.array([1, 2, 3], np.int8), np.zeros((0, 2), np.float32),
              np.array([1.5, -2.0], jnp.bfloat16), np.array(7, np.uint32)]

    def f(*xs):
        return numax.pure_callback(lambda *a: [v.copy() for v in a], [_sds(v) for v in values], *xs)

    for out in (f(*values), numax.jit(f)(*values)):
        for got, want in zip(out, values):
            assert got.dtype == want.dtype and got.shape == want.shape
            np.testing.assert_array_equal(np.asarray(got).astype(np.float64),
                                          want.astype(np.float64))


def test_pure_callback_noncontiguous_result():
    x = _x(3, 4)
    f = numax.jit(lambda x: numax.pure_callback(lambda a: np.asarray(a).T.copy().T, _sds(x), x))
    np.testing.assert_array_equal(np.asarray(f(x)), x)
    g = numax.jit(lambda x: numax.pure_callback(lambda a: np.asfortranarray(a), _sds(x), x))
    np.testing.assert_array_equal(np.asarray(g(x)), x)


@pytest.mark.parametrize("method", ["sequential", "sequential_unrolled", "expand_dims",
                                    "broadcast_all", "legacy_vectorized"])
def test_pure_callback_vmap_methods(method):
    seen = []

    def host(x, y):
        seen.append((x.shape, y.shape))
        return np.sin(x) * y

    def f(x, y):
        return numax.pure_callback(host, _sds(x), x, y, vmap_method=method)

    x, y = _x(5, 3), _x(3, seed=1)
    expected = np.sin(x) * y
    out = numax.vmap(f, in_axes=(0, None))(x, y)
    np.testing.assert_allclose(np.asarray(out), expected, rtol=1e-6)
    out_jit = numax.jit(numax.vmap(f, in_axes=(0, None)))(x, y)
    np.testing.assert_allclose(np.asarray(out_jit), expected, rtol=1e-6)
    shapes_for_y = {"sequential": [((3,), (3,))] * 5, "sequential_unrolled": [((3,), (3,))] * 5,
                    "expand_dims": [((5, 3), (1, 3))], "broadcast_all": [((5, 3), (5, 3))],
                    "legacy_vectorized": [((5, 3), (3,))]}[method]
    assert seen == shapes_for_y * 2  # eager, then jit


@pytest.mark.parametrize("method", ["sequential", "expand_dims", "broadcast_all"])
def test_pure_callback_vmap_axes_nested_and_under_jit(method):
    f = lambda x: numax.pure_callback(np.sin, _sds(x), x, vmap_method=method)  # noqa: E731
    x = _x(4, 3, 2)
    np.testing.assert_allclose(np.asarray(numax.vmap(f, in_axes=2, out_axes=1)(x)),
                               np.moveaxis(np.sin(x), 2, 1), rtol=1e-6)
    nested = numax.vmap(numax.vmap(f, in_axes=1), in_axes=0)
    np.testing.assert_allclose(np.asarray(nested(x)), np.sin(x).transpose(0, 2, 1), rtol=1e-6)
    np.testing.assert_allclose(np.asarray(numax.vmap(numax.jit(f))(x)), np.sin(x), rtol=1e-6)
    np.testing.assert_allclose(np.asarray(numax.jit(numax.vmap(f, in_axes=1))(x)),
                               np.moveaxis(np.sin(x), 1, 0), rtol=1e-6)


def test_nested_sequential_vmap_calls_once_per_element():
    calls = []

    def host(v):
        calls.append(v.copy())
        return v * 2

    f = lambda v: numax.pure_callback(host, _sds(v), v, vmap_method="sequential")  # noqa: E731
    x = _x(2, 3, 4)
    out = numax.jit(numax.vmap(numax.vmap(f)))(x)
    np.testing.assert_allclose(np.asarray(out), x * 2, rtol=1e-6)
    assert len(calls) == 6 and all(c.shape == (4,) for c in calls)
    expected = sorted(map(tuple, x.reshape(6, 4).tolist()))
    assert sorted(map(tuple, np.asarray(calls).tolist())) == expected


def test_pure_callback_vmap_without_method_is_an_error():
    f = lambda x: numax.pure_callback(np.sin, _sds(x), x)  # noqa: E731
    with pytest.raises(NotImplementedError, match="vmap_method"):
        numax.vmap(f)(_x(3, 2))
    with pytest.raises(ValueError, match="vmap_method"):
        numax.pure_callback(np.sin, _sds(_x(2)), _x(2), vmap_method="vectorized")


def test_pure_callback_is_not_differentiable():
    f = lambda x: _sin(x).sum()  # noqa: E731
    with pytest.raises(ValueError, match="custom_jvp"):
        numax.grad(f)(_x(3))
    with pytest.raises(ValueError, match="cannot differentiate"):
        numax.jvp(_sin, (_x(3),), (_x(3, seed=1),))
    with pytest.raises(ValueError, match="cannot differentiate"):
        numax.jit(numax.grad(f))(_x(3))
    # not differentiating the callback's input is fine
    g = lambda x, y: (_sin(y) * x).sum()  # noqa: E731
    x, y = _x(3), _x(3, seed=1)
    np.testing.assert_allclose(np.asarray(numax.grad(g)(x, y)), np.sin(y), rtol=1e-6)


def test_pure_callback_inside_custom_jvp_differentiates():
    @numax.custom_jvp
    def sin(x):
        return _sin(x)

    @sin.defjvp
    def sin_jvp(primals, tangents):
        (x,), (t,) = primals, tangents
        return sin(x), numax.pure_callback(np.cos, _sds(x), x) * t

    x = _x(4)
    np.testing.assert_allclose(np.asarray(numax.grad(lambda x: sin(x).sum())(x)), np.cos(x),
                               rtol=1e-6)
    np.testing.assert_allclose(np.asarray(numax.jit(numax.grad(lambda x: sin(x).sum()))(x)),
                               np.cos(x), rtol=1e-6)


def test_pure_callback_calling_numax_inside():
    def host(a):
        return np.asarray(jnp.sin(jnp.asarray(a)) * 2)

    x = _x(5)
    out = numax.jit(lambda x: numax.pure_callback(host, _sds(x), x))(x)
    np.testing.assert_allclose(np.asarray(out), np.sin(x) * 2, rtol=1e-6)


def test_lower_compile_and_make_jaxpr():
    x = _x(3)
    lowered = numax.jit(_sin).lower(x)
    assert "stablehlo.custom_call" in lowered.as_text()
    np.testing.assert_array_equal(np.asarray(lowered.compile()(x)), np.sin(x))
    assert "pure_callback" in str(numax.make_jaxpr(_sin)(x))


def test_results_follow_committed_device():
    device = numax.devices()[-1]
    x = numax.device_put(_x(3), device)
    out = _sin(x)
    assert out.device == device and out.committed


# ---------------------------------------------------------------- io_callback

def test_io_callback_ordered_follows_program_order():
    log = []

    def record(tag, v):
        log.append((int(tag), float(v)))

    @numax.jit
    def f(x):
        # the values are computed in the reverse order of the calls
        values = [jnp.sin(x[i]) * (i + 1) for i in reversed(range(5))][::-1]
        for i, v in enumerate(values):
            io_callback(record, None, np.int32(i), v, ordered=True)
        return x

    x = _x(5)
    f(x)
    f(x + 1)
    expected = [(i, float(np.float32(np.sin(xs[i])) * (i + 1))) for xs in (x, x + 1)
                for i in range(5)]
    assert [t for t, _ in log] == [t for t, _ in expected]
    np.testing.assert_allclose([v for _, v in log], [v for _, v in expected], rtol=1e-6)


def test_io_callback_order_across_nested_jit_and_eager():
    log = []

    def mark(name):
        return lambda v: log.append((name, float(v)))

    @numax.jit
    def inner(x):
        io_callback(mark("inner-a"), None, x, ordered=True)
        io_callback(mark("inner-b"), None, x + 1, ordered=True)
        return x * 2

    @numax.jit
    def outer(x):
        io_callback(mark("outer-first"), None, x, ordered=True)
        y = inner(x)
        io_callback(mark("outer-last"), None, y, ordered=True)
        return y

    outer(np.float32(1))
    io_callback(mark("eager"), None, np.float32(5), ordered=True)
    outer(np.float32(2))
    assert log == [("outer-first", 1.0), ("inner-a", 1.0), ("inner-b", 2.0), ("outer-last", 2.0),
                   ("eager", 5.0),
                   ("outer-first", 2.0), ("inner-a", 2.0), ("inner-b", 3.0), ("outer-last", 4.0)]


def test_io_callback_results_and_unused_results_are_kept():
    calls = []

    def host(v):
        calls.append(float(v))
        return np.float32(v * 3)

    @numax.jit
    def f(x):
        io_callback(host, numax.ShapeDtypeStruct((), np.float32), x)  # result unused
        return io_callback(host, numax.ShapeDtypeStruct((), np.float32), x + 1) * 2

    out = f(np.float32(1))
    assert float(out) == 12.0 and calls == [1.0, 2.0]


def test_io_callback_vmap_unordered_runs_per_element_in_order():
    log = []

    def host(v):
        log.append(v.copy())
        return v.sum(dtype=np.float32)

    f = lambda v: io_callback(host, numax.ShapeDtypeStruct((), np.float32), v)  # noqa: E731
    x = _x(4, 3)
    out = numax.jit(numax.vmap(f))(x)
    np.testing.assert_allclose(np.asarray(out), x.sum(axis=1), rtol=1e-6)
    np.testing.assert_array_equal(np.asarray(log), x)


def test_io_callback_vmap_ordered_is_an_error():
    f = lambda v: io_callback(lambda a: None, None, v, ordered=True)  # noqa: E731
    with pytest.raises(ValueError, match="cannot vmap the ordered io_callback"):
        numax.vmap(f)(_x(3, 2))
    with pytest.raises(ValueError, match="cannot vmap the ordered io_callback"):
        numax.jit(numax.vmap(f))(_x(3, 2))


def test_io_callback_is_not_differentiable():
    f = lambda x: io_callback(np.sin, _sds(x), x).sum()  # noqa: E731
    with pytest.raises(ValueError, match="cannot differentiate"):
        numax.grad(f)(_x(3))


# ---------------------------------------------------------------- errors

@pytest.mark.parametrize("mode", ["eager", "jit"])
def test_wrong_result_shape_or_dtype_names_callback_and_types(mode):
    def wrap(f):
        return numax.jit(f) if mode == "jit" else f

    def too_long(a):
        return np.zeros(4, np.float32)

    def as_float64(a):
        return np.zeros(3, np.float64)

    def two_values(a):
        return a, a

    x = _x(3)
    with pytest.raises(CallbackError, match=r"'too_long'.*float32\[4\].*declares float32\[3\]"):
        wrap(lambda x: numax.pure_callback(too_long, _sds(x), x))(x)
    with pytest.raises(CallbackError, match=r"'as_float64'.*float64\[3\].*declares float32\[3\]"):
        wrap(lambda x: numax.pure_callback(as_float64, _sds(x), x))(x)
    with pytest.raises(CallbackError, match=r"'two_values' returned 2 value\(s\).*declares 1"):
        wrap(lambda x: numax.pure_callback(two_values, _sds(x), x))(x)
    with pytest.raises(CallbackError, match=r"io_callback.*'too_long'"):
        wrap(lambda x: io_callback(too_long, _sds(x), x))(x)


@pytest.mark.parametrize("mode", ["eager", "jit", "vmap"])
def test_exception_in_callback_is_raised_with_its_message(mode):
    def broken(a):
        raise ZeroDivisionError("the host function failed on purpose")

    f = lambda x: numax.pure_callback(broken, _sds(x), x, vmap_method="sequential")  # noqa: E731
    f = {"eager": f, "jit": numax.jit(f), "vmap": numax.jit(numax.vmap(f))}[mode]
    with pytest.raises(CallbackError, match="'broken' raised ZeroDivisionError: the host function "
                                            "failed on purpose") as info:
        f(_x(2, 3))
    assert isinstance(info.value.__cause__, ZeroDivisionError)
    assert isinstance(info.value, numax.errors.JaxRuntimeError)


def test_program_still_runs_after_a_failed_call():
    def host(a):
        if a[0] < 0:
            raise ValueError("negative")
        return np.sqrt(a)

    f = numax.jit(lambda x: numax.pure_callback(host, _sds(x), x))
    with pytest.raises(CallbackError, match="negative"):
        f(np.array([-1.0, 4.0], np.float32))
    np.testing.assert_allclose(np.asarray(f(np.array([1.0, 4.0], np.float32))), [1.0, 2.0])


def test_bad_result_shape_dtypes_and_arguments():
    with pytest.raises(ValueError, match="64-bit"):
        numax.pure_callback(np.sin, numax.ShapeDtypeStruct((2,), np.float64), _x(2))
    with pytest.raises(TypeError, match=r"\.shape and \.dtype"):
        numax.pure_callback(np.sin, [1.0], _x(2))
    with pytest.raises(TypeError, match="closure or functools.partial"):
        numax.pure_callback(lambda x, s: x, _sds(_x(2)), _x(2), "mode")
    with numax.enable_x64():
        x = np.arange(3, dtype=np.float64)
        out = numax.jit(lambda x: numax.pure_callback(np.sin, _sds(x), x))(x)
        assert out.dtype == np.float64
        np.testing.assert_array_equal(np.asarray(out), np.sin(x))


def test_effects_barrier():
    log = []
    numax.jit(lambda x: io_callback(lambda v: log.append(float(v)), None, x))(np.float32(3))
    numax.effects_barrier()
    assert log == [3.0]
