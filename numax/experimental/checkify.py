"""`numax.experimental.checkify`: runtime checks that survive `jit`, as values.

Owns the `check` primitive, the error categories, the `Error` value and the `checkify`
transformation. `checkify(f)` stages `f` to a jaxpr and evaluates it with an interpreter
that threads an *error state* next to the program's values: a flag (has a check failed?),
the code of the first failing check site, and per site the runtime values its message
needs. Sites are found before evaluation by walking the program (`_SiteCollector`), so
loops can carry the whole state. User checks come from `check` equations; the automatic
categories add checks after equations: NaN outputs of floating primitives (`nan_checks`),
`div` by zero (`div_checks`), out-of-bounds start indices of gathers and scatters (except
in "clip" mode), `dynamic_slice` and `dynamic_update_slice` (`index_checks`). The
interpreter recurses into `jit`, `cond`, `while`, `scan` and `checkpoint` sub-programs;
a `custom_jvp`/`custom_vjp` call keeps its
outputs (and so its derivative rule) while its automatic checks run on a copy of its
primal program. Messages are formatted on the host, in `Error.get`, from the recorded
values, so the checked program has no host callback. Knows the control-flow primitives
by name; nothing outside this module knows about checkify.
"""

import threading

import numpy as np

from numax import numpy as jnp
from numax.api import jit_p
from numax.core.abstract import ShapedArray, TypedScalar
from numax.core.errors import NumaxError
from numax.core.ir import ClosedJaxpr, Jaxpr, Literal
from numax.core.primitive import Primitive
from numax.core.pytree import register_pytree_node, tree_flatten, tree_unflatten
from numax.core.trace import Tracer
from numax.custom_derivatives import custom_jvp_call_p, custom_vjp_call_p
from numax.lax.control_flow.common import trace_closed
from numax.lax.control_flow.cond import cond_p
from numax.lax.control_flow.loops import while_p
from numax.lax.control_flow.scan import scan_p
from numax.lax.elementwise import div_p
from numax.lax.indexing import (GatherScatterMode, dynamic_slice_p, dynamic_update_slice_p,
                                gather_p, scatter_add_p, scatter_max_p, scatter_min_p,
                                scatter_mul_p, scatter_p, scatter_sub_p)
from numax.transforms.ad import get_aval
from numax.transforms.batching import batch_size, to_front
from numax.transforms.remat import checkpoint_p
from numax.transforms.staging import trace_to_jaxpr

JaxRuntimeError = NumaxError  # what numax.errors exports under JAX's name


# ---------------------------------------------------------------- error categories

class JaxException(Exception):
    """Base of the error categories; `ErrorCategory` is any subclass of it."""


class FailedCheckError(JaxException):
    """A `checkify.check` whose predicate was False."""


class NaNError(JaxException):
    """A floating-point primitive produced a NaN."""


class DivisionByZeroError(JaxException):
    """A `div` by zero."""


class OOBError(JaxException):
    """An out-of-bounds start index of a gather, scatter, dynamic_slice or dynamic_update_slice."""


ErrorCategory = type[JaxException]

user_checks = frozenset({FailedCheckError})
nan_checks = frozenset({NaNError})
div_checks = frozenset({DivisionByZeroError})
index_checks = frozenset({OOBError})
float_checks = nan_checks | div_checks
automatic_checks = float_checks | index_checks
all_checks = automatic_checks | user_checks


# ---------------------------------------------------------------- the check primitive

class _Functionalizing(threading.local):
    depth = 0  # > 0 while checkify stages a function: `check` may be staged then


_functionalizing = _Functionalizing()

_NOT_FUNCTIONALIZED = (
    "checkify.check was staged (by jit, scan, cond, while_loop, ...) without being "
    "functionalized by checkify.checkify: a staged program cannot raise. Wrap the function: "
    "`err, out = checkify.checkify(f)(*args); err.throw()`.")


def _check_abstract(pred, *fmt_avals, message, fmt_tree, batch_dims):
    if not _functionalizing.depth:
        raise ValueError(_NOT_FUNCTIONALIZED)
    return []


