"""AlexNet (Krizhevsky, Sutskever, Hinton 2012), single-tower, with 227×227 inputs."""

from __future__ import annotations

from collections import OrderedDict

from torch import nn


def alexnet(num_classes: int = 1000, dropout: float = 0.5, lrn: bool = True) -> nn.Sequential:
    """AlexNet as in the layer table of the book (one tower, no grouped convolutions).

    ``conv1`` is 96 filters 11×11 with stride 4 and no padding, so a 227×227×3 image gives
    55×55×96 ((227 − 11)/4 + 1 = 55; a 224×224 input would not). Then overlapping 3×3/2 max
    pooling, ``conv2`` 256@5×5 (padding 2), ``conv3``/``conv4`` 384@3×3, ``conv5`` 256@3×3 and
    the classifier FC 4096 → 4096 → ``num_classes`` with dropout. Local response normalization
    (no parameters) follows ``conv1`` and ``conv2`` as in the paper; ``lrn=False`` drops it.
    With 1,000 classes: 62,378,344 parameters.
    """

    def norm():
        return nn.LocalResponseNorm(size=5, alpha=1e-4, beta=0.75, k=2.0) if lrn else nn.Identity()

    layers = [
        ("conv1", nn.Conv2d(3, 96, kernel_size=11, stride=4)),  # 227 → 55
        ("relu1", nn.ReLU(inplace=True)),
        ("norm1", norm()),
        ("pool1", nn.MaxPool2d(kernel_size=3, stride=2)),  # 55 → 27
        ("conv2", nn.Conv2d(96, 256, kernel_size=5, padding=2)),  # 27 → 27
        ("relu2", nn.ReLU(inplace=True)),
        ("norm2", norm()),
        ("pool2", nn.MaxPool2d(kernel_size=3, stride=2)),  # 27 → 13
        ("conv3", nn.Conv2d(256, 384, kernel_size=3, padding=1)),
        ("relu3", nn.ReLU(inplace=True)),
        ("conv4", nn.Conv2d(384, 384, kernel_size=3, padding=1)),
        ("relu4", nn.ReLU(inplace=True)),
        ("conv5", nn.Conv2d(384, 256, kernel_size=3, padding=1)),
        ("relu5", nn.ReLU(inplace=True)),
        ("pool5", nn.MaxPool2d(kernel_size=3, stride=2)),  # 13 → 6
        ("flatten", nn.Flatten()),
        ("drop6", nn.Dropout(dropout)),
        ("fc6", nn.Linear(256 * 6 * 6, 4096)),
        ("relu6", nn.ReLU(inplace=True)),
        ("drop7", nn.Dropout(dropout)),
        ("fc7", nn.Linear(4096, 4096)),
        ("relu7", nn.ReLU(inplace=True)),
        ("fc8", nn.Linear(4096, num_classes)),
    ]
    return nn.Sequential(OrderedDict(layers))
