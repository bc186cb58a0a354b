"""Solvers with implicit derivatives: custom_linear_solve (the linear_solve primitive) and
custom_root.

`linear_solve` is declared once with its shape rule, lowering, JVP, transpose, batching
rule and examples. It holds four sub-programs: the matrix-vector product A x (`matvec`),
its transpose Aᵀ x (`vecmat`), and user solvers for A x = b (`solve`) and Aᵀ x = b
(`transpose_solve`). Its value is whatever `solve` computes, but its derivatives assume the
solve is exact: x = A⁻¹ b is differentiated as dx = A⁻¹ (db - dA x), never through the
solver's iterations, and x is linear in b with transpose b̄ = A⁻ᵀ x̄ (the transposed problem,
solved by `transpose_solve`). Operands are the constants of the four programs, then b;
each solver also receives its matvec's constants, so that it sees the same matrix.
`custom_root` builds on it: the tangent of a root x* of f(x, θ) = 0 is the solution of the
linear system ∂f/∂x dx = -∂f/∂θ dθ.
"""

import numpy as np

from numax.core.abstract import ShapedArray
from numax.core.errors import NumaxTypeError
from numax.core.primitive import Primitive
from numax.core.pytree import tree_flatten, tree_unflatten
from numax.lax._ad_rules import is_undefined, is_zero
from numax.lax.control_flow import common
from numax.transforms.ad import Zero, get_aval, instantiate, jvp_flat
from numax.transforms.batching import to_front

_PROGRAMS = ("matvec", "vecmat", "solve", "transpose_solve")


def _groups(args, const_counts):
    """(matvec consts, vecmat consts, solve consts, transpose_solve consts, b)."""
    out, start = [], 0
    for count in const_counts:
        out.append(list(args[start:start + count]))
        start += count
    out.append(list(args[start:]))
    return out


def _linear_solve_abstract(*avals, matvec, vecmat, solve, transpose_solve, const_counts):
    b = _groups(avals, const_counts)[-1]
    for name, program in zip(_PROGRAMS, (matvec, vecmat, solve, transpose_solve)):
        if program is None:
            continue
        outs = program.out_avals
        if len(outs) != len(b) or any(o.shape != v.shape or o.dtype != v.dtype
                                      for o, v in zip(outs, b)):
            raise NumaxTypeError(
                f"custom_linear_solve: {name} must return values shaped like b "
                f"({', '.join(v.str_short() for v in b)}), got "
                f"({', '.join(o.str_short() for o in outs)})")
    return [v.update(weak_type=False) for v in b]


def _linear_solve_lower(ctx, *args, solve, const_counts, **_):
    matvec_consts, _, solve_consts, _, b = _groups(args, const_counts)
    return ctx.lower_jaxpr_inline(solve, matvec_consts + solve_consts + b)


def linear_solve_jvp(primals, tangents, **params):
    """dx = A⁻¹ (db - dA x): the same solve on a new right-hand side. Tangents of the
    solvers' own constants do not enter (an exact solve does not depend on them)."""
    matvec_consts, _, _, _, b = _groups(primals, params["const_counts"])
    matvec_dots, _, _, _, b_dots = _groups(tangents, params["const_counts"])
    x = linear_solve_p.bind(*primals, **params)
    live = common.differentiable_nonzeros(matvec_consts, matvec_dots)
    if not any(live) and all(is_zero(t) for t in b_dots):
        return x, [Zero(get_aval(v).strip_weak_type()) for v in x]
    rhs = [instantiate(t) if is_zero(t) else t for t in b_dots]
    if any(live):
        program = params["matvec"]

        def product(*consts):
            return common.evaluate(program, *consts, *x)
        dots = [t if nz else Zero(get_aval(c)) for c, t, nz in zip(matvec_consts, matvec_dots,
                                                                     live)]
        _, a_dot_x = jvp_flat(product, list(matvec_consts), dots)
        from numax.lax.elementwise import sub
        rhs = [r if is_zero(d) else sub(r, d) for r, d in zip(rhs, a_dot_x)]
    consts = primals[:len(primals) - len(b)]
    return x, linear_solve_p.bind(*consts, *rhs, **params)


