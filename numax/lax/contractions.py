"""Tensor contractions: the dot_general primitive and the matmul wrappers built on it.

Owns dot_general (declared once with its shape/dtype rule, lowering, JVP, transpose,
batching rule and example inputs), the public wrappers dot, dot_general and batch_matmul,
and the Precision enum with the canonicalisation of `precision=` arguments (which may also
name a dot algorithm, lax/dot_algorithms.py) and the cotangent dtype rule
(`cotangent_to_operand`) that convolution.py shares. The default matmul precision (config
option `jax_default_matmul_precision`) is read by the wrappers, so a staged equation always
carries the precision it will be compiled with.
"""

import enum

import numpy as np

from numax.core import dtypes
from numax.core.abstract import ShapedArray
from numax.core.config import config
from numax.core.errors import NumaxTypeError
from numax.core.primitive import Primitive
from numax.lax._ad_rules import Zero, aval_of, is_undefined, is_zero
from numax.lax._rules import ANY, check_dtype, operands, random_array
from numax.lax.dot_algorithms import (DotAlgorithm, DotAlgorithmPreset, check_algorithm_operands,
                                      is_dot_algorithm, lower_dot_with_algorithm, preset_named)
from numax.lax.elementwise import add, convert_element_type, real
from numax.lax.structural import transpose


# ---------------------------------------------------------------- precision

class Precision(enum.Enum):
    """Precision of the products in dot/conv on accelerators (ignored on CPU).

    DEFAULT is the fastest mode (one bfloat16 pass on TPU, TF32 on recent NVIDIA GPUs),
    HIGH uses three bfloat16 passes (or TF32), HIGHEST computes in full float32.
    Strings name the same modes: 'default'/'bfloat16'/'fastest', 'high'/'tensorfloat32'/
    'bfloat16_3x', 'highest'/'float32'.
    """

    DEFAULT = 0
    HIGH = 1
    HIGHEST = 2

    @classmethod
    def _missing_(cls, value):
        if isinstance(value, str):
            member = _PRECISION_NAMES.get(value.lower())
            if member is not None:
                return cls[member]
        return None

    def __str__(self):
        return self.name


_PRECISION_NAMES = {"default": "DEFAULT", "bfloat16": "DEFAULT", "fastest": "DEFAULT",
                    "high": "HIGH", "tensorfloat32": "HIGH", "bfloat16_3x": "HIGH",
                    "highest": "HIGHEST", "float32": "HIGHEST"}


def _not_understood(api, value):
    return ValueError(
        f"{api}: precision {value!r} is not understood; pass None, a lax.Precision, one of the "
        f"strings {sorted(_PRECISION_NAMES)}, a pair of those (one per operand), or one "
        "lax.DotAlgorithm or lax.DotAlgorithmPreset (or a preset's name, e.g. 'BF16_BF16_F32')")


def _one_precision(value, api):
    if isinstance(value, Precision):
        return value
    if isinstance(value, str):
        try:
            return Precision(value)
        except ValueError:
            pass
    raise _not_understood(api, value)


def canonicalize_precision(precision, api="dot_general"):
    """None, a pair of Precision values, or a dot algorithm (a canonical DotAlgorithm or a
    DotAlgorithmPreset other than DEFAULT): the forms the primitives' `precision` param takes.

    None means "the default": the config option jax_default_matmul_precision if it is
    set, else None (which lowers to DEFAULT for both operands)."""
    if precision is None:
        default = config.read("jax_default_matmul_precision")
        if default is None:
            return None
        precision = default
    if isinstance(precision, str) and precision.lower() not in _PRECISION_NAMES:
        precision = preset_named(precision) or precision
    if precision is DotAlgorithmPreset.DEFAULT:
        precision = Precision.DEFAULT
    if isinstance(precision, DotAlgorithmPreset):
        return precision
    if isinstance(precision, DotAlgorithm):
        return precision.canonical()
    if isinstance(precision, (Precision, str)):
        one = _one_precision(precision, api)
        return (one, one)
    if isinstance(precision, (tuple, list)) and len(precision) == 2:
        return tuple(_one_precision(p, api) for p in precision)
    raise _not_understood(api, precision)


