"""Tensor contractions in NumPy's API: einsum (with einsum_path), tensordot, vdot, vecdot,
inner, outer, kron, cross, matvec, vecmat.

einsum is ours, without opt_einsum: the subscripts (string or interleaved form, with
ellipses and implicit output) become one label list per operand. Each operand first
loses repeated labels (diagonals) and labels nobody else uses (sums); then a greedy
loop contracts, at each step, the pair of operands whose result is smallest (ties:
fewest multiplications), each pair with one lax.dot_general whose batch dimensions are
the labels both share that are still needed. A final transpose puts the labels in
output order. Size-1 axes broadcast against longer ones, as in NumPy. Each einsum
(and cross) runs as one jitted program.
"""

import itertools
import string

import numpy as np

from numax import lax
from numax.api import jit
from numax.core import dtypes
from numax.numpy import ufuncs
from numax.numpy._promote import canonicalize_axis, ensure_array, promote

_LETTERS = string.ascii_letters


# ---------------------------------------------------------------- parsing subscripts

def _interleaved_to_string(args):
    """einsum(a, [0, 1], b, [1, 2], [0, 2]) -> ("ab,bc->ac", [a, b])."""
    operands, sublists = list(args[0::2]), list(args[1::2])
    output = None
    if len(args) % 2:
        output = args[-1]
        operands = operands[:len(sublists)]

    def letters(sublist):
        out = []
        for item in sublist:
            if item is Ellipsis:
                out.append("...")
            else:
                index = int(item)
                if not 0 <= index < len(_LETTERS):
                    raise ValueError(f"numax.numpy.einsum: subscript {index} is out of range "
                                     f"[0, {len(_LETTERS)})")
                out.append(_LETTERS[index])
        return "".join(out)

    spec = ",".join(letters(s) for s in sublists)
    if output is not None:
        spec += "->" + letters(output)
    return spec, operands


def _parse(subscripts, shapes):
    """Per-operand label lists and the output labels, ellipses expanded to fresh labels."""
    subscripts = subscripts.replace(" ", "")
    if "->" in subscripts:
        inputs, output = subscripts.split("->")
        explicit = True
    else:
        inputs, output, explicit = subscripts, "", False
    inputs = inputs.split(",")
    if len(inputs) != len(shapes):
        raise ValueError(f"numax.numpy.einsum: the subscripts name {len(inputs)} operands but "
                         f"{len(shapes)} were given")
    used = set(subscripts) - set(".,->")
    for char in used:
        if char not in _LETTERS:
            raise ValueError(f"numax.numpy.einsum: invalid subscript {char!r}; use letters")
    fresh = [c for c in _LETTERS if c not in used]
    ellipsis_rank = 0
    for term, shape in zip(inputs, shapes):
        if "..." in term:
            ellipsis_rank = max(ellipsis_rank, len(shape) - len(term.replace("...", "")))
    ellipsis_labels = fresh[:ellipsis_rank]
    labels = []
    for term, shape in zip(inputs, shapes):
        if term.count("...") > 1 or "." in term.replace("...", ""):
            raise ValueError(f"numax.numpy.einsum: invalid subscripts {term!r}")
        if "..." in term:
            rank = len(shape) - len(term.replace("...", ""))
            if rank < 0:
                raise ValueError(f"numax.numpy.einsum: operand of shape {shape} has fewer axes "
                                 f"than subscripts {term!r}")
            before, after = term.split("...")
            term_labels = list(before) + ellipsis_labels[ellipsis_rank - rank:] + list(after)
        else:
            term_labels = list(term)
        if len(term_labels) != len(shape):
            raise ValueError(f"numax.numpy.einsum: subscripts {term!r} name {len(term_labels)} "
                             f"axes but the operand has shape {shape}")
        labels.append(term_labels)
    if explicit:
        if output.count("...") > 1:
            raise ValueError("numax.numpy.einsum: the output has more than one ellipsis")
        if "..." in output:
            before, after = output.split("...")
            out_labels = list(before) + ellipsis_labels + list(after)
        else:
            if ellipsis_labels:
                raise ValueError(f"numax.numpy.einsum: the operands' ellipses stand for "
                                 f"{len(ellipsis_labels)} axes that the output {output!r} "
                                 "omits; add '...' to the output (or sum them afterwards)")
            out_labels = list(output)
    else:
        counts = {}
        for term_labels in labels:
            for label in term_labels:
                counts[label] = counts.get(label, 0) + 1
        named = sorted(c for c, n in counts.items() if n == 1 and c not in ellipsis_labels)
        out_labels = ellipsis_labels + named
    if len(set(out_labels)) != len(out_labels):
        raise ValueError(f"numax.numpy.einsum: output subscripts {output!r} repeat a label")
    all_labels = {label for term_labels in labels for label in term_labels}
    for label in out_labels:
        if label not in all_labels:
            raise ValueError(f"numax.numpy.einsum: output subscript {label!r} does not appear in "
                             "the inputs")
    return labels, out_labels


