"""Shardings over a one-device mesh, the mesh a program built with
`make_mesh((device_count(),), ...)` gets on a machine with one device: everything the
several-device tests exercise must also work when XLA partitions over one device.
References: NumPy."""

import numpy as np

import numax
import numax.numpy as jnp
from numax.sharding import Mesh, NamedSharding, PartitionSpec as P

X = np.arange(8.0, dtype=np.float32)


def _mesh():
    return Mesh(np.array(numax.devices()[:1]), ("x",))


def test_sharded_array_ops_and_shards():
    sharding = NamedSharding(_mesh(), P("x"))
    x = numax.device_put(X, sharding)
    assert x.sharding == sharding
    np.testing.assert_array_equal(x + 1, X + 1)
    (shard,) = x.addressable_shards
    assert shard.device == numax.devices()[0] and shard.index == (slice(0, 8),)
    np.testing.assert_array_equal(shard.data, X)


def test_jit_with_shardings_and_constraints():
    sharding = NamedSharding(_mesh(), P("x"))
    constrained = numax.jit(lambda a: numax.lax.with_sharding_constraint(a * 2, sharding))
    np.testing.assert_array_equal(constrained(X), X * 2)
    out = numax.jit(lambda a: a + 1, out_shardings=sharding)(X)
    np.testing.assert_array_equal(out, X + 1)
    grad = numax.grad(lambda a: (numax.lax.with_sharding_constraint(a, sharding) ** 2).sum())(X)
    np.testing.assert_array_equal(grad, 2 * X)


def test_shard_map_and_pmap():
    mesh = numax.make_mesh((1,), ("x",))
    total = numax.shard_map(lambda a: numax.lax.psum(a.sum(), "x"), mesh=mesh, in_specs=P("x"),
                            out_specs=P())(X)
    assert float(total) == X.sum()
    np.testing.assert_array_equal(numax.pmap(lambda a: a * 2)(X[None]), X[None] * 2)
