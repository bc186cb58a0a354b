"""Primitives that exist for differentiation: stop_gradient and checkpoint_name.

Both are the identity on values. `stop_gradient` has a zero derivative, so no tangent
flows through it (and nothing of it appears in the compiled gradient program);
`name` tags a value for rematerialisation policies (`checkpoint_name`).
"""

import numpy as np

from numax.core.primitive import Primitive
from numax.core.pytree import tree_map
from numax.lax._ad_rules import Zero, aval_of


def _identity_abstract(x, **params):
    return x


stop_gradient_p = Primitive(
    "stop_gradient",
    abstract_eval=_identity_abstract,
    lower=lambda ctx, x, **params: x,
    jvp=lambda primals, tangents: (stop_gradient_p.bind(*primals),
                                   Zero(aval_of(primals[0]).strip_weak_type())),
    batch=lambda args, dims: (stop_gradient_p.bind(*args), dims[0]),
    not_differentiable="its derivative is zero by definition",
    examples=lambda: [((np.linspace(-1, 1, 6, dtype=np.float32).reshape(2, 3),), {})],
)


def stop_gradient(x):
    """The identity on values, with zero derivative; applies to every leaf of a pytree."""
    def stop(leaf):
        dtype = getattr(leaf, "dtype", None)
        if dtype is not None and not np.issubdtype(dtype, np.inexact):
            return leaf
        return stop_gradient_p.bind(leaf)
    return tree_map(stop, x)


name_p = Primitive(
    "name",
    abstract_eval=_identity_abstract,
    lower=lambda ctx, x, *, name: x,
    linear=True,
    transpose=lambda ct, x, *, name: [ct],
    batch=lambda args, dims, *, name: (name_p.bind(*args, name=name), dims[0]),
    examples=lambda: [((np.arange(4, dtype=np.float32),), dict(name="activation"))],
)


def checkpoint_name(x, name):
    """Tags every leaf of `x` with `name`, for checkpoint policies that save by name."""
    return tree_map(lambda leaf: name_p.bind(leaf, name=name), x)


__all__ = ["stop_gradient", "stop_gradient_p", "checkpoint_name", "name_p"]
