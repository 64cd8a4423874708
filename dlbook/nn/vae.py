"""Autoencoder and variational autoencoder (VAE, Kingma & Welling 2014) on flat images in [0, 1].

The encoder of the VAE gives the mean ``mu`` and the log-variance ``logvar`` of a diagonal
Gaussian ``q(z | x)``; the **reparameterisation** ``z = mu + exp(logvar / 2) · ε`` with
``ε ~ N(0, I)`` lets gradients flow through the sampling. The decoder returns the parameters of
``p(x | z)``: Bernoulli logits (``likelihood="bernoulli"``, images in [0, 1]) or the mean of a
Gaussian with fixed standard deviation ``sigma`` (``likelihood="gaussian"``, e.g. 2-D points).
The negative ELBO per sample is

    reconstruction (−log p(x | z), summed over the features) + KL(q(z | x) ‖ N(0, I)),

with the KL in closed form ``½ Σ (mu² + σ² − log σ² − 1)`` (:func:`gaussian_kl`).

To train with :func:`dlbook.train.fit`: :class:`VAE`'s ``forward`` returns a :class:`VAEOutput`
that carries its input, so :func:`vae_objective` needs nothing else; give the loader integer
labels (or zeros) as targets. The plain :class:`Autoencoder` trains on ``(x, x)`` pairs with
:func:`reconstruction_objective`.
"""

from __future__ import annotations

import math
from typing import NamedTuple, Optional, Sequence

import torch
from torch import nn
import torch.nn.functional as F

from dlbook.errors import DlbookError, DTypeError, ShapeError, check_positive

__all__ = [
    "Autoencoder",
    "VAE",
    "VAEOutput",
    "gaussian_kl",
    "gaussian_nll",
    "reconstruction_loss",
    "vae_loss",
    "vae_objective",
    "reconstruction_objective",
]


def _mlp(sizes: Sequence[int]) -> nn.Sequential:
    layers = []
    for a, b in zip(sizes[:-2], sizes[1:-1]):
        layers += [nn.Linear(a, b), nn.ReLU()]
    layers.append(nn.Linear(sizes[-2], sizes[-1]))
    return nn.Sequential(*layers)


def _check_sizes(in_features, latent_dim, hidden):
    check_positive(in_features, "in_features", integer=True)
    check_positive(latent_dim, "latent_dim", integer=True)
    for h in hidden:
        check_positive(h, "hidden", integer=True)
    return list(hidden)


def _flat(x: torch.Tensor, in_features: int) -> torch.Tensor:
    if not isinstance(x, torch.Tensor) or not x.is_floating_point():
        raise DTypeError("`x` phải là tensor số thực (float).")
    flat = x.reshape(len(x), -1)
    if flat.shape[1] != in_features:
        raise ShapeError(f"Mỗi ảnh phải có {in_features} giá trị, nhưng có {flat.shape[1]} "
                         f"(kích thước {tuple(x.shape)}).")
    return flat


class Autoencoder(nn.Module):
    """Deterministic autoencoder: MLP ``x (N, in_features) → z (N, latent_dim) → logits``.

    ``encode(x)`` gives the code, ``decode(z)`` the logits (``sigmoid`` gives the image);
    ``forward(x)`` is ``decode(encode(x))``. Any input shape with ``in_features`` values per
    sample is flattened.
    """

    def __init__(self, in_features: int = 64, latent_dim: int = 2, hidden: Sequence[int] = (128, 64)):
        super().__init__()
        hidden = _check_sizes(in_features, latent_dim, hidden)
        self.encoder = _mlp([in_features, *hidden, latent_dim])
        self.decoder = _mlp([latent_dim, *reversed(hidden), in_features])
        self.in_features, self.latent_dim = in_features, latent_dim

    def encode(self, x):
        return self.encoder(_flat(x, self.in_features))

    def decode(self, z):
        return self.decoder(z)

    def forward(self, x):
        return self.decode(self.encode(x))


class VAEOutput(NamedTuple):
    """What :class:`VAE` returns: the decoder's output ``logits`` (Bernoulli logits, or the
    Gaussian mean), ``mu`` and ``logvar`` of ``q(z|x)``, the flattened input ``x``, and the
    model's ``likelihood`` and ``sigma`` (so that :func:`vae_objective` needs nothing else)."""

    logits: torch.Tensor
    mu: torch.Tensor
    logvar: torch.Tensor
    x: torch.Tensor
    likelihood: str = "bernoulli"
    sigma: float = 1.0


