"""A small decoder-only Transformer language model (GPT-style), with a KV cache.

Token ids ``(N, T)`` → embeddings (token + learned position) → ``num_layers`` pre-LN causal
blocks → LayerNorm → logits ``(N, T, V)`` for the next token at every position::

    x = x + CausalSelfAttention(LayerNorm(x))
    x = x + MLP(LayerNorm(x))          # Linear(E, 4E) → GELU → Linear(4E, E)

The output head is tied to the token embedding by default (``logits = h Eᵀ``, Press & Wolf,
2017), or a separate ``Linear(E, V, bias=False)`` with ``tie_weights=False``.

KV cache: during generation the keys and values of the tokens already processed do not
change (the mask stops them from seeing later tokens), so each block keeps them and a new
token needs only its own query, key and value: ``forward(idx_new, cache=cache)`` processes
the new positions only and returns the updated cache. ``generate(..., use_cache=True)`` and
``use_cache=False`` produce the same tokens; the first is faster.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

from dlbook.errors import DlbookError, check_positive
from dlbook.nn.sampling import sample_next_token

__all__ = ["GPT", "CausalSelfAttention", "GPTBlock", "lm_loss"]


class CausalSelfAttention(nn.Module):
    """Multi-head self-attention where position ``i`` sees positions ``j ≤ i`` only.

    ``forward(x, cache=None)`` with ``x`` ``(N, T, E)`` returns ``(out, (k, v))``; ``k``, ``v``
    ``(N, heads, T_past + T, E/heads)`` include the ``cache`` of earlier positions.
    """

    def __init__(self, embed_dim: int, num_heads: int, dropout: float = 0.0):
        super().__init__()
        check_positive(embed_dim, "embed_dim", integer=True)
        check_positive(num_heads, "num_heads", integer=True)
        if embed_dim % num_heads:
            raise DlbookError(f"`embed_dim` = {embed_dim} phải chia hết cho `num_heads` = {num_heads}.")
        self.qkv = nn.Linear(embed_dim, 3 * embed_dim)
        self.proj = nn.Linear(embed_dim, embed_dim)
        self.dropout = nn.Dropout(dropout)
        self.num_heads, self.head_dim = num_heads, embed_dim // num_heads

    def forward(self, x: torch.Tensor, cache=None):
        N, T, E = x.shape
        q, k, v = (t.view(N, T, self.num_heads, self.head_dim).transpose(1, 2)
                   for t in self.qkv(x).chunk(3, dim=-1))
        if cache is not None:
            k, v = torch.cat([cache[0], k], dim=2), torch.cat([cache[1], v], dim=2)
        past = k.shape[2] - T
        scores = q @ k.transpose(-2, -1) / math.sqrt(self.head_dim)  # (N, h, T, past + T)
        # query i (absolute position past + i) may look at keys j ≤ past + i
        allowed = torch.ones(T, past + T, dtype=torch.bool, device=x.device).tril(past)
        scores = scores.masked_fill(~allowed, float("-inf"))
        weights = self.dropout(torch.softmax(scores, dim=-1))
        out = (weights @ v).transpose(1, 2).reshape(N, T, E)
        return self.proj(out), (k, v)


class GPTBlock(nn.Module):
    """Pre-LN decoder block: ``x + attn(LN(x))`` then ``x + MLP(LN(x))``."""

    def __init__(self, embed_dim: int, num_heads: int, ff_dim: int | None = None, dropout: float = 0.0):
        super().__init__()
        ff_dim = ff_dim or 4 * embed_dim
        self.ln1, self.ln2 = nn.LayerNorm(embed_dim), nn.LayerNorm(embed_dim)
        self.attn = CausalSelfAttention(embed_dim, num_heads, dropout)
        self.mlp = nn.Sequential(nn.Linear(embed_dim, ff_dim), nn.GELU(), nn.Linear(ff_dim, embed_dim),
                                 nn.Dropout(dropout))

    def forward(self, x, cache=None):
        a, cache = self.attn(self.ln1(x), cache)
        x = x + a
        return x + self.mlp(self.ln2(x)), cache


class GPT(nn.Module):
    """``GPT(vocab_size, context_length=64, embed_dim=64, num_heads=4, num_layers=2,
    ff_dim=None, dropout=0.0, tie_weights=True)``.

    ``forward(idx)`` → logits ``(N, T, V)``; ``forward(idx, cache=c, return_cache=True)`` →
    ``(logits, new_cache)`` where ``idx`` holds only the positions after those in ``c``
    (``cache=None`` starts from position 0).
    """

    def __init__(self, vocab_size: int, context_length: int = 64, embed_dim: int = 64,
                 num_heads: int = 4, num_layers: int = 2, ff_dim: int | None = None,
                 dropout: float = 0.0, tie_weights: bool = True):
        super().__init__()
        for value, name in ((vocab_size, "vocab_size"), (context_length, "context_length"),
                            (num_layers, "num_layers")):
            check_positive(value, name, integer=True)
        self.vocab_size, self.context_length = vocab_size, context_length
        self.token_emb = nn.Embedding(vocab_size, embed_dim)
        self.pos_emb = nn.Embedding(context_length, embed_dim)
        self.drop = nn.Dropout(dropout)
        self.blocks = nn.ModuleList(GPTBlock(embed_dim, num_heads, ff_dim, dropout) for _ in range(num_layers))
        self.ln_f = nn.LayerNorm(embed_dim)
        self.head = None if tie_weights else nn.Linear(embed_dim, vocab_size, bias=False)
        self.apply(self._init)

    @staticmethod
    def _init(module):
        if isinstance(module, (nn.Linear, nn.Embedding)):
            nn.init.normal_(module.weight, std=0.02)
        if isinstance(module, nn.Linear) and module.bias is not None:
            nn.init.zeros_(module.bias)

    def forward(self, idx: torch.Tensor, cache=None, return_cache: bool = False):
        if idx.ndim != 2 or idx.dtype not in (torch.int64, torch.int32):
            raise DlbookError(f"`idx` phải là tensor số nguyên dạng (N, T), nhưng có dạng "
                              f"{tuple(idx.shape)} kiểu {idx.dtype}.")
        past = 0 if cache is None else cache[0][0].shape[2]
        T = idx.shape[1]
        if past + T > self.context_length:
            raise DlbookError(f"Chuỗi dài {past + T} token vượt độ dài ngữ cảnh "
                              f"`context_length` = {self.context_length}.")
        pos = torch.arange(past, past + T, device=idx.device)
        x = self.drop(self.token_emb(idx) + self.pos_emb(pos))
        new_cache = []
        for i, block in enumerate(self.blocks):
            x, layer_cache = block(x, None if cache is None else cache[i])
            new_cache.append(layer_cache)
        x = self.ln_f(x)
        logits = x @ self.token_emb.weight.T if self.head is None else self.head(x)
        return (logits, new_cache) if return_cache else logits

    @torch.no_grad()
    def generate(self, idx: torch.Tensor, max_new_tokens: int, *, greedy: bool = False,
                 temperature: float = 1.0, top_k: int | None = None, top_p: float | None = None,
                 use_cache: bool = True, generator: torch.Generator | None = None) -> torch.Tensor:
        """Append ``max_new_tokens`` tokens to ``idx`` ``(N, T)`` and return ``(N, T + new)``.

        Without the cache every step runs the model on the whole (last ``context_length``)
        sequence; with it, each step runs on the one new token. When the sequence outgrows
        ``context_length`` the cache is rebuilt from the last ``context_length`` tokens at each
        step (learned positions stop there), which gives the same tokens as without it.
        """
        check_positive(max_new_tokens, "max_new_tokens", integer=True)
        was_training = self.training
        self.eval()
        C = self.context_length
        cache = None
        for _ in range(max_new_tokens):
            if not use_cache:
                logits = self(idx[:, -C:])[:, -1]
            elif cache is None or cache[0][0].shape[2] >= C:
                out, cache = self(idx[:, -C:], return_cache=True)  # (re)fill the cache
                logits = out[:, -1]
            else:
                out, cache = self(idx[:, -1:], cache=cache, return_cache=True)
                logits = out[:, -1]
            nxt = sample_next_token(logits, greedy=greedy, temperature=temperature, top_k=top_k,
                                    top_p=top_p, generator=generator)
            idx = torch.cat([idx, nxt], dim=1)
        self.train(was_training)
        return idx


def lm_loss(logits: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    """Mean cross-entropy of next-token logits ``(N, T, V)`` against ids ``(N, T)`` (nats/token)."""
    return F.cross_entropy(logits.reshape(-1, logits.shape[-1]), targets.reshape(-1))
