import numpy as np
import pytest
import torch
from torch import nn

from dlbook.errors import DlbookError
from dlbook.nn.gan import (
    ConditionalDiscriminator,
    ConditionalGenerator,
    DCGANDiscriminator,
    DCGANGenerator,
    Discriminator2D,
    Generator2D,
    digits_for_gan,
    gan_train_step,
    mode_coverage,
    ring_of_gaussians,
    train_gan,
)


@pytest.fixture(autouse=True, scope="module")
def _one_torch_thread():
    """Small models train faster on one thread, and CI machines are shared."""
    n = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(n)


@pytest.mark.parametrize("size", [8, 16, 28])
def test_dcgan_shapes_for_several_image_sizes(size):
    G, D = DCGANGenerator(16, size, base_channels=8), DCGANDiscriminator(size, base_channels=8)
    fake = G(torch.randn(4, 16))
    assert fake.shape == (4, 1, size, size)
    assert fake.abs().max() <= 1  # tanh output, like the data scaled to [−1, 1]
    assert D(fake).shape == (4, 1)
    assert any(isinstance(m, nn.ConvTranspose2d) for m in G.modules())


def test_conditional_models_take_labels():
    G = ConditionalGenerator(16, num_classes=10, image_size=8, base_channels=8).eval()
    D = ConditionalDiscriminator(10, image_size=8, base_channels=8)
    z = torch.randn(1, 16).repeat(3, 1)
    fake = G(z, torch.tensor([0, 1, 2]))
    assert fake.shape == (3, 1, 8, 8) and D(fake, torch.tensor([0, 1, 2])).shape == (3, 1)
    assert not torch.allclose(fake[0], fake[1])  # same noise, different label


def test_image_size_must_be_divisible_by_four():
    with pytest.raises(DlbookError, match="chia hết cho 4"):
        DCGANGenerator(8, image_size=10)


def test_losses_of_an_undecided_discriminator():
    G, D = Generator2D(2, 8), Discriminator2D(2, 8)
    for m in D.modules():
        if isinstance(m, nn.Linear):
            nn.init.zeros_(m.weight)
            nn.init.zeros_(m.bias)
    opt = lambda m: torch.optim.SGD(m.parameters(), lr=0.0)  # noqa: E731
    stats = gan_train_step(G, D, torch.randn(16, 2), opt(G), opt(D))
    assert stats["d_loss"] == pytest.approx(2 * np.log(2))  # D = 1/2 everywhere
    assert stats["g_loss"] == pytest.approx(np.log(2))
    assert stats["d_real"] == pytest.approx(0.5) and stats["d_fake"] == pytest.approx(0.5)


def _generator_grad_norm(loss_name):
    torch.manual_seed(0)
    G, D = Generator2D(2, 8), Discriminator2D(2, 8)
    with torch.no_grad():
        D.net[-1].bias.fill_(-10.0)  # D is sure every sample is fake: D(G(z)) ≈ 0
    opt = lambda m: torch.optim.SGD(m.parameters(), lr=0.0)  # noqa: E731
    gan_train_step(G, D, torch.randn(32, 2), opt(G), opt(D), generator_loss=loss_name)
    return sum(p.grad.norm() ** 2 for p in G.parameters()).sqrt().item()


def test_minimax_generator_gradient_saturates_but_non_saturating_does_not():
    ns, mm = _generator_grad_norm("non_saturating"), _generator_grad_norm("minimax")
    assert ns > 1000 * mm  # σ(−10) ≈ 4.5e−5: the minimax gradient is scaled by D(G(z))
    with pytest.raises(DlbookError, match="generator_loss"):
        gan_train_step(None, None, torch.zeros(1, 2), None, None, generator_loss="wgan")


def test_discriminator_step_does_not_update_the_generator():
    torch.manual_seed(0)
    G, D = Generator2D(2, 8), Discriminator2D(2, 8)
    before = [p.clone() for p in G.parameters()]
    opt_d = torch.optim.SGD(D.parameters(), lr=0.1)
    opt_g = torch.optim.SGD(G.parameters(), lr=0.0)
    gan_train_step(G, D, torch.randn(16, 2), opt_g, opt_d)
    assert all(torch.equal(a, b) for a, b in zip(before, G.parameters()))


def test_gan_on_2d_data_moves_samples_onto_the_ring():
    torch.manual_seed(0)
    x, centres = ring_of_gaussians(512, seed=0)
    G, D = Generator2D(8, 32), Discriminator2D(2, 32)
    with torch.no_grad():
        before = G(torch.randn(500, 8)).numpy()
    train_gan(G, D, x, epochs=40, batch_size=64, lr=2e-3, progress=False)
    with torch.no_grad():
        after = G(torch.randn(500, 8)).numpy()
    dist = lambda s: np.abs(np.linalg.norm(s, axis=1) - 2.0).mean()  # noqa: E731
    assert dist(after) < 0.5 * dist(before)


def test_ring_data_and_mode_coverage():
    x, centres = ring_of_gaussians(800, modes=8, radius=2.0, std=0.05, seed=1)
    assert x.shape == (800, 2) and x.dtype == np.float32 and centres.shape == (8, 2)
    np.testing.assert_allclose(np.linalg.norm(centres, axis=1), 2.0)
    covered, quality = mode_coverage(x, centres)
    assert covered == 8 and quality > 0.97
    collapsed = np.repeat(centres[:1], 100, axis=0)
    assert mode_coverage(collapsed, centres) == (1, 1.0)


def test_digits_for_gan_and_a_short_conditional_run():
    X, y = digits_for_gan()
    assert X.shape == (1797, 1, 8, 8) and X.min() == -1 and X.max() == 1
    torch.manual_seed(0)
    G = ConditionalGenerator(8, 10, 8, base_channels=8)
    D = ConditionalDiscriminator(10, 8, base_channels=8)
    h = train_gan(G, D, X[:256], labels=y[:256], epochs=2, batch_size=64, progress=False)
    assert len(h["d_loss"]) == 2 and all(np.isfinite(v) for v in h["g_loss"])
