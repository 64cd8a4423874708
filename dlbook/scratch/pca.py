"""Principal component analysis (Phần 2, chương 6), in the seven steps of the book:

1. centre the data (subtract the mean of each feature, learned on the training data);
2. covariance matrix ``S = XcᵀXc / (n − 1)``;
3. eigenvalues and eigenvectors of ``S`` (symmetric, so ``np.linalg.eigh``);
4. sort them by decreasing eigenvalue;
5. keep the first ``n_components`` eigenvectors (the principal directions, rows of
   ``components_``);
6. project: ``Z = Xc · componentsᵀ``;
7. reconstruct: ``X̂ = Z · components + mean``.

The eigenvalues are the variances along the directions (``explained_variance_``);
``explained_variance_ratio_`` divides them by the total variance. The sign of an eigenvector is
arbitrary; here each component is flipped so that its largest-magnitude entry is positive.
"""

from __future__ import annotations

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin

from dlbook.errors import DlbookError, check_array, check_fitted


class PCA(TransformerMixin, BaseEstimator):
    """PCA with ``n_components`` an int (number of directions), a float in (0, 1) (the fewest
    directions that explain that fraction of the variance) or ``None`` (all)."""

    def __init__(self, n_components=None):
        self.n_components = n_components

    def fit(self, X, y=None):
        X = check_array(X, "X", ndim=2)
        n, d = X.shape
        if n < 2:
            raise DlbookError("PCA cần ít nhất 2 mẫu.")
        self.mean_ = X.mean(axis=0)
        Xc = X - self.mean_
        cov = Xc.T @ Xc / (n - 1)
        eigvals, eigvecs = np.linalg.eigh(cov)
        order = np.argsort(eigvals)[::-1]
        eigvals = np.clip(eigvals[order], 0.0, None)
        eigvecs = eigvecs[:, order].T  # rows are the directions
        signs = np.sign(eigvecs[np.arange(d), np.argmax(np.abs(eigvecs), axis=1)])
        eigvecs *= np.where(signs == 0, 1.0, signs)[:, None]
        total = eigvals.sum()
        ratio = eigvals / total if total > 0 else np.zeros_like(eigvals)
        k = self._n_kept(ratio, d)
        self.covariance_ = cov
        self.components_ = eigvecs[:k]
        self.explained_variance_ = eigvals[:k]
        self.explained_variance_ratio_ = ratio[:k]
        self.n_components_ = k
        self.n_features_in_ = d
        return self

    def _n_kept(self, ratio, d):
        m = self.n_components
        if m is None:
            return d
        if isinstance(m, (float, np.floating)) and 0 < m < 1:
            return int(min(np.searchsorted(np.cumsum(ratio), m, side="right") + 1, d))
        if isinstance(m, (int, np.integer)) and not isinstance(m, bool) and 1 <= m <= d:
            return int(m)
        raise DlbookError(
            f"`n_components` phải là số nguyên trong [1, {d}], tỉ lệ trong (0, 1) hoặc None, "
            f"nhưng nhận được {m!r}."
        )

    def transform(self, X):
        """Coordinates in the principal directions, ``(N, n_components)``."""
        check_fitted(self, "components_")
        X = check_array(X, "X", shape=("N", self.n_features_in_))
        return (X - self.mean_) @ self.components_.T

    def fit_transform(self, X, y=None):
        return self.fit(X).transform(X)

    def inverse_transform(self, Z):
        """Back to the original space: ``Z · components + mean`` (exact when nothing was
        dropped, the best least-squares approximation otherwise)."""
        check_fitted(self, "components_")
        Z = check_array(Z, "Z", shape=("N", self.n_components_))
        return Z @ self.components_ + self.mean_


__all__ = ["PCA"]
