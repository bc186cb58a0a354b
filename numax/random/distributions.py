"""Samplers that need no loops: uniform and the distributions built on it, integers,
permutations and choices, and the Gaussian multivariate ones (multivariate_normal,
orthogonal).

Each follows JAX's published algorithm op for op, so the same key gives the same
samples as JAX: floats take the top mantissa bits of random bits under an exponent of
1.0 and subtract 1 (`uniform`); `normal` is sqrt(2) * erf_inv of a uniform in (-1, 1);
integers combine two draws of random bits modulo the span (`randint`); permutations sort
by random 32-bit keys. The rejection samplers (gamma and its family, poisson,
binomial, and ball, built on gamma) are in rejection.py. Every public function takes one key (typed or raw), a
static shape and dtype, and array parameters that may be traced; the work runs in a
jitted body per distribution, as in JAX, so eager calls compile once.
"""

import math
import operator

import numpy as np

from numax import lax
from numax import numpy as jnp
from numax.api import jit
from numax.core import dtypes
from numax.random.prng import (_UNSIGNED, canonical_shape, random_bits_data, split_data,
                               unwrap_key)

# ---------------------------------------------------------------- shared checks


def check_shape(name, shape, *param_shapes):
    """JAX's rule: parameter shapes broadcast to exactly `shape`."""
    if param_shapes:
        broadcast = np.broadcast_shapes(shape, *param_shapes)
        if broadcast != tuple(shape):
            raise ValueError(f"{name} parameter shapes must be broadcast-compatible with shape "
                             f"argument, and the result of broadcasting the shapes must equal "
                             f"the shape argument, but got result {broadcast} for shape "
                             f"argument {shape}.")


def float_dtype(name, dtype):
    dtype = dtypes.canonicalize_dtype(dtype)
    if not dtypes.is_float(dtype):
        raise ValueError(f"dtype argument to `{name}` must be a float dtype, got {dtype}")
    return dtype


def int_dtype(name, dtype):
    dtype = dtypes.canonicalize_dtype(dtype)
    if not dtypes.is_integer(dtype):
        raise ValueError(f"dtype argument to `{name}` must be an int dtype, got {dtype}")
    return dtype


def optional_shape(name, shape, *param_shapes):
    """`shape` as a tuple (checked against the parameters), or their broadcast if None."""
    if shape is None:
        return np.broadcast_shapes(*param_shapes) if param_shapes else ()
    shape = canonical_shape(name, shape)
    check_shape(name, shape, *param_shapes)
    return shape


def single_key(name, key):
    """The raw data of `key`, which must be one key (typed or raw)."""
    return unwrap_key(name, key)[0]


def split_keys(key, num=2):
    """`num` raw keys split from one, as a tuple (JAX's internal `_split`)."""
    keys = split_data(key, num)
    return tuple(lax.reshape(lax.slice_in_dim(keys, i, i + 1), (2,)) for i in range(num))


def const(like_dtype, value):
    return np.array(value, like_dtype)


def _shape_of(x):
    return tuple(np.shape(x))


# ---------------------------------------------------------------- uniform and normal

def uniform_bit_width(dtype):
    """How many random bits `uniform` draws per sample of float `dtype`: the float's
    width, except that floats with fewer than 8 mantissa bits still draw a whole byte."""
    finfo = dtypes.finfo(dtype)
    return 8 if finfo.nmant < 8 else finfo.bits


def uniform_from_bits(bits, dtype, minval=0.0, maxval=1.0):
    """JAX's float construction from `uniform_bit_width(dtype)` random bits."""
    finfo = dtypes.finfo(dtype)
    nbits, nmant = finfo.bits, finfo.nmant
    rng_bits = uniform_bit_width(dtype)
    uint_dtype = _UNSIGNED[nbits]
    if rng_bits != nbits:
        bits = lax.convert_element_type(bits, uint_dtype)
    minval = lax.convert_element_type(minval, dtype)
    maxval = lax.convert_element_type(maxval, dtype)
    # Mantissa trick: the top `nmant` random bits under the exponent of 1.0 give a float
    # uniform in [1, 2); subtracting 1 leaves one in [0, 1) on a grid of 2**-nmant.
    one_bits = np.array(1.0, dtype).view(uint_dtype)
    float_bits = lax.bitwise_or(lax.shift_right_logical(bits, rng_bits - nmant), one_bits)
    floats = lax.sub(lax.bitcast_convert_type(float_bits, dtype), const(dtype, 1.0))
    scaled = jnp.add(jnp.multiply(floats, jnp.subtract(maxval, minval)), minval)
    return jnp.maximum(minval, scaled)


def uniform_data(key, shape, dtype, minval=0.0, maxval=1.0):
    """Uniform floats in [minval, maxval) from one raw key (JAX's `_uniform`)."""
    check_shape("uniform", shape, _shape_of(minval), _shape_of(maxval))
    bits = random_bits_data(key, uniform_bit_width(dtype), shape)
    return uniform_from_bits(bits, dtype, minval, maxval)


def normal_from_bits(bits, dtype):
    """sqrt(2) erf_inv(u) with u uniform in (-1, 1) built from `bits` (real dtype)."""
    low = np.nextafter(np.array(-1.0, dtype), np.array(0.0, dtype))
    u = uniform_from_bits(bits, dtype, low, np.array(1.0, dtype))
    return lax.mul(const(dtype, np.sqrt(2)), lax.erf_inv(u))


