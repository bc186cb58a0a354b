"""Differentiation and batching rules of the reduction-like families: reductions, argmax,
the generic reduce, cumulative reductions, windowed reductions (with select_and_gather_add
and select_and_scatter_add), sort and top_k.

Derivatives are compared with analytic values computed in NumPy (products of the other
elements, averaged ties, permutation matrices, window memberships enumerated by loops) and
with central finite differences in float64; VJPs with the adjoint identity; vmap with
Python loops (batch axes in the middle, unbatched operands); and compositions (grad of
vmap, vmap of grad, jit of grad). The registry-wide checkers only take the first examples
of each primitive; here every finite example goes through the same JVP/VJP checks.
"""

import numpy as np
import pytest

import numax
from numax import lax
from numax.core import dtypes
from numax.core.primitive import registry
from numax.lax.windowed import (reduce_window_max, reduce_window_min, reduce_window_sum,
                                select_and_gather_add_p, select_and_scatter_add_p)

rng = np.random.default_rng(7)


@pytest.fixture(autouse=True)
def x64():
    with numax.enable_x64():
        yield


def _randn(*shape):
    return rng.standard_normal(shape)


def _numeric_jacobian(f, x, eps=1e-6):
    """d f(x) / d x by central differences: shape f(x).shape + x.shape."""
    x = np.asarray(x, np.float64)
    out_shape = np.shape(np.asarray(f(x)))
    jac = np.zeros(out_shape + x.shape)
    for index in np.ndindex(*x.shape):
        step = np.zeros_like(x)
        step[index] = eps
        jac[(Ellipsis,) + index] = (np.asarray(f(x + step)) - np.asarray(f(x - step))) / (2 * eps)
    return jac


def _numeric_grad(f, x, eps=1e-6):
    return _numeric_jacobian(lambda v: np.sum(np.asarray(f(v))), x, eps)


def _jacobians(f, x):
    """Forward- and reverse-mode Jacobians of f at x (both routes must agree), each as one
    compiled program (eager differentiation compiles every op on its own, which is slow;
    the registry-wide checkers and the example checks below cover the eager route)."""
    return np.asarray(numax.jit(numax.jacfwd(f))(x)), np.asarray(numax.jit(numax.jacrev(f))(x))


def _check_jacobian(f, x, expected, tol=1e-9):
    forward, reverse = _jacobians(f, x)
    np.testing.assert_allclose(forward, expected, rtol=tol, atol=tol, err_msg="jacfwd")
    np.testing.assert_allclose(reverse, expected, rtol=tol, atol=tol, err_msg="jacrev")


# ---------------------------------------------------------------- every declared example

def _widen(x):
    x = np.asarray(x)
    if x.dtype in (np.float16, np.float32) or x.dtype == dtypes.bfloat16:
        return x.astype(np.float64)
    if x.dtype == np.complex64:
        return x.astype(np.complex128)
    return x


MY_PRIMITIVES = ("reduce_sum", "reduce_prod", "reduce_max", "reduce_min", "cumsum", "cumprod",
                 "cummax", "cummin", "cumlogsumexp", "reduce_window_sum", "reduce_window_max",
                 "reduce_window_min", "select_and_gather_add", "select_and_scatter_add",
                 "sort", "top_k")


def _ties_in_float_keys(args, params):
    for key in args[:params["num_keys"]]:
        key = np.asarray(key)
        if dtypes.is_inexact(key.dtype):
            real = np.moveaxis(key.real, params["dimension"], -1)
            if any(len(np.unique(row)) < len(row) for row in real.reshape(-1, real.shape[-1])):
                return True
    return False


def _finite_examples():
    import numax.lax  # noqa: F401
    for name in MY_PRIMITIVES:
        primitive = registry[name]
        for i, (args, params) in enumerate(primitive.examples()):
            floats = [a for a in args if dtypes.is_inexact(np.asarray(a).dtype)]
            if not floats or not all(np.isfinite(a).all() for a in floats):
                continue
            if name == "sort" and _ties_in_float_keys(args, params):
                continue  # the sort order jumps under any perturbation: not differentiable
            out = primitive.bind(*args, **params)
            outs = out if isinstance(out, (list, tuple)) else [out]
            if not all(np.isfinite(np.asarray(o)).all() for o in outs
                       if dtypes.is_inexact(np.asarray(o).dtype)):
                continue
            yield pytest.param(primitive, args, params, id=f"{name}-{i}")


