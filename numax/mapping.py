"""`numax.vmap`: in_axes/out_axes handling and the errors JAX users expect.

Owns the public signature (in_axes and out_axes as ints, negative ints, None, pytree
prefixes; axis_size; axis_name), the checks on mapped sizes and axes, and moving
batch dimensions to where out_axes asks. The interpreter is transforms/batching.py.
"""

import functools

from numax.core.pytree import tree_flatten, tree_structure, tree_unflatten
from numax.transforms import batching
from numax.transforms.ad import get_aval


def _broadcast_prefix(prefix, tree, what):
    """One axis spec per leaf of `tree`, from a pytree prefix of specs."""
    leaves_tree = tree_structure(tree)
    if prefix is None or isinstance(prefix, int):
        return [prefix] * leaves_tree.num_leaves
    try:
        per_subtree = tree_structure(prefix, is_leaf=lambda x: x is None).flatten_up_to(tree)
    except (ValueError, TypeError) as error:
        raise ValueError(f"vmap {what} specification must be a tree prefix of the corresponding "
                         f"value, got specification {prefix} for value tree {leaves_tree}. "
                         f"({error})") from None
    specs = tree_flatten(prefix, is_leaf=lambda x: x is None)[0]
    out = []
    for spec, subtree in zip(specs, per_subtree):
        if spec is not None and not isinstance(spec, int):
            raise TypeError(f"vmap {what} must be ints, None, or pytrees of them; got {spec!r}")
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
