"""The record of a training run: losses and metrics per epoch."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional


@dataclass
class History:
    """Per-epoch values of a run of :func:`dlbook.train.fit`.

    ``train_loss[i]`` is the mean loss over the training batches of epoch ``i + 1`` (measured
    while the weights were changing, with dropout on); ``val_loss[i]`` the loss on the
    validation set after that epoch. ``metrics`` maps names to lists: ``"accuracy"`` (training)
    and ``"val_accuracy"`` (validation), etc. ``best_epoch`` (1-based) is the epoch with the best
    monitored value, ``stopped_early`` says whether early stopping ended the run.
    """

    train_loss: list = field(default_factory=list)
    val_loss: list = field(default_factory=list)
    metrics: dict = field(default_factory=dict)
    epoch_time: list = field(default_factory=list)
    best_epoch: Optional[int] = None
    stopped_early: bool = False

    @property
    def epochs(self) -> int:
        """Number of epochs run."""
        return len(self.train_loss)

    def record(self, values: dict, prefix: str = "") -> None:
        """Append one epoch's ``{"loss": …, "accuracy": …}``; ``prefix="val_"`` for validation."""
        for name, value in values.items():
            if name == "loss":
                (self.val_loss if prefix else self.train_loss).append(float(value))
            else:
                self.metrics.setdefault(prefix + name, []).append(float(value))

    def as_dict(self) -> dict:
        """``{"train_loss": [...], "val_loss": [...], "accuracy": [...], "val_accuracy": [...]}``."""
        out = {"train_loss": list(self.train_loss)}
        if self.val_loss:
            out["val_loss"] = list(self.val_loss)
        out.update({k: list(v) for k, v in self.metrics.items()})
        return out

    def last(self) -> dict:
        """The values of the last epoch."""
        return {k: v[-1] for k, v in self.as_dict().items() if v}

    def __repr__(self) -> str:
        last = ", ".join(f"{k}={v:.4g}" for k, v in self.last().items())
        return f"History(epochs={self.epochs}, {last})"
