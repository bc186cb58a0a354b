"""The numax error hierarchy (exported as `numax.errors`).

Owns the exception classes a user can catch and the wording that points at their
mistake: a traced value used where Python needs a concrete one, a tracer that escaped
its transformation, bad shapes or dtypes given to a primitive.
"""

import os
import sys

_PACKAGE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + os.sep


class NumaxError(Exception):
    """Base class of every error numax raises on purpose."""


class NumaxTypeError(NumaxError, TypeError):
    """Wrong dtype, shape or kind of argument to a numax function."""


class ConcretizationTypeError(NumaxTypeError):
    """A traced value was used where a concrete Python value is needed."""

    def __init__(self, tracer, context=""):
        where = _user_frame()
        super().__init__(
            f"Abstract tracer value encountered where a concrete value is expected: {tracer}.\n"
            f"{context}{where}\n"
            "The value depends on a traced argument (an argument of a jitted, vmapped or "
            "differentiated function), so it has no concrete value while the function is traced. "
            "Use numax.lax.cond / numax.numpy.where for data-dependent choices, or mark the "
            "argument static with static_argnums/static_argnames.")


class TracerBoolConversionError(ConcretizationTypeError):
    """`bool(tracer)`, e.g. a Python `if` on a traced value."""

    def __init__(self, tracer):
        super().__init__(tracer, "The problem arose with the `bool` function (a Python `if`, "
                                 "`while`, `and`/`or`/`not` on a traced value).\n")


class TracerIntegerConversionError(ConcretizationTypeError):
    """`int(tracer)`, `range(tracer)` or indexing a Python list with a tracer."""

    def __init__(self, tracer):
        super().__init__(tracer, "The problem arose with the `int`/`__index__` function.\n")


class TracerArrayConversionError(NumaxTypeError):
    """`np.asarray(tracer)`: a traced value cannot become a NumPy array."""

    def __init__(self, tracer):
        super().__init__(
            f"The numpy.ndarray conversion method __array__() was called on traced array {tracer}.\n"
            f"{_user_frame()}\nUse numax.numpy functions instead of numpy functions inside traced "
            "code, or numax.pure_callback to run host code.")


class UnexpectedTracerError(NumaxError):
    """A tracer escaped its transformation (stored in a global, returned through a side channel)."""


class KeyReuseError(NumaxError):
    pass


def _user_frame():
    """'The error occurred in <function> at <file>:<line>' for the innermost frame outside numax."""
    frame = sys._getframe(1)
    while frame is not None:
        filename = frame.f_code.co_filename
        if not filename.startswith(_PACKAGE_DIR):
            return (f"The error occurred while tracing the function {frame.f_code.co_name} "
                    f"at {filename}:{frame.f_lineno}.")
        frame = frame.f_back
    return ""
