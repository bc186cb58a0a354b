"""The threefry2x32 PRNG and PRNG keys: seeding, split, fold_in, random bits, key arrays.

Owns the counter-based generator (Threefry-2x32 with 20 rounds, Salmon et al. 2011,
"Parallel random numbers: as easy as 1, 2, 3"), written with uint32 `numax.lax` ops so
it stages, jits and vmaps like any other lax code (no host work), and JAX's derivation
rules on top of it with `jax_threefry_partitionable=True` semantics (the default since
JAX 0.5):

- a key is two uint32 words; `PRNGKey(seed)` is (high word, low word) of the seed;
- the bits for an array of shape S hash the counter pair (hi, lo) of each element's
  flattened row-major index with the key and xor the two output words;
- `split(key, shape)` hashes the same counters and keeps both words as the new keys;
- `fold_in(key, d)` hashes the single counter pair (0, d).

Keys come in two forms, as in JAX: raw uint32 arrays of shape (..., 2) (`PRNGKey`) and
typed key arrays (`key`), `PRNGKeyArray`, whose dtype prints as `key<fry>`. A typed key
array is a pytree node around its uint32 data, so jit and vmap carry it as that data.
Distributions live in distributions.py and rejection.py; nothing here knows them.
"""

import operator
import warnings

import numpy as np

from numax import lax
from numax.array import Array, from_host
from numax.core import dtypes
from numax.core.config import config
from numax.core.pytree import register_pytree_node
from numax.core.trace import Tracer
from numax.api import jit

UINT32 = np.dtype(np.uint32)
_MASK32 = 0xFFFFFFFF

# ---------------------------------------------------------------- threefry2x32

# Rotation distances of Threefry-2x32 (Salmon et al., table 4); rounds alternate between
# the two groups of four, and a key injection follows every four rounds.
_ROTATIONS = ((13, 15, 26, 6), (17, 29, 16, 24))
_KEY_SCHEDULE_PARITY = 0x1BD11BDA  # the Skein/Threefish key-schedule constant


def _rotate_left(value, distance):
    return lax.bitwise_or(lax.shift_left(value, distance),
                          lax.shift_right_logical(value, 32 - distance))


def threefry2x32(key0, key1, count0, count1):
    """Threefry-2x32 (20 rounds) of the counter pairs (count0, count1) under the key
    (key0, key1); all uint32, shapes broadcast as lax elementwise ops allow (scalars
    with arrays of one shape). Returns the two output words.

    On CPU the five groups of four rounds run as a loop, as JAX does there: unrolled,
    XLA fuses chains of threefry evaluations into kernels that LLVM takes seconds to
    compile. Elsewhere they are unrolled. Both give the same bits."""
    schedule = (key0, key1, lax.bitwise_xor(lax.bitwise_xor(key0, key1), _KEY_SCHEDULE_PARITY))
    x0 = lax.add(count0, schedule[0])
    x1 = lax.add(count1, schedule[1])
    if _rolled():
        return _threefry_rounds_rolled(x0, x1, schedule)
    for injection in range(1, 6):
        for distance in _ROTATIONS[(injection - 1) % 2]:
            x0 = lax.add(x0, x1)
            x1 = lax.bitwise_xor(_rotate_left(x1, distance), x0)
        x0 = lax.add(x0, schedule[injection % 3])
        x1 = lax.add(lax.add(x1, schedule[(injection + 1) % 3]), injection)
    return x0, x1


rolled_rounds = None   # None: loop on CPU, unroll elsewhere; True/False force one way


def _rolled():
    if not hasattr(lax, "while_loop"):
        return False
    if rolled_rounds is not None:
        return rolled_rounds
    from numax import runtime
    return runtime.default_backend() == "cpu"


