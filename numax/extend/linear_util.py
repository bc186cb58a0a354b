"""`numax.extend.linear_util`: `wrap_init`, the function wrapper JAX's tracing APIs take.

Owns `WrappedFun`: a Python function with fixed keyword parameters, called with
`call_wrapped(*args)`. numax's transformations take plain functions, so a WrappedFun
is only what `numax.interpreters.partial_eval.trace_to_jaxpr_nounits` accepts (as JAX's
does) and what libraries build before calling it.
"""


class WrappedFun:
    """`f` with keyword parameters `params` (a tuple of (name, value) pairs, as in JAX)."""

    __slots__ = ("f", "params", "debug_info")

    def __init__(self, f, params, debug_info):
        self.f = f
        self.params = params
        self.debug_info = debug_info

    @property
    def __name__(self):
        return getattr(self.f, "__name__", type(self.f).__name__)

    def call_wrapped(self, *args):
        """`f(*args, **params)`."""
        return self.f(*args, **dict(self.params))

    def __repr__(self):
        return f"WrappedFun({self.__name__})"


def wrap_init(f, params=None, *, debug_info=None):
    """A `WrappedFun` calling `f(*args, **params)`.

    >>> wrap_init(lambda x, scale: x * scale, {"scale": 3}).call_wrapped(2)
    6
    """
    if not callable(f):
        raise TypeError(f"wrap_init: expected a callable, got {type(f).__name__}")
    items = tuple(sorted(params.items())) if isinstance(params, dict) else tuple(params or ())
    return WrappedFun(f, items, debug_info)