def precision_attribute(precision):
    """The `precision_config` attribute text for a canonical precision param. A dot algorithm
    takes DEFAULT here: dot_general states it in its `algorithm` attribute instead, and
    StableHLO's convolution has no way to state one (so convolutions ignore it, as JAX's)."""
    if precision is None or is_dot_algorithm(precision):
        precision = (Precision.DEFAULT, Precision.DEFAULT)
    lhs, rhs = precision
    return f"[#stablehlo<precision {lhs.name}>, #stablehlo<precision {rhs.name}>]"


def canonicalize_preferred_type(preferred_element_type):
    if preferred_element_type is None:
        return None
    return dtypes.canonicalize_dtype(preferred_element_type)


# ---------------------------------------------------------------- dtype rule

def _precision_rank(dtype):
    """Orders dtypes the way XLA picks the result type of a mixed-type dot or conv: complex
    above real, then by exponent range, mantissa, bit width, and signed above unsigned."""
    real = dtypes.real_dtype(dtype) if dtypes.is_complex(dtype) else dtype
    floating = dtypes.is_float(real)
    bits = 1 if dtype == np.bool_ else dtypes.itemsize_bits(real)
    return (dtypes.is_complex(dtype),
            dtypes.finfo(real).maxexp if floating else -1,
            dtypes.finfo(real).nmant if floating else -1,
            bits,
            not dtypes.is_unsigned(real))


def contraction_result_dtype(api, lhs_dtype, rhs_dtype, preferred_element_type):
    """Result dtype of dot_general/conv: the higher-precision operand type, or the preferred
    type; an integer (or complex) result may be widened by preferred_element_type but never
    narrowed, while a floating-point result may be either (e.g. f32 x f32 -> bf16)."""
    lhs_rank, rhs_rank = _precision_rank(lhs_dtype), _precision_rank(rhs_dtype)
    if lhs_rank == rhs_rank and lhs_dtype != rhs_dtype:
        raise NumaxTypeError(
            f"{api} cannot combine operand dtypes {lhs_dtype.name} and {rhs_dtype.name}; convert "
            "one of them with lax.convert_element_type")
    result = lhs_dtype if lhs_rank >= rhs_rank else rhs_dtype
    if preferred_element_type is None or preferred_element_type == result:
        return result
    preferred = np.dtype(preferred_element_type)
    if not dtypes.is_float(result) and \
            dtypes.itemsize_bits(preferred) < dtypes.itemsize_bits(result):
        raise NumaxTypeError(
            f"{api}: preferred_element_type {preferred.name} is narrower than the result type "
            f"{result.name} of the operands; pass a type at least as wide, or None")
    return preferred


# ---------------------------------------------------------------- dot_general

def _dimension_list(dims, ndim):
    return all(isinstance(d, (int, np.integer)) and 0 <= d < ndim for d in dims)


