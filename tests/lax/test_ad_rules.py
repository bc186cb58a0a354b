"""Generic differentiation checks over the whole primitive registry.

For every primitive, on its declared examples (floating inputs promoted to float64):
the JVP agrees with central finite differences, and the VJP is the transpose of the
JVP (<u, J v> == <J^T u, v>), which exercises the transpose rules of every linear
primitive the linearization uses. A primitive whose examples have floating inputs
must declare a `jvp` rule, `linear=True`, or a `not_differentiable` reason; a missing
rule fails here. Primitives declared not differentiable must give zero tangents;
arguments declared in `not_differentiable_in` are held fixed, and differentiating with
respect to one of them must raise NotImplementedError. A sampler whose JVP is statistical
(the implicit derivative at a fixed quantile, not the derivative at a fixed key) declares
a `jvp_reference` (numax.core.primitive.ImplicitJvpReference), and its JVP is checked
against that reference, computed from an independent CDF, instead; without the
declaration it meets finite differences of the sampler, and fails.
"""

import importlib

import numpy as np
import pytest

import numax
from numax.core import dtypes
from numax.core.ir import ClosedJaxpr, Equation, Jaxpr, Literal, Var
from numax.core.primitive import registry

MAX_EXAMPLES_PER_PRIMITIVE = 3


def _widen(x):
    x = np.asarray(x)
    if x.dtype in (np.float16, np.float32) or x.dtype == dtypes.bfloat16:
        return x.astype(np.float64)
    if x.dtype == np.complex64:
        return x.astype(np.complex128)
    return x


def _widen_params(params):
    return {key: _widen_value(value) for key, value in params.items()}

# Sub-programs in params (jit bodies, branches, loop bodies) are widened with the arguments.

_WIDE = {np.dtype(np.float32): np.dtype(np.float64), np.dtype(np.float16): np.dtype(np.float64),
         dtypes.bfloat16: np.dtype(np.float64), np.dtype(np.complex64): np.dtype(np.complex128)}


def _widen_aval(aval):
    return aval.update(dtype=_WIDE.get(aval.dtype, aval.dtype))


def _widen_jaxpr(jaxpr):
    env = {}

    def var(v):
        if isinstance(v, Literal):
            aval = _widen_aval(v.aval)
            return Literal(np.asarray(v.value, aval.dtype), aval)
        if v not in env:
            env[v] = Var(_widen_aval(v.aval))
        return env[v]
    constvars = [var(v) for v in jaxpr.constvars]
    invars = [var(v) for v in jaxpr.invars]
    eqns = [Equation(e.primitive, [var(v) for v in e.invars], _widen_params(e.params),
                     [var(v) for v in e.outvars], e.source) for e in jaxpr.eqns]
    return Jaxpr(constvars, invars, [var(v) for v in jaxpr.outvars], eqns)


def _widen_value(value):
    if isinstance(value, ClosedJaxpr):
        return ClosedJaxpr(_widen_jaxpr(value.jaxpr), [_widen(c) for c in value.consts])
    if isinstance(value, Jaxpr):
        return _widen_jaxpr(value)
    if isinstance(value, tuple) and value and isinstance(value[0], (Jaxpr, ClosedJaxpr)):
        return tuple(_widen_value(v) for v in value)
    if isinstance(value, np.dtype):
        return _WIDE.get(value, value)
    return value



def _is_inexact(x):
    return dtypes.is_inexact(np.asarray(x).dtype)


def _cases():
    import numax.lax  # noqa: F401
    for primitive in sorted(registry.values(), key=lambda p: p.name):
        if primitive.rule_checks_exempt:  # declared on the primitive, reported as a skip
            yield pytest.param(primitive, (), {}, id=f"{primitive.name}-exempt",
                               marks=pytest.mark.skip(reason=primitive.rule_checks_exempt))
            continue
        examples = (primitive.examples() if primitive.examples else [])[:MAX_EXAMPLES_PER_PRIMITIVE]
        for i, (args, params) in enumerate(examples):
            yield pytest.param(primitive, args, params, id=f"{primitive.name}-{i}")


