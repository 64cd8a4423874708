"""Xavier and He initialisation: bounds and variances as in torch.nn.init."""

import math

import numpy as np
import pytest
import torch

from dlbook.scratch import he_normal, he_uniform, sigmoid_grad, xavier_normal, xavier_uniform


def test_uniform_bounds_are_torch_bounds():
    fan_in, fan_out = 300, 200
    w = xavier_uniform(fan_in, fan_out, rng=0)
    t = torch.empty(fan_out, fan_in)
    torch.nn.init.xavier_uniform_(t)
    bound = math.sqrt(6 / (fan_in + fan_out))
    assert w.shape == (fan_in, fan_out)
    assert np.abs(w).max() <= bound and t.abs().max().item() <= bound
    assert np.abs(w).max() > 0.99 * bound
    w = he_uniform(fan_in, fan_out, rng=0)
    torch.nn.init.kaiming_uniform_(t, mode="fan_in", nonlinearity="relu")
    bound = math.sqrt(6 / fan_in)
    assert np.abs(w).max() <= bound and np.abs(w).max() > 0.99 * bound
    assert t.abs().max().item() <= bound


@pytest.mark.parametrize("ours, ref_std", [
    (xavier_uniform, math.sqrt(2 / 1000)), (xavier_normal, math.sqrt(2 / 1000)),
    (he_normal, math.sqrt(2 / 600)), (he_uniform, math.sqrt(2 / 600)),
])
def test_initial_weights_have_the_scheme_standard_deviation(ours, ref_std):
    w = ours(600, 400, rng=1)
    assert w.mean() == pytest.approx(0.0, abs=3e-3)
    assert w.std() == pytest.approx(ref_std, rel=0.01)


def test_he_normal_std_equals_torch_kaiming_normal():
    t = torch.empty(400, 600)
    torch.nn.init.kaiming_normal_(t, mode="fan_in", nonlinearity="relu")
    assert he_normal(600, 400, rng=2).std() == pytest.approx(t.std().item(), rel=0.02)


def test_conv_shape_and_reproducibility():
    w = he_normal(3 * 3 * 3, 16 * 3 * 3, rng=5, shape=(16, 3, 3, 3))
    assert w.shape == (16, 3, 3, 3)
    np.testing.assert_array_equal(w, he_normal(27, 144, rng=5, shape=(16, 3, 3, 3)))


def test_he_keeps_the_signal_variance_through_deep_relu_layers():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((500, 256))
    for k in range(20):
        x = np.maximum(x @ he_normal(256, 256, rng=k), 0)
    assert 0.2 < np.mean(x ** 2) < 5  # Var(W) = 1/n instead would shrink it by 2^20


def test_sigmoid_gradient_vanishes_through_twenty_layers():
    # each sigmoid multiplies the gradient by at most 1/4: (1/4)^20 ≈ 9.1e-13
    assert sigmoid_grad(0.0) ** 20 == pytest.approx(9.094947e-13, rel=1e-6)
