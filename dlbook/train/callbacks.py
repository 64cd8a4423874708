"""Early stopping: stop when the monitored value has not improved for ``patience`` epochs."""

from __future__ import annotations

import math


class EarlyStopping:
    """Watch a value after each epoch (``"val_loss"`` by default) and say when to stop.

    An epoch improves if the value beats the best so far by more than ``min_delta`` (lower is
    better for losses and errors, higher for accuracy; ``mode="min"``/``"max"`` forces it).
    After ``patience`` epochs without improvement :meth:`step` returns ``True``. With
    ``restore_best=True`` the weights of the best epoch are kept (a copy on the CPU) and
    :func:`dlbook.train.fit` puts them back in the model at the end.
    """

    def __init__(self, patience: int = 5, min_delta: float = 0.0, monitor: str = "val_loss",
                 mode: str = "auto", restore_best: bool = True):
        if not isinstance(patience, int) or patience < 1:
            raise ValueError(f"`patience` phải là số nguyên ≥ 1, nhưng nhận được {patience!r}.")
        if min_delta < 0:
            raise ValueError(f"`min_delta` phải không âm, nhưng nhận được {min_delta!r}.")
        if mode == "auto":
            mode = "max" if "acc" in monitor else "min"
        if mode not in ("min", "max"):
            raise ValueError(f"`mode` phải là 'auto', 'min' hoặc 'max', nhưng nhận được {mode!r}.")
        self.patience, self.min_delta, self.monitor, self.mode = patience, min_delta, monitor, mode
        self.restore_best = restore_best
        self.best = math.inf if mode == "min" else -math.inf
        self.best_epoch = None
        self.best_state = None
        self.wait = 0
        self._epoch = 0

    def improved(self, value: float) -> bool:
        """Whether ``value`` beats the best so far by more than ``min_delta``."""
        if self.mode == "min":
            return value < self.best - self.min_delta
        return value > self.best + self.min_delta

    def step(self, value: float, model=None) -> bool:
        """Record one epoch's value; return ``True`` when training should stop."""
        self._epoch += 1
        if self.improved(value):
            self.best, self.best_epoch, self.wait = value, self._epoch, 0
            if self.restore_best and model is not None:
                self.best_state = {k: v.detach().cpu().clone() for k, v in model.state_dict().items()}
            return False
        self.wait += 1
        return self.wait >= self.patience

    def __repr__(self) -> str:
        return f"EarlyStopping(monitor={self.monitor!r}, patience={self.patience}, best={self.best:.4g})"

