"""numax.extend and numax.interpreters: primitives defined the way libraries written for
JAX define them (Primitive + def_impl + def_abstract_eval, rules added through
ad.primitive_jvps / ad.primitive_transposes / batching.primitive_batchers /
mlir.register_lowering), checked under eager execution, jit, grad, vmap and their
compositions against NumPy, finite differences and Python loops; plus the clear errors
for what such a primitive lacks, and the small core helpers libraries import."""

import numpy as np
import pytest

import numax
import numax.numpy as jnp
from numax import lax
from numax.core.abstract import ShapedArray
from numax.extend import linear_util, source_info_util
from numax.extend.core import (ClosedJaxpr, Effect, Jaxpr, Literal, Primitive,  # noqa: F401
                               get_opaque_trace_state, mapped_aval, primitives, unmapped_aval,
                               valid_jaxtype)
from numax.interpreters import ad, batching, mlir, partial_eval
from numax.transforms.ad import eval_jaxpr


def _x(*shape, seed=0, dtype=np.float32):
    return np.random.default_rng(seed).uniform(0.5, 1.5, shape).astype(dtype)


def _central_difference(f, x, eps=1e-6):
    """d sum(f) / dx of a float64 function of an array, elementwise."""
    grad = np.zeros_like(x)
    for index in np.ndindex(x.shape):
        step = np.zeros_like(x)
        step[index] = eps
        grad[index] = (np.sum(f(x + step)) - np.sum(f(x - step))) / (2 * eps)
    return grad


# ------------------------------------------------------ primitives written as Equinox writes them

def _make_scale_by():
    """scale_by(t, c) = t * c: the tangent primitive of cube (linear in t), bilinear so
    that second derivatives flow through the coefficient c."""
    scale_by_p = Primitive("scale_by")
    scale_by_p.def_impl(lambda t, c: np.asarray(t) * np.asarray(c))
    scale_by_p.def_abstract_eval(lambda t, c: t)
    mlir.register_lowering(scale_by_p, mlir.lower_fun(lambda t, c: t * c,
                                                      multiple_results=False))

    def jvp(primals, tangents):
        (t, c), (t_dot, c_dot) = primals, tangents
        terms = [scale_by_p.bind(t_dot, c) if type(t_dot) is not ad.Zero else None,
                 scale_by_p.bind(t, c_dot) if type(c_dot) is not ad.Zero else None]
        return scale_by_p.bind(t, c), sum(term for term in terms if term is not None)

    def transpose(ct, t, c):
        # Linear in whichever operand is undefined (never both: the product is bilinear).
        assert ad.is_undefined_primal(t) != ad.is_undefined_primal(c)
        if ad.is_undefined_primal(t):
            return [ad.Zero(t.aval) if type(ct) is ad.Zero else scale_by_p.bind(ct, c), None]
        return [None, ad.Zero(c.aval) if type(ct) is ad.Zero else scale_by_p.bind(ct, t)]

    def batch(args, dims):
        size = next(x.shape[d] for x, d in zip(args, dims) if d is not None)
        t, c = [jnp.moveaxis(x, d, 0) if d is not None else jnp.broadcast_to(x, (size,) + x.shape)
                for x, d in zip(args, dims)]
        return scale_by_p.bind(t, c), 0

    ad.primitive_jvps[scale_by_p] = jvp
    ad.primitive_transposes[scale_by_p] = transpose
    batching.primitive_batchers[scale_by_p] = batch
    return scale_by_p


def _make_cube(scale_by_p, impl_calls):
    cube_p = Primitive("cube")

    def impl(x, *, power):
        impl_calls.append(x)
        return np.asarray(x) ** power

    cube_p.def_impl(impl)
    cube_p.def_abstract_eval(lambda x, *, power: x)
    mlir.register_lowering(cube_p, mlir.lower_fun(lambda x, *, power: x ** power,
                                                  multiple_results=False))

    def jvp(primals, tangents, *, power):
        (x,), (t,) = primals, tangents
        out = cube_p.bind(x, power=power)
        return out, scale_by_p.bind(ad.instantiate_zeros(t), power * x ** (power - 1))

    def batch(args, dims, *, power):
        return cube_p.bind(args[0], power=power), dims[0]

    ad.primitive_jvps[cube_p] = jvp
    batching.primitive_batchers[cube_p] = batch
    return cube_p


