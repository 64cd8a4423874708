"""The NVIDIA end-to-end steering network (Bojarski et al., "End to end learning for self-driving cars", 2016)."""

from __future__ import annotations

from typing import Sequence

import torch
from torch import nn

from dlbook.nn._activations import make_activation


class PixelNormalize(nn.Module):
    """Map pixel values from [0, 255] to [−1, 1]: x / 127.5 − 1 (the model's normalization layer).

    Note the input range: for images already scaled to [0, 1] this layer would give values in
    [−1, −0.992], so use ``scale=0.5`` there (x / 0.5 − 1).
    """

    def __init__(self, scale: float = 127.5):
        super().__init__()
        self.scale = scale

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x.float() / self.scale - 1.0

    def extra_repr(self) -> str:
        return f"x / {self.scale} - 1"


def steering_net(
    input_shape: Sequence[int] = (3, 66, 200),
    dropout: float = 0.5,
    activation="elu",
    pixel_scale: float = 127.5,
) -> nn.Sequential:
    """NVIDIA's network: normalization → conv 24, 36, 48 (5×5, stride 2) → conv 64, 64 (3×3) →
    dropout → FC 100 → FC 50 → FC 10 → 1 output (the steering angle, trained with MSE).

    ``input_shape`` is ``(channels, height, width)``; NVIDIA used 66×200 YUV images, which give
    1,152 features after the convolutions and 252,219 parameters (the paper: "about 250 thousand").
    Any image of at least 61×61 works; the size of the first FC layer follows from it. Inputs
    are pixel values in [0, ``2·pixel_scale``] (default [0, 255]).
    """
    c, h, w = (int(s) for s in input_shape)
    convs = nn.Sequential(
        nn.Conv2d(c, 24, 5, stride=2), make_activation(activation),
        nn.Conv2d(24, 36, 5, stride=2), make_activation(activation),
        nn.Conv2d(36, 48, 5, stride=2), make_activation(activation),
        nn.Conv2d(48, 64, 3), make_activation(activation),
        nn.Conv2d(64, 64, 3), make_activation(activation),
    )
    side_h, side_w = h, w
    for k, s in ((5, 2), (5, 2), (5, 2), (3, 1), (3, 1)):
        side_h, side_w = (side_h - k) // s + 1, (side_w - k) // s + 1
    if side_h < 1 or side_w < 1:
        raise ValueError(
            f"Ảnh {h}×{w} quá nhỏ cho mạng lái của NVIDIA: sau 5 lớp tích chập không còn điểm ảnh nào. "
            "Cần ảnh ít nhất 61×61 (NVIDIA dùng 66×200)."
        )
    return nn.Sequential(
        PixelNormalize(pixel_scale),
        convs,
        nn.Dropout(dropout),
        nn.Flatten(),
        nn.Linear(64 * side_h * side_w, 100), make_activation(activation),
        nn.Dropout(dropout),
        nn.Linear(100, 50), make_activation(activation),
        nn.Linear(50, 10), make_activation(activation),
        nn.Linear(10, 1),
    )
