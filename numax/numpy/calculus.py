"""Discrete calculus on sampled data: gradient (finite differences), trapezoid
(integration) and unwrap (removing jumps of a period from a phase signal).

Owns the finite-difference formulas: second-order central differences inside the array
(with NumPy's weights for unevenly spaced coordinates) and first- or second-order
one-sided differences at the edges. Everything is slicing and arithmetic, so all three
are differentiable and work under jit and vmap; integer input is computed in the default
float type.
"""

import numpy as np

from numax import lax
from numax.core import dtypes
from numax.numpy import manipulation, reductions, ufuncs
from numax.numpy._promote import canonicalize_axes, canonicalize_axis, ensure_array
from numax.numpy.cumulative import cumsum


def _inexact(a):
    a = ensure_array(a)
    return reductions._convert(a, dtypes.to_inexact_dtype(a.dtype))


def _along(x, axis, start, stop):
    return lax.slice_in_dim(x, start, stop if stop is not None else x.shape[axis], axis=axis)


def _shaped_along(v, ndim, axis):
    """A 1-D array of coefficients laid along `axis` of an ndim-array."""
    return lax.reshape(v, tuple(v.shape[0] if i == axis else 1 for i in range(ndim)))


def _axis_gradient(f, axis, spacing, edge_order):
    n = f.shape[axis]
    if n < edge_order + 1:
        raise ValueError(f"numax.numpy.gradient: axis {axis} has {n} elements; edge_order="
                         f"{edge_order} needs at least {edge_order + 1}")
    first, second = _along(f, axis, 0, 1), _along(f, axis, 1, 2)
    last, before_last = _along(f, axis, n - 1, n), _along(f, axis, n - 2, n - 1)
    if edge_order == 2:
        third, third_last = _along(f, axis, 2, 3), _along(f, axis, n - 3, n - 2)
    lo, mid, hi = _along(f, axis, 0, n - 2), _along(f, axis, 1, n - 1), _along(f, axis, 2, None)
    mul, add, sub, div = ufuncs.multiply, ufuncs.add, ufuncs.subtract, ufuncs.divide
    if spacing.ndim == 0:
        h = spacing
        interior = div(sub(hi, lo), mul(2, h))
        if edge_order == 1:
            left, right = div(sub(second, first), h), div(sub(last, before_last), h)
        else:
            left = div(sub(sub(mul(4, second), mul(3, first)), third), mul(2, h))
            right = div(add(sub(mul(3, last), mul(4, before_last)), third_last), mul(2, h))
    else:
        if spacing.shape != (n,):
            raise ValueError(f"numax.numpy.gradient: coordinates along axis {axis} must be "
                             f"1-dimensional with {n} entries, got shape {spacing.shape}")
        dx = sub(_along(spacing, 0, 1, None), _along(spacing, 0, 0, n - 1))
        h1, h2 = _along(dx, 0, 0, n - 2), _along(dx, 0, 1, None)
        a = div(ufuncs.negative(h2), mul(h1, add(h1, h2)))
        b = div(sub(h2, h1), mul(h1, h2))
        c = div(h1, mul(h2, add(h1, h2)))
        line = lambda v: _shaped_along(v, f.ndim, axis)  # noqa: E731
        interior = add(add(mul(line(a), lo), mul(line(b), mid)), mul(line(c), hi))
        if edge_order == 1:
            left = div(sub(second, first), dx[0])
            right = div(sub(last, before_last), dx[n - 2])
        else:
            h1, h2 = dx[0], dx[1]
            a = ufuncs.negative(div(add(mul(2, h1), h2), mul(h1, add(h1, h2))))
            b = div(add(h1, h2), mul(h1, h2))
            c = ufuncs.negative(div(h1, mul(h2, add(h1, h2))))
            left = add(add(mul(a, first), mul(b, second)), mul(c, third))
            h1, h2 = dx[n - 3], dx[n - 2]
            a = div(h2, mul(h1, add(h1, h2)))
            b = ufuncs.negative(div(add(h2, h1), mul(h1, h2)))
            c = div(add(mul(2, h2), h1), mul(h2, add(h1, h2)))
            right = add(add(mul(a, third_last), mul(b, before_last)), mul(c, last))
    pieces = [left, interior, right] if n > 2 else [left, right]
    pieces = [reductions._convert(p, f.dtype) for p in pieces]
    return lax.concatenate(pieces, axis)


