"""Trusted verifier of assignment a02-linear-regression (kept out of the students' folders)."""

import numpy as np
from sklearn.metrics import r2_score as sk_r2_score
from sklearn.preprocessing import StandardScaler

from dlbook.course.verify_api import NUMPY_NO_LOOPS, NUMPY_ONLY, Rules, Task


def _shape(rng, low=2, high=40, dmax=6):
    return int(rng.integers(low, high)), int(rng.integers(1, dmax))


def _bias_cases(rng):
    return [{"X": rng.normal(size=_shape(rng, 1))} for _ in range(3)]


def _bias_ref(X):
    out = np.ones((X.shape[0], X.shape[1] + 1))
    out[:, 1:] = X
    return out


def _mse_cases(rng):
    cases = []
    for _ in range(3):
        n, d = _shape(rng)
        cases.append({"X": rng.normal(size=(n, d)), "y": rng.normal(size=n) * 5,
                      "w": rng.normal(size=d)})
    return cases


def _mse_ref(X, y, w):
    n = len(y)
    loss, grad = 0.0, np.zeros(X.shape[1])
    for i in range(n):
        r = X[i] @ w - y[i]
        loss += r * r / (2 * n)
        grad += X[i] * r / n
    return loss, grad


def _gd_cases(rng):
    cases = []
    for tol in (0.0, 0.0, 1e-2):
        n, d = _shape(rng, 5)
        X = np.column_stack([np.ones(n), rng.normal(size=(n, d))])
        y = X @ rng.normal(size=d + 1) + rng.normal(0, 0.3, n)
        cases.append({"X": X, "y": y, "w0": rng.normal(size=d + 1),
                      "lr": float(rng.uniform(0.01, 0.3)), "n_epochs": int(rng.integers(0, 60)),
                      "tol": tol})
    return cases


def _gd_ref(X, y, w0, lr, n_epochs, tol):
    w = np.array(w0, dtype=float)
    history = []
    for _ in range(n_epochs):
        loss, grad = _mse_ref(X, y, w)
        history.append(loss)
        if np.sqrt(np.sum(grad**2)) < tol:
            break
        w = w - lr * grad
    return w, np.array(history)


def _normal_cases(rng):
    cases = []
    for _ in range(2):
        n, d = _shape(rng, 8)
        X = np.column_stack([np.ones(n), rng.normal(size=(n, d))])
        cases.append({"X": X, "y": rng.normal(size=n)})
    n = int(rng.integers(6, 30))
    X = np.column_stack([np.ones(n), rng.normal(size=n)])
    X = np.column_stack([X, X[:, 1] * rng.uniform(0.5, 2)])  # collinear: singular XᵀX
    cases.append({"X": X, "y": rng.normal(size=n)})
    return cases


def _normal_ref(X, y):
    return np.linalg.lstsq(X, y, rcond=None)[0]


def _r2_cases(rng):
    cases = []
    for _ in range(3):
        n = int(rng.integers(2, 50))
        y = rng.normal(size=n) * 3
        cases.append({"y": y, "y_pred": y + rng.normal(0, rng.uniform(0.1, 6), n)})
    cases.append({"y": np.full(4, 2.5), "y_pred": np.full(4, 2.5)})
    cases.append({"y": np.full(3, 1.0), "y_pred": np.array([1.0, 2.0, 0.0])})
    return cases


def _r2_ref(y, y_pred):
    return float(sk_r2_score(y, y_pred))


def _standardize_cases(rng):
    cases = []
    for _ in range(3):
        d = int(rng.integers(1, 6))
        A = rng.normal(rng.uniform(-10, 10), rng.uniform(0.5, 5), size=(int(rng.integers(2, 40)), d))
        A[:, 0] = 3.0  # constant column in the training set
        cases.append({"X_train": A, "X_test": rng.normal(size=(int(rng.integers(1, 20)), d)) * 4})
    return cases


def _standardize_ref(X_train, X_test):
    scaler = StandardScaler().fit(X_train)
    return scaler.transform(X_train), scaler.transform(X_test)


#: The normal equation must be solved, not handed to numpy's least-squares solver.
NUMPY_WITHOUT_LSTSQ = Rules(forbid_imports=NUMPY_ONLY.forbid_imports + ("numpy.linalg.lstsq",))

TASKS = {
    "add_bias_column": Task(_bias_cases, _bias_ref, rules=NUMPY_NO_LOOPS),
    "mse_loss_and_grad": Task(_mse_cases, _mse_ref, rtol=1e-8, atol=1e-10, rules=NUMPY_NO_LOOPS),
    "gradient_descent": Task(_gd_cases, _gd_ref, rtol=1e-7, atol=1e-10, rules=NUMPY_ONLY),
    "normal_equation": Task(_normal_cases, _normal_ref, rtol=1e-6, atol=1e-8,
                            rules=NUMPY_WITHOUT_LSTSQ),
    "r2_score": Task(_r2_cases, _r2_ref, rtol=1e-8, atol=1e-10, rules=NUMPY_NO_LOOPS),
    "standardize_train_test": Task(_standardize_cases, _standardize_ref, rtol=1e-8, atol=1e-10,
                                   rules=NUMPY_NO_LOOPS),
}
