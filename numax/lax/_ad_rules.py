"""Builders for differentiation rules shared by families of primitives.

Owns the vocabulary JVP and transpose rules are written in: symbolic zeros, summing
a cotangent back to the shape of a rank-0 operand that was broadcast, an elementwise
JVP assembled from per-argument partial derivatives, and the transposes of the
elementwise linear ops. Rules run on whichever trace is current; they only bind
primitives through numax.lax.
"""

from numax.core import dtypes
from numax.transforms.ad import UndefinedPrimal, Zero, instantiate, is_undefined  # noqa: F401


def is_zero(value):
    return type(value) is Zero


def aval_of(value):
    from numax.transforms.ad import get_aval
    return get_aval(value)


def unbroadcast(ct, aval):
    """`ct` summed back to `aval`'s shape (rank-0 operands broadcast in elementwise ops) and
    converted to its dtype (complex cotangents of real inputs keep their real part)."""
    from numax import lax
    if is_zero(ct):
        return Zero(aval)
    if aval.shape == () and aval_of(ct).shape != ():
        ct = lax.reduce_sum(ct, tuple(range(aval_of(ct).ndim)))
    ct_dtype = aval_of(ct).dtype
    if ct_dtype != aval.dtype:
        if dtypes.is_complex(ct_dtype) and not dtypes.is_complex(aval.dtype):
            ct = lax.real(ct)
        ct = lax.convert_element_type(ct, aval.dtype)
    return ct


def elementwise_jvp(primitive, *partials):
    """JVP rule of `primitive` from partial derivatives: partials[i](out, *primals) is
    d out / d primal_i (None where the argument is not differentiable). Zero tangents
    are skipped, so no zero is ever materialised."""
    def rule(primals, tangents, **params):
        from numax import lax
        out = primitive.bind(*primals, **params)
        total = Zero(aval_of(out).strip_weak_type())
        for partial, tangent in zip(partials, tangents):
            if is_zero(tangent) or partial is None:
                continue
            term = lax.mul(tangent, partial(out, *primals))
            total = term if is_zero(total) else lax.add(total, term)
        return out, _broadcast_tangent(total, out)
    return rule


def _broadcast_tangent(tangent, out):
    """A tangent with the output's shape (a rank-0 tangent times a rank-0 partial stays
    rank-0 even when the output was broadcast)."""
    from numax import lax
    if is_zero(tangent):
        return tangent
    shape = aval_of(out).shape
    if aval_of(tangent).shape != shape:
        tangent = lax.broadcast_in_dim(tangent, shape, ())
    return tangent


def linear_transpose_add(sign_x=1, sign_y=1):
    """Transpose of x*sign_x + y*sign_y (add, sub), with rank-0 operands."""
    def transpose(ct, x, y, **params):
        from numax import lax
        ct_x = ct_y = None
        if is_undefined(x):
            ct_x = unbroadcast(ct if sign_x > 0 or is_zero(ct) else lax.neg(ct), x.aval)
        if is_undefined(y):
            ct_y = unbroadcast(ct if sign_y > 0 or is_zero(ct) else lax.neg(ct), y.aval)
        return [ct_x, ct_y]
    return transpose


def mul_transpose(ct, x, y, **params):
    """Transpose of mul in whichever operand is linear (the other is a known value)."""
    from numax import lax
    if is_zero(ct):
        return [Zero(x.aval) if is_undefined(x) else None, Zero(y.aval) if is_undefined(y) else None]
    if is_undefined(x) and is_undefined(y):
        raise ValueError("mul is not linear in both operands at once")
    if is_undefined(x):
        return [unbroadcast(lax.mul(ct, y), x.aval), None]
    return [None, unbroadcast(lax.mul(x, ct), y.aval)]


def zero_jvp(primitive):
    """JVP rule of a piecewise-constant primitive (floor, round, sign, ...): its derivative
    is zero wherever it exists, so the tangent is a symbolic zero (JAX's convention)."""
    def rule(primals, tangents, **params):
        out = primitive.bind(*primals, **params)
        return out, Zero(aval_of(out).strip_weak_type())
    return rule


def unary_tangent_jvp(primitive, tangent):
    """JVP rule of a one-operand primitive whose tangent is `tangent(t, out, x)`, for rules
    not of the form t * partial (e.g. log: t / x)."""
    def rule(primals, tangents, **params):
        (x,), (t,) = primals, tangents
        out = primitive.bind(x, **params)
        if is_zero(t):
            return out, Zero(aval_of(out).strip_weak_type())
        return out, tangent(t, out, x)
    return rule


def signed_sum_jvp(primitive, signs):
    """JVP of x*signs[0] + y*signs[1] (add, sub) that never materialises a zero tangent:
    with one tangent zero, the other (negated if its sign is -1) is the result's."""
    def rule(primals, tangents, **params):
        from numax import lax
        out = primitive.bind(*primals, **params)
        present = [(t, s) for t, s in zip(tangents, signs) if not is_zero(t)]
        if len(present) == len(tangents):
            return out, primitive.bind(*tangents, **params)
        (tangent, sign), = present
        return out, _broadcast_tangent(lax.neg(tangent) if sign < 0 else tangent, out)
    return rule
