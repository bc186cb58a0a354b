"""Differentiation and batching rules of dot_general and conv_general_dilated.

JVPs against central finite differences (float64), VJPs against the adjoint identity
<u, J v> == <J^T u, v> and against analytic NumPy formulas, vmap against Python loops
(batch axes in the middle, operands unbatched), and compositions (grad of vmap, vmap of
grad, jit). The registry-wide checkers only see the first examples of each primitive; here
every declared example and a table of extra convolution configurations (strides, negative
padding, dilations, feature and batch groups, layouts) go through the same checks.
"""

import numpy as np
import pytest

import numax
from numax import lax
from numax.core import dtypes
from numax.lax.contractions import dot_general_p
from numax.lax.convolution import conv_general_dilated_p, conv_dimension_numbers

rng = np.random.default_rng(11)


def _randn(shape, dtype=np.float64):
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


def _widen_params(params):
    out = dict(params)
    dtype = params.get("preferred_element_type")
    if dtype is not None and dtypes.is_float(dtype):
        out["preferred_element_type"] = np.dtype(np.float64)
    elif dtype is not None and dtypes.is_complex(dtype):
        out["preferred_element_type"] = np.dtype(np.complex128)
    return out


def _total(x):
    """Sum of all elements as a full contraction with ones, so that compositions below only
    lean on the rules of this file's primitives and of mul/sin."""
    ndim = len(np.shape(x))
    axes = tuple(range(ndim))
    ones = np.ones(np.shape(x), np.asarray(x).dtype if isinstance(x, np.ndarray) else x.dtype)
    return lax.dot_general(x, ones, ((axes, axes), ((), ())))


def _inner(a, b):
    return np.sum(np.asarray(a, np.complex128) * np.asarray(b, np.complex128))


def check_jvp_and_vjp(primitive, args, params):
    """JVP vs central differences and the VJP as the transpose of the JVP, in float64, with
    respect to every floating-point operand. Everything runs in one jitted function (one
    compilation; the registry-wide checker runs the rules eagerly)."""
    with numax.enable_x64():
        args = [_widen(a) for a in args]
        params = _widen_params(params)
        positions = [i for i, a in enumerate(args) if dtypes.is_inexact(a.dtype)]
        if not positions:
            return

        def f(*diff):
            full = list(args)
            for i, v in zip(positions, diff):
                full[i] = v
            return primitive.bind(*full, **params)

        primals = [args[i] for i in positions]
        tangents = [_randn(p.shape, p.dtype) for p in primals]
        out_shape = numax.eval_shape(f, *primals)
        if not dtypes.is_inexact(out_shape.dtype):
            _, tangent = numax.jvp(f, tuple(primals), tuple(tangents))
            assert not np.any(np.asarray(tangent).astype(bool))
            return
        u = _randn(out_shape.shape, out_shape.dtype)
        eps = 1e-6

        def everything(primals, tangents, u):
            _, tangent = numax.jvp(f, tuple(primals), tuple(tangents))
            cts = numax.vjp(f, *primals)[1](u)
            plus = f(*[p + eps * t for p, t in zip(primals, tangents)])
            minus = f(*[p - eps * t for p, t in zip(primals, tangents)])
            return tangent, cts, plus, minus
        tangent, cts, plus, minus = numax.jit(everything)(primals, tangents, u)
        numeric = (np.asarray(plus, np.complex128) - np.asarray(minus, np.complex128)) / (2 * eps)
        if not dtypes.is_complex(out_shape.dtype):
            numeric = numeric.real
        np.testing.assert_allclose(np.asarray(tangent), numeric, rtol=1e-6, atol=1e-6)
        for ct, p in zip(cts, primals):
            assert np.asarray(ct).shape == p.shape and np.asarray(ct).dtype == p.dtype
        lhs = _inner(u, tangent)
        rhs = sum(_inner(c, t) for c, t in zip(cts, tangents))
        np.testing.assert_allclose(lhs, rhs, rtol=1e-9, atol=1e-9)