def _make_sincos():
    sincos_p = Primitive("sincos")
    sincos_p.multiple_results = True
    sincos_p.def_impl(lambda x: (np.sin(x), np.cos(x)))
    sincos_p.def_abstract_eval(lambda x: [x, x])
    mlir.register_lowering(sincos_p, mlir.lower_fun(lambda x: [jnp.sin(x), jnp.cos(x)]))

    def jvp(primals, tangents):
        (x,), (t,) = primals, tangents
        s, c = sincos_p.bind(x)
        return [s, c], [c * t, -s * t]

    ad.primitive_jvps[sincos_p] = jvp
    batching.defvectorized(sincos_p)
    return sincos_p


@pytest.fixture(scope="module")
def prims():
    impl_calls = []
    scale_by_p = _make_scale_by()
    return {"cube": _make_cube(scale_by_p, impl_calls), "scale_by": scale_by_p,
            "sincos": _make_sincos(), "impl_calls": impl_calls}


def cube(prims, x):
    return prims["cube"].bind(x, power=3)


# ------------------------------------------------------ eager, jit, grad, vmap

def test_eager_runs_the_impl(prims):
    x = _x(4)
    before = len(prims["impl_calls"])
    np.testing.assert_allclose(np.asarray(cube(prims, x)), x ** 3, rtol=1e-6)
    assert len(prims["impl_calls"]) == before + 1


def test_jit_lowers_through_lower_fun(prims):
    x = _x(2, 3)
    before = len(prims["impl_calls"])
    out = numax.jit(lambda v: cube(prims, v) + 1.0)(x)
    np.testing.assert_allclose(np.asarray(out), x ** 3 + 1, rtol=1e-6)
    assert len(prims["impl_calls"]) == before  # compiled, not run by the Python impl
    assert "cube[power=3]" in str(numax.make_jaxpr(lambda v: cube(prims, v))(x))


def test_grad_against_finite_differences(prims):
    with numax.enable_x64():
        x = _x(5, dtype=np.float64)
        f = lambda v: jnp.sum(jnp.sin(cube(prims, v)))  # noqa: E731
        expected = _central_difference(lambda v: np.sin(v ** 3), x)
        np.testing.assert_allclose(np.asarray(numax.grad(f)(x)), expected, rtol=1e-6)
        np.testing.assert_allclose(np.asarray(numax.jit(numax.grad(f))(x)), expected, rtol=1e-6)
        np.testing.assert_allclose(np.asarray(numax.grad(numax.jit(f))(x)), expected, rtol=1e-6)
        # Second order: differentiates the tangent primitive scale_by through its own JVP.
        second = numax.grad(numax.grad(lambda v: cube(prims, v)))(1.3)
        np.testing.assert_allclose(float(second), _central_difference(
            lambda v: 3 * v ** 2, np.array([1.3]))[0], rtol=1e-6)


def test_jvp_against_finite_differences(prims):
    with numax.enable_x64():
        x, t = _x(3, dtype=np.float64), _x(3, seed=1, dtype=np.float64)
        out, tangent = numax.jvp(lambda v: cube(prims, v), (x,), (t,))
        eps = 1e-6
        expected = ((x + eps * t) ** 3 - (x - eps * t) ** 3) / (2 * eps)
        np.testing.assert_allclose(np.asarray(out), x ** 3, rtol=1e-12)
        np.testing.assert_allclose(np.asarray(tangent), expected, rtol=1e-6)


