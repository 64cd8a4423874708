"""Denoising diffusion probabilistic models (DDPM, Ho et al. 2020), the parts a sampler needs.

Forward process: ``q(x_t | x_{t-1}) = N(sqrt(1 − β_t) x_{t-1}, β_t I)``; composed, it has the
closed form ``x_t = sqrt(ᾱ_t) x_0 + sqrt(1 − ᾱ_t) ε`` with ``ᾱ_t = ∏_{s ≤ t} (1 − β_s)`` and
``ε ~ N(0, I)`` (:func:`q_sample`). A network ``model(x_t, t)`` learns to predict ``ε``
(:func:`ddpm_loss`, the simplified ELBO of the paper); sampling runs the reverse chain
``x_{t-1} = (x_t − β_t / sqrt(1 − ᾱ_t) · ε_θ(x_t, t)) / sqrt(α_t) + σ_t z`` with ``σ_t² = β_t``
from ``x_{T-1} ~ N(0, I)`` down to ``t = 0``, where no noise is added (:func:`p_sample_step`,
:func:`sample`).

Time steps are 0-based: ``t ∈ {0, …, T − 1}``, ``alpha_bars[t] = ∏_{s=0}^{t} alphas[s]``.

To train through :func:`dlbook.train.fit`, wrap the network in :class:`NoisePrediction` (its
``forward(x0)`` draws ``t`` and ``ε`` and returns ``(eps_pred, eps)``) and use
:func:`epsilon_mse` as the loss.
"""

from __future__ import annotations

import math
from typing import Iterable, Optional

import torch
from torch import nn
import torch.nn.functional as F
from tqdm.auto import tqdm

from dlbook.errors import DlbookError, DTypeError, ShapeError, check_positive

__all__ = [
    "linear_beta_schedule",
    "cosine_beta_schedule",
    "NoiseSchedule",
    "q_sample",
    "ddpm_loss",
    "p_sample_step",
    "sample",
    "NoisePrediction",
    "epsilon_mse",
]


def linear_beta_schedule(T: int, beta_start: float = 1e-4, beta_end: float = 0.02) -> torch.Tensor:
    """``T`` values of β evenly spaced from ``beta_start`` to ``beta_end`` (Ho et al. 2020)."""
    check_positive(T, "T", integer=True)
    check_positive(beta_start, "beta_start")
    check_positive(beta_end, "beta_end")
    if not (beta_start <= beta_end < 1):
        raise DlbookError(
            f"Cần 0 < beta_start ≤ beta_end < 1, nhưng nhận được beta_start={beta_start!r}, "
            f"beta_end={beta_end!r}."
        )
    return torch.linspace(beta_start, beta_end, T, dtype=torch.float64).float()


def cosine_beta_schedule(T: int, s: float = 0.008) -> torch.Tensor:
    """β from the cosine schedule of Nichol & Dhariwal (2021).

    ``ᾱ(t) = f(t) / f(0)`` with ``f(t) = cos²((t/T + s) / (1 + s) · π/2)``, then
    ``β_t = 1 − ᾱ_t / ᾱ_{t−1}`` clipped to at most 0.999 (the last steps would otherwise be 1).
    """
    check_positive(T, "T", integer=True)
    check_positive(s, "s")
    steps = torch.arange(T + 1, dtype=torch.float64)
    f = torch.cos((steps / T + s) / (1 + s) * math.pi / 2) ** 2
    alpha_bars = f / f[0]
    betas = 1 - alpha_bars[1:] / alpha_bars[:-1]
    return betas.clamp(max=0.999).float()


