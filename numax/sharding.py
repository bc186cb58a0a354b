"""`numax.sharding`: how an array's elements are laid out over devices.

Owns the public sharding types — `Sharding` (the interface), `SingleDeviceSharding`,
`Mesh` (a named grid of devices, also a `with` block), `PartitionSpec` (`numax.P`),
`NamedSharding(mesh, spec)` — and `make_mesh`, with the arithmetic every layout
answers to: each device's slice of a global shape (`devices_indices_map`), the shape of
one shard, whether the layout is fully replicated. It also owns the translation of a
NamedSharding to and from XLA's GSPMD sharding text (`{devices=[2,1,2]0,1,2,3
last_tile_dim_replicate}`), which is what programs are annotated with: XLA's SPMD
partitioner does the partitioning and inserts the collectives, never numax. Only
"Auto" mesh axes exist here (the partitioner chooses intermediate layouts); JAX's
Explicit/Manual axis types are rejected by name. jaxlib's objects stay behind
numax.runtime: a NamedSharding *is* a runtime `SpmdSharding` and a
SingleDeviceSharding *is* the runtime's interned one-device sharding, so arrays and
the C++ jit dispatch carry them directly.
"""

import collections
import enum
import itertools
import math
import threading

import numpy as np

from numax import runtime


class _ShardingType(type):
    def __instancecheck__(cls, value):
        return isinstance(value, (runtime.OneDevice, runtime.SpmdSharding))

    def __subclasscheck__(cls, subclass):
        return issubclass(subclass, (runtime.OneDevice, runtime.SpmdSharding))


class Sharding(metaclass=_ShardingType):
    """What every layout of arrays over devices answers (`isinstance(s, Sharding)` holds
    for SingleDeviceSharding and NamedSharding alike).

    The concrete types are runtime classes built on jaxlib's, which admit no second base
    class, so the members below are installed on them rather than inherited. Each gives
    `device_set`, `_device_assignment` (its devices in a fixed order),
    `is_fully_replicated` and `devices_indices_map(shape)`; the rest follows."""

    def __new__(cls, *args, **kwargs):
        raise TypeError("numax.sharding.Sharding is an interface; construct a "
                        "SingleDeviceSharding or a NamedSharding")

    @property
    def num_devices(self):
        return len(self._device_assignment)

    @property
    def addressable_devices(self):
        return self.device_set  # one process: every device is addressable

    @property
    def is_fully_addressable(self):
        return True

    def shard_shape(self, global_shape):
        """The shape of each device's piece of an array of `global_shape`."""
        index = next(iter(self.devices_indices_map(global_shape).values()))
        return tuple(len(range(*s.indices(n))) for s, n in zip(index, global_shape))

    def addressable_devices_indices_map(self, global_shape):
        return self.devices_indices_map(global_shape)

    def is_equivalent_to(self, other, ndim):
        """Whether both shardings put the same piece of any rank-`ndim` array on each device
        (they may say so differently, e.g. with a size-1 mesh axis)."""
        if self.device_set != other.device_set:
            return False
        shape = (2 * max(self.num_devices, other.num_devices),) * ndim  # divisible by any tiling
        return self.devices_indices_map(shape) == other.devices_indices_map(shape)


def _install(cls, members):
    for name in ("num_devices", "addressable_devices", "is_fully_addressable", "shard_shape",
                 "addressable_devices_indices_map", "is_equivalent_to"):
        if name not in members:
            setattr(cls, name, vars(Sharding)[name])
    for name, member in members.items():
        setattr(cls, name, member)


# ---------------------------------------------------------------- one device

SingleDeviceSharding = runtime.OneDevice
"""The layout of an array that lives whole on one device: `SingleDeviceSharding(device)`.
There is one instance per device (the C++ jit dispatch compares shardings by identity)."""
_install(SingleDeviceSharding, {
    "__module__": "numax.sharding",
    "__qualname__": "SingleDeviceSharding",
    "device_set": property(lambda self: frozenset((self._device,))),
    "_device_assignment": property(lambda self: (self._device,)),
    "is_fully_replicated": True,
    "devices_indices_map": lambda self, shape: {self._device: (slice(None),) * len(shape)},
    "__repr__": lambda self: f"SingleDeviceSharding(device={self._device!r}, memory_kind=device)",
})
SingleDeviceSharding.__name__ = "SingleDeviceSharding"


# ---------------------------------------------------------------- meshes

