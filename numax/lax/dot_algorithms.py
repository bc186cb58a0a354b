"""Dot algorithms and result-accuracy requests: what `precision=` and `accuracy=` take beyond
lax.Precision.

Owns DotAlgorithm (an explicit StableHLO dot algorithm), DotAlgorithmPreset (the named
algorithms, with the operand storage types, accumulation type and output types each one
implies), their lowering onto `stablehlo.dot_general`'s `algorithm` attribute, and
AccuracyMode/Tolerance, the `accuracy=` of the transcendental functions, with their
`result_accuracy` attribute. contractions.py decides where a `precision` value goes;
special.py binds `accuracy`. XLA on CPU (jaxlib 0.10.2) accepts every algorithm below and
computes in the operands' storage type, i.e. the algorithm is a request the backend may
exceed; GPU backends honour it or reject the module with XLA's message.
"""

import dataclasses
import enum
from typing import NamedTuple

import numpy as np

from numax.core import dtypes
from numax.core.errors import NumaxTypeError
from numax.lowering import tensor_type

_TF32 = "tf32"  # a GPU tensor-core format with no NumPy dtype: named by its MLIR spelling


def _element_type(dtype):
    if dtype == _TF32:
        return _TF32
    return tensor_type((), dtype)[len("tensor<"):-1]


def _precision_type(value, field):
    if isinstance(value, str) and value.lower() == _TF32:
        return _TF32
    try:
        dtype = None if value is None else np.dtype(value)
    except TypeError:
        dtype = None
    if dtype is None or not dtypes.issubdtype(dtype, np.floating):
        raise ValueError(f"DotAlgorithm: {field} must be a floating-point dtype or 'tf32', "
                         f"got {value!r}")
    return dtype


# ---------------------------------------------------------------- DotAlgorithm

class DotAlgorithm(NamedTuple):
    """An explicit algorithm for dot_general: operands rounded to lhs/rhs_precision_type
    (each split into *_component_count parts), products accumulated in accumulation_type,
    num_primitive_operations hardware dots per tile; allow_imprecise_accumulation lets
    the backend accumulate in lower precision. Precision types are floating dtypes, or
    'tf32'. Pass one as `precision=` to lax.dot_general, lax.dot or numax.numpy.matmul.

    >>> import numpy as np
    >>> DotAlgorithm(np.float32, np.float32, np.float32).num_primitive_operations
    1
    """

    lhs_precision_type: object
    rhs_precision_type: object
    accumulation_type: object
    lhs_component_count: int = 1
    rhs_component_count: int = 1
    num_primitive_operations: int = 1
    allow_imprecise_accumulation: bool = False

    def canonical(self):
        """The same algorithm with dtypes as np.dtype (so equal algorithms hash equal),
        checked the way StableHLO's verifier does."""
        counts = (self.lhs_component_count, self.rhs_component_count,
                  self.num_primitive_operations)
        names = ("lhs_component_count", "rhs_component_count", "num_primitive_operations")
        for name, count in zip(names, counts):
            if not isinstance(count, (int, np.integer)) or isinstance(count, bool) or count < 1:
                raise ValueError(f"DotAlgorithm: {name} must be a positive integer, got {count!r}")
        if not isinstance(self.allow_imprecise_accumulation, (bool, np.bool_)):
            raise ValueError("DotAlgorithm: allow_imprecise_accumulation must be a bool, got "
                             f"{self.allow_imprecise_accumulation!r}")
        return DotAlgorithm(
            _precision_type(self.lhs_precision_type, "lhs_precision_type"),
            _precision_type(self.rhs_precision_type, "rhs_precision_type"),
            _precision_type(self.accumulation_type, "accumulation_type"),
            *(int(c) for c in counts), bool(self.allow_imprecise_accumulation))

    def attribute(self):
        """`#stablehlo.dot_algorithm<...>`; call on a canonical algorithm."""
        return (f"#stablehlo.dot_algorithm<"
                f"lhs_precision_type = {_element_type(self.lhs_precision_type)}, "
                f"rhs_precision_type = {_element_type(self.rhs_precision_type)}, "
                f"accumulation_type = {_element_type(self.accumulation_type)}, "
                f"lhs_component_count = {self.lhs_component_count}, "
                f"rhs_component_count = {self.rhs_component_count}, "
                f"num_primitive_operations = {self.num_primitive_operations}, "
                f"allow_imprecise_accumulation = "
                f"{str(self.allow_imprecise_accumulation).lower()}>")


# ---------------------------------------------------------------- presets

_F16, _BF16 = np.dtype(np.float16), dtypes.bfloat16
_F32, _F64 = np.dtype(np.float32), np.dtype(np.float64)


class _Preset(NamedTuple):
    storage: tuple       # operand types the algorithm reads; others convert to storage[0]
    accumulation: object  # the type products are summed in (None: the output type)
    precision: object    # the type of the primitive dots' inputs (None: the float8 operands')
    operations: int = 1  # primitive dots per tile
    fast_accumulation: bool = False
    outputs: tuple = ()  # output types besides the accumulation type


