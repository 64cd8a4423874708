"""Sequence-to-sequence with attention (Bahdanau et al., 2015; Luong et al., 2015).

Encoder: an embedding and a (bidirectional) GRU or LSTM reads the source; its outputs,
projected to ``hidden_size``, are the keys and values ``h_1 … h_S``. Decoder, one step ``t``:

1. query ``q = s_{t−1}`` (the previous decoder state);
2. scores ``a_i = α(q, h_i)`` (``"dot"``, ``"scaled_dot"``, ``"general"`` or ``"additive"``),
   padding masked, weights ``b = softmax(a)``, context ``c_t = Σ b_i h_i``;
3. ``s_t = cell([embed(y_{t−1}); c_t], s_{t−1})``; output ``W_o [s_t; c_t]``.

``forward`` returns the logits and the attention weights ``(N, T, S)`` for heat-maps.
Without attention (``attention=None``) the decoder only sees the context vector: the last
encoder state, the bottleneck the chapter starts from.
"""

from __future__ import annotations

import torch
from torch import nn

from dlbook.errors import DlbookError, check_positive_ints
from dlbook.nn.teacher_forcing import teacher_forced_loss, train_teacher_forced
# Moved to dlbook.scratch.metrics (models are models); re-exported here until every chapter imports it from there.
from dlbook.scratch.metrics import sequence_accuracy  # noqa: F401

__all__ = ["Seq2SeqAttention", "train_seq2seq", "sequence_accuracy", "SEQ2SEQ_DEFAULTS"]

#: Settings for the chapter on ``make_vietnamese_dates``: exact match ≈ 1.0 on 500 new dates
#: after about 20 s of one CPU thread (figures in ``bench/bench_part678.py``).
SEQ2SEQ_DEFAULTS = {"n_train": 3000, "embed_dim": 32, "hidden_size": 64, "cell": "gru",
                    "attention": "additive", "epochs": 6, "batch_size": 64, "lr": 5e-3}

_SCORES = ("dot", "scaled_dot", "general", "additive")


