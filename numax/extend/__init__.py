"""`numax.extend`: the library-author API of JAX's `jax.extend`.

Owns only the package: `core` (user-defined primitives and core names),
`linear_util` (`wrap_init`) and `source_info_util` (`register_exclusion`).
"""

from numax.extend import core, linear_util, source_info_util  # noqa: F401
