"""Sorting: `sort` (one or several operands, ordered by the first `num_keys`) and `top_k`.

`sort` lowers to `stablehlo.sort` with a comparator region implementing JAX's order:
keys compare lexicographically; floats compare as numbers except that -0.0 equals 0.0
and every NaN (of either sign) sorts after +inf, all NaNs equal to each other; complex
keys compare by real part, then imaginary part, each in that float order. With
`is_stable` equal keys keep their input order. `top_k` lowers to `chlo.top_k` over the
last axis: the k largest values in descending order with their int32 indices, equal
values in increasing index order. XLA's top_k ranks floats by the IEEE total order, so
unlike `sort` it puts +NaN above +inf, 0.0 above -0.0 and -NaN below -inf.
"""

import numpy as np

from numax.core import dtypes
from numax.core.abstract import ShapedArray
from numax.core.errors import NumaxTypeError
from numax.core.primitive import Primitive
from numax.lax._ad_rules import Zero, is_zero
from numax.lax._rules import ANY, COMPLEX, FLOAT, INT, random_array
from numax.lax.reductions import aval_of, canonical_axis, compare, logical
from numax.lowering.builder import tensor_type
from numax.transforms.batching import batch_size, move_axis, to_front


def take_along_axis(values, indices, axis):
    """values[..., indices[..., j, ...], ...] along `axis`: one gather whose other axes are
    batch axes of both the operand and the indices (their sizes agree). `indices` are in
    bounds. The tangent rule of sort and top_k."""
    from numax import lax
    ndim = aval_of(values).ndim
    others = tuple(i for i in range(ndim) if i != axis)
    dimension_numbers = lax.GatherDimensionNumbers(
        offset_dims=(), collapsed_slice_dims=(axis,), start_index_map=(axis,),
        operand_batching_dims=others, start_indices_batching_dims=others)
    return lax.gather(values, lax.expand_dims(indices, (ndim,)), dimension_numbers,
                      (1,) * ndim, mode=lax.GatherScatterMode.PROMISE_IN_BOUNDS)


def _zero_tangent(out):
    return Zero(aval_of(out).strip_weak_type())


# ---------------------------------------------------------------- sort

def _sort_abstract(*operands, dimension, is_stable, num_keys):
    if not operands:
        raise NumaxTypeError("sort: needs at least one operand")
    shape = operands[0].shape
    for i, operand in enumerate(operands):
        if operand.dtype not in ANY:
            raise NumaxTypeError(f"sort: operand {i} has unsupported dtype {operand.dtype.name}")
        if operand.shape != shape:
            raise NumaxTypeError(f"sort: all operands must have one shape, got "
                                 f"{[o.shape for o in operands]}")
    if not isinstance(dimension, (int, np.integer)) or not 0 <= dimension < len(shape):
        raise ValueError(f"sort: dimension {dimension!r} is out of bounds for operands of shape "
                         f"{shape}; use a dimension in [0, {len(shape)}) (the lax.sort wrapper "
                         "accepts negative dimensions)")
    if not isinstance(num_keys, (int, np.integer)) or not 1 <= num_keys <= len(operands):
        raise ValueError(f"sort: num_keys={num_keys!r} must be between 1 and the number of "
                         f"operands, {len(operands)}")
    return [ShapedArray(o.shape, o.dtype, o.weak_type) for o in operands]


def _float_order(c, a, b):
    """(a < b, a == b) in JAX's sort order: NaNs after everything, all NaNs equal."""
    a_nan = compare(c, a, a, "NE")
    b_nan = compare(c, b, b, "NE")
    less = logical(c, "or", compare(c, a, b, "LT"),
                   logical(c, "and", logical(c, "not", a_nan), b_nan))
    equal = logical(c, "or", compare(c, a, b, "EQ"), logical(c, "and", a_nan, b_nan))
    return less, equal


def _key_order(c, a, b, dtype):
    """[(less, equal), ...] for one key; complex keys give two (real part, imaginary part)."""
    if dtype in COMPLEX:
        part_type = tensor_type((), dtypes.real_dtype(dtype))
        return [_float_order(c, c.op(f"stablehlo.{part}", [a], result_type=part_type),
                             c.op(f"stablehlo.{part}", [b], result_type=part_type))
                for part in ("real", "imag")]
    if dtype in FLOAT:
        return [_float_order(c, a, b)]
    return [(compare(c, a, b, "LT"), compare(c, a, b, "EQ"))]


