"""numax.stages: the AOT stage types are the classes jit's lower()/compile() return, and
`Wrapped` recognises jitted functions; compiled results are checked against NumPy."""

import numpy as np

import numax
import numax.numpy as jnp
from numax import stages


def _scaled_sum(x, y):
    return jnp.sum(x * y) + 1.0


def test_lower_and_compile_return_the_stage_classes():
    x = np.arange(6, dtype=np.float32).reshape(2, 3)
    lowered = numax.jit(_scaled_sum).lower(x, x)
    assert isinstance(lowered, stages.Lowered)
    assert "stablehlo" in lowered.as_text() or "func.func" in lowered.as_text()
    compiled = lowered.compile()
    assert isinstance(compiled, stages.Compiled)
    np.testing.assert_allclose(compiled(x, 2 * x), np.sum(x * 2 * x) + 1.0, rtol=1e-6)


def test_wrapped_recognises_jitted_functions_only():
    assert isinstance(numax.jit(_scaled_sum), stages.Wrapped)
    assert isinstance(numax.jit(_scaled_sum, static_argnums=1), stages.Wrapped)
    assert not isinstance(_scaled_sum, stages.Wrapped)
    assert not isinstance(numax.grad(_scaled_sum), stages.Wrapped)  # no lower(), as in JAX


def test_public_names():
    assert sorted(stages.__all__) == ["Compiled", "Lowered", "Wrapped"]
    assert numax.stages is stages
