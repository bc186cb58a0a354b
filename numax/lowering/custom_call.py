"""Calls of XLA typed-FFI custom-call targets from lowering rules (LAPACK on CPU, cuSOLVER on CUDA).

Owns the spelling of such a call: `stablehlo.custom_call` with `api_version = 4`,
the FFI attributes in `backend_config = {...}` (a character as its ASCII code, `ui8`),
explicit operand/result layouts (matrices column-major: the last two axes minor-most,
then the batch axes; everything else, and matrices a kernel reads transposed,
row-major), and aliases from results to the operands they overwrite. Also owns the
choice of a kernel's lowering by platform (`by_platform`), with a clear error where a
kernel has none. The LAPACK targets are registered with XLA (runtime/lapack.py) the
first time a lowering emits one; the cuSOLVER targets when the CUDA client is created
(runtime/client.py). Knows no particular kernel: lax/_matrix.py says what each one takes.
"""

import re

from numax.runtime import lapack as _lapack_runtime


class UnsupportedPlatformError(NotImplementedError):
    """A primitive has no lowering for the platform the program is compiled for."""


def char(c):
    """An FFI character attribute (`uplo = 'L'`): the ASCII code as a ui8."""
    return f"{ord(c)} : ui8"


def boolean(v):
    return "true" if v else "false"


def by_platform(kernel, rules, *, used_by=None):
    """A lowering rule that applies `rules[ctx.platform]`; on a platform without a rule it
    raises UnsupportedPlatformError naming the kernel, the platforms it has and the fix."""
    def lower(ctx, *operands, **params):
        rule = rules.get(ctx.platform)
        if rule is None:
            purpose = f" (used by {used_by})" if used_by else ""
            only = " only on CPU" if set(rules) == {"cpu"} else f" only on {sorted(rules)}"
            raise UnsupportedPlatformError(
                f"the {kernel} kernel{purpose} runs{only}; this program is compiled for "
                f"{ctx.platform!r}. Place the computation on a CPU device "
                "(numax.device_put(x, numax.devices('cpu')[0])).")
        return rule(ctx, *operands, **params)
    lower.__name__ = f"lower_{kernel}"
    return lower


# Registration each platform's kernels need before a program using them compiles; the
# CUDA client registers the cuSOLVER kernels itself when it is created.
_ENSURE_REGISTERED = {"cpu": _lapack_runtime.ensure_registered}


def _layout(aval, matrix):
    """minor_to_major for `aval`: column-major in the last two axes when `matrix`."""
    rank = aval.ndim
    if matrix and rank >= 2:
        order = [rank - 2, rank - 1] + list(range(rank - 3, -1, -1))
    else:
        order = list(range(rank - 1, -1, -1))
    if not order:
        return "dense<> : tensor<0xindex>"
    body = order[0] if len(order) == 1 else "[" + ", ".join(str(i) for i in order) + "]"
    return f"dense<{body}> : tensor<{len(order)}xindex>"


def kernel_call(ctx, target, operands, result_avals, *, attributes=None, matrices_in=None,
                matrices_out=None, aliases=()):
    """Emits a call of the typed-FFI kernel `target` (for `ctx.platform`); returns its results.

    `matrices_in` / `matrices_out` flag which operands/results are matrices (stored
    column-major); by default every operand and result of rank >= 2 is one, and an
    unflagged one is row-major. `aliases` lists (result index, operand index) pairs for
    results written in place of an operand.
    """
    _ENSURE_REGISTERED.get(ctx.platform, lambda: None)()
    if matrices_in is None:
        matrices_in = [True] * len(operands)
    if matrices_out is None:
        matrices_out = [True] * len(result_avals)
    in_avals = [_aval_of_value(v) for v in operands]
    config = ", ".join(f"{k} = {v}" for k, v in (attributes or {}).items())
    attrs = {
        "call_target_name": f'"{target}"',
        "api_version": "4 : i32",
        "backend_config": "{" + config + "}",
        "operand_layouts": "[" + ", ".join(_layout(a, m) for a, m in zip(in_avals, matrices_in))
                           + "]",
        "result_layouts": "[" + ", ".join(_layout(a, m) for a, m in zip(result_avals, matrices_out))
                          + "]",
    }
    if aliases:
        attrs["output_operand_aliases"] = "[" + ", ".join(
            "#stablehlo.output_operand_alias<output_tuple_indices = "
            f"[{result if len(result_avals) > 1 else ''}], operand_index = {operand}, "
            "operand_tuple_indices = []>"
            for result, operand in aliases) + "]"
    return ctx.ops("stablehlo.custom_call", operands, result_avals, attributes=attrs)


class _Shape:
    __slots__ = ("shape", "ndim")

    def __init__(self, shape):
        self.shape = shape
        self.ndim = len(shape)


def _aval_of_value(value):
    """The shape of an SSA value from its MLIR type (`tensor<2x3xf32>`)."""
    dims = re.match(r"tensor<((?:\d+x)*)", value.type).group(1)
    return _Shape(tuple(int(d) for d in dims.split("x")[:-1]))
