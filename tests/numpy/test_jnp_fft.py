"""numax.numpy.fft against numpy.fft: every transform with n/s, axis/axes (non-trailing,
unordered, more than three) and each norm, on float32/complex64 and (under x64)
float64/complex128, with JAX's dtype promotion; hypothesis-drawn shapes, axes and lengths
for the n-dimensional transforms; fftfreq/rfftfreq and the shifts; errors for bad
arguments; jit and vmap against eager loops; derivatives against finite differences.
"""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import numax
import numax.numpy as jnp
from numax.test_util import check_grads

NORMS = [None, "backward", "ortho", "forward"]


def _check(result, expected, dtype=None, tol=2e-5):
    expected = np.asarray(expected)
    assert result.shape == expected.shape, (result.shape, expected.shape)
    if dtype is not None:
        assert result.dtype == dtype, (result.dtype, dtype)
    scale = max(1.0, float(np.abs(expected).max(initial=0)))
    np.testing.assert_allclose(np.asarray(result), expected, rtol=tol, atol=tol * scale)


def _real(rng, shape, dtype=np.float32):
    return rng.standard_normal(shape).astype(dtype)


def _complex(rng, shape, dtype=np.complex64):
    return (rng.standard_normal(shape) + 1j * rng.standard_normal(shape)).astype(dtype)


# (name, input kind, keyword arguments) for the one-axis transforms.
_ONE_AXIS = [(name, kind, kwargs)
             for name, kind in [("fft", "complex"), ("ifft", "complex"), ("rfft", "real"),
                                ("irfft", "complex"), ("hfft", "complex"), ("ihfft", "real")]
             for kwargs in [{}, {"n": 7}, {"n": 3, "axis": 0}, {"n": 8, "axis": 1},
                            {"axis": -2}]]


@pytest.mark.parametrize("norm", NORMS)
@pytest.mark.parametrize("name,kind,kwargs", _ONE_AXIS)
def test_one_axis_transforms_match_numpy(name, kind, kwargs, norm):
    rng = np.random.default_rng(0)
    x = _real(rng, (4, 5, 3)) if kind == "real" else _complex(rng, (4, 5, 3))
    result = getattr(jnp.fft, name)(x, norm=norm, **kwargs)
    expected = getattr(np.fft, name)(x, norm=norm, **kwargs)
    _check(result, expected, np.float32 if name in ("irfft", "hfft") else np.complex64)


# (name, input kind, keyword arguments) for the transforms over several axes.
_MANY_AXES = [(name, kind, kwargs)
              for name, kind in [("fft2", "complex"), ("ifft2", "complex"), ("rfft2", "real"),
                                 ("irfft2", "complex"), ("fftn", "complex"),
                                 ("ifftn", "complex"), ("rfftn", "real"),
                                 ("irfftn", "complex")]
              for kwargs in [{}, {"axes": (0, 2)}, {"axes": (3, 1)}, {"s": (3, 6)},
                             {"s": (2, 5), "axes": (2, 0)}]]
_MANY_AXES += [(name, kind, kwargs)
               for name, kind in [("fftn", "complex"), ("ifftn", "complex"),
                                  ("rfftn", "real"), ("irfftn", "complex")]
               for kwargs in [{"axes": (2, 0, 3, 1)}, {"s": (3, 2, 4, 5)}, {"axes": (1,)},
                              {"s": (2, 3, 1), "axes": (3, 0, 2)}]]


@pytest.mark.parametrize("norm", NORMS[1:])
@pytest.mark.parametrize("name,kind,kwargs", _MANY_AXES)
def test_many_axis_transforms_match_numpy(name, kind, kwargs, norm):
    rng = np.random.default_rng(1)
    shape = (3, 4, 2, 5)
    x = _real(rng, shape) if kind == "real" else _complex(rng, shape)
    result = getattr(jnp.fft, name)(x, norm=norm, **kwargs)
    if "s" in kwargs and "axes" not in kwargs and name.endswith("n"):
        # NumPy 2 deprecates s without axes (it warns); both mean the last len(s) axes.
        kwargs = dict(kwargs, axes=tuple(range(-len(kwargs["s"]), 0)))
    expected = getattr(np.fft, name)(x, norm=norm, **kwargs)
    _check(result, expected, np.float32 if name.startswith("irfft") else np.complex64)


_AXES_AND_LENGTHS = st.integers(1, 4).flatmap(lambda ndim: st.tuples(
    st.lists(st.integers(1, 5), min_size=ndim, max_size=ndim),
    st.permutations(range(ndim)).flatmap(lambda order: st.integers(1, ndim).map(
        lambda k: tuple(order[:k]))),
    st.lists(st.integers(1, 6), min_size=4, max_size=4),
    st.booleans()))


@settings(max_examples=20, deadline=None)
@given(case=_AXES_AND_LENGTHS, name=st.sampled_from(["fftn", "ifftn", "rfftn", "irfftn"]),
       norm=st.sampled_from(NORMS))
