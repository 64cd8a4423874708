"""Metrics computed batch by batch during training (averaged over the samples of an epoch)."""

from __future__ import annotations

from typing import Callable, Iterable, Union

import torch


def accuracy(outputs: torch.Tensor, targets: torch.Tensor) -> float:
    """Fraction of correct predictions.

    ``outputs`` are raw scores (logits): with several columns the prediction is the arg-max
    (multi-class); with one column, or a 1-D output, it is ``logit > 0`` (binary, i.e.
    probability > 0.5 after the sigmoid). ``targets`` are class indices or 0/1 values.
    """
    if outputs.ndim == 2 and outputs.shape[1] > 1:
        pred = outputs.argmax(dim=1)
    else:
        pred = (outputs.reshape(-1) > 0).long()
    return (pred == targets.reshape(-1).long()).float().mean().item()


def mae(outputs: torch.Tensor, targets: torch.Tensor) -> float:
    """Mean absolute error."""
    return (outputs.reshape(targets.shape) - targets).abs().mean().item()


def mse(outputs: torch.Tensor, targets: torch.Tensor) -> float:
    """Mean squared error."""
    return ((outputs.reshape(targets.shape) - targets) ** 2).mean().item()


METRICS = {"accuracy": accuracy, "mae": mae, "mse": mse}

MetricSpec = Union[str, Callable, dict, Iterable, None]


def resolve_metrics(metrics: MetricSpec) -> dict:
    """Turn ``("accuracy", my_fn)`` or ``{"name": fn}`` into ``{name: function}``."""
    if metrics is None:
        return {}
    if isinstance(metrics, dict):
        return dict(metrics)
    if isinstance(metrics, str) or callable(metrics):
        metrics = [metrics]
    out = {}
    for m in metrics:
        if isinstance(m, str):
            if m not in METRICS:
                raise ValueError(f"Không có độ đo {m!r}; hãy dùng một trong {sorted(METRICS)} hoặc truyền một hàm.")
            out[m] = METRICS[m]
        elif callable(m):
            out[getattr(m, "__name__", f"metric{len(out)}")] = m
        else:
            raise TypeError(f"Độ đo phải là tên (chuỗi) hoặc hàm, nhưng nhận được {m!r}.")
    return out
