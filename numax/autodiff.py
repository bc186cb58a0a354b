"""The differentiation API: jvp, linearize, vjp, fwd_and_bwd, grad, value_and_grad, jacfwd,
jacrev, hessian, linear_transpose.

Owns argument handling (pytrees, argnums, has_aux, holomorphic, allow_int), the
checks that produce JAX's error messages, and float0 tangents for integer inputs.
The machinery (JVP interpreter, linearization, transposition) is transforms/ad.py.
"""

import functools
import operator

import numpy as np

from numax.api import jit
from numax.core import dtypes
from numax.core.abstract import TypedScalar
from numax.core.ir import ClosedJaxpr
from numax.dispatch import to_array
from numax.core.pytree import Partial, tree_flatten, tree_map, tree_structure, tree_unflatten
from numax.transforms import ad
from numax.transforms.ad import Zero, get_aval


# ---------------------------------------------------------------- helpers

def _flat_function(fun, in_tree, has_aux=False):
    """(flat fun of leaves -> leaves, store): store gets the output tree, and with has_aux
    the aux tree and count. Aux leaves are returned after the outputs, so they leave the
    transformation as plain values like the outputs do (their tangents are ignored)."""
    store = {"num_aux": 0}

    def flat(*leaves):
        out = fun(*tree_unflatten(in_tree, list(leaves)))
        aux_leaves = []
        if has_aux:
            if not (isinstance(out, (tuple, list)) and len(out) == 2):
                raise TypeError("has_aux=True requires the function to return a pair "
                                f"(output, auxiliary data), got {type(out).__name__}")
            out, aux = out
            aux_leaves, store["aux_tree"] = tree_flatten(aux)
            store["num_aux"] = len(aux_leaves)
        out_leaves, store["tree"] = tree_flatten(out)
        return out_leaves + aux_leaves

    return flat, store


def _split_aux(values, store):
    """(output leaves, aux pytree or None) from a flat function's results."""
    count = store["num_aux"]
    if "aux_tree" not in store:
        return list(values), None
    outs = list(values[:len(values) - count])
    return outs, tree_unflatten(store["aux_tree"], list(values[len(values) - count:]))


def _float0_zeros(aval):
    return np.zeros(aval.shape, dtype=dtypes.float0)


def _materialize(tangent, primal_aval):
    """A user-facing tangent: zeros for symbolic zeros, float0 for integer values."""
    if not ad.is_differentiable_dtype(primal_aval.dtype):
        return _float0_zeros(primal_aval)
    if type(tangent) is Zero:
        from numax import lax
        return lax.full(primal_aval.shape, 0, primal_aval.dtype)
    if type(tangent) is TypedScalar:  # a seed that reached an input untouched (grad of x -> x)
        return to_array(tangent)
    return tangent


def _check_tangent(primal, tangent, name):
    p_aval, t_aval = get_aval(primal), get_aval(tangent) if not isinstance(tangent, np.ndarray) \
        else _host_aval(tangent)
    if p_aval.shape != t_aval.shape:
        raise ValueError(f"{name}: primal and tangent arguments must have equal shapes, got "
                         f"primal shape {p_aval.shape} and tangent shape {t_aval.shape}")
    if ad.is_differentiable_dtype(p_aval.dtype):
        if t_aval.dtype != p_aval.dtype:
            raise TypeError(f"{name}: primal and tangent arguments must have equal dtypes, got "
                            f"primal dtype {p_aval.dtype} and tangent dtype {t_aval.dtype}")
        return tangent
    if t_aval.dtype != dtypes.float0:
        raise TypeError(f"{name}: the tangent of an integer or boolean primal (dtype "
                        f"{p_aval.dtype}) must have dtype float0, got {t_aval.dtype}")
    return Zero(p_aval)


def _host_aval(value):
    from numax.core.abstract import ShapedArray
    dtype = value.dtype if value.dtype == dtypes.float0 else dtypes.canonicalize_dtype(value.dtype)
    return ShapedArray(value.shape, dtype)


# ---------------------------------------------------------------- forward mode

