"""numax.experimental.checkify: user checks and automatic checks, eagerly and composed with
jit, vmap, grad and control flow. Expected conditions and messages are computed with NumPy
and Python formatting of the same values (the wording is JAX 0.10.2's, observed)."""

import numpy as np
import pytest

import numax
import numax.numpy as jnp
from numax import lax
from numax.core.ir import typecheck
from numax.errors import JaxRuntimeError
from numax.experimental import checkify


def positive_twice(x):
    checkify.check(x > 0, "x must be positive, got {x}", x=x)
    return x * 2


def user_message(template, *args, **kwargs):
    return template.format(*args, **kwargs) + " (`check` failed)"


def oob_message(shape, index, axis):
    return (f"out-of-bounds indexing for array of shape {shape}: index {index} is out of "
            f"bounds for axis {axis} with size {shape[axis]}. ")


def identity(f):
    return f


# ---------------------------------------------------------------- check outside checkify

def test_eager_check_passes_and_fails():
    np.testing.assert_allclose(positive_twice(jnp.float32(1.5)), 3.0)
    with pytest.raises(JaxRuntimeError) as info:
        positive_twice(jnp.float32(-1.5))
    assert str(info.value) == user_message("x must be positive, got {x}", x=np.float32(-1.5))


def test_staged_check_without_checkify_is_a_clear_error():
    with pytest.raises(ValueError, match="checkify.checkify"):
        numax.jit(positive_twice)(1.0)


def test_eager_check_under_grad_and_vmap():
    square = lambda x: (checkify.check(x > 0, "bad {}", x), x * x)[1]
    np.testing.assert_allclose(numax.grad(square)(jnp.float32(3.0)), 6.0)
    with pytest.raises(JaxRuntimeError, match="bad -2.0"):
        numax.grad(square)(jnp.float32(-2.0))
    xs = np.array([1.0, -2.0, -3.0], np.float32)
    with pytest.raises(JaxRuntimeError) as info:
        numax.vmap(square)(jnp.asarray(xs))
    first = xs[np.argmax(xs <= 0)]
    assert str(info.value) == user_message("bad {}", first)


@pytest.mark.parametrize("pred", [jnp.ones(3) > 0, jnp.float32(1.0), 1.0])
def test_check_rejects_a_non_scalar_boolean_pred(pred):
    with pytest.raises(TypeError, match="scalar boolean pred"):
        checkify.check(pred, "message")


def test_check_rejects_python_scalars_as_format_arguments():
    with pytest.raises(TypeError, match="pytrees of arrays"):
        checkify.check(False, "x {}", 3)


# ---------------------------------------------------------------- user checks

@pytest.mark.parametrize("wrap", [identity, numax.jit], ids=["eager", "jit"])
@pytest.mark.parametrize("value", [2.5, -3.0])
def test_user_check_message_has_runtime_values(wrap, value):
    x = np.float32(value)
    err, out = wrap(checkify.checkify(positive_twice))(jnp.asarray(x))
    np.testing.assert_allclose(out, 2 * x)
    expected = None if x > 0 else user_message("x must be positive, got {x}", x=x)
    assert err.get() == expected


def test_checkify_of_jit_and_positional_and_pytree_format_arguments():
    def f(x, pair):
        checkify.check(jnp.all(x < 10), "x={} pair={p[0]}/{p[1]}", x, p=pair)
        return x.sum()

    x = np.array([1.0, 20.0], np.float32)
    pair = (np.int32(4), np.float32(0.5))
    err, out = checkify.checkify(numax.jit(f))(jnp.asarray(x), tuple(map(jnp.asarray, pair)))
    np.testing.assert_allclose(out, x.sum())
    assert err.get() == user_message("x={} pair={p[0]}/{p[1]}", x, p=pair)


def test_first_failing_check_wins():
    def f(x):
        checkify.check(x > 0, "first {x}", x=x)
        checkify.check(x > 1, "second {x}", x=x)
        return x

    checked = numax.jit(checkify.checkify(f))
    assert checked(jnp.float32(-1.0))[0].get() == user_message("first {x}", x=np.float32(-1.0))
    assert checked(jnp.float32(0.5))[0].get() == user_message("second {x}", x=np.float32(0.5))
    assert checked(jnp.float32(2.0))[0].get() is None


