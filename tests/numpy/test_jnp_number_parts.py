"""numax.numpy frexp, ldexp, modf, spacing, angle, nan_to_num, gcd, lcm, iscomplex,
isreal, iscomplexobj, isrealobj against NumPy, including zeros of both signs,
infinities, NaNs and (for frexp and spacing, which work on bits) subnormal numbers."""

import ml_dtypes
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import numax
import numax.numpy as jnp
from numax.test_util import check_grads

SPECIAL = np.array([0.0, -0.0, 1.0, -1.0, 0.3, -3.7, 1e30, -2.5e-30, np.inf, -np.inf,
                    np.nan, 2.0 ** -126, 65504.0, 3.4e38], dtype=np.float32)
SUBNORMAL = np.array([1e-45, 3e-39, -2.5e-40, 2.0 ** -140], dtype=np.float32)
# One shape throughout, so that each function is compiled once for all examples.
FLOATS32 = hnp.arrays(np.float32, 12, elements=st.floats(width=32, allow_subnormal=False))


def _same(got, want):
    got = np.asarray(got)
    assert got.dtype == want.dtype, (got.dtype, want.dtype)
    np.testing.assert_array_equal(got, want)
    if want.dtype.kind == "f":     # zeros carry a sign; a NaN's sign bit means nothing
        numbers = ~np.isnan(want)
        np.testing.assert_array_equal(np.signbit(got[numbers]), np.signbit(want[numbers]))


@pytest.mark.parametrize("dtype", [np.float16, np.float32])
def test_frexp_specials_and_subnormals(dtype):
    with np.errstate(over="ignore"):
        x = np.concatenate([SPECIAL, SUBNORMAL]).astype(dtype)
    mantissa, exponent = jnp.frexp(x)
    want_mantissa, want_exponent = np.frexp(x)
    _same(mantissa, want_mantissa)
    _same(exponent, want_exponent)


def test_frexp_bfloat16_reconstructs():
    x = SPECIAL.astype(ml_dtypes.bfloat16)
    x = x[np.isfinite(x.astype(np.float32))]
    mantissa, exponent = (np.asarray(v) for v in jnp.frexp(x))
    m32 = mantissa.astype(np.float32)
    np.testing.assert_array_equal(np.ldexp(m32, exponent), x.astype(np.float32))
    nonzero = x != 0
    assert np.all((np.abs(m32[nonzero]) >= 0.5) & (np.abs(m32[nonzero]) < 1))


@settings(max_examples=10, deadline=None)
@given(x=FLOATS32)
def test_frexp_and_spacing_random(x):
    mantissa, exponent = jnp.frexp(x)
    want = np.frexp(x)
    _same(mantissa, want[0])
    _same(exponent, want[1])
    with np.errstate(all="ignore"):
        _same(jnp.spacing(x), np.spacing(x))


def test_spacing_specials_and_subnormals():
    x = np.concatenate([SPECIAL, SUBNORMAL])
    with np.errstate(all="ignore"):
        _same(jnp.spacing(x), np.spacing(x))
        # NumPy's float16 spacing of a negative number is the positive gap towards zero,
        # unlike its float32/float64 spacing; compare float16 on non-negative values.
        half = np.abs(x).astype(np.float16)
        _same(jnp.spacing(half), np.spacing(half))


@settings(max_examples=10, deadline=None)
@given(x=FLOATS32, seed=st.integers(0, 99))
def test_ldexp_random(x, seed):
    e = np.random.default_rng(seed).integers(-60, 60, size=x.shape).astype(np.int32)
    with np.errstate(over="ignore", under="ignore"):
        want = np.ldexp(x, e)
    # The CPU backend flushes subnormal results to zero.
    want = np.where(np.abs(want) < np.finfo(np.float32).tiny, np.copysign(np.float32(0), want),
                    want)
    got = np.asarray(jnp.ldexp(x, e))
    np.testing.assert_array_equal(got, want)


def test_ldexp_extreme_exponents_and_errors():
    x = np.array([1e-30, 3e38, 1.5, 2.0 ** -126, 1.0, -1.0], np.float32)
    e = np.array([120, -250, 1000, 253, -1000, 1000], np.int32)
    with np.errstate(over="ignore", under="ignore"):
        _same(jnp.ldexp(x, e), np.ldexp(x, e))
    assert jnp.ldexp(np.arange(3), 2).dtype == np.float32
    with pytest.raises(TypeError, match="integer"):
        jnp.ldexp(np.ones(2, np.float32), np.ones(2, np.float32))
    with numax.enable_x64():
        check_grads(lambda v: jnp.ldexp(v, np.array([3, -2])), (np.array([0.3, -1.7]),),
                    order=2)


