"""numax.ad_checkpoint: rematerialisation (checkpoint, checkpoint_name, policies)."""

from numax.lax.autodiff_ops import checkpoint_name  # noqa: F401
from numax.transforms.remat import checkpoint, checkpoint_policies, remat  # noqa: F401
