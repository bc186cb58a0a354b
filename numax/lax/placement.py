"""Where values live and what layout they take: device_put, sharding constraints and
broadcast_like.

Owns two identity primitives with all their rules. `device_put_p` is what
`numax.device_put` binds when its argument is traced (eagerly it moves the arrays, as
device_put does; in a compiled program numax runs on one device, so it is the identity);
`sharding_constraint_p` is what `with_sharding_constraint` binds (its value is its input;
a layout over several devices lowers to XLA's `@Sharding` custom call, any other
constraint already holds). Both are linear, transpose to themselves and batch elementwise. Also
owns `broadcast_like`, NumPy-style broadcasting of one array to another's shape.
"""

import numpy as np

from numax.core.pytree import tree_flatten, tree_unflatten
from numax.core.primitive import Primitive
from numax.core.trace import Tracer
from numax.lax._ad_rules import aval_of
from numax.lax._rules import random_array
from numax.lax.structural import broadcast_in_dim
from numax.lowering.spmd import sharding_custom_call


def _identity_examples():
    rng = np.random.default_rng(0)
    return [((random_array(rng, (2, 3), "float32"),), {}),
            ((random_array(rng, (4,), "int32"),), {})]


# ---------------------------------------------------------------- device_put

def _device_put_impl(*values, devices):
    from numax.array import device_put  # the eager transfer this primitive stands for
    return [device_put(v, d) for v, d in zip(values, devices)]


def _device_put_examples():
    return [(args, dict(devices=(None,) * len(args))) for args, _ in _identity_examples()]


device_put_p = Primitive(
    "device_put",
    abstract_eval=lambda *avals, devices: list(avals),
    impl=_device_put_impl,
    lower=lambda ctx, *values, devices: list(values),
    multiple_results=True,
    linear=True,
    transpose=lambda cts, *values, devices: list(cts),
    batch=lambda args, dims, *, devices: (device_put_p.bind(*args, devices=devices), list(dims)),
    examples=_device_put_examples,
)


# ---------------------------------------------------------------- sharding constraints

def _sharding_constraint_lower(ctx, x, *, sharding):
    """A layout over several devices becomes XLA's `@Sharding` custom call; any other
    constraint (one device, or none given) already holds."""
    if not hasattr(sharding, "_hlo_text") or sharding.num_devices == 1:  # not a NamedSharding
        return x
    return sharding_custom_call(ctx, x, sharding._hlo_text(len(ctx.avals_in[0].shape)))


sharding_constraint_p = Primitive(
    "sharding_constraint",
    abstract_eval=lambda aval, *, sharding: aval,
    lower=_sharding_constraint_lower,
    linear=True,
    transpose=lambda ct, x, *, sharding: [ct],
    batch=lambda args, dims, *, sharding: (sharding_constraint_p.bind(*args, sharding=sharding),
                                           dims[0]),
    examples=lambda: [(args, dict(sharding=None)) for args, _ in _identity_examples()],
)


def with_sharding_constraint(x, shardings):
    """Constrains the sharding of every array in the pytree `x` to `shardings` (one sharding
    for all of them; a bare PartitionSpec refers to the mesh of the enclosing `with mesh:`).
    Traced values bind sharding_constraint_p, which a program partitioned over several
    devices lowers to a layout requirement for XLA's partitioner (a jitted function using
    one is partitioned over the sharding's devices); concrete arrays are moved to the
    layout, as device_put would."""
    from numax.array import device_put
    from numax.sharding import NamedSharding, PartitionSpec, current_mesh
    if isinstance(shardings, PartitionSpec):
        mesh = current_mesh()
        if mesh is None:
            raise ValueError(f"with_sharding_constraint: the PartitionSpec {shardings!r} needs a "
                             "mesh: call it inside `with mesh:` or pass NamedSharding(mesh, spec)")
        shardings = NamedSharding(mesh, shardings)
    leaves, tree = tree_flatten(x)
    return tree_unflatten(tree, [
        sharding_constraint_p.bind(leaf, sharding=shardings) if isinstance(leaf, Tracer)
        else device_put(leaf, shardings) if isinstance(shardings, NamedSharding) else leaf
        for leaf in leaves])


# ---------------------------------------------------------------- broadcast_like

def broadcast_like(arr, like_arr):
    """`arr` broadcast to the shape of `like_arr` by NumPy's rules (trailing axes aligned,
    size-1 axes stretched), keeping arr's dtype.

    >>> broadcast_like(np.array([1, 2, 3]), np.zeros((2, 3))).shape
    (2, 3)
    """
    for name, value in (("arr", arr), ("like_arr", like_arr)):
        if isinstance(value, (list, tuple, dict)) or value is None:
            raise TypeError(f"broadcast_like: {name} must be an array or a scalar, got a "
                            f"{type(value).__name__}")
    shape, target = aval_of(arr).shape, aval_of(like_arr).shape
    if len(shape) > len(target):
        raise ValueError(f"broadcast_like: cannot broadcast to shape with fewer dimensions: "
                         f"arr_shape={shape} shape={target}")
    lead = len(target) - len(shape)
    if any(size not in (1, goal) for size, goal in zip(shape, target[lead:])):
        raise ValueError(f"broadcast_like: incompatible shapes for broadcasting: arr of shape "
                         f"{shape} to the shape {target} of like_arr")
    if shape == target:
        return arr
    return broadcast_in_dim(arr, target, tuple(range(lead, len(target))))


__all__ = ["broadcast_like", "device_put_p", "sharding_constraint_p", "with_sharding_constraint"]
