"""`numax.extend.core`: JAX's API for libraries that define primitives of their own.

Owns the user-facing `Primitive` (created empty with `Primitive(name)` and given rules
afterwards with `def_impl`/`def_abstract_eval`, as Equinox, Distrax and NumPyro do) and
the small set of core names such libraries import from here: the IR classes, aval
helpers for batching rules, `valid_jaxtype`, `Effect` and `get_opaque_trace_state`.
A `Primitive` made here *is* a numax primitive (a subclass), so eager execution, jit,
grad and vmap treat it like any lax primitive; its JVP, transpose, batching and
lowering rules are attached through `numax.interpreters.{ad,batching,mlir}`.
"""

import numpy as np

from numax.core import dtypes
from numax.core import primitive as _primitive
from numax.core import trace as _trace
from numax.core.abstract import AbstractToken, ShapedArray, TypedScalar
from numax.core.ir import ClosedJaxpr, Jaxpr, Literal  # noqa: F401  (re-exported)
from numax.dispatch import to_array
from numax.numpy._promote import canonicalize_axis


class Primitive(_primitive.Primitive):
    """A primitive defined by a library: `Primitive(name)`, then rules added with the
    `def_*` methods below and the registries of `numax.interpreters`.

    It is not entered in numax's registry of lax primitives (names need not be unique
    and the generic rule checkers, which need example inputs, do not walk it).

    >>> import numpy as np
    >>> double_p = Primitive("double")
    >>> _ = double_p.def_impl(lambda x: 2 * x)
    >>> _ = double_p.def_abstract_eval(lambda aval: aval)
    >>> double_p.bind(np.float32(3.0))
    np.float32(6.0)
    """

    def __init__(self, name):
        super().__init__(name, abstract_eval=self._missing_abstract_eval, register=False)
        self.impl = self._evaluate_without_impl

    def def_impl(self, impl):
        """Sets the eager implementation `impl(*args, **params)`; returns `impl`."""
        def run_impl(*args, **params):
            # numax passes some scalars as internal TypedScalars (literals of a staged
            # program, e.g. while transposing); the impl sees arrays, as in JAX.
            return impl(*[to_array(x) if type(x) is TypedScalar else x for x in args],
                        **params)
        self.impl = run_impl
        return impl

    def def_abstract_eval(self, abstract_eval):
        """Sets the shape rule `abstract_eval(*avals, **params)`, which returns a
        ShapedArray (a list of them if `multiple_results`); returns `abstract_eval`."""
        def checked_abstract_eval(*avals, **params):
            return self._check_avals(abstract_eval(*avals, **params), abstract_eval)
        self.abstract_eval = checked_abstract_eval
        return abstract_eval

    def def_effectful_abstract_eval(self, effectful_abstract_eval):
        """Sets a shape rule returning `(aval(s), effects)`. numax declares effects per
        primitive rather than per equation, so any effect a rule reports is added to the
        primitive's `effects` (which keeps its equations through dead-code elimination
        and orders them in lowering); returns `effectful_abstract_eval`."""
        def abstract_eval(*avals, **params):
            out, effects = effectful_abstract_eval(*avals, **params)
            new_effects = [e for e in effects if e not in self.effects]
            if new_effects:
                self.effects = self.effects + tuple(new_effects)
            return self._check_avals(out, effectful_abstract_eval)
        self.abstract_eval = abstract_eval
        return effectful_abstract_eval

    def _check_avals(self, out, rule):
        """The rule's result, checked: a wrong type here would otherwise surface as an
        obscure failure deep inside staging or lowering."""
        results = out if self.multiple_results else [out]
        rule_name = getattr(rule, "__name__", type(rule).__name__)
        if self.multiple_results and not isinstance(out, (list, tuple)):
            raise TypeError(
                f"abstract evaluation rule {rule_name!r} of primitive '{self.name}' "
                f"returned {out!r}; a primitive with multiple_results=True must return a "
                "list of ShapedArrays")
        for aval in results:
            if not isinstance(aval, (ShapedArray, AbstractToken)):
                raise TypeError(
                    f"abstract evaluation rule {rule_name!r} of primitive '{self.name}' "
                    f"returned {aval!r} of type {type(aval).__name__}; it must return a "
                    "ShapedArray (e.g. ShapedArray(shape, dtype), or aval.update(...) of an "
                    "input aval)" + ("" if self.multiple_results else
                                     ", or set multiple_results = True to return a list"))
        return list(results) if self.multiple_results else out

    def _missing_abstract_eval(self, *avals, **params):
        raise NotImplementedError(
            f"Abstract evaluation for '{self.name}' not implemented: define it with "
            f"{self.name}.def_abstract_eval(rule) before tracing the primitive "
            "(jit, grad, vmap, make_jaxpr)")

    def _evaluate_without_impl(self, *args, **params):
        # With a lowering the primitive can still run eagerly, compiled like a lax one.
        if self.lower is not None:
            return _trace._default_impl[0](self, args, params)
        raise NotImplementedError(
            f"Evaluation rule for '{self.name}' not implemented: define it with "
            f"{self.name}.def_impl(function), or register a lowering with "
            "numax.interpreters.mlir.register_lowering")