def jvp(fun, primals, tangents, has_aux=False):
    """(fun(*primals), the directional derivative of fun at primals along tangents)."""
    if not isinstance(primals, (tuple, list)) or not isinstance(tangents, (tuple, list)):
        raise TypeError("jvp: primals and tangents must be tuples or lists, got "
                        f"{type(primals).__name__} and {type(tangents).__name__}")
    if len(primals) != len(tangents):
        raise TypeError(f"jvp: {len(primals)} primals but {len(tangents)} tangents")
    primal_leaves, in_tree = tree_flatten(tuple(primals))
    tangent_leaves, tangent_tree = tree_flatten(tuple(tangents))
    if in_tree != tangent_tree:
        raise TypeError(f"jvp: primal and tangent arguments must have the same tree structure; "
                        f"got {in_tree} and {tangent_tree}")
    tangent_leaves = [_check_tangent(p, t, "jvp") for p, t in zip(primal_leaves, tangent_leaves)]
    flat, store = _flat_function(fun, in_tree, has_aux)
    all_primals, all_tangents = ad.jvp_flat(flat, primal_leaves, tangent_leaves)
    out_primals, aux = _split_aux(all_primals, store)
    out_tangents = [_materialize(t, get_aval(p)) for p, t in zip(out_primals, all_tangents)]
    result = (tree_unflatten(store["tree"], out_primals), tree_unflatten(store["tree"], out_tangents))
    return result + (aux,) if has_aux else result


def _linearized(fun, primals, has_aux):
    """Linearizes `fun` at the pytree `primals`: (primal leaves, input tree, which leaves are
    differentiable, output primal leaves, output tree, which output tangents are zero, the
    linear program, aux, the avals of the aux outputs the linear program also returns)."""
    primal_leaves, in_tree = tree_flatten(primals)
    flat, store = _flat_function(fun, in_tree, has_aux)
    differentiable = [ad.is_differentiable_dtype(get_aval(p).dtype) for p in primal_leaves]
    all_primals, linear, all_zero = ad.linearize_flat(flat, primal_leaves, differentiable)
    out_primals, aux = _split_aux(all_primals, store)
    count = len(out_primals)
    aux_linear_avals = [get_aval(a) for a, zero in zip(all_primals[count:], all_zero[count:])
                        if not zero]
    return (primal_leaves, in_tree, differentiable, out_primals, store["tree"],
            all_zero[:count], linear, aux, aux_linear_avals)


def linearize(fun, *primals, has_aux=False):
    """(fun(*primals), f_jvp) where f_jvp(*tangents) evaluates the staged linear map."""
    (primal_leaves, in_tree, differentiable, out_primals, out_tree, out_zero, linear, aux,
     _) = _linearized(fun, primals, has_aux)

    def f_jvp(*tangents):
        tangent_leaves, tree = tree_flatten(tangents)
        if tree != in_tree:
            raise TypeError(f"linearized function called with tangent structure {tree}, "
                            f"expected {in_tree}")
        args = [t for t, d in zip(tangent_leaves, differentiable) if d]
        outs = iter(ad.eval_jaxpr(linear.jaxpr, linear.consts, *args))
        result = [_materialize(Zero(get_aval(p)), get_aval(p)) if zero else next(outs)
                  for p, zero in zip(out_primals, out_zero)]
        return tree_unflatten(out_tree, result)

    out = tree_unflatten(out_tree, out_primals)
    return (out, f_jvp, aux) if has_aux else (out, f_jvp)


# ---------------------------------------------------------------- reverse mode

class _Pullback:
    """What a vjp function holds besides its residuals: the linear program with its
    constants taken out, and the structure, avals and flags of its inputs and outputs.
    `vjp` returns `Partial(pullback, *residuals)`, a pytree whose leaves are the residuals,
    so a vjp function can leave a jit (as in JAX). One per linearization, compared by
    identity: a jitted function returning it keeps one output treedef across calls."""

    def __init__(self, linear, in_tree, out_tree, differentiable, in_avals, out_avals,
                 out_zero, aux_linear_avals):
        self.jaxpr = linear.jaxpr
        self.in_tree, self.out_tree = in_tree, out_tree
        self.differentiable, self.in_avals, self.out_avals = differentiable, in_avals, out_avals
        self.out_zero, self.aux_linear_avals = out_zero, aux_linear_avals

    def __call__(self, *residuals_then_cotangent):
        *residuals, cotangent = residuals_then_cotangent
        ct_leaves, ct_tree = tree_flatten(cotangent)
        if ct_tree != self.out_tree:
            raise TypeError(f"vjp: the cotangent has tree structure {ct_tree}, but the primal "
                            f"output has structure {self.out_tree}")
        for i, (ct, aval) in enumerate(zip(ct_leaves, self.out_avals)):
            ct_aval = get_aval(ct) if not isinstance(ct, np.ndarray) else _host_aval(ct)
            if ct_aval.shape != aval.shape:
                raise ValueError(f"vjp: cotangent {i} has shape {ct_aval.shape} but the primal "
                                 f"output has shape {aval.shape}")
        cts = [ct for ct, zero in zip(ct_leaves, self.out_zero) if not zero]
        cts += [Zero(aval) for aval in self.aux_linear_avals]
        cts_in = iter(ad.backward_pass(ClosedJaxpr(self.jaxpr, residuals), cts))
        results = [_materialize(next(cts_in), aval) if d else _float0_zeros(aval)
                   for d, aval in zip(self.differentiable, self.in_avals)]
        return tree_unflatten(self.in_tree, results)

    def __repr__(self):
        return f"<vjp pullback of {self.in_tree}>"