def _threefry_rounds_rolled(x0, x1, schedule):
    """The 20 rounds as a while loop over the five key injections; the carry holds the
    key schedule rotated so that injection i adds its first two entries."""
    shape = np.broadcast_shapes(np.shape(x0), np.shape(x1))
    if np.shape(x0) != shape:
        x0 = lax.broadcast_in_dim(x0, shape, range(len(shape) - np.ndim(x0), len(shape)))
    if np.shape(x1) != shape:
        x1 = lax.broadcast_in_dim(x1, shape, range(len(shape) - np.ndim(x1), len(shape)))
    first_rotations = [np.uint32(d) for d in _ROTATIONS[0]]
    second_rotations = [np.uint32(d) for d in _ROTATIONS[1]]

    def body(state):
        injection, x0, x1, ks_a, ks_b, ks_c = state
        first_group = lax.eq(lax.rem(injection, np.uint32(2)), np.uint32(1))   # 1, 3, 5
        for first, second in zip(first_rotations, second_rotations):
            distance = lax.select(first_group, first, second)
            x0 = lax.add(x0, x1)
            x1 = lax.bitwise_xor(_rotate_left(x1, distance), x0)
        x0 = lax.add(x0, ks_b)
        x1 = lax.add(lax.add(x1, ks_c), injection)
        return lax.add(injection, np.uint32(1)), x0, x1, ks_b, ks_c, ks_a

    init = (np.uint32(1), x0, x1) + tuple(schedule)
    state = lax.while_loop(lambda state: lax.le(state[0], np.uint32(5)), body, init)
    return state[1], state[2]


# ---------------------------------------------------------------- counters

def _wide_product(a, b):
    """(hi, lo) uint32 words of the 64-bit product of uint32 array `a` and the Python int
    `b` < 2**32, computed in 16-bit halves so no 64-bit type is needed."""
    a_lo, a_hi = lax.bitwise_and(a, 0xFFFF), lax.shift_right_logical(a, 16)
    b_lo, b_hi = b & 0xFFFF, b >> 16
    low = lax.mul(a_lo, b_lo)                        # < 2**32
    middle_1 = lax.mul(a_hi, b_lo)                   # < 2**32
    middle_2 = lax.mul(a_lo, b_hi)
    high = lax.mul(a_hi, b_hi)
    middle = lax.add(middle_1, middle_2)
    middle_carry = lax.convert_element_type(lax.lt(middle, middle_1), UINT32)
    lo = lax.add(low, lax.shift_left(middle, 16))
    lo_carry = lax.convert_element_type(lax.lt(lo, low), UINT32)
    hi = lax.add(lax.add(high, lax.shift_right_logical(middle, 16)),
                 lax.add(lax.shift_left(middle_carry, 16), lo_carry))
    return hi, lo


def iota_2x32_shape(shape, *, wide=None):
    """The flattened row-major index of every element of `shape` as a 64-bit counter, in
    two uint32 words (hi, lo). `wide` forces (True) or skips (False) the general path for
    sizes of 2**32 and more; by default it is taken only when needed."""
    shape = tuple(shape)
    if not shape:
        zero = lax.full((), 0, UINT32)
        return zero, zero
    size = int(np.prod(shape, dtype=object))
    if size > 2 ** 64:
        raise NotImplementedError(f"random bits for more than 2**64 elements (shape {shape})")
    if wide is None:
        wide = size > 2 ** 32
    if not wide:
        lo = lax.iota(UINT32, size)
        return lax.full(shape, 0, UINT32), lax.reshape(lo, shape) if len(shape) > 1 else lo
    hi = lax.full(shape, 0, UINT32)
    lo = lax.full(shape, 0, UINT32)
    stride = 1
    for axis in reversed(range(len(shape))):
        index = lax.broadcasted_iota(UINT32, shape, axis)
        part_hi, part_lo = _wide_product(index, stride & _MASK32)
        if stride >> 32:
            part_hi = lax.add(part_hi, lax.mul(index, (stride >> 32) & _MASK32))
        new_lo = lax.add(lo, part_lo)
        carry = lax.convert_element_type(lax.lt(new_lo, lo), UINT32)
        hi, lo = lax.add(lax.add(hi, part_hi), carry), new_lo
        stride *= shape[axis]
    return hi, lo


