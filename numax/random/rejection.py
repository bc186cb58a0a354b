"""Samplers that loop until they accept: gamma (Marsaglia–Tsang) and everything drawn
from it (loggamma, beta, dirichlet, chisquare, t, f, generalized_normal, ball), poisson
(Knuth below rate 10, Hörmann's transformed rejection above), binomial (geometric-sum
inversion below mean 10, Hörmann's BTRS above) and multinomial (a chain of binomials).

The loops are `lax.while_loop`s that run all samples in lock step, each sample's state
advancing only while it still loops, which is what vmap of JAX's one-sample loops does,
so a key gives JAX's samples. Gamma sampling is the `random_gamma` primitive (JAX's
random_gamma_p: raw key data and alpha in, samples or their logs out), declared here
with all its rules; it lowers as the lax sampler, and its JVP is JAX's implicit
reparameterisation gradient with respect to the shape parameter: d sample / d a =
-(dP/da)(a, x) / p(x; a), P the regularised lower incomplete gamma function
(lax.random_gamma_grad, whose dP/da is lax.igamma_grad_a). Its `jvp_reference`
declares that statistical JVP for the generic AD checker.
"""

import math

import numpy as np

from numax import lax
from numax import numpy as jnp
from numax.api import jit
from numax.core import dtypes
from numax.core.abstract import ShapedArray
from numax.core.errors import NumaxTypeError
from numax.core.primitive import ImplicitJvpReference, Primitive
from numax.lax._ad_rules import Zero, aval_of, is_zero
from numax.lax._matrix import lower_as
from numax.random.distributions import (_rademacher, check_shape, const, exponential_data,
                                        float_dtype, normal_data, normal_from_bits,
                                        optional_shape, single_key, split_keys, take,
                                        uniform_bit_width, uniform_data, uniform_from_bits)
from numax.random.prng import (canonical_shape, iota_2x32_shape, key_words, random_bits_words,
                               split_words, threefry2x32)
from numax.transforms.batching import batch_size, to_front

# ---------------------------------------------------------------- loops and keys


def while_loop(cond_fun, body_fun, init_val):
    loop = getattr(lax, "while_loop", None)
    if loop is None:
        raise NotImplementedError("this sampler needs numax.lax.while_loop, which this numax "
                                  "does not have yet")
    return loop(cond_fun, body_fun, init_val)


def _uniform_words(key0, key1, shape, dtype, minval=0.0, maxval=1.0):
    """uniform(key, shape, dtype) for every key (key0, key1): shape key0.shape + shape."""
    bits = random_bits_words(key0, key1, uniform_bit_width(dtype), shape)
    return uniform_from_bits(bits, dtype, minval, maxval)


def _normal_words(key0, key1, dtype):
    """normal(key, (), dtype) for every key (key0, key1)."""
    return normal_from_bits(random_bits_words(key0, key1, uniform_bit_width(dtype), ()), dtype)


# ---------------------------------------------------------------- gamma

def _tsang_rejected(x_sq, v, u, d):
    """Whether Marsaglia–Tsang rejects the proposal d v (x_sq = x**2, v = (1 + c x)**3)."""
    one = jnp.ones_like(d)
    squeeze = u >= one - 0.0331 * (x_sq * x_sq)
    full = jnp.log(u) >= x_sq * 0.5 + d * (one - v + jnp.log(v))
    return squeeze & full


