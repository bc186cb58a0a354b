"""Control flow composed: nesting, transformations of nested loops, and associative_scan.

Nested programs (a scan inside a cond inside a while loop, a cond inside a scan, a scan
inside a scan) against the same programs written as Python loops, with their
derivatives against finite differences; associative_scan against NumPy's cumulative
operations and a Python loop for a non-commutative operation.
"""

import numpy as np
import pytest

import numax
import numax.numpy as jnp
from numax import lax
from numax.core.ir import typecheck
from numax.test_util import check_grads

RNG = np.random.default_rng(9)
X = RNG.uniform(-1, 1, (4,)).astype(np.float32)


# ---------------------------------------------------------------- nesting

def nested(x):
    """A while loop whose body branches, one branch holding a scan."""
    def body(state):
        i, v = state
        v = lax.cond(i % 2 == 0,
                     lambda v: lax.scan(lambda c, e: (c + e * jnp.sum(v), c), 0.0, v)[1] + v,
                     lambda v: jnp.sin(v) * 0.5, v)
        return i + 1, v
    return lax.while_loop(lambda s: s[0] < 3, body, (0, x))[1]


def nested_reference(x):
    v = x.astype(np.float64)
    for i in range(3):
        if i % 2 == 0:
            total, history = 0.0, []
            for e in v:
                history.append(total)
                total = total + e * v.sum()
            v = np.array(history) + v
        else:
            v = np.sin(v) * 0.5
    return v