def test_vmap_against_a_python_loop(prims):
    x = _x(3, 4)
    f = lambda v: cube(prims, v) * 2.0  # noqa: E731
    loop = np.stack([np.asarray(f(x[:, i])) for i in range(4)], axis=1)
    np.testing.assert_allclose(np.asarray(numax.vmap(f, in_axes=1, out_axes=1)(x)), loop,
                               rtol=1e-6)
    scale_by = prims["scale_by"].bind
    t, c = _x(3, 4, seed=1), _x(4, seed=2)
    np.testing.assert_allclose(np.asarray(numax.vmap(scale_by, in_axes=(0, None))(t, c)),
                               np.stack([np.asarray(scale_by(row, c)) for row in t]), rtol=1e-6)
    np.testing.assert_allclose(np.asarray(numax.vmap(scale_by, in_axes=(None, 0))(c, t)),
                               np.stack([np.asarray(scale_by(c, row)) for row in t]), rtol=1e-6)
    # The user's transpose and batching rules of the tangent primitive, under vmap of grad.
    g = numax.vmap(numax.grad(lambda v: jnp.sum(cube(prims, v))))(x)
    np.testing.assert_allclose(np.asarray(g), 3 * x ** 2, rtol=1e-5)


def test_jit_of_grad_of_vmap(prims):
    with numax.enable_x64():
        x = _x(3, 2, dtype=np.float64)

        def f(v):
            return jnp.sum(jnp.cos(numax.vmap(lambda row: cube(prims, row))(v)))

        expected = _central_difference(lambda v: np.cos(v ** 3), x)
        np.testing.assert_allclose(np.asarray(numax.jit(numax.grad(f))(x)), expected, rtol=1e-6)


def test_multiple_results(prims):
    sincos_p = prims["sincos"]
    x = _x(4)
    s, c = sincos_p.bind(x)  # eager: the impl's tuple
    np.testing.assert_allclose(np.asarray(s), np.sin(x), rtol=1e-6)
    s, c = numax.jit(lambda v: sincos_p.bind(v))(x)
    np.testing.assert_allclose(np.asarray(c), np.cos(x), rtol=1e-6)
    batched = numax.vmap(lambda v: sincos_p.bind(v))(_x(3, 2))
    loop = [np.stack([np.asarray(sincos_p.bind(row)[k]) for row in _x(3, 2)]) for k in (0, 1)]
    for got, want in zip(batched, loop):
        np.testing.assert_allclose(np.asarray(got), want, rtol=1e-6)
    with numax.enable_x64():
        x = _x(4, dtype=np.float64)
        f = lambda v: jnp.sum(sincos_p.bind(v)[0] * sincos_p.bind(v)[1] ** 2)  # noqa: E731
        expected = _central_difference(lambda v: np.sin(v) * np.cos(v) ** 2, x)
        np.testing.assert_allclose(np.asarray(numax.grad(f)(x)), expected, rtol=1e-6)
        np.testing.assert_allclose(np.asarray(numax.jit(numax.grad(f))(x)), expected, rtol=1e-6)


def test_lower_fun_with_list_output_for_a_single_result_primitive():
    plus_one_p = Primitive("plus_one")
    plus_one_p.def_abstract_eval(lambda x: x)
    mlir.register_lowering(plus_one_p, mlir.lower_fun(lambda x: [x + 1]))
    x = _x(3)
    np.testing.assert_allclose(np.asarray(numax.jit(plus_one_p.bind)(x)), x + 1, rtol=1e-6)
    # Without an impl, eager execution compiles the lowering, like a lax primitive.
    np.testing.assert_allclose(np.asarray(plus_one_p.bind(x)), x + 1, rtol=1e-6)


# ------------------------------------------------------ rule builders and registry views

def test_reading_existing_rules():
    x, t = np.float32(0.3), np.float32(2.0)
    out, tangent = ad.primitive_jvps[lax.sin_p]((x,), (t,))
    np.testing.assert_allclose([float(out), float(tangent)], [np.sin(x), np.cos(x) * t],
                               rtol=1e-6)
    # add is declared linear: the view derives its JVP rule.
    out, tangent = ad.primitive_jvps[lax.add_p]((x, x), (t, ad.Zero(ShapedArray((), np.float32))))
    np.testing.assert_allclose([float(out), float(tangent)], [2 * x, t], rtol=1e-6)
    assert lax.sin_p in ad.primitive_jvps and lax.add_p in ad.primitive_transposes
    assert lax.sin_p in batching.primitive_batchers
    assert ad.primitive_transposes.get(lax.sin_p) is None


