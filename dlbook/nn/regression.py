"""Linear and logistic regression as PyTorch modules (Phần 2 written with ``nn.Linear``)."""

from __future__ import annotations

import torch
from torch import nn


def _check_features(in_features, name="in_features"):
    if not isinstance(in_features, int) or isinstance(in_features, bool) or in_features <= 0:
        raise ValueError(f"`{name}` phải là số nguyên dương, nhưng nhận được {in_features!r}.")


class LinearRegression(nn.Module):
    """ŷ = x·wᵀ + b: one ``nn.Linear`` layer. Train it with ``nn.MSELoss``.

    The output has shape ``(N, out_features)``; with the default ``out_features=1`` that is a
    column, so compare it with targets of shape ``(N, 1)``.
    """

    def __init__(self, in_features: int, out_features: int = 1):
        super().__init__()
        _check_features(in_features)
        _check_features(out_features, "out_features")
        self.linear = nn.Linear(in_features, out_features)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.linear(x)


class LogisticRegression(nn.Module):
    """Binary logistic regression. ``forward`` returns the **logit** z = x·wᵀ + b, shape ``(N, 1)``.

    Train with ``nn.BCEWithLogitsLoss`` (it applies the sigmoid inside, in a numerically stable
    way); ``predict_proba`` gives σ(z) and ``predict`` the 0/1 class.
    """

    def __init__(self, in_features: int):
        super().__init__()
        _check_features(in_features)
        self.linear = nn.Linear(in_features, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.linear(x)

    @torch.no_grad()
    def predict_proba(self, x: torch.Tensor) -> torch.Tensor:
        """Probability of class 1, shape ``(N,)``."""
        return torch.sigmoid(self.forward(x)).squeeze(1)

    @torch.no_grad()
    def predict(self, x: torch.Tensor, threshold: float = 0.5) -> torch.Tensor:
        """Class 0/1 (int64), shape ``(N,)``: 1 where the probability is at least ``threshold``."""
        return (self.predict_proba(x) >= threshold).long()
