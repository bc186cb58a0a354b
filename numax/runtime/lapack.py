"""jaxlib's CPU LAPACK kernels as XLA custom-call targets.

Owns their registration: jaxlib ships typed-FFI handlers (`lapack_dgetrf_ffi`,
`lapack_zheevd_ffi`, ...) that are not registered with XLA by default. The first
lowering that emits one calls `ensure_registered()`, which binds jaxlib's LAPACK module
to SciPy's LAPACK symbols and registers every handler for the "cpu" platform, once
per process (shared/reference/jaxlib_runtime.md §6). Nothing else about the kernels
lives here: how to call them (operand order, attributes, layouts) is the lowering's
business (lowering/custom_call.py and lax/linalg.py).
"""

import threading

from jaxlib import xla_client as xc

_lock = threading.Lock()
_registered = set()


def ensure_registered():
    """Registers jaxlib's CPU LAPACK FFI handlers with XLA (idempotent, thread-safe)."""
    if _registered:
        return
    with _lock:
        if _registered:
            return
        from jaxlib import lapack
        lapack._lapack.initialize()  # binds SciPy's LAPACK (SciPy is a jaxlib dependency)
        names = set()
        for name, capsule, api_version in lapack.registrations()["cpu"]:
            xc.register_custom_call_target(name, capsule, platform="cpu",
                                           api_version=api_version)
            names.add(name)
        _registered.update(names)


def registered_targets():
    """The LAPACK target names registered so far (empty before `ensure_registered`)."""
    return frozenset(_registered)