class NoiseSchedule:
    """The constants of a diffusion: ``betas``, ``alphas = 1 − betas``, ``alpha_bars`` (their
    cumulative product) and the number of steps ``T``. All are float32 tensors of shape ``(T,)``.
    """

    def __init__(self, betas):
        if not isinstance(betas, torch.Tensor):
            try:
                betas = torch.as_tensor(betas, dtype=torch.float64)
            except (TypeError, ValueError, RuntimeError) as exc:
                raise DTypeError(f"`betas` phải là một dãy số thực, nhưng nhận được {type(betas).__name__}.") from exc
        if betas.ndim != 1 or betas.numel() == 0:
            raise ShapeError(f"`betas` phải là tensor 1 chiều, khác rỗng, nhưng có kích thước {tuple(betas.shape)}.")
        if not betas.is_floating_point():
            betas = betas.double()
        if not torch.all(torch.isfinite(betas)) or not torch.all((betas > 0) & (betas < 1)):
            raise DlbookError("Mọi giá trị của `betas` phải nằm trong khoảng (0, 1).")
        b64 = betas.detach().double().cpu()
        self.betas = b64.float()
        self.alphas = (1 - b64).float()
        self.alpha_bars = torch.cumprod(1 - b64, dim=0).float()
        self.T = int(b64.numel())

    def __repr__(self) -> str:
        return (f"NoiseSchedule(T={self.T}, beta[0]={self.betas[0].item():.2e}, "
                f"beta[-1]={self.betas[-1].item():.2e}, alpha_bar[-1]={self.alpha_bars[-1].item():.2e})")


def _check_schedule(schedule) -> NoiseSchedule:
    if not isinstance(schedule, NoiseSchedule):
        raise DTypeError(f"`schedule` phải là một NoiseSchedule, nhưng nhận được {type(schedule).__name__}.")
    return schedule


def _check_tensor(x, name: str) -> torch.Tensor:
    if not isinstance(x, torch.Tensor):
        raise DTypeError(f"`{name}` phải là torch.Tensor, nhưng nhận được {type(x).__name__}.")
    if not x.is_floating_point():
        raise DTypeError(f"`{name}` phải chứa số thực (float), nhưng có kiểu {x.dtype}.")
    if x.ndim < 1 or x.shape[0] == 0:
        raise ShapeError(f"`{name}` phải có chiều batch (N, ...) với N ≥ 1, nhưng có kích thước {tuple(x.shape)}.")
    return x


def _broadcast(values: torch.Tensor, like: torch.Tensor) -> torch.Tensor:
    """``values (N,)`` reshaped to ``(N, 1, 1, …)`` so it broadcasts over ``like``'s other dims."""
    return values.to(device=like.device, dtype=like.dtype).reshape(-1, *([1] * (like.ndim - 1)))


def q_sample(x0: torch.Tensor, t: torch.Tensor, noise: torch.Tensor, alpha_bars) -> torch.Tensor:
    """``x_t = sqrt(ᾱ_t)·x0 + sqrt(1 − ᾱ_t)·noise``, one ``t`` per sample.

    ``x0`` and ``noise`` have the same shape ``(N, …)``; ``t`` is a long tensor ``(N,)`` with
    values in ``[0, T)``; ``alpha_bars`` a tensor ``(T,)`` (or a :class:`NoiseSchedule`).
    """
    if isinstance(alpha_bars, NoiseSchedule):
        alpha_bars = alpha_bars.alpha_bars
    _check_tensor(x0, "x0")
    _check_tensor(noise, "noise")
    if noise.shape != x0.shape:
        raise ShapeError(f"`noise` phải có cùng kích thước với `x0` {tuple(x0.shape)}, nhưng có {tuple(noise.shape)}.")
    if not isinstance(alpha_bars, torch.Tensor) or alpha_bars.ndim != 1:
        raise ShapeError("`alpha_bars` phải là tensor 1 chiều (T,).")
    t = _check_timesteps(t, len(x0), alpha_bars.numel())
    ab = alpha_bars.to(x0.device)[t.to(x0.device)]
    return _broadcast(ab.sqrt(), x0) * x0 + _broadcast((1 - ab).sqrt(), x0) * noise


