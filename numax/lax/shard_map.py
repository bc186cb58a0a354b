"""`numax.shard_map`: a per-device program over a mesh, with collectives between devices.

Owns the `shard_map` primitive and all its rules. Its equation holds the per-shard
program (traced at the shapes one device sees), the mesh, and a PartitionSpec per input
and output saying how the global values are cut into those shards. Abstract evaluation
turns per-shard shapes into global ones; lowering writes a manual SPMD region into a
program partitioned by XLA (inputs constrained to their in_specs and cut into shards,
the body lowered on shard shapes with the collectives naming mesh axes, the outputs
assembled by their out_specs: lowering/spmd.py); eagerly it compiles that one-equation
program over the mesh's devices. JVP, partial evaluation and vmap map the body; the
transpose is a shard_map of the body's transpose. Also owns the replication check
(`check_vma`): an output whose out_spec leaves out a mesh axis must not vary along it.
"""

import math
import weakref

import numpy as np

from numax.core.pytree import tree_flatten, tree_structure, tree_unflatten
from numax.core.primitive import Primitive
from numax.core.trace import Tracer
from numax.lax import parallel
from numax.lax._ad_rules import Zero, is_zero
from numax.sharding import Mesh, NamedSharding, PartitionSpec, current_mesh
from numax.transforms.staging import trace_to_jaxpr


# ---------------------------------------------------------------- shapes of shards

def _spec_axes(spec, ndim, mesh, what):
    """Per dimension, the mesh axes `spec` splits it over; errors name `what` (e.g.
    "in_specs[0]") and the user's spec."""
    if len(spec) > ndim:
        raise ValueError(f"shard_map: {what} is {spec!r}, of length {len(spec)}, but the value "
                         f"it describes has rank {ndim}. Entries of a spec must not outnumber "
                         "the value's axes (for a scalar use P())")
    axes = spec._axes(ndim)
    for entry in axes:
        for axis in entry:
            if axis not in mesh.axis_names:
                raise ValueError(f"shard_map: {what} {spec!r} refers to the axis {axis!r}, which "
                                 f"the mesh (axes {mesh.axis_names}) does not have")
    return axes


def _shard_aval(aval, spec, mesh, what):
    """The aval of one device's piece of a global value of `aval` split by `spec`."""
    shape = list(aval.shape)
    for dim, entry in enumerate(_spec_axes(spec, aval.ndim, mesh, what)):
        pieces = math.prod(mesh.shape[a] for a in entry)
        if shape[dim] % pieces:
            raise ValueError(
                f"shard_map: {what} {spec!r} splits axis {dim} (of size {shape[dim]}) of a value "
                f"of shape {aval.shape} into {pieces} pieces over mesh axes {entry}, which does "
                "not divide it evenly; pad the value or choose another spec")
        shape[dim] //= pieces
    return aval.update(shape=tuple(shape))


def _global_aval(aval, spec, mesh, what):
    """The aval of the global value assembled from per-device pieces of `aval`."""
    shape = list(aval.shape)
    for dim, entry in enumerate(_spec_axes(spec, aval.ndim, mesh, what)):
        shape[dim] *= math.prod(mesh.shape[a] for a in entry)
    return aval.update(shape=tuple(shape))


def _unmentioned_axes(spec, ndim, mesh):
    """The mesh axes of size above 1 that `spec` leaves out: the value is replicated along
    them."""
    used = {a for entry in spec._axes(ndim) for a in entry}
    return tuple(a for a in mesh.axis_names if a not in used and mesh.shape[a] > 1)


# ---------------------------------------------------------------- the primitive

def _shard_map_abstract(*avals, jaxpr, mesh, in_specs, out_specs):
    for i, (aval, spec, inner) in enumerate(zip(avals, in_specs, jaxpr.in_avals)):
        shard = _shard_aval(aval, spec, mesh, f"in_specs[{i}]")
        if shard.shape != inner.shape or shard.dtype != inner.dtype:
            raise TypeError(f"shard_map: argument {i} of type {aval.str_short()} split by "
                            f"{spec!r} gives shards of {shard.str_short()}, but the body takes "
                            f"{inner.str_short()}")
    return [_global_aval(a, spec, mesh, f"out_specs[{i}]")
            for i, (a, spec) in enumerate(zip(jaxpr.out_avals, out_specs))]


