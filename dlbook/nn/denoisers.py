"""Small ε-prediction networks ``model(x_t, t)`` for :mod:`dlbook.nn.ddpm`.

Both take the step ``t`` (a long tensor ``(N,)``) through a sinusoidal embedding followed by a
small MLP, like the positions of a Transformer.

- :class:`PointDenoiser`: MLP on 2-D points (or any flat vector), the time embedding concatenated.
- :class:`DigitDenoiser`: a two-level U-Net for ``(N, 1, S, S)`` images (``S`` even, e.g. 8×8
  digits) with residual blocks; the time embedding is added to every block's features.
"""

from __future__ import annotations

import math
import torch
from torch import nn

from dlbook.errors import DlbookError, DTypeError, ShapeError, check_positive

__all__ = ["timestep_embedding", "PointDenoiser", "DigitDenoiser"]


def timestep_embedding(t: torch.Tensor, dim: int, max_period: float = 10_000.0) -> torch.Tensor:
    """Sinusoidal embedding ``(N, dim)`` of integer steps: ``[sin(t·ω_k), cos(t·ω_k)]`` with
    ``ω_k = max_period^(−k/(dim/2))``, ``k = 0 … dim/2 − 1`` (``dim`` even)."""
    check_positive(dim, "dim", integer=True)
    if dim % 2:
        raise DlbookError(f"`dim` = {dim} phải là số chẵn (một nửa sin, một nửa cos).")
    if not isinstance(t, torch.Tensor) or t.ndim != 1:
        raise ShapeError("`t` phải là tensor 1 chiều (N,) các bước thời gian.")
    half = dim // 2
    freqs = torch.exp(-math.log(max_period) * torch.arange(half, device=t.device, dtype=torch.float32) / half)
    args = t.float()[:, None] * freqs[None]
    return torch.cat([torch.sin(args), torch.cos(args)], dim=1)


class _TimeEmbedding(nn.Module):
    """Sinusoidal embedding of ``t`` followed by a two-layer MLP."""

    def __init__(self, time_dim: int):
        super().__init__()
        check_positive(time_dim, "time_dim", integer=True)
        self.time_dim = time_dim
        self.mlp = nn.Sequential(nn.Linear(time_dim, time_dim), nn.SiLU(), nn.Linear(time_dim, time_dim))

    def forward(self, t):
        if not isinstance(t, torch.Tensor) or t.is_floating_point():
            raise DTypeError("`t` phải là tensor số nguyên (N,) các bước thời gian.")
        return self.mlp(timestep_embedding(t, self.time_dim))


class PointDenoiser(nn.Module):
    """ε-model for points ``(N, dim)``: ``[x, emb(t)] → hidden → … → ε̂ (N, dim)`` with SiLU."""

    def __init__(self, dim: int = 2, hidden: int = 128, num_layers: int = 3, time_dim: int = 32):
        super().__init__()
        check_positive(dim, "dim", integer=True)
        check_positive(hidden, "hidden", integer=True)
        check_positive(num_layers, "num_layers", integer=True)
        self.time = _TimeEmbedding(time_dim)
        layers, width = [], dim + time_dim
        for _ in range(num_layers):
            layers += [nn.Linear(width, hidden), nn.SiLU()]
            width = hidden
        layers.append(nn.Linear(width, dim))
        self.net = nn.Sequential(*layers)
        self.dim = dim

    def forward(self, x, t):
        if x.ndim != 2 or x.shape[1] != self.dim:
            raise ShapeError(f"`x` phải có kích thước (N, {self.dim}), nhưng có {tuple(x.shape)}.")
        return self.net(torch.cat([x, self.time(t)], dim=1))


class _ResBlock(nn.Module):
    def __init__(self, channels: int, emb_dim: int):
        super().__init__()
        groups = math.gcd(8, channels)
        self.norm1, self.conv1 = nn.GroupNorm(groups, channels), nn.Conv2d(channels, channels, 3, padding=1)
        self.emb = nn.Linear(emb_dim, channels)
        self.norm2, self.conv2 = nn.GroupNorm(groups, channels), nn.Conv2d(channels, channels, 3, padding=1)
        self.act = nn.SiLU()

    def forward(self, x, emb):
        h = self.conv1(self.act(self.norm1(x))) + self.emb(emb)[:, :, None, None]
        return x + self.conv2(self.act(self.norm2(h)))


class DigitDenoiser(nn.Module):
    """ε-model for images ``(N, channels, S, S)``: a two-level U-Net.

    ``conv → ResBlock (S×S, c) → stride-2 conv → ResBlock (S/2, 2c) → transposed conv →
    concatenate the skip → conv → ResBlock (S×S, c) → conv → ε̂``; every ResBlock adds a linear
    projection of the time embedding to its features.
    """

    def __init__(self, image_size: int = 8, channels: int = 1, base_channels: int = 32,
                 time_dim: int = 64):
        super().__init__()
        check_positive(image_size, "image_size", integer=True)
        check_positive(base_channels, "base_channels", integer=True)
        if image_size % 2:
            raise DlbookError(f"`image_size` = {image_size} phải là số chẵn (một lần thu nhỏ một nửa).")
        c = base_channels
        self.time = _TimeEmbedding(time_dim)
        self.inp = nn.Conv2d(channels, c, 3, padding=1)
        self.down_block = _ResBlock(c, time_dim)
        self.down = nn.Conv2d(c, 2 * c, 4, stride=2, padding=1)
        self.mid_block = _ResBlock(2 * c, time_dim)
        self.up = nn.ConvTranspose2d(2 * c, c, 4, stride=2, padding=1)
        self.merge = nn.Conv2d(2 * c, c, 3, padding=1)
        self.up_block = _ResBlock(c, time_dim)
        self.out = nn.Sequential(nn.GroupNorm(math.gcd(8, c), c), nn.SiLU(), nn.Conv2d(c, channels, 3, padding=1))
        self.image_size, self.channels = image_size, channels

    def forward(self, x, t):
        want = (self.channels, self.image_size, self.image_size)
        if x.ndim != 4 or tuple(x.shape[1:]) != want:
            raise ShapeError(f"`x` phải có kích thước (N, {want[0]}, {want[1]}, {want[2]}), "
                             f"nhưng có {tuple(x.shape)}.")
        emb = self.time(t)
        h1 = self.down_block(self.inp(x), emb)
        h2 = self.mid_block(self.down(h1), emb)
        h = self.merge(torch.cat([self.up(h2), h1], dim=1))
        return self.out(self.up_block(h, emb))
