"""Configuration flags: `numax.config.update(name, value)` and `numax.config.<name>`.

Owns the small set of options whose value changes what a program means (x64 mode,
platforms, disable_jit, default matmul precision). A flag is read only where it
changes meaning: dtype canonicalisation and the jit cache key read `x64_enabled`;
nothing else is threaded through the IR. Unknown names are errors.
"""

import contextlib
import os
import threading


class _Flag:
    __slots__ = ("name", "default", "validate", "doc")

    def __init__(self, name, default, validate, doc):
        self.name, self.default, self.validate, self.doc = name, default, validate, doc


def _bool(name, value):
    if isinstance(value, str) and value.lower() in ("0", "1", "true", "false"):
        value = value.lower() in ("1", "true")
    if not isinstance(value, bool):
        raise TypeError(f"config option {name!r} takes a bool, got {value!r}")
    return value


def _optional_str(name, value):
    if value is not None and not isinstance(value, str):
        raise TypeError(f"config option {name!r} takes a string or None, got {value!r}")
    return value or None


_PRECISIONS = (None, "default", "high", "highest", "bfloat16", "tensorfloat32", "float32",
               "DEFAULT", "HIGH", "HIGHEST", "fastest")


def _precision(name, value):
    value = getattr(value, "name", value)  # accepts lax.Precision members too
    if value not in _PRECISIONS:
        raise ValueError(f"config option {name!r} takes one of {_PRECISIONS[1:]}, got {value!r}")
    return value


_FLAGS = {f.name: f for f in (
    _Flag("jax_enable_x64", False, _bool, "64-bit default dtypes instead of 32-bit"),
    _Flag("jax_platforms", None, _optional_str,
          "comma-separated backends to initialise, in priority order, e.g. 'cpu' or 'cuda,cpu'"),
    _Flag("jax_disable_jit", False, _bool, "run jitted functions op by op (for debugging)"),
    _Flag("jax_default_matmul_precision", None, _precision,
          "precision of dot/conv when a call gives none"),
    _Flag("jax_numpy_rank_promotion", "allow",
          lambda n, v: v if v in ("allow", "warn", "raise") else
          (_ for _ in ()).throw(ValueError(f"{n} takes 'allow', 'warn' or 'raise', got {v!r}")),
          "what implicit rank promotion in numpy-style broadcasting does"),
)}


def _initial_values():
    values = {name: flag.default for name, flag in _FLAGS.items()}
    env_x64 = os.environ.get("JAX_ENABLE_X64") or os.environ.get("NUMAX_ENABLE_X64")
    if env_x64:
        values["jax_enable_x64"] = _bool("jax_enable_x64", env_x64)
    platforms = os.environ.get("NUMAX_PLATFORMS") or os.environ.get("JAX_PLATFORMS")
    if platforms:
        values["jax_platforms"] = platforms
    return values


class Config:
    """Holds the option values. Global values plus thread-local overrides from contexts."""

    def __init__(self):
        object.__setattr__(self, "_values", _initial_values())
        object.__setattr__(self, "_local", threading.local())
        object.__setattr__(self, "_listeners", [])
        # Hot-path mirrors, read directly by dtype canonicalisation and the jit cache key.
        object.__setattr__(self, "x64_enabled", self._values["jax_enable_x64"])
        object.__setattr__(self, "jit_disabled", self._values["jax_disable_jit"])

    def _check(self, name):
        if name not in _FLAGS:
            close = [n for n in _FLAGS if name.replace("jax_", "") in n]
            hint = f" Did you mean {close[0]!r}?" if close else ""
            raise AttributeError(f"numax.config has no option {name!r}.{hint} "
                                 f"Known options: {sorted(_FLAGS)}")

    def update(self, name, value):
        """Sets option `name` globally, like `jax.config.update`."""
        self._check(name)
        value = _FLAGS[name].validate(name, value)
        self._values[name] = value
        self._refresh()

    def read(self, name):
        self._check(name)
        overrides = getattr(self._local, "overrides", None)
        if overrides and name in overrides:
            return overrides[name]
        return self._values[name]

    def semantic_key(self):
        """The values of the options that change what a staged program computes."""
        return (self.x64_enabled, self.read("jax_default_matmul_precision"),
                self.read("jax_numpy_rank_promotion"))

    def global_value(self, name):
        return self._values[name]

    def thread_override(self, name):
        """This thread's value for `name` set by a `with` block, or None."""
        return (getattr(self._local, "overrides", None) or {}).get(name)

    def __getattr__(self, name):
        if name.startswith("__"):
            raise AttributeError(name)
        return self.read(name)

    def __setattr__(self, name, value):
        raise AttributeError("set numax options with numax.config.update(name, value)")

    def _refresh(self):
        object.__setattr__(self, "x64_enabled", self.read("jax_enable_x64"))
        object.__setattr__(self, "jit_disabled", self.read("jax_disable_jit"))
        for listener in self._listeners:
            listener()

    def on_change(self, listener):
        """Registers a callable run after any option changes (caches keyed on config use it)."""
        self._listeners.append(listener)

    @contextlib.contextmanager
    def override(self, name, value):
        """Sets `name` for the current thread inside a `with` block."""
        self._check(name)
        value = _FLAGS[name].validate(name, value)
        overrides = getattr(self._local, "overrides", None)
        if overrides is None:
            overrides = self._local.overrides = {}
        missing = object()
        previous = overrides.get(name, missing)
        overrides[name] = value
        self._refresh()
        try:
            yield
        finally:
            if previous is missing:
                del overrides[name]
            else:
                overrides[name] = previous
            self._refresh()

    def values(self):
        return {name: self.read(name) for name in _FLAGS}


config = Config()


def enable_x64(new_value=True):
    """Context manager: `with numax.enable_x64(): ...` turns on 64-bit defaults inside the block."""
    return config.override("jax_enable_x64", new_value)


def disable_x64():
    return config.override("jax_enable_x64", False)


def disable_jit(disable=True):
    """Context manager: jitted functions run op by op inside the block."""
    return config.override("jax_disable_jit", disable)


def default_matmul_precision(precision):
    return config.override("jax_default_matmul_precision", precision)
