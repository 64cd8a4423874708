"""AlexNet (Krizhevsky, Sutskever, Hinton 2012), single-tower, with 227×227 inputs."""

from __future__ import annotations

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

    return nn.Sequential(
        nn.Conv2d(3, 96, kernel_size=11, stride=4),  # 227 → 55
        nn.ReLU(inplace=True),
        norm(),
        nn.MaxPool2d(kernel_size=3, stride=2),  # 55 → 27
        nn.Conv2d(96, 256, kernel_size=5, padding=2),  # 27 → 27
        nn.ReLU(inplace=True),
        norm(),
        nn.MaxPool2d(kernel_size=3, stride=2),  # 27 → 13
        nn.Conv2d(256, 384, kernel_size=3, padding=1),
        nn.ReLU(inplace=True),
        nn.Conv2d(384, 384, kernel_size=3, padding=1),
        nn.ReLU(inplace=True),
        nn.Conv2d(384, 256, kernel_size=3, padding=1),
        nn.ReLU(inplace=True),
        nn.MaxPool2d(kernel_size=3, stride=2),  # 13 → 6
        nn.Flatten(),
        nn.Dropout(dropout),
        nn.Linear(256 * 6 * 6, 4096),
        nn.ReLU(inplace=True),
        nn.Dropout(dropout),
        nn.Linear(4096, 4096),
        nn.ReLU(inplace=True),
        nn.Linear(4096, num_classes),
    )