def test_throw_and_get_exception():
    err, _ = checkify.checkify(positive_twice)(jnp.float32(-4.0))
    with pytest.raises(JaxRuntimeError) as info:
        err.throw()
    assert str(info.value) == user_message("x must be positive, got {x}", x=np.float32(-4.0))
    assert isinstance(err.get_exception(), JaxRuntimeError)
    ok, _ = checkify.checkify(positive_twice)(jnp.float32(4.0))
    assert ok.throw() is None and ok.get_exception() is None


def test_error_is_a_pytree_returned_through_jit():
    err, _ = numax.jit(checkify.checkify(positive_twice))(jnp.float32(-1.0))
    leaves, tree = numax.tree_util.tree_flatten(err)
    rebuilt = numax.tree_util.tree_unflatten(tree, leaves)
    assert rebuilt.get() == err.get() == user_message("x must be positive, got {x}",
                                                      x=np.float32(-1.0))


def test_checked_program_typechecks():
    closed = numax.make_jaxpr(checkify.checkify(positive_twice, errors=checkify.all_checks))(1.0)
    assert typecheck(closed)


def test_user_checks_are_dropped_when_not_selected():
    err, out = checkify.checkify(positive_twice, errors=checkify.nan_checks)(jnp.float32(-1.0))
    assert err.get() is None
    np.testing.assert_allclose(out, -2.0)
    # a check inside a loop is dropped too, so the loop still compiles
    looped = lambda xs: lax.scan(lambda c, x: (c + positive_twice(x), None), 0.0, xs)[0]
    xs = np.array([1.0, -3.0], np.float32)
    err, out = numax.jit(checkify.checkify(looped, errors=checkify.div_checks))(xs)
    assert err.get() is None
    np.testing.assert_allclose(out, 2 * xs.sum())


# ---------------------------------------------------------------- automatic checks

@pytest.mark.parametrize("wrap", [identity, numax.jit], ids=["eager", "jit"])
def test_nan_checks_name_the_primitive(wrap):
    checked = wrap(checkify.checkify(jnp.log, errors=checkify.nan_checks))
    for value in (2.0, -1.0):
        err, out = checked(jnp.float32(value))
        with np.errstate(invalid="ignore"):
            reference = np.log(np.float32(value))
        np.testing.assert_allclose(out, reference)
        assert err.get() == ("nan generated by primitive: log." if np.isnan(reference) else None)
    assert checkify.checkify(jnp.log)(jnp.float32(-1.0))[0].get() is None  # user_checks only


def test_nan_check_in_an_array_expression():
    x = np.array([1.0, 4.0, -1.0], np.float32)
    err, _ = checkify.checkify(lambda x: jnp.sqrt(x) + 1, errors=checkify.nan_checks)(x)
    assert err.get() == "nan generated by primitive: sqrt."
    err, _ = checkify.checkify(lambda x: jnp.sqrt(x) + 1, errors=checkify.nan_checks)(abs(x))
    assert err.get() is None


