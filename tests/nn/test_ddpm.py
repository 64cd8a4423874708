import math

import numpy as np
import pytest
import torch
from torch import nn

from dlbook.errors import DlbookError, DTypeError, ShapeError
from dlbook.nn.ddpm import (
    NoisePrediction,
    NoiseSchedule,
    cosine_beta_schedule,
    ddpm_loss,
    epsilon_mse,
    linear_beta_schedule,
    p_sample_step,
    q_sample,
    sample,
)


class LinearEps(nn.Module):
    """A tiny deterministic ε-model: ``a·x + b·t/T`` (enough to check formulas)."""

    def __init__(self, T, a=0.3, b=0.7):
        super().__init__()
        self.T, self.a, self.b = T, a, b
        self.calls = []

    def forward(self, x, t):
        self.calls.append(t.clone())
        return self.a * x + self.b * (t.float() / self.T).reshape(-1, *([1] * (x.ndim - 1)))


def test_linear_schedule_endpoints_and_spacing():
    betas = linear_beta_schedule(1000)
    assert betas.shape == (1000,) and betas.dtype == torch.float32
    assert betas[0].item() == pytest.approx(1e-4) and betas[-1].item() == pytest.approx(0.02)
    np.testing.assert_allclose(np.diff(betas.double().numpy()), (0.02 - 1e-4) / 999, rtol=1e-4)


def test_alpha_bars_are_the_cumulative_product_of_alphas():
    betas = np.random.default_rng(0).uniform(1e-4, 0.05, size=50)
    s = NoiseSchedule(torch.tensor(betas))
    assert s.T == 50
    np.testing.assert_allclose(s.alphas.numpy(), 1 - betas, rtol=1e-6)
    np.testing.assert_allclose(s.alpha_bars.numpy(), np.cumprod(1 - betas), rtol=1e-5)
    assert s.alpha_bars[0].item() == pytest.approx(1 - betas[0])


def test_cosine_schedule_follows_the_cosine_alpha_bar():
    T, s = 100, 0.008
    sched = NoiseSchedule(cosine_beta_schedule(T, s))
    f = lambda t: math.cos((t / T + s) / (1 + s) * math.pi / 2) ** 2  # noqa: E731
    expected = np.array([f(t + 1) / f(0) for t in range(T)])
    # the last β is clipped to 0.999, so compare before the final step
    np.testing.assert_allclose(sched.alpha_bars[:-1].numpy(), expected[:-1], rtol=1e-4, atol=1e-6)
    assert torch.all(sched.betas <= 0.999) and torch.all(sched.betas > 0)


def test_q_sample_mean_and_variance_match_the_closed_form():
    torch.manual_seed(0)
    sched = NoiseSchedule(linear_beta_schedule(200))
    n = 200_000
    x0 = torch.full((n, 1), 1.5)
    for step in (0, 50, 199):
        t = torch.full((n,), step, dtype=torch.long)
        xt = q_sample(x0, t, torch.randn(n, 1), sched.alpha_bars)
        ab = sched.alpha_bars[step].item()
        assert xt.mean().item() == pytest.approx(math.sqrt(ab) * 1.5, abs=5 * math.sqrt((1 - ab) / n) + 1e-6)
        assert xt.var().item() == pytest.approx(1 - ab, rel=0.02, abs=1e-5)


def test_q_sample_is_one_step_of_the_chain_at_t0_and_broadcasts_per_sample():
    sched = NoiseSchedule(linear_beta_schedule(10))
    x0, noise = torch.randn(3, 1, 4, 4), torch.randn(3, 1, 4, 4)
    t = torch.tensor([0, 4, 9])
    xt = q_sample(x0, t, noise, sched.alpha_bars)
    for i, step in enumerate(t.tolist()):
        ab = sched.alpha_bars[step]
        torch.testing.assert_close(xt[i], ab.sqrt() * x0[i] + (1 - ab).sqrt() * noise[i])
    torch.testing.assert_close(q_sample(x0, t, noise, sched), xt)  # a NoiseSchedule works too


def test_composed_forward_steps_match_q_sample_in_distribution():
    """Applying q(x_t | x_{t−1}) t+1 times gives the variance of the closed form."""
    torch.manual_seed(1)
    sched = NoiseSchedule(linear_beta_schedule(30, 1e-3, 0.1))
    x = torch.full((100_000, 1), 2.0)
    for step in range(30):
        x = (1 - sched.betas[step]).sqrt() * x + sched.betas[step].sqrt() * torch.randn_like(x)
    ab = sched.alpha_bars[-1].item()
    assert x.mean().item() == pytest.approx(2 * math.sqrt(ab), abs=0.01)
    assert x.var().item() == pytest.approx(1 - ab, rel=0.02)


