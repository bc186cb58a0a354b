"""numax.dtypes, the public module libraries use as `jax.dtypes`: every name JAX 0.10.2
exposes there, checked against NumPy, ml_dtypes and JAX's promotion table."""

import json
import pathlib

import ml_dtypes
import numpy as np
import pytest

import numax
import numax.dtypes as nd
import numax.numpy as jnp

PROMOTION = pathlib.Path(__file__).resolve().parents[2] / "shared" / "reference" / \
    "promotion_x32.json"

# dir(jax.dtypes) in JAX 0.10.2, public names only
JAX_DTYPES_NAMES = ["TypePromotionError", "bfloat16", "canonicalize_dtype", "extended", "finfo",
                    "float0", "iinfo", "issubdtype", "itemsize_bits", "prng_key", "result_type",
                    "scalar_type_of"]

NUMPY_DTYPES = [np.bool_, np.int8, np.int16, np.int32, np.int64, np.uint8, np.uint32,
                np.float16, np.float32, np.float64, np.complex64, np.complex128]
ABSTRACT = [np.generic, np.number, np.integer, np.signedinteger, np.unsignedinteger,
            np.inexact, np.floating, np.complexfloating, np.bool_]


def test_module_has_every_public_name_of_jax_dtypes():
    import importlib
    module = importlib.import_module("numax.dtypes")
    assert module is numax.dtypes
    missing = [n for n in JAX_DTYPES_NAMES if not hasattr(module, n)]
    assert not missing
    assert sorted(module.__all__) == sorted(JAX_DTYPES_NAMES)


@pytest.mark.parametrize("dtype", NUMPY_DTYPES)
@pytest.mark.parametrize("parent", ABSTRACT)
def test_issubdtype_agrees_with_numpy(dtype, parent):
    assert nd.issubdtype(dtype, parent) == np.issubdtype(dtype, parent)


def test_issubdtype_places_ml_dtypes_under_numpy_kinds():
    assert nd.issubdtype(nd.bfloat16, np.floating) and not nd.issubdtype(nd.bfloat16, np.integer)
    assert nd.issubdtype(ml_dtypes.float8_e4m3fn, np.inexact)
    assert nd.issubdtype(ml_dtypes.int4, np.signedinteger)
    assert not nd.issubdtype(nd.float0, np.floating)


def test_prng_key_dtype_is_a_subtype_of_prng_key_and_extended():
    keys = numax.random.split(numax.random.key(0), 3)
    assert nd.issubdtype(keys.dtype, nd.prng_key)
    assert jnp.issubdtype(keys.dtype, nd.prng_key)  # the jnp spelling libraries use
    assert nd.issubdtype(keys.dtype, nd.extended)
    assert nd.issubdtype(keys.dtype, keys.dtype)
    assert not nd.issubdtype(keys.dtype, np.floating)
    assert not nd.issubdtype(np.float32, nd.prng_key)
    assert not nd.issubdtype(np.float32, nd.extended)
    assert issubclass(nd.prng_key, nd.extended) and issubclass(nd.extended, np.generic)
    # a raw uint32 key is not a typed key
    assert not nd.issubdtype(numax.random.PRNGKey(0).dtype, nd.prng_key)


@pytest.mark.parametrize("dtype", NUMPY_DTYPES + [ml_dtypes.bfloat16, ml_dtypes.int4])
def test_canonicalize_dtype_narrows_64_bit_types_unless_x64(dtype):
    narrow = {np.dtype(a): np.dtype(b) for a, b in ((np.int64, np.int32), (np.uint64, np.uint32),
                                                    (np.float64, np.float32),
                                                    (np.complex128, np.complex64))}
    dtype = np.dtype(dtype)
    assert nd.canonicalize_dtype(dtype) == narrow.get(dtype, dtype)
    with numax.enable_x64():
        assert nd.canonicalize_dtype(dtype) == dtype


