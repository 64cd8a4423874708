"""VGG (Simonyan and Zisserman 2014): stacks of 3×3 convolutions, configurations A (11), D (16), E (19)."""

from __future__ import annotations

from collections import OrderedDict

from torch import nn

#: Numbers are conv output channels (3×3, padding 1), "M" is a 2×2 max pooling.
CONFIGS = {
    "vgg11": [64, "M", 128, "M", 256, 256, "M", 512, 512, "M", 512, 512, "M"],
    "vgg13": [64, 64, "M", 128, 128, "M", 256, 256, "M", 512, 512, "M", 512, 512, "M"],
    "vgg16": [64, 64, "M", 128, 128, "M", 256, 256, 256, "M", 512, 512, 512, "M", 512, 512, 512, "M"],
    "vgg19": [
        64, 64, "M", 128, 128, "M", 256, 256, 256, 256, "M",
        512, 512, 512, 512, "M", 512, 512, 512, 512, "M",
    ],
}


class VGG(nn.Module):
    """``features`` (conv blocks) → adaptive average pooling to 7×7 → ``classifier`` (FC 4096, 4096, n)."""

    def __init__(self, config, num_classes: int = 1000, batch_norm: bool = False, dropout: float = 0.5):
        super().__init__()
        layers: list = []
        channels, block, conv = 3, 1, 1
        for v in config:
            if v == "M":
                layers.append((f"block{block}_pool", nn.MaxPool2d(kernel_size=2, stride=2)))
                block, conv = block + 1, 1
            else:
                layers.append((f"block{block}_conv{conv}", nn.Conv2d(channels, v, kernel_size=3, padding=1)))
                if batch_norm:
                    layers.append((f"block{block}_bn{conv}", nn.BatchNorm2d(v)))
                layers.append((f"block{block}_relu{conv}", nn.ReLU(inplace=True)))
                channels, conv = v, conv + 1
        self.features = nn.Sequential(OrderedDict(layers))
        # A 224×224 input is already 7×7 here; the pooling lets smaller images through too.
        self.avgpool = nn.AdaptiveAvgPool2d((7, 7))
        self.classifier = nn.Sequential(
            OrderedDict(
                [
                    ("flatten", nn.Flatten()),
                    ("fc1", nn.Linear(512 * 7 * 7, 4096)),
                    ("relu1", nn.ReLU(inplace=True)),
                    ("drop1", nn.Dropout(dropout)),
                    ("fc2", nn.Linear(4096, 4096)),
                    ("relu2", nn.ReLU(inplace=True)),
                    ("drop2", nn.Dropout(dropout)),
                    ("fc3", nn.Linear(4096, num_classes)),
                ]
            )
        )

    def forward(self, x):
        return self.classifier(self.avgpool(self.features(x)))


def vgg11(num_classes: int = 1000, batch_norm: bool = False) -> VGG:
    """VGG-11 (configuration A): 132,863,336 parameters with 1,000 classes."""
    return VGG(CONFIGS["vgg11"], num_classes, batch_norm)


def vgg13(num_classes: int = 1000, batch_norm: bool = False) -> VGG:
    """VGG-13 (configuration B)."""
    return VGG(CONFIGS["vgg13"], num_classes, batch_norm)


def vgg16(num_classes: int = 1000, batch_norm: bool = False) -> VGG:
    """VGG-16 (configuration D): 138,357,544 parameters with 1,000 classes."""
    return VGG(CONFIGS["vgg16"], num_classes, batch_norm)


def vgg19(num_classes: int = 1000, batch_norm: bool = False) -> VGG:
    """VGG-19 (configuration E): 143,667,240 parameters with 1,000 classes."""
    return VGG(CONFIGS["vgg19"], num_classes, batch_norm)
