"""numax.jit over 4 CPU devices: sharded arguments, in_shardings / out_shardings, and
with_sharding_constraint, checked against NumPy values and the slice each device must
hold. Runs only with 4 devices (tests/test_multidevice_subprocess.py starts it so)."""

import numpy as np
import pytest

import numax
import numax.numpy as jnp
from numax import lax
from numax.sharding import Mesh, NamedSharding, PartitionSpec as P, make_mesh

pytestmark = pytest.mark.skipif(len(numax.devices()) < 4, reason="needs 4 devices")


@pytest.fixture
def mesh():
    return make_mesh((2, 2), ("x", "y"))


def _host(shape=(8, 4)):
    return (np.arange(np.prod(shape)).reshape(shape) * 0.25 - 2).astype(np.float32)


def _assert_laid_out(x, sharding, expected):
    """x has `sharding`, each device holds its slice of `expected`, and the value is right."""
    assert x.sharding == sharding
    index_map = sharding.devices_indices_map(expected.shape)
    for shard in x.addressable_shards:
        np.testing.assert_allclose(np.asarray(shard.data), expected[index_map[shard.device]],
                                   rtol=1e-6)
    np.testing.assert_allclose(np.asarray(x), expected, rtol=1e-6)


def test_jit_of_sharded_arguments(mesh):
    host = _host()
    rows = NamedSharding(mesh, P("x", None))
    x = numax.device_put(host, rows)
    f = numax.jit(lambda a, b: (jnp.tanh(a) * b, (a * b).sum()))
    y, total = f(x, 3.0)
    _assert_laid_out(y, rows, np.tanh(host) * 3)  # the partitioner keeps the row split
    _assert_laid_out(total, NamedSharding(mesh, P()), np.float32((host * 3).sum()))
    y_again, _ = f(x, 3.0)
    np.testing.assert_allclose(np.asarray(y_again), np.tanh(host) * 3, rtol=1e-6)
    assert f._cache_size() == 1


@pytest.mark.parametrize("spec", [P(None, "y"), P("y", "x"), P(("x", "y")), P()], ids=str)
def test_out_shardings_are_obeyed(mesh, spec):
    host = _host()
    x = numax.device_put(host, NamedSharding(mesh, P("x", None)))
    out = NamedSharding(mesh, spec)
    _assert_laid_out(numax.jit(lambda a: a * 2 - 1, out_shardings=out)(x), out, host * 2 - 1)


def test_in_shardings_place_host_arguments(mesh):
    host = _host()
    cols = NamedSharding(mesh, P(None, "y"))
    f = numax.jit(lambda a, b: (a @ b, a.sum()), in_shardings=(cols, None))
    product, total = f(host, host.T)
    np.testing.assert_allclose(np.asarray(product), host @ host.T, rtol=1e-5)
    assert float(total) == pytest.approx(float(host.sum()))
    assert product.devices() == set(numax.devices())


def test_in_shardings_conflicting_with_a_committed_argument_is_an_error(mesh):
    x = numax.device_put(_host(), NamedSharding(mesh, P("x", None)))
    f = numax.jit(lambda a: a + 1, in_shardings=NamedSharding(mesh, P(None, "y")))
    with pytest.raises(ValueError, match="committed to NamedSharding"):
        f(x)


def test_shardings_as_pytree_prefixes(mesh):
    host = _host()
    rows, cols = NamedSharding(mesh, P("x")), NamedSharding(mesh, P(None, "y"))
    f = numax.jit(lambda d: {"sum": d["a"] + d["b"], "diff": d["a"] - d["b"]},
                  in_shardings=({"a": rows, "b": None},),
                  out_shardings={"sum": cols, "diff": rows})
    out = f({"a": host, "b": 2 * host})
    _assert_laid_out(out["sum"], cols, 3 * host)
    _assert_laid_out(out["diff"], rows, -host)
    with pytest.raises(ValueError, match="pytree prefix"):
        numax.jit(lambda a, b: a, in_shardings=(rows,))(host, host)
    with pytest.raises(TypeError, match="NamedSharding"):
        numax.jit(lambda a: a, in_shardings=numax.devices()[0])


