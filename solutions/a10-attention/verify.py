"""Trusted verifier of assignment a10-attention (kept out of the students' folders).

References: torch.nn.functional.scaled_dot_product_attention and torch.nn.MultiheadAttention
(float64); masks are boolean with True = may attend.
"""

import numpy as np
import torch
import torch.nn.functional as F

from dlbook.course.verify_api import NUMPY_NO_LOOPS, Task


def _t(a):
    return torch.tensor(np.asarray(a, dtype=np.float64))


def _sdpa_cases(rng):
    cases = []
    for kind in ("none", "full", "keys", "none_big"):
        b, tq, tk, d, dv = (int(v) for v in rng.integers(1, 6, size=5))
        scale = 200.0 if kind == "none_big" else 1.0
        case = {"Q": rng.normal(0, scale, size=(b, tq, d)), "K": rng.normal(size=(b, tk, d)),
                "V": rng.normal(size=(b, tk, dv))}
        if kind == "full":
            mask = rng.random((b, tq, tk)) < 0.6
            mask[..., int(rng.integers(tk))] = True
            case["mask"] = mask
        elif kind == "keys":
            mask = rng.random(tk) < 0.6
            mask[int(rng.integers(tk))] = True
            case["mask"] = mask
        cases.append(case)
    return cases


def _sdpa_ref(Q, K, V, mask=None):
    Qt, Kt, Vt = _t(Q), _t(K), _t(V)
    m = None
    if mask is not None:
        m = torch.as_tensor(np.broadcast_to(mask, Q.shape[:2] + K.shape[1:2]).copy())
    context = F.scaled_dot_product_attention(Qt, Kt, Vt, attn_mask=m)
    scores = Qt @ Kt.transpose(-1, -2) / np.sqrt(Q.shape[-1])
    if m is not None:
        scores = scores.masked_fill(~m, float("-inf"))
    return context.numpy(), torch.softmax(scores, dim=-1).numpy()


def _causal_cases(rng):
    return [{"T": int(t)} for t in rng.integers(1, 12, size=3)]


def _causal_ref(T):
    return np.array([[j <= i for j in range(T)] for i in range(T)], dtype=bool)


def _additive_cases(rng):
    cases = []
    for _ in range(3):
        b, tk, dq, dk, da = (int(v) for v in rng.integers(1, 7, size=5))
        cases.append({"q": rng.normal(size=(b, dq)), "K": rng.normal(size=(b, tk, dk)),
                      "W1": rng.normal(size=(da, dq)), "W2": rng.normal(size=(da, dk)),
                      "v": rng.normal(size=da)})
    return cases


def _additive_ref(q, K, W1, W2, v):
    return (torch.tanh((_t(q) @ _t(W1).T)[:, None, :] + _t(K) @ _t(W2).T) @ _t(v)).numpy()


def _mhsa_cases(rng):
    cases = []
    for _ in range(3):
        h = int(rng.integers(1, 4))
        d = h * int(rng.integers(1, 4))
        b, t = int(rng.integers(1, 4)), int(rng.integers(1, 7))
        ws = {k: rng.normal(size=(d, d)) / np.sqrt(d) for k in ("Wq", "Wk", "Wv", "Wo")}
        cases.append({"X": rng.normal(size=(b, t, d)), **ws, "num_heads": h})
    return cases


def _mhsa_ref(X, Wq, Wk, Wv, Wo, num_heads):
    d = X.shape[-1]
    mha = torch.nn.MultiheadAttention(d, num_heads, bias=False, batch_first=True).double()
    with torch.no_grad():
        mha.in_proj_weight.copy_(torch.cat([_t(Wq).T, _t(Wk).T, _t(Wv).T]))
        mha.out_proj.weight.copy_(_t(Wo).T)
        out, _ = mha(_t(X), _t(X), _t(X), need_weights=False)
    return out.numpy()


TASKS = {
    "scaled_dot_product_attention": Task(_sdpa_cases, _sdpa_ref, rtol=1e-7, atol=1e-10,
                                         rules=NUMPY_NO_LOOPS),
    "causal_mask": Task(_causal_cases, _causal_ref, rules=NUMPY_NO_LOOPS),
    "additive_scores": Task(_additive_cases, _additive_ref, rtol=1e-9, atol=1e-12,
                            rules=NUMPY_NO_LOOPS),
    "multi_head_self_attention": Task(_mhsa_cases, _mhsa_ref, rtol=1e-7, atol=1e-10,
                                      rules=NUMPY_NO_LOOPS),
}
