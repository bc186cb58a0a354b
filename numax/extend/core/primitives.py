"""`numax.extend.core.primitives`: numax's registered primitives under their `*_p` names.

Owns nothing but this view: every registered primitive that numax.lax, numax.lax.linalg,
numax.random, jit and the custom-derivative calls export as `<name>_p`, so libraries
can `from numax.extend.core.primitives import jit_p, sin_p`. JAX's `call_p` and
`closed_call_p` have no numax counterpart (numax stages calls as `jit_p`) and are
absent rather than imitated. Internal helper primitives that are not in the registry
(the solver kernels inside linalg lowerings) are not listed.
"""

from numax import custom_derivatives as _custom_derivatives
from numax import lax as _lax
from numax import random as _random
from numax.api import jit_p  # noqa: F401
from numax.core.primitive import Primitive as _Primitive, registry as _registry
from numax.lax import linalg as _linalg


def _registered_primitives(*modules):
    return {name: value for module in modules for name, value in vars(module).items()
            if name.endswith("_p") and isinstance(value, _Primitive)
            and _registry.get(value.name) is value}


globals().update(_registered_primitives(_lax, _linalg, _random, _custom_derivatives))