class AxisType(enum.Enum):
    """How a mesh axis is partitioned. numax supports Auto (the partitioner decides)."""

    Auto = "Auto"
    Explicit = "Explicit"
    Manual = "Manual"

    def __repr__(self):
        return self.value


_mesh_context = threading.local()


class Mesh:
    """An n-dimensional grid of devices with a name per axis.

    >>> import numax, numpy as np
    >>> Mesh(np.array(numax.devices()[:1]), ("x",)).shape
    OrderedDict([('x', 1)])

    As a `with` block it is the mesh that a bare PartitionSpec given to
    `with_sharding_constraint` refers to.
    """

    def __init__(self, devices, axis_names, axis_types=None):
        devices = np.asarray(devices, dtype=object)
        axis_names = (axis_names,) if isinstance(axis_names, str) else tuple(axis_names)
        if devices.ndim != len(axis_names):
            raise ValueError(
                f"Mesh requires the ndim of its first argument (`devices`) to equal the length "
                f"of its second argument (`axis_names`), but got devices.ndim == {devices.ndim} "
                f"and len(axis_names) == {len(axis_names)}.")
        if len(set(axis_names)) != len(axis_names) or not all(isinstance(n, str)
                                                               for n in axis_names):
            raise ValueError(f"Mesh axis names must be distinct strings, got {axis_names}")
        if not all(isinstance(d, runtime.DEVICE_TYPE) for d in devices.flat):
            raise TypeError(f"Mesh takes an array of devices (numax.devices()), got {devices!r}")
        if len(set(devices.flat)) != devices.size:
            raise ValueError("Mesh devices must be distinct")
        _check_axis_types(axis_types, len(axis_names))
        self.devices = devices
        self.axis_names = axis_names
        self._ids = tuple(d.id for d in devices.flat)

    shape = property(lambda self: collections.OrderedDict(zip(self.axis_names,
                                                              self.devices.shape)))
    axis_sizes = property(lambda self: self.devices.shape)
    size = property(lambda self: self.devices.size)
    axis_types = property(lambda self: (AxisType.Auto,) * len(self.axis_names))
    device_ids = property(lambda self: np.array(self._ids).reshape(self.devices.shape))
    local_devices = property(lambda self: list(self.devices.flat))

    def __eq__(self, other):
        return (isinstance(other, Mesh) and self._ids == other._ids
                and self.devices.shape == other.devices.shape
                and self.axis_names == other.axis_names)

    def __hash__(self):
        return hash((self._ids, self.devices.shape, self.axis_names))

    def _short_repr(self):
        axes = ", ".join(f"{name!r}: {size}" for name, size in zip(self.axis_names,
                                                                  self.devices.shape))
        return f"Mesh({axes}, axis_types={self.axis_types!r})"

    def __repr__(self):
        return (f"Mesh(axis_sizes={self.devices.shape}, axis_names={self.axis_names}, "
                f"axis_types={self.axis_types!r})")

    def __enter__(self):
        stack = _mesh_context.__dict__.setdefault("stack", [])
        stack.append(self)
        return self

    def __exit__(self, *exc_info):
        _mesh_context.stack.pop()
        return False


def _check_axis_types(axis_types, count):
    if axis_types is None:
        return
    axis_types = (axis_types,) * count if isinstance(axis_types, AxisType) else tuple(axis_types)
    if any(t is not AxisType.Auto for t in axis_types):
        raise NotImplementedError(
            f"numax meshes support only AxisType.Auto axes (the SPMD partitioner chooses "
            f"intermediate layouts); got axis_types={axis_types}")


def current_mesh():
    """The mesh of the innermost `with mesh:` block of this thread, or None."""
    stack = getattr(_mesh_context, "stack", None)
    return stack[-1] if stack else None


def make_mesh(axis_shapes, axis_names, *, devices=None, axis_types=None):
    """A Mesh of the first prod(axis_shapes) devices (or of `devices`) in order.

    Unlike JAX 0.10.2, whose make_mesh defaults to Explicit axes, the axes are Auto."""
    axis_shapes = tuple(int(s) for s in axis_shapes)
    axis_names = (axis_names,) if isinstance(axis_names, str) else tuple(axis_names)
    if len(axis_shapes) != len(axis_names):
        raise ValueError(f"make_mesh: {len(axis_shapes)} axis sizes {axis_shapes} but "
                         f"{len(axis_names)} axis names {axis_names}")
    available = list(devices) if devices is not None else runtime.devices()
    needed = math.prod(axis_shapes)
    if needed > len(available):
        raise ValueError(f"make_mesh: a mesh of shape {axis_shapes} needs {needed} devices, but "
                         f"only {len(available)} are available (numax.devices(); set "
                         "numax.config.update('jax_num_cpu_devices', N) at startup for more)")
    grid = np.empty(needed, dtype=object)
    grid[:] = available[:needed]
    return Mesh(grid.reshape(axis_shapes), axis_names, axis_types)


