"""Semantic-segmentation data: generated grey images and the masks of the objects to segment.

Each image holds a few bright shapes on a noisy, slowly varying background. Only the
**circles** belong to the foreground class; squares and triangles of the same brightness are
distractors, so a model has to look at shape, not only at intensity, to draw the mask.
"""

from __future__ import annotations

import numpy as np

from dlbook.data.detection_data import shape_mask
from dlbook.data.result import LoadedData
from dlbook.errors import DlbookError, check_positive_ints

__all__ = ["make_segmentation_masks"]


def make_segmentation_masks(n_images: int = 300, image_size: int = 32, max_shapes: int = 4,
                            min_size: int = 6, max_size: int = 14, noise: float = 0.1,
                            seed: int = 0) -> LoadedData:
    """Images ``(N, 1, S, S)`` in [0, 1] and binary masks ``(N, 1, S, S)`` of the circles.

    Every image has at least one circle and up to ``max_shapes`` shapes in all. Returns
    ``LoadedData(images, masks)`` (``float32``).
    """
    check_positive_ints(n_images=n_images, image_size=image_size, max_shapes=max_shapes, min_size=min_size,
                        max_size=max_size)
    if not min_size <= max_size <= image_size:
        raise DlbookError("Cần min_size ≤ max_size ≤ image_size.")
    rng = np.random.default_rng(seed)
    S = image_size
    ys, xs = np.mgrid[0:S, 0:S] / S
    images = np.empty((n_images, 1, S, S), np.float32)
    masks = np.zeros((n_images, 1, S, S), np.float32)
    for n in range(n_images):
        gx, gy = rng.uniform(-0.15, 0.15, 2)
        img = 0.25 + gx * xs + gy * ys  # a gentle illumination gradient
        kinds = ["circle"] + list(rng.choice(["circle", "square", "triangle"],
                                             rng.integers(0, max_shapes)))
        for kind in rng.permutation(kinds):
            s = rng.integers(min_size, max_size + 1)
            x0, y0 = rng.integers(0, S - s + 1, 2)
            m = shape_mask(kind, (x0, y0, x0 + s, y0 + s), S, S)
            img[m] = rng.uniform(0.6, 0.9)
            masks[n, 0][m] = 1.0 if kind == "circle" else 0.0  # a later shape covers earlier ones
        images[n, 0] = np.clip(img + rng.normal(0, noise, img.shape), 0, 1)
    return LoadedData(
        images, masks, source="generated-segmentation",
        description=(f"{n_images} ảnh xám {S}×{S} sinh ngẫu nhiên (seed={seed}); mặt nạ đánh dấu "
                     "các hình tròn, hình vuông và tam giác là vật gây nhiễu."),
    )
