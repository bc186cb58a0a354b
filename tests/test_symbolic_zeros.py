"""custom_jvp / custom_vjp with symbolic_zeros=True: what the user's rules receive
(SymbolicZero, CustomVJPPrimal), what they may return, and that derivatives stay right
(against hand-derived NumPy formulas) under grad, jit, vmap and pytree arguments."""

import numpy as np
import pytest

import numax
import numax.numpy as jnp
from numax.custom_derivatives import (CustomVJPPrimal, SymbolicZero, custom_vjp_primal_tree_values,
                                      zero_from_primal)


def _product_with_jvp(seen, symbolic_zeros=True):
    """x * y with a JVP rule that records what it receives and skips symbolic zeros."""
    @numax.custom_jvp
    def product(x, y):
        return x * y

    def product_jvp(primals, tangents):
        seen.append(tangents)
        (x, y), (tx, ty) = primals, tangents
        terms = [t * other for t, other in ((tx, y), (ty, x)) if not isinstance(t, SymbolicZero)]
        return x * y, sum(terms) if terms else jnp.zeros_like(x * y)

    product.defjvp(product_jvp, symbolic_zeros=symbolic_zeros)
    return product


X = np.array([0.5, -1.25, 2.0], np.float32)
Y = np.array([3.0, 0.75, -0.5], np.float32)


def test_jvp_rule_receives_symbolic_zero_for_the_undifferentiated_argument():
    seen = []
    product = _product_with_jvp(seen)
    grad_x = numax.grad(lambda x, y: jnp.sum(product(x, y)))(X, Y)
    np.testing.assert_allclose(grad_x, Y)
    tx, ty = seen[-1]
    assert not isinstance(tx, SymbolicZero)
    assert isinstance(ty, SymbolicZero)
    assert ty.shape == Y.shape and ty.dtype == Y.dtype and ty.aval.shape == Y.shape
    grad_y = numax.grad(lambda x, y: jnp.sum(product(x, y)), argnums=1)(X, Y)
    np.testing.assert_allclose(grad_y, X)
    assert isinstance(seen[-1][0], SymbolicZero) and not isinstance(seen[-1][1], SymbolicZero)


def test_without_symbolic_zeros_the_rule_receives_materialised_zeros():
    seen = []
    product = _product_with_jvp(seen, symbolic_zeros=False)
    np.testing.assert_allclose(numax.grad(lambda x: jnp.sum(product(x, Y)))(X), Y)
    ty = seen[-1][1]
    assert not isinstance(ty, SymbolicZero)
    np.testing.assert_array_equal(np.asarray(ty), np.zeros_like(Y))


def test_symbolic_zeros_under_jit_vmap_and_forward_mode():
    seen = []
    product = _product_with_jvp(seen)
    np.testing.assert_allclose(numax.jit(numax.grad(lambda x: jnp.sum(product(x, Y))))(X), Y)
    assert isinstance(seen[-1][1], SymbolicZero)
    per_example = numax.vmap(numax.grad(lambda x, y: product(x, y)))(X, Y)
    np.testing.assert_allclose(per_example, Y)
    assert isinstance(seen[-1][1], SymbolicZero) and seen[-1][1].shape == ()  # per example
    _, tangent = numax.jvp(lambda x: product(x, Y), (X,), (np.ones_like(X),))
    np.testing.assert_allclose(tangent, Y)
    assert isinstance(seen[-1][1], SymbolicZero)


def test_integer_argument_gets_float0_symbolic_zero():
    seen = []

    @numax.custom_jvp
    def scale(x, n):
        return x * n

    def scale_jvp(primals, tangents):
        seen.append(tangents)
        return scale(*primals), tangents[0] * primals[1]

    scale.defjvp(scale_jvp, symbolic_zeros=True)
    np.testing.assert_allclose(numax.grad(lambda x: jnp.sum(scale(x, 3)))(X), np.full(3, 3.0))
    assert isinstance(seen[-1][1], SymbolicZero) and seen[-1][1].dtype == numax.dtypes.float0


def test_pytree_arguments_get_symbolic_zero_leaves():
    seen = []

    @numax.custom_jvp
    def weighted(params):
        return jnp.sum(params["a"] * params["b"])

    def weighted_jvp(primals, tangents):
        (params,), (dparams,) = primals, tangents
        seen.append(dparams)
        return weighted(params), jnp.sum(dparams["a"] * params["b"])

    weighted.defjvp(weighted_jvp, symbolic_zeros=True)
    grad = numax.grad(lambda a: weighted({"a": a, "b": Y}))(X)
    np.testing.assert_allclose(grad, Y)
    assert not isinstance(seen[-1]["a"], SymbolicZero) and isinstance(seen[-1]["b"], SymbolicZero)