@pytest.mark.parametrize("primitive,args,params", list(_finite_examples()))
def test_every_finite_example_jvp_and_adjoint(primitive, args, params):
    args = [_widen(a) for a in args]
    positions = [i for i, a in enumerate(args) if dtypes.is_inexact(a.dtype)]

    def f(*diff):
        full = list(args)
        for i, v in zip(positions, diff):
            full[i] = v
        out = primitive.bind(*full, **params)
        return [o for o in (out if isinstance(out, (list, tuple)) else [out])
                if dtypes.is_inexact(o.dtype)]

    primals = [args[i] for i in positions]
    tangents = [(rng.standard_normal(p.shape) + (1j * rng.standard_normal(p.shape)
                                                 if np.iscomplexobj(p) else 0)).astype(p.dtype)
                for p in primals]
    outs, out_tangents = numax.jvp(f, tuple(primals), tuple(tangents))
    eps = 1e-6
    plus = f(*[p + eps * t for p, t in zip(primals, tangents)])
    minus = f(*[p - eps * t for p, t in zip(primals, tangents)])
    for tangent, hi, lo in zip(out_tangents, plus, minus):
        numeric = (np.asarray(hi) - np.asarray(lo)) / (2 * eps)
        np.testing.assert_allclose(np.asarray(tangent), numeric, rtol=1e-5, atol=1e-5)
    _, pullback = numax.vjp(f, *primals)
    cts = [(rng.standard_normal(np.shape(o)) + (1j * rng.standard_normal(np.shape(o))
                                               if np.iscomplexobj(o) else 0)).astype(
        np.asarray(o).dtype) for o in outs]
    back = pullback(cts)
    lhs = sum(np.sum(c * np.asarray(t)) for c, t in zip(cts, out_tangents))
    rhs = sum(np.sum(np.asarray(b) * t) for b, t in zip(back, tangents))
    np.testing.assert_allclose(lhs, rhs, rtol=1e-9, atol=1e-9)


# ---------------------------------------------------------------- monoid reductions

@pytest.mark.parametrize("shape,axes", [((5,), (0,)), ((2, 3, 4), (0, 2)), ((2, 3), ()),
                                        ((0, 3), (0,))])
def test_reduce_sum_gradient_is_ones_and_vjp_broadcasts(shape, axes):
    x = _randn(*shape)
    grad = numax.grad(lambda v: lax.reduce_sum(lax.reduce_sum(v, axes),
                                               tuple(range(len(shape) - len(axes)))))(x)
    np.testing.assert_array_equal(np.asarray(grad), np.ones(shape))
    out_shape = tuple(d for i, d in enumerate(shape) if i not in axes)
    ct = _randn(*out_shape)
    _, pullback = numax.vjp(lambda v: lax.reduce_sum(v, axes), x)
    expected = np.broadcast_to(np.expand_dims(ct, axes), shape)
    np.testing.assert_allclose(np.asarray(pullback(ct)[0]), expected)


def test_reduce_sum_complex_vjp_does_not_conjugate():
    x = (_randn(3, 2) + 1j * _randn(3, 2))
    ct = np.array([1 + 2j, -0.5j])
    _, pullback = numax.vjp(lambda v: lax.reduce_sum(v, (0,)), x)
    np.testing.assert_allclose(np.asarray(pullback(ct)[0]), np.broadcast_to(ct, (3, 2)))


def _product_of_others(x):
    out = np.empty_like(x)
    for i in range(x.size):
        out.flat[i] = np.prod(np.delete(x.ravel(), i))
    return out


@pytest.mark.parametrize("x", [np.array([2.0, 0.0, 3.0, -1.5]), np.array([0.0, 4.0, 0.0]),
                               np.array([0.0]), np.array([1.5, -2.0, 0.5])])