def _partition_numbers(mesh):
    """Per mesh position, the partition (the position of its device in the program's
    device order, which NamedSharding fixes as ascending ids) that runs it."""
    order = {d: i for i, d in enumerate(NamedSharding(mesh)._device_assignment)}
    return np.vectorize(order.__getitem__, otypes=[np.int64])(mesh.devices)


def _shard_map_lower(ctx, *operands, jaxpr, mesh, in_specs, out_specs):
    from numax.lowering.spmd import full_to_shard, manual_region, shard_to_full
    if mesh.size == 1:  # a one-device program is not partitioned: the shard is the value
        with manual_region(_partition_numbers(mesh), mesh.axis_names):
            return ctx.lower_jaxpr_inline(jaxpr, operands)
    shards = [full_to_shard(ctx, x, NamedSharding(mesh, spec)._hlo_text(aval.ndim),
                            ctx.type(inner))
              for x, aval, spec, inner in zip(operands, ctx.avals_in, in_specs, jaxpr.in_avals)]
    with manual_region(_partition_numbers(mesh), mesh.axis_names):
        outs = ctx.lower_jaxpr_inline(jaxpr, shards)
    return [shard_to_full(ctx, y, NamedSharding(mesh, spec)._hlo_text(aval.ndim),
                          ctx.type(aval))
            for y, aval, spec in zip(outs, ctx.avals_out, out_specs)]


_eager_programs = {}  # (params, argument avals) -> compiled program


def _shard_map_impl(*args, **params):
    """Eagerly: the arguments laid out by their in_specs, then the one-equation program
    partitioned over the mesh's devices; the results are laid out by their out_specs."""
    from numax.array import device_put
    from numax.dispatch import _primitive_jaxpr, compile_jaxpr, compile_spmd_jaxpr, to_array
    mesh = params["mesh"]
    in_shardings = [NamedSharding(mesh, spec) for spec in params["in_specs"]]
    arrays = [device_put(to_array(x), s) for x, s in zip(args, in_shardings)]
    avals = tuple(x.aval for x in arrays)
    key = (tuple(params.items()), avals)
    program = _eager_programs.get(key)
    if program is None:
        if len(_eager_programs) > 256:
            _eager_programs.clear()
        jaxpr = _primitive_jaxpr(shard_map_p, params, avals)
        program = _eager_programs[key] = (
            compile_jaxpr(jaxpr, mesh.devices.flat[0], committed=True, name="shard_map")
            if mesh.size == 1 else compile_spmd_jaxpr(
                jaxpr, in_shardings, [NamedSharding(mesh, spec) for spec in params["out_specs"]],
                name="shard_map"))
    return program.run(arrays)


def _with_body(params, jaxpr, in_specs, out_specs):
    return dict(params, jaxpr=jaxpr, in_specs=tuple(in_specs), out_specs=tuple(out_specs))


_jvp_jaxprs = weakref.WeakKeyDictionary()


def _shard_map_jvp(primals, tangents, **params):
    """A shard_map of the body's JVP: tangents are split like their primals."""
    from numax.transforms.ad import jvp_jaxpr
    jaxpr, in_specs, out_specs = params["jaxpr"], params["in_specs"], params["out_specs"]
    nonzero = tuple(type(t) is not Zero for t in tangents)
    per_jaxpr = _jvp_jaxprs.setdefault(jaxpr, {})
    if nonzero not in per_jaxpr:
        per_jaxpr[nonzero] = jvp_jaxpr(jaxpr, nonzero)
    closed, consts, zero_outputs = per_jaxpr[nonzero]
    tangent_specs = [s for s, nz in zip(in_specs, nonzero) if nz]
    out_tangent_specs = [s for s, zero in zip(out_specs, zero_outputs) if not zero]
    outs = shard_map_p.bind(
        *consts, *primals, *[t for t in tangents if type(t) is not Zero],
        **_with_body(params, closed, [PartitionSpec()] * len(consts) + list(in_specs)
                     + tangent_specs, list(out_specs) + out_tangent_specs))
    num_out = len(jaxpr.out_avals)
    tangent_iter = iter(outs[num_out:])
    return outs[:num_out], [Zero(_global_aval(a, s, params["mesh"], "out_specs").strip_weak_type())
                            if zero else next(tangent_iter)
                            for a, s, zero in zip(jaxpr.out_avals, out_specs, zero_outputs)]