def test_wrapping_an_existing_primitive_rule():
    calls = []
    original = ad.primitive_jvps[lax.sin_p]

    def counting_jvp(primals, tangents, **params):
        calls.append(1)
        return original(primals, tangents, **params)

    ad.primitive_jvps[lax.sin_p] = counting_jvp
    try:
        g = numax.grad(lambda v: jnp.sin(v))(np.float32(0.4))
    finally:
        ad.primitive_jvps[lax.sin_p] = original
    np.testing.assert_allclose(float(g), np.cos(0.4), rtol=1e-6)
    assert calls and lax.sin_p.jvp is original


def test_defjvp_deflinear_defbroadcasting():
    # weighted(x, w) = x * w, with defjvp per-argument rules and a broadcasting batcher.
    weighted_p = Primitive("weighted")
    weighted_p.def_impl(lambda x, w: np.asarray(x) * np.asarray(w))
    weighted_p.def_abstract_eval(lambda x, w: x)
    mlir.register_lowering(weighted_p, mlir.lower_fun(lambda x, w: x * w, multiple_results=False))
    ad.defjvp(weighted_p, lambda t, x, w: t * w, lambda t, x, w: x * t)
    batching.defbroadcasting(weighted_p)
    # negated(x) = -x, declared linear with its transpose.
    negated_p = Primitive("negated")
    negated_p.def_impl(lambda x: -np.asarray(x))
    negated_p.def_abstract_eval(lambda x: x)
    mlir.register_lowering(negated_p, mlir.lower_fun(lambda x: -x, multiple_results=False))
    ad.deflinear(negated_p, lambda ct: [negated_p.bind(ct)])
    batching.defvectorized(negated_p)
    with numax.enable_x64():
        x, w = _x(3, dtype=np.float64), _x(3, seed=1, dtype=np.float64)
        f = lambda a, b: jnp.sum(negated_p.bind(weighted_p.bind(a, b)) ** 2)  # noqa: E731
        gx, gw = numax.grad(f, argnums=(0, 1))(x, w)
        np.testing.assert_allclose(np.asarray(gx), _central_difference(
            lambda a: (a * w) ** 2, x), rtol=1e-6)
        np.testing.assert_allclose(np.asarray(gw), _central_difference(
            lambda b: (x * b) ** 2, w), rtol=1e-6)
    xs, w = _x(4, 3), _x(3, seed=2)
    batched = numax.vmap(lambda a: negated_p.bind(weighted_p.bind(a, w)))(xs)
    np.testing.assert_allclose(np.asarray(batched), -xs * w, rtol=1e-6)


def test_axis_primitive_batcher_gets_the_axis():
    seen = []
    tag_p = Primitive("tag")
    tag_p.def_impl(lambda x: x)
    tag_p.def_abstract_eval(lambda x: x)
    mlir.register_lowering(tag_p, mlir.lower_fun(lambda x: x, multiple_results=False))

    def axis_rule(axis_size, axis_name, spmd_axis_name, args, dims):
        seen.append((axis_size, axis_name))
        return tag_p.bind(args[0]) * axis_size, dims[0]

    batching.axis_primitive_batchers[tag_p] = axis_rule
    x = _x(5, 2)
    out = numax.vmap(tag_p.bind, axis_name="rows")(x)
    np.testing.assert_allclose(np.asarray(out), 5 * x, rtol=1e-6)
    assert seen == [(5, "rows")]
    assert batching.axis_primitive_batchers[tag_p] is axis_rule


def test_platform_specific_lowering():
    choose_p = Primitive("choose")
    choose_p.def_abstract_eval(lambda x: x)
    mlir.register_lowering(choose_p, mlir.lower_fun(lambda x: x + 1, multiple_results=False))
    mlir.register_lowering(choose_p, mlir.lower_fun(lambda x: x + 2, multiple_results=False),
                           platform="cpu")
    x = _x(2)
    np.testing.assert_allclose(np.asarray(numax.jit(choose_p.bind)(x)), x + 2, rtol=1e-6)
    only_gpu_p = Primitive("only_gpu")
    only_gpu_p.def_abstract_eval(lambda x: x)
    mlir.register_lowering(only_gpu_p, mlir.lower_fun(lambda x: x, multiple_results=False),
                           platform="gpu")
    with pytest.raises(Exception, match=r"only_gpu.*only for \['cuda', 'rocm'\].*'cpu'"):
        numax.jit(only_gpu_p.bind)(x)
    with pytest.raises(NotImplementedError, match="unknown platform 'foo'"):
        mlir.register_lowering(choose_p, mlir.lower_fun(lambda x: x), platform="foo")


