"""numax.nn's attention and block-scaled matrix products: dot_product_attention,
scaled_matmul, scaled_dot_general and its configuration helpers.

Written in terms of numax.lax and numax.numpy: attention is two dot_generals around a
masked softmax (XLA fuses them; there is no hand-written flash kernel and no cuDNN path).
Conventions follow JAX's documented behaviour: logits are computed in at least float32,
masked logits get a large finite negative value (so a fully masked row gives uniform
weights, not NaN), grouped-query attention shares each key/value head among N // K
query heads, and the causal mask aligns the first query with the first key.
"""

import dataclasses
import operator

import numpy as np

from numax import lax
from numax import numpy as jnp
from numax.api import jit
from numax.core import dtypes
from numax.nn.functions import logsumexp, softmax

# ---------------------------------------------------------------- dot_product_attention


def _large_negative(dtype):
    """The logit given to masked entries: finite, so fully masked rows stay NaN-free."""
    return np.asarray(-0.7 * dtypes.finfo(dtype).max, dtype)


def _to_bnts(name, x, shape):
    """`x` (bias or mask) broadcast to the logits' (B, N, T, S); B is 1 for an unbatched
    call, so (N, T, S) and (1, N, T, S) arrays both fit it."""
    x = jnp.asarray(x)
    if x.ndim > len(shape):
        raise ValueError(f"numax.nn.dot_product_attention: {name} of shape {x.shape} has "
                         f"more dimensions than the logits (B, N, T, S) = {shape}")
    try:
        np.broadcast_shapes(x.shape, shape)
    except ValueError:
        raise ValueError(f"numax.nn.dot_product_attention: {name} of shape {x.shape} does "
                         f"not broadcast to the logits' shape (B, N, T, S) = {shape}") from None
    return jnp.broadcast_to(x, shape)


def _attention_mask(mask, is_causal, local_window, q_lengths, kv_lengths, shape):
    """The boolean (B|1, N|1, T, S) mask of the logits that take part, or None."""
    batch, heads, t, s = shape
    combined = mask
    query_pos = lax.broadcasted_iota(np.int32, (1, 1, t, s), 2)
    key_pos = lax.broadcasted_iota(np.int32, (1, 1, t, s), 3)

    def both(extra):
        return extra if combined is None else jnp.logical_and(combined, extra)

    if is_causal:
        combined = both(key_pos <= query_pos)
    if local_window is not None:
        left, right = local_window
        combined = both((key_pos >= query_pos - left) & (key_pos <= query_pos + right))
    if q_lengths is not None:
        combined = both(query_pos < q_lengths.reshape(batch, 1, 1, 1))
    if kv_lengths is not None:
        combined = both(key_pos < kv_lengths.reshape(batch, 1, 1, 1))
    return combined


def _attention(query, key, value, bias, mask, q_lengths, kv_lengths, scale, is_causal,
               local_window, return_residual):
    batch, t, heads, head_dim = query.shape
    s, kv_heads = key.shape[1], key.shape[2]
    groups = heads // kv_heads
    logits_dtype = jnp.promote_types(query.dtype, np.float32)
    # (B, T, K, G, H) x (B, S, K, H) -> (B, K, T, G, S) -> (B, K, G, T, S)
    grouped = query.reshape(batch, t, kv_heads, groups, head_dim)
    logits = lax.dot_general(grouped, key, (((4,), (3,)), ((0, 2), (0, 2))),
                             preferred_element_type=logits_dtype)
    logits = jnp.transpose(logits, (0, 1, 3, 2, 4)) * np.asarray(scale, logits_dtype)
    logits = logits.reshape(batch, heads, t, s)
    if bias is not None:
        logits = (logits + bias).astype(logits_dtype)
    combined = _attention_mask(mask, is_causal, local_window, q_lengths, kv_lengths,
                               (batch, heads, t, s))
    if combined is not None:
        logits = jnp.where(combined, logits, _large_negative(logits_dtype))
    probs = softmax(logits, axis=-1).astype(value.dtype)
    probs = probs.reshape(batch, kv_heads, groups, t, s)
    # (B, K, G, T, S) x (B, S, K, H) -> (B, K, G, T, H) -> (B, T, K, G, H)
    encoded = lax.dot_general(probs, value, (((4,), (1,)), ((0, 1), (0, 2))))
    encoded = jnp.transpose(encoded, (0, 3, 1, 2, 4)).reshape(batch, t, heads, head_dim)
    if q_lengths is not None:
        # Padded query rows attend to nothing real; they come out as zeros.
        valid = lax.broadcasted_iota(np.int32, (batch, t), 1) < q_lengths.reshape(batch, 1)
        encoded = jnp.where(valid[:, :, None, None], encoded, 0).astype(encoded.dtype)
    if not return_residual:
        return encoded
    residual = jnp.transpose(logsumexp(logits, axis=-1), (0, 2, 1))   # (B, T, N)
    return encoded, residual


_attention_jit = jit(_attention, static_argnums=(7, 8, 9, 10))


