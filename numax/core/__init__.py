"""Core: abstract values, dtypes, tracers and traces, the IR, pytrees, config, errors.

Knows no primitive by name; everything here is generic over the primitive registry.
The package re-exports the names libraries reach as `jax.core` (ShapedArray, Tracer,
Trace, AbstractValue), importing only the light abstract and trace modules, neither of
which reaches back into this package's other modules."""

from abc import ABC

from numax.core.abstract import AbstractToken, ShapedArray
from numax.core.trace import Trace, Tracer


class AbstractValue(ABC):  # noqa: B024  (a marker: isinstance/issubclass checks only)
    """What every abstract value is (`jax.core.AbstractValue`): ShapedArray and the token's
    aval are registered as its subclasses, so libraries' isinstance checks work."""


AbstractValue.register(ShapedArray)
AbstractValue.register(AbstractToken)

__all__ = ["AbstractValue", "ShapedArray", "Trace", "Tracer"]
