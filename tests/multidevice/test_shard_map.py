"""numax.shard_map over 4 CPU devices: per-shard programs and the collectives between them,
checked against NumPy computations of the global values (each block of a spec is a
device's piece), gradients against analytic NumPy gradients, and the errors for bad
specs and unbound axis names. Runs only with 4 devices
(tests/test_multidevice_subprocess.py starts it so)."""

import numpy as np
import pytest

import numax
import numax.numpy as jnp
from numax import lax
from numax.sharding import Mesh, NamedSharding, PartitionSpec as P, make_mesh

pytestmark = pytest.mark.skipif(len(numax.devices()) < 4, reason="needs 4 devices")


@pytest.fixture
def mesh():
    return make_mesh((2, 2), ("x", "y"))


@pytest.fixture
def line():
    return make_mesh((4,), ("i",))


def _host(shape=(8, 4), seed=0):
    return np.random.default_rng(seed).standard_normal(shape).astype(np.float32)


def _blocks(value, rows, cols):
    """value cut into a rows x cols grid of blocks: blocks[r][c]."""
    return [np.split(part, cols, axis=1) for part in np.split(value, rows, axis=0)]


@pytest.mark.parametrize("spec", [P("x", "y"), P("x"), P(None, "y"), P(("x", "y")),
                                  P(("y", "x"), None), P()], ids=str)
def test_elementwise_body_gives_global_values_laid_out_by_out_specs(mesh, spec):
    host = _host()
    f = numax.shard_map(lambda a: jnp.sin(a) * 2 + 1, mesh=mesh, in_specs=spec, out_specs=spec)
    for run in (f, numax.jit(f)):
        out = run(host)
        np.testing.assert_allclose(np.asarray(out), np.sin(host) * 2 + 1, rtol=1e-6, atol=1e-6)
        assert out.sharding.is_equivalent_to(NamedSharding(mesh, spec), 2)


def test_body_sees_its_block_of_every_argument(mesh):
    host = _host()
    # Each device returns its block's shape, sum and position: the blocks must be the
    # ones the specs name, device (x, y) holding rows block x and columns block y.
    f = numax.shard_map(
        lambda a: jnp.stack([a.sum(), lax.axis_index("x") * 1.0, lax.axis_index("y") * 1.0,
                             a.shape[0] * 1.0, a.shape[1] * 1.0])[None, None],
        mesh=mesh, in_specs=P("x", "y"), out_specs=P("x", "y"))
    out = np.asarray(f(host))
    assert out.shape == (2, 2, 5)
    blocks = _blocks(host, 2, 2)
    for r in range(2):
        for c in range(2):
            np.testing.assert_allclose(out[r, c], [blocks[r][c].sum(), r, c, 4, 2], rtol=1e-5)


def test_psum_over_one_axis_and_over_both(mesh):
    host = _host()
    blocks = _blocks(host, 2, 2)
    over_x = numax.shard_map(lambda a: lax.psum(a, "x"), mesh=mesh, in_specs=P("x", "y"),
                             out_specs=P(None, "y"))
    expected = np.concatenate([blocks[0][c] + blocks[1][c] for c in range(2)], axis=1)
    np.testing.assert_allclose(np.asarray(over_x(host)), expected, rtol=1e-5)
    over_both = numax.shard_map(lambda a: lax.psum(a, ("x", "y")), mesh=mesh,
                                in_specs=P("x", "y"), out_specs=P())
    total = sum(b for row in blocks for b in row)
    out = numax.jit(over_both)(host)
    np.testing.assert_allclose(np.asarray(out), total, rtol=1e-5)
    assert out.sharding == NamedSharding(mesh, P())


@pytest.mark.parametrize("collective, reduce", [(lax.pmean, np.mean), (lax.pmax, np.max),
                                                (lax.pmin, np.min)])
def test_mean_max_min_over_an_axis(line, collective, reduce):
    host = _host((8, 3))
    f = numax.shard_map(lambda a: collective(a, "i"), mesh=line, in_specs=P("i"),
                        out_specs=P())
    np.testing.assert_allclose(np.asarray(f(host)), reduce(host.reshape(4, 2, 3), axis=0),
                               rtol=1e-5)