def test_registering_an_existing_numax_lowering():
    my_sin_p = Primitive("my_sin")
    my_sin_p.def_abstract_eval(lambda x: x)
    mlir.register_lowering(my_sin_p, lax.sin_p.lower)
    x = _x(3)
    np.testing.assert_allclose(np.asarray(numax.jit(my_sin_p.bind)(x)), np.sin(x), rtol=1e-6)


# ------------------------------------------------------ errors name the primitive and the fix

def test_missing_rules_are_clear_errors():
    bare_p = Primitive("bare")
    x = _x(3)
    with pytest.raises(NotImplementedError, match="Evaluation rule for 'bare'.*def_impl"):
        bare_p.bind(x)
    bare_p.def_impl(lambda v: v)
    with pytest.raises(NotImplementedError, match="Abstract evaluation for 'bare'"):
        numax.jit(bare_p.bind)(x)
    bare_p.def_abstract_eval(lambda v: v)
    with pytest.raises(Exception, match="'bare' has no lowering rule"):
        numax.jit(bare_p.bind)(x)
    with pytest.raises(NotImplementedError, match="Differentiation rule for 'bare'"):
        numax.grad(lambda v: jnp.sum(bare_p.bind(v)))(x)
    with pytest.raises(NotImplementedError, match="Batching rule for 'bare'"):
        numax.vmap(bare_p.bind)(_x(2, 3))
    ad.primitive_jvps[bare_p] = lambda primals, tangents: (bare_p.bind(*primals),
                                                           bare_p.bind(*tangents))
    with pytest.raises(NotImplementedError, match="Transpose rule .* for 'bare'"):
        numax.grad(lambda v: jnp.sum(bare_p.bind(v)))(x)
    with pytest.raises(KeyError):
        ad.primitive_transposes[bare_p]


def test_abstract_eval_must_return_shaped_arrays():
    shapes_p = Primitive("shapes")
    shapes_p.def_impl(lambda v: v)
    shapes_p.def_abstract_eval(lambda v: numax.ShapeDtypeStruct(v.shape, v.dtype))
    with pytest.raises(TypeError, match="'shapes'.*ShapeDtypeStruct.*must return a ShapedArray"):
        numax.jit(shapes_p.bind)(_x(2))
    multi_p = Primitive("multi")
    multi_p.multiple_results = True
    multi_p.def_abstract_eval(lambda v: v)
    with pytest.raises(TypeError, match="multiple_results=True must return a list"):
        numax.make_jaxpr(multi_p.bind)(_x(2))


def test_mlir_rules_are_refused_at_registration():
    def jax_style_rule(ctx, x):
        return [x]

    p = Primitive("mlir_rule")
    with pytest.raises(NotImplementedError,
                       match="'mlir_rule'.*no MLIR Python bindings.*lower_fun"):
        mlir.register_lowering(p, jax_style_rule)
    with pytest.raises(TypeError, match="keys are primitives"):
        ad.primitive_jvps["sin"] = lambda primals, tangents: None


def test_defvectorized_needs_matching_batch_axes():
    pair_p = Primitive("pair_add")
    pair_p.def_impl(lambda a, b: np.asarray(a) + np.asarray(b))
    pair_p.def_abstract_eval(lambda a, b: a)
    batching.defvectorized(pair_p)
    with pytest.raises(ValueError, match="'pair_add'.*same axis.*defbroadcasting"):
        numax.vmap(pair_p.bind, in_axes=(0, None))(_x(2, 3), _x(3))


# ------------------------------------------------------ core helpers