_PRESETS = {
    "ANY_F8_ANY_F8_F32": _Preset((), _F32, None),
    "ANY_F8_ANY_F8_F32_FAST_ACCUM": _Preset((), _F32, None, fast_accumulation=True),
    "ANY_F8_ANY_F8_ANY": _Preset((), None, None),
    "ANY_F8_ANY_F8_ANY_FAST_ACCUM": _Preset((), None, None, fast_accumulation=True),
    "F16_F16_F16": _Preset((_F16,), _F16, _F16),
    "F16_F16_F32": _Preset((_F16,), _F32, _F16, outputs=(_F16,)),
    # Operands stored in float32 stay so: rounding them to bfloat16 is the algorithm's job.
    "BF16_BF16_BF16": _Preset((_BF16, _F32), _BF16, _BF16),
    "BF16_BF16_F32": _Preset((_BF16, _F32), _F32, _BF16, outputs=(_BF16,)),
    "BF16_BF16_F32_X3": _Preset((_F32,), _F32, _BF16, 3),
    "BF16_BF16_F32_X6": _Preset((_F32,), _F32, _BF16, 6),
    "BF16_BF16_F32_X9": _Preset((_F32,), _F32, _BF16, 9),
    "TF32_TF32_F32": _Preset((_F32,), _F32, _TF32),
    "TF32_TF32_F32_X3": _Preset((_F32,), _F32, _TF32, 3),
    "F32_F32_F32": _Preset((_F32,), _F32, _F32),
    "F64_F64_F64": _Preset((_F64,), _F64, _F64),
}


class DotAlgorithmPreset(enum.Enum):
    """Named dot algorithms, `precision=` values for dot_general/dot/conv and the
    jax_default_matmul_precision option. A name reads LHS_RHS_ACCUMULATION[_Xn]: the types
    the operands are rounded to, the accumulation type, and n primitive dots per tile
    (BF16_BF16_F32_X3 emulates float32 products with three bfloat16 ones). Operands of
    another type are converted to `supported_lhs_types[0]` first; the result keeps the
    dtype dot_general gives it. DEFAULT is lax.Precision.DEFAULT. The ANY_F8 presets need
    float8 operands.

    >>> DotAlgorithmPreset.BF16_BF16_F32.accumulation_type
    dtype('float32')
    """

    DEFAULT = "DEFAULT"
    ANY_F8_ANY_F8_F32 = "ANY_F8_ANY_F8_F32"
    ANY_F8_ANY_F8_F32_FAST_ACCUM = "ANY_F8_ANY_F8_F32_FAST_ACCUM"
    ANY_F8_ANY_F8_ANY = "ANY_F8_ANY_F8_ANY"
    ANY_F8_ANY_F8_ANY_FAST_ACCUM = "ANY_F8_ANY_F8_ANY_FAST_ACCUM"
    F16_F16_F16 = "F16_F16_F16"
    F16_F16_F32 = "F16_F16_F32"
    BF16_BF16_BF16 = "BF16_BF16_BF16"
    BF16_BF16_F32 = "BF16_BF16_F32"
    BF16_BF16_F32_X3 = "BF16_BF16_F32_X3"
    BF16_BF16_F32_X6 = "BF16_BF16_F32_X6"
    BF16_BF16_F32_X9 = "BF16_BF16_F32_X9"
    TF32_TF32_F32 = "TF32_TF32_F32"
    TF32_TF32_F32_X3 = "TF32_TF32_F32_X3"
    F32_F32_F32 = "F32_F32_F32"
    F64_F64_F64 = "F64_F64_F64"

    def __str__(self):
        return self.name

    @property
    def _spec(self):
        return _PRESETS.get(self.name)

    @property
    def supported_lhs_types(self):
        """The operand types read as they are (None: any float8 type, or for DEFAULT any)."""
        spec = self._spec
        return None if spec is None or not spec.storage else spec.storage

    supported_rhs_types = supported_lhs_types

    @property
    def accumulation_type(self):
        return None if self._spec is None else self._spec.accumulation

    def supported_output_types(self, lhs_dtype, rhs_dtype):
        """The output types the algorithm produces directly (None: no restriction)."""
        spec = self._spec
        if spec is None or spec.accumulation is None:
            return None
        return (spec.accumulation,) + spec.outputs


def preset_named(value):
    """The DotAlgorithmPreset a string names (any case), or None."""
    if isinstance(value, str):
        return DotAlgorithmPreset.__members__.get(value.upper())
    return None


def is_dot_algorithm(precision):
    """Whether a canonical `precision` param asks for an algorithm (rather than a pair of
    lax.Precision values or None)."""
    return isinstance(precision, (DotAlgorithm, DotAlgorithmPreset))


