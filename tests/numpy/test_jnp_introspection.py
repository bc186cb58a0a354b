"""numax.numpy isdtype, can_cast, iterable, array_equiv, array_repr, array_str and the
print options, against NumPy (and against the Array API's definition of the dtype
kinds for bfloat16 and friends, which NumPy does not classify)."""

import ml_dtypes
import numpy as np
import pytest

import numax
import numax.numpy as jnp

DTYPES = [np.bool_, np.int8, np.int32, np.int64, np.uint8, np.uint32, np.float16, np.float32,
          np.float64, np.complex64, np.complex128]
KINDS = ["bool", "signed integer", "unsigned integer", "integral", "real floating",
         "complex floating", "numeric"]


@pytest.mark.parametrize("dtype", DTYPES)
def test_isdtype_matches_numpy(dtype):
    for kind in KINDS + [np.float32, (np.int8, "bool"), ("complex floating", "integral")]:
        assert jnp.isdtype(dtype, kind) == np.isdtype(np.dtype(dtype), kind), kind


def test_isdtype_extended_types_and_errors():
    assert jnp.isdtype(jnp.bfloat16, "real floating")
    assert jnp.isdtype(ml_dtypes.float8_e4m3fn, "numeric")
    assert jnp.isdtype(ml_dtypes.int4, "signed integer")
    assert not jnp.isdtype(jnp.bfloat16, "integral")
    assert jnp.isdtype(jnp.float32, jnp.float32)
    with pytest.raises(ValueError, match="unknown kind"):
        jnp.isdtype(np.float32, "floating")
    with pytest.raises(TypeError, match="kind"):
        jnp.isdtype(np.float32, 3.5)


def test_can_cast():
    for source in DTYPES:
        for target in DTYPES:
            for casting in ("safe", "same_kind", "no"):
                assert jnp.can_cast(source, target, casting) == \
                    np.can_cast(source, target, casting)
    assert jnp.can_cast(jnp.asarray([1, 2], dtype=jnp.int8), np.int16)
    assert jnp.can_cast(jnp.bfloat16, jnp.float32)
    assert not jnp.can_cast(jnp.float32, jnp.bfloat16)


def test_iterable():
    for value in ([1], (), 3, "ab", np.float32(1)):
        assert jnp.iterable(value) == np.iterable(value)
    assert jnp.iterable(jnp.arange(3))
    assert not jnp.iterable(jnp.asarray(1.0))


@pytest.mark.parametrize("a,b", [
    ([1, 2], [[1, 2], [1, 2]]), ([1, 2], [[1, 2], [1, 3]]), ([1, 2], [1, 2, 3]),
    ([[1], [2]], [[1, 1], [2, 2]]), (3, [3, 3]), ([np.nan], [np.nan])])
def test_array_equiv(a, b):
    a, b = np.asarray(a), np.asarray(b)
    got = jnp.array_equiv(a, b)
    assert got.dtype == np.bool_ and got.shape == ()
    assert bool(got) == np.array_equiv(a, b)
    if a.shape == b.shape:
        assert bool(numax.jit(jnp.array_equiv)(a, b)) == np.array_equiv(a, b)


def test_printing():
    x = np.array([1.123456, 2.0, 1e-9], np.float32)
    assert jnp.array_str(jnp.asarray(x), precision=2, suppress_small=True) == \
        np.array_str(x, precision=2, suppress_small=True)
    text = jnp.array_repr(jnp.asarray(x), precision=3)
    assert text.startswith("Array([") and text.endswith("dtype=float32)")
    assert np.array2string(x, precision=3, separator=", ") in text
    with jnp.printoptions(precision=1):
        assert jnp.get_printoptions()["precision"] == 1
        assert "1.1" in repr(jnp.asarray(x)) and "1.12" not in repr(jnp.asarray(x))
    assert jnp.get_printoptions()["precision"] == np.get_printoptions()["precision"]
    assert jnp.object_ is np.object_
