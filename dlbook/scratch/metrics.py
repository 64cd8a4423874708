"""Evaluation metrics of the book, one module: regression and classification (Phần 2, chương 4–5),
detection (mAP, chương 16), segmentation (Dice, IoU, chương 17), sequences and text (exact match,
BLEU, chương 21–22) and generative models (mode coverage, chương 23). Array-likes and tensors
are accepted alike (tensors are read as numpy).

The functions take ``(y, y_pred)`` in that order, like scikit-learn, and agree with
``sklearn.metrics`` (the tests compare them). Two differences, both documented below: ``mape``
and ``mpe`` return percentages (as the book defines them), and ``precision``/``recall``/``f1``
return 0 instead of warning when their denominator is 0.
"""

from __future__ import annotations

import math
from collections import Counter

import numpy as np

from dlbook.errors import DlbookError, ShapeError, check_array, check_same_length, match_shape
from dlbook.scratch.detection import iou

# --------------------------------------------------------------------------- regression


def _regression_pair(y, y_pred):
    y = check_array(y, "y", ndim=(1, 2))
    y_pred = match_shape(y, check_array(y_pred, "y_pred", ndim=(1, 2)), "y", "y_pred")
    if len(y) == 0:
        raise DlbookError("`y` rỗng: cần ít nhất một mẫu để tính chỉ số đánh giá.")
    return y, y_pred


def mse(y, y_pred) -> float:
    """Mean squared error ``(1/n) Σ (y − ŷ)²``."""
    y, y_pred = _regression_pair(y, y_pred)
    return float(np.mean((y - y_pred) ** 2))


def mae(y, y_pred) -> float:
    """Mean absolute error ``(1/n) Σ |y − ŷ|``: less sensitive to outliers than MSE."""
    y, y_pred = _regression_pair(y, y_pred)
    return float(np.mean(np.abs(y - y_pred)))


def rmse(y, y_pred) -> float:
    """Root mean squared error ``√MSE``, in the unit of ``y``."""
    return float(np.sqrt(mse(y, y_pred)))


