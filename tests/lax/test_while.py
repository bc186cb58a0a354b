"""lax.while_loop and lax.fori_loop against Python loops and finite differences.

Newton iterations and Collatz counts against the same loops in Python, eager and
jitted; fori_loop as a scan (static bounds) and as a while loop (traced bounds);
forward-mode derivatives; the reverse-mode error; vmap with per-lane trip counts; and
the carry type errors.
"""

import numpy as np
import pytest

import numax
import numax.numpy as jnp
from numax import lax
from numax.core.ir import typecheck
from numax.test_util import check_grads

RNG = np.random.default_rng(7)


def newton_sqrt(a):
    """sqrt(a) by Newton's method, stopping when the step is tiny (or after 50 steps)."""
    def cond(state):
        i, guess, step = state
        return (i < 50) & (jnp.abs(step) > 1e-6)

    def body(state):
        i, guess, _ = state
        new = 0.5 * (guess + a / guess)
        return i + 1, new, new - guess

    return lax.while_loop(cond, body, (0, a, jnp.ones_like(a)))


def newton_sqrt_reference(a):
    i, guess, step = 0, np.float32(a), np.float32(1.0)
    while i < 50 and abs(step) > 1e-6:
        new = np.float32(0.5) * (guess + np.float32(a) / guess)
        i, guess, step = i + 1, new, new - guess
    return i, guess


@pytest.mark.parametrize("a", [2.0, 0.25, 1e4])
@pytest.mark.parametrize("jit", [False, True])
def test_newton_iteration_matches_python(a, jit):
    f = numax.jit(newton_sqrt) if jit else newton_sqrt
    i, guess, _ = f(np.float32(a))
    expected_i, expected = newton_sqrt_reference(a)
    assert int(i) == expected_i
    np.testing.assert_allclose(guess, np.sqrt(a), rtol=1e-6)
    np.testing.assert_allclose(guess, expected, rtol=1e-6)


