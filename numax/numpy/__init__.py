"""numax.numpy: NumPy's API on numax arrays, with JAX's semantics where they differ.

This module lists the public names; the implementations live in the private modules
beside it (creation, ufuncs, reductions, shape, indexing). Importing it installs the
array operators and methods on `numax.Array` and on tracers.
"""

import numpy as _np

from numax.array import AnyArray as ndarray  # noqa: F401
from numax.core import dtypes as _dtypes
from numax.core.dtypes import (finfo, iinfo, issubdtype, promote_types,  # noqa: F401
                               result_type)
from numax.numpy.scalar_types import SCALAR_TYPES as _SCALAR_TYPES
from numax.numpy.creation import (arange, array, asarray, copy, empty, empty_like, eye,  # noqa: F401
                                  from_dlpack, full, full_like, identity, linspace, ones,
                                  ones_like, zeros, zeros_like)
from numax.numpy.ufuncs import (abs, absolute, add, arccos, arccosh, arcsin, arcsinh,  # noqa: F401
                                arctan, arctan2, arctanh, around, bitwise_and, bitwise_not,
                                bitwise_or, bitwise_xor, bitwise_count, cbrt, ceil, conj,
                                conjugate, copysign, cos, cosh, deg2rad, degrees, divide,
                                divmod, equal, exp, exp2, expm1, fabs, float_power, floor,
                                floor_divide, fmax, fmin, fmod, greater, greater_equal,
                                heaviside, hypot, imag, invert, isclose, isfinite, isinf,
                                isnan,
                                isneginf, isposinf, left_shift, less, less_equal, log, log1p,
                                log2, log10, logaddexp, logaddexp2, logical_and, logical_not,
                                logical_or, logical_xor, maximum, minimum, mod, multiply,
                                negative, nextafter, not_equal, positive, power, rad2deg,
                                radians, real, reciprocal, remainder, right_shift, rint, round,
                                sign, signbit, sin, sinc, sinh, sqrt, square, subtract, tan,
                                tanh, true_divide, trunc)
from numax.numpy.reductions import (all, allclose, amax, amin, any, argmax, argmin,  # noqa: F401
                                    array_equal, max, mean, min, prod, std, sum, var)
from numax.numpy.manipulation import (astype, atleast_1d, atleast_2d, atleast_3d,  # noqa: F401
                               broadcast_arrays, broadcast_shapes, broadcast_to, clip,
                               argwhere, concatenate, count_nonzero, dot, expand_dims,
                               flatnonzero, hstack, isscalar, matmul, moveaxis, ndim, nonzero,
                               permute_dims, ravel, reshape, shape, size, squeeze, stack,
                               swapaxes, transpose, vstack, where)

# Scalar types (float32, int8, bfloat16, ...): usable as dtypes and callable like JAX's.
globals().update(_SCALAR_TYPES)
bool = _SCALAR_TYPES["bool_"]  # noqa: A001
single, double = _SCALAR_TYPES["float32"], _SCALAR_TYPES["float64"]
csingle, cdouble = _SCALAR_TYPES["complex64"], _SCALAR_TYPES["complex128"]
int_, uint = _SCALAR_TYPES["int64"], _SCALAR_TYPES["uint64"]
float_, complex_ = _SCALAR_TYPES["float64"], _SCALAR_TYPES["complex128"]

# Array-API spellings of the same functions.
acos, asin, atan, atan2 = arccos, arcsin, arctan, arctan2
acosh, asinh, atanh = arccosh, arcsinh, arctanh
pow = power  # noqa: A001
bitwise_invert, bitwise_left_shift, bitwise_right_shift = invert, left_shift, right_shift
concat = concatenate

# NumPy's warning for a complex value cast to a real type (jnp re-exports it, as JAX does).
ComplexWarning = _np.exceptions.ComplexWarning

pi = _np.pi
e = _np.e
inf = _np.inf
nan = _np.nan
newaxis = None
euler_gamma = _np.euler_gamma
dtype = _np.dtype
generic, number, inexact, floating, integer = (_np.generic, _np.number, _np.inexact,
                                               _np.floating, _np.integer)
signedinteger, unsignedinteger, complexfloating = (_np.signedinteger, _np.unsignedinteger,
                                                   _np.complexfloating)
