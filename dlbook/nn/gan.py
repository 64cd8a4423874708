"""Generative adversarial networks: on 2-D points, DCGAN on small digit images, conditional GAN.

The discriminator ``D`` maximises ``E[log D(x)] + E[log(1 − D(G(z)))]``; the generator of the
original minimax game minimises ``E[log(1 − D(G(z)))]``, whose gradient vanishes when ``D``
easily rejects the fakes (early in training). The **non-saturating** loss used in practice
maximises ``E[log D(G(z))]`` instead: the same fixed point, strong gradients early.
``gan_train_step`` does one update of each network with either generator loss.

Data helpers: ``ring_of_gaussians`` (8 Gaussian modes on a circle: a mode-collapse test bed)
and ``digits_for_gan`` (scikit-learn's 1,797 digit images of 8×8, scaled to [−1, 1]; they
ship with scikit-learn, so DCGAN and cGAN train on a CPU in a minute).
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn
import torch.nn.functional as F

from dlbook.errors import DlbookError, check_positive
# Moved to dlbook.data and dlbook.scratch.metrics (models are models); re-exported here until every chapter imports it from there.
from dlbook.data.gan_data import digits_for_gan, ring_of_gaussians  # noqa: F401
from dlbook.scratch.metrics import mode_coverage  # noqa: F401

__all__ = [
    "ring_of_gaussians",
    "digits_for_gan",
    "Generator2D",
    "Discriminator2D",
    "DCGANGenerator",
    "DCGANDiscriminator",
    "ConditionalGenerator",
    "ConditionalDiscriminator",
    "gan_train_step",
    "gan_step",
    "GANPair",
    "train_gan",
    "mode_coverage",
    "GAN_DEFAULTS",
]

#: Settings for the GAN chapters. 2-D: all 8 modes of ``ring_of_gaussians`` covered in about
#: 10 s; digits: a cGAN whose samples a logistic regression trained on real digits reads as the
#: requested digit ≈ 95 % of the time, in about 30 s (figures in ``bench/bench_part678.py``).
GAN_DEFAULTS = {
    "2d": {"n": 2000, "latent_dim": 8, "hidden": 64, "epochs": 150, "batch_size": 128, "lr": 1e-3},
    "dcgan": {"latent_dim": 32, "image_size": 8, "base_channels": 32, "epochs": 25,
              "batch_size": 64, "lr": 2e-3},
}


def _mlp(sizes, out_act=None):
    layers = []
    for a, b in zip(sizes[:-2], sizes[1:-1]):
        layers += [nn.Linear(a, b), nn.LeakyReLU(0.2)]
    layers.append(nn.Linear(sizes[-2], sizes[-1]))
    if out_act is not None:
        layers.append(out_act)
    return nn.Sequential(*layers)


class Generator2D(nn.Module):
    """MLP ``z (N, latent_dim) → x (N, 2)``."""

    def __init__(self, latent_dim: int = 8, hidden: int = 64, out_dim: int = 2):
        super().__init__()
        self.net = _mlp([latent_dim, hidden, hidden, out_dim])
        self.latent_dim = latent_dim

    def forward(self, z):
        return self.net(z)


class Discriminator2D(nn.Module):
    """MLP ``x (N, 2) → logit (N, 1)`` (the probability "real" is its sigmoid)."""

    def __init__(self, in_dim: int = 2, hidden: int = 64):
        super().__init__()
        self.net = _mlp([in_dim, hidden, hidden, 1])

    def forward(self, x):
        return self.net(x)


def _check_image_size(image_size):
    check_positive(image_size, "image_size", integer=True)
    if image_size % 4:
        raise DlbookError(f"`image_size` = {image_size} phải chia hết cho 4 (hai lần nhân đôi "
                          "kích thước bằng tích chập chuyển vị).")


class DCGANGenerator(nn.Module):
    """DCGAN generator: ``z`` → dense → ``(2b, S/4, S/4)`` → two ``ConvTranspose2d`` (kernel 4,
    stride 2) with batch norm and ReLU → ``tanh`` image ``(channels, S, S)``."""

    def __init__(self, latent_dim: int = 32, image_size: int = 8, channels: int = 1,
                 base_channels: int = 32):
        super().__init__()
        _check_image_size(image_size)
        b, s = base_channels, image_size // 4
        self.project = nn.Sequential(nn.Linear(latent_dim, 2 * b * s * s), nn.BatchNorm1d(2 * b * s * s),
                                     nn.ReLU())
        self.up = nn.Sequential(
            nn.ConvTranspose2d(2 * b, b, 4, stride=2, padding=1), nn.BatchNorm2d(b), nn.ReLU(),
            nn.ConvTranspose2d(b, channels, 4, stride=2, padding=1), nn.Tanh(),
        )
        self.latent_dim, self.start, self.base = latent_dim, s, b

    def forward(self, z):
        return self.up(self.project(z).view(-1, 2 * self.base, self.start, self.start))


class DCGANDiscriminator(nn.Module):
    """DCGAN discriminator: two strided convolutions (kernel 4, stride 2) with LeakyReLU → logit."""

    def __init__(self, image_size: int = 8, channels: int = 1, base_channels: int = 32):
        super().__init__()
        _check_image_size(image_size)
        b, s = base_channels, image_size // 4
        self.net = nn.Sequential(
            nn.Conv2d(channels, b, 4, stride=2, padding=1), nn.LeakyReLU(0.2),
            nn.Conv2d(b, 2 * b, 4, stride=2, padding=1), nn.BatchNorm2d(2 * b), nn.LeakyReLU(0.2),
            nn.Flatten(), nn.Linear(2 * b * s * s, 1),
        )

    def forward(self, x):
        return self.net(x)


class ConditionalGenerator(nn.Module):
    """cGAN generator: the label's embedding is concatenated to ``z``; ``forward(z, labels)``."""

    def __init__(self, latent_dim: int = 32, num_classes: int = 10, image_size: int = 8,
                 channels: int = 1, base_channels: int = 32, embed_dim: int = 10):
        super().__init__()
        self.label_embed = nn.Embedding(num_classes, embed_dim)
        self.body = DCGANGenerator(latent_dim + embed_dim, image_size, channels, base_channels)
        self.latent_dim, self.num_classes = latent_dim, num_classes

    def forward(self, z, labels):
        return self.body(torch.cat([z, self.label_embed(labels)], dim=1))