def test_reduce_prod_gradient_with_zeros(x):
    grad = numax.grad(lambda v: lax.reduce_prod(v, (0,)))(x)
    np.testing.assert_allclose(np.asarray(grad), _product_of_others(x), rtol=1e-12, atol=0)


def test_reduce_prod_over_several_axes_with_zeros():
    x = rng.uniform(0.5, 1.5, (2, 3, 4))
    x[0, 1, 2] = 0.0
    x[1, 2, 0] = 0.0
    x[1, 0, 3] = 0.0  # two zeros in one group
    expected = np.zeros((3,) + x.shape)  # the groups are x[:, j, :]
    for j in range(3):
        expected[j, :, j, :] = _product_of_others(x[:, j, :])
    _check_jacobian(lambda v: lax.reduce_prod(v, (0, 2)), x, expected, tol=1e-12)


def test_reduce_prod_second_derivative():
    x = np.array([2.0, 0.0, 3.0])
    hessian = np.asarray(numax.jacfwd(numax.grad(lambda v: lax.reduce_prod(v, (0,))))(x))
    expected = np.array([[0.0, 3.0, 0.0], [3.0, 0.0, 2.0], [0.0, 2.0, 0.0]])
    np.testing.assert_allclose(hessian, expected, atol=1e-12)


@pytest.mark.parametrize("reduce,pick", [(lax.reduce_max, np.max), (lax.reduce_min, np.min)])
def test_reduce_max_min_ties_average(reduce, pick):
    x = np.array([[1.0, 3.0, 3.0, 2.0], [-1.0, -1.0, -1.0, 5.0], [0.0, 7.0, 0.0, 0.0]])
    grad = np.asarray(numax.grad(lambda v: lax.reduce_sum(reduce(v, (1,)), (0,)))(x))
    at = x == pick(x, axis=1, keepdims=True)
    np.testing.assert_allclose(grad, at / at.sum(axis=1, keepdims=True), rtol=1e-12)
    t = _randn(*x.shape)
    _, tangent = numax.jvp(lambda v: reduce(v, (1,)), (x,), (t,))
    np.testing.assert_allclose(np.asarray(tangent), (t * at).sum(1) / at.sum(1), rtol=1e-12)


def test_reduce_max_over_several_axes_against_finite_differences():
    x = _randn(2, 3, 4)
    f = lambda v: lax.reduce_max(v, (0, 2))  # noqa: E731
    _check_jacobian(f, x, _numeric_jacobian(f, x), tol=1e-6)


def test_argmax_and_bitwise_reductions_have_zero_tangents():
    x = _randn(3, 4)
    index, tangent = numax.jvp(lambda v: lax.argmax(v, 1, np.int32), (x,), (np.ones_like(x),))
    np.testing.assert_array_equal(np.asarray(index), np.argmax(x, 1))
    assert np.asarray(tangent).dtype == dtypes.float0
    grad = numax.grad(lambda v: lax.reduce_sum(
        v * lax.convert_element_type(lax.argmin(v, 0, np.int32), np.float64)[None], (0, 1)))(x)
    np.testing.assert_allclose(np.asarray(grad), np.broadcast_to(np.argmin(x, 0), x.shape))


# ---------------------------------------------------------------- the generic reduce

def test_generic_reduce_product_with_zeros():
    x = np.array([[2.0, 0.0, 3.0], [1.5, -2.0, 0.5]])
    f = lambda v: lax.reduce(v, 1.0, lambda a, b: lax.mul(b, a), (1,))  # noqa: E731  (generic)
    forward, reverse = _jacobians(f, x)
    expected = np.zeros((2, 2, 3))
    for i in range(2):
        expected[i, i] = _product_of_others(x[i])
    np.testing.assert_allclose(forward, expected, atol=1e-12)
    np.testing.assert_allclose(reverse, expected, atol=1e-12)


