"""The encoder–decoder Transformer for sequence-to-sequence (Vaswani et al. 2017; Phần 9, chương 25).

Source ids ``(N, S)`` → embedding ``· √d`` + positions → ``num_encoder_layers`` ×
:class:`~dlbook.nn.transformer.TransformerEncoderBlock` → ``memory`` ``(N, S, d)``. Target ids
(shifted right, starting with ``<s>``) ``(N, T)`` → embedding + positions →
``num_decoder_layers`` × :class:`~dlbook.nn.transformer.TransformerDecoderBlock` (causal
self-attention, cross-attention to ``memory``) → linear → logits ``(N, T, V)``.

Positions are ``"sinusoidal"`` (fixed, :func:`~dlbook.nn.transformer.positional_encoding`) or
``"learned"`` (an ``nn.Embedding(max_len, d)``). ``norm_first=True`` gives pre-LN blocks and a
final ``LayerNorm`` after each stack (as in GPT-2 and ``torch.nn.Transformer(norm_first=True)``).

Same interface as :class:`~dlbook.nn.seq2seq.Seq2SeqAttention`: ``forward(src, tgt_in)`` →
``(logits, cross_attention)``, ``loss(src, tgt)``, ``translate(src, start_id, end_id, max_len)``.
"""

from __future__ import annotations

import math

import torch
from torch import nn

from dlbook.errors import DlbookError, check_positive_ints
from dlbook.nn.teacher_forcing import teacher_forced_loss
from dlbook.nn.transformer import (
    TransformerDecoderBlock,
    TransformerEncoderBlock,
    generate_causal_mask,
    positional_encoding,
)

__all__ = ["Seq2SeqTransformer", "TRANSFORMER_DEFAULTS"]

#: Settings for the dates task of chương 25 (same data and budget as ``SEQ2SEQ_DEFAULTS``).
TRANSFORMER_DEFAULTS = {"d_model": 64, "num_heads": 4, "num_encoder_layers": 2,
                        "num_decoder_layers": 2, "ff_dim": 128, "dropout": 0.0}


class _Positions(nn.Module):
    def __init__(self, kind: str, max_len: int, d_model: int):
        super().__init__()
        if kind not in ("sinusoidal", "learned"):
            raise DlbookError(f"`positions` phải là 'sinusoidal' hoặc 'learned', không phải {kind!r}.")
        self.kind, self.max_len = kind, max_len
        if kind == "learned":
            self.table = nn.Embedding(max_len, d_model)
            nn.init.normal_(self.table.weight, std=0.02)
        else:
            self.register_buffer("pe", positional_encoding(max_len, d_model), persistent=False)

    def forward(self, T: int):
        if T > self.max_len:
            raise DlbookError(f"Chuỗi dài {T} vị trí nhưng `max_len` = {self.max_len}.")
        return self.table.weight[:T] if self.kind == "learned" else self.pe[:T]


