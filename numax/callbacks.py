"""Host callbacks: `pure_callback`, `io_callback`, and the primitives behind them and `numax.debug`.

Three primitives call a Python function on the host while a program runs:

- `pure_callback` (no effects): the function is taken to be pure, so a call whose
  results are unused may be dropped, and XLA may reorder calls by data dependence;
- `io_callback` (effect "io"): never dropped, whether or not its results are used;
- `debug_callback` (effect "debug", no results): what `numax.debug.print` and
  `numax.debug.callback` bind; never dropped.

Under jit each equation becomes one custom call into Python through the XLA runtime
(runtime/callbacks.py); programs are never split around a callback. The io and debug
callbacks of a program run in program order, ordered or not: a token chains them in
the module (lowering/jaxpr_lowering.py). JAX orders only `ordered=True` calls and
may run the others in any order, which XLA really does; numax gives the deterministic
order for the cost of a token, and keeps `ordered` for what else it means (an
ordered io_callback cannot be vmapped). A program with callbacks returns only after
they have all run, so the calls of consecutive programs are ordered too.
Eagerly the primitives call the host function directly: the same host function runs
on the same read-only NumPy arguments as under jit, so results, errors and printed
text are identical.

A primitive's `callback` parameter is a `HostFunction`: flat NumPy arrays in, a list of
NumPy arrays of exactly `result_avals` out. `UserFunction` wraps the user's function
(pytree and keyword arguments, validation of what it returns). Batching rules wrap it
in a `SequentialCallback` (one call per batch element, in order) or, for pure
callbacks with a vectorized `vmap_method`, ask it for batched results.

Nothing in numax removes an equation of a primitive with effects (core/ir.py's `dce`
keeps them), so io and debug callbacks always run; differentiation of pure and io
callbacks is an error (wrap them in `custom_jvp`/`custom_vjp`), while a debug
callback under differentiation sees primal values and contributes no tangent.
"""

import itertools

import numpy as np

from numax import runtime
from numax.array import Array, from_host
from numax.core import dtypes
from numax.core.abstract import ShapedArray, TypedScalar
from numax.core.errors import NumaxError
from numax.core.primitive import Primitive
from numax.core.pytree import tree_flatten, tree_leaves, tree_unflatten
from numax.core.trace import EVAL_TRACE, Tracer, raise_escaped, set_current_trace
from numax.dispatch import argument_device
from numax.lowering import TOKEN_TYPE


class CallbackError(NumaxError, RuntimeError):
    """A host callback raised, or returned values other than the ones it declared."""


# ---------------------------------------------------------------- host functions

class HostFunction:
    """A callback primitive's `callback` parameter. Hashes and compares by identity."""

    __slots__ = ()

    @property
    def __name__(self):  # how the IR printer shows the parameter
        return self.name


class UserFunction(HostFunction):
    """The user's function: rebuilds the argument pytrees, calls it, checks its results.

    `result_avals` are the results it must return (batched ones for a vectorized
    `vmap_method`); a debug callback's return value is ignored.
    """

    __slots__ = ("function", "in_tree", "result_avals", "api", "name", "ignore_result")

    def __init__(self, function, in_tree, result_avals, api, ignore_result=False):
        self.function = function
        self.in_tree = in_tree
        self.result_avals = tuple(result_avals)
        self.api = api
        self.name = getattr(function, "__name__", None) or type(function).__name__
        self.ignore_result = ignore_result

    def with_result_avals(self, result_avals):
        return UserFunction(self.function, self.in_tree, result_avals, self.api, self.ignore_result)

    def __call__(self, *arrays):
        args, kwargs = tree_unflatten(self.in_tree, list(arrays))
        try:
            with set_current_trace(EVAL_TRACE):  # numax code in a callback runs eagerly
                out = self.function(*args, **kwargs)
        except Exception as error:
            raise CallbackError(f"{self.api}: the callback {self.name!r} raised "
                                f"{type(error).__name__}: {error}") from error
        if self.ignore_result:
            return []
        return check_results(out, self.result_avals, self.api, self.name)


def _describe(shape, dtype):
    return f"{np.dtype(dtype).name}[{','.join(str(d) for d in shape)}]"