def linear_solve_transpose(cts, *args, matvec, vecmat, solve, transpose_solve, const_counts):
    """b̄ = A⁻ᵀ x̄: the transposed problem, with matvec/vecmat and the two solvers swapped."""
    groups = _groups(args, const_counts)
    if any(is_undefined(c) for group in groups[:4] for c in group):
        raise NotImplementedError("custom_linear_solve: the solution is linear in b only; it "
                                  "cannot be transposed with respect to the matrix")
    if transpose_solve is None:
        raise TypeError("custom_linear_solve: transpose_solve is required for reverse-mode "
                        "differentiation (grad, vjp); pass it (with symmetric=True, "
                        "usually `solve` itself)")
    b = groups[4]
    if all(is_zero(ct) for ct in cts):
        return [None] * (len(args) - len(b)) + [Zero(v.aval) for v in b]
    cts = [common.materialize(ct, v.aval) for ct, v in zip(cts, b)]
    m, v, s, t = groups[:4]
    ct_b = linear_solve_p.bind(*v, *m, *t, *s, *cts, matvec=vecmat, vecmat=matvec,
                               solve=transpose_solve, transpose_solve=solve,
                               const_counts=(len(v), len(m), len(t), len(s)))
    return [None] * (len(args) - len(b)) + list(ct_b)


def linear_solve_batch(args, dims, *, matvec, vecmat, solve, transpose_solve, const_counts):
    """Batched constants stay as they come; b (and so x) is batched throughout, which keeps
    every program's input and output batching consistent."""
    size = next(get_aval(a).shape[d] for a, d in zip(args, dims) if d is not None)
    groups = _groups(list(zip(args, dims)), const_counts)
    b = groups[4]
    new_args, programs = [], []
    for (consts, program, own) in ((groups[0], matvec, []), (groups[1], vecmat, []),
                                   (groups[2], solve, groups[0]), (groups[3], transpose_solve,
                                                                   groups[1])):
        if program is None:
            programs.append(None)
            continue
        flags = [d is not None for _, d in own + consts] + [True] * len(b)
        programs.append(common.batch_jaxpr(program, size, flags, [True] * len(b))[0])
    for group in groups[:4]:
        new_args += [a if d is None else to_front(a, d, size) for a, d in group]
    new_args += [to_front(a, d, size) for a, d in b]
    outs = linear_solve_p.bind(*new_args, matvec=programs[0], vecmat=programs[1],
                               solve=programs[2], transpose_solve=programs[3],
                               const_counts=const_counts)
    return outs, [0] * len(outs)


def _linear_solve_examples():
    from numax import lax
    from numax.numpy import linalg
    f32 = np.dtype(np.float32)
    rng = np.random.default_rng(0)
    a = (rng.standard_normal((3, 3)) + 3 * np.eye(3)).astype(np.float32)
    b = rng.standard_normal((3,)).astype(np.float32)
    matrix, vector = ShapedArray((3, 3), f32), ShapedArray((3,), f32)

    def stage(fun):
        return common.trace_closed(fun, [matrix, vector])

    def mv(m, x):
        return [lax.dot_general(m, x, (((1,), (0,)), ((), ())))]

    def vm(m, x):
        return [lax.dot_general(m, x, (((0,), (0,)), ((), ())))]
    programs = dict(matvec=stage(mv), vecmat=stage(vm),
                    solve=stage(lambda m, y: [linalg.solve(m, y)]),
                    transpose_solve=stage(lambda m, y: [linalg.solve(lax.transpose(m, (1, 0)),
                                                                     y)]))
    symmetric = dict(programs, vecmat=programs["matvec"], transpose_solve=programs["solve"])
    return [((a, a, b), dict(programs, const_counts=(1, 1, 0, 0))),
            ((a + a.T, a + a.T, b), dict(symmetric, const_counts=(1, 1, 0, 0)))]


