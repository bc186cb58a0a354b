"""Elementwise primitives: arithmetic, comparison, logical/bitwise, complex parts,
selection (select_n, clamp) and dtype conversion.

Each primitive is declared once with its shape/dtype rule, lowering, differentiation and
batching rules and example inputs, using the builders of lax/_rules.py, _ad_rules.py and
_batch_rules.py and the `elementwise`/`unary`/`binary` builders below (which lax/special.py,
the transcendental and special functions, shares). Derivatives follow JAX's conventions at
kinks and for complex values (see abs, max/min, clamp, the complex parts). Operands must
share a dtype; rank-0 operands broadcast. NumPy-style promotion and broadcasting live in
numax.numpy, not here. Integer division and remainder follow XLA (and so JAX): they
truncate toward zero, x / 0 is -1 (all bits set), x % 0 is x.
"""

import builtins
import enum
import operator

import numpy as np

from numax.core import dtypes
from numax.core.abstract import ShapedArray, TypedScalar
from numax.core.errors import NumaxTypeError
from numax.core.primitive import Primitive
from numax.lax._rules import (ANY, BOOL, COMPLEX, FLOAT, INEXACT, INT, INT_OR_BOOL, NUMBER, SIGNED,
                              UNSIGNED, check_dtype, class_name, elementwise_abstract,
                              elementwise_examples, hlo_op, operands, random_array,
                              broadcast_scalars)
from numax.lax._batch_rules import batch_size, elementwise_batch, move_axis
from numax.lax._ad_rules import (signed_sum_jvp, Zero, _broadcast_tangent, aval_of, elementwise_jvp,
                                 is_undefined, is_zero, linear_transpose_add, mul_transpose,
                                 unary_tangent_jvp, unbroadcast, zero_jvp)
from numax.lowering import tensor_type

ORDERED = INT | FLOAT | BOOL               # what lt/le/gt/ge and clamp compare
COMPLEX_PARTS = frozenset([np.dtype(np.float32), np.dtype(np.float64)])  # complex(x, y) inputs


# ---------------------------------------------------------------- builders

def elementwise(name, *, abstract_eval, lower, examples, partials=None, tangent=None,
                zero_derivative=False, batch=None, **rules):
    """An elementwise primitive with its batching rule (elementwise_batch unless `batch` is
    given) and a JVP rule from one of: `partials` (d out / d operand_i as functions of
    (out, *operands)), `tangent(t, out, x)` (one operand), `zero_derivative` (piecewise
    constant), or an explicit `jvp` in `rules`. Operands named in `not_differentiable_in`
    ({position: reason}) take no partial: differentiating along them raises."""
    primitive = Primitive(name, abstract_eval=abstract_eval, lower=lower, examples=examples,
                          **rules)
    primitive.batch = batch if batch is not None else elementwise_batch(primitive)
    if partials is not None:
        blocked = primitive.not_differentiable_in
        partials = [_not_implemented(name, blocked[i]) if i in blocked else partial
                    for i, partial in enumerate(partials)]
        primitive.jvp = elementwise_jvp(primitive, *partials)
    elif tangent is not None:
        primitive.jvp = unary_tangent_jvp(primitive, tangent)
    elif zero_derivative:
        primitive.jvp = zero_jvp(primitive)
    return primitive


def _not_implemented(name, reason):
    def partial(out, *operands):
        raise NotImplementedError(f"{name}: {reason}")
    return partial


def unary(name, hlo, allowed=INEXACT, *, low=-3.0, high=3.0, dtypes_=("float32",), partial=None,
          **rules):
    """A one-operand elementwise primitive lowered to a single StableHLO/CHLO op.

    `partial(out, x)` is its derivative; the JVP rule is built from it."""
    return elementwise(name, abstract_eval=elementwise_abstract(name, allowed),
                       lower=hlo_op(hlo),
                       examples=elementwise_examples(1, dtypes_, low=low, high=high),
                       partials=None if partial is None else (partial,), **rules)


def binary(name, hlo, allowed=NUMBER, *, low=-3.0, high=3.0, dtypes_=("float32", "int32"),
           partials=None, **rules):
    """A two-operand elementwise primitive lowered to a single StableHLO/CHLO op.

    `partials` = (d out/dx, d out/dy), each a function of (out, x, y) or None."""
    return elementwise(name, abstract_eval=elementwise_abstract(name, allowed),
                       lower=hlo_op(hlo),
                       examples=elementwise_examples(2, dtypes_, low=low, high=high),
                       partials=partials, **rules)


def mapped_dtype_abstract(name, allowed, result_dtype):
    """Like elementwise_abstract, but the result dtype is `result_dtype(operand dtype)` and
    the weak type carries over (abs of a weak complex is a weak float, as in JAX)."""
    same = elementwise_abstract(name, allowed)

    def rule(*avals, **params):
        out = same(*avals, **params)
        return out.update(dtype=result_dtype(out.dtype))
    return rule


def examples_of(*generators):
    """Concatenates example generators (e.g. one per dtype/param combination)."""
    return lambda: [case for generator in generators for case in generator()]


def comparison_type(dtype):
    """StableHLO's comparison_type for comparing values of `dtype` (bool compares unsigned)."""
    if dtypes.is_inexact(dtype):
        return "FLOAT"
    return "SIGNED" if dtype in SIGNED else "UNSIGNED"


def compare_hlo(ctx, x, y, direction, dtype, shape):
    """Emits stablehlo.compare of two values of `dtype`; the result is bool of `shape`."""
    return ctx.op("stablehlo.compare", [x, y], tensor_type(shape, np.bool_), attributes={
        "comparison_direction": f"#stablehlo<comparison_direction {direction}>",
        "comparison_type": f"#stablehlo<comparison_type {comparison_type(dtype)}>"})


def _full_like(x, value):
    """An array of `value` with x's shape and dtype (bound on the current trace)."""
    from numax.lax.structural import full
    aval = aval_of(x)
    return full(aval.shape, value, aval.dtype)


def _require_same_shape_or_scalar(name, shape, avals, what="operands"):
    for aval in avals:
        if aval.shape not in ((), shape):
            raise NumaxTypeError(
                f"{name} got {what} of shapes {', '.join(str(a.shape) for a in avals)}; each "
                f"must have shape {shape} or be a scalar (numax.numpy functions broadcast)")


# ---------------------------------------------------------------- arithmetic

add_p = binary("add", "stablehlo.add", dtypes_=("float32", "int32", "complex64", "bfloat16"),
               linear=True, transpose=linear_transpose_add(1, 1))
sub_p = binary("sub", "stablehlo.subtract", dtypes_=("float32", "int32", "complex64"),
               linear=True, transpose=linear_transpose_add(1, -1))
