"""Structured control flow: cond/switch, while_loop/fori_loop, scan/map, associative_scan.

Each primitive (`cond`, `while`, `scan`) lives in its own module with all of its rules;
`common` holds the staging of user functions and the jaxpr transformations the rules
share. `associative_scan` is plain lax code and adds no primitive.
"""

from numax.lax.control_flow.cond import cond, cond_p, switch  # noqa: F401
from numax.lax.control_flow.loops import fori_loop, while_loop, while_p  # noqa: F401
from numax.lax.control_flow.scan import map, scan, scan_p  # noqa: F401,A004
from numax.lax.control_flow.associative_scan import associative_scan  # noqa: F401

__all__ = ["cond", "switch", "while_loop", "fori_loop", "scan", "map", "associative_scan",
           "cond_p", "while_p", "scan_p"]
