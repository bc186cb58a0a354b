"""Writing StableHLO as MLIR text: values, ops, regions, constants, types.

Owns the textual form. Every op is written in MLIR's generic form
(`%3 = "stablehlo.add"(%1, %2) : (tensor<8xf32>, tensor<8xf32>) -> tensor<8xf32>`),
which is uniform for every op and dialect and which XLA parses on all supported
jaxlib versions. A `Value` is the SSA name with its type attached, so rules never
spell operand types by hand. Primitive lowering rules use `LoweringRuleContext`
(lowering/jaxpr_lowering.py), which wraps a `FunctionBuilder` from here.
"""

import numpy as np

from numax.core.abstract import abstract_token
from numax.runtime import mlir_element_type


def tensor_type(shape, dtype):
    element = mlir_element_type(dtype)
    if not shape:
        return f"tensor<{element}>"
    return f"tensor<{'x'.join(str(d) for d in shape)}x{element}>"


def aval_type(aval):
    if aval is abstract_token:
        return "!stablehlo.token"
    return tensor_type(aval.shape, aval.dtype)


class Value(str):
    """An SSA value name (`%12`) that also knows its MLIR type."""

    __slots__ = ("type",)

    def __new__(cls, name, type_):
        value = str.__new__(cls, name)
        value.type = type_
        return value


def dense_attribute(array, type_=None):
    """`dense<...> : tensor<...>` for a NumPy array, bit-exact (hex blob for numeric types)."""
    array = np.asarray(array)
    type_ = type_ or tensor_type(array.shape, array.dtype)
    if array.dtype == np.bool_:
        if array.size and (array.all() or not array.any()):
            body = "true" if array.flat[0] else "false"
        else:
            body = np.array2string(array, separator=", ", threshold=np.inf).replace(
                "True", "true").replace("False", "false")
        return f"dense<{body}> : {type_}"
    if array.size == 0:
        return f"dense<> : {type_}"
    raw = np.ascontiguousarray(array).reshape(-1)
    raw = raw.astype(raw.dtype.newbyteorder("<"))
    element_bytes = raw.view(np.uint8).reshape(raw.size, -1)
    if (element_bytes == element_bytes[0]).all():
        raw = raw[:1]  # a splat: one element stands for all
    return f'dense<"0x{raw.tobytes().hex().upper()}"> : {type_}'


def array_attribute(values, element="i64"):
    values = tuple(values)
    if not values:
        return f"array<{element}>"
    return f"array<{element}: {', '.join(str(int(v)) for v in values)}>"


def dense_i64(values, shape=None):
    values = np.asarray(values, dtype=np.int64)
    shape = values.shape if shape is None else shape
    return f"dense<{np.array2string(values.reshape(shape), separator=', ', threshold=np.inf)}> : " \
           f"tensor<{'x'.join(str(d) for d in shape) + 'x' if shape else ''}i64>"


class FunctionBuilder:
    """Collects the body of one func.func (or one region) as lines of text."""

    def __init__(self, module, indent=4):
        self.module = module
        self.lines = []
        self.indent = indent
        self.token = None  # the !stablehlo.token ordering this body's effects, once used

    def fresh(self):
        return self.module.fresh_name()

    def op(self, name, operands, result_types, attributes=None, regions=()):
        """Emits one op; returns its results as a list of Values."""
        operand_types = ", ".join(v.type for v in operands)
        results = [t if isinstance(t, str) else aval_type(t) for t in result_types]
        if len(results) == 1:
            result_list = ", ".join(results)
        else:
            result_list = "(" + ", ".join(results) + ")"
        if not results:
            result_list = "()"
        attrs = ""
        if attributes:
            attrs = " {" + ", ".join(f"{k} = {v}" for k, v in attributes.items()) + "}"
        region_text = ""
        if regions:
            region_text = " (" + ", ".join(regions) + ")"
        pad = " " * self.indent
        signature = f"({operand_types}) -> {result_list}"
        call = f'"{name}"({", ".join(operands)}){region_text}{attrs} : {signature}'
        if not results:
            self.lines.append(f"{pad}{call}")
            return []
        base = self.fresh()
        if len(results) == 1:
            self.lines.append(f"{pad}{base} = {call}")
            return [Value(base, results[0])]
        self.lines.append(f"{pad}{base}:{len(results)} = {call}")
        return [Value(f"{base}#{i}", t) for i, t in enumerate(results)]

    def region(self, argument_types, body):
        """A one-block region; `body(builder, *arguments)` returns the values to yield."""
        inner = FunctionBuilder(self.module, self.indent + 2)
        arguments = [Value(self.fresh(), t if isinstance(t, str) else aval_type(t))
                     for t in argument_types]
        results = body(inner, *arguments)
        inner.op("stablehlo.return", list(results), [])
        header = ", ".join(f"{a}: {a.type}" for a in arguments)
        pad = " " * self.indent
        return "{\n" + f"{pad}^bb0({header}):\n" + "\n".join(inner.lines) + f"\n{pad}}}"


def _identifier(name):
    """An MLIR symbol name from a Python function name (`<lambda>` -> `_lambda_`)."""
    return "".join(c if c.isalnum() or c in "_." else "_" for c in name) or "f"


class ModuleBuilder:
    """A module under construction: private functions for sub-programs plus @main, and the
    Python host callbacks its custom calls refer to by index (compiled along with it)."""

    def __init__(self, name="numax", platform="cpu"):
        self.name = _identifier(name)
        self.platform = platform
        self.counter = 0
        self.functions = []
        self.function_names = set()
        self.host_callbacks = []

    def add_host_callback(self, function):
        """Registers a Python function for a host-callback custom call; returns its index."""
        self.host_callbacks.append(function)
        return len(self.host_callbacks) - 1

    def fresh_name(self):
        self.counter += 1
        return f"%{self.counter}"

    def unique_function_name(self, base):
        base = _identifier(base)
        name, index = base, 0
        while name in self.function_names:
            index += 1
            name = f"{base}_{index}"
        self.function_names.add(name)
        return name

    def add_function(self, text):
        self.functions.append(text)

    def text(self, num_partitions=1, num_replicas=1):
        attributes = (f"mhlo.num_partitions = {num_partitions} : i32, "
                      f"mhlo.num_replicas = {num_replicas} : i32")
        body = "\n".join(self.functions)
        return f"module @{self.name} attributes {{{attributes}}} {{\n{body}\n}}\n"
