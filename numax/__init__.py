"""numax: NumPy-compatible arrays and composable transformations, compiled by XLA.

`import numax as jax` gives JAX's public API: jit, make_jaxpr, eval_shape, devices,
device_put, config, tree_util, numpy, lax. This module lists the public surface;
the implementations live in the subpackages.
"""

from numax.core.config import (config, default_matmul_precision, disable_jit,  # noqa: F401
                               enable_x64)
from numax import dispatch as _dispatch  # noqa: F401  (installs the eager implementation)
from numax.array import AnyArray as Array, Shard, device_put  # noqa: F401
from numax.api import (ShapeDtypeStruct, block_until_ready, device_get, eval_shape, jit,  # noqa: F401
                       make_jaxpr)
from numax.autodiff import (fwd_and_bwd, grad, hessian, jacfwd, jacrev, jvp,  # noqa: F401
                            linear_transpose, linearize, value_and_grad, vjp)
from numax.mapping import vmap  # noqa: F401
from numax.custom_derivatives import custom_jvp, custom_vjp  # noqa: F401
from numax.callbacks import effects_barrier, pure_callback  # noqa: F401
from numax import debug, experimental  # noqa: F401
from numax.transforms.remat import checkpoint, checkpoint_policies, remat  # noqa: F401
from numax import ad_checkpoint, test_util  # noqa: F401
from numax.runtime import (default_backend, device_count, devices, local_device_count,  # noqa: F401
                           local_devices, process_count, process_index)
from numax import errors, lax, numpy, random, tree_util, tree  # noqa: F401
from numax import dtypes, flatten_util, stages  # noqa: F401,E402
from numax import nn  # noqa: F401,E402
from numax import scipy  # noqa: F401,E402
from numax.core.config import (check_tracer_leaks, checking_leaks, debug_infs, debug_nans,  # noqa: F401,E402
                               default_device, default_prng_impl, enable_checks,
                               explain_cache_misses, legacy_prng_key, log_compiles,
                               no_execution, no_tracing,
                               numpy_dtype_promotion, numpy_rank_promotion, threefry_partitionable)
from numax.core.dtypes import float0  # noqa: F401,E402
from numax.core.config import (transfer_guard, transfer_guard_device_to_device,  # noqa: F401,E402
                               transfer_guard_device_to_host, transfer_guard_host_to_device)
from numax.numpy.indexing import ds  # noqa: F401,E402
from numax.autodiff import jacrev as jacobian  # noqa: F401,E402
from numax._environment import (Device, clear_caches, copy_to_host_async, host_count,  # noqa: F401,E402
                                host_id, host_ids, live_arrays, make_array_from_callback,
                                make_array_from_process_local_data,
                                make_array_from_single_device_arrays, print_environment_info,
                                process_indices, typeof)
from numax._function_tools import (closure_convert, custom_gradient,  # noqa: F401,E402
                                   ensure_compile_time_eval, named_call, named_scope)
from numax import custom_batching, dlpack, image, ops, typing, version  # noqa: F401,E402
from numax import sharding  # noqa: F401,E402
from numax.sharding import NamedSharding, PartitionSpec as P, make_mesh  # noqa: F401,E402
from numax.lax.shard_map import shard_map  # noqa: F401,E402
from numax.mapping import pmap  # noqa: F401,E402
from numax import extend, interpreters  # noqa: F401,E402

from numax.version import __version__  # noqa: F401,E402
