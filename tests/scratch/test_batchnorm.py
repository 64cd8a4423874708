"""BatchNorm on (N, D) and (N, C, H, W): against torch.nn.functional.batch_norm in train and
eval mode (outputs, gradients, running statistics) and gradient checks."""

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from dlbook.errors import DlbookError, ShapeError
from dlbook.scratch import BatchNorm, check_layer_gradients

SHAPES = [(8, 5), (4, 3, 5, 6)]


def _bn_with_params(c, seed=0):
    rng = np.random.default_rng(seed)
    bn = BatchNorm(c, momentum=0.9, eps=1e-5)
    bn.params["gamma"] = rng.uniform(0.5, 2.0, c)
    bn.params["beta"] = rng.standard_normal(c)
    return bn


@pytest.mark.parametrize("shape", SHAPES)
def test_batchnorm_training_matches_torch(shape):
    rng = np.random.default_rng(1)
    c = shape[1]
    bn = _bn_with_params(c)
    rm, rv = torch.zeros(c, dtype=torch.float64), torch.ones(c, dtype=torch.float64)
    for step in range(3):  # running statistics accumulate over several batches
        x = rng.standard_normal(shape) * 3 + 1
        dout = rng.standard_normal(shape)
        out = bn.forward(x)
        dx = bn.backward(dout)
        xt = torch.tensor(x, requires_grad=True)
        g = torch.tensor(bn.params["gamma"], requires_grad=True)
        b = torch.tensor(bn.params["beta"], requires_grad=True)
        ref = F.batch_norm(xt, rm, rv, g, b, training=True, momentum=0.1, eps=1e-5)
        ref.backward(torch.tensor(dout))
        np.testing.assert_allclose(out, ref.detach().numpy(), rtol=1e-10, atol=1e-12)
        np.testing.assert_allclose(dx, xt.grad.numpy(), rtol=1e-9, atol=1e-12)
        np.testing.assert_allclose(bn.grads["gamma"], g.grad.numpy(), rtol=1e-10)
        np.testing.assert_allclose(bn.grads["beta"], b.grad.numpy(), rtol=1e-10)
        np.testing.assert_allclose(bn.running_mean, rm.numpy(), rtol=1e-12)
        np.testing.assert_allclose(bn.running_var, rv.numpy(), rtol=1e-12)


@pytest.mark.parametrize("shape", SHAPES)
def test_batchnorm_eval_mode_uses_running_statistics_like_torch(shape):
    rng = np.random.default_rng(2)
    c = shape[1]
    bn = _bn_with_params(c)
    bn.running_mean = rng.standard_normal(c)
    bn.running_var = rng.uniform(0.5, 2, c)
    bn.eval()
    x = rng.standard_normal(shape)
    dout = rng.standard_normal(shape)
    out = bn.forward(x)
    dx = bn.backward(dout)
    xt = torch.tensor(x, requires_grad=True)
    ref = F.batch_norm(xt, torch.tensor(bn.running_mean), torch.tensor(bn.running_var),
                       torch.tensor(bn.params["gamma"]), torch.tensor(bn.params["beta"]),
                       training=False, eps=1e-5)
    ref.backward(torch.tensor(dout))
    np.testing.assert_allclose(out, ref.detach().numpy(), rtol=1e-12)
    np.testing.assert_allclose(dx, xt.grad.numpy(), rtol=1e-12)


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("training", [True, False])
def test_batchnorm_gradient_check(shape, training):
    x = np.random.default_rng(3).standard_normal(shape)
    bn = _bn_with_params(shape[1], seed=4)
    bn.running_var = np.full(shape[1], 1.5)
    bn.train(training)
    errors = check_layer_gradients(bn, x)
    assert set(errors) == {"x", "gamma", "beta"}
    assert max(errors.values()) < 1e-6


def test_batchnorm_output_has_zero_mean_unit_variance_per_channel_in_training():
    x = np.random.default_rng(5).standard_normal((16, 4, 3, 3)) * 5 + 7
    out = BatchNorm(4).forward(x)
    np.testing.assert_allclose(out.mean(axis=(0, 2, 3)), 0, atol=1e-10)
    np.testing.assert_allclose(out.var(axis=(0, 2, 3)), 1, rtol=1e-3)


def test_batchnorm_errors_are_in_vietnamese():
    with pytest.raises(ShapeError, match=r"\(N, 4\)"):
        BatchNorm(4).forward(np.zeros((3, 5)))
    with pytest.raises(DlbookError, match="ít nhất 2"):
        BatchNorm(4).forward(np.zeros((1, 4)))
