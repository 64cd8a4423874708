"""Central-difference gradient checks for the Phần 6–8 tests.

``f`` takes no argument and reads the array that is perturbed in place, which makes checking
several parameters of one layer short.
"""

from __future__ import annotations

import numpy as np


def numerical_gradient(f, x: np.ndarray, h: float = 1e-5) -> np.ndarray:
    """d f / d x by central differences; ``f()`` reads ``x`` (modified in place)."""
    grad = np.zeros_like(x, dtype=float)
    it = np.nditer(x, flags=["multi_index"])
    for _ in it:
        idx = it.multi_index
        old = x[idx]
        x[idx] = old + h
        f_plus = f()
        x[idx] = old - h
        f_minus = f()
        x[idx] = old
        grad[idx] = (f_plus - f_minus) / (2 * h)
    return grad


def rel_error(a, b) -> float:
    """Max relative error, safe where both values are tiny."""
    a, b = np.asarray(a, float), np.asarray(b, float)
    return float(np.max(np.abs(a - b) / np.maximum(1e-8, np.abs(a) + np.abs(b))))
