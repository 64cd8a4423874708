"""EfficientNet-B0 (Tan and Le, "EfficientNet: Rethinking model scaling for CNNs", 2019)."""

from __future__ import annotations

import torch
from torch import nn

from dlbook.nn.mobilenet import conv_bn_act, pooled_classifier


class SqueezeExcitation(nn.Module):
    """Channel attention: global average pool → 1×1 conv (squeeze) → SiLU → 1×1 conv → sigmoid → scale."""

    def __init__(self, channels: int, squeeze_channels: int):
        super().__init__()
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc1 = nn.Conv2d(channels, squeeze_channels, 1)
        self.fc2 = nn.Conv2d(squeeze_channels, channels, 1)
        self.act = nn.SiLU(inplace=True)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        scale = torch.sigmoid(self.fc2(self.act(self.fc1(self.pool(x)))))
        return x * scale


class StochasticDepth(nn.Module):
    """During training, drop the whole residual branch of a sample with probability ``p``."""

    def __init__(self, p: float):
        super().__init__()
        self.p = p

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if not self.training or self.p == 0.0:
            return x
        keep = 1.0 - self.p
        mask = torch.empty((x.shape[0],) + (1,) * (x.ndim - 1), device=x.device, dtype=x.dtype).bernoulli_(keep)
        return x * mask / keep


class MBConv(nn.Module):
    """Mobile inverted bottleneck with squeeze-and-excitation (the block of EfficientNet)."""

    def __init__(self, in_channels, out_channels, kernel_size, stride, expand_ratio, drop_prob=0.0):
        super().__init__()
        hidden = in_channels * expand_ratio
        layers: list[nn.Module] = []
        if expand_ratio != 1:
            layers.append(conv_bn_act(in_channels, hidden, 1, activation=nn.SiLU))
        layers += [
            conv_bn_act(hidden, hidden, kernel_size, stride, groups=hidden, activation=nn.SiLU),
            SqueezeExcitation(hidden, max(1, in_channels // 4)),
            conv_bn_act(hidden, out_channels, 1, activation=None),
        ]
        self.block = nn.Sequential(*layers)
        self.use_shortcut = stride == 1 and in_channels == out_channels
        self.drop = StochasticDepth(drop_prob)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.block(x)
        return x + self.drop(out) if self.use_shortcut else out


#: (expansion, kernel, stride, in channels, out channels, repeats), Table 1 of the paper.
EFFICIENTNET_B0_CONFIG = [
    (1, 3, 1, 32, 16, 1),
    (6, 3, 2, 16, 24, 2),
    (6, 5, 2, 24, 40, 2),
    (6, 3, 2, 40, 80, 3),
    (6, 5, 1, 80, 112, 3),
    (6, 5, 2, 112, 192, 4),
    (6, 3, 1, 192, 320, 1),
]


def efficientnet_b0(num_classes: int = 1000, dropout: float = 0.2, stochastic_depth: float = 0.2) -> nn.Sequential:
    """EfficientNet-B0 (224×224 inputs): 5,288,548 parameters with 1,000 classes.

    The drop probability of stochastic depth grows linearly from 0 to ``stochastic_depth`` over
    the 16 blocks, as in the reference implementation.
    """
    total = sum(cfg[-1] for cfg in EFFICIENTNET_B0_CONFIG)
    layers: list[nn.Module] = [conv_bn_act(3, 32, 3, stride=2, activation=nn.SiLU)]
    index = 0
    for expand, k, s, c_in, c_out, n in EFFICIENTNET_B0_CONFIG:
        for i in range(n):
            drop = stochastic_depth * index / total
            layers.append(MBConv(c_in if i == 0 else c_out, c_out, k, s if i == 0 else 1, expand, drop))
            index += 1
    layers.append(conv_bn_act(320, 1280, 1, activation=nn.SiLU))
    return pooled_classifier(layers, 1280, num_classes, dropout)