def _first_failure(pred, batch_dims):
    """The batch position (a tuple, () unbatched) of the first False in `pred`, or None."""
    failing = np.argwhere(~np.asarray(pred, bool).reshape(np.shape(pred)[:batch_dims] or ()))
    return tuple(int(i) for i in failing[0]) if len(failing) else None


def _check_impl(pred, *fmt_leaves, message, fmt_tree, batch_dims):
    where = _first_failure(pred, batch_dims)
    if where is not None:
        values = [np.asarray(leaf)[where] for leaf in fmt_leaves]
        raise JaxRuntimeError(_format_user_message(message, fmt_tree, values))
    return []


def _check_lower(ctx, *operands, **params):
    raise ValueError(_NOT_FUNCTIONALIZED)


def _check_jvp(primals, tangents, **params):
    return check_p.bind(*primals, **params), []


def _check_batch(args, dims, *, message, fmt_tree, batch_dims):
    # Batch axes go in front of the ones already there; checkify reports the first failing
    # position in row-major order over all of them.
    size = batch_size(args, dims)
    args = [to_front(x, d, size) for x, d in zip(args, dims)]
    return check_p.bind(*args, message=message, fmt_tree=fmt_tree,
                        batch_dims=batch_dims + 1), []


check_p = Primitive(
    "check",
    abstract_eval=_check_abstract,
    impl=_check_impl,
    lower=_check_lower,
    multiple_results=True,
    jvp=_check_jvp,
    batch=_check_batch,
    effects=("checkify",),  # never dropped as dead code: it has no results to be used
    rule_checks_exempt="a check has no results and cannot be compiled unless checkify "
                       "functionalizes it; tests/test_checkify.py covers its rules",
)


def _format_user_message(message, fmt_tree, values):
    args, kwargs = tree_unflatten(fmt_tree, list(values))
    return f"{message.format(*args, **kwargs)} (`check` failed)"


def _is_array(value):
    # Python scalars are not arrays here (as in JAX): their type would be a guess.
    return isinstance(value, (Tracer, np.ndarray, np.generic)) or hasattr(value, "aval")


def check(pred, msg, *fmt_args, **fmt_kwargs):
    """Checks that the scalar boolean `pred` holds; `msg` is formatted with `fmt_args`
    and `fmt_kwargs` (`str.format`) with their runtime values when it does not.

    Eagerly a failing check raises `JaxRuntimeError`. A check in a staged program (jit,
    scan, ...) must be functionalized by `checkify`, which returns it as an `Error`:

    >>> def f(x):
    ...     check(x > 0, "x must be positive, got {x}", x=x)
    ...     return x * 2
    >>> err, out = checkify(f)(jnp.float32(-1.0))
    >>> err.get()
    'x must be positive, got -1.0 (`check` failed)'
    """
    if not isinstance(pred, (bool, np.bool_)):
        aval = get_aval(pred) if _is_array(pred) else None
        if aval is None or aval.shape != () or aval.dtype != np.bool_:
            raise TypeError(f"checkify.check takes a scalar boolean pred as argument, got {pred!r}")
    if not isinstance(msg, str):
        raise TypeError(f"checkify.check: msg must be a str, got {type(msg).__name__}")
    leaves, fmt_tree = tree_flatten((fmt_args, fmt_kwargs))
    for leaf in leaves:
        if not _is_array(leaf):
            raise TypeError("Formatting arguments to checkify.check need to be pytrees of "
                            f"arrays, but got {leaf!r} of type {type(leaf).__name__}; wrap it "
                            "in numax.numpy.asarray.")
    check_p.bind(np.bool_(pred) if isinstance(pred, bool) else pred, *leaves, message=msg,
                 fmt_tree=fmt_tree, batch_dims=0)


# ---------------------------------------------------------------- check sites

class _Site:
    """One place in the program that can fail: its code, the category and what its
    message needs; `payload_avals` are the runtime values recorded when it fails first."""

    def __init__(self, code, category, payload_avals, describe):
        self.code = code
        self.category = category
        self.payload_avals = tuple(payload_avals)
        self.describe = describe  # list of NumPy payload values -> message

    def __repr__(self):
        return f"_Site({self.code}, {self.category.__name__})"


_INDEX_AVALS = (ShapedArray((), np.dtype(np.int32)), ShapedArray((), np.dtype(np.int32)))