def _dot_general_abstract(lhs, rhs, *, dimension_numbers, precision=None,
                          preferred_element_type=None, out_sharding=None):
    (lhs_contract, rhs_contract), (lhs_batch, rhs_batch) = dimension_numbers
    for side, aval, contract, batch in (("lhs", lhs, lhs_contract, lhs_batch),
                                        ("rhs", rhs, rhs_contract, rhs_batch)):
        check_dtype("dot_general", aval, ANY, side)
        if not _dimension_list(contract, aval.ndim) or not _dimension_list(batch, aval.ndim):
            raise NumaxTypeError(
                f"dot_general: {side} dimension numbers must be axes of the {side} (rank "
                f"{aval.ndim}, so 0..{aval.ndim - 1}), got contracting {tuple(contract)} and "
                f"batch {tuple(batch)}; dimension_numbers is ((lhs_contracting, "
                "rhs_contracting), (lhs_batch, rhs_batch))")
        if len(set(contract) | set(batch)) != len(contract) + len(batch):
            raise NumaxTypeError(
                f"dot_general: {side} contracting dimensions {tuple(contract)} and batch "
                f"dimensions {tuple(batch)} must all be distinct axes")
    if len(lhs_batch) != len(rhs_batch):
        raise NumaxTypeError(
            f"dot_general: lhs and rhs must have the same number of batch dimensions, got "
            f"lhs_batch {tuple(lhs_batch)} and rhs_batch {tuple(rhs_batch)}")
    if len(lhs_contract) != len(rhs_contract):
        raise NumaxTypeError(
            f"dot_general: lhs and rhs must have the same number of contracting dimensions, got "
            f"lhs_contracting {tuple(lhs_contract)} and rhs_contracting {tuple(rhs_contract)}")
    lhs_batch_shape = tuple(lhs.shape[d] for d in lhs_batch)
    rhs_batch_shape = tuple(rhs.shape[d] for d in rhs_batch)
    if lhs_batch_shape != rhs_batch_shape:
        raise NumaxTypeError(
            f"dot_general: batch dimensions must have equal sizes, got lhs batch shape "
            f"{lhs_batch_shape} (axes {tuple(lhs_batch)} of {lhs.shape}) and rhs batch shape "
            f"{rhs_batch_shape} (axes {tuple(rhs_batch)} of {rhs.shape})")
    lhs_contract_shape = tuple(lhs.shape[d] for d in lhs_contract)
    rhs_contract_shape = tuple(rhs.shape[d] for d in rhs_contract)
    if lhs_contract_shape != rhs_contract_shape:
        raise NumaxTypeError(
            f"dot_general: contracting dimensions must have equal sizes, got lhs contracting "
            f"shape {lhs_contract_shape} (axes {tuple(lhs_contract)} of {lhs.shape}) and rhs "
            f"contracting shape {rhs_contract_shape} (axes {tuple(rhs_contract)} of "
            f"{rhs.shape})")
    lhs_free = [d for d in range(lhs.ndim) if d not in lhs_contract and d not in lhs_batch]
    rhs_free = [d for d in range(rhs.ndim) if d not in rhs_contract and d not in rhs_batch]
    shape = lhs_batch_shape + tuple(lhs.shape[d] for d in lhs_free) + \
        tuple(rhs.shape[d] for d in rhs_free)
    dtype = contraction_result_dtype("dot_general", lhs.dtype, rhs.dtype, preferred_element_type)
    check_algorithm_operands("dot_general", precision, lhs.dtype, rhs.dtype)
    return ShapedArray(shape, dtype, lhs.weak_type and rhs.weak_type)


def _dims_text(dims):
    return "[" + ", ".join(str(int(d)) for d in dims) + "]"


def unify_operand_types(ctx, lhs, rhs):
    """Operands of a mixed-type dot/conv converted to the higher-precision type of the two
    (XLA wants equal operand element types; the result type may still differ)."""
    lhs_aval, rhs_aval = ctx.avals_in
    if lhs_aval.dtype == rhs_aval.dtype:
        return lhs, rhs
    if _precision_rank(lhs_aval.dtype) > _precision_rank(rhs_aval.dtype):
        return lhs, ctx.op("stablehlo.convert", [rhs], rhs_aval.update(dtype=lhs_aval.dtype))
    return ctx.op("stablehlo.convert", [lhs], lhs_aval.update(dtype=rhs_aval.dtype)), rhs


def _dot_general_lower(ctx, lhs, rhs, *, dimension_numbers, precision=None,
                       preferred_element_type=None, out_sharding=None):
    (lhs_contract, rhs_contract), (lhs_batch, rhs_batch) = dimension_numbers
    lhs, rhs = unify_operand_types(ctx, lhs, rhs)
    numbers = (f"#stablehlo.dot<lhs_batching_dimensions = {_dims_text(lhs_batch)}, "
               f"rhs_batching_dimensions = {_dims_text(rhs_batch)}, "
               f"lhs_contracting_dimensions = {_dims_text(lhs_contract)}, "
               f"rhs_contracting_dimensions = {_dims_text(rhs_contract)}>")
    attributes = {"dot_dimension_numbers": numbers,
                  "precision_config": precision_attribute(precision)}
    if is_dot_algorithm(precision):
        operand_dtype = max((a.dtype for a in ctx.avals_in), key=_precision_rank)
        return lower_dot_with_algorithm(ctx, lhs, rhs, operand_dtype, precision, attributes)
    return ctx.op("stablehlo.dot_general", [lhs, rhs], attributes=attributes)


