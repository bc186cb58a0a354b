"""`numax.interpreters.partial_eval`: JAX's partial-evaluation entry points libraries call.

Owns `PartialVal` and `trace_to_jaxpr_nounits`, built on numax's PartialEvalTrace
(numax.transforms.partial_eval): the known inputs are computed with at once, the
unknown ones are staged into a jaxpr whose constvars are the known values it reads.
"""

from numax.core.trace import new_trace
from numax.extend.linear_util import WrappedFun
from numax.transforms.ad import get_aval
from numax.transforms.partial_eval import PartialEvalTrace


class PartialVal(tuple):
    """A value known now, `(None, value)`, or unknown with abstract value aval,
    `(aval, None)`."""

    __slots__ = ()

    @classmethod
    def known(cls, value):
        return cls((None, value))

    @classmethod
    def unknown(cls, aval):
        return cls((aval, None))

    def is_known(self):
        return self[0] is None

    def get_known(self):
        """The known value, or None for an unknown one."""
        return self[1] if self[0] is None else None

    def get_aval(self):
        return get_aval(self[1]) if self[0] is None else self[0]


def trace_to_jaxpr_nounits(fun, pvals, instantiate=False):
    """Runs `fun` (a `linear_util.WrappedFun` returning a list of outputs) on partially
    known inputs. Returns (jaxpr, out_pvals, consts): the jaxpr takes the unknown inputs
    (its constvars are `consts`, known values it reads) and computes the outputs that
    are unknown, or that `instantiate` (a bool, or one per output) asks for; the other
    outputs are known and given in `out_pvals`.
    """
    if not isinstance(fun, WrappedFun):
        raise TypeError("trace_to_jaxpr_nounits: fun must be wrapped with "
                        f"numax.extend.linear_util.wrap_init, got {type(fun).__name__}")
    pvals = list(pvals)
    with new_trace(PartialEvalTrace) as trace:
        args = [pval.get_known() if pval.is_known() else trace.new_argument(pval.get_aval())
                for pval in pvals]
        outs = list(fun.call_wrapped(*args))
        forced = [instantiate] * len(outs) if isinstance(instantiate, bool) else list(instantiate)
        if len(forced) != len(outs):
            raise ValueError(f"trace_to_jaxpr_nounits: {len(forced)} instantiate flags for "
                             f"{len(outs)} outputs")
        out_pvals, outvars = [], []
        for out, force in zip(outs, forced):
            if trace.is_unknown(out) or force:
                outvars.append(trace.to_var(out))
                out_pvals.append(PartialVal.unknown(outvars[-1].aval))
            else:
                out_pvals.append(PartialVal.known(out))
    jaxpr, consts = trace.finish(outvars)
    return jaxpr, out_pvals, consts
