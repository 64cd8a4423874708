"""Linear regression (Phần 2, chương 4): gradient descent, the normal equation and the
pseudo-inverse.

Model ``ŷ = Xw + b``. Gradient descent minimises ``J(w) = (1/2N)·‖Xw + b − y‖²`` (the ½ makes
the gradient exactly ``∇J = Xᵀ(ŷ − y)/N``; without it the gradient is twice that, same minimum).

:class:`LinearRegressionGD` runs the shared loop :func:`dlbook.scratch.gradient_descent.gradient_descent`
(its stopping rules: gradient norm below ``tol``, ``max_epochs``, divergence). Estimators are
scikit-learn estimators (``BaseEstimator``): ``clone``, ``GridSearchCV`` and ``Pipeline`` work.
"""

from __future__ import annotations

import numpy as np
from sklearn.base import BaseEstimator, RegressorMixin

from dlbook.errors import DlbookError, check_array, check_fitted, check_positive, check_same_length
from dlbook.scratch.gradient_descent import check_gd_hyperparameters, gradient_descent
from dlbook.scratch.metrics import r2_score


def add_bias_column(X) -> np.ndarray:
    """Prepend a column of ones: ``[1, x₁, …, x_d]``, so that ``ŷ = Xw`` includes the bias
    ``w₀``."""
    X = check_array(X, "X", ndim=(1, 2))
    X = X.reshape(-1, 1) if X.ndim == 1 else X
    return np.hstack([np.ones((X.shape[0], 1)), X])


def _Xy(X, y):
    X = check_array(X, "X", ndim=(1, 2))
    X = X.reshape(-1, 1) if X.ndim == 1 else X
    y = check_array(y, "y", ndim=(1, 2))
    if y.ndim == 2:
        if y.shape[1] != 1:
            raise DlbookError(
                f"`y` phải là một cột giá trị (N,) hoặc (N, 1), nhưng nhận được {y.shape}."
            )
        y = y.ravel()
    check_same_length(X, y, "X", "y")
    if len(y) == 0:
        raise DlbookError("`X` rỗng: cần ít nhất một mẫu.")
    return X, y


def normal_equation(X, y) -> np.ndarray:
    """Solve ``(XᵀX) w = Xᵀy`` (the normal equation; ``w = (XᵀX)⁻¹Xᵀy`` without forming the
    inverse). ``X`` must already contain the bias column if you want one (:func:`add_bias_column`).

    Raises an error when ``XᵀX`` is singular (duplicated or collinear features, fewer samples
    than features): use the pseudo-inverse then.
    """
    X, y = _Xy(X, y)
    A = X.T @ X
    try:
        if np.linalg.cond(A) > 1e12:
            raise np.linalg.LinAlgError
        return np.linalg.solve(A, X.T @ y)
    except np.linalg.LinAlgError:
        raise DlbookError(
            "Ma trận XᵀX suy biến (không khả nghịch): có đặc trưng trùng lặp/phụ thuộc tuyến tính "
            "hoặc ít mẫu hơn số đặc trưng. Hãy dùng giả nghịch đảo: "
            "LinearRegressionNormal(method='pinv')."
        ) from None


class _LinearBase(RegressorMixin, BaseEstimator):
    """``predict`` and ``score`` (R²); ``get_params``/``set_params`` from scikit-learn."""

    def predict(self, X):
        check_fitted(self, "coef_")
        X = check_array(X, "X", ndim=(1, 2))
        X = X.reshape(-1, 1) if X.ndim == 1 else X
        if X.shape[1] != len(self.coef_):
            raise DlbookError(
                f"Mô hình được huấn luyện với {len(self.coef_)} đặc trưng, nhưng `X` có {X.shape[1]}."
            )
        return X @ self.coef_ + self.intercept_

    def score(self, X, y):
        """R² on ``(X, y)``."""
        return r2_score(y, self.predict(X))