def _dot_general_examples():
    rng = np.random.default_rng(0)

    def case(lhs_shape, rhs_shape, numbers, dtype="float32", rhs_dtype=None, precision=None,
             preferred=None):
        args = (random_array(rng, lhs_shape, dtype),
                random_array(rng, rhs_shape, rhs_dtype or dtype))
        return args, dict(dimension_numbers=numbers, precision=precision,
                          preferred_element_type=None if preferred is None else np.dtype(preferred),
                          out_sharding=None)
    matmul = (((1,), (0,)), ((), ()))
    return [
        # The registry-wide AD and batching checkers look at the first few examples only:
        # batch and contracting dimensions in unusual places lead.
        case((3, 2, 4), (5, 4, 2), (((2,), (1,)), ((1,), (2,)))),
        case((3, 4), (4, 5), matmul),
        case((2, 3, 4), (2, 4, 5), (((2,), (1,)), ((0,), (0,)))),
        case((4,), (4,), (((0,), (0,)), ((), ()))),
        case((2, 3), (4,), (((), ()), ((), ()))),  # outer product
        case((3, 4), (4, 5), matmul, "int32"),
        case((3, 4), (4, 5), matmul, "int8", preferred="int32"),
        case((3, 4), (4, 5), matmul, "bfloat16", preferred="float32"),
        case((3, 4), (4, 5), matmul, "complex64"),
        case((3, 4), (4, 5), matmul, "bool"),
        case((3, 4), (4, 5), matmul, "int8", rhs_dtype="float32"),
        case((3, 4), (4, 5), matmul, precision=(Precision.HIGHEST, Precision.HIGHEST)),
        # Algorithms that keep float64 operands exact, so the float64 derivative checks hold
        # (tests/lax/test_dot_algorithms.py checks the rounding ones against NumPy).
        case((2, 3, 4), (2, 4, 5), (((2,), (1,)), ((0,), (0,))),
             precision=DotAlgorithmPreset.F64_F64_F64),
        case((3, 4), (4, 5), matmul, "int32", precision=DotAlgorithmPreset.F32_F32_F32),
        case((3, 4), (4, 5), matmul,
             precision=DotAlgorithm(np.float32, np.float32, np.float32).canonical()),
    ]


def _free_dims(ndim, contract, batch):
    return [d for d in range(ndim) if d not in contract and d not in batch]


def cotangent_to_operand(ct, aval):
    """`ct` in the dtype of the operand it is the cotangent of: a preferred_element_type may
    have widened the result, and a real operand of a complex product takes the real part."""
    ct_dtype = aval_of(ct).dtype
    if ct_dtype == aval.dtype:
        return ct
    if dtypes.is_complex(ct_dtype) and not dtypes.is_complex(aval.dtype):
        ct = real(ct)
    return convert_element_type(ct, aval.dtype)


def dot_general_jvp(primals, tangents, **params):
    """Bilinear: d(lhs . rhs) = t_lhs . rhs + lhs . t_rhs, skipping symbolic zeros."""
    (lhs, rhs), (t_lhs, t_rhs) = primals, tangents
    out = dot_general_p.bind(lhs, rhs, **params)
    tangent = Zero(aval_of(out).strip_weak_type())
    if not dtypes.is_inexact(aval_of(out).dtype):  # e.g. preferred_element_type=int32
        return out, tangent
    if not is_zero(t_lhs):
        tangent = dot_general_p.bind(t_lhs, rhs, **params)
    if not is_zero(t_rhs):
        term = dot_general_p.bind(lhs, t_rhs, **params)
        tangent = term if is_zero(tangent) else add(tangent, term)
    return out, tangent


