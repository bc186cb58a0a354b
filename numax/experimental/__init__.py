"""`numax.experimental`: JAX's `jax.experimental` names that numax provides."""

from numax.callbacks import io_callback  # noqa: F401
# imported so that its `check` primitive is in the registry the generic rule tests walk
from numax.experimental import checkify  # noqa: F401,E402

__all__ = ["io_callback"]