class LinearRegressionNormal(_LinearBase):
    """Closed-form least squares: ``method="solve"`` (normal equation) or ``"pinv"``
    (``w = X⁺y``, the Moore–Penrose pseudo-inverse, which also works when ``XᵀX`` is singular
    and then returns the solution of smallest norm)."""

    def __init__(self, method: str = "solve", fit_intercept: bool = True):
        self.method = method
        self.fit_intercept = fit_intercept

    def fit(self, X, y):
        if self.method not in ("solve", "pinv"):
            raise DlbookError(f"`method` phải là 'solve' hoặc 'pinv', nhưng nhận được {self.method!r}.")
        X, y = _Xy(X, y)
        Xb = add_bias_column(X) if self.fit_intercept else X
        w = normal_equation(Xb, y) if self.method == "solve" else np.linalg.pinv(Xb) @ y
        self.intercept_ = float(w[0]) if self.fit_intercept else 0.0
        self.coef_ = w[1:] if self.fit_intercept else w
        self.n_features_in_ = X.shape[1]
        return self


class LinearRegressionGD(_LinearBase):
    """Linear regression trained by full-batch gradient descent.

    Learned attributes: ``coef_`` (d,), ``intercept_``, ``history_`` (loss ``J`` at every epoch,
    starting with the initial weights), ``weights_history_`` (rows ``[b, w₁, …, w_d]`` per epoch),
    ``n_epochs_`` (epochs run) and ``stop_reason_`` (``"grad_norm"``, ``"max_epochs"`` or
    ``"diverged"``). ``w_init`` sets the starting weights ``[b, w₁, …]`` (default zeros; without
    intercept the rows and ``w_init`` have no ``b``).

    ``loss`` is ``"mse"`` (L2: ``J = (1/2N)‖r‖²``, ``∇J = Xᵀr/N`` with ``r = ŷ − y``), ``"mae"``
    (L1: ``J = mean|r|``, ``∇J = Xᵀsign(r)/N``, little pulled by outliers; its subgradient does
    not vanish at the minimum, so it stops on ``max_epochs``) or ``"huber"`` (``delta``).
    """

    def __init__(self, lr: float = 0.1, max_epochs: int = 1000, tol: float = 1e-6,
                 fit_intercept: bool = True, record_history: bool = True, w_init=None,
                 loss: str = "mse", delta: float = 1.0):
        self.lr = lr
        self.max_epochs = max_epochs
        self.tol = tol
        self.fit_intercept = fit_intercept
        self.record_history = record_history
        self.w_init = w_init
        self.loss = loss
        self.delta = delta

    def _loss(self, Xb, w, y):
        r = Xb @ w - y
        if self.loss == "mae":
            return float(np.mean(np.abs(r)))
        if self.loss == "huber":
            a = np.abs(r)
            return float(np.mean(np.where(a <= self.delta, 0.5 * r * r,
                                          self.delta * (a - 0.5 * self.delta))))
        return 0.5 * float(r @ r) / len(y)

    def _gradient(self, Xb, w, y):
        r = Xb @ w - y
        if self.loss == "mae":
            r = np.sign(r)
        elif self.loss == "huber":
            r = np.clip(r, -self.delta, self.delta)
        return Xb.T @ r / len(y)

    def fit(self, X, y):
        check_gd_hyperparameters(self.lr, self.max_epochs, self.tol)
        if self.loss not in ("mse", "mae", "huber"):
            raise DlbookError(f"`loss` phải là 'mse', 'mae' hoặc 'huber', nhưng nhận được {self.loss!r}.")
        check_positive(self.delta, "delta")
        X, y = _Xy(X, y)
        d = X.shape[1]
        Xb = add_bias_column(X) if self.fit_intercept else X
        if self.w_init is None:
            w0 = np.zeros(Xb.shape[1])
        else:
            w0 = check_array(self.w_init, "w_init", shape=(Xb.shape[1],), copy=True)
        run = gradient_descent(lambda w: self._loss(Xb, w, y), lambda w: self._gradient(Xb, w, y),
                               w0, lr=self.lr, max_epochs=self.max_epochs, tol=self.tol,
                               record_history=self.record_history)
        self.n_epochs_, self.stop_reason_ = run.n_epochs, run.stop_reason
        self.history_, self.weights_history_ = run.losses, run.weights
        w = run.w
        if self.fit_intercept:
            self.intercept_, self.coef_ = float(w[0]), w[1:].copy()
        else:
            self.intercept_, self.coef_ = 0.0, w.copy()
        self.n_features_in_ = d
        return self


__all__ = [
    "LinearRegressionGD",
    "LinearRegressionNormal",
    "add_bias_column",
    "normal_equation",
]