def _check_timesteps(t, n: int, T: int) -> torch.Tensor:
    if not isinstance(t, torch.Tensor):
        raise DTypeError(f"`t` phải là tensor số nguyên (N,), nhưng nhận được {type(t).__name__}.")
    if t.dtype not in (torch.int64, torch.int32, torch.int16, torch.int8, torch.uint8):
        raise DTypeError(f"`t` phải là tensor số nguyên (torch.long), nhưng có kiểu {t.dtype}.")
    if t.shape != (n,):
        raise ShapeError(f"`t` phải có kích thước ({n},) (một bước cho mỗi mẫu), nhưng có {tuple(t.shape)}.")
    if n and (t.min() < 0 or t.max() >= T):
        raise DlbookError(f"Các bước `t` phải nằm trong [0, {T}), nhưng có giá trị từ "
                          f"{int(t.min())} đến {int(t.max())}.")
    return t.long()


def _noisy_batch(x0: torch.Tensor, schedule: NoiseSchedule, generator: Optional[torch.Generator] = None):
    """Draw ``t ~ U{0, …, T−1}`` then ``ε ~ N(0, I)`` (in this order, from ``generator``, on its
    device, default the CPU) and return ``(x_t, t, ε)`` on ``x0``'s device."""
    gen_device = generator.device if generator is not None else torch.device("cpu")
    t = torch.randint(0, schedule.T, (len(x0),), generator=generator, device=gen_device).to(x0.device)
    noise = torch.randn(x0.shape, generator=generator, device=gen_device, dtype=x0.dtype).to(x0.device)
    return q_sample(x0, t, noise, schedule.alpha_bars), t, noise


def ddpm_loss(model, x0: torch.Tensor, schedule: NoiseSchedule,
              generator: Optional[torch.Generator] = None) -> torch.Tensor:
    """The simplified DDPM objective: ``mean ‖ε − model(x_t, t)‖²`` (``F.mse_loss``).

    ``t`` is drawn uniformly in ``[0, T)`` (one per sample) first, then ``ε ~ N(0, I)`` with the
    shape of ``x0``, both from ``generator`` (default: torch's global generator).
    """
    _check_schedule(schedule)
    _check_tensor(x0, "x0")
    x_t, t, noise = _noisy_batch(x0, schedule, generator)
    eps_pred = model(x_t, t)
    if eps_pred.shape != noise.shape:
        raise ShapeError(f"`model(x_t, t)` phải trả về ε dự đoán có kích thước {tuple(noise.shape)}, "
                         f"nhưng trả về {tuple(eps_pred.shape)}.")
    return F.mse_loss(eps_pred, noise)


def p_sample_step(model, x_t: torch.Tensor, t: int, schedule: NoiseSchedule,
                  noise: Optional[torch.Tensor] = None) -> torch.Tensor:
    """One reverse step ``x_t → x_{t−1}`` of DDPM.

    ``mean = (x_t − β_t / sqrt(1 − ᾱ_t) · model(x_t, t)) / sqrt(α_t)``; the result is
    ``mean + sqrt(β_t) · noise`` for ``t > 0`` and ``mean`` for ``t = 0`` (``noise`` is then
    ignored and may be None). For ``t > 0`` a None ``noise`` is drawn from torch's global
    generator. ``t`` is a Python int in ``[0, T)``; the model receives it as a long tensor ``(N,)``.
    """
    _check_schedule(schedule)
    _check_tensor(x_t, "x_t")
    if isinstance(t, bool) or not isinstance(t, int):
        if isinstance(t, torch.Tensor) and t.numel() == 1 and not t.is_floating_point():
            t = int(t.item())
        else:
            raise DTypeError(f"`t` phải là một số nguyên Python, nhưng nhận được {t!r}.")
    if not 0 <= t < schedule.T:
        raise DlbookError(f"`t` phải nằm trong [0, {schedule.T}), nhưng nhận được {t}.")
    beta, alpha, alpha_bar = (float(v[t]) for v in (schedule.betas, schedule.alphas, schedule.alpha_bars))
    t_batch = torch.full((len(x_t),), t, dtype=torch.long, device=x_t.device)
    eps = model(x_t, t_batch)
    if eps.shape != x_t.shape:
        raise ShapeError(f"`model(x_t, t)` phải trả về kích thước {tuple(x_t.shape)}, nhưng trả về {tuple(eps.shape)}.")
    mean = (x_t - beta / math.sqrt(1 - alpha_bar) * eps) / math.sqrt(alpha)
    if t == 0:
        return mean
    if noise is None:
        noise = torch.randn_like(x_t)
    elif noise.shape != x_t.shape:
        raise ShapeError(f"`noise` phải có cùng kích thước với `x_t` {tuple(x_t.shape)}, nhưng có {tuple(noise.shape)}.")
    return mean + math.sqrt(beta) * noise.to(x_t.device)