def test_ddpm_loss_is_mse_to_the_drawn_noise_with_a_fixed_generator():
    sched = NoiseSchedule(linear_beta_schedule(50))
    model = LinearEps(50)
    x0 = torch.randn(16, 2)
    loss = ddpm_loss(model, x0, sched, generator=torch.Generator().manual_seed(3))
    g = torch.Generator().manual_seed(3)
    t = torch.randint(0, 50, (16,), generator=g)  # t first, then ε
    eps = torch.randn(16, 2, generator=g)
    ab = sched.alpha_bars[t][:, None]
    xt = ab.sqrt() * x0 + (1 - ab).sqrt() * eps
    expected = ((0.3 * xt + 0.7 * (t.float() / 50)[:, None] - eps) ** 2).mean()
    assert loss.item() == pytest.approx(expected.item(), rel=1e-6)
    torch.testing.assert_close(model.calls[0], t)


def test_ddpm_loss_of_the_perfect_predictor_is_zero_and_gradients_flow():
    sched = NoiseSchedule(linear_beta_schedule(20))
    x0 = torch.zeros(8, 3)  # x_t = sqrt(1 − ᾱ_t) ε, so ε = x_t / sqrt(1 − ᾱ_t)
    oracle = lambda x, t: x / (1 - sched.alpha_bars[t]).sqrt()[:, None]  # noqa: E731
    assert ddpm_loss(oracle, x0, sched, torch.Generator().manual_seed(0)).item() < 1e-10
    net = nn.Linear(3, 3)
    ddpm_loss(lambda x, t: net(x), torch.randn(8, 3), sched).backward()
    assert net.weight.grad is not None and net.weight.grad.abs().sum() > 0


def _posterior_mean(x_t, eps, t, s):
    """μ̃_t(x_t, x̂_0) of q(x_{t−1} | x_t, x_0), with x̂_0 recovered from ε (Ho et al., eq. 7)."""
    ab, b, a = s.alpha_bars[t].double(), s.betas[t].double(), s.alphas[t].double()
    ab_prev = s.alpha_bars[t - 1].double() if t > 0 else torch.tensor(1.0, dtype=torch.float64)
    x0_hat = (x_t.double() - (1 - ab).sqrt() * eps.double()) / ab.sqrt()
    return (ab_prev.sqrt() * b / (1 - ab)) * x0_hat + (a.sqrt() * (1 - ab_prev) / (1 - ab)) * x_t.double()


@pytest.mark.parametrize("step", [1, 7, 19])
def test_p_sample_step_matches_the_posterior_mean_plus_sigma_noise(step):
    sched = NoiseSchedule(linear_beta_schedule(20, 1e-3, 0.2))
    model = LinearEps(20)
    x_t, z = torch.randn(5, 2), torch.randn(5, 2)
    out = p_sample_step(model, x_t, step, sched, z)
    eps = 0.3 * x_t + 0.7 * step / 20
    expected = _posterior_mean(x_t, eps, step, sched) + sched.betas[step].double().sqrt() * z.double()
    torch.testing.assert_close(out.double(), expected, rtol=1e-5, atol=1e-5)
    assert model.calls[0].dtype == torch.long and torch.all(model.calls[0] == step)


def test_p_sample_step_adds_no_noise_at_t0():
    sched = NoiseSchedule(linear_beta_schedule(20))
    model = LinearEps(20)
    x = torch.randn(4, 3)
    a = p_sample_step(model, x, 0, sched, torch.randn(4, 3))
    b = p_sample_step(model, x, 0, sched, 100 * torch.randn(4, 3))
    c = p_sample_step(model, x, 0, sched, None)
    torch.testing.assert_close(a, b)
    torch.testing.assert_close(a, c)
    # at t = 0 the posterior mean is x̂_0; the two forms agree up to float32 rounding of 1 − ᾱ_0 = β_0
    torch.testing.assert_close(a.double(), _posterior_mean(x, 0.3 * x, 0, sched), rtol=2e-3, atol=2e-3)
    x0_hat = (x - (1 - sched.alpha_bars[0]).sqrt() * 0.3 * x) / sched.alpha_bars[0].sqrt()
    torch.testing.assert_close(a, x0_hat, rtol=1e-5, atol=1e-5)


def test_sample_is_reproducible_with_a_generator_and_records_the_chain():
    sched = NoiseSchedule(linear_beta_schedule(15))
    model = LinearEps(15)
    a = sample(model, sched, (6, 2), generator=torch.Generator().manual_seed(0), progress=False)
    b, kept = sample(model, sched, (6, 2), generator=torch.Generator().manual_seed(0), progress=False,
                     record=(14, 0))
    assert a.shape == (6, 2)
    torch.testing.assert_close(a, b)
    assert set(kept) == {14, 0}
    torch.testing.assert_close(kept[14], torch.randn(6, 2, generator=torch.Generator().manual_seed(0)))
    assert len(model.calls) == 30  # one call per step, two runs


