"""Dense layer: forward/backward against torch.nn.functional.linear, gradient check,
initialisation and validation."""

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from dlbook.errors import DlbookError, ShapeError
from dlbook.scratch import Dense, check_layer_gradients


def test_dense_forward_and_backward_match_torch():
    rng = np.random.default_rng(0)
    layer = Dense(5, 3, seed=2)
    layer.params["b"] = rng.standard_normal(3)
    x = rng.standard_normal((4, 5))
    dout = rng.standard_normal((4, 3))
    out = layer.forward(x)
    dx = layer.backward(dout)
    xt = torch.tensor(x, requires_grad=True)
    W = torch.tensor(layer.params["W"].T.copy(), requires_grad=True)  # torch stores (out, in)
    b = torch.tensor(layer.params["b"], requires_grad=True)
    ref = F.linear(xt, W, b)
    ref.backward(torch.tensor(dout))
    np.testing.assert_allclose(out, ref.detach().numpy(), rtol=1e-12)
    np.testing.assert_allclose(dx, xt.grad.numpy(), rtol=1e-12)
    np.testing.assert_allclose(layer.grads["W"], W.grad.numpy().T, rtol=1e-12)
    np.testing.assert_allclose(layer.grads["b"], b.grad.numpy(), rtol=1e-12)


def test_dense_gradient_check():
    x = np.random.default_rng(5).standard_normal((6, 4))
    errors = check_layer_gradients(Dense(4, 3, init="xavier", seed=3), x)
    assert set(errors) == {"x", "W", "b"}
    assert max(errors.values()) < 1e-7


def test_dense_parameter_count_is_in_times_out_plus_out():
    assert Dense(784, 128).num_params() == 784 * 128 + 128


def test_dense_float32_forward_stays_float32():
    layer = Dense(4, 2).astype(np.float32)
    out = layer.forward(np.ones((3, 4), dtype=np.float32))
    assert out.dtype == np.float32


@pytest.mark.parametrize("init, std", [("he", np.sqrt(2 / 400)), ("xavier_normal", np.sqrt(2 / 700))])
def test_dense_initial_weights_have_the_scheme_variance(init, std):
    W = Dense(400, 300, init=init, seed=0).params["W"]
    assert W.std() == pytest.approx(std, rel=0.02)
    assert np.all(Dense(400, 300, init=init).params["b"] == 0)


def test_dense_rejects_wrong_input_shape_with_a_vietnamese_message():
    layer = Dense(784, 10)
    with pytest.raises(ShapeError, match=r"\(N, 784\).*\(2, 100\)"):
        layer.forward(np.zeros((2, 100)))
    with pytest.raises(ShapeError, match="Flatten"):
        layer.forward(np.zeros((2, 1, 28, 28)))
    with pytest.raises(DlbookError, match="trước forward"):
        Dense(2, 2).backward(np.zeros((1, 2)))
    with pytest.raises(DlbookError, match="init"):
        Dense(2, 2, init="zeros")