def _sort_lower(ctx, *operands, dimension, is_stable, num_keys):
    scalars = [tensor_type((), a.dtype) for a in ctx.avals_in]

    def comparator(c, *arguments):
        orders = []
        for i in range(num_keys):
            orders += _key_order(c, arguments[2 * i], arguments[2 * i + 1], ctx.avals_in[i].dtype)
        less = orders[-1][0]  # lexicographic: a key decides only if the earlier ones tie
        for earlier_less, earlier_equal in reversed(orders[:-1]):
            less = logical(c, "or", earlier_less, logical(c, "and", earlier_equal, less))
        return [less]

    region = ctx.region([t for t in scalars for _ in (0, 1)], comparator)
    return ctx.ops("stablehlo.sort", operands, ctx.avals_out,
                   attributes={"dimension": f"{dimension} : i64",
                               "is_stable": "true" if is_stable else "false"},
                   regions=[region])


def _sort_examples():
    rng = np.random.default_rng(0)
    floats = random_array(rng, (3, 5), "float32")
    floats[0, 1] = np.nan
    floats[1, [0, 2]] = [0.0, -0.0]
    floats[2, :2] = [-np.inf, -np.nan]
    ints = rng.integers(0, 3, size=(3, 5)).astype(np.int32)
    complexes = (rng.integers(0, 2, size=(6,)) + 1j * random_array(rng, (6,), "float32")
                 ).astype(np.complex64)
    finite = random_array(rng, (3, 5), "float32")
    # Finite examples first: the generic derivative check (which takes the first few)
    # compares with finite differences, which are NaN around infinities and NaNs.
    return [((finite,), dict(dimension=1, is_stable=True, num_keys=1)),
            ((ints, finite), dict(dimension=1, is_stable=True, num_keys=1)),
            ((finite, ints), dict(dimension=0, is_stable=False, num_keys=1)),
            ((floats,), dict(dimension=1, is_stable=True, num_keys=1)),
            ((floats,), dict(dimension=0, is_stable=False, num_keys=1)),
            ((ints, floats), dict(dimension=1, is_stable=True, num_keys=1)),
            ((ints, floats, ints), dict(dimension=1, is_stable=True, num_keys=2)),
            ((ints > 1,), dict(dimension=1, is_stable=True, num_keys=1)),
            ((complexes,), dict(dimension=0, is_stable=True, num_keys=1))]


def sort_jvp(primals, tangents, *, dimension, is_stable, num_keys):
    """Sorting also an iota gives the permutation; every tangent is permuted by it."""
    from numax import lax
    shape = aval_of(primals[0]).shape
    index_dtype = np.int32 if shape[dimension] < 2 ** 31 else np.int64
    *outs, permutation = sort_p.bind(*primals, lax.broadcasted_iota(index_dtype, shape, dimension),
                                     dimension=dimension, is_stable=is_stable, num_keys=num_keys)
    return outs, [_zero_tangent(out) if is_zero(t) else take_along_axis(t, permutation, dimension)
                  for out, t in zip(outs, tangents)]


def sort_batch(args, dims, *, dimension, is_stable, num_keys):
    """Operands share one batch axis (moved to the front unless they agree); the sorted
    dimension shifts past it."""
    if len(set(dims)) != 1:
        size = batch_size(args, dims)
        args, dims = [to_front(x, d, size) for x, d in zip(args, dims)], [0] * len(args)
    dim = dims[0]
    outs = sort_p.bind(*args, dimension=dimension + (dimension >= dim), is_stable=is_stable,
                       num_keys=num_keys)
    return outs, [dim] * len(outs)


sort_p = Primitive(
    "sort",
    abstract_eval=_sort_abstract,
    lower=_sort_lower,
    multiple_results=True,
    jvp=sort_jvp,
    batch=sort_batch,
    examples=_sort_examples,
)


