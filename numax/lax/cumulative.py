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
from numax.lax._ad_rules import Zero, is_zero
from numax.lax._rules import FLOAT, INT, NUMBER, check_dtype, random_array
from numax.lax.reductions import (aval_of, binary_region, canonical_axis, compare,
                                  identity_max, identity_min, identity_prod, identity_sum,
                                  jvp_of_implementation)
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


# ---------------------------------------------------------------- differentiation and batching

def _interleave(even, odd, axis):
    """out[2i] = even[i] and out[2i + 1] = odd[i] along `axis` (even has as many elements
    as odd, or one more): each is spread out with zeros between its elements and the
    two are added."""
    from numax import lax
    aval = aval_of(even)
    n = aval.shape[axis] + aval_of(odd).shape[axis]

    def spread(x, low):
        count = aval_of(x).shape[axis]
        config = [(0, 0, 0)] * aval.ndim
        config[axis] = (low, n - low - (2 * count - 1), 1)
        return lax.pad(x, 0, config)
    return lax.add(spread(even, 0), spread(odd, 1))


def _prefix_scan(combine, x, axis):
    """Inclusive prefix combination along `axis` in log-depth lax ops: neighbouring pairs
    are combined, the half-length result is scanned recursively (giving the prefixes that
    end at odd positions), and each even position combines the prefix before it with its
    own element."""
    from numax import lax
    n = aval_of(x).shape[axis]
    if n < 2:
        return x
    half = n // 2
    pairs = combine(lax.slice_in_dim(x, 0, 2 * half, stride=2, axis=axis),
                    lax.slice_in_dim(x, 1, 2 * half, stride=2, axis=axis))
    odd = _prefix_scan(combine, pairs, axis)
    first = lax.slice_in_dim(x, 0, 1, axis=axis)
    count = (n - 1) // 2  # even positions 2, 4, ... below n
    if count:
        rest = combine(lax.slice_in_dim(odd, 0, count, axis=axis),
                       lax.slice_in_dim(x, 2, n, stride=2, axis=axis))
        first = lax.concatenate([first, rest], axis)
    return _interleave(first, odd, axis)


def associative_scan(combine, x, axis, reverse):
    """What a cumulative primitive computes, as a composition of lax ops whose derivatives
    are known: `combine` is the (associative) binary op on arrays."""
    from numax import lax
    if not reverse:
        return _prefix_scan(combine, x, axis)
    return lax.rev(_prefix_scan(combine, lax.rev(x, (axis,)), axis), (axis,))


def _logaddexp(a, b):
    """log(exp(a) + exp(b)) in lax ops, differentiable: max(a, b) + log1p(exp(-|a - b|)),
    or a + b where a - b is NaN (a NaN, or two infinities of one sign). There the smooth
    branch is computed from a - b = 0 instead, so that its derivative stays finite and a
    reverse pass, which sends it a zero cotangent, gets no 0 * NaN."""
    from numax import lax
    delta = lax.sub(a, b)
    undefined = lax.ne(delta, delta)
    delta = lax.select_n(undefined, delta, lax.full_like(delta, 0))
    smooth = lax.add(lax.max(a, b), lax.log1p(lax.exp(lax.neg(lax.abs(delta)))))
    return lax.select_n(undefined, smooth, lax.add(a, b))


def cumulative_jvp(primitive, combine):
    """JVP of a cumulative reduction: the primitive's own result, and the tangent of the
    equivalent associative scan (so ties of cummax/cummin split as lax.max's JVP splits
    them at each combine, as in JAX)."""
    def rule(primals, tangents, *, axis, reverse):
        out = primitive.bind(*primals, axis=axis, reverse=reverse)
        _, (tangent,) = jvp_of_implementation(
            lambda x: [associative_scan(combine, x, axis, reverse)], primals, tangents)
        return out, tangent
    rule.__name__ = f"{primitive.name}_jvp"
    return rule


def cumulative_batch(primitive):
    """The batch axis stays where it is; the scanned axis shifts past it."""
    def rule(args, dims, *, axis, reverse):
        (x,), (dim,) = args, dims
        return primitive.bind(x, axis=axis + (axis >= dim), reverse=reverse), dim
    return rule


def cumsum_transpose(ct, x, *, axis, reverse):
    """Element i went into the sums i..n-1: the transpose is the cumulative sum in the
    other direction."""
    if is_zero(ct):
        return [Zero(x.aval)]
    return [cumsum_p.bind(ct, axis=axis, reverse=not reverse)]


def cumulative_reduction(name, identity, region, allowed, dtypes_, low=-3.0, high=3.0,
                         combine=None, **rules):
    """A cumulative reduction; `combine(a, b)` (lax ops on arrays) is its binary op, from
    which the JVP rule is built, unless `rules` declare another."""
    primitive = Primitive(name, abstract_eval=_cumulative_abstract(name, allowed),
                          lower=_cumulative_lower(identity, region),
                          examples=_cumulative_examples(dtypes_, low, high), **rules)
    primitive.batch = cumulative_batch(primitive)
    if combine is not None:
        primitive.jvp = cumulative_jvp(primitive, combine)
    return primitive


def _lax(name):
    """lax.<name>, looked up when called (the elementwise family is a sibling module)."""
    def op(*args):
        from numax import lax
        return getattr(lax, name)(*args)
    return op


cumsum_p = cumulative_reduction("cumsum", identity_sum, _op_region("stablehlo.add"), NUMBER,
                                ("float32", "int32", "complex64"),
                                linear=True, transpose=cumsum_transpose)
cumprod_p = cumulative_reduction("cumprod", identity_prod, _op_region("stablehlo.multiply"),
                                 NUMBER, ("float32", "int32"), low=-2.0, high=2.0,
                                 combine=_lax("mul"))
cummax_p = cumulative_reduction("cummax", identity_max, _op_region("stablehlo.maximum"),
                                INT | FLOAT, ("float32", "int32", "uint8"),
                                combine=_lax("max"))
cummin_p = cumulative_reduction("cummin", identity_min, _op_region("stablehlo.minimum"),
                                INT | FLOAT, ("float32", "int32", "uint8"),
                                combine=_lax("min"))
cumlogsumexp_p = cumulative_reduction("cumlogsumexp", identity_max, _logaddexp_region, FLOAT,
                                      ("float32",), combine=_logaddexp)


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