def _flat(out):
    return list(out) if isinstance(out, (list, tuple)) else [out]


def _real_inner(a, b):
    """Re(sum(a * b)), no conjugation: the pairing JAX's transposes are adjoint for (a
    C-linear map z -> c z transposes to u -> c u; a real input of a complex-valued map gets
    the real part of its cotangent, e.g. lax.real's transpose is u -> u + 0j)."""
    return np.sum(np.asarray(a, np.complex128) * np.asarray(b, np.complex128)).real


@pytest.mark.parametrize("primitive,args,params", list(_cases()))
def test_jvp_and_transpose(primitive, args, params):
    with numax.enable_x64():
        args = [_widen(a) for a in args]
        params = _widen_params(params)
        fixed = primitive.not_differentiable_in
        for i in fixed:
            def along(v, i=i):
                full = list(args)
                full[i] = v
                return _flat(primitive.bind(*full, **params))
            with pytest.raises(NotImplementedError):
                numax.jvp(along, (args[i],), (np.ones_like(args[i]),))
        positions = [i for i, a in enumerate(args) if _is_inexact(a) and i not in fixed]
        if not positions:
            pytest.skip("no floating-point inputs")
        if not (primitive.jvp or primitive.linear or primitive.not_differentiable):
            pytest.fail(f"primitive {primitive.name!r} has floating inputs but declares no jvp, "
                        "linear=True or not_differentiable reason")
        rng = np.random.default_rng(1)

        def f(*diff):
            full = list(args)
            for i, v in zip(positions, diff):
                full[i] = v
            return _flat(primitive.bind(*full, **params))

        primals = [args[i] for i in positions]
        tangents = [(rng.standard_normal(np.shape(p)) +
                     (1j * rng.standard_normal(np.shape(p)) if np.iscomplexobj(p) else 0))
                    .astype(np.asarray(p).dtype) for p in primals]
        modes = primitive.differentiation_modes
        eps = 1e-6
        if "fwd" not in modes:  # reverse mode only: J v comes from finite differences
            with pytest.raises(Exception):
                numax.jvp(f, tuple(primals), tuple(tangents))
            outs = f(*primals)
            plus = f(*[p + eps * t for p, t in zip(primals, tangents)])
            minus = f(*[p - eps * t for p, t in zip(primals, tangents)])
            out_tangents = [(np.asarray(hi, np.complex128) - np.asarray(lo, np.complex128)) /
                            (2 * eps) for hi, lo in zip(plus, minus)]
            _check_transpose(primitive, f, primals, tangents, outs, out_tangents, rng, tol=1e-5)
            return
        outs, out_tangents = numax.jvp(f, tuple(primals), tuple(tangents))
        if primitive.not_differentiable:
            for t in out_tangents:
                assert not np.any(np.asarray(t, np.float64 if np.asarray(t).dtype != dtypes.float0
                                             else np.bool_)), primitive.name
            return
        reference = primitive.jvp_reference
        if reference is not None:
            expected = [_implicit_jvp_reference(reference, args, params, positions, tangents,
                                                outs[0])]
            what = f"JVP vs the implicit derivative at a fixed {reference.cdf}"
        else:
            plus = f(*[p + eps * t for p, t in zip(primals, tangents)])
            minus = f(*[p - eps * t for p, t in zip(primals, tangents)])
            expected = [(np.asarray(hi, np.complex128) - np.asarray(lo, np.complex128)) /
                        (2 * eps) for hi, lo in zip(plus, minus)]
            what = "JVP vs finite differences"
        for out, tangent, numeric in zip(outs, out_tangents, expected):
            out = np.asarray(out)
            if not dtypes.is_inexact(out.dtype):
                continue
            if not dtypes.is_complex(out.dtype):
                numeric = numeric.real
            tol = 1e-5 if out.dtype in (np.float64, np.complex128) else 2e-2
            np.testing.assert_allclose(np.asarray(tangent), numeric, rtol=tol, atol=tol,
                                       err_msg=f"{primitive.name}: {what}")
        if "rev" not in modes:  # forward mode only: reverse mode refuses, or is still right
            try:
                _check_transpose(primitive, f, primals, tangents, outs, out_tangents, rng, 1e-6)
            except (NotImplementedError, ValueError) as error:  # JAX's while_loop: ValueError
                assert "everse-mode" in str(error) or "Transpose rule" in str(error), error
            return
        _check_transpose(primitive, f, primals, tangents, outs, out_tangents, rng, tol=1e-6)


