"""Named-axis collectives under vmap, and numpy.vectorize, against NumPy references."""

import numpy as np
import pytest

import numax
import numax.numpy as jnp
from numax import lax


def _x(*shape, seed=0):
    return np.random.default_rng(seed).uniform(-1, 1, shape).astype(np.float32)


def test_psum_pmean_pmax_pmin():
    x = _x(5, 3)
    for fn, ref in [(lax.psum, x.sum(0)), (lax.pmean, x.mean(0)), (lax.pmax, x.max(0)),
                    (lax.pmin, x.min(0))]:
        out = numax.vmap(lambda v: fn(v, "i"), axis_name="i")(x)
        np.testing.assert_allclose(np.asarray(out), np.broadcast_to(ref, x.shape), rtol=1e-6)


def test_psum_of_unbatched_value_counts_elements():
    out = numax.vmap(lambda v: lax.psum(1.0, "i") + v * 0, axis_name="i")(jnp.ones(4))
    np.testing.assert_allclose(np.asarray(out), np.full(4, 4.0))


def test_axis_index_all_gather_psum_scatter_ppermute():
    x = _x(4, 4)
    np.testing.assert_array_equal(
        np.asarray(numax.vmap(lambda v: lax.axis_index("i"), axis_name="i")(x)), np.arange(4))
    gathered = numax.vmap(lambda v: lax.all_gather(v, "i"), axis_name="i")(x)
    np.testing.assert_allclose(np.asarray(gathered), np.broadcast_to(x, (4, 4, 4)))
    tiled = numax.vmap(lambda v: lax.all_gather(v, "i", tiled=True), axis_name="i")(x)
    np.testing.assert_allclose(np.asarray(tiled), np.broadcast_to(x.reshape(-1), (4, 16)))
    scattered = numax.vmap(lambda v: lax.psum_scatter(v, "i"), axis_name="i")(x)
    np.testing.assert_allclose(np.asarray(scattered), x.sum(0), rtol=1e-6)
    perm = [(0, 1), (1, 2), (2, 0)]  # element 3 receives nothing
    permuted = numax.vmap(lambda v: lax.ppermute(v, "i", perm), axis_name="i")(x)
    expected = np.zeros_like(x)
    for source, destination in perm:
        expected[destination] = x[source]
    np.testing.assert_allclose(np.asarray(permuted), expected)


def test_nested_vmaps_with_different_names():
    x = _x(2, 3)
    inner = lambda v: lax.psum(v, "j")  # noqa: E731
    outer = lambda v: lax.psum(v, "i")  # noqa: E731
    over_j = numax.vmap(numax.vmap(inner, axis_name="j"), axis_name="i")(x)
    over_i = numax.vmap(numax.vmap(outer, axis_name="j"), axis_name="i")(x)
    both = numax.vmap(numax.vmap(lambda v: lax.psum(v, ("i", "j")), axis_name="j"),
                      axis_name="i")(x)
    np.testing.assert_allclose(np.asarray(over_j), np.broadcast_to(x.sum(1, keepdims=True), x.shape),
                               rtol=1e-6)
    np.testing.assert_allclose(np.asarray(over_i), np.broadcast_to(x.sum(0), x.shape), rtol=1e-6)
    np.testing.assert_allclose(np.asarray(both), np.full(x.shape, x.sum()), rtol=1e-5)


def test_collectives_under_jit_and_grad():
    x = _x(4)
    normalize = numax.vmap(lambda v: v / lax.psum(v * v, "i"), axis_name="i")
    np.testing.assert_allclose(np.asarray(numax.jit(normalize)(x)), x / np.sum(x * x), rtol=1e-6)
    g = numax.grad(lambda v: jnp.sum(numax.vmap(lambda e: e * lax.psum(e, "i"),
                                                axis_name="i")(v)))(x)
    np.testing.assert_allclose(np.asarray(g), np.full(4, 2 * x.sum()), rtol=1e-5)


def test_unbound_axis_name_is_an_error():
    with pytest.raises(NameError, match="unbound axis name: k"):
        lax.psum(jnp.ones(3), "k")


def test_vectorize_signature_and_broadcasting():
    a, b = _x(4, 2, 3), _x(3, seed=1)
    matvec = jnp.vectorize(lambda m, v: m @ v, signature="(m,n),(n)->(m)")
    np.testing.assert_allclose(np.asarray(matvec(a, b)), a @ b, rtol=1e-5)
    elementwise = jnp.vectorize(lambda p, q: p * q + 1)
    np.testing.assert_allclose(np.asarray(elementwise(_x(2, 3), _x(3, seed=2))),
                               _x(2, 3) * _x(3, seed=2) + 1, rtol=1e-6)
    with pytest.raises(ValueError, match="core dimension"):
        matvec(a, _x(4, seed=3))
    with pytest.raises(ValueError, match="signature"):
        jnp.vectorize(lambda x: x, signature="(n->")
