"""`numax.interpreters`: JAX's registries for giving library-defined primitives rules.

Owns only the package: `ad` (JVP and transpose rules), `batching` (vmap rules),
`mlir` (lowering rules) and `partial_eval` (`trace_to_jaxpr_nounits`). Each registry
is a view onto the rule slots of numax primitives, which the interpreters in
numax.transforms read.
"""

from numax.interpreters import ad, batching, mlir, partial_eval  # noqa: F401