def dot_general_transpose(ct, lhs, rhs, *, dimension_numbers, precision=None,
                          preferred_element_type=None, out_sharding=None):
    """Cotangent of the linear operand: ct contracted with the other operand over that
    operand's free dimensions (batch dimensions stay batch), permuted to the operand's layout.

    The forward output is (batch, lhs free, rhs free). dot_general(ct, rhs) is then
    (batch, lhs free, rhs contracting dims in increasing order), which are lhs dims
    B_l + F_l + [C_l[k] for k ordering C_r]; dot_general(lhs, ct) is (batch, lhs contracting
    dims in increasing order, rhs free), i.e. rhs dims B_r + [C_r[k] for k ordering C_l] +
    F_r. For matmul-like layouts both are already the operand's order: no transpose."""
    (lhs_contract, rhs_contract), (lhs_batch, rhs_batch) = dimension_numbers
    if is_undefined(lhs) == is_undefined(rhs):
        raise ValueError("dot_general_transpose: dot_general is linear in one operand at a time")
    if is_zero(ct):
        return [Zero(lhs.aval) if is_undefined(lhs) else None,
                Zero(rhs.aval) if is_undefined(rhs) else None]
    lhs_free = _free_dims(aval_of(lhs).ndim, lhs_contract, lhs_batch)
    rhs_free = _free_dims(aval_of(rhs).ndim, rhs_contract, rhs_batch)
    batch_count, lhs_free_count = len(lhs_batch), len(lhs_free)
    ct_batch = tuple(range(batch_count))
    ct_lhs_free = tuple(range(batch_count, batch_count + lhs_free_count))
    ct_rhs_free = tuple(range(batch_count + lhs_free_count, aval_of(ct).ndim))
    if is_undefined(lhs):
        operand = lhs.aval
        numbers = ((ct_rhs_free, tuple(rhs_free)), (ct_batch, tuple(rhs_batch)))
        result = dot_general_p.bind(ct, rhs, dimension_numbers=numbers, precision=precision,
                                    preferred_element_type=None, out_sharding=None)
        layout = list(lhs_batch) + lhs_free + [lhs_contract[k] for k in np.argsort(rhs_contract)]
    else:
        operand = rhs.aval
        numbers = ((tuple(lhs_free), ct_lhs_free), (tuple(lhs_batch), ct_batch))
        result = dot_general_p.bind(lhs, ct, dimension_numbers=numbers, precision=precision,
                                    preferred_element_type=None, out_sharding=None)
        layout = list(rhs_batch) + [rhs_contract[k] for k in np.argsort(lhs_contract)] + rhs_free
    permutation = tuple(layout.index(d) for d in range(operand.ndim))
    if permutation != tuple(range(operand.ndim)):
        result = transpose(result, permutation)
    result = cotangent_to_operand(result, operand)
    return [result, None] if is_undefined(lhs) else [None, result]


def dot_general_batch(args, dims, *, dimension_numbers, **params):
    """The vmapped axis stays where it is: a new (leading) batch dimension of the contraction
    when both operands carry it, an extra free dimension when one does; its place in the
    output follows from the output layout (batch dims, lhs free dims, rhs free dims)."""
    (lhs, rhs), (lhs_dim, rhs_dim) = args, dims
    (lhs_contract, rhs_contract), (lhs_batch, rhs_batch) = dimension_numbers

    def shifted(axes, inserted):  # axes of the unbatched operand, in the batched one
        return tuple(int(d) + (inserted is not None and d >= inserted) for d in axes)
    lhs_contract, lhs_batch = shifted(lhs_contract, lhs_dim), shifted(lhs_batch, lhs_dim)
    rhs_contract, rhs_batch = shifted(rhs_contract, rhs_dim), shifted(rhs_batch, rhs_dim)
    if lhs_dim is not None and rhs_dim is not None:
        numbers = ((lhs_contract, rhs_contract), ((lhs_dim,) + lhs_batch, (rhs_dim,) + rhs_batch))
        return dot_general_p.bind(lhs, rhs, dimension_numbers=numbers, **params), 0
    numbers = ((lhs_contract, rhs_contract), (lhs_batch, rhs_batch))
    out = dot_general_p.bind(lhs, rhs, dimension_numbers=numbers, **params)
    lhs_free = _free_dims(aval_of(lhs).ndim, lhs_contract, lhs_batch)
    if lhs_dim is not None:
        return out, len(lhs_batch) + lhs_free.index(lhs_dim)
    rhs_free = _free_dims(aval_of(rhs).ndim, rhs_contract, rhs_batch)
    return out, len(lhs_batch) + len(lhs_free) + rhs_free.index(rhs_dim)


dot_general_p = Primitive(
    "dot_general",
    abstract_eval=_dot_general_abstract,
    lower=_dot_general_lower,
    jvp=dot_general_jvp,
    transpose=dot_general_transpose,
    batch=dot_general_batch,
    examples=_dot_general_examples,
)


# ---------------------------------------------------------------- public wrappers

