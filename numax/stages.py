"""`numax.stages`: the types of ahead-of-time compilation's stages, as `jax.stages` names them.

Owns the public names only. `Lowered` (what `numax.jit(f).lower(*args)` returns) and
`Compiled` (what `Lowered.compile()` returns) are the classes numax/api.py defines, so
`isinstance` checks in libraries work. `Wrapped` is the protocol a jitted function
satisfies: callable, with a `lower` method. numax's jit has no separate `trace` stage,
so JAX's `Traced` has no counterpart here.
"""

from typing import Protocol, runtime_checkable

from numax.api import Compiled, Lowered


@runtime_checkable
class Wrapped(Protocol):
    """A function transformed for ahead-of-time use, as `numax.jit` returns.

    >>> import numax
    >>> isinstance(numax.jit(lambda x: x + 1), numax.stages.Wrapped)
    True
    """

    def __call__(self, *args, **kwargs):
        """Runs the wrapped function (compiling it first where needed)."""

    def lower(self, *args, **kwargs):
        """Stages and lowers the function for these arguments; returns a `Lowered`."""


__all__ = ["Compiled", "Lowered", "Wrapped"]
