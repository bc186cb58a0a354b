"""Generic rule checks over the whole primitive registry.

Every registered primitive declares example inputs; for each of them this test checks
that eager execution equals jit execution bit for bit (both lower through the same
rules, so any difference is a bug in dispatch or staging), that the result has the
shape, dtype and weak type that abstract evaluation promised, and that the staged
program passes the IR type checker. A primitive without examples fails here: adding a
primitive means declaring how to exercise it. A primitive the checks cannot exercise
(token values, stateful random numbers) declares `rule_checks_exempt` with its reason,
reported here and in the AD and batching checkers as a skip.
"""

import numpy as np
import pytest

import numax
from numax.api import abstractify
from numax.array import Array
from numax.core.ir import typecheck
from numax.core.primitive import registry


def _all_primitives():
    import numax.lax  # noqa: F401  (registers every primitive)
    return sorted(registry.values(), key=lambda p: p.name)


def _cases():
    for primitive in _all_primitives():
        if primitive.rule_checks_exempt:
            yield pytest.param(primitive, None, None, id=f"{primitive.name}-exempt",
                               marks=pytest.mark.skip(reason=primitive.rule_checks_exempt))
            continue
        examples = primitive.examples() if primitive.examples is not None else None
        if not examples:
            yield pytest.param(primitive, None, None, id=f"{primitive.name}-no-examples")
            continue
        for i, (args, params) in enumerate(examples):
            yield pytest.param(primitive, args, params, id=f"{primitive.name}-{i}")


def _flat(out):
    return list(out) if isinstance(out, (list, tuple)) else [out]


def _assert_same(a, b, primitive):
    a, b = np.asarray(a), np.asarray(b)
    assert a.dtype == b.dtype and a.shape == b.shape, primitive.name
    if a.dtype.kind in "fc":
        np.testing.assert_array_equal(a, b, err_msg=primitive.name)  # NaNs compare equal here
    else:
        assert a.tobytes() == b.tobytes(), primitive.name


@pytest.mark.parametrize("primitive,args,params", list(_cases()))
def test_eager_matches_jit(primitive, args, params):
    if args is None:
        pytest.fail(f"primitive {primitive.name!r} declares no example inputs")
    eager = _flat(primitive.bind(*args, **params))
    staged = numax.jit(lambda *xs: primitive.bind(*xs, **params))(*args)
    staged = _flat(staged)
    avals = primitive.abstract_eval(*[abstractify(x) for x in args],
                                    **params)
    avals = _flat(avals)
    assert len(eager) == len(staged) == len(avals)
    for e, s, aval in zip(eager, staged, avals):
        assert isinstance(e, Array) and isinstance(s, Array)
        assert e.aval == aval, f"{primitive.name}: eager result {e.aval} != abstract eval {aval}"
        assert s.aval == aval, f"{primitive.name}: jit result {s.aval} != abstract eval {aval}"
        _assert_same(e, s, primitive)
    typecheck(numax.make_jaxpr(lambda *xs: primitive.bind(*xs, **params))(*args))
