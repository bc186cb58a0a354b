"""Backends and devices: the PJRT clients numax runs on.

Owns the creation of jaxlib clients (the built-in CPU client, and the CUDA client when
a jax CUDA PJRT plugin is installed), the choice of default backend from
`jax_platforms`, and device listing. The CUDA plugin is found as a file and loaded
by path, never by importing its `jax_plugins` package, whose `__init__` imports jax
(shared/reference/jaxlib_runtime.md §1). Everything about jaxlib stays in runtime/.
"""

import ctypes
import functools
import glob
import importlib
import importlib.util
import os
import sys
import threading

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "1")

import jaxlib  # noqa: E402
from jaxlib import xla_client as xc  # noqa: E402

from numax.core.config import config  # noqa: E402  (a leaf module: no cycle)

JAXLIB_VERSION = tuple(int(p) for p in jaxlib.__version__.split(".")[:3])
XLA_CLIENT_VERSION = xc._version


class BackendError(RuntimeError):
    """A requested backend is unknown or could not be initialised."""


class Backend:
    """One PJRT client with its platform name and devices."""

    def __init__(self, platform, client):
        self.platform = platform
        self.client = client
        self.devices = list(client.devices())
        self.local_devices = list(client.local_devices())

    def __repr__(self):
        return f"Backend({self.platform!r}, {len(self.devices)} devices)"


_lock = threading.Lock()
_backends = None  # platform -> Backend, in priority order
_errors = {}


def _make_cpu():
    # -1 leaves the count to XLA_FLAGS=--xla_force_host_platform_device_count (default 1).
    count = config.read("jax_num_cpu_devices")
    client = xc.make_cpu_client(asynchronous=True, num_devices=None if count == -1 else count)
    return Backend("cpu", client)


def _cuda_plugin_path():
    """Path of xla_cuda_plugin.so from the jax-cuda1X-pjrt wheel, found without running its __init__."""
    for name in ("jax_plugins.xla_cuda13", "jax_plugins.xla_cuda12"):
        try:
            spec = importlib.util.find_spec(name)
        except (ImportError, ValueError):
            spec = None
        if spec is None or not spec.submodule_search_locations:
            continue
        for location in spec.submodule_search_locations:
            path = os.path.join(location, "xla_cuda_plugin.so")
            if os.path.exists(path):
                return name.rsplit("_", 1)[-1], path  # ("cuda13", path)
    return None, None


def _preload_nvidia_libraries():
    """Loads the CUDA libraries shipped in nvidia-* wheels, as the plugin expects them loaded."""
    candidates = []
    for entry in sys.path:
        candidates += glob.glob(os.path.join(entry, "nvidia", "*", "lib", "*.so*"))
        candidates += glob.glob(os.path.join(entry, "nvidia", "*", "*", "lib", "*.so*"))
    pending = sorted(set(candidates))
    for _ in range(3):  # dependencies between the libraries: retry what failed
        failed = []
        for path in pending:
            try:
                ctypes.CDLL(path, mode=ctypes.RTLD_GLOBAL)
            except OSError:
                failed.append(path)
        if len(failed) == len(pending):
            break
        pending = failed


def _make_cuda():
    version, path = _cuda_plugin_path()
    if path is None:
        raise BackendError("no jax CUDA PJRT plugin (jax-cuda12-pjrt / jax-cuda13-pjrt) is installed")
    _preload_nvidia_libraries()
    c_api = None
    if not xc.pjrt_plugin_loaded("cuda"):
        c_api = xc.load_pjrt_plugin_dynamically("cuda", path)
    if not xc.pjrt_plugin_initialized("cuda"):
        xc.initialize_pjrt_plugin("cuda")
    options = xc.generate_pjrt_gpu_plugin_options()
    client = xc.make_c_api_client("cuda", options, None)
    if c_api is not None:
        _register_gpu_kernels(version, c_api)
    return Backend("cuda", client)


