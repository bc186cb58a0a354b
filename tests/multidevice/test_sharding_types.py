"""numax.sharding's types on 4 CPU devices: meshes, partition specs, the piece of a global
array each device holds (index maps worked out by hand), and the device-count option.
Runs only with 4 devices (tests/test_multidevice_subprocess.py starts it so)."""

import subprocess
import sys
import textwrap

import numpy as np
import pytest

import numax
import numax.numpy as jnp
from numax.sharding import (AxisType, Mesh, NamedSharding, PartitionSpec, Sharding,
                            SingleDeviceSharding, current_mesh, make_mesh)

pytestmark = pytest.mark.skipif(len(numax.devices()) < 4, reason="needs 4 devices")

P = PartitionSpec


@pytest.fixture
def mesh():
    return make_mesh((2, 2), ("x", "y"))


def test_device_counts_agree():
    assert len(numax.devices()) == numax.device_count() == numax.local_device_count() == 4
    assert [d.id for d in numax.devices()] == [0, 1, 2, 3]


def test_num_cpu_devices_option_is_read_once_at_backend_start():
    script = textwrap.dedent("""
        import numax
        numax.config.update("jax_num_cpu_devices", 3)
        print(len(numax.devices()), numax.device_count())
        try:
            numax.config.update("jax_num_cpu_devices", 2)
        except RuntimeError as error:
            print("refused:", "before backends are initialized" in str(error))
    """)
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                         env={"PATH": "/usr/bin:/bin"}, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["3", "3", "refused:", "True"]


def test_num_cpu_devices_rejects_non_counts():
    for bad in (0, -2, 2.0, "4", True):
        with pytest.raises(TypeError, match="jax_num_cpu_devices"):
            numax.config.update("jax_num_cpu_devices", bad)


def test_partition_spec_equality_and_repr():
    assert P("x", None) == P("x", None) and hash(P("x", None)) == hash(P("x", None))
    assert P("x") != P("x", None)  # as in JAX: trailing None entries count
    assert P(["x", "y"]) == P(("x", "y"))
    assert repr(P("x", None)) == "P('x', None)"
    assert repr(P()) == "P()"
    assert repr(P("x")) == "P('x',)"
    assert repr(P(("x", "y"))) == "P(('x', 'y'),)"
    assert list(P("x", None)) == ["x", None] and len(P("x", None)) == 2
    with pytest.raises(TypeError, match="PartitionSpec entries"):
        P(3)


def test_mesh_attributes_and_context(mesh):
    devices = numax.devices()
    assert mesh.axis_names == ("x", "y")
    assert dict(mesh.shape) == {"x": 2, "y": 2} and mesh.size == 4
    assert mesh.devices.tolist() == [[devices[0], devices[1]], [devices[2], devices[3]]]
    assert mesh.device_ids.tolist() == [[0, 1], [2, 3]]
    assert repr(mesh) == "Mesh(axis_sizes=(2, 2), axis_names=('x', 'y'), axis_types=(Auto, Auto))"
    assert mesh == Mesh(np.array(devices).reshape(2, 2), ("x", "y"))
    assert mesh != Mesh(np.array(devices).reshape(2, 2), ("a", "b"))
    assert current_mesh() is None
    with mesh as inside:
        assert inside is mesh and current_mesh() is mesh
    assert current_mesh() is None


def test_mesh_and_make_mesh_errors():
    devices = np.array(numax.devices()).reshape(2, 2)
    with pytest.raises(ValueError, match="ndim of its first argument"):
        Mesh(devices, ("x",))
    with pytest.raises(ValueError, match="distinct"):
        Mesh(devices, ("x", "x"))
    with pytest.raises(ValueError, match="needs 8 devices"):
        make_mesh((8,), ("x",))
    with pytest.raises(NotImplementedError, match="AxisType.Auto"):
        make_mesh((4,), ("x",), axis_types=(AxisType.Explicit,))
    assert make_mesh((3,), ("x",)).devices.tolist() == numax.devices()[:3]


def _slices(*pairs):
    return tuple(slice(None) if p is None else slice(*p) for p in pairs)


