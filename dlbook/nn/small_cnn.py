"""A small CNN for 28×28 digit images (MNIST, Fashion-MNIST) that trains in seconds on a CPU."""

from __future__ import annotations

from torch import nn


def small_cnn(num_classes: int = 10, in_channels: int = 1, dropout: float = 0.25, batch_norm: bool = True) -> nn.Sequential:
    """Two conv blocks and a small classifier, for 28×28 inputs:

    conv 32@3×3 → ReLU → max-pool (28 → 14) → conv 64@3×3 → ReLU → max-pool (14 → 7) →
    flatten (64·7·7 = 3,136) → FC 128 → ReLU → dropout → FC ``num_classes``. Batch norm after
    each convolution (``batch_norm=True``) makes it train fast with a large learning rate.
    """

    def block(c_in, c_out):
        layers = [nn.Conv2d(c_in, c_out, 3, padding=1, bias=not batch_norm)]
        if batch_norm:
            layers.append(nn.BatchNorm2d(c_out))
        return layers + [nn.ReLU(inplace=True), nn.MaxPool2d(2)]

    return nn.Sequential(
        *block(in_channels, 32),
        *block(32, 64),
        nn.Flatten(),
        nn.Linear(64 * 7 * 7, 128),
        nn.ReLU(inplace=True),
        nn.Dropout(dropout),
        nn.Linear(128, num_classes),
    )
