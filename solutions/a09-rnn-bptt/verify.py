"""Trusted verifier of assignment a09-rnn-bptt (kept out of the students' folders).

References: PyTorch autograd (float64) for the recurrence and BPTT, an SVD for the spectral
norms, torch.nn.utils.clip_grad_norm_ for the clipping.
"""

import numpy as np
import torch

from dlbook.course.verify_api import NUMPY_NO_LOOPS, NUMPY_ONLY, Task


def _t(a, grad=False):
    return torch.tensor(np.asarray(a, dtype=np.float64), requires_grad=grad)


def _params(rng):
    n, t, d, h = (int(v) for v in rng.integers(1, 6, size=4))
    return {"X": rng.normal(size=(n, t, d)), "s0": rng.normal(size=(n, h)) * 0.5,
            "U": rng.normal(size=(h, d)) * 0.8, "W": rng.normal(size=(h, h)) * 0.8,
            "b": rng.normal(size=h) * 0.3}


def _torch_forward(X, s0, U, W, b):
    s, out = s0, []
    for t in range(X.shape[1]):
        s = torch.tanh(X[:, t] @ U.T + s @ W.T + b)
        out.append(s)
    return torch.stack(out, dim=1)


def _step_cases(rng):
    cases = []
    for _ in range(3):
        p = _params(rng)
        cases.append({"x_t": p["X"][:, 0], "s_prev": p["s0"], "U": p["U"], "W": p["W"],
                      "b": p["b"]})
    return cases


def _step_ref(x_t, s_prev, U, W, b):
    return torch.tanh(_t(x_t) @ _t(U).T + _t(s_prev) @ _t(W).T + _t(b)).numpy()


def _forward_cases(rng):
    return [_params(rng) for _ in range(3)]


def _forward_ref(X, s0, U, W, b):
    return _torch_forward(*(_t(a) for a in (X, s0, U, W, b))).numpy()


def _backward_cases(rng):
    cases = []
    for _ in range(3):
        p = _params(rng)
        S = _forward_ref(**p)
        cases.append({"dS": rng.normal(size=S.shape), "X": p["X"], "S": S, "s0": p["s0"],
                      "U": p["U"], "W": p["W"]})
    return cases


def _backward_ref(dS, X, S, s0, U, W):
    # b is not an input of the student's function: recover it from the first step,
    # atanh(s_1) = x_1 Uᵀ + s0 Wᵀ + b (exact up to rounding, |s| < 1 here)
    b = np.mean(np.arctanh(S[:, 0]) - X[:, 0] @ U.T - s0 @ W.T, axis=0)
    leaves = [_t(a, True) for a in (X, s0, U, W, b)]
    (_torch_forward(*leaves) * _t(dS)).sum().backward()
    return tuple(leaf.grad.numpy() for leaf in leaves)


def _jacobian_cases(rng):
    cases = []
    for scale in (0.5, 1.0, 2.0):
        t, h = int(rng.integers(1, 8)), int(rng.integers(1, 5))
        cases.append({"states": np.tanh(rng.normal(size=(t, h))),
                      "W": rng.normal(size=(h, h)) * scale})
    return cases


def _jacobian_ref(states, W):
    norms, product = [], np.eye(W.shape[0])
    for s in states[::-1]:
        product = product @ (np.diag(1 - s**2) @ W)
        norms.append(np.linalg.svd(product, compute_uv=False)[0])
    return np.array(norms)


def _clip_cases(rng):
    cases = []
    for scale in (0.01, 10.0, 1000.0):
        h, d = int(rng.integers(1, 6)), int(rng.integers(1, 6))
        cases.append({"dU": rng.normal(size=(h, d)) * scale, "dW": rng.normal(size=(h, h)) * scale,
                      "db": rng.normal(size=h) * scale, "max_norm": float(rng.uniform(0.5, 5))})
    return cases


def _clip_ref(dU, dW, db, max_norm):
    params = [torch.nn.Parameter(_t(np.zeros_like(a))) for a in (dU, dW, db)]
    for p, g in zip(params, (dU, dW, db)):
        p.grad = _t(g)
    torch.nn.utils.clip_grad_norm_(params, max_norm)  # scales by max_norm / (norm + 1e-6)
    return {k: p.grad.numpy() for k, p in zip(("U", "W", "b"), params)}


TASKS = {
    "rnn_step": Task(_step_cases, _step_ref, rtol=1e-9, atol=1e-12, rules=NUMPY_NO_LOOPS),
    "rnn_forward": Task(_forward_cases, _forward_ref, rtol=1e-9, atol=1e-12, rules=NUMPY_ONLY),
    "rnn_backward": Task(_backward_cases, _backward_ref, rtol=1e-6, atol=1e-9, rules=NUMPY_ONLY),
    "jacobian_norms": Task(_jacobian_cases, _jacobian_ref, rtol=1e-8, atol=1e-12, rules=NUMPY_ONLY),
    "clip_gradients": Task(_clip_cases, _clip_ref, rtol=1e-6, atol=1e-12, rules=NUMPY_ONLY),
}