def vjp(fun, *primals, has_aux=False):
    """(fun(*primals), vjp_fun) where vjp_fun(cotangent) pulls a cotangent back to primals.

    vjp_fun is a pytree (its leaves are the residuals), so it can be returned from jit."""
    (primal_leaves, in_tree, differentiable, out_primals, out_tree, out_zero, linear, aux,
     aux_linear_avals) = _linearized(fun, primals, has_aux)
    pullback = _Pullback(linear, in_tree, out_tree, differentiable,
                         [get_aval(p) for p in primal_leaves],
                         [get_aval(p) for p in out_primals], out_zero, aux_linear_avals)
    vjp_fun = Partial(pullback, *linear.consts)
    out = tree_unflatten(out_tree, out_primals)
    return (out, vjp_fun, aux) if has_aux else (out, vjp_fun)


def fwd_and_bwd(fun, argnums, has_aux=False, jitted=True):
    """Splits reverse-mode differentiation of `fun` into two functions that compile once:
    `fwd(*args)` gives `(fun(*args), residuals)` (plus `aux` last with `has_aux`), and
    `bwd(residuals, cotangent)` gives the cotangents of the arguments at `argnums` (one
    value for an int, a tuple for a sequence). The residuals are a pytree of arrays."""

    def fwd(*args):
        single, nums = _normalize_argnums(argnums, len(args))
        return vjp(_partial_of(fun, args, {}, nums), *(args[n] for n in nums), has_aux=has_aux)

    def bwd(residuals, cotangent):
        cotangents = residuals(cotangent)
        return cotangents[0] if isinstance(argnums, int) else cotangents

    return (jit(fwd), jit(bwd)) if jitted else (fwd, bwd)


def _normalize_argnums(argnums, count):
    single = isinstance(argnums, int)
    nums = (argnums,) if single else tuple(argnums)
    for n in nums:
        if not -count <= operator.index(n) < count:
            raise TypeError(f"differentiating with respect to argnums={argnums} requires at "
                            f"least {max(nums) + 1} positional arguments to be passed by the "
                            f"caller, but got only {count} positional arguments.")
    return single, tuple(n % count for n in nums)


def _check_input_dtype(name, value, holomorphic, allow_int, argnum):
    dtype = get_aval(value).dtype
    if holomorphic:
        if not dtypes.is_complex(dtype):
            raise TypeError(f"{name} with holomorphic=True requires inputs with complex dtype, "
                            f"but got {dtype.name} for argument {argnum}.")
        return
    if dtypes.is_integer(dtype) or dtype == np.bool_:
        if not allow_int:
            raise TypeError(f"{name} requires real- or complex-valued inputs (input dtype that "
                            f"is a sub-dtype of np.inexact), but got {dtype.name} for argument "
                            f"{argnum}. If you want to use Boolean- or integer-valued inputs, "
                            "use vjp or set allow_int to True.")
    elif not dtypes.is_inexact(dtype):
        raise TypeError(f"{name} requires numerical-valued inputs, got {dtype.name}")


def _check_output(name, out, holomorphic):
    aval = get_aval(out)
    if aval.shape != ():
        raise TypeError(f"{name} requires scalar outputs (shape ()); got output of shape "
                        f"{aval.shape}. Use numax.vjp or numax.jacrev for non-scalar outputs.")
    if holomorphic:
        if not dtypes.is_complex(aval.dtype):
            raise TypeError(f"{name} with holomorphic=True requires outputs with complex dtype, "
                            f"but got {aval.dtype.name}.")
    elif dtypes.is_complex(aval.dtype):
        raise TypeError(f"{name} requires real-valued outputs (output dtype that is a sub-dtype "
                        f"of np.floating), but got {aval.dtype.name}. For holomorphic "
                        "differentiation, pass holomorphic=True. For differentiation of "
                        "non-holomorphic functions involving complex outputs, use numax.vjp.")
    elif not dtypes.is_float(aval.dtype):
        raise TypeError(f"{name} requires real-valued outputs (output dtype that is a sub-dtype "
                        f"of np.floating), but got {aval.dtype.name}.")


