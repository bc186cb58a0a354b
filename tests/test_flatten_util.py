"""numax.flatten_util.ravel_pytree: values against NumPy concatenation, dtype rules
against NumPy's promotion (canonicalised for x64 off), gradients against hand-derived
NumPy formulas, vmap against a Python loop, and the unravel input checks."""

import ml_dtypes
import numpy as np
import pytest

import numax
import numax.numpy as jnp
from numax.flatten_util import ravel_pytree

RNG = np.random.default_rng(0)
_TO_32 = {np.dtype(np.int64): np.int32, np.dtype(np.uint64): np.uint32,
          np.dtype(np.float64): np.float32, np.dtype(np.complex128): np.complex64}


def _expected_common_dtype(dtypes):
    """NumPy's promotion of strong dtypes, then x32 canonicalisation (JAX's rule when no
    narrow float or weak type is involved)."""
    common = np.result_type(*dtypes)
    return np.dtype(_TO_32.get(common, common))


def _tree():
    return {"w": RNG.normal(size=(2, 3)).astype(np.float32),
            "b": [RNG.normal(size=4).astype(np.float32), np.float32(RNG.normal())],
            "s": (RNG.normal(size=(1, 2, 2)).astype(np.float32),)}


def test_flat_vector_is_the_concatenated_leaves_and_unravel_inverts_it():
    tree = _tree()
    flat, unravel = ravel_pytree(tree)
    leaves = numax.tree_util.tree_leaves(tree)
    np.testing.assert_array_equal(flat, np.concatenate([np.ravel(x) for x in leaves]))
    back = unravel(flat)
    assert numax.tree_util.tree_structure(back) == numax.tree_util.tree_structure(tree)
    for got, want in zip(numax.tree_util.tree_leaves(back), leaves):
        assert got.shape == np.shape(want) and got.dtype == want.dtype
        np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("leaf_dtypes", [(np.int32, np.float32), (np.uint32, np.int32),
                                         (np.bool_, np.int8), (np.int16, np.int32),
                                         (np.float32, np.complex64), (np.uint8, np.float16)])
def test_mixed_dtypes_promote_and_unravel_converts_back(leaf_dtypes):
    leaves = [np.arange(1, 4).astype(d) for d in leaf_dtypes]
    flat, unravel = ravel_pytree(leaves)
    common = _expected_common_dtype(leaf_dtypes)
    assert flat.dtype == common
    np.testing.assert_array_equal(flat, np.concatenate([x.astype(common) for x in leaves]))
    for got, want in zip(unravel(flat), leaves):
        assert got.dtype == want.dtype
        np.testing.assert_array_equal(got, want)


def test_unravel_casts_each_piece_to_its_leaf_dtype():
    flat, unravel = ravel_pytree({"i": np.zeros(2, np.int32), "f": np.zeros(2, np.float32)})
    new = np.array([0.25, 1.5, 2.7, 3.7], np.float32)  # leaves in key order: f then i
    back = unravel(jnp.asarray(new))
    np.testing.assert_array_equal(back["f"], new[:2])
    np.testing.assert_array_equal(back["i"], new[2:].astype(np.int32))


def test_narrow_floats_promote_on_jax_lattice():
    flat, unravel = ravel_pytree([np.ones(2, ml_dtypes.bfloat16), np.ones(1, np.float16)])
    assert flat.dtype == np.float32  # bfloat16 and float16 meet at float32
    assert [x.dtype for x in unravel(flat)] == [np.dtype(ml_dtypes.bfloat16),
                                                np.dtype(np.float16)]


def test_python_scalar_leaves():
    flat, unravel = ravel_pytree((1, 2.5))
    np.testing.assert_array_equal(flat, np.array([1.0, 2.5], np.float32))
    back = unravel(flat)
    assert back[0].dtype == np.int32 and back[1].dtype == np.float32
    assert int(back[0]) == 1 and float(back[1]) == 2.5


@pytest.mark.parametrize("empty", [[], {}, ()])
def test_empty_tree_gives_empty_default_float_vector(empty):
    flat, unravel = ravel_pytree(empty)
    assert flat.shape == (0,) and flat.dtype == np.float32
    assert unravel(flat) == empty


def test_unravel_rejects_wrong_shape_with_clear_error():
    flat, unravel = ravel_pytree([np.ones((2, 2), np.float32)])
    for bad in (jnp.ones(3), jnp.ones((2, 2)), jnp.ones(5)):
        with pytest.raises(ValueError, match=r"shape \(4,\).*got an array of shape"):
            unravel(bad)


def test_unravel_of_mixed_tree_rejects_other_dtypes():
    flat, unravel = ravel_pytree([np.ones(2, np.int32), np.ones(2, np.float32)])
    with pytest.raises(TypeError, match="dtype int32.*float32"):
        unravel(jnp.ones(4, jnp.int32))
    with pytest.raises(TypeError, match="dtype float16"):
        unravel(jnp.ones(4, jnp.float16))
    unravel(np.ones(4))  # float64 host data canonicalises to float32: accepted, as in JAX


def test_under_jit_matches_eager():
    tree = _tree()
    flat = numax.jit(lambda t: ravel_pytree(t)[0])(tree)
    np.testing.assert_array_equal(flat, ravel_pytree(tree)[0])
    _, unravel = ravel_pytree(tree)
    back = numax.jit(unravel)(flat)
    for got, want in zip(numax.tree_util.tree_leaves(back), numax.tree_util.tree_leaves(tree)):
        np.testing.assert_array_equal(got, want)


def test_grad_through_ravel_and_unravel():
    tree = _tree()
    flat, unravel = ravel_pytree(tree)

    def loss_of_tree(t):  # sum(w**2) + sum(sin(b0)) + b1 * sum(s)
        return (jnp.sum(t["w"] ** 2) + jnp.sum(jnp.sin(t["b"][0]))
                + t["b"][1] * jnp.sum(t["s"][0]))

    expected = {"w": 2 * tree["w"], "b": [np.cos(tree["b"][0]), np.sum(tree["s"][0])],
                "s": (np.full_like(tree["s"][0], tree["b"][1]),)}
    expected_flat = np.concatenate([np.ravel(x) for x in numax.tree_util.tree_leaves(expected)])
    np.testing.assert_allclose(numax.grad(lambda v: loss_of_tree(unravel(v)))(flat),
                               expected_flat, rtol=1e-5)
    grad_tree = numax.grad(lambda t: jnp.sum(ravel_pytree(t)[0] ** 2))(tree)
    for got, leaf in zip(numax.tree_util.tree_leaves(grad_tree), numax.tree_util.tree_leaves(tree)):
        np.testing.assert_allclose(got, 2 * np.asarray(leaf), rtol=1e-6)


def test_vmap_of_unravel_and_ravel_matches_loop():
    tree = {"a": np.ones((2, 2), np.float32), "b": np.ones(3, np.float32)}
    _, unravel = ravel_pytree(tree)
    batch = RNG.normal(size=(5, 7)).astype(np.float32)
    out = numax.vmap(lambda v: unravel(v)["a"] @ unravel(v)["b"][:2])(batch)
    loop = [v[:4].reshape(2, 2) @ v[4:6] for v in batch]
    np.testing.assert_allclose(out, np.stack(loop), rtol=1e-6)
    reraveled = numax.vmap(lambda v: ravel_pytree(unravel(v))[0])(batch)
    np.testing.assert_array_equal(reraveled, batch)
