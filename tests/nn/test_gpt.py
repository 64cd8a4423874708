import pytest
import torch
import torch.nn.functional as F

from dlbook.errors import DlbookError
from dlbook.nn.gpt import GPT, CausalSelfAttention, lm_loss


@pytest.fixture(autouse=True, scope="module")
def _one_torch_thread():
    n = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(n)


def small_gpt(**kw):
    torch.manual_seed(0)
    args = dict(vocab_size=23, context_length=16, embed_dim=24, num_heads=3, num_layers=2)
    args.update(kw)
    return GPT(**args).eval()


def expected_parameters(V, C, E, L, F_, tied):
    per_block = (2 * E) + (3 * E * E + 3 * E) + (E * E + E) + (2 * E) + (E * F_ + F_) + (F_ * E + E)
    return V * E + C * E + L * per_block + 2 * E + (0 if tied else V * E)


@pytest.mark.parametrize("tied", [True, False])
@pytest.mark.parametrize("ff_dim", [None, 40])
def test_parameter_count_matches_formula(tied, ff_dim):
    model = small_gpt(tie_weights=tied, ff_dim=ff_dim)
    n = sum(p.numel() for p in model.parameters())
    assert n == expected_parameters(23, 16, 24, 2, ff_dim or 4 * 24, tied)


def test_tied_head_shares_the_embedding_matrix():
    model = small_gpt()
    idx = torch.randint(0, 23, (2, 5))
    h = model.ln_f(model.blocks[1](model.blocks[0](model.token_emb(idx) + model.pos_emb.weight[:5])[0])[0])
    torch.testing.assert_close(model(idx), h @ model.token_emb.weight.T)


def test_logits_shape_and_loss_matches_cross_entropy():
    model = small_gpt()
    idx = torch.randint(0, 23, (3, 7))
    logits = model(idx)
    assert logits.shape == (3, 7, 23)
    targets = torch.randint(0, 23, (3, 7))
    ref = sum(F.cross_entropy(logits[:, t], targets[:, t]) for t in range(7)) / 7
    torch.testing.assert_close(lm_loss(logits, targets), ref)


def test_changing_a_future_token_does_not_change_earlier_logits():
    model = small_gpt()
    idx = torch.randint(0, 23, (2, 12))
    changed = idx.clone()
    changed[:, 8] = (changed[:, 8] + 5) % 23
    a, b = model(idx), model(changed)
    torch.testing.assert_close(a[:, :8], b[:, :8], atol=0, rtol=0)
    assert not torch.allclose(a[:, 8:], b[:, 8:])


def test_causal_attention_matches_torch_scaled_dot_product_attention():
    torch.manual_seed(1)
    attn = CausalSelfAttention(12, 3).eval()
    x = torch.randn(2, 6, 12)
    out, (k, v) = attn(x)
    q, k_ref, v_ref = attn.qkv(x).chunk(3, -1)
    split = lambda t: t.view(2, 6, 3, 4).transpose(1, 2)
    ref = F.scaled_dot_product_attention(split(q), split(k_ref), split(v_ref), is_causal=True)
    ref = attn.proj(ref.transpose(1, 2).reshape(2, 6, 12))
    torch.testing.assert_close(out, ref, atol=1e-6, rtol=1e-5)
    assert k.shape == v.shape == (2, 3, 6, 4)


def test_cached_forward_equals_full_forward():
    model = small_gpt()
    idx = torch.randint(0, 23, (2, 10))
    full = model(idx)
    logits, cache = model(idx[:, :6], return_cache=True)
    steps = [logits]
    for t in range(6, 10):
        logits, cache = model(idx[:, t:t + 1], cache=cache, return_cache=True)
        steps.append(logits)
    torch.testing.assert_close(torch.cat(steps, 1), full, atol=1e-5, rtol=1e-5)
    assert cache[0][0].shape == (2, 3, 10, 8)


@pytest.mark.parametrize("options", [dict(greedy=True), dict(temperature=0.8),
                                     dict(top_k=5), dict(top_p=0.9, temperature=1.2)])
@pytest.mark.parametrize("new_tokens", [8, 30])  # 30: past context_length = 16
def test_kv_cache_gives_identical_tokens(options, new_tokens):
    model = small_gpt()
    prompt = torch.randint(0, 23, (2, 3))
    outs = []
    for use_cache in (True, False):
        g = torch.Generator().manual_seed(7)
        outs.append(model.generate(prompt, new_tokens, use_cache=use_cache, generator=g, **options))
    assert outs[0].shape == (2, 3 + new_tokens)
    assert torch.equal(outs[0][:, :3], prompt)
    assert torch.equal(outs[0], outs[1])


def test_greedy_generation_is_the_argmax_of_the_model():
    model = small_gpt()
    prompt = torch.randint(0, 23, (1, 4))
    out = model.generate(prompt, 1, greedy=True)
    assert out[0, -1] == model(prompt)[0, -1].argmax()


def test_generate_restores_training_mode():
    model = small_gpt(dropout=0.1).train()
    model.generate(torch.zeros(1, 1, dtype=torch.long), 3, greedy=True)
    assert model.training


def test_bad_input_is_rejected():
    model = small_gpt()
    with pytest.raises(DlbookError, match="context_length"):
        model(torch.zeros(1, 17, dtype=torch.long))
    with pytest.raises(DlbookError, match=r"\(N, T\)"):
        model(torch.zeros(5, dtype=torch.long))
    with pytest.raises(DlbookError, match="chia hết"):
        GPT(10, embed_dim=10, num_heads=3)
    with pytest.raises(DlbookError, match="max_new_tokens"):
        model.generate(torch.zeros(1, 1, dtype=torch.long), 0)
