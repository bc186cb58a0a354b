"""numax.nn's elementwise activations, the softmax family, logsumexp, one_hot and
standardize, written only in terms of numax.lax and numax.numpy.

Each function is jitted as a whole (static: axes, shapes, flags), so an eager call runs
one cached executable instead of one per operation, as in JAX. Numerical conventions
follow JAX: relu'(0) = 0 and relu6' vanishes at 0 and 6 (custom JVPs); softmax and
logsumexp subtract a stop-gradient maximum so large inputs neither overflow nor
change the derivative; logsumexp with weights `b` follows scipy.special.logsumexp.
Integer and bool inputs of the transcendental activations are computed in the default
float type.
"""

import math
import operator

import numpy as np

from numax import lax
from numax import numpy as jnp
from numax.api import jit
from numax.core import dtypes
from numax.custom_derivatives import custom_jvp

# ---------------------------------------------------------------- shared pieces


def _inexact(x):
    """`x` as an array of an inexact dtype (integers and bools take the default float)."""
    x = jnp.asarray(x)
    if not dtypes.is_inexact(x.dtype):
        x = x.astype(dtypes.to_inexact_dtype(x.dtype))
    return x


def _static_axes(name, axis):
    """`axis` (int, sequence of ints or None) in a hashable form for jit's static args."""
    if axis is None or isinstance(axis, (int, np.integer)):
        return None if axis is None else operator.index(axis)
    try:
        return tuple(operator.index(a) for a in axis)
    except TypeError:
        raise TypeError(f"numax.nn.{name}: axis must be an int, a tuple of ints or None, "
                        f"got {axis!r}") from None


def _reduced_axes(axis, ndim):
    """The non-negative axes that `axis` (already static) names in an array of `ndim`."""
    if axis is None:
        return tuple(range(ndim))
    axes = (axis,) if isinstance(axis, int) else axis
    out = []
    for a in axes:
        if not -ndim <= a < ndim:
            raise np.exceptions.AxisError(f"axis {a} is out of bounds for an array of "
                                          f"dimension {ndim}")
        out.append(a % ndim)
    return tuple(out)


def _zero_tangent_outside(condition, g):
    return lax.select(condition, g, lax.full_like(g, 0))


# ---------------------------------------------------------------- piecewise-linear


@custom_jvp
def _relu(x):
    return jnp.maximum(x, 0)


# JAX's convention: the derivative at the kink is 0, so relu'(0) = 0 rather than 1/2.
_relu.defjvps(lambda g, ans, x: _zero_tangent_outside(x > 0, g))


@jit
def relu(x):
    """Rectified linear unit, max(x, 0); its derivative at 0 is 0.

    >>> import numax.numpy as jnp, numax.nn
    >>> numax.nn.relu(jnp.array([-1.0, 0.0, 2.0]))
    Array([0., 0., 2.], dtype=float32)
    """
    return _relu(x)


@custom_jvp
def _relu6(x):
    return jnp.minimum(jnp.maximum(x, 0), 6.0)


_relu6.defjvps(lambda g, ans, x: _zero_tangent_outside((x > 0) & (x < 6), g))


@jit
def relu6(x):
    """min(max(x, 0), 6); its derivative is 0 at both kinks, 0 and 6."""
    return _relu6(x)


@jit
def hard_sigmoid(x):
    """relu6(x + 3) / 6: a piecewise-linear sigmoid."""
    return relu6(jnp.add(x, 3.0)) / 6.0


@jit
def hard_silu(x):
    """x * hard_sigmoid(x) (also called hard_swish)."""
    x = jnp.asarray(x)
    return x * hard_sigmoid(x)


hard_swish = hard_silu


@jit
def hard_tanh(x):
    """x clipped to [-1, 1]."""
    x = jnp.asarray(x)
    return jnp.where(x > 1, 1, jnp.where(x < -1, -1, x))


@jit
def leaky_relu(x, negative_slope=1e-2):
    """x where x >= 0, else negative_slope * x."""
    x = jnp.asarray(x)
    return jnp.where(x >= 0, x, negative_slope * x)


# ---------------------------------------------------------------- smooth activations


@jit
def sigmoid(x):
    """Logistic sigmoid 1 / (1 + exp(-x))."""
    return lax.logistic(_inexact(x))


@jit
def softplus(x):
    """log(1 + exp(x)), as logaddexp(x, 0) so large |x| neither overflows nor underflows."""
    return jnp.logaddexp(_inexact(x), 0)


