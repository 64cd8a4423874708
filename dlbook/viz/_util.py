"""Conversions shared by the plotting functions."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np


def to_numpy(x) -> np.ndarray:
    """A numpy array from a numpy array, a list or a torch tensor (detached, on the CPU)."""
    if type(x).__module__.startswith("torch"):
        return x.detach().cpu().numpy()
    return np.asarray(x)


def as_display_image(img) -> np.ndarray:
    """An image ready for ``imshow``: (H, W) grey or (H, W, 3) RGB with values in [0, 1] (floats) or uint8.

    Accepts (H, W), (1, H, W), (3, H, W) (PyTorch order), (H, W, 1) and (H, W, 3). Float images
    outside [0, 1] (e.g. normalized inputs) are rescaled to [0, 1] for display.
    """
    a = to_numpy(img)
    if a.ndim == 3 and a.shape[0] in (1, 3) and a.shape[-1] not in (1, 3):
        a = np.transpose(a, (1, 2, 0))
    if a.ndim == 3 and a.shape[-1] == 1:
        a = a[..., 0]
    if a.ndim not in (2, 3) or (a.ndim == 3 and a.shape[-1] != 3):
        raise ValueError(f"Không hiển thị được ảnh có kích thước {to_numpy(img).shape}; cần (H, W), (C, H, W) hoặc (H, W, C).")
    if a.dtype == np.uint8:
        return a
    a = a.astype(np.float64)
    lo, hi = np.nanmin(a), np.nanmax(a)
    if lo < 0 or hi > 1:
        a = (a - lo) / (hi - lo) if hi > lo else np.zeros_like(a)
    return a


def grid_shape(n: int, ncols: int) -> tuple[int, int]:
    ncols = max(1, min(ncols, n))
    return int(np.ceil(n / ncols)), ncols


def small_multiples(n: int, draw, ncols: int, title, size: float):
    """A grid of ``n`` small axes without ticks; ``draw(ax, i)`` fills the i-th one."""
    rows, cols = grid_shape(n, ncols)
    fig, axes = plt.subplots(rows, cols, figsize=(size * cols, size * rows + (0.4 if title else 0)), squeeze=False)
    for i, ax in enumerate(axes.flat):
        ax.axis("off")
        if i < n:
            draw(ax, i)
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig
