"""numax.nn: neural-network building blocks under JAX's names.

Activations, the softmax family, logsumexp, one_hot and standardize live in
functions.py; dot_product_attention and the block-scaled matrix products in attention.py;
parameter initializers in the `initializers` submodule. This module lists the public
surface.
"""

from numax.nn import initializers  # noqa: F401
from numax.nn.functions import (celu, elu, gelu, glu, hard_sigmoid, hard_silu,  # noqa: F401
                                hard_swish, hard_tanh, identity, leaky_relu, log1mexp,
                                log_sigmoid, log_softmax, logmeanexp, logsumexp, mish,
                                one_hot, relu, relu6, selu, sigmoid, silu, soft_sign, softmax,
                                softplus, sparse_plus, sparse_sigmoid, squareplus,
                                standardize, swish, tanh)
from numax.nn.attention import (dot_product_attention,  # noqa: F401
                                get_scaled_dot_general_config, scaled_dot_general,
                                scaled_matmul)

__all__ = [
    "celu", "dot_product_attention", "elu", "gelu", "get_scaled_dot_general_config", "glu",
    "hard_sigmoid", "hard_silu", "hard_swish", "hard_tanh", "identity", "initializers",
    "leaky_relu", "log1mexp", "log_sigmoid", "log_softmax", "logmeanexp", "logsumexp", "mish",
    "one_hot", "relu", "relu6", "scaled_dot_general", "scaled_matmul", "selu", "sigmoid",
    "silu", "soft_sign", "softmax", "softplus", "sparse_plus", "sparse_sigmoid", "squareplus",
    "standardize", "swish", "tanh",
]