@jit
def log_sigmoid(x):
    """log(sigmoid(x)) = -softplus(-x): finite for large negative x."""
    return -softplus(-_inexact(x))


@jit
def silu(x):
    """x * sigmoid(x) (also called swish)."""
    x = _inexact(x)
    return x * sigmoid(x)


swish = silu


@jit
def mish(x):
    """x * tanh(softplus(x))."""
    x = _inexact(x)
    return x * jnp.tanh(softplus(x))


@jit
def soft_sign(x):
    """x / (|x| + 1)."""
    x = _inexact(x)
    return x / (jnp.abs(x) + 1)


@jit
def squareplus(x, b=4):
    """(x + sqrt(x^2 + b)) / 2, a smooth relu."""
    x = _inexact(x)
    root = jnp.hypot(x, jnp.sqrt(jnp.asarray(b, x.dtype)))   # sqrt(x^2 + b) without overflow
    # For x < 0 the sum cancels (JAX's plain formula gives 0 at x = -1e4 in float32);
    # b / (2 (root - x)) is the same value without cancellation.
    negative = x < 0
    denominator = jnp.where(negative, root - x, 1)
    return jnp.where(negative, b / (2 * denominator), (x + root) / 2)


@jit
def sparse_plus(x):
    """0 for x <= -1, (x + 1)^2 / 4 for -1 < x < 1, x for x >= 1."""
    x = _inexact(x)
    return jnp.where(x <= -1.0, 0.0, jnp.where(x >= 1.0, x, jnp.square(x + 1) / 4))


@jit
def sparse_sigmoid(x):
    """The derivative of sparse_plus: clip((x + 1) / 2, 0, 1)."""
    x = _inexact(x)
    return 0.5 * jnp.clip(x + 1.0, 0.0, 2.0)


@jit
def elu(x, alpha=1.0):
    """x for x > 0, alpha * (exp(x) - 1) otherwise."""
    x = _inexact(x)
    # expm1 of the positive side would overflow and poison the gradient through where.
    safe_x = jnp.where(x > 0, 0.0, x)
    return jnp.where(x > 0, x, alpha * jnp.expm1(safe_x))


@jit
def celu(x, alpha=1.0):
    """max(x, 0) + alpha * expm1(min(x, 0) / alpha)."""
    x = _inexact(x)
    return jnp.maximum(x, 0.0) + alpha * jnp.expm1(jnp.minimum(x, 0.0) / alpha)


_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


@jit
def selu(x):
    """Scaled ELU: scale * elu(x, alpha) with the self-normalising constants."""
    return _SELU_SCALE * elu(x, _SELU_ALPHA)


def _gelu(x, approximate):
    x = _inexact(x)
    if approximate:
        sqrt_2_over_pi = np.sqrt(2 / np.pi).astype(x.dtype)
        cdf = 0.5 * (1.0 + jnp.tanh(sqrt_2_over_pi * (x + 0.044715 * (x ** 3))))
        return x * cdf
    return x * (lax.erf(x / np.sqrt(2).astype(x.dtype)) + 1) / 2


_gelu_jit = jit(_gelu, static_argnums=(1,))


def gelu(x, approximate=True):
    """Gaussian error linear unit x * Phi(x): the tanh approximation by default,
    the exact erf form with approximate=False."""
    return _gelu_jit(x, bool(approximate))


