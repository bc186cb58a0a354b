"""Runs tests/multidevice in a fresh process with 4 CPU devices: the device count is fixed
when the backend starts, and this process runs the rest of the suite on one device."""

import os
import pathlib
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parents[1]


def test_multidevice_suite_passes_on_four_cpu_devices():
    env = dict(os.environ, XLA_FLAGS="--xla_force_host_platform_device_count=4")
    env.pop("PYTEST_XDIST_WORKER", None)
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-n", "0", "-rs",
         str(ROOT / "tests" / "multidevice")],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    summary = result.stdout.strip().splitlines()[-1] if result.stdout.strip() else ""
    assert result.returncode == 0 and "passed" in summary and "skipped" not in summary, (
        f"multi-device suite failed or skipped tests:\n{result.stdout}\n{result.stderr[-5000:]}")