def check_results(out, result_avals, api, name):
    """The leaves of `out` as NumPy arrays, if they have exactly `result_avals`' types."""
    leaves = tree_leaves(out)
    if len(leaves) != len(result_avals):
        expected = ", ".join(_describe(a.shape, a.dtype) for a in result_avals) or "nothing"
        raise CallbackError(f"{api}: the callback {name!r} returned {len(leaves)} value(s), "
                            f"but result_shape_dtypes declares {len(result_avals)} ({expected})")
    results = []
    for i, (leaf, aval) in enumerate(zip(leaves, result_avals)):
        value = np.asarray(leaf)
        if value.shape != aval.shape or value.dtype != aval.dtype:
            raise CallbackError(
                f"{api}: the callback {name!r} returned {_describe(value.shape, value.dtype)} "
                f"for result {i}, but result_shape_dtypes declares "
                f"{_describe(aval.shape, aval.dtype)}. A callback must return exactly the declared "
                "shapes and dtypes (convert with np.asarray(value, dtype) / reshape).")
        results.append(value)
    return results


class SequentialCallback(HostFunction):
    """An unbatched host function run once per batch element, in order, results stacked.

    `levels` holds one (size, batched flag per operand) per vmap that added a level, in
    the order the batching rules ran (innermost vmap first). Operands carry their batch
    axes in front, the last level's first; a level's flags say which operands carry
    its axis. The first level is the outermost loop, so nested vmaps call the function
    in the order unrolling each vmap in turn would.
    """

    __slots__ = ("inner", "levels", "result_avals")

    def __init__(self, inner, levels):
        self.inner = inner
        self.levels = tuple(levels)
        sizes = tuple(size for size, _ in reversed(self.levels))
        self.result_avals = tuple(ShapedArray(sizes + a.shape, a.dtype)
                                  for a in inner.result_avals)

    name = property(lambda self: self.inner.name)
    api = property(lambda self: self.inner.api)

    @staticmethod
    def add_level(callback, size, batched):
        if isinstance(callback, SequentialCallback):
            return SequentialCallback(callback.inner, callback.levels + ((size, batched),))
        return SequentialCallback(callback, ((size, batched),))

    def __call__(self, *arrays):
        outs = [np.empty(a.shape, a.dtype) for a in self.result_avals]
        count = len(self.levels)
        for index in itertools.product(*[range(size) for size, _ in self.levels]):
            element = []
            for k, array in enumerate(arrays):
                position = tuple(index[level] for level in reversed(range(count))
                                 if self.levels[level][1][k])
                element.append(array[position + (Ellipsis,)] if position else array)
            where = tuple(reversed(index))
            for out, result in zip(outs, self.inner(*element)):
                out[where] = result
        return outs


class _XlaEntry:
    """What XLA calls: takes and returns the ordering token, returns C-ordered arrays."""

    __slots__ = ("callback", "ordered")

    def __init__(self, callback, ordered):
        self.callback = callback
        self.ordered = ordered

    def __call__(self, *arrays):
        token = None
        if self.ordered:
            token, arrays = arrays[0], arrays[1:]
        results = tuple(r if r.flags.c_contiguous else np.array(r, order="C")
                        for r in self.callback(*arrays))
        return (token,) + results if self.ordered else results


# ---------------------------------------------------------------- shared rules

def _host_array(value):
    """A read-only NumPy array of an operand, as the compiled program would pass it."""
    if isinstance(value, Array):
        array = np.asarray(value)
    elif type(value) is TypedScalar:
        array = value.value
    elif isinstance(value, Tracer):
        raise_escaped(value)
    else:
        array = np.asarray(value, dtypes.dtype_and_weak_type(value)[0])
    if array.flags.writeable:
        array = array.view()
        array.flags.writeable = False
    return array


def _callback_impl(*args, callback, **params):
    """Eager: calls the host function now; results go where committed operands live."""
    device = argument_device([a for a in args if isinstance(a, Array)])
    results = callback(*[_host_array(a) for a in args])
    # the callback's results are numax's own transfer, not the user's: no transfer guard
    return [from_host(r, dtype=r.dtype, device=device, committed=device is not None, guard=None)
            for r in results]


def _results_abstract_eval(*avals, result_avals, **params):
    return list(result_avals)


