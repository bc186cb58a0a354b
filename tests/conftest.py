"""Test-suite settings: hypothesis draws the same examples on every run (a fixed seed per
test), so a CI run is reproducible; set NUMAX_HYPOTHESIS_EXPLORE=1 to draw new ones. The
`cuda_device` fixture gives GPU tests their device, and skips them where there is none (CI)."""

import os

import pytest
from hypothesis import settings

settings.register_profile("reproducible", derandomize=True, database=None)
settings.register_profile("explore")
settings.load_profile("explore" if os.environ.get("NUMAX_HYPOTHESIS_EXPLORE") else "reproducible")


@pytest.fixture(scope="session")
def cuda_device():
    """The first CUDA device; a test that takes it is skipped on a machine without one."""
    from numax import runtime
    try:
        return runtime.devices("cuda")[0]
    except (runtime.BackendError, IndexError):
        pytest.skip("no CUDA backend on this machine")