# ---------------------------------------------------------------- raw-key operations

def key_words(key):
    """(key0, key1): the two uint32 words of raw key data of shape (..., 2)."""
    ndim = np.ndim(key)
    return (lax.index_in_dim(key, 0, ndim - 1, keepdims=False),
            lax.index_in_dim(key, 1, ndim - 1, keepdims=False))


def _stack_words(word0, word1):
    ndim = np.ndim(word0)
    return lax.concatenate([lax.expand_dims(word0, (ndim,)), lax.expand_dims(word1, (ndim,))],
                           ndim)


def _seed_words(seed):
    """threefry seeding of an integer scalar (traced or not): (high word, low word)."""
    dtype = seed.dtype
    if dtype.itemsize == 8:
        hi = lax.convert_element_type(lax.shift_right_logical(seed, 32), UINT32)
    else:
        hi = lax.full((), 0, UINT32)
    return _stack_words(hi, lax.convert_element_type(seed, UINT32))


def _host_seed(seed):
    """The raw key of a concrete seed, computed on the host (no device work)."""
    if isinstance(seed, (bool, np.bool_)):
        raise TypeError(f"PRNG key seed must be an integer; got {seed!r}")
    if isinstance(seed, int):
        # As JAX does: a Python int goes through int64 (so hashes > 2**31 are fine), then
        # to the default integer type, which keeps only the low 32 bits unless x64 is on.
        value = int(np.int64(seed))
        hi = (value >> 32) & _MASK32 if config.x64_enabled else 0
        return np.array([hi, value & _MASK32], UINT32)
    value = np.asarray(seed)
    if value.shape:
        raise TypeError(f"PRNG key seed must be a scalar; got array of shape {value.shape}")
    if not np.issubdtype(value.dtype, np.integer):
        raise TypeError(f"PRNG key seed must be an integer; got {seed!r} of dtype {value.dtype}")
    value = value.astype(dtypes.canonicalize_dtype(value.dtype))
    hi = int(value.astype(np.uint64)) >> 32 if value.dtype.itemsize == 8 else 0
    return np.array([hi, int(value.astype(np.uint64)) & _MASK32], UINT32)


def _raw_seed(seed):
    """uint32[2] key data of an integer seed."""
    if isinstance(seed, (Tracer, Array)):
        if seed.shape:
            raise TypeError(f"PRNG key seed must be a scalar; got array of shape {seed.shape}")
        if not dtypes.is_integer(seed.dtype):
            raise TypeError(f"PRNG key seed must be an integer; got dtype {seed.dtype}")
        return _seed_words(seed)
    return from_host(_host_seed(seed), UINT32)


def _split_data(key, shape):
    key0, key1 = key_words(key)
    count_hi, count_lo = iota_2x32_shape(shape)
    return _stack_words(*threefry2x32(key0, key1, count_hi, count_lo))


_split_jit = jit(_split_data, static_argnums=1)


def _fold_in_data(key, data):
    key0, key1 = key_words(key)
    return _stack_words(*threefry2x32(key0, key1, lax.full((), 0, UINT32), data))


_fold_in_jit = jit(_fold_in_data)

_UNSIGNED = {8: np.dtype(np.uint8), 16: np.dtype(np.uint16), 32: UINT32,
             64: np.dtype(np.uint64)}


def _combine_words(bits_hi, bits_lo, bit_width):
    """The bits of `bit_width` JAX takes from threefry's two output words: 64-bit values
    concatenate them; narrower ones xor them (and keep the low bits)."""
    dtype = _UNSIGNED[bit_width]
    if bit_width == 64:
        return lax.bitwise_or(lax.shift_left(lax.convert_element_type(bits_hi, dtype), 32),
                              lax.convert_element_type(bits_lo, dtype))
    bits = lax.bitwise_xor(bits_hi, bits_lo)
    return bits if bit_width == 32 else lax.convert_element_type(bits, dtype)