@pytest.mark.parametrize("symbolic_zeros", [True, False])
def test_jvp_rule_may_return_a_symbolic_zero(symbolic_zeros):
    @numax.custom_jvp
    def frozen_sin(x):
        return jnp.sin(x)

    frozen_sin.defjvp(lambda p, t: (jnp.sin(p[0]), zero_from_primal(p[0], symbolic_zeros=True)),
                      symbolic_zeros=symbolic_zeros)
    out, tangent = numax.jvp(frozen_sin, (X,), (np.ones_like(X),))
    np.testing.assert_allclose(out, np.sin(X), rtol=1e-6)
    np.testing.assert_array_equal(tangent, np.zeros_like(X))
    np.testing.assert_array_equal(numax.grad(lambda x: jnp.sum(frozen_sin(x)))(X), np.zeros(3))


def test_symbolic_zero_holds_no_data():
    zero = SymbolicZero.from_primal_value(jnp.ones((2, 3)))
    assert zero.shape == (2, 3) and zero.dtype == np.float32
    assert numax.tree_util.tree_leaves([zero]) == [zero]  # a leaf, as in JAX
    with pytest.raises(TypeError):
        zero + 1
    with pytest.raises(TypeError, match="symbolic zero"):
        jnp.sin(zero)
    with pytest.raises(TypeError, match="symbolic zero"):
        np.asarray(zero)


def test_zero_from_primal():
    tree = {"f": jnp.ones(2), "i": jnp.ones(3, jnp.int32)}
    zeros = zero_from_primal(tree)
    np.testing.assert_array_equal(zeros["f"], np.zeros(2, np.float32))
    assert zeros["i"].dtype == numax.dtypes.float0 and zeros["i"].shape == (3,)
    symbolic = zero_from_primal(tree, symbolic_zeros=True)
    assert isinstance(symbolic["f"], SymbolicZero) and symbolic["f"].shape == (2,)
    assert symbolic["i"].dtype == numax.dtypes.float0


# ---------------------------------------------------------------- custom_vjp

def _sum_and_product(seen, bwd=None):
    """(x + y, x * y) with symbolic-zero-aware rules that record what they receive."""
    @numax.custom_vjp
    def sum_and_product(x, y):
        return x + y, x * y

    def fwd(x, y):
        seen.append(("fwd", x, y))
        return sum_and_product(x.value, y.value), (x.value, y.value)

    def default_bwd(residuals, cts):
        seen.append(("bwd", cts))
        (x, y), (ct_sum, ct_product) = residuals, cts
        ct_x = ct_y = 0.0
        if not isinstance(ct_sum, SymbolicZero):
            ct_x, ct_y = ct_x + ct_sum, ct_y + ct_sum
        if not isinstance(ct_product, SymbolicZero):
            ct_x, ct_y = ct_x + ct_product * y, ct_y + ct_product * x
        return ct_x, ct_y

    sum_and_product.defvjp(fwd, bwd or default_bwd, symbolic_zeros=True)
    return sum_and_product


def test_fwd_receives_custom_vjp_primals_with_perturbed_flags():
    seen = []
    f = _sum_and_product(seen)
    grad = numax.grad(lambda x: jnp.sum(f(x, Y)[1]))(X)
    np.testing.assert_allclose(grad, Y)
    _, x, y = seen[0]
    assert isinstance(x, CustomVJPPrimal) and isinstance(y, CustomVJPPrimal)
    assert x.perturbed and not y.perturbed
    np.testing.assert_array_equal(x.value, X)
    grads = numax.grad(lambda x, y: jnp.sum(f(x, y)[1]), argnums=(0, 1))(X, Y)
    assert seen[-2][1].perturbed and seen[-2][2].perturbed
    np.testing.assert_allclose(grads[1], X)


def test_bwd_receives_symbolic_zero_for_unused_outputs():
    seen = []
    f = _sum_and_product(seen)
    np.testing.assert_allclose(numax.grad(lambda x: jnp.sum(f(x, Y)[0]))(X), np.ones(3))
    ct_sum, ct_product = seen[-1][1]
    assert not isinstance(ct_sum, SymbolicZero)
    assert isinstance(ct_product, SymbolicZero) and ct_product.shape == X.shape
    np.testing.assert_allclose(numax.grad(lambda x: jnp.sum(f(x, Y)[1]))(X), Y)
    assert isinstance(seen[-1][1][0], SymbolicZero)


