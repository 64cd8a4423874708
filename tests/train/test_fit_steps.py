"""fit's extension points: a custom step, gradient clipping, TensorBatches, two optimizers (GAN)."""

import numpy as np
import pytest
import torch
from torch import nn

from dlbook.nn.gan import Discriminator2D, GANPair, Generator2D, gan_step, ring_of_gaussians
from dlbook.train import TensorBatches, fit, teacher_forcing_step


def test_tensor_batches_cover_every_sample_once_per_pass_in_a_seeded_order():
    X = torch.arange(10.0)[:, None]
    batches = TensorBatches(X, torch.arange(10), batch_size=4, seed=3)
    first = torch.cat([b[1] for b in batches])
    second = torch.cat([b[1] for b in batches])
    assert sorted(first.tolist()) == list(range(10)) and len(batches) == 3
    assert not torch.equal(first, second)  # a new order each epoch
    again = torch.cat([b[1] for b in TensorBatches(X, torch.arange(10), batch_size=4, seed=3)])
    assert torch.equal(first, again)
    expected = torch.randperm(10, generator=torch.Generator().manual_seed(3))
    assert torch.equal(first, expected)


def test_tensor_batches_drop_last_keeps_only_full_batches():
    batches = TensorBatches(torch.zeros(10, 2), batch_size=4, drop_last=True)
    assert [len(b[0]) for b in batches] == [4, 4] and len(batches) == 2


def test_tensor_batches_reject_tensors_of_different_lengths():
    with pytest.raises(ValueError, match="cùng số mẫu"):
        TensorBatches(torch.zeros(5), torch.zeros(6))


def test_clip_grad_norm_bounds_the_update_of_sgd():
    torch.manual_seed(0)
    model = nn.Linear(3, 1)
    before = torch.cat([p.detach().flatten() for p in model.parameters()]).clone()
    X, y = torch.full((8, 3), 100.0), torch.zeros(8)
    fit(model, TensorBatches(X, y, batch_size=8), loss_fn=nn.MSELoss(),
        optimizer=torch.optim.SGD(model.parameters(), lr=1.0), epochs=1, metrics=(),
        clip_grad_norm=0.5, device="cpu", progress=False)
    after = torch.cat([p.detach().flatten() for p in model.parameters()])
    assert torch.linalg.norm(after - before) == pytest.approx(0.5, rel=1e-5)


def test_custom_step_values_are_averaged_over_the_epoch():
    calls = []

    def step(model, batch, optimizer):
        calls.append(len(batch[0]))
        return {"loss": float(len(calls)), "extra": 2.0}

    model = nn.Linear(1, 1)
    h = fit(model, TensorBatches(torch.zeros(6, 1), torch.zeros(6), batch_size=3), step=step,
            optimizer=None, epochs=2, device="cpu", progress=False)
    assert calls == [3, 3, 3, 3]
    assert h.train_loss == [1.5, 3.5] and h.metrics["extra"] == [2.0, 2.0]


def test_teacher_forcing_step_calls_model_loss_and_trains():
    class Toy(nn.Module):
        def __init__(self):
            super().__init__()
            self.w = nn.Parameter(torch.tensor(3.0))

        def loss(self, inputs, targets):
            return ((self.w * inputs.float() - targets.float()) ** 2).mean()

    model = Toy()
    X = torch.arange(1, 9)[:, None]
    h = fit(model, TensorBatches(X, 2 * X, batch_size=4), step=teacher_forcing_step(None),
            optimizer=torch.optim.SGD(model.parameters(), lr=0.01), epochs=20, device="cpu",
            progress=False)
    assert h.train_loss[-1] < h.train_loss[0] / 100 and abs(model.w.item() - 2.0) < 0.05


def test_gan_step_updates_both_players_with_their_own_optimizers():
    torch.manual_seed(0)
    x, _ = ring_of_gaussians(256, seed=0)
    pair = GANPair(Generator2D(4, 16), Discriminator2D(2, 16))
    g0 = [p.detach().clone() for p in pair.G.parameters()]
    d0 = [p.detach().clone() for p in pair.D.parameters()]
    opts = {"G": torch.optim.Adam(pair.G.parameters(), 1e-3),
            "D": torch.optim.Adam(pair.D.parameters(), 1e-3)}
    h = fit(pair, TensorBatches(torch.as_tensor(x, dtype=torch.float32), batch_size=64, drop_last=True),
            step=gan_step(), optimizer=opts, epochs=2, device="cpu", progress=False)
    assert set(h.metrics) == {"d_loss", "g_loss", "d_real", "d_fake"}
    assert h.train_loss == h.metrics["g_loss"]
    assert all(not torch.equal(a, b) for a, b in zip(g0, pair.G.parameters()))
    assert all(not torch.equal(a, b) for a, b in zip(d0, pair.D.parameters()))


def test_fit_needs_a_loss_or_a_step():
    with pytest.raises(ValueError, match="loss_fn"):
        fit(nn.Linear(1, 1), [], optimizer=None, epochs=1, device="cpu", progress=False)