def random_bits_data(key, bit_width, shape):
    """Unsigned integers of `bit_width` bits and `shape` from one raw key (no checks)."""
    key0, key1 = key_words(key)
    count_hi, count_lo = iota_2x32_shape(shape)
    return _combine_words(*threefry2x32(key0, key1, count_hi, count_lo), bit_width)


# Many keys at once. The rejection samplers hold a key per sample as two uint32 arrays
# (key0, key1) of one shape; these give, for every one of those keys, what split and
# random_bits give for a single key, in one threefry evaluation.

def _broadcast_keys(key0, key1, extra):
    shape = tuple(np.shape(key0))
    full = shape + tuple(extra)
    dims = tuple(range(len(shape)))
    return (lax.broadcast_in_dim(key0, full, dims), lax.broadcast_in_dim(key1, full, dims),
            len(shape), full)


def split_words(key0, key1, num):
    """`num` keys split from each key (key0, key1): a list of num (key0, key1) pairs."""
    key0, key1, axis, full = _broadcast_keys(key0, key1, (num,))
    out0, out1 = threefry2x32(key0, key1, lax.full((), 0, UINT32),
                              lax.broadcasted_iota(UINT32, full, axis))
    return [(lax.index_in_dim(out0, i, axis, keepdims=False),
             lax.index_in_dim(out1, i, axis, keepdims=False)) for i in range(num)]


def random_bits_words(key0, key1, bit_width, shape):
    """Random bits of `shape` from each key (key0, key1): shape key0.shape + shape."""
    shape = tuple(shape)
    key0, key1, axis, full = _broadcast_keys(key0, key1, shape)
    count_hi, count_lo = iota_2x32_shape(shape)
    if shape:
        dims = tuple(range(axis, len(full)))
        count_hi = lax.broadcast_in_dim(count_hi, full, dims)
        count_lo = lax.broadcast_in_dim(count_lo, full, dims)
    return _combine_words(*threefry2x32(key0, key1, count_hi, count_lo), bit_width)


def split_data(key, num=2):
    """Raw keys of shape (*shape, 2) split from one raw key (no checks)."""
    return _split_data(key, _shape_of_num(num))


def _shape_of_num(num):
    if isinstance(num, (tuple, list)):
        return tuple(operator.index(n) for n in num)
    try:
        return (operator.index(num),)
    except TypeError:
        raise TypeError(f"split: num must be an int or a tuple of ints, got {num!r}") from None


# ---------------------------------------------------------------- typed keys

class PRNGImpl:
    """A PRNG implementation: its name, the shape of its key data and the short tag shown
    in the key dtype. numax has one, threefry2x32."""

    def __init__(self, name, key_shape, tag):
        self.name, self.key_shape, self.tag = name, key_shape, tag

    def __repr__(self):
        return f"PRNGSpec({self.name!r})"

    def __str__(self):
        return self.name

    def __eq__(self, other):
        if isinstance(other, str):
            return other == self.name
        return isinstance(other, PRNGImpl) and other.name == self.name

    def __hash__(self):
        return hash(self.name)


threefry_prng_impl = PRNGImpl("threefry2x32", (2,), "fry")
_IMPLS = {"threefry2x32": threefry_prng_impl, "threefry": threefry_prng_impl}


def _resolve_impl(impl):
    if impl is None:
        return threefry_prng_impl
    if isinstance(impl, PRNGImpl):
        return impl
    name = str(impl)
    if name in _IMPLS:
        return _IMPLS[name]
    raise NotImplementedError(f"PRNG implementation {name!r} is not available in numax; "
                              f"it has {sorted(set(_IMPLS))[0]!r} (threefry2x32) only")


class prng_key(dtypes.extended):  # noqa: N801  (JAX's name: jax.dtypes.prng_key)
    """Abstract scalar type of PRNG key dtypes: issubdtype(keys.dtype, prng_key)."""


