"""Prints how many of JAX's public names numax has, per module, as a Markdown table.

The reference lists are ../shared/reference/api_names.json (measured with JAX 0.10.2);
`jax.X.Y` is looked up as `numax.X.Y`. A name counts as present when the numax module
has an attribute of that name. Usage: python scripts/api_coverage.py [--missing]
[--names PATH]; `--missing` also lists the names numax lacks.
"""

import argparse
import importlib
import json
import pathlib

DEFAULT_NAMES = pathlib.Path(__file__).resolve().parents[1] / ".." / "shared" / "reference" / \
    "api_names.json"


def coverage(reference):
    """[(jax module, numax module or None, names present, names missing)] per module."""
    rows = []
    for jax_module, names in reference["names"].items():
        numax_name = "numax" + jax_module[len("jax"):]
        try:
            module = importlib.import_module(numax_name)
        except ImportError:
            module = None
        present = [n for n in names if module is not None and hasattr(module, n)]
        missing = [n for n in names if module is None or not hasattr(module, n)]
        rows.append((jax_module, module and numax_name, present, missing))
    return rows


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--names", default=str(DEFAULT_NAMES))
    parser.add_argument("--missing", action="store_true", help="list the missing names")
    options = parser.parse_args()
    reference = json.loads(pathlib.Path(options.names).read_text())
    rows = coverage(reference)
    print(f"numax against JAX {reference.get('jax_version', '?')}'s public names\n")
    print("| JAX module | names | numax has | coverage |")
    print("| --- | ---: | ---: | ---: |")
    total_present = total = 0
    for jax_module, numax_name, present, missing in rows:
        count = len(present) + len(missing)
        total, total_present = total + count, total_present + len(present)
        shown = f"{len(present) / count:.0%}" if numax_name else "no module"
        print(f"| `{jax_module}` | {count} | {len(present)} | {shown} |")
    print(f"| **all** | {total} | {total_present} | {total_present / total:.0%} |")
    if options.missing:
        for jax_module, _, _, missing in rows:
            if missing:
                print(f"\n{jax_module} lacks ({len(missing)}): {', '.join(missing)}")


if __name__ == "__main__":
    main()