def _tsang_loop(key0, key1, d, c):
    """The rejection loop with lax.while_loop, all samples in lock step (each advancing
    only while it is rejected, exactly as vmap of the one-sample loop). Returns V."""
    dtype = d.dtype

    def outer_cond(state):
        _, _, x_sq, v, u = state
        return jnp.any(_tsang_rejected(x_sq, v, u, d))

    def outer_body(state):
        key0, key1, x_sq, v, u = state
        active = _tsang_rejected(x_sq, v, u, d)
        (new0, new1), (x0, x1), (u0, u1) = split_words(key0, key1, 3)

        def inner_cond(inner):
            return jnp.any(inner[3] <= 0)

        def inner_body(inner):
            k0, k1, x, v = inner
            going = v <= 0
            (k0_new, k1_new), (s0, s1) = split_words(k0, k1, 2)
            x_new = _normal_words(s0, s1, dtype)
            v_new = 1 + x_new * c
            return (lax.select(going, k0_new, k0), lax.select(going, k1_new, k1),
                    lax.select(going, x_new, x), lax.select(going, v_new, v))

        _, _, x, v_lin = while_loop(inner_cond, inner_body,
                                    (x0, x1, jnp.zeros_like(d), jnp.full_like(d, -1)))
        proposal = (new0, new1, x * x, v_lin * v_lin * v_lin, _uniform_words(u0, u1, (), dtype))
        return tuple(lax.select(active, new, old) for new, old in zip(proposal, state))

    init = (key0, key1, jnp.zeros_like(d), jnp.ones_like(d), jnp.full_like(d, 2))
    return while_loop(outer_cond, outer_body, init)[3]


def _gamma_words(key0, key1, alpha, log_space):
    """One Gamma(alpha) sample (or its log) per key (key0, key1), elementwise over alpha:
    Marsaglia and Tsang (2000), "A simple method for generating gamma variables", with
    alpha < 1 boosted to alpha + 1 and multiplied by U**(1/alpha)."""
    dtype = alpha.dtype
    zero, one = const(dtype, 0), const(dtype, 1)
    boost_mask = alpha >= 1
    alpha_orig = alpha
    alpha = lax.select(boost_mask, alpha, alpha + one)
    d = alpha - const(dtype, 1 / 3)
    c = const(dtype, 1 / 3) / lax.sqrt(d)
    (key0, key1), (sub0, sub1) = split_words(key0, key1, 2)
    v = _tsang_loop(key0, key1, d, c)
    if log_space:
        log_u = lax.neg(_exponential_words(sub0, sub1, dtype))   # log(1 - U), never -inf
        log_boost = lax.select(boost_mask | (log_u == zero), jnp.zeros_like(alpha),
                               log_u * (one / alpha_orig))
        sample = lax.log(d) + lax.log(v) + log_boost
    else:
        u = one - _uniform_words(sub0, sub1, (), dtype)
        boost = lax.select(boost_mask, jnp.ones_like(alpha), lax.pow(u, one / alpha_orig))
        sample = d * v * boost
    return sample


def _exponential_words(key0, key1, dtype):
    u = _uniform_words(key0, key1, (), dtype)
    return lax.neg(lax.log1p(lax.neg(u)))


# ---------------------------------------------------------------- the random_gamma primitive

def _split_each(key, num):
    """The words of split(k, num) for every raw key k of `key` (..., 2): two uint32 arrays
    of shape key.shape[:-1] + (num,)."""
    key0, key1 = key_words(key)
    leading = tuple(np.shape(key0))
    full = leading + (num,)
    count_hi, count_lo = iota_2x32_shape((num,))
    key_axes, count_axis = tuple(range(len(leading))), (len(leading),)
    return threefry2x32(lax.broadcast_in_dim(key0, full, key_axes),
                        lax.broadcast_in_dim(key1, full, key_axes),
                        lax.broadcast_in_dim(count_hi, full, count_axis),
                        lax.broadcast_in_dim(count_lo, full, count_axis))


