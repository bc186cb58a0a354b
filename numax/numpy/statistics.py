"""Order statistics and moments beyond the plain reductions: quantile, percentile, median
and their NaN-ignoring forms, average (weighted), ptp, cov and corrcoef.

Owns how quantiles are read from a sorted array: the reduced axes are moved last and
flattened, `lax.sort` orders them (NaNs last), and the requested positions are gathered
with take_along_axis, so everything stays differentiable in `a` (and in `q` for the
interpolating methods) and works under jit and vmap. The methods are NumPy's
'linear', 'lower', 'higher', 'midpoint' and 'nearest' (ties to the even index). A
slice holding a NaN gives NaN from quantile/median; the nan* forms drop NaNs and give
NaN only for slices with no numbers at all.
"""

import numpy as np

from numax import lax
from numax.api import jit
from numax.array import Array
from numax.core import dtypes
from numax.core.trace import Tracer
from numax.numpy import rearrange, reductions, ufuncs
from numax.numpy._promote import broadcast_to, canonicalize_axes, ensure_array
from numax.numpy.indexing import take_along_axis

_METHODS = ("linear", "lower", "higher", "midpoint", "nearest")


def _check_q(api, q):
    """Quantiles given as concrete values are checked here; traced ones cannot be."""
    if isinstance(q, Tracer):
        return
    host = np.asarray(q, dtype=np.float64)
    if not np.all((host >= 0) & (host <= 1)):
        scale = " (percentiles are in [0, 100])" if api.endswith("percentile") else ""
        raise ValueError(f"numax.numpy.{api}: quantiles must be in the range [0, 1]{scale}, "
                         f"got {q}")


def _quantile(api, a, q, axis, method, keepdims, ignore_nan):
    if method not in _METHODS:
        raise ValueError(f"numax.numpy.{api}: method must be one of {_METHODS}, got "
                         f"{method!r}")
    a = ensure_array(a)
    if dtypes.is_complex(a.dtype):
        raise TypeError(f"numax.numpy.{api}: complex arrays have no ordering")
    dtype = dtypes.to_inexact_dtype(a.dtype)
    a = reductions._convert(a, dtype)
    q = reductions._convert(ensure_array(q), dtype)
    axes = canonicalize_axes(axis, a.ndim)
    if any(a.shape[i] == 0 for i in axes):
        raise ValueError(f"numax.numpy.{api}: cannot take quantiles of an empty slice "
                         f"(shape {a.shape}, axis {axis})")
    return _quantile_program(a, q, axes=axes, method=method, keepdims=keepdims,
                             ignore_nan=ignore_nan)


# One compiled program per call signature: eagerly, the dozens of small operations below
# would otherwise each be dispatched (and compiled) on their own.
@jit(static_argnames=("axes", "method", "keepdims", "ignore_nan"))
def _quantile_program(a, q, *, axes, method, keepdims, ignore_nan):
    dtype = a.dtype
    kept = tuple(i for i in range(a.ndim) if i not in axes)
    n = int(np.prod([a.shape[i] for i in axes], dtype=np.int64))
    rows = lax.transpose(a, kept + axes)
    rows = lax.reshape(rows, tuple(a.shape[i] for i in kept) + (n,))
    rows = lax.sort(rows, rows.ndim - 1)

    q_flat = lax.reshape(q, (1,) * len(kept) + (q.size,))
    if ignore_nan:
        count = reductions.sum(ufuncs.logical_not(ufuncs.isnan(rows)), axis=-1, keepdims=True)
        last = ufuncs.subtract(reductions._convert(count, dtype), 1)
    else:
        last = lax.full((1,) * len(kept) + (1,), n - 1, dtype)
    position = ufuncs.multiply(q_flat, last)
    low = lax.floor(position)
    if method == "nearest":
        low = lax.round(position, lax.RoundingMethod.TO_NEAREST_EVEN)
    high = low if method == "nearest" else lax.ceil(position)
    if method == "higher":
        low = high

    def gather(index):
        index = lax.clamp(lax.full_like(index, 0), index, lax.full_like(index, n - 1))
        index = lax.convert_element_type(index, dtypes.default_int_dtype())
        return take_along_axis(rows, broadcast_to(index, rows.shape[:-1] + (q.size,)),
                               axis=-1)
    below = gather(low)
    if method in ("lower", "higher", "nearest"):
        result = below
    else:
        above = gather(high)
        fraction = ufuncs.subtract(position, low)
        if method == "midpoint":
            fraction = lax.select(ufuncs.greater(fraction, 0), lax.full_like(fraction, 0.5),
                                  lax.full_like(fraction, 0))
        result = ufuncs.add(below, ufuncs.multiply(ufuncs.subtract(above, below), fraction))
    # No number to take a quantile of (nan*), or a NaN among the numbers (plain forms).
    empty = ufuncs.less(last, 0) if ignore_nan else \
        reductions.any(ufuncs.isnan(rows), axis=-1, keepdims=True)
    result = lax.select(broadcast_to(empty, result.shape), lax.full_like(result, np.nan),
                        result)

    # rows are (kept..., q); the answer is (q..., kept...) or with keepdims the reduced
    # axes kept as ones in place.
    result = lax.transpose(result, (result.ndim - 1,) + tuple(range(result.ndim - 1)))
    if keepdims:
        out_shape = tuple(1 if i in axes else d for i, d in enumerate(a.shape))
    else:
        out_shape = tuple(a.shape[i] for i in kept)
    return lax.reshape(result, q.shape + out_shape)