def _oob_message(shape):
    def describe(payload):
        index, axis = (int(v) for v in payload)
        return (f"out-of-bounds indexing for array of shape {tuple(shape)}: index {index} is "
                f"out of bounds for axis {axis} with size {shape[axis]}. ")
    return describe


def _subprograms(eqn):
    for value in eqn.params.values():
        for sub in (value if isinstance(value, (tuple, list)) else (value,)):
            if isinstance(sub, ClosedJaxpr):
                yield sub.jaxpr
            elif isinstance(sub, Jaxpr):
                yield sub


_RECURSED = (jit_p, cond_p, while_p, scan_p, checkpoint_p, custom_jvp_call_p, custom_vjp_call_p)


def _has_user_check(jaxpr):
    return any(eqn.primitive is check_p or any(_has_user_check(s) for s in _subprograms(eqn))
               for eqn in jaxpr.eqns)


class _SiteCollector:
    """Walks a program once and gives every check site a code (its index in `sites`)."""

    def __init__(self, errors):
        self.errors = errors
        self.sites = []
        self.by_equation = {}  # (id(eqn), category) -> _Site; the eqns live in the program
        self.rewritten = set()  # id(eqn) of calls and loops whose sub-programs are rewritten

    def add(self, eqn, category, payload_avals, describe):
        key = (id(eqn), category)
        if key not in self.by_equation:
            site = _Site(len(self.sites), category, payload_avals, describe)
            self.sites.append(site)
            self.by_equation[key] = site
        return True

    def collect(self, jaxpr):
        """Adds the sites of `jaxpr`; returns whether checkify must rewrite it (it has a
        site, or a `check` equation to drop)."""
        rewrite = False
        for eqn in jaxpr.eqns:
            primitive = eqn.primitive
            if primitive is check_p:
                if FailedCheckError in self.errors:
                    self._add_user_check(eqn)
                rewrite = True
            elif primitive in _RECURSED:
                if primitive is custom_jvp_call_p or primitive is custom_vjp_call_p:
                    if _has_user_check(eqn.params["call"].jaxpr):
                        raise NotImplementedError(
                            f"checkify: a checkify.check inside a {primitive.name} function is "
                            "not supported; move the check outside the function with the custom "
                            "derivative.")
                if any([self.collect(sub) for sub in _subprograms(eqn)]):
                    self.rewritten.add(id(eqn))
                    rewrite = True
            elif _has_user_check_in(eqn):
                raise NotImplementedError(
                    f"checkify: checks inside a {primitive.name} sub-program are not supported "
                    "(checkify looks inside jit, cond, while_loop, scan and checkpoint).")
            else:
                rewrite = self._add_automatic(eqn) or rewrite
        return rewrite

    def _add_user_check(self, eqn):
        batch_dims = eqn.params["batch_dims"]
        avals = [ShapedArray(v.aval.shape[batch_dims:], v.aval.dtype) for v in eqn.invars[1:]]
        message, fmt_tree = eqn.params["message"], eqn.params["fmt_tree"]
        self.add(eqn, FailedCheckError, avals,
                 lambda payload: _format_user_message(message, fmt_tree, payload))

    def _add_automatic(self, eqn):
        """Adds the automatic sites of a plain equation; returns whether it has any."""
        primitive, added = eqn.primitive, False
        if NaNError in self.errors and any(
                np.issubdtype(v.aval.dtype, np.inexact) for v in eqn.outvars):
            added = self.add(eqn, NaNError, (),
                             lambda payload: f"nan generated by primitive: {primitive.name}.")
        if DivisionByZeroError in self.errors and primitive is div_p:
            added = self.add(eqn, DivisionByZeroError, (), lambda payload: "division by zero")
        if OOBError in self.errors and _index_operand_shape(eqn) is not None:
            added = self.add(eqn, OOBError, _INDEX_AVALS, _oob_message(_index_operand_shape(eqn)))
        return added


def _has_user_check_in(eqn):
    return any(_has_user_check(sub) for sub in _subprograms(eqn))


_GATHER_SCATTER = (gather_p, scatter_p, scatter_add_p, scatter_sub_p, scatter_mul_p,
                   scatter_min_p, scatter_max_p)