def _random_gamma_abstract(key, a, *, log_space):
    if key.dtype != np.dtype(np.uint32) or key.ndim < 1 or key.shape[-1] != 2:
        raise NumaxTypeError(f"random_gamma: the key must be raw threefry key data, a uint32 "
                             f"array of shape (..., 2) (numax.random.key_data(key)), got "
                             f"{key.dtype.name}{list(key.shape)}")
    if not dtypes.is_float(a.dtype):
        raise NumaxTypeError(f"random_gamma does not accept alpha of dtype {a.dtype.name}; it "
                             "takes floating-point arrays (convert alpha first)")
    keys_shape = key.shape[:-1]
    if a.shape[:len(keys_shape)] != keys_shape:
        raise NumaxTypeError(f"random_gamma: the keys' shape {keys_shape} must be a prefix of "
                             f"alpha's shape {a.shape} (each key samples the alphas under it)")
    return ShapedArray(a.shape, a.dtype)


def _random_gamma_sample(key, a, *, log_space):
    """The sampler as lax code: each key draws the alphas under it (a's trailing axes),
    element i with key i of split(key, their count), as JAX's gamma does for one key."""
    shape = tuple(aval_of(a).shape)
    size = math.prod(shape)
    if size == 0:
        return a
    per_key = math.prod(shape[aval_of(key).ndim - 1:])
    key0, key1 = _split_each(key, per_key)
    flat = _gamma_words(lax.reshape(key0, (size,)), lax.reshape(key1, (size,)),
                        lax.reshape(a, (size,)), log_space)
    return lax.reshape(flat, shape)


def _gamma_tangent(a, sample, log_space):
    """d sample / d a, holding the sample's quantile P(a, x) fixed."""
    if log_space:
        # d log x / d a = (dx/da) / x; x = exp(log x) may round to 0: use the tiniest float.
        x = jnp.exp(sample)
        x = jnp.where(x == 0, const(a.dtype, dtypes.finfo(a.dtype).tiny), x)
        return lax.random_gamma_grad(a, x) / x
    return lax.random_gamma_grad(a, sample)


def random_gamma_jvp(primals, tangents, *, log_space):
    """The implicit reparameterisation gradient in alpha (keys have no tangent). It is
    not the derivative of the sampler at a fixed key, see `jvp_reference` below."""
    (key, a), (_, t) = primals, tangents
    sample = random_gamma_p.bind(key, a, log_space=log_space)
    if is_zero(t):
        return sample, Zero(aval_of(sample).strip_weak_type())
    return sample, lax.mul(t, _gamma_tangent(a, sample, log_space))


def random_gamma_batch(args, dims, *, log_space):
    """Batch axes go first as a leading key axis: every batch member has its own key (an
    unbatched key is repeated, an unbatched alpha broadcast)."""
    size = batch_size(args, dims)
    key, a = (to_front(x, dim, size) for x, dim in zip(args, dims))
    return random_gamma_p.bind(key, a, log_space=log_space), 0


def _random_gamma_examples():
    rng = np.random.default_rng(0)
    keys = rng.integers(0, 2 ** 32, (3, 2), dtype=np.uint64).astype(np.uint32)
    return [((keys[0], rng.uniform(0.5, 6, (5,)).astype(np.float32)), dict(log_space=False)),
            ((keys[1:], rng.uniform(0.5, 6, (2, 3)).astype(np.float32)), dict(log_space=True)),
            ((keys[2], np.array([0.2, 0.7, 1.0, 30.0], np.float32)), dict(log_space=False)),
            ((keys[0], np.float32(0.4)), dict(log_space=True))]


random_gamma_p = Primitive(
    "random_gamma",
    abstract_eval=_random_gamma_abstract,
    lower=lower_as(_random_gamma_sample),
    jvp=random_gamma_jvp,
    batch=random_gamma_batch,
    examples=_random_gamma_examples,
    jvp_reference=ImplicitJvpReference(
        cdf="scipy.special.gammainc", parameter=1,
        sample_of_output=lambda out, *, log_space: np.exp(out) if log_space else out),
)


def gamma_data(key, a, shape, dtype, log_space=False):
    """Gamma(a) samples (or their logs) of `shape` from one raw key (JAX's `_gamma`)."""
    a = lax.convert_element_type(a, dtype)
    if tuple(np.shape(a)) != tuple(shape):
        a = jnp.broadcast_to(a, shape)
    return random_gamma_p.bind(key, a, log_space=log_space)