def test_axis_index_over_several_axes_and_scalar_psum(mesh):
    def body():
        return jnp.stack([lax.axis_index(("x", "y")), lax.axis_index(("y", "x")),
                          lax.psum(1, "x"), lax.psum(1, ("x", "y"))])[None]
    out = np.asarray(numax.shard_map(body, mesh=mesh, in_specs=(), out_specs=P(("x", "y")))())
    # devices in mesh order (x major): (0,0) (0,1) (1,0) (1,1)
    np.testing.assert_array_equal(out, [[0, 0, 2, 4], [1, 2, 2, 4], [2, 1, 2, 4],
                                        [3, 3, 2, 4]])


@pytest.mark.parametrize("tiled", [False, True])
def test_all_gather(line, tiled):
    host = _host((8, 3))
    f = numax.shard_map(lambda a: lax.all_gather(a, "i", axis=1, tiled=tiled), mesh=line,
                        in_specs=P("i"), out_specs=P())
    pieces = np.split(host, 4)
    expected = np.concatenate(pieces, axis=1) if tiled else np.stack(pieces, axis=1)
    np.testing.assert_allclose(np.asarray(numax.jit(f)(host)), expected)


def test_all_gather_along_one_axis_of_a_2d_mesh(mesh):
    host = _host((4, 4))
    f = numax.shard_map(lambda a: lax.all_gather(a, "y", tiled=True), mesh=mesh,
                        in_specs=P("x", "y"), out_specs=P("x", None))
    blocks = _blocks(host, 2, 2)
    expected = np.concatenate([np.concatenate(row, axis=0) for row in blocks], axis=0)
    np.testing.assert_allclose(np.asarray(f(host)), expected)


@pytest.mark.parametrize("tiled", [False, True])
def test_psum_scatter(line, tiled):
    host = _host((4, 8 if tiled else 4, 3))  # device i holds host[i]
    f = numax.shard_map(lambda a: lax.psum_scatter(a[0], "i", tiled=tiled)[None],
                        mesh=line, in_specs=P("i"), out_specs=P("i"))
    total = host.sum(axis=0)  # device i keeps block i of the sum
    expected = total.reshape(4, 2, 3) if tiled else total
    np.testing.assert_allclose(np.asarray(f(host)), expected, rtol=1e-5, atol=1e-6)


def test_ppermute_ring_and_partial_permutation(line):
    host = _host((8,))
    ring = numax.shard_map(lambda a: lax.ppermute(a, "i", [(i, (i + 1) % 4) for i in range(4)]),
                           mesh=line, in_specs=P("i"), out_specs=P("i"))
    np.testing.assert_array_equal(np.asarray(ring(host)), np.roll(host, 2))
    partial = numax.shard_map(lambda a: lax.ppermute(a, "i", [(0, 3), (3, 1)]),
                              mesh=line, in_specs=P("i"), out_specs=P("i"))
    pieces = np.split(host, 4)
    expected = np.concatenate([np.zeros(2), pieces[3], np.zeros(2), pieces[0]])
    np.testing.assert_array_equal(np.asarray(numax.jit(partial)(host)), expected)


def test_ppermute_along_one_axis_of_a_2d_mesh(mesh):
    host = _host((4, 4))
    f = numax.shard_map(lambda a: lax.ppermute(a, "x", [(0, 1), (1, 0)]), mesh=mesh,
                        in_specs=P("x", "y"), out_specs=P("x", "y"))
    np.testing.assert_array_equal(np.asarray(f(host)), np.roll(host, 2, axis=0))


def test_closed_over_values_and_several_outputs(line):
    host, weights = _host((8, 3)), _host((3,), seed=1)
    w = jnp.asarray(weights)
    f = numax.shard_map(lambda a, b: {"scaled": a * w, "total": lax.psum(b.sum(), "i")},
                        mesh=line, in_specs=(P("i"), P("i")),
                        out_specs={"scaled": P("i"), "total": P()})
    out = numax.jit(f)(host, host[:, 0])
    np.testing.assert_allclose(np.asarray(out["scaled"]), host * weights, rtol=1e-6)
    np.testing.assert_allclose(np.asarray(out["total"]), host[:, 0].sum(), rtol=1e-5)


def test_jit_with_work_around_the_shard_map(line):
    host = _host((8, 3))
    inner = numax.shard_map(lambda a: lax.psum(jnp.exp(a), "i"), mesh=line, in_specs=P("i"),
                            out_specs=P())
    out = numax.jit(lambda a: inner(a * 2).sum() + a.sum())(host)
    expected = np.exp(host * 2).reshape(4, 2, 3).sum(0).sum() + host.sum()
    np.testing.assert_allclose(np.asarray(out), expected, rtol=1e-5)