add_p.jvp = signed_sum_jvp(add_p, (1, 1))
sub_p.jvp = signed_sum_jvp(sub_p, (1, -1))
mul_p = binary("mul", "stablehlo.multiply", dtypes_=("float32", "int32", "complex64", "uint8"),
               partials=(lambda out, x, y: y, lambda out, x, y: x), transpose=mul_transpose)


def div_jvp(primals, tangents):
    """d(x / y) = t_x / y - t_y * x / y**2; the first term keeps div (linear in x) so the
    tangent is computed as JAX computes it."""
    (x, y), (t_x, t_y) = primals, tangents
    out = div_p.bind(x, y)
    tangent = Zero(aval_of(out).strip_weak_type())
    if not is_zero(t_x):
        tangent = div(t_x, y)
    if not is_zero(t_y):
        term = mul(mul(neg(t_y), x), integer_pow(y, -2))
        tangent = term if is_zero(tangent) else add(tangent, term)
    return out, _broadcast_tangent(tangent, out)


def div_transpose(ct, x, y):
    if is_undefined(y):
        raise ValueError("div is linear only in its dividend: transposing it needs a known "
                         "divisor")
    return [unbroadcast(ct if is_zero(ct) else div(ct, y), x.aval), None]


# Integer div truncates toward zero and rem takes the dividend's sign (C semantics, XLA's).
div_p = binary("div", "stablehlo.divide", dtypes_=("float32", "int32", "complex64"), low=1,
               jvp=div_jvp, transpose=div_transpose)


def rem_jvp(primals, tangents):
    """rem(x, y) = x - y * trunc(x / y), and trunc is piecewise constant."""
    (x, y), (t_x, t_y) = primals, tangents
    out = rem_p.bind(x, y)
    tangent = t_x if not is_zero(t_x) else Zero(aval_of(out).strip_weak_type())
    if not is_zero(t_y):
        quotient = div(x, y)
        term = mul(neg(t_y), mul(sign(quotient), floor(abs(quotient))))
        tangent = term if is_zero(tangent) else add(tangent, term)
    return out, _broadcast_tangent(tangent, out)


rem_p = binary("rem", "stablehlo.remainder", dtypes_=("float32", "int32"), low=1, jvp=rem_jvp)
neg_p = unary("neg", "stablehlo.negate", NUMBER, dtypes_=("float32", "int32", "complex64"),
              linear=True, transpose=lambda ct, x: [neg(ct) if not is_zero(ct) else ct])
nextafter_p = binary("nextafter", "chlo.next_after", FLOAT, dtypes_=("float32",),
                     not_differentiable="nextafter steps to an adjacent representable float; "
                                        "JAX defines no derivative (numax: zero tangents)")
floor_p = unary("floor", "stablehlo.floor", FLOAT, dtypes_=("float32", "float16"),
                zero_derivative=True)
ceil_p = unary("ceil", "stablehlo.ceil", FLOAT, dtypes_=("float32", "bfloat16"),
               zero_derivative=True)
is_finite_p = elementwise(
    "is_finite",
    abstract_eval=elementwise_abstract("is_finite", FLOAT, result_dtype=lambda _: dtypes.bool_),
    lower=hlo_op("stablehlo.is_finite"),
    examples=lambda: [((np.array([1.0, np.inf, -np.inf, np.nan, 0.0], np.float32),), {})],
    not_differentiable="bool output",
)
square_p = elementwise(
    "square",
    abstract_eval=elementwise_abstract("square", NUMBER),
    lower=lambda ctx, x: ctx.op("stablehlo.multiply", [x, x]),
    examples=elementwise_examples(1, ("float32", "int32", "complex64")),
    partials=(lambda out, x: mul(2, x),),
)


def _abs_lower(ctx, x):
    return ctx.op("stablehlo.abs", [x])  # complex -> its real type, as StableHLO defines it


def abs_tangent(t, out, x):
    """Real x: t where x >= 0, else -t (so abs'(0) = 1, JAX's convention). Complex z:
    d|z| = Re(conj(z) dz) / |z|, taken as 0 at z = 0."""
    dtype = aval_of(x).dtype
    if dtype not in COMPLEX:
        return select(ge(x, 0), t, neg(t))
    safe_magnitude = select(eq(out, 0), _full_like(out, 1), out)
    return real(mul(t, div(conj(x), convert_element_type(safe_magnitude, dtype))))


abs_p = elementwise(
    "abs",
    abstract_eval=mapped_dtype_abstract("abs", NUMBER - UNSIGNED, dtypes.real_dtype),
    lower=_abs_lower,
    examples=elementwise_examples(1, ("float32", "int32", "complex64")),
    tangent=abs_tangent,
)


def _sign_lower(ctx, x):
    aval = ctx.avals_in[0]
    if aval.dtype not in UNSIGNED:
        return ctx.op("stablehlo.sign", [x])
    # stablehlo.sign is defined for signed and floating types only: 0 -> 0, else 1.
    zero = ctx.constant(0, aval.dtype, aval.shape)
    one = ctx.constant(1, aval.dtype, aval.shape)
    return ctx.op("stablehlo.select", [compare_hlo(ctx, x, zero, "EQ", aval.dtype, aval.shape),
                                       zero, one])


# sign has zero derivative, also for complex operands (where z / |z| is not constant): JAX's
# convention, kept so that gradients agree.
sign_p = elementwise(
    "sign",
    abstract_eval=elementwise_abstract("sign", NUMBER),
    lower=_sign_lower,
    examples=elementwise_examples(1, ("float32", "int32", "uint32", "complex64")),
    zero_derivative=True,
)


class RoundingMethod(enum.IntEnum):
    """How lax.round breaks ties: AWAY_FROM_ZERO (2.5 -> 3) or TO_NEAREST_EVEN (2.5 -> 2)."""
    AWAY_FROM_ZERO = 0
    TO_NEAREST_EVEN = 1


def _round_abstract(x, *, rounding_method):
    if rounding_method not in (0, 1):
        raise NumaxTypeError(f"round: rounding_method must be RoundingMethod.AWAY_FROM_ZERO (0) "
                             f"or RoundingMethod.TO_NEAREST_EVEN (1), got {rounding_method!r}")
    return elementwise_abstract("round", FLOAT)(x)


def _round_lower(ctx, x, *, rounding_method):
    op = ("stablehlo.round_nearest_afz" if rounding_method == RoundingMethod.AWAY_FROM_ZERO
          else "stablehlo.round_nearest_even")
    return ctx.op(op, [x])