linear_solve_p = Primitive(
    "linear_solve",
    abstract_eval=_linear_solve_abstract,
    lower=_linear_solve_lower,
    multiple_results=True,
    jvp=linear_solve_jvp,
    transpose=linear_solve_transpose,
    batch=linear_solve_batch,
    examples=_linear_solve_examples,
)


# ---------------------------------------------------------------- custom_linear_solve

def _stage(api, fun, in_tree, in_avals, what):
    """`fun` (of one argument with the structure `in_tree`) staged, and its constants."""
    arguments_tree = tree_flatten((tree_unflatten(in_tree, list(in_avals)),))[1]
    closed, consts, out_tree = common.stage_function(fun, arguments_tree, in_avals)
    if out_tree != in_tree:
        raise TypeError(f"{api}: {what} must return a value with the structure of b "
                        f"({in_tree}), got {out_tree}")
    return closed, consts


def _with_matvec(solver, product, consts_count, in_tree):
    """solver(matvec, b) as a function of (matvec consts..., b leaves...)."""
    def fun(*leaves):
        consts, b = leaves[:consts_count], leaves[consts_count:]

        def matvec(x):
            x_leaves, tree = tree_flatten(x)
            if tree != in_tree:
                raise TypeError(f"custom_linear_solve: matvec got a value of structure {tree}, "
                                f"expected that of b ({in_tree})")
            return tree_unflatten(in_tree, common.evaluate(product, *consts, *x_leaves))
        x = solver(matvec, tree_unflatten(in_tree, list(b)))
        return tree_flatten(x)[0]
    return fun


def custom_linear_solve(matvec, b, solve, transpose_solve=None, symmetric=False,
                        has_aux=False):
    """x = solve(matvec, b), differentiated as the exact solution of A x = b where
    A x = matvec(x) is linear: derivatives never go through the solver's iterations.

    `solve(matvec, b)` and `transpose_solve(vecmat, b)` solve A x = b and Aᵀ x = b; the
    latter is needed for reverse mode (with `symmetric=True`, A = Aᵀ and `vecmat` is
    `matvec`). b may be a pytree.

    >>> import numax.numpy as jnp
    >>> a = jnp.array([[2.0, 1.0], [1.0, 3.0]])
    >>> x = custom_linear_solve(lambda v: a @ v, jnp.array([1.0, 2.0]),
    ...                         lambda mv, y: jnp.linalg.solve(a, y), symmetric=True)
    >>> [round(float(v), 4) for v in x]
    [0.2, 0.6]
    """
    if has_aux:
        raise NotImplementedError("custom_linear_solve: has_aux=True is not supported; return "
                                  "auxiliary data from outside the solve")
    api = "custom_linear_solve"
    leaves, tree = tree_flatten(b)
    avals = [get_aval(v).update(weak_type=False) for v in leaves]
    product, product_consts = _stage(api, matvec, tree, avals, "matvec")
    if transpose_solve is None:
        transposed, transposed_consts = None, []
    elif symmetric:
        transposed, transposed_consts = product, product_consts
    else:
        from numax.autodiff import linear_transpose
        transpose_of = linear_transpose(matvec, tree_unflatten(tree, leaves))
        transposed, transposed_consts = _stage(api, lambda x: transpose_of(x)[0], tree, avals,
                                               "the transpose of matvec")
    const_avals = [get_aval(c) for c in product_consts]
    solver, solver_consts = _stage_solver(api, solve, product, const_avals, tree, avals)
    if transpose_solve is None:
        transposed_solver, transposed_solver_consts = None, []
    else:
        transposed_solver, transposed_solver_consts = _stage_solver(
            api, transpose_solve, transposed, [get_aval(c) for c in transposed_consts], tree,
            avals)
    x = linear_solve_p.bind(*product_consts, *transposed_consts, *solver_consts,
                            *transposed_solver_consts, *leaves, matvec=product,
                            vecmat=transposed, solve=solver, transpose_solve=transposed_solver,
                            const_counts=(len(product_consts), len(transposed_consts),
                                          len(solver_consts), len(transposed_solver_consts)))
    return tree_unflatten(tree, x)