class ConditionalDiscriminator(nn.Module):
    """cGAN discriminator: the label becomes an extra image channel; ``forward(x, labels)``."""

    def __init__(self, num_classes: int = 10, image_size: int = 8, channels: int = 1,
                 base_channels: int = 32):
        super().__init__()
        self.label_plane = nn.Embedding(num_classes, image_size * image_size)
        self.body = DCGANDiscriminator(image_size, channels + 1, base_channels)
        self.image_size = image_size

    def forward(self, x, labels):
        plane = self.label_plane(labels).view(-1, 1, self.image_size, self.image_size)
        return self.body(torch.cat([x, plane], dim=1))


def _call(model, x, labels):
    return model(x) if labels is None else model(x, labels)


def gan_train_step(G, D, real, opt_g, opt_d, labels=None, generator_loss: str = "non_saturating"):
    """One discriminator update, then one generator update, on a batch of real data.

    ``labels`` (conditional GAN): the fakes are generated for the same labels as the real batch.
    ``generator_loss``: ``"non_saturating"`` (minimise ``−log D(G(z))``) or ``"minimax"``
    (minimise ``log(1 − D(G(z)))``). Returns the losses and the mean ``D`` outputs.
    """
    if generator_loss not in ("non_saturating", "minimax"):
        raise DlbookError("`generator_loss` phải là 'non_saturating' hoặc 'minimax', "
                          f"không phải {generator_loss!r}.")
    n = real.shape[0]
    z = torch.randn(n, G.latent_dim, device=real.device)
    ones, zeros = torch.ones(n, 1, device=real.device), torch.zeros(n, 1, device=real.device)

    fake = _call(G, z, labels)
    d_real = _call(D, real, labels)
    d_fake = _call(D, fake.detach(), labels)  # no gradient into G for D's step
    d_loss = F.binary_cross_entropy_with_logits(d_real, ones) + \
        F.binary_cross_entropy_with_logits(d_fake, zeros)
    opt_d.zero_grad()
    d_loss.backward()
    opt_d.step()

    d_on_fake = _call(D, fake, labels)
    if generator_loss == "non_saturating":
        g_loss = F.binary_cross_entropy_with_logits(d_on_fake, ones)  # −log D(G(z))
    else:
        g_loss = -F.binary_cross_entropy_with_logits(d_on_fake, zeros)  # log(1 − D(G(z)))
    opt_g.zero_grad()
    g_loss.backward()
    opt_g.step()
    return {"d_loss": d_loss.item(), "g_loss": g_loss.item(),
            "d_real": torch.sigmoid(d_real).mean().item(),
            "d_fake": torch.sigmoid(d_fake).mean().item()}