_gamma_jit = jit(gamma_data, static_argnums=(2, 3, 4))


def gamma(key, a, shape=None, dtype=float):
    """Gamma(a, 1) samples by Marsaglia–Tsang rejection; differentiable in `a` (implicit
    reparameterisation)."""
    data = single_key("gamma", key)
    dtype = float_dtype("gamma", dtype)
    shape = optional_shape("gamma", shape, tuple(np.shape(a)))
    return _gamma_jit(data, a, shape, dtype, False)


def loggamma(key, a, shape=None, dtype=float):
    """log of Gamma(a, 1) samples, computed in log space so small `a` does not underflow."""
    data = single_key("loggamma", key)
    dtype = float_dtype("loggamma", dtype)
    shape = optional_shape("loggamma", shape, tuple(np.shape(a)))
    return _gamma_jit(data, a, shape, dtype, True)


# ---------------------------------------------------------------- built from gamma

def _beta(key, a, b, shape, dtype):
    a = jnp.broadcast_to(lax.convert_element_type(a, dtype), shape)
    b = jnp.broadcast_to(lax.convert_element_type(b, dtype), shape)
    key_a, key_b = split_keys(key)
    log_gamma_a = gamma_data(key_a, a, shape, dtype, True)
    log_gamma_b = gamma_data(key_b, b, shape, dtype, True)
    # gamma_a / (gamma_a + gamma_b) without underflow: scale both by the larger.
    log_max = lax.max(log_gamma_a, log_gamma_b)
    gamma_a_scaled = jnp.exp(log_gamma_a - log_max)
    gamma_b_scaled = jnp.exp(log_gamma_b - log_max)
    return gamma_a_scaled / (gamma_a_scaled + gamma_b_scaled)


_beta_jit = jit(_beta, static_argnums=(3, 4))


def beta(key, a, b, shape=None, dtype=float):
    """Beta(a, b) samples as G_a / (G_a + G_b) of log-space gamma samples."""
    data = single_key("beta", key)
    dtype = float_dtype("beta", dtype)
    shape = optional_shape("beta", shape, tuple(np.shape(a)), tuple(np.shape(b)))
    return _beta_jit(data, a, b, shape, dtype)


def _dirichlet(key, alpha, shape, dtype):
    alpha = lax.convert_element_type(alpha, dtype)
    log_gamma = gamma_data(key, alpha, shape + tuple(alpha.shape[-1:]), dtype, True)
    largest = jnp.max(log_gamma, axis=-1, keepdims=True)
    unnormalized = jnp.exp(log_gamma - lax.stop_gradient(largest))
    return unnormalized / jnp.sum(unnormalized, axis=-1, keepdims=True)


_dirichlet_jit = jit(_dirichlet, static_argnums=(2, 3))


def dirichlet(key, alpha, shape=None, dtype=float):
    """Dirichlet(alpha) samples (alpha's last axis is the categories): a softmax of
    log-space gamma samples."""
    data = single_key("dirichlet", key)
    dtype = float_dtype("dirichlet", dtype)
    if np.ndim(alpha) < 1:
        raise ValueError(f"dirichlet requires alpha.ndim >= 1, got alpha.ndim == "
                         f"{np.ndim(alpha)}")
    alpha_shape = tuple(np.shape(alpha))
    shape = optional_shape("dirichlet", shape, alpha_shape[:-1])
    return _dirichlet_jit(data, alpha, shape, dtype)


def _chisquare(key, df, shape, dtype):
    df = lax.convert_element_type(df, dtype)
    log_g = gamma_data(key, lax.div(df, const(dtype, 2)), shape, dtype, True)
    return lax.mul(jnp.exp(log_g), const(dtype, 2))


_chisquare_jit = jit(_chisquare, static_argnums=(2, 3))


