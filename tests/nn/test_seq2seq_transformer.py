"""Encoder–decoder Transformer: cross-attention and decoder/pre-norm blocks against torch with
copied weights, shapes per stage, parameter counts from a formula, the causal mask, padding, and
training through dlbook.train.fit."""

import pytest
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

from dlbook.errors import DlbookError
from dlbook.nn import (
    MultiHeadAttention,
    Seq2SeqAttention,
    Seq2SeqTransformer,
    TeacherForcing,
    TransformerDecoderBlock,
    TransformerEncoderBlock,
    count_parameters,
    generate_causal_mask,
    sequence_cross_entropy,
    teacher_forcing_pairs,
    token_accuracy,
)
from dlbook.train import fit


@pytest.fixture(autouse=True, scope="module")
def _one_torch_thread():
    n = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(n)


@pytest.mark.parametrize("masks", [False, True])
def test_cross_attention_matches_torch_multihead_attention(masks):
    torch.manual_seed(0)
    ref = nn.MultiheadAttention(16, 4, batch_first=True).eval()
    ours = MultiHeadAttention(16, 4).load_from_torch(ref).eval()
    q, kv = torch.randn(3, 4, 16), torch.randn(3, 6, 16)
    pad = torch.tensor([[False] * 6, [False] * 2 + [True] * 4, [False] * 5 + [True]]) if masks else None
    am = torch.rand(4, 6) < 0.3 if masks else None
    if masks:
        am[:, 0] = False  # every query keeps one key
    out, w = ours(q, kv, kv, key_padding_mask=pad, attn_mask=am)
    ref_out, ref_w = ref(q, kv, kv, key_padding_mask=pad, attn_mask=am, average_attn_weights=False)
    torch.testing.assert_close(out, ref_out, atol=1e-6, rtol=1e-5)
    torch.testing.assert_close(w, ref_w, atol=1e-6, rtol=1e-5)
    assert w.shape == (3, 4, 4, 6)


def test_encoder_block_pre_norm_matches_torch():
    torch.manual_seed(1)
    ref = nn.TransformerEncoderLayer(16, 2, dim_feedforward=24, dropout=0.0, batch_first=True,
                                     norm_first=True).eval()
    ours = TransformerEncoderBlock(16, 2, 24, 0.0, norm_first=True).load_from_torch(ref).eval()
    x = torch.randn(2, 5, 16)
    pad = torch.tensor([[False] * 5, [False] * 3 + [True] * 2])
    torch.testing.assert_close(ours(x, key_padding_mask=pad), ref(x, src_key_padding_mask=pad),
                               atol=1e-5, rtol=1e-5)


@pytest.mark.parametrize("norm_first", [False, True])
def test_decoder_block_matches_torch_transformer_decoder_layer(norm_first):
    torch.manual_seed(2)
    ref = nn.TransformerDecoderLayer(16, 4, dim_feedforward=32, dropout=0.0, batch_first=True,
                                     norm_first=norm_first).eval()
    ours = TransformerDecoderBlock(16, 4, 32, 0.0, norm_first=norm_first).load_from_torch(ref).eval()
    y, mem = torch.randn(2, 5, 16), torch.randn(2, 7, 16)
    causal = generate_causal_mask(5)
    mpad = torch.tensor([[False] * 7, [False] * 4 + [True] * 3])
    expected = ref(y, mem, tgt_mask=causal, memory_key_padding_mask=mpad)
    torch.testing.assert_close(ours(y, mem, tgt_mask=causal, memory_key_padding_mask=mpad),
                               expected, atol=1e-5, rtol=1e-5)
    assert ours.self_attention_weights.shape == (2, 4, 5, 5)
    assert ours.cross_attention_weights.shape == (2, 4, 5, 7)
    assert torch.all(ours.cross_attention_weights[1, :, :, 4:] == 0)


def test_causal_mask_values():
    torch.testing.assert_close(generate_causal_mask(3), torch.tensor(
        [[False, True, True], [False, False, True], [False, False, False]]))


def _model(**kw):
    torch.manual_seed(3)
    args = dict(d_model=16, num_heads=2, num_encoder_layers=2, num_decoder_layers=3, ff_dim=24,
                dropout=0.0, max_len=20)
    args.update(kw)
    return Seq2SeqTransformer(11, 9, **args).eval()