class GANPair(nn.Module):
    """The two players in one module, so that :func:`dlbook.train.fit` moves and switches both."""

    def __init__(self, G: nn.Module, D: nn.Module):
        super().__init__()
        self.G, self.D = G, D


def gan_step(generator_loss: str = "non_saturating"):
    """A :func:`dlbook.train.fit` step for a :class:`GANPair` with ``optimizer={"G": …, "D": …}``:
    :func:`gan_train_step` on the batch ``(real,)`` or ``(real, labels)``. ``"loss"`` is the
    generator's loss."""

    def step(pair, batch, optimizer) -> dict:
        real, labels = batch[0], (batch[1] if len(batch) > 1 else None)
        stats = gan_train_step(pair.G, pair.D, real, optimizer["G"], optimizer["D"], labels,
                               generator_loss)
        return {"loss": stats["g_loss"], **stats}

    return step


def train_gan(G, D, data, epochs: int = 40, batch_size: int = 64, lr: float = 2e-4,
              labels=None, generator_loss: str = "non_saturating", betas=(0.5, 0.999),
              seed: int = 0, progress: bool = True):
    """Adam (``β₁ = 0.5`` as in DCGAN) on full mini-batches of ``data`` (through
    :func:`dlbook.train.fit` with :func:`gan_step`); returns per-epoch means of ``d_loss``,
    ``g_loss``, ``d_real``, ``d_fake`` (a dict of lists)."""
    from dlbook.train import TensorBatches, fit

    if generator_loss not in ("non_saturating", "minimax"):
        raise DlbookError("`generator_loss` phải là 'non_saturating' hoặc 'minimax', "
                          f"không phải {generator_loss!r}.")
    X = torch.as_tensor(np.asarray(data) if not torch.is_tensor(data) else data,
                        dtype=torch.float32)
    if len(X) < batch_size:
        raise DlbookError(f"Cần ít nhất một batch đầy đủ: có {len(X)} mẫu, `batch_size` = {batch_size}.")
    tensors = (X,) if labels is None else (X, torch.as_tensor(labels, dtype=torch.long))
    optimizers = {"G": torch.optim.Adam(G.parameters(), lr=lr, betas=betas),
                  "D": torch.optim.Adam(D.parameters(), lr=lr, betas=betas)}
    pair = GANPair(G, D)
    run = fit(pair, TensorBatches(*tensors, batch_size=batch_size, seed=seed, drop_last=True),
              step=gan_step(generator_loss), optimizer=optimizers, epochs=epochs,
              device=next(G.parameters()).device, progress=progress, desc="Huấn luyện GAN")
    pair.eval()
    return {k: run.metrics[k] for k in ("d_loss", "g_loss", "d_real", "d_fake")}