def _normal_real(key, shape, dtype):
    return normal_from_bits(random_bits_data(key, uniform_bit_width(dtype), shape), dtype)


def normal_data(key, shape, dtype):
    """Standard normal samples from one raw key (complex: independent real and imaginary
    parts of variance 1/2 each)."""
    if dtypes.is_complex(dtype):
        real_dtype = dtypes.real_dtype(dtype)
        key_re, key_im = split_keys(key)
        re = _normal_real(key_re, shape, real_dtype)
        im = _normal_real(key_im, shape, real_dtype)
        return lax.div(lax.complex(re, im), const(dtype, np.sqrt(2)))
    return _normal_real(key, shape, dtype)


def exponential_data(key, shape, dtype):
    u = uniform_data(key, shape, dtype)
    return lax.neg(lax.log1p(lax.neg(u)))


def gumbel_data(key, shape, dtype, mode="low"):
    if mode == "high":
        # Two uniforms give a uniform on a finer grid (2**-2nmant), so the far right tail
        # is resolved better.
        both = uniform_data(key, (2,) + shape, dtype)
        high, low = (lax.reshape(lax.slice_in_dim(both, i, i + 1), shape) for i in (0, 1))
        fine = jnp.add(high, jnp.multiply(low, const(dtype, 2.0 ** -dtypes.finfo(dtype).nmant)))
        fine = jnp.maximum(fine, const(dtype, dtypes.finfo(dtype).tiny))
        return lax.neg(lax.log(lax.neg(lax.log(fine))))
    u = uniform_data(key, shape, dtype, const(dtype, dtypes.finfo(dtype).tiny), 1.0)
    return lax.neg(lax.log(lax.neg(lax.log(u))))


_uniform_jit = jit(uniform_data, static_argnums=(1, 2))
_normal_jit = jit(normal_data, static_argnums=(1, 2))


def uniform(key, shape=(), dtype=float, minval=0.0, maxval=1.0):
    """Uniform floats in [minval, maxval).

    >>> import numax
    >>> x = numax.random.uniform(numax.random.PRNGKey(0), (3,))
    >>> bool(((x >= 0) & (x < 1)).all())
    True
    """
    data = single_key("uniform", key)
    shape = canonical_shape("uniform", shape)
    dtype = float_dtype("uniform", dtype)
    return _uniform_jit(data, shape, dtype, minval, maxval)


def normal(key, shape=(), dtype=float):
    """Standard normal samples (real or complex dtype)."""
    data = single_key("normal", key)
    shape = canonical_shape("normal", shape)
    dtype = dtypes.canonicalize_dtype(dtype)
    if not dtypes.is_inexact(dtype):
        raise ValueError(f"dtype argument to `normal` must be a float or complex dtype, got "
                         f"{dtype}")
    return _normal_jit(data, shape, dtype)


def _truncated_normal(key, lower, upper, shape, dtype):
    sqrt2 = const(dtype, np.sqrt(2))
    lower = lax.convert_element_type(lower, dtype)
    upper = lax.convert_element_type(upper, dtype)
    a = lax.erf(lax.div(lower, sqrt2))
    b = lax.erf(lax.div(upper, sqrt2))
    u = uniform_data(key, shape, dtype, a, b)
    out = lax.mul(sqrt2, lax.erf_inv(u))
    # Keep rounding (or u == a) from landing outside the open interval (lower, upper).
    return jnp.clip(out, lax.nextafter(lax.stop_gradient(lower), const(dtype, np.inf)),
                    lax.nextafter(lax.stop_gradient(upper), const(dtype, -np.inf)))


_truncated_normal_jit = jit(_truncated_normal, static_argnums=(3, 4))


def truncated_normal(key, lower, upper, shape=None, dtype=float):
    """Standard normal samples truncated to (lower, upper), by inverting the CDF."""
    data = single_key("truncated_normal", key)
    dtype = float_dtype("truncated_normal", dtype)
    shape = optional_shape("truncated_normal", shape, _shape_of(lower), _shape_of(upper))
    return _truncated_normal_jit(data, lower, upper, shape, dtype)


# ---------------------------------------------------------------- simple transforms of uniform

def _exponential(key, shape, dtype):
    return exponential_data(key, shape, dtype)


def _laplace(key, shape, dtype):
    u = uniform_data(key, shape, dtype, const(dtype, -1.0 + dtypes.finfo(dtype).epsneg), 1.0)
    return lax.mul(lax.sign(u), lax.log1p(lax.neg(lax.abs(u))))


def _logistic(key, shape, dtype):
    x = uniform_data(key, shape, dtype, const(dtype, dtypes.finfo(dtype).tiny), 1.0)
    return lax.log(lax.div(x, lax.sub(const(dtype, 1.0), x)))


def _cauchy(key, shape, dtype):
    u = uniform_data(key, shape, dtype, const(dtype, dtypes.finfo(dtype).eps), 1.0)
    return lax.tan(lax.mul(const(dtype, np.pi), lax.sub(u, const(dtype, 0.5))))