def _round_examples():
    # Values off the ties first (round is smooth there, so the derivative checks apply), then
    # the ties that tell the two methods apart (test_elementwise checks them against NumPy).
    smooth = [((x,), dict(rounding_method=method)) for method in RoundingMethod
              for (x,), _ in elementwise_examples(1, ("float32",))()]
    ties = np.array([0.5, 1.5, 2.5, -0.5, -2.5, 0.4], np.float32)
    return smooth + [((ties,), dict(rounding_method=method)) for method in RoundingMethod]


round_p = elementwise(
    "round",
    abstract_eval=_round_abstract,
    lower=_round_lower,
    examples=_round_examples,
    zero_derivative=True,
)


def _pow_abstract(x, y):
    check_dtype("pow", x, INEXACT, 0)
    check_dtype("pow", y, INT | INEXACT, 1)
    if y.dtype not in INT and y.dtype != x.dtype:
        raise NumaxTypeError(
            f"pow requires an integer exponent or one of the base's dtype, got base "
            f"{x.dtype.name} and exponent {y.dtype.name}; convert with lax.convert_element_type")
    shape = builtins.max(x.shape, y.shape, key=len)
    _require_same_shape_or_scalar("pow", shape, (x, y))
    return ShapedArray(shape, x.dtype, x.weak_type and y.weak_type)


def _pow_lower(ctx, x, y):
    x_aval, y_aval = ctx.avals_in
    if y_aval.dtype != x_aval.dtype:  # an integer exponent is converted to the base's dtype
        y = ctx.op("stablehlo.convert", [y], y_aval.update(dtype=x_aval.dtype))
    return ctx.op("stablehlo.power", broadcast_scalars(ctx, [x, y]))


def _pow_examples():
    rng = np.random.default_rng(0)
    base = rng.uniform(0.1, 3, (2, 3)).astype(np.float32)
    return [((base, rng.uniform(-2, 2, (2, 3)).astype(np.float32)), {}),
            ((base, rng.integers(-3, 4, (2, 3)).astype(np.int32)), {}),
            ((base, np.float32(2.5)), {}),
            ((random_array(rng, (4,), "complex64"), random_array(rng, (4,), "complex64")), {})]


def _pow_dx(out, x, y):
    """y * x**(y - 1); for an integer y, 0 where y == 0 (so 0**-1 never meets a 0 factor)."""
    x_dtype = aval_of(x).dtype
    if aval_of(y).dtype not in INT:
        return mul(y, pow(x, sub(y, 1)))
    partial = mul(convert_element_type(y, x_dtype), pow(x, sub(y, 1)))
    return select(eq(y, 0), _full_like(partial, 0), partial)


def _pow_dy(out, x, y):
    """log(x) * x**y, taking log(0) as 0 there (so d/dy 0**y = 0 where 0**y is finite)."""
    from numax.lax.special import log
    safe_x = select(eq(x, 0), _full_like(x, 1), x)
    return mul(log(safe_x), out)


pow_p = elementwise("pow", abstract_eval=_pow_abstract, lower=_pow_lower,
                    examples=_pow_examples, partials=(_pow_dx, _pow_dy))


def _integer_pow_abstract(x, *, y):
    check_dtype("integer_pow", x, NUMBER)
    if y < 0 and x.dtype in INT:
        raise NumaxTypeError(f"integer_pow: integers cannot be raised to negative powers, got "
                             f"integer_pow(x: {x.dtype.name}, y={y}); use a floating-point x")
    return x


def _integer_pow_lower(ctx, x, *, y):
    """x**y by repeated squaring (the multiplications JAX performs, so results match bit
    for bit); a negative y takes the reciprocal of x**|y|."""
    aval = ctx.avals_in[0]
    if y == 0:
        return ctx.constant(1, aval.dtype, aval.shape)
    remaining, power, acc = builtins.abs(y), x, None
    while remaining:
        if remaining & 1:
            acc = power if acc is None else ctx.op("stablehlo.multiply", [acc, power])
        remaining >>= 1
        if remaining:
            power = ctx.op("stablehlo.multiply", [power, power])
    if y < 0:
        acc = ctx.op("stablehlo.divide", [ctx.constant(1, aval.dtype, aval.shape), acc])
    return acc


def integer_pow_jvp(primals, tangents, *, y):
    """d x**y = y * x**(y - 1) * t (zero for y == 0)."""
    (x,), (t,) = primals, tangents
    out = integer_pow_p.bind(x, y=y)
    if y == 0 or is_zero(t):
        return out, Zero(aval_of(out).strip_weak_type())
    if y == 1:
        return out, t
    return out, mul(t, mul(y, integer_pow(x, y - 1)))


integer_pow_p = elementwise(
    "integer_pow",
    abstract_eval=_integer_pow_abstract,
    lower=_integer_pow_lower,
    examples=examples_of(
        *[elementwise_examples(1, ("float32",), shapes=((2, 3),), low=0.5, params=dict(y=y))
          for y in (0, 1, 2, 3, 5, -1, -2)],
        elementwise_examples(1, ("int32", "complex64"), shapes=((4,),), params=dict(y=3))),
    jvp=integer_pow_jvp,
)


def _max_min_lower(direction):
    """Lowering of max (direction GT) or min (LT). Complex numbers compare lexicographically
    (real part, then imaginary part) as in JAX; ties pick the second operand."""
    hlo = "stablehlo.maximum" if direction == "GT" else "stablehlo.minimum"

    def lower(ctx, x, y):
        x, y = broadcast_scalars(ctx, [x, y])
        aval = ctx.aval_out
        if aval.dtype not in COMPLEX:
            return ctx.op(hlo, [x, y])
        part = aval.update(dtype=dtypes.real_dtype(aval.dtype))
        real_x, real_y = (ctx.op("stablehlo.real", [v], part) for v in (x, y))
        imag_x, imag_y = (ctx.op("stablehlo.imag", [v], part) for v in (x, y))
        real_equal = compare_hlo(ctx, real_x, real_y, "EQ", part.dtype, aval.shape)
        pick_x = ctx.op("stablehlo.select", [
            real_equal, compare_hlo(ctx, imag_x, imag_y, direction, part.dtype, aval.shape),
            compare_hlo(ctx, real_x, real_y, direction, part.dtype, aval.shape)],
            real_equal.type)
        return ctx.op("stablehlo.select", [pick_x, x, y])
    return lower


def _max_min_examples():
    nan = np.float32(np.nan)
    special = np.array([[1, nan, 2, np.inf], [nan, 1, -np.inf, 3]], np.float32)
    return [*elementwise_examples(2, ("float32", "int32", "bool", "uint8"))(),
            ((special[0], special[1]), {}),
            ((np.array([1 + 2j, 1 + 3j, 2 - 1j], np.complex64),
              np.array([1 + 3j, 1 + 2j, 1 + 5j], np.complex64)), {})]


