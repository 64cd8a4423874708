"""Which pixels matter for a prediction: occlusion maps and gradient saliency maps."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from dlbook.viz._util import as_display_image
from dlbook.viz.cnn import _as_batch


def occlusion(model, image, target: int, patch: int = 8, stride: int = 4, fill: float = 0.0,
              batch_size: int = 64) -> np.ndarray:
    """Slide a ``patch``×``patch`` square of value ``fill`` over the image and record how much the
    probability of class ``target`` drops (Zeiler and Fergus, 2014).

    Returns an (H, W) map: for each pixel, the mean drop over the positions of the square that
    cover it. Large values = regions the prediction depends on.
    """
    import torch

    x = _as_batch(image)
    device = next(model.parameters()).device
    _, _, h, w = x.shape
    if patch < 1 or stride < 1 or patch > min(h, w):
        raise ValueError(f"`patch` phải trong [1, {min(h, w)}] và `stride` ≥ 1, nhưng nhận được {patch}, {stride}.")
    tops = list(range(0, h - patch + 1, stride))
    lefts = list(range(0, w - patch + 1, stride))
    if tops[-1] != h - patch:
        tops.append(h - patch)
    if lefts[-1] != w - patch:
        lefts.append(w - patch)
    positions = [(t, l) for t in tops for l in lefts]
    was_training = model.training
    model.eval()
    drops = []
    with torch.no_grad():
        base = torch.softmax(model(x.to(device)), dim=1)[0, target].item()
        for start in range(0, len(positions), batch_size):
            chunk = positions[start:start + batch_size]
            batch = x.repeat(len(chunk), 1, 1, 1)
            for i, (t, l) in enumerate(chunk):
                batch[i, :, t:t + patch, l:l + patch] = fill
            probs = torch.softmax(model(batch.to(device)), dim=1)[:, target].cpu().numpy()
            drops.extend(base - probs)
    model.train(was_training)
    heat = np.zeros((h, w))
    count = np.zeros((h, w))
    for (t, l), d in zip(positions, drops):
        heat[t:t + patch, l:l + patch] += d
        count[t:t + patch, l:l + patch] += 1
    return heat / np.maximum(count, 1)


def saliency(model, image, target: int) -> np.ndarray:
    """Gradient of the score (logit) of class ``target`` w.r.t. the input pixels (Simonyan et al., 2014).

    Returns an (H, W) map: the largest absolute gradient over the channels of each pixel.
    """

    device = next(model.parameters()).device
    x = _as_batch(image).to(device).requires_grad_(True)
    was_training = model.training
    model.eval()
    model.zero_grad()
    model(x)[0, target].backward()
    model.train(was_training)
    return x.grad[0].abs().amax(dim=0).cpu().numpy()


def _image_and_map(image, heat, title, cmap):
    fig, axes = plt.subplots(1, 3, figsize=(9, 3.2))
    img = as_display_image(_as_batch(image)[0])
    for ax in axes:
        ax.axis("off")
    axes[0].imshow(img, cmap="gray" if img.ndim == 2 else None)
    axes[0].set_title("ảnh")
    im = axes[1].imshow(heat, cmap=cmap)
    axes[1].set_title(title)
    fig.colorbar(im, ax=axes[1], fraction=0.046, pad=0.04)
    axes[2].imshow(img, cmap="gray" if img.ndim == 2 else None)
    axes[2].imshow(heat, cmap=cmap, alpha=0.5)
    axes[2].set_title("chồng lên ảnh")
    fig.tight_layout()
    return fig


def occlusion_map(model, image, target: int, patch: int = 8, stride: int = 4, fill: float = 0.0):
    """Figure: the image, its :func:`occlusion` map, and the two overlaid."""
    heat = occlusion(model, image, target, patch, stride, fill)
    return _image_and_map(image, heat, "xác suất giảm khi che", "inferno")


def saliency_map(model, image, target: int):
    """Figure: the image, its gradient :func:`saliency` map, and the two overlaid."""
    return _image_and_map(image, saliency(model, image, target), "độ lớn gradient", "hot")
