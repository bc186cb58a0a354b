"""lax.scan and lax.map against NumPy, Python loops and finite differences.

Cumulative sums and recurrences against NumPy and Python loops (forward, reversed,
unrolled, pytree carries, no xs), the errors users see, derivatives in both modes
(including checkpointed bodies, jit of grad and grad of vmap), what reverse mode keeps
for the backward pass, and vmap with batched xs, carries and constants.
"""

import numpy as np
import pytest

import numax
import numax.numpy as jnp
from numax import lax
from numax.core.ir import typecheck
from numax.test_util import check_grads

RNG = np.random.default_rng(8)
XS = RNG.uniform(-1, 1, (6, 3)).astype(np.float32)


def cumulative_sum(xs, reverse=False, unroll=1):
    return lax.scan(lambda total, x: (total + x, total + x), jnp.zeros(xs.shape[1:], xs.dtype),
                    xs, reverse=reverse, unroll=unroll)


@pytest.mark.parametrize("reverse", [False, True])
@pytest.mark.parametrize("unroll", [1, 2, 4, 6, True])
def test_cumulative_sum_matches_numpy(reverse, unroll):
    total, running = numax.jit(lambda xs: cumulative_sum(xs, reverse, unroll))(XS)
    expected = np.flip(np.cumsum(np.flip(XS, 0), 0), 0) if reverse else np.cumsum(XS, 0)
    np.testing.assert_allclose(running, expected, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(total, XS.sum(0), rtol=1e-5, atol=1e-6)


def test_eager_equals_jit_and_python_loop():
    def step(carry, x):
        h, count = carry
        h = jnp.tanh(h * 0.9 + x)
        return (h, count + 1), h.sum()

    init = (np.zeros(3, np.float32), 0)
    eager = lax.scan(step, init, XS)
    jitted = numax.jit(lambda xs: lax.scan(step, init, xs))(XS)
    h, ys = np.zeros(3, np.float32), []
    for x in XS:
        h = np.tanh(h * np.float32(0.9) + x)
        ys.append(h.sum())
    for out in (eager, jitted):
        np.testing.assert_allclose(out[0][0], h, rtol=1e-5)
        assert int(out[0][1]) == len(XS)
        np.testing.assert_allclose(out[1], ys, rtol=1e-5)


def test_pytree_carry_and_xs_without_and_with_ys():
    xs = {"a": XS, "b": np.arange(6, dtype=np.int32)}

    def step(carry, x):
        new = {"sum": carry["sum"] + x["a"], "ints": carry["ints"] + x["b"]}
        return new, (x["a"] * 2.0, None)

    carry, (doubled, nothing) = lax.scan(step, {"sum": np.zeros(3, np.float32), "ints": 0}, xs)
    np.testing.assert_allclose(carry["sum"], XS.sum(0), rtol=1e-5)
    assert int(carry["ints"]) == 15 and nothing is None
    np.testing.assert_allclose(doubled, XS * 2.0, rtol=1e-6)


def test_no_xs_with_length():
    carry, powers = lax.scan(lambda c, _: (c * 2.0, c), np.float32(1.0), None, length=5)
    assert float(carry) == 32.0
    np.testing.assert_array_equal(powers, [1.0, 2.0, 4.0, 8.0, 16.0])


def test_zero_length():
    carry, ys = numax.jit(lambda xs: lax.scan(lambda c, x: (c + x, x * 2.0), np.float32(1.5),
                                              xs))(np.zeros((0,), np.float32))
    assert float(carry) == 1.5 and ys.shape == (0,)


def test_errors():
    with pytest.raises(ValueError, match="different leading axis sizes"):
        lax.scan(lambda c, x: (c, x), 0.0, (XS, XS[:3]))
    with pytest.raises(ValueError, match="no values to scan over"):
        lax.scan(lambda c, x: (c, x), 0.0, None)
    with pytest.raises(ValueError, match="disagrees"):
        lax.scan(lambda c, x: (c, x), 0.0, XS, length=4)
    with pytest.raises(TypeError, match="must be a pair"):
        lax.scan(lambda c, x: c + x, jnp.zeros(3), XS)
    with pytest.raises(TypeError, match=r"init\[1\]\['b'\] has type float32\[\] but the "
                                        r"corresponding output carry component has type "
                                        r"float32\[3\], so the shapes do not match"):
        lax.scan(lambda c, x: ((c[0], {"b": c[1]["b"] + x}), None),
                 (0, {"b": jnp.float32(0.0)}), XS)
    with pytest.raises(TypeError, match=r"int32\[\].*float32\[\], so the dtypes do not match"):
        lax.scan(lambda c, x: (c + x[0], None), jnp.int32(0), XS)


def test_weak_typed_init_takes_the_body_dtype():
    carry, _ = lax.scan(lambda c, x: (c + x, None), 0.0, XS[:, 0])
    assert carry.dtype == np.float32 and not carry.weak_type
    np.testing.assert_allclose(carry, XS[:, 0].sum(), rtol=1e-5)


def test_derivatives_match_finite_differences():
    with numax.enable_x64():
        w = RNG.uniform(0.5, 1.0, (3,))
        init = RNG.uniform(-1, 1, (3,))
        xs = XS.astype(np.float64)

        def f(w, init, xs):
            def step(c, x):
                c = jnp.sin(c * w) + x * c
                return c, jnp.cos(c) * x
            return lax.scan(step, init, xs)

        check_grads(f, (w, init, xs), order=2, modes=["fwd", "rev"])
        check_grads(lambda w, init, xs: lax.scan(lambda c, x: (c * w + x, c), init, xs,
                                                 reverse=True, unroll=4),
                    (w, init, xs), order=1, modes=["fwd", "rev"])


def _reference_grad(w, xs):
    """d/dw of sum_t c_t with c_t = c_{t-1} * w + x_t, c_0 = 1, by finite differences."""
    def value(w):
        c, total = np.ones_like(w), 0.0
        for x in xs:
            c = c * w + x
            total += c.sum()
        return total
    eps = 1e-6
    return np.array([(value(w + eps * e) - value(w - eps * e)) / (2 * eps)
                     for e in np.eye(len(w))])


def _linear_recurrence_loss(w, xs):
    _, cs = lax.scan(lambda c, x: (c * w + x, c * w + x), jnp.ones_like(w), xs)
    return jnp.sum(cs)


def test_jit_of_grad_and_grad_of_vmap():
    with numax.enable_x64():
        w = RNG.uniform(0.5, 1.0, (3,))
        xs = XS.astype(np.float64)
        expected = _reference_grad(w, xs)
        np.testing.assert_allclose(numax.grad(_linear_recurrence_loss)(w, xs), expected,
                                   rtol=1e-6)
        np.testing.assert_allclose(numax.jit(numax.grad(_linear_recurrence_loss))(w, xs),
                                   expected, rtol=1e-6)
        ws = np.stack([w, w * 0.5, w + 0.2])
        batched = numax.grad(lambda ws: jnp.sum(numax.vmap(_linear_recurrence_loss,
                                                           in_axes=(0, None))(ws, xs)))(ws)
        np.testing.assert_allclose(batched, [_reference_grad(v, xs) for v in ws], rtol=1e-6)
        per_example = numax.vmap(numax.grad(_linear_recurrence_loss), in_axes=(0, None))(ws, xs)
        np.testing.assert_allclose(per_example, batched, rtol=1e-9)
        typecheck(numax.make_jaxpr(numax.grad(lambda ws: jnp.sum(numax.vmap(
            _linear_recurrence_loss, in_axes=(0, None))(ws, xs))))(ws))


def _scan_outputs_by_eqn(jaxpr):
    return [[v.aval.shape for v in eqn.outvars] for eqn in jaxpr.jaxpr.eqns
            if eqn.primitive.name == "scan"]


def test_reverse_mode_keeps_only_loop_varying_residuals():
    w = RNG.uniform(0.5, 1.0, (2, 3)).astype(np.float32)

    def loss(w, xs):
        _, ys = lax.scan(lambda c, x: (c * jnp.sin(w[0]) + w[1] * x, c), jnp.ones(3), xs)
        return jnp.sum(ys)

    jaxpr = numax.make_jaxpr(numax.grad(loss))(w, XS)
    typecheck(jaxpr)
    forward, backward = _scan_outputs_by_eqn(jaxpr)
    length = len(XS)
    stacked = [s for s in forward if s[:1] == (length,)]
    # the ys and the carry history: nothing of w (a loop invariant) is stacked per step,
    # and the xs the backward pass reads are the original xs, not a copy
    assert len(stacked) == 2 and all(s == (length, 3) for s in stacked)
    eps = 1e-3
    numeric = [(loss(w + eps * e.reshape(w.shape), XS) - loss(w - eps * e.reshape(w.shape), XS))
               / (2 * eps) for e in np.eye(w.size, dtype=np.float32)]
    np.testing.assert_allclose(np.asarray(numax.grad(loss)(w, XS)).ravel(), numeric, rtol=2e-2)


def test_checkpointed_body_recomputes_instead_of_storing():
    with numax.enable_x64():
        xs = XS.astype(np.float64)

        def body(c, x):
            h = jnp.sin(c * x) * jnp.cos(c + x)
            return h + c * 0.5, jnp.exp(h)

        plain = lambda xs: jnp.sum(lax.scan(body, jnp.ones(3), xs)[1])
        remat = lambda xs: jnp.sum(lax.scan(numax.checkpoint(body), jnp.ones(3), xs)[1])
        np.testing.assert_allclose(numax.grad(remat)(xs), numax.grad(plain)(xs), rtol=1e-10)
        check_grads(remat, (xs,), order=1, modes=["rev"])
        plain_stacked = [s for s in _scan_outputs_by_eqn(numax.make_jaxpr(numax.grad(plain))(xs))[0]
                         if s[:1] == (len(xs),)]
        remat_stacked = [s for s in _scan_outputs_by_eqn(numax.make_jaxpr(numax.grad(remat))(xs))[0]
                         if s[:1] == (len(xs),)]
        # with checkpoint only the carry history (plus the ys) crosses to the backward pass
        assert len(remat_stacked) == 2 and len(plain_stacked) > len(remat_stacked)


def test_vmap_of_scan_matches_a_loop():
    batch = np.stack([XS, XS * 2.0, -XS])
    inits = RNG.uniform(-1, 1, (3, 3)).astype(np.float32)
    ws = RNG.uniform(0.5, 1.5, (3, 3)).astype(np.float32)

    def f(w, init, xs):
        return lax.scan(lambda c, x: (jnp.tanh(c * w + x), c.sum()), init, xs)

    def check(out, expected):
        np.testing.assert_allclose(out[0], np.stack([e[0] for e in expected]), rtol=1e-5,
                                   atol=1e-6)
        np.testing.assert_allclose(out[1], np.stack([e[1] for e in expected]), rtol=1e-5,
                                   atol=1e-6)

    check(numax.vmap(f)(ws, inits, batch), [f(*a) for a in zip(ws, inits, batch)])
    # xs batched along their second axis
    check(numax.vmap(f, in_axes=(None, None, 1))(ws[0], inits[0], np.moveaxis(batch, 0, 1)),
          [f(ws[0], inits[0], xs) for xs in batch])
    # only the constant batched: the carry becomes batched after the first step
    check(numax.vmap(f, in_axes=(0, None, None))(ws, inits[0], XS),
          [f(w, inits[0], XS) for w in ws])
    # only the carry batched
    check(numax.vmap(f, in_axes=(None, 0, None))(ws[0], inits, XS),
          [f(ws[0], i, XS) for i in inits])


def test_lax_map_matches_numpy_with_and_without_batches():
    f = lambda x: jnp.sin(x) * x.sum()
    expected = np.stack([np.sin(x) * x.sum() for x in XS])
    np.testing.assert_allclose(lax.map(f, XS), expected, rtol=1e-5, atol=1e-6)
    for batch_size in (1, 2, 4, 6, 10):
        np.testing.assert_allclose(lax.map(f, XS, batch_size=batch_size), expected, rtol=1e-5,
                                   atol=1e-6)
    pairs = lax.map(lambda t: (t[0] * 2.0, t[1] + 1), (XS, np.arange(6, dtype=np.int32)))
    np.testing.assert_allclose(pairs[0], XS * 2.0, rtol=1e-6)
    assert np.asarray(pairs[1]).tolist() == list(range(1, 7))


def test_scan_lowers_to_one_while_loop_and_caches_eager_programs():
    from numax import dispatch
    text = numax.jit(cumulative_sum).lower(XS).as_text()
    assert text.count("stablehlo.while") == 1 and "dynamic_update_slice" in text
    step = lambda c, x: (c + x, c)
    lax.scan(step, np.zeros(3, np.float32), XS)
    size = len(dispatch._eager_cache)
    carry, _ = lax.scan(step, np.ones(3, np.float32), XS)
    np.testing.assert_allclose(carry, XS.sum(0) + 1.0, rtol=1e-5)
    assert len(dispatch._eager_cache) == size


def test_disable_jit_runs_a_python_loop():
    with numax.disable_jit():
        carry, ys = lax.scan(lambda c, x: (c + x, c * 2.0), np.zeros(3, np.float32), XS,
                             reverse=True)
    np.testing.assert_allclose(carry, XS.sum(0), rtol=1e-5)
    expected = np.flip(np.cumsum(np.flip(XS, 0), 0), 0) - XS
    np.testing.assert_allclose(ys, expected * 2.0, rtol=1e-5, atol=1e-6)
