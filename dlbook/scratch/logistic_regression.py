"""Logistic and softmax regression trained by gradient descent (Phần 2, chương 5).

Binary: ``p = σ(Xw + b)``, loss ``J = mean BCE(p, y) + (l2/2)·‖w‖²``, gradient
``∇_w J = Xᵀ(p − y)/N + l2·w`` and ``∂J/∂b = mean(p − y)`` (the bias is not penalised).
Several classes: ``P = softmax(XWᵀ + b)``, cross-entropy, gradient ``(P − Y)ᵀX/N + l2·W``.

Any two (or K) label values are accepted; they are stored in ``classes_`` and predictions are
returned in the same values, as scikit-learn does. Training stops when the gradient norm drops
below ``tol`` or after ``max_epochs``.
"""

from __future__ import annotations

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin

from dlbook.errors import DlbookError, check_array, check_fitted, check_positive, check_same_length
from dlbook.scratch.activations import sigmoid, softmax
from dlbook.scratch.gradient_descent import check_gd_hyperparameters, gradient_descent
from dlbook.scratch.losses import log_softmax


def _Xy(X, y):
    X = check_array(X, "X", ndim=2)
    y = np.asarray(y)
    if y.ndim != 1:
        raise DlbookError(f"`y` phải là mảng nhãn 1 chiều (N,), nhưng nhận được {y.shape}.")
    check_same_length(X, y, "X", "y")
    return X, y


def _check_hparams(model):
    check_gd_hyperparameters(model.lr, model.max_epochs, model.tol)
    check_positive(model.l2, "l2", allow_zero=True)


class _GDClassifier(ClassifierMixin, BaseEstimator):
    """Hyper-parameters, input checks and ``score`` (accuracy) shared by the two classifiers;
    ``get_params`` / ``set_params`` from scikit-learn, so ``clone``, ``GridSearchCV`` and
    ``Pipeline`` work."""

    def __init__(self, lr: float = 0.1, max_epochs: int = 1000, tol: float = 1e-6,
                 l2: float = 0.0, fit_intercept: bool = True, record_history: bool = True):
        self.lr = lr
        self.max_epochs = max_epochs
        self.tol = tol
        self.l2 = l2
        self.fit_intercept = fit_intercept
        self.record_history = record_history

    def _descend(self, loss, grad, w0):
        """Run the shared gradient-descent loop and store its bookkeeping; returns the weights."""
        run = gradient_descent(loss, grad, w0, lr=self.lr, max_epochs=self.max_epochs,
                               tol=self.tol, record_history=self.record_history)
        self.history_, self.n_epochs_, self.stop_reason_ = run.losses, run.n_epochs, run.stop_reason
        return run.w

    def _X(self, X):
        check_fitted(self, "coef_")
        X = check_array(X, "X", ndim=2)
        if X.shape[1] != self.n_features_in_:
            raise DlbookError(
                f"Mô hình được huấn luyện với {self.n_features_in_} đặc trưng, nhưng `X` có "
                f"{X.shape[1]}."
            )
        return X

    def score(self, X, y):
        """Accuracy on ``(X, y)``."""
        return float(np.mean(self.predict(X) == np.asarray(y)))