def test_sampling_with_the_exact_noise_predictor_recovers_a_gaussian():
    """For x0 ~ N(m, s²) the optimal ε̂(x_t, t) is known; the reverse chain must return N(m, s²)."""
    m, s = 1.0, 0.5
    sched = NoiseSchedule(linear_beta_schedule(300, 1e-4, 0.05))

    def oracle(x, t):
        ab = sched.alpha_bars[t][:, None].double()
        x = x.double()
        return ((1 - ab).sqrt() * (x - ab.sqrt() * m) / (ab * s**2 + 1 - ab)).float()

    x = sample(oracle, sched, (20_000, 1), generator=torch.Generator().manual_seed(0), progress=False)
    assert x.mean().item() == pytest.approx(m, abs=0.03)
    assert x.std().item() == pytest.approx(s, rel=0.05)


def test_noise_prediction_wrapper_trains_through_fit():
    from dlbook.train import fit

    torch.manual_seed(0)
    sched = NoiseSchedule(linear_beta_schedule(20))
    net = nn.Sequential(nn.Linear(2, 32), nn.ReLU(), nn.Linear(32, 2))
    wrapper = NoisePrediction(lambda x, t: net(x), sched)
    wrapper.add_module("net", net)
    X = torch.zeros(256, 2)  # ε is a linear function of x_t here: learnable
    data = torch.utils.data.TensorDataset(X, torch.zeros(256, dtype=torch.long))
    loader = torch.utils.data.DataLoader(data, batch_size=64, shuffle=True)
    hist = fit(wrapper, loader, loss_fn=epsilon_mse, optimizer=torch.optim.Adam(net.parameters(), 1e-2),
               epochs=15, metrics=(), device="cpu", progress=False)
    assert hist.train_loss[-1] < 0.5 * hist.train_loss[0]
    eps_pred, eps = wrapper(X[:8])
    assert eps_pred.shape == eps.shape == (8, 2)
    assert epsilon_mse((eps, eps)).item() == 0


@pytest.mark.parametrize("betas, error", [
    (torch.tensor([0.1, 1.0]), DlbookError),
    (torch.tensor([0.0, 0.1]), DlbookError),
    (torch.tensor([[0.1, 0.2]]), ShapeError),
    (torch.tensor([]), ShapeError),
    ("abc", DTypeError),
])
def test_noise_schedule_rejects_bad_betas(betas, error):
    with pytest.raises(error):
        NoiseSchedule(betas)


def test_schedules_reject_bad_arguments():
    with pytest.raises(DlbookError, match="T"):
        linear_beta_schedule(0)
    with pytest.raises(DlbookError, match="beta_start"):
        linear_beta_schedule(10, beta_start=0.1, beta_end=0.01)
    with pytest.raises(DlbookError):
        cosine_beta_schedule(-3)


def test_q_sample_rejects_bad_input_with_vietnamese_messages():
    ab = NoiseSchedule(linear_beta_schedule(10)).alpha_bars
    x = torch.randn(4, 2)
    with pytest.raises(ShapeError, match="cùng kích thước"):
        q_sample(x, torch.zeros(4, dtype=torch.long), torch.randn(4, 3), ab)
    with pytest.raises(DTypeError, match="số nguyên"):
        q_sample(x, torch.zeros(4), torch.randn(4, 2), ab)
    with pytest.raises(ShapeError, match="một bước cho mỗi mẫu"):
        q_sample(x, torch.zeros(3, dtype=torch.long), torch.randn(4, 2), ab)
    with pytest.raises(DlbookError, match=r"\[0, 10\)"):
        q_sample(x, torch.full((4,), 10, dtype=torch.long), torch.randn(4, 2), ab)
    with pytest.raises(DTypeError, match="torch.Tensor"):
        q_sample(np.zeros((4, 2)), torch.zeros(4, dtype=torch.long), torch.randn(4, 2), ab)


def test_sampling_functions_reject_bad_input():
    sched = NoiseSchedule(linear_beta_schedule(10))
    model = LinearEps(10)
    with pytest.raises(DlbookError, match=r"\[0, 10\)"):
        p_sample_step(model, torch.randn(2, 2), 10, sched, torch.randn(2, 2))
    with pytest.raises(DTypeError, match="số nguyên"):
        p_sample_step(model, torch.randn(2, 2), 2.5, sched, torch.randn(2, 2))
    with pytest.raises(ShapeError):
        p_sample_step(model, torch.randn(2, 2), 3, sched, torch.randn(2, 5))
    with pytest.raises(DTypeError, match="NoiseSchedule"):
        ddpm_loss(model, torch.randn(2, 2), linear_beta_schedule(10))
    with pytest.raises(ShapeError, match="ε dự đoán"):
        ddpm_loss(lambda x, t: x[:, :1], torch.randn(2, 2), sched)
    with pytest.raises(ShapeError, match="shape"):
        sample(model, sched, (0, 2), progress=False)
