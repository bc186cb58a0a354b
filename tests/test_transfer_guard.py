"""Transfer guards (numax.transfer_guard and the jax_transfer_guard* options), with JAX
0.10.2's semantics observed on CPU: host values given to computations (jit arguments,
eager operands, Python scalars included, jnp.asarray) are implicit host-to-device
transfers; numax.device_put / device_get are explicit ones, guarded only by the
'*_explicit' levels; fetching a CPU array of a byte-sized dtype is no copy and is not
guarded, a sub-byte one (int4) is. Results are checked against NumPy. The device-to-device
direction needs several devices: tests/multidevice/test_transfer_guard_devices.py."""

import logging
import threading

import numpy as np
import pytest

import numax
import numax.numpy as jnp
from numax.array import TransferGuardError
from numax.core.config import config

DIRECTIONS = ("host_to_device", "device_to_host", "device_to_device")
IMPLICIT_GUARDS = ("disallow", "disallow_explicit")


def _host(seed=0, shape=(3,)):
    return np.random.default_rng(seed).standard_normal(shape).astype(np.float32)


@pytest.fixture
def guard_logs(caplog):
    caplog.set_level(logging.WARNING, logger="numax")
    return lambda: [r.getMessage() for r in caplog.records if "transfer:" in r.getMessage()]


# ---------------------------------------------------------------- options


def test_options_default_to_none_and_reject_unknown_levels():
    for name in ("jax_transfer_guard", *(f"jax_transfer_guard_{d}" for d in DIRECTIONS)):
        assert config.read(name) is None
        with pytest.raises(ValueError, match="disallow_explicit"):
            config.update(name, "forbid")
    with pytest.raises(ValueError, match="got 'forbid'"):
        with numax.transfer_guard("forbid"):
            pass


def test_the_all_directions_option_sets_each_direction():
    try:
        numax.config.update("jax_transfer_guard", "log")
        assert [config.read(f"jax_transfer_guard_{d}") for d in DIRECTIONS] == ["log"] * 3
        numax.config.update("jax_transfer_guard_host_to_device", "disallow")
        assert config.read("jax_transfer_guard_host_to_device") == "disallow"
        assert config.read("jax_transfer_guard_device_to_host") == "log"
    finally:
        numax.config.update("jax_transfer_guard", None)
    assert [config.read(f"jax_transfer_guard_{d}") for d in DIRECTIONS] == [None] * 3


def test_contexts_nest_and_the_innermost_setting_wins():
    x = jnp.asarray(_host())
    with numax.transfer_guard_host_to_device("allow"):
        with numax.transfer_guard("disallow"):       # sets every direction inside
            with pytest.raises(TransferGuardError):
                x + 1.0
            with numax.transfer_guard_host_to_device("allow"):
                np.testing.assert_allclose(np.asarray(x + 1.0), _host() + 1.0)
        np.testing.assert_allclose(np.asarray(x + 2.0), _host() + 2.0)
    assert config.transfer_guard("host_to_device") is None


def test_a_global_guard_applies_until_lifted():
    x = jnp.asarray(_host())
    try:
        numax.config.update("jax_transfer_guard", "disallow")
        with pytest.raises(TransferGuardError):
            jnp.sin(_host(1))
        numax.config.update("jax_transfer_guard_host_to_device", "allow")
        np.testing.assert_allclose(np.asarray(x * 3.0), _host() * 3.0)
    finally:
        numax.config.update("jax_transfer_guard", None)


def test_a_with_block_guards_only_its_own_thread():
    errors = []

    def other_thread():
        try:
            np.testing.assert_allclose(np.asarray(jnp.sin(_host(2))), np.sin(_host(2)),
                                       rtol=1e-6)
        except Exception as e:  # reported to the main thread below
            errors.append(e)

    with numax.transfer_guard("disallow"):
        thread = threading.Thread(target=other_thread)
        thread.start()
        thread.join()
    assert errors == []


# ---------------------------------------------------------------- host to device


@pytest.mark.parametrize("level", IMPLICIT_GUARDS)
def test_implicit_host_to_device_transfers_are_disallowed(level):
    x = jnp.asarray(_host())
    host = _host(1)
    jitted = numax.jit(lambda a: a * 2)
    with numax.transfer_guard(level):
        for transfer in (lambda: jitted(host), lambda: jitted(1.0), lambda: jitted(np.float32(3)),
                         lambda: jnp.sin(host), lambda: x + host, lambda: x + 1.0,
                         lambda: jnp.asarray(host), lambda: jnp.array([1.0, 2.0])):
            with pytest.raises(TransferGuardError, match="Disallowed host-to-device transfer: "
                                                         r"aval=ShapedArray\(float32"):
                transfer()


def test_the_error_is_a_runtime_error_naming_the_guard_and_the_fix():
    with numax.transfer_guard_host_to_device("disallow"):
        with pytest.raises(RuntimeError) as info:
            jnp.sin(_host())
    message = str(info.value)
    assert isinstance(info.value, numax.errors.JaxRuntimeError)
    assert "jax_transfer_guard_host_to_device='disallow'" in message
    assert "numax.device_put" in message and "float32[3]" in message


def test_arrays_already_on_the_device_pass_any_guard():
    host = _host()
    x = jnp.asarray(host)
    jitted = numax.jit(lambda a: jnp.sin(a) * a)
    with numax.transfer_guard("disallow_explicit"):
        out = jitted(x)
        eager = jnp.cos(x)
    np.testing.assert_allclose(np.asarray(out), np.sin(host) * host, rtol=1e-6)
    np.testing.assert_allclose(np.asarray(eager), np.cos(host), rtol=1e-6)