def _shape(x):
    shape = getattr(x, "shape", None)
    return tuple(shape) if shape is not None else np.shape(x)


def _index_tuple(dims, api, what):
    try:
        return tuple(int(d) for d in np.atleast_1d(dims).tolist()) if dims is not None else ()
    except (TypeError, ValueError):
        raise TypeError(f"{api}: {what} must be a sequence of integer axes, got {dims!r}") \
            from None


def _canonical_dimension_numbers(dimension_numbers):
    try:
        (lhs_contract, rhs_contract), (lhs_batch, rhs_batch) = dimension_numbers
    except (TypeError, ValueError):
        raise TypeError(
            "dot_general: dimension_numbers must be ((lhs_contracting, rhs_contracting), "
            f"(lhs_batch, rhs_batch)), e.g. (((1,), (0,)), ((), ())) for a matrix product; got "
            f"{dimension_numbers!r}") from None
    dims = [_index_tuple(d, "dot_general", name) for d, name in (
        (lhs_contract, "lhs_contracting"), (rhs_contract, "rhs_contracting"),
        (lhs_batch, "lhs_batch"), (rhs_batch, "rhs_batch"))]
    return (dims[0], dims[1]), (dims[2], dims[3])


def dot_general(lhs, rhs, dimension_numbers, precision=None, preferred_element_type=None,
                out_sharding=None):
    """General tensor contraction (StableHLO dot_general).

    dimension_numbers = ((lhs_contracting, rhs_contracting), (lhs_batch, rhs_batch)).
    The result has the batch dimensions first, then the free dimensions of lhs, then
    those of rhs, each in their original order.

    >>> import numpy as np
    >>> x, y = np.ones((2, 3, 4), np.float32), np.ones((2, 4, 5), np.float32)
    >>> dot_general(x, y, (((2,), (1,)), ((0,), (0,)))).shape
    (2, 3, 5)
    """
    if out_sharding is not None:
        raise NotImplementedError("dot_general: out_sharding is not supported yet; pass None")
    return dot_general_p.bind(
        *operands(lhs, rhs), dimension_numbers=_canonical_dimension_numbers(dimension_numbers),
        precision=canonicalize_precision(precision, "dot_general"),
        preferred_element_type=canonicalize_preferred_type(preferred_element_type),
        out_sharding=None)


def dot(lhs, rhs, precision=None, preferred_element_type=None, *, out_sharding=None):
    """Vector/matrix product of operands of rank 1 or 2: lhs's last axis is contracted with
    rhs's first.

    >>> import numpy as np
    >>> dot(np.ones((3, 4), np.float32), np.ones(4, np.float32)).shape
    (3,)
    """
    lhs_shape, rhs_shape = _shape(lhs), _shape(rhs)
    if not (1 <= len(lhs_shape) <= 2 and 1 <= len(rhs_shape) <= 2) or \
            lhs_shape[-1] != rhs_shape[0]:
        raise TypeError(
            f"Incompatible shapes for dot: got {lhs_shape} and {rhs_shape}. lax.dot takes "
            "vectors or matrices whose inner sizes match; use lax.dot_general (or "
            "numax.numpy.matmul/einsum) for other shapes")
    return dot_general(lhs, rhs, (((len(lhs_shape) - 1,), (0,)), ((), ())), precision=precision,
                       preferred_element_type=preferred_element_type, out_sharding=out_sharding)


def batch_matmul(lhs, rhs, precision=None):
    """Batched matrix product: lhs[..., m, k] @ rhs[..., k, n] with equal leading axes."""
    lhs_shape, rhs_shape = _shape(lhs), _shape(rhs)
    if len(lhs_shape) != len(rhs_shape) or len(lhs_shape) < 2:
        raise ValueError(
            f"batch_matmul requires arguments of the same rank, at least 2, got shapes "
            f"{lhs_shape} and {rhs_shape}; broadcast or reshape the batch axes first")
    ndim = len(lhs_shape)
    batch = tuple(range(ndim - 2))
    return dot_general(lhs, rhs, (((ndim - 1,), (ndim - 2,)), (batch, batch)),
                       precision=precision)


__all__ = ["Precision", "dot", "dot_general", "batch_matmul", "dot_general_p"]
