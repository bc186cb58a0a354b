"""The IR ("jaxpr"): a closed, typed, SSA program, its printer and its type checker.

A `Jaxpr` has constant variables, input variables, equations
`(primitive, inputs, params, outputs)` and outputs. Inputs of an equation are `Var`s
or `Literal`s (Python/NumPy scalars inlined into the program). Sub-programs (loop
bodies, branches, jit calls) are `ClosedJaxpr`s stored in params. IR objects are
immutable after construction and hash by identity, so they can sit in cache keys.
The printer writes JAX's readable form; `typecheck` re-derives every equation's
output types from its primitive's abstract evaluation.
"""

import itertools
import weakref

import numpy as np

from numax.core.abstract import ShapedArray


class Var:
    """A program variable; named only when printed."""

    __slots__ = ("aval",)

    def __init__(self, aval):
        self.aval = aval

    def __repr__(self):
        return f"Var({self.aval.str_short()})"


class Literal:
    """A scalar constant written inline in the program."""

    __slots__ = ("value", "aval")

    def __init__(self, value, aval):
        self.value = value
        self.aval = aval

    def __repr__(self):
        return f"Literal({self.value})"


class Equation:
    __slots__ = ("primitive", "invars", "params", "outvars", "source")

    def __init__(self, primitive, invars, params, outvars, source=None):
        self.primitive = primitive
        self.invars = invars
        self.params = params
        self.outvars = outvars
        self.source = source  # (filename, line, function) of the user frame, for locations

    def __repr__(self):
        return _Printer().equation(self)


class Jaxpr:
    __slots__ = ("constvars", "invars", "outvars", "eqns", "__weakref__")

    def __init__(self, constvars, invars, outvars, eqns):
        self.constvars = tuple(constvars)
        self.invars = tuple(invars)
        self.outvars = tuple(outvars)
        self.eqns = tuple(eqns)

    @property
    def in_avals(self):
        return [v.aval for v in self.invars]

    @property
    def out_avals(self):
        return [v.aval for v in self.outvars]

    def __str__(self):
        return _Printer().jaxpr(self, indent=0)

    __repr__ = __str__

    def pretty_print(self):
        return str(self)


class ClosedJaxpr:
    """A Jaxpr with the values of its constant variables."""

    __slots__ = ("jaxpr", "consts", "__weakref__")

    def __init__(self, jaxpr, consts):
        if len(consts) != len(jaxpr.constvars):
            raise ValueError(f"ClosedJaxpr: {len(jaxpr.constvars)} constvars but {len(consts)} consts")
        self.jaxpr = jaxpr
        self.consts = list(consts)

    in_avals = property(lambda self: self.jaxpr.in_avals)
    out_avals = property(lambda self: self.jaxpr.out_avals)
    eqns = property(lambda self: self.jaxpr.eqns)

    def __str__(self):
        return str(self.jaxpr)

    __repr__ = __str__

    def pretty_print(self):
        return str(self)


# ---------------------------------------------------------------- printing

def _var_names():
    """a, b, ..., z, ba, bb, ... as JAX names variables."""
    letters = "abcdefghijklmnopqrstuvwxyz"
    for size in itertools.count(1):
        for combo in itertools.product(letters, repeat=size):
            if size > 1 and combo[0] == "a":
                continue
            yield "".join(combo)


def _format_literal(literal):
    value = literal.value
    if isinstance(value, np.ndarray):
        value = value.item() if value.ndim == 0 else value
    if isinstance(value, (bool, np.bool_)):
        text = "True" if value else "False"
    elif isinstance(value, (float, np.floating)):
        text = repr(float(value))
    else:
        text = str(value)
    return f"{text}:{literal.aval.str_short()}"


