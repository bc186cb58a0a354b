"""lax.fft against numpy.fft: the four kinds on one to three trailing axes, even, odd and
unit lengths, float32/complex64 and (under x64) float64/complex128; FftType and its
string names; shape/dtype errors; eager == jit; vmap with the batch axis among the
transformed axes against a loop; the transpose identity <u, J v> == <J^T u, v> for every
kind and length (the real kinds' transposes are derived by hand); derivatives against
finite differences.
"""

import numpy as np
import pytest

import numax
from numax import lax
from numax.core.errors import NumaxTypeError
from numax.test_util import check_grads

_NUMPY = {
    lax.FftType.FFT: lambda x, lengths: np.fft.fftn(x, axes=_trailing(lengths)),
    lax.FftType.IFFT: lambda x, lengths: np.fft.ifftn(x, axes=_trailing(lengths)),
    lax.FftType.RFFT: lambda x, lengths: np.fft.rfftn(x, axes=_trailing(lengths)),
    lax.FftType.IRFFT: lambda x, lengths: np.fft.irfftn(x, s=lengths, axes=_trailing(lengths)),
}

# (leading shape, fft_lengths): even, odd and unit lengths on one to three axes.
_CASES = [((), (8,)), ((3,), (5,)), ((2,), (1,)), ((), (2,)), ((2,), (4, 6)),
          ((), (3, 5)), ((2,), (2, 3, 4)), ((), (3, 1, 5))]


def _trailing(lengths):
    return tuple(range(-len(lengths), 0))