def _label_sizes(labels, shapes):
    sizes = {}
    for term_labels, shape in zip(labels, shapes):
        for label, size in zip(term_labels, shape):
            known = sizes.get(label, 1)
            if size != 1 and known != 1 and size != known:
                raise ValueError(f"numax.numpy.einsum: size of label {label!r} is {size} in one "
                                 f"operand and {known} in another")
            sizes[label] = max(known, size) if size != 1 else known
    return sizes


# ---------------------------------------------------------------- one operand at a time

def _squeeze_broadcast(operand, labels, sizes):
    """Size-1 axes whose label is longer elsewhere are broadcast: drop them."""
    drop = [i for i, label in enumerate(labels) if operand.shape[i] == 1 and sizes[label] != 1]
    if not drop:
        return operand, labels
    keep = [i for i in range(len(labels)) if i not in drop]
    return (lax.reshape(operand, tuple(operand.shape[i] for i in keep)),
            [labels[i] for i in keep])


def _take_diagonals(operand, labels):
    """A label repeated within one operand selects the diagonal of those axes."""
    from numax.numpy.rearrange import diagonal
    while len(set(labels)) != len(labels):
        label = next(lab for lab in labels if labels.count(lab) > 1)
        first = labels.index(label)
        second = labels.index(label, first + 1)
        operand = diagonal(operand, 0, first, second)
        labels = [lab for i, lab in enumerate(labels) if i not in (first, second)] + [label]
    return operand, labels


def _sum_labels(operand, labels, drop):
    axes = tuple(i for i, label in enumerate(labels) if label in drop)
    if not axes:
        return operand, labels
    return lax.reduce_sum(operand, axes), [lab for lab in labels if lab not in drop]


def _contract_pair(lhs, lhs_labels, rhs, rhs_labels, keep, precision, preferred):
    """One dot_general: shared kept labels are batch axes, shared others contracted."""
    shared = [label for label in lhs_labels if label in rhs_labels]
    batch = [label for label in shared if label in keep]
    contract = [label for label in shared if label not in keep]
    dimension_numbers = (
        (tuple(lhs_labels.index(lab) for lab in contract),
         tuple(rhs_labels.index(lab) for lab in contract)),
        (tuple(lhs_labels.index(lab) for lab in batch),
         tuple(rhs_labels.index(lab) for lab in batch)))
    out = lax.dot_general(lhs, rhs, dimension_numbers, precision=precision,
                          preferred_element_type=preferred)
    labels = batch + [lab for lab in lhs_labels if lab not in shared] + \
        [lab for lab in rhs_labels if lab not in shared]
    return out, labels


def _greedy_order(labels, out_labels, sizes):
    """The pairs (positions in the shrinking operand list, as in NumPy's einsum_path) that
    the greedy rule contracts, in order."""
    terms = [set(term) for term in labels]
    path = []
    while len(terms) > 1:
        best = None
        for i, j in itertools.combinations(range(len(terms)), 2):
            others = set(out_labels).union(*[t for k, t in enumerate(terms) if k not in (i, j)])
            union = terms[i] | terms[j]
            result = union & others
            key = (int(np.prod([sizes[lab] for lab in result], dtype=np.float64)),
                   int(np.prod([sizes[lab] for lab in union], dtype=np.float64)))
            if best is None or key < best[0]:
                best = (key, i, j, result)
        _, i, j, result = best
        path.append((i, j))
        terms = [t for k, t in enumerate(terms) if k not in (i, j)] + [result]
    return path


