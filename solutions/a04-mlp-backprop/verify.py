"""Trusted verifier of assignment a04-mlp-backprop (kept out of the students' folders).

References use PyTorch autograd (float64).
"""

import numpy as np
import torch

from dlbook.course.verify_api import NUMPY_NO_LOOPS, NUMPY_ONLY, Task


def _t(a, grad=False):
    return torch.tensor(np.asarray(a, dtype=np.float64), requires_grad=grad)


def _dims(rng, k, low=1, high=8):
    return [int(v) for v in rng.integers(low, high, size=k)]


def _dense_cases(rng):
    cases = []
    for _ in range(3):
        n, d, m = _dims(rng, 3)
        cases.append({"dout": rng.normal(size=(n, m)), "X": rng.normal(size=(n, d)),
                      "W": rng.normal(size=(d, m))})
    return cases


def _dense_ref(dout, X, W):
    Xt, Wt, bt = _t(X, True), _t(W, True), _t(np.zeros(W.shape[1]), True)
    (Xt @ Wt + bt).backward(_t(dout))
    return Xt.grad.numpy(), Wt.grad.numpy(), bt.grad.numpy()


def _mlp_params(rng, scale=1.0):
    n, d, h, c = _dims(rng, 4, 1, 9)
    c = max(c, 2)
    return {"X": rng.normal(0, scale, size=(n, d)), "W1": rng.normal(size=(d, h)),
            "b1": rng.normal(size=h) * 0.5, "W2": rng.normal(size=(h, c)),
            "b2": rng.normal(size=c)}


def _forward_cases(rng):
    return [_mlp_params(rng), _mlp_params(rng), _mlp_params(rng, 300.0)]


def _forward_ref(X, W1, b1, W2, b2):
    H = torch.relu(_t(X) @ _t(W1) + _t(b1))
    return torch.softmax(H @ _t(W2) + _t(b2), dim=1).numpy()


def _loss_cases(rng):
    cases = []
    for scale in (1.0, 1.0, 50.0):
        case = _mlp_params(rng, scale)
        case["y"] = rng.integers(0, case["W2"].shape[1], case["X"].shape[0])
        cases.append(case)
    return cases


def _loss_ref(X, y, W1, b1, W2, b2):
    p = {k: _t(v, True) for k, v in dict(W1=W1, b1=b1, W2=W2, b2=b2).items()}
    logits = torch.relu(_t(X) @ p["W1"] + p["b1"]) @ p["W2"] + p["b2"]
    loss = torch.nn.functional.cross_entropy(logits, torch.tensor(y, dtype=torch.int64))
    loss.backward()
    return {"loss": loss.item(), **{k: v.grad.numpy() for k, v in p.items()}}


def _numgrad_cases(rng):
    return [{"x": rng.uniform(-2, 2, size=tuple(_dims(rng, k, 1, 5))),
             "a": float(rng.normal())} for k in (1, 2, 3)]


def _numgrad_ref(x, a):
    return a * np.cos(x) + 3 * x**2


def _step_cases(rng):
    cases = []
    for _ in range(3):
        n, d, h = _dims(rng, 3)
        cases.append({"X": rng.normal(size=(n, d)), "y": rng.random(n),
                      "W1": rng.normal(size=(d, h)), "b1": rng.normal(size=h),
                      "W2": rng.normal(size=(h, 1)), "b2": rng.normal(size=1),
                      "lr": float(rng.uniform(0.05, 2.0))})
    return cases


def _step_ref(X, y, W1, b1, W2, b2, lr):
    p = {k: _t(v, True) for k, v in dict(W1=W1, b1=b1, W2=W2, b2=b2).items()}
    a1 = torch.sigmoid(_t(X) @ p["W1"] + p["b1"])
    y_hat = torch.sigmoid(a1 @ p["W2"] + p["b2"]).reshape(-1)
    torch.nn.functional.binary_cross_entropy(y_hat, _t(y)).backward()
    return {k: (v - lr * v.grad).detach().numpy() for k, v in p.items()}


TASKS = {
    "dense_backward": Task(_dense_cases, _dense_ref, rtol=1e-9, atol=1e-12, rules=NUMPY_NO_LOOPS),
    "mlp_forward": Task(_forward_cases, _forward_ref, rtol=1e-7, atol=1e-12, rules=NUMPY_NO_LOOPS),
    "mlp_loss_and_grads": Task(_loss_cases, _loss_ref, rtol=1e-7, atol=1e-10, rules=NUMPY_NO_LOOPS),
    "numerical_gradient": Task(_numgrad_cases, _numgrad_ref, rtol=1e-6, atol=1e-6,
                               rules=NUMPY_ONLY),
    "sigmoid_net_step": Task(_step_cases, _step_ref, rtol=1e-7, atol=1e-10, rules=NUMPY_NO_LOOPS),
}
