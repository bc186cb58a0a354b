"""`numax.experimental`: JAX's `jax.experimental` names that numax provides."""

from numax.callbacks import io_callback  # noqa: F401

__all__ = ["io_callback"]