def _no_out(api, out):
    if out is not None:
        raise NotImplementedError(f"numax.numpy.{api}: the `out` argument is not supported "
                                  "(arrays are immutable); use the returned array")


def _method(method, interpolation):
    # `interpolation` is NumPy's deprecated spelling of `method`.
    return method if interpolation is None else interpolation


def quantile(a, q, axis=None, out=None, overwrite_input=False, method="linear",
             keepdims=False, *, interpolation=None):
    """numpy.quantile: the q-th quantiles (q in [0, 1]) along `axis`; the result has
    shape q.shape + the shape of the reduction.

    >>> import numax.numpy as jnp
    >>> jnp.quantile(jnp.asarray([1., 2., 3., 4.]), 0.5)
    Array(2.5, dtype=float32)
    """
    del overwrite_input      # inputs are immutable, so there is nothing to overwrite
    _no_out("quantile", out)
    _check_q("quantile", q)
    return _quantile("quantile", a, q, axis, _method(method, interpolation), keepdims, False)


def nanquantile(a, q, axis=None, out=None, overwrite_input=False, method="linear",
                keepdims=False, *, interpolation=None):
    """numpy.nanquantile: quantile of the non-NaN elements (NaN where there are none)."""
    del overwrite_input
    _no_out("nanquantile", out)
    _check_q("nanquantile", q)
    return _quantile("nanquantile", a, q, axis, _method(method, interpolation), keepdims,
                     True)


def _percent(q):
    if isinstance(q, (Array, Tracer)):
        return ufuncs.divide(q, 100)
    return np.true_divide(q, 100)


def percentile(a, q, axis=None, out=None, overwrite_input=False, method="linear",
               keepdims=False, *, interpolation=None):
    """numpy.percentile: quantile with q in percent ([0, 100])."""
    del overwrite_input
    _no_out("percentile", out)
    _check_q("percentile", _percent(q))
    return _quantile("percentile", a, _percent(q), axis, _method(method, interpolation),
                     keepdims, False)


def nanpercentile(a, q, axis=None, out=None, overwrite_input=False, method="linear",
                  keepdims=False, *, interpolation=None):
    """numpy.nanpercentile: nanquantile with q in percent ([0, 100])."""
    del overwrite_input
    _no_out("nanpercentile", out)
    _check_q("nanpercentile", _percent(q))
    return _quantile("nanpercentile", a, _percent(q), axis, _method(method, interpolation),
                     keepdims, True)