def value_and_grad(fun, argnums=0, has_aux=False, holomorphic=False, allow_int=False,
                   reduce_axes=()):
    """A function returning (fun(*args), gradient of fun with respect to args[argnums])."""
    name = "value_and_grad"

    @functools.wraps(fun)
    def value_and_grad_fun(*args, **kwargs):
        single, nums = _normalize_argnums(argnums, len(args))
        for n in nums:
            for leaf in tree_flatten(args[n])[0]:
                _check_input_dtype(name if not single else "grad", leaf, holomorphic,
                                   allow_int, n)

        def partial_fun(*diff_args):
            full = list(args)
            for n, value in zip(nums, diff_args):
                full[n] = value
            return fun(*full, **kwargs)

        results = vjp(partial_fun, *[args[n] for n in nums], has_aux=has_aux)
        out, pullback = results[0], results[1]
        _check_output("grad", out, holomorphic)
        out_aval = get_aval(out)
        grads = pullback(TypedScalar(1, out_aval.dtype, out_aval.weak_type))
        grads = grads[0] if single else tuple(grads)
        if has_aux:
            return (out, results[2]), grads
        return out, grads

    return value_and_grad_fun


def grad(fun, argnums=0, has_aux=False, holomorphic=False, allow_int=False, reduce_axes=()):
    """The gradient of a scalar function with respect to args[argnums].

    >>> import numax
    >>> float(numax.grad(lambda x: x ** 3)(2.0))
    12.0
    """
    value_and_grad_fun = value_and_grad(fun, argnums, has_aux, holomorphic, allow_int)

    @functools.wraps(fun)
    def grad_fun(*args, **kwargs):
        result = value_and_grad_fun(*args, **kwargs)
        return (result[1], result[0][1]) if has_aux else result[1]

    return grad_fun


# ---------------------------------------------------------------- Jacobians

def _partial_of(fun, args, kwargs, nums):
    def partial_fun(*diff):
        full = list(args)
        for n, value in zip(nums, diff):
            full[n] = value
        return fun(*full, **kwargs)
    return partial_fun


def _basis(avals):
    """Standard-basis vectors as one batch per leaf: leaf i gets (N,) + shape_i, where N is
    the total size; row k is 1 at flat position k."""
    import numax.numpy as jnp
    total = sum(a.size for a in avals)
    identity = np.eye(total)
    out, offset = [], 0
    for aval in avals:
        block = identity[:, offset:offset + aval.size].reshape((total,) + aval.shape)
        out.append(jnp.asarray(block.astype(aval.dtype)))
        offset += aval.size
    return out


def _split_last(leaf, avals, prefix_shape, batch_last):
    """Splits a leaf's flattened basis axis into one block per aval, shaped prefix + aval."""
    import numax.numpy as jnp
    out, offset = [], 0
    for aval in avals:
        if batch_last:
            block = leaf[..., offset:offset + aval.size]
            out.append(jnp.reshape(block, prefix_shape + aval.shape))
        else:
            block = leaf[offset:offset + aval.size]
            out.append(jnp.reshape(block, aval.shape + prefix_shape))
        offset += aval.size
    return out


def jacfwd(fun, argnums=0, has_aux=False, holomorphic=False):
    """Jacobian by forward mode: a vmapped JVP over the input basis."""
    from numax.mapping import vmap

    def jacfun(*args, **kwargs):
        single, nums = _normalize_argnums(argnums, len(args))
        for n in nums:
            for leaf in tree_flatten(args[n])[0]:
                _check_input_dtype("jacfwd", leaf, holomorphic, False, n)
        diff_args = tuple(args[n] for n in nums)
        in_leaves, in_tree = tree_flatten(diff_args)
        in_avals = [get_aval(x) for x in in_leaves]
        partial_fun = _partial_of(fun, args, kwargs, nums)

        def pushforward(*basis_leaves):
            tangents = tree_unflatten(in_tree, list(basis_leaves))
            result = jvp(partial_fun, diff_args, tangents, has_aux=has_aux)
            return (result[1], result[2]) if has_aux else result[1]

        out_axes = (-1, None) if has_aux else -1
        pushed = vmap(pushforward, out_axes=out_axes)(*_basis(in_avals))
        tangents, aux = pushed if has_aux else (pushed, None)
        out_leaves, out_tree = tree_flatten(tangents)
        blocks = [_split_last(leaf, in_avals, get_aval(leaf).shape[:-1], True)
                  for leaf in out_leaves]
        jac = _arrange(blocks, in_tree, out_tree, single)
        return (jac, aux) if has_aux else jac

    return jacfun