def _model_device(model) -> torch.device:
    try:
        return next(model.parameters()).device
    except (AttributeError, StopIteration):
        return torch.device("cpu")


@torch.no_grad()
def sample(model, schedule: NoiseSchedule, shape, generator: Optional[torch.Generator] = None,
           progress: bool = True, record: Iterable[int] = ()):
    """Draw ``shape[0]`` samples by running the reverse chain from ``x_{T−1} ~ N(0, I)`` to ``t = 0``.

    The start and the noise of each step ``t > 0`` come from ``generator`` (on its device, default
    the CPU), so a seeded generator gives the same samples on any device. The model runs in eval
    mode on its own device. With ``record`` (a collection of steps ``t``), returns
    ``(x0, {t: x_t before step t})`` instead of ``x0``, for drawing the chain.
    """
    _check_schedule(schedule)
    shape = tuple(shape)
    if not shape or any(not isinstance(d, int) or d < 1 for d in shape):
        raise ShapeError(f"`shape` phải là một bộ số nguyên dương (N, ...), nhưng nhận được {shape!r}.")
    record = set(record)
    device = _model_device(model)
    gen_device = generator.device if generator is not None else torch.device("cpu")
    was_training = getattr(model, "training", False)
    if hasattr(model, "eval"):
        model.eval()
    x = torch.randn(shape, generator=generator, device=gen_device).to(device)
    kept = {}
    for t in tqdm(range(schedule.T - 1, -1, -1), desc="Lấy mẫu", disable=not progress):
        if t in record:
            kept[t] = x.cpu().clone()
        noise = torch.randn(shape, generator=generator, device=gen_device).to(device) if t > 0 else None
        x = p_sample_step(model, x, t, schedule, noise)
    if was_training:
        model.train()
    return (x, kept) if record else x


class NoisePrediction(nn.Module):
    """Wraps an ε-prediction network for :func:`dlbook.train.fit`.

    ``forward(x0)`` draws ``t`` and ``ε`` (torch's global generator, as :func:`ddpm_loss` does),
    forms ``x_t`` and returns ``(model(x_t, t), ε)``; :func:`epsilon_mse` is the matching loss.
    The loader's targets are ignored: give integer labels (or zeros), not floats.
    """

    def __init__(self, model: nn.Module, schedule: NoiseSchedule):
        super().__init__()
        self.model = model
        self.schedule = _check_schedule(schedule)

    def forward(self, x0):
        x_t, t, noise = _noisy_batch(_check_tensor(x0, "x0"), self.schedule)
        return self.model(x_t, t), noise


def epsilon_mse(outputs, targets=None) -> torch.Tensor:
    """Loss for ``fit`` with :class:`NoisePrediction`: MSE between the two outputs ``(ε̂, ε)``."""
    eps_pred, eps = outputs
    return F.mse_loss(eps_pred, eps)