def test_with_sharding_constraint_inside_jit(mesh):
    host = _host()
    x = numax.device_put(host, NamedSharding(mesh, P("x", None)))
    target = NamedSharding(mesh, P(None, "x"))
    f = numax.jit(lambda a: lax.with_sharding_constraint(jnp.exp(a), target))
    _assert_laid_out(f(x), target, np.exp(host))
    # Unsharded inputs: the constraint alone makes the program run over the mesh.
    _assert_laid_out(f(host), target, np.exp(host))
    text = numax.jit(lambda a: lax.with_sharding_constraint(a * 2, target)).lower(host).as_text()
    assert 'call_target_name = "Sharding"' in text
    assert f'mhlo.sharding = "{target._hlo_text(2)}"' in text


def test_with_sharding_constraint_on_values_and_with_a_mesh_context(mesh):
    host = _host()
    target = NamedSharding(mesh, P("y"))
    _assert_laid_out(lax.with_sharding_constraint(jnp.asarray(host), target), target, host)
    with mesh:
        moved = lax.with_sharding_constraint(jnp.asarray(host), P(None, "x"))
    _assert_laid_out(moved, NamedSharding(mesh, P(None, "x")), host)
    with pytest.raises(ValueError, match="needs a mesh"):
        lax.with_sharding_constraint(jnp.asarray(host), P("x"))


def test_grad_and_vmap_of_sharded_values(mesh):
    host = _host()
    rows = NamedSharding(mesh, P("x", None))
    x = numax.device_put(host, rows)

    def loss(a):
        return (jnp.sin(a) ** 2).sum()

    expected = 2 * np.sin(host) * np.cos(host)
    for gradient in (numax.grad(loss)(x), numax.jit(numax.grad(loss))(x),
                     numax.grad(numax.jit(loss))(x)):
        np.testing.assert_allclose(np.asarray(gradient), expected, rtol=1e-5, atol=1e-6)
    batched = numax.vmap(lambda row: row / (1 + row @ row))(x)
    np.testing.assert_allclose(np.asarray(batched),
                               host / (1 + (host * host).sum(1, keepdims=True)), rtol=1e-5)


def test_donated_sharded_argument(mesh):
    host = _host()
    rows = NamedSharding(mesh, P("x", None))
    x = numax.device_put(host, rows)
    y = numax.jit(lambda a: a + 1, donate_argnums=0)(x)
    _assert_laid_out(y, rows, host + 1)
    assert x.is_deleted()


def test_closed_over_constants_and_a_different_mesh_shape():
    host = _host((4, 8))
    line = Mesh(np.array(numax.devices()[::-1]), ("i",))  # same devices, another order
    shift = jnp.arange(8.0)
    x = numax.device_put(host, NamedSharding(line, P(None, "i")))
    y = numax.jit(lambda a: a + shift)(x)
    _assert_laid_out(y, NamedSharding(line, P(None, "i")), host + np.arange(8.0))


def test_mixing_committed_single_device_and_sharded_arguments_is_an_error(mesh):
    x = numax.device_put(_host(), NamedSharding(mesh, P("x")))
    y = numax.device_put(_host(), numax.devices()[0])
    with pytest.raises(ValueError, match="incompatible devices"):
        numax.jit(lambda a, b: a + b)(x, y)


def test_repeated_calls_replayed_by_the_cpp_dispatch_stay_correct(mesh):
    host = _host()
    rows, cols = NamedSharding(mesh, P("x", None)), NamedSharding(mesh, P(None, "y"))
    x = numax.device_put(host, rows)
    f = numax.jit(lambda a: a * 3)
    for _ in range(3):
        _assert_laid_out(f(x), rows, host * 3)
        _assert_laid_out(x + x, rows, 2 * host)
    np.testing.assert_allclose(np.asarray(f(host)), host * 3)  # a host value: another signature
    for _ in range(2):
        _assert_laid_out(f(numax.device_put(host, cols)), cols, host * 3)


def test_device_put_of_a_traced_value_is_a_layout_requirement(mesh):
    host = _host()
    cols = NamedSharding(mesh, P(None, "y"))
    f = numax.jit(lambda a: numax.device_put(a + 1, cols) * 2)
    out = f(host)
    np.testing.assert_allclose(np.asarray(out), (host + 1) * 2)
    assert out.devices() == set(numax.devices())