def _arrange(blocks, in_tree, out_tree, single):
    """blocks[j][i]: Jacobian of output leaf j w.r.t. input leaf i -> out tree of in trees."""
    per_output = []
    for row in blocks:
        per_args = tree_unflatten(in_tree, row)
        per_output.append(per_args[0] if single else tuple(per_args))
    return tree_unflatten(out_tree, per_output)


def jacrev(fun, argnums=0, has_aux=False, holomorphic=False, allow_int=False):
    """Jacobian by reverse mode: a vmapped VJP over the output basis."""
    from numax.mapping import vmap

    def jacfun(*args, **kwargs):
        single, nums = _normalize_argnums(argnums, len(args))
        for n in nums:
            for leaf in tree_flatten(args[n])[0]:
                _check_input_dtype("jacrev", leaf, holomorphic, allow_int, n)
        diff_args = tuple(args[n] for n in nums)
        in_leaves, in_tree = tree_flatten(diff_args)
        in_avals = [get_aval(x) for x in in_leaves]
        results = vjp(_partial_of(fun, args, kwargs, nums), *diff_args, has_aux=has_aux)
        out, pullback = results[0], results[1]
        out_leaves, out_tree = tree_flatten(out)
        out_avals = [get_aval(x) for x in out_leaves]

        def pull(*basis_leaves):
            return tree_flatten(pullback(tree_unflatten(out_tree, list(basis_leaves))))[0]

        pulled = vmap(pull)(*_basis(out_avals))  # one leaf per input: (M,) + in_shape
        per_input = [_split_last(leaf, out_avals, aval.shape, False)
                     for leaf, aval in zip(pulled, in_avals)]
        blocks = [[per_input[i][j] for i in range(len(in_avals))] for j in range(len(out_avals))]
        jac = _arrange(blocks, in_tree, out_tree, single)
        return (jac, results[2]) if has_aux else jac

    return jacfun


def hessian(fun, argnums=0, has_aux=False, holomorphic=False):
    """The Hessian: jacfwd of jacrev."""
    return jacfwd(jacrev(fun, argnums, has_aux=has_aux, holomorphic=holomorphic), argnums,
                  has_aux=has_aux, holomorphic=holomorphic)


def linear_transpose(fun, *primals, reduce_axes=()):
    """The transpose of the linear function `fun`, at arguments shaped like `primals`."""
    primal_leaves, in_tree = tree_flatten(primals)
    in_avals = [get_aval(p) for p in primal_leaves]
    for aval in in_avals:
        if not ad.is_differentiable_dtype(aval.dtype):
            raise TypeError(f"linear_transpose only supports [float or complex] -> [float or "
                            f"complex], got input dtype {aval.dtype.name}")
    flat, store = _flat_function(fun, in_tree)
    from numax.transforms.staging import trace_to_jaxpr
    closed, consts = trace_to_jaxpr(flat, in_avals)
    out_tree = store["tree"]
    from numax.core.ir import ClosedJaxpr, Jaxpr
    jaxpr = closed.jaxpr
    n = len(consts)
    linear = ClosedJaxpr(Jaxpr(jaxpr.invars[:n], jaxpr.invars[n:], jaxpr.outvars, jaxpr.eqns),
                         consts)

    def transposed(*cotangents):
        ct_leaves, ct_tree = tree_flatten(cotangents[0] if len(cotangents) == 1 else cotangents)
        if ct_tree != out_tree:
            raise TypeError(f"linear_transpose: cotangent structure {ct_tree} does not match the "
                            f"output structure {out_tree}")
        cts = ad.backward_pass(linear, ct_leaves)
        return tree_unflatten(in_tree, [_materialize(c, a) for c, a in zip(cts, in_avals)])

    return transposed


__all__ = ["jvp", "linearize", "vjp", "grad", "value_and_grad", "jacfwd", "jacrev", "hessian",
           "linear_transpose"]