def _check_lengths(name, lengths, batch):
    lengths = jnp.asarray(lengths)
    if not dtypes.is_integer(lengths.dtype) or lengths.shape != (batch,):
        raise ValueError(f"numax.nn.dot_product_attention: {name} must be an integer array "
                         f"of shape (B,) = ({batch},), got {lengths.dtype} {lengths.shape}")
    return lengths.astype(np.int32)


def _local_window(local_window_size):
    if local_window_size is None:
        return None
    if isinstance(local_window_size, (int, np.integer)):
        window = (operator.index(local_window_size),) * 2
    else:
        window = tuple(operator.index(w) for w in local_window_size)
    if len(window) != 2 or min(window) < 0:
        raise ValueError("numax.nn.dot_product_attention: local_window_size must be a "
                         "non-negative int or a pair (left, right) of them, got "
                         f"{local_window_size!r}")
    return window


def dot_product_attention(query, key, value, bias=None, mask=None, *, scale=None,
                          is_causal=False, query_seq_lengths=None,
                          key_value_seq_lengths=None, local_window_size=None,
                          implementation=None, return_residual=False):
    """softmax(Q K^T * scale + bias) V for each head, with masks.

    Shapes: query (B, T, N, H) or (T, N, H); key and value (B, S, K, H) or (S, K, H),
    where N is a multiple of K (grouped-query attention: each key/value head serves
    N // K query heads). `bias` (added to the logits) and boolean `mask` (True takes
    part) broadcast to (B, N, T, S). `scale` defaults to 1 / sqrt(H). `is_causal` lets
    query i see keys j <= i; `local_window_size` (w or (left, right)) lets it see
    keys i - left ... i + right; `query_seq_lengths` / `key_value_seq_lengths` (int
    arrays of shape (B,)) mask padding, and padded query rows come out as zeros.
    With `return_residual=True` it returns (output, logsumexp of the masked logits,
    shape (B, T, N)). Only the XLA implementation exists: `implementation` must be
    None or 'xla'.
    """
    if implementation not in (None, "xla"):
        if implementation == "cudnn":
            raise NotImplementedError("numax.nn.dot_product_attention: the cuDNN fused "
                                      "kernel is not available in numax; use "
                                      "implementation=None or 'xla'")
        raise ValueError("numax.nn.dot_product_attention: implementation must be None, "
                         f"'xla' or 'cudnn', got {implementation!r}")
    query, key, value = jnp.asarray(query), jnp.asarray(key), jnp.asarray(value)
    if query.ndim not in (3, 4) or key.ndim != query.ndim or value.ndim != query.ndim:
        raise ValueError("numax.nn.dot_product_attention: query, key and value must all be "
                         "4-D (B, T, N, H) / (B, S, K, H) or all 3-D without the batch "
                         f"axis, got shapes {query.shape}, {key.shape}, {value.shape}")
    if key.shape != value.shape:
        raise ValueError("numax.nn.dot_product_attention: key and value must have the same "
                         f"shape, got {key.shape} and {value.shape}")
    if not (query.dtype == key.dtype == value.dtype) or not dtypes.is_float(query.dtype):
        raise TypeError("numax.nn.dot_product_attention: query, key and value must share "
                        f"one floating dtype, got {query.dtype}, {key.dtype}, {value.dtype}")
    unbatched = query.ndim == 3
    if unbatched:
        query, key, value = query[None], key[None], value[None]
    batch, t, heads, head_dim = query.shape
    key_batch, s, kv_heads, key_head_dim = key.shape
    if key_batch != batch or key_head_dim != head_dim:
        raise ValueError("numax.nn.dot_product_attention: query (B, T, N, H) and key "
                         "(B, S, K, H) must agree on B and H, got "
                         f"{query.shape[unbatched:]} and {key.shape[unbatched:]}")
    if kv_heads == 0 or heads % kv_heads:
        raise ValueError(f"numax.nn.dot_product_attention: the number of query heads N = "
                         f"{heads} must be a multiple of the key/value heads K = {kv_heads}")
    logits_shape = (batch, heads, t, s)
    if bias is not None:
        bias = _to_bnts("bias", bias, logits_shape)
    if mask is not None:
        mask = _to_bnts("mask", mask, logits_shape)
        if mask.dtype != np.bool_:
            raise TypeError("numax.nn.dot_product_attention: mask must be boolean (True "
                            f"takes part), got {mask.dtype}; pass additive masks as bias")
    if query_seq_lengths is not None:
        query_seq_lengths = _check_lengths("query_seq_lengths", query_seq_lengths, batch)
    if key_value_seq_lengths is not None:
        key_value_seq_lengths = _check_lengths("key_value_seq_lengths",
                                               key_value_seq_lengths, batch)
    scale = 1.0 / np.sqrt(head_dim) if scale is None else float(scale)
    result = _attention_jit(query, key, value, bias, mask, query_seq_lengths,
                            key_value_seq_lengths, scale, bool(is_causal),
                            _local_window(local_window_size), bool(return_residual))
    if not unbatched:
        return result
    if return_residual:
        return result[0][0], result[1][0]
    return result[0]


# ---------------------------------------------------------------- block-scaled products


