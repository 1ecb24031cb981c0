"""Decode-step attention for grouped-query models that reads each key/value head once.

transformers' ``sdpa`` attention (before 5.2x) copies every key/value head once per query head
it serves (``repeat_kv``) whenever an attention mask is given, which a padded batch always has:
for Qwen2.5 (6 query heads per key/value head) a decode step of 512 rows over 2,000-token
prompts then writes and reads ~6x the whole KV cache. A single query token needs no copy: its
query heads are laid out as the rows of their key/value head (``(batch, kv_heads, groups,
dim)``), and one ``scaled_dot_product_attention`` call attends them all. Prefill (more than one
query token) goes to transformers' own ``sdpa`` unchanged.

``ATTENTION`` is the name to load a model with (``attn_implementation=ATTENTION``); importing
this module registers it, with transformers' ``sdpa`` masks.
"""

from __future__ import annotations

import torch
from transformers import AttentionInterface
from transformers.integrations.sdpa_attention import sdpa_attention_forward
from transformers.masking_utils import ALL_MASK_ATTENTION_FUNCTIONS, sdpa_mask

ATTENTION = "sqlfix_sdpa"


def grouped_decode_attention(
    module: torch.nn.Module,
    query: torch.Tensor,
    key: torch.Tensor,
    value: torch.Tensor,
    attention_mask: torch.Tensor | None,
    dropout: float = 0.0,
    scaling: float | None = None,
    **kwargs,
) -> tuple[torch.Tensor, None]:
    """Attention output ``(batch, q_len, heads, dim)``: one query token attends its key/value
    heads without copying them; anything else is transformers' ``sdpa``."""
    groups = getattr(module, "num_key_value_groups", 1)
    if query.shape[2] != 1 or groups == 1 or kwargs.get("position_bias") is not None:
        return sdpa_attention_forward(module, query, key, value, attention_mask, dropout=dropout, scaling=scaling,
                                      **kwargs)
    batch, heads, _, dim = query.shape
    packed = query.reshape(batch, heads // groups, groups, dim)  # query head h -> key/value head h // groups
    mask = attention_mask
    if mask is not None:
        mask = mask[..., : key.shape[-2]]
        if mask.shape[1] != 1:  # a mask per query head: packed like the queries
            mask = mask.reshape(batch, heads // groups, groups, -1)
    output = torch.nn.functional.scaled_dot_product_attention(packed, key, value, attn_mask=mask,
                                                              dropout_p=dropout, scale=scaling)
    return output.reshape(batch, heads, 1, dim).transpose(1, 2).contiguous(), None


AttentionInterface.register(ATTENTION, grouped_decode_attention)
ALL_MASK_ATTENTION_FUNCTIONS.register(ATTENTION, sdpa_mask)
