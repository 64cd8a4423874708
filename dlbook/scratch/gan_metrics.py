"""Scores for generative models, computed from a classifier's outputs or features.

``inception_score`` is ``exp(E_x KL(p(y|x) ‖ p(y)))`` (Salimans et al., 2016): high when each sample
is classified confidently (sharp ``p(y|x)``) *and* the samples spread over the classes (flat
``p(y)``); it lies in ``[1, number of classes]``. ``frechet_distance`` is the Fréchet distance
between Gaussians fitted to two sets of features (Heusel et al., 2017):
``‖μ_a − μ_b‖² + Tr(Σ_a + Σ_b − 2 (Σ_a Σ_b)^{1/2})``. With Inception-v3 features these are the
Inception Score and FID; the book computes them with a small digit classifier instead.
"""

from __future__ import annotations

import numpy as np

from dlbook.errors import DlbookError, ShapeError, check_array

__all__ = ["inception_score", "frechet_distance"]


def inception_score(probs, eps: float = 1e-12) -> float:
    """``exp(mean_i KL(probs[i] ‖ mean(probs)))`` for class probabilities ``(N, K)``."""
    p = check_array(probs, "probs", ndim=2)
    if np.any(p < 0) or not np.allclose(p.sum(axis=1), 1.0, atol=1e-4):
        raise DlbookError("`probs` phải là xác suất: mỗi hàng không âm và có tổng bằng 1.")
    marginal = p.mean(axis=0, keepdims=True)
    kl = np.sum(p * (np.log(p + eps) - np.log(marginal + eps)), axis=1)
    return float(np.exp(kl.mean()))


def _sqrtm_psd_product(a, b):
    """Trace of ``(A B)^{1/2}`` for symmetric PSD ``A``, ``B``: ``Tr((A^{1/2} B A^{1/2})^{1/2})``."""
    w, v = np.linalg.eigh(a)
    root_a = (v * np.sqrt(np.clip(w, 0, None))) @ v.T
    m = root_a @ b @ root_a
    return float(np.sqrt(np.clip(np.linalg.eigvalsh((m + m.T) / 2), 0, None)).sum())


def frechet_distance(features_a, features_b) -> float:
    """Fréchet distance between Gaussians fitted to ``features_a`` ``(N, d)`` and ``features_b`` ``(M, d)``."""
    a = check_array(features_a, "features_a", ndim=2)
    b = check_array(features_b, "features_b", ndim=2)
    if a.shape[1] != b.shape[1]:
        raise ShapeError(f"Hai tập đặc trưng phải cùng số chiều, nhưng nhận {a.shape[1]} và {b.shape[1]}.")
    if len(a) < 2 or len(b) < 2:
        raise DlbookError("Cần ít nhất 2 mẫu mỗi tập để ước lượng ma trận hiệp phương sai.")
    mu_a, mu_b = a.mean(axis=0), b.mean(axis=0)
    cov_a = np.atleast_2d(np.cov(a, rowvar=False))
    cov_b = np.atleast_2d(np.cov(b, rowvar=False))
    return float(np.sum((mu_a - mu_b) ** 2) + np.trace(cov_a) + np.trace(cov_b)
                 - 2 * _sqrtm_psd_product(cov_a, cov_b))
