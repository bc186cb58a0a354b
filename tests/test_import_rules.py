"""The dependency rules of DESIGN.md, checked on the source tree and at run time.

numax never imports the `jax` package (library or tests); only numax/runtime/ imports
jaxlib. The static check parses every file's imports; the dynamic check runs a
representative workload in a fresh interpreter under an import hook that records any
attempt to import `jax` (several jaxlib entry points try it silently).
"""

import ast
import pathlib
import subprocess
import sys
import textwrap

ROOT = pathlib.Path(__file__).resolve().parents[1]


def _imported_modules(path):
    tree = ast.parse(path.read_text(), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, node.lineno
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.module, node.lineno
        elif isinstance(node, ast.Call) and getattr(node.func, "id", None) == "__import__" and \
                node.args and isinstance(node.args[0], ast.Constant):
            yield str(node.args[0].value), node.lineno


def _python_files(*folders):
    for folder in folders:
        yield from sorted((ROOT / folder).rglob("*.py"))


def test_no_file_imports_jax():
    offenders = [f"{p.relative_to(ROOT)}:{line} imports {name}"
                 for p in _python_files("numax", "tests", "examples")
                 for name, line in _imported_modules(p)
                 if name == "jax" or name.startswith("jax.")]
    assert not offenders, "numax must never import the jax package:\n" + "\n".join(offenders)


def test_only_runtime_imports_jaxlib():
    runtime = ROOT / "numax" / "runtime"
    offenders = [f"{p.relative_to(ROOT)}:{line} imports {name}"
                 for p in _python_files("numax", "tests", "examples")
                 if runtime not in p.parents
                 for name, line in _imported_modules(p)
                 if name == "jaxlib" or name.startswith("jaxlib.")]
    assert not offenders, "only numax/runtime/ may import jaxlib:\n" + "\n".join(offenders)


def test_workload_never_tries_to_import_jax():
    script = textwrap.dedent("""
        import sys
        attempts = []

        class Recorder:
            def find_spec(self, name, path=None, target=None):
                if name == "jax" or name.startswith("jax."):
                    attempts.append(name)
                return None

        sys.meta_path.insert(0, Recorder())
        import numpy as np
        import numax
        import numax.numpy as jnp
        from numax import lax

        x = jnp.asarray(np.arange(6, dtype=np.float32).reshape(2, 3))
        y = numax.jit(lambda a: jnp.sin(a) @ a.T + 1.0)(x)
        z = (x * 2 - 1).sum(axis=0)
        b = jnp.asarray(np.arange(4)).astype(jnp.bfloat16)
        print(np.asarray(y).sum(), np.asarray(z).sum(), np.asarray(b))
        d = numax.jit(lambda a: a + 1, donate_argnums=0)(jnp.ones(3))
        numax.make_jaxpr(lambda a: lax.cos(a))(x)
        numax.jit(lambda a: a * 2).lower(x).compile()(x).block_until_ready()
        np.from_dlpack(x)
        assert not attempts, attempts
        assert not any(m == "jax" or m.startswith("jax.") for m in sys.modules), "jax loaded"
        print("ok")
    """)
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0 and done.stdout.strip().endswith("ok"), done.stdout + done.stderr
