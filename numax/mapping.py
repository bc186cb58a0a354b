"""`numax.vmap` and `numax.pmap`: in_axes/out_axes handling and the errors JAX users
expect.

Owns vmap's public signature (in_axes and out_axes as ints, negative ints, None, pytree
prefixes; axis_size; axis_name), the checks on mapped sizes and axes, and moving
batch dimensions to where out_axes asks. The interpreter is transforms/batching.py.

Also owns pmap's signature and its translation to shard_map (lax/shard_map.py): the size
N of the mapped axis picks the first N devices (or `devices`) as a one-axis mesh named
`axis_name`; each argument's `in_axes` axis is moved to the front, split over the mesh
and squeezed away inside, and each result gets a leading axis of size 1 there that
`out_axes` places in the assembled global value. The whole call is one jitted program
(static and donated arguments are jit's); its results are Arrays laid out over the
devices along that axis.
"""

import functools

import numpy as np

from numax.core.pytree import tree_flatten, tree_map, tree_structure, tree_unflatten
from numax.transforms import batching
from numax.transforms.ad import get_aval


def _broadcast_prefix(prefix, tree, what, api="vmap"):
    """One axis spec per leaf of `tree`, from a pytree prefix of specs (errors name `api`)."""
    leaves_tree = tree_structure(tree)
    if prefix is None or isinstance(prefix, int):
        return [prefix] * leaves_tree.num_leaves
    try:
        per_subtree = tree_structure(prefix, is_leaf=lambda x: x is None).flatten_up_to(tree)
    except (ValueError, TypeError) as error:
        raise ValueError(f"{api} {what} specification must be a tree prefix of the corresponding "
                         f"value, got specification {prefix} for value tree {leaves_tree}. "
                         f"({error})") from None
    specs = tree_flatten(prefix, is_leaf=lambda x: x is None)[0]
    out = []
    for spec, subtree in zip(specs, per_subtree):
        if spec is not None and not isinstance(spec, int):
            raise TypeError(f"{api} {what} must be ints, None, or pytrees of them; got {spec!r}")
        out += [spec] * tree_structure(subtree).num_leaves
    return out


def vmap(fun, in_axes=0, out_axes=0, axis_name=None, axis_size=None, spmd_axis_name=None):
    """Vectorizes `fun` over the axes given by in_axes, stacking results along out_axes.

    >>> import numax, numax.numpy as jnp
    >>> numax.vmap(lambda x: x @ x)(jnp.ones((3, 2))).tolist()
    [2.0, 2.0, 2.0]
    """
    if isinstance(in_axes, list):
        in_axes = tuple(in_axes)
    if not (in_axes is None or isinstance(in_axes, (int, tuple, dict)) or hasattr(in_axes, "_fields")):
        raise TypeError(f"vmap in_axes must be an int, None, or a tuple of entries corresponding "
                        f"to the positional arguments passed to the function, got {in_axes}.")

    @functools.wraps(fun)
    def vmapped(*args, **kwargs):
        if isinstance(in_axes, tuple) and len(in_axes) != len(args):
            raise ValueError(f"vmap in_axes specification must be a tree prefix of the "
                             f"corresponding value, got specification {in_axes} for value tree "
                             f"{tree_structure(args)}: in_axes has {len(in_axes)} entries but "
                             f"the function was called with {len(args)} positional arguments.")
        prefix = (in_axes if isinstance(in_axes, tuple) else (in_axes,) * len(args), 0)
        leaves, in_tree = tree_flatten((args, kwargs))
        axes = _broadcast_prefix(prefix, (args, kwargs), "in_axes")
        dims, size = _check_axes(leaves, axes, in_tree, axis_size)
        store = {}

        def flat(*flat_leaves):
            a, k = tree_unflatten(in_tree, list(flat_leaves))
            out_leaves, store["tree"] = tree_flatten(fun(*a, **k))
            return out_leaves

        outs, out_dims = batching.batch_flat(flat, leaves, dims, size, axis_name)
        out_tree = store["tree"]
        out_specs = _broadcast_prefix(out_axes, tree_unflatten(out_tree, outs), "out_axes")
        results = [_place(out, dim, spec, size) for out, dim, spec in zip(outs, out_dims, out_specs)]
        return tree_unflatten(out_tree, results)

    return vmapped


