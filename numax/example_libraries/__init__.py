"""numax.example_libraries: small example libraries built on numax, as JAX's.

`optimizers` holds first-order optimizers as (init_fun, update_fun, get_params) triples and
`stax` a neural-network layer library of (init_fun, apply_fun) pairs. Like JAX's package,
this one imports neither submodule itself: `from numax.example_libraries import optimizers`.
"""
