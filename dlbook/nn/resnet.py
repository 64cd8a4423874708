"""ResNet (He, Zhang, Ren, Sun, "Deep residual learning for image recognition", 2016)."""

from __future__ import annotations

from typing import Type, Union

import torch
from torch import nn


def _conv_bn(in_channels, out_channels, kernel_size, stride=1) -> list[nn.Module]:
    return [
        nn.Conv2d(in_channels, out_channels, kernel_size, stride=stride, padding=kernel_size // 2, bias=False),
        nn.BatchNorm2d(out_channels),
    ]


class _ResidualBlock(nn.Module):
    """out = ReLU(F(x) + shortcut(x)), F being the block's ``residual`` branch.

    The shortcut is the identity, or a 1×1 convolution with stride (+ batch norm) when the
    number of channels or the spatial size changes.
    """

    def __init__(self, residual: nn.Module, in_channels: int, out_channels: int, stride: int):
        super().__init__()
        self.residual = residual
        self.shortcut = (
            nn.Sequential(*_conv_bn(in_channels, out_channels, 1, stride))
            if stride != 1 or in_channels != out_channels
            else nn.Identity()
        )
        self.relu = nn.ReLU(inplace=True)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.relu(self.residual(x) + self.shortcut(x))


class BasicBlock(_ResidualBlock):
    """Two 3×3 convolutions; the input is added back (see :class:`_ResidualBlock`)."""

    expansion = 1

    def __init__(self, in_channels: int, channels: int, stride: int = 1):
        out_channels = channels * self.expansion
        residual = nn.Sequential(
            *_conv_bn(in_channels, channels, 3, stride), nn.ReLU(inplace=True), *_conv_bn(channels, out_channels, 3)
        )
        super().__init__(residual, in_channels, out_channels, stride)


class Bottleneck(_ResidualBlock):
    """1×1 (reduce) → 3×3 → 1×1 (expand ×4) with a shortcut; used by ResNet-50/101/152.

    The stride is on the 3×3 convolution (as in torchvision's "ResNet v1.5"; the parameter count
    is the same as with the stride on the first 1×1).
    """

    expansion = 4

    def __init__(self, in_channels: int, channels: int, stride: int = 1):
        out_channels = channels * self.expansion
        residual = nn.Sequential(
            *_conv_bn(in_channels, channels, 1),
            nn.ReLU(inplace=True),
            *_conv_bn(channels, channels, 3, stride),
            nn.ReLU(inplace=True),
            *_conv_bn(channels, out_channels, 1),
        )
        super().__init__(residual, in_channels, out_channels, stride)


class ResNet(nn.Module):
    """Stem → four stages of residual blocks (64, 128, 256, 512 channels) → average pooling → FC.

    ``small_input=True`` replaces the 7×7/2 stem and its max pooling by one 3×3 convolution, the
    usual choice for 32×32 images (CIFAR-10), where the ImageNet stem would shrink them to 8×8.
    """

    def __init__(
        self,
        block: Type[Union[BasicBlock, Bottleneck]],
        layers: list[int],
        num_classes: int = 1000,
        in_channels: int = 3,
        small_input: bool = False,
    ):
        super().__init__()
        if small_input:
            self.stem = nn.Sequential(*_conv_bn(in_channels, 64, 3), nn.ReLU(inplace=True))
        else:
            self.stem = nn.Sequential(
                *_conv_bn(in_channels, 64, 7, stride=2),
                nn.ReLU(inplace=True),
                nn.MaxPool2d(kernel_size=3, stride=2, padding=1),
            )
        stages = []
        channels_in = 64
        for i, (channels, n_blocks) in enumerate(zip((64, 128, 256, 512), layers)):
            stride = 1 if i == 0 else 2
            blocks = []
            for j in range(n_blocks):
                blocks.append(block(channels_in, channels, stride if j == 0 else 1))
                channels_in = channels * block.expansion
            stages.append(nn.Sequential(*blocks))
        self.layer1, self.layer2, self.layer3, self.layer4 = stages
        self.head = nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(channels_in, num_classes))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.stem(x)
        x = self.layer4(self.layer3(self.layer2(self.layer1(x))))
        return self.head(x)


def resnet18(num_classes: int = 1000, in_channels: int = 3, small_input: bool = False) -> ResNet:
    """ResNet-18: basic blocks [2, 2, 2, 2]; 11,689,512 parameters with 1,000 classes."""
    return ResNet(BasicBlock, [2, 2, 2, 2], num_classes, in_channels, small_input)


def resnet34(num_classes: int = 1000, in_channels: int = 3, small_input: bool = False) -> ResNet:
    """ResNet-34: basic blocks [3, 4, 6, 3]; 21,797,672 parameters with 1,000 classes."""
    return ResNet(BasicBlock, [3, 4, 6, 3], num_classes, in_channels, small_input)


def resnet50(num_classes: int = 1000, in_channels: int = 3, small_input: bool = False) -> ResNet:
    """ResNet-50: bottleneck blocks [3, 4, 6, 3]; 25,557,032 parameters with 1,000 classes."""
    return ResNet(Bottleneck, [3, 4, 6, 3], num_classes, in_channels, small_input)
