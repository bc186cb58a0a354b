"""The device-to-device transfer guard over 4 CPU devices, with JAX 0.10.2's semantics:
moving an uncommitted array to the device of a computation is implicit, numax.device_put
to another device is explicit, and a device_put to the array's own device moves nothing.
Values are checked against NumPy. Runs only with 4 devices
(tests/test_multidevice_subprocess.py starts it so)."""

import logging

import numpy as np
import pytest

import numax
import numax.numpy as jnp
from numax.array import TransferGuardError

pytestmark = pytest.mark.skipif(len(numax.devices()) < 4, reason="needs 4 devices")


def _host(seed=0):
    return np.random.default_rng(seed).standard_normal(3).astype(np.float32)


@pytest.mark.parametrize("level", ["disallow", "disallow_explicit"])
def test_implicit_moves_to_a_computations_device_are_disallowed(level):
    first, second = numax.devices()[:2]
    uncommitted = jnp.asarray(_host(0))                      # on the default device
    committed = numax.device_put(jnp.asarray(_host(1)), second)
    jitted = numax.jit(lambda a, b: a * b)
    with numax.transfer_guard_device_to_device(level):
        for move in (lambda: uncommitted + committed, lambda: jitted(uncommitted, committed)):
            with pytest.raises(TransferGuardError, match="Disallowed device-to-device transfer: "
                                                         r"aval=ShapedArray\(float32\[3\]\)"):
                move()
    assert uncommitted.device == first
    np.testing.assert_allclose(np.asarray(uncommitted + committed), _host(0) + _host(1))


def test_device_put_to_another_device_is_explicit():
    second = numax.devices()[1]
    x = numax.device_put(jnp.asarray(_host(2)), numax.devices()[0])
    with numax.transfer_guard_device_to_device("disallow"):
        moved = numax.device_put(x, second)
        same = numax.device_put(x, numax.devices()[0])           # no move: always allowed
    assert moved.device == second and same is x
    np.testing.assert_array_equal(np.asarray(moved), _host(2))
    with numax.transfer_guard_device_to_device("disallow_explicit"):
        with pytest.raises(TransferGuardError, match="explicitly"):
            numax.device_put(x, second)
        assert numax.device_put(x, numax.devices()[0]) is x


def test_log_reports_each_move(caplog):
    caplog.set_level(logging.WARNING, logger="numax")
    uncommitted = jnp.asarray(_host(3))
    committed = numax.device_put(jnp.asarray(_host(4)), numax.devices()[2])
    with numax.transfer_guard("log"):
        out = uncommitted - committed
    messages = [r.getMessage() for r in caplog.records if "transfer:" in r.getMessage()]
    assert len(messages) == 1 and messages[0].startswith("device-to-device transfer:")
    np.testing.assert_allclose(np.asarray(out), _host(3) - _host(4))