def _stage_solver(api, solver, product, const_avals, tree, avals):
    """The solver as a program of (its matvec's consts, its own consts, b); returns the
    program with its own consts moved after the matvec's, and those consts."""
    from numax.transforms.staging import trace_to_jaxpr
    closed, consts = trace_to_jaxpr(_with_matvec(solver, product, len(const_avals), tree),
                                    list(const_avals) + list(avals))
    if [(o.shape, o.dtype) for o in closed.out_avals] != [(a.shape, a.dtype) for a in avals]:
        raise TypeError(f"{api}: the solver must return a value shaped like b")
    # trace_to_jaxpr puts closed-over consts first; the primitive wants matvec consts first.
    n, m = len(consts), len(const_avals)
    order = list(range(n, n + m)) + list(range(n)) + list(range(n + m, n + m + len(avals)))
    return common.reorder(closed, in_order=order), consts


# ---------------------------------------------------------------- custom_root

def custom_root(f, initial_guess, solve, tangent_solve, has_aux=False):
    """x = solve(f, initial_guess), a root of f (f(x) = 0), differentiated implicitly with
    respect to the values f closes over: dx = -(∂f/∂x)⁻¹ (∂f/∂θ) dθ, where
    `tangent_solve(g, y)` solves the linear system g(x) = y for the linear map g = ∂f/∂x
    (for scalars, `lambda g, y: y / g(1.0)`). The derivative does not go through the
    iterations of `solve`, and is zero with respect to the initial guess.

    >>> import numax
    >>> def sqrt_newton(a):
    ...     f = lambda x: x * x - a
    ...     newton = lambda f, x0: numax.lax.fori_loop(0, 20, lambda i, x: x - f(x) / (2 * x), x0)
    ...     return custom_root(f, 1.0, newton, lambda g, y: y / g(1.0))
    >>> round(float(numax.grad(sqrt_newton)(4.0)), 4)
    0.25
    """
    if has_aux:
        raise NotImplementedError("custom_root: has_aux=True is not supported")
    from numax.custom_derivatives import custom_jvp
    from numax.lax.elementwise import neg
    guess_leaves, tree = tree_flatten(initial_guess)
    avals = [get_aval(v).update(weak_type=False) for v in guess_leaves]
    program, consts = _stage("custom_root", f, tree, avals, "f")

    def f_at(values, x):
        return tree_unflatten(tree, common.evaluate(program, *values, *tree_flatten(x)[0]))

    @custom_jvp
    def root(values, guess):
        return solve(lambda x: f_at(values, x), guess)

    @root.defjvp
    def root_jvp(primals, tangents):
        values, guess = primals
        x = root(values, guess)
        _, f_dot = _jvp_of(lambda v: f_at(v, x), values, tangents[0])
        rhs = tree_unflatten(tree, [neg(t) for t in tree_flatten(f_dot)[0]])

        def along_x(v):
            return _jvp_of(lambda y: f_at(values, y), x, v)[1]
        x_dot = custom_linear_solve(along_x, rhs, solve=tangent_solve,
                                    transpose_solve=tangent_solve)
        return x, x_dot

    return root(list(consts), initial_guess)


def _jvp_of(function, primal, tangent):
    from numax.autodiff import jvp
    return jvp(function, (primal,), (tangent,))


__all__ = ["custom_linear_solve", "custom_root", "linear_solve_p"]