def _residual_spec(mesh):
    """How a per-device residual crosses from the known to the unknown shard_map: with a
    new leading axis of size 1 per device, split over every mesh axis."""
    return PartitionSpec(mesh.axis_names)


def _shard_map_partial_eval(trace, args, params):
    """With some inputs unknown: a shard_map of the body's known part, run now (its
    per-device residuals stacked along a new leading axis), and a staged shard_map of
    the unknown part taking those residuals."""
    from numax import lax
    from numax.core.trace import set_current_trace
    from numax.transforms.ad import eval_jaxpr
    from numax.transforms.partial_eval import partial_eval_jaxpr
    jaxpr, mesh = params["jaxpr"], params["mesh"]
    in_specs, out_specs = params["in_specs"], params["out_specs"]
    unknowns = tuple(trace.is_unknown(x) for x in args)
    known, unknown, out_unknowns, num_residuals = partial_eval_jaxpr(jaxpr, unknowns)
    num_known_out = len(known.out_avals) - num_residuals
    residual_avals = known.out_avals[num_known_out:]

    def known_body(*values):
        outs = eval_jaxpr(known.jaxpr, known.consts, *values)
        residuals = [lax.broadcast_in_dim(r, (1,) + a.shape, tuple(range(1, a.ndim + 1)))
                     for r, a in zip(outs[num_known_out:], residual_avals)]
        return list(outs[:num_known_out]) + residuals

    def unknown_body(*values):
        residuals = [lax.reshape(r, a.shape) for r, a in zip(values, residual_avals)]
        return eval_jaxpr(unknown.jaxpr, unknown.consts, *residuals, *values[num_residuals:])

    known_args = [x for x, u in zip(args, unknowns) if not u]
    known_specs = [s for s, u in zip(in_specs, unknowns) if not u]
    known_closed, known_consts = trace_to_jaxpr(
        known_body, [a for a, u in zip(jaxpr.in_avals, unknowns) if not u])
    residual_specs = [_residual_spec(mesh)] * num_residuals
    known_out_specs = [s for s, u in zip(out_specs, out_unknowns) if not u]
    with set_current_trace(trace.parent):
        known_outs = shard_map_p.bind(*known_consts, *known_args, **_with_body(
            params, known_closed, [PartitionSpec()] * len(known_consts) + known_specs,
            known_out_specs + residual_specs))
    residuals = list(known_outs[num_known_out:])
    unknown_args = [x for x, u in zip(args, unknowns) if u]
    unknown_closed, unknown_consts = trace_to_jaxpr(
        unknown_body, [a.update(shape=(1,) + a.shape) for a in residual_avals]
        + [a for a, u in zip(jaxpr.in_avals, unknowns) if u])
    unknown_outs = trace.stage(shard_map_p, list(unknown_consts) + residuals + unknown_args,
                               _with_body(params, unknown_closed,
                                          [PartitionSpec()] * len(unknown_consts)
                                          + residual_specs
                                          + [s for s, u in zip(in_specs, unknowns) if u],
                                          [s for s, u in zip(out_specs, out_unknowns) if u]))
    known_iter, unknown_iter = iter(known_outs[:num_known_out]), iter(unknown_outs)
    return [next(unknown_iter) if u else next(known_iter) for u in out_unknowns]


