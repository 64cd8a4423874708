"""What one training step does, for :func:`dlbook.train.fit`.

A step receives the model, one batch (a tuple of tensors already on the device) and the
optimizer, updates the weights and returns the values to average over the epoch, with at least
``"loss"``. :func:`supervised_step` is the default (the five lines of every chapter: forward,
loss, ``zero_grad``, ``backward``, ``step``); :func:`teacher_forcing_step` is for the sequence
decoders whose ``model.loss(inputs, targets)`` feeds the true previous token; the GAN's step
(two players, two optimizers) is :func:`dlbook.nn.gan.gan_step`.
"""

from __future__ import annotations

import torch
from torch import nn


def match_targets(outputs: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    """Give float targets of shape (N,) the model's (N, 1) shape.

    Without this, ``MSELoss`` would broadcast (N, 1) against (N,) into an (N, N) matrix and
    silently compute the wrong loss.
    """
    if targets.is_floating_point() and outputs.ndim == 2 and outputs.shape[1] == 1 and targets.ndim == 1:
        return targets.unsqueeze(1)
    return targets


def _update(model, loss, optimizer, clip_grad_norm) -> None:
    optimizer.zero_grad()
    loss.backward()
    if clip_grad_norm is not None:
        nn.utils.clip_grad_norm_(model.parameters(), clip_grad_norm)
    optimizer.step()


def supervised_step(model, batch, optimizer, *, loss_fn, metrics: dict, clip_grad_norm=None) -> dict:
    """Forward ``X``, ``loss_fn(outputs, y)``, backward, (clip the global gradient norm), step."""
    X, y = batch
    outputs = model(X)
    y = match_targets(outputs, y)
    loss = loss_fn(outputs, y)
    _update(model, loss, optimizer, clip_grad_norm)
    with torch.no_grad():
        return {"loss": loss.item(), **{name: f(outputs, y) for name, f in metrics.items()}}


def teacher_forcing_step(clip_grad_norm=None):
    """A step for models with ``model.loss(inputs, targets)`` (seq2seq, captioning)."""

    def step(model, batch, optimizer) -> dict:
        inputs, targets = batch
        loss = model.loss(inputs, targets)
        _update(model, loss, optimizer, clip_grad_norm)
        return {"loss": loss.item()}

    return step


__all__ = ["match_targets", "supervised_step", "teacher_forcing_step"]
