import numpy as np
import pytest
import torch
from torch import nn
from torch.distributions import Normal, kl_divergence

from dlbook.errors import DlbookError, ShapeError
from dlbook.nn.vae import (VAE, Autoencoder, VAEOutput, gaussian_kl, reconstruction_loss,
                           reconstruction_objective, vae_loss, vae_objective)


@pytest.fixture(autouse=True, scope="module")
def _one_torch_thread():
    n = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(n)


def test_gaussian_kl_matches_torch_distributions():
    torch.manual_seed(0)
    mu, logvar = torch.randn(7, 3), torch.randn(7, 3)
    ref = kl_divergence(Normal(mu, (0.5 * logvar).exp()), Normal(0.0, 1.0)).sum(1)
    torch.testing.assert_close(gaussian_kl(mu, logvar), ref)


def test_gaussian_kl_matches_a_monte_carlo_estimate():
    torch.manual_seed(1)
    mu, logvar = torch.tensor([[0.7, -1.2]]), torch.tensor([[-0.5, 0.4]])
    q = Normal(mu, (0.5 * logvar).exp())
    z = q.sample((400_000,))                      # E_q[log q(z) − log p(z)]
    mc = (q.log_prob(z) - Normal(0.0, 1.0).log_prob(z)).sum(-1).mean()
    assert gaussian_kl(mu, logvar).item() == pytest.approx(mc.item(), abs=0.01)


def test_gaussian_kl_is_zero_only_for_the_prior():
    assert gaussian_kl(torch.zeros(2, 4), torch.zeros(2, 4)).abs().max() == 0
    assert torch.all(gaussian_kl(torch.full((2, 4), 0.1), torch.zeros(2, 4)) > 0)


def test_gaussian_kl_gradients_are_the_closed_form():
    mu = torch.randn(3, 2, requires_grad=True)
    logvar = torch.randn(3, 2, requires_grad=True)
    gaussian_kl(mu, logvar).sum().backward()
    torch.testing.assert_close(mu.grad, mu.detach())
    torch.testing.assert_close(logvar.grad, 0.5 * (logvar.detach().exp() - 1))


def test_reconstruction_loss_is_summed_binary_cross_entropy():
    torch.manual_seed(2)
    logits, x = torch.randn(4, 6), torch.rand(4, 6)
    p = torch.sigmoid(logits)
    expected = -(x * p.log() + (1 - x) * (1 - p).log()).sum(1)
    torch.testing.assert_close(reconstruction_loss(logits, x), expected)
    with pytest.raises(ShapeError, match=r"\[0, 1\]"):
        reconstruction_loss(logits, 2 * x + 1)


def test_vae_loss_is_reconstruction_plus_beta_kl_averaged():
    torch.manual_seed(3)
    logits, x, mu, logvar = torch.randn(5, 8), torch.rand(5, 8), torch.randn(5, 2), torch.randn(5, 2)
    rec, kl = reconstruction_loss(logits, x), gaussian_kl(mu, logvar)
    assert vae_loss(logits, x, mu, logvar).item() == pytest.approx((rec + kl).mean().item(), rel=1e-6)
    assert vae_loss(logits, x, mu, logvar, beta=0.0).item() == pytest.approx(rec.mean().item(), rel=1e-6)
    out = VAEOutput(logits, mu, logvar, x)
    assert vae_objective(out, None, beta=2.0).item() == pytest.approx((rec + 2 * kl).mean().item(), rel=1e-6)
    with pytest.raises(DlbookError):
        vae_loss(logits, x, mu, logvar, beta=-1.0)


def test_reparameterisation_has_the_right_moments_and_passes_gradients():
    mu = torch.full((200_000, 1), 1.5, requires_grad=True)
    logvar = torch.full((200_000, 1), np.log(0.25), requires_grad=True)
    z = VAE.reparameterize(mu, logvar, generator=torch.Generator().manual_seed(0))
    assert z.mean().item() == pytest.approx(1.5, abs=0.005)
    assert z.std().item() == pytest.approx(0.5, rel=0.01)
    z.sum().backward()
    assert torch.all(mu.grad == 1)           # ∂z/∂mu = 1
    assert logvar.grad.abs().sum() > 0       # ∂z/∂logvar = ½ σ ε


def test_vae_shapes_train_and_eval_modes():
    torch.manual_seed(0)
    vae = VAE(64, latent_dim=2, hidden=(32, 16))
    x = torch.rand(5, 1, 8, 8)
    out = vae(x)
    assert out.logits.shape == (5, 64) and out.mu.shape == out.logvar.shape == (5, 2)
    torch.testing.assert_close(out.x, x.reshape(5, 64))
    vae.eval()
    a, b = vae(x), vae(x)
    torch.testing.assert_close(a.logits, b.logits)   # eval decodes the mean: deterministic
    torch.testing.assert_close(a.logits, vae.decode(a.mu))
    s = vae.sample(3, generator=torch.Generator().manual_seed(0))
    assert s.shape == (3, 64) and s.min() >= 0 and s.max() <= 1


def test_autoencoder_round_trip_shapes_and_bad_input():
    ae = Autoencoder(64, latent_dim=3, hidden=(16,))
    x = torch.rand(4, 64)
    assert ae.encode(x).shape == (4, 3) and ae(x).shape == (4, 64)
    assert reconstruction_objective(ae(x), x).ndim == 0
    with pytest.raises(ShapeError, match="64 giá trị"):
        ae(torch.rand(4, 10))
    with pytest.raises(DlbookError):
        Autoencoder(0)


def test_vae_trains_through_fit_and_lowers_the_negative_elbo():
    from dlbook.train import fit

    torch.manual_seed(0)
    X = (torch.rand(256, 16) > 0.5).float() * torch.tensor([1.0] * 8 + [0.0] * 8)  # half the pixels on at random
    data = torch.utils.data.TensorDataset(X, torch.zeros(256, dtype=torch.long))
    loader = torch.utils.data.DataLoader(data, batch_size=64, shuffle=True)
    vae = VAE(16, latent_dim=2, hidden=(32,))
    hist = fit(vae, loader, loss_fn=vae_objective, optimizer=torch.optim.Adam(vae.parameters(), 1e-2),
               epochs=20, metrics=(), device="cpu", progress=False)
    assert hist.train_loss[-1] < 0.7 * hist.train_loss[0]


def test_gaussian_likelihood_matches_torch_normal_log_prob():
    from dlbook.nn.vae import gaussian_nll

    torch.manual_seed(4)
    mean, x = torch.randn(6, 2), torch.randn(6, 2)
    ref = -Normal(mean, 0.3).log_prob(x).sum(1)
    torch.testing.assert_close(gaussian_nll(mean, x, 0.3), ref)
    mu, logvar = torch.randn(6, 2), torch.randn(6, 2)
    expected = (ref + gaussian_kl(mu, logvar)).mean()
    assert vae_loss(mean, x, mu, logvar, likelihood="gaussian", sigma=0.3).item() == pytest.approx(expected.item(), rel=1e-6)
    vae = VAE(2, latent_dim=2, hidden=(8,), likelihood="gaussian", sigma=0.3)
    out = vae(x)
    assert out.likelihood == "gaussian" and out.sigma == 0.3
    assert vae_objective(out).item() == pytest.approx(
        vae_loss(out.logits, x, out.mu, out.logvar, likelihood="gaussian", sigma=0.3).item())
    torch.testing.assert_close(vae.decode_mean(out.mu), vae.decode(out.mu))  # Gaussian mean: no sigmoid
    with pytest.raises(DlbookError, match="likelihood"):
        VAE(2, likelihood="poisson")