class Seq2SeqAttention(nn.Module):
    """``Seq2SeqAttention(src_vocab_size, tgt_vocab_size, embed_dim=32, hidden_size=64, cell="gru", attention="additive", bidirectional=True, pad_idx=0)``."""

    def __init__(self, src_vocab_size: int, tgt_vocab_size: int, embed_dim: int = 32,
                 hidden_size: int = 64, cell: str = "gru", attention: str | None = "additive",
                 bidirectional: bool = True, pad_idx: int = 0):
        super().__init__()
        check_positive_ints(src_vocab_size=src_vocab_size, tgt_vocab_size=tgt_vocab_size, embed_dim=embed_dim,
                            hidden_size=hidden_size)
        if cell not in ("gru", "lstm"):
            raise DlbookError(f"`cell` phải là 'gru' hoặc 'lstm', không phải {cell!r}.")
        if attention is not None and attention not in _SCORES:
            raise DlbookError(f"`attention` phải là một trong {', '.join(_SCORES)} hoặc None, "
                              f"không phải {attention!r}.")
        H, D = hidden_size, 2 if bidirectional else 1
        rnn = nn.GRU if cell == "gru" else nn.LSTM
        self.src_embed = nn.Embedding(src_vocab_size, embed_dim, padding_idx=pad_idx)
        self.tgt_embed = nn.Embedding(tgt_vocab_size, embed_dim, padding_idx=pad_idx)
        self.encoder = rnn(embed_dim, H, batch_first=True, bidirectional=bidirectional)
        self.enc_proj = nn.Linear(D * H, H)  # keys and values
        self.init_proj = nn.Linear(D * H, H)  # first decoder state from the final encoder states
        cell_cls = nn.GRUCell if cell == "gru" else nn.LSTMCell
        self.decoder = cell_cls(embed_dim + H, H)
        self.out = nn.Linear(2 * H, tgt_vocab_size)
        if attention == "general":
            self.W = nn.Linear(H, H, bias=False)
        elif attention == "additive":
            self.W1 = nn.Linear(H, H, bias=False)
            self.W2 = nn.Linear(H, H, bias=False)
            self.v = nn.Linear(H, 1, bias=False)
        self.cell, self.attention, self.pad_idx = cell, attention, pad_idx
        self.hidden_size, self.directions = H, D

    def encode(self, src):
        """Keys/values ``(N, S, H)``, padding mask ``(N, S)`` and the first decoder state."""
        mask = src != self.pad_idx
        lengths = mask.sum(1).clamp(min=1).cpu()
        packed = nn.utils.rnn.pack_padded_sequence(self.src_embed(src), lengths, batch_first=True,
                                                   enforce_sorted=False)
        out, h = self.encoder(packed)
        out, _ = nn.utils.rnn.pad_packed_sequence(out, batch_first=True, total_length=src.shape[1])
        if self.cell == "lstm":
            h = h[0]
        final = torch.cat(list(h[-self.directions:]), dim=-1)  # last layer, every direction
        s0 = torch.tanh(self.init_proj(final))
        state = s0 if self.cell == "gru" else (s0, torch.zeros_like(s0))
        return self.enc_proj(out), mask, state

    def score(self, q, keys):
        """Attention scores ``(N, S)`` of the query ``(N, H)`` against ``keys`` ``(N, S, H)``."""
        if self.attention in ("dot", "scaled_dot"):
            s = torch.einsum("nh,nsh->ns", q, keys)
            return s / keys.shape[-1] ** 0.5 if self.attention == "scaled_dot" else s
        if self.attention == "general":
            return torch.einsum("nh,nsh->ns", self.W(q), keys)
        return self.v(torch.tanh(self.W1(q)[:, None, :] + self.W2(keys))).squeeze(-1)

    def _step(self, token, state, keys, mask, last):
        s_prev = state if self.cell == "gru" else state[0]
        if self.attention is None:
            context, weights = last, None  # a fixed context vector: the bottleneck
        else:
            scores = self.score(s_prev, keys).masked_fill(~mask, float("-inf"))
            weights = torch.softmax(scores, dim=-1)
            context = torch.einsum("ns,nsh->nh", weights, keys)
        state = self.decoder(torch.cat([self.tgt_embed(token), context], dim=-1), state)
        s = state if self.cell == "gru" else state[0]
        return self.out(torch.cat([s, context], dim=-1)), state, weights

    def _last_key(self, keys, mask):
        idx = (mask.sum(1) - 1).clamp(min=0)
        return keys[torch.arange(keys.shape[0]), idx]

    def forward(self, src, tgt_in):
        """Teacher forcing: logits ``(N, T, V)`` and attention weights ``(N, T, S)`` (or None)."""
        keys, mask, state = self.encode(src)
        last = self._last_key(keys, mask)
        logits, weights = [], []
        for t in range(tgt_in.shape[1]):
            out, state, w = self._step(tgt_in[:, t], state, keys, mask, last)
            logits.append(out)
            weights.append(w)
        w = torch.stack(weights, 1) if self.attention is not None else None
        return torch.stack(logits, 1), w

    def loss(self, src, tgt):
        """Cross-entropy of predicting ``tgt[:, 1:]`` from ``tgt[:, :-1]`` (padding ignored)."""
        return teacher_forced_loss(self, src, tgt, self.pad_idx)

    @torch.no_grad()
    def translate(self, src, start_id: int, end_id: int, max_len: int = 12):
        """Greedy decoding. Returns the output indices ``(N, max_len)`` (after ``</s>``: padding)
        and the attention weights ``(N, max_len, S)`` (None without attention)."""
        self.eval()
        keys, mask, state = self.encode(src)
        last = self._last_key(keys, mask)
        token = torch.full((src.shape[0],), start_id, dtype=torch.long, device=src.device)
        done = torch.zeros_like(token, dtype=torch.bool)
        outputs, weights = [], []
        for _ in range(max_len):
            out, state, w = self._step(token, state, keys, mask, last)
            token = out.argmax(-1)
            outputs.append(token.masked_fill(done, self.pad_idx))
            weights.append(w)
            done |= token == end_id
            if done.all():
                break
        w = torch.stack(weights, 1) if self.attention is not None else None
        return torch.stack(outputs, 1), w


def train_seq2seq(model, src, tgt, epochs: int = 6, batch_size: int = 64, lr: float = 5e-3,
                  device=None, seed: int = 0, progress: bool = True):
    """Adam with teacher forcing on ``(src, tgt)`` index arrays; returns the epoch losses."""
    return train_teacher_forced(
        model, src, tgt, input_dtype=torch.long, epochs=epochs, batch_size=batch_size, lr=lr,
        clip=1.0, device=device, seed=seed, progress=progress, desc="Huấn luyện seq2seq",
        mismatch="Có {n_in} câu nguồn nhưng {n_out} câu đích.")
