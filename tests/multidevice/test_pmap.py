"""numax.pmap over 4 CPU devices: mapped values against NumPy, collectives over the named
axis against hand computation, in_axes/out_axes/static arguments, gradients against
analytic NumPy gradients, the layout of results, and the errors. Runs only with 4
devices (tests/test_multidevice_subprocess.py starts it so)."""

import numpy as np
import pytest

import numax
import numax.numpy as jnp
from numax import lax
from numax.sharding import NamedSharding, PartitionSpec as P

pytestmark = pytest.mark.skipif(len(numax.devices()) < 4, reason="needs 4 devices")


def _host(shape=(4, 3), seed=0):
    return np.random.default_rng(seed).standard_normal(shape).astype(np.float32)


def test_mapped_function_matches_numpy_and_lays_results_out_over_devices():
    host = _host()
    out = numax.pmap(lambda a: jnp.sin(a) * a.sum())(host)
    np.testing.assert_allclose(np.asarray(out), np.sin(host) * host.sum(1, keepdims=True),
                               rtol=1e-5)
    sharding = out.sharding
    assert isinstance(sharding, NamedSharding) and sharding.spec == P(sharding.mesh.axis_names[0])
    assert list(sharding.mesh.devices) == numax.devices()[:4]
    for shard in out.addressable_shards:
        row = numax.devices().index(shard.device)
        np.testing.assert_allclose(np.asarray(shard.data)[0], np.sin(host[row]) * host[row].sum(),
                                   rtol=1e-5)


def test_fewer_rows_than_devices_uses_the_first_devices():
    out = numax.pmap(lambda a: a * 2)(np.arange(2.0, dtype=np.float32))
    np.testing.assert_array_equal(np.asarray(out), [0.0, 2.0])
    assert list(out.sharding.mesh.devices) == numax.devices()[:2]


def test_collectives_over_the_named_axis():
    host = _host()

    def body(a):
        return {"sum": lax.psum(a, "i"), "mean": lax.pmean(a, "i"), "max": lax.pmax(a, "i"),
                "index": lax.axis_index("i"), "gathered": lax.all_gather(a, "i"),
                "next": lax.ppermute(a, "i", [(k, (k + 1) % 4) for k in range(4)])}
    out = numax.pmap(body, axis_name="i")(host)
    np.testing.assert_allclose(np.asarray(out["sum"]), np.tile(host.sum(0), (4, 1)), rtol=1e-5)
    np.testing.assert_allclose(np.asarray(out["mean"]), np.tile(host.mean(0), (4, 1)),
                               rtol=1e-5)
    np.testing.assert_array_equal(np.asarray(out["max"]), np.tile(host.max(0), (4, 1)))
    np.testing.assert_array_equal(np.asarray(out["index"]), np.arange(4))
    np.testing.assert_array_equal(np.asarray(out["gathered"]), np.stack([host] * 4))
    np.testing.assert_array_equal(np.asarray(out["next"]), np.roll(host, 1, axis=0))


def test_in_axes_out_axes_and_static_arguments():
    host = _host((3, 4))
    out = numax.pmap(lambda a, b, n: a * b * n, in_axes=(1, None, None),
                     static_broadcasted_argnums=2)(host, np.float32(3), 2)
    np.testing.assert_allclose(np.asarray(out), host.T * 6, rtol=1e-6)
    moved = numax.pmap(lambda a: a + 1, in_axes=1, out_axes=1)(host)
    np.testing.assert_allclose(np.asarray(moved), host + 1, rtol=1e-6)
    assert moved.sharding.spec == P(None, moved.sharding.mesh.axis_names[0])
    total = numax.pmap(lambda a: lax.psum(a, "i"), axis_name="i", in_axes=1, out_axes=None)(host)
    np.testing.assert_allclose(np.asarray(total), host.sum(1), rtol=1e-5)
    assert total.sharding.spec == P()


def test_result_of_one_pmap_feeds_the_next():
    host = _host()
    first = numax.pmap(lambda a: a * 2)(host)
    second = numax.pmap(lambda a: a - lax.pmean(a, "i"), axis_name="i")(first)
    np.testing.assert_allclose(np.asarray(second), 2 * (host - host.mean(0)), rtol=1e-5,
                               atol=1e-6)


def test_data_parallel_gradient_inside_pmap():
    """Each device computes the gradient on its batch; the pmean of them is the full-batch
    least-squares gradient."""
    rng = np.random.default_rng(1)
    x, y = rng.standard_normal((4, 2, 3)).astype(np.float32), rng.standard_normal(
        (4, 2)).astype(np.float32)
    w = rng.standard_normal(3).astype(np.float32)

    def step(params, data, target):
        grad = numax.grad(lambda p: jnp.mean((data @ p - target) ** 2))(params)
        return lax.pmean(grad, "batch")

    out = numax.pmap(step, axis_name="batch", in_axes=(None, 0, 0))(w, x, y)
    flat_x, flat_y = x.reshape(8, 3), y.reshape(8)
    expected = 2 / 8 * flat_x.T @ (flat_x @ w - flat_y)
    np.testing.assert_allclose(np.asarray(out), np.tile(expected, (4, 1)), rtol=1e-4, atol=1e-5)


def test_grad_of_a_pmapped_function():
    host = _host()
    loss = lambda a: numax.pmap(lambda r: lax.psum(jnp.sum(r ** 3), "i"),  # noqa: E731
                                axis_name="i")(a).sum()
    # every device returns the total, so the loss is 4 * sum(a ** 3)
    np.testing.assert_allclose(np.asarray(numax.grad(loss)(host)), 12 * host ** 2, rtol=1e-5)


def test_too_few_devices_is_an_error():
    with pytest.raises(ValueError, match="needs 5 devices, but only 4"):
        numax.pmap(lambda a: a)(np.zeros((5, 2), np.float32))


def test_inconsistent_mapped_sizes_are_an_error():
    with pytest.raises(ValueError, match="inconsistent sizes"):
        numax.pmap(lambda a, b: a + b)(np.zeros((4, 2), np.float32), np.zeros((3, 2), np.float32))


def test_unbound_axis_name_is_an_error():
    with pytest.raises(NameError, match="unbound axis name: j"):
        numax.pmap(lambda a: lax.psum(a, "j"), axis_name="i")(np.zeros((4, 2), np.float32))


def test_unmapped_output_that_varies_is_an_error():
    with pytest.raises(ValueError, match="pmap"):
        numax.pmap(lambda a: a, out_axes=None)(np.zeros((4, 2), np.float32))


def test_mapping_a_scalar_argument_is_an_error():
    with pytest.raises(ValueError, match="out of range"):
        numax.pmap(lambda a, b: a * b)(np.zeros((4, 2), np.float32), np.float32(2))


def test_arguments_committed_to_one_device_are_laid_out_by_pmap():
    """JAX's pmap takes arrays committed to any one device and spreads them itself."""
    data = np.arange(12.0, dtype=np.float32).reshape(4, 3)
    committed = numax.device_put(data, numax.devices()[1])
    out = numax.pmap(lambda x: x * 2)(committed)
    np.testing.assert_array_equal(np.asarray(out), data * 2)
    assert len(out.sharding.device_set) == 4