def chisquare(key, df, shape=None, dtype=float):
    """Chi-squared(df) samples: 2 Gamma(df / 2)."""
    data = single_key("chisquare", key)
    dtype = float_dtype("chisquare", dtype)
    shape = optional_shape("chisquare", shape, tuple(np.shape(df)))
    return _chisquare_jit(data, df, shape, dtype)


def _f(key, dfnum, dfden, shape, dtype):
    dfden = jnp.broadcast_to(lax.convert_element_type(dfden, dtype), shape)
    dfnum = jnp.broadcast_to(lax.convert_element_type(dfnum, dtype), shape)
    key_dfd, key_dfn = split_keys(key)
    chi2_dfn = _chisquare(key_dfn, dfnum, shape, dtype)
    chi2_dfd = _chisquare(key_dfd, dfden, shape, dtype)
    return lax.div(lax.div(chi2_dfn, dfnum), lax.div(chi2_dfd, dfden))


_f_jit = jit(_f, static_argnums=(3, 4))


def f(key, dfnum, dfden, shape=None, dtype=float):
    """F(dfnum, dfden) samples: a ratio of scaled chi-squared samples."""
    data = single_key("f", key)
    dtype = float_dtype("f", dtype)
    shape = optional_shape("f", shape, tuple(np.shape(dfnum)), tuple(np.shape(dfden)))
    return _f_jit(data, dfnum, dfden, shape, dtype)


def _t(key, df, shape, dtype):
    df = lax.convert_element_type(df, dtype)
    key_n, key_g = split_keys(key)
    n = normal_data(key_n, shape, dtype)
    half_df = lax.div(df, const(dtype, 2))
    g = gamma_data(key_g, half_df, shape, dtype)
    return n * jnp.sqrt(half_df / g)


_t_jit = jit(_t, static_argnums=(2, 3))


def t(key, df, shape=(), dtype=float):
    """Student's t(df) samples: N(0, 1) * sqrt((df/2) / Gamma(df/2))."""
    data = single_key("t", key)
    dtype = float_dtype("t", dtype)
    shape = optional_shape("t", shape, tuple(np.shape(df)))
    return _t_jit(data, df, shape, dtype)


def _generalized_normal(key, p, shape, dtype):
    p = lax.convert_element_type(p, dtype)
    key_g, key_r = split_keys(key)
    g = gamma_data(key_g, 1 / p, shape, dtype)
    r = _rademacher(key_r, shape, dtype)
    return r * g ** (1 / p)


_generalized_normal_jit = jit(_generalized_normal, static_argnums=(2, 3))


def generalized_normal(key, p, shape=(), dtype=float):
    """Generalized normal samples, density proportional to exp(-|x|**p): a random sign
    times Gamma(1/p) ** (1/p)."""
    data = single_key("generalized_normal", key)
    dtype = float_dtype("generalized_normal", dtype)
    shape = canonical_shape("generalized_normal", shape)
    check_shape("generalized_normal", shape, tuple(np.shape(p)))
    return _generalized_normal_jit(data, p, shape, dtype)


def _ball(key, d, p, shape, dtype):
    key_g, key_e = split_keys(key)
    g = _generalized_normal(key_g, p, (*shape, d), dtype)
    e = exponential_data(key_e, shape, dtype)
    return g / jnp.expand_dims((jnp.sum(jnp.abs(g) ** p, axis=-1) + e) ** (1 / p), -1)


_ball_jit = jit(_ball, static_argnums=(1, 3, 4))


def ball(key, d, p=2, shape=(), dtype=float):
    """Points uniform in the d-dimensional unit p-norm ball (Barthe, Guédon, Mendelson
    and Naor: generalized normals divided by (sum |g|**p + E) ** (1/p))."""
    data = single_key("ball", key)
    dtype = float_dtype("ball", dtype)
    d = int(d)
    if d < 1:
        raise ValueError(f"ball: the dimension d must be a positive integer, got {d}")
    return _ball_jit(data, d, p, canonical_shape("ball", shape), dtype)