def test_a_guard_set_after_a_cached_call_still_fires():
    """The C++ dispatch replays calls whose signature it knows, host arguments included;
    the host-to-device guard is part of its key, so a guarded call reaches numax."""
    jitted = numax.jit(lambda a: a - 1)
    host = _host(3)
    for _ in range(3):                       # compiled, then replayed by the C++ dispatch
        np.testing.assert_allclose(np.asarray(jitted(host)), host - 1)
        np.testing.assert_allclose(np.asarray(jitted(2.5)), 1.5)
    assert config.dispatch_key() != _key_under("disallow")
    with numax.transfer_guard_host_to_device("disallow"):
        with pytest.raises(TransferGuardError):
            jitted(host)
        with pytest.raises(TransferGuardError):
            jitted(2.5)
    np.testing.assert_allclose(np.asarray(jitted(host)), host - 1)   # allowed again


def _key_under(level):
    with numax.transfer_guard_host_to_device(level):
        return config.dispatch_key()


def test_log_warns_on_every_implicit_transfer_and_allows_it(guard_logs):
    jitted = numax.jit(lambda a: a + 1)
    host = _host(4)
    jitted(host)
    with numax.transfer_guard("log"):
        results = [jitted(host) for _ in range(3)]   # not replayed silently by the C++
        eager = jnp.sin(host)
        placed = numax.device_put(host)              # explicit: not logged under 'log'
    messages = guard_logs()
    assert len(messages) == 4
    assert all(m.startswith("host-to-device transfer: aval=ShapedArray(float32[3])")
               for m in messages)
    for out in results:
        np.testing.assert_allclose(np.asarray(out), host + 1)
    np.testing.assert_allclose(np.asarray(eager), np.sin(host), rtol=1e-6)
    np.testing.assert_array_equal(np.asarray(placed), host)


def test_log_explicit_logs_device_put_too(guard_logs):
    host = _host(5)
    with numax.transfer_guard_host_to_device("log_explicit"):
        placed = numax.device_put(host, numax.devices()[0])
    assert len(guard_logs()) == 1
    np.testing.assert_array_equal(np.asarray(placed), host)


def test_device_put_is_explicit():
    host = _host(6)
    with numax.transfer_guard("disallow"):
        np.testing.assert_array_equal(np.asarray(numax.device_put(host)), host)
        np.testing.assert_array_equal(np.asarray(numax.device_put(2.0)), np.float32(2.0))
    with numax.transfer_guard("disallow_explicit"):
        with pytest.raises(TransferGuardError, match="explicitly"):
            numax.device_put(host)


def test_constants_of_a_jitted_function_are_not_guarded():
    constant = _host(7)
    x = jnp.asarray(_host(8))
    with numax.transfer_guard("disallow_explicit"):
        out = numax.jit(lambda a: a + constant)(x)
    np.testing.assert_allclose(np.asarray(out), _host(8) + constant)


def test_allow_lifts_an_outer_guard(guard_logs):
    host = _host(9)
    with numax.transfer_guard("log"):
        with numax.transfer_guard("allow"):
            out = jnp.exp(host)
    assert guard_logs() == []
    np.testing.assert_allclose(np.asarray(out), np.exp(host), rtol=1e-6)


# ---------------------------------------------------------------- device to host


def test_fetching_a_cpu_array_reads_it_in_place_and_is_not_guarded():
    # JAX 0.10.2 on CPU: np.asarray, float(), printing and device_get pass every guard
    # level for byte-sized dtypes (the host views the device memory; nothing is copied).
    host = _host(10)
    arrays = [jnp.asarray(host) * 1 for _ in range(4)]
    with numax.transfer_guard("disallow_explicit"):
        np.testing.assert_array_equal(np.asarray(arrays[0]), host)
        assert float(arrays[1][0]) == host[0]
        assert str(arrays[2]) == str(host)
        np.testing.assert_array_equal(numax.device_get(arrays[3]), host)


def test_fetching_a_sub_byte_array_copies_and_is_guarded(guard_logs):
    values = np.array([0, 1, -2, 3, 7, -8], np.int32)
    fresh = lambda: jnp.asarray(values).astype(jnp.int4)        # noqa: E731
    implicit, explicit, logged = fresh(), fresh(), fresh()
    with numax.transfer_guard_device_to_host("disallow"):
        with pytest.raises(TransferGuardError, match="Disallowed device-to-host transfer: "
                                                     r"shape=\(6,\), dtype=int4"):
            np.asarray(implicit)
        np.testing.assert_array_equal(numax.device_get(explicit).astype(np.int32), values)
        # the value is on the host now: reading it again transfers nothing
        np.testing.assert_array_equal(np.asarray(explicit).astype(np.int32), values)
    with numax.transfer_guard_device_to_host("disallow_explicit"):
        with pytest.raises(TransferGuardError):
            numax.device_get(fresh())
    with numax.transfer_guard_device_to_host("log"):
        assert logged.tolist() == values.tolist()
    assert len(guard_logs()) == 1 and guard_logs()[0].startswith("device-to-host transfer:")
    np.testing.assert_array_equal(np.asarray(implicit).astype(np.int32), values)


def test_an_eager_callback_returns_its_results_under_disallow():
    """A callback's results are numax's own transfer (JAX 0.10.2 allows them too)."""
    x = jnp.arange(3.0)
    with numax.transfer_guard("disallow"):
        out = numax.pure_callback(lambda a: np.sin(a), numax.ShapeDtypeStruct((3,), np.float32), x)
    np.testing.assert_allclose(out, np.sin(np.arange(3.0)), rtol=1e-6)
