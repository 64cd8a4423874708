"""Trusted verifier of assignment a13-diffusion (kept out of the students' folders).

References: the book's own ``dlbook.nn.ddpm`` (``linear_beta_schedule``, ``cosine_beta_schedule``,
``NoiseSchedule``, ``q_sample``, ``p_sample_step``), run here on the trusted side only. The loss
task takes ``t`` and ``noise`` as inputs (``ddpm.ddpm_loss`` draws them itself), so its reference
is ``F.mse_loss(model(ddpm.q_sample(x0, t, noise, ᾱ), t), noise)`` with the gradients of the tiny
model's parameters.

``NoiseSchedule`` stores float32 constants; the students compute in float64, hence the relative
tolerance 1e-6 (float32 rounding is ~6e-8; an off-by-one step in ᾱ or a missing square root is
off by at least β_0 ≥ 1e-4).
"""

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from dlbook.course.verify_api import TORCH_ALLOWED, Task
from dlbook.nn import ddpm


class _TinyEps(nn.Module):
    """The notebook's TinyEpsModel: eps(x, t) = tanh(x @ W + emb[t])."""

    def __init__(self, W, emb):
        super().__init__()
        self.W = nn.Parameter(torch.as_tensor(W, dtype=torch.float64).clone())
        self.emb = nn.Parameter(torch.as_tensor(emb, dtype=torch.float64).clone())

    def forward(self, x, t):
        return torch.tanh(x @ self.W + self.emb[torch.as_tensor(t, dtype=torch.long)])


def _schedule(rng):
    """A random schedule (linear or cosine) as float64 numpy arrays, T in [2, 60]."""
    T = int(rng.integers(2, 61))
    if rng.random() < 0.5:
        betas = ddpm.linear_beta_schedule(T, float(rng.uniform(1e-4, 1e-2)), float(rng.uniform(0.02, 0.3)))
    else:
        betas = ddpm.cosine_beta_schedule(T)
    s = ddpm.NoiseSchedule(betas)
    return tuple(v.double().numpy() for v in (s.betas, s.alphas, s.alpha_bars))


# --------------------------------------------------------------------- 1. linear schedule

def _schedule_cases(rng):
    cases = [{"T": 1000, "beta_start": 1e-4, "beta_end": 0.02}]
    for _ in range(3):
        start = float(10.0 ** rng.uniform(-4, -2))
        cases.append({"T": int(rng.integers(2, 400)), "beta_start": start,
                      "beta_end": float(rng.uniform(max(start, 0.01), 0.5))})
    return cases


def _schedule_ref(T, beta_start, beta_end):
    s = ddpm.NoiseSchedule(ddpm.linear_beta_schedule(T, beta_start, beta_end))
    return s.betas, s.alphas, s.alpha_bars


# --------------------------------------------------------------------- 2. q_sample

def _q_sample_cases(rng):
    cases = []
    for shape in ((3, 3), (int(rng.integers(1, 6)), 2, 4, 4), (int(rng.integers(2, 9)),),
                  (int(rng.integers(1, 9)), int(rng.integers(1, 6)))):
        _, _, alpha_bars = _schedule(rng)
        cases.append({"x0": rng.normal(size=shape), "t": rng.integers(0, len(alpha_bars), shape[0]),
                      "noise": rng.normal(size=shape), "alpha_bars": alpha_bars})
    return cases


def _q_sample_ref(x0, t, noise, alpha_bars):
    return ddpm.q_sample(torch.as_tensor(x0), torch.as_tensor(t), torch.as_tensor(noise),
                         torch.as_tensor(alpha_bars))


# --------------------------------------------------------------------- 3. loss with given t, ε

def _model_case(rng, T):
    N, D = int(rng.integers(1, 9)), int(rng.integers(1, 5))
    return N, D, {"W": rng.normal(size=(D, D)), "emb": rng.normal(size=(T, D))}


def _loss_cases(rng):
    cases = []
    for _ in range(4):
        _, _, alpha_bars = _schedule(rng)
        T = len(alpha_bars)
        N, D, model = _model_case(rng, T)
        cases.append({**model, "x0": rng.normal(size=(N, D)), "t": rng.integers(0, T, N),
                      "noise": rng.normal(size=(N, D)), "alpha_bars": alpha_bars})
    return cases


def _loss_ref(W, emb, x0, t, noise, alpha_bars):
    model = _TinyEps(W, emb)
    t, noise = torch.as_tensor(t), torch.as_tensor(noise)
    x_t = ddpm.q_sample(torch.as_tensor(x0), t, noise, torch.as_tensor(alpha_bars))
    loss = F.mse_loss(model(x_t, t), noise)
    loss.backward()
    return float(loss.item()), model.W.grad, model.emb.grad


# --------------------------------------------------------------------- 4. one reverse step

def _step_cases(rng):
    cases = []
    for kind in ("middle", "last", "first", "middle"):
        betas, alphas, alpha_bars = _schedule(rng)
        T = len(betas)
        t = {"last": 0, "first": T - 1}.get(kind, int(rng.integers(1, T)))
        N, D, model = _model_case(rng, T)
        cases.append({**model, "x_t": rng.normal(size=(N, D)), "t": t, "betas": betas,
                      "alphas": alphas, "alpha_bars": alpha_bars, "noise": rng.normal(size=(N, D))})
    return cases


def _step_ref(W, emb, x_t, t, betas, alphas, alpha_bars, noise):
    schedule = ddpm.NoiseSchedule(torch.as_tensor(betas))
    with torch.no_grad():
        return ddpm.p_sample_step(_TinyEps(W, emb), torch.as_tensor(x_t), int(t), schedule,
                                  torch.as_tensor(noise))


TASKS = {
    "linear_noise_schedule": Task(_schedule_cases, _schedule_ref, rtol=1e-6, atol=1e-12,
                                  rules=TORCH_ALLOWED),
    "q_sample": Task(_q_sample_cases, _q_sample_ref, rtol=1e-9, atol=1e-12, rules=TORCH_ALLOWED),
    "ddpm_loss": Task(_loss_cases, _loss_ref, rtol=1e-9, atol=1e-12, rules=TORCH_ALLOWED),
    "p_sample_step": Task(_step_cases, _step_ref, rtol=1e-6, atol=1e-9, rules=TORCH_ALLOWED),
}

# Checked by the trusted grader on the submitted source: torch allowed, the book's dlbook.nn.ddpm
# (and every other reference library) is not.
