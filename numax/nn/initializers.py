"""numax.nn.initializers: functions that build parameter initializers.

Every builder returns an initializer `init(key, shape, dtype=<builder's dtype>)` that
draws from numax.random with the given key, so the same key gives the same parameters as
JAX for the real dtypes. variance_scaling is the general form: its variance is
scale / fan, with fans taken from the shape's in/out axes times the receptive field (all
other axes but the batch axes), and the draw is a unit-variance truncated normal (cut at
+-2 standard deviations), normal or uniform scaled to that variance. orthogonal uses
numax.random.orthogonal (QR of a Gaussian matrix with R's diagonal made positive).
"""

import math
import operator
from typing import Protocol

import numpy as np

from numax import lax
from numax import numpy as jnp
from numax import random
from numax.core import dtypes

# The standard deviation of a standard normal truncated to [-2, 2]: dividing by it gives
# the truncated draw the requested variance.
_TRUNCATED_NORMAL_STDDEV = 0.87962566103423978


class Initializer(Protocol):
    """What every initializer is: `init(key, shape, dtype) -> Array`."""

    def __call__(self, key, shape, dtype=None):
        ...


def _shape(name, shape):
    try:
        return tuple(operator.index(d) for d in (shape if np.iterable(shape) else (shape,)))
    except TypeError:
        raise TypeError(f"numax.nn.initializers.{name}: shape must be a sequence of "
                        f"integers, got {shape!r}") from None


def _float_dtype(name, dtype):
    dtype = dtypes.canonicalize_dtype(dtype)
    if not dtypes.is_inexact(dtype):
        raise TypeError(f"numax.nn.initializers.{name}: dtype must be a floating or complex "
                        f"dtype, got {dtype}")
    return dtype


# ---------------------------------------------------------------- constant initializers


def zeros(key, shape, dtype=float):
    """An initializer: an array of zeros (the key is unused)."""
    del key
    return jnp.zeros(_shape("zeros", shape), dtypes.canonicalize_dtype(dtype))


def ones(key, shape, dtype=float):
    """An initializer: an array of ones (the key is unused)."""
    del key
    return jnp.ones(_shape("ones", shape), dtypes.canonicalize_dtype(dtype))


def constant(value, dtype=float):
    """Builds an initializer filling the shape with `value`.

    >>> import numax.nn.initializers as init
    >>> init.constant(-7)(None, (2,))
    Array([-7., -7.], dtype=float32)
    """
    def init(key, shape, dtype=dtype):
        del key
        return jnp.full(_shape("constant", shape), value, dtypes.canonicalize_dtype(dtype))
    return init


# ---------------------------------------------------------------- simple random draws


def uniform(scale=1e-2, dtype=float):
    """Builds an initializer drawing uniformly from [0, scale)."""
    def init(key, shape, dtype=dtype):
        dtype = _float_dtype("uniform", dtype)
        return random.uniform(key, _shape("uniform", shape), dtype) * \
            jnp.array(scale, dtype)
    return init


def normal(stddev=1e-2, dtype=float):
    """Builds an initializer drawing from a normal with mean 0 and `stddev`."""
    def init(key, shape, dtype=dtype):
        dtype = _float_dtype("normal", dtype)
        return random.normal(key, _shape("normal", shape), dtype) * jnp.array(stddev, dtype)
    return init


def truncated_normal(stddev=1e-2, dtype=float, lower=-2.0, upper=2.0):
    """Builds an initializer drawing from a standard normal truncated to [lower, upper],
    times `stddev` (so the result's deviation is below stddev)."""
    def init(key, shape, dtype=dtype):
        dtype = _float_dtype("truncated_normal", dtype)
        if dtypes.is_complex(dtype):
            raise TypeError("numax.nn.initializers.truncated_normal: complex dtypes are not "
                            f"supported, got {dtype}")
        return random.truncated_normal(key, lower, upper, _shape("truncated_normal", shape),
                                       dtype) * jnp.array(stddev, dtype)
    return init


# ---------------------------------------------------------------- variance scaling


def _axes_size(shape, axes):
    axes = (axes,) if isinstance(axes, (int, np.integer)) else tuple(axes)
    return math.prod(shape[a] for a in axes)