def _shard_map_transpose(cts, *args, **params):
    """A shard_map of the body's transpose. A global value replicated along mesh axes is
    one value seen by every device there, so an output's cotangent enters each device
    divided by the number of copies, and a replicated input's cotangent is summed over
    its copies (with these, psum transposes to psum)."""
    from numax import lax
    from numax.transforms.ad import UndefinedPrimal, backward_pass, is_undefined, zeros_like_aval
    jaxpr, mesh = params["jaxpr"], params["mesh"]
    in_specs, out_specs = params["in_specs"], params["out_specs"]
    linear = [is_undefined(x) for x in args]
    residuals = [x for x, lin in zip(args, linear) if not lin]
    nonzero = [not is_zero(ct) for ct in cts]

    def transposed_body(*values):
        residual_iter = iter(values[:len(residuals)])
        ct_iter = iter(values[len(residuals):])
        cts_in = []
        for aval, spec, nz in zip(jaxpr.out_avals, out_specs, nonzero):
            copies = math.prod(mesh.shape[a] for a in _unmentioned_axes(spec, aval.ndim, mesh))
            ct = next(ct_iter) if nz else Zero(aval)
            cts_in.append(lax.div(ct, lax.convert_element_type(copies, aval.dtype))
                          if nz and copies > 1 else ct)
        inputs = [UndefinedPrimal(a) if lin else next(residual_iter)
                  for a, lin in zip(jaxpr.in_avals, linear)]
        cts_out = backward_pass(jaxpr, cts_in, inputs)
        result = []
        for ct, aval, spec, lin in zip(cts_out, jaxpr.in_avals, in_specs, linear):
            if not lin:
                continue
            ct = zeros_like_aval(aval) if type(ct) is Zero else ct
            replicated = _unmentioned_axes(spec, aval.ndim, mesh)
            result.append(parallel.psum_p.bind(ct, axes=replicated) if replicated else ct)
        return result

    residual_avals = [a for a, lin in zip(jaxpr.in_avals, linear) if not lin]
    ct_avals = [a.strip_weak_type() for a, nz in zip(jaxpr.out_avals, nonzero) if nz]
    closed, consts = trace_to_jaxpr(transposed_body, residual_avals + ct_avals)
    outs = shard_map_p.bind(*consts, *residuals, *[ct for ct in cts if not is_zero(ct)],
                            **_with_body(params, closed,
                                         [PartitionSpec()] * len(consts)
                                         + [s for s, lin in zip(in_specs, linear) if not lin]
                                         + [s for s, nz in zip(out_specs, nonzero) if nz],
                                         [s for s, lin in zip(in_specs, linear) if lin]))
    out_iter = iter(outs)
    return [next(out_iter) if lin else None for lin in linear]


def _shard_map_batch(args, dims, **params):
    """vmap of a shard_map: the batch axis leads every batched value and is not split."""
    from numax.transforms.ad import eval_jaxpr
    from numax.transforms.batching import batch_flat, batch_size, move_axis
    jaxpr = params["jaxpr"]
    size = batch_size(args, dims)
    args = [move_axis(a, d, 0) if d is not None else a for a, d in zip(args, dims)]
    batched = [d is not None for d in dims]
    out_batched = []

    def batched_body(*values):
        outs, out_dims = batch_flat(lambda *xs: eval_jaxpr(jaxpr.jaxpr, jaxpr.consts, *xs),
                                    values, [0 if b else None for b in batched], size)
        out_batched[:] = [d is not None for d in out_dims]
        return [move_axis(o, d, 0) if d is not None else o for o, d in zip(outs, out_dims)]

    closed, consts = trace_to_jaxpr(batched_body, [
        a.update(shape=(size,) + a.shape) if b else a for a, b in zip(jaxpr.in_avals, batched)])

    def lead(spec, batched):  # the batch axis is not split
        return PartitionSpec(None, *spec) if batched else spec

    outs = shard_map_p.bind(*consts, *args, **_with_body(
        params, closed, [PartitionSpec()] * len(consts)
        + [lead(s, b) for s, b in zip(params["in_specs"], batched)],
        [lead(s, b) for s, b in zip(params["out_specs"], out_batched)]))
    return outs, [0 if b else None for b in out_batched]


def _shard_map_examples():
    """Over a one-device mesh (what the generic checkers have): the body squares its shard
    and adds the psum of the other argument."""
    from numax import lax
    from numax import devices
    from numax.core.abstract import ShapedArray
    mesh = Mesh(np.array(devices()[:1]), ("x",))
    f32 = np.dtype(np.float32)
    closed, consts = trace_to_jaxpr(
        lambda a, b: [lax.add(lax.mul(a, a), parallel.psum_p.bind(b, axes=("x",)))],
        [ShapedArray((4, 3), f32), ShapedArray((4, 3), f32)])
    assert not consts
    rng = np.random.default_rng(0)
    x, y = (rng.standard_normal((4, 3)).astype(f32) for _ in range(2))
    return [((x, y), dict(jaxpr=closed, mesh=mesh, in_specs=(PartitionSpec("x"), PartitionSpec()),
                          out_specs=(PartitionSpec("x"),)))]