def median(a, axis=None, out=None, overwrite_input=False, keepdims=False):
    """numpy.median: the middle value along `axis` (the mean of the two middle values for
    an even count); NaN for slices holding a NaN.

    >>> import numax.numpy as jnp
    >>> jnp.median(jnp.asarray([[3., 1.], [2., 5.]]), axis=0)
    Array([2.5, 3. ], dtype=float32)
    """
    del overwrite_input
    _no_out("median", out)
    return _quantile("median", a, 0.5, axis, "midpoint", keepdims, False)


def nanmedian(a, axis=None, out=None, overwrite_input=False, keepdims=False):
    """numpy.nanmedian: median of the non-NaN elements (NaN where there are none)."""
    del overwrite_input
    _no_out("nanmedian", out)
    return _quantile("nanmedian", a, 0.5, axis, "midpoint", keepdims, True)


def ptp(a, axis=None, out=None, keepdims=False):
    """numpy.ptp: max - min along `axis` ("peak to peak")."""
    _no_out("ptp", out)
    a = ensure_array(a)
    return ufuncs.subtract(reductions.max(a, axis, keepdims=keepdims),
                           reductions.min(a, axis, keepdims=keepdims))


def _weights_along(api, a, weights, axis):
    """`weights` laid out to broadcast against `a`: the same shape, or one weight per
    position along `axis` (an int or tuple, in the order given)."""
    if weights.shape == a.shape:
        return weights
    if axis is None:
        raise TypeError(f"numax.numpy.{api}: axis must be given when the shapes of a "
                        f"{a.shape} and weights {weights.shape} differ")
    axes = canonicalize_axes(axis, a.ndim)
    if weights.shape != tuple(a.shape[i] for i in axes):
        raise ValueError(f"numax.numpy.{api}: the shape of weights {weights.shape} must "
                         f"match a {a.shape} along axis {axis}")
    order = tuple(np.argsort(axes))
    weights = lax.transpose(weights, order)
    shape = tuple(a.shape[i] if i in axes else 1 for i in range(a.ndim))
    return broadcast_to(lax.reshape(weights, shape), a.shape)


def average(a, axis=None, weights=None, returned=False, keepdims=False):
    """numpy.average: the (weighted) mean along `axis`; with returned=True also the sum
    of the weights, broadcast to the result's shape.

    >>> import numax.numpy as jnp
    >>> jnp.average(jnp.asarray([1., 2., 4.]), weights=jnp.asarray([1., 1., 2.]))
    Array(2.75, dtype=float32)
    """
    a = ensure_array(a)
    if weights is None:
        result = reductions.mean(a, axis, keepdims=keepdims)
        axes = canonicalize_axes(axis, a.ndim)
        count = int(np.prod([a.shape[i] for i in axes], dtype=np.int64))
        scale = lax.full(result.shape, count, result.dtype)
    else:
        weights = ensure_array(weights)
        dtype = dtypes.to_inexact_dtype(dtypes.result_type(a, weights))
        a, weights = reductions._convert(a, dtype), reductions._convert(weights, dtype)
        weights = _weights_along("average", a, weights, axis)
        scale = reductions.sum(weights, axis, keepdims=keepdims)
        result = ufuncs.divide(reductions.sum(ufuncs.multiply(a, weights), axis,
                                              keepdims=keepdims), scale)
    if returned:
        return result, broadcast_to(scale, result.shape)
    return result


def _as_rows(api, m, rowvar, dtype):
    m = ensure_array(m)
    if m.ndim > 2:
        raise ValueError(f"numax.numpy.{api}: expected at most 2 dimensions (variables x "
                         f"observations), got shape {m.shape}")
    m = reductions._convert(m, dtype)
    m = lax.reshape(m, (1,) * (2 - m.ndim) + m.shape)
    if not rowvar and m.shape[0] != 1:
        m = lax.transpose(m, (1, 0))
    return m


def _observation_weights(api, name, w, count, integral):
    w = ensure_array(w)
    if w.ndim != 1 or w.shape[0] != count:
        raise ValueError(f"numax.numpy.{api}: {name} must be 1-dimensional with one weight "
                         f"per observation ({count}), got shape {w.shape}")
    if integral and not (dtypes.is_integer(w.dtype) or w.dtype == np.bool_):
        raise TypeError(f"numax.numpy.{api}: fweights must be integers (repeat counts), got "
                        f"dtype {w.dtype.name}")
    return w


