"""`lax.associative_scan`: all prefix combinations of an associative operation, in
logarithmic depth, written with ordinary lax operations (no primitive of its own, so every
transformation applies to it as to any lax code).

The recursion pairs neighbours: combining elements (0,1), (2,3), ... halves the problem;
scanning the halved sequence gives the prefixes ending at every odd position; combining
each of those with the next element gives the prefixes ending at the even positions; the
two interleave into the result. Depth is O(log n) calls of `fn`, each on whole arrays.
"""

import numpy as np

from numax.core.pytree import tree_flatten, tree_unflatten
from numax.transforms.ad import get_aval


def _slice(x, start, stop, step, axis):
    from numax.lax.structural import slice_in_dim
    return slice_in_dim(x, start, stop, step, axis)


def _interleave(even, odd, axis):
    """[e0, o0, e1, o1, ...] along `axis`; `even` has as many elements as `odd` or one more."""
    from numax.lax.structural import concatenate, expand_dims, reshape
    n_even, n_odd = np.shape(even)[axis], np.shape(odd)[axis]
    paired = even if n_even == n_odd else _slice(even, 0, n_odd, 1, axis)
    stacked = concatenate([expand_dims(paired, (axis + 1,)), expand_dims(odd, (axis + 1,))],
                          axis + 1)
    shape = np.shape(paired)
    merged = reshape(stacked, shape[:axis] + (2 * n_odd,) + shape[axis + 1:])
    if n_even == n_odd:
        return merged
    return concatenate([merged, _slice(even, n_even - 1, n_even, 1, axis)], axis)


def associative_scan(fn, elems, reverse=False, axis=0):
    """Prefix combinations: result[i] = elems[0] ∘ elems[1] ∘ ... ∘ elems[i] along `axis`.

    `fn(a, b)` must be associative and work elementwise on whole arrays (pytrees of arrays
    shaped like `elems` but shorter along `axis`). `reverse` combines from the end.

    >>> import numpy as np
    >>> from numax import lax
    >>> np.asarray(lax.associative_scan(lax.add, np.arange(5.0))).tolist()
    [0.0, 1.0, 3.0, 6.0, 10.0]
    """
    leaves, tree = tree_flatten(elems)
    if not leaves:
        return elems
    from numax.lax.structural import concatenate, rev
    ndims = [get_aval(x).ndim for x in leaves]
    axes = []
    for x, ndim in zip(leaves, ndims):
        if not -ndim <= axis < ndim:
            raise ValueError(f"associative_scan: axis {axis} is out of bounds for an array of "
                             f"shape {np.shape(x)}")
        axes.append(axis % ndim)
    if len(set(axes)) != 1:
        raise ValueError("associative_scan: all elems must have the same rank when axis is "
                         "negative")
    axis = axes[0]
    lengths = {np.shape(x)[axis] for x in leaves}
    if len(lengths) != 1:
        raise ValueError(f"Array inputs to associative_scan must have the same first "
                         f"dimension. (saw: {[np.shape(x) for x in leaves]})")
    if reverse:
        leaves = [rev(x, (axis,)) for x in leaves]

    def combine(a, b):
        out = fn(tree_unflatten(tree, a), tree_unflatten(tree, b))
        out_leaves, out_tree = tree_flatten(out)
        if out_tree != tree:
            raise TypeError(f"associative_scan: fn must return a pytree of the structure of "
                            f"elems, {tree}; got {out_tree}")
        return out_leaves

    def prefixes(values):
        n = np.shape(values[0])[axis]
        if n < 2:
            return values
        pairs = combine([_slice(x, 0, n - 1, 2, axis) for x in values],
                        [_slice(x, 1, n, 2, axis) for x in values])
        odd = prefixes(pairs)  # prefixes ending at positions 1, 3, 5, ...
        following = [_slice(x, 2, n, 2, axis) for x in values]
        if n % 2 == 0:
            odd_before = [_slice(x, 0, np.shape(x)[axis] - 1, 1, axis) for x in odd]
        else:
            odd_before = odd
        firsts = [_slice(x, 0, 1, 1, axis) for x in values]
        if np.shape(following[0])[axis] == 0:
            even = firsts
        else:  # prefixes ending at 2, 4, ...: the odd prefix before, combined with the element
            tails = combine(odd_before, following)
            even = [concatenate([first, tail], axis) for first, tail in zip(firsts, tails)]
        return [_interleave(e, o, axis) for e, o in zip(even, odd)]

    result = prefixes(leaves)
    if reverse:
        result = [rev(x, (axis,)) for x in result]
    return tree_unflatten(tree, result)


__all__ = ["associative_scan"]
