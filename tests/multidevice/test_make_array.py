"""Arrays laid out over several devices from per-device data (make_array_from_callback,
make_array_from_single_device_arrays, make_array_from_process_local_data), against the
NumPy array they stand for and the shard index maps computed by hand."""

import numpy as np
import pytest

import numax
from numax.sharding import Mesh, NamedSharding, PartitionSpec as P

pytestmark = pytest.mark.skipif(len(numax.devices()) < 4, reason="needs 4 devices")

GLOBAL = np.arange(32, dtype=np.float32).reshape(8, 4)


def _sharding(spec):
    return NamedSharding(Mesh(np.array(numax.devices()[:4]).reshape(2, 2), ("a", "b")), spec)


@pytest.mark.parametrize("spec", [P("a", "b"), P("a"), P(None, "b"), P(("a", "b")), P()])
def test_from_callback_assembles_the_global_array(spec):
    sharding = _sharding(spec)
    seen = []

    def data(index):
        seen.append(index)
        return GLOBAL[index]

    x = numax.make_array_from_callback(GLOBAL.shape, sharding, data)
    assert x.sharding == sharding and x.dtype == np.float32
    np.testing.assert_array_equal(np.asarray(x), GLOBAL)
    assert len(seen) == 4
    for shard in x.addressable_shards:
        np.testing.assert_array_equal(np.asarray(shard.data), GLOBAL[shard.index])
    np.testing.assert_array_equal(numax.jit(lambda v: v * 2)(x), GLOBAL * 2)


def test_from_single_device_arrays_in_any_order():
    sharding = _sharding(P("a", "b"))
    index_map = sharding.devices_indices_map(GLOBAL.shape)
    pieces = [numax.device_put(GLOBAL[index_map[d]], d) for d in reversed(numax.devices()[:4])]
    x = numax.make_array_from_single_device_arrays(GLOBAL.shape, sharding, pieces)
    np.testing.assert_array_equal(np.asarray(x), GLOBAL)
    with pytest.raises(ValueError, match="one array on each"):
        numax.make_array_from_single_device_arrays(GLOBAL.shape, sharding, pieces[:3])


def test_from_process_local_data_and_shape_errors():
    sharding = _sharding(P("a"))
    x = numax.make_array_from_process_local_data(sharding, GLOBAL)
    assert x.sharding == sharding
    np.testing.assert_array_equal(np.asarray(x), GLOBAL)
    with pytest.raises(ValueError, match="shard of shape"):
        numax.make_array_from_callback(GLOBAL.shape, sharding, lambda index: GLOBAL)