class LogisticRegressionGD(_GDClassifier):
    """Binary logistic regression. Learned: ``coef_`` (d,), ``intercept_``, ``classes_``,
    ``history_`` (loss per epoch), ``n_epochs_``, ``stop_reason_``."""

    def _loss(self, X, y, w, b):
        z = X @ w + b
        bce = np.mean(np.maximum(z, 0) - z * y + np.log1p(np.exp(-np.abs(z))))
        return float(bce + 0.5 * self.l2 * (w @ w))

    def fit(self, X, y):
        _check_hparams(self)
        X, y = _Xy(X, y)
        self.classes_ = np.unique(y)
        if len(self.classes_) != 2:
            raise DlbookError(
                f"Hồi quy logistic nhị phân cần đúng 2 lớp, nhưng `y` có {len(self.classes_)}: "
                f"{self.classes_[:10]}. Với nhiều lớp hãy dùng SoftmaxRegressionGD."
            )
        t = (y == self.classes_[1]).astype(float)
        n, d = X.shape

        def split(theta):  # theta = [w₁, …, w_d, b]
            return theta[:d], theta[d]

        def loss(theta):
            return self._loss(X, t, *split(theta))

        def grad(theta):
            w, b = split(theta)
            err = sigmoid(X @ w + b) - t
            gb = float(err.mean()) if self.fit_intercept else 0.0
            return np.append(X.T @ err / n + self.l2 * w, gb)

        w, b = split(self._descend(loss, grad, np.zeros(d + 1)))
        self.coef_, self.intercept_ = w.copy(), float(b)
        self.n_features_in_ = d
        return self

    def decision_function(self, X):
        """The logit ``z = Xw + b`` (positive ⇔ probability > 0.5)."""
        return self._X(X) @ self.coef_ + self.intercept_

    def predict_proba(self, X):
        """``(N, 2)`` probabilities of ``classes_[0]`` and ``classes_[1]``."""
        p = sigmoid(self.decision_function(X))
        return np.column_stack([1 - p, p])

    def predict(self, X, threshold: float = 0.5):
        """``classes_[1]`` where ``P(class 1) ≥ threshold``, else ``classes_[0]``."""
        if not 0.0 <= threshold <= 1.0:
            raise DlbookError(f"`threshold` phải nằm trong [0, 1], nhưng nhận được {threshold!r}.")
        p = self.predict_proba(X)[:, 1]
        return np.where(p >= threshold, self.classes_[1], self.classes_[0])


class SoftmaxRegressionGD(_GDClassifier):
    """Multinomial (softmax) regression. Learned: ``coef_`` (K, d), ``intercept_`` (K,),
    ``classes_``, ``history_``, ``n_epochs_``, ``stop_reason_``."""

    def _loss(self, X, idx, W, b):
        logp = log_softmax(X @ W.T + b)
        return float(-np.mean(logp[np.arange(len(idx)), idx]) + 0.5 * self.l2 * np.sum(W * W))

    def fit(self, X, y):
        _check_hparams(self)
        X, y = _Xy(X, y)
        self.classes_, idx = np.unique(y, return_inverse=True)
        k = len(self.classes_)
        if k < 2:
            raise DlbookError("Cần ít nhất 2 lớp trong `y` để huấn luyện bộ phân loại.")
        n, d = X.shape
        Y = np.zeros((n, k))
        Y[np.arange(n), idx] = 1.0

        def split(theta):  # theta = [W (k×d) row by row, b (k)]
            return theta[: k * d].reshape(k, d), theta[k * d:]

        def loss(theta):
            return self._loss(X, idx, *split(theta))

        def grad(theta):
            W, b = split(theta)
            E = softmax(X @ W.T + b, axis=1) - Y
            gb = E.mean(axis=0) if self.fit_intercept else np.zeros(k)
            return np.concatenate([(E.T @ X / n + self.l2 * W).ravel(), gb])

        W, b = split(self._descend(loss, grad, np.zeros(k * d + k)))
        self.coef_, self.intercept_ = W.copy(), b.copy()
        self.n_features_in_ = d
        return self

    def decision_function(self, X):
        """Logits ``(N, K)``."""
        return self._X(X) @ self.coef_.T + self.intercept_

    def predict_proba(self, X):
        """``(N, K)`` class probabilities (softmax of the logits)."""
        return softmax(self.decision_function(X), axis=1)

    def predict(self, X):
        """The class with the highest probability."""
        return self.classes_[np.argmax(self.decision_function(X), axis=1)]


__all__ = ["LogisticRegressionGD", "SoftmaxRegressionGD"]
