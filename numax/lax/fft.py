"""The fast Fourier transform primitive `fft` and the FftType enum naming its four kinds.

`fft` transforms the trailing len(fft_lengths) axes (one to three) of its operand in one
`stablehlo.fft`: FFT and IFFT map complex to complex (IFFT scaled by 1 / prod(lengths)),
RFFT maps real to the non-negative-frequency half of the spectrum (last axis n // 2 + 1)
and IRFFT maps such a half spectrum back to a real signal of the given lengths. All four
are linear. Their transposes, for the unconjugated pairing Re(sum(u * v)) that every
numax transpose is adjoint for, are again FFTs: the DFT matrices are symmetric, and the
real kinds transpose to each other with per-frequency weights that account for the
frequencies the half spectrum stands for twice. Leading axes are batch axes of the op
itself, so vmap moves its axis there when it is among the transformed ones.
"""

import enum

import numpy as np

from numax.core import dtypes
from numax.core.abstract import ShapedArray
from numax.core.errors import NumaxTypeError
from numax.core.primitive import Primitive
from numax.lax._ad_rules import Zero, aval_of, is_zero
from numax.lax._rules import COMPLEX, check_dtype, random_array
from numax.lowering import array_attribute
from numax.transforms.batching import move_axis


class FftType(enum.IntEnum):
    """The kind of transform `lax.fft` computes; strings 'fft', 'ifft', 'rfft' and 'irfft'
    (any case) name the same kinds."""

    FFT = 0
    IFFT = 1
    RFFT = 2
    IRFFT = 3

    @classmethod
    def _missing_(cls, value):
        if isinstance(value, str) and value.upper() in cls.__members__:
            return cls[value.upper()]
        return None

    def __str__(self):
        return self.name


_REAL_IN = frozenset([np.dtype(np.float32), np.dtype(np.float64)])


def _half(n):
    """Length of the non-negative-frequency half of a real signal's spectrum."""
    return n // 2 + 1


def _fft_abstract(x, *, fft_type, fft_lengths):
    name = f"fft ({fft_type.name})"
    if not 1 <= len(fft_lengths) <= 3 or len(fft_lengths) > x.ndim:
        raise NumaxTypeError(f"{name}: fft_lengths {fft_lengths} must name one to three "
                             f"trailing axes of the operand (shape {x.shape})")
    if any(n < 1 for n in fft_lengths):
        raise ValueError(f"{name}: fft_lengths {fft_lengths} must be positive")
    lead, trailing = x.shape[:x.ndim - len(fft_lengths)], x.shape[x.ndim - len(fft_lengths):]
    expected = tuple(fft_lengths)
    if fft_type == FftType.IRFFT:
        expected = expected[:-1] + (_half(fft_lengths[-1]),)
    if trailing != expected:
        raise NumaxTypeError(f"{name}: the operand's trailing axes {trailing} must be "
                             f"{expected} for fft_lengths {fft_lengths}")
    if fft_type == FftType.RFFT:
        check_dtype(name, x, _REAL_IN)
        shape = lead + expected[:-1] + (_half(fft_lengths[-1]),)
        dtype = dtypes.to_complex_dtype(x.dtype)
    else:
        check_dtype(name, x, COMPLEX)
        shape = lead + tuple(fft_lengths)
        dtype = dtypes.real_dtype(x.dtype) if fft_type == FftType.IRFFT else x.dtype
    return ShapedArray(shape, dtype, x.weak_type)


def _fft_lower(ctx, x, *, fft_type, fft_lengths):
    return ctx.op("stablehlo.fft", [x], attributes={
        "fft_type": f"#stablehlo<fft_type {fft_type.name}>",
        "fft_length": array_attribute(fft_lengths)})


def _half_spectrum_weights(ct, n, scale, double):
    """`ct` times scale along its last axis (the half spectrum of a length-n signal), where
    frequencies that stand for a conjugate pair (all but 0 and, for even n, n / 2) are
    further multiplied by `double`."""
    from numax import lax
    aval = aval_of(ct)
    weights = np.full(_half(n), scale * double)
    weights[0] = scale
    if n % 2 == 0:
        weights[-1] = scale
    weights = lax.broadcast_in_dim(weights.astype(aval.dtype), aval.shape, (aval.ndim - 1,))
    return lax.mul(ct, weights)


