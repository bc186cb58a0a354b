"""numax.numpy: NumPy's API on numax arrays, with JAX's semantics where they differ.

This module lists the public names; the implementations live in the private modules
beside it (creation, ufuncs, reductions, shape, indexing). Importing it installs the
array operators and methods on `numax.Array` and on tracers.
"""

import numpy as _np

from numax.array import Array as ndarray  # noqa: F401
from numax.core import dtypes as _dtypes
from numax.core.dtypes import (bfloat16, bool_, complex64, complex128, finfo, float16,  # noqa: F401
                               float32, float64, iinfo, int8, int16, int32, int64, issubdtype,
                               promote_types, result_type, uint8, uint16, uint32, uint64)
from numax.numpy.creation import (arange, array, asarray, empty, empty_like, eye, full,  # noqa: F401
                                  full_like, identity, linspace, ones, ones_like, zeros,
                                  zeros_like)
from numax.numpy.ufuncs import (abs, absolute, add, arccos, arccosh, arcsin, arcsinh,  # noqa: F401
                                arctan, arctan2, arctanh, around, bitwise_and, bitwise_not,
                                bitwise_or, bitwise_xor, cbrt, ceil, conj, conjugate, cos, cosh,
                                deg2rad, degrees, divide, divmod, equal, exp, exp2, expm1,
                                float_power, floor, floor_divide, fmod, greater, greater_equal,
                                imag, invert, isfinite, isinf, isnan, left_shift, less,
                                less_equal, log, log1p, log2, log10, logical_and, logical_not,
                                logical_or, logical_xor, maximum, minimum, mod, multiply,
                                negative, nextafter, not_equal, positive, power, rad2deg,
                                radians, real, reciprocal, remainder, right_shift, rint, round,
                                sign, sin, sinh, sqrt, square, subtract, tan, tanh, true_divide,
                                trunc)
from numax.numpy.reductions import (all, amax, amin, any, argmax, argmin, max, mean, min,  # noqa: F401
                                    prod, std, sum, var)
from numax.numpy.manipulation import (astype, atleast_1d, atleast_2d, atleast_3d,  # noqa: F401
                               broadcast_arrays, broadcast_shapes, broadcast_to, clip,
                               concatenate, dot, expand_dims, hstack, matmul, moveaxis, ndim,
                               permute_dims, ravel, reshape, shape, size, squeeze, stack,
                               swapaxes, transpose, vstack, where)

pi = _np.pi
e = _np.e
inf = _np.inf
nan = _np.nan
newaxis = None
euler_gamma = _np.euler_gamma
int_ = _np.int64
float_ = _np.float64
complex_ = _np.complex128
dtype = _np.dtype
generic, number, inexact, floating, integer = (_np.generic, _np.number, _np.inexact,
                                               _np.floating, _np.integer)
signedinteger, unsignedinteger, complexfloating, bool = (_np.signedinteger,  # noqa: A001
                                                         _np.unsignedinteger,
                                                         _np.complexfloating, _np.bool_)


def _install_array_methods():
    from numax.array import Array
    from numax.core.trace import Tracer
    from numax.numpy.array_methods import install
    install(Array)
    install(Tracer)


_install_array_methods()
