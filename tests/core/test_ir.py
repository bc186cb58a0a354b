"""The IR: make_jaxpr's printed form, the type checker, and trace nesting rules."""

import numpy as np
import pytest

import numax
import numax.numpy as jnp
from numax import lax
from numax.core.abstract import ShapedArray
from numax.core.ir import Equation, Jaxpr, JaxprTypeError, Var, typecheck


def test_single_equation_prints_like_jax():
    text = str(numax.make_jaxpr(lambda x: lax.sin(x))(np.ones(3, np.float32)))
    assert text == "{ lambda ; a:f32[3]. let b:f32[3] = sin a in (b,) }"


def test_multi_equation_program_and_literals():
    text = str(numax.make_jaxpr(lambda x, y: lax.mul(x, y) + 2.0)(np.ones(3, np.float32),
                                                                    np.ones(3, np.float32)))
    assert text == ("{ lambda ; a:f32[3] b:f32[3]. let\n"
                    "    c:f32[3] = mul a b\n"
                    "    d:f32[3] = add c 2.0:f32[]\n"
                    "  in (d,) }")


def test_constants_are_constvars():
    c = jnp.asarray(np.arange(3, dtype=np.float32))
    closed = numax.make_jaxpr(lambda x: x * c)(np.ones(3, np.float32))
    assert str(closed).startswith("{ lambda a:f32[3]; b:f32[3]. let")
    np.testing.assert_array_equal(np.asarray(closed.consts[0]), np.arange(3))


def test_sub_programs_are_indented():
    inner = numax.jit(lambda x: x + 1)
    text = str(numax.make_jaxpr(lambda x: inner(x) * 2)(np.ones(2, np.float32)))
    lines = text.splitlines()
    assert any(line.startswith("        { lambda ; ") for line in lines), text
    assert "jit[name=<lambda> jaxpr=" in text


def test_typecheck_accepts_staged_programs():
    closed = numax.make_jaxpr(lambda x: jnp.sin(x) @ x.T + 1)(np.ones((2, 3), np.float32))
    assert typecheck(closed)


def test_typecheck_rejects_wrong_output_type():
    a = Var(ShapedArray((3,), np.float32))
    b = Var(ShapedArray((4,), np.float32))  # sin of f32[3] cannot be f32[4]
    bad = Jaxpr((), [a], [b], [Equation(lax.sin_p, [a], {}, [b])])
    with pytest.raises(JaxprTypeError, match="sin"):
        typecheck(bad)


def test_typecheck_rejects_use_before_definition():
    a = Var(ShapedArray((3,), np.float32))
    b = Var(ShapedArray((3,), np.float32))
    c = Var(ShapedArray((3,), np.float32))
    bad = Jaxpr((), [a], [c], [Equation(lax.sin_p, [b], {}, [c])])
    with pytest.raises(JaxprTypeError, match="before it is defined"):
        typecheck(bad)


def test_nested_staging_captures_outer_tracers():
    def outer(x):
        inner = numax.jit(lambda y: y * x)  # closes over the outer tracer
        return inner(x + 1)

    out = numax.jit(outer)(jnp.asarray(np.float32(3.0)))
    assert float(out) == 12.0


def test_deeply_nested_jit():
    f = lambda x: x + 1  # noqa: E731
    for _ in range(6):
        f = numax.jit(f)
        f = (lambda g: lambda x: g(x) * 1)(f)
    assert float(numax.jit(f)(1.0)) == 2.0


def test_abstract_eval_errors_name_the_primitive():
    with pytest.raises(TypeError, match="add"):
        lax.add(np.ones(3, np.float32), np.ones(4, np.float32))
    with pytest.raises(TypeError, match="same dtypes"):
        lax.add(np.ones(3, np.float32), np.ones(3, np.int32))