# ---------------------------------------------------------------- poisson

def _poisson_knuth(key, lam, shape, dtype):
    """Knuth: count uniforms until their product falls below exp(-lam) (all samples in
    lock step, each with its own count)."""
    def body(carry):
        i, k, rng, log_prod = carry
        rng, subkey = split_keys(rng)
        k = lax.select(log_prod > -lam, k + 1, k)
        u = uniform_data(subkey, shape, np.dtype(np.float32))
        return i + 1, k, rng, log_prod + jnp.log(u)

    init = (jnp.asarray(0), jnp.zeros(shape, dtype), key, jnp.zeros(shape, np.float32))
    k = while_loop(lambda carry: jnp.any(carry[3] > -lam), body, init)[1]
    return (k - 1).astype(dtype)


def _poisson_rejection(key, lam, shape, dtype):
    """Hörmann (1993), "The transformed rejection method for generating Poisson random
    variables" (PTRS), for rates >= 10."""
    log_lam = lax.log(lam)
    b = 0.931 + 2.53 * lax.sqrt(lam)
    a = -0.059 + 0.02483 * b
    inv_alpha = 1.1239 + 1.1328 / (b - 3.4)
    v_r = 0.9277 - 3.6224 / (b - 2)

    def propose(u, v):
        u = u - 0.5
        u_shifted = 0.5 - jnp.abs(u)
        k = lax.floor((2 * a / u_shifted + b) * u + lam + 0.43)
        s = lax.log(v * inv_alpha / (a / (u_shifted * u_shifted) + b))
        t = -lam + k * log_lam - lax.lgamma(k + 1)
        accept1 = (u_shifted >= 0.07) & (v <= v_r)
        reject = (k < 0) | ((u_shifted < 0.013) & (v > u_shifted))
        return k, accept1 | (~reject & (s <= t))

    def body(carry):
        i, k_out, accepted, key = carry
        key, subkey_0, subkey_1 = split_keys(key, 3)
        k, accept = propose(uniform_data(subkey_0, shape, lam.dtype),
                            uniform_data(subkey_1, shape, lam.dtype))
        # Every round overwrites the samples that accept in it, even ones accepted before.
        return i + 1, lax.select(accept, k, k_out), accepted | accept, key

    init = (jnp.asarray(0), jnp.full(shape, -1, lam.dtype), jnp.zeros(shape, np.bool_), key)
    return while_loop(lambda carry: jnp.any(~carry[2]), body, init)[1].astype(dtype)


def _poisson(key, lam, shape, dtype):
    lam = lax.convert_element_type(jnp.broadcast_to(lam, shape), np.float32)
    use_knuth = jnp.isnan(lam) | (lam < 10)
    lam_knuth = lax.select(use_knuth, lam, jnp.zeros_like(lam))
    # Park the Knuth lanes of the rejection sampler at a large rate, where it accepts at
    # once, and the rejection lanes of Knuth's at 0, where it stops at once.
    lam_rejection = lax.select(use_knuth, jnp.full_like(lam, 1e5), lam)
    result = lax.select(use_knuth, _poisson_knuth(key, lam_knuth, shape, dtype),
                        _poisson_rejection(key, lam_rejection, shape, dtype))
    return lax.select(lam == 0, jnp.zeros_like(result), result)


_poisson_jit = jit(_poisson, static_argnums=(2, 3))


def poisson(key, lam, shape=None, dtype=int):
    """Poisson(lam) samples (Knuth's method below lam = 10, transformed rejection above)."""
    data = single_key("poisson", key)
    dtype = dtypes.canonicalize_dtype(dtype)
    if not dtypes.is_integer(dtype):
        raise ValueError(f"dtype argument to `poisson` must be an int dtype, got {dtype}")
    shape = tuple(np.shape(lam)) if shape is None else canonical_shape("poisson", shape)
    return _poisson_jit(data, lam, shape, dtype)