def r2_score(y, y_pred) -> float:
    """Coefficient of determination ``R² = 1 − SS_res / SS_tot``.

    1 is a perfect fit, 0 is as good as predicting the mean, and it is **negative** when the
    model is worse than the mean (which happens on test data): R² is not bounded below by 0.
    """
    y, y_pred = _regression_pair(y, y_pred)
    ss_res = np.sum((y - y_pred) ** 2, axis=0)
    ss_tot = np.sum((y - y.mean(axis=0)) ** 2, axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        r2 = np.where(ss_tot > 0, 1.0 - ss_res / np.where(ss_tot > 0, ss_tot, 1.0),
                      np.where(ss_res > 0, 0.0, 1.0))
    return float(np.mean(r2))


def adjusted_r2(y, y_pred, n_features: int) -> float:
    """Adjusted R² ``1 − (1 − R²)(n − 1)/(n − k − 1)`` with ``k = n_features``.

    Unlike R² it does not grow by itself when useless features are added.
    """
    y, y_pred = _regression_pair(y, y_pred)
    n = len(y)
    if not isinstance(n_features, (int, np.integer)) or n_features < 0:
        raise DlbookError(f"`n_features` phải là số nguyên không âm, nhưng nhận được {n_features!r}.")
    if n - n_features - 1 <= 0:
        raise DlbookError(
            f"R² hiệu chỉnh cần số mẫu n > số đặc trưng k + 1, nhưng n = {n}, k = {n_features}."
        )
    return 1.0 - (1.0 - r2_score(y, y_pred)) * (n - 1) / (n - n_features - 1)


def _check_nonzero(y):
    if np.any(y == 0):
        raise DlbookError(
            "MAPE/MPE chia cho giá trị thật `y`, nhưng `y` có phần tử bằng 0; hãy dùng MAE hoặc RMSE."
        )


def mape(y, y_pred) -> float:
    """Mean absolute percentage error ``(100/n) Σ |y − ŷ| / |y|``, in percent.

    (``sklearn.metrics.mean_absolute_percentage_error`` returns the same number divided by
    100.) Undefined when some ``y`` is 0, so that raises an error.
    """
    y, y_pred = _regression_pair(y, y_pred)
    _check_nonzero(y)
    return float(100.0 * np.mean(np.abs(y - y_pred) / np.abs(y)))


def mpe(y, y_pred) -> float:
    """Mean percentage error ``(100/n) Σ (y − ŷ) / y``, in percent.

    The sign keeps the direction of the errors: with this definition a **positive** MPE means
    the model predicts *below* the true values on average (under-forecast), a negative MPE that
    it predicts above them. Errors of opposite sign cancel, so MPE measures bias, not accuracy.
    """
    y, y_pred = _regression_pair(y, y_pred)
    _check_nonzero(y)
    return float(100.0 * np.mean((y - y_pred) / y))


# ----------------------------------------------------------------------- classification


def _label_pair(y, y_pred):
    y = np.asarray(y)
    y_pred = np.asarray(y_pred)
    if y.ndim != 1 or y_pred.ndim != 1:
        raise ShapeError(
            f"`y` và `y_pred` phải là mảng nhãn 1 chiều, nhưng nhận được {y.shape} và {y_pred.shape}."
        )
    check_same_length(y, y_pred, "y", "y_pred")
    if len(y) == 0:
        raise DlbookError("`y` rỗng: cần ít nhất một mẫu để tính chỉ số đánh giá.")
    return y, y_pred


def confusion_matrix(y, y_pred, labels=None) -> np.ndarray:
    """Confusion matrix ``C[i, j]`` = number of samples of true class ``labels[i]`` predicted as
    ``labels[j]`` (rows: truth, columns: prediction, as scikit-learn).

    For two classes ``0, 1`` this is ``[[TN, FP], [FN, TP]]``.
    """
    y, y_pred = _label_pair(y, y_pred)
    labels = np.union1d(y, y_pred) if labels is None else np.asarray(labels)
    index = {label: i for i, label in enumerate(labels.tolist())}
    k = len(labels)
    ti = np.array([index.get(v, -1) for v in y.tolist()])
    pi = np.array([index.get(v, -1) for v in y_pred.tolist()])
    keep = (ti >= 0) & (pi >= 0)
    cm = np.zeros((k, k), dtype=np.int64)
    np.add.at(cm, (ti[keep], pi[keep]), 1)
    return cm


def accuracy(y, y_pred) -> float:
    """Fraction of correct predictions."""
    y, y_pred = _label_pair(y, y_pred)
    return float(np.mean(y == y_pred))


def _safe_div(num, den):
    num = np.asarray(num, dtype=float)
    den = np.asarray(den, dtype=float)
    return np.divide(num, den, out=np.zeros_like(num), where=den > 0)


def _prf(y, y_pred, pos_label, average):
    y, y_pred = _label_pair(y, y_pred)
    if average == "binary":
        tp = np.sum((y == pos_label) & (y_pred == pos_label))
        fp = np.sum((y != pos_label) & (y_pred == pos_label))
        fn = np.sum((y == pos_label) & (y_pred != pos_label))
        return float(tp), float(fp), float(fn), None
    if average not in ("macro", "micro", "weighted"):
        raise DlbookError(
            f"`average` phải là 'binary', 'macro', 'micro' hoặc 'weighted', nhưng nhận được {average!r}."
        )
    cm = confusion_matrix(y, y_pred)
    tp = np.diag(cm).astype(float)
    fp = cm.sum(axis=0) - tp
    fn = cm.sum(axis=1) - tp
    return tp, fp, fn, cm.sum(axis=1)


def _average(values, tp, fp, fn, support, average, kind):
    if average == "binary":
        return float(values)
    if average == "macro":
        return float(np.mean(values))
    if average == "weighted":
        return float(np.sum(values * support) / np.sum(support))
    # micro: pool the counts of every class
    tp, fp, fn = tp.sum(), fp.sum(), fn.sum()
    if kind == "precision":
        return float(_safe_div(tp, tp + fp))
    if kind == "recall":
        return float(_safe_div(tp, tp + fn))
    return float(_safe_div(2 * tp, 2 * tp + fp + fn))


def precision(y, y_pred, pos_label=1, average: str = "binary") -> float:
    """Precision ``TP / (TP + FP)``: of the samples predicted positive, how many are.

    ``average`` is ``"binary"`` (class ``pos_label`` only) or, for several classes, ``"macro"``,
    ``"micro"``, ``"weighted"`` as in scikit-learn. 0 when nothing is predicted positive.
    """
    tp, fp, fn, support = _prf(y, y_pred, pos_label, average)
    return _average(_safe_div(tp, tp + fp), tp, fp, fn, support, average, "precision")


def recall(y, y_pred, pos_label=1, average: str = "binary") -> float:
    """Recall (sensitivity, TPR) ``TP / (TP + FN)``: of the positive samples, how many are found."""
    tp, fp, fn, support = _prf(y, y_pred, pos_label, average)
    return _average(_safe_div(tp, tp + fn), tp, fp, fn, support, average, "recall")


def f1_score(y, y_pred, pos_label=1, average: str = "binary") -> float:
    """F1 = harmonic mean of precision and recall = ``2TP / (2TP + FP + FN)``."""
    tp, fp, fn, support = _prf(y, y_pred, pos_label, average)
    return _average(_safe_div(2 * tp, 2 * tp + fp + fn), tp, fp, fn, support, average, "f1")


def tpr_fpr(y, y_pred, pos_label=1):
    """``(TPR, FPR)`` of hard predictions: ``TP/(TP + FN)`` and ``FP/(FP + TN)``."""
    y, y_pred = _label_pair(y, y_pred)
    pos = y == pos_label
    pred = y_pred == pos_label
    tpr = _safe_div(np.sum(pos & pred), np.sum(pos))
    fpr = _safe_div(np.sum(~pos & pred), np.sum(~pos))
    return float(tpr), float(fpr)


def _binary_scores(y, scores, pos_label):
    y = np.asarray(y)
    scores = check_array(scores, "scores", ndim=1)
    if y.ndim != 1:
        raise ShapeError(f"`y` phải là mảng nhãn 1 chiều, nhưng nhận được {y.shape}.")
    check_same_length(y, scores, "y", "scores")
    if pos_label is None:
        classes = np.unique(y)
        if len(classes) > 2:
            raise DlbookError(
                f"Đường ROC cần bài toán hai lớp, nhưng `y` có {len(classes)} lớp: {classes[:5]}."
            )
        pos_label = 1 if (len(classes) < 2 or 1 in classes.tolist()) else classes[-1]
    positive = y == pos_label
    if positive.all() or (~positive).all():
        raise DlbookError("Đường ROC cần cả mẫu dương lẫn mẫu âm trong `y`.")
    return positive, scores


def roc_curve(y, scores, pos_label=None, drop_intermediate: bool = True):
    """ROC curve: ``(fpr, tpr, thresholds)`` for every distinct threshold, highest first.

    A sample is predicted positive when ``score >= threshold``. The first threshold is ``+inf``
    (nothing positive, the point (0, 0)); the last one gives (1, 1). With
    ``drop_intermediate=True`` points on a straight segment are removed, exactly as
    ``sklearn.metrics.roc_curve`` does; the curve and its area do not change.
    """
    positive, scores = _binary_scores(y, scores, pos_label)
    order = np.argsort(-scores, kind="mergesort")
    s = scores[order]
    pos = positive[order].astype(float)
    # the last index of every run of equal scores
    distinct = np.where(np.diff(s))[0]
    ends = np.r_[distinct, len(s) - 1]
    tps = np.cumsum(pos)[ends]
    fps = (ends + 1) - tps
    thresholds = s[ends]
    if drop_intermediate and len(fps) > 2:
        keep = np.where(np.r_[True, np.logical_or(np.diff(fps, 2), np.diff(tps, 2)), True])[0]
        fps, tps, thresholds = fps[keep], tps[keep], thresholds[keep]
    tps = np.r_[0.0, tps]
    fps = np.r_[0.0, fps]
    thresholds = np.r_[np.inf, thresholds]
    return fps / fps[-1], tps / tps[-1], thresholds


def auc(x, y) -> float:
    """Area under a curve given by points ``(x, y)`` with the trapezoidal rule (x monotonic)."""
    x = check_array(x, "x", ndim=1)
    y = check_array(y, "y", ndim=1)
    check_same_length(x, y, "x", "y")
    if len(x) < 2:
        raise DlbookError(f"Cần ít nhất 2 điểm để tính diện tích, nhưng chỉ có {len(x)}.")
    dx = np.diff(x)
    if np.all(dx <= 0):
        direction = -1.0
    elif np.all(dx >= 0):
        direction = 1.0
    else:
        raise DlbookError("`x` phải tăng dần hoặc giảm dần để tính diện tích dưới đường cong.")
    return float(direction * np.sum(dx * (y[1:] + y[:-1]) / 2.0))


def roc_auc_score(y, scores, pos_label=None) -> float:
    """Area under the ROC curve: the probability that a random positive sample gets a higher
    score than a random negative one (ties count one half)."""
    fpr, tpr, _ = roc_curve(y, scores, pos_label=pos_label, drop_intermediate=False)
    return auc(fpr, tpr)


# --------------------------------------------------------------------------- detection


def average_precision(recall, precision) -> float:
    """Area under the precision–recall curve with all-point interpolation (VOC 2010+)."""
    r = np.concatenate([[0.0], np.asarray(recall, float), [1.0]])
    p = np.concatenate([[0.0], np.asarray(precision, float), [0.0]])
    p = np.maximum.accumulate(p[::-1])[::-1]  # precision envelope: max to the right
    steps = np.flatnonzero(r[1:] != r[:-1])
    return float(np.sum((r[steps + 1] - r[steps]) * p[steps + 1]))


def mean_average_precision(predictions, ground_truths, num_classes: int | None = None,
                           iou_threshold: float = 0.5):
    """VOC mAP. Returns ``(mAP, {class: AP})``; classes without ground truth are left out.

    ``predictions``: per image ``{"boxes", "scores", "labels"}``; ``ground_truths``: per image
    ``{"boxes", "labels"}`` (what ``make_shapes_detection`` returns).
    """
    if len(predictions) != len(ground_truths):
        raise DlbookError(f"Có {len(predictions)} ảnh dự đoán nhưng {len(ground_truths)} ảnh "
                          "nhãn thật; hai danh sách phải cùng độ dài.")
    if num_classes is None:
        labels = [np.asarray(g["labels"]) for g in ground_truths] + \
                 [np.asarray(p["labels"]) for p in predictions]
        num_classes = 1 + max((int(x.max()) for x in labels if x.size), default=-1)
    aps = {}
    for c in range(num_classes):
        gts = {i: np.asarray(g["boxes"], float).reshape(-1, 4)[np.asarray(g["labels"]) == c]
               for i, g in enumerate(ground_truths)}
        n_gt = sum(len(b) for b in gts.values())
        if n_gt == 0:
            continue
        dets = [(float(s), i, np.asarray(b, float))
                for i, p in enumerate(predictions)
                for b, s, lab in zip(np.asarray(p["boxes"]).reshape(-1, 4), p["scores"], p["labels"])
                if lab == c]
        dets.sort(key=lambda d: -d[0])
        matched = {i: np.zeros(len(b), bool) for i, b in gts.items()}
        tp = np.zeros(len(dets))
        for k, (_, i, box) in enumerate(dets):
            if len(gts[i]):
                overlaps = iou(box[None], gts[i])[0]
                best = int(np.argmax(overlaps))
                if overlaps[best] >= iou_threshold and not matched[i][best]:
                    matched[i][best] = True
                    tp[k] = 1
        cum_tp = np.cumsum(tp)
        recall = cum_tp / n_gt
        precision = cum_tp / np.arange(1, len(dets) + 1)
        aps[c] = average_precision(recall, precision)
    m = float(np.mean(list(aps.values()))) if aps else 0.0
    return m, aps


# --------------------------------------------------------------------------- segmentation


def _numpy(x) -> np.ndarray:
    """A numpy view of an array, a list or a (CPU or GPU) tensor."""
    if hasattr(x, "detach"):
        x = x.detach().cpu().numpy()
    return np.asarray(x)


def _as_mask(x, threshold) -> np.ndarray:
    x = _numpy(x)
    return x if x.dtype == bool else x > threshold


def _mask_pair(pred, target, threshold):
    p, t = _as_mask(pred, threshold), _as_mask(target, 0.5)
    if p.shape != t.shape:
        raise ShapeError(f"Mặt nạ dự đoán {tuple(p.shape)} và mặt nạ thật "
                         f"{tuple(t.shape)} phải cùng kích thước.")
    return p, t


def dice_score(pred, target, threshold: float = 0.5, eps: float = 1e-7) -> float:
    """Dice of two binary masks (probabilities are cut at ``threshold``), over the whole batch."""
    p, t = _mask_pair(pred, target, threshold)
    inter = int((p & t).sum())
    return (2 * inter + eps) / (int(p.sum()) + int(t.sum()) + eps)


def iou_score(pred, target, threshold: float = 0.5, eps: float = 1e-7) -> float:
    """Intersection over union (Jaccard index) of two binary masks, over the whole batch."""
    p, t = _mask_pair(pred, target, threshold)
    inter = int((p & t).sum())
    return (inter + eps) / (int((p | t).sum()) + eps)


# --------------------------------------------------------------------------- sequences and text


def sequence_accuracy(pred, target, end_id: int, pad_idx: int = 0) -> float:
    """Share of rows whose tokens up to ``end_id`` equal the target's (exact match)."""
    def cut(row):
        row = [int(x) for x in row if int(x) != pad_idx]
        return row[: row.index(end_id)] if end_id in row else row

    pred, target = np.asarray(pred), np.asarray(target)
    if len(pred) != len(target):
        raise DlbookError(f"Có {len(pred)} dự đoán nhưng {len(target)} đáp án.")
    return float(np.mean([cut(p) == cut(t) for p, t in zip(pred, target)]))


def _ngrams(tokens, n):
    return Counter(tuple(tokens[i : i + n]) for i in range(len(tokens) - n + 1))


def bleu_score(references, hypotheses, max_n: int = 4) -> float:
    """Corpus BLEU (Papineni et al., 2002) with uniform weights over 1…``max_n``-grams.

    ``references``: per hypothesis a list of reference token lists (or strings);
    ``hypotheses``: token lists (or strings). Clipped n-gram precisions, geometric mean,
    brevity penalty ``exp(1 − r/c)`` when the candidates are shorter than the closest
    references. ``max_n=1`` gives BLEU-1.
    """
    split = lambda s: s.split() if isinstance(s, str) else list(s)  # noqa: E731
    if len(references) != len(hypotheses):
        raise DlbookError(f"Có {len(hypotheses)} câu dự đoán nhưng {len(references)} bộ câu tham chiếu.")
    matches, totals = np.zeros(max_n), np.zeros(max_n)
    hyp_len = ref_len = 0
    for refs, hyp in zip(references, hypotheses):
        refs, hyp = [split(r) for r in refs], split(hyp)
        hyp_len += len(hyp)
        ref_len += min((len(r) for r in refs), key=lambda L: (abs(L - len(hyp)), L))
        for n in range(1, max_n + 1):
            counts = _ngrams(hyp, n)
            max_ref = Counter()
            for r in refs:
                max_ref |= _ngrams(r, n)
            matches[n - 1] += sum(min(c, max_ref[g]) for g, c in counts.items())
            totals[n - 1] += max(len(hyp) - n + 1, 0)
    if hyp_len == 0 or np.any(matches == 0):
        return 0.0
    log_precision = np.mean(np.log(matches / totals))
    bp = 1.0 if hyp_len > ref_len else math.exp(1 - ref_len / hyp_len)
    return float(bp * math.exp(log_precision))


# --------------------------------------------------------------------------- generative models


def mode_coverage(samples, centres, std: float = 0.05, k: float = 3.0):
    """For ``ring_of_gaussians``: how many modes receive a sample within ``k·std`` of their
    centre, and the share of samples that are that close to some mode ("high quality")."""
    s = _numpy(samples).astype(float)
    d = np.linalg.norm(s[:, None, :] - np.asarray(centres)[None], axis=-1)
    close = d.min(axis=1) <= k * std
    covered = np.unique(d.argmin(axis=1)[close])
    return int(len(covered)), float(close.mean())


__all__ = [
    "accuracy",
    "average_precision",
    "bleu_score",
    "dice_score",
    "iou_score",
    "mean_average_precision",
    "mode_coverage",
    "sequence_accuracy",
    "adjusted_r2",
    "auc",
    "confusion_matrix",
    "f1_score",
    "mae",
    "mape",
    "mpe",
    "mse",
    "precision",
    "r2_score",
    "recall",
    "rmse",
    "roc_auc_score",
    "roc_curve",
    "tpr_fpr",
]
