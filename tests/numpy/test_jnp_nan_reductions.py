"""numax.numpy nansum, nanprod, nanmax, nanmin, nanmean, nanvar, nanstd against NumPy:
random NaN patterns (all-NaN slices included), axis/keepdims/where/ddof, integer inputs,
jit == eager, vmap, and gradients of nanmean/nanvar/nansum."""

import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import numax
import numax.numpy as jnp
from numax.test_util import check_grads

NAMES = ["nansum", "nanprod", "nanmax", "nanmin", "nanmean", "nanvar", "nanstd"]
SHAPES = [(7,), (3, 4), (2, 3, 4)]


def _with_nans(shape, seed, fraction=0.3):
    r = np.random.default_rng(seed)
    x = r.uniform(-2, 2, size=shape).astype(np.float32)
    x[r.random(shape) < fraction] = np.nan
    if len(shape) > 1:
        x[(0,) * (len(shape) - 1)] = np.nan        # one slice along the last axis is all-NaN
    return x


def _reference(name, x, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        wide = np.complex128 if np.iscomplexobj(x) else np.float64
        return getattr(np, name)(x.astype(wide), **kwargs)


@settings(max_examples=10, deadline=None)
@given(name=st.sampled_from(NAMES), shape=st.sampled_from(SHAPES), seed=st.integers(0, 99),
       axis_pick=st.integers(0, 3), keepdims=st.booleans())
def test_against_numpy(name, shape, seed, axis_pick, keepdims):
    x = _with_nans(shape, seed)
    axis = [None, 0, -1, (0, len(shape) - 1) if len(shape) > 1 else (0,)][axis_pick]
    got = getattr(jnp, name)(x, axis=axis, keepdims=keepdims)
    want = _reference(name, x, axis=axis, keepdims=keepdims)
    assert got.dtype == np.float32
    assert got.shape == np.shape(want)
    np.testing.assert_allclose(np.asarray(got), want, rtol=2e-5, atol=2e-5)


@pytest.mark.parametrize("name", ["nanvar", "nanstd"])
@pytest.mark.parametrize("ddof", [1, 3])
def test_ddof_and_too_few_values_give_nan(name, ddof):
    x = _with_nans((4, 5), 3, fraction=0.5)
    got = getattr(jnp, name)(x, axis=1, ddof=ddof)
    np.testing.assert_allclose(np.asarray(got), _reference(name, x, axis=1, ddof=ddof),
                               rtol=2e-5, atol=2e-5)


@pytest.mark.parametrize("name", ["nansum", "nanprod", "nanmean", "nanvar"])
def test_where_mask(name):
    x = _with_nans((3, 5), 7)
    where = np.random.default_rng(1).random((3, 5)) < 0.6
    got = getattr(jnp, name)(x, axis=1, where=where)
    np.testing.assert_allclose(np.asarray(got), _reference(name, x, axis=1, where=where),
                               rtol=2e-5, atol=2e-5)


@pytest.mark.parametrize("name", ["nanmax", "nanmin"])
def test_extremum_with_initial_and_where(name):
    x = _with_nans((3, 5), 11)
    where = np.random.default_rng(2).random((3, 5)) < 0.5
    got = getattr(jnp, name)(x, axis=0, initial=0.5, where=where)
    np.testing.assert_allclose(np.asarray(got),
                               _reference(name, x, axis=0, initial=0.5, where=where))


@pytest.mark.parametrize("name", NAMES)
def test_integers_match_plain_reductions(name):
    x = np.random.default_rng(0).integers(-3, 4, size=(3, 4)).astype(np.int32)
    got = getattr(jnp, name)(x, axis=1)
    np.testing.assert_allclose(np.asarray(got), getattr(np, name)(x, axis=1), rtol=1e-6)


def test_complex_nanmean_and_nanvar():
    r = np.random.default_rng(4)
    x = (r.standard_normal((3, 4)) + 1j * r.standard_normal((3, 4))).astype(np.complex64)
    x[1, 2] = np.nan
    np.testing.assert_allclose(np.asarray(jnp.nanmean(x, axis=1)),
                               _reference("nanmean", x, axis=1), rtol=1e-5)
    got = jnp.nanvar(x, axis=1)
    assert got.dtype == np.float32
    np.testing.assert_allclose(np.asarray(got), _reference("nanvar", x, axis=1), rtol=1e-5)
    with pytest.raises(TypeError, match="complex"):
        jnp.nanmax(x)


@pytest.mark.parametrize("name", NAMES)
def test_jit_and_vmap_match_eager(name):
    x = _with_nans((3, 4), 5)
    fn = getattr(jnp, name)
    eager = np.asarray(fn(x, axis=1))
    np.testing.assert_allclose(np.asarray(numax.jit(lambda v: fn(v, axis=1))(x)), eager,
                               rtol=1e-6)
    np.testing.assert_allclose(np.asarray(numax.vmap(fn)(x)), eager, rtol=1e-6)


def test_gradients():
    with numax.enable_x64():
        x = np.random.default_rng(0).uniform(-2, 2, size=(3, 4))
        x[0, 1] = x[2, 3] = np.nan
        # NaN entries get zero gradient; differentiate only through the others by
        # substituting the data inside the function.
        mask = np.isnan(x)

        def with_nans(f):
            return lambda v: f(jnp.where(mask, np.nan, v), axis=1)
        clean = np.where(mask, 0.5, x)
        for f in (jnp.nansum, jnp.nanmean, jnp.nanvar, jnp.nanstd, jnp.nanmax):
            check_grads(with_nans(f), (clean,), order=1)
        grad = numax.grad(lambda v: jnp.nansum(v))(x)
        np.testing.assert_array_equal(np.asarray(grad), np.where(mask, 0.0, 1.0))