def test_scan_inside_cond_inside_while():
    expected = nested_reference(X)
    np.testing.assert_allclose(nested(X), expected, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(numax.jit(nested)(X), expected, rtol=1e-5, atol=1e-6)
    batch = np.stack([X, X * 0.5, -X])
    np.testing.assert_allclose(numax.vmap(nested)(batch),
                               np.stack([nested_reference(x) for x in batch]), rtol=1e-5,
                               atol=1e-6)
    typecheck(numax.make_jaxpr(numax.vmap(nested))(batch))
    with numax.enable_x64():
        check_grads(nested, (X.astype(np.float64),), order=1, modes=["fwd"])


def test_reverse_mode_through_cond_inside_scan_inside_scan():
    with numax.enable_x64():
        xs = RNG.uniform(-1, 1, (3, 4))
        w = RNG.uniform(0.5, 1.0, (4,))

        def f(w, xs):
            def outer(c, row):
                def inner(d, e):
                    d = lax.cond(e > 0, lambda d: d * w + e, lambda d: jnp.sin(d) - e, d)
                    return d, jnp.sum(d)
                c, sums = lax.scan(inner, c, row)
                return c, sums
            return lax.scan(outer, jnp.ones(4), xs)

        check_grads(f, (w, xs), order=1, modes=["fwd", "rev"])

        def reference(w, xs):
            c, out = np.ones(4), []
            for row in xs:
                sums = []
                for e in row:
                    c = c * w + e if e > 0 else np.sin(c) - e
                    sums.append(c.sum())
                out.append(sums)
            return c, np.array(out)

        got = numax.jit(f)(w, xs)
        expected = reference(w, xs)
        np.testing.assert_allclose(got[0], expected[0], rtol=1e-12)
        np.testing.assert_allclose(got[1], expected[1], rtol=1e-12)


def test_while_inside_scan_forward_mode_and_vmap_of_grad_of_scan():
    with numax.enable_x64():
        xs = RNG.uniform(0.5, 1.5, (3,))

        def f(xs):
            def step(c, x):
                n, y = lax.while_loop(lambda s: s[1] < 4.0, lambda s: (s[0] + 1, s[1] * x + 1.0),
                                      (0, c))
                return y * 0.25, y * n
            return lax.scan(step, 1.0, xs)

        check_grads(f, (xs,), order=1, modes=["fwd"])
        loss = lambda w, xs: lax.scan(lambda c, x: (jnp.sin(c * w) + x, c), 0.3, xs)[0]
        ws = np.array([0.5, 1.0, 1.5])
        batched = numax.vmap(numax.grad(loss), in_axes=(0, None))(ws, xs)
        eps = 1e-6
        numeric = [(loss(w + eps, xs) - loss(w - eps, xs)) / (2 * eps) for w in ws]
        np.testing.assert_allclose(batched, numeric, rtol=1e-6)
        jvp_of_grad = numax.jvp(numax.grad(loss), (ws[0], xs), (1.0, np.zeros(3)))[1]
        numeric = (numax.grad(loss)(ws[0] + eps, xs) - numax.grad(loss)(ws[0] - eps, xs)) / (2 * eps)
        np.testing.assert_allclose(jvp_of_grad, numeric, rtol=1e-5)


# ---------------------------------------------------------------- associative_scan

@pytest.mark.parametrize("length", [1, 2, 3, 5, 8, 13])
def test_associative_scan_matches_numpy_cumulative_operations(length):
    x = RNG.uniform(0.5, 1.5, (length, 3)).astype(np.float32)
    np.testing.assert_allclose(lax.associative_scan(lax.add, x), np.cumsum(x, 0), rtol=1e-5)
    np.testing.assert_allclose(lax.associative_scan(lax.mul, x, reverse=True),
                               np.flip(np.cumprod(np.flip(x, 0), 0), 0), rtol=1e-5)
    np.testing.assert_allclose(numax.jit(lambda v: lax.associative_scan(lax.max, v, axis=1))(x.T),
                               np.maximum.accumulate(x.T, 1), rtol=0)
    ints = RNG.integers(-5, 5, (length,)).astype(np.int32)
    assert np.asarray(lax.associative_scan(lax.add, ints)).tolist() == np.cumsum(ints).tolist()


def _compose_affine(first, second):
    """(a2, b2) after (a1, b1) as maps x -> a x + b; associative, not commutative."""
    a1, b1 = first
    a2, b2 = second
    return a2 * a1, a2 * b1 + b2


def test_associative_scan_of_a_non_commutative_pytree_operation():
    a = RNG.uniform(-1, 1, (11, 2)).astype(np.float32)
    b = RNG.uniform(-1, 1, (11, 2)).astype(np.float32)
    out_a, out_b = lax.associative_scan(_compose_affine, (a, b))
    expected_a, expected_b, acc = [], [], (np.ones(2, np.float32), np.zeros(2, np.float32))
    for step in zip(a, b):
        acc = _compose_affine(acc, step)
        expected_a.append(acc[0])
        expected_b.append(acc[1])
    np.testing.assert_allclose(out_a, expected_a, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(out_b, expected_b, rtol=1e-5, atol=1e-6)
    # reversed: the scan of the reversed sequence, reversed back (fn keeps its argument order)
    rev_a, rev_b = lax.associative_scan(_compose_affine, (a, b), reverse=True)
    acc = (np.ones(2, np.float32), np.zeros(2, np.float32))
    expected = []
    for step in zip(a[::-1], b[::-1]):
        acc = _compose_affine(acc, step)
        expected.append(acc[1])
    np.testing.assert_allclose(rev_b, expected[::-1], rtol=1e-5, atol=1e-6)


def test_associative_scan_log_depth_and_transformations():
    calls = []

    def add(x, y):
        calls.append(1)
        return x + y

    lax.associative_scan(add, np.arange(64.0, dtype=np.float32))
    assert len(calls) <= 2 * 6  # two combinations per level, log2(64) levels
    with numax.enable_x64():
        x = RNG.uniform(0.5, 1.5, (7,))
        check_grads(numax.jit(lambda v: lax.associative_scan(lax.mul, v)), (x,), order=1,
                    modes=["fwd", "rev"])
        batch = RNG.uniform(-1, 1, (3, 7))
        np.testing.assert_allclose(numax.vmap(lambda v: lax.associative_scan(lax.add, v))(batch),
                                   np.cumsum(batch, 1), rtol=1e-12)


def test_associative_scan_errors():
    with pytest.raises(ValueError, match="same first dimension"):
        lax.associative_scan(lambda a, b: (a[0] + b[0], a[1] + b[1]), (np.zeros(3), np.zeros(4)))
    with pytest.raises(TypeError, match="structure"):
        lax.associative_scan(lambda a, b: a[0] + b[0], (np.zeros(3), np.zeros(3)))
