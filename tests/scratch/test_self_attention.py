"""Scaled dot-product attention with masks: forward and backward against
torch.nn.functional.scaled_dot_product_attention, gradient checks, and the masks themselves."""

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from dlbook.errors import DlbookError, ShapeError
from dlbook.scratch import (
    causal_mask,
    causal_self_attention,
    gradient_check,
    padding_mask,
    scaled_dot_product_attention_backward,
    scaled_dot_product_attention_forward,
)

rng = np.random.default_rng(0)


def _qkv(N=2, Tq=4, Tk=5, d=3, dv=2, seed=0):
    r = np.random.default_rng(seed)
    return r.standard_normal((N, Tq, d)), r.standard_normal((N, Tk, d)), r.standard_normal((N, Tk, dv))


def test_causal_mask_by_hand():
    np.testing.assert_array_equal(causal_mask(3), [[1, 0, 0], [1, 1, 0], [1, 1, 1]])
    assert causal_mask(3).dtype == bool


def test_padding_mask_by_hand():
    m = padding_mask([3, 1], 4)
    assert m.shape == (2, 1, 4) and m.dtype == bool
    np.testing.assert_array_equal(m[:, 0], [[1, 1, 1, 0], [1, 0, 0, 0]])


MASKS = {
    "none": lambda N, Tq, Tk: None,
    "padding": lambda N, Tq, Tk: padding_mask([Tk, 2], Tk),
    "causal": lambda N, Tq, Tk: causal_mask(Tq),  # Tq == Tk here
    "both": lambda N, Tq, Tk: causal_mask(Tq)[None] & padding_mask([Tk, 3], Tk),
    "full": lambda N, Tq, Tk: (np.random.default_rng(9).random((N, Tq, Tk)) < 0.7)
    | np.eye(Tq, Tk, dtype=bool)[None],
}


@pytest.mark.parametrize("name", MASKS)
def test_forward_and_backward_match_torch(name):
    q, k, v = _qkv(Tq=5, Tk=5)
    mask = MASKS[name](2, 5, 5)
    dout = rng.standard_normal((2, 5, 2))
    out, cache = scaled_dot_product_attention_forward(q, k, v, mask)
    dq, dk, dv = scaled_dot_product_attention_backward(dout, cache)

    qt, kt, vt = (torch.tensor(a, requires_grad=True) for a in (q, k, v))
    ref = F.scaled_dot_product_attention(qt, kt, vt, attn_mask=None if mask is None
                                         else torch.tensor(mask))
    ref.backward(torch.tensor(dout))
    np.testing.assert_allclose(out, ref.detach().numpy(), rtol=1e-10, atol=1e-12)
    for ours, t in ((dq, qt), (dk, kt), (dv, vt)):
        np.testing.assert_allclose(ours, t.grad.numpy(), rtol=1e-8, atol=1e-11)
    # the weights in the cache are exactly 0 where the mask says no
    if mask is not None:
        assert np.all(cache["weights"][~np.broadcast_to(mask, cache["weights"].shape)] == 0)
    np.testing.assert_allclose(cache["weights"].sum(-1), 1.0)


