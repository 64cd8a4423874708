"""Loss functions with their gradients (Phần 2–3).

Each loss returns ``(loss, grad)``: the mean loss over the batch (a float) and its gradient with
respect to the first argument (the prediction, the probability or the logits), with the same
shape. "Mean" is over every element, as ``torch.nn.functional`` with ``reduction="mean"``, except
for the cross-entropies of several classes, which average over the samples.
"""

from __future__ import annotations

import numpy as np

from dlbook.errors import DlbookError, match_shape
from dlbook.scratch._checks import as_float_array, check_labels


def _pair(y_pred, y, name_pred="y_pred"):
    y_pred = as_float_array(y_pred, name_pred, check_finite=True)
    y = match_shape(y_pred, as_float_array(y, "y", check_finite=True), name_pred, "y")
    return y_pred, y.astype(y_pred.dtype, copy=False)


def mse_loss(y_pred, y, half: bool = False):
    """Mean squared error ``mean((ŷ − y)²)`` and its gradient ``2(ŷ − y)/n``.

    With ``half=True`` the loss is ``½·mean((ŷ − y)²)`` and the gradient ``(ŷ − y)/n``: the ½
    only removes the factor 2 from the gradient, the minimum is the same.
    """
    y_pred, y = _pair(y_pred, y)
    diff = y_pred - y
    scale = 0.5 if half else 1.0
    loss = scale * float(np.mean(diff * diff))
    return loss, (2.0 * scale / diff.size) * diff


def mae_loss(y_pred, y):
    """Mean absolute error ``mean|ŷ − y|`` and its (sub)gradient ``sign(ŷ − y)/n``."""
    y_pred, y = _pair(y_pred, y)
    diff = y_pred - y
    return float(np.mean(np.abs(diff))), np.sign(diff) / diff.size


def huber_loss(y_pred, y, delta: float = 1.0):
    """Huber loss: ``½d²`` where ``|d| ≤ delta``, ``delta·(|d| − ½delta)`` elsewhere (``d = ŷ − y``).

    Quadratic near the target like MSE, linear for outliers like MAE; the gradient is ``d``
    clipped to ``[−delta, delta]`` (divided by n).
    """
    if not delta > 0:
        raise DlbookError(f"`delta` phải là số dương, nhưng nhận được {delta!r}.")
    y_pred, y = _pair(y_pred, y)
    diff = y_pred - y
    absd = np.abs(diff)
    quad = absd <= delta
    loss = np.where(quad, 0.5 * diff * diff, delta * (absd - 0.5 * delta))
    return float(np.mean(loss)), np.clip(diff, -delta, delta) / diff.size


def binary_cross_entropy(p, y, eps: float = 1e-12):
    """Binary cross-entropy ``−mean(y·log p + (1 − y)·log(1 − p))`` from probabilities ``p``.

    ``p`` is clipped to ``[eps, 1 − eps]`` so that ``log 0`` never happens. The gradient with
    respect to ``p`` is ``(p − y) / (p(1 − p)) / n``. Prefer
    :func:`binary_cross_entropy_with_logits` when the model outputs a logit: it is exact where
    this one has to clip.
    """
    p, y = _pair(p, y, "p")
    if p.size and (p.min() < 0 or p.max() > 1):
        raise DlbookError(
            "`p` phải là xác suất trong [0, 1] (đầu ra của sigmoid); nếu đây là logit, hãy dùng "
            "`binary_cross_entropy_with_logits`."
        )
    pc = np.clip(p, eps, 1.0 - eps)
    loss = -np.mean(y * np.log(pc) + (1.0 - y) * np.log1p(-pc))
    return float(loss), (pc - y) / (pc * (1.0 - pc)) / p.size


def binary_cross_entropy_with_logits(z, y):
    """Binary cross-entropy from logits ``z`` (``p = σ(z)``), numerically stable.

    Uses ``log(1 + e^z) − y·z = max(z, 0) − y·z + log(1 + e^(−|z|))``, which never overflows;
    the gradient is ``(σ(z) − y)/n``.
    """
    z, y = _pair(z, y, "z")
    loss = np.maximum(z, 0) - z * y + np.log1p(np.exp(-np.abs(z)))
    e = np.exp(-np.abs(z))
    sig = np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))
    return float(np.mean(loss)), (sig - y) / z.size


def one_hot(y, num_classes: int | None = None):
    """Integer labels ``(N,)`` → one-hot matrix ``(N, num_classes)``.

    ``one_hot([5], 10)`` is ``[[0, 0, 0, 0, 0, 1, 0, 0, 0, 0]]``: the 1 sits at index 5
    (the sixth position, because indices start at 0).
    """
    y = check_labels(y, "y")
    if num_classes is None:
        num_classes = int(y.max()) + 1 if y.size else 0
    if y.size and (y.min() < 0 or y.max() >= num_classes):
        raise DlbookError(
            f"Nhãn phải nằm trong [0, {num_classes - 1}], nhưng có nhãn {int(y.min())}..{int(y.max())}."
        )
    out = np.zeros((len(y), num_classes))
    out[np.arange(len(y)), y] = 1.0
    return out


def log_softmax(z, axis: int = -1):
    """``log softmax(z)`` computed as ``z − max − log Σ e^(z − max)`` (no overflow, no log 0)."""
    z = as_float_array(z, "z")
    shifted = z - z.max(axis=axis, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=axis, keepdims=True))


def cross_entropy_with_logits(z, y):
    """Categorical cross-entropy from logits ``z`` of shape ``(N, K)``.

    ``y`` is either integer labels ``(N,)`` or a one-hot / probability matrix ``(N, K)``. The
    loss is ``−mean_n Σ_k y_nk log softmax(z_n)_k`` and the gradient ``(softmax(z) − y)/N``: the
    softmax and the log cancel, which is why frameworks fuse them.
    """
    z = as_float_array(z, "z", ndim=2, check_finite=True)
    n, k = z.shape
    logp = log_softmax(z)
    p = np.exp(logp)
    y_arr = np.asarray(y)
    if y_arr.ndim == 1:
        labels = check_labels(y_arr, "y", n)
        if labels.size and (labels.min() < 0 or labels.max() >= k):
            raise DlbookError(
                f"Nhãn `y` phải nằm trong [0, {k - 1}] (có {k} lớp), nhưng có nhãn "
                f"{int(labels.min())}..{int(labels.max())}."
            )
        idx = np.arange(n)
        loss = -float(np.mean(logp[idx, labels]))
        grad = p
        grad[idx, labels] -= 1.0
        return loss, grad / n
    target = as_float_array(y_arr, "y", shape=(n, k), check_finite=True)
    loss = -float(np.sum(target * logp) / n)
    return loss, (p - target) / n


__all__ = [
    "binary_cross_entropy",
    "binary_cross_entropy_with_logits",
    "cross_entropy_with_logits",
    "huber_loss",
    "log_softmax",
    "mae_loss",
    "mse_loss",
    "one_hot",
]