# ---------------------------------------------------------------- binomial, multinomial

def _stirling_tail(k):
    """log(k!) - [log(sqrt(2 pi)) + (k + 1/2) log(k + 1) - (k + 1)]: a table for k <= 9,
    the asymptotic series beyond."""
    table = np.array([math.lgamma(i + 1) - (0.5 * math.log(2 * math.pi) + (i + 0.5) *
                      math.log(i + 1) - (i + 1)) for i in range(10)], k.dtype)
    kp1 = jnp.maximum(k, 9) + 1
    kp1sq = kp1 * kp1
    approx = (1.0 / 12 - (1.0 / 360 - 1.0 / 1260 / kp1sq) / kp1sq) / kp1
    small = take(jnp.asarray(table), jnp.astype(jnp.clip(k, 0, 9), np.int32), 0)
    return jnp.where(k <= 9, small, approx)


def _binomial_inversion(key, count, prob, shape, dtype):
    """Sum geometric waiting times until they pass `count`: how many fit is
    Binomial(count, prob)."""
    log1minusprob = jnp.log1p(-prob)

    def geometric(u):
        return jnp.ceil(jnp.log(u) / log1minusprob)

    def body(carry):
        i, num_geom, geom_sum, key = carry
        subkey, key = split_keys(key)
        num_geom = lax.select(geom_sum <= count, num_geom + 1, num_geom)
        geom = geometric(uniform_data(subkey, shape, prob.dtype))
        return i + 1, num_geom, geom_sum + geom, key

    zeros = jnp.zeros(shape, prob.dtype)
    init = (jnp.asarray(0), zeros, zeros, key)
    k = while_loop(lambda carry: jnp.any(carry[2] <= count), body, init)[1]
    return (k - 1).astype(dtype)


def _btrs(key, count, prob, shape, dtype):
    """Hörmann (1993), "The generation of binomial random variates" (BTRS); each sample
    keeps the first proposal it accepts."""
    stddev = jnp.sqrt(count * prob * (1 - prob))
    b = 1.15 + 2.53 * stddev
    a = -0.0873 + 0.0248 * b + 0.01 * prob
    c = count * prob + 0.5
    v_r = 0.92 - 4.2 / b
    r = prob / (1 - prob)
    alpha = (2.83 + 5.1 / b) * stddev
    m = jnp.floor((count + 1) * prob)

    def propose(u, v):
        u = u - 0.5
        us = 0.5 - jnp.abs(u)
        accept1 = (us >= 0.07) & (v <= v_r)
        k = jnp.floor((2 * a / us + b) * u + c)
        reject = (k < 0) | (k > count)
        k_safe = jnp.clip(k, 0, count)
        log_v = jnp.log(v * alpha / (a / (us * us) + b))
        upper_bound = ((m + 0.5) * jnp.log((m + 1) / (r * (count - m + 1)))
                       + (count + 1) * jnp.log((count - m + 1) / (count - k_safe + 1))
                       + (k_safe + 0.5) * jnp.log(r * (count - k_safe + 1) / (k_safe + 1))
                       + _stirling_tail(m) + _stirling_tail(count - m)
                       - _stirling_tail(k_safe) - _stirling_tail(count - k_safe))
        return k, accept1 | (~reject & (log_v <= upper_bound))

    def body(carry):
        i, k_out, accepted, key = carry
        key, subkey_0, subkey_1 = split_keys(key, 3)
        k, accept = propose(uniform_data(subkey_0, shape, prob.dtype),
                            uniform_data(subkey_1, shape, prob.dtype))
        return i + 1, lax.select(accept & ~accepted, k, k_out), accepted | accept, key

    init = (jnp.asarray(0), jnp.full(shape, -1, prob.dtype), jnp.zeros(shape, np.bool_), key)
    return while_loop(lambda carry: jnp.any(~carry[2]), body, init)[1].astype(dtype)


