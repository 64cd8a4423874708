"""Seq2seq models trained by ``dlbook.train.fit`` through its ordinary path (Phần 9, chương 25).

``fit`` calls ``loss_fn(model(X), y)`` on batches ``(X, y)`` of single tensors. A seq2seq model
needs two inputs (the source and the target prefix), so :func:`teacher_forcing_pairs` packs them
side by side into one tensor and :class:`TeacherForcing` unpacks them; the loss and the metric
ignore padding. Any model with ``forward(src, tgt_in) -> logits`` (or ``(logits, ...)``) fits:
``Seq2SeqAttention`` and ``Seq2SeqTransformer`` train with the same code and the same budget.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from dlbook.errors import DlbookError

__all__ = ["TeacherForcing", "teacher_forcing_pairs", "sequence_cross_entropy", "token_accuracy"]
class TeacherForcing(nn.Module):
    """Wrap a seq2seq model so that ``dlbook.train.fit`` can train it.

    ``fit`` calls ``model(X)`` on one tensor, so source and target prefix travel together:
    ``X = [src | tgt_in]`` ``(N, S + T)`` (see :func:`teacher_forcing_pairs`).
    ``forward(X)`` splits it after ``src_len`` columns and returns the logits ``(N, T, V)`` of
    ``model(src, tgt_in)`` (the first element when the model returns a tuple).
    """

    def __init__(self, model: nn.Module, src_len: int):
        super().__init__()
        if not isinstance(src_len, int) or src_len < 1:
            raise DlbookError(f"`src_len` phải là số nguyên dương, nhưng nhận được {src_len!r}.")
        self.model, self.src_len = model, src_len

    def forward(self, X):
        if X.ndim != 2 or X.shape[1] <= self.src_len:
            raise DlbookError(f"`X` phải có kích thước (N, {self.src_len} + T) với T ≥ 1, "
                              f"nhưng nhận được {tuple(X.shape)}.")
        out = self.model(X[:, : self.src_len], X[:, self.src_len:])
        return out[0] if isinstance(out, tuple) else out


def teacher_forcing_pairs(src, tgt):
    """``(X, y)`` long tensors for :class:`TeacherForcing`: ``X = [src | tgt[:, :-1]]``,
    ``y = tgt[:, 1:]`` (the next token at every position)."""
    src = torch.as_tensor(np.asarray(src), dtype=torch.long)
    tgt = torch.as_tensor(np.asarray(tgt), dtype=torch.long)
    if len(src) != len(tgt):
        raise DlbookError(f"Có {len(src)} câu nguồn nhưng {len(tgt)} câu đích.")
    if src.ndim != 2 or tgt.ndim != 2 or tgt.shape[1] < 2:
        raise DlbookError(f"`src` phải có kích thước (N, S) và `tgt` (N, T) với T ≥ 2, nhưng "
                          f"nhận được {tuple(src.shape)} và {tuple(tgt.shape)}.")
    return torch.cat([src, tgt[:, :-1]], 1), tgt[:, 1:].contiguous()


def sequence_cross_entropy(pad_idx: int = 0):
    """A ``loss_fn(logits (N, T, V), targets (N, T))`` for ``fit``: mean cross-entropy over the
    tokens that are not padding."""
    def loss_fn(logits, targets):
        return nn.functional.cross_entropy(logits.reshape(-1, logits.shape[-1]),
                                           targets.reshape(-1), ignore_index=pad_idx)
    return loss_fn


def token_accuracy(pad_idx: int = 0):
    """A ``fit`` metric: share of non-padding target tokens predicted correctly (argmax)."""
    def metric(logits, targets):
        keep = targets != pad_idx
        return float((logits.argmax(-1)[keep] == targets[keep]).float().mean())
    metric.__name__ = "token_accuracy"
    return metric
