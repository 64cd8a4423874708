"""Trusted verifier of assignment a11-gan-step (kept out of the students' folders).

References: torch.nn.functional.binary_cross_entropy_with_logits and autograd (float64); the
training step is re-run with separate torch.optim.SGD optimizers.
"""

import numpy as np
import torch
import torch.nn.functional as F

from dlbook.course.verify_api import NUMPY_NO_LOOPS, TORCH_ALLOWED, Task


def _t(a, grad=False):
    return torch.tensor(np.asarray(a, dtype=np.float64), requires_grad=grad)


def _logits(rng, n, scale):
    return rng.normal(0, scale, size=n)


def _d_cases(rng):
    cases = []
    for scale in (1.0, 5.0, 500.0):
        cases.append({"real_logits": _logits(rng, int(rng.integers(1, 40)), scale),
                      "fake_logits": _logits(rng, int(rng.integers(1, 40)), scale)})
    return cases


def _d_ref(real_logits, fake_logits):
    r, f = _t(real_logits), _t(fake_logits)
    loss = F.binary_cross_entropy_with_logits(r, torch.ones_like(r)) + \
        F.binary_cross_entropy_with_logits(f, torch.zeros_like(f))
    return loss.item()


def _g_cases(rng):
    return [{"fake_logits": _logits(rng, int(rng.integers(1, 40)), s)} for s in (1.0, 5.0, 500.0)]


def _g_ref(fake_logits):
    f = _t(fake_logits)
    return F.binary_cross_entropy_with_logits(f, torch.ones_like(f)).item()


def _grads_cases(rng):
    cases = []
    for scale in (1.0, 8.0, 300.0):
        shape = tuple(int(v) for v in rng.integers(1, 6, size=int(rng.integers(1, 3))))
        cases.append({"fake_logits": rng.normal(0, scale, size=shape)})
    return cases


def _grads_ref(fake_logits):
    f1, f2 = _t(fake_logits, True), _t(fake_logits, True)
    # minimax: mean log(1 − σ(f)) = −mean BCE(f, 0); non-saturating: mean BCE(f, 1)
    (-F.binary_cross_entropy_with_logits(f1, torch.zeros_like(f1))).backward()
    F.binary_cross_entropy_with_logits(f2, torch.ones_like(f2)).backward()
    return f1.grad.numpy(), f2.grad.numpy()


def _step_cases(rng):
    cases = []
    for _ in range(3):
        n, zd, xd = int(rng.integers(1, 10)), int(rng.integers(1, 4)), int(rng.integers(1, 4))
        cases.append({"real": rng.normal(2.0, 0.5, size=(n, xd)), "z": rng.normal(size=(n, zd)),
                      "G_W": rng.normal(size=(xd, zd)), "G_b": rng.normal(size=xd),
                      "D_W": rng.normal(size=(1, xd)), "D_b": rng.normal(size=1),
                      "lr": float(rng.uniform(0.01, 0.5))})
    return cases


def _step_ref(real, z, G_W, G_b, D_W, D_b, lr):
    G = torch.nn.Linear(G_W.shape[1], G_W.shape[0]).double()
    D = torch.nn.Linear(D_W.shape[1], 1).double()
    with torch.no_grad():
        for p, v in zip((G.weight, G.bias, D.weight, D.bias), (G_W, G_b, D_W, D_b)):
            p.copy_(_t(v))
    opt_G = torch.optim.SGD(G.parameters(), lr=lr)
    opt_D = torch.optim.SGD(D.parameters(), lr=lr)
    R, Z = _t(real), _t(z)
    losses = []
    for _ in range(2):
        opt_D.zero_grad()
        rl, fl = D(R), D(G(Z).detach())
        d = F.binary_cross_entropy_with_logits(rl, torch.ones_like(rl)) + \
            F.binary_cross_entropy_with_logits(fl, torch.zeros_like(fl))
        d.backward()
        opt_D.step()
        opt_G.zero_grad()
        gl = D(G(Z))
        g = F.binary_cross_entropy_with_logits(gl, torch.ones_like(gl))
        g.backward()
        opt_G.step()
        losses += [d.item(), g.item()]
    return (*losses, *(p.detach().numpy() for p in (G.weight, G.bias, D.weight, D.bias)))


TASKS = {
    "discriminator_loss": Task(_d_cases, _d_ref, rtol=1e-9, atol=1e-12, rules=NUMPY_NO_LOOPS),
    "generator_loss": Task(_g_cases, _g_ref, rtol=1e-9, atol=1e-12, rules=NUMPY_NO_LOOPS),
    "generator_grads": Task(_grads_cases, _grads_ref, rtol=1e-8, atol=1e-15, rules=NUMPY_NO_LOOPS),
    "gan_train_step": Task(_step_cases, _step_ref, rtol=1e-7, atol=1e-10, rules=TORCH_ALLOWED),
}