@dataclasses.dataclass(frozen=True)
class BlockScaleConfig:
    """How scaled_dot_general quantizes one operand: blocks of `block_size` elements
    along the contracting axis share one scale of `scale_type`; the data is stored as
    `data_type`; `global_scale` (nvfp4) multiplies all scales."""
    mode: str
    block_size: int
    data_type: object
    scale_type: object
    global_scale: object = None
    infer_only: bool = False


def get_scaled_dot_general_config(mode, global_scale=None):
    """The BlockScaleConfig of `mode`: 'mxfp8' (float8_e4m3fn data, float8_e8m0fnu scales,
    blocks of 32) or 'nvfp4' (float4_e2m1fn data, float8_e4m3fn scales, blocks of 16, with
    a float32 global scale, 1 by default)."""
    import ml_dtypes
    if mode == "mxfp8":
        return BlockScaleConfig("mxfp8", 32, np.dtype(ml_dtypes.float8_e4m3fn),
                                np.dtype(ml_dtypes.float8_e8m0fnu), None)
    if mode == "nvfp4":
        if global_scale is None:
            global_scale = jnp.array(1.0, np.float32)
        return BlockScaleConfig("nvfp4", 16, np.dtype(ml_dtypes.float4_e2m1fn),
                                np.dtype(ml_dtypes.float8_e4m3fn), global_scale)
    raise ValueError(f"numax.nn.get_scaled_dot_general_config: mode must be 'mxfp8' or "
                     f"'nvfp4', got {mode!r}")


def _scaled_matmul(lhs, rhs, lhs_scales, rhs_scales, preferred_element_type):
    def dequantize(x, scales):
        batch, rows, k = x.shape
        blocks = scales.shape[-1]
        x = x.astype(np.float32).reshape(batch, rows, blocks, k // blocks)
        return (x * scales.astype(np.float32)[..., None]).reshape(batch, rows, k)
    out = lax.dot_general(dequantize(lhs, lhs_scales), dequantize(rhs, rhs_scales),
                          (((2,), (2,)), ((0,), (0,))), preferred_element_type=np.float32)
    return out.astype(preferred_element_type)


_scaled_matmul_jit = jit(_scaled_matmul, static_argnums=(4,))


def scaled_matmul(lhs, rhs, lhs_scales, rhs_scales, preferred_element_type=np.float32):
    """Block-scaled batched matmul: (lhs * repeat(lhs_scales)) @ (rhs * repeat(rhs_scales))^T
    contracting the last axes, computed in float32.

    lhs (B, M, K), rhs (B, N, K), lhs_scales (B, M, K_a), rhs_scales (B, N, K_b) with K a
    multiple of K_a and K_b; the result is (B, M, N) in preferred_element_type.
    """
    lhs, rhs = jnp.asarray(lhs), jnp.asarray(rhs)
    lhs_scales, rhs_scales = jnp.asarray(lhs_scales), jnp.asarray(rhs_scales)
    for name, x in (("lhs", lhs), ("rhs", rhs), ("lhs_scales", lhs_scales),
                    ("rhs_scales", rhs_scales)):
        if x.ndim != 3:
            raise ValueError(f"numax.nn.scaled_matmul: {name} must be 3-D, got shape "
                             f"{x.shape}")
    (batch, m, k), (rhs_batch, n, rhs_k) = lhs.shape, rhs.shape
    if rhs_batch != batch or rhs_k != k:
        raise ValueError("numax.nn.scaled_matmul: lhs (B, M, K) and rhs (B, N, K) must agree "
                         f"on B and K, got {lhs.shape} and {rhs.shape}")
    for name, x, rows in (("lhs_scales", lhs_scales, m), ("rhs_scales", rhs_scales, n)):
        if x.shape[:2] != (batch, rows) or x.shape[2] == 0 or k % x.shape[2]:
            raise ValueError(f"numax.nn.scaled_matmul: {name} must have shape (B, rows, "
                             f"K_s) = ({batch}, {rows}, K_s) with K = {k} a multiple of K_s, "
                             f"got {x.shape}")
    return _scaled_matmul_jit(lhs, rhs, lhs_scales, rhs_scales,
                              dtypes.canonicalize_dtype(preferred_element_type))


def scaled_dot_general(lhs, rhs, dimension_numbers, preferred_element_type=np.float32,
                       configs=None, implementation=None):
    """lax.dot_general with block-scaled quantization of both operands.

    With configs=None it is lax.dot_general with the given preferred_element_type (as in
    JAX). Quantizing with configs needs conversions to float8/float4, which numax.lax
    does not lower yet, so configs other than None raise NotImplementedError.
    """
    del implementation  # a deprecated backend selector: ignored, as in JAX
    if configs is not None:
        raise NotImplementedError("numax.nn.scaled_dot_general: quantizing with "
                                  "BlockScaleConfig needs float8/float4 conversions, which "
                                  "numax does not support yet; pass configs=None for a plain "
                                  "dot_general, or quantize yourself and call scaled_matmul")
    return lax.dot_general(lhs, rhs, dimension_numbers,
                           preferred_element_type=preferred_element_type)
