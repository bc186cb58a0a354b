"""Tokens (create_token, after_all), dce_sink and stage, against JAX 0.10.2's observed
behaviour: tokens stage as `Tok` values that nested jit calls pass along and lower to
!stablehlo.token; they cannot cross a top-level jit boundary or leave vmap/jvp (clear
TypeErrors); dce_sink keeps a value through dead-code elimination; stage lifts a host
value into the current trace."""

import numpy as np
import pytest

import numax
from numax import lax
from numax.core.ir import dce, typecheck
from numax.core.trace import Tracer
from numax.lowering import lower_jaxpr


def test_tokens_eagerly_and_staged():
    token = lax.create_token()
    assert lax.after_all(token, lax.create_token()).block_until_ready() is not None
    jaxpr = numax.make_jaxpr(lambda x: lax.after_all(lax.create_token(), lax.create_token()))(1.0)
    typecheck(jaxpr)
    assert [e.primitive.name for e in jaxpr.eqns] == ["create_token", "create_token", "after_all"]
    assert str(jaxpr.out_avals[0]) == "Tok"
    assert "a:Tok" in str(numax.make_jaxpr(lambda t: lax.after_all(t))(token))


def test_tokens_pass_through_nested_jit_and_lower_to_stablehlo_tokens():
    inner = numax.jit(lambda t, x: (lax.after_all(t, lax.create_token()), x * 2))

    def outer(x):
        _, y = inner(lax.create_token(), x)
        return y + 1
    np.testing.assert_allclose(numax.jit(outer)(np.float32(3)), 7.0)
    staged = numax.make_jaxpr(lambda t: lax.after_all(t, lax.create_token()))(lax.create_token())
    text = lower_jaxpr(staged)
    assert "(%arg0: !stablehlo.token) -> (!stablehlo.token)" in text
    assert '"stablehlo.create_token"()' in text and '"stablehlo.after_all"(%arg0, ' in text


def test_tokens_unused_under_grad_and_vmap():
    def f(x):
        lax.after_all(lax.create_token())
        return x * 3
    assert float(numax.grad(f)(2.0)) == 3.0
    np.testing.assert_allclose(numax.vmap(f)(np.arange(3.0)), np.arange(3.0) * 3)


@pytest.mark.parametrize("call", [
    lambda t: numax.jit(lambda: lax.create_token())(),
    lambda t: numax.jit(lambda u: 1.0)(t),
    lambda t: numax.vmap(lambda x: (lax.create_token(), x))(np.ones(3)),
    lambda t: numax.jvp(lambda x: (lax.create_token(), x), (1.0,), (1.0,)),
    lambda t: np.asarray(t),
])
def test_tokens_are_not_arrays(call):
    with pytest.raises(TypeError, match="(?i)token"):
        call(lax.create_token())


@pytest.mark.parametrize("bad", [1.0, np.ones(2)])
def test_after_all_takes_only_tokens(bad):
    with pytest.raises(TypeError, match="must be tokens"):
        lax.after_all(lax.create_token(), bad)
    with pytest.raises(TypeError, match="must be tokens"):
        numax.make_jaxpr(lambda x: lax.after_all(x))(bad)


def test_create_token_ignores_operands_as_jax_does():
    jaxpr = numax.make_jaxpr(lambda x: lax.create_token(x))(1.0)
    assert [e.primitive.name for e in jaxpr.eqns] == ["create_token"] and not jaxpr.eqns[0].invars


def test_dce_sink_keeps_the_value_through_dce():
    def f(x):
        lax.dce_sink((x * 2, {"k": x + 1}))
        return x * 1.5
    jaxpr = numax.make_jaxpr(f)(1.0).jaxpr
    pruned = dce(jaxpr)
    names = [e.primitive.name for e in pruned.eqns]
    assert names.count("dce_sink") == 2 and "mul" in names and "add" in names
    without = numax.make_jaxpr(lambda x: (x * 2, x)[1])(1.0).jaxpr
    assert not dce(without).eqns  # the reference: an unsunk product is removed
    assert lax.dce_sink(np.ones(2)) is None
    assert float(numax.jit(f)(np.float32(4))) == 6.0
    assert float(numax.grad(f)(3.0)) == 1.5
    np.testing.assert_allclose(numax.vmap(f)(np.arange(3.0)), np.arange(3.0) * 1.5)


def test_dce_sink_prevent_mlir_dce_is_a_clear_error():
    with pytest.raises(NotImplementedError, match="prevent_mlir_dce"):
        numax.jit(lambda x: (lax.dce_sink(x, prevent_mlir_dce=True), x)[1])(1.0)


def test_dce_sink_rejects_non_arrays():
    with pytest.raises(TypeError, match="dce_sink"):
        lax.dce_sink(["text"])


def test_stage_lifts_into_the_current_trace():
    out = lax.stage(2.0)
    assert isinstance(out, numax.Array) and out.weak_type and float(out) == 2.0
    host = np.arange(3, dtype=np.float32)
    np.testing.assert_array_equal(lax.stage(host), host)
    seen = []
    numax.jit(lambda: seen.append(lax.stage(2.0)) or 0)()
    assert isinstance(seen[0], Tracer)
    np.testing.assert_allclose(numax.jit(lambda x: lax.stage(host) * x)(np.float32(2)), host * 2)
    assert float(numax.grad(lambda x: lax.stage(x) * 5)(1.0)) == 5.0
    np.testing.assert_allclose(numax.vmap(lambda x: lax.stage(x) * 2)(host), host * 2)
    with pytest.raises(TypeError, match="stage"):
        lax.stage([1, 2])