def _compute_fans(shape, in_axis=-2, out_axis=-1, batch_axis=()):
    """(fan_in, fan_out) of a weight of `shape`: the in/out axes' sizes times the
    receptive field (the product of every axis that is neither in, out nor batch)."""
    if len(shape) <= 1:
        raise ValueError(f"Can't compute input and output sizes of a {len(shape)}-dimensional "
                         "weights tensor: variance-scaling initializers need at least 2 "
                         f"dimensions, got shape {tuple(shape)}")
    in_size = _axes_size(shape, in_axis)
    out_size = _axes_size(shape, out_axis)
    batch_size = _axes_size(shape, batch_axis)
    receptive_field = math.prod(shape) / in_size / out_size / batch_size
    return in_size * receptive_field, out_size * receptive_field


def variance_scaling(scale, mode, distribution, in_axis=-2, out_axis=-1, batch_axis=(),
                     dtype=float):
    """Builds an initializer with variance scale / n, n the fan chosen by `mode`:
    'fan_in', 'fan_out' or 'fan_avg' ((fan_in + fan_out) / 2).

    `distribution` is 'truncated_normal' (a standard normal cut at +-2, rescaled to unit
    variance), 'normal' or 'uniform' (on [-sqrt(3 var), sqrt(3 var))). Fans multiply
    the in/out axes' sizes by the receptive field (the other non-batch axes).
    """
    if mode not in ("fan_in", "fan_out", "fan_avg"):
        raise ValueError(f"numax.nn.initializers.variance_scaling: mode must be 'fan_in', "
                         f"'fan_out' or 'fan_avg', got {mode!r}")
    if distribution not in ("truncated_normal", "normal", "uniform"):
        raise ValueError("numax.nn.initializers.variance_scaling: distribution must be "
                         f"'truncated_normal', 'normal' or 'uniform', got {distribution!r}")

    def init(key, shape, dtype=dtype):
        shape = _shape("variance_scaling", shape)
        dtype = _float_dtype("variance_scaling", dtype)
        fan_in, fan_out = _compute_fans(shape, in_axis, out_axis, batch_axis)
        denominator = {"fan_in": fan_in, "fan_out": fan_out,
                       "fan_avg": (fan_in + fan_out) / 2}[mode]
        variance = np.array(scale / denominator, dtypes.real_dtype(dtype))
        if distribution == "truncated_normal":
            if dtypes.is_complex(dtype):
                raise TypeError("numax.nn.initializers.variance_scaling: the "
                                "'truncated_normal' distribution does not support complex "
                                f"dtypes, got {dtype}; use 'normal'")
            stddev = np.sqrt(variance) / np.array(_TRUNCATED_NORMAL_STDDEV, dtype)
            return random.truncated_normal(key, -2, 2, shape, dtype) * stddev.astype(dtype)
        if distribution == "normal":
            return random.normal(key, shape, dtype) * np.sqrt(variance).astype(dtype)
        if dtypes.is_complex(dtype):
            raise TypeError("numax.nn.initializers.variance_scaling: the 'uniform' "
                            f"distribution does not support complex dtypes, got {dtype}; use "
                            "'normal'")
        return random.uniform(key, shape, dtype, -1) * np.sqrt(3 * variance).astype(dtype)
    return init


def glorot_uniform(in_axis=-2, out_axis=-1, batch_axis=(), dtype=float):
    """Glorot / Xavier uniform: variance_scaling(1, 'fan_avg', 'uniform')."""
    return variance_scaling(1.0, "fan_avg", "uniform", in_axis, out_axis, batch_axis, dtype)


def glorot_normal(in_axis=-2, out_axis=-1, batch_axis=(), dtype=float):
    """Glorot / Xavier normal: variance_scaling(1, 'fan_avg', 'truncated_normal')."""
    return variance_scaling(1.0, "fan_avg", "truncated_normal", in_axis, out_axis, batch_axis,
                            dtype)


def lecun_uniform(in_axis=-2, out_axis=-1, batch_axis=(), dtype=float):
    """LeCun uniform: variance_scaling(1, 'fan_in', 'uniform')."""
    return variance_scaling(1.0, "fan_in", "uniform", in_axis, out_axis, batch_axis, dtype)


