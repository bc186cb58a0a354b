"""device_put_p, sharding_constraint_p (identities with a placement parameter, the
primitives behind numax.device_put under traces and lax.with_sharding_constraint) and
lax.broadcast_like against NumPy's broadcasting."""

import numpy as np
import pytest

import numax
from numax import lax


def test_device_put_under_jit_grad_and_vmap():
    device = numax.devices()[0]
    jaxpr = numax.make_jaxpr(lambda x: numax.device_put(x, device) * 2)(1.0)
    assert jaxpr.eqns[0].primitive is lax.device_put_p
    assert jaxpr.eqns[0].params == {"devices": (device,)}
    x = np.arange(4.0, dtype=np.float32)
    np.testing.assert_allclose(numax.jit(lambda v: numax.device_put(v) + 1)(x), x + 1)
    np.testing.assert_allclose(numax.grad(lambda v: (numax.device_put(v) ** 2).sum())(x), 2 * x)
    np.testing.assert_allclose(numax.vmap(lambda v: numax.device_put(v) * 3)(x), x * 3)
    eager = lax.device_put_p.bind(x, devices=(device,))
    assert eager[0].devices() == {device}


def test_with_sharding_constraint_is_a_primitive_and_an_identity():
    tree = {"a": np.ones((2, 3), np.float32), "b": np.arange(3, dtype=np.int32)}
    jaxpr = numax.make_jaxpr(lambda t: lax.with_sharding_constraint(t, "replicated"))(tree)
    assert [e.primitive for e in jaxpr.eqns] == [lax.sharding_constraint_p] * 2
    assert all(e.params == {"sharding": "replicated"} for e in jaxpr.eqns)
    out = numax.jit(lambda t: lax.with_sharding_constraint(t, None))(tree)
    for key in tree:
        np.testing.assert_array_equal(out[key], tree[key])
    x = np.linspace(-1, 1, 5)
    np.testing.assert_allclose(
        numax.grad(lambda v: (lax.with_sharding_constraint(v, None) ** 3).sum())(x), 3 * x ** 2)


@pytest.mark.parametrize("shape, like", [((3,), (2, 3)), ((1, 3), (2, 3)), ((2, 1), (2, 3)),
                                         ((), (4,)), ((2, 3), (2, 3)), ((1,), (3, 2, 1))])
def test_broadcast_like_matches_numpy(shape, like):
    arr = np.arange(int(np.prod(shape)), dtype=np.int8).reshape(shape)
    out = lax.broadcast_like(arr, np.zeros(like, np.float32))
    assert out.dtype == np.int8
    np.testing.assert_array_equal(out, np.broadcast_to(arr, like))


def test_broadcast_like_keeps_weak_type_and_rejects_bad_shapes():
    assert lax.broadcast_like(1.0, np.zeros((2, 3), np.float32)).weak_type
    with pytest.raises(ValueError, match="fewer dimensions"):
        lax.broadcast_like(np.ones((2, 3)), np.zeros(3))
    with pytest.raises(ValueError, match="incompatible"):
        lax.broadcast_like(np.ones(3), np.zeros((2, 4)))
    with pytest.raises(TypeError, match="list"):
        lax.broadcast_like([1, 2, 3], np.zeros((2, 3)))