def mapped_aval(size, axis, aval):
    """`aval` without its axis `axis` (of length `size`): the aval a batching rule sees
    per batch element. `axis=None` (not mapped) returns `aval` unchanged."""
    if axis is None:
        return aval
    axis = canonicalize_axis(axis, aval.ndim, "mapped_aval: axis")
    if aval.shape[axis] != size:
        raise ValueError(f"mapped_aval: axis {axis} of {aval.str_short()} has length "
                         f"{aval.shape[axis]}, not the mapped size {size}")
    return aval.update(shape=aval.shape[:axis] + aval.shape[axis + 1:])


def unmapped_aval(size, axis, aval, explicit_mesh_axis=None):
    """`aval` with a new axis of length `size` inserted at `axis` (the inverse of
    `mapped_aval`); `axis=None` returns `aval` unchanged. `explicit_mesh_axis` is
    accepted for JAX's signature; numax has no explicit-sharding axis types, so only
    None is allowed."""
    if explicit_mesh_axis is not None:
        raise NotImplementedError("unmapped_aval: numax has no explicit mesh axes; pass "
                                  "explicit_mesh_axis=None")
    if axis is None:
        return aval
    axis = canonicalize_axis(axis, aval.ndim + 1, "unmapped_aval: axis")
    return aval.update(shape=aval.shape[:axis] + (size,) + aval.shape[axis:])


def valid_jaxtype(value):
    """Whether `value` can be an argument of a primitive: an array, tracer or scalar of a
    numeric or boolean dtype, a key array, or a ShapeDtypeStruct (as in JAX)."""
    from numax.api import abstractify
    try:
        aval = abstractify(value)
    except (TypeError, ValueError, OverflowError):
        return False
    dtype = aval.dtype
    if isinstance(dtype, dtypes.ExtendedDType):
        return True
    if dtypes.is_bool(dtype) or dtypes.is_integer(dtype) or dtypes.is_inexact(dtype):
        # A Python int abstractifies as int32/int64 whatever its size; JAX rejects one
        # that does not fit.
        if isinstance(value, int) and not isinstance(value, bool):
            info = np.iinfo(dtype)
            return info.min <= value <= info.max
        return True
    return False


class Effect:
    """Base class of effects a library declares for its primitives (returned, as
    instances, by a `def_effectful_abstract_eval` rule). Subclasses must be hashable."""


class OpaqueTraceState:
    """A token for the transformation active when it was taken: two tokens compare
    equal exactly when they were taken under the same trace (libraries use it to
    notice that an object is used under a different transformation than it was made
    under)."""

    __slots__ = ("_trace",)

    def __init__(self, trace):
        self._trace = trace

    def __eq__(self, other):
        return isinstance(other, OpaqueTraceState) and other._trace is self._trace

    def __hash__(self):
        return id(self._trace)


def get_opaque_trace_state(convention=None):
    """An `OpaqueTraceState` for the current trace. `convention` is accepted for JAX's
    signature (it names the calling library) and does not change the result."""
    return OpaqueTraceState(_trace.current_trace())


from numax.extend.core import primitives  # noqa: E402,F401
