"""What a CNN computes: feature maps of a layer and the learned filters."""

from __future__ import annotations

import numpy as np

from dlbook.viz._util import as_display_image, small_multiples, to_numpy


def _as_batch(image):
    import torch

    x = torch.as_tensor(to_numpy(image), dtype=torch.float32)
    if x.ndim == 2:
        x = x[None, None]
    elif x.ndim == 3:
        x = x[None]
    if x.ndim != 4:
        raise ValueError(f"Ảnh đầu vào phải có kích thước (C, H, W) hoặc (1, C, H, W), nhưng có {tuple(x.shape)}.")
    return x


def get_feature_maps(model, layer, image) -> np.ndarray:
    """The output of ``layer`` (a submodule or its name, e.g. ``"conv1"``) for one image, shape (C, H, W).

    Uses a forward hook, in eval mode, without gradients.
    """
    import torch

    module = model.get_submodule(layer) if isinstance(layer, str) else layer
    captured = {}
    handle = module.register_forward_hook(lambda mod, args, out: captured.setdefault("out", out))
    device = next(model.parameters()).device
    was_training = model.training
    try:
        model.eval()
        with torch.no_grad():
            model(_as_batch(image).to(device))
    finally:
        handle.remove()
        model.train(was_training)
    if "out" not in captured:
        raise ValueError("Lớp đã chọn không được dùng trong lượt truyền xuôi của mô hình.")
    return captured["out"][0].detach().cpu().numpy()


def plot_feature_maps(maps, ncols: int = 8, max_maps: int = 32, cmap="viridis", title=None, size: float = 1.3):
    """One small image per channel of a (C, H, W) activation (the first ``max_maps`` channels)."""
    maps = to_numpy(maps)
    if maps.ndim == 4 and maps.shape[0] == 1:
        maps = maps[0]
    if maps.ndim != 3:
        raise ValueError(f"`maps` phải có kích thước (C, H, W), nhưng có {maps.shape}.")
    maps = maps[:max_maps]

    def draw(ax, i):
        ax.imshow(maps[i], cmap=cmap)
        ax.set_title(f"kênh {i}", fontsize=7)

    return small_multiples(len(maps), draw, ncols, title, size)


def plot_filters(weights, ncols: int = 8, max_filters: int = 64, title=None, size: float = 1.0):
    """The kernels of a convolution layer (a ``Conv2d`` or its weight, shape (out, in, k, k)).

    With 3 input channels each kernel is shown in colour (first layers of networks on RGB images);
    otherwise the kernel of the first input channel is shown in grey. Each kernel is rescaled
    to [0, 1] on its own, so compare patterns, not magnitudes.
    """
    w = to_numpy(getattr(weights, "weight", weights))
    if w.ndim != 4:
        raise ValueError(f"Trọng số tích chập phải có kích thước (out, in, k, k), nhưng có {w.shape}.")
    w = w[:max_filters]

    def draw(ax, i):
        k = (w[i] if w.shape[1] == 3 else w[i, 0]).astype(float)
        k = (k - k.min()) / (k.max() - k.min()) if k.max() > k.min() else np.zeros_like(k)
        img = as_display_image(k)
        ax.imshow(img, cmap="gray" if img.ndim == 2 else None, interpolation="nearest")

    return small_multiples(len(w), draw, ncols, title, size)
