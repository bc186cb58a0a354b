"""A dict-like view of one rule slot of numax primitives, behind JAX's rule registries.

Owns `PrimitiveRuleView`: `view[p] = rule` stores the rule on the primitive itself (the
only place transformations look for rules), `view[p]` reads it back, `p in view` says
whether the primitive has one. Knows no primitive by name.
"""

from numax.core.primitive import Primitive


class PrimitiveRuleView:
    """`view[primitive]` get/set/delete through `read(primitive)` and
    `write(primitive, rule)`; a missing rule reads as a KeyError, as in a dict. It
    does not iterate: primitives defined by libraries are in no registry to walk."""

    def __init__(self, name, read, write):
        self._name = name
        self._read = read
        self._write = write

    def _check(self, primitive):
        if not isinstance(primitive, Primitive):
            raise TypeError(f"{self._name}: keys are primitives (numax.extend.core.Primitive or "
                            f"a numax.lax *_p), got {type(primitive).__name__}: {primitive!r}")

    def __getitem__(self, primitive):
        self._check(primitive)
        rule = self._read(primitive)
        if rule is None:
            raise KeyError(primitive)
        return rule

    def get(self, primitive, default=None):
        self._check(primitive)
        rule = self._read(primitive)
        return default if rule is None else rule

    def __contains__(self, primitive):
        return isinstance(primitive, Primitive) and self._read(primitive) is not None

    def __setitem__(self, primitive, rule):
        self._check(primitive)
        if not callable(rule):
            raise TypeError(f"{self._name}[{primitive.name}]: a rule must be callable, "
                            f"got {type(rule).__name__}")
        self._write(primitive, rule)

    def __delitem__(self, primitive):
        self._check(primitive)
        if self._read(primitive) is None:
            raise KeyError(primitive)
        self._write(primitive, None)

    def __repr__(self):
        return f"<{self._name}: a view onto numax primitives' rules>"