def _max_min_partial(position):
    """d out / d operand `position` of max or min: 1 where that operand is the result, 0
    where it is not, and 1/2 at ties (each operand takes half, as in JAX). NaN results
    equal neither operand, so both get 0."""
    def partial(out, *operands):
        mine, other = operands[position], operands[1 - position]
        dtype = aval_of(out).dtype
        chosen = convert_element_type(eq(mine, out), dtype)
        return div(chosen, add(convert_element_type(eq(other, out), dtype), 1))
    return partial


# XLA's maximum/minimum propagate NaN (unlike np.fmax); JAX, and so numax, follow XLA.
max_p = elementwise("max", abstract_eval=elementwise_abstract("max", ANY),
                    lower=_max_min_lower("GT"), examples=_max_min_examples,
                    partials=(_max_min_partial(0), _max_min_partial(1)))
min_p = elementwise("min", abstract_eval=elementwise_abstract("min", ANY),
                    lower=_max_min_lower("LT"), examples=_max_min_examples,
                    partials=(_max_min_partial(0), _max_min_partial(1)))


# ---------------------------------------------------------------- complex numbers

# Transposes of the R-linear maps between real and complex values follow JAX's convention:
# the cotangent u of an output pairs with a tangent t as Re(u * t) (no conjugation), so a
# C-linear map z -> c z transposes to u -> c u, and the real input of a complex-valued map
# receives the real part of its cotangent.

def real_transpose(ct, x):
    if is_zero(ct):
        return [Zero(x.aval)]
    return [complex(ct, _full_like(ct, 0))]          # Re(u * t) = u * Re(t)


def imag_transpose(ct, x):
    if is_zero(ct):
        return [Zero(x.aval)]
    return [complex(_full_like(ct, 0), neg(ct))]     # Re(-i u * t) = u * Im(t)


def complex_transpose(ct, x, y):
    if is_zero(ct):
        return [Zero(a.aval) if is_undefined(a) else None for a in (x, y)]
    return [unbroadcast(real(ct), x.aval) if is_undefined(x) else None,   # Re(u (t_x + i t_y))
            unbroadcast(neg(imag(ct)), y.aval) if is_undefined(y) else None]


real_p = elementwise("real",
                     abstract_eval=mapped_dtype_abstract("real", COMPLEX, dtypes.real_dtype),
                     lower=hlo_op("stablehlo.real"),
                     examples=elementwise_examples(1, ("complex64",)),
                     linear=True, transpose=real_transpose)
imag_p = elementwise("imag",
                     abstract_eval=mapped_dtype_abstract("imag", COMPLEX, dtypes.real_dtype),
                     lower=hlo_op("stablehlo.imag"),
                     examples=elementwise_examples(1, ("complex64",)),
                     linear=True, transpose=imag_transpose)
complex_p = elementwise(
    "complex",
    abstract_eval=mapped_dtype_abstract("complex", COMPLEX_PARTS, dtypes.to_complex_dtype),
    lower=hlo_op("stablehlo.complex"),
    examples=elementwise_examples(2, ("float32",)),
    linear=True, transpose=complex_transpose,
)


def _conj_abstract(x, *, input_dtype=None):
    return mapped_dtype_abstract("conj", COMPLEX_PARTS | COMPLEX, dtypes.to_complex_dtype)(x)


def _conj_lower(ctx, x, *, input_dtype=None):
    aval = ctx.avals_in[0]
    if aval.dtype in COMPLEX:
        part = aval.update(dtype=dtypes.real_dtype(aval.dtype))
        imag = ctx.op("stablehlo.negate", [ctx.op("stablehlo.imag", [x], part)], part)
        return ctx.op("stablehlo.complex", [ctx.op("stablehlo.real", [x], part), imag])
    return ctx.op("stablehlo.complex", [x, ctx.constant(0, aval.dtype, aval.shape)])


def conj_transpose(ct, x, *, input_dtype=None):
    """Re(u * conj(t)) = Re(conj(u) * t): a complex operand gets conj(u), a real one Re(u)."""
    if is_zero(ct):
        return [Zero(x.aval)]
    return [conj(ct) if x.aval.dtype in COMPLEX else real(ct)]


# `input_dtype` is JAX's parameter (its transpose rule needs the primal dtype); numax keeps
# the same signature so code that binds conj_p directly works, and the rules ignore it (the
# transpose reads the operand's dtype from its abstract value).
conj_p = elementwise(
    "conj",
    abstract_eval=_conj_abstract,
    lower=_conj_lower,
    examples=lambda: [((x,), dict(input_dtype=x.dtype)) for x in (
        random_array(np.random.default_rng(0), (2, 3), "complex64"),
        random_array(np.random.default_rng(1), (4,), "float32"))],
    linear=True, transpose=conj_transpose,
)


# ---------------------------------------------------------------- comparisons

def _comparison(name, direction, allowed=ORDERED):
    def lower(ctx, x, y):
        x, y = broadcast_scalars(ctx, [x, y])
        return compare_hlo(ctx, x, y, direction, ctx.avals_in[0].dtype, ctx.aval_out.shape)

    def examples():
        rng = np.random.default_rng(0)
        cases = elementwise_examples(2, ("float32", "int32", "uint32", "bool"),
                                     shapes=((), (2, 3)), low=-2, high=2)()
        x = np.array([1.0, np.nan, 2.0, -0.0, np.inf], np.float32)
        cases.append(((x, np.array([np.nan, np.nan, 2.0, 0.0, 1.0], np.float32)), {}))
        if allowed is ANY:
            z = random_array(rng, (4,), "complex64", -1, 1)
            cases.append(((z, np.where([True, False, True, False], z, z + 1)), {}))
        return cases
    return elementwise(name, abstract_eval=elementwise_abstract(
        name, allowed, result_dtype=lambda _: dtypes.bool_), lower=lower, examples=examples,
        not_differentiable="comparison: bool output")


# Complex numbers have no order: only eq and ne accept them (as in JAX).
eq_p = _comparison("eq", "EQ", ANY)
ne_p = _comparison("ne", "NE", ANY)
lt_p = _comparison("lt", "LT")
le_p = _comparison("le", "LE")
gt_p = _comparison("gt", "GT")
ge_p = _comparison("ge", "GE")


# ---------------------------------------------------------------- logical and bitwise

# On bool these are logical; on integers, bitwise.
_BITS = "integer or bool operands and output"
and_p = binary("and", "stablehlo.and", INT_OR_BOOL, dtypes_=("bool", "int32", "uint8"),
               not_differentiable=_BITS)
or_p = binary("or", "stablehlo.or", INT_OR_BOOL, dtypes_=("bool", "int32", "uint8"),
              not_differentiable=_BITS)
xor_p = binary("xor", "stablehlo.xor", INT_OR_BOOL, dtypes_=("bool", "int32", "uint8"),
               not_differentiable=_BITS)