def _glu(x, axis):
    x = jnp.asarray(x)
    axis = _reduced_axes(axis, x.ndim)[0]
    size = x.shape[axis]
    if size % 2:
        raise ValueError(f"numax.nn.glu: axis {axis} of x must have even size, got shape "
                         f"{x.shape}")
    first = lax.slice_in_dim(x, 0, size // 2, axis=axis)
    second = lax.slice_in_dim(x, size // 2, size, axis=axis)
    return first * sigmoid(second)


_glu_jit = jit(_glu, static_argnums=(1,))


def glu(x, axis=-1):
    """Gated linear unit: split x in two halves along axis, a * sigmoid(b)."""
    return _glu_jit(x, operator.index(axis))


@jit
def log1mexp(x):
    """log(1 - exp(-x)) for x >= 0, accurate near 0 and for large x (NaN for x < 0).

    Below log 2 it is log(-expm1(-x)), above it log1p(-exp(-x)) (Maechler's switch)."""
    x = _inexact(x)
    return jnp.where(x < np.log(2.0), jnp.log(-jnp.expm1(-x)), jnp.log1p(-jnp.exp(-x)))


def identity(x):
    """Returns x as an array: the identity activation."""
    return jnp.asarray(x)


tanh = jnp.tanh


# ---------------------------------------------------------------- softmax family


def _max_and_safe(x, axis, where):
    """The stop-gradient maximum along axis (kept dims) and x with masked entries -inf."""
    x_max = jnp.max(x, axis, where=where, initial=-np.inf, keepdims=True)
    if where is not None:
        x = jnp.where(where, x, -np.inf)
    return x, lax.stop_gradient(x_max)


def _softmax(x, axis, where):
    x = _inexact(x)
    _reduced_axes(axis, x.ndim)
    x, x_max = _max_and_safe(x, axis, where)
    unnormalized = jnp.exp(x - x_max)
    result = unnormalized / jnp.sum(unnormalized, axis, where=where, keepdims=True)
    if where is not None:
        result = jnp.where(where, result, 0)
    return result


_softmax_jit = jit(_softmax, static_argnums=(1,))


def softmax(x, axis=-1, where=None):
    """exp(x) / sum(exp(x)) along axis (an int, tuple or None for all axes), computed as
    exp(x - max) so large inputs do not overflow. Entries where `where` is False are
    excluded and their output is 0. Any +inf input makes the result NaN (inf / inf).

    >>> import numax.numpy as jnp, numax.nn
    >>> numax.nn.softmax(jnp.array([0.0, 0.0]))
    Array([0.5, 0.5], dtype=float32)
    """
    return _softmax_jit(x, _static_axes("softmax", axis), where)


def _log_softmax(x, axis, where):
    x = _inexact(x)
    _reduced_axes(axis, x.ndim)
    x, x_max = _max_and_safe(x, axis, where)
    shifted = x - x_max
    shifted_logsumexp = jnp.log(jnp.sum(jnp.exp(shifted), axis, where=where, keepdims=True))
    result = shifted - shifted_logsumexp
    if where is not None:
        result = jnp.where(where, result, -np.inf)
    return result


_log_softmax_jit = jit(_log_softmax, static_argnums=(1,))


def log_softmax(x, axis=-1, where=None):
    """x - logsumexp(x) along axis, computed stably; entries where `where` is False are
    excluded and their output is -inf."""
    return _log_softmax_jit(x, _static_axes("log_softmax", axis), where)


def _logsumexp(a, b, axis, keepdims, return_sign, where):
    a = _inexact(a)
    if b is not None:
        b = jnp.asarray(b)
        dtype = dtypes.to_inexact_dtype(jnp.result_type(a, b))
        a, b = jnp.broadcast_arrays(a.astype(dtype), b.astype(dtype))
        # Zero weights drop their term even where a is +inf or NaN, as in SciPy.
        a = jnp.where(b != 0, a, -np.inf)
    axes = _reduced_axes(axis, a.ndim)
    real_a = jnp.real(a) if dtypes.is_complex(a.dtype) else a
    amax = jnp.max(real_a, axes, where=where, initial=-np.inf, keepdims=True)
    # A non-finite maximum (all -inf, or a +inf) is replaced by 0: the shift is only for
    # range, and the log of the sum then gives -inf / +inf by itself.
    amax = lax.stop_gradient(jnp.where(jnp.isfinite(amax), amax, 0))
    exp_a = jnp.exp(a - amax.astype(a.dtype))
    if b is not None:
        exp_a = exp_a * b
    sumexp = jnp.sum(exp_a, axes, where=where, keepdims=True)
    if dtypes.is_complex(a.dtype):
        sign = jnp.where(sumexp == 0, 0, sumexp / jnp.abs(sumexp).astype(sumexp.dtype))
        magnitude = jnp.abs(sumexp) if return_sign else sumexp
    else:
        sign = jnp.sign(sumexp)
        magnitude = jnp.abs(sumexp)
    out = jnp.log(magnitude) + amax.astype(magnitude.dtype)
    if not keepdims:
        out = jnp.squeeze(out, axes)
        sign = jnp.squeeze(sign, axes)
    if return_sign:
        return out, sign
    if b is not None and not dtypes.is_complex(a.dtype):
        out = jnp.where(sign < 0, np.nan, out)
    return out


_logsumexp_jit = jit(_logsumexp, static_argnums=(2, 3, 4))


def logsumexp(a, axis=None, b=None, keepdims=False, return_sign=False, where=None):
    """log(sum(b * exp(a))) along axis, computed stably (scipy.special.logsumexp).

    With `b`, a negative sum gives NaN unless return_sign=True, which returns
    (log|sum|, sign(sum)). Entries where `where` is False are left out.

    >>> import numax.numpy as jnp, numax.nn
    >>> float(numax.nn.logsumexp(jnp.array([1000.0, 1000.0])))  # doctest: +ELLIPSIS
    1000.69...
    """
    return _logsumexp_jit(a, b, _static_axes("logsumexp", axis), bool(keepdims),
                          bool(return_sign), where)


def _logmeanexp(x, axis, keepdims, where):
    x = _inexact(x)
    axes = _reduced_axes(axis, x.ndim)
    if where is None:
        count = math.prod(x.shape[i] for i in axes)
        log_count = np.log(count) if count else -np.inf
    else:
        ones = jnp.ones(x.shape, dtypes.real_dtype(x.dtype))
        log_count = jnp.log(jnp.sum(ones, axes, where=where, keepdims=keepdims))
    return _logsumexp(x, None, axes, keepdims, False, where) - log_count


_logmeanexp_jit = jit(_logmeanexp, static_argnums=(1, 2))


def logmeanexp(x, axis=None, where=None, keepdims=False):
    """log(mean(exp(x))) = logsumexp(x) - log(n) along axis, computed stably."""
    return _logmeanexp_jit(x, _static_axes("logmeanexp", axis), bool(keepdims), where)


# ---------------------------------------------------------------- one_hot, standardize


def _one_hot(x, num_classes, dtype, axis):
    x = jnp.asarray(x)
    if x.dtype == np.bool_:
        x = x.astype(dtypes.default_int_dtype())
    out_axis = _reduced_axes(axis, x.ndim + 1)[0]
    compare_dtype = jnp.promote_types(x.dtype, np.int32)
    iota_shape = [1] * x.ndim
    iota_shape.insert(out_axis, num_classes)
    classes = lax.broadcasted_iota(compare_dtype, tuple(iota_shape), out_axis)
    values = lax.expand_dims(x.astype(compare_dtype), (out_axis,))
    return (values == classes).astype(dtype)


_one_hot_jit = jit(_one_hot, static_argnums=(1, 2, 3))


def one_hot(x, num_classes, *, dtype=float, axis=-1):
    """One-hot encoding: out[..., c, ...] = (x == c) for c in range(num_classes), the
    class axis at `axis` of the result. Values outside [0, num_classes) give all zeros.

    >>> import numax.numpy as jnp, numax.nn
    >>> numax.nn.one_hot(jnp.array([0, 2]), 3)
    Array([[1., 0., 0.],
           [0., 0., 1.]], dtype=float32)
    """
    try:
        num_classes = operator.index(num_classes)
    except TypeError:
        raise TypeError("numax.nn.one_hot: num_classes must be a concrete Python int (it "
                        "sets the output shape), got "
                        f"{type(num_classes).__name__} {num_classes!r}; under jit pass it "
                        "as a static argument") from None
    if num_classes < 0:
        raise ValueError(f"numax.nn.one_hot: num_classes must be >= 0, got {num_classes}")
    if isinstance(axis, str):
        raise NotImplementedError("numax.nn.one_hot: named axes (axis='name') are not "
                                  "supported; pass an integer axis")
    return _one_hot_jit(x, num_classes, dtypes.canonicalize_dtype(dtype),
                        operator.index(axis))


def _standardize(x, axis, mean, variance, epsilon, where):
    x = _inexact(x)
    axes = _reduced_axes(axis, x.ndim)
    if mean is None:
        mean = jnp.mean(x, axes, keepdims=True, where=where)
    if variance is None:
        # E[|x|^2] - |E[x]|^2: one pass over x, as JAX computes it for normalisation layers.
        if dtypes.is_complex(x.dtype):
            mean_square = jnp.mean(jnp.real(x * jnp.conj(x)), axes, keepdims=True, where=where)
            variance = mean_square - jnp.real(mean * jnp.conj(mean))
        else:
            variance = jnp.mean(jnp.square(x), axes, keepdims=True, where=where) - \
                jnp.square(mean)
    return (x - mean) * lax.rsqrt(jnp.asarray(variance) + epsilon)


_standardize_jit = jit(_standardize, static_argnums=(1,))


def standardize(x, axis=-1, mean=None, variance=None, epsilon=1e-5, where=None):
    """(x - mean) / sqrt(variance + epsilon), the moments taken along axis unless given."""
    return _standardize_jit(x, _static_axes("standardize", axis), mean, variance, epsilon,
                            where)