def test_avals_for_batching_rules():
    aval = ShapedArray((3, 4), np.float32)
    assert mapped_aval(3, 0, aval) == ShapedArray((4,), np.float32)
    assert mapped_aval(4, -1, aval) == ShapedArray((3,), np.float32)
    assert unmapped_aval(5, 1, aval) == ShapedArray((3, 5, 4), np.float32)
    assert mapped_aval(7, None, aval) is aval and unmapped_aval(7, None, aval) is aval
    with pytest.raises(ValueError, match="length 3, not the mapped size 4"):
        mapped_aval(4, 0, aval)
    with pytest.raises(ValueError, match="unmapped_aval: axis 3 is out of bounds"):
        unmapped_aval(5, 3, aval)


def test_valid_jaxtype():
    for value in (1.0, 3, True, 1j, np.ones(2), np.float16(1), numax.numpy.ones(2),
                  numax.ShapeDtypeStruct((2,), np.float32)):
        assert valid_jaxtype(value), value
    for value in ("s", None, [1.0], np.array(["a"]), object(), np.array([1], dtype=object),
                  2 ** 70):
        assert not valid_jaxtype(value), value


def test_opaque_trace_state_tells_traces_apart():
    outside = get_opaque_trace_state()
    assert outside == get_opaque_trace_state()
    inside = []

    def f(v):
        inside.append(get_opaque_trace_state(convention="flax"))
        inside.append(get_opaque_trace_state())
        return v

    numax.jit(f)(1.0)
    assert inside[0] == inside[1] and inside[0] != outside


def test_primitives_module_lists_numax_primitives():
    from numax.api import jit_p
    assert primitives.jit_p is jit_p and primitives.sin_p is lax.sin_p
    assert primitives.custom_jvp_call_p.name == "custom_jvp_call"
    assert not hasattr(primitives, "call_p")
    # Reachable the way `import jax` code spells it.
    assert numax.extend.core.Primitive is Primitive and numax.interpreters.ad is ad


def test_trace_to_jaxpr_nounits_against_direct_evaluation():
    x, y = _x(3), np.float32(3.0)
    fun = linear_util.wrap_init(lambda a, b, scale: [jnp.sin(a) * b * scale, b * 2, a],
                                {"scale": 0.5})
    unknown = partial_eval.PartialVal.unknown(ShapedArray((3,), np.float32))
    known = partial_eval.PartialVal.known(y)
    jaxpr, out_pvals, consts = partial_eval.trace_to_jaxpr_nounits(fun, [unknown, known])
    assert [p.is_known() for p in out_pvals] == [False, True, False]
    np.testing.assert_allclose(float(out_pvals[1].get_known()), 6.0)
    outs = eval_jaxpr(jaxpr, consts, x)
    np.testing.assert_allclose(np.asarray(outs[0]), np.sin(x) * y * 0.5, rtol=1e-6)
    np.testing.assert_allclose(np.asarray(outs[1]), x)
    jaxpr, out_pvals, consts = partial_eval.trace_to_jaxpr_nounits(fun, [unknown, known],
                                                                     instantiate=True)
    assert not any(p.is_known() for p in out_pvals)
    outs = numax.jit(lambda v: eval_jaxpr(jaxpr, consts, v))(x)
    np.testing.assert_allclose(float(outs[1]), 6.0)


def test_effectful_abstract_eval_keeps_the_equation():
    class Logged(Effect):
        pass

    logged = Logged()
    side_p = Primitive("side")
    side_p.def_impl(lambda v: v)
    side_p.def_effectful_abstract_eval(lambda v: (v, {logged}))
    mlir.register_lowering(side_p, mlir.lower_fun(lambda v: v, multiple_results=False))

    def f(v):
        side_p.bind(v)  # result unused: only its effect keeps it
        return v + 1

    x = _x(2)
    jaxpr = numax.make_jaxpr(f)(x)
    assert "side" in str(jaxpr) and side_p.effects == (logged,)
    np.testing.assert_allclose(np.asarray(numax.jit(f)(x)), x + 1, rtol=1e-6)


def test_register_exclusion_and_wrap_init():
    source_info_util.register_exclusion("/some/library/path")
    with pytest.raises(TypeError, match="path must be a string"):
        source_info_util.register_exclusion(3)
    assert linear_util.wrap_init(lambda a, k: a - k, {"k": 1}).call_wrapped(5) == 4