def gradient(f, *varargs, axis=None, edge_order=1):
    """numpy.gradient: the derivative of sampled `f` along each axis in `axis` (all by
    default), from central differences inside and one-sided ones (of `edge_order` 1 or 2)
    at the edges. `varargs` give the sample spacing: nothing (1), one scalar for every
    axis, or one scalar or coordinate array per axis. One axis gives one array, several a
    tuple.

    >>> import numax.numpy as jnp
    >>> jnp.gradient(jnp.asarray([1., 2., 4., 7.]))
    Array([1. , 1.5, 2.5, 3. ], dtype=float32)
    """
    if edge_order not in (1, 2):
        raise ValueError(f"numax.numpy.gradient: edge_order must be 1 or 2, got {edge_order}")
    f = _inexact(f)
    if f.ndim == 0:
        raise ValueError("numax.numpy.gradient: f must have at least one dimension")
    axes = canonicalize_axes(axis, f.ndim)
    if not varargs:
        spacings = [ensure_array(1.0)] * len(axes)
    elif len(varargs) == 1 and np.ndim(varargs[0]) == 0:
        spacings = [ensure_array(varargs[0])] * len(axes)
    elif len(varargs) == len(axes):
        spacings = [ensure_array(v) for v in varargs]
    else:
        raise TypeError(f"numax.numpy.gradient: got {len(varargs)} spacings for {len(axes)} "
                        "axes; give none, one scalar, or one per axis")
    spacings = [reductions._convert(s, f.dtype) if not dtypes.is_inexact(s.dtype) else s
                for s in spacings]
    results = tuple(_axis_gradient(f, ax, s, edge_order) for ax, s in zip(axes, spacings))
    return results[0] if len(results) == 1 else results


def trapezoid(y, x=None, dx=1.0, axis=-1):
    """numpy.trapezoid: the integral of sampled `y` along `axis` by the trapezoidal rule,
    at points `x` (1-D along axis, or y's shape) or evenly spaced by `dx`.

    >>> import numax.numpy as jnp
    >>> jnp.trapezoid(jnp.asarray([1., 2., 3.]), dx=0.5)
    Array(2., dtype=float32)
    """
    y = _inexact(y)
    axis = canonicalize_axis(axis, y.ndim)
    n = y.shape[axis]
    if x is None:
        widths = ensure_array(dx)
    else:
        x = ensure_array(x)
        if x.ndim == 1:
            if x.shape[0] != n:
                raise ValueError(f"numax.numpy.trapezoid: x has {x.shape[0]} points but y "
                                 f"has {n} along axis {axis}")
            widths = _shaped_along(ufuncs.subtract(x[1:], x[:-1]), y.ndim, axis)
        elif x.shape == y.shape:
            widths = ufuncs.subtract(_along(x, axis, 1, None), _along(x, axis, 0, max(n - 1, 0)))
        else:
            raise ValueError(f"numax.numpy.trapezoid: x must be 1-D or have y's shape "
                             f"{y.shape}, got {x.shape}")
    heights = ufuncs.add(_along(y, axis, 1, None), _along(y, axis, 0, max(n - 1, 0)))
    return ufuncs.divide(reductions.sum(ufuncs.multiply(widths, heights), axis=axis), 2)


def unwrap(p, discont=None, axis=-1, period=2 * np.pi):
    """numpy.unwrap: removes jumps larger than `discont` (default period/2) between
    neighbours along `axis` by adding multiples of `period`.

    >>> import numax.numpy as jnp
    >>> jnp.unwrap(jnp.asarray([0., 3., 6.5, 9.5]))
    Array([0.      , 3.      , 0.216815, 3.216815], dtype=float32)
    """
    p = _inexact(p)
    axis = canonicalize_axis(axis, p.ndim)
    n = p.shape[axis]
    if n < 2:
        return p
    half = ufuncs.divide(period, 2)
    if discont is None:
        discont = half
    steps = ufuncs.subtract(_along(p, axis, 1, None), _along(p, axis, 0, n - 1))
    wrapped = ufuncs.subtract(ufuncs.remainder(ufuncs.add(steps, half), period), half)
    # A step of exactly +period/2 stays +period/2 rather than wrapping to -period/2.
    wrapped = manipulation.where(ufuncs.logical_and(
        ufuncs.equal(wrapped, ufuncs.negative(half)), ufuncs.greater(steps, 0)), half, wrapped)
    correction = ufuncs.subtract(wrapped, steps)
    correction = manipulation.where(ufuncs.less(ufuncs.absolute(steps), discont), 0,
                                    correction)
    corrected = ufuncs.add(_along(p, axis, 1, None), cumsum(correction, axis=axis))
    return lax.concatenate([_along(p, axis, 0, 1),
                            reductions._convert(corrected, p.dtype)], axis)
