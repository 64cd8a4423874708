"""GoogLeNet / Inception v1 (Szegedy et al., "Going deeper with convolutions", 2015)."""

from __future__ import annotations

import torch
from torch import nn


def _conv(in_channels, out_channels, kernel_size, batch_norm, **kwargs) -> nn.Sequential:
    """Conv → (BatchNorm) → ReLU. With batch norm the convolution has no bias (BN has one)."""
    if batch_norm:
        return nn.Sequential(
            nn.Conv2d(in_channels, out_channels, kernel_size, bias=False, **kwargs),
            nn.BatchNorm2d(out_channels, eps=1e-3),
            nn.ReLU(inplace=True),
        )
    return nn.Sequential(nn.Conv2d(in_channels, out_channels, kernel_size, **kwargs), nn.ReLU(inplace=True))


class InceptionBlock(nn.Module):
    """The Inception module with dimension reduction (Figure 2b of the paper).

    Four parallel branches on the same input, concatenated along the channels:
    1×1 conv (``c1``); 1×1 reduction (``c3_reduce``) → 3×3 conv (``c3``); 1×1 reduction
    (``c5_reduce``) → 5×5 conv (``c5``); 3×3 max pooling (stride 1) → 1×1 projection
    (``pool_proj``). The spatial size is kept, the output has
    ``c1 + c3 + c5 + pool_proj`` channels (:attr:`out_channels`). The 1×1 reductions are the
    "bottlenecks" that make the 3×3 and 5×5 convolutions affordable.
    """

    def __init__(
        self,
        in_channels: int,
        c1: int,
        c3_reduce: int,
        c3: int,
        c5_reduce: int,
        c5: int,
        pool_proj: int,
        batch_norm: bool = False,
        c5_kernel_size: int = 5,
    ):
        super().__init__()
        bn = batch_norm
        self.branch1 = _conv(in_channels, c1, 1, bn)
        self.branch3 = nn.Sequential(_conv(in_channels, c3_reduce, 1, bn), _conv(c3_reduce, c3, 3, bn, padding=1))
        self.branch5 = nn.Sequential(
            _conv(in_channels, c5_reduce, 1, bn),
            _conv(c5_reduce, c5, c5_kernel_size, bn, padding=c5_kernel_size // 2),
        )
        self.branch_pool = nn.Sequential(
            nn.MaxPool2d(kernel_size=3, stride=1, padding=1, ceil_mode=True), _conv(in_channels, pool_proj, 1, bn)
        )
        self.out_channels = c1 + c3 + c5 + pool_proj

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        branches = (self.branch1, self.branch3, self.branch5, self.branch_pool)
        return torch.cat([b(x) for b in branches], dim=1)


#: (c1, c3_reduce, c3, c5_reduce, c5, pool_proj) of each Inception module, Table 1 of the paper.
INCEPTION_CONFIG = {
    "3a": (64, 96, 128, 16, 32, 32),
    "3b": (128, 128, 192, 32, 96, 64),
    "4a": (192, 96, 208, 16, 48, 64),
    "4b": (160, 112, 224, 24, 64, 64),
    "4c": (128, 128, 256, 24, 64, 64),
    "4d": (112, 144, 288, 32, 64, 64),
    "4e": (256, 160, 320, 32, 128, 128),
    "5a": (256, 160, 320, 32, 128, 128),
    "5b": (384, 192, 384, 48, 128, 128),
}


class GoogLeNet(nn.Module):
    """Stem (7×7/2 conv, pooling, 1×1 and 3×3 convs) → 9 Inception modules → global average pooling → FC."""

    def __init__(
        self,
        num_classes: int = 1000,
        batch_norm: bool = False,
        c5_kernel_size: int = 5,
        dropout: float = 0.4,
        lrn: bool = True,
    ):
        super().__init__()
        bn = batch_norm

        def pool(k=3, s=2):
            return nn.MaxPool2d(kernel_size=k, stride=s, ceil_mode=True)

        def norm():
            return nn.LocalResponseNorm(5, alpha=1e-4, beta=0.75, k=2.0) if lrn else nn.Identity()

        self.stem = nn.Sequential(
            _conv(3, 64, 7, bn, stride=2, padding=3),  # 224 → 112
            pool(),  # → 56
            norm(),
            _conv(64, 64, 1, bn),
            _conv(64, 192, 3, bn, padding=1),
            norm(),
            pool(),  # → 28
        )
        blocks: list[nn.Module] = []
        channels = 192
        for name, cfg in INCEPTION_CONFIG.items():
            if name in ("4a", "5a"):
                blocks.append(pool(3, 2) if name == "4a" else pool(2, 2))  # 28 → 14, 14 → 7
            block = InceptionBlock(channels, *cfg, batch_norm=bn, c5_kernel_size=c5_kernel_size)
            blocks.append(block)
            channels = block.out_channels
        self.inception = nn.Sequential(*blocks)
        self.head = nn.Sequential(
            nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Dropout(dropout), nn.Linear(channels, num_classes)
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.inception(self.stem(x)))


def googlenet(num_classes: int = 1000, batch_norm: bool = False, torchvision_compat: bool = False) -> GoogLeNet:
    """GoogLeNet without the two auxiliary classifiers (they only help training).

    Default: the paper's network (5×5 convolutions in the third branch, biases, no batch norm,
    local response normalization in the stem, dropout 0.4): 6,998,552 parameters with 1,000
    classes (Table 1 of the paper rounds its per-layer figures and sums to about 6.8 million;
    a few of its rows do not follow from its own channel numbers).
    ``batch_norm=True`` puts batch normalization after each convolution (easier to train).
    ``torchvision_compat=True`` reproduces ``torchvision.models.googlenet`` (batch norm, and a
    3×3 instead of a 5×5 convolution in the third branch, a known quirk kept there for its
    pretrained weights; dropout 0.2): 6,624,904 parameters.
    """
    if torchvision_compat:
        return GoogLeNet(num_classes, batch_norm=True, c5_kernel_size=3, dropout=0.2, lrn=False)
    return GoogLeNet(num_classes, batch_norm=batch_norm)
