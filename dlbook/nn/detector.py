"""A small single-stage detector in the spirit of YOLO v1, with its loss, decoding and mAP.

The image is divided into an ``S × S`` grid. The cell that contains the centre of an object is
responsible for it and predicts, per cell, ``5 + C`` numbers::

    objectness logit,  t_x, t_y (centre inside the cell, through a sigmoid),
    t_w, t_h (width and height as a fraction of the image, through a sigmoid),  C class logits

Loss (per image, summed over cells):
``λ_coord·Σ_obj [(x−x̂)² + (y−ŷ)² + (√w−√ŵ)² + (√h−√ĥ)²] + BCE(objectness) on object cells
+ λ_noobj·BCE on empty cells + cross-entropy of the class on object cells``.

``mean_average_precision`` is the PASCAL VOC metric: per class, detections sorted by score are
matched greedily to unmatched ground-truth boxes with IoU ≥ 0.5, and AP is the area under the
precision–recall curve with precision made monotone (all-point interpolation); mAP averages
over the classes that have ground truth.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn
import torch.nn.functional as F

from dlbook.errors import DlbookError, check_positive, check_positive_ints
from dlbook.scratch.detection import nms
# Moved to dlbook.scratch.metrics (models are models); re-exported here until every chapter imports it from there.
from dlbook.scratch.metrics import average_precision, mean_average_precision  # noqa: F401

__all__ = [
    "GridDetector",
    "yolo_filters",
    "encode_targets",
    "detection_loss",
    "decode_predictions",
    "average_precision",
    "mean_average_precision",
    "train_detector",
    "DETECTOR_DEFAULTS",
]

#: Settings for the chapter: on ``make_shapes_detection`` they reach mAP@0.5 ≈ 0.98 on 200
#: new images in 10–30 s of one CPU thread (figures in ``bench/bench_part678.py``).
DETECTOR_DEFAULTS = {"n_images": 300, "image_size": 64, "grid_size": 8, "width": 16,
                     "epochs": 12, "batch_size": 32, "lr": 3e-3}


def yolo_filters(num_classes: int, anchors_per_scale: int = 3) -> int:
    """Channels of a YOLO v3 output layer: ``(classes + 5) · anchors`` (255 for COCO's 80)."""
    check_positive(num_classes, "num_classes", integer=True)
    return (num_classes + 5) * anchors_per_scale


def _conv(c_in, c_out):
    return nn.Sequential(nn.Conv2d(c_in, c_out, 3, padding=1, bias=False),
                         nn.BatchNorm2d(c_out), nn.LeakyReLU(0.1))


class GridDetector(nn.Module):
    """Backbone of 3×3 convolutions and max-pools down to an ``S × S`` grid, then a 1×1 head.

    ``forward(images)`` takes ``(N, C, image_size, image_size)`` and returns raw predictions
    ``(N, S, S, 5 + num_classes)``. ``image_size / grid_size`` must be a power of two.
    """

    def __init__(self, num_classes: int = 3, grid_size: int = 8, image_size: int = 64,
                 in_channels: int = 3, width: int = 16):
        super().__init__()
        check_positive_ints(num_classes=num_classes, grid_size=grid_size, image_size=image_size, width=width)
        ratio = image_size // grid_size
        if image_size % grid_size or ratio & (ratio - 1):
            raise DlbookError(f"image_size/grid_size = {image_size}/{grid_size} phải là một lũy "
                              "thừa của 2 (mỗi lần max-pool giảm kích thước một nửa).")
        n_pools = ratio.bit_length() - 1
        layers, c = [_conv(in_channels, width)], width
        for _ in range(n_pools):
            layers += [nn.MaxPool2d(2), _conv(c, 2 * c)]
            c *= 2
        layers += [_conv(c, c)]
        self.backbone = nn.Sequential(*layers)
        self.head = nn.Conv2d(c, 5 + num_classes, 1)
        self.num_classes, self.grid_size, self.image_size = num_classes, grid_size, image_size

    def forward(self, x):
        return self.head(self.backbone(x)).permute(0, 2, 3, 1)


def encode_targets(targets, grid_size: int, image_size: int) -> torch.Tensor:
    """Ground truth → tensor ``(N, S, S, 6)``: objectness, x, y in the cell, w, h, class.

    When two objects fall into the same cell the larger one is kept (a limit of YOLO v1).
    """
    out = torch.zeros(len(targets), grid_size, grid_size, 6)
    cell = image_size / grid_size
    for n, t in enumerate(targets):
        boxes = np.asarray(t["boxes"], float).reshape(-1, 4)
        order = np.argsort((boxes[:, 2] - boxes[:, 0]) * (boxes[:, 3] - boxes[:, 1]))
        for k in order:  # larger boxes last, so they overwrite smaller ones
            x0, y0, x1, y1 = boxes[k]
            cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
            j = min(int(cx // cell), grid_size - 1)
            i = min(int(cy // cell), grid_size - 1)
            out[n, i, j] = torch.tensor([1.0, cx / cell - j, cy / cell - i,
                                         (x1 - x0) / image_size, (y1 - y0) / image_size,
                                         float(t["labels"][k])])
    return out


def detection_loss(pred, target, lambda_coord: float = 5.0, lambda_noobj: float = 0.5):
    """YOLO-style loss of raw predictions ``(N, S, S, 5 + C)`` against ``encode_targets``.

    Returns the mean over the batch of the per-image sum.
    """
    obj = target[..., 0]
    is_obj = obj > 0.5
    bce = F.binary_cross_entropy_with_logits(pred[..., 0], obj, reduction="none")
    loss_obj = bce[is_obj].sum() + lambda_noobj * bce[~is_obj].sum()
    boxes = torch.sigmoid(pred[..., 1:5])[is_obj]
    tb = target[..., 1:5][is_obj]
    loss_xy = ((boxes[:, :2] - tb[:, :2]) ** 2).sum()
    loss_wh = ((boxes[:, 2:].sqrt() - tb[:, 2:].sqrt()) ** 2).sum()
    loss_cls = F.cross_entropy(pred[..., 5:][is_obj], target[..., 5][is_obj].long(),
                               reduction="sum") if is_obj.any() else pred.sum() * 0
    return (lambda_coord * (loss_xy + loss_wh) + loss_obj + loss_cls) / pred.shape[0]


@torch.no_grad()
def decode_predictions(pred, image_size: int, conf_threshold: float = 0.3,
                       iou_threshold: float = 0.5):
    """Raw predictions → per image ``{"boxes", "scores", "labels"}`` (numpy), after class-wise NMS.

    The score of a cell is ``σ(objectness) · max softmax(class)``.
    """
    pred = pred.detach().float().cpu()
    N, S = pred.shape[0], pred.shape[1]
    cell = image_size / S
    obj = torch.sigmoid(pred[..., 0])
    txy, twh = torch.sigmoid(pred[..., 1:3]), torch.sigmoid(pred[..., 3:5])
    cls_prob, labels = torch.softmax(pred[..., 5:], dim=-1).max(dim=-1)
    scores = obj * cls_prob
    jj, ii = torch.meshgrid(torch.arange(S), torch.arange(S), indexing="xy")
    cx = (jj + txy[..., 0]) * cell
    cy = (ii + txy[..., 1]) * cell
    w, h = twh[..., 0] * image_size, twh[..., 1] * image_size
    all_boxes = torch.stack([cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2], dim=-1)
    results = []
    for n in range(N):
        keep = scores[n] >= conf_threshold
        b = all_boxes[n][keep].numpy().astype(float)
        s = scores[n][keep].numpy().astype(float)
        lab = labels[n][keep].numpy()
        kept = []
        for c in np.unique(lab):
            idx = np.flatnonzero(lab == c)
            kept.extend(idx[nms(b[idx], s[idx], iou_threshold)])
        kept = np.array(sorted(kept, key=lambda i: -s[i]), dtype=np.int64)
        results.append({"boxes": b[kept].reshape(-1, 4), "scores": s[kept],
                        "labels": lab[kept].astype(np.int64)})
    return results


def train_detector(model, images, targets, epochs: int = 12, batch_size: int = 32,
                   lr: float = 3e-3, device=None, seed: int = 0, progress: bool = True):
    """Train ``model`` with Adam and a one-cycle schedule on ``detection_loss`` (through
    :func:`dlbook.train.fit`); returns the mean loss of every epoch."""
    from dlbook.train import TensorBatches, fit

    device = device or next(model.parameters()).device
    X = torch.as_tensor(np.asarray(images), dtype=torch.float32)
    Y = encode_targets(targets, model.grid_size, model.image_size)
    batches = TensorBatches(X, Y, batch_size=batch_size, seed=seed)
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=lr, total_steps=epochs * len(batches))
    history = fit(model, batches, loss_fn=detection_loss, optimizer=opt, epochs=epochs, metrics=(),
                  device=device, scheduler=sched, scheduler_interval="batch", progress=progress,
                  desc="Huấn luyện bộ phát hiện")
    model.eval()
    return history.train_loss
