"""Polynomials, convolution and interpolation against NumPy: convolve/correlate in every
mode and length order (real and complex), interp (left/right, repeated xp, period),
polyval, polyfit (weights, full, cov, several columns), roots, poly, polyadd/sub/mul/div,
polyder, polyint, vander; jit and derivatives where meaningful.
"""

import numpy as np
import pytest

import numax
import numax.numpy as jnp
from numax.test_util import check_grads


def _close(result, expected, rtol=1e-5, atol=1e-5):
    expected = np.asarray(expected)
    assert np.shape(result) == expected.shape, (np.shape(result), expected.shape)
    np.testing.assert_allclose(np.asarray(result), expected, rtol=rtol, atol=atol)


@pytest.mark.parametrize("lengths", [(5, 3), (3, 5), (4, 4), (6, 1), (4, 7), (2, 5)])
@pytest.mark.parametrize("mode", ["full", "same", "valid"])
def test_convolve_correlate_match_numpy(lengths, mode):
    rng = np.random.default_rng(sum(lengths))
    a, v = (rng.standard_normal(n).astype(np.float32) for n in lengths)
    _close(jnp.convolve(a, v, mode), np.convolve(a, v, mode))
    _close(jnp.correlate(a, v, mode), np.correlate(a, v, mode))
    z = (a + 1j * a[::-1]).astype(np.complex64)
    w = (v - 2j * v).astype(np.complex64)
    _close(jnp.correlate(z, w, mode), np.correlate(z, w, mode), rtol=1e-4, atol=1e-4)


def test_convolve_ints_jit_and_grad():
    a, v = np.array([1, 2, 3], np.int32), np.array([0, 1, 1], np.int32)
    result = jnp.convolve(a, v)
    assert result.dtype == np.int32
    _close(result, np.convolve(a, v))
    f = numax.jit(lambda x, y: jnp.correlate(x, y, "same"))
    _close(f(a.astype(np.float32), v.astype(np.float32)), np.correlate(a, v, "same"))
    with numax.enable_x64():
        rng = np.random.default_rng(0)
        check_grads(lambda x, y: jnp.convolve(x, y, "same"),
                    (rng.standard_normal(5), rng.standard_normal(3)), order=1)


def test_interp_matches_numpy():
    x = np.linspace(-1, 6, 15).astype(np.float32)
    xp = np.array([0.0, 1.0, 3.0, 3.0, 5.0], np.float32)
    fp = np.array([0.0, 10.0, 30.0, 20.0, 0.0], np.float32)
    _close(jnp.interp(x, xp, fp), np.interp(x, xp, fp))
    _close(jnp.interp(x, xp, fp, left=-1, right=7), np.interp(x, xp, fp, left=-1, right=7))
    _close(jnp.interp(x, xp[:1], fp[:1]), np.interp(x, xp[:1], fp[:1]))
    periodic = (np.array([0.0, 1, 2, 3]), np.array([1.0, 3, 2, 0]))
    _close(jnp.interp(x, *periodic, period=4), np.interp(x, *periodic, period=4))
    _close(numax.jit(jnp.interp)(x, xp, fp), np.interp(x, xp, fp))
    grad = numax.grad(lambda t: jnp.interp(t, xp, fp))(np.float32(0.5))
    assert float(grad) == pytest.approx(10.0)


def test_polyval_vander_and_arithmetic():
    p = np.array([2.0, -1.0, 0.5], np.float32)
    x = np.array([[0.0, 1.5], [-2.0, 3.0]], np.float32)
    _close(jnp.polyval(p, x), np.polyval(p, x))
    _close(jnp.vander(np.array([1, 2, 3]), 4), np.vander([1, 2, 3], 4))
    _close(jnp.vander(np.array([1.0, 2.0]), increasing=True), np.vander([1.0, 2.0],
                                                                        increasing=True))
    q = np.array([1.0, 0.0, -3.0, 2.0], np.float32)
    _close(jnp.polyadd(p, q), np.polyadd(p, q))
    _close(jnp.polysub(p, q), np.polysub(p, q))
    _close(jnp.polymul(p, q), np.polymul(p, q))
    quotient, remainder = jnp.polydiv(q, p)
    expected_q, expected_r = np.polydiv(q, p)
    _close(quotient, expected_q)
    _close(remainder[-len(expected_r):], expected_r)           # JAX keeps the leading zeros
    _close(jnp.polyder(q, 2), np.polyder(q, 2))
    _close(jnp.polyint(q, 2, k=[1, 2]), np.polyint(q, 2, k=[1, 2]))
    _close(jnp.poly(np.array([1.0, -2.0, 3.0])), np.poly([1.0, -2.0, 3.0]))


def test_polyfit_matches_numpy():
    rng = np.random.default_rng(1)
    x = np.linspace(-1, 2, 12)
    y = 2 * x ** 3 - x + 3 + rng.normal(size=12) * 0.1
    w = rng.uniform(0.5, 1.5, 12)
    with numax.enable_x64():
        _close(jnp.polyfit(x, y, 2), np.polyfit(x, y, 2), rtol=1e-8)
        _close(jnp.polyfit(x, y, 2, w=w), np.polyfit(x, y, 2, w=w), rtol=1e-8)
        columns = np.stack([y, -y], axis=1)
        _close(jnp.polyfit(x, columns, 2), np.polyfit(x, columns, 2), rtol=1e-8)
        ours, theirs = jnp.polyfit(x, y, 2, full=True), np.polyfit(x, y, 2, full=True)
        for r, e in zip(ours[:4], theirs[:4]):
            _close(r, e, rtol=1e-6)
        for cov in (True, "unscaled"):
            (c1, v1), (c2, v2) = jnp.polyfit(x, y, 2, cov=cov), np.polyfit(x, y, 2, cov=cov)
            _close(v1, v2, rtol=1e-6)


def test_roots_match_numpy():
    for p in ([1.0, -6.0, 11.0, -6.0], [0.0, 0.0, 1.0, 0.0, -4.0, 0.0], [2.0, 0.0, 8.0],
              [5.0], [0.0, 0.0]):
        p = np.array(p)
        ours = np.sort_complex(np.asarray(jnp.roots(p)))
        theirs = np.sort_complex(np.roots(p).astype(np.complex64))
        _close(ours, theirs, rtol=1e-4, atol=1e-4)
    unstripped = numax.jit(lambda c: jnp.roots(c, strip_zeros=False))(
        np.array([1.0, -3.0, 2.0], np.float32))
    _close(np.sort_complex(np.asarray(unstripped)), [1, 2], rtol=1e-4, atol=1e-4)
