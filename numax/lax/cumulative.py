"""Cumulative reductions along one axis: cumsum, cumprod, cummax, cummin, cumlogsumexp.

Each takes `axis` and `reverse` (accumulate from the end). They lower, as JAX does on
every platform, to one `stablehlo.reduce_window` whose window covers the whole axis and
whose padding of n-1 init values before (or, reversed, after) the axis makes output i
reduce elements 0..i. XLA rewrites such windows into a logarithmic-depth scan, so the
cost is O(n log n), not O(n^2). Floating-point sums may therefore associate
differently from a sequential loop (np.cumsum) and differ in the last bits.
"""

import numpy as np

from numax.core.abstract import ShapedArray
from numax.core.errors import NumaxTypeError
from numax.core.primitive import Primitive
from numax.lax._rules import FLOAT, INT, NUMBER, check_dtype, random_array
from numax.lax.reductions import (aval_of, binary_region, canonical_axis, compare,
                                  identity_max, identity_min, identity_prod, identity_sum)
from numax.lax.windowed import emit_reduce_window
from numax.lowering.builder import tensor_type


def _cumulative_abstract(name, allowed):
    def rule(x, *, axis, reverse):
        check_dtype(name, x, allowed)
        if not isinstance(axis, (int, np.integer)) or not 0 <= axis < x.ndim:
            raise ValueError(f"{name}: axis {axis!r} is out of bounds for an operand of shape "
                             f"{x.shape}; use an axis in [0, {x.ndim}) (the lax.{name} wrapper "
                             "accepts negative axes)")
        if not isinstance(reverse, (bool, np.bool_)):
            raise NumaxTypeError(f"{name}: reverse must be a bool, got {reverse!r}")
        return ShapedArray(x.shape, x.dtype, x.weak_type)
    return rule


def _cumulative_lower(identity, region):
    """`region(ctx, dtype)` builds the combining region."""
    def lower(ctx, x, *, axis, reverse):
        aval = ctx.avals_in[0]
        n = aval.shape[axis]
        if n == 0:
            return x
        window = [1] * aval.ndim
        window[axis] = n
        padding = [(0, 0)] * aval.ndim
        padding[axis] = (0, n - 1) if reverse else (n - 1, 0)
        init = ctx.constant(identity(aval.dtype), aval.dtype)
        ones = (1,) * aval.ndim
        return emit_reduce_window(ctx, [x], [init], region(ctx, aval.dtype), [ctx.aval_out],
                                  window_dimensions=tuple(window), window_strides=ones,
                                  padding=tuple(padding), base_dilation=ones,
                                  window_dilation=ones)[0]
    return lower


def _logaddexp_region(ctx, dtype):
    """log(exp(a) + exp(b)) = max(a, b) + log1p(exp(-|a - b|)).

    When a - b is NaN (a NaN input, or two infinities of one sign) the result is a + b:
    NaN for a NaN, -inf for two -infs (an empty sum), +inf for two +infs."""
    scalar = tensor_type((), dtype)

    def body(c, a, b):
        def op(name, *values):
            return c.op(f"stablehlo.{name}", list(values), result_type=scalar)
        larger = op("maximum", a, b)
        delta = op("subtract", a, b)
        smooth = op("add", larger, op("log_plus_one", op("exponential",
                                                         op("negate", op("abs", delta)))))
        delta_is_nan = compare(c, delta, delta, "NE")
        return [c.op("stablehlo.select", [delta_is_nan, op("add", a, b), smooth],
                     result_type=scalar)]

    return ctx.region([scalar, scalar], body)


def _op_region(hlo):
    return lambda ctx, dtype: binary_region(ctx, hlo, dtype)


def _cumulative_examples(dtypes_, low=-3.0, high=3.0):
    def examples():
        rng = np.random.default_rng(0)
        out = []
        for dtype in dtypes_:
            out.append(((random_array(rng, (6,), dtype, low, high),), dict(axis=0, reverse=False)))
            out.append(((random_array(rng, (3, 5), dtype, low, high),), dict(axis=1, reverse=True)))
        out.append(((random_array(rng, (4, 3), dtypes_[0], low, high),), dict(axis=0,
                                                                             reverse=False)))
        out.append(((random_array(rng, (0, 3), dtypes_[0], low, high),), dict(axis=0,
                                                                             reverse=False)))
        return out
    return examples


def cumulative_reduction(name, identity, region, allowed, dtypes_, low=-3.0, high=3.0):
    return Primitive(name, abstract_eval=_cumulative_abstract(name, allowed),
                     lower=_cumulative_lower(identity, region),
                     examples=_cumulative_examples(dtypes_, low, high))


cumsum_p = cumulative_reduction("cumsum", identity_sum, _op_region("stablehlo.add"), NUMBER,
                                ("float32", "int32", "complex64"))
cumprod_p = cumulative_reduction("cumprod", identity_prod, _op_region("stablehlo.multiply"),
                                 NUMBER, ("float32", "int32"), low=-2.0, high=2.0)
cummax_p = cumulative_reduction("cummax", identity_max, _op_region("stablehlo.maximum"),
                                INT | FLOAT, ("float32", "int32", "uint8"))
cummin_p = cumulative_reduction("cummin", identity_min, _op_region("stablehlo.minimum"),
                                INT | FLOAT, ("float32", "int32", "uint8"))
cumlogsumexp_p = cumulative_reduction("cumlogsumexp", identity_max, _logaddexp_region, FLOAT,
                                      ("float32",))


def _cumulative_wrapper(primitive, what):
    def wrapper(operand, axis=0, reverse=False):
        axis = canonical_axis(primitive.name, axis, aval_of(operand).ndim)
        return primitive.bind(operand, axis=axis, reverse=bool(reverse))
    wrapper.__name__ = primitive.name
    wrapper.__doc__ = (f"Cumulative {what} of `operand` along `axis`; with `reverse=True` "
                       "output i combines elements i..n-1 instead of 0..i.")
    return wrapper


cumsum = _cumulative_wrapper(cumsum_p, "sum")
cumprod = _cumulative_wrapper(cumprod_p, "product")
cummax = _cumulative_wrapper(cummax_p, "maximum")
cummin = _cumulative_wrapper(cummin_p, "minimum")
cumlogsumexp = _cumulative_wrapper(cumlogsumexp_p, "log-sum-exp")

__all__ = ["cumsum", "cumprod", "cummax", "cummin", "cumlogsumexp", "cumsum_p", "cumprod_p",
           "cummax_p", "cummin_p", "cumlogsumexp_p"]
