"""Differentiation and batching rules of the structural and indexing primitives.

broadcast_in_dim, reshape, squeeze, transpose, rev, pad, concatenate, slice, iota,
dynamic_slice, dynamic_update_slice, gather and the scatter family. Every declared
example (the registry-wide checkers only see the first few), plus float versions of the
scatter examples the registry declares with integers, goes through: JVP against central
differences in float64, the VJP as the transpose of the JVP (<u, J v> == <J^T u, v>), and
vmap against a Python loop with batch axes first, last, in the middle and on one operand
at a time (integer indices differ between batch elements). Then cotangents against NumPy
formulas, derivative edge cases (clamped starts, out-of-bounds gathers, repeated scatter
indices, zero factors of scatter-mul, ties of scatter-min/max), and compositions (grad,
grad of vmap, vmap of grad, jit) against finite differences and loops.
"""

import numpy as np
import pytest

import numax
from numax import lax
from numax.core import dtypes
from numax.core.primitive import registry
from numax.lax import indexing

rng = np.random.default_rng(5)

STRUCTURAL = ["broadcast_in_dim", "reshape", "squeeze", "transpose", "rev", "pad", "concatenate",
              "slice", "iota"]
INDEXING = ["dynamic_slice", "dynamic_update_slice", "gather", "scatter", "scatter-add",
            "scatter-sub", "scatter-mul", "scatter-min", "scatter-max"]
GS = lax.GatherScatterMode
ROWS_GATHER = lax.GatherDimensionNumbers(offset_dims=(1,), collapsed_slice_dims=(0,),
                                         start_index_map=(0,))
ELEMENTS_GATHER = lax.GatherDimensionNumbers(offset_dims=(), collapsed_slice_dims=(0,),
                                             start_index_map=(0,))
ELEMENTS_SCATTER = lax.ScatterDimensionNumbers(update_window_dims=(), inserted_window_dims=(0,),
                                               scatter_dims_to_operand_dims=(0,))
ROWS_SCATTER = lax.ScatterDimensionNumbers(update_window_dims=(1,), inserted_window_dims=(0,),
                                           scatter_dims_to_operand_dims=(0,))


def _randn(shape, dtype=np.float32):
    dtype = np.dtype(dtype)
    if dtype.kind == "c":
        return (rng.standard_normal(shape) + 1j * rng.standard_normal(shape)).astype(dtype)
    return rng.standard_normal(shape).astype(dtype)


def _widen(x):
    x = np.asarray(x)
    if x.dtype in (np.float16, np.float32) or x.dtype == dtypes.bfloat16:
        return x.astype(np.float64)
    if x.dtype == np.complex64:
        return x.astype(np.complex128)
    return x


def _inner(a, b):
    return np.sum(np.asarray(a, np.complex128) * np.asarray(b, np.complex128))


def _total(x):
    """Sum of all elements as a full contraction with ones, so that compositions lean only
    on the rules of this file's primitives and of dot_general/mul/sin."""
    axes = tuple(range(np.ndim(x)))
    return lax.dot_general(x, np.ones(np.shape(x), x.dtype), ((axes, axes), ((), ())))


def _numeric_jvp(f, primals, tangents, eps=1e-6):
    plus = np.asarray(f(*[p + eps * t for p, t in zip(primals, tangents)]), np.complex128)
    minus = np.asarray(f(*[p - eps * t for p, t in zip(primals, tangents)]), np.complex128)
    return (plus - minus) / (2 * eps)


