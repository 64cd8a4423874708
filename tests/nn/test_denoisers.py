import math

import pytest
import torch

from dlbook.errors import DlbookError, DTypeError, ShapeError
from dlbook.nn.ddpm import NoisePrediction, NoiseSchedule, ddpm_loss, epsilon_mse, linear_beta_schedule
from dlbook.nn.denoisers import DigitDenoiser, PointDenoiser, timestep_embedding


@pytest.fixture(autouse=True, scope="module")
def _one_torch_thread():
    n = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(n)


def test_timestep_embedding_values():
    e = timestep_embedding(torch.tensor([0, 3]), 6, max_period=100.0)
    assert e.shape == (2, 6)
    torch.testing.assert_close(e[0], torch.tensor([0.0, 0.0, 0.0, 1.0, 1.0, 1.0]))
    freqs = [100 ** (-k / 3) for k in range(3)]
    expected = [math.sin(3 * f) for f in freqs] + [math.cos(3 * f) for f in freqs]
    torch.testing.assert_close(e[1], torch.tensor(expected))
    with pytest.raises(DlbookError, match="chẵn"):
        timestep_embedding(torch.tensor([1]), 5)


def test_point_denoiser_shapes_and_time_dependence():
    torch.manual_seed(0)
    net = PointDenoiser(2, hidden=32)
    x = torch.randn(4, 2)
    a, b = net(x, torch.zeros(4, dtype=torch.long)), net(x, torch.full((4,), 50, dtype=torch.long))
    assert a.shape == (4, 2) and not torch.allclose(a, b)
    with pytest.raises(ShapeError):
        net(torch.randn(4, 3), torch.zeros(4, dtype=torch.long))
    with pytest.raises(DTypeError):
        net(x, torch.zeros(4))


def test_digit_denoiser_keeps_the_image_shape_and_depends_on_t():
    torch.manual_seed(0)
    net = DigitDenoiser(8, base_channels=8, time_dim=16)
    x = torch.randn(3, 1, 8, 8)
    a, b = net(x, torch.zeros(3, dtype=torch.long)), net(x, torch.full((3,), 40, dtype=torch.long))
    assert a.shape == x.shape and not torch.allclose(a, b)
    assert DigitDenoiser(28, base_channels=8, time_dim=16)(torch.randn(2, 1, 28, 28),
                                                           torch.tensor([1, 2])).shape == (2, 1, 28, 28)
    with pytest.raises(ShapeError, match=r"\(N, 1, 8, 8\)"):
        net(torch.randn(3, 1, 6, 6), torch.zeros(3, dtype=torch.long))
    with pytest.raises(DlbookError, match="chẵn"):
        DigitDenoiser(7)


def test_point_denoiser_learns_to_lower_the_ddpm_loss():
    from dlbook.train import fit

    torch.manual_seed(0)
    sched = NoiseSchedule(linear_beta_schedule(50, 1e-3, 0.2))
    angles = torch.rand(512) * 2 * math.pi
    X = torch.stack([angles.cos(), angles.sin()], 1) * 2
    net = PointDenoiser(2, hidden=64)
    loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(X, torch.zeros(512, dtype=torch.long)),
                                         batch_size=128, shuffle=True)
    g = torch.Generator().manual_seed(0)
    before = ddpm_loss(net, X, sched, g).item()
    fit(NoisePrediction(net, sched), loader, loss_fn=epsilon_mse, optimizer=torch.optim.Adam(net.parameters(), 3e-3),
        epochs=30, metrics=(), device="cpu", progress=False)
    after = ddpm_loss(net, X, sched, torch.Generator().manual_seed(0)).item()
    assert after < 0.7 * before