shard_map_p = Primitive(
    "shard_map",
    abstract_eval=_shard_map_abstract,
    impl=_shard_map_impl,
    lower=_shard_map_lower,
    multiple_results=True,
    jvp=_shard_map_jvp,
    partial_eval=_shard_map_partial_eval,
    transpose=_shard_map_transpose,
    batch=_shard_map_batch,
    examples=_shard_map_examples,
)


# ---------------------------------------------------------------- replication check

_VARYING_COLLECTIVES = {"axis_index", "ppermute", "psum_scatter"}
_REDUCING_COLLECTIVES = {"psum", "pmax", "pmin", "all_gather"}


def _introduced_axes(jaxpr):
    """Mesh axes along which some collective inside `jaxpr` (or its sub-programs) makes
    values vary, whatever its inputs."""
    axes = set()
    for eqn in jaxpr.eqns:
        if eqn.primitive.name in _VARYING_COLLECTIVES:
            axes.update(eqn.params["axes"])
        for sub in _sub_jaxprs(eqn):
            axes |= _introduced_axes(sub)
    return axes


def _sub_jaxprs(eqn):
    for value in eqn.params.values():
        for item in value if isinstance(value, (tuple, list)) else (value,):
            inner = getattr(item, "jaxpr", None)
            if inner is not None and hasattr(inner, "eqns"):
                yield inner
            elif hasattr(item, "eqns"):
                yield item


def _varying_axes(jaxpr, in_varying):
    """Per output of `jaxpr`, the mesh axes along which it may differ between devices
    (conservative: an equation holding a sub-program varies along all its inputs' axes
    and every axis a collective inside it introduces)."""
    from numax.core.ir import Literal
    env = dict(zip(jaxpr.invars, in_varying))

    def read(var):
        return frozenset() if type(var) is Literal else env.get(var, frozenset())

    for eqn in jaxpr.eqns:
        varying = frozenset().union(*[read(v) for v in eqn.invars])
        name = eqn.primitive.name
        if name in _REDUCING_COLLECTIVES:
            varying -= set(eqn.params["axes"])
        elif name in _VARYING_COLLECTIVES:
            varying |= set(eqn.params["axes"])
        for sub in _sub_jaxprs(eqn):
            varying |= _introduced_axes(sub)
        for var in eqn.outvars:
            env[var] = varying
    return [read(v) for v in jaxpr.outvars]


def _check_replication(fun, closed, in_specs, out_specs, mesh):
    jaxpr = closed.jaxpr
    in_varying = [frozenset(a for entry in s._axes(v.aval.ndim) for a in entry)
                  for s, v in zip(in_specs, jaxpr.invars)]
    for i, (varying, spec, aval) in enumerate(zip(_varying_axes(jaxpr, in_varying), out_specs,
                                                  closed.out_avals)):
        missing = sorted(set(varying) & set(_unmentioned_axes(spec, aval.ndim, mesh)))
        if missing:
            raise ValueError(
                f"shard_map applied to {_name(fun)}: out_specs[{i}] is {spec!r}, which says "
                f"output {i} ({aval.str_short()} per device) is the same on every device along "
                f"mesh axes {missing}, but it may differ between them there. Reduce it with a "
                f"collective (e.g. numax.lax.psum(y, {missing[0]!r})), name the axes in its "
                "out_specs entry, or pass check_vma=False if you know it is replicated")


# ---------------------------------------------------------------- the public function

def _name(fun):
    return f"the function {getattr(fun, '__name__', type(fun).__name__)!r}"


def _specs_per_leaf(specs, tree, what, fun):
    """One PartitionSpec per leaf of `tree`, from `specs`, a pytree prefix of it."""
    def is_spec(x):
        return isinstance(x, PartitionSpec) or x is None

    try:
        per_subtree = tree_structure(specs, is_leaf=is_spec).flatten_up_to(tree)
    except (ValueError, TypeError) as error:
        raise ValueError(f"shard_map applied to {_name(fun)}: {what} {specs!r} is not a pytree "
                         f"prefix of the values it describes ({error})") from None
    leaves = tree_flatten(specs, is_leaf=is_spec)[0]
    out = []
    for spec, subtree in zip(leaves, per_subtree):
        if not isinstance(spec, PartitionSpec):
            raise TypeError(f"shard_map applied to {_name(fun)}: {what} entries must be "
                            f"PartitionSpecs (numax.P(...); P() for replicated), got {spec!r}")
        out += [spec] * tree_structure(subtree).num_leaves
    return out