def _emit_callback(ctx, operands, callback, result_avals, side_effect):
    """One custom call into Python; an effectful one takes and returns the effect token."""
    index = ctx.add_host_callback(_XlaEntry(callback, side_effect))
    attributes = {
        "call_target_name": f'"{runtime.callback_target(ctx.platform)}"',
        "api_version": "4 : i32",
        "backend_config": f"{{index = {index} : ui64}}",
        "has_side_effect": "true" if side_effect else "false",
    }
    types = [ctx.type(a) for a in result_avals]
    if not side_effect:
        return ctx.ops("stablehlo.custom_call", operands, types, attributes)
    outs = ctx.ops("stablehlo.custom_call", [ctx.effect_token()] + list(operands),
                   [TOKEN_TYPE] + types, attributes)
    ctx.set_effect_token(outs[0])
    return outs[1:]


def _batch_to_front(args, dims):
    from numax.transforms.batching import move_axis
    return [move_axis(a, d, 0) if d is not None else a for a, d in zip(args, dims)]


def _sequential_batch(primitive, args, dims, params):
    """Batching by a host-side loop: one call of the callback per batch element."""
    from numax.transforms.batching import batch_size
    size = batch_size(args, dims)
    callback = SequentialCallback.add_level(params["callback"], size,
                                            tuple(d is not None for d in dims))
    params = dict(params, callback=callback)
    if "result_avals" in params:
        params["result_avals"] = callback.result_avals
    outs = primitive.bind(*_batch_to_front(args, dims), **params)
    return outs, [0] * len(outs)


def _example_function(api, vmap_method=None):
    """A host function for the rule checker: a cumulative sum along the last axis (it
    accepts leading batch axes, as vectorized vmap methods need)."""
    x = np.arange(6, dtype=np.int32).reshape(2, 3)
    aval = ShapedArray(x.shape, x.dtype)
    _, in_tree = tree_flatten(((x,), {}))
    function = UserFunction(lambda a: np.cumsum(a, axis=-1, dtype=a.dtype), in_tree, (aval,), api)
    return x, function


# ---------------------------------------------------------------- pure_callback

_VMAP_METHODS = (None, "sequential", "sequential_unrolled", "expand_dims", "broadcast_all",
                 "legacy_vectorized")


def _pure_callback_jvp(primals, tangents, *, callback, **params):
    raise ValueError(
        f"numax.pure_callback: cannot differentiate the host callback {callback.name!r}: numax "
        "cannot see inside a Python callback, so it has no JVP rule. Wrap the function that "
        "calls pure_callback in numax.custom_jvp (or numax.custom_vjp) and define its "
        "derivative there, e.g. with another pure_callback.")


def _pure_callback_batch(args, dims, *, callback, result_avals, vmap_method):
    """vmap by `vmap_method`: "sequential" loops on the host; "expand_dims" passes
    unbatched operands with a new leading axis of size 1, "broadcast_all" broadcasts
    them to the batch size, "legacy_vectorized" passes them unchanged; the last three
    call the callback once, with batch axes in front, and expect batched results."""
    from numax import lax
    from numax.transforms.batching import batch_size, to_front
    params = dict(callback=callback, result_avals=result_avals, vmap_method=vmap_method)
    if vmap_method is None:
        raise NotImplementedError(
            f"numax.pure_callback: cannot vmap the callback {callback.name!r} without a "
            "vmap_method. Pass vmap_method='sequential' (one call per batch element), "
            "'expand_dims' or 'broadcast_all' (one call on the whole batch, leading batch "
            "axis) to pure_callback.")
    if vmap_method in ("sequential", "sequential_unrolled"):
        return _sequential_batch(pure_callback_p, args, dims, params)
    size = batch_size(args, dims)
    if vmap_method == "expand_dims":
        args = [lax.expand_dims(a, (0,)) if d is None else a
                for a, d in zip(_batch_to_front(args, dims), dims)]
    elif vmap_method == "broadcast_all":
        args = [to_front(a, d, size) for a, d in zip(args, dims)]
    else:
        args = _batch_to_front(args, dims)
    batched = callback.with_result_avals(
        [ShapedArray((size,) + a.shape, a.dtype) for a in result_avals])
    outs = pure_callback_p.bind(*args, callback=batched, result_avals=batched.result_avals,
                                vmap_method=vmap_method)
    return outs, [0] * len(outs)


def _pure_callback_examples():
    x, sequential = _example_function("numax.pure_callback")
    _, vectorized = _example_function("numax.pure_callback")
    # Integer inputs: differentiating a pure callback is an error, not a rule to check.
    return [((x,), dict(callback=sequential, result_avals=sequential.result_avals,
                        vmap_method="sequential")),
            ((x,), dict(callback=vectorized, result_avals=vectorized.result_avals,
                        vmap_method="expand_dims"))]