def test_canonicalize_dtype_takes_extended_dtypes_only_when_allowed():
    key_dtype = numax.random.key(0).dtype
    assert nd.canonicalize_dtype(key_dtype, allow_extended_dtype=True) == key_dtype
    with pytest.raises(ValueError, match="allow_extended_dtype"):
        nd.canonicalize_dtype(key_dtype)
    with pytest.raises(TypeError, match="not a valid dtype"):
        nd.canonicalize_dtype("not-a-dtype")


def _reference_promotion():
    if not PROMOTION.exists():
        pytest.skip("needs ../shared/reference/promotion_x32.json")
    return json.loads(PROMOTION.read_text())["table"]


def test_result_type_matches_jax_promotion_table():
    weak_values = {"i*": 1, "f*": 1.0, "c*": 1j}
    checked = 0
    for pair, expected in _reference_promotion().items():
        a, b = pair.split(",")
        args = [weak_values[n] if n in weak_values else np.dtype(n) for n in (a, b)]
        dtype, weak = nd.result_type(*args, return_weak_type_flag=True)
        assert (dtype.name + ("*" if weak else "")) == expected, pair
        checked += 1
    assert checked > 100


def test_type_promotion_error_for_float8_with_float32():
    assert issubclass(nd.TypePromotionError, ValueError)
    with pytest.raises(nd.TypePromotionError, match="float8_e4m3fn"):
        nd.result_type(ml_dtypes.float8_e4m3fn, np.float32)


@pytest.mark.parametrize("dtype", NUMPY_DTYPES + [ml_dtypes.bfloat16, ml_dtypes.int4])
def test_scalar_type_of_matches_python_item_type(dtype):
    x = jnp.zeros(3, dtype)
    expected = type(np.zeros((), dtype).item())  # NumPy's own Python scalar for the dtype
    assert nd.scalar_type_of(x) is expected
    assert nd.scalar_type_of(np.zeros((), dtype)) is expected


def test_scalar_type_of_python_scalars_and_bad_values():
    for value in (True, 3, 2.5, 1j):
        assert nd.scalar_type_of(value) is type(value)
    with pytest.raises(TypeError, match="no Python scalar type"):
        nd.scalar_type_of(numax.random.key(0))
    with pytest.raises(TypeError):
        nd.scalar_type_of("a string")


@pytest.mark.parametrize("dtype", NUMPY_DTYPES + [ml_dtypes.bfloat16, ml_dtypes.int4,
                                                  ml_dtypes.float8_e5m2])
def test_itemsize_bits(dtype):
    if nd.issubdtype(dtype, np.integer):
        expected = ml_dtypes.iinfo(dtype).bits
    elif nd.issubdtype(dtype, np.floating):
        expected = ml_dtypes.finfo(dtype).bits
    else:  # bool and complex: whole bytes
        expected = 8 * np.dtype(dtype).itemsize
    assert nd.itemsize_bits(dtype) == expected


def test_itemsize_bits_rejects_float0_and_key_dtypes():
    with pytest.raises(ValueError, match="not a numeric dtype"):
        nd.itemsize_bits(nd.float0)
    with pytest.raises(ValueError, match="not a numeric dtype"):
        nd.itemsize_bits(numax.random.key(0).dtype)


def test_finfo_and_iinfo_are_ml_dtypes_classes():
    assert nd.finfo(np.float32).eps == np.finfo(np.float32).eps
    assert nd.finfo(nd.bfloat16).eps == 2.0 ** -7  # 7 explicit mantissa bits
    assert nd.finfo(jnp.ones(2)).dtype == np.float32  # arrays are accepted, as in JAX
    assert nd.iinfo(np.int8).max == np.iinfo(np.int8).max
    assert nd.iinfo(ml_dtypes.int4).min == -8
    assert isinstance(nd.finfo(np.float16), np.finfo)


def test_float0_is_the_tangent_dtype_of_integer_inputs():
    grads = numax.grad(lambda x, n: x * n, argnums=(0, 1), allow_int=True)(2.0, 3)
    assert grads[1].dtype == nd.float0
    assert nd.bfloat16 == np.dtype(ml_dtypes.bfloat16)