def fft_transpose(ct, x, *, fft_type, fft_lengths):
    """FFT and IFFT are symmetric matrices, so each is its own transpose. RFFT(x)_k
    = sum_j x_j w^jk over the half spectrum, so its transpose sends u to
    Re(sum_k u_k w^jk) = N * IRFFT(conj(u) with the paired frequencies halved). IRFFT reads
    each paired frequency twice and only the real part of the others, so its transpose
    sends u to conj(RFFT(u)) / N with the paired frequencies doubled."""
    from numax import lax
    if is_zero(ct):
        return [Zero(x.aval)]
    size = int(np.prod(fft_lengths))
    n = fft_lengths[-1]
    if fft_type in (FftType.FFT, FftType.IFFT):
        return [fft_p.bind(ct, fft_type=fft_type, fft_lengths=fft_lengths)]
    if fft_type == FftType.RFFT:
        halved = _half_spectrum_weights(lax.conj(ct), n, float(size), 0.5)
        return [fft_p.bind(halved, fft_type=FftType.IRFFT, fft_lengths=fft_lengths)]
    spectrum = fft_p.bind(ct, fft_type=FftType.RFFT, fft_lengths=fft_lengths)
    return [_half_spectrum_weights(lax.conj(spectrum), n, 1.0 / size, 2.0)]


def fft_batch(args, dims, *, fft_type, fft_lengths):
    (x,), (axis,) = args, dims
    if axis >= aval_of(x).ndim - len(fft_lengths):
        x, axis = move_axis(x, axis, 0), 0
    return fft_p.bind(x, fft_type=fft_type, fft_lengths=fft_lengths), axis


def _fft_examples():
    # The tricky transposes (RFFT, IRFFT, odd and even lengths) come first: the generic
    # derivative checker reads only the first few examples.
    rng = np.random.default_rng(0)
    return [
        ((random_array(rng, (2, 4, 6), np.float32),), dict(fft_type=FftType.RFFT,
                                                           fft_lengths=(4, 6))),
        ((random_array(rng, (3, 3), np.complex64),), dict(fft_type=FftType.IRFFT,
                                                          fft_lengths=(3, 5))),
        ((random_array(rng, (2, 3, 4), np.complex64),), dict(fft_type=FftType.FFT,
                                                             fft_lengths=(2, 3, 4))),
        ((random_array(rng, (3, 5), np.complex64),), dict(fft_type=FftType.IFFT,
                                                          fft_lengths=(5,))),
        ((random_array(rng, (7,), np.float32),), dict(fft_type=FftType.RFFT,
                                                      fft_lengths=(7,))),
        ((random_array(rng, (2, 4), np.complex64),), dict(fft_type=FftType.IRFFT,
                                                          fft_lengths=(6,))),
        ((random_array(rng, (0, 4), np.complex64),), dict(fft_type=FftType.FFT,
                                                          fft_lengths=(4,))),
    ]


fft_p = Primitive(
    "fft",
    abstract_eval=_fft_abstract,
    lower=_fft_lower,
    linear=True,
    transpose=fft_transpose,
    batch=fft_batch,
    examples=_fft_examples,
)


def fft(x, fft_type, fft_lengths):
    """The `fft_type` transform (an FftType or its name) of the trailing len(fft_lengths)
    axes of `x`. FFT, IFFT and IRFFT take complex input (real input is converted), RFFT
    real input; IFFT and IRFFT divide by prod(fft_lengths).

    >>> import numpy as np
    >>> from numax import lax
    >>> lax.fft(np.array([1.0, 2.0, 3.0, 4.0], np.float32), 'rfft', (4,))
    Array([10.+0.j, -2.+2.j, -2.+0.j], dtype=complex64)
    """
    from numax import lax
    try:
        fft_type = FftType(fft_type)
    except ValueError:
        raise ValueError(f"lax.fft: fft_type {fft_type!r} is not one of "
                         f"{[t.name for t in FftType]} (or their lower-case names)") from None
    if isinstance(fft_lengths, (int, np.integer)):
        fft_lengths = (fft_lengths,)
    try:
        fft_lengths = tuple(int(n) for n in fft_lengths)
    except TypeError:
        raise NumaxTypeError(f"lax.fft: fft_lengths must be a sequence of static integers, "
                             f"got {fft_lengths!r}") from None
    dtype = aval_of(x).dtype
    if fft_type == FftType.RFFT:
        if dtypes.is_complex(dtype):
            raise NumaxTypeError("lax.fft: RFFT takes real input, got complex "
                                 f"{dtype.name}; use FFT for complex signals")
        target = dtypes.to_inexact_dtype(dtype)
    else:
        target = dtypes.to_complex_dtype(dtype)
    if target != dtype:
        x = lax.convert_element_type(x, target)
    return fft_p.bind(x, fft_type=fft_type, fft_lengths=fft_lengths)


__all__ = ["FftType", "fft", "fft_p"]
