"""Helpers the linalg test files share: random inputs, one jit object per static case,
a float64 comparison, and the float64 mode every linalg test runs in (import `x64` into
a test module to make it autouse there)."""

import functools

import numpy as np
import pytest

import numax


def rand(shape, dtype=np.float64, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(shape)
    if np.dtype(dtype).kind == "c":
        x = x + 1j * rng.standard_normal(shape)
    return x.astype(dtype)


@functools.lru_cache(maxsize=None)
def _jitted(f, static):
    return numax.jit(functools.partial(f, **dict(static)))


def J(f, **static):
    """`f` jitted with static keyword arguments, one jit object per (f, static): each
    distinct case compiles once (rather than once per operation, as eager evaluation
    would)."""
    return _jitted(f, tuple(sorted(static.items())))


def close(got, want, tol=1e-10):
    np.testing.assert_allclose(np.asarray(got), want, rtol=tol, atol=tol)


@pytest.fixture(autouse=True)
def x64():
    with numax.enable_x64():
        yield
