"""Arrays laid out over 4 CPU devices: device_put with a NamedSharding, each device's
shard against the NumPy slice it should hold, the global value read back, and eager
operations on sharded arrays (partitioned by XLA) against NumPy.
Runs only with 4 devices (tests/test_multidevice_subprocess.py starts it so)."""

import pickle

import ml_dtypes
import numpy as np
import pytest

import numax
import numax.numpy as jnp
from numax.sharding import NamedSharding, PartitionSpec as P, SingleDeviceSharding, make_mesh

pytestmark = pytest.mark.skipif(len(numax.devices()) < 4, reason="needs 4 devices")

SPECS = [P("x", None), P(None, "y"), P("x", "y"), P("y", "x"), P(("x", "y")), P(("y", "x"), None),
         P()]


@pytest.fixture
def mesh():
    return make_mesh((2, 2), ("x", "y"))


def _host(shape=(8, 4), dtype=np.float32):
    return (np.arange(np.prod(shape)).reshape(shape) * 0.5 - 3).astype(dtype)


@pytest.mark.parametrize("spec", SPECS, ids=str)
def test_shards_hold_their_slices(mesh, spec):
    host = _host()
    sharding = NamedSharding(mesh, spec)
    x = numax.device_put(host, sharding)
    assert x.sharding == sharding and x.committed
    assert x.devices() == set(numax.devices())
    index_map = sharding.devices_indices_map(host.shape)
    shards = x.addressable_shards
    assert sorted(s.device.id for s in shards) == [0, 1, 2, 3]
    seen = {}
    for shard in shards:
        assert shard.index == index_map[shard.device]
        assert shard.data.sharding is SingleDeviceSharding(shard.device)
        np.testing.assert_array_equal(np.asarray(shard.data), host[shard.index])
        key = tuple((s.start, s.stop) for s in shard.index)
        assert shard.replica_id == seen.get(key, -1) + 1  # copies of a piece are numbered
        seen[key] = shard.replica_id
    value = np.asarray(x)
    assert value.dtype == np.float32 and value.shape == (8, 4)
    np.testing.assert_array_equal(value, host)
    assert repr(x) == repr(jnp.asarray(host)) and str(x) == str(host)


def test_device_put_keeps_value_types(mesh):
    replicated = NamedSharding(mesh, P())
    scalar = numax.device_put(2.5, replicated)
    assert scalar.weak_type and scalar.dtype == np.float32 and float(scalar) == 2.5
    assert scalar.is_fully_replicated
    bf16 = _host((8,), ml_dtypes.bfloat16)
    x = numax.device_put(bf16, NamedSharding(mesh, P("y")))
    assert x.dtype == ml_dtypes.bfloat16
    np.testing.assert_array_equal(np.asarray(x), bf16)
    ints = numax.device_put(np.arange(8, dtype=np.int32), NamedSharding(mesh, P(("x", "y"))))
    assert ints.tolist() == list(range(8)) and int(ints[5]) == 5


def test_device_put_host_memory_is_copied(mesh):
    host = _host()
    x = numax.device_put(host, NamedSharding(mesh, P("x")))
    host[:] = 100
    np.testing.assert_array_equal(np.asarray(x), _host())


def test_moving_between_layouts(mesh):
    host = _host()
    x = numax.device_put(host, NamedSharding(mesh, P("x", None)))
    resharded = numax.device_put(x, NamedSharding(mesh, P(None, "x")))
    assert resharded.sharding.spec == P(None, "x")
    np.testing.assert_array_equal(np.asarray(resharded), host)
    one = numax.device_put(x, numax.devices()[3])
    assert one.sharding is SingleDeviceSharding(numax.devices()[3])
    np.testing.assert_array_equal(np.asarray(one), host)
    assert numax.device_put(x) is x
    back = numax.device_put(one, NamedSharding(mesh, P("y")))
    np.testing.assert_array_equal(np.asarray(back), host)


def test_indivisible_shape_is_refused(mesh):
    with pytest.raises(ValueError, match="dimension size is 7"):
        numax.device_put(np.arange(7.0), NamedSharding(mesh, P("x")))


def test_unsupported_uses_name_the_problem(mesh):
    x = numax.device_put(_host(), NamedSharding(mesh, P("x")))
    with pytest.raises(BufferError, match="sharded over 4 devices"):
        x.__dlpack__()
    with pytest.raises(TypeError, match="Device or a Sharding"):
        numax.device_put(_host(), "cpu:0")
    assert x.device == x.sharding  # JAX's answer for an array on several devices


def test_pickle_round_trip_keeps_the_value(mesh):
    x = numax.device_put(_host(), NamedSharding(mesh, P("x", "y")))
    np.testing.assert_array_equal(np.asarray(pickle.loads(pickle.dumps(x))), _host())


def test_eager_elementwise_keeps_the_layout(mesh):
    host = _host()
    sharding = NamedSharding(mesh, P("x", None))
    x = numax.device_put(host, sharding)
    for result, expected in [(x + 1, host + 1), (jnp.sin(x), np.sin(host)),
                             (x * x, host * host), (x + jnp.arange(4.0), host + np.arange(4.0))]:
        assert result.sharding == sharding  # observed in JAX 0.10.2 for these operations
        np.testing.assert_allclose(np.asarray(result), expected, rtol=1e-6)


def test_eager_reductions_and_contractions(mesh):
    host = _host()
    x = numax.device_put(host, NamedSharding(mesh, P("x", "y")))
    total = x.sum()
    assert total.sharding == NamedSharding(mesh, P())  # JAX 0.10.2 gives P() too
    assert float(total) == host.sum()
    np.testing.assert_allclose(np.asarray(x.sum(0)), host.sum(0))
    np.testing.assert_allclose(np.asarray(x @ x.T), host @ host.T, rtol=1e-6)
    np.testing.assert_array_equal(np.asarray(x.T), host.T)
    np.testing.assert_array_equal(np.asarray(x[3]), host[3])
    np.testing.assert_array_equal(np.asarray(jnp.cumsum(x, axis=0)), np.cumsum(host, axis=0))


def test_eager_mixes_with_uncommitted_single_device_arrays(mesh):
    host = _host()
    x = numax.device_put(host, NamedSharding(mesh, P("x")))
    y = jnp.asarray(host)  # uncommitted, on the default device: moved to the layout
    np.testing.assert_array_equal(np.asarray(x - y), np.zeros_like(host))
    committed = numax.device_put(host, numax.devices()[1])
    with pytest.raises(ValueError, match="incompatible devices"):
        x + committed
