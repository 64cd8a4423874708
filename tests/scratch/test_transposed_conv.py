import numpy as np
import pytest
import torch
import torch.nn.functional as F

from dlbook.errors import DlbookError, ShapeError
from dlbook.scratch.layers.transposed_conv import (
    ConvTranspose2D,
    conv_transpose2d,
    conv_transpose2d_backward,
    conv_transpose2d_forward,
    conv_transpose_output_size,
)

from dlbook.scratch.gradcheck import check_layer_gradients

CASES = [
    # (N, C_in, C_out, H, W, k, stride, padding, output_padding)
    (2, 3, 4, 5, 4, 3, 1, 0, 0),
    (2, 2, 3, 4, 4, 4, 2, 1, 0),
    (1, 3, 2, 3, 5, 3, 2, 1, 1),
    (2, 1, 2, 2, 3, 2, 3, 0, 2),
]


@pytest.mark.parametrize("case", CASES)
def test_forward_and_backward_match_torch_conv_transpose2d(case):
    N, Ci, Co, H, W, k, s, p, op = case
    rng = np.random.default_rng(0)
    x, w, b = rng.normal(size=(N, Ci, H, W)), rng.normal(size=(Ci, Co, k, k)), rng.normal(size=Co)
    out, cache = conv_transpose2d_forward(x, w, b, stride=s, padding=p, output_padding=op)

    xt, wt, bt = (torch.tensor(a, requires_grad=True) for a in (x, w, b))
    ref = F.conv_transpose2d(xt, wt, bt, stride=s, padding=p, output_padding=op)
    np.testing.assert_allclose(out, ref.detach().numpy(), rtol=1e-10, atol=1e-10)

    dout = rng.normal(size=out.shape)
    ref.backward(torch.tensor(dout))
    dx, dw, db = conv_transpose2d_backward(dout, cache)
    np.testing.assert_allclose(dx, xt.grad.numpy(), rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(dw, wt.grad.numpy(), rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(db, bt.grad.numpy(), rtol=1e-10, atol=1e-10)


def test_output_size_formula_matches_forward():
    x = np.zeros((1, 1, 7, 5))
    out = conv_transpose2d(x, np.zeros((1, 1, 4, 4)), stride=2, padding=1)
    assert out.shape[2:] == (conv_transpose_output_size(7, 4, 2, 1),
                             conv_transpose_output_size(5, 4, 2, 1)) == (14, 10)


def test_stride_two_kernel_two_doubles_the_size_by_scattering_each_pixel():
    x = np.array([[[[1.0, 2.0], [3.0, 4.0]]]])
    out = conv_transpose2d(x, np.ones((1, 1, 2, 2)), stride=2)
    expected = np.kron(x[0, 0], np.ones((2, 2)))  # each pixel copied into a 2×2 block
    np.testing.assert_array_equal(out[0, 0], expected)


def test_layer_gradients_pass_numerical_check():
    rng = np.random.default_rng(1)
    layer = ConvTranspose2D(2, 3, kernel_size=3, stride=2, padding=1, seed=0)
    layer.params["b"] = rng.normal(size=3)
    errors = check_layer_gradients(layer, rng.normal(size=(2, 2, 3, 3)))
    assert set(errors) == {"x", "W", "b"}
    assert max(errors.values()) < 1e-7


def test_rejects_channel_mismatch_and_backward_before_forward():
    with pytest.raises(ShapeError, match="kênh"):
        conv_transpose2d(np.zeros((1, 2, 3, 3)), np.zeros((3, 1, 2, 2)))
    with pytest.raises(DlbookError, match="forward"):
        ConvTranspose2D(1, 1, 2).backward(np.zeros((1, 1, 2, 2)))


def test_transposed_conv_is_a_layer_that_trains_in_a_sequential():
    from dlbook.scratch import Sequential
    from dlbook.scratch.layers import Flatten, Layer

    layer = ConvTranspose2D(1, 2, kernel_size=2, stride=2)
    assert isinstance(layer, Layer) and layer.num_params() == 1 * 2 * 2 * 2 + 2
    net = Sequential(layer, Flatten())
    x = np.random.default_rng(1).normal(size=(3, 1, 2, 2))
    assert net.forward(x).shape == (3, 2 * 4 * 4)
    assert "ConvTranspose2D(1, 2, kernel_size=2" in repr(layer)