def _axes_variants(args):
    """Batch axes to try: a middle axis of both operands, the last axis of both, and each
    operand alone batched (in the middle, at the end). The registry-wide checker covers
    axis 0 of the first examples."""
    ndims = [np.ndim(a) for a in args]
    return [tuple(n // 2 for n in ndims), tuple(ndims),
            ((ndims[0] + 1) // 2, None), (None, ndims[1])]


def check_vmap(primitive, args, params, batch=3):
    """vmap, with each in_axes of _axes_variants, equals a loop over the batch; all variants
    and the loops run in one jitted function."""
    args = [np.asarray(a) for a in args]
    stacked = []
    for a in args:
        if dtypes.is_inexact(a.dtype):
            stacked.append(a[None] * rng.uniform(0.5, 1.5, (batch,) + a.shape).astype(a.dtype))
        else:
            stacked.append(np.stack([a] * batch))
    variants = _axes_variants(args)
    moved = [[a if axis is None else np.moveaxis(s, 0, axis)
              for a, s, axis in zip(args, stacked, in_axes)] for in_axes in variants]

    def bind(*xs):
        return primitive.bind(*xs, **params)

    def everything(moved, slices):
        outs = [numax.vmap(bind, in_axes=tuple(in_axes))(*xs)
                for in_axes, xs in zip(variants, moved)]
        loops = [[bind(*[a if axis is None else s[b] for a, s, axis in zip(args, slices, in_axes)])
                  for b in range(batch)] for in_axes in variants]
        return outs, loops
    slices = [[s[b] for b in range(batch)] for s in stacked]
    outs, loops = numax.jit(everything)(moved, slices)
    for in_axes, out, loop in zip(variants, outs, loops):
        out, expected = np.asarray(out), np.stack([np.asarray(x) for x in loop])
        assert out.dtype == expected.dtype
        tol = 2e-2 if out.dtype == dtypes.bfloat16 else 1e-5
        np.testing.assert_allclose(out.astype(np.complex128), expected.astype(np.complex128),
                                   rtol=tol, atol=tol, err_msg=f"in_axes={in_axes}")


# ---------------------------------------------------------------- all declared examples

def _example_cases(primitive):
    """Every declared example; vmap is checked once per geometry (operand shapes and
    parameters other than dtypes and precision), since batching never looks at dtypes."""
    cases, seen = [], set()
    for i, (args, params) in enumerate(primitive.examples()):
        geometry = (tuple(np.shape(a) for a in args),
                    repr({k: v for k, v in params.items()
                          if k not in ("precision", "preferred_element_type")}))
        cases.append(pytest.param(primitive, args, params, geometry not in seen,
                                  id=f"{primitive.name}-{i}"))
        seen.add(geometry)
    return cases


@pytest.mark.parametrize("primitive,args,params,check_batching",
                         _example_cases(dot_general_p) + _example_cases(conv_general_dilated_p))
def test_every_example_jvp_vjp_vmap(primitive, args, params, check_batching):
    check_jvp_and_vjp(primitive, args, params)
    if check_batching:
        check_vmap(primitive, args, params)


# ---------------------------------------------------------------- more convolutions

def _conv(lhs_shape, rhs_shape, *, strides=None, padding=None, lhs_dilation=None,
          rhs_dilation=None, layout=None, groups=1, batch_groups=1):
    spatial = len(lhs_shape) - 2
    numbers = conv_dimension_numbers(lhs_shape, rhs_shape, None)
    if layout is not None:
        # Shapes are given in N C spatial / O I spatial order; lay them out as `layout` says.
        numbers = conv_dimension_numbers((0,) * len(lhs_shape), (0,) * len(rhs_shape), layout)
        lhs_physical = [0] * len(lhs_shape)
        rhs_physical = [0] * len(rhs_shape)
        for logical, physical in enumerate(numbers.lhs_spec):
            lhs_physical[physical] = lhs_shape[logical]
        for logical, physical in enumerate(numbers.rhs_spec):
            rhs_physical[physical] = rhs_shape[logical]
        lhs_shape, rhs_shape = tuple(lhs_physical), tuple(rhs_physical)
    params = dict(window_strides=tuple(strides or (1,) * spatial),
                  padding=tuple(padding or ((0, 0),) * spatial),
                  lhs_dilation=tuple(lhs_dilation or (1,) * spatial),
                  rhs_dilation=tuple(rhs_dilation or (1,) * spatial),
                  dimension_numbers=numbers, feature_group_count=groups,
                  batch_group_count=batch_groups, precision=None, preferred_element_type=None)
    args = (_randn(lhs_shape, np.float32), _randn(rhs_shape, np.float32))
    return pytest.param(args, params, id=_conv_id(lhs_shape, rhs_shape, params))


def _conv_id(lhs_shape, rhs_shape, params):
    parts = [f"{lhs_shape}x{rhs_shape}"]
    for key in ("window_strides", "padding", "lhs_dilation", "rhs_dilation"):
        if any(v != 1 and v != (0, 0) for v in params[key]):
            parts.append(f"{key}={params[key]}")
    if params["feature_group_count"] > 1:
        parts.append(f"groups={params['feature_group_count']}")
    if params["batch_group_count"] > 1:
        parts.append(f"batch_groups={params['batch_group_count']}")
    return "-".join(parts).replace(" ", "")


CONVOLUTIONS = [
    _conv((2, 3, 7), (4, 3, 3), strides=(2,)),
    _conv((2, 3, 8), (4, 3, 3), strides=(3,), padding=((2, 1),)),  # stride leaves a remainder
    _conv((1, 2, 9), (3, 2, 2), padding=((-2, -1),)),  # cropping on both sides
    _conv((1, 2, 6), (3, 2, 3), padding=((4, -3),)),  # more padding than the window
    _conv((2, 2, 5), (3, 2, 3), lhs_dilation=(2,), strides=(2,), padding=((1, 2),)),
    _conv((2, 2, 9), (3, 2, 3), rhs_dilation=(3,), strides=(2,), padding=((0, 1),)),
    _conv((1, 2, 4, 5), (3, 2, 2, 3), strides=(2, 1), lhs_dilation=(1, 2),
          rhs_dilation=(2, 1), padding=((1, 0), (-1, 2))),
    _conv((2, 6, 5), (6, 2, 3), groups=3, strides=(2,), padding=((1, 1),)),
    _conv((2, 4, 5), (4, 1, 2), groups=4, rhs_dilation=(2,)),  # depthwise
    _conv((4, 3, 5), (6, 3, 2), batch_groups=2, strides=(2,), padding=((1, 0),)),
    _conv((6, 2, 6), (3, 2, 3), batch_groups=3, lhs_dilation=(2,), rhs_dilation=(2,)),
    _conv((2, 4, 5, 4), (6, 2, 3, 2), layout=("NHWC", "HWIO", "NHWC"), groups=2,
          strides=(1, 2), padding=((1, 1), (0, 1))),
    _conv((4, 3, 5, 4), (4, 3, 2, 2), layout=("NWHC", "OHWI", "CHNW"), batch_groups=2,
          strides=(2, 1), rhs_dilation=(1, 2), padding=((0, 1), (1, 1))),
    _conv((2, 3, 3, 3, 4), (2, 3, 2, 1, 2), strides=(1, 2, 1), padding=((0, 0), (1, 1), (1, 0))),
    _conv((3, 4), (2, 4)),
    _conv((4, 4), (6, 2), groups=2),
    _conv((4, 3), (6, 3), batch_groups=2),
]


@pytest.mark.parametrize("args,params", CONVOLUTIONS)
def test_conv_configurations_jvp_vjp(args, params):
    check_jvp_and_vjp(conv_general_dilated_p, args, params)


@pytest.mark.parametrize("args,params", CONVOLUTIONS)
def test_conv_configurations_vmap(args, params):
    check_vmap(conv_general_dilated_p, args, params)


# ---------------------------------------------------------------- dot_general: analytic values

MATMUL = (((1,), (0,)), ((), ()))


def test_matmul_grads_are_the_textbook_formulas():
    a, b, c = _randn((3, 4), np.float32), _randn((4, 5), np.float32), _randn((3, 5), np.float32)
    ga, gb = numax.grad(lambda x, y: _total(lax.dot(x, y) * c), argnums=(0, 1))(a, b)
    np.testing.assert_allclose(ga, c @ b.T, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(gb, a.T @ c, rtol=1e-5, atol=1e-5)


def test_batched_general_contraction_grads_match_einsum():
    # lhs (b, m, k1, k2), rhs (k2, n, b, k1): batch b, contract (k1, k2), free m and n.
    a, b = _randn((2, 3, 4, 5)), _randn((5, 6, 2, 4))
    numbers = (((2, 3), (3, 0)), ((0,), (2,)))
    u = _randn((2, 3, 6))
    with numax.enable_x64():
        out, pullback = numax.vjp(lambda x, y: lax.dot_general(x, y, numbers), a, b)
        ga, gb = pullback(u)
    np.testing.assert_allclose(out, np.einsum("bmpq,qnbp->bmn", a, b), rtol=1e-12)
    np.testing.assert_allclose(ga, np.einsum("bmn,qnbp->bmpq", u, b), rtol=1e-12)
    np.testing.assert_allclose(gb, np.einsum("bmn,bmpq->qnbp", u, a), rtol=1e-12)


def test_complex_vjp_is_not_conjugated():
    a, b = _randn((2, 3), np.complex128), _randn((3, 4), np.complex128)
    u = _randn((2, 4), np.complex128)
    with numax.enable_x64():
        _, pullback = numax.vjp(lambda x, y: lax.dot(x, y), a, b)
        ga, gb = pullback(u)
    np.testing.assert_allclose(ga, u @ b.T, rtol=1e-12)
    np.testing.assert_allclose(gb, a.T @ u, rtol=1e-12)


def test_real_operand_of_complex_product_gets_real_cotangent():
    a, b = _randn((2, 3)), _randn((3, 4), np.complex128)
    u = _randn((2, 4), np.complex128)
    with numax.enable_x64():
        _, pullback = numax.vjp(lambda x: lax.dot(x, b), a)
        (ga,) = pullback(u)
    assert np.asarray(ga).dtype == np.float64
    np.testing.assert_allclose(ga, (u @ b.T).real, rtol=1e-12)


def test_preferred_element_type_cotangents_have_operand_dtypes():
    a = _randn((3, 4)).astype(dtypes.bfloat16)
    b = _randn((4, 2)).astype(dtypes.bfloat16)
    f = lambda x, y: _total(lax.dot(x, y, preferred_element_type=np.float32))  # noqa: E731
    ga, gb = numax.grad(f, argnums=(0, 1))(a, b)
    assert np.asarray(ga).dtype == dtypes.bfloat16 and np.asarray(gb).dtype == dtypes.bfloat16
    a64, b64 = a.astype(np.float64), b.astype(np.float64)
    np.testing.assert_allclose(np.asarray(ga, np.float64), np.ones((3, 2)) @ b64.T, rtol=1e-2)
    np.testing.assert_allclose(np.asarray(gb, np.float64), a64.T @ np.ones((3, 2)), rtol=1e-2)


def test_integer_operand_of_mixed_product():
    a = rng.integers(-3, 4, (3, 4)).astype(np.int8)
    b, u = _randn((4, 2), np.float32), _randn((3, 2), np.float32)
    _, pullback = numax.vjp(lambda y: lax.dot(a, y), b)
    (gb,) = pullback(u)
    np.testing.assert_allclose(gb, a.astype(np.float32).T @ u, rtol=1e-5, atol=1e-5)


def test_integer_result_has_zero_tangent():
    a, b = _randn((2, 3), np.float32), _randn((3, 2), np.float32)
    f = lambda x: lax.dot(x, b, preferred_element_type=np.int32)  # noqa: E731
    out, tangent = numax.jvp(f, (a,), (np.ones_like(a),))
    assert np.asarray(out).dtype == np.int32
    assert not np.any(np.asarray(tangent).astype(bool))


def test_grad_of_composition_matches_finite_differences():
    a, w1, w2 = _randn((4, 3)), _randn((3, 5)), _randn((5, 2))

    def loss(w1, w2):
        h = numax.numpy.sin(lax.dot(a, w1))
        out = lax.dot(h, w2)
        return _total(out * out)
    with numax.enable_x64():
        g1, g2 = numax.grad(loss, argnums=(0, 1))(w1, w2)
        for g, which in ((g1, 0), (g2, 1)):
            direction = _randn(g.shape)
            eps = 1e-6
            args_plus, args_minus = [w1, w2], [w1, w2]
            args_plus[which] = args_plus[which] + eps * direction
            args_minus[which] = args_minus[which] - eps * direction
            numeric = (float(loss(*args_plus)) - float(loss(*args_minus))) / (2 * eps)
            np.testing.assert_allclose(np.sum(np.asarray(g) * direction), numeric, rtol=1e-6)


def test_matmul_grad_and_single_operand_vmap_emit_no_transpose():
    """The rules put results straight into the operand's layout for matmuls."""
    a, b = np.ones((3, 4), np.float32), np.ones((4, 5), np.float32)
    grad_program = str(numax.make_jaxpr(numax.grad(
        lambda x, y: _total(lax.dot(x, y)), argnums=(0, 1)))(a, b))
    assert "dot_general" in grad_program and "transpose" not in grad_program
    xs = np.ones((3, 7, 4), np.float32)
    vmap_program = str(numax.make_jaxpr(
        numax.vmap(lambda x: lax.dot(x, b), in_axes=1, out_axes=1))(xs))
    assert "transpose" not in vmap_program


# ---------------------------------------------------------------- dot_general: vmap

def test_vmap_matmul_batch_axis_in_the_middle():
    a, b = _randn((3, 5, 4), np.float32), _randn((4, 5, 2), np.float32)
    out = numax.vmap(lax.dot, in_axes=(1, 1))(a, b)
    expected = np.stack([a[:, i] @ b[:, i] for i in range(5)])
    np.testing.assert_allclose(out, expected, rtol=1e-5, atol=1e-5)
    out = numax.vmap(lax.dot, in_axes=(1, None), out_axes=1)(a, b[:, 0])
    expected = np.stack([a[:, i] @ b[:, 0] for i in range(5)], axis=1)
    np.testing.assert_allclose(out, expected, rtol=1e-5, atol=1e-5)


def test_nested_vmap_of_batched_dot_general():
    numbers = (((2,), (1,)), ((0,), (0,)))  # (b, m, k) x (b, k, n)
    a, b = _randn((2, 3, 5, 7, 4), np.float32), _randn((5, 3, 4, 6, 2), np.float32)
    f = numax.vmap(numax.vmap(lambda x, y: lax.dot_general(x, y, numbers), in_axes=(1, 0)),
                   in_axes=(0, 4))
    out = f(a, b)
    expected = np.stack([np.stack([np.einsum("bmk,bkn->bmn", a[i, :, j], b[j, ..., i])
                                   for j in range(5)]) for i in range(2)])
    np.testing.assert_allclose(out, expected, rtol=1e-5, atol=1e-5)


def test_grad_of_vmap_and_vmap_of_grad_for_dot():
    a, b = _randn((5, 3, 4), np.float32), _randn((4,), np.float32)

    def loss(x, y):
        return _total(numax.numpy.sin(lax.dot(x, y)))

    def loss_np_grad(x, y):  # d/dy sum(sin(x @ y)) = x^T cos(x @ y)
        return x.T @ np.cos(x @ y)
    per_example = numax.vmap(numax.grad(loss, argnums=1), in_axes=(0, None))(a, b)
    expected = np.stack([loss_np_grad(a[i], b) for i in range(5)])
    np.testing.assert_allclose(per_example, expected, rtol=1e-4, atol=1e-4)
    total = numax.grad(lambda y: _total(numax.vmap(loss, in_axes=(0, None))(a, y)))(b)
    np.testing.assert_allclose(total, expected.sum(0), rtol=1e-4, atol=1e-4)
    jitted = numax.jit(numax.vmap(numax.grad(loss), in_axes=(1, None)))(a, b)
    expected = np.stack([np.outer(np.cos(a[:, i] @ b), b) for i in range(3)])
    np.testing.assert_allclose(jitted, expected, rtol=1e-4, atol=1e-4)


# ---------------------------------------------------------------- conv: compositions

def test_conv_input_gradient_is_conv_transpose_with_flipped_kernel():
    """lax.conv_transpose(transpose_kernel=True) is documented as the gradient of the
    corresponding strided 'SAME' convolution with respect to its input."""
    x, w = _randn((1, 8, 8, 2), np.float32), _randn((3, 3, 2, 4), np.float32)
    numbers = ("NHWC", "HWIO", "NHWC")
    ct = _randn((1, 4, 4, 4), np.float32)
    _, pullback = numax.vjp(
        lambda v: lax.conv_general_dilated(v, w, (2, 2), "SAME", dimension_numbers=numbers), x)
    (gx,) = pullback(ct)
    expected = lax.conv_transpose(ct, w, (2, 2), "SAME", dimension_numbers=numbers,
                                  transpose_kernel=True)
    np.testing.assert_allclose(gx, expected, rtol=1e-4, atol=1e-4)


def test_grad_of_small_conv_net_matches_finite_differences():
    x = _randn((2, 3, 6, 6))
    w1, w2 = _randn((4, 3, 3, 3)), _randn((4, 2, 2, 2))

    def loss(w1, w2):
        h = lax.conv_general_dilated(x, w1, (1, 1), "SAME")
        h = numax.numpy.sin(h)
        h = lax.conv_general_dilated(h, w2, (2, 2), ((0, 1), (1, 0)), rhs_dilation=(1, 2),
                                     feature_group_count=2)
        return _total(h * h)
    with numax.enable_x64():
        g1, g2 = numax.grad(loss, argnums=(0, 1))(w1, w2)
        for g, which in ((g1, 0), (g2, 1)):
            direction = _randn(g.shape)
            eps = 1e-6
            args_plus, args_minus = [w1, w2], [w1, w2]
            args_plus[which] = args_plus[which] + eps * direction
            args_minus[which] = args_minus[which] - eps * direction
            numeric = (float(loss(*args_plus)) - float(loss(*args_minus))) / (2 * eps)
            np.testing.assert_allclose(np.sum(np.asarray(g) * direction), numeric, rtol=1e-6)


def test_conv_bfloat16_preferred_float32_cotangents():
    x = _randn((1, 2, 5, 5)).astype(dtypes.bfloat16)
    w = _randn((3, 2, 3, 3)).astype(dtypes.bfloat16)

    def loss(x, w):
        return _total(lax.conv_general_dilated(x, w, (1, 1), "VALID",
                                               preferred_element_type=np.float32))
    gx, gw = numax.grad(loss, argnums=(0, 1))(x, w)
    assert np.asarray(gx).dtype == dtypes.bfloat16 and np.asarray(gw).dtype == dtypes.bfloat16
    with numax.enable_x64():
        gx64, gw64 = numax.grad(
            lambda a, b: _total(lax.conv_general_dilated(a, b, (1, 1), "VALID")), argnums=(0, 1))(
            np.asarray(x, np.float64), np.asarray(w, np.float64))
    np.testing.assert_allclose(np.asarray(gx, np.float64), gx64, rtol=2e-2, atol=5e-2)
    np.testing.assert_allclose(np.asarray(gw, np.float64), gw64, rtol=2e-2, atol=5e-2)


def test_vmap_conv_over_per_example_kernels_in_the_middle():
    x = _randn((2, 3, 5, 4), np.float32)       # batch of 4 inputs on the last axis
    w = _randn((2, 4, 3, 2), np.float32)       # batch of 4 kernels on axis 1
    f = numax.vmap(lambda a, b: lax.conv_general_dilated(a, b, (1,), ((1, 0),)),
                   in_axes=(3, 1), out_axes=2)
    out = f(x, w)
    expected = np.stack([np.asarray(lax.conv_general_dilated(x[..., i], w[:, i], (1,),
                                                             ((1, 0),))) for i in range(4)],
                        axis=2)
    np.testing.assert_allclose(out, expected, rtol=1e-5, atol=1e-5)


def test_per_example_conv_gradients_vmap_of_grad_and_grad_of_vmap():
    xs = _randn((4, 1, 2, 6), np.float32)      # 4 examples, each (1, 2, 6)
    w = _randn((3, 2, 3), np.float32)

    def loss(w, x):
        return _total(numax.numpy.sin(lax.conv_general_dilated(x, w, (2,), ((1, 1),))))
    per_example = numax.vmap(numax.grad(loss), in_axes=(None, 0))(w, xs)
    looped = np.stack([np.asarray(numax.grad(loss)(w, xs[i])) for i in range(4)])
    np.testing.assert_allclose(per_example, looped, rtol=1e-5, atol=1e-5)
    total = numax.grad(lambda w: _total(numax.vmap(loss, in_axes=(None, 0))(w, xs)))(w)
    np.testing.assert_allclose(total, looped.sum(0), rtol=1e-4, atol=1e-4)
    input_grads = numax.jit(numax.vmap(numax.grad(loss, argnums=1), in_axes=(None, 2)))(
        w, np.moveaxis(xs, 0, 2))
    looped = np.stack([np.asarray(numax.grad(loss, argnums=1)(w, xs[i])) for i in range(4)])
    np.testing.assert_allclose(input_grads, looped, rtol=1e-5, atol=1e-5)
