"""Conv2D (naive and im2col): against torch.nn.functional.conv2d, gradient checks, the
curriculum's worked example and property-based tests over shapes, strides and padding."""

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st

from dlbook.errors import DlbookError, ShapeError
from dlbook.scratch import (
    Conv2D,
    check_layer_gradients,
    conv2d_backward_im2col,
    conv2d_backward_naive,
    conv2d_im2col,
    conv2d_naive,
    conv_output_size,
    convolve2d,
)

CONFIGS = [  # (N, C, H, W, F, kh, kw, stride, padding)
    (2, 3, 7, 7, 4, 3, 3, 1, 0),
    (2, 3, 7, 6, 4, 3, 3, 2, 1),
    (1, 2, 8, 9, 3, 3, 2, (2, 1), (0, 2)),
    (3, 1, 5, 5, 2, 5, 5, 1, 2),
    (2, 2, 6, 6, 2, 1, 1, 3, 0),
]


def _torch_conv(x, w, b, stride, padding, dout):
    xt = torch.tensor(x, requires_grad=True)
    wt = torch.tensor(w, requires_grad=True)
    bt = torch.tensor(b, requires_grad=True)
    out = F.conv2d(xt, wt, bt, stride=stride, padding=padding)
    out.backward(torch.tensor(dout))
    return out.detach().numpy(), xt.grad.numpy(), wt.grad.numpy(), bt.grad.numpy()


def _data(cfg, seed=0):
    n, c, h, w, f, kh, kw, s, p = cfg
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, c, h, w))
    wt = rng.standard_normal((f, c, kh, kw))
    b = rng.standard_normal(f)
    return x, wt, b, s, p


