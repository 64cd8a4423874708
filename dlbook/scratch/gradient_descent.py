"""Full-batch gradient descent: the one loop behind every ``*GD`` estimator (Phần 2).

``LinearRegressionGD``, ``LogisticRegressionGD`` and ``SoftmaxRegressionGD`` differ only in their
loss and its gradient; they all call :func:`gradient_descent` on one flat parameter vector.

Stopping rules, checked every epoch, first one wins:

1. ``‖∇J‖ < tol``: the gradient is (almost) zero, we are at the minimum (``"grad_norm"``);
2. ``max_epochs`` reached (``"max_epochs"``);
3. the loss became NaN/inf or exploded: the learning rate is too large or the data is not scaled
   (``"diverged"``, with a warning instead of silently returning NaN weights).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Callable

import numpy as np

from dlbook.errors import check_positive


@dataclass
class GDResult:
    """What one run of gradient descent returns."""

    w: np.ndarray            # the final parameters
    losses: np.ndarray       # loss at the start and after every epoch (start and end only
                             # without history)
    weights: np.ndarray      # parameters at the same moments, one row each
    n_epochs: int            # epochs run (an epoch that stopped on the gradient norm not counted)
    stop_reason: str         # "grad_norm", "max_epochs" or "diverged"


def check_gd_hyperparameters(lr, max_epochs, tol) -> None:
    """Validate the three hyper-parameters every GD estimator has (Vietnamese messages)."""
    check_positive(lr, "lr")
    check_positive(max_epochs, "max_epochs", integer=True, allow_zero=True)
    check_positive(tol, "tol", allow_zero=True)


def gradient_descent(loss: Callable[[np.ndarray], float], grad: Callable[[np.ndarray], np.ndarray],
                     w0, *, lr: float, max_epochs: int, tol: float,
                     record_history: bool = True) -> GDResult:
    """Minimise ``loss`` from ``w0`` with steps ``w ← w − lr·grad(w)``.

    ``loss(w)`` returns a float and ``grad(w)`` an array of ``w``'s shape.
    """
    check_gd_hyperparameters(lr, max_epochs, tol)
    w = np.array(w0, dtype=float, copy=True)
    losses, weights = [loss(w)], [w.copy()]
    stop_reason = "max_epochs"
    epoch = 0
    with np.errstate(over="ignore", invalid="ignore"):
        for epoch in range(1, max_epochs + 1):
            g = grad(w)
            if np.linalg.norm(g) < tol:
                epoch -= 1
                stop_reason = "grad_norm"
                break
            w = w - lr * g
            current = loss(w)
            if record_history:
                losses.append(current)
                weights.append(w.copy())
            if not np.isfinite(current) or current > 1e12 * (abs(losses[0]) + 1.0):
                stop_reason = "diverged"
                warnings.warn(
                    f"Gradient descent phân kỳ sau {epoch} epoch (hàm mất mát = {current:.3g}): "
                    "tốc độ học quá lớn hoặc dữ liệu chưa được chuẩn hoá.",
                    RuntimeWarning,
                    stacklevel=3,
                )
                break
    if not record_history:
        losses.append(loss(w))
        weights.append(w.copy())
    return GDResult(w, np.array(losses), np.array(weights), epoch, stop_reason)


__all__ = ["GDResult", "check_gd_hyperparameters", "gradient_descent"]