@pytest.mark.parametrize("dimensions", [(0,), (1,), (0, 1), ()])
def test_generic_reduce_two_operands_against_finite_differences(dimensions):
    x, y = _randn(5, 3), rng.uniform(0.5, 1.5, (5, 3))

    def computation(a, b):  # (sum of squares-ish, product): associative and commutative
        return lax.add(a[0], b[0]), lax.mul(a[1], b[1])

    def f(x, y):
        s, p = lax.reduce((x, y), (0.0, 1.0), computation, dimensions)
        return lax.add(s, lax.mul(p, p))

    for argnum, value in ((0, x), (1, y)):
        other = (x, y)[1 - argnum]
        g = (lambda v: f(v, other)) if argnum == 0 else (lambda v: f(other, v))
        _check_jacobian(g, value, _numeric_jacobian(g, value), tol=1e-6)


def test_generic_reduce_init_enters_once():
    # XLA folds the init value in once; the JVP matches the primitive's own differences.
    x = _randn(3, 4)
    f = lambda init: lax.reduce(x, init, lambda a, b: lax.add(b, a), (0, 1))  # noqa: E731
    np.testing.assert_allclose(float(numax.grad(f)(0.0)), _numeric_grad(f, np.array(0.0)),
                               rtol=1e-7)


def test_generic_reduce_vmap_with_batched_init_and_middle_axis():
    x = _randn(4, 3, 5)
    inits = np.zeros(3)
    f = lambda v, init: lax.reduce(v, init, lambda a, b: lax.max(b, a), (1,))  # noqa: E731
    out = numax.vmap(f, in_axes=(1, 0))(x, inits)
    expected = np.stack([np.maximum(np.max(x[:, b, :], axis=1), inits[b]) for b in range(3)])
    np.testing.assert_allclose(np.asarray(out), expected)
    out = numax.vmap(lambda init: f(x[:, 0, :], init))(np.full(3, -np.inf))
    np.testing.assert_allclose(np.asarray(out), np.broadcast_to(x[:, 0, :].max(1), (3, 4)))


# ---------------------------------------------------------------- cumulative reductions

def _cumulative_jacobian(x, reverse, partial):
    """J[i, j] = partial(i, j) for j in the prefix (suffix when reverse) of i, else 0."""
    n = len(x)
    jac = np.zeros((n, n))
    for i in range(n):
        for j in (range(i, n) if reverse else range(i + 1)):
            jac[i, j] = partial(i, j)
    return jac


@pytest.mark.parametrize("reverse", [False, True])
def test_cumsum_vjp_is_the_reverse_cumsum(reverse):
    x = _randn(6)
    _check_jacobian(lambda v: lax.cumsum(v, reverse=reverse), x,
                    _cumulative_jacobian(x, reverse, lambda i, j: 1.0))


@pytest.mark.parametrize("reverse", [False, True])
def test_cumprod_jacobian_with_zeros(reverse):
    x = np.array([1.5, 0.0, -2.0, 0.5, 0.0, 3.0, 1.25])

    def partial(i, j):
        span = range(i, len(x)) if reverse else range(i + 1)
        return np.prod([x[k] for k in span if k != j])
    _check_jacobian(lambda v: lax.cumprod(v, reverse=reverse), x,
                    _cumulative_jacobian(x, reverse, partial))


@pytest.mark.parametrize("n", [1, 2, 7])
@pytest.mark.parametrize("reverse", [False, True])
def test_cumlogsumexp_jacobian_is_stable(n, reverse):
    x = _randn(n) * 3 + np.where(np.arange(n) % 3 == 0, 800.0, 0.0)
    out = np.asarray(lax.cumlogsumexp(x, reverse=reverse))
    _check_jacobian(lambda v: lax.cumlogsumexp(v, reverse=reverse), x,
                    _cumulative_jacobian(x, reverse, lambda i, j: np.exp(x[j] - out[i])),
                    tol=1e-9)