def _contract(operands, labels, out_labels, precision, preferred):
    sizes = _label_sizes(labels, [op.shape for op in operands])
    items = []
    for operand, term in zip(operands, labels):
        operand, term = _squeeze_broadcast(operand, term, sizes)
        operand, term = _take_diagonals(operand, term)
        items.append((operand, term))

    def needed(exclude):
        return set(out_labels).union(*[set(items[k][1]) for k in range(len(items))
                                       if k not in exclude])

    # labels that only one operand has and the output lacks are summed at once
    for k, (operand, term) in enumerate(items):
        items[k] = _sum_labels(operand, term, set(term) - needed({k}))
    for i, j in _greedy_order([term for _, term in items], out_labels, sizes):
        keep = needed({i, j})
        (lhs, lhs_labels), (rhs, rhs_labels) = items[i], items[j]
        lhs, lhs_labels = _sum_labels(lhs, lhs_labels, set(lhs_labels) - keep - set(rhs_labels))
        rhs, rhs_labels = _sum_labels(rhs, rhs_labels, set(rhs_labels) - keep - set(lhs_labels))
        result = _contract_pair(lhs, lhs_labels, rhs, rhs_labels, keep, precision, preferred)
        items = [item for k, item in enumerate(items) if k not in (i, j)] + [result]
    (operand, term), = items
    operand, term = _sum_labels(operand, term, set(term) - set(out_labels))
    if term != out_labels:
        operand = lax.transpose(operand, tuple(term.index(lab) for lab in out_labels))
    shape = tuple(sizes[lab] for lab in out_labels)
    if operand.shape != shape:        # labels that were all size-1 broadcasts
        operand = lax.broadcast_in_dim(operand, shape, tuple(range(len(shape))))
    return operand


def _einsum_inputs(subscripts, operands):
    if not isinstance(subscripts, str):
        subscripts, operands = _interleaved_to_string((subscripts,) + tuple(operands))
    if not operands:
        raise ValueError("numax.numpy.einsum: no operands given")
    return subscripts, operands


def einsum(subscripts, /, *operands, out=None, optimize="auto", precision=None,
           preferred_element_type=None):
    """Einstein summation: each label names an axis; labels missing from the output are
    summed, repeated ones within an operand take its diagonal.

    >>> import numax.numpy as jnp
    >>> a = jnp.arange(6.).reshape(2, 3)
    >>> jnp.einsum("ij,kj->ik", a, a)
    Array([[ 5., 14.],
           [14., 50.]], dtype=float32)
    >>> jnp.einsum("ii->", jnp.eye(3))
    Array(3., dtype=float32)
    """
    if out is not None:
        raise NotImplementedError("numax.numpy.einsum: the `out` argument is not supported")
    del optimize     # the greedy order is always used
    subscripts, operands = _einsum_inputs(subscripts, operands)
    operands = [ensure_array(op) for op in promote(*operands, name="numax.numpy.einsum")]
    labels, out_labels = _parse(subscripts, [op.shape for op in operands])
    if preferred_element_type is not None:
        preferred_element_type = dtypes.canonicalize_dtype(preferred_element_type)
    if any(op.dtype == np.bool_ for op in operands):
        raise TypeError("numax.numpy.einsum: boolean operands are not supported; cast them to "
                        "a number type first")
    return _einsum_program(tuple(operands), labels=tuple(map(tuple, labels)),
                           out_labels=tuple(out_labels), precision=precision,
                           preferred_element_type=preferred_element_type)


@jit(static_argnames=("labels", "out_labels", "precision", "preferred_element_type"))
def _einsum_program(operands, *, labels, out_labels, precision, preferred_element_type):
    out = _contract(list(operands), [list(term) for term in labels], list(out_labels),
                    precision, preferred_element_type)
    if preferred_element_type is not None and out.dtype != preferred_element_type:
        out = lax.convert_element_type(out, preferred_element_type)
    return out


def einsum_path(subscripts, /, *operands, optimize="greedy"):
    """The pairwise contraction order einsum uses, in NumPy's format, and a description.

    >>> import numax.numpy as jnp
    >>> jnp.einsum_path("ij,jk,kl->il", jnp.ones((2, 3)), jnp.ones((3, 4)), jnp.ones((4, 5)))[0]
    ['einsum_path', (0, 1), (0, 1)]
    """
    subscripts, operands = _einsum_inputs(subscripts, operands)
    shapes = [np.shape(op) for op in operands]
    labels, out_labels = _parse(subscripts, shapes)
    sizes = _label_sizes(labels, shapes)
    path = _greedy_order(labels, out_labels, sizes)
    lines = [f"  Complete contraction:  {subscripts}", "  Optimizer: greedy (numax)"]
    terms = ["".join(term) for term in labels]
    for i, j in path:
        lines.append(f"  contract {terms[i]},{terms[j]}")
        terms = [t for k, t in enumerate(terms) if k not in (i, j)] + [terms[i] + terms[j]]
    return ["einsum_path"] + path, "\n".join(lines)