def check_algorithm_operands(api, algorithm, lhs_dtype, rhs_dtype):
    """Rejects operands an algorithm cannot read correctly: complex values (their imaginary
    part would be dropped by the conversion to a real storage type) and non-float8 operands
    of the ANY_F8 presets."""
    if not isinstance(algorithm, DotAlgorithmPreset):
        return
    for side, dtype in (("lhs", lhs_dtype), ("rhs", rhs_dtype)):
        if dtypes.is_complex(dtype):
            raise NumaxTypeError(
                f"{api}: precision={algorithm} reads real operands, got a {dtype.name} {side}; "
                "pass a lax.Precision for complex products, or split real and imaginary parts")
    if algorithm.name.startswith("ANY_F8"):
        raise NumaxTypeError(
            f"{api}: precision={algorithm} requires float8 operands, got {lhs_dtype.name} and "
            f"{rhs_dtype.name} (numax's dot_general takes no float8 arrays yet); pick a preset "
            "for your operand types, e.g. BF16_BF16_F32")


def lower_dot_with_algorithm(ctx, lhs, rhs, operand_dtype, algorithm, attributes):
    """stablehlo.dot_general with an `algorithm` attribute. For a preset, operands (both of
    `operand_dtype`) not in its storage types are converted to the first one, and the
    product is computed in the accumulation type, then converted to the output dtype."""
    out_aval = ctx.aval_out
    if isinstance(algorithm, DotAlgorithm):
        return ctx.op("stablehlo.dot_general", [lhs, rhs],
                      attributes={**attributes, "algorithm": algorithm.attribute()})
    spec = algorithm._spec
    storage = operand_dtype if operand_dtype in spec.storage else spec.storage[0]
    if storage != operand_dtype:
        lhs, rhs = (ctx.op("stablehlo.convert", [x], aval.update(dtype=storage))
                    for x, aval in zip((lhs, rhs), ctx.avals_in))
    accumulation = spec.accumulation
    explicit = DotAlgorithm(spec.precision, spec.precision, accumulation, 1, 1, spec.operations,
                            spec.fast_accumulation)
    out = ctx.op("stablehlo.dot_general", [lhs, rhs], out_aval.update(dtype=accumulation),
                 attributes={**attributes, "algorithm": explicit.attribute()})
    if accumulation != out_aval.dtype:
        out = ctx.op("stablehlo.convert", [out])
    return out


# ---------------------------------------------------------------- result accuracy

class AccuracyMode(enum.Enum):
    """`accuracy=` of the transcendental functions (exp, log, sin, ...): DEFAULT is the
    backend's usual implementation, HIGHEST its most accurate one."""

    HIGHEST = 1
    DEFAULT = 2

    def __str__(self):
        return self.name


@dataclasses.dataclass(frozen=True)
class Tolerance:
    """`accuracy=` as error bounds the backend's implementation must meet: an absolute
    error atol, a relative error rtol, and ulps units in the last place.

    >>> Tolerance(atol=1e-6, rtol=1e-5, ulps=2).ulps
    2
    """

    atol: float = 0.0
    rtol: float = 0.0
    ulps: int = 0

    def __post_init__(self):
        if not (self.atol >= 0 and self.rtol >= 0):
            raise ValueError(f"Tolerance: atol and rtol must be non-negative numbers, got "
                             f"atol={self.atol!r}, rtol={self.rtol!r}")
        if not isinstance(self.ulps, (int, np.integer)) or isinstance(self.ulps, bool) or \
                self.ulps < 0:
            raise ValueError(f"Tolerance: ulps must be a non-negative integer, got {self.ulps!r}")


def accuracy_params(api, accuracy):
    """The params an `accuracy=` argument adds to a transcendental primitive: none for None,
    so programs that do not ask for an accuracy stage and cache exactly as before."""
    if accuracy is None:
        return {}
    if isinstance(accuracy, str):
        mode = AccuracyMode.__members__.get(accuracy.upper())
        if mode is not None:
            return {"accuracy": mode}
    if isinstance(accuracy, (AccuracyMode, Tolerance)):
        return {"accuracy": accuracy}
    raise TypeError(f"{api}: accuracy must be None, a lax.AccuracyMode ('DEFAULT' or "
                    f"'HIGHEST') or a lax.Tolerance(atol, rtol, ulps), got {accuracy!r}")


def result_accuracy_attribute(accuracy):
    """`#stablehlo.result_accuracy<...>` for an AccuracyMode or a Tolerance."""
    if isinstance(accuracy, Tolerance):
        atol, rtol, ulps, mode = float(accuracy.atol), float(accuracy.rtol), accuracy.ulps, \
            "TOLERANCE"
    else:
        atol, rtol, ulps, mode = 0.0, 0.0, 0, accuracy.name
    return (f"#stablehlo.result_accuracy<atol = {atol:.17e}, rtol = {rtol:.17e}, "
            f"ulps = {int(ulps)}, mode = #stablehlo.result_accuracy_mode<{mode}>>")


def accurate_hlo_op(op_name):
    """Lowering of a one-operand transcendental op to `op_name`, with the `accuracy` param
    (when the call gave one) as its result_accuracy attribute."""
    def lower(ctx, x, accuracy=None):
        attributes = None if accuracy is None else {
            "result_accuracy": result_accuracy_attribute(accuracy)}
        return ctx.op(op_name, [x], attributes=attributes)
    lower.__name__ = f"lower_{op_name.split('.')[-1]}"
    return lower


__all__ = ["DotAlgorithm", "DotAlgorithmPreset", "AccuracyMode", "Tolerance"]
