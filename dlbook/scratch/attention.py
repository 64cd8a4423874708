"""Attention in numpy: score functions, softmax weights and the weighted sum of values.

A query ``q`` looks at keys ``k_1 … k_T``: each pair gets a score ``a_i = α(q, k_i)``, the
softmax turns the scores into weights ``b_i`` that sum to 1, and the output is
``Σ_i b_i v_i``. Shapes: ``q`` ``(..., T_q, d_q)`` (or one query ``(d_q,)``), ``k``
``(..., T_k, d_k)``, ``v`` ``(..., T_k, d_v)``; scores and weights ``(..., T_q, T_k)``.

Score functions (Luong et al. 2015, Bahdanau et al. 2015, Vaswani et al. 2017, Graves 2014):

=============  ==========================================
dot            ``qᵀ k``
scaled_dot     ``qᵀ k / √d``
general        ``qᵀ W k``                (``W``: ``(d_q, d_k)``)
additive       ``vᵀ tanh(W₁ q + W₂ k)``  (``W₁``: ``(d_a, d_q)``, ``W₂``: ``(d_a, d_k)``)
cosine         ``qᵀ k / (‖q‖ ‖k‖)``
location       ``W q``                   (``W``: ``(T_k, d_q)``; depends on the position only)
=============  ==========================================

Masks are boolean and broadcast to the scores; ``True`` means "may attend" (the convention of
``torch.nn.functional.scaled_dot_product_attention``).
"""

from __future__ import annotations

import numpy as np

from dlbook.errors import DlbookError, ShapeError, check_array

__all__ = [
    "dot_score",
    "scaled_dot_score",
    "general_score",
    "additive_score",
    "cosine_score",
    "location_score",
    "SCORE_FUNCTIONS",
    "masked_softmax",
    "attention",
    "ScaledDotProductAttention",
]


def _keys_t(k):
    return np.swapaxes(np.asarray(k, float), -1, -2)


def _check_dims(q, k):
    if np.shape(q)[-1] != np.shape(k)[-1]:
        raise ShapeError(
            f"`q` và `k` phải có cùng số chiều cuối, nhưng có kích thước {np.shape(q)} "
            f"và {np.shape(k)}."
        )


def dot_score(q, k):
    """``qᵀ k`` for every query–key pair."""
    _check_dims(q, k)
    return np.asarray(q, float) @ _keys_t(k)


def scaled_dot_score(q, k):
    """``qᵀ k / √d``: keeps the scores' variance near 1 when ``d`` is large."""
    return dot_score(q, k) / np.sqrt(np.shape(k)[-1])


def general_score(q, k, W):
    """``qᵀ W k`` with a learned ``W`` of shape ``(d_q, d_k)`` (Luong's "general")."""
    W = np.asarray(W, float)
    if W.shape != (np.shape(q)[-1], np.shape(k)[-1]):
        raise ShapeError(f"`W` phải có kích thước (d_q, d_k) = "
                         f"({np.shape(q)[-1]}, {np.shape(k)[-1]}), nhưng nhận được {W.shape}.")
    return np.asarray(q, float) @ W @ _keys_t(k)


def additive_score(q, k, W1, W2, v):
    """``vᵀ tanh(W₁ q + W₂ k)`` (Bahdanau), the same as ``vᵀ tanh(W [q; k])`` with ``W = [W₁ W₂]``."""
    q, k = np.asarray(q, float), np.asarray(k, float)
    single = q.ndim == 1
    qa = (q[None] if single else q) @ np.asarray(W1, float).T  # (..., T_q, d_a)
    ka = k @ np.asarray(W2, float).T  # (..., T_k, d_a)
    out = np.tanh(qa[..., :, None, :] + ka[..., None, :, :]) @ np.asarray(v, float)
    return out[0] if single else out


def cosine_score(q, k, eps: float = 1e-12):
    """Cosine similarity of query and key (Graves' content-based attention)."""
    _check_dims(q, k)
    q, k = np.asarray(q, float), np.asarray(k, float)
    qn = q / np.maximum(np.linalg.norm(q, axis=-1, keepdims=True), eps)
    kn = k / np.maximum(np.linalg.norm(k, axis=-1, keepdims=True), eps)
    return qn @ _keys_t(kn)


