"""numax.debug.print and numax.debug.callback, eagerly and under jit, vmap and grad.

The printed text is captured and compared with the same format string applied, in
Python, to the values NumPy computes; derivatives are compared with their closed
forms, to check that printing leaves them alone.
"""

import numpy as np
import pytest

import numax
import numax.numpy as jnp
from numax.callbacks import CallbackError


def _x(*shape, seed=0):
    return np.random.default_rng(seed).uniform(-1, 1, shape).astype(np.float32)


def _lines(capsys):
    return capsys.readouterr().out.splitlines()


def test_print_eager_and_jit_give_the_same_text(capsys):
    x = _x(3)

    def f(x):
        numax.debug.print("x = {}, sum = {s:.3f}, first = {x0}", x, s=x.sum(), x0=x[0])
        return x * 2

    f(jnp.asarray(x))
    eager = _lines(capsys)
    numax.jit(f)(x)
    jitted = _lines(capsys)
    expected = "x = {}, sum = {s:.3f}, first = {x0}".format(x, s=x.sum(), x0=x[0])
    assert eager == jitted == [expected]


def test_print_under_jit_every_call_with_runtime_values(capsys):
    @numax.jit
    def f(x, y):
        z = jnp.sin(x) * y
        numax.debug.print("z={z} y={}", y, z=z)
        return z

    x, y = _x(2, 2), np.float32(1.5)
    f(x, y)
    f(x + 1, y)
    z1 = np.sin(x) * y
    z2 = np.sin(x + np.float32(1)) * y
    assert capsys.readouterr().out == f"z={z1} y={np.array(y)}\nz={z2} y={np.array(y)}\n"


def test_print_without_arguments_and_pytrees(capsys):
    @numax.jit
    def f(x):
        numax.debug.print("hello")
        numax.debug.print("{a} {b[0]} {b[1]}", a=x, b=(x + 1, x * 2))
        return x

    f(np.arange(2, dtype=np.int32))
    x = np.arange(2, dtype=np.int32)
    assert _lines(capsys) == ["hello", f"{x} {x + 1} {x * 2}"]


def test_prints_follow_program_order(capsys):
    @numax.jit
    def f(x):
        numax.debug.print("a {}", x.sum())
        numax.debug.print("b {}", x)
        y = jnp.sin(x) @ x
        numax.debug.print("c {}", y)
        numax.debug.print("d")
        numax.debug.print("e {}", x[0], ordered=True)
        return y

    x = np.arange(4, dtype=np.float32)
    f(x)
    y = np.float32(np.sin(x) @ x)
    assert _lines(capsys) == [f"a {x.sum()}", f"b {x}", f"c {np.array(y)}", "d", f"e {x[0]}"]


def test_print_in_nested_jit_with_unused_results(capsys):
    @numax.jit
    def inner(x):
        numax.debug.print("inner {}", x)
        return x + 1

    @numax.jit
    def outer(x):
        inner(x)  # result unused: the print must still happen
        numax.debug.print("outer {}", x * 2, ordered=True)
        return x * 2

    x = np.arange(3, dtype=np.int32)
    outer(x)
    assert _lines(capsys) == [f"inner {x}", f"outer {x * 2}"]


def test_print_under_vmap_once_per_element_in_order(capsys):
    def f(x, y):
        numax.debug.print("x={} y={}", x, y)
        return x * y

    x, y = _x(4, 3), np.float32(2)
    out = numax.vmap(f, in_axes=(0, None))(x, y)
    eager = _lines(capsys)
    numax.jit(numax.vmap(f, in_axes=(0, None)))(x, y)
    jitted = _lines(capsys)
    numax.vmap(numax.jit(f), in_axes=(1, None))(x.T, y)
    moved = _lines(capsys)
    expected = [f"x={x[i]} y={np.array(y)}" for i in range(4)]
    assert eager == jitted == moved == expected
    np.testing.assert_allclose(np.asarray(out), x * y)


def test_print_under_nested_vmap(capsys):
    def f(x):
        numax.debug.print("{}", x)
        return x

    x = np.arange(6, dtype=np.int32).reshape(2, 3)
    numax.jit(numax.vmap(numax.vmap(f)))(x)
    lines = _lines(capsys)
    assert sorted(lines) == sorted(str(v) for v in x.reshape(-1))


