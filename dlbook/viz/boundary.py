"""Decision boundaries of 2-D classifiers."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from dlbook.errors import check_array, check_same_length
from dlbook.viz._util import to_numpy


def plot_decision_boundary(predict_fn, X, y, ax=None, resolution: int = 200, padding: float = 0.5,
                           class_names=None, title=None):
    """Colour the plane by the class ``predict_fn`` gives and draw the points ``X`` coloured by ``y``.

    ``predict_fn`` takes an ``(M, 2)`` numpy array and returns ``M`` class labels (or, for a
    binary model, probabilities of class 1, which are thresholded at 0.5); it may return a
    tensor. Works with ``model.predict`` of the scratch estimators or a lambda around a PyTorch
    model.
    """
    X = check_array(X, "X", ndim=2, shape=("N", 2))
    y = to_numpy(y).reshape(-1)
    check_same_length(X, y, "X", "y")
    if ax is None:
        _, ax = plt.subplots(figsize=(5, 4.5))
    x_min, x_max = X[:, 0].min() - padding, X[:, 0].max() + padding
    y_min, y_max = X[:, 1].min() - padding, X[:, 1].max() + padding
    xx, yy = np.meshgrid(np.linspace(x_min, x_max, resolution), np.linspace(y_min, y_max, resolution))
    grid = np.c_[xx.ravel(), yy.ravel()]
    z = to_numpy(predict_fn(grid)).reshape(len(grid), -1)
    if z.shape[1] > 1:  # scores per class
        z = z.argmax(1)
    else:
        z = z[:, 0]
        if np.issubdtype(z.dtype, np.floating) and not np.all(np.mod(z, 1) == 0):
            z = (z >= 0.5).astype(int)
    classes = np.unique(np.concatenate([np.unique(y), np.unique(z)])).astype(int)
    levels = np.arange(classes.min(), classes.max() + 2) - 0.5
    ax.contourf(xx, yy, z.reshape(xx.shape), levels=levels, cmap="coolwarm", alpha=0.3)
    scatter = ax.scatter(X[:, 0], X[:, 1], c=y, cmap="coolwarm", edgecolors="k", s=25,
                         vmin=classes.min(), vmax=classes.max())
    handles, labels = scatter.legend_elements()
    if class_names is not None:
        labels = [str(class_names[int(c)]) for c in np.unique(y)]
    ax.legend(handles, labels, title="Lớp", loc="best")
    ax.set_xlim(x_min, x_max)
    ax.set_ylim(y_min, y_max)
    if title:
        ax.set_title(title)
    return ax.figure
