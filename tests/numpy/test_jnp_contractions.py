"""einsum against np.einsum on hypothesis-drawn subscripts (contractions, outer products,
repeated labels within an operand, size-1 broadcasting, implicit outputs, ellipses), the
interleaved form and einsum_path; tensordot, vdot, vecdot, inner, outer, kron, cross,
matvec, vecmat against NumPy; jit and derivatives.
"""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import numax
import numax.numpy as jnp
from numax.test_util import check_grads

SIZES = {"i": 2, "j": 3, "k": 4, "l": 2, "m": 3}


@st.composite
def einsum_problems(draw):
    """Operands with random labels (repeats allowed), an explicit or implicit output."""
    count = draw(st.integers(1, 4))
    terms = [draw(st.lists(st.sampled_from("ijklm"), min_size=0, max_size=3)) for _ in
             range(count)]
    used = sorted({c for t in terms for c in t})
    rng = np.random.default_rng(draw(st.integers(0, 100)))
    operands = []
    for term in terms:
        shape = [SIZES[c] for c in term]
        single = [p for p, c in enumerate(term) if term.count(c) == 1]
        if single and draw(st.integers(0, 4)) == 0:
            shape[draw(st.sampled_from(single))] = 1              # a broadcast axis
        operands.append(rng.integers(-2, 3, shape).astype(np.float32))
    spec = ",".join("".join(t) for t in terms)
    if draw(st.booleans()):
        output = draw(st.permutations(used))[:draw(st.integers(0, len(used)))]
        spec += "->" + "".join(output)
    return spec, operands


