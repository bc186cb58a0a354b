"""Prints the StableHLO op count of programs whose control flow has unused outputs: what
dead-code elimination through scan/cond/while leaves for XLA. Run it at two commits
(`PYTHONPATH=<checkout> python benchmarks/stablehlo_op_counts.py`) to compare."""

import re

import numax
import numax.numpy as jnp
from numax import lax


def ops(text):
    return len(re.findall(r'= "?stablehlo\.|^\s*"?stablehlo\.', text, re.M))


def rnn_loss(w, xs):
    def step(h, x):
        h = jnp.tanh(h @ w + x)
        return h, jnp.sum(h)
    h, ys = lax.scan(step, jnp.zeros(4), xs)
    return jnp.sum(h)


def cond_one(p, x):
    a, b = lax.cond(p, lambda x: (jnp.sin(x) @ x, jnp.exp(x) @ x),
                    lambda x: (x @ x, jnp.cos(x) @ x), x)
    return a


def while_one(x):
    i, a, b = lax.while_loop(lambda c: c[0] < 5,
                             lambda c: (c[0] + 1, c[1] * 2.0, jnp.exp(c[2]) @ c[2]), (0, x, x))
    return a


w, xs, x = jnp.ones((4, 4)) * 0.1, jnp.ones((10, 4)), jnp.eye(4)
print("| program | StableHLO ops |\n| --- | ---: |")
for name, f, args in [("grad of an RNN loss (scan)", numax.grad(rnn_loss), (w, xs)),
                      ("cond, 1 of 2 outputs used", cond_one, (True, x)),
                      ("while, 1 of 3 carries used", while_one, (x,))]:
    print(f"| {name} | {ops(numax.jit(f).lower(*args).as_text())} |")
