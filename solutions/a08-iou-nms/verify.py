"""Trusted verifier of assignment a08-iou-nms (kept out of the students' folders).

References: dlbook.scratch.detection (itself tested against hand-worked examples), with the same
conventions as the assignment (xyxy, ratio = h/w, bins n−1 × ⌊L/n⌋ + rest).
"""

import numpy as np

from dlbook.course.verify_api import NUMPY_NO_LOOPS, NUMPY_ONLY, Task
from dlbook.scratch import detection


def _boxes(rng, n, spread=30.0, degenerate=False):
    xy = rng.uniform(0, spread, size=(n, 2))
    wh = rng.uniform(0.5, spread / 2, size=(n, 2))
    if degenerate and n:
        wh[rng.integers(n)] = 0.0
    return np.hstack([xy, xy + wh])


def _iou_cases(rng):
    cases = []
    for degenerate in (False, False, True):
        n, m = (int(v) for v in rng.integers(1, 12, size=2))
        cases.append({"boxes_a": _boxes(rng, n, degenerate=degenerate),
                      "boxes_b": _boxes(rng, m, degenerate=degenerate)})
    return cases


def _iou_ref(boxes_a, boxes_b):
    return detection.iou(boxes_a, boxes_b)


def _nms_cases(rng):
    cases = []
    for ties in (False, False, True):
        n = int(rng.integers(1, 40))
        scores = rng.integers(0, 4, n) / 4.0 if ties else rng.random(n)
        cases.append({"boxes": _boxes(rng, n, spread=40.0), "scores": scores,
                      "iou_threshold": float(rng.choice([0.3, 0.5, 0.7]))})
    return cases


def _nms_ref(boxes, scores, iou_threshold):
    return detection.nms(boxes, scores, iou_threshold)


def _anchor_cases(rng):
    cases = []
    for _ in range(3):
        cases.append({"n_rows": int(rng.integers(1, 6)), "n_cols": int(rng.integers(1, 6)),
                      "stride": int(rng.choice([4, 8, 16, 32])),
                      "sizes": rng.uniform(8, 128, size=int(rng.integers(1, 4))),
                      "ratios": rng.uniform(0.25, 4, size=int(rng.integers(1, 4)))})
    return cases


def _anchor_ref(n_rows, n_cols, stride, sizes, ratios):
    return detection.generate_anchors(n_rows * stride, n_cols * stride, stride, sizes, ratios)


def _roi_cases(rng):
    cases = []
    for _ in range(5):
        c = int(rng.integers(1, 4))
        oh, ow = (int(v) for v in rng.integers(2, 5, size=2))
        # region sides that do not divide evenly, so the rule for the last bin matters
        rh = oh * int(rng.integers(1, 4)) + int(rng.integers(1, oh))
        rw = ow * int(rng.integers(1, 4)) + int(rng.integers(1, ow))
        y0, x0 = int(rng.integers(0, 4)), int(rng.integers(0, 4))
        h, w = y0 + rh + int(rng.integers(0, 3)), x0 + rw + int(rng.integers(0, 3))
        cases.append({"feature": rng.normal(size=(c, h, w)),
                      "roi": np.array([x0, y0, x0 + rw, y0 + rh]),
                      "output_size": np.array([oh, ow])})
    return cases


def _roi_ref(feature, roi, output_size):
    return detection.roi_max_pool(feature, roi, tuple(int(v) for v in output_size))


TASKS = {
    "box_iou": Task(_iou_cases, _iou_ref, rtol=1e-9, atol=1e-12, rules=NUMPY_NO_LOOPS),
    "nms": Task(_nms_cases, _nms_ref, rules=NUMPY_ONLY),
    "generate_anchors": Task(_anchor_cases, _anchor_ref, rtol=1e-9, atol=1e-9,
                             rules=NUMPY_NO_LOOPS),
    "roi_max_pool": Task(_roi_cases, _roi_ref, rtol=1e-12, atol=0.0, rules=NUMPY_ONLY),
}