def check_jvp_and_vjp(primitive, args, params):
    """JVP vs central differences and the VJP as the transpose of the JVP, in float64, with
    respect to every floating-point operand."""
    with numax.enable_x64():
        args = [_widen(a) for a in args]
        positions = [i for i, a in enumerate(args) if dtypes.is_inexact(a.dtype)]
        assert positions, "no floating operands: nothing to check"

        def f(*diff):
            full = list(args)
            for i, v in zip(positions, diff):
                full[i] = v
            return primitive.bind(*full, **params)

        primals = [args[i] for i in positions]
        tangents = [_randn(p.shape, p.dtype) for p in primals]
        out = np.asarray(f(*primals))
        u = _randn(out.shape, out.dtype)
        # JVP and VJP under one jit: one compilation instead of one per primitive bound
        (jvp_out, tangent), cts = numax.jit(lambda p, t, u: (
            numax.jvp(f, p, t), numax.vjp(f, *p)[1](u)))(tuple(primals), tuple(tangents), u)
        np.testing.assert_array_equal(np.asarray(jvp_out), out)
        numeric = _numeric_jvp(f, primals, tangents)
        if not np.iscomplexobj(out):
            numeric = numeric.real
        finite = np.isfinite(out)      # fill values (NaN) of out-of-bounds gathers
        np.testing.assert_allclose(np.asarray(tangent)[finite], numeric[finite],
                                   rtol=1e-6, atol=1e-6)
        assert np.all(np.asarray(tangent)[~finite] == 0)
        for ct, p in zip(cts, primals):
            assert np.asarray(ct).shape == p.shape and np.asarray(ct).dtype == p.dtype
        lhs = _inner(u, tangent)
        rhs = sum(_inner(c, t) for c, t in zip(cts, tangents))
        np.testing.assert_allclose(lhs, rhs, rtol=1e-9, atol=1e-9)


def _batch_of(a, batch):
    """`batch` different versions of an example operand: floats scaled, integer arrays
    rolled along their first axis (index vectors stay whole and valid), integer scalars
    shifted (start indices clamp)."""
    a = np.asarray(a)
    if dtypes.is_inexact(a.dtype):
        return a[None] * rng.uniform(0.5, 1.5, (batch,) + a.shape).astype(a.dtype)
    if a.ndim == 0:
        return np.stack([a + np.asarray(b, a.dtype) for b in range(batch)])
    return np.stack([np.roll(a, b, axis=0) for b in range(batch)])


def check_vmap(primitive, args, params, in_axes, batch=3):
    """vmap with `in_axes` (one entry per operand) equals a loop over the batch."""
    stacked = [np.asarray(a) if axis is None else _batch_of(a, batch)
               for a, axis in zip(args, in_axes)]
    moved = [s if axis is None else np.moveaxis(s, 0, axis) for s, axis in zip(stacked, in_axes)]
    out = numax.jit(numax.vmap(lambda *xs: primitive.bind(*xs, **params),
                               in_axes=tuple(in_axes)))(*moved)
    expected = np.stack([np.asarray(primitive.bind(
        *[s if axis is None else s[b] for s, axis in zip(stacked, in_axes)], **params))
        for b in range(batch)])
    out = np.asarray(out)
    assert out.dtype == expected.dtype and out.shape == expected.shape
    np.testing.assert_allclose(out.astype(np.complex128), expected.astype(np.complex128),
                               rtol=1e-6, atol=1e-6)


