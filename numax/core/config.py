"""Configuration flags: `numax.config.update(name, value)` and `numax.config.<name>`.

Owns the options whose value changes what a program means (x64 mode, platforms,
disable_jit, default matmul precision, promotion rules, default device), the debugging
options (NaN/inf checks, compile logging, leak and type checks, transfer guards, which
numax/array.py applies where it moves data), and the `with` blocks
that set them for a thread. A flag is read only where it changes meaning: dtype
canonicalisation and the jit cache key read `x64_enabled`; the debugging checks live
in numax/_checks.py; nothing is threaded through the IR. Unknown names are errors.
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
               "DEFAULT", "HIGH", "HIGHEST", "fastest",
               # lax.DotAlgorithmPreset names
               "ANY_F8_ANY_F8_F32", "ANY_F8_ANY_F8_F32_FAST_ACCUM", "ANY_F8_ANY_F8_ANY",
               "ANY_F8_ANY_F8_ANY_FAST_ACCUM", "F16_F16_F16", "F16_F16_F32", "BF16_BF16_BF16",
               "BF16_BF16_F32", "BF16_BF16_F32_X3", "BF16_BF16_F32_X6", "BF16_BF16_F32_X9",
               "TF32_TF32_F32", "TF32_TF32_F32_X3", "F32_F32_F32", "F64_F64_F64")


def _precision(name, value):
    value = getattr(value, "name", value)  # accepts lax.Precision members too
    if value not in _PRECISIONS:
        raise ValueError(f"config option {name!r} takes one of {_PRECISIONS[1:]}, got {value!r}")
    return value


def _choice(*choices):
    def validate(name, value):
        if value not in choices:
            raise ValueError(f"config option {name!r} takes one of {choices}, got {value!r}")
        return value
    return validate


def _only(supported, reason):
    def validate(name, value):
        if value != supported:
            raise NotImplementedError(f"{name}={value!r} is not supported: {reason}")
        return value
    return validate


def _device(name, value):
    if value is None or isinstance(value, str):
        return value or None
    if not (hasattr(value, "platform") and hasattr(value, "id")):
        raise TypeError(f"config option {name!r} takes a device, a platform name or None, "
                        f"got {value!r}")
    return value


TRANSFER_GUARD_LEVELS = ("allow", "log", "disallow", "log_explicit", "disallow_explicit")


def _transfer_guard_level(name, value):
    if value is not None and value not in TRANSFER_GUARD_LEVELS:
        raise ValueError(f"config option {name!r} takes None or one of {TRANSFER_GUARD_LEVELS}, "
                         f"got {value!r}")
    return value


def _device_count(name, value):
    if isinstance(value, bool) or not isinstance(value, int) or (value < 1 and value != -1):
        raise TypeError(f"config option {name!r} takes a positive int (or -1 for the default), "
                        f"got {value!r}")
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
    _Flag("jax_numpy_dtype_promotion", "standard", _choice("standard", "strict"),
          "'strict' makes implicit promotion between different dtypes an error"),
    _Flag("jax_num_cpu_devices", -1, _device_count,
          "number of CPU devices (-1: XLA_FLAGS' --xla_force_host_platform_device_count or 1); "
          "only before the backend starts"),
    _Flag("jax_default_device", None, _device,
          "device (or platform name) that new arrays and uncommitted computations use"),
    _Flag("jax_debug_nans", False, _bool,
          "raise FloatingPointError when an operation or jitted call produces a NaN"),
    _Flag("jax_debug_infs", False, _bool,
          "raise FloatingPointError when an operation or jitted call produces an infinity"),
    _Flag("jax_log_compiles", False, _bool, "log (WARNING) every XLA compilation"),
    _Flag("jax_explain_cache_misses", False, _bool,
          "log (WARNING) why a jitted call had to be traced again"),
    _Flag("jax_check_tracer_leaks", False, _bool,
          "after tracing a jitted function, raise if a tracer is still referenced"),
    _Flag("jax_enable_checks", False, _bool,
          "type-check every program jit stages (slow; for debugging numax)"),
    _Flag("jax_no_tracing", False, _bool, "raise if a function is traced"),
    _Flag("jax_no_execution", False, _bool, "raise if a compiled program is run"),
    _Flag("jax_threefry_partitionable", True, _only(True, "numax implements only the "
                                                        "partitionable threefry key derivation"),
          "threefry random bits that do not depend on how the computation is sharded"),
    _Flag("jax_legacy_prng_key", "allow", _choice("allow", "warn", "error"),
          "what passing a raw uint32 key (not a numax.random.key) to a random function does"),
    _Flag("jax_transfer_guard", None, _transfer_guard_level,
          "what host-to-device, device-to-host and device-to-device transfers do (setting it "
          "sets the three options below): 'allow', 'log' or 'disallow' implicit transfers, "
          "'log_explicit' or 'disallow_explicit' all of them"),
    _Flag("jax_transfer_guard_host_to_device", None, _transfer_guard_level,
          "the transfer guard level for host values put on a device"),
    _Flag("jax_transfer_guard_device_to_host", None, _transfer_guard_level,
          "the transfer guard level for array values fetched to the host"),
    _Flag("jax_transfer_guard_device_to_device", None, _transfer_guard_level,
          "the transfer guard level for arrays copied to another device"),
    _Flag("jax_default_prng_impl", "threefry2x32",
          _only("threefry2x32", "numax implements only the threefry2x32 PRNG"),
          "the PRNG implementation behind numax.random keys"),
)}

# Options that force every jitted or eager call through Python (whose checks they need);
# the C++ dispatch keys on them, so calls made while they are off stay on the fast path.
_PYTHON_DISPATCH_FLAGS = ("jax_debug_nans", "jax_debug_infs", "jax_no_execution")

_TRANSFER_DIRECTIONS = ("host_to_device", "device_to_host", "device_to_device")
_TRANSFER_GUARD_FLAGS = tuple(f"jax_transfer_guard_{d}" for d in _TRANSFER_DIRECTIONS)
# Setting the option on the left (globally or in a `with` block) sets those on the right.
_SETS_ALSO = {"jax_transfer_guard": _TRANSFER_GUARD_FLAGS}


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
        object.__setattr__(self, "_frozen", {})  # name -> why it can no longer change
        # Hot-path mirrors, read directly by dtype canonicalisation and the jit cache key.
        object.__setattr__(self, "x64_enabled", self._values["jax_enable_x64"])
        object.__setattr__(self, "jit_disabled", self._values["jax_disable_jit"])
        object.__setattr__(self, "python_dispatch", False)
        object.__setattr__(self, "default_device", None)
        object.__setattr__(self, "strict_dtype_promotion", False)
        # Whether any thread may have a transfer guard set: transfers check it before
        # looking up their own thread's level (transfer_guard below).
        object.__setattr__(self, "transfer_guards_active", False)
        object.__setattr__(self, "_guard_blocks", [0, threading.Lock()])  # open `with` blocks

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
        if name in self._frozen:
            raise RuntimeError(f"{name} should be updated before backends are initialized, "
                               f"i.e. before any numax operation runs: {self._frozen[name]}")
        self._values[name] = value
        for implied in _SETS_ALSO.get(name, ()):
            self._values[implied] = value
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
                self.read("jax_numpy_rank_promotion"), self.read("jax_numpy_dtype_promotion"),
                self.read("jax_default_device"), self.read("jax_legacy_prng_key"))

    def dispatch_key(self):
        """What the C++ dispatch keys on: the semantic options, plus the options under
        which calls must run through Python (and the host-to-device guard: numax, not the
        C++, puts a call's host arguments on the device and checks the guard)."""
        return self.semantic_key() + (self.python_dispatch, self.transfer_guard("host_to_device"))

    def transfer_guard(self, direction):
        """This thread's guard level for `direction` ('host_to_device', 'device_to_host' or
        'device_to_device'), or None where its transfers are allowed."""
        if not self.transfer_guards_active:
            return None
        level = self.read(f"jax_transfer_guard_{direction}")
        return None if level == "allow" else level

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
        object.__setattr__(self, "python_dispatch",
                           any(self.read(name) for name in _PYTHON_DISPATCH_FLAGS))
        object.__setattr__(self, "default_device", self.read("jax_default_device"))
        object.__setattr__(self, "strict_dtype_promotion",
                           self.read("jax_numpy_dtype_promotion") == "strict")
        object.__setattr__(self, "transfer_guards_active", self._guard_blocks[0] > 0 or any(
            self._values[name] not in (None, "allow") for name in _TRANSFER_GUARD_FLAGS))
        for listener in self._listeners:
            listener()

    def freeze(self, name, reason):
        """Makes later updates of `name` an error (an option read once, e.g. at backend start)."""
        self._check(name)
        self._frozen[name] = reason

    def on_change(self, listener):
        """Registers a callable run after any option changes (caches keyed on config use it)."""
        self._listeners.append(listener)

    @contextlib.contextmanager
    def override(self, name, value):
        """Sets `name` for the current thread inside a `with` block."""
        self._check(name)
        value = _FLAGS[name].validate(name, value)
        with contextlib.ExitStack() as implied:
            for implied_name in _SETS_ALSO.get(name, ()):
                implied.enter_context(self.override(implied_name, value))
            with self._override_one(name, value):
                yield

    @contextlib.contextmanager
    def _override_one(self, name, value):
        overrides = getattr(self._local, "overrides", None)
        if overrides is None:
            overrides = self._local.overrides = {}
        missing = object()
        previous = overrides.get(name, missing)
        overrides[name] = value
        counted = name in _TRANSFER_GUARD_FLAGS  # blocks in other threads count too
        if counted:
            self._count_guard_block(1)
        self._refresh()
        try:
            yield
        finally:
            if previous is missing:
                del overrides[name]
            else:
                overrides[name] = previous
            if counted:
                self._count_guard_block(-1)
            self._refresh()

    def _count_guard_block(self, change):
        with self._guard_blocks[1]:
            self._guard_blocks[0] += change

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


def _context(option, doc):
    def manager(new_value=True):
        return config.override(option, new_value)
    manager.__doc__ = doc
    return manager


numpy_rank_promotion = _context(
    "jax_numpy_rank_promotion",
    "`with numpy_rank_promotion('raise'):` makes implicit rank promotion an error ('warn': a warning).")
numpy_dtype_promotion = _context(
    "jax_numpy_dtype_promotion",
    "`with numpy_dtype_promotion('strict'):` makes promotion between different dtypes an error.")
debug_nans = _context("jax_debug_nans",
                      "`with debug_nans():` raises FloatingPointError where a NaN is produced.")
debug_infs = _context("jax_debug_infs",
                      "`with debug_infs():` raises FloatingPointError where an inf is produced.")
log_compiles = _context("jax_log_compiles", "`with log_compiles():` logs every compilation.")
explain_cache_misses = _context("jax_explain_cache_misses",
                                "`with explain_cache_misses():` logs why jit traced again.")
check_tracer_leaks = _context("jax_check_tracer_leaks",
                              "`with check_tracer_leaks():` raises on tracers that outlive jit tracing.")
checking_leaks = check_tracer_leaks
enable_checks = _context("jax_enable_checks",
                         "`with enable_checks():` type-checks every program jit stages.")
threefry_partitionable = _context(
    "jax_threefry_partitionable",
    "numax's threefry is always partitionable: True is a no-op, False raises NotImplementedError.")
legacy_prng_key = _context(
    "jax_legacy_prng_key",
    "`with legacy_prng_key('error'):` raw uint32 keys given to numax.random raise ('warn': warn).")
default_prng_impl = _context(
    "jax_default_prng_impl", "Only 'threefry2x32' is implemented; other names raise.")


def transfer_guard(new_val):
    """`with transfer_guard(level):` guards every transfer direction in the block: 'log' or
    'disallow' implicit transfers (host values given to computations, printing an array,
    np.asarray, copies to another device), 'log_explicit' or 'disallow_explicit' also
    numax.device_put / numax.device_get; 'allow' lifts a guard. Disallowed transfers raise
    numax.errors.JaxRuntimeError; logged ones are WARNINGs of the 'numax' logger."""
    return config.override("jax_transfer_guard", new_val)


transfer_guard_host_to_device = _context(
    "jax_transfer_guard_host_to_device",
    "`with transfer_guard_host_to_device(level):` guards putting host values on devices.")
transfer_guard_device_to_host = _context(
    "jax_transfer_guard_device_to_host",
    "`with transfer_guard_device_to_host(level):` guards fetching array values to the host.")
transfer_guard_device_to_device = _context(
    "jax_transfer_guard_device_to_device",
    "`with transfer_guard_device_to_device(level):` guards copying arrays between devices.")


def default_device(device):
    """`with default_device(device):` new arrays and uncommitted computations use `device`
    (a Device, a platform name such as 'cpu', or None for the backend's first device)."""
    return config.override("jax_default_device", device)


def no_tracing():
    """`with no_tracing():` raises RuntimeError if a jitted function is traced in the block
    (calls that hit the compile cache are fine)."""
    return config.override("jax_no_tracing", True)


def no_execution():
    """`with no_execution():` raises RuntimeError if a compiled program runs in the block."""
    return config.override("jax_no_execution", True)
