"""numax.numpy frombuffer, fromstring, fromfile, fromiter, load, save and savez: each
round-trips data through NumPy's reader or writer and gives the same values as NumPy,
with numax's dtype canonicalisation (64-bit host types become 32-bit without x64)."""

import numpy as np
import pytest

import numax
import numax.numpy as jnp


def test_frombuffer_and_fromstring():
    data = np.arange(6, dtype=np.int16).tobytes()
    got = jnp.frombuffer(data, dtype=np.int16, count=4, offset=2)
    np.testing.assert_array_equal(np.asarray(got), np.frombuffer(data, np.int16, 4, 2))
    assert got.dtype == np.int16
    floats = jnp.frombuffer(np.array([1.5, 2.5]).tobytes())
    assert floats.dtype == np.float32
    np.testing.assert_array_equal(np.asarray(floats), [1.5, 2.5])
    got = jnp.fromstring("1, 2, 3.5", sep=",")
    np.testing.assert_array_equal(np.asarray(got), np.fromstring("1, 2, 3.5", sep=","))
    with pytest.raises(ValueError, match="frombuffer"):
        jnp.fromstring("abc", sep="")
    with pytest.raises(TypeError, match="traced"):
        numax.jit(jnp.frombuffer)(np.zeros(2))


def test_fromiter_and_fromfile(tmp_path):
    got = jnp.fromiter((i * i for i in range(5)), dtype=np.int32)
    np.testing.assert_array_equal(np.asarray(got), np.arange(5) ** 2)
    path = tmp_path / "values.bin"
    np.arange(5, dtype=np.float32).tofile(path)
    np.testing.assert_array_equal(np.asarray(jnp.fromfile(path, dtype=np.float32)),
                                  np.arange(5, dtype=np.float32))


def test_save_load_savez(tmp_path):
    x = jnp.asarray(np.random.default_rng(0).standard_normal((2, 3)).astype(np.float32))
    jnp.save(tmp_path / "x.npy", x)
    loaded = jnp.load(tmp_path / "x.npy")
    assert isinstance(loaded, numax.Array)
    np.testing.assert_array_equal(np.asarray(loaded), np.asarray(x))
    jnp.savez(tmp_path / "xy.npz", x, y=jnp.arange(3))
    archive = jnp.load(tmp_path / "xy.npz")
    np.testing.assert_array_equal(archive["arr_0"], np.asarray(x))
    np.testing.assert_array_equal(archive["y"], np.arange(3))
    archive.close()
    with pytest.raises(TypeError, match="traced"):
        numax.jit(lambda v: jnp.save(tmp_path / "z.npy", v))(x)
