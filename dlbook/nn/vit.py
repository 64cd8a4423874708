"""Vision Transformer (Dosovitskiy et al. 2021; Phần 9, chương 25): an image as a sequence of patches.

``(N, C, H, W)`` → :class:`PatchEmbedding` (a ``P×P`` convolution with stride ``P`` = one linear
map of every flattened patch) → ``(N, L, d)`` with ``L = (H/P)·(W/P)`` → a learned class token
prepended → ``(N, L + 1, d)`` + learned positions → ``depth`` pre-LN
:class:`~dlbook.nn.transformer.TransformerEncoderBlock` (GELU) → ``LayerNorm`` → the class
token's vector → linear → ``num_classes`` logits.
"""

from __future__ import annotations

import torch
from torch import nn

from dlbook.errors import DlbookError, check_positive, check_positive_ints
from dlbook.nn.transformer import TransformerEncoderBlock

__all__ = ["PatchEmbedding", "VisionTransformer"]


class PatchEmbedding(nn.Module):
    """``PatchEmbedding(img_size=28, patch_size=7, in_channels=1, embed_dim=64)``: ``(N, C, H, W)``
    → ``(N, L, embed_dim)``, patches in row-major order."""

    def __init__(self, img_size: int = 28, patch_size: int = 7, in_channels: int = 1,
                 embed_dim: int = 64):
        super().__init__()
        check_positive_ints(img_size=img_size, patch_size=patch_size, in_channels=in_channels,
                            embed_dim=embed_dim)
        if img_size % patch_size:
            raise DlbookError(f"`img_size` = {img_size} phải chia hết cho `patch_size` = {patch_size}.")
        self.img_size, self.patch_size, self.in_channels = img_size, patch_size, in_channels
        self.num_patches = (img_size // patch_size) ** 2
        self.proj = nn.Conv2d(in_channels, embed_dim, patch_size, stride=patch_size)

    def forward(self, x):
        want = (self.in_channels, self.img_size, self.img_size)
        if x.ndim != 4 or tuple(x.shape[1:]) != want:
            raise DlbookError(f"Ảnh đầu vào phải có kích thước (N, {want[0]}, {want[1]}, {want[2]}), "
                              f"nhưng nhận được {tuple(x.shape)}.")
        return self.proj(x).flatten(2).transpose(1, 2)  # (N, d, h, w) → (N, L, d)


class VisionTransformer(nn.Module):
    """``VisionTransformer(img_size=28, patch_size=7, in_channels=1, num_classes=10, embed_dim=64, depth=4, num_heads=4, ff_dim=None, dropout=0.0)``.

    ``forward(x)`` → logits ``(N, num_classes)``; ``features(x)`` → the tokens after the encoder
    ``(N, L + 1, d)``; each block keeps its last ``attention_weights`` ``(N, heads, L+1, L+1)``.
    """

    def __init__(self, img_size: int = 28, patch_size: int = 7, in_channels: int = 1,
                 num_classes: int = 10, embed_dim: int = 64, depth: int = 4, num_heads: int = 4,
                 ff_dim: int | None = None, dropout: float = 0.0):
        super().__init__()
        check_positive(num_classes, "num_classes", integer=True)
        check_positive(depth, "depth", integer=True)
        self.patch_embed = PatchEmbedding(img_size, patch_size, in_channels, embed_dim)
        L = self.patch_embed.num_patches
        self.cls_token = nn.Parameter(torch.zeros(1, 1, embed_dim))
        self.pos_embed = nn.Parameter(torch.randn(1, L + 1, embed_dim) * 0.02)
        self.drop = nn.Dropout(dropout)
        self.blocks = nn.ModuleList(
            TransformerEncoderBlock(embed_dim, num_heads, ff_dim or 2 * embed_dim, dropout,
                                    norm_first=True, activation="gelu")
            for _ in range(depth))
        self.norm = nn.LayerNorm(embed_dim)
        self.head = nn.Linear(embed_dim, num_classes)

    def features(self, x):
        tokens = self.patch_embed(x)
        cls = self.cls_token.expand(len(tokens), -1, -1)
        z = self.drop(torch.cat([cls, tokens], 1) + self.pos_embed)
        for block in self.blocks:
            z = block(z)
        return self.norm(z)

    def forward(self, x):
        return self.head(self.features(x)[:, 0])