def shard_map(f=None, /, *, out_specs, in_specs=None, mesh=None, axis_names=frozenset(),
              check_vma=True):
    """Maps `f` over shards: each device of `mesh` runs `f` on its piece of every argument
    (cut as `in_specs` says), and the pieces `f` returns are assembled as `out_specs` says.
    Inside `f`, collectives (numax.lax.psum, all_gather, ppermute, axis_index, ...) name
    mesh axes.

    >>> import numax, numpy as np
    >>> mesh = numax.make_mesh((1,), ("x",))
    >>> f = shard_map(lambda a: numax.lax.psum(a.sum(keepdims=True), "x"), mesh=mesh,
    ...               in_specs=numax.P("x"), out_specs=numax.P())
    >>> f(np.arange(4.0))
    Array([6.], dtype=float32)

    `in_specs` and `out_specs` are pytree prefixes of the arguments and results; `mesh`
    defaults to the one of an enclosing `with mesh:`. With `check_vma`, an output whose
    spec leaves out a mesh axis must provably not vary along it (else ValueError).
    """
    if f is None:
        return lambda fun: shard_map(fun, out_specs=out_specs, in_specs=in_specs, mesh=mesh,
                                     axis_names=axis_names, check_vma=check_vma)
    mesh = mesh if mesh is not None else current_mesh()
    if not isinstance(mesh, Mesh):
        raise TypeError(f"shard_map applied to {_name(f)} needs a numax.sharding.Mesh: pass "
                        f"mesh=... or call it inside `with mesh:` (got {mesh!r})")
    if in_specs is None:
        raise TypeError(f"shard_map applied to {_name(f)}: give in_specs (a PartitionSpec per "
                        "argument; numax does not infer them)")
    if axis_names and set(axis_names) != set(mesh.axis_names):
        raise NotImplementedError(
            f"shard_map: axis_names={set(axis_names)} makes only some mesh axes manual; numax "
            f"supports shard_map over all axes of the mesh {mesh.axis_names}")

    def mapped(*args):
        from numax.api import abstractify
        from numax.lax.placement import sharding_constraint_p
        leaves, in_tree = tree_flatten(args)
        specs = _specs_per_leaf(in_specs, args, "in_specs", f)
        shard_avals = [_shard_aval(abstractify(x), s, mesh, f"in_specs for argument {i}")
                       for i, (x, s) in enumerate(zip(leaves, specs))]
        store = {}

        def flat_body(*shards):
            out = f(*tree_unflatten(in_tree, list(shards)))
            out_leaves, store["tree"] = tree_flatten(out)
            store["out"] = out
            return out_leaves

        with parallel.bound_mesh_axes(mesh.shape):
            closed, consts = trace_to_jaxpr(flat_body, shard_avals)
        leaf_out_specs = _specs_per_leaf(out_specs, store["out"], "out_specs", f)
        for i, (aval, spec) in enumerate(zip(closed.out_avals, leaf_out_specs)):
            _spec_axes(spec, aval.ndim, mesh, f"out_specs[{i}]")
        all_in_specs = [PartitionSpec()] * len(consts) + specs
        if check_vma:
            _check_replication(f, closed, all_in_specs, leaf_out_specs, mesh)
        # A traced argument is constrained to its in_spec: that is also what makes an
        # enclosing jit partition its program over the mesh (one device needs neither).
        arguments = [sharding_constraint_p.bind(x, sharding=NamedSharding(mesh, s))
                     if isinstance(x, Tracer) and mesh.size > 1 else x
                     for x, s in zip(list(consts) + leaves, all_in_specs)]
        outs = shard_map_p.bind(*arguments, jaxpr=closed, mesh=mesh,
                                in_specs=tuple(all_in_specs), out_specs=tuple(leaf_out_specs))
        if mesh.size > 1 and not any(isinstance(x, Tracer) for x in arguments):
            # Staged with no traced argument: the outputs' layouts anchor the program.
            outs = [sharding_constraint_p.bind(y, sharding=NamedSharding(mesh, s))
                    if isinstance(y, Tracer) else y for y, s in zip(outs, leaf_out_specs)]
        return tree_unflatten(store["tree"], outs)

    return mapped


__all__ = ["shard_map", "shard_map_p"]