def _check_axes(leaves, axes, in_tree, axis_size):
    dims, sizes = [], []
    for leaf, axis in zip(leaves, axes):
        if axis is None:
            dims.append(None)
            continue
        ndim = get_aval(leaf).ndim
        if not -ndim <= axis < ndim:
            raise ValueError(f"vmap was requested to map its argument along axis {axis}, which "
                             f"implies that its rank should be at least {axis + 1 if axis >= 0 else -axis}, "
                             f"but is only {ndim} (its shape is {get_aval(leaf).shape})")
        axis %= ndim
        dims.append(axis)
        sizes.append(get_aval(leaf).shape[axis])
    if axis_size is not None:
        sizes.append(axis_size)
    if not sizes:
        raise ValueError("vmap must have at least one non-None value in in_axes (or be given "
                         "axis_size)")
    if len(set(sizes)) > 1:
        lines = []
        for i, (leaf, dim) in enumerate(zip(leaves, dims)):
            if dim is not None:
                lines.append(f"  * argument leaf {i} has shape {get_aval(leaf).shape} and axis "
                             f"{dim} is to be mapped")
        if axis_size is not None:
            lines.append(f"  * axis_size is {axis_size}")
        raise ValueError("vmap got inconsistent sizes for array axes to be mapped:\n" +
                         "\n".join(lines) + f"\nso the mapped sizes are {sorted(set(sizes))}")
    return dims, sizes[0]


def _place(out, dim, spec, size):
    from numax import lax
    if spec is None:
        if dim is not None:
            raise ValueError("vmap has mapped output but out_axes is None: an output that "
                             "varies along the mapped axis cannot be returned unmapped")
        return out
    aval = get_aval(out)
    ndim = aval.ndim + (1 if dim is None else 0)
    if not -ndim <= spec < ndim:
        raise ValueError(f"vmap out_axes {spec} is out of range for an output of rank {ndim}")
    spec %= ndim
    if dim is None:
        shape = aval.shape[:spec] + (size,) + aval.shape[spec:]
        dims = tuple(i for i in range(ndim) if i != spec)
        return lax.broadcast_in_dim(out, shape, dims)
    return batching.move_axis(out, dim, spec)


_DEFAULT_AXIS_NAME = "_internal_pmap_axis_name"  # what JAX names an anonymous pmap axis


def _as_tuple(argnums):
    return (argnums,) if isinstance(argnums, int) else tuple(argnums)