def test_cumlogsumexp_jacobian_at_infinities():
    # exp(x_j - out_i) where finite; where both sides of a combine are -inf (an empty sum)
    # each gets weight 1, JAX's convention for logaddexp(-inf, -inf). No NaN in either
    # mode: the reverse pass must not multiply a zero cotangent by an undefined derivative.
    _check_jacobian(lax.cumlogsumexp, np.array([-np.inf, 0.0, 1.0]),
                    np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0],
                              [0.0, 1 / (1 + np.e), np.e / (1 + np.e)]]), tol=1e-12)
    _check_jacobian(lax.cumlogsumexp, np.array([-np.inf, -np.inf, 2.0]),
                    np.array([[1.0, 0.0, 0.0], [1.0, 1.0, 0.0], [0.0, 0.0, 1.0]]))


@pytest.mark.parametrize("cumulative,pick", [(lax.cummax, np.argmax), (lax.cummin, np.argmin)])
def test_cummax_cummin_jacobian_without_ties(cumulative, pick):
    x = _randn(7)
    _check_jacobian(cumulative, x, _cumulative_jacobian(
        x, False, lambda i, j: float(j == pick(x[:i + 1]))))


def test_cummax_ties_split_at_each_combine():
    # [1, 1]: out[1] = max(x0, x1) ties, and lax.max's JVP gives each side half.
    _check_jacobian(lax.cummax, np.array([1.0, 1.0]), np.array([[1.0, 0.0], [0.5, 0.5]]))
    # [2, 2, 2]: out[2] = max(max(x0, x1), x2): halves at the pair, then halves again.
    _check_jacobian(lax.cummax, np.array([2.0, 2.0, 2.0]),
                    np.array([[1.0, 0.0, 0.0], [0.5, 0.5, 0.0], [0.25, 0.25, 0.5]]))


def test_cumulative_along_a_middle_axis_against_finite_differences():
    x = rng.uniform(0.5, 1.5, (2, 7, 2))
    for f in (lambda v: lax.cumprod(v, axis=1), lambda v: lax.cumlogsumexp(v, axis=1, reverse=True),
              lambda v: lax.cummin(v, axis=1)):
        _check_jacobian(f, x, _numeric_jacobian(f, x), tol=1e-6)


# ---------------------------------------------------------------- windowed reductions

WINDOWS = [
    dict(window_dimensions=(2, 3), window_strides=(1, 2), padding=((0, 0), (1, 1)),
         base_dilation=(1, 1), window_dilation=(1, 1)),
    dict(window_dimensions=(2, 2), window_strides=(2, 1), padding=((1, 0), (0, 1)),
         base_dilation=(1, 1), window_dilation=(1, 2)),
    dict(window_dimensions=(3, 2), window_strides=(2, 2), padding=((1, 1), (0, 1)),
         base_dilation=(2, 1), window_dilation=(1, 1)),
    dict(window_dimensions=(2, 2), window_strides=(1, 3), padding=((0, -1), (2, 1)),
         base_dilation=(2, 2), window_dilation=(2, 1)),
]


