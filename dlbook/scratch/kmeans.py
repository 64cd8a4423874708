"""K-means clustering, Lloyd's algorithm (Phần 2, chương 6).

Repeat until the centres stop moving: (1) assign each point to its nearest centre; (2) move
each centre to the mean of its points. Every iteration lowers (or keeps) the inertia
``Σ ‖x − c(x)‖²``, so it converges, but to a local minimum that depends on the initial centres:
``init="k-means++"`` (spread-out random start), ``"random"`` (random data points) or an array of
centres. With the same initial centres it gives the same result as ``sklearn.cluster.KMeans``.
"""

from __future__ import annotations

import numpy as np
from sklearn.base import BaseEstimator, ClusterMixin, TransformerMixin

from dlbook.errors import DlbookError, check_array, check_fitted, check_positive
from dlbook.scratch._checks import make_rng


def _sq_distances(X, C):
    d2 = (X * X).sum(1)[:, None] - 2.0 * X @ C.T + (C * C).sum(1)[None, :]
    return np.maximum(d2, 0.0)


class KMeans(ClusterMixin, TransformerMixin, BaseEstimator):
    """K-means. Learned: ``cluster_centers_`` (k, d), ``labels_`` (n,), ``inertia_``,
    ``n_iter_``, ``history_`` (one dict ``{"centers", "labels"}`` per iteration: the centres
    used for that assignment and the labels it produced; the first entry holds the initial
    centres)."""

    def __init__(self, n_clusters: int = 3, max_iter: int = 300, tol: float = 1e-4, seed=0,
                 record_history: bool = True, init="k-means++"):
        self.n_clusters = n_clusters
        self.max_iter = max_iter
        self.tol = tol
        self.seed = seed
        self.init = init
        self.record_history = record_history

    def _initial_centers(self, X, rng):
        k = self.n_clusters
        if isinstance(self.init, str):
            if self.init == "random":
                return X[rng.choice(len(X), size=k, replace=False)].copy()
            if self.init == "k-means++":
                centers = [X[rng.integers(len(X))]]
                d2 = _sq_distances(X, np.array(centers))[:, 0]
                for _ in range(1, k):
                    total = d2.sum()
                    i = rng.choice(len(X), p=d2 / total) if total > 0 else rng.integers(len(X))
                    centers.append(X[i])
                    d2 = np.minimum(d2, _sq_distances(X, X[i:i + 1])[:, 0])
                return np.array(centers)
            raise DlbookError(
                f"`init` phải là 'k-means++', 'random' hoặc một mảng tâm cụm, nhưng nhận được {self.init!r}."
            )
        return check_array(self.init, "init", shape=(k, X.shape[1]), copy=True)

    def fit(self, X, y=None):
        check_positive(self.n_clusters, "n_clusters", integer=True)
        check_positive(self.max_iter, "max_iter", integer=True)
        check_positive(self.tol, "tol", allow_zero=True)
        X = check_array(X, "X", ndim=2)
        if len(X) < self.n_clusters:
            raise DlbookError(
                f"Số cụm ({self.n_clusters}) lớn hơn số điểm dữ liệu ({len(X)})."
            )
        rng = make_rng(self.seed)
        C = self._initial_centers(X, rng)
        # tolerance relative to the spread of the data, as scikit-learn
        tol = self.tol * float(np.mean(X.var(axis=0)))
        history = []
        labels = None
        for it in range(1, self.max_iter + 1):
            d2 = _sq_distances(X, C)
            new_labels = d2.argmin(axis=1)
            if self.record_history:
                history.append({"centers": C.copy(), "labels": new_labels.copy()})
            if labels is not None and np.array_equal(new_labels, labels):
                labels = new_labels
                break
            labels = new_labels
            C_new = C.copy()
            for j in range(self.n_clusters):
                members = labels == j
                if members.any():
                    C_new[j] = X[members].mean(axis=0)
                else:  # an empty cluster takes the point farthest from its centre
                    far = int(np.argmax(d2[np.arange(len(X)), labels]))
                    C_new[j] = X[far]
            shift = float(np.sum((C_new - C) ** 2))
            C = C_new
            if shift <= tol:
                labels = _sq_distances(X, C).argmin(axis=1)
                break
        self.n_iter_ = it
        self.cluster_centers_ = C
        self.labels_ = labels
        self.inertia_ = float(np.sum((X - C[labels]) ** 2))
        self.history_ = history
        self.n_features_in_ = X.shape[1]
        return self

    def predict(self, X):
        """Index of the nearest centre for each point."""
        check_fitted(self, "cluster_centers_")
        X = check_array(X, "X", shape=("N", self.n_features_in_))
        return _sq_distances(X, self.cluster_centers_).argmin(axis=1)

    def fit_predict(self, X, y=None):
        return self.fit(X).labels_

    def transform(self, X):
        """Distance of each point to each centre, ``(N, k)``."""
        check_fitted(self, "cluster_centers_")
        X = check_array(X, "X", shape=("N", self.n_features_in_))
        return np.sqrt(_sq_distances(X, self.cluster_centers_))


__all__ = ["KMeans"]
