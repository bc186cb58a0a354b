"""Generic batching checks over the whole primitive registry.

For every primitive and example: vmap over a batch of 3 equals stacking the primitive
applied in a Python loop, with the batch axis first, last, and with all but one
operand unbatched. A primitive with examples but no `batch` rule fails here.
"""

import numpy as np
import pytest

import numax
from numax.core import dtypes
from numax.core.primitive import registry

BATCH = 3
MAX_EXAMPLES_PER_PRIMITIVE = 2


def _cases():
    import numax.lax  # noqa: F401
    for primitive in sorted(registry.values(), key=lambda p: p.name):
        if primitive.rule_checks_exempt:  # declared on the primitive, reported as a skip
            yield pytest.param(primitive, (), {}, id=f"{primitive.name}-exempt",
                               marks=pytest.mark.skip(reason=primitive.rule_checks_exempt))
            continue
        examples = (primitive.examples() if primitive.examples else [])[:MAX_EXAMPLES_PER_PRIMITIVE]
        for i, (args, params) in enumerate(examples):
            if not args:
                continue
            yield pytest.param(primitive, args, params, id=f"{primitive.name}-{i}")


def _variants(x, rng):
    """BATCH versions of an example input: floats perturbed, others repeated (indices and
    integer operands keep their valid ranges)."""
    x = np.asarray(x)
    if dtypes.is_inexact(x.dtype):
        noise = rng.uniform(0.9, 1.1, size=(BATCH,) + x.shape).astype(x.dtype)
        return x[None] * noise
    return np.stack([x] * BATCH)


def _flat(out):
    return list(out) if isinstance(out, (list, tuple)) else [out]


def _check(primitive, args, params, batched_positions, axis):
    rng = np.random.default_rng(0)
    stacked = [(_variants(a, rng) if i in batched_positions else np.asarray(a))
               for i, a in enumerate(args)]
    moved = [np.moveaxis(s, 0, axis if axis >= 0 else s.ndim + axis) if i in batched_positions
             else s for i, s in enumerate(stacked)]
    in_axes = tuple(axis if i in batched_positions else None for i in range(len(args)))
    out = numax.vmap(lambda *xs: _flat(primitive.bind(*xs, **params)), in_axes=in_axes)(*moved)
    expected = [_flat(primitive.bind(*[s[b] if i in batched_positions else s
                                      for i, s in enumerate(stacked)], **params))
                for b in range(BATCH)]
    for k, o in enumerate(out):
        reference = np.stack([np.asarray(e[k]) for e in expected])
        np.testing.assert_allclose(np.asarray(o), reference, rtol=1e-6, atol=1e-6,
                                   err_msg=f"{primitive.name}: vmap != loop (batched "
                                           f"{batched_positions}, axis {axis})")


@pytest.mark.parametrize("primitive,args,params", list(_cases()))
def test_vmap_matches_loop(primitive, args, params):
    if primitive.batch is None:
        pytest.fail(f"primitive {primitive.name!r} declares no batching rule")
    everything = tuple(range(len(args)))
    _check(primitive, args, params, everything, 0)
    _check(primitive, args, params, everything, -1)
    if len(args) > 1:
        for i in range(len(args)):
            _check(primitive, args, params, (i,), 0)