def test_modf():
    x = SPECIAL
    fraction, whole = jnp.modf(x)
    want_fraction, want_whole = np.modf(x)
    _same(fraction, want_fraction)
    _same(whole, want_whole)
    assert jnp.modf(np.arange(3))[0].dtype == np.float32
    with numax.enable_x64():
        check_grads(lambda v: jnp.modf(v)[0], (np.array([0.3, -1.7, 2.2]),), order=1)


def test_frexp_modf_spacing_under_jit_and_vmap():
    x = SPECIAL.reshape(2, 7)
    for fn in (jnp.frexp, jnp.modf, jnp.spacing):
        eager = fn(x)
        for transformed in (numax.jit(fn), numax.vmap(fn)):
            got = transformed(x)
            for a, b in zip(got if isinstance(got, tuple) else (got,),
                            eager if isinstance(eager, tuple) else (eager,)):
                np.testing.assert_array_equal(np.asarray(a), np.asarray(b))


@pytest.mark.parametrize("deg", [False, True])
def test_angle(deg):
    r = np.random.default_rng(0)
    z = (r.standard_normal(6) + 1j * r.standard_normal(6)).astype(np.complex64)
    np.testing.assert_allclose(np.asarray(jnp.angle(z, deg=deg)), np.angle(z, deg=deg),
                               rtol=1e-6)
    real = np.array([-2.0, 0.0, 3.0], np.float32)
    np.testing.assert_allclose(np.asarray(jnp.angle(real, deg=deg)), np.angle(real, deg=deg))
    assert jnp.angle(np.array([1, -1])).dtype == np.float32
    with numax.enable_x64():
        check_grads(jnp.angle, (z.astype(np.complex128),), order=1, modes=("rev",))


def test_nan_to_num():
    x = np.array([np.nan, np.inf, -np.inf, 1.5, -0.0], np.float32)
    _same(jnp.nan_to_num(x), np.nan_to_num(x))
    _same(jnp.nan_to_num(x, nan=7.0, posinf=1.0, neginf=-2.0),
          np.nan_to_num(x, nan=7.0, posinf=1.0, neginf=-2.0))
    z = np.array([complex(np.nan, np.inf), complex(-np.inf, 2)], np.complex64)
    np.testing.assert_array_equal(np.asarray(jnp.nan_to_num(z)), np.nan_to_num(z))
    ints = np.arange(4, dtype=np.int32)
    _same(jnp.nan_to_num(ints), ints)
    np.testing.assert_array_equal(np.asarray(numax.jit(jnp.nan_to_num)(x)), np.nan_to_num(x))


@settings(max_examples=10, deadline=None)
@given(a=hnp.arrays(np.int32, 6, elements=st.integers(-1000, 1000)),
       b=hnp.arrays(np.int32, 6, elements=st.integers(-1000, 1000)))
def test_gcd_lcm_random(a, b):
    np.testing.assert_array_equal(np.asarray(jnp.gcd(a, b)), np.gcd(a, b))
    np.testing.assert_array_equal(np.asarray(jnp.lcm(a, b)), np.lcm(a, b))


def test_gcd_lcm_broadcasting_dtypes_and_transforms():
    a = np.array([[12, -18, 0], [7, 0, 35]], np.int16)
    b = np.array([8, 0, -21], np.int8)
    for name in ("gcd", "lcm"):
        got = getattr(jnp, name)(a, b)
        want = getattr(np, name)(a, b)
        assert got.dtype == want.dtype
        np.testing.assert_array_equal(np.asarray(got), want)
        np.testing.assert_array_equal(np.asarray(numax.jit(getattr(jnp, name))(a, b)), want)
        np.testing.assert_array_equal(
            np.asarray(numax.vmap(getattr(jnp, name), in_axes=(0, None))(a, b)), want)
    np.testing.assert_array_equal(np.asarray(jnp.gcd(a, 6)), np.gcd(a, 6))
    with pytest.raises(TypeError, match="integer"):
        jnp.gcd(np.ones(2, np.float32), 2)


def test_complex_and_real_predicates():
    z = np.array([1 + 0j, 1j, -2 + 3j, 0j], np.complex64)
    x = np.array([1.0, -2.0], np.float32)
    for name in ("iscomplex", "isreal"):
        np.testing.assert_array_equal(np.asarray(getattr(jnp, name)(z)), getattr(np, name)(z))
        np.testing.assert_array_equal(np.asarray(getattr(jnp, name)(x)), getattr(np, name)(x))
    for value in (z, x, [1, 2], 3.0, 1j, jnp.asarray(z)):
        assert jnp.iscomplexobj(value) == np.iscomplexobj(np.asarray(value))
        assert jnp.isrealobj(value) == np.isrealobj(np.asarray(value))
