"""Image resampling (`numax.image`): resize and scale_and_translate.

Owns the resampling kernels (triangle, Keys cubic with a = -0.5, Lanczos 3 and 5) and
the separable resampling built on them: for each resized axis, a weight matrix whose
column j holds the kernel evaluated at the distance from output sample j (mapped back
into input coordinates, pixel centres at i + 0.5) to every input pixel, normalised to
sum to one, contracted with the image. With antialiasing, when an axis shrinks the
kernel is stretched by the shrink factor so it averages the input pixels it covers.
'nearest' picks the input pixel under each output pixel centre. Written with
numax.numpy and numax.lax only, so it traces, vmaps and differentiates.
"""

import enum

import numpy as np

from numax import lax
from numax import numpy as jnp
from numax.core import dtypes
from numax.core.trace import is_tracer


class ResizeMethod(enum.Enum):
    NEAREST = 0
    LINEAR = 1
    LANCZOS3 = 2
    LANCZOS5 = 3
    CUBIC = 4

    @staticmethod
    def from_string(name):
        method = _METHOD_NAMES.get(name.lower() if isinstance(name, str) else None)
        if method is None:
            raise ValueError(f"Unknown resize method {name!r}; use one of "
                             f"{sorted(_METHOD_NAMES)}")
        return method


_METHOD_NAMES = {
    "nearest": ResizeMethod.NEAREST,
    "linear": ResizeMethod.LINEAR, "bilinear": ResizeMethod.LINEAR,
    "trilinear": ResizeMethod.LINEAR, "triangle": ResizeMethod.LINEAR,
    "lanczos3": ResizeMethod.LANCZOS3, "lanczos5": ResizeMethod.LANCZOS5,
    "cubic": ResizeMethod.CUBIC, "bicubic": ResizeMethod.CUBIC, "tricubic": ResizeMethod.CUBIC,
}


def _method(method):
    return method if isinstance(method, ResizeMethod) else ResizeMethod.from_string(method)


# ---------------------------------------------------------------- kernels

# Kernels take the array module `xp` (numpy for weights known while tracing, else
# numax.numpy), so one definition serves both.

def _triangle(xp, x):
    return xp.maximum(0.0, 1.0 - xp.abs(x))


def _keys_cubic(xp, x):
    # Keys (1981) cubic convolution with a = -0.5: exact for quadratics.
    a = -0.5
    x = xp.abs(x)
    near = ((a + 2.0) * x - (a + 3.0)) * x * x + 1.0
    far = ((a * x - 5.0 * a) * x + 8.0 * a) * x - 4.0 * a
    return xp.where(x < 1.0, near, xp.where(x < 2.0, far, 0.0))


def _lanczos(radius):
    def kernel(xp, x):
        inside = xp.abs(x) < radius
        return xp.where(inside, xp.sinc(x) * xp.sinc(x / radius), 0.0)
    return kernel


_KERNELS = {ResizeMethod.LINEAR: _triangle, ResizeMethod.CUBIC: _keys_cubic,
            ResizeMethod.LANCZOS3: _lanczos(3.0), ResizeMethod.LANCZOS5: _lanczos(5.0)}


def _weights(xp, in_size, out_size, scale, translation, kernel, antialias, dtype):
    """(in_size, out_size) resampling weights for one axis."""
    inv_scale = 1.0 / scale
    # Shrinking with antialias widens the kernel to cover every input pixel it averages.
    stretch = xp.maximum(inv_scale, 1.0) if antialias else 1.0
    sample = (xp.arange(out_size, dtype=dtype) + 0.5 - translation) * inv_scale - 0.5
    distance = xp.abs(sample[None, :] - xp.arange(in_size, dtype=dtype)[:, None]) / stretch
    weights = kernel(xp, distance)
    total = xp.sum(weights, axis=0, keepdims=True)
    tiny = 1000 * float(dtypes.finfo(np.float32).eps)
    weights = xp.where(xp.abs(total) > tiny, weights / xp.where(total != 0, total, 1), 0)
    # Output samples whose centre maps outside the input get nothing (zero).
    inside = (sample >= -0.5) & (sample <= in_size - 0.5)
    return xp.where(inside[None, :], weights, 0).astype(dtype)


def _float_image(image):
    image = jnp.asarray(image)
    if not dtypes.issubdtype(image.dtype, np.inexact):
        image = image.astype(dtypes.result_type(image.dtype, np.float32))
    return image