@settings(max_examples=35, deadline=None)
@given(problem=einsum_problems())
def test_einsum_matches_numpy(problem):
    spec, operands = problem
    expected = np.einsum(spec, *operands)
    result = jnp.einsum(spec, *operands)
    assert result.shape == expected.shape
    np.testing.assert_allclose(np.asarray(result), expected, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("spec,shapes", [
    ("...ij,...jk->...ik", [(2, 3, 4), (4, 5)]),
    ("...ij,...ij->...", [(5, 2, 3), (2, 3)]),
    ("i...,i...->...", [(3, 2, 2), (3, 1, 2)]),
    ("...", [(2, 3)]),
    ("ij...,jk", [(2, 3, 4), (3, 2)]),
    ("bij,bjk->bik", [(5, 2, 3), (5, 3, 4)]),
    ("ii", [(3, 3)]),
    ("iij->j", [(3, 3, 2)]),
    ("ijk,ijk->", [(2, 3, 4), (2, 3, 4)]),
])
def test_einsum_ellipses_and_specials(spec, shapes):
    rng = np.random.default_rng(1)
    operands = [rng.standard_normal(s).astype(np.float32) for s in shapes]
    np.testing.assert_allclose(np.asarray(jnp.einsum(spec, *operands)),
                               np.einsum(spec, *operands), rtol=1e-5, atol=1e-5)


def test_einsum_interleaved_path_jit_and_errors():
    rng = np.random.default_rng(2)
    a, b, c = (rng.standard_normal(s).astype(np.float32) for s in [(2, 3), (3, 4), (4, 5)])
    np.testing.assert_allclose(np.asarray(jnp.einsum(a, [0, 1], b, [1, 2], [0, 2])),
                               np.einsum(a, [0, 1], b, [1, 2], [0, 2]), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(np.asarray(jnp.einsum(a, [Ellipsis, 1], b, [1, 2])),
                               np.einsum(a, [Ellipsis, 1], b, [1, 2]), rtol=1e-5, atol=1e-6)
    path, description = jnp.einsum_path("ij,jk,kl->il", a, b, c)
    assert path[0] == "einsum_path" and len(path) == 3 and isinstance(description, str)
    f = numax.jit(lambda x, y, z: jnp.einsum("ij,jk,kl->il", x, y, z))
    np.testing.assert_allclose(np.asarray(f(a, b, c)), a @ b @ c, rtol=1e-4, atol=1e-5)
    ints = jnp.einsum("ij,jk", np.ones((2, 3), np.int32), np.ones((3, 2), np.int32))
    assert ints.dtype == np.int32
    for bad in ["ij,jk->iz", "ij,jk->ii", "ij->", "i.j"]:
        with pytest.raises(ValueError):
            jnp.einsum(bad, a, b) if "," in bad else jnp.einsum(bad, a[0])
    with pytest.raises(ValueError, match="size"):
        jnp.einsum("ij,ij", a, b)
    with pytest.raises(ValueError, match="ellips"):
        jnp.einsum("...i->i", a)


def test_named_contractions_match_numpy():
    rng = np.random.default_rng(3)
    a = rng.standard_normal((2, 3, 4)).astype(np.float32)
    b = rng.standard_normal((4, 3, 5)).astype(np.float32)
    c = rng.standard_normal((5, 4)).astype(np.float32)
    z = (rng.standard_normal(6) + 1j * rng.standard_normal(6)).astype(np.complex64)

    def close(x, y):
        np.testing.assert_allclose(np.asarray(x), y, rtol=1e-4, atol=1e-5)

    close(jnp.tensordot(a, b, axes=([1, 2], [1, 0])), np.tensordot(a, b, axes=([1, 2], [1, 0])))
    close(jnp.tensordot(a, b, axes=1), np.tensordot(a, b, axes=1))
    close(jnp.tensordot(a, c, 0), np.tensordot(a, c, 0))
    close(jnp.vdot(z, z[::-1]), np.vdot(z, z[::-1]))
    close(jnp.vecdot(z.reshape(2, 3), z[:3]), np.vecdot(z.reshape(2, 3), z[:3]))
    close(jnp.inner(a, c), np.inner(a, c))
    close(jnp.inner(a, 2.0), np.inner(a, 2.0))
    close(jnp.outer(a[0], c), np.outer(a[0], c))
    close(jnp.kron(a[0], c[:2]), np.kron(a[0], c[:2]))
    close(jnp.kron(a, c[0]), np.kron(a, c[0]))
    close(jnp.matvec(a, c[0]), np.matvec(a, c[0]))
    close(jnp.vecmat(z[:3], z.reshape(3, 2)), np.vecmat(z[:3], z.reshape(3, 2)))
    with pytest.raises(ValueError, match="shape mismatch"):
        jnp.tensordot(a, c, axes=([2], [0]))


def test_cross_matches_numpy():
    rng = np.random.default_rng(4)
    u = rng.standard_normal((4, 3)).astype(np.float32)
    v = rng.standard_normal((3,)).astype(np.float32)

    def close(x, y):
        np.testing.assert_allclose(np.asarray(x), y, rtol=1e-5, atol=1e-6)

    close(jnp.cross(u, v), np.cross(u, v))
    close(jnp.cross(u.T, v, axisa=0), np.cross(u.T, v, axisa=0))
    close(jnp.cross(u, u[::-1], axisc=0), np.cross(u, u[::-1], axisc=0))
    two = u[:, :2]
    close(jnp.cross(two, two[::-1]), two[:, 0] * two[::-1, 1] - two[:, 1] * two[::-1, 0])
    mixed = np.cross(np.concatenate([two, np.zeros((4, 1), np.float32)], 1), u)
    close(jnp.cross(two, u), mixed)
    with pytest.raises(ValueError, match="2 or 3"):
        jnp.cross(np.ones(4), np.ones(3))


def test_contraction_derivatives():
    rng = np.random.default_rng(5)
    with numax.enable_x64():
        a, b = rng.standard_normal((2, 3)), rng.standard_normal((3, 3))
        check_grads(lambda x, y: jnp.einsum("ij,jj,kj->ik", x, y, x), (a, b), order=2)
        check_grads(lambda x, y: jnp.kron(x, y), (a, b), order=1)
        check_grads(lambda x, y: jnp.cross(x, y), (a, b[:2]), order=1)
