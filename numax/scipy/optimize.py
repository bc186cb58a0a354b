"""numax.scipy.optimize: unconstrained minimization (jax.scipy.optimize.minimize).

Owns BFGS with a line search satisfying the strong Wolfe conditions (Nocedal & Wright,
Numerical Optimization, algorithms 3.5 and 3.6, with safeguarded cubic interpolation),
both written as numax.lax.while_loop state machines so that `minimize` runs under jit
and vmap. Gradients come from numax.value_and_grad; the result is a pytree
(OptimizeResults).
"""

from typing import NamedTuple

import numpy as np

from numax import lax, numpy as jnp
from numax.autodiff import value_and_grad
from numax.core import dtypes
from numax.numpy._promote import ensure_array

# Sufficient decrease (Armijo) and curvature constants of the Wolfe conditions.
_C1, _C2 = 1e-4, 0.9

STATUS_MESSAGES = {0: "converged", 1: "maximum number of iterations reached",
                   2: "line search failed (no step satisfies the Wolfe conditions; often "
                      "precision loss near the minimum)"}


class OptimizeResults(NamedTuple):
    """What `minimize` returns: the solution `x`, whether it `success`fully converged and
    its `status` (0 converged, 1 iteration limit, 2 line search failure; see
    STATUS_MESSAGES), the objective `fun` and gradient `jac` at x, BFGS's inverse
    Hessian estimate `hess_inv`, and the counts of objective and gradient evaluations
    (`nfev`, `njev`) and of iterations (`nit`)."""
    x: object
    success: object
    status: object
    fun: object
    jac: object
    hess_inv: object
    nfev: object
    njev: object
    nit: object


class _Point(NamedTuple):
    """A point of the line search: step a, phi(a) = f(x + a p), the gradient there and
    phi'(a) = gradient . p."""
    a: object
    phi: object
    gradient: object
    slope: object


def _select(condition, on_true, on_false):
    return _Point(*(jnp.where(condition, t, f) for t, f in zip(on_true, on_false)))


def _cubic_minimizer(low, high):
    """The minimizer of the cubic through (a, phi, phi') at both ends, kept inside the
    middle 80% of the interval (bisection otherwise), so that zoom always shrinks it."""
    d1 = low.slope + high.slope - 3 * (low.phi - high.phi) / (low.a - high.a)
    d2 = jnp.sign(high.a - low.a) * jnp.sqrt(jnp.maximum(d1 * d1 - low.slope * high.slope, 0))
    a = high.a - (high.a - low.a) * (high.slope + d2 - d1) / (high.slope - low.slope + 2 * d2)
    left, right = jnp.minimum(low.a, high.a), jnp.maximum(low.a, high.a)
    margin = 0.1 * (right - left)
    usable = jnp.isfinite(a) & (a > left + margin) & (a < right - margin)
    return jnp.where(usable, a, 0.5 * (low.a + high.a))


class _SearchState(NamedTuple):
    i: object
    done: object
    zooming: object
    low: _Point        # while bracketing: the previous trial point
    high: _Point
    next_a: object     # while bracketing: the next trial step
    best: _Point


def _line_search(value_and_gradient, x, direction, start, initial_step, max_evaluations):
    """A step along `direction` from the point `start` (a _Point at a = 0) satisfying the
    strong Wolfe conditions: bracketing by doubling the step, then zooming into the
    bracket. Returns (found, point, evaluations)."""
    dtype = start.phi.dtype
    sufficient = lambda point: point.phi <= start.phi + _C1 * point.a * start.slope  # noqa: E731
    flat_enough = lambda point: jnp.abs(point.slope) <= -_C2 * start.slope  # noqa: E731

    def evaluate(a):
        phi, gradient = value_and_gradient(x + a * direction)
        return _Point(a, phi, gradient, jnp.dot(gradient, direction))

    def keep_going(state):
        return ~state.done & (state.i < max_evaluations)

    def step(state):
        point = evaluate(jnp.where(state.zooming, _cubic_minimizer(state.low, state.high),
                                   state.next_a))
        too_high = ~sufficient(point) | ((state.zooming | (state.i > 0))
                                         & (point.phi >= state.low.phi))
        accept = ~too_high & flat_enough(point)
        # Bracketing (algorithm 3.5): a too-high point closes the bracket [low, point];
        # an uphill slope closes [point, low]; otherwise step further out.
        uphill = ~too_high & ~accept & (point.slope >= 0)
        bracket_low = _select(uphill, point, state.low)
        bracket_high = _select(uphill, state.low, point)
        start_zoom = too_high | uphill
        walked_low = _select(start_zoom, bracket_low, point)
        walked_high = _select(start_zoom, bracket_high, state.high)
        # Zooming (algorithm 3.6): keep low the best sufficient-decrease point, and the
        # bracket around a point with the right slope sign.
        flip = ~too_high & ~accept & (point.slope * (state.high.a - state.low.a) >= 0)
        zoom_high = _select(too_high, point, _select(flip, state.low, state.high))
        zoom_low = _select(too_high, state.low, point)
        return _SearchState(
            i=state.i + 1, done=accept,
            zooming=state.zooming | start_zoom,
            low=_select(state.zooming, zoom_low, walked_low),
            high=_select(state.zooming, zoom_high, walked_high),
            next_a=jnp.where(state.zooming, state.next_a, 2 * point.a),
            best=_select(accept, point, state.best))

    initial = _SearchState(i=jnp.asarray(0, dtypes.default_int_dtype()),
                           done=jnp.asarray(False), zooming=jnp.asarray(False),
                           low=start, high=start, next_a=jnp.asarray(initial_step, dtype),
                           best=start)
    final = lax.while_loop(keep_going, step, initial)
    return final.done, final.best, final.i