def location_score(q, W, k=None):
    """``W q``: one score per key position, computed from the query alone (``k`` is ignored)."""
    return np.asarray(q, float) @ np.asarray(W, float).T


SCORE_FUNCTIONS = {
    "dot": lambda q, k: dot_score(q, k),
    "scaled_dot": lambda q, k: scaled_dot_score(q, k),
    "general": lambda q, k, W: general_score(q, k, W),
    "additive": lambda q, k, W1, W2, v: additive_score(q, k, W1, W2, v),
    "cosine": lambda q, k: cosine_score(q, k),
    "location": lambda q, k, W: location_score(q, W),
}


def masked_softmax(scores, mask=None, axis: int = -1):
    """Softmax over ``axis``; positions where ``mask`` is ``False`` get weight 0."""
    scores = np.asarray(scores, float)
    if mask is not None:
        mask = np.broadcast_to(np.asarray(mask, bool), scores.shape)
        if not np.all(mask.any(axis=axis)):
            raise DlbookError("Mặt nạ (mask) che hết mọi khóa của một truy vấn: "
                              "mỗi truy vấn cần ít nhất một vị trí được phép chú ý.")
        scores = np.where(mask, scores, -np.inf)
    e = np.exp(scores - scores.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def attention(q, k, v, score="scaled_dot", mask=None, **score_params):
    """Attention output ``Σ_i softmax(α(q, k_i)) v_i``; returns ``(context, weights)``.

    ``score`` is a name of :data:`SCORE_FUNCTIONS` (parameters such as ``W`` or ``W1, W2, v_a``
    are passed as keywords; the additive score's ``v`` is called ``v_a`` here because ``v``
    is the values) or a function ``f(q, k) -> scores``.
    """
    k = check_array(k, "k", ndim=(2, 3, 4))
    v = check_array(v, "v", ndim=(2, 3, 4))
    if k.shape[-2] != v.shape[-2]:
        raise ShapeError(f"`k` có {k.shape[-2]} vị trí nhưng `v` có {v.shape[-2]}; "
                         "mỗi khóa cần đúng một giá trị.")
    if callable(score):
        scores = score(q, k)
    elif score in SCORE_FUNCTIONS:
        if score == "additive" and "v_a" in score_params:
            score_params["v"] = score_params.pop("v_a")
        try:
            scores = SCORE_FUNCTIONS[score](q, k, **score_params)
        except TypeError as err:
            raise DlbookError(f"Hàm điểm '{score}' thiếu hoặc thừa tham số: {err}.") from None
    else:
        raise DlbookError(f"Không có hàm điểm {score!r}; hãy chọn một trong "
                          f"{', '.join(SCORE_FUNCTIONS)} hoặc truyền một hàm.")
    weights = masked_softmax(scores, mask)
    return weights @ v, weights


class ScaledDotProductAttention:
    """``softmax(q kᵀ / √d + mask) v`` as a layer with ``forward`` and ``backward``.

    ``backward(dcontext)`` returns ``(dq, dk, dv)``. With ``S`` the scaled scores and ``A``
    the weights: ``dv = Aᵀ dC``, ``dA = dC vᵀ``, ``dS = A ⊙ (dA − Σ_j dA ⊙ A)``,
    ``dq = dS k / √d``, ``dk = dSᵀ q / √d``.
    """

    def __init__(self):
        self.cache = None

    def forward(self, q, k, v, mask=None):
        q, k, v = (check_array(a, n, ndim=(2, 3, 4)) for a, n in ((q, "q"), (k, "k"), (v, "v")))
        context, weights = attention(q, k, v, "scaled_dot", mask)
        self.cache = (q, k, v, weights)
        self.weights_ = weights
        return context

    def backward(self, dcontext):
        if self.cache is None:
            raise DlbookError("Hãy gọi `forward` trước `backward`.")
        q, k, v, A = self.cache
        scale = 1.0 / np.sqrt(q.shape[-1])
        dv = np.swapaxes(A, -1, -2) @ dcontext
        dA = dcontext @ np.swapaxes(v, -1, -2)
        dS = A * (dA - np.sum(dA * A, axis=-1, keepdims=True))
        dq = dS @ k * scale
        dk = np.swapaxes(dS, -1, -2) @ q * scale
        return dq, dk, dv