def test_grad_of_a_sharded_loss_matches_the_analytic_gradient(line):
    host, weights = _host((8, 3)), _host((8, 3), seed=1)

    def loss(x, w):
        per_device = numax.shard_map(lambda a, b: lax.psum((jnp.tanh(a) * b).sum(), "i"),
                                     mesh=line, in_specs=(P("i"), P("i")), out_specs=P())
        return per_device(x, w) ** 2

    total = (np.tanh(host) * weights).sum()
    expected_x = 2 * total * (1 - np.tanh(host) ** 2) * weights
    expected_w = 2 * total * np.tanh(host)
    for grad in (numax.grad(loss, argnums=(0, 1)), numax.jit(numax.grad(loss, argnums=(0, 1)))):
        gx, gw = grad(host, weights)
        np.testing.assert_allclose(np.asarray(gx), expected_x, rtol=1e-4, atol=1e-5)
        np.testing.assert_allclose(np.asarray(gw), expected_w, rtol=1e-4, atol=1e-5)


def test_data_parallel_gradient_of_replicated_parameters(mesh):
    """Parameters replicated (P()), data split over both mesh axes, the loss a pmean: the
    gradient is the full-batch least-squares gradient."""
    rng = np.random.default_rng(3)
    x, y = rng.standard_normal((8, 3)).astype(np.float32), rng.standard_normal(8).astype(
        np.float32)
    w = rng.standard_normal(3).astype(np.float32)

    def loss(params, data, target):
        body = lambda p, a, t: lax.pmean(jnp.mean((a @ p - t) ** 2), ("x", "y"))  # noqa: E731
        return numax.shard_map(body, mesh=mesh, in_specs=(P(), P(("x", "y")), P(("x", "y"))),
                               out_specs=P())(params, data, target)

    expected = 2 / 8 * x.T @ (x @ w - y)
    for grad in (numax.grad(loss), numax.jit(numax.grad(loss))):
        np.testing.assert_allclose(np.asarray(grad(w, x, y)), expected, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(np.asarray(loss(w, x, y)), np.mean((x @ w - y) ** 2), rtol=1e-5)


def test_grad_through_all_gather_and_ppermute(line):
    host = _host((8,))
    coefficients = np.arange(1, 9, dtype=np.float32)

    def loss(x):
        def body(a):
            shifted = lax.ppermute(a, "i", [(i, (i + 1) % 4) for i in range(4)])
            return lax.all_gather(shifted ** 2, "i", tiled=True)
        gathered = numax.shard_map(body, mesh=line, in_specs=P("i"), out_specs=P())(x)
        return (gathered * coefficients).sum()

    # gathered = roll(x, 2) ** 2, so d/dx = 2 x * roll(coefficients, -2)
    np.testing.assert_allclose(np.asarray(numax.grad(loss)(host)),
                               2 * host * np.roll(coefficients, -2), rtol=1e-5)


def test_vmap_of_shard_map_matches_a_loop(line):
    host = _host((3, 8, 2))
    f = numax.shard_map(lambda a: a * lax.psum(a.sum(), "i"), mesh=line, in_specs=P("i"),
                        out_specs=P("i"))
    out = np.asarray(numax.vmap(f)(host))
    for k in range(3):
        np.testing.assert_allclose(out[k], host[k] * host[k].sum(), rtol=1e-5)


def test_device_order_of_an_unsorted_mesh():
    devices = numax.devices()[:4]
    mesh = Mesh(np.array([devices[2], devices[0], devices[3], devices[1]]), ("i",))
    host = _host((4,))
    f = numax.shard_map(lambda a: a + lax.axis_index("i"), mesh=mesh, in_specs=P("i"),
                        out_specs=P("i"))
    out = f(host)
    np.testing.assert_allclose(np.asarray(out), host + np.arange(4), rtol=1e-6)
    for shard in out.addressable_shards:  # mesh position i is on devices[order[i]]
        position = list(mesh.devices).index(shard.device)
        np.testing.assert_allclose(np.asarray(shard.data), host[position] + position, rtol=1e-6)


# ---------------------------------------------------------------- errors

def test_indivisible_argument_is_an_error(line):
    f = numax.shard_map(lambda a: a, mesh=line, in_specs=P("i"), out_specs=P("i"))
    with pytest.raises(ValueError, match="into 4 pieces"):
        f(np.zeros(6, np.float32))


def test_spec_naming_an_axis_the_mesh_lacks_is_an_error(line):
    f = numax.shard_map(lambda a: a, mesh=line, in_specs=P("z"), out_specs=P("i"))
    with pytest.raises(ValueError, match="'z'"):
        f(np.zeros(8, np.float32))


def test_spec_longer_than_the_rank_is_an_error(line):
    f = numax.shard_map(lambda a: a.sum(), mesh=line, in_specs=P("i"), out_specs=P("i"))
    with pytest.raises(ValueError, match="rank 0"):
        f(np.zeros(8, np.float32))


def test_in_specs_that_do_not_match_the_arguments_are_an_error(line):
    f = numax.shard_map(lambda a: a, mesh=line, in_specs=(P("i"), P("i")), out_specs=P("i"))
    with pytest.raises(ValueError, match="prefix"):
        f(np.zeros(8, np.float32))


def test_unbound_axis_name_is_an_error(line):
    f = numax.shard_map(lambda a: lax.psum(a, "q"), mesh=line, in_specs=P("i"),
                        out_specs=P("i"))
    with pytest.raises(NameError, match="unbound axis name: q"):
        f(np.zeros(8, np.float32))


def test_replicated_out_spec_of_a_varying_value_is_an_error(line):
    f = numax.shard_map(lambda a: a * 2, mesh=line, in_specs=P("i"), out_specs=P())
    with pytest.raises(ValueError, match="check_vma=False"):
        f(np.zeros(8, np.float32))
    # with the check off, the user vouches for replication
    g = numax.shard_map(lambda a: a * 0 + 1, mesh=line, in_specs=P("i"), out_specs=P(),
                        check_vma=False)
    np.testing.assert_array_equal(np.asarray(g(np.zeros(8, np.float32))), np.ones(2))


def test_shard_map_needs_a_mesh():
    with pytest.raises(TypeError, match="Mesh"):
        numax.shard_map(lambda a: a, in_specs=P(), out_specs=P())
    mesh = make_mesh((4,), ("i",))
    with mesh:
        f = numax.shard_map(lambda a: a + 1, in_specs=P("i"), out_specs=P("i"))
    np.testing.assert_array_equal(np.asarray(f(np.zeros(8, np.float32))), np.ones(8))


def test_collective_staged_outside_any_binding_is_an_error():
    with pytest.raises(NameError, match="unbound axis name: i"):
        numax.jit(lambda a: lax.psum(a, "i"))(np.zeros(4, np.float32))


def test_experimental_spelling_with_positional_mesh_and_check_rep(line):
    from numax.experimental.shard_map import shard_map
    host = _host((8,))
    f = shard_map(lambda a: lax.psum(a, "i"), line, P("i"), P())
    np.testing.assert_allclose(np.asarray(f(host)), host.reshape(4, 2).sum(0), rtol=1e-5)
    with pytest.raises(ValueError, match="check_vma=False"):
        shard_map(lambda a: a, line, P("i"), P())(host)
    unchecked = shard_map(lambda a: a * 0, line, P("i"), P(), check_rep=False)
    np.testing.assert_array_equal(np.asarray(unchecked(host)), np.zeros(2))


def test_jit_of_a_shard_map_without_arguments(line):
    f = numax.shard_map(lambda: lax.axis_index("i")[None] * 3, mesh=line, in_specs=(),
                        out_specs=P("i"))
    for run in (f, numax.jit(f)):
        out = run()
        np.testing.assert_array_equal(np.asarray(out), np.arange(4) * 3)
        assert out.sharding.is_equivalent_to(NamedSharding(line, P("i")), 1)


def test_collectives_inside_jit_and_loops_of_the_body(line):
    host = _host((8,))

    def body(a):
        inner = numax.jit(lambda v: lax.psum(v, "i"))(a)
        rotated = lax.fori_loop(0, 3, lambda _, v: lax.ppermute(
            v, "i", [(k, (k + 1) % 4) for k in range(4)]), a)
        return inner + rotated

    f = numax.shard_map(body, mesh=line, in_specs=P("i"), out_specs=P("i"))
    expected = np.tile(host.reshape(4, 2).sum(0), 4) + np.roll(host, 6)
    np.testing.assert_allclose(np.asarray(numax.jit(f)(host)), expected, rtol=1e-5)
