"""Scaled dot-product attention forward and backward, masks, causal self-attention (Phần 9, chương 25).

``softmax(Q Kᵀ / √d + M) V`` (Vaswani et al. 2017) with a boolean mask (``True`` = may attend,
the convention of ``torch.nn.functional.scaled_dot_product_attention``): masked scores become
``−∞`` before a numerically stable softmax, so their weights are exactly 0.

Backward, with ``S`` the scaled scores, ``A = softmax(S)`` the weights and ``dO`` the gradient
of the output ``O = A V``::

    dV = Aᵀ dO
    dA = dO Vᵀ
    dS = A ⊙ (dA − Σ_j dA ⊙ A)        (the softmax Jacobian, row by row)
    dQ = dS K / √d,   dK = dSᵀ Q / √d

A masked position has ``A = 0``, hence ``dS = 0``: no gradient flows through it.
"""

from __future__ import annotations

import numpy as np

from dlbook.errors import DlbookError, ShapeError, check_array, check_positive
from dlbook.scratch._checks import as_float_array
from dlbook.scratch.attention import masked_softmax

__all__ = [
    "causal_mask",
    "padding_mask",
    "scaled_dot_product_attention_forward",
    "scaled_dot_product_attention_backward",
    "causal_self_attention",
]


def causal_mask(T: int) -> np.ndarray:
    """Boolean ``(T, T)`` mask, ``True`` where query ``i`` may attend to key ``j`` (``j <= i``)."""
    check_positive(T, "T", integer=True)
    return np.tril(np.ones((int(T), int(T)), dtype=bool))


def padding_mask(lengths, T: int) -> np.ndarray:
    """Boolean ``(N, 1, T)`` mask, ``True`` at the first ``lengths[n]`` (real) tokens of sample ``n``.

    The middle axis of size 1 broadcasts over the queries, so the mask can be passed directly to
    :func:`scaled_dot_product_attention_forward` with scores ``(N, T_q, T)``.
    """
    check_positive(T, "T", integer=True)
    lengths = check_array(lengths, "lengths", ndim=1, dtype="int")
    if lengths.size and (lengths.min() < 0 or lengths.max() > T):
        raise DlbookError(f"Mỗi độ dài trong `lengths` phải nằm trong [0, {T}], "
                          f"nhưng nhận được {lengths.tolist()}.")
    return (np.arange(int(T))[None, :] < lengths[:, None])[:, None, :]


def scaled_dot_product_attention_forward(q, k, v, mask=None):
    """``softmax(q kᵀ / √d) v`` with an optional boolean mask; returns ``(out, cache)``.

    Shapes: ``q`` ``(..., Tq, d)``, ``k`` ``(..., Tk, d)``, ``v`` ``(..., Tk, dv)``; ``mask``
    broadcastable to ``(..., Tq, Tk)`` with ``True`` = keep. ``out`` is ``(..., Tq, dv)``;
    ``cache`` is a dict with ``q``, ``k``, ``v``, ``weights`` ``(..., Tq, Tk)`` and ``scale``.
    """
    q = as_float_array(q, "q", check_finite=True)
    k = as_float_array(k, "k", check_finite=True)
    v = as_float_array(v, "v", check_finite=True)
    for a, name in ((q, "q"), (k, "k"), (v, "v")):
        if a.ndim < 2:
            raise ShapeError(f"`{name}` phải có ít nhất 2 chiều (..., T, d), "
                             f"nhưng nhận được {tuple(a.shape)}.")
    if q.shape[-1] != k.shape[-1]:
        raise ShapeError(f"`q` và `k` phải có cùng chiều cuối d, nhưng có kích thước "
                         f"{tuple(q.shape)} và {tuple(k.shape)}.")
    if k.shape[-2] != v.shape[-2]:
        raise ShapeError(f"`k` có {k.shape[-2]} vị trí nhưng `v` có {v.shape[-2]}; "
                         "mỗi khóa cần đúng một giá trị.")
    scale = 1.0 / np.sqrt(q.shape[-1])
    scores = q @ np.swapaxes(k, -1, -2) * scale
    if mask is not None:
        mask = np.asarray(mask)
        if mask.dtype != bool:
            raise DlbookError(f"`mask` phải là mảng bool (True = được chú ý), "
                              f"nhưng có kiểu {mask.dtype}.")
        try:
            np.broadcast_shapes(mask.shape, scores.shape)
        except ValueError:
            raise ShapeError(f"`mask` có kích thước {tuple(mask.shape)} không mở rộng "
                             f"(broadcast) được tới điểm số {tuple(scores.shape)}.") from None
        if np.broadcast_shapes(mask.shape, scores.shape) != scores.shape:
            raise ShapeError(f"`mask` có kích thước {tuple(mask.shape)} làm đổi kích thước "
                             f"điểm số {tuple(scores.shape)}.")
    weights = masked_softmax(scores, mask)
    out = weights @ v
    return out, {"q": q, "k": k, "v": v, "weights": weights, "scale": scale}


