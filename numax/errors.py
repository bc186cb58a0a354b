"""numax.errors: the exceptions numax raises on purpose (JAX's names)."""

from numax.core.errors import (ConcretizationTypeError, KeyReuseError, NumaxError,  # noqa: F401
                               NumaxTypeError, TracerArrayConversionError,
                               TracerBoolConversionError, TracerIntegerConversionError,
                               UnexpectedTracerError)
from numax.runtime import CompileError, DeletedBufferError  # noqa: F401

JaxRuntimeError = NumaxError
