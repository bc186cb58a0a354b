"""numax.numpy.vectorize: NumPy's generalized-ufunc vectorization, built on vmap.

Owns parsing of gufunc signatures ("(m,n),(n)->(m)"), broadcasting of the loop
dimensions, and the nested vmaps over them; excluded arguments are passed through.
"""

import functools
import re

_DIMENSION = r"\w+"
_CORE = rf"(?:{_DIMENSION}(?:,{_DIMENSION})*)?"
_ARGUMENT = rf"\({_CORE}\)"
_ARGUMENTS = rf"{_ARGUMENT}(?:,{_ARGUMENT})*"
_SIGNATURE = re.compile(rf"^{_ARGUMENTS}->{_ARGUMENTS}$")


def parse_signature(signature):
    """'(m,n),(n)->(m)' -> ([('m','n'), ('n',)], [('m',)])."""
    compact = signature.replace(" ", "")
    if not _SIGNATURE.match(compact):
        raise ValueError(f"not a valid gufunc signature: {signature}")
    inputs, outputs = compact.split("->")

    def parse(part):
        return [tuple(d for d in group.split(",") if d) for group in re.findall(r"\((.*?)\)", part)]
    return parse(inputs), parse(outputs)


def vectorize(pyfunc, *, excluded=frozenset(), signature=None):
    """`pyfunc` mapped over the leading (loop) dimensions of its array arguments.

    >>> import numax.numpy as jnp
    >>> jnp.vectorize(lambda a, b: a @ b, signature="(n),(n)->()")(jnp.ones((3, 2)), jnp.ones(2)).tolist()
    [2.0, 2.0, 2.0]
    """
    core_inputs = core_outputs = None
    if signature is not None:
        core_inputs, core_outputs = parse_signature(signature)

    @functools.wraps(pyfunc)
    def wrapped(*args, **kwargs):
        import numpy as np

        from numax import vmap
        from numax.numpy.creation import asarray
        from numax.numpy._promote import broadcast_shapes, broadcast_to
        excluded_positions = {i for i in excluded if isinstance(i, int)}
        excluded_names = {k for k in excluded if isinstance(k, str)}
        static_kwargs = {k: v for k, v in kwargs.items() if k in excluded_names}
        dynamic_kwargs = {k: v for k, v in kwargs.items() if k not in excluded_names}
        if dynamic_kwargs:
            raise NotImplementedError("vectorize: keyword arguments that are not excluded are not "
                                      "supported; pass them positionally")
        positions = [i for i in range(len(args)) if i not in excluded_positions]
        arrays = [asarray(args[i]) for i in positions]
        cores = core_inputs if core_inputs is not None else [()] * len(arrays)
        if len(cores) != len(arrays):
            raise TypeError(f"vectorize: the signature {signature} has {len(cores)} inputs, got "
                            f"{len(arrays)} arguments")
        sizes = {}
        loop_shapes = []
        for array, core in zip(arrays, cores):
            if array.ndim < len(core):
                raise ValueError(f"vectorize: an input of shape {array.shape} has fewer "
                                 f"dimensions than its core signature {core}")
            core_shape = array.shape[array.ndim - len(core):]
            for name, size in zip(core, core_shape):
                if sizes.setdefault(name, size) != size:
                    raise ValueError(f"vectorize: inconsistent size for core dimension {name!r}: "
                                     f"{sizes[name]} vs {size}")
            loop_shapes.append(array.shape[:array.ndim - len(core)])
        loop_shape = broadcast_shapes(*loop_shapes)
        arrays = [broadcast_to(a, loop_shape + a.shape[a.ndim - len(c):])
                  for a, c in zip(arrays, cores)]

        def call(*dynamic):
            it = iter(dynamic)
            full = [next(it) if i in positions else args[i] for i in range(len(args))]
            out = pyfunc(*full, **static_kwargs)
            if core_outputs is not None:
                outs = out if isinstance(out, tuple) else (out,)
                for value, core in zip(outs, core_outputs):
                    if np.ndim(value) != len(core):
                        raise ValueError(f"vectorize: an output has shape {np.shape(value)}, "
                                         f"which does not match its core signature {core}")
            return out

        mapped = call
        for _ in loop_shape:
            mapped = vmap(mapped)
        return mapped(*arrays)

    return wrapped