# ---------------------------------------------------------------- partition specs

class PartitionSpec:
    """Which mesh axes each array dimension is split over: `P('x', None)` splits
    dimension 0 over mesh axis 'x' and replicates dimension 1; `P(('x', 'y'))` splits
    dimension 0 over both axes ('x' major). Missing trailing entries mean None."""

    __slots__ = ("_partitions",)

    def __init__(self, *partitions):
        normalized = []
        for entry in partitions:
            if isinstance(entry, list):
                entry = tuple(entry)
            if not (entry is None or isinstance(entry, str)
                    or (isinstance(entry, tuple) and all(isinstance(a, str) for a in entry))):
                raise TypeError(f"PartitionSpec entries must be None, a mesh axis name or a tuple "
                                f"of names, got {entry!r}")
            normalized.append(entry)
        self._partitions = tuple(normalized)

    def __iter__(self):
        return iter(self._partitions)

    def __len__(self):
        return len(self._partitions)

    def __getitem__(self, index):
        return self._partitions[index]

    def __eq__(self, other):
        return isinstance(other, PartitionSpec) and self._partitions == other._partitions

    def __hash__(self):
        return hash(self._partitions)

    def __repr__(self):
        return f"P{self._partitions!r}" if len(self._partitions) != 1 else \
            f"P({self._partitions[0]!r},)"

    def _axes(self, ndim):
        """Per dimension of a rank-`ndim` array, the tuple of mesh axes it is split over."""
        if len(self._partitions) > ndim:
            raise ValueError(f"{self!r} is only valid for values of rank at least "
                             f"{len(self._partitions)}, but was applied to a value of rank {ndim}")
        entries = self._partitions + (None,) * (ndim - len(self._partitions))
        return tuple(() if e is None else (e,) if isinstance(e, str) else e for e in entries)


P = PartitionSpec


# ---------------------------------------------------------------- named shardings

