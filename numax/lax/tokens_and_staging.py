"""Tokens, dead-code sinks and staging: the lax names that order or keep values alive.

Owns four primitives. `create_token` and `after_all` make `!stablehlo.token` values
(abstract value `core.abstract.abstract_token`): ordering dependencies that hold no data.
Eagerly they are `Token` objects; inside a staged program they are traced values that
nested jit calls pass along. A token is not an array, so it cannot be an argument or a
result of a top-level jit call, nor an output of vmap/jvp/grad (JAX fails there too); each
of those raises a TypeError saying so. `dce_sink` consumes a value and returns nothing; it
declares an effect, so numax's dead-code elimination (core/ir.py `dce`) keeps it and the
computation of its operand (`prevent_mlir_dce=True`, a custom call XLA has no target for
here, is a clear error). `stage` is the identity that lifts a host value into the current
trace (a numax Array outside any trace).
"""

import numpy as np

from numax.core import dtypes
from numax.core.abstract import abstract_token
from numax.core.errors import NumaxTypeError
from numax.core.primitive import Primitive
from numax.core.pytree import tree_leaves
from numax.core.trace import Tracer

# ---------------------------------------------------------------- tokens

_TOKENS_ARE_NOT_ARRAYS = ("tokens carry no data, so the generic checks (which compare arrays "
                          "from eager, jit, jvp and vmap runs) do not apply; "
                          "tests/lax/test_tokens_and_staging.py tests them")


class Token:
    """A concrete token: what lax.create_token and lax.after_all return outside a trace.

    It holds nothing; its only use is as an operand of after_all or of a jitted function
    that creates and consumes tokens inside."""

    __slots__ = ()
    aval = abstract_token

    def block_until_ready(self):
        return self

    def __array__(self, dtype=None, copy=None):
        raise TypeError("a numax token (lax.create_token, lax.after_all) is not an array and "
                        "cannot be converted to one; pass arrays to jit, and create tokens "
                        "inside the jitted function")

    def __repr__(self):
        return "Token()"


def _check_tokens(avals):
    for aval in avals:
        if aval is not abstract_token:
            raise NumaxTypeError(f"Arguments to after_all must be tokens, got a value of type "
                                 f"{aval}; make tokens with lax.create_token()")
    return abstract_token


def _after_all_impl(*tokens):
    for token in tokens:
        if not isinstance(token, Token):
            raise NumaxTypeError(f"Arguments to after_all must be tokens, got {token!r} of type "
                                 f"{type(token).__name__}; make tokens with lax.create_token()")
    return Token()


create_token_p = Primitive(
    "create_token",
    abstract_eval=lambda: abstract_token,
    impl=lambda: Token(),
    lower=lambda ctx: ctx.op("stablehlo.create_token", []),
    not_differentiable="a token holds no value",
    batch=lambda args, dims: (create_token_p.bind(), None),  # never reached: no operands
    rule_checks_exempt=_TOKENS_ARE_NOT_ARRAYS,
)

after_all_p = Primitive(
    "after_all",
    abstract_eval=lambda *avals: _check_tokens(avals),
    impl=_after_all_impl,
    lower=lambda ctx, *tokens: ctx.op("stablehlo.after_all", tokens),
    not_differentiable="a token holds no value",
    # Tokens are never batched (vmap cannot carry one), so all operands arrive unbatched.
    batch=lambda args, dims: (after_all_p.bind(*args), None),
    rule_checks_exempt=_TOKENS_ARE_NOT_ARRAYS,
)


def create_token(*operands):
    """A new token. As in JAX, any operands are ignored (an old signature took one).

    >>> create_token()
    Token()
    """
    return create_token_p.bind()


def after_all(*operands):
    """A token that depends on every token in `operands` (none: a fresh token).

    >>> after_all(create_token(), create_token())
    Token()
    """
    return after_all_p.bind(*operands)


# ---------------------------------------------------------------- dce_sink

def _dce_sink_abstract(aval, *, prevent_mlir_dce):
    if prevent_mlir_dce:
        # JAX lowers it to a custom call whose target its own jaxlib setup registers; the
        # XLA that numax drives has no such target, and no other op keeps a value for free.
        raise NotImplementedError(
            "lax.dce_sink(..., prevent_mlir_dce=True) is not supported by numax: XLA has no "
            "'dce_sink' custom-call target here. prevent_mlir_dce=False keeps the value "
            "through numax's own dead-code elimination.")
    return []


def _dce_sink_examples():
    x = np.linspace(-1, 1, 6, dtype=np.float32).reshape(2, 3)
    return [((x,), dict(prevent_mlir_dce=False)), ((np.int32(3),), dict(prevent_mlir_dce=False))]


dce_sink_p = Primitive(
    "dce_sink",
    abstract_eval=_dce_sink_abstract,
    # Nothing to keep alive when running eagerly (the abstract rule still checks the params).
    impl=lambda value, **params: _dce_sink_abstract(None, **params),
    lower=lambda ctx, value, **params: [],
    multiple_results=True,
    # The primal is sunk; there is no output to carry a tangent.
    jvp=lambda primals, tangents, **params: (dce_sink_p.bind(*primals, **params), []),
    batch=lambda args, dims, **params: (dce_sink_p.bind(*args, **params), []),
    examples=_dce_sink_examples,
    effects=("dce_sink",),  # the effect is what keeps it (and its operand) through dce
)


def dce_sink(val, *, prevent_mlir_dce=False):
    """Keeps every array leaf of the pytree `val` from numax's dead-code elimination (the
    staged program computes it even if nothing reads it); returns None.

    `prevent_mlir_dce=True` (also stop XLA from removing it) raises NotImplementedError:
    see `_dce_sink_abstract`."""
    for leaf in tree_leaves(val):
        dce_sink_p.bind(_array_operand(leaf, "dce_sink"),
                        prevent_mlir_dce=bool(prevent_mlir_dce))


# ---------------------------------------------------------------- stage

def _array_operand(value, api):
    """`value`, checked to be a tracer, an array, a NumPy array or a scalar numax can hold."""
    if isinstance(value, Tracer):
        return value
    try:
        dtypes.dtype_and_weak_type(value)
    except (TypeError, ValueError, AttributeError):
        raise TypeError(f"{api}: cannot interpret {value!r} of type {type(value).__name__} as "
                        "a numax array; pass an array, a NumPy array or a Python scalar") from None
    return value


def _stage_examples():
    return [((np.linspace(-1, 1, 6, dtype=np.float32).reshape(2, 3),), {}),
            ((np.arange(4, dtype=np.int32),), {})]


stage_p = Primitive(
    "stage",
    abstract_eval=lambda aval: aval,
    lower=lambda ctx, x: x,  # eagerly, the identity program puts a host value on the device
    linear=True,
    transpose=lambda ct, x: [ct],
    batch=lambda args, dims: (stage_p.bind(*args), dims[0]),
    examples=_stage_examples,
)


def stage(x, /):
    """Lifts `x` (a Python scalar, NumPy array or array) into the current trace: inside jit a
    traced value, outside any trace a numax Array.

    >>> stage(2.0)
    Array(2., dtype=float32, weak_type=True)
    """
    if isinstance(x, (list, tuple, dict)) or x is None:
        raise TypeError(f"stage: expected an array or a scalar, got a {type(x).__name__}; "
                        "convert it with numax.numpy.asarray first")
    return stage_p.bind(_array_operand(x, "stage"))


__all__ = ["after_all", "after_all_p", "create_token", "create_token_p", "dce_sink",
           "dce_sink_p", "stage", "stage_p"]