# ---------------------------------------------------------------- named contractions

def tensordot(a, b, axes=2, *, precision=None, preferred_element_type=None):
    """Sum of products over the last `axes` axes of a and the first of b, or over the
    given pairs of axes.

    >>> import numax.numpy as jnp
    >>> jnp.tensordot(jnp.ones((2, 3)), jnp.ones((3, 4)), axes=1).shape
    (2, 4)
    """
    a, b = (ensure_array(v) for v in promote(a, b, name="numax.numpy.tensordot"))
    if isinstance(axes, (int, np.integer)):
        count = int(axes)
        if count < 0 or count > min(a.ndim, b.ndim):
            raise ValueError(f"numax.numpy.tensordot: axes={count} must be between 0 and the "
                             f"smaller rank ({a.ndim}, {b.ndim})")
        a_axes, b_axes = tuple(range(a.ndim - count, a.ndim)), tuple(range(count))
    else:
        try:
            a_axes, b_axes = axes
        except (TypeError, ValueError):
            raise TypeError(f"numax.numpy.tensordot: axes must be an int or a pair of axis "
                            f"sequences, got {axes!r}") from None
        a_axes = (a_axes,) if isinstance(a_axes, (int, np.integer)) else tuple(a_axes)
        b_axes = (b_axes,) if isinstance(b_axes, (int, np.integer)) else tuple(b_axes)
        if len(a_axes) != len(b_axes):
            raise ValueError(f"numax.numpy.tensordot: the axes lists {a_axes} and {b_axes} must "
                             "have one length")
        a_axes = tuple(canonicalize_axis(i, a.ndim) for i in a_axes)
        b_axes = tuple(canonicalize_axis(i, b.ndim) for i in b_axes)
    for i, j in zip(a_axes, b_axes):
        if a.shape[i] != b.shape[j]:
            raise ValueError(f"numax.numpy.tensordot: shape mismatch: axis {i} of a has size "
                             f"{a.shape[i]}, axis {j} of b has size {b.shape[j]}")
    return lax.dot_general(a, b, ((a_axes, b_axes), ((), ())), precision=precision,
                           preferred_element_type=preferred_element_type)


def vdot(a, b, *, precision=None, preferred_element_type=None):
    """The dot product of the flattened arrays, conjugating the first."""
    a, b = (ensure_array(v) for v in promote(a, b, name="numax.numpy.vdot"))
    if a.size != b.size:
        raise ValueError(f"numax.numpy.vdot: a and b must have the same size, got {a.size} and "
                         f"{b.size}")
    a = lax.reshape(ufuncs.conjugate(a), (a.size,))
    return lax.dot_general(a, lax.reshape(b, (b.size,)), (((0,), (0,)), ((), ())),
                           precision=precision, preferred_element_type=preferred_element_type)


def vecdot(x1, x2, /, *, axis=-1, precision=None, preferred_element_type=None):
    """The Array API's vector dot product along `axis` (the first argument conjugated),
    broadcasting the other axes."""
    from numax.numpy.manipulation import broadcast_arrays, moveaxis
    x1, x2 = broadcast_arrays(*promote(x1, x2, name="numax.numpy.vecdot"))
    if x1.ndim == 0:
        raise ValueError("numax.numpy.vecdot: the arguments must be at least 1-d")
    x1, x2 = moveaxis(ufuncs.conjugate(x1), axis, -1), moveaxis(x2, axis, -1)
    batch = tuple(range(x1.ndim - 1))
    return lax.dot_general(x1, x2, (((x1.ndim - 1,), (x2.ndim - 1,)), (batch, batch)),
                           precision=precision, preferred_element_type=preferred_element_type)


def matvec(x1, x2, /):
    """Matrix-vector products over the last axes, broadcasting the rest."""
    from numax.numpy.manipulation import matmul
    x2 = ensure_array(x2)
    return lax.squeeze(matmul(x1, lax.expand_dims(x2, (x2.ndim,))), (-1,)) if x2.ndim else \
        matmul(x1, x2)


def vecmat(x1, x2, /):
    """Vector-matrix products over the last axes (the vector conjugated)."""
    from numax.numpy.manipulation import matmul
    x1 = ufuncs.conjugate(ensure_array(x1))
    out = matmul(lax.expand_dims(x1, (x1.ndim - 1,)), x2)
    return lax.squeeze(out, (out.ndim - 2,))


