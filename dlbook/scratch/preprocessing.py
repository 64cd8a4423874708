"""Scaling and splitting (Phần 2, chương 4).

Fit a scaler on the **training** data only and apply the same transformation to the test data;
fitting it on everything leaks information about the test set into training.
"""

from __future__ import annotations

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin

from dlbook.errors import DlbookError, check_array, check_fitted, check_same_length


class _Scaler(TransformerMixin, BaseEstimator):
    """Shared input check; scikit-learn's transformer contract (works in a ``Pipeline``)."""

    def _X(self, X, fitted=False):
        X = check_array(X, "X", ndim=(1, 2))
        X2 = X.reshape(-1, 1) if X.ndim == 1 else X
        if fitted and X2.shape[1] != self.n_features_in_:
            raise DlbookError(
                f"{type(self).__name__} được fit với {self.n_features_in_} đặc trưng, nhưng `X` có "
                f"{X2.shape[1]}."
            )
        return X2, X.ndim == 1

    def fit_transform(self, X, y=None):
        return self.fit(X).transform(X)


class MinMaxScaler(_Scaler):
    """``x' = (x − min) / (max − min)``, mapping each feature of the training data to
    ``feature_range`` (default ``[0, 1]``). A constant feature is mapped to the lower bound."""

    def __init__(self, feature_range=(0.0, 1.0)):
        self.feature_range = feature_range

    def fit(self, X, y=None):
        lo, hi = self.feature_range
        if not lo < hi:
            raise DlbookError(f"`feature_range` phải có min < max, nhưng nhận được {self.feature_range}.")
        X, _ = self._X(X)
        self.data_min_ = X.min(axis=0)
        self.data_max_ = X.max(axis=0)
        self.data_range_ = self.data_max_ - self.data_min_
        safe = np.where(self.data_range_ > 0, self.data_range_, 1.0)
        self.scale_ = (hi - lo) / safe
        self.min_ = lo - self.data_min_ * self.scale_
        self.n_features_in_ = X.shape[1]
        return self

    def transform(self, X):
        check_fitted(self, "scale_")
        X, one_d = self._X(X, fitted=True)
        out = X * self.scale_ + self.min_
        return out.ravel() if one_d else out

    def inverse_transform(self, X):
        check_fitted(self, "scale_")
        X, one_d = self._X(X, fitted=True)
        out = (X - self.min_) / self.scale_
        return out.ravel() if one_d else out


class StandardScaler(_Scaler):
    """z-score: ``x' = (x − mean) / std`` per feature (population std, ``ddof=0``, as
    scikit-learn). A constant feature gets ``std = 1`` (it becomes 0)."""

    def fit(self, X, y=None):
        X, _ = self._X(X)
        self.mean_ = X.mean(axis=0)
        self.var_ = X.var(axis=0)
        self.scale_ = np.where(self.var_ > 0, np.sqrt(self.var_), 1.0)
        self.n_features_in_ = X.shape[1]
        return self

    def transform(self, X):
        check_fitted(self, "scale_")
        X, one_d = self._X(X, fitted=True)
        out = (X - self.mean_) / self.scale_
        return out.ravel() if one_d else out

    def inverse_transform(self, X):
        check_fitted(self, "scale_")
        X, one_d = self._X(X, fitted=True)
        out = X * self.scale_ + self.mean_
        return out.ravel() if one_d else out


def train_test_split(X, y=None, test_size=0.2, seed=0, stratify=None):
    """Shuffle and split into ``X_train, X_test, y_train, y_test`` (or ``X_train, X_test``
    without ``y``).

    ``test_size`` is a fraction in (0, 1) or a number of samples. Without ``stratify`` the split
    is the same as ``sklearn.model_selection.train_test_split(..., random_state=seed)``. With
    ``stratify=labels`` each class keeps its proportion in both parts.
    """
    X = np.asarray(X)
    n = len(X)
    if y is not None:
        y = np.asarray(y)
        check_same_length(X, y, "X", "y")
    if isinstance(test_size, (float, np.floating)) and 0 < test_size < 1:
        n_test = int(np.ceil(test_size * n))
    elif isinstance(test_size, (int, np.integer)) and 0 < test_size < n:
        n_test = int(test_size)
    else:
        raise DlbookError(
            f"`test_size` phải là tỉ lệ trong (0, 1) hoặc số mẫu trong [1, {n - 1}], nhưng nhận "
            f"được {test_size!r}."
        )
    if n_test >= n:
        raise DlbookError(f"`test_size` = {test_size} không để lại mẫu nào để huấn luyện (n = {n}).")
    rs = np.random.RandomState(seed)
    if stratify is None:
        perm = rs.permutation(n)
        test_idx, train_idx = perm[:n_test], perm[n_test:]
    else:
        labels = np.asarray(stratify)
        check_same_length(X, labels, "X", "stratify")
        test_parts, train_parts = [], []
        classes, counts = np.unique(labels, return_counts=True)
        # largest-remainder allocation of the test samples over the classes
        exact = counts * n_test / n
        alloc = np.floor(exact).astype(int)
        left = n_test - alloc.sum()
        alloc[np.argsort(-(exact - alloc), kind="stable")[:left]] += 1
        for cls, k in zip(classes, alloc):
            idx = rs.permutation(np.flatnonzero(labels == cls))
            test_parts.append(idx[:k])
            train_parts.append(idx[k:])
        test_idx = rs.permutation(np.concatenate(test_parts))
        train_idx = rs.permutation(np.concatenate(train_parts))
    if y is None:
        return X[train_idx], X[test_idx]
    return X[train_idx], X[test_idx], y[train_idx], y[test_idx]


__all__ = ["MinMaxScaler", "StandardScaler", "train_test_split"]
