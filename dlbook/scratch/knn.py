"""k-nearest neighbours classifier (Phần 2, chương 6).

There is no training: ``fit`` stores the data. ``predict`` finds the ``k`` training points
closest to each query and takes a majority vote; a tie goes to the smallest class label (as
scikit-learn does). Euclidean distances are computed for a block of queries at once with one
matrix product, ``‖a − b‖² = ‖a‖² − 2a·b + ‖b‖²``; Manhattan distances with
``scipy.spatial.distance.cdist``.
"""

from __future__ import annotations

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from scipy.spatial.distance import cdist

from dlbook.errors import DlbookError, check_array, check_fitted, check_positive, check_same_length

METRICS = ("euclidean", "manhattan")


class KNNClassifier(ClassifierMixin, BaseEstimator):
    """``k``-NN with ``metric="euclidean"`` or ``"manhattan"``. Learned: ``X_``, ``y_``,
    ``classes_``."""

    def __init__(self, k: int = 5, metric: str = "euclidean"):
        self.k = k
        self.metric = metric

    def fit(self, X, y):
        check_positive(self.k, "k", integer=True)
        if self.metric not in METRICS:
            raise DlbookError(f"`metric` phải là một trong {METRICS}, nhưng nhận được {self.metric!r}.")
        X = check_array(X, "X", ndim=2)
        y = np.asarray(y)
        if y.ndim != 1:
            raise DlbookError(f"`y` phải là mảng nhãn 1 chiều, nhưng nhận được {y.shape}.")
        check_same_length(X, y, "X", "y")
        if self.k > len(X):
            raise DlbookError(f"k = {self.k} lớn hơn số mẫu huấn luyện ({len(X)}).")
        self.X_ = X
        self.y_ = y
        self.classes_, self._y_idx = np.unique(y, return_inverse=True)
        return self

    def _distances(self, Q):
        if self.metric == "euclidean":
            d2 = (Q * Q).sum(1)[:, None] - 2.0 * Q @ self.X_.T + (self.X_ * self.X_).sum(1)[None, :]
            return np.sqrt(np.maximum(d2, 0.0))
        # Σ|a − b| has no such shortcut; scipy's C loop avoids an (n_q, n_train, d) temporary
        return cdist(Q, self.X_, metric="cityblock")

    def kneighbors(self, X, block=None):
        """``(distances, indices)`` of the ``k`` nearest training points, nearest first.

        Queries are processed ``block`` at a time (by default as many as keep the distance
        matrix around 20 million numbers)."""
        check_fitted(self, "X_")
        X = check_array(X, "X", ndim=2)
        if X.shape[1] != self.X_.shape[1]:
            raise DlbookError(
                f"`X` phải có {self.X_.shape[1]} đặc trưng như dữ liệu huấn luyện, nhưng có {X.shape[1]}."
            )
        if block is None:
            block = max(1, int(2e7 // max(len(self.X_), 1)))
        dists, idxs = [], []
        for s in range(0, len(X), block):
            D = self._distances(X[s:s + block])
            part = np.argpartition(D, self.k - 1, axis=1)[:, :self.k]
            dpart = np.take_along_axis(D, part, axis=1)
            order = np.lexsort((part, dpart), axis=1)  # by distance, then by index
            idxs.append(np.take_along_axis(part, order, axis=1))
            dists.append(np.take_along_axis(dpart, order, axis=1))
        return np.concatenate(dists), np.concatenate(idxs)

    def predict_proba(self, X):
        """Fraction of the ``k`` neighbours in each class, columns in ``classes_`` order."""
        _, idx = self.kneighbors(X)
        votes = self._y_idx[idx]
        counts = np.zeros((len(idx), len(self.classes_)))
        np.add.at(counts, (np.repeat(np.arange(len(idx)), self.k), votes.ravel()), 1.0)
        return counts / self.k

    def predict(self, X):
        """Majority vote of the ``k`` nearest neighbours."""
        return self.classes_[np.argmax(self.predict_proba(X), axis=1)]

    def score(self, X, y):
        """Accuracy on ``(X, y)``."""
        return float(np.mean(self.predict(X) == np.asarray(y)))


__all__ = ["KNNClassifier"]