class _Printer:
    def __init__(self):
        self.names = {}
        self.fresh = _var_names()

    def name(self, var):
        if isinstance(var, Literal):
            return _format_literal(var)
        name = self.names.get(var)
        if name is None:
            name = self.names[var] = next(self.fresh)
        return name

    def binder(self, var):
        return f"{self.name(var)}:{var.aval.str_short()}"

    def param(self, value, indent):
        if isinstance(value, ClosedJaxpr):
            value = value.jaxpr
        if isinstance(value, Jaxpr):
            return "\n" + " " * (indent + 4) + _Printer().jaxpr(value, indent + 4)
        if isinstance(value, (tuple, list)) and value and isinstance(value[0], (Jaxpr, ClosedJaxpr)):
            return "(" + " ".join(self.param(v, indent) for v in value) + "\n" + " " * (indent + 2) + ")"
        if isinstance(value, np.dtype):
            return value.name
        if callable(value) and hasattr(value, "__name__"):
            return value.__name__
        return str(value)

    def equation(self, eqn, indent=0):
        outs = " ".join(self.binder(v) for v in eqn.outvars) or "_"
        params = " ".join(f"{k}={self.param(v, indent)}" for k, v in eqn.params.items())
        params = f"[{params}]" if params else ""
        args = " ".join(self.name(v) for v in eqn.invars)
        return f"{outs} = {eqn.primitive.name}{params} {args}".rstrip()

    def outputs(self, jaxpr):
        outs = ", ".join(self.name(v) for v in jaxpr.outvars)
        return f"({outs},)" if len(jaxpr.outvars) == 1 else f"({outs})"

    def jaxpr(self, jaxpr, indent):
        consts = " ".join(self.binder(v) for v in jaxpr.constvars)
        invars = " ".join(self.binder(v) for v in jaxpr.invars)
        head = f"{{ lambda {consts}; {invars}. let"
        if len(jaxpr.eqns) <= 1 and not any(_has_subjaxpr(e) for e in jaxpr.eqns):
            body = " ".join(self.equation(e, indent) for e in jaxpr.eqns)
            outs = self.outputs(jaxpr)
            return f"{head} {body} in {outs} }}" if body else f"{head} in {outs} }}"
        pad = " " * (indent + 4)
        body = "\n".join(pad + self.equation(e, indent + 4) for e in jaxpr.eqns)
        outs = self.outputs(jaxpr)
        return f"{head}\n{body}\n{' ' * (indent + 2)}in {outs} }}"


def _has_subjaxpr(eqn):
    return any(isinstance(v, (Jaxpr, ClosedJaxpr)) for v in eqn.params.values())


# ---------------------------------------------------------------- type checking

class JaxprTypeError(TypeError):
    """A transformation emitted an ill-typed program (a numax bug, not a user error)."""


def typecheck(jaxpr):
    """Checks that every variable is defined once before use and every equation's output
    types are what its primitive's abstract evaluation says. Recurses into sub-programs."""
    if isinstance(jaxpr, ClosedJaxpr):
        for var, const in zip(jaxpr.jaxpr.constvars, jaxpr.consts):
            aval = getattr(const, "aval", None)
            if aval is not None and aval.strip_weak_type() != var.aval.strip_weak_type():
                raise JaxprTypeError(f"constant of type {aval} bound to {var.aval}")
        jaxpr = jaxpr.jaxpr
    defined = set()

    def define(var):
        if var in defined:
            raise JaxprTypeError(f"variable {var} defined twice")
        defined.add(var)

    def read(var, where):
        if isinstance(var, Literal):
            return var.aval
        if var not in defined:
            raise JaxprTypeError(f"{where}: variable {var} used before it is defined")
        return var.aval

    for var in jaxpr.constvars + jaxpr.invars:
        define(var)
    for eqn in jaxpr.eqns:
        in_avals = [read(v, eqn.primitive.name) for v in eqn.invars]
        out_avals = eqn.primitive.abstract_eval(*in_avals, **eqn.params)
        if not eqn.primitive.multiple_results:
            out_avals = [out_avals]
        if len(out_avals) != len(eqn.outvars):
            raise JaxprTypeError(f"{eqn.primitive.name}: {len(out_avals)} results, "
                                 f"{len(eqn.outvars)} output variables")
        for expected, var in zip(out_avals, eqn.outvars):
            if expected != var.aval:
                raise JaxprTypeError(f"{eqn.primitive.name}: output variable has type {var.aval} "
                                     f"but the primitive gives {expected}")
            define(var)
        for value in eqn.params.values():
            for sub in (value if isinstance(value, (tuple, list)) else (value,)):
                if isinstance(sub, (Jaxpr, ClosedJaxpr)):
                    typecheck(sub)
    for var in jaxpr.outvars:
        read(var, "outputs")
    return True


def literal(value, aval):
    """A Literal for a Python/NumPy scalar of abstract value `aval`."""
    assert isinstance(aval, ShapedArray) and aval.ndim == 0
    return Literal(value, aval)


def equation_has_effects(eqn):
    """Whether running `eqn` has effects: its primitive declares some, or a sub-program in
    its params (a jit call's body, a custom rule) has an equation with effects."""
    if eqn.primitive.effects:
        return True
    for value in eqn.params.values():
        for sub in (value if isinstance(value, (tuple, list)) else (value,)):
            if isinstance(sub, (Jaxpr, ClosedJaxpr)) and jaxpr_has_effects(sub):
                return True
    return False


