"""Decoding strategies for a language model: greedy, temperature, top-k, top-p (nucleus).

Each filter takes logits ``(..., V)`` and returns logits of the same shape where the tokens
that may not be drawn are set to ``-inf``; ``softmax`` of the result renormalises the rest.

- temperature ``τ``: ``softmax(z / τ)``; ``τ → 0`` approaches greedy, ``τ > 1`` flattens;
- top-k (Fan et al., 2018): keep the ``k`` most probable tokens;
- top-p (Holtzman et al., 2020): keep the smallest set of most probable tokens whose total
  probability is at least ``p``.
"""

from __future__ import annotations

import torch

from dlbook.errors import DlbookError, check_positive

__all__ = ["entropy", "sample_next_token", "top_k_filter", "top_p_filter"]


def top_k_filter(logits: torch.Tensor, k: int) -> torch.Tensor:
    """Keep exactly the ``k`` largest logits of the last axis (ties: the first ones)."""
    check_positive(k, "k", integer=True)
    k = min(int(k), logits.shape[-1])
    idx = logits.topk(k, dim=-1).indices
    out = torch.full_like(logits, float("-inf"))
    return out.scatter(-1, idx, logits.gather(-1, idx))


def top_p_filter(logits: torch.Tensor, p: float) -> torch.Tensor:
    """Keep the smallest set of most probable tokens with probability mass ≥ ``p``.

    A token is kept when the mass of the tokens strictly more probable than it (in the
    sorted order) is still below ``p``; the most probable token is always kept.
    """
    if not (isinstance(p, (int, float)) and 0 < p <= 1):
        raise DlbookError(f"`p` phải nằm trong (0, 1], nhưng nhận được {p!r}.")
    sorted_logits, order = logits.sort(dim=-1, descending=True)
    probs = torch.softmax(sorted_logits, dim=-1)
    mass_before = probs.cumsum(-1) - probs
    remove_sorted = mass_before >= p
    remove = torch.zeros_like(remove_sorted).scatter(-1, order, remove_sorted)
    return logits.masked_fill(remove, float("-inf"))


def sample_next_token(logits: torch.Tensor, *, greedy: bool = False, temperature: float = 1.0,
                      top_k: int | None = None, top_p: float | None = None,
                      generator: torch.Generator | None = None) -> torch.Tensor:
    """One token id per row of ``logits`` ``(N, V)`` → ``(N, 1)``.

    ``greedy=True`` takes the arg-max; otherwise the logits are divided by ``temperature``,
    filtered by ``top_k`` and then ``top_p`` (when given) and one token is drawn with
    ``generator``.
    """
    if logits.ndim != 2:
        raise DlbookError(f"`logits` phải có dạng (N, V), nhưng có dạng {tuple(logits.shape)}.")
    if greedy:
        return logits.argmax(-1, keepdim=True)
    check_positive(temperature, "temperature")
    z = logits / temperature
    if top_k is not None:
        z = top_k_filter(z, top_k)
    if top_p is not None:
        z = top_p_filter(z, top_p)
    return torch.multinomial(torch.softmax(z, -1), 1, generator=generator)


def entropy(logits: torch.Tensor, temperature: float = 1.0) -> torch.Tensor:
    """Entropy (nats) of ``softmax(logits / temperature)`` along the last axis."""
    check_positive(temperature, "temperature")
    logp = torch.log_softmax(logits / temperature, dim=-1)
    return -(logp.exp() * logp.nan_to_num(neginf=0.0)).sum(-1)