def _implicit_jvp_reference(reference, args, params, positions, tangents, out):
    """The tangent a statistical JVP declares (an ImplicitJvpReference): the sample x moves
    with theta so that F(theta, x) stays fixed, dx = -(dF/dtheta . t) / (dF/dx), chained
    to the output through sample_of_output; F is the independent `reference.cdf`, its
    derivatives central differences in float64."""
    assert positions == [reference.parameter], (
        f"an implicit JVP differentiates argument {reference.parameter} only, not {positions}")
    module, _, name = reference.cdf.rpartition(".")
    assert not module.startswith("numax"), "the reference CDF must not be numax's own"
    cdf = getattr(importlib.import_module(module), name)
    theta = np.asarray(args[reference.parameter], np.float64)
    (t,) = tangents
    out = np.asarray(out, np.float64)
    x = np.asarray(reference.sample_of_output(out, **params), np.float64)
    step = 1e-6
    dcdf_along_t = (cdf(theta + step * t, x) - cdf(theta - step * t, x)) / (2 * step)
    dcdf_dx = (cdf(theta, x * (1 + step)) - cdf(theta, x * (1 - step))) / (2 * step * x)
    dsample_dout = (reference.sample_of_output(out + step, **params) -
                    reference.sample_of_output(out - step, **params)) / (2 * step)
    return -dcdf_along_t / dcdf_dx / dsample_dout


def _check_transpose(primitive, f, primals, tangents, outs, out_tangents, rng, tol):
    """<u, J v> == <J^T u, v>."""
    with numax.enable_x64():
        float_outs = [i for i, o in enumerate(outs) if _is_inexact(o)]
        if not float_outs:
            return
        _, pullback = numax.vjp(f, *primals)
        cotangents = []
        for i, o in enumerate(outs):
            o = np.asarray(o)
            if i in float_outs:
                c = rng.standard_normal(o.shape)
                cotangents.append(c.astype(o.dtype) if not np.iscomplexobj(o) else
                                  (c + 1j * rng.standard_normal(o.shape)).astype(o.dtype))
            else:
                cotangents.append(np.zeros(o.shape, dtypes.float0))
        cts_in = pullback(cotangents)
        lhs = sum(_real_inner(cotangents[i], out_tangents[i]) for i in float_outs)
        rhs = sum(_real_inner(c, t) for c, t in zip(cts_in, tangents))
        np.testing.assert_allclose(lhs, rhs, rtol=tol, atol=tol,
                                   err_msg=f"{primitive.name}: VJP is not the transpose of the JVP")


def test_an_undeclared_statistical_jvp_fails(monkeypatch):
    """The declaration, not a skip, is what lets random_gamma pass: without it its JVP meets
    finite differences of the sampler at a fixed key, which it does not equal."""
    from numax.random import random_gamma_p
    monkeypatch.setattr(random_gamma_p, "jvp_reference", None)
    args, params = random_gamma_p.examples()[0]
    with pytest.raises(AssertionError, match="JVP vs finite differences"):
        test_jvp_and_transpose(random_gamma_p, args, params)