def lecun_normal(in_axis=-2, out_axis=-1, batch_axis=(), dtype=float):
    """LeCun normal: variance_scaling(1, 'fan_in', 'truncated_normal')."""
    return variance_scaling(1.0, "fan_in", "truncated_normal", in_axis, out_axis, batch_axis,
                            dtype)


def he_uniform(in_axis=-2, out_axis=-1, batch_axis=(), dtype=float):
    """He / Kaiming uniform: variance_scaling(2, 'fan_in', 'uniform')."""
    return variance_scaling(2.0, "fan_in", "uniform", in_axis, out_axis, batch_axis, dtype)


def he_normal(in_axis=-2, out_axis=-1, batch_axis=(), dtype=float):
    """He / Kaiming normal: variance_scaling(2, 'fan_in', 'truncated_normal')."""
    return variance_scaling(2.0, "fan_in", "truncated_normal", in_axis, out_axis, batch_axis,
                            dtype)


xavier_uniform, xavier_normal = glorot_uniform, glorot_normal
kaiming_uniform, kaiming_normal = he_uniform, he_normal


# ---------------------------------------------------------------- orthogonal


def orthogonal(scale=1.0, column_axis=-1, dtype=float):
    """Builds an initializer of (scaled) orthogonal matrices: the shape is viewed as a
    matrix whose columns run along `column_axis` and rows along all other axes; the
    result has orthonormal columns (rows, if there are fewer rows than columns)."""
    def init(key, shape, dtype=dtype):
        shape = _shape("orthogonal", shape)
        dtype = _float_dtype("orthogonal", dtype)
        if len(shape) < 2:
            raise ValueError("numax.nn.initializers.orthogonal: needs a shape of at least 2 "
                             f"dimensions, got {shape}")
        axis = column_axis % len(shape) if -len(shape) <= column_axis < len(shape) else None
        if axis is None:
            raise ValueError(f"numax.nn.initializers.orthogonal: column_axis {column_axis} "
                             f"is out of range for shape {shape}")
        n_cols = shape[axis]
        n_rows = math.prod(shape) // n_cols if n_cols else 0
        # n_rows x n_cols with orthonormal columns, or rows when n_rows < n_cols.
        q = random.orthogonal(key, n_rows, (), dtype, m=n_cols)
        other = tuple(d for i, d in enumerate(shape) if i != axis)
        q = jnp.moveaxis(jnp.reshape(q, other + (n_cols,)), -1, axis)
        return q * jnp.array(scale, dtype)
    return init


def delta_orthogonal(scale=1.0, column_axis=-1, dtype=float):
    """Builds the delta-orthogonal initializer of convolution kernels (3-D, 4-D or 5-D,
    spatial axes first, then in and out channels): zero everywhere except the spatial
    centre, which holds an orthogonal (in, out) matrix. Needs in <= out."""
    def init(key, shape, dtype=dtype):
        shape = _shape("delta_orthogonal", shape)
        dtype = _float_dtype("delta_orthogonal", dtype)
        if len(shape) not in (3, 4, 5):
            raise ValueError("numax.nn.initializers.delta_orthogonal: needs a 3-D, 4-D or 5-D "
                             f"shape (spatial axes, in, out), got {shape}")
        if shape[-1] < shape[-2]:
            raise ValueError("numax.nn.initializers.delta_orthogonal: `fan_in` must be less "
                             f"than or equal to `fan_out`, got in={shape[-2]} > "
                             f"out={shape[-1]}")
        matrix = orthogonal(scale, column_axis, dtype)(key, shape[-2:])
        spatial = shape[:-2]
        centre = jnp.reshape(matrix, (1,) * len(spatial) + shape[-2:])
        zero = jnp.array(0, dtype)
        padding = [((k - 1) // 2, k - 1 - (k - 1) // 2, 0) for k in spatial] + [(0, 0, 0)] * 2
        return lax.pad(centre, zero, padding)
    return init


__all__ = [
    "Initializer", "constant", "delta_orthogonal", "glorot_normal", "glorot_uniform",
    "he_normal", "he_uniform", "kaiming_normal", "kaiming_uniform", "lecun_normal",
    "lecun_uniform", "normal", "ones", "orthogonal", "truncated_normal", "uniform",
    "variance_scaling", "xavier_normal", "xavier_uniform", "zeros",
]