class Seq2SeqTransformer(nn.Module):
    """``Seq2SeqTransformer(src_vocab_size, tgt_vocab_size, d_model=64, num_heads=4, num_encoder_layers=2, num_decoder_layers=2, ff_dim=None, dropout=0.1, max_len=64, positions="sinusoidal", norm_first=False, pad_idx=0)``."""

    def __init__(self, src_vocab_size: int, tgt_vocab_size: int, d_model: int = 64,
                 num_heads: int = 4, num_encoder_layers: int = 2, num_decoder_layers: int = 2,
                 ff_dim: int | None = None, dropout: float = 0.1, max_len: int = 64,
                 positions: str = "sinusoidal", norm_first: bool = False, pad_idx: int = 0):
        super().__init__()
        check_positive_ints(src_vocab_size=src_vocab_size, tgt_vocab_size=tgt_vocab_size, d_model=d_model,
                            num_encoder_layers=num_encoder_layers, num_decoder_layers=num_decoder_layers,
                            max_len=max_len)
        ff_dim = ff_dim or 4 * d_model
        self.src_embed = nn.Embedding(src_vocab_size, d_model, padding_idx=pad_idx)
        self.tgt_embed = nn.Embedding(tgt_vocab_size, d_model, padding_idx=pad_idx)
        for emb in (self.src_embed, self.tgt_embed):  # embed · √d has unit scale, like positions
            nn.init.normal_(emb.weight, std=d_model ** -0.5)
            with torch.no_grad():
                emb.weight[pad_idx].zero_()
        self.src_pos = _Positions(positions, max_len, d_model)
        self.tgt_pos = _Positions(positions, max_len, d_model)
        self.encoder = nn.ModuleList(
            TransformerEncoderBlock(d_model, num_heads, ff_dim, dropout, norm_first)
            for _ in range(num_encoder_layers))
        self.decoder = nn.ModuleList(
            TransformerDecoderBlock(d_model, num_heads, ff_dim, dropout, norm_first)
            for _ in range(num_decoder_layers))
        self.enc_norm = nn.LayerNorm(d_model) if norm_first else nn.Identity()
        self.dec_norm = nn.LayerNorm(d_model) if norm_first else nn.Identity()
        self.drop = nn.Dropout(dropout)
        self.out = nn.Linear(d_model, tgt_vocab_size)
        self.d_model, self.pad_idx, self.norm_first = d_model, pad_idx, bool(norm_first)
        self.positions = positions

    def _embed(self, ids, embed, pos):
        return self.drop(embed(ids) * math.sqrt(self.d_model) + pos(ids.shape[1]))

    def encode(self, src):
        """``memory`` ``(N, S, d)`` and the source padding mask ``(N, S)`` (True at padding)."""
        if src.ndim != 2:
            raise DlbookError(f"`src` phải có kích thước (N, S), nhưng nhận được {tuple(src.shape)}.")
        pad = src == self.pad_idx
        x = self._embed(src, self.src_embed, self.src_pos)
        for block in self.encoder:
            x = block(x, key_padding_mask=pad)
        return self.enc_norm(x), pad

    def decode(self, tgt_in, memory, src_pad):
        """Logits ``(N, T, V)`` of every next token, given the target prefix ``tgt_in``."""
        T = tgt_in.shape[1]
        y = self._embed(tgt_in, self.tgt_embed, self.tgt_pos)
        causal = generate_causal_mask(T, device=tgt_in.device)
        for block in self.decoder:
            y = block(y, memory, tgt_mask=causal, memory_key_padding_mask=src_pad)
        return self.out(self.dec_norm(y))

    def cross_attention(self, layer: int = -1):
        """Cross-attention weights ``(N, heads, T, S)`` of decoder block ``layer`` (last call)."""
        return self.decoder[layer].cross_attention_weights

    def forward(self, src, tgt_in):
        """Teacher forcing: logits ``(N, T, V)`` and the last block's cross-attention averaged
        over the heads ``(N, T, S)``."""
        memory, pad = self.encode(src)
        logits = self.decode(tgt_in, memory, pad)
        return logits, self.cross_attention().mean(1)

    def loss(self, src, tgt):
        """Cross-entropy of predicting ``tgt[:, 1:]`` from ``tgt[:, :-1]`` (padding ignored)."""
        return teacher_forced_loss(self, src, tgt, self.pad_idx)

    @torch.no_grad()
    def translate(self, src, start_id: int, end_id: int, max_len: int = 12):
        """Greedy decoding: output ids ``(N, max_len)`` (padding after ``</s>``) and the
        cross-attention of the last block, averaged over the heads, ``(N, max_len, S)``."""
        self.eval()
        memory, pad = self.encode(src)
        ys = torch.full((src.shape[0], 1), start_id, dtype=torch.long, device=src.device)
        done = torch.zeros(src.shape[0], dtype=torch.bool, device=src.device)
        outputs = []
        for _ in range(max_len):
            token = self.decode(ys, memory, pad)[:, -1].argmax(-1)
            outputs.append(token.masked_fill(done, self.pad_idx))
            done |= token == end_id
            ys = torch.cat([ys, token[:, None]], 1)
            if done.all():
                break
        weights = self.cross_attention().mean(1)  # the last step saw the whole prefix
        return torch.stack(outputs, 1), weights
