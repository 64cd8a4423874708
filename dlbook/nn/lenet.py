"""LeNet-5 (LeCun, Bottou, Bengio, Haffner 1998) in its common modern form."""

from __future__ import annotations

from collections import OrderedDict

from torch import nn

from dlbook.nn._activations import make_activation


def lenet5(
    num_classes: int = 10,
    in_channels: int = 1,
    input_size: int = 32,
    activation="tanh",
    pooling: str = "avg",
) -> nn.Sequential:
    """LeNet-5: conv 6@5×5 → pool → conv 16@5×5 → pool → FC 120 → FC 84 → FC ``num_classes``.

    The paper feeds 32×32 images; with ``input_size=28`` (MNIST as it is) the first convolution
    gets ``padding=2`` so that every later shape is the paper's. With the defaults the model has
    61,706 parameters. Two simplifications of the paper, as in every modern version: the
    subsampling layers have no trainable coefficients and C3 connects to all six maps of S2.
    """
    if input_size not in (28, 32):
        raise ValueError(f"`input_size` của LeNet-5 phải là 32 (như bài báo) hoặc 28, nhưng nhận được {input_size!r}.")
    pools = {"avg": nn.AvgPool2d, "max": nn.MaxPool2d}
    if pooling not in pools:
        raise ValueError(f"`pooling` phải là 'avg' hoặc 'max', nhưng nhận được {pooling!r}.")
    pool = pools[pooling]
    pad = 2 if input_size == 28 else 0
    layers = [
        ("C1", nn.Conv2d(in_channels, 6, kernel_size=5, padding=pad)),  # 6@28×28
        ("act1", make_activation(activation)),
        ("S2", pool(kernel_size=2, stride=2)),  # 6@14×14
        ("C3", nn.Conv2d(6, 16, kernel_size=5)),  # 16@10×10
        ("act3", make_activation(activation)),
        ("S4", pool(kernel_size=2, stride=2)),  # 16@5×5
        ("flatten", nn.Flatten()),
        ("C5", nn.Linear(16 * 5 * 5, 120)),  # a 5×5 convolution on 5×5 maps = fully connected
        ("act5", make_activation(activation)),
        ("F6", nn.Linear(120, 84)),
        ("act6", make_activation(activation)),
        ("output", nn.Linear(84, num_classes)),
    ]
    return nn.Sequential(OrderedDict(layers))