def _register_gpu_kernels(version, c_api):
    """Registers the GPU custom-call handlers with the plugin: its own (host callbacks)
    and jaxlib's cuSOLVER / linalg kernels (`cusolver_getrf_ffi`, ...), which
    `jaxlib.gpu_solver` / `gpu_linalg` import from the plugin's `_solver` / `_linalg`
    modules without importing jax. Where one is missing or fails, plain ops still run and
    only the custom calls that need it fail (the error is kept in _errors)."""
    try:
        extension = importlib.import_module(f"jax_{version}_plugin.cuda_plugin_extension")
    except ImportError as error:
        _errors["cuda_kernels"] = error
        return
    # Every later xc.register_custom_call_target(..., platform="CUDA") goes through it.
    xc.register_custom_call_handler(
        "CUDA", functools.partial(extension.register_custom_call_target, c_api))
    from jaxlib import gpu_linalg, gpu_solver
    own = extension.ffi_handlers() if hasattr(extension, "ffi_handlers") else {}
    handlers = [(name, handler, 1) for name, handler in own.items()]
    handlers += gpu_solver.registrations()["CUDA"] + gpu_linalg.registrations()["CUDA"]
    for name, handler, api_version in handlers:
        try:
            xc.register_custom_call_target(name, handler, platform="CUDA",
                                           api_version=api_version)
        except Exception as error:  # noqa: BLE001  (each kernel is optional)
            _errors[f"cuda_kernel {name}"] = error


_FACTORIES = {"cpu": _make_cpu, "cuda": _make_cuda}
_ALIASES = {"gpu": "cuda", "host": "cpu"}


def _requested_platforms():
    requested = config.read("jax_platforms")
    if not requested:
        return None
    names = [_ALIASES.get(p.strip(), p.strip()) for p in requested.split(",") if p.strip()]
    unknown = [n for n in names if n not in _FACTORIES]
    if unknown:
        raise BackendError(f"jax_platforms names unknown platform(s) {unknown}; "
                           f"numax knows {sorted(_FACTORIES)}")
    return names


def backends():
    """All initialised backends, highest priority first (cuda before cpu)."""
    global _backends
    if _backends is not None:
        return _backends
    with _lock:
        if _backends is None:
            requested = _requested_platforms()
            order = requested or ["cuda", "cpu"]
            made = {}
            for name in order:
                try:
                    made[name] = _FACTORIES[name]()
                except Exception as error:  # a missing optional backend is not an error
                    _errors[name] = error
                    if requested:
                        raise BackendError(f"could not initialise requested platform {name!r}: "
                                           f"{error}") from error
            if not made:
                raise BackendError(f"no backend could be initialised: {_errors}")
            config.freeze("jax_num_cpu_devices", "the CPU backend has started with "
                          f"{len(made['cpu'].devices) if 'cpu' in made else 0} devices; set it "
                          "right after `import numax`")
            _backends = made
    return _backends


def get_backend(platform=None):
    found = backends()
    if platform is None:
        return next(iter(found.values()))
    if not isinstance(platform, str):
        platform = getattr(platform, "platform", platform)
    name = _ALIASES.get(platform, platform)
    if name not in found:
        reason = f" ({_errors[name]})" if name in _errors else ""
        raise BackendError(f"unknown or unavailable backend {platform!r}{reason}; "
                           f"available: {list(found)}")
    return found[name]


def default_backend():
    return next(iter(backends()))


def devices(backend=None):
    return list(get_backend(backend).devices)


def local_devices(process_index=None, backend=None):
    return list(get_backend(backend).local_devices)


def device_count(backend=None):
    return len(get_backend(backend).devices)


def local_device_count(backend=None):
    return len(get_backend(backend).local_devices)


def default_device():
    """The device of new arrays and uncommitted computations: `jax_default_device` (a
    device or a platform name) when set, else the first device of the default backend."""
    chosen = config.default_device
    if chosen is None:
        return get_backend().devices[0]
    if isinstance(chosen, str):
        return get_backend(chosen).devices[0]
    return chosen


def backend_of(device):
    return get_backend(device.platform)


def process_index():
    return 0


def process_count():
    return 1


def live_arrays(backend=None):
    """The arrays the backend's client still holds (numax Arrays, internal ones included)."""
    return list(get_backend(backend).client.live_arrays())


DEVICE_TYPE = xc.Device


def live_buffer_count(backend=None):
    """Number of device arrays the backend's client still holds (for leak checks)."""
    return len(live_arrays(backend))