def collatz_steps(n):
    return lax.while_loop(lambda s: s[0] > 1,
                          lambda s: (jnp.where(s[0] % 2 == 0, s[0] // 2, 3 * s[0] + 1), s[1] + 1),
                          (n, 0))[1]


def collatz_reference(n):
    steps = 0
    while n > 1:
        n = n // 2 if n % 2 == 0 else 3 * n + 1
        steps += 1
    return steps


def test_collatz_counts_match_python_eager_jit_and_vmap():
    ns = np.array([1, 2, 6, 7, 27, 97], np.int32)
    expected = [collatz_reference(int(n)) for n in ns]
    assert [int(collatz_steps(n)) for n in ns[:3]] == expected[:3]
    assert [int(numax.jit(collatz_steps)(n)) for n in ns] == expected
    # per-lane trip counts: the loop runs until the slowest lane is done
    assert np.asarray(numax.vmap(collatz_steps)(ns)).tolist() == expected


def test_vmap_keeps_finished_lanes_unchanged():
    def doubling(x, limit):
        return lax.while_loop(lambda v: v < limit, lambda v: v * 2.0, x)

    xs = np.array([0.3, 1.0, 5.0, 100.0], np.float32)
    limits = np.array([1.0, 50.0, 6.0, 10.0], np.float32)

    def reference(x, limit):
        while x < limit:
            x = np.float32(x * 2.0)
        return x

    expected = [reference(x, l) for x, l in zip(xs, limits)]
    np.testing.assert_array_equal(numax.vmap(doubling)(xs, limits), expected)
    # only the limit batched: the carry becomes batched because the predicate is
    np.testing.assert_array_equal(numax.vmap(doubling, in_axes=(None, 0))(np.float32(0.7), limits),
                                  [reference(np.float32(0.7), l) for l in limits])
    jaxpr = numax.make_jaxpr(numax.vmap(doubling))(xs, limits)
    typecheck(jaxpr)
    assert "reduce_or" in str(jaxpr)


def test_vmap_with_unbatched_predicate_batches_only_the_body():
    def f(scale):
        return lax.while_loop(lambda c: c[0] < 4, lambda c: (c[0] + 1, c[1] * scale + 1.0),
                              (0, jnp.float32(1.0)))[1]

    scales = np.array([0.5, 1.0, 2.0], np.float32)

    def reference(scale):
        value = np.float32(1.0)
        for _ in range(4):
            value = value * scale + np.float32(1.0)
        return value

    np.testing.assert_allclose(numax.vmap(f)(scales), [reference(s) for s in scales], rtol=1e-6)
    jaxpr = numax.make_jaxpr(numax.vmap(f))(scales)
    typecheck(jaxpr)
    assert "reduce_or" not in str(jaxpr)


def test_forward_mode_matches_finite_differences():
    with numax.enable_x64():
        x = RNG.uniform(0.5, 1.5, (3,))

        def f(x):
            return lax.while_loop(lambda c: c[0] < 4,
                                  lambda c: (c[0] + 1, jnp.sin(c[1]) * x + c[1]), (0, x))[1]

        check_grads(f, (x,), order=2, modes=["fwd"])
        jacobian = numax.jacfwd(f)(x)
        assert np.shape(jacobian) == (3, 3)


def test_reverse_mode_raises_jax_error():
    message = ("Reverse-mode differentiation does not work for lax.while_loop or lax.fori_loop "
               "with dynamic start/stop values. Try using lax.scan, or lax.fori_loop with static "
               "start/stop.")
    f = lambda x: lax.while_loop(lambda c: c[0] < 3, lambda c: (c[0] + 1, c[1] * 2.0), (0, x))[1]
    with pytest.raises(ValueError, match=message.replace(".", r"\.")):
        numax.grad(f)(np.float32(1.0))
    g = lambda x, n: lax.fori_loop(0, n, lambda i, v: v * 2.0, x)
    with pytest.raises(ValueError, match="Reverse-mode differentiation does not work"):
        numax.grad(numax.jit(g))(np.float32(1.0), 3)


def test_grad_through_loop_that_does_not_carry_the_differentiated_value():
    # only the predicate's constant depends on x: the loop computes an integer count
    def f(x):
        count = lax.while_loop(lambda i: i * x < 10.0, lambda i: i + 1.0, jnp.float32(0.0))
        return x * count

    # count = ceil(10 / x) = 4 for x = 3: d/dx (x * count) = count
    np.testing.assert_allclose(numax.grad(lambda x: f(x))(np.float32(3.0)), 4.0)


@pytest.mark.parametrize("jit", [False, True])
def test_fori_loop_with_static_bounds_is_a_scan(jit):
    f = lambda x: lax.fori_loop(2, 7, lambda i, v: v * 1.5 + i, x)
    expected = np.float32(0.5)
    for i in range(2, 7):
        expected = expected * np.float32(1.5) + i
    out = (numax.jit(f) if jit else f)(np.float32(0.5))
    np.testing.assert_allclose(out, expected, rtol=1e-6)
    jaxpr = str(numax.make_jaxpr(f)(np.float32(0.5)))
    assert "scan[" in jaxpr and "while[" not in jaxpr
    assert float(lax.fori_loop(5, 2, lambda i, v: v + 1.0, np.float32(0))) == 0.0


def test_fori_loop_with_traced_bounds_is_a_while_loop():
    f = numax.jit(lambda lo, hi, x: lax.fori_loop(lo, hi, lambda i, v: v + i * i, x))
    for lo, hi in [(0, 5), (3, 9), (4, 2)]:
        assert int(f(lo, hi, 0)) == sum(i * i for i in range(lo, hi))
    jaxpr = str(numax.make_jaxpr(lambda hi: lax.fori_loop(0, hi, lambda i, v: v + i, 0))(5))
    assert "while[" in jaxpr
    with pytest.raises(ValueError, match="unroll"):
        numax.jit(lambda hi: lax.fori_loop(0, hi, lambda i, v: v + i, 0, unroll=2))(5)


def test_fori_loop_static_reverse_mode_matches_finite_differences():
    with numax.enable_x64():
        x = RNG.uniform(-1, 1, (3,))
        w = RNG.uniform(0.5, 1.0, (3,))
        f = lambda x, w: lax.fori_loop(0, 4, lambda i, v: jnp.sin(v * w) + v * i, x)
        check_grads(f, (x, w), order=2, modes=["fwd", "rev"])
        check_grads(lambda x, w: lax.fori_loop(0, 5, lambda i, v: v * w + 1.0, x, unroll=2),
                    (x, w), order=1, modes=["rev"])


def test_fori_loop_index_dtype_follows_the_bounds():
    seen = []

    def body(i, v):
        seen.append((i.dtype, i.weak_type))
        return v + i

    lax.fori_loop(0, 3, body, 0)
    lax.fori_loop(np.int32(0), np.int32(3), body, np.int32(0))
    assert seen == [(np.dtype(np.int32), True), (np.dtype(np.int32), False)]
    with pytest.raises(TypeError, match="integers"):
        lax.fori_loop(0.0, 3, body, 0)


def test_carry_type_errors_name_the_component():
    with pytest.raises(TypeError, match=r"init_val\[1\] has type float32\[\] but the "
                                        r"corresponding output carry component has type "
                                        r"float32\[2\], so the shapes do not match"):
        lax.while_loop(lambda c: c[0] < 3, lambda c: (c[0] + 1, jnp.ones(2)),
                       (0, jnp.float32(1.0)))
    with pytest.raises(TypeError, match=r"init_val\['count'\] has type int32\[\].*float32\[\], "
                                        r"so the dtypes do not match"):
        lax.while_loop(lambda c: c["count"] < 3, lambda c: {"count": c["count"] + 1.5},
                       {"count": jnp.int32(0)})
    with pytest.raises(TypeError, match="pytree structure"):
        lax.while_loop(lambda c: c[0] < 3, lambda c: c[0] + 1, (0,))
    with pytest.raises(TypeError, match=r"init_val has type float32\[3\]"):
        lax.fori_loop(0, 3, lambda i, v: jnp.sum(v), jnp.ones(3))
    with pytest.raises(TypeError, match="boolean scalar"):
        lax.while_loop(lambda c: c, lambda c: c + 1, jnp.zeros(2))


def test_weakly_typed_init_takes_the_body_dtype():
    out = lax.while_loop(lambda v: v < 10.0, lambda v: v + jnp.float32(3.0), 0.0)
    assert out.dtype == np.float32 and not out.weak_type
    assert float(out) == 12.0
    # stays weak when the body keeps it weak
    out = lax.while_loop(lambda v: v < 10, lambda v: v + 3, 0)
    assert out.weak_type and int(out) == 12


def test_while_lowers_to_stablehlo_while_and_caches_eager_programs():
    from numax import dispatch
    text = numax.jit(newton_sqrt).lower(np.float32(2.0)).as_text()
    assert "stablehlo.while" in text
    cond_fun, body_fun = (lambda v: v < 10.0), (lambda v: v * 2.0)
    lax.while_loop(cond_fun, body_fun, np.float32(1.0))
    size = len(dispatch._eager_cache)
    assert float(lax.while_loop(cond_fun, body_fun, np.float32(3.0))) == 12.0
    assert len(dispatch._eager_cache) == size


def test_disable_jit_runs_a_python_loop():
    calls = []

    def body(v):
        calls.append(1)
        return v + 1

    with numax.disable_jit():
        assert int(lax.while_loop(lambda v: v < 5, body, 0)) == 5
        assert int(lax.fori_loop(0, 3, lambda i, v: v + i, 0)) == 3
    assert len(calls) == 5