not_p = unary("not", "stablehlo.not", INT_OR_BOOL, dtypes_=("bool", "int32", "uint8"),
              not_differentiable=_BITS)


def _shift_examples():
    # Amounts outside [0, bits) are part of the contract (XLA: 0, or all sign bits).
    amounts = np.array([0, 1, 7, 31, 32, 33, -1], np.int32)
    values = np.array([1, -1, 12345, -12345, 2**31 - 1, -2**31, 7], np.int32)
    unsigned = np.array([1, 2**32 - 1, 12345, 2**31, 5, 6, 7], np.uint32)
    return [((values, amounts), {}), ((unsigned, amounts.astype(np.uint32)), {}),
            ((np.arange(-4, 4, dtype=np.int8), np.int8(3)), {})]


_INTEGER_BITS = "integer operands and output"
shift_left_p = elementwise(
    "shift_left", abstract_eval=elementwise_abstract("shift_left", INT),
    lower=hlo_op("stablehlo.shift_left"), examples=_shift_examples,
    not_differentiable=_INTEGER_BITS)
shift_right_arithmetic_p = elementwise(
    "shift_right_arithmetic", abstract_eval=elementwise_abstract("shift_right_arithmetic", INT),
    lower=hlo_op("stablehlo.shift_right_arithmetic"), examples=_shift_examples,
    not_differentiable=_INTEGER_BITS)
shift_right_logical_p = elementwise(
    "shift_right_logical", abstract_eval=elementwise_abstract("shift_right_logical", INT),
    lower=hlo_op("stablehlo.shift_right_logical"), examples=_shift_examples,
    not_differentiable=_INTEGER_BITS)
population_count_p = unary("population_count", "stablehlo.popcnt", INT,
                           dtypes_=("int32", "uint8", "int16"), low=-1000, high=1000,
                           not_differentiable=_INTEGER_BITS)
clz_p = unary("clz", "stablehlo.count_leading_zeros", INT, dtypes_=("int32", "uint8", "int16"),
              low=-1000, high=1000, not_differentiable=_INTEGER_BITS)


# ---------------------------------------------------------------- selection

def _select_n_abstract(which, *cases):
    if not cases:
        raise NumaxTypeError("select_n needs at least one case, got select_n(which) alone")
    if which.dtype != np.bool_ and which.dtype not in INT:
        raise NumaxTypeError(f"select_n: `which` must be a bool or integer array, got dtype "
                             f"{which.dtype.name}")
    if which.dtype == np.bool_ and len(cases) > 2:
        raise NumaxTypeError(f"select_n: a bool `which` chooses between at most 2 cases, got "
                             f"{len(cases)}; pass an int32 `which` to choose among more")
    first = cases[0]
    for case in cases:
        if case.shape != first.shape or case.dtype != first.dtype:
            raise NumaxTypeError(
                "select_n: all cases must have the same shape and dtype, got "
                f"{', '.join(c.str_short() for c in cases)}")
    if which.shape not in ((), first.shape):
        raise NumaxTypeError(f"select_n: `which` must be a scalar or have the cases' shape "
                             f"{first.shape}, got shape {which.shape}")
    return first.update(weak_type=all(c.weak_type for c in cases))


def _select_n_lower(ctx, which, *cases):
    which_aval = ctx.avals_in[0]
    if len(cases) == 1:
        return cases[0]
    if which_aval.dtype == np.bool_:  # select(pred, on_true, on_false): case 1 where true
        return ctx.op("stablehlo.select", [which, cases[1], cases[0]])

    def pick(offset, options):
        # A balanced tree of selects: `which < offset + half` picks the lower half.
        if len(options) == 1:
            return options[0]
        half = len(options) // 2
        bound = ctx.constant(offset + half, which_aval.dtype, which_aval.shape)
        lower_half = compare_hlo(ctx, which, bound, "LT", which_aval.dtype, which_aval.shape)
        return ctx.op("stablehlo.select", [lower_half, pick(offset, options[:half]),
                                           pick(offset + half, options[half:])])
    return pick(0, list(cases))


def _select_n_examples():
    rng = np.random.default_rng(0)
    cases = [random_array(rng, (2, 3), "float32") for _ in range(4)]
    return [((rng.random((2, 3)) < 0.5, cases[0], cases[1]), {}),
            ((np.bool_(True), cases[0], cases[1]), {}),
            ((rng.integers(0, 3, (2, 3)).astype(np.int32), *cases[:3]), {}),
            ((rng.integers(0, 4, (2, 3)).astype(np.int32), *cases), {}),
            ((np.int32(1), *cases[:3]), {}),
            ((rng.integers(0, 2, (4,)).astype(np.uint8), np.arange(4, dtype=np.int32),
              -np.arange(4, dtype=np.int32)), {}),
            ((rng.random((2, 3)) < 0.5, cases[0]), {})]


def select_n_transpose(ct, which, *cases):
    """Each linear case gets the cotangent where it was selected and zero elsewhere."""
    if is_undefined(which):
        raise ValueError("select_n is linear in its cases, not in its predicate `which`")
    if is_zero(ct):
        return [None] + [Zero(case.aval) if is_undefined(case) else None for case in cases]
    zeros = _full_like(ct, 0)
    return [None] + [select_n(which, *[ct if j == i else zeros for j in range(len(cases))])
                     if is_undefined(case) else None for i, case in enumerate(cases)]


def _unbatched_shape(x, dim):
    shape = aval_of(x).shape
    return shape if dim is None else shape[:dim] + shape[dim + 1:]


def _to_batched_shape(x, dim, size, shape):
    """x (batch axis `dim`, or None if unbatched) as an array of shape (size, *shape)."""
    from numax.lax.structural import broadcast_in_dim
    if dim is None:
        rank = aval_of(x).ndim
        return broadcast_in_dim(x, (size, *shape), tuple(range(1 + len(shape) - rank,
                                                                 1 + len(shape))))
    x = move_axis(x, dim, 0)
    if aval_of(x).ndim != 1 + len(shape):   # a batched rank-0 operand of an array operation
        x = broadcast_in_dim(x, (size, *shape), (0,))
    return x


def _same_axis_and_shape(args, dims, positions):
    """Whether the operands at `positions` are all batched, at one axis, with one shape."""
    chosen = [(dims[i], aval_of(args[i]).shape) for i in positions]
    return chosen[0][0] is not None and all(c == chosen[0] for c in chosen)


