"""Trusted verifier of assignment a06-optim-dropout-bn (kept out of the students' folders).

References: torch.optim.SGD / Adam with their state set to the case's (m, v), and
torch.nn.functional.batch_norm with autograd, in float64.
"""

import numpy as np
import torch
import torch.nn.functional as F

from dlbook.course.verify_api import NUMPY_NO_LOOPS, Task


def _t(a, grad=False):
    return torch.tensor(np.asarray(a, dtype=np.float64), requires_grad=grad)


def _shape(rng):
    return tuple(int(v) for v in rng.integers(1, 6, size=int(rng.integers(1, 3))))


def _momentum_cases(rng):
    cases = []
    for _ in range(3):
        s = _shape(rng)
        cases.append({"w": rng.normal(size=s), "grad": rng.normal(size=s),
                      "v": rng.normal(size=s), "lr": float(rng.uniform(0.001, 0.5)),
                      "beta": float(rng.uniform(0.0, 0.99))})
    return cases


def _momentum_ref(w, grad, v, lr, beta):
    p = torch.nn.Parameter(_t(w))
    opt = torch.optim.SGD([p], lr=lr, momentum=beta)
    opt.state[p]["momentum_buffer"] = _t(v)
    p.grad = _t(grad)
    opt.step()
    return p.detach().numpy(), opt.state[p]["momentum_buffer"].numpy()


def _adam_cases(rng):
    cases = []
    for scale in (1.0, 1e-3, 1e3):
        s = _shape(rng)
        cases.append({"w": rng.normal(size=s), "grad": rng.normal(0, scale, size=s),
                      "m": rng.normal(0, scale * 0.1, size=s),
                      "v": rng.uniform(0, scale**2 * 0.01, size=s),
                      "t": int(rng.integers(1, 30)), "lr": float(rng.uniform(1e-4, 0.1)),
                      "beta1": float(rng.uniform(0.5, 0.95)),
                      "beta2": float(rng.uniform(0.9, 0.9999)), "eps": 1e-8})
    return cases


def _adam_ref(w, grad, m, v, t, lr, beta1, beta2, eps):
    p = torch.nn.Parameter(_t(w))
    opt = torch.optim.Adam([p], lr=lr, betas=(beta1, beta2), eps=eps)
    opt.state[p] = {"step": torch.tensor(float(t - 1)), "exp_avg": _t(m), "exp_avg_sq": _t(v)}
    p.grad = _t(grad)
    opt.step()
    state = opt.state[p]
    return p.detach().numpy(), state["exp_avg"].numpy(), state["exp_avg_sq"].numpy()


def _dropout_cases(rng):
    cases = []
    for p, train in ((float(rng.uniform(0.05, 0.9)), True), (0.0, True), (1.0, True),
                     (float(rng.uniform(0.05, 0.9)), False)):
        s = _shape(rng)
        cases.append({"x": rng.normal(size=s), "p": p, "u": rng.random(s), "train": train})
    return cases


def _dropout_ref(x, p, u, train):
    if not train:
        return np.array(x, dtype=float)
    out = np.zeros_like(x, dtype=float)
    keep = u >= p
    if p < 1:
        out[keep] = x[keep] / (1 - p)
    return out


def _bn_case(rng):
    n, d = int(rng.integers(2, 20)), int(rng.integers(1, 6))
    return {"x": rng.normal(rng.uniform(-5, 5), rng.uniform(0.1, 5), size=(n, d)),
            "gamma": rng.normal(size=d), "eps": float(10.0 ** rng.integers(-8, -2))}


def _bn_forward_cases(rng):
    return [{**case, "beta": rng.normal(size=case["gamma"].shape)} for case in (_bn_case(rng) for _ in range(3))]


def _bn_forward_ref(x, gamma, beta, eps):
    return F.batch_norm(_t(x), None, None, _t(gamma), _t(beta), training=True, eps=eps).numpy()


def _bn_backward_cases(rng):
    return [{**case, "dout": rng.normal(size=case["x"].shape)} for case in (_bn_case(rng) for _ in range(3))]


def _bn_backward_ref(dout, x, gamma, eps):
    xt, gt, bt = _t(x, True), _t(gamma, True), _t(np.zeros_like(gamma), True)
    F.batch_norm(xt, None, None, gt, bt, training=True, eps=eps).backward(_t(dout))
    return xt.grad.numpy(), gt.grad.numpy(), bt.grad.numpy()


TASKS = {
    "momentum_step": Task(_momentum_cases, _momentum_ref, rtol=1e-10, atol=1e-12,
                          rules=NUMPY_NO_LOOPS),
    "adam_step": Task(_adam_cases, _adam_ref, rtol=1e-8, atol=1e-12, rules=NUMPY_NO_LOOPS),
    "dropout_forward": Task(_dropout_cases, _dropout_ref, rtol=1e-12, atol=0.0,
                            rules=NUMPY_NO_LOOPS),
    "batchnorm_forward": Task(_bn_forward_cases, _bn_forward_ref, rtol=1e-7, atol=1e-9,
                              rules=NUMPY_NO_LOOPS),
    "batchnorm_backward": Task(_bn_backward_cases, _bn_backward_ref, rtol=1e-6, atol=1e-8,
                               rules=NUMPY_NO_LOOPS),
}
