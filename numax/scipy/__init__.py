"""numax.scipy: SciPy's API on numax arrays, with JAX's semantics (jax.scipy).

This package lists the submodules; each lives beside it (linalg, ...).
"""

from numax.scipy import linalg  # noqa: F401
from numax.scipy import special  # noqa: F401
from numax.scipy import stats  # noqa: F401
from numax.scipy import optimize  # noqa: F401