def sort(operand, dimension=-1, is_stable=True, num_keys=1):
    """Sorts `operand` along `dimension`. Given a sequence of arrays of one shape, sorts
    all of them by the first `num_keys` (lexicographically) and returns a tuple.

    NaNs sort to the end; -0.0 and 0.0 are equal (a stable sort keeps their order)."""
    sequence = isinstance(operand, (tuple, list))
    operands = tuple(operand) if sequence else (operand,)
    if not operands:
        raise ValueError("sort: needs at least one operand")
    dimension = canonical_axis("sort", dimension, aval_of(operands[0]).ndim)
    outs = sort_p.bind(*operands, dimension=dimension, is_stable=bool(is_stable),
                       num_keys=int(num_keys))
    return tuple(outs) if sequence else outs[0]


def sort_key_val(keys, values, dimension=-1, is_stable=True):
    """Sorts `keys` along `dimension` and permutes `values` the same way; returns both."""
    return sort((keys, values), dimension=dimension, is_stable=is_stable, num_keys=1)


# ---------------------------------------------------------------- top_k

def _top_k_abstract(x, *, k):
    if x.dtype not in INT | FLOAT:
        raise NumaxTypeError(f"top_k does not accept dtype {x.dtype.name}; it takes integer or "
                             "floating-point arrays")
    if x.ndim == 0:
        raise NumaxTypeError("top_k needs an operand of rank >= 1 (it selects along the last "
                             "axis); got a scalar")
    if not isinstance(k, (int, np.integer)) or k < 0:
        raise ValueError(f"top_k: k must be a non-negative integer, got {k!r}")
    if k > x.shape[-1]:
        raise ValueError(f"top_k: k={k} is larger than the last axis of the operand of shape "
                         f"{x.shape}; use k <= {x.shape[-1]}")
    shape = x.shape[:-1] + (k,)
    return [ShapedArray(shape, x.dtype, x.weak_type), ShapedArray(shape, np.dtype(np.int32))]


def _top_k_lower(ctx, x, *, k):
    return ctx.ops("chlo.top_k", [x], ctx.avals_out, attributes={"k": f"{k} : i64"})


def _top_k_examples():
    rng = np.random.default_rng(0)
    ties = np.array([[3, 1, 3, 2, 3], [0, 0, 0, 0, 0]], np.int32)
    floats = random_array(rng, (2, 3, 6), "float32")
    floats[0, 0, 4] = np.nan
    finite = random_array(rng, (2, 3, 6), "float32")
    # Finite examples first: the generic derivative check (which takes the first few)
    # compares with finite differences, which are NaN around NaNs.
    return [((finite,), dict(k=3)), ((ties,), dict(k=4)),
            ((random_array(rng, (7,), "float32"),), dict(k=7)), ((floats,), dict(k=3)),
            ((random_array(rng, (4,), "float32"),), dict(k=0))]


def top_k_jvp(primals, tangents, *, k):
    """The tangents at the returned indices; the indices have none."""
    (x,), (t,) = primals, tangents
    values, indices = top_k_p.bind(x, k=k)
    return [values, indices], [take_along_axis(t, indices, aval_of(x).ndim - 1),
                               _zero_tangent(indices)]


def top_k_batch(args, dims, *, k):
    """top_k works on the last axis: a batch axis there moves to the front."""
    (x,), (dim,) = args, dims
    if dim == aval_of(x).ndim - 1:
        x, dim = move_axis(x, dim, 0), 0
    return top_k_p.bind(x, k=k), [dim, dim]


top_k_p = Primitive(
    "top_k",
    abstract_eval=_top_k_abstract,
    lower=_top_k_lower,
    multiple_results=True,
    jvp=top_k_jvp,
    batch=top_k_batch,
    examples=_top_k_examples,
)


def top_k(operand, k):
    """The `k` largest entries along the last axis, in descending order, and their int32
    indices; equal values come in increasing index order. Floats rank by the IEEE total
    order (+NaN first, 0.0 before -0.0)."""
    try:
        k = int(k)
    except TypeError:
        raise TypeError(f"top_k: k must be a static Python integer, got {k!r}") from None
    values, indices = top_k_p.bind(operand, k=k)
    return values, indices


__all__ = ["sort", "sort_key_val", "top_k", "sort_p", "top_k_p"]
