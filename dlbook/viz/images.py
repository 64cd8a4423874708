"""Image grids and the confusion matrix."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from dlbook.viz._util import as_display_image, small_multiples, to_numpy


def show_images(images, labels=None, ncols: int = 8, predictions=None, class_names=None, cmap="gray",
                size: float = 1.4, title=None):
    """A grid of images with their labels (and predictions: red title when wrong).

    ``images`` is a batch in any usual layout: ``(N, H, W)``, ``(N, 1, H, W)``, ``(N, 3, H, W)``,
    ``(N, H, W, 3)``, or ``(N, H·W)`` for square grey images such as flattened MNIST.
    """
    imgs = to_numpy(images)
    if imgs.ndim == 2:
        side = int(round(np.sqrt(imgs.shape[1])))
        if side * side != imgs.shape[1]:
            raise ValueError(f"Ảnh phẳng có {imgs.shape[1]} điểm ảnh, không phải ảnh vuông; hãy truyền (N, H, W).")
        imgs = imgs.reshape(len(imgs), side, side)
    n = len(imgs)
    if n == 0:
        raise ValueError("`images` rỗng: không có ảnh nào để hiển thị.")
    labels = None if labels is None else to_numpy(labels).reshape(-1)
    predictions = None if predictions is None else to_numpy(predictions).reshape(-1)

    def name(v):
        return str(class_names[int(v)]) if class_names is not None else (f"{v:.2f}" if isinstance(v, float) else str(v))

    def draw(ax, i):
        img = as_display_image(imgs[i])
        ax.imshow(img, cmap=cmap if img.ndim == 2 else None)
        parts, colour = [], "black"
        if labels is not None:
            parts.append(name(labels[i].item()))
        if predictions is not None:
            parts.append(f"dự đoán: {name(predictions[i].item())}")
            if labels is not None and predictions[i] != labels[i]:
                colour = "red"
        if parts:
            ax.set_title("\n".join(parts), fontsize=8, color=colour)

    return small_multiples(n, draw, ncols, title, size)


def plot_confusion_matrix(cm, class_names=None, normalize: bool = False, ax=None, cmap="Blues"):
    """Draw a confusion matrix (rows: true class, columns: predicted class) with the counts written in.

    ``normalize=True`` divides each row by its total (the recall of each class on the diagonal).
    """
    cm = to_numpy(cm).astype(float)
    if cm.ndim != 2 or cm.shape[0] != cm.shape[1]:
        raise ValueError(f"Ma trận nhầm lẫn phải vuông (K, K), nhưng có kích thước {cm.shape}.")
    k = cm.shape[0]
    if normalize:
        cm = cm / np.maximum(cm.sum(axis=1, keepdims=True), 1e-12)
    if ax is None:
        _, ax = plt.subplots(figsize=(0.5 * k + 2.5, 0.5 * k + 2))
    im = ax.imshow(cm, cmap=cmap)
    ax.figure.colorbar(im, ax=ax, fraction=0.046, pad=0.04)
    names = [str(c) for c in (class_names if class_names is not None else range(k))]
    ax.set_xticks(range(k), names, rotation=45 if max(len(s) for s in names) > 2 else 0, ha="right" if max(len(s) for s in names) > 2 else "center")
    ax.set_yticks(range(k), names)
    ax.set_xlabel("Nhãn dự đoán")
    ax.set_ylabel("Nhãn thật")
    threshold = cm.max() / 2 if cm.size else 0
    for i in range(k):
        for j in range(k):
            text = f"{cm[i, j]:.2f}" if normalize else f"{int(cm[i, j])}"
            ax.text(j, i, text, ha="center", va="center", fontsize=8,
                    color="white" if cm[i, j] > threshold else "black")
    ax.figure.tight_layout()
    return ax.figure