def test_n_dimensional_transforms_hypothesis(case, name, norm):
    shape, axes, lengths, with_s = case
    rng = np.random.default_rng(len(shape) + len(axes))
    x = _real(rng, shape) if name == "rfftn" else _complex(rng, shape)
    s = tuple(lengths[:len(axes)]) if with_s else None
    if name == "irfftn" and s is None and shape[axes[-1]] == 1:
        return  # the default length 2 * (1 - 1) = 0 is invalid (tested below)
    result = getattr(jnp.fft, name)(x, s=s, axes=axes, norm=norm)
    _check(result, getattr(np.fft, name)(x, s=s, axes=axes, norm=norm))


def test_double_precision_under_x64():
    rng = np.random.default_rng(2)
    with numax.enable_x64():
        x = _real(rng, (3, 6), np.float64)
        c = _complex(rng, (3, 6), np.complex128)
        _check(jnp.fft.fft(x), np.fft.fft(x), np.complex128, tol=1e-12)
        _check(jnp.fft.ifftn(c, norm="ortho"), np.fft.ifftn(c, norm="ortho"), np.complex128,
               tol=1e-12)
        _check(jnp.fft.rfft2(x, s=(4, 5)), np.fft.rfft2(x, s=(4, 5)), np.complex128, tol=1e-12)
        _check(jnp.fft.irfft(c, n=9), np.fft.irfft(c, n=9), np.float64, tol=1e-12)
        _check(jnp.fft.hfft(c, axis=0), np.fft.hfft(c, axis=0), np.float64, tol=1e-12)
        _check(jnp.fft.ihfft(x), np.fft.ihfft(x), np.complex128, tol=1e-12)
        _check(jnp.fft.fft(np.arange(5)), np.fft.fft(np.arange(5)), np.complex128, tol=1e-12)
        _check(jnp.fft.fftfreq(6, 0.1), np.fft.fftfreq(6, 0.1), np.float64, tol=1e-15)
    assert jnp.fft.fft(np.arange(5)).dtype == np.complex64


def test_dtype_promotion():
    ints = np.arange(6)
    _check(jnp.fft.fft(ints), np.fft.fft(ints), np.complex64)
    _check(jnp.fft.rfft(ints), np.fft.rfft(ints), np.complex64)
    _check(jnp.fft.irfft(ints), np.fft.irfft(ints), np.float32)
    _check(jnp.fft.fft(np.array([True, False, True])), np.fft.fft([1.0, 0.0, 1.0]),
           np.complex64)
    half = np.linspace(-1, 1, 6).astype(np.float16)
    _check(jnp.fft.rfft(half), np.fft.rfft(half.astype(np.float64)), np.complex64, tol=1e-3)
    _check(jnp.fft.fft(half), np.fft.fft(half.astype(np.float64)), np.complex64, tol=1e-3)
    _check(jnp.fft.fft(jnp.asarray([1.0, 2.0])), np.fft.fft([1.0, 2.0]), np.complex64)


def test_empty_axes_and_unit_lengths():
    x = _complex(np.random.default_rng(3), (2, 3))
    _check(jnp.fft.fftn(x, axes=()), x, np.complex64)
    _check(jnp.fft.fft(x, n=1), np.fft.fft(x, n=1))
    _check(jnp.fft.irfft(x, n=1), np.fft.irfft(x, n=1))
    _check(jnp.fft.rfft(np.ones((0, 4), np.float32)), np.fft.rfft(np.ones((0, 4))))


def test_errors_name_the_mistake():
    x = np.ones((2, 4), np.float32)
    with pytest.raises(ValueError, match="norm"):
        jnp.fft.fft(x, norm="unitary")
    with pytest.raises(ValueError, match="norm"):
        jnp.fft.hfft(x, norm="unitary")
    with pytest.raises(ValueError, match="repeated axes"):
        jnp.fft.fftn(x, axes=(0, 0))
    with pytest.raises(ValueError, match="FFT data points"):
        jnp.fft.fft(x, n=0)
    with pytest.raises(ValueError, match="FFT data points"):
        jnp.fft.irfft(np.ones((3, 1), np.complex64))     # default n = 2 * (1 - 1)
    with pytest.raises(ValueError, match="0-d"):
        jnp.fft.fft(np.float32(1))
    with pytest.raises(TypeError, match="real input"):
        jnp.fft.rfft(x.astype(np.complex64))
    with pytest.raises(ValueError, match="same length"):
        jnp.fft.fftn(x, s=(2, 2), axes=(0,))
    with pytest.raises(ValueError, match="more axes"):
        jnp.fft.fftn(x, s=(2, 2, 2))
    with pytest.raises(TypeError, match="sequence"):
        jnp.fft.fft2(x, s=4)
    with pytest.raises(np.exceptions.AxisError):
        jnp.fft.fft(x, axis=2)
    with pytest.raises(ValueError, match="positive"):
        jnp.fft.fftfreq(0)
    with pytest.raises(TypeError, match="static integer"):
        jnp.fft.rfftfreq(4.0)
    with pytest.raises(TypeError, match="floating-point"):
        jnp.fft.fftfreq(4, dtype=np.int32)