def _index_operand_shape(eqn):
    """The indexed operand's shape for equations that index_checks covers, else None."""
    if eqn.primitive in _GATHER_SCATTER and eqn.params["mode"] != GatherScatterMode.CLIP:
        return eqn.invars[0].aval.shape  # clipping out-of-bounds indices is what was asked for
    if eqn.primitive in (dynamic_slice_p, dynamic_update_slice_p):
        return eqn.invars[0].aval.shape
    return None


# ---------------------------------------------------------------- the error state

class _State:
    """The error state threaded through the interpreter: `failed` (bool), `code` (int32,
    -1 when nothing failed) and one tuple of recorded values per site."""

    def __init__(self, failed, code, payloads):
        self.failed = failed
        self.code = code
        self.payloads = list(payloads)

    @staticmethod
    def initial(sites):
        return _State(np.bool_(False), np.int32(-1),
                      [tuple(np.zeros(a.shape, a.dtype) for a in s.payload_avals) for s in sites])

    def leaves(self):
        return [self.failed, self.code] + [v for payload in self.payloads for v in payload]

    @staticmethod
    def avals(sites):
        return ([ShapedArray((), np.dtype(np.bool_)), ShapedArray((), np.dtype(np.int32))]
                + [a for s in sites for a in s.payload_avals])

    @staticmethod
    def from_leaves(sites, leaves):
        payloads, position = [], 2
        for site in sites:
            count = len(site.payload_avals)
            payloads.append(tuple(leaves[position:position + count]))
            position += count
        return _State(leaves[0], leaves[1], payloads)

    def record(self, site, fails, payload=()):
        """The state after `site` is checked: it fails where `fails` (a bool scalar)."""
        first = jnp.logical_and(fails, jnp.logical_not(self.failed))
        payloads = list(self.payloads)
        payloads[site.code] = tuple(
            jnp.where(first, jnp.asarray(new, old.dtype), old)
            for new, old in zip(payload, self.payloads[site.code]))
        return _State(jnp.logical_or(self.failed, fails),
                      jnp.where(first, np.int32(site.code), self.code), payloads)


# ---------------------------------------------------------------- the interpreter

def _read(env, var):
    if type(var) is Literal:
        return TypedScalar(var.value, var.aval.dtype, var.aval.weak_type)
    return env[var]


def _first_true(mask):
    """(any element of `mask` is True, flat position of the first True)."""
    flat = jnp.reshape(mask, (-1,))
    return jnp.any(flat), jnp.argmax(flat)


class _Interpreter:
    def __init__(self, collector):
        self.sites = collector.sites
        self.by_equation = collector.by_equation
        self.rewritten = collector.rewritten

    def site(self, eqn, category):
        return self.by_equation.get((id(eqn), category))

    def run_closed(self, closed, args, state):
        return self.run(closed.jaxpr, list(closed.consts) + list(args), state)

    def run(self, jaxpr, args, state):
        """Evaluates `jaxpr` (constvars then invars bound to `args`) on the current trace;
        returns (state, outputs)."""
        env = dict(zip(jaxpr.constvars + jaxpr.invars, args))
        for eqn in jaxpr.eqns:
            inputs = [_read(env, v) for v in eqn.invars]
            state, outs = self.equation(eqn, inputs, state)
            env.update(zip(eqn.outvars, outs))
        return state, [_read(env, v) for v in jaxpr.outvars]

    def stage(self, function, in_avals):
        """`function(state, *args) -> (state, outs)` as a ClosedJaxpr on flat state + args."""
        count = len(_State.avals(self.sites))

        def flat(*leaves):
            state, outs = function(_State.from_leaves(self.sites, leaves[:count]), leaves[count:])
            return state.leaves() + list(outs)
        return trace_closed(flat, _State.avals(self.sites) + list(in_avals))

    def equation(self, eqn, inputs, state):
        primitive = eqn.primitive
        if primitive is check_p:
            site = self.site(eqn, FailedCheckError)
            if site is not None:
                state = self._user_check(site, eqn, inputs, state)
            return state, []
        if id(eqn) in self.rewritten:  # a call or loop with checks inside
            return _HANDLERS[primitive](self, eqn, inputs, state)
        outs = primitive.bind(*inputs, **eqn.params)
        outs = outs if primitive.multiple_results else [outs]
        return self.automatic_checks(eqn, inputs, outs, state), outs

    def _user_check(self, site, eqn, inputs, state):
        pred, leaves = inputs[0], inputs[1:]
        batch_dims = eqn.params["batch_dims"]
        if batch_dims == 0:
            return state.record(site, jnp.logical_not(pred), leaves)
        fails, first = _first_true(jnp.logical_not(pred))
        payload = [jnp.reshape(leaf, (-1,) + jnp.shape(leaf)[batch_dims:])[first]
                   for leaf in leaves]
        return state.record(site, fails, payload)

    def automatic_checks(self, eqn, inputs, outs, state):
        site = self.site(eqn, NaNError)
        if site is not None:
            nan = [jnp.any(jnp.isnan(o)) for o, v in zip(outs, eqn.outvars)
                   if np.issubdtype(v.aval.dtype, np.inexact)]
            state = state.record(site, nan[0] if len(nan) == 1 else jnp.any(jnp.stack(nan)))
        site = self.site(eqn, DivisionByZeroError)
        if site is not None:
            state = state.record(site, jnp.any(jnp.asarray(inputs[1]) == 0))
        site = self.site(eqn, OOBError)
        if site is not None:
            state = state.record(site, *_out_of_bounds(eqn, inputs))
        return state