def test_rectangular_and_multi_head_shapes_match_torch():
    r = np.random.default_rng(3)
    q, k, v = r.standard_normal((2, 3, 4, 8)), r.standard_normal((2, 3, 6, 8)), r.standard_normal((2, 3, 6, 5))
    mask = padding_mask([6, 4], 6)[:, None]  # (N, 1, 1, Tk): over heads and queries
    out, _ = scaled_dot_product_attention_forward(q, k, v, mask)
    ref = F.scaled_dot_product_attention(*(torch.tensor(a) for a in (q, k, v)),
                                         attn_mask=torch.tensor(mask))
    assert out.shape == (2, 3, 4, 5)
    np.testing.assert_allclose(out, ref.numpy(), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("name", ["none", "both"])
def test_backward_passes_gradient_check(name):
    q, k, v = _qkv(Tq=5, Tk=5, seed=4)
    mask = MASKS[name](2, 5, 5)
    G = np.random.default_rng(5).standard_normal((2, 5, 2))
    _, cache = scaled_dot_product_attention_forward(q, k, v, mask)
    dq, dk, dv = scaled_dot_product_attention_backward(G, cache)
    loss = lambda *_: float(np.sum(scaled_dot_product_attention_forward(q, k, v, mask)[0] * G))
    for a, g in ((q, dq), (k, dk), (v, dv)):
        assert gradient_check(loss, a, g) < 1e-6


def test_masked_keys_get_no_gradient():
    q, k, v = _qkv(seed=6)
    mask = padding_mask([5, 2], 5)
    _, cache = scaled_dot_product_attention_forward(q, k, v, mask)
    _, dk, dv = scaled_dot_product_attention_backward(np.ones((2, 4, 2)), cache)
    assert np.all(dk[1, 2:] == 0) and np.all(dv[1, 2:] == 0)
    assert np.all(np.abs(dv[1, :2]) > 0)


def test_softmax_is_stable_for_huge_scores():
    q = np.full((1, 2, 4), 1e4)
    out, cache = scaled_dot_product_attention_forward(q, q, np.ones((1, 2, 3)))
    assert np.all(np.isfinite(out)) and np.all(np.isfinite(cache["weights"]))


def test_broadcast_mask_over_a_shared_key_value():
    q = np.random.default_rng(7).standard_normal((3, 4, 2))
    k = np.random.default_rng(8).standard_normal((4, 2))  # shared keys broadcast over N
    v = np.random.default_rng(9).standard_normal((4, 2))
    out, cache = scaled_dot_product_attention_forward(q, k[None].repeat(3, 0), v[None].repeat(3, 0))
    out_b, cache_b = scaled_dot_product_attention_forward(q, k[None], v[None])
    np.testing.assert_allclose(out, out_b)
    _, dk, dv = scaled_dot_product_attention_backward(np.ones_like(out), cache)
    _, dk_b, dv_b = scaled_dot_product_attention_backward(np.ones_like(out), cache_b)
    assert dk_b.shape == (1, 4, 2)
    np.testing.assert_allclose(dk_b[0], dk.sum(0))
    np.testing.assert_allclose(dv_b[0], dv.sum(0))


@pytest.mark.parametrize("batched", [True, False])
def test_causal_self_attention_matches_torch_is_causal(batched):
    r = np.random.default_rng(10)
    x = r.standard_normal((2, 6, 5) if batched else (6, 5))
    Wq, Wk, Wv = r.standard_normal((5, 4)), r.standard_normal((5, 4)), r.standard_normal((5, 3))
    out = causal_self_attention(x, Wq, Wk, Wv)
    xt = torch.tensor(x)
    ref = F.scaled_dot_product_attention(xt @ torch.tensor(Wq), xt @ torch.tensor(Wk),
                                         xt @ torch.tensor(Wv), is_causal=True)
    assert out.shape == x.shape[:-1] + (3,)
    np.testing.assert_allclose(out, ref.numpy(), rtol=1e-10, atol=1e-12)


def test_causal_self_attention_does_not_see_the_future():
    r = np.random.default_rng(11)
    x = r.standard_normal((1, 7, 4))
    W = [r.standard_normal((4, 4)) for _ in range(3)]
    before = causal_self_attention(x, *W)
    x2 = x.copy()
    x2[:, 4:] = r.standard_normal((1, 3, 4)) * 10  # change the future of position 3
    after = causal_self_attention(x2, *W)
    np.testing.assert_allclose(after[:, :4], before[:, :4], rtol=1e-12)
    assert not np.allclose(after[:, 4:], before[:, 4:])
    # position 0 only sees itself: its output is its own value
    np.testing.assert_allclose(before[0, 0], x[0, 0] @ W[2])


def test_errors_are_in_vietnamese():
    q, k, v = _qkv()
    with pytest.raises(ShapeError, match="cùng chiều cuối"):
        scaled_dot_product_attention_forward(q, k[..., :2], v)
    with pytest.raises(ShapeError, match="mỗi khóa"):
        scaled_dot_product_attention_forward(q, k, v[:, :3])
    with pytest.raises(DlbookError, match="bool"):
        scaled_dot_product_attention_forward(q, k, v, np.ones((4, 5)))
    with pytest.raises(ShapeError, match="broadcast"):
        scaled_dot_product_attention_forward(q, k, v, np.ones((3, 3), bool))
    with pytest.raises(DlbookError, match="che hết"):
        scaled_dot_product_attention_forward(q, k, v, padding_mask([5, 0], 5))
    with pytest.raises(DlbookError, match=r"\[0, 4\]"):
        padding_mask([5], 4)
    with pytest.raises(ShapeError, match="hàng"):
        causal_self_attention(np.zeros((3, 4)), np.zeros((5, 2)), np.zeros((4, 2)), np.zeros((4, 2)))
    _, cache = scaled_dot_product_attention_forward(q, k, v)
    with pytest.raises(ShapeError, match="dout"):
        scaled_dot_product_attention_backward(np.zeros((2, 4, 3)), cache)
    with pytest.raises(DlbookError, match="cache"):
        scaled_dot_product_attention_backward(np.zeros((2, 4, 2)), (1, 2))