def test_custom_vjp_symbolic_zeros_under_jit_and_vmap():
    seen = []
    f = _sum_and_product(seen)
    both = lambda x: jnp.sum(f(x, Y)[0] + 2 * f(x, Y)[1])  # noqa: E731
    np.testing.assert_allclose(numax.jit(numax.grad(both))(X), 1 + 2 * Y, rtol=1e-6)
    per_example = numax.vmap(numax.grad(lambda x, y: f(x, y)[1]))(X, Y)
    np.testing.assert_allclose(per_example, Y)
    ct_sum = seen[-1][1][0]
    assert isinstance(ct_sum, SymbolicZero) and ct_sum.shape == ()  # per example
    np.testing.assert_allclose(numax.grad(lambda x: jnp.sum(numax.jit(f)(x, Y)[1]))(X), Y)


@pytest.mark.parametrize("zero", ["symbolic", "none"])
def test_bwd_may_return_symbolic_zero_or_none(zero):
    seen = []

    def bwd(residuals, cts):
        (x, y), (_, ct_product) = residuals, cts
        if zero == "symbolic":
            return ct_product * y, SymbolicZero(numax.core.ShapedArray(y.shape, y.dtype))
        return ct_product * y, None

    f = _sum_and_product(seen, bwd)
    gx, gy = numax.grad(lambda x, y: jnp.sum(f(x, y)[1]), argnums=(0, 1))(X, Y)
    np.testing.assert_allclose(gx, Y)
    np.testing.assert_array_equal(gy, np.zeros(3))


def test_integer_and_pytree_arguments_of_custom_vjp():
    seen = []

    @numax.custom_vjp
    def scaled(params, n):
        return params["w"] * params["b"] * n

    def fwd(params, n):
        seen.append((params, n))
        values = custom_vjp_primal_tree_values(params)
        return scaled(values, n.value), (values, n.value)

    def bwd(residuals, ct):
        values, n = residuals
        return {"w": ct * values["b"] * n, "b": ct * values["w"] * n}, None

    scaled.defvjp(fwd, bwd, symbolic_zeros=True)
    grad = numax.grad(lambda w: jnp.sum(scaled({"w": w, "b": Y}, 3)))(X)
    np.testing.assert_allclose(grad, 3 * Y, rtol=1e-6)
    params, n = seen[-1]
    assert params["w"].perturbed and not params["b"].perturbed and not n.perturbed
    assert int(n.value) == 3


def test_custom_vjp_primal_tree_values_rejects_other_leaves():
    tree = {"a": CustomVJPPrimal(1.0, True), "b": [CustomVJPPrimal(2, False)]}
    assert custom_vjp_primal_tree_values(tree) == {"a": 1.0, "b": [2]}
    with pytest.raises(TypeError, match="CustomVJPPrimal leaves"):
        custom_vjp_primal_tree_values([1.0])


def test_python_scalar_residuals_reach_bwd_as_arrays():
    @numax.custom_vjp
    def product(x, y):
        return x * y

    product.defvjp(lambda x, y: (product(x, y), (x, y)),
                   lambda residuals, ct: (ct * residuals[1], 2.0 * residuals[0] * ct))
    np.testing.assert_allclose(numax.grad(product, argnums=(0, 1))(2.0, 3.0), (3.0, 4.0))


@pytest.mark.parametrize("symbolic_zeros", [True, False])
def test_grad_of_a_later_argument_only(symbolic_zeros):
    """Only the second argument is perturbed: bwd's answer for it must land on it."""
    @numax.custom_vjp
    def product(x, y):
        return x * y

    def fwd(x, y):
        if symbolic_zeros:
            x, y = x.value, y.value
        return product(x, y), (x, y)

    product.defvjp(fwd, lambda residuals, ct: (ct * residuals[1], ct * residuals[0]),
                   symbolic_zeros=symbolic_zeros)
    np.testing.assert_allclose(numax.grad(lambda y: jnp.sum(product(X, y)))(Y), X)
    per_example = numax.vmap(numax.grad(product, argnums=1))(X, Y)
    np.testing.assert_allclose(per_example, X)
