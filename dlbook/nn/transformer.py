"""Self-attention and the Transformer encoder block (Vaswani et al., 2017), written out.

Multi-head self-attention: every position of ``x`` ``(N, T, E)`` makes a query, a key and a
value (``Q = x W_Qᵀ``, ``K = x W_Kᵀ``, ``V = x W_Vᵀ``), split into ``h`` heads of size
``E/h``; each head computes ``softmax(Q Kᵀ / √(E/h)) V``, the heads are concatenated and
mixed by ``W_O``. The parameters are laid out like ``torch.nn.MultiheadAttention``
(``in_proj_weight`` = ``[W_Q; W_K; W_V]``), so its weights can be copied in.

Encoder block (post-norm, as in the paper and ``torch.nn.TransformerEncoderLayer``)::

    x = LayerNorm(x + Dropout(SelfAttention(x)))
    x = LayerNorm(x + Dropout(W₂ ReLU(W₁ x)))

With ``norm_first=True`` (pre-norm, Xiong et al. 2020) the normalisation moves inside the
residual branch, ``x = x + Dropout(SelfAttention(LayerNorm(x)))``, so the residual path from the
input to the output is a plain sum. The decoder block (Phần 9) adds a causal mask on its
self-attention and a cross-attention whose queries come from the decoder and whose keys and
values are the encoder's output (``memory``).
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

from dlbook.errors import DlbookError, check_positive

__all__ = ["MultiHeadAttention", "MultiHeadSelfAttention", "TransformerEncoderBlock",
           "TransformerDecoderBlock", "positional_encoding", "generate_causal_mask"]


class MultiHeadAttention(nn.Module):
    """``MultiHeadAttention(embed_dim, num_heads, dropout=0.0, bias=True)``: queries from one
    sequence, keys and values from another (cross-attention) or the same one (self-attention).

    ``forward(query, key, value, key_padding_mask=None, attn_mask=None)`` with ``query``
    ``(N, Tq, E)`` and ``key``/``value`` ``(N, Tk, E)`` returns ``(out, weights)``, ``out``
    ``(N, Tq, E)`` and ``weights`` ``(N, heads, Tq, Tk)``. ``key_padding_mask`` ``(N, Tk)`` is
    ``True`` at padding; a boolean ``attn_mask`` ``(Tq, Tk)`` is ``True`` where attending is
    *not* allowed (the conventions of ``torch.nn.MultiheadAttention``).
    """

    def __init__(self, embed_dim: int, num_heads: int, dropout: float = 0.0, bias: bool = True):
        super().__init__()
        check_positive(embed_dim, "embed_dim", integer=True)
        check_positive(num_heads, "num_heads", integer=True)
        if embed_dim % num_heads:
            raise DlbookError(f"`embed_dim` = {embed_dim} phải chia hết cho `num_heads` = {num_heads}.")
        self.in_proj = nn.Linear(embed_dim, 3 * embed_dim, bias=bias)  # [W_Q; W_K; W_V]
        self.out_proj = nn.Linear(embed_dim, embed_dim, bias=bias)
        self.dropout = nn.Dropout(dropout)
        self.embed_dim, self.num_heads = embed_dim, num_heads
        self.head_dim = embed_dim // num_heads

    def _project(self, x, i):
        E = self.embed_dim
        b = None if self.in_proj.bias is None else self.in_proj.bias[i * E:(i + 1) * E]
        return F.linear(x, self.in_proj.weight[i * E:(i + 1) * E], b)

    def _heads(self, t):  # (N, T, E) → (N, heads, T, head_dim)
        N, T, _ = t.shape
        return t.view(N, T, self.num_heads, self.head_dim).transpose(1, 2)

    def forward(self, query, key, value, key_padding_mask=None, attn_mask=None):
        for t, name in ((query, "query"), (key, "key"), (value, "value")):
            if t.ndim != 3 or t.shape[-1] != self.embed_dim:
                raise DlbookError(f"`{name}` phải có kích thước (N, T, {self.embed_dim}), "
                                  f"nhưng nhận được {tuple(t.shape)}.")
        if key.shape[1] != value.shape[1]:
            raise DlbookError(f"`key` có {key.shape[1]} vị trí nhưng `value` có {value.shape[1]}.")
        N, Tq, E = query.shape
        if query is key and key is value:  # self-attention: one matrix product
            q, k, v = self.in_proj(query).chunk(3, dim=-1)
        else:
            q, k, v = self._project(query, 0), self._project(key, 1), self._project(value, 2)
        q, k, v = self._heads(q), self._heads(k), self._heads(v)
        scores = q @ k.transpose(-2, -1) / math.sqrt(self.head_dim)  # (N, heads, Tq, Tk)
        if attn_mask is not None:
            scores = scores.masked_fill(attn_mask.bool(), float("-inf"))
        if key_padding_mask is not None:
            scores = scores.masked_fill(key_padding_mask.bool()[:, None, None, :], float("-inf"))
        weights = torch.softmax(scores, dim=-1)
        context = self.dropout(weights) @ v  # (N, heads, Tq, head_dim)
        out = self.out_proj(context.transpose(1, 2).reshape(N, Tq, E))
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


class MultiHeadSelfAttention(MultiHeadAttention):
    """``MultiHeadSelfAttention(embed_dim, num_heads, dropout=0.0, bias=True)``.

    ``forward(x, key_padding_mask=None, attn_mask=None)`` returns ``(out, weights)`` with
    ``weights`` ``(N, heads, T, T)``: :class:`MultiHeadAttention` with ``query = key = value = x``.
    """

    def forward(self, x, key_padding_mask=None, attn_mask=None):
        if x.ndim != 3 or x.shape[-1] != self.embed_dim:
            raise DlbookError(f"Đầu vào có {x.shape[-1]} chiều cuối nhưng `embed_dim` = {self.embed_dim}."
                              if x.ndim == 3 else
                              f"Đầu vào phải có kích thước (N, T, {self.embed_dim}), "
                              f"nhưng nhận được {tuple(x.shape)}.")
        return super().forward(x, x, x, key_padding_mask, attn_mask)


def _feed_forward(embed_dim, ff_dim, dropout, activation):
    if activation not in ("relu", "gelu"):
        raise DlbookError(f"`activation` phải là 'relu' hoặc 'gelu', không phải {activation!r}.")
    act = nn.ReLU() if activation == "relu" else nn.GELU()
    return nn.Sequential(nn.Linear(embed_dim, ff_dim), act, nn.Dropout(dropout),
                         nn.Linear(ff_dim, embed_dim))


def generate_causal_mask(T: int, device=None) -> torch.Tensor:
    """Boolean ``(T, T)`` mask, ``True`` above the diagonal: position ``t`` may not see ``> t``
    (the ``attn_mask`` convention of ``torch.nn.MultiheadAttention``)."""
    check_positive(T, "T", integer=True)
    return torch.triu(torch.ones(T, T, dtype=torch.bool, device=device), 1)


class TransformerEncoderBlock(nn.Module):
    """``TransformerEncoderBlock(embed_dim, num_heads, ff_dim=None, dropout=0.1, norm_first=False, activation="relu")``.

    ``forward(x, key_padding_mask=None, attn_mask=None)`` → ``(N, T, E)``; the attention weights
    of the last call are kept in ``self.attention_weights`` for plotting. ``norm_first=True``
    gives the pre-norm block.
    """

    def __init__(self, embed_dim: int, num_heads: int, ff_dim: int | None = None,
                 dropout: float = 0.1, norm_first: bool = False, activation: str = "relu"):
        super().__init__()
        ff_dim = ff_dim or 4 * embed_dim
        self.attn = MultiHeadSelfAttention(embed_dim, num_heads, dropout)
        self.ff = _feed_forward(embed_dim, ff_dim, dropout, activation)
        self.norm1, self.norm2 = nn.LayerNorm(embed_dim), nn.LayerNorm(embed_dim)
        self.drop1, self.drop2 = nn.Dropout(dropout), nn.Dropout(dropout)
        self.norm_first = bool(norm_first)
        self.attention_weights = None

    def _sa(self, x, key_padding_mask, attn_mask):
        a, self.attention_weights = self.attn(x, key_padding_mask, attn_mask)
        return self.drop1(a)

    def forward(self, x, key_padding_mask=None, attn_mask=None):
        if self.norm_first:
            x = x + self._sa(self.norm1(x), key_padding_mask, attn_mask)
            return x + self.drop2(self.ff(self.norm2(x)))
        x = self.norm1(x + self._sa(x, key_padding_mask, attn_mask))
        return self.norm2(x + self.drop2(self.ff(x)))

    @torch.no_grad()
    def load_from_torch(self, layer: nn.TransformerEncoderLayer):
        """Copy a ``torch.nn.TransformerEncoderLayer`` of the same sizes (same ``norm_first``)."""
        self.attn.load_from_torch(layer.self_attn)
        self.ff[0].load_state_dict(layer.linear1.state_dict())
        self.ff[3].load_state_dict(layer.linear2.state_dict())
        self.norm1.load_state_dict(layer.norm1.state_dict())
        self.norm2.load_state_dict(layer.norm2.state_dict())
        return self


class TransformerDecoderBlock(nn.Module):
    """``TransformerDecoderBlock(embed_dim, num_heads, ff_dim=None, dropout=0.1, norm_first=False, activation="relu")``.

    ``forward(y, memory, tgt_mask=None, tgt_key_padding_mask=None, memory_key_padding_mask=None)``
    → ``(N, T, E)``: masked self-attention over ``y`` (pass the causal mask as ``tgt_mask``),
    cross-attention from ``y`` to ``memory`` ``(N, S, E)``, feed-forward; each with a residual
    connection and a layer norm (after, or before with ``norm_first=True``). The weights of the
    last call are kept in ``self_attention_weights`` ``(N, heads, T, T)`` and
    ``cross_attention_weights`` ``(N, heads, T, S)``.
    """

    def __init__(self, embed_dim: int, num_heads: int, ff_dim: int | None = None,
                 dropout: float = 0.1, norm_first: bool = False, activation: str = "relu"):
        super().__init__()
        ff_dim = ff_dim or 4 * embed_dim
        self.self_attn = MultiHeadSelfAttention(embed_dim, num_heads, dropout)
        self.cross_attn = MultiHeadAttention(embed_dim, num_heads, dropout)
        self.ff = _feed_forward(embed_dim, ff_dim, dropout, activation)
        self.norm1, self.norm2, self.norm3 = (nn.LayerNorm(embed_dim) for _ in range(3))
        self.drop1, self.drop2, self.drop3 = (nn.Dropout(dropout) for _ in range(3))
        self.norm_first = bool(norm_first)
        self.self_attention_weights = self.cross_attention_weights = None

    def _sa(self, y, mask, pad):
        a, self.self_attention_weights = self.self_attn(y, pad, mask)
        return self.drop1(a)

    def _ca(self, y, memory, pad):
        a, self.cross_attention_weights = self.cross_attn(y, memory, memory, pad)
        return self.drop2(a)

    def forward(self, y, memory, tgt_mask=None, tgt_key_padding_mask=None,
                memory_key_padding_mask=None):
        if self.norm_first:
            y = y + self._sa(self.norm1(y), tgt_mask, tgt_key_padding_mask)
            y = y + self._ca(self.norm2(y), memory, memory_key_padding_mask)
            return y + self.drop3(self.ff(self.norm3(y)))
        y = self.norm1(y + self._sa(y, tgt_mask, tgt_key_padding_mask))
        y = self.norm2(y + self._ca(y, memory, memory_key_padding_mask))
        return self.norm3(y + self.drop3(self.ff(y)))

    @torch.no_grad()
    def load_from_torch(self, layer: nn.TransformerDecoderLayer):
        """Copy a ``torch.nn.TransformerDecoderLayer`` of the same sizes (same ``norm_first``)."""
        self.self_attn.load_from_torch(layer.self_attn)
        self.cross_attn.load_from_torch(layer.multihead_attn)
        self.ff[0].load_state_dict(layer.linear1.state_dict())
        self.ff[3].load_state_dict(layer.linear2.state_dict())
        for i in (1, 2, 3):
            getattr(self, f"norm{i}").load_state_dict(getattr(layer, f"norm{i}").state_dict())
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
