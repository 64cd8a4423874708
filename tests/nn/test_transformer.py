import math

import pytest
import torch
from torch import nn

from dlbook.errors import DlbookError
from dlbook.nn.transformer import MultiHeadSelfAttention, TransformerEncoderBlock, positional_encoding


@pytest.fixture(autouse=True, scope="module")
def _one_torch_thread():
    """Small models train faster on one thread, and CI machines are shared."""
    n = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(n)


@pytest.mark.parametrize("masks", [False, True])
def test_self_attention_matches_torch_multihead_attention(masks):
    torch.manual_seed(0)
    ref = nn.MultiheadAttention(16, 4, batch_first=True).eval()
    ours = MultiHeadSelfAttention(16, 4).load_from_torch(ref).eval()
    x = torch.randn(3, 5, 16)
    pad = torch.tensor([[False] * 5, [False] * 3 + [True] * 2, [False] + [True] * 4]) if masks else None
    causal = torch.triu(torch.ones(5, 5, dtype=torch.bool), 1) if masks else None
    out, w = ours(x, key_padding_mask=pad, attn_mask=causal)
    ref_out, ref_w = ref(x, x, x, key_padding_mask=pad, attn_mask=causal,
                         average_attn_weights=False)
    torch.testing.assert_close(out, ref_out, atol=1e-6, rtol=1e-5)
    torch.testing.assert_close(w, ref_w, atol=1e-6, rtol=1e-5)
    assert w.shape == (3, 4, 5, 5)


def test_one_head_is_plain_scaled_dot_product_attention():
    torch.manual_seed(1)
    mha = MultiHeadSelfAttention(8, 1)
    x = torch.randn(2, 4, 8)
    q, k, v = mha.in_proj(x).chunk(3, -1)
    w = torch.softmax(q @ k.transpose(1, 2) / math.sqrt(8), -1)
    out, weights = mha(x)
    torch.testing.assert_close(weights[:, 0], w)
    torch.testing.assert_close(out, mha.out_proj(w @ v))


def test_encoder_block_matches_torch_transformer_encoder_layer():
    torch.manual_seed(2)
    ref = nn.TransformerEncoderLayer(16, 2, dim_feedforward=32, dropout=0.1,
                                     batch_first=True).eval()
    ours = TransformerEncoderBlock(16, 2, ff_dim=32).load_from_torch(ref).eval()
    x = torch.randn(2, 6, 16)
    pad = torch.tensor([[False] * 6, [False] * 4 + [True] * 2])
    torch.testing.assert_close(ours(x, key_padding_mask=pad), ref(x, src_key_padding_mask=pad),
                               atol=1e-5, rtol=1e-5)
    assert ours.attention_weights.shape == (2, 2, 6, 6)


def test_heads_must_divide_the_embedding():
    with pytest.raises(DlbookError, match="chia hết"):
        MultiHeadSelfAttention(10, 3)


def test_positional_encoding_values():
    pe = positional_encoding(50, 6)
    assert pe.shape == (50, 6)
    torch.testing.assert_close(pe[0], torch.tensor([0.0, 1, 0, 1, 0, 1]))
    assert pe[7, 0].item() == pytest.approx(math.sin(7))
    assert pe[7, 3].item() == pytest.approx(math.cos(7 / 10000 ** (2 / 6)), rel=1e-5)
    assert positional_encoding(4, 5).shape == (4, 5)


def test_a_block_learns_a_task_that_needs_looking_at_other_positions():
    # label: does the sequence contain token 1 anywhere? (a single position does not tell)
    torch.manual_seed(0)
    g = torch.Generator().manual_seed(0)
    tokens = torch.randint(2, 8, (256, 8), generator=g)
    has = torch.rand(256, generator=g) < 0.5
    tokens[has, torch.randint(0, 8, (int(has.sum()),), generator=g)] = 1
    embed, block, head = nn.Embedding(8, 16), TransformerEncoderBlock(16, 2, 32, 0.0), nn.Linear(16, 2)
    params = [*embed.parameters(), *block.parameters(), *head.parameters()]
    opt = torch.optim.Adam(params, lr=1e-2)
    losses = []
    for _ in range(60):
        logits = head(block(embed(tokens) + positional_encoding(8, 16))[:, 0])
        loss = nn.functional.cross_entropy(logits, has.long())
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    assert losses[-1] < 0.5 * losses[0]