@pytest.mark.parametrize("cfg", CONFIGS)
@pytest.mark.parametrize("impl", ["im2col", "naive"])
def test_conv2d_forward_and_backward_match_torch(cfg, impl):
    x, w, b, s, p = _data(cfg)
    forward = conv2d_im2col if impl == "im2col" else conv2d_naive
    backward = conv2d_backward_im2col if impl == "im2col" else conv2d_backward_naive
    out = forward(x, w, b, s, p)
    dout = np.random.default_rng(1).standard_normal(out.shape)
    ref_out, ref_dx, ref_dw, ref_db = _torch_conv(x, w, b, s, p, dout)
    np.testing.assert_allclose(out, ref_out, rtol=1e-10, atol=1e-12)
    dx, dw, db = backward(dout, x, w, s, p)
    np.testing.assert_allclose(dx, ref_dx, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(dw, ref_dw, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(db, ref_db, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("impl", ["im2col", "naive"])
@pytest.mark.parametrize("stride, padding", [(1, 0), (2, 1)])
def test_conv2d_layer_gradient_check(impl, stride, padding):
    x = np.random.default_rng(2).standard_normal((2, 2, 5, 5))
    layer = Conv2D(2, 3, 3, stride=stride, padding=padding, impl=impl, seed=4)
    layer.params["b"] = np.random.default_rng(3).standard_normal(3)
    errors = check_layer_gradients(layer, x)
    assert set(errors) == {"x", "W", "b"}
    assert max(errors.values()) < 1e-6


def test_conv2d_layer_float32_matches_float64_result():
    x = np.random.default_rng(4).standard_normal((2, 3, 8, 8))
    layer = Conv2D(3, 4, 3, padding=1, seed=1)
    ref = layer.forward(x)
    out = layer.astype(np.float32).forward(x.astype(np.float32))
    assert out.dtype == np.float32
    np.testing.assert_allclose(out, ref, rtol=1e-4, atol=1e-5)


def test_curriculum_5x5_convolution_example():
    image = np.array([[1, 1, 1, 0, 0],
                      [0, 1, 1, 1, 0],
                      [0, 0, 1, 1, 1],
                      [0, 0, 1, 1, 0],
                      [0, 1, 1, 0, 0]])
    kernel = np.array([[1, 0, 1], [0, 1, 0], [1, 0, 1]])
    expected = [[4, 3, 4], [2, 4, 3], [2, 3, 4]]
    np.testing.assert_array_equal(convolve2d(image, kernel), expected)
    out = conv2d_naive(image[None, None], kernel[None, None])
    np.testing.assert_array_equal(out[0, 0], expected)
    np.testing.assert_array_equal(conv2d_im2col(image[None, None], kernel[None, None])[0, 0], expected)
    # the same image with padding 1 and stride 2 (the seeds' figure 7.15) gives 3×3
    padded = convolve2d(image, kernel, stride=2, padding=1)
    ref = F.conv2d(torch.tensor(image[None, None], dtype=torch.float64),
                   torch.tensor(kernel[None, None], dtype=torch.float64), stride=2, padding=1)
    np.testing.assert_array_equal(padded, ref[0, 0].numpy())
    assert padded.shape == (3, 3)


def test_output_sizes_of_the_7x7_example():
    assert conv_output_size(7, 3, 0, 1) == 5
    assert conv_output_size(7, 3, 0, 2) == 3
    assert conv_output_size(7, 3, 1, 1) == 7
    assert conv_output_size(7, 3, 0, 3) == 2  # PyTorch drops the remainder ...
    with pytest.raises(DlbookError, match="không khớp"):
        conv_output_size(7, 3, 0, 3, strict=True)  # ... but the stride does not fit
    assert conv_output_size(28, 5, 2, 1) == 28


def test_conv_parameter_count_is_k_times_ffd_plus_one():
    # K filters of F×F on D channels: K·(F·F·D + 1)
    assert Conv2D(3, 96, 11, stride=4).num_params() == 96 * (11 * 11 * 3 + 1)
    layer = torch.nn.Conv2d(3, 96, 11, stride=4)
    assert Conv2D(3, 96, 11).num_params() == sum(p.numel() for p in layer.parameters())


def test_conv2d_errors_are_in_vietnamese():
    layer = Conv2D(3, 8, 3)
    with pytest.raises(ShapeError, match="3 kênh"):
        layer.forward(np.zeros((2, 1, 8, 8)))
    with pytest.raises(ShapeError, match="x\\[None\\]"):
        layer.forward(np.zeros((3, 8, 8)))
    with pytest.raises(DlbookError, match="lớn hơn đầu vào"):
        layer.forward(np.zeros((1, 3, 2, 2)))
    with pytest.raises(ValueError, match="impl"):
        Conv2D(3, 8, 3, impl="fft")
    with pytest.raises(DlbookError, match="số nguyên"):
        Conv2D(3, 8, 0)


@st.composite
def conv_cases(draw, max_hw=9):
    n = draw(st.integers(1, 3))
    c = draw(st.integers(1, 3))
    f = draw(st.integers(1, 4))
    kh = draw(st.integers(1, 4))
    kw = draw(st.integers(1, 4))
    ph = draw(st.integers(0, 2))
    pw = draw(st.integers(0, 2))
    h = draw(st.integers(max(1, kh - 2 * ph), max_hw))
    w = draw(st.integers(max(1, kw - 2 * pw), max_hw))
    stride = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    return (n, c, h, w, f, kh, kw, stride, (ph, pw))


@settings(max_examples=40, deadline=None)
@given(conv_cases())
def test_im2col_conv_matches_torch_for_any_shape_stride_padding(cfg):
    x, w, b, s, p = _data(cfg, seed=sum(cfg[:7]))
    out = conv2d_im2col(x, w, b, s, p)
    dout = np.random.default_rng(0).standard_normal(out.shape)
    ref_out, ref_dx, ref_dw, ref_db = _torch_conv(x, w, b, s, p, dout)
    assert out.shape == ref_out.shape
    assert out.shape[2:] == (conv_output_size(cfg[2], cfg[5], p[0], s[0]),
                             conv_output_size(cfg[3], cfg[6], p[1], s[1]))
    np.testing.assert_allclose(out, ref_out, rtol=1e-9, atol=1e-10)
    dx, dw, db = conv2d_backward_im2col(dout, x, w, s, p)
    np.testing.assert_allclose(dx, ref_dx, rtol=1e-9, atol=1e-10)
    np.testing.assert_allclose(dw, ref_dw, rtol=1e-9, atol=1e-10)
    np.testing.assert_allclose(db, ref_db, rtol=1e-9, atol=1e-10)


@settings(max_examples=15, deadline=None)
@given(conv_cases(max_hw=6))
def test_naive_and_im2col_conv_agree(cfg):
    x, w, b, s, p = _data(cfg, seed=1)
    np.testing.assert_allclose(conv2d_naive(x, w, b, s, p), conv2d_im2col(x, w, b, s, p),
                               rtol=1e-10, atol=1e-12)
    dout = np.ones_like(conv2d_im2col(x, w, b, s, p))
    for a, r in zip(conv2d_backward_naive(dout, x, w, s, p), conv2d_backward_im2col(dout, x, w, s, p)):
        np.testing.assert_allclose(a, r, rtol=1e-10, atol=1e-12)
