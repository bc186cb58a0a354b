"""`numax.experimental.shard_map`: the older spelling of `numax.shard_map`, with the mesh
and specs positional and the replication check called `check_rep` (JAX 0.10.2 keeps both
spellings)."""

from numax.lax.shard_map import shard_map as _shard_map


def shard_map(f, mesh, in_specs, out_specs, check_rep=True):
    """`numax.shard_map(f, mesh=mesh, in_specs=in_specs, out_specs=out_specs,
    check_vma=check_rep)`."""
    return _shard_map(f, mesh=mesh, in_specs=in_specs, out_specs=out_specs, check_vma=check_rep)


__all__ = ["shard_map"]