def inner(a, b, *, precision=None, preferred_element_type=None):
    """Sum of products over the last axes of a and b (a product for scalars)."""
    a, b = (ensure_array(v) for v in promote(a, b, name="numax.numpy.inner"))
    if a.ndim == 0 or b.ndim == 0:
        return ufuncs.multiply(a, b)
    return tensordot(a, b, ((-1,), (-1,)), precision=precision,
                     preferred_element_type=preferred_element_type)


def outer(a, b, out=None):
    """out[i, j] = a.ravel()[i] * b.ravel()[j]."""
    if out is not None:
        raise NotImplementedError("numax.numpy.outer: the `out` argument is not supported")
    a, b = ensure_array(a), ensure_array(b)
    a = lax.reshape(a, (a.size, 1))
    b = lax.reshape(b, (1, b.size))
    return ufuncs.multiply(a, b)


def kron(a, b):
    """The Kronecker product: blocks a[i, ...] * b, laid out like a's elements.

    >>> import numax.numpy as jnp
    >>> jnp.kron(jnp.asarray([1, 10]), jnp.asarray([1, 2, 3]))
    Array([ 1,  2,  3, 10, 20, 30], dtype=int32)
    """
    a, b = (ensure_array(v) for v in promote(a, b, name="numax.numpy.kron"))
    ndim = max(a.ndim, b.ndim)
    a_shape = (1,) * (ndim - a.ndim) + a.shape
    b_shape = (1,) * (ndim - b.ndim) + b.shape
    a = lax.reshape(a, tuple(d for n in a_shape for d in (n, 1)))
    b = lax.reshape(b, tuple(d for n in b_shape for d in (1, n)))
    return lax.reshape(ufuncs.multiply(a, b), tuple(m * n for m, n in zip(a_shape, b_shape)))


def cross(a, b, axisa=-1, axisb=-1, axisc=-1, axis=None):
    """The cross product of 2- or 3-vectors along the given axes (other axes broadcast).
    Two 2-vectors give the scalar z-component.

    >>> import numax.numpy as jnp
    >>> jnp.cross(jnp.asarray([1., 0., 0.]), jnp.asarray([0., 1., 0.]))
    Array([0., 0., 1.], dtype=float32)
    """
    if axis is not None:
        axisa = axisb = axisc = axis
    a, b = (ensure_array(v) for v in promote(a, b, name="numax.numpy.cross"))
    if a.ndim == 0 or b.ndim == 0:
        raise ValueError("numax.numpy.cross: the arguments must be at least 1-d")
    return _cross_program(a, b, axisa=int(axisa), axisb=int(axisb), axisc=int(axisc))


@jit(static_argnames=("axisa", "axisb", "axisc"))
def _cross_program(a, b, *, axisa, axisb, axisc):
    from numax.numpy.manipulation import broadcast_arrays, moveaxis
    a, b = moveaxis(a, axisa, -1), moveaxis(b, axisb, -1)
    if a.shape[-1] not in (2, 3) or b.shape[-1] not in (2, 3):
        raise ValueError(f"numax.numpy.cross: incompatible vector dimensions {a.shape[-1]} and "
                         f"{b.shape[-1]} for a cross product (must be 2 or 3)")

    def component(v, i):
        if i >= v.shape[-1]:
            return None
        return lax.index_in_dim(v, i, axis=v.ndim - 1, keepdims=False)

    a0, a1, a2 = (component(a, i) for i in range(3))
    b0, b1, b2 = (component(b, i) for i in range(3))

    def minus(x, y):
        return ufuncs.subtract(x, y)

    def times(x, y):
        return None if x is None or y is None else ufuncs.multiply(x, y)

    z = minus(times(a0, b1), times(a1, b0))
    if a2 is None and b2 is None:
        return z
    zero = ufuncs.multiply(a0, 0) if a2 is None else None
    a2 = zero if a2 is None else a2
    b2 = ufuncs.multiply(b0, 0) if b2 is None else b2
    x = minus(times(a1, b2), times(a2, b1))
    y = minus(times(a2, b0), times(a0, b2))
    x, y, z = broadcast_arrays(x, y, z)
    result = lax.concatenate([lax.expand_dims(c, (c.ndim,)) for c in (x, y, z)], x.ndim)
    return moveaxis(result, -1, axisc)