def pmap(fun, axis_name=None, *, in_axes=0, out_axes=0, static_broadcasted_argnums=(),
         devices=None, backend=None, axis_size=None, donate_argnums=()):
    """Runs `fun` on N devices at once, device i getting slice i of every mapped argument
    along its `in_axes` axis (None: the whole argument on every device); collectives
    inside name `axis_name`.

    >>> import numax, numpy as np
    >>> numax.pmap(lambda x: x * 2)(np.arange(1.0))
    Array([0.], dtype=float32)
    """
    from numax import api, devices as all_devices
    from numax import lax
    from numax.sharding import Mesh, PartitionSpec
    from numax.lax.shard_map import shard_map
    if backend is not None and devices is None:
        devices = all_devices(backend)
    name = _DEFAULT_AXIS_NAME if axis_name is None else axis_name
    static = _as_tuple(static_broadcasted_argnums)

    def run(*args, **kwargs):
        dynamic = tuple(a for i, a in enumerate(args) if i not in static)
        axes = in_axes
        if isinstance(in_axes, (tuple, list)):
            if len(in_axes) != len(args):
                raise ValueError(f"pmap in_axes {in_axes!r} has {len(in_axes)} entries but "
                                 f"{len(args)} positional arguments were given")
            axes = tuple(a for i, a in enumerate(in_axes) if i not in static)
        leaves, in_tree = tree_flatten((dynamic, kwargs))
        leaf_axes = (_broadcast_prefix(axes, dynamic, "in_axes", "pmap")
                     + [0] * len(tree_flatten(kwargs)[0]))
        for x, a in zip(leaves, leaf_axes):
            if a is not None and not -np.ndim(x) <= a < np.ndim(x):
                raise ValueError(f"pmap in_axes {a} is out of range for an argument of shape "
                                 f"{np.shape(x)}; use None for an argument that is not mapped")
        leaf_axes = [None if a is None else a % np.ndim(x) for x, a in zip(leaves, leaf_axes)]
        sizes = {np.shape(x)[a] for x, a in zip(leaves, leaf_axes) if a is not None}
        if len(sizes) > 1:
            raise ValueError(f"pmap got inconsistent sizes for the mapped axes of its "
                             f"arguments: {sorted(sizes)}; every argument mapped by in_axes "
                             "must have the same size along its mapped axis")
        size = sizes.pop() if sizes else axis_size
        if size is None:
            raise ValueError("pmap with no mapped argument (all in_axes None) needs axis_size")
        available = list(devices) if devices is not None else all_devices()
        if size > len(available):
            raise ValueError(
                f"pmap: the mapped axis has size {size}, which needs {size} devices, but only "
                f"{len(available)} are available (numax.devices(); set "
                "numax.config.update('jax_num_cpu_devices', N) at startup for more CPU devices)")
        mesh = Mesh(np.array(available[:size], dtype=object), (name,))
        moved = [x if a in (None, 0) else lax.transpose(x, _axis_to_front(np.ndim(x), a))
                 for x, a in zip(leaves, leaf_axes)]
        out_store = {}
        out_specs = []  # filled in while shard_map traces per_device, before it reads them

        def per_device(*pieces):
            pieces = [lax.squeeze(p, (0,)) if a is not None else p
                      for p, a in zip(pieces, leaf_axes)]
            dyn_args, dyn_kwargs = tree_unflatten(in_tree, pieces)
            dyn_iter = iter(dyn_args)
            full = [args[i] if i in static else next(dyn_iter) for i in range(len(args))]
            out_leaves, out_store["tree"] = tree_flatten(fun(*full, **dyn_kwargs))
            out_store["axes"] = _broadcast_prefix(out_axes, tree_unflatten(
                out_store["tree"], out_leaves), "out_axes", "pmap")
            out_specs[:] = [PartitionSpec(name) if a is not None else PartitionSpec()
                            for a in out_store["axes"]]
            return [lax.expand_dims(o, (0,)) if a is not None else o
                    for o, a in zip(out_leaves, out_store["axes"])]

        per_device.__name__ = f"pmap({getattr(fun, '__name__', type(fun).__name__)})"
        in_specs = tuple(PartitionSpec(name) if a is not None else PartitionSpec()
                         for a in leaf_axes)
        outs = shard_map(per_device, mesh=mesh, in_specs=in_specs,
                         out_specs=out_specs)(*moved)
        results = [o if a in (None, 0) else lax.transpose(o, _front_to_axis(np.ndim(o), a))
                   for o, a in zip(outs, out_store["axes"])]
        return tree_unflatten(out_store["tree"], results)

    jitted = api.jit(run, static_argnums=static, donate_argnums=_as_tuple(donate_argnums))

    @functools.wraps(fun)
    def pmapped(*args, **kwargs):
        # pmap lays its arguments out over the devices itself, wherever they were committed
        return jitted(*_uncommitted(args), **_uncommitted(kwargs))

    for attribute in ("lower", "eval_shape", "clear_cache", "_cache_size"):
        setattr(pmapped, attribute, getattr(jitted, attribute))
    return pmapped


def _uncommitted(tree):
    """`tree` with its arrays committed to one device made movable, as pmap's arguments."""
    from numax import runtime
    from numax.array import Array
    return tree_map(lambda x: runtime.rewrap(x, x.aval, False)
                    if type(x) is Array and x._committed and not runtime.is_multi_device(x)
                    else x, tree)


def _axis_to_front(ndim, axis):
    """The permutation moving `axis` to the front."""
    return (axis,) + tuple(i for i in range(ndim) if i != axis)


def _front_to_axis(ndim, axis):
    """The permutation moving the front axis to `axis`."""
    axis %= ndim
    order = list(range(1, ndim))
    order.insert(axis, 0)
    return tuple(order)