_effects_of = weakref.WeakKeyDictionary()  # Jaxpr -> bool


def jaxpr_has_effects(jaxpr):
    """Whether some equation of `jaxpr` (a Jaxpr or ClosedJaxpr) has effects."""
    if isinstance(jaxpr, ClosedJaxpr):
        jaxpr = jaxpr.jaxpr
    found = _effects_of.get(jaxpr)
    if found is None:
        found = _effects_of[jaxpr] = any(equation_has_effects(e) for e in jaxpr.eqns)
    return found


def dce(jaxpr):
    """The program without equations whose results are never used (equations with effects,
    their own or their sub-programs', are always kept). Inputs and outputs are unchanged.
    Equations of primitives with a `dce` rule are narrowed to their used outputs (see
    `_narrow` and `dce_closed`, the helper the rules share)."""
    live = {v for v in jaxpr.outvars if type(v) is Var}
    kept = []
    changed = False
    for eqn in reversed(jaxpr.eqns):
        effects = equation_has_effects(eqn)
        if not (effects or any(v in live for v in eqn.outvars)):
            changed = True
            continue
        if eqn.primitive.dce is not None and not effects:
            narrowed = _narrow(eqn, [v in live for v in eqn.outvars])
            changed = changed or narrowed is not eqn
            eqn = narrowed
        kept.append(eqn)
        live.update(v for v in eqn.invars if type(v) is Var)
    if not changed:
        return jaxpr
    return Jaxpr(jaxpr.constvars, jaxpr.invars, jaxpr.outvars, kept[::-1])


_pruned_programs = weakref.WeakKeyDictionary()  # ClosedJaxpr -> {(outputs, inputs): result}


def dce_closed(closed, used_outputs, instantiate=False):
    """A sub-program narrowed for a `dce` rule: `closed` computing only the outputs flagged
    in `used_outputs`, its dead equations and unused constants removed, taking only the
    inputs it needs plus those flagged in `instantiate` (a bool for all inputs, or one
    per input; loops keep a carry input whose output they keep). Returns (the pruned
    ClosedJaxpr, per input of `closed` whether the pruned program takes it).

    Results are cached per program and flags, so a sub-program called in several places
    stays one object (one private function when lowered)."""
    count = len(closed.jaxpr.invars)
    keep = (instantiate,) * count if isinstance(instantiate, bool) else tuple(instantiate)
    key = (tuple(bool(u) for u in used_outputs), keep)
    table = _pruned_programs.get(closed)
    if table is None:
        table = _pruned_programs[closed] = {}
    if key not in table:
        table[key] = _prune_closed(closed, *key)
    pruned, takes = table[key]
    return (closed if pruned is None else pruned), list(takes)


def _prune_closed(closed, used_outputs, keep):
    inner = closed.jaxpr
    outvars = [v for v, used in zip(inner.outvars, used_outputs) if used]
    pruned = dce(Jaxpr(inner.constvars, inner.invars, outvars, inner.eqns))
    read = {v for v in outvars if type(v) is Var}
    for eqn in pruned.eqns:
        read.update(v for v in eqn.invars if type(v) is Var)
    takes = tuple(v in read or k for v, k in zip(inner.invars, keep))
    constants = [(v, c) for v, c in zip(inner.constvars, closed.consts) if v in read]
    if all(used_outputs) and all(takes) and len(constants) == len(inner.constvars) and \
            pruned.eqns == inner.eqns:
        return None, takes  # unchanged (None: the cache must not hold its own key)
    narrowed = Jaxpr([v for v, _ in constants], [v for v, t in zip(inner.invars, takes) if t],
                     outvars, pruned.eqns)
    return ClosedJaxpr(narrowed, [c for _, c in constants]), takes


def _narrow(eqn, used_outputs):
    """`eqn` computing its used outputs. A loop's rule may return a third entry, the outputs
    the narrowed equation keeps: more than the used ones where a used output needs a carry
    whose final value nobody reads (a loop returns every carry it keeps)."""
    narrowed = eqn.primitive.dce(used_outputs, **eqn.params)
    used_inputs, params = narrowed[:2]
    kept_outputs = narrowed[2] if len(narrowed) > 2 else used_outputs
    if all(kept_outputs) and all(used_inputs) and params == eqn.params:
        return eqn
    return Equation(eqn.primitive, [v for v, u in zip(eqn.invars, used_inputs) if u], params,
                    [v for v, k in zip(eqn.outvars, kept_outputs) if k], eqn.source)
