"""U-Net (Ronneberger et al., 2015) in a small size, with the Dice and IoU metrics.

The encoder halves the resolution ``depth`` times (two 3×3 convolutions, then max-pool); the
decoder doubles it back with **transposed convolutions** (``ConvTranspose2d``, kernel 2,
stride 2) and concatenates the encoder feature map of the same size (the skip connection)
before two more convolutions. A 1×1 convolution gives one logit per pixel and class.

For a binary mask: ``Dice = 2|A ∩ B| / (|A| + |B|)`` and ``IoU = |A ∩ B| / |A ∪ B|``.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn
import torch.nn.functional as F

from dlbook.errors import DlbookError, ShapeError, check_positive_ints
# Moved to dlbook.scratch.metrics (models are models); re-exported here until every chapter imports it from there.
from dlbook.scratch.metrics import dice_score, iou_score  # noqa: F401

__all__ = ["UNet", "dice_score", "iou_score", "dice_loss", "train_segmenter", "UNET_DEFAULTS"]

#: Settings for the chapter: Dice ≈ 0.9 on new images of ``make_segmentation_masks`` in
#: well under a minute on 2 CPU cores (figures in ``bench/bench_part678.py``).
UNET_DEFAULTS = {"n_images": 400, "image_size": 32, "base_channels": 8, "depth": 2,
                 "epochs": 20, "batch_size": 16, "lr": 3e-3}


def _double_conv(c_in, c_out):
    return nn.Sequential(
        nn.Conv2d(c_in, c_out, 3, padding=1, bias=False), nn.BatchNorm2d(c_out), nn.ReLU(inplace=True),
        nn.Conv2d(c_out, c_out, 3, padding=1, bias=False), nn.BatchNorm2d(c_out), nn.ReLU(inplace=True),
    )


class UNet(nn.Module):
    """``UNet(in_channels, num_classes, base_channels, depth)``; output ``(N, num_classes, H, W)`` logits.

    Channels double at every level: ``base, 2·base, …, 2^depth·base`` at the bottleneck.
    ``H`` and ``W`` must be divisible by ``2**depth``.
    """

    def __init__(self, in_channels: int = 1, num_classes: int = 1, base_channels: int = 8,
                 depth: int = 2):
        super().__init__()
        check_positive_ints(in_channels=in_channels, num_classes=num_classes, base_channels=base_channels,
                            depth=depth)
        chans = [base_channels * 2**i for i in range(depth + 1)]
        self.down = nn.ModuleList()
        c = in_channels
        for ch in chans[:-1]:
            self.down.append(_double_conv(c, ch))
            c = ch
        self.bottleneck = _double_conv(chans[-2], chans[-1])
        self.up = nn.ModuleList()
        self.up_conv = nn.ModuleList()
        for ch in reversed(chans[:-1]):
            self.up.append(nn.ConvTranspose2d(2 * ch, ch, kernel_size=2, stride=2))
            self.up_conv.append(_double_conv(2 * ch, ch))  # skip (ch) + up-sampled (ch)
        self.head = nn.Conv2d(chans[0], num_classes, 1)
        self.depth = depth

    def forward(self, x):
        if x.shape[-1] % 2**self.depth or x.shape[-2] % 2**self.depth:
            raise ShapeError(f"Kích thước ảnh {tuple(x.shape[-2:])} phải chia hết cho "
                             f"2^{self.depth} = {2**self.depth} (độ sâu của U-Net).")
        skips = []
        for block in self.down:
            x = block(x)
            skips.append(x)
            x = F.max_pool2d(x, 2)
        x = self.bottleneck(x)
        for up, conv, skip in zip(self.up, self.up_conv, reversed(skips)):
            x = conv(torch.cat([skip, up(x)], dim=1))
        return self.head(x)


def _check_pair(pred, target):
    if pred.shape != target.shape:
        raise ShapeError(f"Mặt nạ dự đoán {tuple(pred.shape)} và mặt nạ thật "
                         f"{tuple(target.shape)} phải cùng kích thước.")


def dice_loss(logits, target, eps: float = 1.0):
    """Soft Dice loss ``1 − 2Σpt / (Σp + Σt)`` on sigmoid probabilities (differentiable)."""
    _check_pair(logits, target)
    p = torch.sigmoid(logits).flatten(1)
    t = target.flatten(1)
    return 1 - ((2 * (p * t).sum(1) + eps) / (p.sum(1) + t.sum(1) + eps)).mean()


def segmentation_loss(logits, target, dice_weight: float = 1.0):
    """Per-pixel binary cross-entropy + ``dice_weight``·soft Dice (the U-Net's training loss)."""
    return F.binary_cross_entropy_with_logits(logits, target) + dice_weight * dice_loss(logits, target)


def train_segmenter(model, images, masks, epochs: int = 20, batch_size: int = 16,
                    lr: float = 3e-3, dice_weight: float = 1.0, device=None, seed: int = 0,
                    progress: bool = True):
    """Adam on :func:`segmentation_loss` (through :func:`dlbook.train.fit`); returns epoch losses."""
    from dlbook.train import TensorBatches, fit

    device = device or next(model.parameters()).device
    X = torch.as_tensor(np.asarray(images), dtype=torch.float32)
    Y = torch.as_tensor(np.asarray(masks), dtype=torch.float32)
    if X.shape[0] != Y.shape[0]:
        raise DlbookError(f"Có {X.shape[0]} ảnh nhưng {Y.shape[0]} mặt nạ.")
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    history = fit(model, TensorBatches(X, Y, batch_size=batch_size, seed=seed),
                  loss_fn=lambda logits, y: segmentation_loss(logits, y, dice_weight),
                  optimizer=opt, epochs=epochs, metrics=(), device=device, progress=progress,
                  desc="Huấn luyện U-Net")
    model.eval()
    return history.train_loss