def _window_members(shape, window_dimensions, window_strides, padding, base_dilation,
                    window_dilation):
    """{output index: operand indices in the window, in window order} by enumeration."""
    laid = [(n - 1) * b + 1 + low + high for n, b, (low, high) in
            zip(shape, base_dilation, padding)]
    extent = [(w - 1) * d + 1 for w, d in zip(window_dimensions, window_dilation)]
    out_shape = tuple(max(0, (size - e) // s + 1) if size >= e else 0
                      for size, e, s in zip(laid, extent, window_strides))
    members = {}
    for out in np.ndindex(*out_shape):
        found = []
        for offset in np.ndindex(*window_dimensions):
            position = [o * s + k * d - low for o, s, k, d, (low, _) in
                        zip(out, window_strides, offset, window_dilation, padding)]
            if all(p >= 0 and p % b == 0 and p // b < n
                   for p, b, n in zip(position, base_dilation, shape)):
                found.append(tuple(p // b for p, b in zip(position, base_dilation)))
        members[out] = found
    return out_shape, members


def _window_reference_jacobian(x, window, choose):
    """Jacobian of a windowed reduction: choose(values) -> weights over a window's members."""
    out_shape, members = _window_members(x.shape, **window)
    jac = np.zeros(out_shape + x.shape)
    for out, found in members.items():
        if found:
            weights = choose(np.array([x[m] for m in found]))
            for m, w in zip(found, weights):
                jac[out + m] += w
    return jac


def _first_extreme(pick):
    def choose(values):
        weights = np.zeros(len(values))
        weights[pick(values)] = 1.0  # NumPy's argmax/argmin take the first of equal values
        return weights
    return choose


@pytest.mark.parametrize("window", WINDOWS)
def test_reduce_window_sum_jacobian(window):
    x = _randn(4, 5)
    _check_jacobian(lambda v: reduce_window_sum(v, **window), x,
                    _window_reference_jacobian(x, window, lambda v: np.ones(len(v))))


@pytest.mark.parametrize("window", WINDOWS)
@pytest.mark.parametrize("ties", [False, True])
@pytest.mark.parametrize("reduce,pick", [(reduce_window_max, np.argmax),
                                         (reduce_window_min, np.argmin)])
def test_reduce_window_max_min_jacobian_picks_first_extreme(window, ties, reduce, pick):
    # With ties, both select_and_gather_add (forward) and its transpose (reverse: a
    # select_and_scatter or masked slices) must pick the same, first, extreme element.
    x = rng.integers(0, 3, (4, 5)).astype(np.float64) if ties else _randn(4, 5)
    _check_jacobian(lambda v: reduce(v, **window), x,
                    _window_reference_jacobian(x, window, _first_extreme(pick)))


def test_generic_reduce_window_against_finite_differences():
    x, init_value = rng.uniform(0.5, 1.5, (4, 5)), 1.0
    for window in WINDOWS:
        f = lambda v: lax.reduce_window(v, init_value, lambda a, b: lax.mul(b, a),  # noqa: E731
                                        window["window_dimensions"], window["window_strides"],
                                        window["padding"], window["base_dilation"],
                                        window["window_dilation"])
        expected = _window_reference_jacobian(
            x, window, lambda values: np.array([np.prod(np.delete(values, i))
                                                for i in range(len(values))]))
        _check_jacobian(f, x, expected, tol=1e-9)


def test_generic_reduce_window_init_enters_once_and_batches():
    x = _randn(4, 5)
    window = WINDOWS[1]

    def f(init, v=x):
        return lax.reduce_window(v, init, lambda a, b: lax.add(b, a), *window.values())
    grad = numax.grad(lambda init: lax.reduce_sum(f(init), (0, 1)))(0.0)
    np.testing.assert_allclose(float(grad), _numeric_grad(f, np.array(0.0)), rtol=1e-7)
    xs = _randn(4, 3, 5)
    out = numax.vmap(lambda v, init: f(init, v), in_axes=(1, 0))(xs, np.zeros(3))
    expected = np.stack([np.asarray(f(0.0, xs[:, b])) for b in range(3)])
    np.testing.assert_allclose(np.asarray(out), expected, rtol=1e-12)


def test_select_and_scatter_add_against_loops():
    x, window = _randn(5, 6), WINDOWS[0]
    plain = dict(window, base_dilation=(1, 1), window_dilation=(1, 1))
    out_shape, members = _window_members(x.shape, **plain)
    source = _randn(*out_shape)
    for select_prim, pick in ((lax.ge_p, np.argmax), (lax.le_p, np.argmin)):
        out = select_and_scatter_add_p.bind(
            source, x, select_prim=select_prim, window_dimensions=plain["window_dimensions"],
            window_strides=plain["window_strides"], padding=plain["padding"])
        expected = np.zeros_like(x)
        for o, found in members.items():
            expected[found[pick(np.array([x[m] for m in found]))]] += source[o]
        np.testing.assert_allclose(np.asarray(out), expected, rtol=1e-12)
        gathered = select_and_gather_add_p.bind(np.arange(x.size).reshape(x.shape) * 1.0, x,
                                                select_prim=select_prim, **plain)
        expected = np.zeros(out_shape)
        for o, found in members.items():
            expected[o] = np.ravel_multi_index(found[pick(np.array([x[m] for m in found]))],
                                               x.shape)
        np.testing.assert_array_equal(np.asarray(gathered), expected)


def test_max_pool_gradient_goes_to_the_first_nan():
    # NaN counts as the maximum (reduce_window_max returns it); NumPy's argmax agrees.
    x = _randn(4, 5)
    x[1, 2] = x[2, 3] = np.nan
    for window in WINDOWS:
        _check_jacobian(lambda v: reduce_window_max(v, **window), x,
                        _window_reference_jacobian(x, window, _first_extreme(np.argmax)))


# ---------------------------------------------------------------- sort and top_k

def _permutation_jacobian(order, axis_length):
    """J[i, j] = 1 where output i along the axis is input order[i]."""
    return np.eye(axis_length)[order]


def test_sort_jacobian_is_the_permutation():
    x = _randn(3, 5)
    order = np.argsort(x, axis=1, kind="stable")
    expected = np.zeros((3, 5, 3, 5))
    for r in range(3):
        expected[r, :, r, :] = _permutation_jacobian(order[r], 5)
    _check_jacobian(lambda v: lax.sort(v, dimension=1), x, expected)


def test_sort_key_val_differentiates_the_values():
    keys = np.array([[2, 0, 1, 0, 2], [1, 1, 0, 0, 1]], np.int32)
    values = _randn(2, 5)
    order = np.argsort(keys, axis=1, kind="stable")
    expected = np.zeros((2, 5, 2, 5))
    for r in range(2):
        expected[r, :, r, :] = _permutation_jacobian(order[r], 5)
    _check_jacobian(lambda v: lax.sort_key_val(keys, v, dimension=1)[1], values, expected)
    # both operands floating: each output permuted the same way, by the first operand
    x = _randn(2, 5)
    _, pullback = numax.vjp(lambda a, b: lax.sort((a, b), dimension=1, num_keys=1), x, values)
    ct_a, ct_b = _randn(2, 5), _randn(2, 5)
    back_a, back_b = pullback((ct_a, ct_b))
    order = np.argsort(x, axis=1, kind="stable")
    for r in range(2):
        np.testing.assert_allclose(np.asarray(back_a)[r, order[r]], ct_a[r])
        np.testing.assert_allclose(np.asarray(back_b)[r, order[r]], ct_b[r])


@pytest.mark.parametrize("k", [1, 3, 6])
def test_top_k_jacobian_reads_the_chosen_elements(k):
    x = _randn(2, 6)
    indices = np.argsort(-x, axis=-1, kind="stable")[:, :k]
    expected = np.zeros((2, k, 2, 6))
    for r in range(2):
        expected[r, :, r, :] = _permutation_jacobian(indices[r], 6)
    _check_jacobian(lambda v: lax.top_k(v, k)[0], x, expected)


# ---------------------------------------------------------------- vmap with axes in the middle

MIDDLE_AXIS_CASES = [
    ("reduce_max", lambda v: lax.reduce_max(v, (0, 2)), (3, 4, 2)),
    ("reduce_prod", lambda v: lax.reduce_prod(v, (1,)), (3, 4, 2)),
    ("argmin", lambda v: lax.argmin(v, 1, np.int32), (3, 4, 2)),
    ("cumlogsumexp", lambda v: lax.cumlogsumexp(v, axis=1, reverse=True), (3, 4, 2)),
    ("cummax", lambda v: lax.cummax(v, axis=0), (3, 4, 2)),
    ("reduce_window_max", lambda v: reduce_window_max(v, **WINDOWS[3]), (4, 5)),
    ("reduce_window_sum", lambda v: reduce_window_sum(v, **WINDOWS[2]), (4, 5)),
    ("sort", lambda v: lax.sort(v, dimension=0), (3, 4, 2)),
    ("top_k", lambda v: lax.top_k(v, 2), (3, 4)),
]


@pytest.mark.parametrize("name,f,shape", MIDDLE_AXIS_CASES, ids=[c[0] for c in MIDDLE_AXIS_CASES])
def test_vmap_over_a_middle_axis_matches_a_loop(name, f, shape):
    x = _randn(shape[0], 3, *shape[1:])
    out = numax.vmap(f, in_axes=1)(x)
    expected = [f(x[:, b]) for b in range(3)]
    flat_out = out if isinstance(out, (list, tuple)) else [out]
    flat_expected = [e if isinstance(e, (list, tuple)) else [e] for e in expected]
    for i, o in enumerate(flat_out):
        reference = np.stack([np.asarray(e[i]) for e in flat_expected])
        np.testing.assert_allclose(np.asarray(o), reference, rtol=1e-12)


def test_vmap_with_unbatched_operands_matches_a_loop():
    keys = rng.integers(0, 3, (3, 5)).astype(np.int32)
    values = _randn(5)
    out = numax.vmap(lambda k: lax.sort((k, values), num_keys=1))(keys)
    for b in range(3):
        expected = lax.sort((keys[b], values), num_keys=1)
        np.testing.assert_array_equal(np.asarray(out[1][b]), np.asarray(expected[1]))
    x = _randn(4, 5)
    window = WINDOWS[0]
    sources = _randn(3, *reduce_window_sum(x, **window).shape)
    plain = dict(window_dimensions=window["window_dimensions"],
                 window_strides=window["window_strides"], padding=window["padding"])
    out = numax.vmap(lambda s: select_and_scatter_add_p.bind(s, x, select_prim=lax.ge_p,
                                                             **plain))(sources)
    for b in range(3):
        np.testing.assert_allclose(np.asarray(out[b]), np.asarray(
            select_and_scatter_add_p.bind(sources[b], x, select_prim=lax.ge_p, **plain)))


# ---------------------------------------------------------------- compositions

COMPOSITIONS = [
    ("max_of_cumprod", lambda v: lax.reduce_max(lax.cumprod(v, axis=1), (1,))),
    ("pooled_sorted", lambda v: reduce_window_max(lax.sort(v, dimension=0), (2, 2), (1, 1),
                                                  ((0, 0), (1, 0)))),
    ("prod_of_topk", lambda v: lax.reduce_prod(lax.top_k(v, 2)[0], (1,))),
    ("logsumexp_then_min", lambda v: lax.reduce_min(lax.cumlogsumexp(v, axis=0), (0,))),
]


@pytest.mark.parametrize("name,f", COMPOSITIONS, ids=[c[0] for c in COMPOSITIONS])
def test_grad_of_compositions_against_finite_differences_and_jit(name, f):
    x = rng.uniform(0.5, 1.5, (4, 3))
    loss = lambda v: lax.reduce_sum(f(v), tuple(range(np.ndim(f(v)))))  # noqa: E731
    grad = np.asarray(numax.grad(loss)(x))
    np.testing.assert_allclose(grad, _numeric_grad(loss, x), rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(np.asarray(numax.jit(numax.grad(loss))(x)), grad, rtol=1e-12)


@pytest.mark.parametrize("name,f", COMPOSITIONS, ids=[c[0] for c in COMPOSITIONS])
def test_vmap_of_grad_and_grad_of_vmap_match_loops(name, f):
    xs = rng.uniform(0.5, 1.5, (4, 2, 3))  # batch axis 1
    loss = lambda v: lax.reduce_sum(f(v), tuple(range(np.ndim(f(v)))))  # noqa: E731
    per_element = [np.asarray(numax.grad(loss)(xs[:, b])) for b in range(2)]
    vmapped = np.asarray(numax.vmap(numax.grad(loss), in_axes=1, out_axes=1)(xs))
    np.testing.assert_allclose(vmapped, np.stack(per_element, axis=1), rtol=1e-12)
    total = lambda v: lax.reduce_sum(numax.vmap(loss, in_axes=1)(v), (0,))  # noqa: E731
    np.testing.assert_allclose(np.asarray(numax.grad(total)(xs)), np.stack(per_element, axis=1),
                               rtol=1e-12)
    np.testing.assert_allclose(np.asarray(numax.grad(total)(xs)), _numeric_grad(total, xs),
                               rtol=1e-6, atol=1e-8)
