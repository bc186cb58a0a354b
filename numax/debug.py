"""`numax.debug`: printing and inspecting runtime values from inside transformed code.

`print` and `callback` bind the `debug_callback` primitive (numax/callbacks.py): under
jit the program calls back into Python when it reaches them; eagerly they run at once,
with the same arguments and the same output. Under vmap they run once per batch
element, in order; under grad they see primal values and do not change derivatives.
They are never removed from a program, even though they have no results.
"""

import string
import sys

from numax.callbacks import debug_callback as _bind_debug_callback


def callback(callback=None, *args, ordered=False, partitioned=False, **kwargs):
    """Calls `callback(*args, **kwargs)` on the host with the runtime values of `args`
    (read-only NumPy arrays, pytrees as given); its return value is ignored.

    `ordered=True` keeps the calls of a program in program order. Also usable in two
    steps: `numax.debug.callback(ordered=True)(callback, *args, **kwargs)`.

    >>> import numax, numax.numpy as jnp
    >>> seen = []
    >>> numax.jit(lambda x: numax.debug.callback(seen.append, x))(jnp.arange(3))
    >>> seen
    [array([0, 1, 2], dtype=int32)]
    """
    del partitioned  # one device: there is nothing to partition
    if callback is None:
        if args or kwargs:
            raise TypeError("numax.debug.callback(ordered=...) takes no other arguments; pass "
                            "the callback and its arguments to the function it returns")
        return lambda function, *args, **kwargs: _bind_debug_callback(
            function, args, kwargs, ordered, "numax.debug.callback")
    _bind_debug_callback(callback, args, kwargs, ordered, "numax.debug.callback")


def print(fmt, *args, ordered=False, partitioned=False, skip_format_check=False, **kwargs):
    """Prints `fmt.format(*args, **kwargs)` with the runtime values of `args` and `kwargs`,
    followed by a newline, to sys.stdout (str.format semantics on read-only NumPy arrays, so
    `{}` prints like NumPy and `{:.3f}` works on 0-d arrays). The prints of a program
    appear in program order.

    >>> import numax, numax.numpy as jnp
    >>> numax.jit(lambda x: numax.debug.print("x = {x}, sum = {}", x.sum(), x=x))(jnp.arange(3))
    x = [0 1 2], sum = 3
    """
    del partitioned
    if not isinstance(fmt, str):
        raise TypeError(f"numax.debug.print: the format must be a string, got {fmt!r}")
    if not skip_format_check:
        _check_format(fmt, len(args), kwargs)

    def formatted_print(*values, **named):
        sys.stdout.write(fmt.format(*values, **named) + "\n")

    formatted_print.__name__ = "debug_print"
    _bind_debug_callback(formatted_print, args, kwargs, ordered, "numax.debug.print")


def _check_format(fmt, count, kwargs):
    """Trace-time check that every field of `fmt` names a given argument."""
    automatic = 0
    for _, field, _, _ in string.Formatter().parse(fmt):
        if field is None:
            continue
        head = field.split(".", 1)[0].split("[", 1)[0]
        if head == "":
            automatic += 1
            if automatic > count:
                raise ValueError(f"numax.debug.print: the format string {fmt!r} has more '{{}}' "
                                 f"fields than the {count} positional argument(s) given")
        elif head.isdigit():
            if int(head) >= count:
                raise ValueError(f"numax.debug.print: the format string {fmt!r} refers to "
                                 f"positional argument {head}, but {count} were given")
        elif head not in kwargs:
            raise ValueError(f"numax.debug.print: the format string {fmt!r} refers to {head!r}, "
                             f"but no keyword argument of that name was given")


__all__ = ["callback", "print"]
