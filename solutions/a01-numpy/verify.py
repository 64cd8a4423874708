"""Trusted verifier of assignment a01-numpy (kept out of the students' folders).

References are written independently of the solution notebook (loops where that is simplest).
"""

import numpy as np

from dlbook.course.verify_api import NUMPY_NO_LOOPS, Task


def _standardize_cases(rng):
    cases = []
    for _ in range(3):
        n, d = int(rng.integers(2, 30)), int(rng.integers(1, 8))
        X = rng.normal(rng.uniform(-50, 50), rng.uniform(0.1, 20), size=(n, d))
        X[:, int(rng.integers(d))] = float(rng.integers(-5, 6))  # one constant column (exact mean)
        cases.append({"X": X})
    return cases


def _standardize_ref(X):
    out = np.zeros_like(X, dtype=np.float64)
    for j in range(X.shape[1]):
        col = X[:, j]
        sd = np.sqrt(np.mean((col - col.mean()) ** 2))
        out[:, j] = 0.0 if sd == 0 else (col - col.mean()) / sd
    return out


def _pairwise_cases(rng):
    cases = []
    for _ in range(3):
        n, m, d = (int(v) for v in rng.integers(1, 25, size=3))
        cases.append({"A": rng.normal(size=(n, d)) * 3, "B": rng.normal(size=(m, d)) * 3})
    P = rng.normal(size=(10, 3)) + 1e4
    cases.append({"A": P, "B": P.copy()})
    return cases


def _pairwise_ref(A, B):
    out = np.empty((len(A), len(B)))
    for i, a in enumerate(A):
        for j, b in enumerate(B):
            out[i, j] = np.sum((a - b) ** 2)
    return out


def _pairwise_compare(student, reference, case):
    got, want = student.get("out0"), reference["out0"]
    if set(student) != {"out0"} or got.shape != want.shape or got.dtype.kind != "f":
        return False
    # the expansion formula loses about 1e-8 relative to the squared norms (~1e8 for 1e4 coordinates)
    scale = 1e-9 * (np.sum(case["A"] ** 2, axis=1)[:, None] + np.sum(case["B"] ** 2, axis=1)[None, :])
    return bool(np.all(got >= 0) and np.all(np.abs(got - want) <= 1e-7 * np.abs(want) + scale + 1e-9))


def _softmax_cases(rng):
    cases = []
    for scale in (1.0, 30.0, 400.0):
        n, c = int(rng.integers(1, 10)), int(rng.integers(2, 12))
        cases.append({"Z": rng.normal(0, scale, size=(n, c))})
    cases.append({"Z": np.array([[1000.0, 1000.0, 999.0], [-1000.0, 0.0, 1.0]])})
    return cases


def _softmax_ref(Z):
    out = np.empty_like(Z)
    for i, z in enumerate(Z):
        e = np.exp(z - z.max())
        out[i] = e / e.sum()
    return out


def _one_hot_cases(rng):
    cases = []
    for _ in range(3):
        c = int(rng.integers(2, 12))
        cases.append({"y": rng.integers(0, c, size=int(rng.integers(1, 40))), "num_classes": c})
    cases.append({"y": np.array([5]), "num_classes": 10})
    return cases


def _one_hot_ref(y, num_classes):
    out = np.zeros((len(y), num_classes))
    for i, label in enumerate(y):
        out[i, label] = 1.0
    return out


def _moving_cases(rng):
    cases = []
    for _ in range(3):
        n = int(rng.integers(1, 60))
        cases.append({"x": rng.normal(size=n) * 10, "k": int(rng.integers(1, n + 1))})
    return cases


def _moving_ref(x, k):
    return np.array([np.mean(x[i:i + k]) for i in range(len(x) - k + 1)])


TASKS = {
    "standardize_columns": Task(_standardize_cases, _standardize_ref, rtol=1e-7, atol=1e-9,
                                rules=NUMPY_NO_LOOPS),
    "pairwise_sq_distances": Task(_pairwise_cases, _pairwise_ref, compare=_pairwise_compare,
                                  rules=NUMPY_NO_LOOPS),
    "softmax_rows": Task(_softmax_cases, _softmax_ref, rtol=1e-7, atol=1e-12, rules=NUMPY_NO_LOOPS),
    "one_hot": Task(_one_hot_cases, _one_hot_ref, rules=NUMPY_NO_LOOPS),
    "moving_average": Task(_moving_cases, _moving_ref, rtol=1e-7, atol=1e-9, rules=NUMPY_NO_LOOPS),
}