def _out_of_bounds(eqn, inputs):
    """(some start index is out of bounds, [the first such index, its operand axis])."""
    shape = eqn.invars[0].aval.shape
    if eqn.primitive is dynamic_slice_p or eqn.primitive is dynamic_update_slice_p:
        starts = inputs[1:] if eqn.primitive is dynamic_slice_p else inputs[2:]
        if not starts:
            return np.bool_(False), [np.int32(0), np.int32(0)]
        window = (eqn.params["slice_sizes"] if eqn.primitive is dynamic_slice_p
                  else eqn.invars[1].aval.shape)
        axes, indices = tuple(range(len(shape))), jnp.stack([jnp.asarray(s) for s in starts])
    else:
        axes, window = _gather_scatter_window(eqn)
        indices = inputs[1]
        if not axes:
            return np.bool_(False), [np.int32(0), np.int32(0)]
    # the index vector is the last axis of `indices`; entry k indexes operand axis axes[k]
    indices = jnp.asarray(indices, np.int32)
    limits = np.asarray([shape[a] - window[a] for a in axes], np.int32)
    bad, first = _first_true((indices < 0) | (indices > limits))
    axis_of_entry = jnp.asarray(np.asarray(axes, np.int32))
    return bad, [jnp.reshape(indices, (-1,))[first], axis_of_entry[first % len(axes)]]


def _gather_scatter_window(eqn):
    """(operand axis of each index-vector entry, window size along every operand axis)."""
    dn = eqn.params["dimension_numbers"]
    if eqn.primitive is gather_p:
        return dn.start_index_map, eqn.params["slice_sizes"]
    rank = eqn.invars[0].aval.ndim
    unit = set(dn.inserted_window_dims) | set(dn.operand_batching_dims)
    update_shape = eqn.invars[2].aval.shape
    sizes = iter(update_shape[d] for d in dn.update_window_dims)
    window = tuple(1 if axis in unit else next(sizes) for axis in range(rank))
    return dn.scatter_dims_to_operand_dims, window


def _inline(interpreter, eqn, inputs, state):
    """A jit call: its program is evaluated in place, checks and all."""
    return interpreter.run_closed(eqn.params["jaxpr"], inputs, state)


def _checkpoint(interpreter, eqn, inputs, state):
    closed = eqn.params["jaxpr"]
    checked = interpreter.stage(lambda s, args: interpreter.run_closed(closed, args, s),
                                closed.in_avals)
    params = dict(eqn.params, jaxpr=checked)
    return _split(interpreter, checkpoint_p.bind(*state.leaves(), *inputs, **params))


def _split(interpreter, leaves):
    count = len(_State.avals(interpreter.sites))
    return _State.from_leaves(interpreter.sites, leaves[:count]), leaves[count:]


