"""Object-detection data: generated images of shapes with boxes, and the YOLO label format.

``make_shapes_detection`` draws squares, circles and triangles of random colours and sizes on
a noisy background and returns their boxes; it runs offline in a fraction of a second, so a
small detector can be trained on a CPU inside a chapter. ``load_yolo_dataset`` reads a real
dataset in the YOLO layout (one ``.txt`` per image, lines ``class x_center y_center width
height`` normalised to [0, 1]), e.g. a licence-plate dataset, when one is available.

Boxes are ``(x_min, y_min, x_max, y_max)`` in pixels. Targets are a list with one dict per
image: ``{"boxes": (k, 4) float array, "labels": (k,) int array}``.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from dlbook.data.formats import DataFormatError
from dlbook.data.result import LoadedData
from dlbook.errors import DlbookError, check_array, check_positive_ints

__all__ = [
    "SHAPE_CLASSES",
    "shape_mask",
    "make_shapes_detection",
    "read_yolo_labels",
    "write_yolo_labels",
    "yolo_to_xyxy",
    "xyxy_to_yolo",
    "load_yolo_dataset",
]

SHAPE_CLASSES = ("hình vuông", "hình tròn", "hình tam giác")
_KINDS = ("square", "circle", "triangle")

#: Saturated colours (RGB in [0, 1]) that stand out from the light background.
PALETTE = np.array([
    [0.85, 0.10, 0.10], [0.10, 0.60, 0.15], [0.10, 0.25, 0.85], [0.90, 0.75, 0.05],
    [0.60, 0.15, 0.70], [0.05, 0.65, 0.70], [0.95, 0.45, 0.05], [0.20, 0.20, 0.20],
])


def shape_mask(kind: str, box, height: int, width: int) -> np.ndarray:
    """Boolean ``(height, width)`` mask of a shape that fills the box ``(x0, y0, x1, y1)``.

    ``kind``: ``"square"`` (the box itself), ``"circle"`` (the inscribed ellipse) or
    ``"triangle"`` (apex at the top centre, base along the bottom edge).
    """
    x0, y0, x1, y1 = (float(v) for v in box)
    ys, xs = np.mgrid[0:height, 0:width] + 0.5  # pixel centres
    inside = (xs >= x0) & (xs < x1) & (ys >= y0) & (ys < y1)
    cx, cy, w, h = (x0 + x1) / 2, (y0 + y1) / 2, x1 - x0, y1 - y0
    if kind == "square":
        return inside
    if kind == "circle":
        return ((xs - cx) / (w / 2)) ** 2 + ((ys - cy) / (h / 2)) ** 2 <= 1.0
    if kind == "triangle":
        return inside & (np.abs(xs - cx) <= (ys - y0) / h * (w / 2))
    raise DlbookError(f"Không biết hình {kind!r}; chọn một trong {', '.join(_KINDS)}.")


def _noisy_background(rng, size, noise):
    base = rng.uniform(0.75, 1.0, 3)
    img = np.broadcast_to(base[:, None, None], (3, size, size)).copy()
    return img + rng.normal(0, noise, img.shape)


def _place_box(rng, size, min_size, max_size, existing, max_iou=0.1, tries=50):
    from dlbook.scratch.detection import iou

    for _ in range(tries):
        s = rng.integers(min_size, max_size + 1)
        x0, y0 = rng.integers(0, size - s + 1, 2)
        box = np.array([x0, y0, x0 + s, y0 + s], float)
        if not existing or np.max(iou(box[None], np.array(existing))) <= max_iou:
            return box
    return None


def make_shapes_detection(n_images: int = 500, image_size: int = 64, max_objects: int = 3,
                          min_size: int = 12, max_size: int = 28, noise: float = 0.04,
                          seed: int = 0) -> LoadedData:
    """Images ``(N, 3, S, S)`` in [0, 1] with 1 to ``max_objects`` shapes each, and their boxes.

    Classes (index → name): 0 ``hình vuông``, 1 ``hình tròn``, 2 ``hình tam giác``
    (``SHAPE_CLASSES``). Shapes overlap little (IoU ≤ 0.1). Returns ``LoadedData(images,
    targets)`` with ``class_names``.
    """
    check_positive_ints(n_images=n_images, image_size=image_size, max_objects=max_objects, min_size=min_size,
                        max_size=max_size)
    if not min_size <= max_size <= image_size:
        raise DlbookError("Cần min_size ≤ max_size ≤ image_size.")
    rng = np.random.default_rng(seed)
    images = np.empty((n_images, 3, image_size, image_size), np.float32)
    targets = []
    for n in range(n_images):
        img = _noisy_background(rng, image_size, noise)
        boxes, labels = [], []
        for _ in range(rng.integers(1, max_objects + 1)):
            box = _place_box(rng, image_size, min_size, max_size, boxes)
            if box is None:
                continue
            label = int(rng.integers(len(_KINDS)))
            mask = shape_mask(_KINDS[label], box, image_size, image_size)
            colour = PALETTE[rng.integers(len(PALETTE))] + rng.normal(0, 0.03, 3)
            img[:, mask] = colour[:, None] + rng.normal(0, noise, (3, int(mask.sum())))
            boxes.append(box)
            labels.append(label)
        images[n] = np.clip(img, 0, 1)
        targets.append({"boxes": np.array(boxes, float).reshape(-1, 4),
                        "labels": np.array(labels, np.int64)})
    return LoadedData(
        images, targets, source="generated-shapes",
        description=(f"{n_images} ảnh {image_size}×{image_size} sinh ngẫu nhiên (seed={seed}) với "
                     "hình vuông, hình tròn, hình tam giác và hộp bao của chúng."),
        class_names=SHAPE_CLASSES,
    )


def yolo_to_xyxy(boxes, image_w: int, image_h: int) -> np.ndarray:
    """Normalised ``(cx, cy, w, h)`` (YOLO) → pixel ``(x0, y0, x1, y1)``."""
    b = check_array(boxes, "boxes", ndim=2).reshape(-1, 4)
    scale = np.array([image_w, image_h, image_w, image_h], float)
    cx, cy, w, h = (b * scale).T
    return np.stack([cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2], axis=1)


def xyxy_to_yolo(boxes, image_w: int, image_h: int) -> np.ndarray:
    """Pixel ``(x0, y0, x1, y1)`` → normalised ``(cx, cy, w, h)`` (YOLO)."""
    b = check_array(boxes, "boxes", ndim=2).reshape(-1, 4)
    x0, y0, x1, y1 = b.T
    out = np.stack([(x0 + x1) / 2, (y0 + y1) / 2, x1 - x0, y1 - y0], axis=1)
    return out / np.array([image_w, image_h, image_w, image_h], float)


def read_yolo_labels(path) -> tuple[np.ndarray, np.ndarray]:
    """Read one YOLO label file; returns ``(labels (k,), boxes (k, 4))`` with normalised boxes.

    Each non-empty line is ``class x_center y_center width height``; the class is an integer
    and the four numbers lie in [0, 1].
    """
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"Không tìm thấy tệp nhãn YOLO: {path}")
    labels, boxes = [], []
    for lineno, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        parts = line.split()
        if not parts:
            continue
        if len(parts) != 5:
            raise DataFormatError(
                f"{path}, dòng {lineno}: cần 5 giá trị 'class x y w h', nhưng có {len(parts)}.")
        try:
            cls = int(parts[0])
            vals = [float(p) for p in parts[1:]]
        except ValueError:
            raise DataFormatError(f"{path}, dòng {lineno}: giá trị không phải số: {line!r}.") from None
        if cls < 0 or not all(0.0 <= v <= 1.0 for v in vals):
            raise DataFormatError(
                f"{path}, dòng {lineno}: lớp phải là số nguyên không âm và x, y, w, h phải nằm "
                f"trong [0, 1] (toạ độ chuẩn hoá), nhưng nhận được {line!r}.")
        labels.append(cls)
        boxes.append(vals)
    return np.array(labels, np.int64), np.array(boxes, float).reshape(-1, 4)


def write_yolo_labels(path, boxes, labels, image_w: int, image_h: int) -> None:
    """Write pixel boxes ``(x0, y0, x1, y1)`` and their classes as a YOLO label file."""
    yolo = xyxy_to_yolo(boxes, image_w, image_h)
    lines = [f"{int(c)} {cx:.6f} {cy:.6f} {w:.6f} {h:.6f}"
             for c, (cx, cy, w, h) in zip(labels, yolo)]
    Path(path).write_text("\n".join(lines) + ("\n" if lines else ""), encoding="utf-8")


_IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".bmp")


def load_yolo_dataset(image_dir, label_dir=None, image_size: int = 64, class_names=None,
                      max_images: int | None = None) -> LoadedData:
    """Read a YOLO-format dataset: images resized to ``image_size``², boxes in pixels of that size.

    ``label_dir`` defaults to the ``labels`` folder next to ``image_dir`` when it exists (the
    usual ``images/`` + ``labels/`` layout), else to ``image_dir``. An image without a label
    file has no objects. Returns ``LoadedData(images, targets)`` like
    :func:`make_shapes_detection`.
    """
    from PIL import Image

    image_dir = Path(image_dir)
    if not image_dir.is_dir():
        raise FileNotFoundError(f"Không tìm thấy thư mục ảnh: {image_dir}")
    if label_dir is None:
        sibling = image_dir.parent / "labels"
        label_dir = sibling if sibling.is_dir() else image_dir
    label_dir = Path(label_dir)
    files = sorted(p for p in image_dir.iterdir() if p.suffix.lower() in _IMAGE_SUFFIXES)
    if max_images is not None:
        files = files[:max_images]
    if not files:
        raise DlbookError(f"Thư mục {image_dir} không có ảnh (.jpg, .png, .bmp).")
    images = np.empty((len(files), 3, image_size, image_size), np.float32)
    targets = []
    for i, f in enumerate(files):
        with Image.open(f) as im:
            im = im.convert("RGB").resize((image_size, image_size), Image.BILINEAR)
            images[i] = np.asarray(im, np.float32).transpose(2, 0, 1) / 255.0
        label_file = label_dir / (f.stem + ".txt")
        if label_file.exists():
            labels, boxes = read_yolo_labels(label_file)
        else:
            labels, boxes = np.zeros(0, np.int64), np.zeros((0, 4))
        targets.append({"boxes": yolo_to_xyxy(boxes, image_size, image_size), "labels": labels})
    n_classes = 1 + max((int(t["labels"].max()) for t in targets if len(t["labels"])), default=0)
    return LoadedData(
        images, targets, source=os.fspath(image_dir),
        description=f"{len(files)} ảnh định dạng YOLO đọc từ {image_dir}.",
        class_names=tuple(class_names) if class_names else tuple(str(c) for c in range(n_classes)),
    )