pure_callback_p = Primitive(
    "pure_callback",
    abstract_eval=_results_abstract_eval,
    impl=_callback_impl,
    lower=lambda ctx, *operands, callback, result_avals, vmap_method: _emit_callback(
        ctx, operands, callback, result_avals, side_effect=False),
    multiple_results=True,
    jvp=_pure_callback_jvp,
    batch=_pure_callback_batch,
    examples=_pure_callback_examples,
)


# ---------------------------------------------------------------- io_callback

def _io_callback_jvp(primals, tangents, *, callback, **params):
    raise ValueError(
        f"numax.experimental.io_callback: cannot differentiate the host callback "
        f"{callback.name!r}: an io_callback is impure and opaque to numax, so it has no JVP "
        "rule. Wrap the calling function in numax.custom_jvp/custom_vjp to define one.")


def _io_callback_batch(args, dims, *, callback, result_avals, ordered):
    if ordered:
        raise ValueError(
            f"numax.experimental.io_callback: cannot vmap the ordered io_callback "
            f"{callback.name!r}: the order of its calls across batch elements is undefined. "
            "Use ordered=False, or loop in Python.")
    return _sequential_batch(io_callback_p, args, dims,
                             dict(callback=callback, result_avals=result_avals, ordered=ordered))


def _io_callback_examples():
    x, function = _example_function("numax.experimental.io_callback")
    return [((x,), dict(callback=function, result_avals=function.result_avals, ordered=False))]


io_callback_p = Primitive(
    "io_callback",
    abstract_eval=_results_abstract_eval,
    impl=_callback_impl,
    lower=lambda ctx, *operands, callback, result_avals, ordered: _emit_callback(
        ctx, operands, callback, result_avals, side_effect=True),
    multiple_results=True,
    jvp=_io_callback_jvp,
    batch=_io_callback_batch,
    examples=_io_callback_examples,
    effects=("io",),
)
"""Never removed, even when its results are unused (its effect keeps it)."""


# ---------------------------------------------------------------- debug_callback

def _debug_callback_jvp(primals, tangents, *, callback, ordered):
    """Sees the primal values; contributes nothing to derivatives."""
    debug_callback_p.bind(*primals, callback=callback, ordered=ordered)
    return [], []


def _debug_callback_examples():
    x = np.linspace(-1, 1, 6, dtype=np.float32).reshape(2, 3)
    _, in_tree = tree_flatten(((x, x), {}))
    function = UserFunction(lambda a, b: None, in_tree, (), "numax.debug.callback",
                            ignore_result=True)
    return [((x, x), dict(callback=function, ordered=False))]


debug_callback_p = Primitive(
    "debug_callback",
    abstract_eval=lambda *avals, callback, ordered: [],
    impl=_callback_impl,
    lower=lambda ctx, *operands, callback, ordered: _emit_callback(
        ctx, operands, callback, (), side_effect=True),
    multiple_results=True,
    jvp=_debug_callback_jvp,
    batch=lambda args, dims, **params: _sequential_batch(debug_callback_p, args, dims, params),
    examples=_debug_callback_examples,
    effects=("debug",),
)


# ---------------------------------------------------------------- public API

def _flatten_arguments(args, kwargs, api):
    """The array leaves of (args, kwargs), and their tree."""
    leaves, in_tree = tree_flatten((args, kwargs))
    for leaf in leaves:
        if isinstance(leaf, (Array, Tracer)):
            continue
        try:
            dtypes.dtype_and_weak_type(leaf)
        except (TypeError, ValueError):
            raise TypeError(f"{api}: the arguments passed to the callback must be arrays, "
                            f"scalars or pytrees of them, got {leaf!r} of type "
                            f"{type(leaf).__name__}. Pass other values through a closure or "
                            "functools.partial.") from None
    return leaves, in_tree


