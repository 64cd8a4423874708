"""MobileNet v2 (Sandler et al., "MobileNetV2: Inverted residuals and linear bottlenecks", 2018)."""

from __future__ import annotations

import torch
from torch import nn


def conv_bn_act(in_channels, out_channels, kernel_size=3, stride=1, groups=1, activation=nn.ReLU6) -> nn.Sequential:
    """Conv (no bias) → BatchNorm → activation (``None``: no activation, a *linear* bottleneck)."""
    layers: list[nn.Module] = [
        nn.Conv2d(in_channels, out_channels, kernel_size, stride, kernel_size // 2, groups=groups, bias=False),
        nn.BatchNorm2d(out_channels),
    ]
    if activation is not None:
        layers.append(activation(inplace=True))
    return nn.Sequential(*layers)


class InvertedResidual(nn.Module):
    """Expand with a 1×1 conv (×``expand_ratio``) → depthwise 3×3 conv → project with a linear 1×1 conv.

    A *depthwise* convolution (``groups = channels``) filters each channel on its own: k·k
    parameters per channel instead of k·k·C. The shortcut is used when the block keeps the shape.
    """

    def __init__(self, in_channels: int, out_channels: int, stride: int, expand_ratio: int):
        super().__init__()
        hidden = in_channels * expand_ratio
        layers: list[nn.Module] = []
        if expand_ratio != 1:
            layers.append(conv_bn_act(in_channels, hidden, 1))
        layers += [
            conv_bn_act(hidden, hidden, 3, stride, groups=hidden),
            conv_bn_act(hidden, out_channels, 1, activation=None),
        ]
        self.block = nn.Sequential(*layers)
        self.use_shortcut = stride == 1 and in_channels == out_channels

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.block(x)
        return x + out if self.use_shortcut else out


def pooled_classifier(layers: list[nn.Module], channels: int, num_classes: int,
                      dropout: float) -> nn.Sequential:
    """``features`` (the layers, index 0) → global average pooling → dropout → linear."""
    return nn.Sequential(
        nn.Sequential(*layers),
        nn.AdaptiveAvgPool2d(1),
        nn.Flatten(),
        nn.Dropout(dropout),
        nn.Linear(channels, num_classes),
    )


#: (expansion t, output channels c, repeats n, first stride s), Table 2 of the paper.
MOBILENET_V2_CONFIG = [
    (1, 16, 1, 1),
    (6, 24, 2, 2),
    (6, 32, 3, 2),
    (6, 64, 4, 2),
    (6, 96, 3, 1),
    (6, 160, 3, 2),
    (6, 320, 1, 1),
]


def mobilenet_v2(num_classes: int = 1000, dropout: float = 0.2) -> nn.Sequential:
    """MobileNet v2 (width 1.0, 224×224 inputs): 3,504,872 parameters with 1,000 classes."""
    layers: list[nn.Module] = [conv_bn_act(3, 32, 3, stride=2)]
    channels = 32
    for t, c, n, s in MOBILENET_V2_CONFIG:
        for i in range(n):
            layers.append(InvertedResidual(channels, c, s if i == 0 else 1, t))
            channels = c
    layers.append(conv_bn_act(channels, 1280, 1))
    return pooled_classifier(layers, 1280, num_classes, dropout)