def _axes_variants(args):
    """All operands batched in the middle, then each operand alone (the registry-wide
    checker covers batch axes first and last)."""
    ndims = [np.ndim(a) for a in args]
    variants = [tuple((n + 1) // 2 for n in ndims)]
    if len(args) > 1:
        for i, n in enumerate(ndims):
            variants.append(tuple((n + 1) // 2 if j == i else None for j in range(len(args))))
    return variants


# The scatter examples: 0-3 layouts (rows, elements, columns, 2x2 windows), 4-5 out of
# bounds (drop, clip), 6 batching dims, 7-8 repeated indices (not for scatter itself).
# Scatter programs are slow to compile, so each check takes the subset it needs.


def _cases(names, chosen):
    """The declared examples of `names` (those listed in chosen[name] where given). Members
    of the scatter family share rules and example layouts, so only the one whose rule is
    checked needs all of them; scatter-sub/mul/max take float versions of the layouts (the
    registry declares them with integers, which have no derivatives)."""
    import numax.lax  # noqa: F401
    for name in names:
        examples = registry[name].examples()
        if name in ("scatter-sub", "scatter-mul", "scatter-max"):
            examples = indexing._scatter_examples("float32", False)()
        for i, (args, params) in enumerate(examples):
            if i in chosen.get(name, range(len(examples))):
                yield pytest.param(registry[name], args, params, id=f"{name}-{i}")


@pytest.mark.parametrize("primitive,args,params", [
    c for c in _cases(STRUCTURAL + INDEXING, {
        "scatter": (0, 1, 3, 4, 6), "scatter-add": (0, 3, 4, 6, 8), "scatter-sub": (0,),
        "scatter-mul": (0, 3, 7), "scatter-min": (0, 4, 7), "scatter-max": (7,)})
    if any(dtypes.is_inexact(np.asarray(a).dtype) for a in c.values[1])])
def test_every_example_jvp_and_vjp(primitive, args, params):
    check_jvp_and_vjp(primitive, args, params)


@pytest.mark.parametrize("primitive,args,params", [
    c for c in _cases(STRUCTURAL + INDEXING, {
        "scatter": (0,), "scatter-add": (1, 2, 3, 6, 8), "scatter-sub": (0,),
        "scatter-mul": (0,), "scatter-min": (0,), "scatter-max": (0,)})
    if c.values[1]])
def test_every_example_vmap(primitive, args, params):
    for in_axes in _axes_variants(args):
        check_vmap(primitive, args, params, in_axes)


def test_every_primitive_declares_its_rules():
    import numax.lax  # noqa: F401
    for name in STRUCTURAL + INDEXING:
        p = registry[name]
        assert p.batch is not None, name
        assert p.jvp or p.linear or p.not_differentiable, name
        if p.linear:
            assert p.transpose is not None, name


# ---------------------------------------------------------------- structural: cotangents vs NumPy

def _numpy_pad(x, value, config):
    """lax.pad in NumPy: interior padding, then edges (negative edges crop)."""
    out = np.asarray(x)
    for axis, (low, high, interior) in enumerate(config):
        size = out.shape[axis]
        spread = np.full(out.shape[:axis] + (size + max(size - 1, 0) * interior,) +
                         out.shape[axis + 1:], value, out.dtype)
        index = [np.s_[:]] * out.ndim
        index[axis] = np.s_[::interior + 1]
        spread[tuple(index)] = out
        out = spread
        before = np.full(out.shape[:axis] + (max(low, 0),) + out.shape[axis + 1:], value, out.dtype)
        after = np.full(out.shape[:axis] + (max(high, 0),) + out.shape[axis + 1:], value, out.dtype)
        out = np.concatenate([before, out, after], axis)
        index[axis] = np.s_[max(-low, 0):out.shape[axis] - max(-high, 0)]
        out = out[tuple(index)]
    return out


@pytest.mark.parametrize("shape,config", [
    ((3, 4), ((1, 2, 0), (0, 1, 0))),
    ((3, 4), ((0, 0, 1), (2, 0, 2))),
    ((3, 4), ((-1, 1, 0), (1, -2, 1))),
    ((5,), ((-2, -3, 2),)),                   # crops into the interior padding
    ((4,), ((-3, 1, 1),)),
    ((0, 2), ((1, 2, 3), (0, 0, 0))),
])
def test_pad_vjp_matches_numpy_reference(shape, config):
    with numax.enable_x64():
        x, value = _randn(shape, np.float64), np.float64(0.7)
        out, pullback = numax.vjp(lambda x, v: lax.pad(x, v, config), x, value)
        np.testing.assert_array_equal(np.asarray(out), _numpy_pad(x, value, config))
        u = _randn(np.shape(out), np.float64)
        ct_x, ct_value = pullback(u)
        # where each operand element lands (-1 marks padding positions)
        landed = _numpy_pad(np.arange(x.size, dtype=np.float64).reshape(shape), -1.0, config)
        expected_x = np.zeros(x.size)
        np.add.at(expected_x, landed[landed >= 0].astype(int), u[landed >= 0])
        np.testing.assert_allclose(np.asarray(ct_x), expected_x.reshape(shape), atol=1e-12)
        np.testing.assert_allclose(np.asarray(ct_value), u[landed < 0].sum(), atol=1e-12)


def test_pad_grad_of_padding_value_counts_padding_positions():
    with numax.enable_x64():
        x = np.ones((2, 3))
        config = ((1, 0, 1), (2, -1, 0))     # out (4, 4): 16 - 4 surviving operand elements
        grad = numax.grad(lambda v: _total(lax.pad(x, v, config)))(np.float64(3.0))
        assert float(grad) == 12.0


@pytest.mark.parametrize("starts,limits,strides", [((1, 0), (5, 7), (2, 3)),
                                                   ((0, 2), (4, 2), None),
                                                   ((3, 1), (4, 7), (5, 1))])
def test_slice_vjp_places_cotangent_at_strided_positions(starts, limits, strides):
    x = _randn((5, 7))
    out, pullback = numax.vjp(lambda x: lax.slice(x, starts, limits, strides), x)
    u = _randn(np.shape(out))
    steps = strides or (1, 1)
    expected = np.zeros_like(x)
    expected[starts[0]:limits[0]:steps[0], starts[1]:limits[1]:steps[1]] = u
    np.testing.assert_array_equal(np.asarray(pullback(u)[0]), expected)


def test_broadcast_in_dim_vjp_sums_new_and_stretched_axes():
    x = _randn((3, 1))
    f = lambda x: lax.broadcast_in_dim(x, (2, 3, 4), (1, 2))  # noqa: E731
    out, pullback = numax.vjp(f, x)
    np.testing.assert_array_equal(np.asarray(out), np.broadcast_to(x, (2, 3, 4)))
    u = _randn((2, 3, 4))
    np.testing.assert_allclose(np.asarray(pullback(u)[0]), u.sum(axis=(0, 2))[:, None],
                               rtol=1e-6, atol=1e-6)
    # a size-1 axis that stays size 1 is not summed
    u = _randn((1, 4, 5))
    ct = numax.vjp(lambda x: lax.broadcast_in_dim(x, (1, 4, 5), (0, 2)), _randn((1, 5)))[1](u)[0]
    np.testing.assert_allclose(np.asarray(ct), u.sum(axis=1), rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("f,adjoint", [
    (lambda x: lax.reshape(x, (6, 4)), lambda u: u.reshape(2, 3, 4)),
    (lambda x: lax.transpose(x, (2, 0, 1)), lambda u: np.transpose(u, (1, 2, 0))),
    (lambda x: lax.rev(x, (0, 2)), lambda u: u[::-1, :, ::-1]),
    (lambda x: lax.squeeze(lax.reshape(x, (2, 1, 12)), (1,)), lambda u: u.reshape(2, 3, 4)),
    (lambda x: lax.concatenate([x, x * 2.0], 1), lambda u: u[:, :3] + 2 * u[:, 3:]),
])
def test_vjp_of_layout_ops_is_the_inverse_layout(f, adjoint):
    x = _randn((2, 3, 4))
    out, pullback = numax.vjp(f, x)
    u = _randn(np.shape(out))
    np.testing.assert_allclose(np.asarray(pullback(u)[0]), adjoint(u), rtol=1e-6, atol=1e-6)


def test_iota_is_a_constant():
    assert registry["iota"].not_differentiable
    x = np.float32(2.0)
    f = lambda x: x * lax.broadcasted_iota(np.float32, (3,), 0)  # noqa: E731
    _, tangent = numax.jvp(f, (x,), (np.float32(1.0),))
    np.testing.assert_array_equal(np.asarray(tangent), [0.0, 1.0, 2.0])
    np.testing.assert_array_equal(np.asarray(numax.vmap(f)(np.arange(2, dtype=np.float32))),
                                  [[0, 0, 0], [0, 1, 2]])


# ---------------------------------------------------------------- dynamic slicing

@pytest.mark.parametrize("start", [(1, 2), (4, 5), (-3, 0)])
def test_dynamic_slice_grad_follows_the_clamped_window(start):
    x = _randn((5, 6))
    out, pullback = numax.vjp(lambda x: lax.dynamic_slice(x, start, (2, 3),
                                                          allow_negative_indices=False), x)
    r, c = min(max(start[0], 0), 3), min(max(start[1], 0), 3)
    np.testing.assert_array_equal(np.asarray(out), x[r:r + 2, c:c + 3])
    u = _randn((2, 3))
    expected = np.zeros_like(x)
    expected[r:r + 2, c:c + 3] = u
    np.testing.assert_array_equal(np.asarray(pullback(u)[0]), expected)


@pytest.mark.parametrize("start", [(1, 1), (3, -4)])
def test_dynamic_update_slice_grads_split_at_the_window(start):
    x, update = _randn((4, 5)), _randn((2, 3))
    f = lambda x, up: lax.dynamic_update_slice(x, up, start, allow_negative_indices=False)  # noqa
    out, pullback = numax.vjp(f, x, update)
    r, c = min(max(start[0], 0), 2), min(max(start[1], 0), 2)
    expected = x.copy()
    expected[r:r + 2, c:c + 3] = update
    np.testing.assert_array_equal(np.asarray(out), expected)
    u = _randn((4, 5))
    ct_x, ct_update = pullback(u)
    masked = u.copy()
    masked[r:r + 2, c:c + 3] = 0
    np.testing.assert_array_equal(np.asarray(ct_x), masked)
    np.testing.assert_array_equal(np.asarray(ct_update), u[r:r + 2, c:c + 3])


def test_grad_through_traced_start_index_under_jit():
    x = _randn((6,))

    def f(x, i):
        return _total(lax.sin(lax.dynamic_slice(x, (i,), (3,))))
    for i in [0, 2, 5]:
        g = numax.jit(numax.grad(f))(x, np.int32(i))
        s = min(i, 3)
        expected = np.zeros(6, np.float32)
        expected[s:s + 3] = np.cos(x[s:s + 3])
        np.testing.assert_allclose(np.asarray(g), expected, rtol=1e-6, atol=1e-6)


# ---------------------------------------------------------------- gather

def test_gather_grad_accumulates_repeated_indices():
    x = _randn((5, 3))
    idx = np.array([[3], [0], [3], [3]], np.int32)
    f = lambda x: lax.gather(x, idx, ROWS_GATHER, (1, 3), mode="clip")  # noqa: E731
    out, pullback = numax.vjp(f, x)
    np.testing.assert_array_equal(np.asarray(out), x[idx[:, 0]])
    u = _randn((4, 3))
    expected = np.zeros_like(x)
    np.add.at(expected, idx[:, 0], u)
    np.testing.assert_allclose(np.asarray(pullback(u)[0]), expected, rtol=1e-12)


def test_gather_fill_or_drop_out_of_bounds_has_zero_derivatives():
    x = _randn((5,))
    idx = np.array([[2], [7], [-1], [2]], np.int32)
    f = lambda x: lax.gather(x, idx, ELEMENTS_GATHER, (1,), mode="fill")  # noqa: E731
    out, tangent = numax.jvp(f, (x,), (np.ones(5),))
    assert np.isnan(np.asarray(out)[1:3]).all()
    np.testing.assert_array_equal(np.asarray(tangent), [1.0, 0.0, 0.0, 1.0])
    ct = numax.vjp(f, x)[1](np.array([1.0, 5.0, 7.0, 2.0]))[0]
    np.testing.assert_array_equal(np.asarray(ct), [0, 0, 3.0, 0, 0])


def test_gather_clip_grad_goes_to_the_clamped_index():
    x = _randn((5,))
    idx = np.array([[9], [-4], [1]], np.int32)
    f = lambda x: lax.gather(x, idx, ELEMENTS_GATHER, (1,), mode="clip")  # noqa: E731
    ct = numax.vjp(f, x)[1](np.array([1.0, 2.0, 4.0]))[0]
    np.testing.assert_array_equal(np.asarray(ct), [2.0, 4.0, 0, 0, 1.0])


# ---------------------------------------------------------------- scatter family

def test_scatter_add_and_sub_grads():
    x, updates = _randn((5, 2)), _randn((3, 2))
    idx = np.array([[4], [0], [4]], np.int32)
    u = _randn((5, 2))
    for scatter, sign in [(lax.scatter_add, 1.0), (lax.scatter_sub, -1.0)]:
        out, pullback = numax.vjp(lambda x, up: scatter(x, idx, up, ROWS_SCATTER), x, updates)
        expected = x.copy()
        np.add.at(expected, idx[:, 0], sign * updates)
        np.testing.assert_allclose(np.asarray(out), expected, rtol=1e-12)
        ct_x, ct_updates = pullback(u)
        np.testing.assert_array_equal(np.asarray(ct_x), u)
        np.testing.assert_allclose(np.asarray(ct_updates), sign * u[idx[:, 0]], rtol=1e-12)


def test_scatter_add_drops_cotangents_of_dropped_updates():
    x, updates = np.zeros(4), np.ones(3)
    idx = np.array([[1], [4], [-1]], np.int32)
    f = lambda x, up: lax.scatter_add(x, idx, up, ELEMENTS_SCATTER, mode="drop")  # noqa: E731
    ct_updates = numax.vjp(f, x, updates)[1](np.arange(1.0, 5.0))[1]
    np.testing.assert_array_equal(np.asarray(ct_updates), [2.0, 0.0, 0.0])


def test_scatter_with_repeated_indices_differentiates_the_winner_only():
    with numax.enable_x64():
        x = np.arange(1.0, 6.0)
        idx = np.array([[1], [3], [1], [1], [0]], np.int32)
        updates = np.array([10.0, 20.0, 30.0, 40.0, 50.0])   # distinct: the winner is visible
        f = lambda x, up: lax.scatter(x, idx, up, ELEMENTS_SCATTER)  # noqa: E731
        t_x, t_updates = _randn(5, np.float64), _randn(5, np.float64)
        out, tangent = numax.jvp(f, (x, updates), (t_x, t_updates))
        out, tangent = np.asarray(out), np.asarray(tangent)
        winner = {p: int(np.flatnonzero(updates == out[p])[0]) for p in (0, 1, 3)}
        assert all(idx[j, 0] == p for p, j in winner.items())
        np.testing.assert_array_equal(out[[2, 4]], x[[2, 4]])
        np.testing.assert_array_equal(tangent[[2, 4]], t_x[[2, 4]])
        for p, j in winner.items():
            assert tangent[p] == t_updates[j]
        u = _randn(5, np.float64)
        ct_x, ct_updates = numax.vjp(f, x, updates)[1](u)
        np.testing.assert_array_equal(np.asarray(ct_x), [0, 0, u[2], 0, u[4]])
        expected = np.zeros(5)
        for p, j in winner.items():
            expected[j] = u[p]
        np.testing.assert_array_equal(np.asarray(ct_updates), expected)
        # the adjoint identity ties the two together
        np.testing.assert_allclose(_inner(u, tangent),
                                   _inner(ct_x, t_x) + _inner(ct_updates, t_updates))


def test_scatter_unique_indices_jvp_is_the_scatter_of_tangents():
    x, updates = _randn((4, 3)), _randn((2, 3))
    idx = np.array([[2], [0]], np.int32)
    f = lambda x, up: lax.scatter(x, idx, up, ROWS_SCATTER, unique_indices=True)  # noqa: E731
    t_x, t_updates = _randn((4, 3)), _randn((2, 3))
    _, tangent = numax.jvp(f, (x, updates), (t_x, t_updates))
    expected = t_x.copy()
    expected[[2, 0]] = t_updates
    np.testing.assert_array_equal(np.asarray(tangent), expected)


def test_scatter_mul_grads_with_repeated_indices_and_zeros():
    x = np.array([1.5, -2.0, 3.0])
    idx = np.array([[0], [0], [2]], np.int32)     # two factors land on x[0]
    u = np.array([0.5, 2.0, -1.0])

    def f(x, updates):
        return lax.scatter_mul(x, idx, updates, ELEMENTS_SCATTER)

    with numax.enable_x64():
        pullback = numax.jit(lambda x, up, u: numax.vjp(f, x, up)[1](u))
        forward = numax.jit(lambda x, up, t: numax.jvp(f, (x, up), (np.zeros(3), t)))
        for updates in [[2.0, 3.0, 5.0], [0.0, 3.0, 5.0], [0.0, 0.0, 5.0], [0.0, 3.0, 0.0]]:
            updates = np.array(updates)
            ct_x, ct_updates = pullback(x, updates, u)
            np.testing.assert_allclose(np.asarray(ct_x),
                                       u * [updates[0] * updates[1], 1, updates[2]])
            np.testing.assert_allclose(np.asarray(ct_updates), [
                u[0] * x[0] * updates[1], u[0] * x[0] * updates[0], u[2] * x[2]])
            t = _randn(3, np.float64)
            out, tangent = forward(x, updates, t)
            np.testing.assert_allclose(np.asarray(out), [x[0] * updates[0] * updates[1], x[1],
                                                         x[2] * updates[2]])
            np.testing.assert_allclose(np.asarray(tangent),
                                       _numeric_jvp(lambda up: f(x, up), [updates], [t]).real,
                                       atol=1e-6)


@pytest.mark.parametrize("scatter,cases", [
    (lax.scatter_max, [
        # x[0] ties with the first update: half each; x[1] loses to the last update
        ([2.0, 5.0], [2.0, 1.0, 7.0], [0.5, 0.0], [0.5, 0.0, 1.0]),
        # three-way tie at x[0]
        ([2.0, 5.0], [2.0, 2.0, 4.0], [1 / 3, 1.0], [1 / 3, 1 / 3, 0.0])]),
    (lax.scatter_min, [
        # two updates tie below the operand, which gets nothing
        ([2.0, 5.0], [1.0, 1.0, 7.0], [0.0, 1.0], [0.5, 0.5, 0.0])]),
], ids=["max", "min"])
def test_scatter_min_max_split_ties_evenly(scatter, cases):
    idx = np.array([[0], [0], [1]], np.int32)
    pullback = numax.jit(lambda x, up: numax.vjp(
        lambda x, up: scatter(x, idx, up, ELEMENTS_SCATTER), x, up)[1](np.ones(2, x.dtype)))
    for operand, updates, expected_x, expected_updates in cases:
        ct_x, ct_updates = pullback(np.array(operand, np.float32),
                                    np.array(updates, np.float32))
        np.testing.assert_allclose(np.asarray(ct_x), expected_x, rtol=1e-6, atol=1e-6)
        np.testing.assert_allclose(np.asarray(ct_updates), expected_updates, rtol=1e-6, atol=1e-6)


def test_scatter_max_dropped_update_never_wins():
    idx = np.array([[0], [5]], np.int32)
    f = lambda x, up: lax.scatter_max(x, idx, up, ELEMENTS_SCATTER, mode="drop")  # noqa: E731
    ct_x, ct_updates = numax.vjp(f, np.array([1.0, np.nan]), np.array([0.0, 9.0]))[1](
        np.array([3.0, 0.0]))
    np.testing.assert_array_equal(np.asarray(ct_updates), [0.0, 0.0])
    assert np.asarray(ct_x)[0] == 3.0


# ---------------------------------------------------------------- compositions

def test_grad_of_composition_matches_finite_differences():
    with numax.enable_x64():
        idx = np.array([[2], [0], [2]], np.int32)

        def f(x, y):
            padded = lax.pad(x, y[0], ((1, -1, 1), (0, 2, 0)))                     # (6, 5)
            rows = lax.gather(padded, idx, ROWS_GATHER, (1, 5), mode="clip")       # (3, 5)
            window = lax.dynamic_slice(padded, (np.int32(1), np.int32(2)), (4, 3))  # (4, 3)
            joined = lax.concatenate([lax.transpose(window, (1, 0)), rows[:, :4]], 0)
            spread = lax.scatter_add(lax.broadcast_in_dim(y, (6, 4), (1,)), idx,
                                     lax.sin(joined[:3]), ROWS_SCATTER)
            return _total(lax.mul(spread, spread)) + _total(lax.rev(joined, (0,)) * joined)

        x, y = _randn((3, 4), np.float64), _randn((4,), np.float64)
        gx, gy = numax.jit(numax.grad(f, argnums=(0, 1)))(x, y)
        tx, ty = _randn((3, 4), np.float64), _randn((4,), np.float64)
        numeric = _numeric_jvp(numax.jit(f), [x, y], [tx, ty]).real
        np.testing.assert_allclose(_inner(gx, tx).real + _inner(gy, ty).real, numeric,
                                   rtol=1e-6)


def test_vmap_in_the_middle_with_unbatched_operands():
    x = _randn((4, 3, 5))                                # batch of 3 at axis 1
    idx = np.array([[[1], [3]], [[0], [0]], [[2], [1]]], np.int32)   # batch at axis 0
    gathered = numax.vmap(lambda x, i: lax.gather(x, i, ROWS_GATHER, (1, 5), mode="clip"),
                          in_axes=(1, 0))(x, idx)
    expected = np.stack([x[:, b][idx[b, :, 0]] for b in range(3)])
    np.testing.assert_array_equal(np.asarray(gathered), expected)
    # operand batched in the middle, indices shared
    shared = numax.vmap(lambda x: lax.gather(x, idx[0], ROWS_GATHER, (1, 5), mode="clip"),
                        in_axes=1)(x)
    np.testing.assert_array_equal(np.asarray(shared),
                                  np.stack([x[:, b][idx[0, :, 0]] for b in range(3)]))
    # indices batched, operand shared
    one = numax.vmap(lambda i: lax.gather(x[:, 0], i, ROWS_GATHER, (1, 5), mode="clip"))(idx)
    np.testing.assert_array_equal(np.asarray(one), np.stack([x[:, 0][idx[b, :, 0]]
                                                             for b in range(3)]))
    # scatter-add: operand batched in the middle, updates shared, indices batched
    updates = _randn((2, 5))
    added = numax.vmap(lambda x, i: lax.scatter_add(x, i, updates, ROWS_SCATTER),
                       in_axes=(1, 0))(x, idx)
    expected = np.stack([x[:, b].copy() for b in range(3)])
    for b in range(3):
        np.add.at(expected[b], idx[b, :, 0], updates)
    np.testing.assert_allclose(np.asarray(added), expected, rtol=1e-12)


def test_vmap_of_dynamic_slicing_with_batched_starts():
    x = _randn((3, 7))
    starts = np.array([0, 5, -2], np.int32)
    sliced = numax.vmap(lambda x, s: lax.dynamic_slice(x, (s,), (3,)), in_axes=(0, 0))(x, starts)
    expected = np.stack([x[b, s:s + 3] for b, s in zip(range(3), [0, 4, 4])])  # -2 -> 5 -> 4
    np.testing.assert_array_equal(np.asarray(sliced), expected)
    shared = numax.vmap(lambda s: lax.dynamic_slice(x[0], (s,), (3,)))(starts)
    np.testing.assert_array_equal(np.asarray(shared), np.stack([x[0, s:s + 3] for s in [0, 4, 4]]))
    update = _randn((2,))
    written = numax.vmap(lambda x, s: lax.dynamic_update_slice(x, update, (s,)),
                         in_axes=(1, 0))(x.T.copy(), starts)
    expected = x.copy()
    for b, s in enumerate([0, 5, 5]):                    # -2 -> 5, clamped to 7 - 2
        expected[b, s:s + 2] = update
    np.testing.assert_array_equal(np.asarray(written), expected)


def test_vmap_pad_with_batched_padding_value():
    x = _randn((2, 3))
    values = np.array([1.0, -2.0, 7.0])
    config = ((1, -1, 1), (0, 2, 0))
    out = numax.vmap(lambda v: lax.pad(x, v, config))(values)
    np.testing.assert_array_equal(np.asarray(out),
                                  np.stack([_numpy_pad(x, v, config) for v in values]))
    both = numax.vmap(lambda x, v: lax.pad(x, v, config), in_axes=(2, 0))(
        np.stack([x, 2 * x, 3 * x], axis=2), values)
    np.testing.assert_array_equal(np.asarray(both), np.stack(
        [_numpy_pad(k * x, v, config) for k, v in zip([1, 2, 3], values)]))


def test_grad_of_vmap_and_vmap_of_grad_with_batched_starts():
    x = _randn((4, 6))
    starts = np.array([0, 3, 2, 5], np.int32)

    def f(row, s):
        return _total(lax.sin(lax.dynamic_slice(row, (s,), (3,))) * row[:3])

    grad = numax.jit(numax.grad(f))
    loop = np.stack([np.asarray(grad(x[b], starts[b])) for b in range(4)])
    per_example = numax.jit(numax.vmap(numax.grad(f), in_axes=(1, 0)))(x.T.copy(), starts)
    np.testing.assert_allclose(np.asarray(per_example), loop, rtol=1e-6, atol=1e-6)
    summed = numax.jit(numax.grad(lambda x: _total(numax.vmap(f)(x, starts))))(x)
    np.testing.assert_allclose(np.asarray(summed), loop, rtol=1e-6, atol=1e-6)


def test_vmap_of_grad_through_scatter_and_gather_per_example_indices():
    x = _randn((3, 5))
    idx = np.array([[[1], [1]], [[4], [0]], [[2], [3]]], np.int32)

    def f(row, i):
        picked = lax.gather(row, i, ELEMENTS_GATHER, (1,), mode="clip")
        return _total(lax.scatter_add(row, i, lax.sin(picked), ELEMENTS_SCATTER) * row)

    grad = numax.jit(numax.grad(f))
    batched = numax.jit(numax.vmap(numax.grad(f)))(x, idx)
    loop = np.stack([np.asarray(grad(x[b], idx[b])) for b in range(3)])
    np.testing.assert_allclose(np.asarray(batched), loop, rtol=1e-5, atol=1e-5)
    with numax.enable_x64():
        row, t = _randn(5, np.float64), _randn(5, np.float64)
        g = numax.jit(numax.grad(f))(row, idx[0])
        np.testing.assert_allclose(_inner(g, t).real,
                                   _numeric_jvp(lambda r: f(r, idx[0]), [row], [t]).real,
                                   rtol=1e-6)
