"""Data for the GAN chapters (Phần 8): a ring of Gaussians in 2-D and scikit-learn's digits in [−1, 1]."""

from __future__ import annotations

import numpy as np
import torch

from dlbook.errors import check_positive

__all__ = ["ring_of_gaussians", "digits_for_gan"]


def ring_of_gaussians(n: int = 2000, modes: int = 8, radius: float = 2.0, std: float = 0.05,
                      seed: int = 0):
    """``n`` points ``(n, 2)`` (float32) from ``modes`` Gaussians evenly spaced on a circle;
    returns ``(points, centres)``."""
    check_positive(n, "n", integer=True)
    check_positive(modes, "modes", integer=True)
    rng = np.random.default_rng(seed)
    angles = 2 * np.pi * np.arange(modes) / modes
    centres = radius * np.stack([np.cos(angles), np.sin(angles)], axis=1)
    which = rng.integers(modes, size=n)
    return (centres[which] + rng.normal(0, std, (n, 2))).astype(np.float32), centres


def digits_for_gan():
    """scikit-learn's digits as ``(images (1797, 1, 8, 8) in [−1, 1], labels)`` tensors."""
    from sklearn.datasets import load_digits

    d = load_digits()
    images = torch.tensor(d.images / 8.0 - 1.0, dtype=torch.float32)[:, None]
    return images, torch.tensor(d.target, dtype=torch.long)
