"""Layer normalisation: against torch.nn.LayerNorm (outputs and gradients) and gradient checks
of both the functions and the LayerNorm layer."""

import numpy as np
import pytest
import torch

from dlbook.errors import DlbookError, ShapeError
from dlbook.scratch import LayerNorm, check_layer_gradients, gradient_check
from dlbook.scratch.layers.layernorm import layer_norm_backward, layer_norm_forward

SHAPES = [(6, 5), (2, 4, 7), (3,)]


def _params(D, seed=0):
    rng = np.random.default_rng(seed)
    return rng.uniform(0.5, 2.0, D), rng.standard_normal(D)


@pytest.mark.parametrize("shape", SHAPES)
def test_forward_and_backward_match_torch_layer_norm(shape):
    rng = np.random.default_rng(1)
    D = shape[-1]
    gamma, beta = _params(D)
    x = rng.standard_normal(shape) * 3 + 2
    dout = rng.standard_normal(shape)
    out, cache = layer_norm_forward(x, gamma, beta, eps=1e-5)
    dx, dgamma, dbeta = layer_norm_backward(dout, cache)

    ref = torch.nn.LayerNorm(D, eps=1e-5).double()
    with torch.no_grad():
        ref.weight.copy_(torch.tensor(gamma))
        ref.bias.copy_(torch.tensor(beta))
    xt = torch.tensor(x, requires_grad=True)
    y = ref(xt)
    y.backward(torch.tensor(dout))
    np.testing.assert_allclose(out, y.detach().numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(dx, xt.grad.numpy(), rtol=1e-8, atol=1e-11)
    np.testing.assert_allclose(dgamma, ref.weight.grad.numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(dbeta, ref.bias.grad.numpy(), rtol=1e-10, atol=1e-12)


def test_functional_backward_passes_gradient_check():
    rng = np.random.default_rng(2)
    x = rng.standard_normal((4, 3, 6))
    gamma, beta = _params(6, seed=3)
    G = rng.standard_normal(x.shape)  # L = Σ out ⊙ G, so dL/dout = G
    _, cache = layer_norm_forward(x, gamma, beta)
    dx, dgamma, dbeta = layer_norm_backward(G, cache)
    loss = lambda *_: float(np.sum(layer_norm_forward(x, gamma, beta)[0] * G))
    assert gradient_check(loss, x, dx) < 1e-7
    assert gradient_check(loss, gamma, dgamma) < 1e-7
    assert gradient_check(loss, beta, dbeta) < 1e-7


@pytest.mark.parametrize("shape", [(5, 4), (2, 3, 4)])
def test_layer_gradient_check(shape):
    ln = LayerNorm(4)
    ln.params["gamma"], ln.params["beta"] = _params(4, seed=5)
    errors = check_layer_gradients(ln, np.random.default_rng(6).standard_normal(shape))
    assert set(errors) == {"x", "gamma", "beta"}
    assert max(errors.values()) < 1e-6


def test_each_row_is_normalised_and_independent_of_the_batch():
    x = np.random.default_rng(7).standard_normal((8, 10)) * 4 - 3
    ln = LayerNorm(10)
    out = ln.forward(x)
    np.testing.assert_allclose(out.mean(axis=-1), 0, atol=1e-12)
    np.testing.assert_allclose(out.var(axis=-1), 1, rtol=1e-4)
    # unlike batch norm: one sample alone gives the same row, in train and eval mode
    np.testing.assert_allclose(ln.eval().forward(x[3:4]), out[3:4], rtol=1e-12)


def test_float32_stays_float32():
    out, _ = layer_norm_forward(np.ones((2, 3), np.float32) * np.arange(3, dtype=np.float32),
                                np.ones(3), np.zeros(3))
    assert out.dtype == np.float32


def test_errors_are_in_vietnamese():
    with pytest.raises(ShapeError, match=r"\(\.\.\., 4\)"):
        LayerNorm(4).forward(np.zeros((3, 5)))
    with pytest.raises(ShapeError, match="gamma"):
        layer_norm_forward(np.zeros((2, 3)), np.ones(4), np.zeros(3))
    with pytest.raises(DlbookError, match="forward"):
        LayerNorm(3).backward(np.zeros((2, 3)))
    with pytest.raises(DlbookError, match="cache"):
        layer_norm_backward(np.zeros((2, 3)), None)
    with pytest.raises(DlbookError, match="dương"):
        LayerNorm(0)