def _custom_call(interpreter, eqn, inputs, state):
    """Outputs from the call itself, so its derivative rule stays; its automatic checks
    run on a copy of the primal program (XLA shares the duplicated work)."""
    outs = eqn.primitive.bind(*inputs, **eqn.params)
    state, _ = interpreter.run_closed(eqn.params["call"], inputs, state)
    return state, outs


def _cond(interpreter, eqn, inputs, state):
    index, operands = inputs[0], inputs[1:]
    branches = tuple(
        interpreter.stage(lambda s, args, b=branch: interpreter.run_closed(b, args, s),
                          branch.in_avals)
        for branch in eqn.params["branches"])
    params = dict(eqn.params, branches=branches)
    return _split(interpreter, cond_p.bind(index, *state.leaves(), *operands, **params))


def _scan(interpreter, eqn, inputs, state):
    params = eqn.params
    body, num_consts = params["jaxpr"], params["num_consts"]
    consts, rest = inputs[:num_consts], inputs[num_consts:]
    state_count = len(state.leaves())

    def checked_body(*leaves):
        body_consts = leaves[:num_consts]
        inner = _State.from_leaves(interpreter.sites, leaves[num_consts:num_consts + state_count])
        inner, outs = interpreter.run_closed(body, body_consts + leaves[num_consts + state_count:],
                                             inner)
        return inner.leaves() + list(outs)

    avals = body.in_avals
    checked = trace_closed(checked_body, avals[:num_consts] + _State.avals(interpreter.sites)
                           + avals[num_consts:])
    outs = scan_p.bind(*consts, *state.leaves(), *rest,
                       **dict(params, jaxpr=checked, num_carry=params["num_carry"] + state_count))
    return _split(interpreter, outs)


def _while(interpreter, eqn, inputs, state):
    params = eqn.params
    cond, body = params["cond_jaxpr"], params["body_jaxpr"]
    cond_count, body_count = params["cond_nconsts"], params["body_nconsts"]
    cond_consts = inputs[:cond_count]
    body_consts = inputs[cond_count:cond_count + body_count]
    carry = inputs[cond_count + body_count:]
    state_count = len(state.leaves())
    # The predicate runs on the initial carry and after every iteration: its checks do
    # too, the first before the loop and the others at the end of the body.
    state, _ = interpreter.run_closed(cond, cond_consts + carry, state)

    def checked_cond(*leaves):
        plain = _State.initial(interpreter.sites)  # its checks are recorded in the body
        return interpreter.run_closed(cond, leaves[:cond_count]
                                      + leaves[cond_count + state_count:], plain)[1]

    def checked_body(*leaves):
        own, predicate_consts = leaves[:body_count], leaves[body_count:body_count + cond_count]
        rest = leaves[body_count + cond_count:]
        inner = _State.from_leaves(interpreter.sites, rest[:state_count])
        inner, new_carry = interpreter.run_closed(body, own + rest[state_count:], inner)
        inner, _ = interpreter.run_closed(cond, predicate_consts + tuple(new_carry), inner)
        return inner.leaves() + list(new_carry)

    state_avals = _State.avals(interpreter.sites)
    carry_avals = body.out_avals
    new_cond = trace_closed(checked_cond, cond.in_avals[:cond_count] + state_avals + carry_avals)
    new_body = trace_closed(checked_body, body.in_avals[:body_count] + cond.in_avals[:cond_count]
                            + state_avals + carry_avals)
    outs = while_p.bind(*cond_consts, *body_consts, *cond_consts, *state.leaves(), *carry,
                        cond_jaxpr=new_cond, body_jaxpr=new_body, cond_nconsts=cond_count,
                        body_nconsts=body_count + cond_count)
    return _split(interpreter, outs)


_HANDLERS = {jit_p: _inline, checkpoint_p: _checkpoint, custom_jvp_call_p: _custom_call,
             custom_vjp_call_p: _custom_call, cond_p: _cond, scan_p: _scan, while_p: _while}


# ---------------------------------------------------------------- Error and checkify

def _concrete(value, what):
    if isinstance(value, Tracer):
        raise TypeError(f"checkify.Error.{what}() needs concrete values, but the error holds "
                        f"tracers ({value!r}): return the Error from the transformed function "
                        "(jit, vmap, ...) and call it outside.")
    return np.asarray(value)


