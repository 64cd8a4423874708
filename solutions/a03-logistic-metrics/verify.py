"""Trusted verifier of assignment a03-logistic-metrics (kept out of the students' folders).

References: SciPy, scikit-learn and PyTorch autograd.
"""

import numpy as np
import torch
from scipy.special import expit
from sklearn.metrics import confusion_matrix, precision_recall_fscore_support, roc_auc_score

from dlbook.course.verify_api import NUMPY_NO_LOOPS, NUMPY_ONLY, Task


def _sigmoid_cases(rng):
    cases = [{"z": rng.normal(0, s, size=tuple(int(v) for v in rng.integers(1, 6, size=k)))}
             for s, k in ((3.0, 1), (30.0, 2), (500.0, 3))]
    cases.append({"z": np.array([-1000.0, -745.0, -40.0, 0.0, 40.0, 1000.0])})
    return cases


def _sigmoid_ref(z):
    return expit(np.asarray(z, dtype=np.float64))


def _bce_cases(rng):
    cases = []
    for scale in (1.0, 5.0, 300.0):
        n, d = int(rng.integers(2, 40)), int(rng.integers(1, 6))
        cases.append({"X": rng.normal(0, scale, size=(n, d)),
                      "y": rng.integers(0, 2, n).astype(np.float64), "w": rng.normal(size=d)})
    return cases


def _bce_ref(X, y, w):
    wt = torch.tensor(w, dtype=torch.float64, requires_grad=True)
    z = torch.tensor(X, dtype=torch.float64) @ wt
    loss = torch.nn.functional.binary_cross_entropy_with_logits(z, torch.tensor(y))
    loss.backward()
    return loss.item(), wt.grad.numpy()


def _confusion_cases(rng):
    cases = [{"y_true": rng.integers(0, 2, n), "y_pred": rng.integers(0, 2, n)}
             for n in rng.integers(1, 100, size=3)]
    cases.append({"y_true": np.ones(5, dtype=np.int64), "y_pred": np.ones(5, dtype=np.int64)})
    return cases


def _confusion_ref(y_true, y_pred):
    return confusion_matrix(y_true, y_pred, labels=[0, 1]).astype(np.int64)


def _prf_cases(rng):
    cases = [{"y_true": rng.integers(0, 2, n), "y_pred": rng.integers(0, 2, n)}
             for n in rng.integers(2, 100, size=3)]
    cases.append({"y_true": np.array([1, 0, 1]), "y_pred": np.array([0, 0, 0])})
    cases.append({"y_true": np.array([0, 0, 0]), "y_pred": np.array([0, 1, 1])})
    return cases


def _prf_ref(y_true, y_pred):
    p, r, f, _ = precision_recall_fscore_support(y_true, y_pred, average="binary",
                                                 zero_division=0)
    return float(p), float(r), float(f)


def _auc_cases(rng):
    cases = []
    for decimals in (None, 1, 0):
        n = int(rng.integers(4, 150))
        y = rng.integers(0, 2, n)
        y[:2] = [0, 1]
        s = rng.random(n) + 0.4 * y
        cases.append({"y_true": y, "scores": s if decimals is None else np.round(s, decimals)})
    return cases


def _auc_ref(y_true, scores):
    return float(roc_auc_score(y_true, scores))


def _ce_cases(rng):
    cases = []
    for scale in (1.0, 10.0, 1000.0):
        n, c = int(rng.integers(1, 20)), int(rng.integers(2, 10))
        cases.append({"Z": rng.normal(0, scale, size=(n, c)), "y": rng.integers(0, c, n)})
    return cases


def _ce_ref(Z, y):
    Zt = torch.tensor(Z, dtype=torch.float64, requires_grad=True)
    loss = torch.nn.functional.cross_entropy(Zt, torch.tensor(y, dtype=torch.int64))
    loss.backward()
    return loss.item(), Zt.grad.numpy()


TASKS = {
    "sigmoid": Task(_sigmoid_cases, _sigmoid_ref, rtol=1e-9, atol=1e-300, rules=NUMPY_NO_LOOPS),
    "bce_loss_and_grad": Task(_bce_cases, _bce_ref, rtol=1e-7, atol=1e-10, rules=NUMPY_NO_LOOPS),
    "confusion_matrix_binary": Task(_confusion_cases, _confusion_ref, rules=NUMPY_NO_LOOPS),
    "precision_recall_f1": Task(_prf_cases, _prf_ref, rtol=1e-9, atol=1e-12, rules=NUMPY_ONLY),
    "roc_auc": Task(_auc_cases, _auc_ref, rtol=1e-9, atol=1e-12, rules=NUMPY_NO_LOOPS),
    "softmax_cross_entropy": Task(_ce_cases, _ce_ref, rtol=1e-7, atol=1e-10, rules=NUMPY_NO_LOOPS),
}