class KeyDtype(dtypes.ExtendedDType):
    """The dtype of typed key arrays, `key<fry>` for threefry2x32 keys."""

    type = prng_key

    def __init__(self, impl):
        self.impl = impl
        self.name = f"key<{impl.tag}>"

    itemsize = property(lambda self: 4 * int(np.prod(self.impl.key_shape)))
    kind = "V"

    def __repr__(self):
        return self.name

    __str__ = __repr__

    def __eq__(self, other):
        if isinstance(other, str):
            return other == self.name
        return isinstance(other, KeyDtype) and other.impl == self.impl

    def __hash__(self):
        return hash(("key", self.impl.name))


class PRNGKeyArray:
    """An array of PRNG keys (what `numax.random.key` returns), dtype `key<fry>`.

    Holds the uint32 key data of shape (*shape, 2) (see `key_data`). Supports indexing,
    reshape and the other shape methods, iteration, equality, and travels through jit and
    vmap as its data (it is a pytree node).

    >>> import numax
    >>> keys = numax.random.split(numax.random.key(0), 4)
    >>> keys.shape, keys[1:].shape, str(keys.dtype)
    ((4,), (3,), 'key<fry>')
    """

    __slots__ = ("_base_array", "_impl")
    __array_priority__ = 200

    def __init__(self, impl, key_data):
        impl = _resolve_impl(impl)
        dtype = getattr(key_data, "dtype", None)
        shape = np.shape(key_data)
        if dtype != UINT32:
            raise TypeError(f"invalid PRNG key data: expected uint32 key data, got dtype {dtype}")
        if shape[len(shape) - len(impl.key_shape):] != impl.key_shape:
            raise TypeError(f"invalid PRNG key data: expected a trailing dimension of "
                            f"{impl.key_shape} for {impl.name}, got shape {shape}")
        if not isinstance(key_data, (Array, Tracer)):
            key_data = from_host(np.asarray(key_data), UINT32)
        self._base_array = key_data
        self._impl = impl

    @classmethod
    def _unchecked(cls, impl, key_data):
        keys = object.__new__(cls)
        keys._impl = impl
        keys._base_array = key_data
        return keys

    def _rewrap(self, key_data):
        return PRNGKeyArray._unchecked(self._impl, key_data)

    shape = property(lambda self: tuple(self._base_array.shape[:-len(self._impl.key_shape)]))
    ndim = property(lambda self: len(self.shape))
    size = property(lambda self: int(np.prod(self.shape, dtype=np.int64)))
    dtype = property(lambda self: KeyDtype(self._impl))
    itemsize = property(lambda self: self.dtype.itemsize)
    weak_type = False

    def __len__(self):
        if not self.shape:
            raise TypeError("len() of unsized object (a scalar key array)")
        return self.shape[0]

    def __iter__(self):
        if not self.shape:
            raise TypeError("iteration over a scalar key array")
        return (self[i] for i in range(self.shape[0]))

    def __getitem__(self, index):
        if not isinstance(index, tuple):
            index = (index,)
        return self._rewrap(self._base_array[index + (slice(None),) * len(self._impl.key_shape)])

    def _trailing(self):
        return tuple(self._impl.key_shape)

    def reshape(self, *shape, order="C"):
        if len(shape) == 1 and not isinstance(shape[0], int):
            shape = tuple(shape[0])
        if -1 in shape:
            known = int(np.prod([d for d in shape if d != -1], dtype=np.int64))
            shape = tuple(self.size // max(known, 1) if d == -1 else d for d in shape)
        return self._rewrap(self._base_array.reshape(tuple(shape) + self._trailing(), order=order))

    def ravel(self):
        return self.reshape((self.size,))

    flatten = ravel

    def squeeze(self, axis=None):
        if axis is None:
            axis = tuple(i for i, d in enumerate(self.shape) if d == 1)
        axes = (axis,) if isinstance(axis, int) else tuple(axis)
        axes = tuple(a % self.ndim for a in axes)
        return self._rewrap(lax.squeeze(self._base_array, axes))

    def transpose(self, *axes):
        if len(axes) == 1 and (axes[0] is None or isinstance(axes[0], (tuple, list))):
            axes = axes[0]
        axes = tuple(reversed(range(self.ndim))) if not axes else tuple(a % self.ndim for a in axes)
        extra = tuple(range(self.ndim, self.ndim + len(self._impl.key_shape)))
        return self._rewrap(lax.transpose(self._base_array, axes + extra))

    T = property(lambda self: self.transpose())

    def swapaxes(self, axis1, axis2):
        axes = list(range(self.ndim))
        axes[axis1], axes[axis2] = axes[axis2], axes[axis1]
        return self.transpose(axes)

    def __eq__(self, other):
        if not isinstance(other, PRNGKeyArray):
            return NotImplemented
        from numax import numpy as jnp
        same = lax.eq(*jnp.broadcast_arrays(self._base_array, other._base_array))
        return jnp.all(same, axis=tuple(range(-len(self._impl.key_shape), 0)))

    def __ne__(self, other):
        equal = self.__eq__(other)
        return equal if equal is NotImplemented else lax.bitwise_not(equal)

    def __hash__(self):
        raise TypeError("unhashable type: 'PRNGKeyArray'")

    def __array__(self, dtype=None, copy=None):
        raise TypeError("numax.random key arrays cannot be converted to NumPy arrays; use "
                        "numax.random.key_data(keys) for their uint32 data")

    def block_until_ready(self):
        if hasattr(self._base_array, "block_until_ready"):
            self._base_array.block_until_ready()
        return self

    def copy(self):
        return self

    __copy__ = copy

    def __deepcopy__(self, memo):
        return self

    def __repr__(self):
        if isinstance(self._base_array, Tracer):
            return f"Traced<key<{self._impl.tag}>[{','.join(map(str, self.shape))}]>"
        data = np.asarray(self._base_array)
        return f"Array({self.shape}, dtype={self.dtype}) overlaying:\n{data}"


register_pytree_node(PRNGKeyArray,
                     lambda keys: ((keys._base_array,), keys._impl),
                     lambda impl, children: PRNGKeyArray._unchecked(impl, children[0]))


def is_key_array(value):
    return isinstance(value, PRNGKeyArray)


def _check_raw_key_data(name, data):
    dtype = getattr(data, "dtype", None)
    if dtype is None or np.dtype(dtype) != UINT32 or np.shape(data)[-1:] != (2,):
        raise TypeError(f"{name}: unexpected PRNG key {data!r}; pass a key from "
                        "numax.random.key or numax.random.PRNGKey (uint32 data of shape (..., 2))")
    if not isinstance(data, (Array, Tracer)):
        data = from_host(np.asarray(data), UINT32)
    return data


def _legacy_key_used(name):
    """Honours jax_legacy_prng_key for a raw uint32 key given to a random function."""
    mode = config.read("jax_legacy_prng_key")
    if mode == "allow":
        return
    message = (f"{name}: a legacy uint32 key array was passed as a key. Create keys with "
               "numax.random.key(); if a raw key was intended, set "
               "numax.config.update('jax_legacy_prng_key', 'allow').")
    if mode == "error":
        raise ValueError(message)
    warnings.warn(message, UserWarning, stacklevel=4)


def unwrap_key(name, key, *, allow_batch=False):
    """(raw key data, whether `key` was typed). Raises JAX's errors for anything that is
    not one key (unless allow_batch)."""
    if isinstance(key, PRNGKeyArray):
        data, typed = key._base_array, True
    else:
        data, typed = _check_raw_key_data(name, key), False
        _legacy_key_used(name)
    if not allow_batch and np.ndim(data) != 1:
        shape = np.shape(data)[:-1]
        raise TypeError(f"{name} accepts a single key, but was given a key array of shape "
                        f"{shape} != (). Use numax.vmap for batching.")
    return data, typed


def rewrap(data, typed):
    return PRNGKeyArray._unchecked(threefry_prng_impl, data) if typed else data


# ---------------------------------------------------------------- public key API

def PRNGKey(seed, *, impl=None):  # noqa: N802  (JAX's name)
    """A raw (uint32[2]) threefry key from an integer seed: the seed's high and low words.

    >>> import numax
    >>> numax.random.PRNGKey(42).tolist()
    [0, 42]
    """
    _resolve_impl(impl)
    return _raw_seed(seed)


def key(seed, *, impl=None):
    """A typed key (a scalar key array of dtype key<fry>) from an integer seed."""
    return PRNGKeyArray._unchecked(_resolve_impl(impl), _raw_seed(seed))


def key_data(keys):
    """The uint32 data of a key array, shape (*keys.shape, 2); raw keys come back as is."""
    if isinstance(keys, PRNGKeyArray):
        return keys._base_array
    return _check_raw_key_data("key_data", keys)


def wrap_key_data(key_bits_array, *, impl=None):
    """A typed key array around uint32 key data of shape (..., 2)."""
    return PRNGKeyArray(_resolve_impl(impl), key_bits_array)


def key_dtype(impl_spec=None):
    """The dtype of typed keys of a PRNG implementation (default threefry2x32: key<fry>).

    >>> str(key_dtype("threefry2x32"))
    'key<fry>'
    """
    return KeyDtype(_resolve_impl(impl_spec))


def key_impl(keys):
    """The PRNG implementation of `keys` (threefry2x32 for every numax key)."""
    if isinstance(keys, PRNGKeyArray):
        return keys._impl
    _check_raw_key_data("key_impl", keys)
    return threefry_prng_impl


def clone(key):
    """A copy of `key`: numax keys are immutable values, so this is `key` itself."""
    return key


def split(key, num=2):
    """Splits one key into new keys: `num` of them, or an array of them of shape `num`.

    >>> import numax
    >>> numax.random.split(numax.random.PRNGKey(0)).shape
    (2, 2)
    """
    data, typed = unwrap_key("split", key)
    return rewrap(_split_jit(data, _shape_of_num(num)), typed)


def fold_in(key, data):
    """A new key from `key` and the integer `data` (folded in as a uint32)."""
    raw, typed = unwrap_key("fold_in", key)
    if isinstance(data, (Tracer, Array)):
        if data.shape:
            raise TypeError(f"fold_in: data must be a scalar, got shape {data.shape}")
        if not (dtypes.is_integer(data.dtype) or data.dtype == np.bool_):
            raise TypeError(f"fold_in: data must be an integer, got dtype {data.dtype}")
        word = lax.convert_element_type(data, UINT32)
    else:
        value = np.asarray(data)
        if value.shape or not (np.issubdtype(value.dtype, np.integer)
                               or value.dtype == np.bool_):
            raise TypeError(f"fold_in: data must be an integer scalar, got {data!r}")
        word = from_host(np.uint32(int(value) & _MASK32), UINT32)
    return rewrap(_fold_in_jit(raw, word), typed)


def _bits_impl(key, bit_width, shape):
    return random_bits_data(key, bit_width, shape)


_bits_jit = jit(_bits_impl, static_argnums=(1, 2))


def canonical_shape(name, shape):
    if isinstance(shape, (int, np.integer)):
        shape = (shape,)
    try:
        return tuple(operator.index(d) for d in shape)
    except TypeError:
        raise TypeError(f"{name}: shape must be a tuple of integers, got {shape!r}") from None


def bits(key, shape=(), dtype=None):
    """Uniformly random unsigned integers of `shape` (dtype uint32 by default; uint64 when
    x64 is on and asked for, since JAX's default `uint` is 64-bit there).

    >>> import numax
    >>> numax.random.bits(numax.random.PRNGKey(0), (2,)).dtype
    dtype('uint32')
    """
    data, _ = unwrap_key("bits", key)
    dtype = dtypes.canonicalize_dtype(np.uint64 if dtype is None else dtype)
    if not dtypes.is_unsigned(dtype):
        raise TypeError(f"dtype argument to `bits` must be an unsigned int dtype, got {dtype}")
    return _bits_jit(data, dtype.itemsize * 8, canonical_shape("bits", shape))
