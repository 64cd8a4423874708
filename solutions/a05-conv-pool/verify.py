"""Trusted verifier of assignment a05-conv-pool (kept out of the students' folders).

References: torch.nn.functional.conv2d / max_pool2d and autograd in float64 (ties in max pooling
go to the first maximum in row-major order, as np.argmax does).
"""

import numpy as np
import torch
import torch.nn.functional as F

from dlbook.course.verify_api import NUMPY_ONLY, Task


def _t(a, grad=False):
    return torch.tensor(np.asarray(a, dtype=np.float64), requires_grad=grad)


def _size_cases(rng):
    cases = []
    for _ in range(4):
        k, p, s = int(rng.integers(1, 8)), int(rng.integers(0, 4)), int(rng.integers(1, 5))
        n = int(rng.integers(max(1, k - 2 * p), 60))
        cases.append({"n": n, "k": k, "p": p, "s": s})
    cases.append({"n": 7, "k": 3, "p": 0, "s": 3})
    return cases


def _size_ref(n, k, p, s):
    return (n - k + 2 * p) // s + 1


def _conv_case(rng):
    n, c, f = (int(v) for v in rng.integers(1, 4, size=3))
    kh, kw = (int(v) for v in rng.integers(1, 5, size=2))
    stride, pad = int(rng.integers(1, 4)), int(rng.integers(0, 3))
    h = int(rng.integers(max(1, kh - 2 * pad), 10))
    w = int(rng.integers(max(1, kw - 2 * pad), 10))
    return {"x": rng.normal(size=(n, c, h, w)), "w": rng.normal(size=(f, c, kh, kw)),
            "b": rng.normal(size=f), "stride": stride, "pad": pad}


def _conv_forward_cases(rng):
    return [_conv_case(rng) for _ in range(4)]


def _conv_forward_ref(x, w, b, stride, pad):
    return F.conv2d(_t(x), _t(w), _t(b), stride=stride, padding=pad).numpy()


def _conv_backward_cases(rng):
    cases = []
    for _ in range(4):
        case = _conv_case(rng)
        out = _conv_forward_ref(**case)
        del case["b"]
        case["dout"] = rng.normal(size=out.shape)
        cases.append(case)
    return cases


def _conv_backward_ref(dout, x, w, stride, pad):
    xt, wt = _t(x, True), _t(w, True)
    bt = _t(np.zeros(w.shape[0]), True)
    F.conv2d(xt, wt, bt, stride=stride, padding=pad).backward(_t(dout))
    return xt.grad.numpy(), wt.grad.numpy(), bt.grad.numpy()


def _pool_case(rng, ties=False):
    n, c = (int(v) for v in rng.integers(1, 4, size=2))
    pool, stride = int(rng.integers(1, 4)), int(rng.integers(1, 4))
    h, w = (int(v) for v in rng.integers(pool, 10, size=2))
    x = rng.integers(0, 3, size=(n, c, h, w)).astype(float) if ties else rng.normal(size=(n, c, h, w))
    return {"x": x, "pool": pool, "stride": stride}


def _pool_forward_cases(rng):
    return [_pool_case(rng) for _ in range(3)] + [_pool_case(rng, ties=True)]


def _pool_forward_ref(x, pool, stride):
    return F.max_pool2d(_t(x), pool, stride).numpy()


def _pool_backward_cases(rng):
    cases = []
    for ties in (False, False, True, True):
        case = _pool_case(rng, ties)
        case["dout"] = rng.normal(size=_pool_forward_ref(**case).shape)
        cases.append(case)
    return cases


def _pool_backward_ref(dout, x, pool, stride):
    xt = _t(x, True)
    F.max_pool2d(xt, pool, stride).backward(_t(dout))
    return xt.grad.numpy()


TASKS = {
    "conv_output_size": Task(_size_cases, _size_ref, rules=NUMPY_ONLY),
    "conv2d_forward": Task(_conv_forward_cases, _conv_forward_ref, rtol=1e-8, atol=1e-10,
                           rules=NUMPY_ONLY),
    "conv2d_backward": Task(_conv_backward_cases, _conv_backward_ref, rtol=1e-8, atol=1e-10,
                            rules=NUMPY_ONLY),
    "maxpool_forward": Task(_pool_forward_cases, _pool_forward_ref, rtol=1e-12, atol=0.0,
                            rules=NUMPY_ONLY),
    "maxpool_backward": Task(_pool_backward_cases, _pool_backward_ref, rtol=1e-10, atol=1e-12,
                             rules=NUMPY_ONLY),
}