def _shape_dtype_sampler(name, body, doc):
    jitted = jit(body, static_argnums=(1, 2))

    def sampler(key, shape=(), dtype=float):
        data = single_key(name, key)
        return jitted(data, canonical_shape(name, shape), float_dtype(name, dtype))
    sampler.__name__ = sampler.__qualname__ = name
    sampler.__doc__ = doc
    return sampler


exponential = _shape_dtype_sampler(
    "exponential", _exponential, "Exponential(1) samples: -log1p(-u) of a uniform u.")
laplace = _shape_dtype_sampler(
    "laplace", _laplace, "Laplace(0, 1) samples: sign(u) * log1p(-|u|), u uniform in (-1, 1).")
logistic = _shape_dtype_sampler(
    "logistic", _logistic, "Logistic(0, 1) samples: log(u / (1 - u)) of a uniform u > 0.")
cauchy = _shape_dtype_sampler(
    "cauchy", _cauchy, "Cauchy(0, 1) samples: tan(pi (u - 1/2)) of a uniform u.")

_gumbel_jit = jit(gumbel_data, static_argnums=(1, 2, 3))


def gumbel(key, shape=(), dtype=float, mode="low"):
    """Gumbel(0, 1) samples: -log(-log u). mode='high' draws two uniforms per sample for
    a finer grid (numax's own construction; JAX's 'high' mode may differ bit for bit)."""
    if mode not in ("low", "high"):
        raise ValueError(f"gumbel: mode must be 'low' or 'high', got {mode!r}")
    data = single_key("gumbel", key)
    return _gumbel_jit(data, canonical_shape("gumbel", shape), float_dtype("gumbel", dtype),
                       mode)


# ---------------------------------------------------------------- bernoulli, rademacher

def bernoulli_data(key, p, shape, mode="low"):
    dtype = p.dtype
    if mode == "high":
        both = uniform_data(key, (2,) + shape, dtype)
        u1 = lax.reshape(lax.slice_in_dim(both, 0, 1), shape)
        u2 = lax.reshape(lax.slice_in_dim(both, 1, 2), shape)
        # u1 + u2 * 2**-nmant is uniform on a grid 2**nmant times finer.
        u2 = lax.mul(u2, const(dtype, 2.0 ** -dtypes.finfo(dtype).nmant))
        return jnp.less(u2, jnp.subtract(p, u1))
    return jnp.less(uniform_data(key, shape, dtype), p)


def _bernoulli(key, p, shape, dtype, mode):
    return bernoulli_data(key, lax.convert_element_type(p, dtype), shape, mode)


_bernoulli_jit = jit(_bernoulli, static_argnums=(2, 3, 4))


def bernoulli(key, p=np.float32(0.5), shape=None, mode="low"):
    """Booleans that are True with probability p: uniform(key, shape) < p.

    mode='high' compares against a finer uniform built from two draws (numax's own
    construction; JAX's 'high' mode may differ bit for bit)."""
    data = single_key("bernoulli", key)
    dtype = dtypes.canonicalize_dtype(jnp.result_type(p))
    if not dtypes.is_float(dtype):
        raise TypeError(f"bernoulli probability `p` must have a floating dtype, got {dtype}.")
    if mode not in ("low", "high"):
        raise ValueError(f"bernoulli: mode must be 'low' or 'high', got {mode!r}")
    shape = optional_shape("bernoulli", shape, _shape_of(p))
    return _bernoulli_jit(data, p, shape, dtype, mode)


def _rademacher(key, shape, dtype):
    half = const(dtypes.canonicalize_dtype(float), 0.5)    # a Python 0.5 in JAX
    b = jnp.astype(bernoulli_data(key, half, shape), dtype)
    return jnp.astype(2 * b - 1, dtype)


_rademacher_jit = jit(_rademacher, static_argnums=(1, 2))


def rademacher(key, shape=(), dtype=int):
    """-1 or +1, each with probability 1/2."""
    data = single_key("rademacher", key)
    return _rademacher_jit(data, canonical_shape("rademacher", shape),
                           dtypes.canonicalize_dtype(dtype))


# ---------------------------------------------------------------- randint

def _convert_and_clip_integer(value, dtype):
    """`value` (an integer array) in integer `dtype`, clipped to its range, not wrapped."""
    source = np.dtype(value.dtype)
    lo = max(dtypes.iinfo(dtype).min, dtypes.iinfo(source).min)
    hi = min(dtypes.iinfo(dtype).max, dtypes.iinfo(source).max)
    return lax.convert_element_type(lax.clamp(const(source, lo), value, const(source, hi)), dtype)


def _unsigned_rem(x, y):
    """x % y for unsigned x and y > 0, as x - (x // y) * y: the same bits as lax.rem, but
    XLA's CPU backend compiles several remainders by one traced divisor very slowly
    (seconds), and divisions quickly."""
    return lax.sub(x, lax.mul(lax.div(x, y), y))


