"""Activation layers and SoftmaxCrossEntropy: forward/backward against torch and gradient checks."""

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from dlbook.errors import DlbookError
from dlbook.scratch import (
    Activation,
    Flatten,
    LeakyReLU,
    ReLU,
    Sigmoid,
    Softmax,
    SoftmaxCrossEntropy,
    Tanh,
    check_layer_gradients,
)

X = np.random.default_rng(11).standard_normal((4, 6)) * 2
LAYERS = {
    "relu": (ReLU(), F.relu),
    "sigmoid": (Sigmoid(), torch.sigmoid),
    "tanh": (Tanh(), torch.tanh),
    "leaky": (LeakyReLU(0.2), lambda t: F.leaky_relu(t, 0.2)),
    "softmax": (Softmax(), lambda t: torch.softmax(t, -1)),
    "elu": (Activation("elu", alpha=0.5), lambda t: F.elu(t, 0.5)),
    "swish": (Activation("swish"), F.silu),
    "linear": (Activation("linear"), lambda t: t),
}


@pytest.mark.parametrize("name", LAYERS)
def test_activation_layer_matches_torch(name):
    layer, ref_fn = LAYERS[name]
    dout = np.random.default_rng(0).standard_normal(X.shape)
    out = layer.forward(X)
    dx = layer.backward(dout)
    t = torch.tensor(X, requires_grad=True)
    ref = ref_fn(t)
    ref.backward(torch.tensor(dout))
    np.testing.assert_allclose(out, ref.detach().numpy(), rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(dx, t.grad.numpy(), rtol=1e-10, atol=1e-14)


@pytest.mark.parametrize("name", LAYERS)
def test_activation_layer_gradient_check(name):
    layer, _ = LAYERS[name]
    assert check_layer_gradients(layer, X)["x"] < 1e-7


def test_flatten_reshapes_forward_and_back():
    layer = Flatten()
    x = np.random.default_rng(0).standard_normal((2, 3, 4, 5))
    assert layer.forward(x).shape == (2, 60)
    assert layer.backward(np.ones((2, 60))).shape == (2, 3, 4, 5)
    assert check_layer_gradients(Flatten(), x)["x"] < 1e-7


def test_softmax_cross_entropy_layer_matches_torch():
    z = X.copy()
    y = np.array([0, 5, 2, 3])
    layer = SoftmaxCrossEntropy()
    loss = layer.forward(z, y)
    dz = layer.backward()
    t = torch.tensor(z, requires_grad=True)
    ref = F.cross_entropy(t, torch.tensor(y))
    ref.backward()
    assert loss == pytest.approx(ref.item(), rel=1e-12)
    np.testing.assert_allclose(dz, t.grad.numpy(), rtol=1e-10, atol=1e-15)


def test_unknown_activation_name_lists_the_choices():
    with pytest.raises(DlbookError, match="relu"):
        Activation("gelu")
    with pytest.raises(DlbookError, match="trước forward"):
        SoftmaxCrossEntropy().backward()