def test_devices_indices_map_by_hand(mesh):
    d = numax.devices()
    rows = NamedSharding(mesh, P("x", None))
    assert rows.devices_indices_map((8, 4)) == {
        d[0]: _slices((0, 4), None), d[1]: _slices((0, 4), None),
        d[2]: _slices((4, 8), None), d[3]: _slices((4, 8), None)}
    swapped = NamedSharding(mesh, P("y", "x"))  # dim 0 over y (devices 0,2 | 1,3), dim 1 over x
    assert swapped.devices_indices_map((4, 6)) == {
        d[0]: _slices((0, 2), (0, 3)), d[1]: _slices((2, 4), (0, 3)),
        d[2]: _slices((0, 2), (3, 6)), d[3]: _slices((2, 4), (3, 6))}
    both = NamedSharding(mesh, P(("x", "y")))  # x major: device order 0, 1, 2, 3
    assert both.devices_indices_map((8,)) == {d[i]: _slices((2 * i, 2 * i + 2)) for i in range(4)}
    minor_first = NamedSharding(mesh, P(("y", "x")))  # y major: devices 0, 2, 1, 3
    assert minor_first.devices_indices_map((8,)) == {
        d[0]: _slices((0, 2)), d[2]: _slices((2, 4)), d[1]: _slices((4, 6)), d[3]: _slices((6, 8))}
    replicated = NamedSharding(mesh, P())
    assert replicated.devices_indices_map((3, 5)) == {d[i]: _slices(None, None) for i in range(4)}


def test_named_sharding_properties(mesh):
    rows = NamedSharding(mesh, P("x", None))
    assert rows.shard_shape((8, 4)) == (4, 4)
    assert NamedSharding(mesh, P("x", "y")).shard_shape((8, 4)) == (4, 2)
    assert not rows.is_fully_replicated and NamedSharding(mesh, P()).is_fully_replicated
    assert NamedSharding(make_mesh((1, 4), ("a", "b")), P("a")).is_fully_replicated
    assert rows.num_devices == 4 and rows.device_set == set(numax.devices())
    assert rows == NamedSharding(mesh, P("x", None))
    assert hash(rows) == hash(NamedSharding(mesh, P("x", None)))
    assert rows != NamedSharding(mesh, P("y", None))
    assert rows.is_equivalent_to(NamedSharding(mesh, P("x")), 2)
    assert not rows.is_equivalent_to(NamedSharding(mesh, P("y")), 2)
    assert isinstance(rows, Sharding)
    assert repr(rows) == ("NamedSharding(mesh=Mesh('x': 2, 'y': 2, axis_types=(Auto, Auto)), "
                          "spec=P('x', None), memory_kind=device)")


def test_named_sharding_errors(mesh):
    with pytest.raises(ValueError, match="Resource axis: z"):
        NamedSharding(mesh, P("z"))
    with pytest.raises(ValueError, match="duplicate entries for `x`"):
        NamedSharding(mesh, P("x", "x"))
    with pytest.raises(ValueError, match="rank at least 2"):
        NamedSharding(mesh, P("x", "y")).devices_indices_map((8,))
    with pytest.raises(ValueError, match="partitioned 2 times, but the dimension size is 7"):
        NamedSharding(mesh, P("x")).devices_indices_map((7,))
    with pytest.raises(TypeError, match="PartitionSpec"):
        NamedSharding(mesh, ("x",))


def test_single_device_sharding():
    device = numax.devices()[2]
    sharding = SingleDeviceSharding(device)
    assert sharding is SingleDeviceSharding(device)  # interned: compared by identity
    assert isinstance(sharding, Sharding)
    assert sharding.device_set == {device} and sharding.num_devices == 1
    assert sharding.is_fully_replicated
    assert sharding.devices_indices_map((2, 3)) == {device: _slices(None, None)}
    assert sharding.shard_shape((2, 3)) == (2, 3)
    assert repr(sharding) == "SingleDeviceSharding(device=CpuDevice(id=2), memory_kind=device)"
    x = jnp.ones(3)
    assert x.sharding is SingleDeviceSharding(numax.devices()[0])
    assert numax.device_put(x, sharding).sharding is sharding
