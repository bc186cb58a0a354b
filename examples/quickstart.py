"""numax quickstart: arrays, jit, the staged program (jaxpr), its StableHLO, devices.

Run: python examples/quickstart.py
"""

import numpy as np

import numax
import numax.numpy as jnp
from numax import lax

print("backend:", numax.default_backend(), "devices:", numax.devices())

x = jnp.arange(6.0).reshape(2, 3)
y = jnp.asarray(np.linspace(-1, 1, 6, dtype=np.float32).reshape(3, 2))
print("x =", x)
print("x @ y =", x @ y)
print("x.sum(axis=0) =", x.sum(axis=0), " x.T.shape =", x.T.shape)


@numax.jit
def predict(w, b, inputs):
    return jnp.tanh(inputs @ w + b)


w, b = jnp.ones((3, 2)) * 0.1, jnp.zeros(2)
print("predict =", predict(w, b, x))
print("\njaxpr of predict:")
print(numax.make_jaxpr(predict)(w, b, x))
print("\nStableHLO of predict:")
print(predict.lower(w, b, x).as_text())

matmul = numax.jit(lambda a, c: lax.dot(a, c))
big = jnp.ones((256, 256))
out = matmul(big, big).block_until_ready()
print("jitted 256x256 matmul on", out.device, "-> out[0, 0] =", float(out[0, 0]))
