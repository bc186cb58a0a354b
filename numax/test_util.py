"""numax.test_util.check_grads: derivatives checked against finite differences.

`check_grads(f, args, order, modes=("fwd", "rev"))` checks forward mode (JVP against
central differences) and reverse mode (VJP against the JVP via <u, Jv> == <J^T u, v>)
up to `order`, recursing on the derivative functions themselves.
"""

import numpy as np

from numax.core.pytree import tree_flatten, tree_map, tree_unflatten


def _numpy(x):
    return np.asarray(x)


def _random_like(rng, x):
    x = np.asarray(x)
    value = rng.standard_normal(x.shape)
    if np.iscomplexobj(x):
        value = value + 1j * rng.standard_normal(x.shape)
    return value.astype(x.dtype)


def _inner(xs, ys):
    """Re(sum a*b): the pairing under which numax's (and JAX's) VJPs are adjoint to JVPs,
    also for functions between complex and real values."""
    return sum(np.sum(np.asarray(a, np.complex128) * np.asarray(b, np.complex128)).real
               for a, b in zip(tree_flatten(xs)[0], tree_flatten(ys)[0]))


def _default_eps(args):
    dtype = np.result_type(*[np.asarray(a).dtype for a in tree_flatten(args)[0]])
    return 1e-4 if dtype in (np.float64, np.complex128) else 1e-2


def _default_tol(args):
    dtype = np.result_type(*[np.asarray(a).dtype for a in tree_flatten(args)[0]])
    return 1e-5 if dtype in (np.float64, np.complex128) else 2e-2


def check_jvp(f, args, eps=None, atol=None, rtol=None, seed=0):
    from numax import jvp
    rng = np.random.default_rng(seed)
    eps = eps or _default_eps(args)
    tol = _default_tol(args)
    tangents = tree_map(lambda x: _random_like(rng, x), args)
    out, out_tangent = jvp(f, args, tangents)
    plus = f(*tree_map(lambda x, t: np.asarray(x) + eps * t, args, tangents))
    minus = f(*tree_map(lambda x, t: np.asarray(x) - eps * t, args, tangents))
    numeric = tree_map(lambda a, b: (_numpy(a).astype(np.complex128) -
                                     _numpy(b).astype(np.complex128)) / (2 * eps), plus, minus)
    for got, want in zip(tree_flatten(out_tangent)[0], tree_flatten(numeric)[0]):
        got = np.asarray(got)
        want = want if np.iscomplexobj(got) else want.real
        np.testing.assert_allclose(got, want, atol=atol or tol, rtol=rtol or tol,
                                   err_msg="JVP does not match finite differences")


def check_vjp(f, args, atol=None, rtol=None, seed=0):
    from numax import jvp, vjp
    rng = np.random.default_rng(seed)
    tol = _default_tol(args)
    tangents = tree_map(lambda x: _random_like(rng, x), args)
    out, out_tangent = jvp(f, args, tangents)
    out_, pullback = vjp(f, *args)
    cotangent = tree_map(lambda x: _random_like(rng, x), out)
    cts = pullback(cotangent)
    lhs, rhs = _inner(cotangent, out_tangent), _inner(cts, tangents)
    np.testing.assert_allclose(lhs, rhs, atol=atol or tol, rtol=rtol or tol,
                               err_msg="VJP is not the transpose of the JVP")


def check_grads(f, args, order, modes=("fwd", "rev"), atol=None, rtol=None, eps=None):
    """Checks derivatives of `f` at `args` (a tuple) to `order` in the given modes."""
    from numax import jvp, vjp
    args = tuple(args)

    def check(fun, fun_args, remaining):
        if "fwd" in modes:
            check_jvp(fun, fun_args, eps=eps, atol=atol, rtol=rtol)
            if remaining > 1:
                rng = np.random.default_rng(remaining)
                tangents = tree_map(lambda x: _random_like(rng, x), fun_args)
                check(lambda *xs: jvp(fun, xs, tangents)[1], fun_args, remaining - 1)
        if "rev" in modes:
            check_vjp(fun, fun_args, atol=atol, rtol=rtol)
            if remaining > 1:
                rng = np.random.default_rng(remaining + 100)
                cotangent = tree_map(lambda x: _random_like(rng, x), fun(*fun_args))
                check(lambda *xs: vjp(fun, *xs)[1](cotangent), fun_args, remaining - 1)

    check(f, args, order)


__all__ = ["check_grads", "check_jvp", "check_vjp"]
