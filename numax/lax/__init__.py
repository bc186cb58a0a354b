"""numax.lax: the primitives, under JAX's names, with JAX's convenience wrappers.

Each family module declares its primitives (all rules in one place) and the public
functions that bind them; this package re-exports their `__all__`.
"""

from numax.lax.elementwise import *  # noqa: F401,F403
from numax.lax.special import *  # noqa: F401,F403
from numax.lax.incomplete_beta import *  # noqa: F401,F403
from numax.lax.structural import *  # noqa: F401,F403
from numax.lax.indexing import *  # noqa: F401,F403
from numax.lax.contractions import *  # noqa: F401,F403
from numax.lax.convolution import *  # noqa: F401,F403
from numax.lax.reductions import *  # noqa: F401,F403
from numax.lax.windowed import *  # noqa: F401,F403
from numax.lax.cumulative import *  # noqa: F401,F403
from numax.lax.sorting import *  # noqa: F401,F403
from numax.lax.fft import *  # noqa: F401,F403
from numax.lax.autodiff_ops import *  # noqa: F401,F403
from numax.lax.control_flow import *  # noqa: F401,F403
from numax.lax.parallel import *  # noqa: F401,F403
from numax.lax.misc import *  # noqa: F401,F403
from numax.lax.random_bits import *  # noqa: F401,F403
from numax.lax.approx_top_k import *  # noqa: F401,F403
from numax.lax.solvers import *  # noqa: F401,F403
from numax.lax.conv_utils import *  # noqa: F401,F403
from numax.lax.gamma_grads import *  # noqa: F401,F403
from numax.lax.total_order import *  # noqa: F401,F403
from numax.lax.stacking import *  # noqa: F401,F403
from numax.lax.ragged_contractions import *  # noqa: F401,F403
from numax.lax.dot_algorithms import *  # noqa: F401,F403
from numax.lax.tokens_and_staging import *  # noqa: F401,F403
from numax.lax.stateful_random import *  # noqa: F401,F403
from numax.lax.scaled_dot import *  # noqa: F401,F403
from numax.lax.placement import *  # noqa: F401,F403
