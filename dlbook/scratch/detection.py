"""Object-detection building blocks in numpy: IoU, non-maximum suppression, anchors, ROI pooling.

Boxes are ``(x_min, y_min, x_max, y_max)`` ("xyxy") in pixels unless a function says otherwise.

Anchor count and the "938 centres" of the notes
-----------------------------------------------
The notes estimate the anchor centres of a 400×600 image with stride 16 as the area ratio
``400·600 / 16² = 937.5 ≈ 938`` and hence ``938 · 9 = 8442`` anchors. That is an estimate, not a
grid: the centres lie on a rectangular grid ``n_rows × n_cols`` and no grid with
``n_rows = 400 / 16 = 25`` rows has 938 points (938 = 2 · 7 · 67). A backbone that halves the
size four times with flooring (VGG-16: 600 → 300 → 150 → 75 → 37) gives a 25 × 37 feature map,
i.e. 925 centres and 8,325 anchors; rounding up gives 25 × 38 = 950 centres and 8,550 anchors.
:func:`approx_anchor_centres` reproduces the notes' estimate, :func:`generate_anchors` builds
the real grid (``rounding="floor"`` by default, ``"ceil"`` on request).
"""

from __future__ import annotations

import math
from typing import Sequence

import numpy as np

from dlbook.errors import DlbookError, ShapeError, check_array, check_positive, check_positive_ints

__all__ = [
    "box_area",
    "xyxy_to_cxcywh",
    "cxcywh_to_xyxy",
    "iou",
    "nms",
    "anchor_grid_shape",
    "approx_anchor_centres",
    "generate_anchors",
    "roi_bins",
    "roi_max_pool",
]


def _as_boxes(boxes, name: str) -> np.ndarray:
    arr = check_array(boxes, name, ndim=(1, 2))
    if arr.ndim == 1:
        arr = arr[None, :]
    if arr.shape[-1] != 4:
        raise ShapeError(
            f"`{name}` phải có kích thước (N, 4) (x_min, y_min, x_max, y_max), "
            f"nhưng nhận được {arr.shape}."
        )
    return arr


def box_area(boxes) -> np.ndarray:
    """Area of each xyxy box (0 for degenerate boxes)."""
    b = _as_boxes(boxes, "boxes")
    return np.clip(b[:, 2] - b[:, 0], 0, None) * np.clip(b[:, 3] - b[:, 1], 0, None)


def xyxy_to_cxcywh(boxes) -> np.ndarray:
    """Convert corners ``(x0, y0, x1, y1)`` to centre and size ``(cx, cy, w, h)``."""
    b = _as_boxes(boxes, "boxes")
    return np.stack(
        [(b[:, 0] + b[:, 2]) / 2, (b[:, 1] + b[:, 3]) / 2, b[:, 2] - b[:, 0], b[:, 3] - b[:, 1]],
        axis=1,
    )


def cxcywh_to_xyxy(boxes) -> np.ndarray:
    """Convert centre and size ``(cx, cy, w, h)`` to corners ``(x0, y0, x1, y1)``."""
    b = _as_boxes(boxes, "boxes")
    half_w, half_h = b[:, 2] / 2, b[:, 3] / 2
    return np.stack(
        [b[:, 0] - half_w, b[:, 1] - half_h, b[:, 0] + half_w, b[:, 1] + half_h], axis=1
    )


def iou(boxes_a, boxes_b):
    """Intersection over union of every box in ``boxes_a`` with every box in ``boxes_b``.

    Shapes ``(N, 4)`` and ``(M, 4)`` give an ``(N, M)`` matrix; two single boxes of shape
    ``(4,)`` give a float. IoU = area(A ∩ B) / area(A ∪ B), in [0, 1].
    """
    single = np.ndim(boxes_a) == 1 and np.ndim(boxes_b) == 1
    a = _as_boxes(boxes_a, "boxes_a")
    b = _as_boxes(boxes_b, "boxes_b")
    x0 = np.maximum(a[:, None, 0], b[None, :, 0])
    y0 = np.maximum(a[:, None, 1], b[None, :, 1])
    x1 = np.minimum(a[:, None, 2], b[None, :, 2])
    y1 = np.minimum(a[:, None, 3], b[None, :, 3])
    inter = np.clip(x1 - x0, 0, None) * np.clip(y1 - y0, 0, None)
    union = box_area(a)[:, None] + box_area(b)[None, :] - inter
    out = np.divide(inter, union, out=np.zeros_like(inter), where=union > 0)
    return float(out[0, 0]) if single else out


def nms(boxes, scores, iou_threshold: float = 0.5, max_output: int | None = None) -> np.ndarray:
    """Greedy non-maximum suppression; returns the indices of the kept boxes, best first.

    Repeat: take the remaining box with the highest score, keep it, and drop every remaining
    box whose IoU with it is greater than ``iou_threshold``; stop when none remain or
    ``max_output`` boxes are kept.
    """
    b = _as_boxes(boxes, "boxes")
    s = check_array(scores, "scores", ndim=1)
    if len(s) != len(b):
        raise ShapeError(
            f"`boxes` có {len(b)} hộp nhưng `scores` có {len(s)} điểm; hai số này phải bằng nhau."
        )
    if not 0.0 <= iou_threshold <= 1.0:
        raise DlbookError(f"`iou_threshold` phải nằm trong [0, 1], nhưng nhận được {iou_threshold}.")
    order = np.argsort(-s, kind="stable")
    keep = []
    while order.size and (max_output is None or len(keep) < max_output):
        best = order[0]
        keep.append(best)
        overlaps = iou(b[best], b[order[1:]])[0] if order.size > 1 else np.zeros(0)
        order = order[1:][overlaps <= iou_threshold]
    return np.asarray(keep, dtype=np.int64)