def _randint(key, shape, minval, maxval, dtype):
    check_shape("randint", shape, _shape_of(minval), _shape_of(maxval))
    minval, maxval = jnp.asarray(minval), jnp.asarray(maxval)
    if not dtypes.is_integer(minval.dtype):
        minval = jnp.astype(minval, int)
    if not dtypes.is_integer(maxval.dtype):
        maxval = jnp.astype(maxval, int)
    # maxval beyond the dtype's range (randint(k, s, 0, 256, uint8)) means "up to the top".
    top = _convert_and_clip_integer(jnp.asarray(np.array(dtypes.iinfo(dtype).max, dtype)),
                                    maxval.dtype)
    maxval_out_of_range = lax.gt(maxval, top)
    minval = _convert_and_clip_integer(minval, dtype)
    maxval = _convert_and_clip_integer(maxval, dtype)
    minval = lax.broadcast_to_rank(minval, len(shape))
    maxval = lax.broadcast_to_rank(maxval, len(shape))
    nbits = dtypes.iinfo(dtype).bits
    if nbits not in (8, 16, 32, 64):
        raise TypeError(f"randint only accepts 8-, 16-, 32-, or 64-bit dtypes, got {dtype}")
    # Twice the dtype's bits, combined modulo the span, to shrink the modulo bias.
    key1, key2 = split_keys(key)
    higher_bits = random_bits_data(key1, nbits, shape)
    lower_bits = random_bits_data(key2, nbits, shape)
    unsigned = _UNSIGNED[nbits]
    span = lax.convert_element_type(jnp.subtract(maxval, minval), unsigned)
    # maxval <= minval gives span 1, so minval comes out.
    span = jnp.where(jnp.less_equal(maxval, minval), jnp.ones_like(span), span)
    # An out-of-range maxval needs a span of 2**nbits - minval: one more than representable
    # in nbits unless minval > 0; add the 1 here.
    span = jnp.where(jnp.logical_and(maxval_out_of_range, jnp.greater(maxval, minval)),
                     lax.add(span, const(unsigned, 1)), span)
    span = jnp.broadcast_to(span, shape)
    # (higher * 2**nbits + lower) % span, without more than nbits: 2**nbits % span is
    # ((2**(nbits/2) % span)**2) % span.
    multiplier = _unsigned_rem(lax.full_like(span, 2 ** (nbits // 2)), span)
    multiplier = _unsigned_rem(lax.mul(multiplier, multiplier), span)
    offset = lax.add(lax.mul(_unsigned_rem(higher_bits, span), multiplier),
                     _unsigned_rem(lower_bits, span))
    offset = _unsigned_rem(offset, span)
    return jnp.add(minval, lax.convert_element_type(offset, dtype))


_randint_jit = jit(_randint, static_argnums=(1, 4))


def randint(key, shape, minval, maxval, dtype=int):
    """Integers in [minval, maxval), by JAX's algorithm: two draws of random bits reduced
    modulo the span in the dtype's unsigned width. Exactly uniform for spans that are
    powers of two; for others slightly biased, and for spans above 2**(bits/2) in 8- and
    16-bit dtypes noticeably so (as in JAX, whose samples these are)."""
    data = single_key("randint", key)
    return _randint_jit(data, canonical_shape("randint", shape), minval, maxval,
                        int_dtype("randint", dtype))


# ---------------------------------------------------------------- permutation, choice

def take(x, indices, axis):
    """x taken at integer `indices` along `axis` (what jnp.take does): shape
    x.shape[:axis] + indices.shape + x.shape[axis+1:]."""
    x_shape = tuple(x.shape)
    index_shape = tuple(np.shape(indices))
    axis = axis % len(x_shape)
    offset = tuple(range(axis)) + tuple(range(axis + len(index_shape),
                                              len(x_shape) - 1 + len(index_shape)))
    numbers = lax.GatherDimensionNumbers(offset_dims=offset, collapsed_slice_dims=(axis,),
                                         start_index_map=(axis,))
    sizes = x_shape[:axis] + (1,) + x_shape[axis + 1:]
    return lax.gather(x, lax.expand_dims(indices, (len(index_shape),)), numbers, sizes,
                      mode=lax.GatherScatterMode.CLIP)


def shuffle_data(key, x, axis):
    """JAX's `_shuffle`: sort by random 32-bit keys, enough rounds that colliding keys
    (which keep their order) are unlikely."""
    exponent = 3
    uint32_max = np.iinfo(np.uint32).max
    size = int(np.prod(np.shape(x), dtype=np.int64))
    num_rounds = int(np.ceil(exponent * np.log(max(1, size)) / np.log(uint32_max)))
    for _ in range(num_rounds):
        key, subkey = split_keys(key)
        sort_keys = random_bits_data(subkey, 32, tuple(np.shape(x)))
        _, x = lax.sort_key_val(sort_keys, x, axis)
    return x


def _permutation(key, x, axis, independent):
    if independent or np.ndim(x) == 1:
        return shuffle_data(key, x, axis)
    indices = shuffle_data(key, lax.iota(dtypes.canonicalize_dtype(int), np.shape(x)[axis]), 0)
    return take(x, indices, axis)


_permutation_jit = jit(_permutation, static_argnums=(2, 3))


def permutation(key, x, axis=0, independent=False):
    """A random permutation of range(x) (integer x) or of x along `axis` (each slice the
    same way unless `independent`)."""
    data = single_key("permutation", key)
    if not np.ndim(x):
        if not dtypes.is_integer(jnp.result_type(x)):
            raise TypeError("x must be an integer or at least 1-dimensional")
        try:
            n = operator.index(x)
        except TypeError:
            raise TypeError("permutation: the integer argument x must be concrete "
                            "(a Python int), not a traced value") from None
        return _permutation_jit(data, jnp.arange(n), 0, False)
    x = jnp.asarray(x)
    axis = axis % x.ndim
    return _permutation_jit(data, x, axis, bool(independent))


def _choice(key, arr, p, shape, replace, axis, n_inputs, scalar_input):
    n_draws = math.prod(shape)
    if p is None:
        if replace:
            ind = _randint(key, shape, 0, n_inputs, dtypes.canonicalize_dtype(int))
            result = ind if scalar_input else take(arr, ind, axis)
        else:
            source = lax.iota(dtypes.canonicalize_dtype(int), n_inputs) if scalar_input else arr
            shuffled = _permutation(key, source, 0 if scalar_input else axis, False)
            result = lax.slice_in_dim(shuffled, 0, n_draws, axis=0 if scalar_input else axis)
    else:
        p_dtype = p.dtype
        if replace:
            p_cumulative = lax.cumsum(p, 0)
            total = lax.slice_in_dim(p_cumulative, n_inputs - 1, n_inputs)
            r = jnp.multiply(lax.reshape(total, ()),
                             jnp.subtract(1, uniform_data(key, shape, p_dtype)))
            # searchsorted (side 'left') of r in the cumulative sums: how many are < r.
            below = jnp.less(p_cumulative, jnp.expand_dims(r, -1))
            ind = jnp.sum(jnp.astype(below, int), axis=-1)
        else:
            # Gumbel top-k: the k largest of log p + Gumbel noise, a draw without replacement.
            g = jnp.add(gumbel_data(key, (n_inputs,), p_dtype), jnp.log(p))
            ind = jnp.astype(lax.top_k(g, n_draws)[1], int)
        result = ind if scalar_input else take(arr, ind, axis)
    if scalar_input:
        return jnp.reshape(result, shape)
    arr_shape = tuple(arr.shape)
    return jnp.reshape(result, arr_shape[:axis] + tuple(shape) + arr_shape[axis + 1:])


_choice_jit = jit(_choice, static_argnums=(3, 4, 5, 6, 7))


def choice(key, a, shape=(), replace=True, p=None, axis=0, mode=None):
    """Samples of range(a) (integer a) or of a's slices along `axis`, with or without
    replacement, uniformly or with probabilities p."""
    data = single_key("choice", key)
    if not isinstance(shape, (tuple, list)):
        raise TypeError("shape argument of numax.random.choice must be a sequence, got "
                        f"{shape}")
    shape = canonical_shape("choice", shape)
    scalar_input = not np.ndim(a)
    if scalar_input:
        try:
            n_inputs = operator.index(a)
        except TypeError:
            raise TypeError("choice: an integer `a` must be concrete (a Python int)") from None
        arr = None
    else:
        arr = jnp.asarray(a)
        axis = axis % arr.ndim
        n_inputs = arr.shape[axis]
    n_draws = math.prod(shape)
    if n_draws == 0:
        return jnp.zeros(shape, dtype=dtypes.canonicalize_dtype(int) if arr is None else arr.dtype)
    if n_inputs <= 0:
        raise ValueError("a must be greater than 0 unless no samples are taken")
    if not replace and n_draws > n_inputs:
        raise ValueError(f"Cannot take a larger sample (size {n_draws}) than population "
                         f"(size {n_inputs}) when 'replace=False'")
    if p is not None:
        p = jnp.asarray(p)
        if not dtypes.is_inexact(p.dtype):
            p = jnp.astype(p, dtypes.canonicalize_dtype(float))
        if tuple(p.shape) != (n_inputs,):
            raise ValueError(f"p must be None or a 1D vector with the same size as a.shape[axis]."
                             f" p has shape {tuple(p.shape)} and a.shape[axis] is {n_inputs}.")
    return _choice_jit(data, arr, p, shape, bool(replace), axis if arr is not None else 0,
                       n_inputs, scalar_input)


# ---------------------------------------------------------------- categorical

def _categorical(key, logits, axis, shape, replace, mode):
    ndim = logits.ndim
    batch_shape = tuple(np.delete(np.array(logits.shape, dtype=np.int64), axis).tolist())
    shape_prefix = shape[:len(shape) - len(batch_shape)]
    logits_shape = list(shape[len(shape) - len(batch_shape):])
    logits_shape.insert(axis % ndim, logits.shape[axis])
    index_dtype = dtypes.canonicalize_dtype(int)
    if replace:
        noise = gumbel_data(key, (*shape_prefix, *logits_shape), logits.dtype, mode)
        expanded = lax.expand_dims(logits, tuple(range(len(shape_prefix))))
        return lax.argmax(jnp.add(noise, expanded), axis % (len(shape_prefix) + ndim),
                          index_dtype)
    perturbed = jnp.add(logits, gumbel_data(key, tuple(logits.shape), logits.dtype, mode))
    k = math.prod(shape_prefix)
    _, indices = lax.top_k(jnp.moveaxis(perturbed, axis, -1), k)
    indices = jnp.astype(indices, index_dtype)
    return jnp.reshape(jnp.moveaxis(indices, -1, 0), shape)


_categorical_jit = jit(_categorical, static_argnums=(2, 3, 4, 5))


def categorical(key, logits, axis=-1, shape=None, replace=True, mode=None):
    """Category indices drawn with log-probabilities `logits` along `axis` (the
    Gumbel-max trick; without replacement, Gumbel top-k). `mode` is gumbel's."""
    data = single_key("categorical", key)
    mode = "low" if mode is None else mode
    if mode not in ("low", "high"):
        raise ValueError(f"categorical: mode must be 'low' or 'high', got {mode!r}")
    logits = jnp.asarray(logits)
    if not dtypes.is_float(logits.dtype):
        logits = jnp.astype(logits, dtypes.canonicalize_dtype(float))
    if axis >= 0:
        axis -= logits.ndim
    batch_shape = tuple(np.delete(np.array(logits.shape, dtype=np.int64), axis).tolist())
    if shape is None:
        shape = batch_shape
    else:
        shape = canonical_shape("categorical", shape)
        check_shape("categorical", shape, batch_shape)
    if not replace:
        prefix = shape[:len(shape) - len(batch_shape)]
        if math.prod(prefix) > logits.shape[axis]:
            raise ValueError(f"Number of samples without replacement ({math.prod(prefix)}) "
                             f"cannot exceed number of categories ({logits.shape[axis]}).")
    return _categorical_jit(data, logits, axis, shape, bool(replace), mode)


# ---------------------------------------------------------------- shapes and scales of normals

def _maxwell(key, shape, dtype):
    samples = normal_data(key, shape + (3,), dtype)
    return lax.sqrt(jnp.sum(jnp.multiply(samples, samples), axis=-1))


def _double_sided_maxwell(key, loc, scale, shape, dtype):
    maxwell_key, rademacher_key = split_keys(key)
    magnitude = _maxwell(maxwell_key, shape, dtype)
    sign = _rademacher(rademacher_key, shape, dtype)
    return jnp.add(jnp.multiply(jnp.multiply(sign, magnitude), scale), loc)


_maxwell_jit = jit(_maxwell, static_argnums=(1, 2))
_double_sided_maxwell_jit = jit(_double_sided_maxwell, static_argnums=(3, 4))


def maxwell(key, shape=(), dtype=float):
    """Maxwell samples: the length of a standard normal 3-vector."""
    data = single_key("maxwell", key)
    return _maxwell_jit(data, canonical_shape("maxwell", shape), float_dtype("maxwell", dtype))


def double_sided_maxwell(key, loc, scale, shape=(), dtype=float):
    """Double-sided Maxwell samples: a Maxwell magnitude with a random sign, scaled and
    shifted; the result has shape `shape` + broadcast(loc, scale).shape."""
    data = single_key("double_sided_maxwell", key)
    dtype = float_dtype("double_sided_maxwell", dtype)
    params_shape = np.broadcast_shapes(_shape_of(loc), _shape_of(scale))
    shape = canonical_shape("double_sided_maxwell", shape)
    shape = (shape or params_shape) + params_shape
    return _double_sided_maxwell_jit(data, loc, scale, shape, dtype)


def _lognormal(key, sigma, shape, dtype):
    sigma = lax.convert_element_type(sigma, dtype)
    return jnp.exp(jnp.multiply(sigma, normal_data(key, shape, dtype)))


_lognormal_jit = jit(_lognormal, static_argnums=(2, 3))


def lognormal(key, sigma=np.float32(1), shape=None, dtype=float):
    """exp(sigma * N(0, 1)) samples."""
    data = single_key("lognormal", key)
    dtype = float_dtype("lognormal", dtype)
    shape = optional_shape("lognormal", shape, _shape_of(sigma))
    return _lognormal_jit(data, sigma, shape, dtype)


def _pareto(key, b, shape, dtype):
    b = lax.convert_element_type(b, dtype)
    return jnp.exp(jnp.divide(exponential_data(key, shape, dtype), b))


_pareto_jit = jit(_pareto, static_argnums=(2, 3))


def pareto(key, b, shape=None, dtype=float):
    """Pareto(b) samples on [1, inf): exp(E / b) of an exponential E."""
    data = single_key("pareto", key)
    dtype = float_dtype("pareto", dtype)
    shape = optional_shape("pareto", shape, _shape_of(b))
    return _pareto_jit(data, b, shape, dtype)


def _weibull_min(key, scale, concentration, shape, dtype):
    u = uniform_data(key, shape, dtype, 0.0, 1.0)
    scale = lax.convert_element_type(scale, dtype)
    concentration = lax.convert_element_type(concentration, dtype)
    return jnp.multiply(jnp.power(jnp.negative(jnp.log1p(jnp.negative(u))),
                                  jnp.divide(1.0, concentration)), scale)


_weibull_min_jit = jit(_weibull_min, static_argnums=(3, 4))


def weibull_min(key, scale, concentration, shape=(), dtype=float):
    """Weibull samples by inverting the CDF: scale * (-log1p(-u)) ** (1/concentration)."""
    data = single_key("weibull_min", key)
    return _weibull_min_jit(data, scale, concentration, canonical_shape("weibull_min", shape),
                            float_dtype("weibull_min", dtype))


def _rayleigh(key, scale, shape, dtype):
    u = uniform_data(key, shape, dtype)
    scale = jnp.broadcast_to(lax.convert_element_type(scale, dtype), shape)
    return lax.mul(scale, lax.sqrt(lax.mul(lax.log(u), lax.full_like(u, -2))))


_rayleigh_jit = jit(_rayleigh, static_argnums=(2, 3))


def rayleigh(key, scale, shape=None, dtype=float):
    """Rayleigh(scale) samples: scale * sqrt(-2 log u)."""
    data = single_key("rayleigh", key)
    dtype = float_dtype("rayleigh", dtype)
    shape = optional_shape("rayleigh", shape, _shape_of(scale))
    return _rayleigh_jit(data, scale, shape, dtype)


def _geometric(key, p, shape, dtype):
    p = jnp.asarray(p)
    if not dtypes.is_inexact(p.dtype):
        p = jnp.astype(p, dtypes.canonicalize_dtype(float))
    u = uniform_data(key, shape, p.dtype)
    log_one_minus_p = jnp.broadcast_to(lax.log1p(lax.neg(p)), shape)
    g = jnp.add(lax.floor(lax.div(lax.log(u), log_one_minus_p)), 1)
    return jnp.astype(g, dtype)


_geometric_jit = jit(_geometric, static_argnums=(2, 3))


def geometric(key, p, shape=None, dtype=int):
    """Number of Bernoulli(p) trials up to and including the first success (>= 1)."""
    data = single_key("geometric", key)
    dtype = int_dtype("geometric", dtype)
    shape = optional_shape("geometric", shape, _shape_of(p))
    return _geometric_jit(data, p, shape, dtype)


def _triangular(key, left, mode, right, shape, dtype):
    left, mode, right = (jnp.broadcast_to(lax.convert_element_type(v, dtype), shape)
                         for v in (left, mode, right))
    fc = jnp.divide(jnp.subtract(mode, left), jnp.subtract(right, left))
    u = uniform_data(key, shape, dtype)
    width = jnp.subtract(right, left)
    out1 = jnp.add(left, lax.sqrt(jnp.multiply(jnp.multiply(u, width), jnp.subtract(mode, left))))
    out2 = jnp.subtract(right, lax.sqrt(jnp.multiply(jnp.multiply(jnp.subtract(1, u), width),
                                                     jnp.subtract(right, mode))))
    return lax.select(jnp.less(u, fc), out1, out2)


_triangular_jit = jit(_triangular, static_argnums=(4, 5))


def triangular(key, left, mode, right, shape=None, dtype=float):
    """Triangular(left, mode, right) samples by inverting the CDF."""
    data = single_key("triangular", key)
    dtype = float_dtype("triangular", dtype)
    shape = optional_shape("triangular", shape, _shape_of(left), _shape_of(mode),
                           _shape_of(right))
    return _triangular_jit(data, left, mode, right, shape, dtype)


def _wald(key, mean, shape, dtype):
    key1, key2 = split_keys(key)
    mean = jnp.broadcast_to(lax.convert_element_type(mean, dtype), shape)
    v = normal_data(key1, shape, dtype)
    z = uniform_data(key2, shape, dtype)
    y = jnp.multiply(v, v)
    y_sq = jnp.multiply(y, y)
    mean_sq = jnp.multiply(mean, mean)
    sqrt_term = lax.sqrt(jnp.add(jnp.multiply(jnp.multiply(4, mean), y),
                                 jnp.multiply(mean_sq, y_sq)))
    x = jnp.subtract(jnp.add(mean, jnp.divide(jnp.multiply(mean_sq, y), 2)),
                     jnp.multiply(jnp.divide(mean, 2), sqrt_term))
    return lax.select(lax.le(z, jnp.divide(mean, jnp.add(mean, x))), x, jnp.divide(mean_sq, x))


_wald_jit = jit(_wald, static_argnums=(2, 3))


def wald(key, mean, shape=None, dtype=float):
    """Wald (inverse Gaussian, scale 1) samples by Michael, Schucany and Haas's method."""
    data = single_key("wald", key)
    dtype = float_dtype("wald", dtype)
    shape = optional_shape("wald", shape, _shape_of(mean))
    return _wald_jit(data, mean, shape, dtype)


# ---------------------------------------------------------------- multivariate

def _cholesky(a):
    """Lower Cholesky factor of the symmetric positive-definite matrices `a` (..., n, n),
    by the Cholesky–Banachiewicz recurrence, one column at a time (n static)."""
    n = a.shape[-1]
    columns = []
    for j in range(n):
        a_col = a[..., :, j]                              # (..., n)
        if columns:
            previous = jnp.stack(columns, axis=-1)        # (..., n, j)
            row_j = previous[..., j:j + 1, :]             # (..., 1, j)
            a_col = jnp.subtract(a_col, jnp.sum(jnp.multiply(previous, row_j), axis=-1))
        diagonal = jnp.sqrt(a_col[..., j:j + 1])
        mask = np.arange(n) >= j
        columns.append(jnp.where(mask, jnp.divide(a_col, diagonal), 0))
    return jnp.stack(columns, axis=-1)


def _householder_qr(a):
    """Reduced QR of real matrices a (..., m, n), m >= n, by Householder reflections
    (n static); R's diagonal may have either sign."""
    m, n = a.shape[-2:]
    q = jnp.broadcast_to(jnp.eye(m, dtype=a.dtype), tuple(a.shape[:-2]) + (m, m))
    r = a
    rows = np.arange(m)
    for k in range(n):
        x = jnp.where(rows >= k, r[..., :, k], 0)                     # (..., m)
        norm = jnp.sqrt(jnp.sum(x * x, axis=-1, keepdims=True))
        alpha = jnp.where(x[..., k:k + 1] >= 0, -norm, norm)
        v = jnp.where(rows == k, x - alpha, x)
        v_norm_sq = jnp.sum(v * v, axis=-1, keepdims=True)
        scale = jnp.where(v_norm_sq > 0, 2 / jnp.where(v_norm_sq > 0, v_norm_sq, 1), 0)
        v_col = jnp.expand_dims(v, -1)                                 # (..., m, 1)
        v_row = jnp.expand_dims(v, -2)                                 # (..., 1, m)
        scale = jnp.expand_dims(scale, -1)                             # (..., 1, 1)
        # H = I - scale v v^T; R <- H R and Q <- Q H.
        r = r - scale * v_col * jnp.matmul(v_row, r)
        q = q - scale * jnp.matmul(q, v_col) * v_row
    return q[..., :, :n], r[..., :n, :]


def _linalg():
    return getattr(jnp, "linalg", None)


def _multivariate_normal(key, mean, cov, shape, dtype, method):
    if method == "cholesky":
        linalg = _linalg()
        factor = (linalg.cholesky(cov) if linalg is not None and hasattr(linalg, "cholesky")
                  else _cholesky(cov))
    elif method == "eigh":
        w, v = _linalg().eigh(cov)
        factor = jnp.multiply(v, jnp.expand_dims(jnp.sqrt(w), -2))
    else:
        u, s, _ = _linalg().svd(cov)
        factor = jnp.multiply(u, jnp.expand_dims(jnp.sqrt(s), -2))
    samples = normal_data(key, shape + tuple(mean.shape[-1:]), dtype)
    return jnp.add(mean, jnp.matmul(factor, jnp.expand_dims(samples, -1))[..., 0])


_multivariate_normal_jit = jit(_multivariate_normal, static_argnums=(3, 4, 5))


def multivariate_normal(key, mean, cov, shape=None, dtype=None, method="cholesky"):
    """Samples of N(mean, cov): mean + L z with L a factor of cov (Cholesky by default;
    'eigh' and 'svd' need numax.numpy.linalg)."""
    data = single_key("multivariate_normal", key)
    if method not in {"svd", "eigh", "cholesky"}:
        raise ValueError("method must be one of {'svd', 'eigh', 'cholesky'}")
    if method != "cholesky" and (_linalg() is None or not hasattr(_linalg(), method)):
        raise NotImplementedError(f"multivariate_normal(method={method!r}) needs "
                                  f"numax.numpy.linalg.{method}, which numax does not have yet; "
                                  "use method='cholesky'")
    if dtype is None:
        dtype = jnp.result_type(mean, cov, float) if not dtypes.is_inexact(
            jnp.result_type(mean, cov)) else jnp.result_type(mean, cov)
    dtype = float_dtype("multivariate_normal", dtype)
    mean = jnp.astype(jnp.asarray(mean), dtype)
    cov = jnp.astype(jnp.asarray(cov), dtype)
    if mean.ndim < 1:
        raise ValueError(f"multivariate_normal requires mean.ndim >= 1, got mean.ndim == "
                         f"{mean.ndim}")
    if cov.ndim < 2:
        raise ValueError(f"multivariate_normal requires cov.ndim >= 2, got cov.ndim == "
                         f"{cov.ndim}")
    n = mean.shape[-1]
    if tuple(cov.shape[-2:]) != (n, n):
        raise ValueError(f"multivariate_normal requires cov.shape == (..., n, n) for n={n}, "
                         f"but got cov.shape == {tuple(cov.shape)}.")
    shape = optional_shape("multivariate_normal", shape, tuple(mean.shape[:-1]),
                           tuple(cov.shape[:-2]))
    return _multivariate_normal_jit(data, mean, cov, shape, dtype, method)


def _orthogonal(key, n, m, shape, dtype):
    z = normal_data(key, (*shape, max(n, m), min(n, m)), dtype)
    linalg = _linalg()
    if linalg is not None and hasattr(linalg, "qr"):
        q, r = linalg.qr(z)
    else:
        q, r = _householder_qr(z)
    d = jnp.diagonal(r, axis1=-2, axis2=-1) if hasattr(jnp, "diagonal") else \
        jnp.sum(jnp.multiply(r, jnp.eye(r.shape[-1], dtype=r.dtype)), axis=-1)
    x = jnp.multiply(q, jnp.expand_dims(lax.sign(d), -2))
    if n < m:
        x = jnp.swapaxes(x, -1, -2)
    return x


_orthogonal_jit = jit(_orthogonal, static_argnums=(1, 2, 3, 4))


def orthogonal(key, n, shape=(), dtype=float, m=None):
    """Haar-random matrices with orthonormal columns (or rows), shape (*shape, n, m):
    the Q of a QR factorisation of a Gaussian matrix, with R's diagonal made positive."""
    data = single_key("orthogonal", key)
    dtype = float_dtype("orthogonal", dtype)
    n = operator.index(n)
    m = n if m is None else operator.index(m)
    return _orthogonal_jit(data, n, m, canonical_shape("orthogonal", shape), dtype)