def _resample(image, shape, spatial_dims, scale, translation, method, antialias, precision):
    """Contracts each spatial axis with its weights. Known scales and translations give
    weights computed once on the host (in float64); traced ones, weights in the program."""
    kernel = _KERNELS[method]
    if is_tracer(scale) or is_tracer(translation):
        xp = jnp
        weight_dtype = np.float64 if image.dtype in (np.float64, np.complex128) else np.float32
    else:
        xp, weight_dtype = np, np.float64
        scale, translation = np.asarray(scale, np.float64), np.asarray(translation, np.float64)
    for position, axis in enumerate(spatial_dims):
        weights = _weights(xp, image.shape[axis], shape[axis], scale[position],
                           translation[position], kernel, antialias, weight_dtype)
        image = jnp.tensordot(image, weights.astype(image.dtype), axes=([axis], [0]),
                              precision=precision)
        image = jnp.moveaxis(image, -1, axis)
    return image


def scale_and_translate(image, shape, spatial_dims, scale, translation, method,
                        antialias=True, precision=lax.Precision.HIGHEST):
    """Resamples `image` along `spatial_dims` with an affine map of each axis.

    An input coordinate x (pixel edges at integers) lands at `x * scale + translation`
    in the output, whose `shape` gives every axis's size. `method` is 'linear', 'cubic',
    'lanczos3' or 'lanczos5'; output pixels whose centre maps outside the input are 0.
    Integer images are resampled as float32.

    >>> import numax.numpy as jnp, numax.image
    >>> numax.image.scale_and_translate(jnp.arange(4.0), (4,), (0,), jnp.array([1.0]),
    ...                                 jnp.array([1.0]), "linear").tolist()
    [0.0, 0.0, 1.0, 2.0]
    """
    method = _method(method)
    if method is ResizeMethod.NEAREST:
        raise ValueError("scale_and_translate: method 'nearest' is not supported; use "
                         "'linear', 'cubic', 'lanczos3' or 'lanczos5'")
    image = _float_image(image)
    shape = tuple(int(d) for d in shape)
    if len(shape) != image.ndim:
        raise ValueError(f"scale_and_translate: shape {shape} must have one entry per axis of "
                         f"the image (rank {image.ndim})")
    spatial_dims = tuple(int(d) % image.ndim for d in spatial_dims)
    if np.shape(scale) != (len(spatial_dims),) or np.shape(translation) != (len(spatial_dims),):
        raise ValueError(f"scale_and_translate: scale and translation need one entry per "
                         f"spatial dim ({len(spatial_dims)}), got shapes {np.shape(scale)} and "
                         f"{np.shape(translation)}")
    for axis in range(image.ndim):
        if axis not in spatial_dims and shape[axis] != image.shape[axis]:
            raise ValueError(f"scale_and_translate: axis {axis} is not a spatial dim, so its "
                             f"size {image.shape[axis]} cannot change to {shape[axis]}")
    return _resample(image, shape, spatial_dims, scale, translation, method, antialias,
                     precision)


def _resize_nearest(image, shape):
    for axis, (in_size, out_size) in enumerate(zip(image.shape, shape)):
        if in_size == out_size:
            continue
        centres = (np.arange(out_size) + 0.5) * (in_size / out_size)
        indices = np.minimum(np.floor(centres).astype(np.int32), in_size - 1)
        image = jnp.take(image, indices, axis=axis)
    return image


def resize(image, shape, method, antialias=True, precision=lax.Precision.HIGHEST):
    """`image` resampled to `shape` (same rank), with pixel centres aligned at i + 0.5.

    `method`: 'nearest', 'linear' ('bilinear', 'trilinear', 'triangle'), 'cubic'
    ('bicubic', 'tricubic'), 'lanczos3' or 'lanczos5', or a ResizeMethod. With
    `antialias` (ignored by 'nearest'), shrinking averages the covered input pixels.
    Axes whose size does not change are left as they are.

    >>> import numax.numpy as jnp, numax.image
    >>> numax.image.resize(jnp.array([0.0, 1.0]), (4,), "linear").tolist()
    [0.0, 0.25, 0.75, 1.0]
    """
    method = _method(method)
    image = jnp.asarray(image)
    shape = tuple(int(d) for d in shape)
    if len(shape) != image.ndim:
        raise ValueError(f"resize: shape {shape} must have the rank of the image "
                         f"({image.ndim}), got {len(shape)} entries")
    if any(d < 0 for d in shape):
        raise ValueError(f"resize: shape {shape} has a negative size")
    if method is ResizeMethod.NEAREST:
        return _resize_nearest(image, shape)
    image = _float_image(image)
    spatial_dims = tuple(i for i in range(image.ndim) if image.shape[i] != shape[i])
    if not spatial_dims:
        return image
    if any(image.shape[i] == 0 for i in spatial_dims):
        raise ValueError(f"resize: cannot resample an empty axis of an image of shape "
                         f"{image.shape} to {shape}")
    scale = [shape[i] / image.shape[i] for i in spatial_dims]
    translation = [0.0] * len(spatial_dims)
    return _resample(image, shape, spatial_dims, scale, translation, method, antialias,
                     precision)


__all__ = ["ResizeMethod", "resize", "scale_and_translate"]