def _input(rng, fft_type, lead, lengths, dtype):
    shape = tuple(lead) + tuple(lengths)
    if fft_type == lax.FftType.IRFFT:
        shape = shape[:-1] + (lengths[-1] // 2 + 1,)
    x = rng.standard_normal(shape)
    if fft_type != lax.FftType.RFFT:
        x = x + 1j * rng.standard_normal(shape)
    return x.astype(dtype)


def _dtype(fft_type, wide):
    if fft_type == lax.FftType.RFFT:
        return np.float64 if wide else np.float32
    return np.complex128 if wide else np.complex64


@pytest.mark.parametrize("fft_type", list(lax.FftType))
@pytest.mark.parametrize("lead,lengths", _CASES)
def test_matches_numpy_single_precision(fft_type, lead, lengths):
    rng = np.random.default_rng(0)
    x = _input(rng, fft_type, lead, lengths, _dtype(fft_type, wide=False))
    out = lax.fft(x, fft_type, lengths)
    expected = _NUMPY[fft_type](x.astype(np.complex128 if np.iscomplexobj(x) else np.float64),
                                lengths)
    assert out.shape == expected.shape
    assert out.dtype == (np.float32 if fft_type == lax.FftType.IRFFT else np.complex64)
    np.testing.assert_allclose(np.asarray(out), expected, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("fft_type", list(lax.FftType))
def test_matches_numpy_double_precision(fft_type):
    rng = np.random.default_rng(1)
    with numax.enable_x64():
        for lead, lengths in _CASES[::2]:
            x = _input(rng, fft_type, lead, lengths, _dtype(fft_type, wide=True))
            out = lax.fft(x, fft_type, lengths)
            assert out.dtype == (np.float64 if fft_type == lax.FftType.IRFFT else np.complex128)
            np.testing.assert_allclose(np.asarray(out), _NUMPY[fft_type](x, lengths),
                                       rtol=1e-12, atol=1e-12)


def test_fft_type_names_and_conversions():
    assert lax.FftType("rfft") is lax.FftType.RFFT
    assert lax.FftType("IFFT") is lax.FftType.IFFT
    assert lax.FftType(3) is lax.FftType.IRFFT
    x = np.arange(6, dtype=np.float32)
    # FFT of real (and integer) input converts it to complex first.
    np.testing.assert_allclose(np.asarray(lax.fft(x, "fft", (6,))), np.fft.fft(x), atol=1e-5)
    ints = np.arange(6, dtype=np.int32)
    assert lax.fft(ints, lax.FftType.FFT, 6).dtype == np.complex64
    assert lax.fft(ints, lax.FftType.RFFT, [6]).dtype == np.complex64
    with pytest.raises(ValueError, match="fft_type"):
        lax.fft(x, "dct", (6,))


def test_errors_name_the_mistake():
    x = np.zeros((2, 6), np.complex64)
    with pytest.raises(NumaxTypeError, match="RFFT takes real input"):
        lax.fft(x, "rfft", (6,))
    with pytest.raises(NumaxTypeError, match="trailing axes"):
        lax.fft(x, "fft", (5,))
    with pytest.raises(NumaxTypeError, match="trailing axes"):
        lax.fft(x, "irfft", (6,))            # a length-6 signal has 4 half-spectrum terms
    with pytest.raises(NumaxTypeError, match="one to three"):
        lax.fft(np.zeros((1, 1, 1, 1), np.complex64), "fft", (1, 1, 1, 1))
    with pytest.raises(NumaxTypeError, match="one to three"):
        lax.fft(np.zeros((4,), np.complex64), "fft", (1, 4))
    with pytest.raises(NumaxTypeError, match="static integers"):
        lax.fft(x, "fft", None)
    with pytest.raises(NumaxTypeError, match="float16"):
        lax.fft(np.zeros(4, np.float16), "rfft", (4,))


@pytest.mark.parametrize("fft_type", list(lax.FftType))
def test_jit_matches_eager(fft_type):
    rng = np.random.default_rng(2)
    x = _input(rng, fft_type, (2,), (4, 5), _dtype(fft_type, wide=False))
    eager = lax.fft(x, fft_type, (4, 5))
    staged = numax.jit(lambda v: lax.fft(v, fft_type, (4, 5)))(x)
    np.testing.assert_array_equal(np.asarray(eager), np.asarray(staged))


@pytest.mark.parametrize("fft_type", list(lax.FftType))
@pytest.mark.parametrize("in_axis", [0, 1, 2, -1])
def test_vmap_matches_loop(fft_type, in_axis):
    rng = np.random.default_rng(3)
    lengths = (3, 4)
    xs = _input(rng, fft_type, (2,), lengths, _dtype(fft_type, wide=False))  # batch of 2
    moved = np.moveaxis(xs, 0, in_axis)
    out = numax.vmap(lambda v: lax.fft(v, fft_type, lengths), in_axes=in_axis)(moved)
    expected = np.stack([np.asarray(lax.fft(x, fft_type, lengths)) for x in xs])
    np.testing.assert_allclose(np.asarray(out), expected, rtol=1e-6, atol=1e-6)
    nested = numax.vmap(numax.vmap(lambda v: lax.fft(v, fft_type, lengths[1:])))(xs)
    np.testing.assert_allclose(np.asarray(nested), _NUMPY[fft_type](xs, lengths[1:]),
                               rtol=1e-5, atol=1e-5)


def _real_inner(a, b):
    return np.sum(np.asarray(a, np.complex128) * np.asarray(b, np.complex128)).real


@pytest.mark.parametrize("fft_type", list(lax.FftType))
@pytest.mark.parametrize("lead,lengths", _CASES)
def test_transpose_identity(fft_type, lead, lengths):
    """The VJP (built from the transpose rule) is the adjoint of the JVP, checked with the
    JVP itself computed by NumPy, for the unconjugated pairing Re(sum(u * v))."""
    rng = np.random.default_rng(4)
    with numax.enable_x64():
        x = _input(rng, fft_type, lead, lengths, _dtype(fft_type, wide=True))
        v = _input(rng, fft_type, lead, lengths, _dtype(fft_type, wide=True))
        out, pullback = numax.vjp(lambda t: lax.fft(t, fft_type, lengths), x)
        u = rng.standard_normal(out.shape)
        if np.iscomplexobj(np.asarray(out)):
            u = u + 1j * rng.standard_normal(out.shape)
        (ct,) = pullback(u.astype(out.dtype))
        assert ct.shape == x.shape and ct.dtype == x.dtype
        jv = _NUMPY[fft_type](v, lengths)        # linear: J v is the transform of v
        np.testing.assert_allclose(_real_inner(u, jv), _real_inner(ct, v), rtol=1e-10,
                                   atol=1e-10)


@pytest.mark.parametrize("fft_type", list(lax.FftType))
def test_derivatives(fft_type):
    rng = np.random.default_rng(5)
    with numax.enable_x64():
        for lengths in [(6,), (3, 4), (2, 2, 3)]:
            x = _input(rng, fft_type, (2,), lengths, _dtype(fft_type, wide=True))
            check_grads(lambda v: lax.fft(v, fft_type, lengths), (x,), order=2)


def test_gradient_of_power_is_parseval():
    """sum |FFT(x)|^2 = n sum |x|^2, so its gradient at a real x is 2 n x."""
    x = np.random.default_rng(6).standard_normal(8).astype(np.float32)

    def power(v):
        spectrum = lax.fft(v, "fft", (8,))
        return lax.reduce_sum(lax.real(lax.mul(spectrum, lax.conj(spectrum))), (0,))
    np.testing.assert_allclose(np.asarray(numax.grad(power)(x)), 16 * x, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(np.asarray(numax.jit(numax.grad(power))(x)), 16 * x, rtol=1e-5,
                               atol=1e-5)
