"""Operators and methods shared by `numax.Array` and every tracer.

Owns the one place where `x + y`, `x[i]`, `x.sum()`, `x.T`, `x.astype(...)` are
defined: each forwards to the numax.numpy function of the same meaning. `install`
puts them on a class, so concrete arrays and traced values behave identically.
"""

import numpy as np

from numax.array import Array
from numax.core.abstract import TypedScalar
from numax.core.trace import Tracer
from numax.numpy import (at, creation, cumulative, indexing, manipulation, rearrange, reductions,
                         selection, sorting, ufuncs)


def _reflected(function):
    return lambda self, other: function(other, self)


def _binary_operator(function):
    def operator(self, other):
        if not _is_operand(other):
            return NotImplemented
        return function(self, other)
    return operator


def _reflected_operator(function):
    def operator(self, other):
        if not _is_operand(other):
            return NotImplemented
        return function(other, self)
    return operator


def _is_operand(value):
    return isinstance(value, _OPERAND_TYPES)


_OPERAND_TYPES = (Array, Tracer, TypedScalar, int, float, complex, bool, np.ndarray, np.generic)


_BINARY = {
    "add": ufuncs.add, "sub": ufuncs.subtract, "mul": ufuncs.multiply,
    "truediv": ufuncs.divide, "floordiv": ufuncs.floor_divide, "mod": ufuncs.remainder,
    "pow": ufuncs.power, "matmul": manipulation.matmul, "and": ufuncs.bitwise_and,
    "or": ufuncs.bitwise_or, "xor": ufuncs.bitwise_xor, "lshift": ufuncs.left_shift,
    "rshift": ufuncs.right_shift, "divmod": ufuncs.divmod,
}
_COMPARISONS = {"eq": ufuncs.equal, "ne": ufuncs.not_equal, "lt": ufuncs.less,
                "le": ufuncs.less_equal, "gt": ufuncs.greater, "ge": ufuncs.greater_equal}
_UNARY = {"neg": ufuncs.negative, "pos": ufuncs.positive, "abs": ufuncs.absolute,
          "invert": ufuncs.bitwise_not}


def _transpose_method(self, *axes):
    if len(axes) == 1 and (axes[0] is None or isinstance(axes[0], (tuple, list))):
        axes = axes[0]
    return manipulation.transpose(self, axes or None)


def _reshape_method(self, *new_shape, order="C"):
    if len(new_shape) == 1 and not isinstance(new_shape[0], int):
        new_shape = new_shape[0]
    return manipulation.reshape(self, new_shape, order=order)


def _compress_method(self, condition, axis=None, *, size=None, fill_value=0, out=None):
    return selection.compress(condition, self, axis, size=size, fill_value=fill_value, out=out)


_METHODS = {
    "sum": reductions.sum, "prod": reductions.prod, "max": reductions.max,
    "min": reductions.min, "mean": reductions.mean, "var": reductions.var,
    "std": reductions.std, "all": reductions.all, "any": reductions.any,
    "argmax": reductions.argmax, "argmin": reductions.argmin,
    "astype": manipulation.astype, "ravel": manipulation.ravel, "flatten": manipulation.ravel,
    "squeeze": manipulation.squeeze, "swapaxes": manipulation.swapaxes, "clip": manipulation.clip,
    "dot": manipulation.dot, "conj": ufuncs.conjugate, "conjugate": ufuncs.conjugate,
    "round": ufuncs.round, "transpose": _transpose_method, "reshape": _reshape_method,
    "__getitem__": indexing.getitem, "copy": creation.copy, "nonzero": manipulation.nonzero,
    "take": indexing.take, "sort": sorting.sort, "argsort": sorting.argsort,
    "argpartition": sorting.argpartition, "searchsorted": sorting.searchsorted,
    "cumsum": cumulative.cumsum, "cumprod": cumulative.cumprod,
    "diagonal": rearrange.diagonal, "trace": rearrange.trace, "repeat": rearrange.repeat,
    "choose": selection.choose, "compress": _compress_method,
}

_PROPERTIES = {
    "T": lambda self: manipulation.transpose(self),
    "mT": lambda self: manipulation.swapaxes(self, -1, -2),
    "real": ufuncs.real,
    "imag": ufuncs.imag,
    "itemsize": lambda self: self.dtype.itemsize,
    "nbytes": lambda self: self.size * self.dtype.itemsize,
    "at": at.at_property,
}


def install(cls):
    """Gives `cls` NumPy's operators and array methods."""
    for name, function in _BINARY.items():
        setattr(cls, f"__{name}__", _binary_operator(function))
        setattr(cls, f"__r{name}__", _reflected_operator(function))
    for name, function in _COMPARISONS.items():
        setattr(cls, f"__{name}__", _binary_operator(function))
    for name, function in _UNARY.items():
        setattr(cls, f"__{name}__", function)
    for name, function in _METHODS.items():
        setattr(cls, name, function)
    for name, function in _PROPERTIES.items():
        setattr(cls, name, property(function))
    cls.__round__ = lambda self, ndigits=None: ufuncs.round(self, ndigits or 0)
