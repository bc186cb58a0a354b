"""numax.numpy.fft: NumPy's discrete Fourier transforms on numax arrays.

Owns the complex transforms (fft, ifft, fft2, ifft2, fftn, ifftn), the real ones (rfft,
irfft, rfft2, irfft2, rfftn, irfftn), the Hermitian ones (hfft, ihfft), the sample
frequencies (fftfreq, rfftfreq) and the zero-frequency shifts (fftshift, ifftshift), with
NumPy's n/s, axis/axes and norm ('backward', 'ortho', 'forward') arguments. Every
transform is lax.fft on at most three trailing axes at a time: the requested axes are
moved there and the transform is composed from groups of three (the real transform's
own axis last, as the half spectrum must be taken first and given back last). Inputs
promote as in JAX: integers to the default float, float32 to complex64, float16 and
bfloat16 to float32 / complex64 (XLA has no half-precision FFT). As in JAX, repeated
axes are an error rather than a repeated transform.
"""

import operator

import numpy as np

from numax import lax
from numax.core import dtypes
from numax.lax import FftType
from numax.numpy import ufuncs
from numax.numpy._promote import canonicalize_axis, ensure_array
from numax.numpy.rearrange import roll

_NORMS = (None, "backward", "ortho", "forward")
_SWAPPED_NORM = {None: "forward", "backward": "forward", "ortho": "ortho",
                 "forward": "backward"}
_MOST_AXES_PER_OP = 3  # stablehlo.fft transforms at most three trailing axes


def _convert(api, a, fft_type):
    """`a` as the dtype the transform takes: real for RFFT, complex for the others."""
    a = ensure_array(a)
    if fft_type == FftType.RFFT:
        if dtypes.is_complex(a.dtype):
            raise TypeError(f"numax.numpy.fft.{api} takes real input, got {a.dtype.name}; "
                            "use fft for complex signals (or pass the real part)")
        target = dtypes.to_inexact_dtype(a.dtype)
        if target.itemsize < 4:
            target = np.dtype(np.float32)
    else:
        target = dtypes.to_complex_dtype(a.dtype)
    return a if a.dtype == target else lax.convert_element_type(a, target)


def _axes_and_lengths(api, a, s, axes, fft_type):
    """NumPy's defaults: all axes, or the last len(s); lengths from the input's shape (for
    IRFFT the last one is 2 * (m - 1), the even signal whose half spectrum has m terms)."""
    if a.ndim == 0:
        raise ValueError(f"numax.numpy.fft.{api} needs an array of at least one dimension, "
                         "got a 0-d array")
    if axes is None:
        if s is None:
            axes = tuple(range(a.ndim))
        else:
            if len(s) > a.ndim:
                raise ValueError(f"numax.numpy.fft.{api}: s={tuple(s)} names more axes than "
                                 f"the input has (shape {a.shape})")
            axes = tuple(range(a.ndim - len(s), a.ndim))
    else:
        axes = tuple(canonicalize_axis(axis, a.ndim) for axis in axes)
        if len(set(axes)) != len(axes):
            raise ValueError(f"numax.numpy.fft.{api} does not support repeated axes, got "
                             f"axes={axes}")
    if s is None:
        lengths = [a.shape[axis] for axis in axes]
        if fft_type == FftType.IRFFT and axes:
            lengths[-1] = 2 * (lengths[-1] - 1)
    else:
        if len(s) != len(axes):
            raise ValueError(f"numax.numpy.fft.{api}: s={tuple(s)} and axes={axes} must have "
                             "the same length")
        try:
            lengths = [operator.index(n) for n in s]
        except TypeError:
            raise TypeError(f"numax.numpy.fft.{api}: s must hold static integers, got "
                            f"{tuple(s)!r}") from None
    for n in lengths:
        if n < 1:
            raise ValueError(f"numax.numpy.fft.{api}: invalid number of FFT data points ({n}) "
                             "specified; lengths must be at least 1")
    return axes, tuple(lengths)


def _fit(a, axes, lengths):
    """`a` zero-padded or truncated at the end of each axis to the given length."""
    config = [(0, 0, 0)] * a.ndim
    for axis, n in zip(axes, lengths):
        config[axis] = (0, n - a.shape[axis], 0)
    if all(high == 0 for _, high, _ in config):
        return a
    return lax.pad(a, lax.convert_element_type(0, a.dtype), config)


def _transform_axes(x, fft_type, axes, lengths):
    """lax.fft over up to three `axes` of x, moved to the end (in order) and back."""
    others = [axis for axis in range(x.ndim) if axis not in axes]
    order = tuple(others) + tuple(axes)
    identity = order == tuple(range(x.ndim))
    if not identity:
        x = lax.transpose(x, order)
    x = lax.fft(x, fft_type, lengths)
    if not identity:
        x = lax.transpose(x, tuple(np.argsort(order)))
    return x


