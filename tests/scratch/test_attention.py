import numpy as np
import pytest
import torch
import torch.nn.functional as F

from dlbook.errors import DlbookError, ShapeError
from dlbook.scratch.attention import (
    ScaledDotProductAttention,
    additive_score,
    attention,
    cosine_score,
    dot_score,
    general_score,
    location_score,
    masked_softmax,
    scaled_dot_score,
)

from dlbook.scratch.gradcheck import gradient_check

rng = np.random.default_rng(0)
Q, K, V = rng.normal(size=(3, 4)), rng.normal(size=(5, 4)), rng.normal(size=(5, 2))


def _pairwise(f):
    return np.array([[f(q, k) for k in K] for q in Q])


def test_dot_and_scaled_dot_scores_match_pairwise_loops():
    np.testing.assert_allclose(dot_score(Q, K), _pairwise(np.dot))
    np.testing.assert_allclose(scaled_dot_score(Q, K), _pairwise(np.dot) / 2.0)  # √4 = 2
    np.testing.assert_allclose(dot_score(Q[0], K), _pairwise(np.dot)[0])  # a single query


def test_general_score_is_q_W_k_and_reduces_to_dot_with_identity():
    W = rng.normal(size=(4, 4))
    np.testing.assert_allclose(general_score(Q, K, W), _pairwise(lambda q, k: q @ W @ k))
    np.testing.assert_allclose(general_score(Q, K, np.eye(4)), dot_score(Q, K))
    with pytest.raises(ShapeError, match="d_q, d_k"):
        general_score(Q, K, np.eye(3))


def test_additive_score_equals_v_tanh_W_of_concatenation():
    W1, W2, v = rng.normal(size=(6, 4)), rng.normal(size=(6, 4)), rng.normal(size=6)
    W = np.concatenate([W1, W2], axis=1)  # W_a [q; k] in the notes
    expected = _pairwise(lambda q, k: v @ np.tanh(W @ np.concatenate([q, k])))
    np.testing.assert_allclose(additive_score(Q, K, W1, W2, v), expected)
    np.testing.assert_allclose(additive_score(Q[1], K, W1, W2, v), expected[1])


def test_cosine_score_matches_scikit_learn():
    from sklearn.metrics.pairwise import cosine_similarity

    np.testing.assert_allclose(cosine_score(Q, K), cosine_similarity(Q, K))
    assert np.all(np.abs(cosine_score(Q, K)) <= 1 + 1e-12)


def test_location_weights_ignore_the_keys():
    W = rng.normal(size=(5, 4))
    _, w1 = attention(Q, K, V, "location", W=W)
    _, w2 = attention(Q, K[::-1] * 10, V, "location", W=W)
    np.testing.assert_allclose(w1, w2)
    np.testing.assert_allclose(location_score(Q, W), Q @ W.T)


@pytest.mark.parametrize("score,params", [
    ("dot", {}), ("scaled_dot", {}), ("cosine", {}),
    ("general", {"W": rng.normal(size=(4, 4))}),
    ("additive", {"W1": rng.normal(size=(3, 4)), "W2": rng.normal(size=(3, 4)),
                  "v_a": rng.normal(size=3)}),
])
def test_attention_weights_sum_to_one_and_output_is_weighted_sum(score, params):
    context, weights = attention(Q, K, V, score, **params)
    assert weights.shape == (3, 5)
    np.testing.assert_allclose(weights.sum(axis=-1), 1.0)
    assert np.all(weights > 0)
    np.testing.assert_allclose(context, np.einsum("qk,kd->qd", weights, V))


def test_masked_positions_get_zero_weight():
    mask = np.array([True, True, False, True, False])
    _, weights = attention(Q, K, V, "dot", mask=mask)
    assert np.all(weights[:, ~mask] == 0)
    np.testing.assert_allclose(weights.sum(-1), 1.0)
    with pytest.raises(DlbookError, match="che hết"):
        masked_softmax(np.zeros((2, 3)), np.zeros(3, bool))


def test_attention_rejects_unknown_score_and_bad_shapes():
    with pytest.raises(DlbookError, match="Không có hàm điểm"):
        attention(Q, K, V, "magic")
    with pytest.raises(ShapeError, match="mỗi khóa"):
        attention(Q, K, V[:3])
    with pytest.raises(DlbookError, match="thiếu"):
        attention(Q, K, V, "general")


@pytest.mark.parametrize("with_mask", [False, True])
def test_scaled_dot_attention_matches_torch_forward_and_backward(with_mask):
    r = np.random.default_rng(1)
    q, k, v = r.normal(size=(2, 3, 4, 8)), r.normal(size=(2, 3, 6, 8)), r.normal(size=(2, 3, 6, 5))
    mask = r.random((4, 6)) > 0.3 if with_mask else None
    if mask is not None:
        mask[:, 0] = True  # every query sees at least one key
    layer = ScaledDotProductAttention()
    out = layer.forward(q, k, v, mask)
    qt, kt, vt = (torch.tensor(a, requires_grad=True) for a in (q, k, v))
    ref = F.scaled_dot_product_attention(
        qt, kt, vt, attn_mask=None if mask is None else torch.tensor(mask))
    np.testing.assert_allclose(out, ref.detach().numpy(), atol=1e-12)

    dout = r.normal(size=out.shape)
    ref.backward(torch.tensor(dout))
    for ours, theirs in zip(layer.backward(dout), (qt.grad, kt.grad, vt.grad)):
        np.testing.assert_allclose(ours, theirs.numpy(), atol=1e-12)


def test_scaled_dot_attention_backward_passes_gradient_check():
    r = np.random.default_rng(2)
    q, k, v = r.normal(size=(3, 4)), r.normal(size=(5, 4)), r.normal(size=(5, 3))
    mask = np.array([True, False, True, True, True])
    layer = ScaledDotProductAttention()
    dout = r.normal(size=(3, 3))
    layer.forward(q, k, v, mask)
    grads = layer.backward(dout)

    def f():
        return float(np.sum(layer.forward(q, k, v, mask) * dout))

    for ours, arr in zip(grads, (q, k, v)):
        assert gradient_check(lambda _: f(), arr, ours) < 1e-7