@pytest.mark.parametrize("n", [1, 2, 7, 8])
def test_frequencies_match_numpy(n):
    _check(jnp.fft.fftfreq(n), np.fft.fftfreq(n), np.float32)
    _check(jnp.fft.fftfreq(n, d=0.25), np.fft.fftfreq(n, d=0.25), np.float32)
    _check(jnp.fft.rfftfreq(n, d=3), np.fft.rfftfreq(n, d=3), np.float32)
    _check(jnp.fft.rfftfreq(n, dtype=np.float16), np.fft.rfftfreq(n), np.float16, tol=1e-3)
    # A traced spacing, under jit.
    _check(numax.jit(lambda d: jnp.fft.fftfreq(n, d))(np.float32(0.5)),
           np.fft.fftfreq(n, 0.5), np.float32)


@pytest.mark.parametrize("axes", [None, 0, 1, (0, 2), (-1,), ()])
def test_shifts_match_numpy(axes):
    x = np.arange(60).reshape(3, 4, 5)
    _check(jnp.fft.fftshift(x, axes=axes), np.fft.fftshift(x, axes=axes))
    _check(jnp.fft.ifftshift(x, axes=axes), np.fft.ifftshift(x, axes=axes))
    _check(jnp.fft.ifftshift(jnp.fft.fftshift(x, axes=axes), axes=axes), x)


def test_jit_matches_eager():
    rng = np.random.default_rng(4)
    x = _real(rng, (3, 4, 2, 5))
    for f in [lambda v: jnp.fft.rfftn(v, s=(3, 2, 4, 6), norm="ortho"),
              lambda v: jnp.fft.irfft2(jnp.fft.fft(v, axis=0), axes=(2, 0)),
              lambda v: jnp.fft.hfft(v, n=6, axis=1, norm="forward"),
              lambda v: jnp.fft.fftshift(jnp.fft.ihfft(v), axes=(1, 3))]:
        np.testing.assert_allclose(np.asarray(numax.jit(f)(x)), np.asarray(f(x)), rtol=1e-6,
                                   atol=1e-6)


@pytest.mark.parametrize("in_axis", [0, 1, 2])
def test_vmap_matches_loop(in_axis):
    rng = np.random.default_rng(5)
    xs = _real(rng, (3, 4, 6))
    moved = np.moveaxis(xs, 0, in_axis)
    for f in [lambda v: jnp.fft.rfft(v, n=5),
              lambda v: jnp.fft.fft2(v, norm="ortho"),
              lambda v: jnp.fft.irfftn(jnp.fft.rfftn(v), s=v.shape),
              lambda v: jnp.fft.ihfft(v, axis=0)]:
        out = numax.vmap(f, in_axes=in_axis)(moved)
        expected = np.stack([np.asarray(f(x)) for x in xs])
        np.testing.assert_allclose(np.asarray(out), expected, rtol=1e-5, atol=1e-5)


def test_derivatives():
    rng = np.random.default_rng(6)
    with numax.enable_x64():
        x = _real(rng, (3, 4), np.float64)
        c = _complex(rng, (3, 4), np.complex128)
        check_grads(lambda v: jnp.fft.fft(v, n=5), (c,), order=2)
        check_grads(lambda v: jnp.fft.ifft2(v, norm="ortho"), (c,), order=1)
        check_grads(lambda v: jnp.fft.rfft(v, n=6, axis=0), (x,), order=2)
        check_grads(lambda v: jnp.fft.irfft(v, n=5, norm="forward"), (c,), order=2)
        check_grads(lambda v: jnp.fft.hfft(v, axis=0), (c,), order=1)
        check_grads(lambda v: jnp.fft.ihfft(v, n=3), (x,), order=1)
        check_grads(lambda v: jnp.fft.rfftn(v, s=(2, 5)), (x,), order=1)
        check_grads(lambda v: jnp.fft.irfftn(v, norm="ortho"), (c,), order=1)
        check_grads(lambda v: jnp.fft.fftn(v[None, None], axes=(3, 0, 2, 1)), (c,), order=1)
        check_grads(lambda v: jnp.fft.fftshift(v), (x,), order=1)


def test_gradient_of_power_is_parseval():
    """sum |rfft(x)|^2 counts each paired frequency once, so with weights 2 on them it is
    n sum x^2 (Parseval), whose gradient is 2 n x."""
    x = np.random.default_rng(7).standard_normal(8).astype(np.float32)
    weights = np.array([1, 2, 2, 2, 1], np.float32)

    def power(v):
        return jnp.sum(weights * jnp.abs(jnp.fft.rfft(v)) ** 2)
    np.testing.assert_allclose(np.asarray(numax.grad(power)(x)), 16 * x, rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(np.asarray(numax.jit(numax.grad(power))(x)), 16 * x,
                               rtol=1e-4, atol=1e-4)