def _groups(axes, lengths):
    """(axes, lengths) in groups of at most three, the last group holding the last axes."""
    cut = len(axes) % _MOST_AXES_PER_OP or _MOST_AXES_PER_OP
    bounds = [0] + list(range(cut, len(axes) + 1, _MOST_AXES_PER_OP))
    return [(axes[lo:hi], lengths[lo:hi]) for lo, hi in zip(bounds, bounds[1:])]


def _scale(x, norm, size, inverse):
    """XLA leaves forward transforms unscaled and divides inverse ones by `size`
    (NumPy's 'backward'); other norms rescale the result."""
    if norm in (None, "backward"):
        return x
    if norm == "ortho":
        factor = np.sqrt(size) if inverse else 1 / np.sqrt(size)
    else:
        factor = float(size) if inverse else 1 / size
    return lax.mul(x, float(factor))


def _transform(api, a, fft_type, s, axes, norm):
    if norm not in _NORMS:
        raise ValueError(f"numax.numpy.fft.{api}: invalid norm value {norm!r}; should be "
                         "'backward', 'ortho' or 'forward'")
    if s is not None and isinstance(s, (int, np.integer)):
        raise TypeError(f"numax.numpy.fft.{api}: s must be a sequence of lengths, got {s!r}")
    a = _convert(api, a, fft_type)
    axes, lengths = _axes_and_lengths(api, a, s, axes, fft_type)
    if not axes:
        return a
    input_lengths = lengths
    if fft_type == FftType.IRFFT:
        input_lengths = lengths[:-1] + (lengths[-1] // 2 + 1,)
    x = _fit(a, axes, input_lengths)
    groups = _groups(axes, lengths)
    if fft_type == FftType.RFFT:        # the half spectrum first, then the complex rest
        last_axes, last_lengths = groups.pop()
        x = _transform_axes(x, FftType.RFFT, last_axes, last_lengths)
        for group_axes, group_lengths in groups:
            x = _transform_axes(x, FftType.FFT, group_axes, group_lengths)
    elif fft_type == FftType.IRFFT:     # the complex axes first, the real signal last
        for group_axes, group_lengths in groups[:-1]:
            x = _transform_axes(x, FftType.IFFT, group_axes, group_lengths)
        x = _transform_axes(x, FftType.IRFFT, *groups[-1])
    else:
        for group_axes, group_lengths in groups:
            x = _transform_axes(x, fft_type, group_axes, group_lengths)
    inverse = fft_type in (FftType.IFFT, FftType.IRFFT)
    return _scale(x, norm, int(np.prod(lengths)), inverse)


def _one_axis(n, axis):
    return None if n is None else (n,), (axis,)


# ---------------------------------------------------------------- complex transforms

def fft(a, n=None, axis=-1, norm=None):
    """The one-dimensional discrete Fourier transform along `axis`, of length `n` (the
    input is zero-padded or truncated to it).

    >>> import numax.numpy as jnp
    >>> jnp.fft.fft(jnp.asarray([1.0, 2.0, 3.0, 4.0]))
    Array([10.+0.j, -2.+2.j, -2.+0.j, -2.-2.j], dtype=complex64)
    """
    return _transform("fft", a, FftType.FFT, *_one_axis(n, axis), norm)


def ifft(a, n=None, axis=-1, norm=None):
    """The inverse of fft along `axis` (divided by n under the default norm)."""
    return _transform("ifft", a, FftType.IFFT, *_one_axis(n, axis), norm)


def fft2(a, s=None, axes=(-2, -1), norm=None):
    """The two-dimensional transform over `axes` (by default the last two)."""
    return _transform("fft2", a, FftType.FFT, s, axes, norm)


def ifft2(a, s=None, axes=(-2, -1), norm=None):
    """The inverse of fft2."""
    return _transform("ifft2", a, FftType.IFFT, s, axes, norm)


def fftn(a, s=None, axes=None, norm=None):
    """The n-dimensional transform over `axes` (all axes, or the last len(s), by default)."""
    return _transform("fftn", a, FftType.FFT, s, axes, norm)


def ifftn(a, s=None, axes=None, norm=None):
    """The inverse of fftn."""
    return _transform("ifftn", a, FftType.IFFT, s, axes, norm)


# ---------------------------------------------------------------- real transforms

def rfft(a, n=None, axis=-1, norm=None):
    """The transform of a real signal along `axis`: the n // 2 + 1 non-negative
    frequencies (the others are their complex conjugates).

    >>> import numax.numpy as jnp
    >>> jnp.fft.rfft(jnp.asarray([1.0, 2.0, 3.0, 4.0]))
    Array([10.+0.j, -2.+2.j, -2.+0.j], dtype=complex64)
    """
    return _transform("rfft", a, FftType.RFFT, *_one_axis(n, axis), norm)


def irfft(a, n=None, axis=-1, norm=None):
    """The real signal of length n (by default 2 * (m - 1) for m input frequencies) whose
    rfft is `a` along `axis`."""
    return _transform("irfft", a, FftType.IRFFT, *_one_axis(n, axis), norm)


def rfft2(a, s=None, axes=(-2, -1), norm=None):
    """rfft over the last of `axes`, then fft over the others."""
    return _transform("rfft2", a, FftType.RFFT, s, axes, norm)


def irfft2(a, s=None, axes=(-2, -1), norm=None):
    """The inverse of rfft2."""
    return _transform("irfft2", a, FftType.IRFFT, s, axes, norm)


def rfftn(a, s=None, axes=None, norm=None):
    """rfft over the last of `axes`, then fft over the others."""
    return _transform("rfftn", a, FftType.RFFT, s, axes, norm)


def irfftn(a, s=None, axes=None, norm=None):
    """The inverse of rfftn."""
    return _transform("irfftn", a, FftType.IRFFT, s, axes, norm)


# ---------------------------------------------------------------- Hermitian transforms

def hfft(a, n=None, axis=-1, norm=None):
    """The (real) transform of a signal with Hermitian symmetry given by its first half
    `a`: irfft of conj(a) with the scaling of a forward transform."""
    a = lax.conj(_convert("hfft", a, FftType.IRFFT))
    return _transform("hfft", a, FftType.IRFFT, *_one_axis(n, axis), _SWAPPED_NORM.get(norm, norm))


def ihfft(a, n=None, axis=-1, norm=None):
    """The inverse of hfft: the first n // 2 + 1 terms of the inverse transform of the real
    signal `a`."""
    spectrum = _transform("ihfft", a, FftType.RFFT, *_one_axis(n, axis),
                          _SWAPPED_NORM.get(norm, norm))
    return lax.conj(spectrum)


# ---------------------------------------------------------------- frequencies and shifts

def _frequency_dtype(api, dtype):
    dtype = dtypes.default_float_dtype() if dtype is None else dtypes.canonicalize_dtype(dtype)
    if not dtypes.is_inexact(dtype):
        raise TypeError(f"numax.numpy.fft.{api}: dtype must be a floating-point or complex "
                        f"type, got {dtype.name}")
    return dtype


def _frequencies(api, counts, n, d, dtype, device):
    """`counts` (integers, as dtype) times 1 / (n * d)."""
    dtype = _frequency_dtype(api, dtype)
    result = lax.convert_element_type(counts, dtype)
    if isinstance(d, (int, float, np.integer, np.floating)):
        result = lax.mul(result, float(1.0 / (n * d)))   # the spacing in double, as NumPy
    else:
        result = ufuncs.multiply(result, ufuncs.true_divide(1.0, ufuncs.multiply(d, n)))
    if device is not None:
        from numax.array import device_put
        result = device_put(result, device)
    return result


def _sample_count(api, n):
    try:
        n = operator.index(n)
    except TypeError:
        raise TypeError(f"numax.numpy.fft.{api}: n must be a static integer, got {n!r}") from None
    if n < 1:
        raise ValueError(f"numax.numpy.fft.{api}: n must be positive, got {n}")
    return n


def fftfreq(n, d=1.0, *, dtype=None, device=None):
    """The sample frequencies of fft's output for n samples spaced `d` apart:
    [0, 1, ..., (n - 1) // 2, -(n // 2), ..., -1] / (n * d).

    >>> import numax.numpy as jnp
    >>> jnp.fft.fftfreq(4, d=0.5)
    Array([ 0. ,  0.5, -1. , -0.5], dtype=float32)
    """
    n = _sample_count("fftfreq", n)
    k = lax.iota(np.int32, n)
    counts = lax.select(lax.lt(k, (n + 1) // 2), k, lax.sub(k, n))
    return _frequencies("fftfreq", counts, n, d, dtype, device)


def rfftfreq(n, d=1.0, *, dtype=None, device=None):
    """The sample frequencies of rfft's output for n samples spaced `d` apart:
    [0, 1, ..., n // 2] / (n * d)."""
    n = _sample_count("rfftfreq", n)
    return _frequencies("rfftfreq", lax.iota(np.int32, n // 2 + 1), n, d, dtype, device)


def _shift(x, axes, direction):
    x = ensure_array(x)
    if axes is None:
        axes = tuple(range(x.ndim))
    elif isinstance(axes, (int, np.integer)):
        axes = (axes,)
    axes = tuple(canonicalize_axis(axis, x.ndim) for axis in axes)
    if not axes:
        return x
    return roll(x, tuple(direction * (x.shape[axis] // 2) for axis in axes), axes)


def fftshift(x, axes=None):
    """Rolls the zero frequency to the centre of each axis in `axes` (all by default)."""
    return _shift(x, axes, 1)


def ifftshift(x, axes=None):
    """The inverse of fftshift (they differ for odd lengths)."""
    return _shift(x, axes, -1)


__all__ = ["fft", "ifft", "fft2", "ifft2", "fftn", "ifftn", "rfft", "irfft", "rfft2",
           "irfft2", "rfftn", "irfftn", "hfft", "ihfft", "fftfreq", "rfftfreq", "fftshift",
           "ifftshift"]