def _result_avals(result_shape_dtypes, api):
    leaves, out_tree = tree_flatten(result_shape_dtypes)
    avals = []
    for leaf in leaves:
        shape, dtype = getattr(leaf, "shape", None), getattr(leaf, "dtype", None)
        if shape is None or dtype is None:
            raise TypeError(f"{api}: every leaf of result_shape_dtypes needs .shape and .dtype "
                            f"(e.g. numax.ShapeDtypeStruct(shape, dtype)), got {leaf!r}")
        dtype = np.dtype(dtype)
        if dtypes.canonicalize_dtype(dtype) != dtype:
            raise ValueError(
                f"{api}: result_shape_dtypes asks for {dtype.name}, but 64-bit types are off; "
                f"ask for {dtypes.canonicalize_dtype(dtype).name}, or enable them with "
                "numax.config.update('jax_enable_x64', True)")
        avals.append(ShapedArray(tuple(shape), dtype))
    return tuple(avals), out_tree


def pure_callback(callback, result_shape_dtypes, *args, sharding=None, vmap_method=None,
                  **kwargs):
    """Calls the pure Python function `callback(*args, **kwargs)` on the host; works under jit,
    vmap (per `vmap_method`) and inside other transformations, but cannot be differentiated.

    `callback` gets read-only NumPy arrays (pytrees as given) and must return arrays of
    exactly the shapes and dtypes of `result_shape_dtypes` (a pytree of objects with
    `.shape`/`.dtype`, e.g. ShapeDtypeStruct). Being pure, a call whose results are unused
    may be skipped. Under vmap, `vmap_method` says how to batch: "sequential" calls it once
    per batch element; "expand_dims" calls it once with the batch axis in front (unbatched
    arguments get a size-1 axis), "broadcast_all" likewise with unbatched arguments
    broadcast, "legacy_vectorized" with them unchanged; None makes vmap an error.

    >>> import numpy as np, numax, numax.numpy as jnp
    >>> f = lambda x: numax.pure_callback(np.sin, numax.ShapeDtypeStruct(x.shape, x.dtype), x)
    >>> numax.jit(f)(jnp.zeros(2))
    Array([0., 0.], dtype=float32)
    """
    del sharding  # one device: the callback runs on the host of the device it is called from
    api = "numax.pure_callback"
    if vmap_method not in _VMAP_METHODS:
        raise ValueError(f"{api}: vmap_method must be one of {_VMAP_METHODS}, got {vmap_method!r}")
    result_avals, out_tree = _result_avals(result_shape_dtypes, api)
    flat, in_tree = _flatten_arguments(args, kwargs, api)
    function = UserFunction(callback, in_tree, result_avals, api)
    outs = pure_callback_p.bind(*flat, callback=function, result_avals=result_avals,
                                vmap_method=vmap_method)
    return tree_unflatten(out_tree, outs)


def io_callback(callback, result_shape_dtypes, *args, sharding=None, ordered=False, **kwargs):
    """Calls the impure Python function `callback(*args, **kwargs)` on the host.

    Like `pure_callback`, but never skipped, and the calls of a program happen in program
    order. vmap calls it once per batch element, unless `ordered=True` (then vmap is an
    error, as in JAX). It cannot be differentiated.

    >>> import numpy as np, numax, numax.numpy as jnp
    >>> from numax.experimental import io_callback
    >>> seen = []
    >>> _ = numax.jit(lambda x: io_callback(seen.append, None, x, ordered=True))(jnp.ones(2))
    >>> seen
    [array([1., 1.], dtype=float32)]
    """
    del sharding
    api = "numax.experimental.io_callback"
    result_avals, out_tree = _result_avals(result_shape_dtypes, api)
    flat, in_tree = _flatten_arguments(args, kwargs, api)
    function = UserFunction(callback, in_tree, result_avals, api)
    outs = io_callback_p.bind(*flat, callback=function, result_avals=result_avals,
                              ordered=bool(ordered))
    return tree_unflatten(out_tree, outs)


def debug_callback(callback, args, kwargs, ordered, api):
    """Binds `callback(*args, **kwargs)` as a debug callback (numax.debug builds on this)."""
    if not callable(callback):
        raise TypeError(f"{api}: the callback must be callable, got {callback!r}")
    flat, in_tree = _flatten_arguments(args, kwargs, api)
    function = UserFunction(callback, in_tree, (), api, ignore_result=True)
    debug_callback_p.bind(*flat, callback=function, ordered=bool(ordered))


def effects_barrier():
    """Waits until the callbacks of every program started so far have run.

    A numax program with callbacks returns only once they have all run, so this has
    nothing to wait for; it exists for code written against JAX.
    """
