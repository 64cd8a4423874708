"""Training curves (loss and metrics per epoch) and the ROC curve."""

from __future__ import annotations

import matplotlib.pyplot as plt

METRIC_LABELS = {"accuracy": "Độ chính xác", "mae": "MAE", "mse": "MSE", "loss": "Hàm mất mát"}


def _series(history) -> dict:
    if hasattr(history, "as_dict"):
        return history.as_dict()
    if isinstance(history, dict):
        return {("train_loss" if k == "loss" else k): list(v) for k, v in history.items()}
    raise TypeError(f"`history` phải là History hoặc dict, nhưng nhận được {type(history).__name__}.")


def plot_history(history, metrics=None, figsize=None):
    """Loss (and each metric) per epoch, training and validation, one panel each.

    ``history`` is a :class:`dlbook.train.History` or a dict such as the one returned by
    ``dlbook.scratch.Sequential.fit`` (``{"loss": [...], "val_loss": [...], ...}``).
    ``metrics`` picks the metric panels (default: all metrics found).
    """
    data = _series(history)
    if metrics is None:
        metrics = [k for k in data if k not in ("train_loss", "val_loss") and not k.startswith("val_")]
    panels = ["loss", *metrics]
    fig, axes = plt.subplots(1, len(panels), figsize=figsize or (4.5 * len(panels), 3.5), squeeze=False)
    for ax, name in zip(axes[0], panels):
        train_key = "train_loss" if name == "loss" else name
        val_key = "val_" + name
        for key, label, style in ((train_key, "tập huấn luyện", "-o"), (val_key, "tập kiểm định", "-s")):
            if data.get(key):
                values = data[key]
                ax.plot(range(1, len(values) + 1), values, style, markersize=3, label=label)
        ax.set_xlabel("Epoch")
        ax.set_ylabel(METRIC_LABELS.get(name, name))
        ax.grid(alpha=0.3)
        ax.legend()
    fig.tight_layout()
    return fig


def plot_roc(fpr, tpr, auc=None, ax=None, label=None):
    """The ROC curve (TPR against FPR) with the diagonal of a random classifier; AUC in the legend."""
    if ax is None:
        fig, ax = plt.subplots(figsize=(4.5, 4.5))
    name = label or "mô hình"
    if auc is not None:
        name += f" (AUC = {auc:.3f})"
    ax.plot(fpr, tpr, lw=2, label=name)
    ax.plot([0, 1], [0, 1], "--", color="grey", label="đoán ngẫu nhiên")
    ax.set_xlabel("Tỉ lệ dương tính giả (FPR)")
    ax.set_ylabel("Tỉ lệ dương tính thật (TPR)")
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1.02)
    ax.legend(loc="lower right")
    ax.grid(alpha=0.3)
    return ax.figure