flexible, character = _np.flexible, _np.character


from numax.numpy.vectorize import vectorize  # noqa: F401,E402
from numax.numpy import linalg  # noqa: F401,E402
from numax.numpy import fft  # noqa: F401,E402
from numax.numpy.indexing import take, take_along_axis  # noqa: F401,E402
from numax.numpy.sorting import (argpartition, argsort, digitize, lexsort,  # noqa: F401,E402
                                 nanargmax, nanargmin, partition, searchsorted, sort,
                                 sort_complex)
from numax.numpy.cumulative import (cumprod, cumsum, cumulative_prod,  # noqa: F401,E402
                                    cumulative_sum, diff, ediff1d, nancumprod, nancumsum)
from numax.numpy.setops import (intersect1d, isin, setdiff1d, setxor1d,  # noqa: F401,E402
                                union1d, unique, unique_all, unique_counts, unique_inverse,
                                unique_values)
from numax.numpy.rearrange import (array_split, diag, diag_indices,  # noqa: F401,E402
                                   diag_indices_from, diagflat, diagonal, dsplit, flip, fliplr,
                                   flipud, hsplit, repeat, roll, rot90, split, tile, trace, tri,
                                   tril, tril_indices, tril_indices_from, triu, triu_indices,
                                   triu_indices_from, vsplit)
from numax.numpy.padding import pad  # noqa: F401,E402
from numax.numpy.contractions import (cross, einsum, einsum_path, inner,  # noqa: F401,E402
                                      kron, matvec, outer, tensordot, vdot, vecdot, vecmat)
from numax.numpy.histograms import (bincount, histogram,  # noqa: F401,E402
                                    histogram2d, histogram_bin_edges, histogramdd)
from numax.numpy.grids import (indices, ix_, meshgrid, mgrid, ogrid,  # noqa: F401,E402
                               ravel_multi_index, unravel_index)
from numax.numpy.selection import (apply_along_axis, apply_over_axes,  # noqa: F401,E402
                                   choose, compress, extract, fill_diagonal, piecewise, place,
                                   put, put_along_axis, select, trim_zeros)
from numax.numpy.polynomial import (convolve, correlate, interp, poly,  # noqa: F401,E402
                                    polyadd, polyder, polydiv, polyfit, polyint, polymul,
                                    polysub, polyval, roots, vander)
from numax.numpy.nan_reductions import (nanmax, nanmean, nanmin, nanprod,  # noqa: F401,E402
                                        nanstd, nansum, nanvar)
from numax.numpy.statistics import (average, corrcoef, cov, median,  # noqa: F401,E402
                                    nanmedian, nanpercentile, nanquantile, percentile, ptp,
                                    quantile)
from numax.numpy.windows import bartlett, blackman, hamming, hanning, i0, kaiser  # noqa: F401,E402
from numax.numpy.number_parts import (angle, frexp, gcd, iscomplex,  # noqa: F401,E402
                                      iscomplexobj, isreal, isrealobj, lcm, ldexp, modf,
                                      nan_to_num, spacing)
from numax.numpy.calculus import gradient, trapezoid, unwrap  # noqa: F401,E402
from numax.numpy.assembly import (append, block, column_stack, delete,  # noqa: F401,E402
                                  dstack, insert, matrix_transpose, resize, rollaxis, unstack)
from numax.numpy.index_tricks import c_, index_exp, mask_indices, r_, s_  # noqa: F401,E402
from numax.numpy.ranges import fromfunction, geomspace, logspace  # noqa: F401,E402
from numax.numpy.host_io import (frombuffer, fromfile, fromiter,  # noqa: F401,E402
                                 fromstring, load, save, savez)
from numax.numpy.bit_packing import packbits, unpackbits  # noqa: F401,E402
from numax.numpy.introspection import (array_equiv, array_repr,  # noqa: F401,E402
                                       array_str, can_cast, get_printoptions, isdtype,
                                       iterable, object_, printoptions, set_printoptions)
from numax.numpy.ufunc_class import frompyfunc, ufunc  # noqa: F401,E402


def _install_array_methods():
    from numax.array import Array
    from numax.core.trace import Tracer
    from numax.numpy.array_methods import install
    install(Array)
    install(Tracer)


_install_array_methods()
