"""MaxPool2D and AvgPool2D: against torch (values, gradients, tie-breaking), gradient checks,
shapes over random sizes and strides."""

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st

from dlbook.errors import ShapeError
from dlbook.scratch import AvgPool2D, MaxPool2D, check_layer_gradients

POOLS = {"max": (MaxPool2D, F.max_pool2d), "avg": (AvgPool2D, F.avg_pool2d)}


def _compare(kind, x, pool, stride):
    layer_cls, ref_fn = POOLS[kind]
    layer = layer_cls(pool, stride)
    out = layer.forward(x)
    dout = np.random.default_rng(0).standard_normal(out.shape)
    dx = layer.backward(dout)
    xt = torch.tensor(x, requires_grad=True)
    ref = ref_fn(xt, pool, stride if stride is not None else pool)
    ref.backward(torch.tensor(dout))
    np.testing.assert_allclose(out, ref.detach().numpy(), rtol=1e-12)
    np.testing.assert_allclose(dx, xt.grad.numpy(), rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("kind", POOLS)
@pytest.mark.parametrize("pool, stride", [(2, None), (3, 2), (2, 1), ((2, 3), (1, 2))])
def test_pooling_forward_and_backward_match_torch(kind, pool, stride):
    x = np.random.default_rng(1).standard_normal((2, 3, 7, 8))
    _compare(kind, x, pool, stride)


@pytest.mark.parametrize("stride", [2, 1])
def test_maxpool_ties_send_the_gradient_to_the_first_maximum_like_torch(stride):
    x = np.zeros((1, 2, 4, 4))  # ReLU outputs: whole windows of equal zeros
    x[0, 1, 1, 1] = x[0, 1, 1, 2] = 1.0
    _compare("max", x, 2, stride)


@pytest.mark.parametrize("layer", [MaxPool2D(2), AvgPool2D(2), MaxPool2D(3, 2), AvgPool2D(3, 1)])
def test_pooling_gradient_check(layer):
    x = np.random.default_rng(2).standard_normal((2, 2, 6, 5))
    assert check_layer_gradients(layer, x)["x"] < 1e-7


def test_maxpool_halves_the_28x28_walkthrough_maps():
    # 28×28×1 → conv 3×3 'same' with 8 filters → pool 2 → 14×14×8 = 1568 features
    out = MaxPool2D(2).forward(np.zeros((1, 8, 28, 28)))
    assert out.shape == (1, 8, 14, 14) and out[0].size == 1568


@settings(max_examples=30, deadline=None)
@given(
    n=st.integers(1, 2), c=st.integers(1, 3), h=st.integers(1, 9), w=st.integers(1, 9),
    ph=st.integers(1, 3), pw=st.integers(1, 3), sh=st.integers(1, 3), sw=st.integers(1, 3),
    kind=st.sampled_from(["max", "avg"]),
)
def test_pooling_matches_torch_for_any_window_and_stride(n, c, h, w, ph, pw, sh, sw, kind):
    if h < ph or w < pw:
        with pytest.raises(ShapeError, match="nhỏ hơn cửa sổ"):
            POOLS[kind][0]((ph, pw), (sh, sw)).forward(np.zeros((n, c, h, w)))
        return
    x = np.random.default_rng(h * 10 + w).standard_normal((n, c, h, w))
    out = POOLS[kind][0]((ph, pw), (sh, sw)).forward(x)
    assert out.shape == (n, c, (h - ph) // sh + 1, (w - pw) // sw + 1)
    _compare(kind, x, (ph, pw), (sh, sw))


def test_pooling_rejects_non_image_input():
    with pytest.raises(ShapeError, match=r"\(N, C, H, W\)"):
        MaxPool2D(2).forward(np.zeros((4, 16)))