def select_n_batch(args, dims):
    """The cases share one shape, so they go to (size, *case shape) unless all are batched
    alike; an unbatched rank-0 `which` stays rank-0, any other `which` follows the cases."""
    which, which_dim = args[0], dims[0]
    if _same_axis_and_shape(args, dims, range(1, len(args))):
        axis = dims[1]
        if which_dim is None and aval_of(which).ndim == 0:
            return select_n_p.bind(*args), axis
        if which_dim == axis and aval_of(which).shape == aval_of(args[1]).shape:
            return select_n_p.bind(*args), axis
    size = batch_size(args, dims)
    case_shape = _unbatched_shape(args[1], dims[1])
    cases = [_to_batched_shape(c, d, size, case_shape) for c, d in zip(args[1:], dims[1:])]
    if not (which_dim is None and aval_of(which).ndim == 0):
        which = _to_batched_shape(which, which_dim, size, case_shape)
    return select_n_p.bind(which, *cases), 0


# select_n is linear in its cases (jointly); `which` (bool or integer) is never differentiated.
select_n_p = Primitive("select_n", abstract_eval=_select_n_abstract, lower=_select_n_lower,
                       examples=_select_n_examples, linear=True, transpose=select_n_transpose,
                       batch=select_n_batch)


def _clamp_abstract(lo, x, hi):
    for position, aval in enumerate((lo, x, hi)):
        check_dtype("clamp", aval, ORDERED, position)
    if not lo.dtype == x.dtype == hi.dtype:
        raise NumaxTypeError(f"clamp requires min, x and max of one dtype, got {lo.dtype.name}, "
                             f"{x.dtype.name}, {hi.dtype.name}; convert with "
                             "lax.convert_element_type")
    _require_same_shape_or_scalar("clamp", x.shape, (lo, hi), "min/max")
    return x.update(weak_type=lo.weak_type and x.weak_type and hi.weak_type)


def clamp_jvp(primals, tangents):
    """x's tangent passes where min < x < max; min's where x < min (and min < max); max's
    where max < x. At x == min or x == max no operand's tangent passes (JAX's rule)."""
    (lo, x, hi), (t_lo, t_x, t_hi) = primals, tangents
    out = clamp_p.bind(lo, x, hi)
    # Each condition involves x, so it has x's shape (min and max are x-shaped or rank-0).
    passes = [(t_lo, lambda: bitwise_and(gt(lo, x), lt(lo, hi))),
              (t_x, lambda: bitwise_and(gt(x, lo), lt(x, hi))),
              (t_hi, lambda: lt(hi, x))]
    tangent = Zero(aval_of(out).strip_weak_type())
    for t, condition in passes:
        if is_zero(t):
            continue
        t = _broadcast_tangent(t, out)
        term = select(condition(), t, _full_like(t, 0))
        tangent = term if is_zero(tangent) else add(tangent, term)
    return out, tangent


def clamp_batch(args, dims):
    """min and max are rank-0 or x's shape: all go to (size, *x shape) unless all are
    batched alike, except unbatched rank-0 bounds, which stay rank-0."""
    lo, x, hi = args
    if _same_axis_and_shape(args, dims, (1,)) and all(
            (d is None and aval_of(b).ndim == 0) or (d == dims[1] and
                                                      aval_of(b).shape == aval_of(x).shape)
            for b, d in ((lo, dims[0]), (hi, dims[2]))):
        return clamp_p.bind(*args), dims[1]
    size = batch_size(args, dims)
    shape = _unbatched_shape(x, dims[1])
    new_args = [a if d is None and aval_of(a).ndim == 0 and i != 1 else
                _to_batched_shape(a, d, size, shape)
                for i, (a, d) in enumerate(zip(args, dims))]
    return clamp_p.bind(*new_args), 0


def _clamp_examples():
    x = np.array([-2.9, -1.9, -0.7, 0.2, 1.3, 2.4, 2.9], np.float32)
    rng = np.random.default_rng(0)
    return [((np.float32(-1), x, np.float32(2)), {}),
            ((np.full(5, -1, np.int32), np.arange(-3, 2, dtype=np.int32),
              np.arange(5, dtype=np.int32)), {}),
            ((rng.uniform(-2, -0.5, 7).astype(np.float32), x, np.float32(1.5)), {}),
            # NaN stays NaN (eager == jit); its derivative is not checked, so it comes last.
            ((np.float32(0), np.array([np.nan, -1, 1], np.float32),
              np.array([1, 1, 0.5], np.float32)), {})]


clamp_p = Primitive(
    "clamp",
    abstract_eval=_clamp_abstract,
    # stablehlo.clamp itself accepts rank-0 min/max with an array operand.
    lower=lambda ctx, lo, x, hi: ctx.op("stablehlo.clamp", [lo, x, hi]),
    examples=_clamp_examples,
    jvp=clamp_jvp,
    batch=clamp_batch,
)


# ---------------------------------------------------------------- dtype conversion

def _convert_abstract(aval, *, new_dtype, weak_type, sharding=None):
    check_dtype("convert_element_type", aval, ANY)
    return ShapedArray(aval.shape, new_dtype, weak_type)


def _convert_lower(ctx, x, *, new_dtype, weak_type, sharding=None):
    aval_in = ctx.avals_in[0]
    if aval_in.dtype == new_dtype:
        return x
    if dtypes.is_complex(aval_in.dtype) and not dtypes.is_complex(new_dtype):
        # complex -> real keeps the real part (as JAX), also on the way to bool.
        aval_in = aval_in.update(dtype=dtypes.real_dtype(aval_in.dtype))
        x = ctx.op("stablehlo.real", [x], aval_in)
    if new_dtype == np.bool_:  # XLA's convert to i1 truncates; NumPy's is "!= 0"
        zero = ctx.constant(0, aval_in.dtype, aval_in.shape)
        return compare_hlo(ctx, x, zero, "NE", aval_in.dtype, aval_in.shape)
    return ctx.op("stablehlo.convert", [x])


def _convert_examples():
    rng = np.random.default_rng(0)
    x = rng.uniform(-5, 5, size=(2, 3)).astype(np.float32)
    ints = rng.integers(-5, 5, size=(4,)).astype(np.int32)
    z = random_array(rng, (3,), "complex64")
    cases = [(x, np.int32), (x, np.bool_), (ints, np.float32), (ints, np.bool_),
             (x, dtypes.bfloat16), (x, np.float16), (ints, np.uint8), (ints, np.complex64),
             (z, np.float32), (z, np.bool_), (z, np.int32),
             (np.array([True, False]), np.float32), (np.array([True, False]), np.int32),
             (x.astype(dtypes.bfloat16), np.float32), (x.astype(np.float16), np.int32)]
    return [((operand,), dict(new_dtype=np.dtype(dtype), weak_type=False, sharding=None))
            for operand, dtype in cases]


