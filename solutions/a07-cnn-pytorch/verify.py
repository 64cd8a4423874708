"""Trusted verifier of assignment a07-cnn-pytorch (kept out of the students' folders).

The held-out task retrains the student's ``train_mnist_cnn`` on 3,500 training images drawn at
grading time with the ten classes renamed by a fresh permutation, and measures it on the 1,000
held-out images of the MNIST subset (which the sandbox does not have) with fresh noise
(σ = 0.05; ``MAX_SHIFT`` pixels of random shift are possible but cost the honest model ~3 points); their (renamed) labels stay under the private key ``_y``. The model must
reach 90% accuracy.
"""

import numpy as np
import torch
from torch import nn

from dlbook.course.verify_api import TORCH_ALLOWED, Task
from dlbook.data import load_mnist_subset

HELDOUT_ACCURACY = 0.90


def _build_cases(rng):
    return [{"x": rng.random((int(n), 1, 28, 28)).astype(np.float32)} for n in (1, 3, 8)]


def _build_ref(x):
    return np.array([len(x), 10]), True, True


def _accuracy_cases(rng):
    cases = []
    for _ in range(3):
        n, c = int(rng.integers(1, 60)), int(rng.integers(2, 12))
        logits = rng.normal(size=(n, c)).astype(np.float32)
        y = np.where(rng.random(n) < 0.6, logits.argmax(1), rng.integers(0, c, n))
        cases.append({"logits": logits, "y": y.astype(np.int64)})
    return cases


def _accuracy_ref(logits, y):
    return float(np.mean(np.argmax(logits, axis=1) == y))


def _train_cases(rng):
    cases = []
    for _ in range(3):
        n, d, c = int(rng.integers(1, 20)), int(rng.integers(1, 6)), int(rng.integers(2, 6))
        cases.append({"X": rng.normal(size=(n, d)), "y": rng.integers(0, c, n),
                      "W": rng.normal(size=(c, d)), "b": rng.normal(size=c),
                      "lr": float(rng.uniform(0.05, 1.0))})
    return cases


def _train_ref(X, y, W, b, lr):
    Wt = torch.tensor(W, requires_grad=True)
    bt = torch.tensor(b, requires_grad=True)
    losses = []
    for _ in range(2):
        loss = nn.functional.cross_entropy(torch.tensor(X) @ Wt.T + bt, torch.tensor(y))
        Wt.grad = bt.grad = None
        loss.backward()
        losses.append(loss.item())
        with torch.no_grad():
            Wt -= lr * Wt.grad
            bt -= lr * bt.grad
    return losses[0], losses[1], Wt.detach().numpy(), bt.detach().numpy()


def _predict_cases(rng):
    cases = []
    for _ in range(3):
        n, d, c = int(rng.integers(1, 40)), int(rng.integers(1, 8)), int(rng.integers(2, 8))
        cases.append({"X": rng.normal(size=(n, d)).astype(np.float32),
                      "W": rng.normal(size=(c, d)).astype(np.float32),
                      "b": rng.normal(size=c).astype(np.float32)})
    return cases


def _predict_ref(X, W, b):
    lin = nn.Linear(W.shape[1], W.shape[0])
    with torch.no_grad():
        lin.weight.copy_(torch.tensor(W))
        lin.bias.copy_(torch.tensor(b))
        return lin(torch.tensor(X)).argmax(1).numpy()


TRAIN_SIZE = 3500
#: Largest shift (pixels) of a held-out image, and the noise added to it.
MAX_SHIFT, NOISE = 0, 0.05


def _shift(images, rng):
    """Each image moved by a random whole number of pixels (zeros come in), plus a little noise."""
    out = np.zeros_like(images)
    h, w = images.shape[-2:]
    for k, (dy, dx) in enumerate(rng.integers(-MAX_SHIFT, MAX_SHIFT + 1, size=(len(images), 2))):
        out[k, :, max(dy, 0):h + min(dy, 0), max(dx, 0):w + min(dx, 0)] = \
            images[k, :, max(-dy, 0):h + min(-dy, 0), max(-dx, 0):w + min(-dx, 0)]
    noisy = out + rng.normal(0, NOISE, size=out.shape).astype(np.float32)
    return np.clip(noisy, 0.0, 1.0).astype(np.float32)


def _heldout_cases(rng):
    """Retrain on a fresh draw of the training images with the classes renamed at random (a
    table of known images and labels is useless), measure on the 1,000 held-out images (never in
    the sandbox: the student runtime has the training part only), noised afresh."""
    X_tr, y_tr = load_mnist_subset(split="train")
    X_te, y_te = load_mnist_subset(split="test")
    rename = rng.permutation(10)
    pick = rng.permutation(len(y_tr))[:TRAIN_SIZE]
    order = rng.permutation(len(y_te))
    return [{"X": np.ascontiguousarray(X_tr[pick]), "y": rename[y_tr[pick]].astype(np.int64),
             "X_test": _shift(X_te[order], rng), "__seed__": int(rng.integers(0, 2**31 - 1)),
             "_y": rename[y_te[order]].astype(np.int64)}]


def _heldout_ref(X, y, X_test, __seed__):
    return np.zeros(len(X_test), dtype=np.int64)  # labels live in case["_y"]; see _heldout_compare


def _heldout_compare(student, reference, case):
    pred = student.get("out0")
    if set(student) != {"out0"} or pred.shape != case["_y"].shape or pred.dtype.kind not in "iu":
        return False
    return float(np.mean(pred == case["_y"])) >= HELDOUT_ACCURACY


TASKS = {
    "build_cnn": Task(_build_cases, _build_ref, rules=TORCH_ALLOWED),
    "accuracy": Task(_accuracy_cases, _accuracy_ref, rtol=1e-6, atol=1e-7, rules=TORCH_ALLOWED),
    "train_step": Task(_train_cases, _train_ref, rtol=1e-7, atol=1e-10, rules=TORCH_ALLOWED),
    "predict": Task(_predict_cases, _predict_ref, rules=TORCH_ALLOWED),
    "train_mnist_cnn": Task(_heldout_cases, _heldout_ref, compare=_heldout_compare,
                            rules=TORCH_ALLOWED),
}