def cov(m, y=None, rowvar=True, bias=False, ddof=None, fweights=None, aweights=None):
    """numpy.cov: the covariance matrix of the variables in `m` (rows, or columns with
    rowvar=False), optionally joined by those in `y`, with frequency and analytic weights.

    >>> import numax.numpy as jnp
    >>> jnp.cov(jnp.asarray([[0., 1., 2.], [2., 1., 0.]]))
    Array([[ 1., -1.],
           [-1.,  1.]], dtype=float32)
    """
    if ddof is not None and int(ddof) != ddof:
        raise ValueError(f"numax.numpy.cov: ddof must be an integer, got {ddof}")
    arrays = [ensure_array(m)] + ([] if y is None else [ensure_array(y)])
    dtype = dtypes.to_inexact_dtype(dtypes.result_type(*arrays))
    x = _as_rows("cov", arrays[0], rowvar, dtype)
    if y is not None:
        other = _as_rows("cov", arrays[1], rowvar, dtype)
        if other.shape[1] != x.shape[1]:
            raise ValueError(f"numax.numpy.cov: m and y must have the same number of "
                             f"observations, got {x.shape[1]} and {other.shape[1]}")
        x = lax.concatenate([x, other], 0)
    if ddof is None:
        ddof = 0 if bias else 1
    observations = x.shape[1]
    weights = None
    if fweights is not None:
        weights = _observation_weights("cov", "fweights", fweights, observations, True)
    if aweights is not None:
        aweights = _observation_weights("cov", "aweights", aweights, observations, False)
        weights = aweights if weights is None else ufuncs.multiply(weights, aweights)
    if weights is None:
        mean = reductions.mean(x, axis=1, keepdims=True)
        factor = lax.full((), max(observations - ddof, 0), dtypes.real_dtype(dtype))
    else:
        weights = reductions._convert(weights, dtypes.real_dtype(dtype))
        mean, total = average(x, axis=1, weights=weights, returned=True)
        mean, total = lax.reshape(mean, (x.shape[0], 1)), total[0]
        if ddof == 0:
            factor = total
        elif aweights is None:
            factor = ufuncs.subtract(total, ddof)
        else:
            factor = ufuncs.subtract(total, ufuncs.divide(ufuncs.multiply(ddof, reductions.sum(
                ufuncs.multiply(weights, aweights))), total))
        factor = ufuncs.maximum(factor, 0)
    centered = ufuncs.subtract(x, mean)
    weighted = centered if weights is None else ufuncs.multiply(centered, weights)
    right = ufuncs.conj(lax.transpose(weighted, (1, 0)))
    products = lax.dot_general(centered, right, (((1,), (0,)), ((), ())))
    result = ufuncs.divide(products, factor)
    if result.shape == (1, 1):
        return lax.reshape(result, ())
    return result


def corrcoef(x, y=None, rowvar=True):
    """numpy.corrcoef: Pearson correlation coefficients, cov normalised by the standard
    deviations and clipped into [-1, 1].

    >>> import numax.numpy as jnp
    >>> jnp.corrcoef(jnp.asarray([[0., 1., 2.], [0., 2., 4.]]))
    Array([[1., 1.],
           [1., 1.]], dtype=float32)
    """
    c = cov(x, y, rowvar)
    if c.ndim == 0:
        return ufuncs.divide(c, c)
    stddev = lax.sqrt(ufuncs.real(rearrange.diagonal(c)))
    c = ufuncs.divide(c, lax.reshape(stddev, (c.shape[0], 1)))
    c = ufuncs.divide(c, lax.reshape(stddev, (1, c.shape[0])))
    # Rounding can push |r| just past 1; clip as NumPy does.
    if dtypes.is_complex(c.dtype):
        return lax.complex(_clip_unit(lax.real(c)), _clip_unit(lax.imag(c)))
    return _clip_unit(c)


def _clip_unit(x):
    return lax.clamp(lax.full((), -1, x.dtype), x, lax.full((), 1, x.dtype))