class Error:
    """The outcome of a checkified function: whether a check failed, and which.

    A pytree (its arrays are leaves), so it can be returned from `jit` and `vmap`.
    `get()` is None or the message of the first failed check (under `vmap`, one line per
    failing batch position); `throw()` raises `JaxRuntimeError` with it."""

    def __init__(self, failed, code, payloads, sites):
        self._failed = failed
        self._code = code
        self._payloads = tuple(tuple(p) for p in payloads)
        self._sites = tuple(sites)

    def _message_at(self, where):
        code = int(_concrete(self._code, "get")[where])
        payload = [_concrete(v, "get")[where] for v in self._payloads[code]]
        return self._sites[code].describe(payload)

    def get(self):
        failed = _concrete(self._failed, "get")
        if failed.ndim == 0:
            return self._message_at(()) if failed else None
        lines = [f"at mapped index {where[0] if len(where) == 1 else where}: "
                 f"{self._message_at(where)}" for where in map(tuple, np.argwhere(failed))]
        return "\n".join(lines) or None

    def get_exception(self):
        message = self.get()
        return None if message is None else JaxRuntimeError(message)

    def throw(self):
        exception = self.get_exception()
        if exception is not None:
            raise exception

    def __repr__(self):
        if any(isinstance(v, Tracer) for v in (self._failed, self._code)):
            return "Error(<traced>)"
        message = self.get()
        return f"Error({message})"


register_pytree_node(
    Error,
    lambda e: ([e._failed, e._code] + [v for p in e._payloads for v in p], e._sites),
    lambda sites, leaves: Error(*_state_parts(sites, leaves), sites))


def _state_parts(sites, leaves):
    state = _State.from_leaves(sites, list(leaves))
    return state.failed, state.code, state.payloads


def _validate_errors(errors):
    errors = frozenset(errors)
    for category in errors:
        if not (isinstance(category, type) and issubclass(category, JaxException)):
            raise TypeError(f"checkify: errors must be a set of error categories (user_checks, "
                            f"nan_checks, div_checks, index_checks, ... combined with |), got "
                            f"{category!r} in it")
    return errors


def checkify(f, errors=user_checks):
    """`f` made functional in its checks: `checkify(f)(*args) -> (Error, f(*args))`.

    `errors` picks the categories checked (`user_checks`, `nan_checks`, `div_checks`,
    `index_checks`, `float_checks`, `automatic_checks`, `all_checks`, combined with |).
    The result works under `jit` and `vmap`:

    >>> err, out = checkify(lambda x: jnp.log(x), errors=nan_checks)(jnp.float32(-1.0))
    >>> err.get()
    'nan generated by primitive: log.'
    """
    errors = _validate_errors(errors)

    def checked(*args, **kwargs):
        leaves, in_tree = tree_flatten((args, kwargs))
        out_trees = []

        def flat(*inputs):
            call_args, call_kwargs = tree_unflatten(in_tree, list(inputs))
            out_leaves, out_tree = tree_flatten(f(*call_args, **call_kwargs))
            out_trees.append(out_tree)
            return out_leaves

        _functionalizing.depth += 1
        try:
            closed, consts = trace_to_jaxpr(flat, [get_aval(x) for x in leaves])
        finally:
            _functionalizing.depth -= 1
        collector = _SiteCollector(errors)
        collector.collect(closed.jaxpr)
        interpreter = _Interpreter(collector)
        state, outs = interpreter.run_closed(closed, list(consts) + leaves,
                                             _State.initial(collector.sites))
        state = _State.from_leaves(collector.sites, [jnp.asarray(v) for v in state.leaves()])
        error = Error(state.failed, state.code, state.payloads, collector.sites)
        return error, tree_unflatten(out_trees[0], outs)

    checked.__name__ = f"checkified_{getattr(f, '__name__', 'function')}"
    checked.__wrapped__ = f
    return checked


__all__ = ["Error", "ErrorCategory", "JaxException", "FailedCheckError", "NaNError",
           "DivisionByZeroError", "OOBError", "check", "checkify", "user_checks", "nan_checks",
           "div_checks", "index_checks", "float_checks", "automatic_checks", "all_checks"]
