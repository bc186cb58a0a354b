"""numax.numpy quantile, percentile, median (and their nan* forms), average, ptp, cov and
corrcoef against NumPy: every interpolation method, q as a scalar or an array, axis as
None/int/tuple, keepdims, NaN handling, weights; jit == eager, vmap, and gradients."""

import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import numax
import numax.numpy as jnp
from numax.test_util import check_grads

METHODS = ["linear", "lower", "higher", "midpoint", "nearest"]
SHAPES = [(9,), (4, 6), (3, 4, 5)]
# Binary fractions: q * (n - 1) is exact in float32, so the discrete methods pick the
# same element as NumPy's float64 arithmetic does.
EXACT_Q = [0.0, 0.125, 0.25, 0.5, 0.625, 1.0]


def _data(shape, seed, nans=False):
    r = np.random.default_rng(seed)
    x = r.standard_normal(shape).astype(np.float32)
    if nans:
        x[r.random(shape) < 0.3] = np.nan
        if len(shape) > 1:
            x[(0,) * (len(shape) - 1)] = np.nan
    return x


def _axis(pick, ndim):
    return [None, 0, -1, (0, ndim - 1) if ndim > 1 else (0,)][pick]


def _quiet(fn, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return fn(*args, **kwargs)


@settings(max_examples=12, deadline=None)
@given(method=st.sampled_from(METHODS), shape=st.sampled_from(SHAPES),
       seed=st.integers(0, 99), axis_pick=st.integers(0, 3), keepdims=st.booleans(),
       q_pick=st.integers(0, 2), nan=st.booleans())
def test_quantile_against_numpy(method, shape, seed, axis_pick, keepdims, q_pick, nan):
    x = _data(shape, seed, nans=nan)
    q = [0.625, np.array(EXACT_Q), np.array([[0.25, 0.5], [1.0, 0.125]])][q_pick]
    axis = _axis(axis_pick, len(shape))
    for name in ("quantile", "nanquantile"):
        got = getattr(jnp, name)(x, q, axis=axis, method=method, keepdims=keepdims)
        # NumPy 2.4's nanquantile misplaces the axes of a 2-d q with a tuple axis, so the
        # reference takes q flattened and restores its shape in front.
        want = _quiet(getattr(np, name), x.astype(np.float64), np.ravel(q), axis=axis,
                      method=method, keepdims=keepdims)
        want = np.reshape(want, np.shape(q) + np.shape(want)[1:])
        assert got.shape == np.shape(want), name
        assert got.dtype == np.float32
        np.testing.assert_allclose(np.asarray(got), want, rtol=1e-5, atol=1e-6, err_msg=name)


@settings(max_examples=6, deadline=None)
@given(shape=st.sampled_from(SHAPES), seed=st.integers(0, 99), axis_pick=st.integers(0, 3))
def test_linear_quantile_at_arbitrary_q(shape, seed, axis_pick):
    x = _data(shape, seed)
    q = np.random.default_rng(seed).uniform(size=4)
    axis = _axis(axis_pick, len(shape))
    np.testing.assert_allclose(np.asarray(jnp.quantile(x, q, axis=axis)),
                               np.quantile(x.astype(np.float64), q, axis=axis), rtol=1e-5,
                               atol=1e-5)
    np.testing.assert_allclose(np.asarray(jnp.percentile(x, 100 * q, axis=axis)),
                               np.percentile(x.astype(np.float64), 100 * q, axis=axis),
                               rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("nan", [False, True])
def test_median_and_nanmedian(shape, nan):
    x = _data(shape, 3, nans=nan)
    for axis in (None, 0, -1):
        for name in ("median", "nanmedian"):
            got = getattr(jnp, name)(x, axis=axis, keepdims=axis == 0)
            want = _quiet(getattr(np, name), x, axis=axis, keepdims=axis == 0)
            np.testing.assert_allclose(np.asarray(got), want, rtol=1e-6, err_msg=name)


def test_nanpercentile_and_integer_input():
    x = _data((4, 6), 5, nans=True)
    np.testing.assert_allclose(np.asarray(jnp.nanpercentile(x, [10, 50, 90], axis=1)),
                               _quiet(np.nanpercentile, x, [10, 50, 90], axis=1), rtol=1e-5)
    ints = np.random.default_rng(0).integers(-9, 9, size=(5, 4)).astype(np.int32)
    got = jnp.median(ints, axis=0)
    assert got.dtype == np.float32
    np.testing.assert_allclose(np.asarray(got), np.median(ints, axis=0))


def test_quantile_errors():
    x = np.arange(5.0, dtype=np.float32)
    with pytest.raises(ValueError, match="range"):
        jnp.quantile(x, 1.5)
    with pytest.raises(ValueError, match="percentile"):
        jnp.percentile(x, -1)
    with pytest.raises(ValueError, match="method"):
        jnp.quantile(x, 0.5, method="weibull")
    with pytest.raises(ValueError, match="empty"):
        jnp.median(np.zeros((0, 3), np.float32), axis=0)
    with pytest.raises(TypeError, match="complex"):
        jnp.median(x.astype(np.complex64))


def test_quantile_jit_vmap_and_traced_q():
    x = _data((4, 7), 1)
    eager = np.asarray(jnp.quantile(x, 0.3, axis=1))
    np.testing.assert_allclose(np.asarray(numax.jit(lambda v, q: jnp.quantile(v, q, axis=1))(
        x, 0.3)), eager, rtol=1e-6)
    np.testing.assert_allclose(np.asarray(numax.vmap(lambda v: jnp.quantile(v, 0.3))(x)),
                               eager, rtol=1e-6)
    np.testing.assert_allclose(np.asarray(numax.vmap(jnp.nanmedian)(x)),
                               np.median(x, axis=1), rtol=1e-6)


def test_quantile_gradients():
    with numax.enable_x64():
        x = np.random.default_rng(0).permutation(12).astype(np.float64).reshape(3, 4) / 7
        check_grads(lambda v: jnp.quantile(v, np.array([0.3, 0.8]), axis=1), (x,), order=1)
        check_grads(lambda v: jnp.nanmedian(v, axis=0), (x,), order=1, modes=("rev",))
        check_grads(lambda q: jnp.quantile(x, q), (0.37,), order=1)


@pytest.mark.parametrize("shape,axis,weights_shape", [
    ((5,), None, None), ((3, 4), 1, None), ((3, 4), None, (3, 4)), ((3, 4), 0, (3,)),
    ((2, 3, 4), (2, 0), (4, 2)), ((2, 3, 4), -1, (2, 3, 4))])
@pytest.mark.parametrize("keepdims", [False, True])
def test_average(shape, axis, weights_shape, keepdims):
    r = np.random.default_rng(0)
    x = r.standard_normal(shape).astype(np.float32)
    w = None if weights_shape is None else r.uniform(0.1, 1, weights_shape).astype(np.float32)
    got, got_sum = jnp.average(x, axis=axis, weights=w, returned=True, keepdims=keepdims)
    want, want_sum = np.average(x, axis=axis, weights=w, returned=True, keepdims=keepdims)
    np.testing.assert_allclose(np.asarray(got), want, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(np.asarray(got_sum), want_sum, rtol=1e-5)
    assert got.shape == np.shape(want) and got_sum.shape == np.shape(want_sum)


def test_average_errors_and_gradient():
    x = np.ones((3, 4), np.float32)
    with pytest.raises(TypeError, match="axis"):
        jnp.average(x, weights=np.ones(4))
    with pytest.raises(ValueError, match="shape of weights"):
        jnp.average(x, axis=0, weights=np.ones(4))
    with numax.enable_x64():
        r = np.random.default_rng(1)
        a, w = r.standard_normal((3, 4)), r.uniform(0.5, 1.0, 4)
        check_grads(lambda a, w: jnp.average(a, axis=1, weights=w), (a, w), order=2)


@pytest.mark.parametrize("dtype", [np.float32, np.int32])
def test_ptp(dtype):
    x = np.random.default_rng(0).integers(-9, 9, size=(3, 5)).astype(dtype)
    for axis in (None, 0, 1):
        np.testing.assert_array_equal(np.asarray(jnp.ptp(x, axis=axis, keepdims=True)),
                                      np.ptp(x, axis=axis, keepdims=True))


@pytest.mark.parametrize("kwargs", [
    {}, {"rowvar": False}, {"bias": True}, {"ddof": 2},
    {"fweights": np.array([1, 2, 1, 3, 1, 2])}, {"aweights": np.array([.5, 1, 2, 1, .3, 1])},
    {"fweights": np.array([1, 2, 1, 3, 1, 2]), "aweights": np.array([.5, 1, 2, 1, .3, 1]),
     "ddof": 1}])
def test_cov(kwargs):
    r = np.random.default_rng(0)
    m = r.standard_normal((3, 6)).astype(np.float32)
    if kwargs.get("rowvar") is False:
        m = m.T.copy()
    np.testing.assert_allclose(np.asarray(jnp.cov(m, **kwargs)), np.cov(m, **kwargs),
                               rtol=1e-4, atol=1e-5)


def test_cov_with_y_single_variable_and_complex():
    r = np.random.default_rng(2)
    x, y = r.standard_normal(6).astype(np.float32), r.standard_normal((2, 6)).astype(np.float32)
    np.testing.assert_allclose(np.asarray(jnp.cov(x, y)), np.cov(x, y), rtol=1e-5, atol=1e-6)
    single = jnp.cov(x)
    assert single.shape == ()
    np.testing.assert_allclose(np.asarray(single), np.cov(x), rtol=1e-5)
    z = (r.standard_normal((2, 5)) + 1j * r.standard_normal((2, 5))).astype(np.complex64)
    np.testing.assert_allclose(np.asarray(jnp.cov(z)), np.cov(z), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(np.asarray(jnp.corrcoef(z)), np.corrcoef(z), rtol=1e-5,
                               atol=1e-6)
    with pytest.raises(TypeError, match="fweights"):
        jnp.cov(y, fweights=np.ones(6))
    with pytest.raises(ValueError, match="observations"):
        jnp.cov(y, np.ones((1, 5)))


@pytest.mark.parametrize("rowvar", [True, False])
def test_corrcoef(rowvar):
    r = np.random.default_rng(3)
    x, y = r.standard_normal((3, 8)), r.standard_normal((2, 8))
    if not rowvar:
        x, y = x.T.copy(), y.T.copy()
    x, y = x.astype(np.float32), y.astype(np.float32)
    np.testing.assert_allclose(np.asarray(jnp.corrcoef(x, rowvar=rowvar)),
                               np.corrcoef(x, rowvar=rowvar), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(np.asarray(jnp.corrcoef(x, y, rowvar=rowvar)),
                               np.corrcoef(x, y, rowvar=rowvar), rtol=1e-5, atol=1e-6)


def test_cov_corrcoef_jit_and_gradients():
    m = np.random.default_rng(4).standard_normal((3, 6)).astype(np.float32)
    np.testing.assert_allclose(np.asarray(numax.jit(jnp.cov)(m)), np.cov(m), rtol=1e-5,
                               atol=1e-6)
    np.testing.assert_allclose(np.asarray(numax.jit(jnp.corrcoef)(m)), np.corrcoef(m),
                               rtol=1e-5, atol=1e-6)
    with numax.enable_x64():
        m = m.astype(np.float64)
        check_grads(jnp.cov, (m,), order=1)
        check_grads(jnp.corrcoef, (m,), order=1, modes=("rev",))
        check_grads(lambda a: jnp.cov(a, aweights=np.array([1., 2, 1, .5, 1, 3])), (m,),
                    order=1, modes=("rev",))
