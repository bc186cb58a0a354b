"""`rng_uniform`: XLA's stateful random number generator (`stablehlo.rng`, UNIFORM).

Owns the `rng_uniform` primitive. Unlike numax.random (counter-based threefry, reproducible
from a key), its numbers come from generator state inside the compiled program, so no two
runs agree and it has neither a derivative nor a batching rule (as in JAX); both raise a
clear error. XLA's CPU backend implements it for 16/32/64-bit floats and 32/64-bit integers
only (narrower types abort the compiler), so other dtypes are refused here.
"""

import numpy as np

from numax.core.abstract import ShapedArray
from numax.core.errors import NumaxTypeError
from numax.core.primitive import Primitive
from numax.lax._rules import operands
from numax.lowering import dense_i64

_RNG_DTYPES = frozenset(np.dtype(d) for d in
                        ("float16", "float32", "float64", "int32", "uint32", "int64", "uint64"))


def _is_rng_dtype(dtype):
    return dtype in _RNG_DTYPES or dtype.name == "bfloat16"


def _rng_uniform_abstract(a, b, *, shape):
    if a.shape or b.shape:
        raise NumaxTypeError(f"Arguments to rng_uniform must be scalars; got shapes {a.shape} "
                             f"and {b.shape}.")
    if a.dtype != b.dtype:
        raise NumaxTypeError(f"Arguments to rng_uniform must have identical dtypes, got "
                             f"{a.dtype.name} and {b.dtype.name}.")
    if not _is_rng_dtype(a.dtype):
        raise NumaxTypeError(f"rng_uniform does not support dtype {a.dtype.name}: XLA generates "
                             "float16, bfloat16, float32, float64, int32, uint32, int64 and "
                             "uint64 values")
    return ShapedArray(shape, a.dtype)


def _rng_uniform_lower(ctx, a, b, *, shape):
    shape_operand = ctx.builder.op("stablehlo.constant", [], [f"tensor<{len(shape)}xi64>"],
                                   {"value": dense_i64(shape, (len(shape),))})[0]
    return ctx.op("stablehlo.rng", [a, b, shape_operand],
                  attributes={"rng_distribution": "#stablehlo<rng_distribution UNIFORM>"})


def _rng_uniform_jvp(primals, tangents, *, shape):
    raise NotImplementedError("Differentiation rule for 'rng_uniform' not implemented: its "
                              "numbers come from hidden generator state. Use numax.random."
                              "uniform, which is differentiable in its bounds.")


def _rng_uniform_batch(args, dims, *, shape):
    raise NotImplementedError("Batching rule for 'rng_uniform' not implemented: its bounds "
                              "must be scalars. Use numax.random.uniform with batched bounds.")


rng_uniform_p = Primitive(
    "rng_uniform",
    abstract_eval=_rng_uniform_abstract,
    lower=_rng_uniform_lower,
    jvp=_rng_uniform_jvp,
    batch=_rng_uniform_batch,
    rule_checks_exempt="stateful random numbers: no two runs agree, so eager == jit and "
                       "vmap == loop cannot hold; tests/lax/test_stateful_random.py checks "
                       "the distribution",
)


def _static_shape(shape):
    try:
        shape = tuple(int(d) for d in shape)
    except TypeError:
        raise TypeError(f"rng_uniform: shape must be a sequence of integers, got {shape!r}") \
            from None
    if any(d < 0 for d in shape):
        raise ValueError(f"rng_uniform: shape {shape} has a negative dimension")
    return shape


def rng_uniform(a, b, shape):
    """Uniform random numbers in [a, b) of the given shape from XLA's stateful generator.

    Each run of a compiled program draws new numbers. Prefer numax.random (reproducible,
    differentiable, batchable); if b <= a the result is undefined, as in JAX.

    >>> x = rng_uniform(0.0, 1.0, (3,))
    >>> bool(((x >= 0) & (x < 1)).all())
    True
    """
    a, b = operands(a, b)
    return rng_uniform_p.bind(a, b, shape=_static_shape(shape))


__all__ = ["rng_uniform", "rng_uniform_p"]