def convert_element_type_jvp(primals, tangents, *, new_dtype, weak_type, sharding=None):
    """Linear between inexact dtypes (complex -> real keeps the real part of the tangent);
    an integer or bool result has a zero (float0) tangent."""
    (x,), (t,) = primals, tangents
    params = dict(new_dtype=new_dtype, weak_type=weak_type, sharding=sharding)
    out = convert_element_type_p.bind(x, **params)
    if is_zero(t) or not dtypes.is_inexact(new_dtype):
        return out, Zero(aval_of(out).strip_weak_type())
    return out, convert_element_type_p.bind(t, **params)


def convert_element_type_transpose(ct, x, *, new_dtype, weak_type, sharding=None):
    """Converts the cotangent back: a real operand of a complex result gets the real part."""
    if is_zero(ct):
        return [Zero(x.aval)]
    return [convert_element_type(ct, x.aval.dtype, x.aval.weak_type)]


convert_element_type_p = elementwise(
    "convert_element_type",
    abstract_eval=_convert_abstract,
    lower=_convert_lower,
    examples=_convert_examples,
    jvp=convert_element_type_jvp,
    transpose=convert_element_type_transpose,
)


_BITCASTABLE = INT | FLOAT  # XLA defines no bit layout to reinterpret for bool or complex