def _binomial(key, count, prob, shape, dtype):
    prob = jnp.broadcast_to(lax.convert_element_type(prob, dtype), shape)
    count = jnp.broadcast_to(lax.convert_element_type(count, dtype), shape)
    p_lt_half = prob < 0.5
    q = lax.select(p_lt_half, prob, 1.0 - prob)
    count_nan_or_neg = jnp.isnan(count) | (count < 0.0)
    count_inf = jnp.isinf(count)
    q_is_nan = jnp.isnan(q)
    q_l_0 = q < 0.0
    q = lax.select(q_is_nan | q_l_0, jnp.full_like(q, 0.01), q)
    use_inversion = count_nan_or_neg | (count * q <= 10.0)
    count = jnp.floor(count)     # like NumPy, a fractional count rounds down
    count_inv = lax.select(use_inversion, count, jnp.zeros_like(count))
    count_btrs = lax.select(use_inversion, jnp.full_like(count, 1e4), count)
    q_btrs = lax.select(use_inversion, jnp.full_like(q, 0.5), q)
    samples = lax.select(use_inversion,
                         _binomial_inversion(key, count_inv, q, shape, dtype),
                         _btrs(key, count_btrs, q_btrs, shape, dtype))
    invalid = q_l_0 | q_is_nan | count_nan_or_neg
    samples = lax.select(invalid, jnp.full_like(samples, np.nan), samples)
    samples = lax.select(count_inf & ~invalid, jnp.full_like(samples, np.inf), samples)
    # Samples were drawn for min(p, 1 - p); flip back for p >= 1/2.
    return lax.select(p_lt_half | count_nan_or_neg | q_is_nan | count_inf, samples,
                      count.astype(dtype) - samples)


_binomial_jit = jit(_binomial, static_argnums=(3, 4))


def binomial(key, n, p, shape=None, dtype=float):
    """Binomial(n, p) samples as floats (inversion by geometric sums when n min(p, 1-p)
    <= 10, Hörmann's BTRS otherwise). NaN for invalid n or p; inf for infinite n."""
    data = single_key("binomial", key)
    dtype = float_dtype("binomial", dtype)
    shape = optional_shape("binomial", shape, tuple(np.shape(n)), tuple(np.shape(p)))
    return _binomial_jit(data, n, p, shape, dtype)


def _multinomial(key, n, p, shape, dtype):
    n = jnp.broadcast_to(n, shape[:-1])
    p = jnp.moveaxis(jnp.broadcast_to(p, shape), -1, 0)
    remaining = lax.cumsum(p, 0, reverse=True)
    ratios = p / jnp.where(remaining == 0, 1, remaining)
    categories = shape[-1]
    keys = split_keys(key, categories)
    remainder, counts = n, []
    for i in range(categories):
        ratio = jnp.clip(ratios[i], 0, 1)
        count = _binomial(keys[i], remainder, ratio, tuple(shape[:-1]), remainder.dtype)
        counts.append(count)
        remainder = remainder - count
    return jnp.astype(jnp.stack(counts, axis=-1), dtype)


_multinomial_jit = jit(_multinomial, static_argnums=(3, 4))


def multinomial(key, n, p, *, shape=None, dtype=float, unroll=1):
    """Multinomial(n, p) counts over p's last axis: a binomial per category of what the
    earlier categories left."""
    data = single_key("multinomial", key)
    n, p = jnp.asarray(n), jnp.asarray(p)
    common = jnp.result_type(n, p)
    if not dtypes.is_inexact(common):
        common = dtypes.canonicalize_dtype(float)
    n, p = jnp.astype(n, common), jnp.astype(p, common)
    shape = tuple(p.shape) if shape is None else canonical_shape("multinomial", shape)
    if not shape:
        raise ValueError("multinomial: p must have at least one axis (the categories)")
    return _multinomial_jit(data, n, p, shape, dtypes.canonicalize_dtype(dtype))
