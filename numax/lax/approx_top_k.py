"""Approximate top-k selection: the approx_top_k primitive, approx_max_k and approx_min_k.

Owns `approx_top_k`, declared once with its shape rule, lowering, JVP, batching rule and
examples. XLA's approximate algorithm pays off on TPUs only; elsewhere (as XLA itself does
off TPU) it is computed exactly with chlo.top_k, which meets the contract: `recall_target`
is a lower bound on the fraction of the true top k returned, and exact selection has recall
1. Results come sorted (largest first for max_k, smallest first for min_k).
"""

import numpy as np

from numax.core.abstract import ShapedArray
from numax.core.errors import NumaxTypeError
from numax.core.primitive import Primitive
from numax.lax._ad_rules import Zero, aval_of, is_zero
from numax.lax._matrix import lower_as
from numax.lax._rules import FLOAT, INT, random_array
from numax.lax.sorting import take_along_axis
from numax.transforms.batching import move_axis


def _approx_top_k_abstract(x, *, k, reduction_dimension, recall_target, is_max_k,
                           reduction_input_size_override, aggregate_to_topk):
    if x.dtype not in INT | FLOAT:
        raise NumaxTypeError(f"approx_top_k does not accept dtype {x.dtype.name}; it takes "
                             "integer or floating-point arrays")
    if not 0 <= reduction_dimension < x.ndim:
        raise NumaxTypeError(f"approx_top_k: reduction_dimension {reduction_dimension} is not an "
                             f"axis of the operand of shape {x.shape}")
    if not 0 <= k <= x.shape[reduction_dimension]:
        raise ValueError(f"approx_top_k: k={k} must be between 0 and the size "
                         f"{x.shape[reduction_dimension]} of the reduction dimension")
    if not 0 < recall_target <= 1:
        raise ValueError(f"approx_top_k: recall_target must be in (0, 1], got {recall_target}")
    shape = list(x.shape)
    shape[reduction_dimension] = k
    return [ShapedArray(tuple(shape), x.dtype, x.weak_type),
            ShapedArray(tuple(shape), np.dtype(np.int32))]


def _exact_top_k(x, *, k, reduction_dimension, is_max_k, **_):
    """Exact selection along the last axis; the smallest k are the largest of an
    order-reversing map (negation for floats, bitwise not for integers, both exact)."""
    from numax import lax
    ndim = aval_of(x).ndim
    x = move_axis(x, reduction_dimension, ndim - 1)
    flip = lax.neg if aval_of(x).dtype in FLOAT else lax.bitwise_not
    values, indices = lax.top_k(x if is_max_k else flip(x), k)
    if not is_max_k:
        values = flip(values)
    return [move_axis(values, ndim - 1, reduction_dimension),
            move_axis(indices, ndim - 1, reduction_dimension)]


def approx_top_k_jvp(primals, tangents, **params):
    """The tangents at the selected indices; the indices have none."""
    (x,), (t,) = primals, tangents
    values, indices = approx_top_k_p.bind(x, **params)
    index_zero = Zero(aval_of(indices))
    if is_zero(t):
        return [values, indices], [Zero(aval_of(values).strip_weak_type()), index_zero]
    return [values, indices], [take_along_axis(t, indices, params["reduction_dimension"]),
                               index_zero]


def approx_top_k_batch(args, dims, *, reduction_dimension, **params):
    (x,), (dim,) = args, dims
    reduction_dimension += reduction_dimension >= dim
    return approx_top_k_p.bind(x, reduction_dimension=reduction_dimension, **params), [dim, dim]


def _approx_top_k_examples():
    rng = np.random.default_rng(0)
    common = dict(recall_target=0.95, reduction_input_size_override=-1, aggregate_to_topk=True)
    return [((random_array(rng, (3, 6), "float32"),),
             dict(k=2, reduction_dimension=1, is_max_k=True, **common)),
            ((random_array(rng, (5, 2), "float32"),),
             dict(k=3, reduction_dimension=0, is_max_k=False, **common)),
            ((np.array([[3, -1, 7, 0], [2, 2, -5, 9]], np.int32),),
             dict(k=2, reduction_dimension=1, is_max_k=False, **common))]


approx_top_k_p = Primitive(
    "approx_top_k",
    abstract_eval=_approx_top_k_abstract,
    lower=lower_as(_exact_top_k),
    multiple_results=True,
    jvp=approx_top_k_jvp,
    batch=approx_top_k_batch,
    examples=_approx_top_k_examples,
)


def _approx_k(api, is_max_k, operand, k, reduction_dimension, recall_target,
              reduction_input_size_override, aggregate_to_topk):
    ndim = np.ndim(operand)
    dimension = int(reduction_dimension)
    if not -ndim <= dimension < ndim:
        raise ValueError(f"{api}: reduction_dimension {dimension} is out of bounds for an array "
                         f"of rank {ndim}")
    try:
        k = int(k)
    except TypeError:
        raise TypeError(f"{api}: k must be a static Python integer, got {k!r}") from None
    values, indices = approx_top_k_p.bind(
        operand, k=k, reduction_dimension=dimension % ndim, recall_target=float(recall_target),
        is_max_k=is_max_k, reduction_input_size_override=int(reduction_input_size_override),
        aggregate_to_topk=bool(aggregate_to_topk))
    return values, indices


def approx_max_k(operand, k, reduction_dimension=-1, recall_target=0.95,
                 reduction_input_size_override=-1, aggregate_to_topk=True):
    """(values, int32 indices) of the k largest entries along `reduction_dimension`, largest
    first; recall at least `recall_target` (exact here, see the module docstring)."""
    return _approx_k("approx_max_k", True, operand, k, reduction_dimension, recall_target,
                     reduction_input_size_override, aggregate_to_topk)


def approx_min_k(operand, k, reduction_dimension=-1, recall_target=0.95,
                 reduction_input_size_override=-1, aggregate_to_topk=True):
    """(values, int32 indices) of the k smallest entries along `reduction_dimension`,
    smallest first; recall at least `recall_target` (exact here, see the module docstring)."""
    return _approx_k("approx_min_k", False, operand, k, reduction_dimension, recall_target,
                     reduction_input_size_override, aggregate_to_topk)


__all__ = ["approx_max_k", "approx_min_k", "approx_top_k_p"]
