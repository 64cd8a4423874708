"""Self-attention and the Transformer encoder block (Vaswani et al., 2017), written out.

Multi-head self-attention: every position of ``x`` ``(N, T, E)`` makes a query, a key and a
value (``Q = x W_Qᵀ``, ``K = x W_Kᵀ``, ``V = x W_Vᵀ``), split into ``h`` heads of size
``E/h``; each head computes ``softmax(Q Kᵀ / √(E/h)) V``, the heads are concatenated and
mixed by ``W_O``. The parameters are laid out like ``torch.nn.MultiheadAttention``
(``in_proj_weight`` = ``[W_Q; W_K; W_V]``), so its weights can be copied in.

Encoder block (post-norm, as in the paper and ``torch.nn.TransformerEncoderLayer``)::

    x = LayerNorm(x + Dropout(SelfAttention(x)))
    x = LayerNorm(x + Dropout(W₂ ReLU(W₁ x)))
"""

from __future__ import annotations

import math

import torch
from torch import nn

from dlbook.errors import DlbookError, check_positive

__all__ = ["MultiHeadSelfAttention", "TransformerEncoderBlock", "positional_encoding"]


class MultiHeadSelfAttention(nn.Module):
    """``MultiHeadSelfAttention(embed_dim, num_heads, dropout=0.0, bias=True)``.

    ``forward(x, key_padding_mask=None, attn_mask=None)`` returns ``(out, weights)`` with
    ``weights`` ``(N, heads, T, T)``. ``key_padding_mask`` ``(N, T)`` is ``True`` at padding;
    a boolean ``attn_mask`` ``(T, T)`` is ``True`` where attending is *not* allowed (the
    conventions of ``torch.nn.MultiheadAttention``).
    """

    def __init__(self, embed_dim: int, num_heads: int, dropout: float = 0.0, bias: bool = True):
        super().__init__()
        check_positive(embed_dim, "embed_dim", integer=True)
        check_positive(num_heads, "num_heads", integer=True)
        if embed_dim % num_heads:
            raise DlbookError(f"`embed_dim` = {embed_dim} phải chia hết cho `num_heads` = {num_heads}.")
        self.in_proj = nn.Linear(embed_dim, 3 * embed_dim, bias=bias)
        self.out_proj = nn.Linear(embed_dim, embed_dim, bias=bias)
        self.dropout = nn.Dropout(dropout)
        self.embed_dim, self.num_heads = embed_dim, num_heads
        self.head_dim = embed_dim // num_heads

    def forward(self, x, key_padding_mask=None, attn_mask=None):
        N, T, E = x.shape
        if E != self.embed_dim:
            raise DlbookError(f"Đầu vào có {E} chiều cuối nhưng `embed_dim` = {self.embed_dim}.")
        q, k, v = self.in_proj(x).chunk(3, dim=-1)
        # (N, T, E) → (N, heads, T, head_dim)
        q, k, v = (t.view(N, T, self.num_heads, self.head_dim).transpose(1, 2) for t in (q, k, v))
        scores = q @ k.transpose(-2, -1) / math.sqrt(self.head_dim)  # (N, heads, T, T)
        if attn_mask is not None:
            scores = scores.masked_fill(attn_mask.bool(), float("-inf"))
        if key_padding_mask is not None:
            scores = scores.masked_fill(key_padding_mask.bool()[:, None, None, :], float("-inf"))
        weights = torch.softmax(scores, dim=-1)
        context = self.dropout(weights) @ v  # (N, heads, T, head_dim)
        out = self.out_proj(context.transpose(1, 2).reshape(N, T, E))
        return out, weights

    @torch.no_grad()
    def load_from_torch(self, mha: nn.MultiheadAttention):
        """Copy the weights of a ``torch.nn.MultiheadAttention`` with the same sizes."""
        self.in_proj.weight.copy_(mha.in_proj_weight)
        self.out_proj.weight.copy_(mha.out_proj.weight)
        if self.in_proj.bias is not None:
            self.in_proj.bias.copy_(mha.in_proj_bias)
            self.out_proj.bias.copy_(mha.out_proj.bias)
        return self


class TransformerEncoderBlock(nn.Module):
    """``TransformerEncoderBlock(embed_dim, num_heads, ff_dim=None, dropout=0.1)``.

    ``forward(x, key_padding_mask=None)`` → ``(N, T, E)``; the attention weights of the last
    call are kept in ``self.attention_weights`` for plotting.
    """

    def __init__(self, embed_dim: int, num_heads: int, ff_dim: int | None = None,
                 dropout: float = 0.1):
        super().__init__()
        ff_dim = ff_dim or 4 * embed_dim
        self.attn = MultiHeadSelfAttention(embed_dim, num_heads, dropout)
        self.ff = nn.Sequential(nn.Linear(embed_dim, ff_dim), nn.ReLU(), nn.Dropout(dropout),
                                nn.Linear(ff_dim, embed_dim))
        self.norm1, self.norm2 = nn.LayerNorm(embed_dim), nn.LayerNorm(embed_dim)
        self.drop1, self.drop2 = nn.Dropout(dropout), nn.Dropout(dropout)
        self.attention_weights = None

    def forward(self, x, key_padding_mask=None, attn_mask=None):
        a, self.attention_weights = self.attn(x, key_padding_mask, attn_mask)
        x = self.norm1(x + self.drop1(a))
        return self.norm2(x + self.drop2(self.ff(x)))

    @torch.no_grad()
    def load_from_torch(self, layer: nn.TransformerEncoderLayer):
        """Copy a ``torch.nn.TransformerEncoderLayer`` (ReLU, post-norm) of the same sizes."""
        self.attn.load_from_torch(layer.self_attn)
        self.ff[0].load_state_dict(layer.linear1.state_dict())
        self.ff[3].load_state_dict(layer.linear2.state_dict())
        self.norm1.load_state_dict(layer.norm1.state_dict())
        self.norm2.load_state_dict(layer.norm2.state_dict())
        return self


def positional_encoding(max_len: int, dim: int) -> torch.Tensor:
    """Sinusoidal positions ``(max_len, dim)``: ``PE[p, 2i] = sin(p / 10000^(2i/dim))``,
    ``PE[p, 2i+1] = cos(…)``."""
    check_positive(max_len, "max_len", integer=True)
    check_positive(dim, "dim", integer=True)
    pos = torch.arange(max_len, dtype=torch.float32)[:, None]
    freq = torch.exp(-math.log(10000.0) * torch.arange(0, dim, 2, dtype=torch.float32) / dim)
    pe = torch.zeros(max_len, dim)
    pe[:, 0::2] = torch.sin(pos * freq)
    pe[:, 1::2] = torch.cos(pos * freq)[:, : dim // 2]
    return pe