def test_print_under_grad_shows_primals_and_keeps_derivatives(capsys):
    def f(x):
        numax.debug.print("x={}", x)
        y = jnp.sin(x)
        numax.debug.print("y={}", y)
        return (y * y).sum()

    x = _x(3)
    expected_grad = 2 * np.sin(x) * np.cos(x)
    expected_lines = [f"x={x}", f"y={np.sin(x)}"]
    for transformed in (numax.grad(f), numax.jit(numax.grad(f)), numax.grad(numax.jit(f))):
        np.testing.assert_allclose(np.asarray(transformed(x)), expected_grad, rtol=1e-5, atol=1e-6)
        assert _lines(capsys) == expected_lines
    value, grad = numax.value_and_grad(f)(x)
    np.testing.assert_allclose(float(value), (np.sin(x) ** 2).sum(), rtol=1e-5)
    np.testing.assert_allclose(np.asarray(grad), expected_grad, rtol=1e-5, atol=1e-6)
    assert _lines(capsys) == expected_lines


def test_print_under_jvp_and_vmap_of_grad(capsys):
    def f(x):
        numax.debug.print("{}", x)
        return x * x

    out, tangent = numax.jvp(f, (np.float32(3),), (np.float32(1),))
    assert (float(out), float(tangent)) == (9.0, 6.0)
    assert _lines(capsys) == ["3.0"]
    grads = numax.vmap(numax.grad(f))(np.array([1.0, 2.0], np.float32))
    np.testing.assert_allclose(np.asarray(grads), [2.0, 4.0])
    assert _lines(capsys) == ["1.0", "2.0"]


def test_print_x64_values(capsys):
    with numax.enable_x64():
        x = np.array([1 / 3], np.float64)
        numax.jit(lambda x: numax.debug.print("{}", x))(x)
    assert _lines(capsys) == [str(x)]


def test_print_format_errors():
    with pytest.raises(ValueError, match="'missing'"):
        numax.debug.print("{missing}", x=1)
    with pytest.raises(ValueError, match="positional argument 2"):
        numax.jit(lambda x: numax.debug.print("{0} {2}", x, x))(np.float32(1))
    with pytest.raises(ValueError, match="more"):
        numax.debug.print("{} {}", np.float32(1))
    with pytest.raises(TypeError, match="format must be a string"):
        numax.debug.print(3)


def test_callback_receives_values_and_two_call_form():
    seen = []

    def record(a, b, *, scale):
        seen.append((a.copy(), b.copy(), float(scale)))

    @numax.jit
    def f(x):
        numax.debug.callback(record, x, x * 2, scale=np.float32(0.5))
        numax.debug.callback(ordered=True)(record, x + 1, x, scale=np.float32(2))
        return x

    x = _x(3)
    f(x)
    assert len(seen) == 2
    np.testing.assert_array_equal(seen[0][0], x)
    np.testing.assert_array_equal(seen[0][1], x * 2)
    np.testing.assert_array_equal(seen[1][0], x + np.float32(1))
    assert [s[2] for s in seen] == [0.5, 2.0]
    with pytest.raises(TypeError, match="takes no other arguments"):
        numax.debug.callback(None, x)


def test_callback_return_value_is_ignored_and_errors_surface():
    numax.jit(lambda x: numax.debug.callback(lambda v: v * 2, x))(_x(2))

    def broken(v):
        raise KeyError("no such entry")

    for f in (lambda x: numax.debug.callback(broken, x),
              numax.jit(lambda x: numax.debug.callback(broken, x))):
        with pytest.raises(CallbackError, match="'broken' raised KeyError"):
            f(_x(2))


def test_prints_in_control_flow_keep_program_order(capsys):
    from numax import lax

    def loop_body(i, c):
        numax.debug.print("fori {} {}", i, c)
        return c + i

    def scan_body(c, x):
        numax.debug.print("scan {} {}", c, x)
        return c + x, c * x

    def while_body(c):
        numax.debug.print("while {}", c)
        return c + 1

    def positive(v):
        numax.debug.print("cond positive {}", v)
        return v

    @numax.jit
    def f(x, xs):
        numax.debug.print("start {}", x)
        y = lax.fori_loop(0, 3, loop_body, x)
        numax.debug.print("after fori {}", y)
        c, _ = lax.scan(scan_body, y, xs, unroll=2)
        numax.debug.print("after scan {}", c)
        n = lax.while_loop(lambda n: n < 2, while_body, np.int32(0))
        z = lax.cond(c > 0, positive, lambda v: v, c)
        numax.debug.print("end {} {}", n, z)
        return z

    x, xs = np.float32(1), np.arange(5, dtype=np.float32)
    f(x, xs)
    expected, c = [f"start {x}"], x
    for i in range(3):
        expected.append(f"fori {i} {c}")
        c = np.float32(c + i)
    expected.append(f"after fori {c}")
    for v in xs:
        expected.append(f"scan {c} {v}")
        c = np.float32(c + v)
    expected.append(f"after scan {c}")
    expected += ["while 0", "while 1", f"cond positive {c}", f"end 2 {c}"]
    assert _lines(capsys) == expected