def anchor_grid_shape(image_h: int, image_w: int, stride: int, rounding: str = "floor"):
    """Rows and columns of anchor centres: the feature-map size of a backbone with ``stride``."""
    check_positive_ints(image_h=image_h, image_w=image_w, stride=stride)
    if rounding == "floor":
        return image_h // stride, image_w // stride
    if rounding == "ceil":
        return -(-image_h // stride), -(-image_w // stride)
    raise DlbookError(f"`rounding` phải là 'floor' hoặc 'ceil', nhưng nhận được {rounding!r}.")


def approx_anchor_centres(image_h: int, image_w: int, stride: int) -> int:
    """The notes' estimate of the number of centres: ``ceil(H·W / stride²)`` (938 for 400×600/16).

    Not the size of any grid; see the module docstring and :func:`anchor_grid_shape`.
    """
    check_positive_ints(image_h=image_h, image_w=image_w, stride=stride)
    return math.ceil(image_h * image_w / stride**2)


def generate_anchors(
    image_h: int,
    image_w: int,
    stride: int = 16,
    sizes: Sequence[float] = (128, 256, 512),
    ratios: Sequence[float] = (0.5, 1.0, 2.0),
    rounding: str = "floor",
) -> np.ndarray:
    """All anchor boxes (xyxy) of a Faster R-CNN region proposal network.

    Centres sit at ``(j + 0.5)·stride, (i + 0.5)·stride`` for every cell ``(i, j)`` of the
    feature map (:func:`anchor_grid_shape`). Each centre gets ``len(sizes)·len(ratios)`` anchors;
    an anchor of size ``s`` and ratio ``r = h/w`` has area ``s²``: ``w = s/√r``, ``h = s·√r``.
    The defaults are the paper's (Ren et al. 2015): areas 128², 256², 512² and ratios 1:2, 1:1,
    2:1; pass smaller ``sizes`` for small images.
    Returns ``(n_rows·n_cols·k, 4)`` ordered by row, column, then size, then ratio.
    """
    n_rows, n_cols = anchor_grid_shape(image_h, image_w, stride, rounding)
    sizes = check_array(sizes, "sizes", ndim=1)
    ratios = check_array(ratios, "ratios", ndim=1)
    if np.any(sizes <= 0) or np.any(ratios <= 0):
        raise DlbookError("`sizes` và `ratios` phải là các số dương.")
    s, r = np.meshgrid(sizes, ratios, indexing="ij")
    widths = (s / np.sqrt(r)).ravel()
    heights = (s * np.sqrt(r)).ravel()
    base = np.stack([-widths / 2, -heights / 2, widths / 2, heights / 2], axis=1)  # (k, 4)
    cy, cx = np.meshgrid(
        (np.arange(n_rows) + 0.5) * stride, (np.arange(n_cols) + 0.5) * stride, indexing="ij"
    )
    centres = np.stack([cx.ravel(), cy.ravel(), cx.ravel(), cy.ravel()], axis=1)  # (n, 4)
    return (centres[:, None, :] + base[None, :, :]).reshape(-1, 4)


def roi_bins(length: int, n: int) -> list[int]:
    """Split ``length`` cells into ``n`` bins as Fast R-CNN's ROI pooling in the notes does.

    The first ``n − 1`` bins have ``length // n`` cells and the last one takes the rest,
    ``length // n + length % n``: ``roi_bins(10, 3) == [3, 3, 4]``.
    """
    check_positive(length, "length", integer=True)
    check_positive(n, "n", integer=True)
    if length < n:
        raise DlbookError(
            f"Vùng quan tâm dài {length} ô không chia được thành {n} phần (cần ít nhất {n} ô)."
        )
    return [length // n] * (n - 1) + [length // n + length % n]


def roi_max_pool(feature, roi, output_size=(7, 7), spatial_scale: float = 1.0) -> np.ndarray:
    """Max-pool one region of a feature map into a fixed ``output_size`` grid.

    ``feature`` is ``(C, H, W)`` (or ``(H, W)``). ``roi`` is ``(x_min, y_min, x_max, y_max)``
    in image coordinates; multiplied by ``spatial_scale`` (e.g. 1/16) and rounded, it gives the
    cells ``[y_min, y_max) × [x_min, x_max)`` of the feature map. Each side is split with
    :func:`roi_bins` and every bin is reduced with ``max``.
    """
    f = check_array(feature, "feature", ndim=(2, 3))
    squeeze = f.ndim == 2
    if squeeze:
        f = f[None]
    out_h, out_w = (output_size, output_size) if np.isscalar(output_size) else output_size
    coords = np.round(check_array(roi, "roi", shape=(4,)) * spatial_scale).astype(int)
    x0, y0, x1, y1 = coords
    _, H, W = f.shape
    if not (0 <= x0 < x1 <= W and 0 <= y0 < y1 <= H):
        raise DlbookError(
            f"Vùng quan tâm {tuple(coords)} (sau khi nhân spatial_scale) nằm ngoài feature map "
            f"kích thước {H}×{W} hoặc rỗng."
        )
    row_edges = y0 + np.concatenate([[0], np.cumsum(roi_bins(y1 - y0, out_h))])
    col_edges = x0 + np.concatenate([[0], np.cumsum(roi_bins(x1 - x0, out_w))])
    out = np.empty((f.shape[0], out_h, out_w))
    for i in range(out_h):
        for j in range(out_w):
            block = f[:, row_edges[i] : row_edges[i + 1], col_edges[j] : col_edges[j + 1]]
            out[:, i, j] = block.max(axis=(1, 2))
    return out[0] if squeeze else out
