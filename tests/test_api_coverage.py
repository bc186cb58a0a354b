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
    ("jax.numpy", 1.0), ("jax.numpy.linalg", 1.0), ("jax.numpy.fft", 1.0), ("jax.nn", 1.0),
    ("jax.nn.initializers", 1.0), ("jax.random", 1.0), ("jax.scipy.linalg", 1.0),
    ("jax.scipy.special", 1.0), ("jax.scipy.stats", 1.0), ("jax.tree_util", 1.0),
    ("jax.tree", 1.0)])
def test_module_coverage(module, at_least):
    present, total = _coverage()[module]
    assert present / total >= at_least, f"{module}: {present} of {total} names"


# jax.lax's names for communication between devices, which need pmap/shard_map.
PARALLEL_LAX_NAMES = {"all_to_all", "all_to_all_p", "axis_size", "pbroadcast", "pcast", "precv",
                      "psend", "pshuffle", "pswapaxes", "ragged_all_to_all",
                      "ragged_all_to_all_p"}


def test_every_non_parallel_lax_name_is_present():
    import api_coverage
    rows = api_coverage.coverage(json.loads(NAMES.read_text()))
    missing = next(missing for module, _, _, missing in rows if module == "jax.lax")
    assert set(missing) <= PARALLEL_LAX_NAMES, sorted(set(missing) - PARALLEL_LAX_NAMES)


def test_script_prints_a_table_with_every_module():
    out = subprocess.run([sys.executable, str(ROOT / "scripts" / "api_coverage.py"), "--missing"],
                         capture_output=True, text=True, check=True).stdout
    for module in json.loads(NAMES.read_text())["names"]:
        assert f"| `{module}` |" in out
    assert "| **all** |" in out