def test_div_checks_integer_floor_division_by_zero():
    checked = checkify.checkify(lambda x, y: x // y, errors=checkify.div_checks)
    err, out = checked(jnp.int32(7), jnp.int32(2))
    assert err.get() is None and int(out) == 7 // 2
    err, _ = checked(jnp.int32(7), jnp.int32(0))
    assert err.get() == "division by zero"
    err, _ = checked(jnp.array([4, 5], jnp.int32), jnp.array([1, 0], jnp.int32))
    assert err.get() == "division by zero"


def test_index_checks_on_traced_indexing():
    x = jnp.arange(3.0)
    take = checkify.checkify(lambda x, i: x[i], errors=checkify.index_checks)
    err, out = take(x, 2)
    assert err.get() is None and float(out) == 2.0
    assert take(x, 5)[0].get() == oob_message((3,), 5, 0)
    assert take(x, -5)[0].get() == oob_message((3,), -5 + 3, 0)  # negative indices wrap once
    matrix = checkify.checkify(lambda m, i, j: m[i, j], errors=checkify.index_checks)
    assert matrix(jnp.ones((2, 3)), 1, 7)[0].get() == oob_message((2, 3), 7, 1)


@pytest.mark.parametrize("name, function", [
    ("dynamic_slice", lambda x, i: lax.dynamic_slice(x, (i,), (2,))),
    ("dynamic_update_slice", lambda x, i: lax.dynamic_update_slice(x, jnp.ones(2), (i,))),
    ("scatter", lambda x, i: x.at[i].set(1.0)),
    ("scatter-add", lambda x, i: x.at[i].add(1.0)),
    ("gather", lambda x, i: jnp.take(x, jnp.stack([i, i]), mode="fill")),
])
def test_index_checks_on_index_primitives(name, function):
    x = jnp.arange(3.0)
    window = 2 if name.startswith("dynamic") else 1
    checked = numax.jit(checkify.checkify(function, errors=checkify.index_checks))
    for i in range(-1, 5):
        in_bounds = 0 <= i <= 3 - window
        err, _ = checked(x, jnp.int32(i))
        if name.startswith("dynamic") and i < 0:
            i += 3  # lax.dynamic_slice/update wrap negative starts once
            in_bounds = 0 <= i <= 3 - window
        elif i < 0:
            i += 3
            in_bounds = True
        assert err.get() == (None if in_bounds else oob_message((3,), i, 0)), (name, i)


def test_categories_combine():
    assert checkify.float_checks == checkify.nan_checks | checkify.div_checks
    assert checkify.automatic_checks == checkify.float_checks | checkify.index_checks
    assert checkify.all_checks == checkify.automatic_checks | checkify.user_checks

    def f(x, d):
        checkify.check(x < 100, "too big {}", x)
        return jnp.log(x) + d // d

    for errors, expected in [(checkify.div_checks, "division by zero"),
                             (checkify.nan_checks, "nan generated by primitive: log."),
                             (checkify.user_checks, None)]:
        assert checkify.checkify(f, errors=errors)(jnp.float32(-1.0), jnp.int32(0))[0].get() \
            == expected
    # log comes before the division: with both enabled the NaN is the first failure
    both = checkify.checkify(f, errors=checkify.div_checks | checkify.nan_checks)
    assert both(jnp.float32(-1.0), jnp.int32(0))[0].get() == "nan generated by primitive: log."
    assert checkify.checkify(f, errors=checkify.all_checks)(
        jnp.float32(200.0), jnp.int32(0))[0].get() == user_message("too big {}", np.float32(200))


def test_bad_errors_argument():
    with pytest.raises(TypeError, match="error categories"):
        checkify.checkify(positive_twice, errors={"nan"})


# ---------------------------------------------------------------- control flow

def test_check_inside_cond():
    def f(x):
        def negative(x):
            checkify.check(x > -1, "neg {x}", x=x)
            return x
        return lax.cond(x > 0, lambda x: x, negative, x)

    checked = numax.jit(checkify.checkify(f))
    for value in (2.0, -0.5, -2.0):
        x = np.float32(value)
        err, out = checked(jnp.asarray(x))
        np.testing.assert_allclose(out, x)
        assert err.get() == (user_message("neg {x}", x=x) if x <= -1 else None)


@pytest.mark.parametrize("reverse", [False, True])
def test_check_inside_scan_reports_the_first_failing_iteration(reverse):
    def f(xs):
        def body(carry, x):
            checkify.check(x < 3, "big {x} after {c}", x=x, c=carry)
            return carry + x, x * 2
        return lax.scan(body, jnp.float32(0), xs, reverse=reverse)

    xs = np.array([1.0, 4.0, 2.0, 5.0], np.float32)
    err, (total, ys) = checkify.checkify(f)(jnp.asarray(xs))
    np.testing.assert_allclose(total, xs.sum())
    np.testing.assert_allclose(ys, xs * 2)
    carry, expected = np.float32(0), None
    for x in (xs[::-1] if reverse else xs):  # a Python loop over the same iterations
        if expected is None and not x < 3:
            expected = user_message("big {x} after {c}", x=x, c=carry)
        carry = carry + x
    assert err.get() == expected


def test_checks_inside_while_body_and_predicate():
    def f(x):
        def cond(x):
            checkify.check(x < 6, "cond saw {}", x)
            return x < 5
        def body(x):
            checkify.check(x < 3, "body saw {}", x)
            return x + 1
        return lax.while_loop(cond, body, x)

    checked = checkify.checkify(f)
    err, out = checked(jnp.int32(0))
    assert int(out) == 5 and err.get() == user_message("body saw {}", np.int32(3))
    err, out = checked(jnp.int32(7))  # the predicate fails on the initial carry
    assert int(out) == 7 and err.get() == user_message("cond saw {}", np.int32(7))


def test_nan_check_inside_scan_under_jit():
    f = lambda xs: lax.scan(lambda c, x: (c + jnp.log(x), None), jnp.float32(0), xs)[0]
    checked = numax.jit(checkify.checkify(f, errors=checkify.nan_checks))
    assert checked(jnp.array([1.0, 2.0]))[0].get() is None
    assert checked(jnp.array([1.0, -2.0]))[0].get() == "nan generated by primitive: log."


def test_check_inside_checkpoint():
    f = numax.checkpoint(positive_twice)
    err, out = checkify.checkify(f)(jnp.float32(-1.0))
    np.testing.assert_allclose(out, -2.0)
    assert err.get() == user_message("x must be positive, got {x}", x=np.float32(-1.0))
    grad = numax.grad(lambda x: checkify.checkify(f)(x)[1])(jnp.float32(3.0))
    np.testing.assert_allclose(grad, 2.0)


def test_custom_jvp_keeps_its_rule_and_is_checked():
    @numax.custom_jvp
    def safe_log(x):
        return jnp.log(x)

    safe_log.defjvp(lambda primals, tangents: (safe_log(primals[0]), tangents[0] * 7.0))
    checked = checkify.checkify(safe_log, errors=checkify.nan_checks)
    assert checked(jnp.float32(-1.0))[0].get() == "nan generated by primitive: log."
    grad = numax.grad(lambda x: checked(x)[1])(jnp.float32(2.0))
    np.testing.assert_allclose(grad, 7.0)  # the custom rule, not 1/x


def test_user_check_inside_custom_jvp_is_a_clear_error():
    @numax.custom_jvp
    def f(x):
        checkify.check(x > 0, "positive")
        return x

    f.defjvp(lambda primals, tangents: (f(primals[0]), tangents[0]))
    with pytest.raises(NotImplementedError, match="custom_jvp"):
        checkify.checkify(f)(jnp.float32(1.0))


# ---------------------------------------------------------------- transformations

def test_grad_inside_checkify():
    err, out = checkify.checkify(numax.grad(lambda x: positive_twice(x) ** 2))(jnp.float32(-1.0))
    np.testing.assert_allclose(out, 8 * -1.0)
    assert err.get() == user_message("x must be positive, got {x}", x=np.float32(-1.0))


def test_vmap_of_checkify_reports_every_failing_position():
    xs = np.array([1.0, -2.0, 3.0, -4.0], np.float32)
    err, out = numax.vmap(checkify.checkify(positive_twice))(jnp.asarray(xs))
    np.testing.assert_allclose(out, 2 * xs)
    expected = "\n".join(f"at mapped index {i}: "
                         + user_message("x must be positive, got {x}", x=xs[i])
                         for i in np.flatnonzero(xs <= 0))
    assert err.get() == expected
    with pytest.raises(JaxRuntimeError):
        err.throw()
    ok, _ = numax.vmap(checkify.checkify(positive_twice))(jnp.asarray(abs(xs)))
    assert ok.get() is None


def test_checkify_of_vmap_reports_the_first_failing_position():
    xs = np.array([1.0, -2.0, 3.0, -4.0], np.float32)
    err, out = numax.jit(checkify.checkify(numax.vmap(positive_twice)))(jnp.asarray(xs))
    np.testing.assert_allclose(out, 2 * xs)
    first = xs[np.argmax(xs <= 0)]
    assert err.get() == user_message("x must be positive, got {x}", x=first)


def test_error_of_a_traced_error_get_is_a_clear_error():
    def f(x):
        err, out = checkify.checkify(positive_twice)(x)
        err.get()
        return out

    with pytest.raises(TypeError, match="concrete values"):
        numax.jit(f)(1.0)
