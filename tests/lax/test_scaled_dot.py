"""lax.scaled_dot against NumPy: scales repeated along contracting dims (np.repeat),
products rounded to bfloat16 (ml_dtypes) as JAX 0.10.2's decomposition does, then a
dot accumulated in float64 and compared at the result dtype's precision."""

import ml_dtypes
import numpy as np
import pytest

import numax
from numax import lax

BF16 = ml_dtypes.bfloat16
rng = np.random.default_rng(0)


def _reference(lhs, rhs, lhs_scale, rhs_scale, spec, lhs_axes, rhs_axes):
    def scaled(x, scale, axes):
        x = x.astype(BF16)
        if scale is not None:
            for axis in axes:
                scale = np.repeat(scale, x.shape[axis] // scale.shape[axis], axis=axis)
            x = (x * scale.astype(BF16)).astype(BF16)
        return x.astype(np.float64)
    return np.einsum(spec, scaled(lhs, lhs_scale, lhs_axes), scaled(rhs, rhs_scale, rhs_axes))


@pytest.mark.parametrize("preferred, tol", [(None, 2e-2), (np.float32, 1e-5), (np.float16, 5e-3)])
def test_batched_default_dimension_numbers(preferred, tol):
    lhs, rhs = rng.standard_normal((2, 4, 8)), rng.standard_normal((2, 8, 3))
    ls, rs = rng.uniform(1, 2, (2, 4, 2)), rng.uniform(1, 2, (2, 2, 3))
    args = [a.astype(np.float32) for a in (lhs, rhs, ls, rs)]
    out = lax.scaled_dot(args[0], args[1], lhs_scale=args[2], rhs_scale=args[3],
                         preferred_element_type=preferred)
    assert out.dtype == (BF16 if preferred is None else preferred) and out.shape == (2, 4, 3)
    expected = _reference(*args, "bmk,bkn->bmn", (2,), (1,))
    np.testing.assert_allclose(np.asarray(out, np.float64), expected, rtol=tol, atol=tol)


def test_unbatched_one_scale_explicit_dimension_numbers_and_jit():
    lhs = rng.standard_normal((6, 5)).astype(np.float32)   # contracting dim 0 of lhs
    rhs = rng.standard_normal((3, 6)).astype(np.float32)   # contracting dim 1 of rhs
    rs = rng.uniform(1, 2, (3, 2)).astype(np.float32)
    dn = (((0,), (1,)), ((), ()))
    out = numax.jit(lambda a, b, s: lax.scaled_dot(a, b, rhs_scale=s, dimension_numbers=dn,
                                                   preferred_element_type=np.float32))(lhs, rhs, rs)
    # Compiled as one program, XLA may keep the bfloat16 products in float32 (as under JAX's
    # jit), so the tolerance is bfloat16's.
    np.testing.assert_allclose(out, _reference(lhs, rhs, None, rs, "km,nk->mn", (), (1,)),
                               rtol=2e-2, atol=2e-2)


def test_two_contracting_dims():
    lhs, rhs = rng.standard_normal((2, 4, 2, 4)), rng.standard_normal((2, 2, 4, 3))
    ls, rs = rng.uniform(1, 2, (2, 4, 1, 2)), rng.uniform(1, 2, (2, 1, 2, 3))
    args = [a.astype(np.float32) for a in (lhs, rhs, ls, rs)]
    out = lax.scaled_dot(args[0], args[1], lhs_scale=args[2], rhs_scale=args[3],
                         dimension_numbers=(((2, 3), (1, 2)), ((0,), (0,))),
                         preferred_element_type=np.float32)
    np.testing.assert_allclose(out, _reference(*args, "bmpq,bpqn->bmn", (2, 3), (1, 2)),
                               rtol=1e-5, atol=1e-5)


def test_differentiable_through_its_composition():
    lhs = rng.standard_normal((3, 4)).astype(np.float32)
    rhs = rng.standard_normal((4, 2)).astype(np.float32)
    grad = numax.grad(lambda a: lax.scaled_dot(a, rhs, preferred_element_type=np.float32).sum())(lhs)
    expected = np.broadcast_to(rhs.astype(BF16).astype(np.float32).sum(1), lhs.shape)
    np.testing.assert_allclose(grad, expected, rtol=1e-2)


@pytest.mark.parametrize("kwargs, shapes, error", [
    (dict(lhs_scale=(2, 4, 3)), None, "divisible"),
    (dict(lhs_scale=(2, 2, 2)), None, "does not match"),
    (dict(lhs_scale=(2, 4, 8)), None, "at least 2"),
    (dict(lhs_scale=(2, 4, 1, 2)), None, "same rank"),
    (dict(preferred_element_type=np.int32), None, "floating-point"),
    ({}, ((8,), (8, 3)), "0-rank and 1-rank"),
    (dict(rhs_scale=(1, 2, 3)), None, "batch dimension"),
])
def test_shape_errors(kwargs, shapes, error):
    lhs_shape, rhs_shape = shapes or ((2, 4, 8), (2, 8, 3))
    kwargs = {k: (np.ones(v, np.float32) if k.endswith("scale") else v) for k, v in kwargs.items()}
    with pytest.raises(TypeError, match=error):
        lax.scaled_dot(np.ones(lhs_shape, np.float32), np.ones(rhs_shape, np.float32), **kwargs)
