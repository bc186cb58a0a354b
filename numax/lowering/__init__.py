"""Lowering: IR -> StableHLO text. Knows primitives only through their `lower` rules."""
from numax.lowering.builder import Value, aval_type, tensor_type, dense_attribute, array_attribute, dense_i64  # noqa: F401
from numax.lowering.jaxpr_lowering import (  # noqa: F401
    TOKEN_TYPE, LoweredModule, LoweringError, LoweringRuleContext, lower_jaxpr, lower_module)
