"""scripts/api_coverage.py against JAX's name lists (shared/reference/api_names.json):
the coverage issue 8 asks for, and the table the README quotes."""

import json
import pathlib
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]
NAMES = ROOT.parent / "shared" / "reference" / "api_names.json"
sys.path.insert(0, str(ROOT / "scripts"))

pytestmark = pytest.mark.skipif(not NAMES.exists(), reason="needs ../shared/reference")


def _coverage():
    import api_coverage
    rows = api_coverage.coverage(json.loads(NAMES.read_text()))
    return {module: (len(present), len(present) + len(missing))
            for module, _, present, missing in rows}


@pytest.mark.parametrize("module, at_least", [
    ("jax.numpy", 0.95), ("jax.numpy.linalg", 1.0), ("jax.numpy.fft", 1.0), ("jax.nn", 1.0),
    ("jax.nn.initializers", 1.0), ("jax.random", 0.95), ("jax.scipy.linalg", 1.0),
    ("jax.scipy.special", 1.0), ("jax.scipy.stats", 1.0)])
def test_module_coverage(module, at_least):
    present, total = _coverage()[module]
    assert present / total >= at_least, f"{module}: {present} of {total} names"


def test_script_prints_a_table_with_every_module():
    out = subprocess.run([sys.executable, str(ROOT / "scripts" / "api_coverage.py"), "--missing"],
                         capture_output=True, text=True, check=True).stdout
    for module in json.loads(NAMES.read_text())["names"]:
        assert f"| `{module}` |" in out
    assert "| **all** |" in out