def _bitcast_abstract(x, *, new_dtype):
    for dtype, role in ((x.dtype, "operand"), (np.dtype(new_dtype), "target")):
        if dtype not in _BITCASTABLE:
            raise NumaxTypeError(
                f"bitcast_convert_type does not accept {role} dtype {dtype.name}; it converts "
                f"between {class_name(_BITCASTABLE)} dtypes (for complex, bitcast lax.real and "
                "lax.imag; for bool, use lax.convert_element_type)")
    old_bits, new_bits = dtypes.itemsize_bits(x.dtype), dtypes.itemsize_bits(new_dtype)
    if old_bits == new_bits:
        shape = x.shape
    elif old_bits > new_bits:  # each element becomes a trailing row of narrower ones
        shape = (*x.shape, old_bits // new_bits)
    else:
        ratio = new_bits // old_bits
        if not x.shape or x.shape[-1] != ratio:
            raise NumaxTypeError(
                f"bitcast_convert_type from {x.dtype.name} to {np.dtype(new_dtype).name} needs "
                f"a last dimension of {ratio} ({ratio} narrow elements make one wide one), got "
                f"shape {x.shape}")
        shape = x.shape[:-1]
    return ShapedArray(shape, new_dtype, False)


def bitcast_convert_type_batch(args, dims, *, new_dtype):
    """Elementwise, except that narrowing to a wider dtype consumes the last axis, which
    must not be the batch axis; widening to a narrower dtype appends an axis."""
    (x,), (dim,) = args, dims
    aval = aval_of(x)
    if dtypes.itemsize_bits(aval.dtype) < dtypes.itemsize_bits(new_dtype) and \
            dim == aval.ndim - 1:
        x, dim = move_axis(x, dim, 0), 0
    return bitcast_convert_type_p.bind(x, new_dtype=new_dtype), dim


bitcast_convert_type_p = Primitive(
    "bitcast_convert_type",
    abstract_eval=_bitcast_abstract,
    lower=lambda ctx, x, *, new_dtype: ctx.op("stablehlo.bitcast_convert", [x]),
    not_differentiable="reinterprets bits: the result is not a differentiable function of "
                       "the value",
    batch=bitcast_convert_type_batch,
    examples=lambda: [
        ((np.array([1.0, -2.5, np.inf], np.float32),), dict(new_dtype=np.dtype(np.int32))),
        ((np.array([1.0, -2.5], np.float32),), dict(new_dtype=np.dtype(np.uint8))),
        ((np.arange(8, dtype=np.uint8).reshape(2, 4),), dict(new_dtype=np.dtype(np.float32))),
        ((np.array([1, 2], np.int16),), dict(new_dtype=dtypes.bfloat16))],
)


def _reduce_precision_abstract(x, *, exponent_bits, mantissa_bits):
    check_dtype("reduce_precision", x, FLOAT)
    if exponent_bits < 1 or mantissa_bits < 0:
        raise NumaxTypeError(f"reduce_precision needs exponent_bits >= 1 and mantissa_bits >= 0, "
                             f"got exponent_bits={exponent_bits}, mantissa_bits={mantissa_bits}")
    return x


reduce_precision_p = elementwise(
    "reduce_precision",
    abstract_eval=_reduce_precision_abstract,
    lower=lambda ctx, x, *, exponent_bits, mantissa_bits: ctx.op(
        "stablehlo.reduce_precision", [x], attributes={
            "exponent_bits": f"{exponent_bits} : i32", "mantissa_bits": f"{mantissa_bits} : i32"}),
    # The first examples keep float64's own widths, where rounding is the identity and the
    # derivative checks apply; at narrower widths the JVP convention (rounding the tangent,
    # as JAX does) is a straight-through estimate, not a derivative.
    examples=examples_of(
        elementwise_examples(1, ("float32",), params=dict(exponent_bits=11, mantissa_bits=52)),
        elementwise_examples(1, ("float32",), params=dict(exponent_bits=8, mantissa_bits=7)),
        elementwise_examples(1, ("float32",), params=dict(exponent_bits=5, mantissa_bits=10),
                             high=1e5)),
    linear=True,
    transpose=lambda ct, x, *, exponent_bits, mantissa_bits: [
        ct if is_zero(ct) else reduce_precision(ct, exponent_bits, mantissa_bits)],
)


# ---------------------------------------------------------------- public wrappers

def add(x, y):
    """x + y elementwise."""
    return add_p.bind(*operands(x, y))


def sub(x, y):
    """x - y elementwise."""
    return sub_p.bind(*operands(x, y))


def mul(x, y):
    """x * y elementwise."""
    return mul_p.bind(*operands(x, y))


def div(x, y):
    """x / y elementwise. On integers it rounds toward zero, like C (lax.div(-7, 2) == -3),
    unlike NumPy's floor division."""
    return div_p.bind(*operands(x, y))


def rem(x, y):
    """Remainder of x / y with the sign of x, like C's % and fmod (lax.rem(-7, 2) == -1)."""
    return rem_p.bind(*operands(x, y))


def pow(x, y):  # noqa: A001  (JAX's name)
    """x ** y for a floating or complex x; y has x's dtype or is an integer array."""
    return pow_p.bind(*operands(x, y))


def integer_pow(x, y):
    """x ** y for a Python int y, by repeated multiplication (negative y: reciprocal)."""
    return integer_pow_p.bind(*operands(x), y=operator.index(y))


def square(x):
    """x * x elementwise."""
    return square_p.bind(*operands(x))


def reciprocal(x):
    """1 / x elementwise (integer_pow(x, -1))."""
    return integer_pow(x, -1)


def max(x, y):  # noqa: A001  (JAX's name)
    """Elementwise maximum; NaN wins (unlike np.fmax). Complex compares lexicographically."""
    return max_p.bind(*operands(x, y))


def min(x, y):  # noqa: A001  (JAX's name)
    """Elementwise minimum; NaN wins (unlike np.fmin). Complex compares lexicographically."""
    return min_p.bind(*operands(x, y))


def neg(x):
    """-x elementwise."""
    return neg_p.bind(*operands(x))


def sign(x):
    """-1, 0 or 1 by the sign of x (NaN stays NaN); x / |x| for complex, 0 at 0."""
    return sign_p.bind(*operands(x))


def abs(x):  # noqa: A001  (JAX's name)
    """|x| elementwise; the magnitude (a real dtype) for complex x."""
    return abs_p.bind(*operands(x))


def floor(x):
    return floor_p.bind(*operands(x))


def ceil(x):
    return ceil_p.bind(*operands(x))


def round(x, rounding_method=RoundingMethod.AWAY_FROM_ZERO):  # noqa: A001  (JAX's name)
    """Rounds to the nearest integer-valued float; ties per `rounding_method`:
    round(2.5) == 3.0, round(2.5, RoundingMethod.TO_NEAREST_EVEN) == 2.0."""
    return round_p.bind(*operands(x), rounding_method=RoundingMethod(rounding_method))


def is_finite(x):
    """True where x is neither infinite nor NaN."""
    return is_finite_p.bind(*operands(x))


def nextafter(x1, x2):
    """The next representable float after x1 in the direction of x2."""
    return nextafter_p.bind(*operands(x1, x2))


def real(x):
    return real_p.bind(*operands(x))


def imag(x):
    return imag_p.bind(*operands(x))


def conj(x):
    """Complex conjugate; a float32/float64 x becomes complex with zero imaginary part."""
    x, = operands(x)
    return conj_p.bind(x, input_dtype=dtypes.dtype_and_weak_type(x)[0])


def complex(x, y):  # noqa: A001  (JAX's name)
    """x + i*y from float32 (-> complex64) or float64 (-> complex128) parts."""
    return complex_p.bind(*operands(x, y))


def eq(x, y):
    return eq_p.bind(*operands(x, y))


def ne(x, y):
    return ne_p.bind(*operands(x, y))


def lt(x, y):
    return lt_p.bind(*operands(x, y))


def le(x, y):
    return le_p.bind(*operands(x, y))


def gt(x, y):
    return gt_p.bind(*operands(x, y))


def ge(x, y):
    return ge_p.bind(*operands(x, y))


def bitwise_and(x, y):
    """Logical and of bools, bitwise and of integers (primitive `and`)."""
    return and_p.bind(*operands(x, y))


def bitwise_or(x, y):
    """Logical or of bools, bitwise or of integers (primitive `or`)."""
    return or_p.bind(*operands(x, y))


def bitwise_xor(x, y):
    """Logical xor of bools, bitwise xor of integers (primitive `xor`)."""
    return xor_p.bind(*operands(x, y))


def bitwise_not(x):
    """Logical not of bools, bitwise complement of integers (primitive `not`)."""
    return not_p.bind(*operands(x))


def shift_left(x, y):
    """x << y; amounts outside [0, bits) give 0."""
    return shift_left_p.bind(*operands(x, y))


def shift_right_arithmetic(x, y):
    """x >> y copying the sign bit; amounts outside [0, bits) give 0 or -1 by x's sign."""
    return shift_right_arithmetic_p.bind(*operands(x, y))


def shift_right_logical(x, y):
    """x >> y filling with zeros; amounts outside [0, bits) give 0."""
    return shift_right_logical_p.bind(*operands(x, y))


def population_count(x):
    """Number of set bits of each integer."""
    return population_count_p.bind(*operands(x))


def clz(x):
    """Number of leading zero bits of each integer."""
    return clz_p.bind(*operands(x))


def _predicate(which):
    if type(which) is bool:
        return TypedScalar(which, np.bool_, False)
    if type(which) is int:
        return TypedScalar(which, np.int32, False)
    return which


def select_n(which, *cases):
    """cases[which] elementwise. `which` is bool (two cases: False picks cases[0]) or an
    integer array in [0, len(cases)); it is a scalar or has the cases' shape."""
    return select_n_p.bind(_predicate(which), *operands(*cases))


def select(pred, on_true, on_false):
    """on_true where pred, else on_false (note: select_n takes the false case first)."""
    return select_n(pred, on_false, on_true)


def clamp(min, x, max):  # noqa: A002  (JAX's argument names)
    """x limited to [min, max]; min and max are scalars or have x's shape."""
    return clamp_p.bind(*operands(min, x, max))


def convert_element_type(operand, new_dtype, weak_type=False):
    """Value-preserving dtype conversion: float -> int rounds toward zero, complex -> real
    keeps the real part, anything -> bool is `!= 0`."""
    new_dtype = dtypes.canonicalize_dtype(new_dtype)
    if getattr(operand, "dtype", None) == new_dtype and \
            getattr(operand, "weak_type", False) == weak_type:
        return operand
    return convert_element_type_p.bind(operand, new_dtype=new_dtype, weak_type=weak_type,
                                       sharding=None)


def bitcast_convert_type(operand, new_dtype):
    """Reinterprets the bits of each element as `new_dtype` (like ndarray.view). A wider
    operand dtype adds a trailing dimension; a narrower one consumes the last dimension:
    bitcast_convert_type(f32[3], uint8) is uint8[3, 4]."""
    operand, = operands(operand)
    return bitcast_convert_type_p.bind(operand, new_dtype=dtypes.canonicalize_dtype(new_dtype))


def reduce_precision(operand, exponent_bits, mantissa_bits):
    """Rounds floats to the nearest value with the given exponent/mantissa widths (kept in
    operand's dtype): reduce_precision(x, 8, 7) rounds a float32 x to bfloat16 precision."""
    operand, = operands(operand)
    return reduce_precision_p.bind(operand, exponent_bits=operator.index(exponent_bits),
                                   mantissa_bits=operator.index(mantissa_bits))


__all__ = [name for name in dir() if name.endswith("_p")] + [
    "RoundingMethod", "add", "sub", "mul", "div", "rem", "pow", "integer_pow", "square",
    "reciprocal", "max", "min", "neg", "sign", "abs", "floor", "ceil", "round", "is_finite",
    "nextafter", "real", "imag", "conj", "complex", "eq", "ne", "lt", "le", "gt", "ge",
    "bitwise_and", "bitwise_or", "bitwise_xor", "bitwise_not", "shift_left",
    "shift_right_arithmetic", "shift_right_logical", "population_count", "clz", "select_n",
    "select", "clamp", "convert_element_type", "bitcast_convert_type", "reduce_precision"]