def scaled_dot_product_attention_backward(dout, cache):
    """Gradients of :func:`scaled_dot_product_attention_forward`: returns ``(dq, dk, dv)``."""
    if not isinstance(cache, dict) or not {"q", "k", "v", "weights", "scale"} <= set(cache):
        raise DlbookError("`cache` phải là từ điển do `scaled_dot_product_attention_forward` "
                          "trả về (có q, k, v, weights, scale).")
    q, k, v, A, scale = (cache[n] for n in ("q", "k", "v", "weights", "scale"))
    out_shape = A.shape[:-1] + (v.shape[-1],)
    dout = as_float_array(dout, "dout")
    if dout.shape != out_shape:
        raise ShapeError(f"`dout` phải có kích thước {out_shape} như đầu ra, "
                         f"nhưng nhận được {tuple(dout.shape)}.")

    def _sum_to(g, shape):  # undo broadcasting over leading axes
        while g.ndim > len(shape):
            g = g.sum(axis=0)
        axes = tuple(i for i, s in enumerate(shape) if s == 1 and g.shape[i] != 1)
        return g.sum(axis=axes, keepdims=True) if axes else g

    dv = np.swapaxes(A, -1, -2) @ dout
    dA = dout @ np.swapaxes(v, -1, -2)
    dS = A * (dA - np.sum(dA * A, axis=-1, keepdims=True))
    dq = dS @ k * scale
    dk = np.swapaxes(dS, -1, -2) @ q * scale
    return _sum_to(dq, q.shape), _sum_to(dk, k.shape), _sum_to(dv, v.shape)


def causal_self_attention(x, Wq, Wk, Wv):
    """One head of causal self-attention: ``q = x Wq``, ``k = x Wk``, ``v = x Wv``, causal mask.

    ``x`` is ``(N, T, D)`` or ``(T, D)``; ``Wq``, ``Wk`` are ``(D, d)``, ``Wv`` ``(D, dv)``.
    Position ``t`` only sees positions ``0 … t``. Returns ``(N, T, dv)`` (or ``(T, dv)``).
    """
    x = as_float_array(x, "x", ndim=(2, 3), check_finite=True)
    D = x.shape[-1]
    Wq = as_float_array(Wq, "Wq", ndim=2)
    Wk = as_float_array(Wk, "Wk", ndim=2)
    Wv = as_float_array(Wv, "Wv", ndim=2)
    for W, name in ((Wq, "Wq"), (Wk, "Wk"), (Wv, "Wv")):
        if W.shape[0] != D:
            raise ShapeError(f"`{name}` phải có {D} hàng (D của `x`), "
                             f"nhưng có kích thước {tuple(W.shape)}.")
    if Wq.shape[1] != Wk.shape[1]:
        raise ShapeError(f"`Wq` và `Wk` phải có cùng số cột d, nhưng có kích thước "
                         f"{tuple(Wq.shape)} và {tuple(Wk.shape)}.")
    T = x.shape[-2]
    out, _ = scaled_dot_product_attention_forward(x @ Wq, x @ Wk, x @ Wv, causal_mask(T))
    return out
