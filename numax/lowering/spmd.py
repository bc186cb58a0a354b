"""Sharding annotations for XLA's SPMD partitioner on a lowered module.

Owns the GSPMD spelling of a program partitioned over several devices: the
`mhlo.sharding = "<GSPMD sharding text>"` attributes on @main's arguments and results
(jaxlib_runtime.md §7) and the `@Sharding` custom call that constrains an intermediate
value. What the sharding texts say (which device holds which piece) is
numax/sharding.py's business; here they are opaque strings. A result left without an
attribute gets whatever layout the partitioner propagates to it.
"""

import re

from numax.lowering.builder import aval_type

_MAIN_HEADER = re.compile(r"^  func\.func public @main\(.*\) -> \(.*\) \{$", re.MULTILINE)


def annotate_main(text, in_avals, out_avals, in_shardings, out_shardings, donated=()):
    """`text` (a module lowered by jaxpr_lowering.lower_module) with @main's signature
    carrying `mhlo.sharding` attributes: `in_shardings[i]` / `out_shardings[i]` are
    GSPMD sharding texts, or None for no attribute. `donated` are the argument positions
    whose buffers @main may reuse (their `jax.buffer_donor` attribute is kept)."""
    arguments = []
    for i, (aval, sharding) in enumerate(zip(in_avals, in_shardings)):
        attributes = ["jax.buffer_donor = true"] if i in donated else []
        if sharding is not None:
            attributes.append(f'mhlo.sharding = "{sharding}"')
        suffix = f" {{{', '.join(attributes)}}}" if attributes else ""
        arguments.append(f"%arg{i}: {aval_type(aval)}{suffix}")
    results = [aval_type(aval) + (f' {{mhlo.sharding = "{sharding}"}}' if sharding else "")
               for aval, sharding in zip(out_avals, out_shardings)]
    header = f"  func.func public @main({', '.join(arguments)}) -> ({', '.join(results)}) {{"
    annotated, count = _MAIN_HEADER.subn(lambda _: header, text, count=1)
    if count != 1:
        raise ValueError("annotate_main: the module has no public @main of the form "
                         "lower_module emits")
    return annotated


def sharding_custom_call(ctx, x, sharding):
    """`x` constrained to the layout of the GSPMD sharding text `sharding` (the
    partitioner moves data where the constraint requires)."""
    return ctx.op("stablehlo.custom_call", [x], attributes={
        "call_target_name": '"Sharding"', "mhlo.sharding": f'"{sharding}"'})
