"""Small helpers shared by the image loaders."""

from __future__ import annotations

import numpy as np


def vn_int(n: int) -> str:
    """Format an integer the Vietnamese way: 60000 → "60.000"."""
    return f"{int(n):,}".replace(",", ".")


def prepare_images(images: np.ndarray, normalize: bool, flatten: bool) -> np.ndarray:
    """uint8 images (N, C, H, W) → float32 in [0, 1] (``normalize``), optionally flattened to (N, C·H·W)."""
    out = images.astype(np.float32) / 255.0 if normalize else images.astype(np.uint8)
    return out.reshape(len(out), -1) if flatten else out


def check_choice(value, name, choices):
    if value not in choices:
        raise ValueError(f"`{name}` phải là một trong {tuple(choices)}, nhưng nhận được {value!r}.")
