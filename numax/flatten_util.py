"""`numax.flatten_util.ravel_pytree`: a pytree of arrays as one flat vector and back.

Owns only that pair of functions (optimisers and samplers use it to treat a parameter
tree as a single vector). Written with numax.numpy/numax.lax operations, so it works on
concrete arrays and on tracers alike (under jit, grad and vmap). Dtype rules follow JAX:
leaves of one dtype are concatenated as they are; leaves of mixed dtypes are converted
to their promoted dtype (`numax.dtypes.result_type` of the leaf dtypes), and `unravel`
converts each piece back to its leaf's dtype.
"""

import numpy as np

from numax import lax
from numax import numpy as jnp
from numax.core import dtypes
from numax.core.pytree import tree_flatten, tree_unflatten


def ravel_pytree(pytree):
    """Flattens `pytree` into a 1-D array; returns (flat, unravel) with
    `unravel(flat)` rebuilding a pytree of the original structure, shapes and dtypes.

    >>> import numax.numpy as jnp
    >>> from numax.flatten_util import ravel_pytree
    >>> flat, unravel = ravel_pytree({"w": jnp.ones((2, 2)), "b": jnp.zeros(1)})
    >>> flat
    Array([0., 1., 1., 1., 1.], dtype=float32)
    >>> unravel(flat)["w"].shape
    (2, 2)
    """
    leaves, treedef = tree_flatten(pytree)
    flat, unravel_leaves = _ravel_leaves(leaves)
    return flat, lambda flat_vector: tree_unflatten(treedef, unravel_leaves(flat_vector))


def _ravel_leaves(leaves):
    if not leaves:  # JAX's choice for an empty tree: an empty vector of the default float
        return jnp.zeros(0, dtypes.default_float_dtype()), _unraveler([], [], None)
    leaf_dtypes = [dtypes.dtype_and_weak_type(leaf)[0] for leaf in leaves]
    shapes = [np.shape(leaf) for leaf in leaves]
    if all(d == leaf_dtypes[0] for d in leaf_dtypes):
        flat = jnp.concatenate([jnp.ravel(leaf) for leaf in leaves])
        return flat, _unraveler(shapes, leaf_dtypes, None)
    common = dtypes.result_type(*leaf_dtypes)
    flat = jnp.concatenate([jnp.ravel(lax.convert_element_type(leaf, common)) for leaf in leaves])
    return flat, _unraveler(shapes, leaf_dtypes, common)


def _unraveler(shapes, leaf_dtypes, common_dtype):
    """`unravel` for leaves of these shapes and dtypes. With `common_dtype` set (mixed
    leaf dtypes) the vector must have that dtype and each piece is converted back."""
    sizes = [int(np.prod(shape, dtype=np.int64)) for shape in shapes]
    total = sum(sizes)

    def unravel(flat):
        shape = np.shape(flat)
        if shape != (total,):
            raise ValueError(f"unravel expects a 1-D array of shape ({total},), the size of the "
                             f"raveled pytree, but got an array of shape {shape}")
        if common_dtype is not None:
            given = dtypes.dtype_and_weak_type(flat)[0]
            if given != common_dtype:
                raise TypeError(f"unravel was given an array of dtype {given}, but the raveled "
                                f"pytree has dtype {common_dtype}; convert it first, e.g. "
                                f"flat.astype('{common_dtype}')")
        pieces, start = [], 0
        for size, leaf_shape, leaf_dtype in zip(sizes, shapes, leaf_dtypes):
            piece = lax.reshape(lax.slice(flat, (start,), (start + size,)), leaf_shape)
            if common_dtype is not None:
                piece = lax.convert_element_type(piece, leaf_dtype)
            pieces.append(piece)
            start += size
        return pieces

    return unravel


__all__ = ["ravel_pytree"]
