"""numax.scipy.optimize.minimize (BFGS) against scipy.optimize.minimize(method='BFGS')
and known minima: Rosenbrock, a quadratic with extra args, jit and vmap, the maxiter
option and its status, the strong Wolfe conditions of the line search, bad arguments.
"""

import numpy as np
import pytest
import scipy.optimize as osp_optimize

import numax
import numax.numpy as jnp
from numax.scipy import optimize
from numax.scipy.optimize import minimize


def rosenbrock(x):
    return jnp.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2)


def rosenbrock_numpy(x):
    return np.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2)


@pytest.mark.parametrize("x0", [[-1.2, 1.0], [-1.2, 1.0, 0.5, -0.3]])
def test_rosenbrock_matches_scipy(x0):
    x0 = np.array(x0)
    expected = osp_optimize.minimize(rosenbrock_numpy, x0, method="BFGS",
                                     jac=osp_optimize.rosen_der)
    with numax.enable_x64():
        result = minimize(rosenbrock, x0)
        assert result.x.dtype == np.float64
    assert bool(result.success) and int(result.status) == 0
    np.testing.assert_allclose(np.asarray(result.x), expected.x, atol=1e-5)
    np.testing.assert_allclose(np.asarray(result.x), np.ones_like(x0), atol=1e-5)
    assert float(result.fun) < 1e-10
    assert np.max(np.abs(np.asarray(result.jac))) <= 1e-5
    np.testing.assert_allclose(np.asarray(result.jac), osp_optimize.rosen_der(np.asarray(result.x)),
                               atol=1e-8)
    assert int(result.nfev) == int(result.njev) >= int(result.nit) > 0


def test_quadratic_with_args_reaches_the_solution():
    rng = np.random.default_rng(0)
    a = rng.standard_normal((5, 5))
    matrix = a @ a.T + 5 * np.eye(5)
    b = rng.standard_normal(5)

    def quadratic(x, matrix, b):
        return 0.5 * x @ matrix @ x - b @ x

    with numax.enable_x64():
        result = minimize(quadratic, np.zeros(5), args=(matrix, b))
    np.testing.assert_allclose(np.asarray(result.x), np.linalg.solve(matrix, b), atol=1e-6)
    expected = osp_optimize.minimize(lambda x: 0.5 * x @ matrix @ x - b @ x, np.zeros(5),
                                     method="BFGS", jac=lambda x: matrix @ x - b)
    np.testing.assert_allclose(np.asarray(result.x), expected.x, atol=1e-5)
    np.testing.assert_allclose(float(result.fun), expected.fun, rtol=1e-10)
    # The inverse-Hessian estimate has learnt the curvature along the steps taken.
    step = np.asarray(result.x)
    np.testing.assert_allclose(np.asarray(result.hess_inv) @ (matrix @ step), step, rtol=0.2)


def test_jit_and_float32():
    x0 = np.array([-1.2, 1.0], np.float32)
    compiled = numax.jit(lambda x: minimize(rosenbrock, x, options={"gtol": 1e-4}))(x0)
    eager = minimize(rosenbrock, x0, options={"gtol": 1e-4})
    assert compiled.x.dtype == np.float32
    np.testing.assert_allclose(np.asarray(compiled.x), [1.0, 1.0], atol=1e-3)
    np.testing.assert_allclose(np.asarray(compiled.x), np.asarray(eager.x), atol=1e-5)
    assert int(compiled.nit) == int(eager.nit)


def test_vmap_over_starting_points():
    starts = np.array([[0.0, 0.0], [2.0, -1.0], [-3.0, 4.0]], np.float32)
    target = np.array([1.5, -0.5], np.float32)

    def solve(x0):
        return minimize(lambda x: jnp.sum((x - target) ** 2 * np.array([1.0, 10.0])), x0).x

    batched = numax.vmap(solve)(starts)
    looped = np.stack([np.asarray(solve(s)) for s in starts])
    np.testing.assert_allclose(np.asarray(batched), looped, atol=1e-5)
    np.testing.assert_allclose(looped, np.broadcast_to(target, looped.shape), atol=1e-4)


def test_maxiter_stops_early():
    x0 = np.array([-1.2, 1.0])
    with numax.enable_x64():
        result = minimize(rosenbrock, x0, options={"maxiter": 3})
    assert int(result.nit) == 3 and int(result.status) == 1 and not bool(result.success)
    assert float(result.fun) < rosenbrock_numpy(x0)
    np.testing.assert_allclose(float(result.fun), rosenbrock_numpy(np.asarray(result.x)),
                               rtol=1e-12)


def test_line_search_satisfies_strong_wolfe():
    with numax.enable_x64():
        x = jnp.asarray([-1.2, 1.0])
        value_and_gradient = numax.value_and_grad(rosenbrock)
        f, g = value_and_gradient(x)
        for direction, initial_step in [(-g, 1.0), (-g / 100, 1.0), (-g, 1e-6)]:
            slope = jnp.dot(g, direction)
            start = optimize._Point(jnp.zeros(()), f, g, slope)
            found, point, _ = optimize._line_search(value_and_gradient, x, direction, start,
                                                    jnp.asarray(initial_step), 30)
            assert bool(found)
            a = float(point.a)
            phi = rosenbrock_numpy(np.asarray(x + a * direction))
            derivative = np.dot(osp_optimize.rosen_der(np.asarray(x + a * direction)),
                                np.asarray(direction))
            assert a > 0
            assert phi <= float(f) + 1e-4 * a * float(slope)
            assert abs(derivative) <= 0.9 * abs(float(slope))


def test_bad_arguments():
    x0 = np.zeros(2, np.float32)
    with pytest.raises(ValueError, match="BFGS"):
        minimize(rosenbrock, x0, method="Nelder-Mead")
    with pytest.raises(ValueError, match="one-dimensional"):
        minimize(rosenbrock, np.zeros((2, 2), np.float32))
    with pytest.raises(ValueError, match="unknown options"):
        minimize(rosenbrock, x0, options={"max_iter": 3})
    with pytest.raises(TypeError, match="tuple"):
        minimize(rosenbrock, x0, args=[1])