class NamedSharding(runtime.SpmdSharding):
    """The layout `spec` gives on `mesh`: `NamedSharding(mesh, P('x', None))`."""

    def __init__(self, mesh, spec=PartitionSpec(), *, memory_kind=None):
        if not isinstance(mesh, Mesh):
            raise TypeError(f"NamedSharding takes a numax.sharding.Mesh, got {mesh!r}")
        if not isinstance(spec, PartitionSpec):
            raise TypeError(f"NamedSharding takes a PartitionSpec (numax.P(...)), got {spec!r}")
        if memory_kind not in (None, "device"):
            raise NotImplementedError(f"NamedSharding: memory_kind={memory_kind!r} is not "
                                      "supported (only device memory)")
        used = [axis for entry in spec._axes(len(spec)) for axis in entry]
        for axis in used:
            if axis not in mesh.axis_names:
                raise ValueError(f"Resource axis: {axis} of {spec!r} is not found in mesh: "
                                 f"{mesh.axis_names}.")
        for axis in set(used):
            if used.count(axis) > 1:
                raise ValueError(f"A single NamedSharding spec specification can map every mesh "
                                 f"axis to at most one positional dimension, but {spec!r} has "
                                 f"duplicate entries for `{axis}`")
        # Devices in id order number the partitions of every program on this device set,
        # whatever the mesh's shape, so shardings on different meshes of it compose.
        super().__init__(sorted(mesh.devices.flat, key=lambda d: d.id))
        self.mesh = mesh
        self.spec = spec
        self.device_set = frozenset(self._device_assignment)
        self._hlo_texts = {}

    def _hlo_text(self, ndim):
        """The GSPMD sharding text for a rank-`ndim` value (device numbers are positions in
        `_device_assignment`, which is what a program's partitions are numbered by)."""
        text = self._hlo_texts.get(ndim)
        if text is None:
            text = self._hlo_texts[ndim] = self._make_hlo_text(ndim)
        return text

    def _make_hlo_text(self, ndim):
        axes = self.spec._axes(ndim)
        sizes = dict(self.mesh.shape)
        tiles = [math.prod(sizes[a] for a in entry) for entry in axes]
        if all(t == 1 for t in tiles):
            return "{replicated}"
        used = [a for entry in axes for a in entry]
        order = [self.mesh.axis_names.index(a) for a in used]
        order += [i for i, a in enumerate(self.mesh.axis_names) if a not in used]
        position = {d: i for i, d in enumerate(self._device_assignment)}
        grid = np.vectorize(position.__getitem__, otypes=[int])(self.mesh.devices)
        numbers = ",".join(str(n) for n in grid.transpose(order).reshape(-1))
        replicas = self.mesh.size // math.prod(tiles)
        if replicas == 1:
            return f"{{devices=[{','.join(map(str, tiles))}]{numbers}}}"
        return (f"{{devices=[{','.join(map(str, tiles + [replicas]))}]{numbers} "
                f"last_tile_dim_replicate}}")

    @property
    def is_fully_replicated(self):
        return all(self.mesh.shape[a] == 1 for a in _axes_of(self.spec))

    def devices_indices_map(self, global_shape):
        """{device: tuple of slices}: the piece of an array of `global_shape` on each device."""
        global_shape = tuple(global_shape)
        axes = self.spec._axes(len(global_shape))
        sizes = dict(self.mesh.shape)
        for dim, (entry, n) in enumerate(zip(axes, global_shape)):
            tiles = math.prod(sizes[a] for a in entry)
            if n % tiles:
                raise ValueError(
                    f"Sharding {self!r} implies that array axis {dim} is partitioned {tiles} "
                    f"times, but the dimension size is {n} (full shape: {global_shape}); the "
                    "number of pieces must divide the dimension")
        result = {}
        for coords in itertools.product(*(range(s) for s in self.mesh.devices.shape)):
            where = dict(zip(self.mesh.axis_names, coords))
            index = []
            for entry, n in zip(axes, global_shape):
                if not entry:
                    index.append(slice(None))
                    continue
                tile, count = 0, 1
                for a in entry:  # the first axis is the most major
                    tile, count = tile * sizes[a] + where[a], count * sizes[a]
                step = n // count
                index.append(slice(tile * step, (tile + 1) * step))
            result[self.mesh.devices[coords]] = tuple(index)
        return result

    def __eq__(self, other):
        return (isinstance(other, NamedSharding) and self.spec == other.spec
                and self.mesh == other.mesh)

    def __hash__(self):
        return hash((self.mesh, self.spec))

    def __repr__(self):
        return (f"NamedSharding(mesh={self.mesh._short_repr()}, spec={self.spec!r}, "
                f"memory_kind=device)")

    def with_spec(self, spec):
        return NamedSharding(self.mesh, spec)


_install(NamedSharding, {})


def _axes_of(spec):
    return [a for entry in spec._axes(len(spec)) for a in entry]


def named_sharding_for(mesh, hlo_text, ndim):
    """The NamedSharding on `mesh` whose layout is XLA's `hlo_text` for a rank-`ndim`
    value, or None when no spec on this mesh says it. Used to name the layouts XLA's
    partitioner chose for a program's results; the fewest-axes spec is preferred."""
    axis_names = mesh.axis_names
    candidates = []
    # Each mesh axis goes to one dimension or to none (index ndim); a dimension's axes
    # may come in any order.
    for placement in itertools.product(range(ndim + 1), repeat=len(axis_names)):
        per_dim = [[a for a, d in zip(axis_names, placement) if d == dim] for dim in range(ndim)]
        for orders in itertools.product(*(itertools.permutations(e) for e in per_dim)):
            used = sum(len(o) for o in orders)
            candidates.append((used, PartitionSpec(*[
                None if not o else o[0] if len(o) == 1 else tuple(o) for o in orders])))
    candidates.sort(key=lambda c: c[0])
    for _, spec in candidates:
        sharding = NamedSharding(mesh, _trim(spec))
        if runtime.same_hlo_sharding(sharding._hlo_text(ndim), hlo_text):
            return sharding
    return None


def _trim(spec):
    """The spec without trailing None entries (how JAX prints a fully replicated one: P())."""
    entries = list(spec)
    while entries and entries[-1] is None:
        entries.pop()
    return PartitionSpec(*entries)


__all__ = ["AxisType", "Mesh", "NamedSharding", "P", "PartitionSpec", "Sharding",
           "SingleDeviceSharding", "current_mesh", "make_mesh"]