class VAE(nn.Module):
    """Variational autoencoder with MLP encoder (shared body, two heads ``mu`` and ``logvar``)
    and MLP decoder returning Bernoulli logits (``likelihood="bernoulli"``) or the mean of a
    Gaussian ``N(x̂, sigma² I)`` (``likelihood="gaussian"``). In eval mode ``forward`` decodes
    the mean ``mu`` instead of a sample."""

    def __init__(self, in_features: int = 64, latent_dim: int = 2, hidden: Sequence[int] = (128, 64),
                 likelihood: str = "bernoulli", sigma: float = 1.0):
        super().__init__()
        hidden = _check_sizes(in_features, latent_dim, hidden)
        _check_likelihood(likelihood, sigma)
        self.likelihood, self.sigma = likelihood, float(sigma)
        body = _mlp([in_features, *hidden])
        self.body = nn.Sequential(*body, nn.ReLU()) if hidden else nn.Identity()
        last = hidden[-1] if hidden else in_features
        self.mu_head = nn.Linear(last, latent_dim)
        self.logvar_head = nn.Linear(last, latent_dim)
        self.decoder = _mlp([latent_dim, *reversed(hidden), in_features])
        self.in_features, self.latent_dim = in_features, latent_dim

    def encode(self, x):
        """``(mu, logvar)`` of ``q(z | x)``, each ``(N, latent_dim)``."""
        h = self.body(_flat(x, self.in_features))
        return self.mu_head(h), self.logvar_head(h)

    @staticmethod
    def reparameterize(mu, logvar, generator: Optional[torch.Generator] = None):
        """``z = mu + σ · ε``, ``σ = exp(logvar / 2)``, ``ε ~ N(0, I)``: differentiable in mu, logvar."""
        eps = torch.randn(mu.shape, generator=generator, dtype=mu.dtype,
                          device=generator.device if generator is not None else mu.device).to(mu.device)
        return mu + torch.exp(0.5 * logvar) * eps

    def decode(self, z):
        return self.decoder(z)

    def forward(self, x) -> VAEOutput:
        x_flat = _flat(x, self.in_features)
        mu, logvar = self.encode(x_flat)
        z = self.reparameterize(mu, logvar) if self.training else mu
        return VAEOutput(self.decode(z), mu, logvar, x_flat, self.likelihood, self.sigma)

    def decode_mean(self, z):
        """The mean of ``p(x | z)``: pixel probabilities (Bernoulli) or ``x̂`` (Gaussian)."""
        out = self.decode(z)
        return torch.sigmoid(out) if self.likelihood == "bernoulli" else out

    @torch.no_grad()
    def sample(self, n: int, generator: Optional[torch.Generator] = None):
        """``n`` decoded means ``(n, in_features)`` of ``p(x | z)`` for ``z ~ N(0, I)``."""
        check_positive(n, "n", integer=True)
        device = next(self.parameters()).device
        z = torch.randn(n, self.latent_dim, generator=generator).to(device)
        return self.decode_mean(z)


def gaussian_kl(mu: torch.Tensor, logvar: torch.Tensor) -> torch.Tensor:
    """``KL(N(mu, diag(exp(logvar))) ‖ N(0, I))`` per sample, summed over the latent dims: ``(N,)``."""
    if mu.shape != logvar.shape:
        raise ShapeError(f"`mu` {tuple(mu.shape)} và `logvar` {tuple(logvar.shape)} phải cùng kích thước.")
    return 0.5 * (mu.pow(2) + logvar.exp() - logvar - 1).reshape(len(mu), -1).sum(1)


def reconstruction_loss(logits: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
    """``−log p(x | z)`` for Bernoulli pixels: binary cross-entropy summed over pixels, ``(N,)``.

    ``x`` holds values in [0, 1] (grey levels are allowed, as is usual for digit images).
    """
    x = x.reshape(len(x), -1)
    logits = logits.reshape(len(logits), -1)
    if logits.shape != x.shape:
        raise ShapeError(f"`logits` {tuple(logits.shape)} và `x` {tuple(x.shape)} phải cùng kích thước.")
    if x.min() < 0 or x.max() > 1:
        raise ShapeError("`x` phải nằm trong [0, 1] (xác suất điểm ảnh của phân phối Bernoulli).")
    return F.binary_cross_entropy_with_logits(logits, x, reduction="none").sum(1)


def gaussian_nll(mean: torch.Tensor, x: torch.Tensor, sigma: float = 1.0) -> torch.Tensor:
    """``−log N(x; mean, sigma² I)`` per sample, summed over the features, ``(N,)``."""
    check_positive(sigma, "sigma")
    x, mean = x.reshape(len(x), -1), mean.reshape(len(mean), -1)
    if mean.shape != x.shape:
        raise ShapeError(f"`mean` {tuple(mean.shape)} và `x` {tuple(x.shape)} phải cùng kích thước.")
    d = x.shape[1]
    return ((x - mean) ** 2).sum(1) / (2 * sigma**2) + d * (math.log(sigma) + 0.5 * math.log(2 * math.pi))


def vae_loss(logits, x, mu, logvar, beta: float = 1.0, likelihood: str = "bernoulli",
             sigma: float = 1.0) -> torch.Tensor:
    """Negative ELBO averaged over the batch: ``mean(reconstruction + beta · KL)``.

    The reconstruction is :func:`reconstruction_loss` (Bernoulli) or :func:`gaussian_nll`.
    ``beta = 1`` is the VAE; other values give the β-VAE weighting of the KL term.
    """
    check_positive(beta, "beta", allow_zero=True)
    _check_likelihood(likelihood, sigma)
    rec = reconstruction_loss(logits, x) if likelihood == "bernoulli" else gaussian_nll(logits, x, sigma)
    return (rec + beta * gaussian_kl(mu, logvar)).mean()


def vae_objective(output: VAEOutput, targets=None, beta: float = 1.0) -> torch.Tensor:
    """``loss_fn`` for :func:`dlbook.train.fit` with a :class:`VAE` (targets are ignored)."""
    return vae_loss(output.logits, output.x, output.mu, output.logvar, beta, output.likelihood, output.sigma)


def _check_likelihood(likelihood, sigma):
    if likelihood not in ("bernoulli", "gaussian"):
        raise DlbookError(f"`likelihood` phải là 'bernoulli' hoặc 'gaussian', không phải {likelihood!r}.")
    check_positive(sigma, "sigma")


def reconstruction_objective(logits, x) -> torch.Tensor:
    """``loss_fn`` for an :class:`Autoencoder` trained on ``(x, x)`` pairs: mean reconstruction loss."""
    return reconstruction_loss(logits, x).mean()