def test_shapes_per_stage():
    m = _model()
    src = torch.randint(1, 11, (4, 7))
    tgt_in = torch.randint(1, 9, (4, 5))
    memory, pad = m.encode(src)
    assert memory.shape == (4, 7, 16) and pad.shape == (4, 7)
    assert m.decode(tgt_in, memory, pad).shape == (4, 5, 9)
    logits, w = m(src, tgt_in)
    assert logits.shape == (4, 5, 9) and w.shape == (4, 5, 7)
    torch.testing.assert_close(w.sum(-1), torch.ones(4, 5))
    out, w = m.translate(src, start_id=1, end_id=2, max_len=6)
    assert out.shape[0] == 4 and out.shape[1] <= 6 and w.shape == (4, out.shape[1], 7)


def _block_params(E, f, attn_blocks):
    mha = 4 * E * E + 4 * E
    return attn_blocks * mha + (E * f + f + f * E + E) + (attn_blocks + 1) * 2 * E


@pytest.mark.parametrize("positions", ["sinusoidal", "learned"])
@pytest.mark.parametrize("norm_first", [False, True])
def test_parameter_count_formula(positions, norm_first):
    E, f, Vs, Vt, L = 16, 24, 11, 9, 20
    m = _model(positions=positions, norm_first=norm_first)
    expected = (Vs * E + Vt * E + 2 * _block_params(E, f, 1) + 3 * _block_params(E, f, 2)
                + E * Vt + Vt)
    if positions == "learned":
        expected += 2 * L * E
    if norm_first:
        expected += 2 * 2 * E  # the final layer norms of both stacks
    assert count_parameters(m) == expected


def test_the_decoder_does_not_see_the_future():
    m = _model()
    src = torch.randint(1, 11, (2, 6))
    tgt = torch.randint(1, 9, (2, 8))
    logits, _ = m(src, tgt)
    changed = tgt.clone()
    changed[:, 5:] = (changed[:, 5:] % 8) + 1  # change positions 5, 6, 7
    logits2, _ = m(src, changed)
    torch.testing.assert_close(logits2[:, :5], logits[:, :5])
    assert not torch.allclose(logits2[:, 5:], logits[:, 5:])


def test_padding_of_the_source_changes_nothing():
    m = _model()
    src = torch.randint(1, 11, (2, 6))
    tgt = torch.randint(1, 9, (2, 4))
    padded = torch.cat([src, torch.zeros(2, 3, dtype=torch.long)], 1)
    torch.testing.assert_close(m(padded, tgt)[0], m(src, tgt)[0], atol=1e-5, rtol=1e-5)


def test_errors():
    with pytest.raises(DlbookError, match="sinusoidal"):
        Seq2SeqTransformer(5, 5, positions="rope")
    with pytest.raises(DlbookError, match="max_len"):
        _model()(torch.ones(1, 25, dtype=torch.long), torch.ones(1, 3, dtype=torch.long))
    with pytest.raises(DlbookError, match="chia hết"):
        MultiHeadAttention(10, 3)
    with pytest.raises(DlbookError, match="câu nguồn"):
        teacher_forcing_pairs(torch.ones(3, 4), torch.ones(2, 5))


def _copy_task(n=256, S=5, seed=0):
    """Target = the source reversed, framed by <s>=1 and </s>=2 (tokens 3..8)."""
    g = torch.Generator().manual_seed(seed)
    src = torch.randint(3, 9, (n, S), generator=g)
    tgt = torch.cat([torch.ones(n, 1, dtype=torch.long), src.flip(1),
                     torch.full((n, 1), 2, dtype=torch.long)], 1)
    return src, tgt


@pytest.mark.parametrize("kind", ["transformer", "rnn"])
def test_both_models_learn_through_fit(kind):
    src, tgt = _copy_task()
    X, y = teacher_forcing_pairs(src, tgt)
    assert torch.equal(X[:, 5:], tgt[:, :-1]) and torch.equal(y, tgt[:, 1:])
    torch.manual_seed(0)
    model = (Seq2SeqTransformer(9, 9, d_model=32, num_heads=2, num_encoder_layers=1,
                                num_decoder_layers=1, ff_dim=64, dropout=0.0, max_len=8)
             if kind == "transformer" else Seq2SeqAttention(9, 9, 16, 32))
    loader = DataLoader(TensorDataset(X, y), batch_size=32, shuffle=True,
                        generator=torch.Generator().manual_seed(0))
    h = fit(TeacherForcing(model, 5), loader, loss_fn=sequence_cross_entropy(0),
            optimizer=torch.optim.Adam(model.parameters(), lr=5e-3), epochs=8,
            metrics=(token_accuracy(0),), device="cpu", progress=False)
    assert h.train_loss[-1] < 0.5 * h.train_loss[0]
    assert h.metrics["token_accuracy"][-1] > h.metrics["token_accuracy"][0]