class _BFGSState(NamedTuple):
    converged: object
    failed: object
    k: object
    evaluations: object
    x: object
    f: object
    g: object
    inverse_hessian: object
    previous_f: object


def _bfgs(fun, x0, max_iterations, gtol, norm, max_line_search):
    value_and_gradient = value_and_grad(fun)
    f0, g0 = value_and_gradient(x0)
    n = x0.shape[0]
    identity = jnp.eye(n, dtype=x0.dtype)

    def gradient_norm(g):
        return jnp.linalg.norm(g, ord=norm)

    def keep_going(state):
        return ~state.converged & ~state.failed & (state.k < max_iterations)

    def step(state):
        direction = -state.inverse_hessian @ state.g
        slope = jnp.dot(state.g, direction)
        # SciPy's first trial step: what would repeat the previous iteration's decrease.
        guess = 1.01 * 2 * (state.f - state.previous_f) / slope
        initial_step = jnp.where(jnp.isfinite(guess) & (guess > 0), jnp.minimum(guess, 1), 1)
        start = _Point(jnp.zeros((), x0.dtype), state.f, state.g, slope)
        found, point, evaluations = _line_search(value_and_gradient, state.x, direction, start,
                                                 initial_step, max_line_search)
        s = point.a * direction
        y = point.gradient - state.g
        curvature = jnp.dot(y, s)
        rho = jnp.where(curvature == 0, 1000.0, 1 / curvature)
        left = identity - rho * s[:, None] * y[None, :]
        updated = left @ state.inverse_hessian @ left.T + rho * s[:, None] * s[None, :]
        keep = lambda new, old: jnp.where(found, new, old)  # noqa: E731
        return _BFGSState(
            converged=found & (gradient_norm(point.gradient) <= gtol),
            failed=~found,
            k=state.k + 1,
            evaluations=state.evaluations + evaluations,
            x=keep(state.x + s, state.x),
            f=keep(point.phi, state.f),
            g=keep(point.gradient, state.g),
            inverse_hessian=keep(updated, state.inverse_hessian),
            previous_f=keep(state.f, state.previous_f))

    integer = dtypes.default_int_dtype()
    initial = _BFGSState(converged=gradient_norm(g0) <= gtol, failed=jnp.asarray(False),
                         k=jnp.asarray(0, integer), evaluations=jnp.asarray(1, integer),
                         x=x0, f=f0, g=g0, inverse_hessian=identity,
                         previous_f=f0 + jnp.linalg.norm(g0) / 2)
    final = lax.while_loop(keep_going, step, initial)
    status = jnp.where(final.converged, 0, jnp.where(final.failed, 2, 1)).astype(integer)
    return OptimizeResults(x=final.x, success=final.converged, status=status, fun=final.f,
                           jac=final.g, hess_inv=final.inverse_hessian,
                           nfev=final.evaluations, njev=final.evaluations, nit=final.k)


_OPTIONS = ("maxiter", "gtol", "norm", "line_search_maxiter")


def minimize(fun, x0, args=(), *, method="BFGS", tol=None, options=None):
    """Minimizes the scalar function `fun(x, *args)` of a 1-D array x from `x0`.

    Only method='BFGS' is available. `options` (a dict): maxiter (default 200 * x0.size),
    gtol (the gradient norm at which to stop; default 1e-5, or `tol` when given), norm
    (the order of that norm; default inf), line_search_maxiter (function evaluations per
    line search; default 20).

    >>> import numpy as np
    >>> result = minimize(lambda x: ((x - 3.0) ** 2).sum(), np.zeros(2, np.float32))
    >>> np.round(np.asarray(result.x), 3).tolist(), bool(result.success)
    ([3.0, 3.0], True)
    """
    if not isinstance(method, str) or method.lower() != "bfgs":
        raise ValueError(f"minimize: method must be 'BFGS' (the only one numax implements); "
                         f"got {method!r}")
    options = dict(options or {})
    unknown = set(options) - set(_OPTIONS)
    if unknown:
        raise ValueError(f"minimize: unknown options {sorted(unknown)}; BFGS takes "
                         f"{list(_OPTIONS)}")
    if not isinstance(args, tuple):
        raise TypeError(f"minimize: args must be a tuple of extra arguments to fun; got "
                        f"{type(args).__name__}")
    x0 = ensure_array(x0)
    if x0.ndim != 1:
        raise ValueError(f"minimize: x0 must be one-dimensional; got shape {x0.shape} (ravel "
                         "it, and reshape inside fun)")
    if not dtypes.is_inexact(x0.dtype):
        x0 = x0.astype(dtypes.to_inexact_dtype(x0.dtype))
    gtol = options.get("gtol", 1e-5 if tol is None else tol)
    return _bfgs(lambda x: fun(x, *args), x0,
                 max_iterations=options.get("maxiter", 200 * x0.size),
                 gtol=gtol, norm=options.get("norm", np.inf),
                 max_line_search=options.get("line_search_maxiter", 20))
