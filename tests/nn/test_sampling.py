import math

import pytest
import torch
from hypothesis import given, settings, strategies as st

from dlbook.errors import DlbookError
from dlbook.nn.sampling import entropy, sample_next_token, top_k_filter, top_p_filter


def test_top_k_keeps_exactly_the_k_largest():
    logits = torch.tensor([[1.0, 3.0, 2.0, 0.5, 2.5]])
    out = top_k_filter(logits, 2)
    assert torch.isfinite(out).sum() == 2
    assert out[0, 1] == 3.0 and out[0, 4] == 2.5
    assert torch.equal(top_k_filter(logits, 10), logits)


def test_top_p_on_hand_example():
    probs = torch.tensor([[0.5, 0.3, 0.15, 0.05]])
    logits = probs.log()
    kept = lambda p: torch.isfinite(top_p_filter(logits, p))[0].tolist()
    assert kept(0.5) == [True, False, False, False]        # 0.5 ≥ 0.5 already
    assert kept(0.6) == [True, True, False, False]         # 0.8 ≥ 0.6
    assert kept(0.81) == [True, True, True, False]         # 0.95 ≥ 0.81
    assert kept(1.0) == [True, True, True, True]
    assert kept(0.01) == [True, False, False, False]       # the top token is always kept


@settings(max_examples=60, deadline=None)
@given(st.lists(st.floats(-5, 5), min_size=2, max_size=12), st.floats(0.05, 1.0))
def test_top_p_keeps_the_smallest_most_probable_set_with_mass_at_least_p(values, p):
    logits = torch.tensor(values, dtype=torch.float64)
    probs = torch.softmax(logits, -1)
    keep = torch.isfinite(top_p_filter(logits, p))
    mass = probs[keep].sum().item()
    assert mass >= p - 1e-12
    # every kept token is at least as probable as every removed one
    if (~keep).any():
        assert probs[keep].min() >= probs[~keep].max()
    # smallest: dropping the least probable kept token falls below p
    if keep.sum() > 1:
        assert mass - probs[keep].min().item() < p + 1e-12


def test_top_p_works_on_batches_in_any_order():
    logits = torch.tensor([[0.0, 2.0, 1.0], [3.0, 0.0, 0.1]])
    out = top_p_filter(logits, 0.6)
    assert torch.isfinite(out).tolist() == [[False, True, False], [True, False, False]]


def test_greedy_and_low_temperature_pick_the_argmax():
    logits = torch.tensor([[0.1, 2.0, 1.9], [5.0, 0.0, 0.0]])
    assert sample_next_token(logits, greedy=True).flatten().tolist() == [1, 0]
    g = torch.Generator().manual_seed(0)
    draws = [sample_next_token(logits, temperature=0.01, generator=g)[0, 0].item() for _ in range(50)]
    assert set(draws) == {1}


def test_sampling_frequencies_follow_the_filtered_distribution():
    logits = torch.tensor([[0.0, math.log(3.0), -10.0]]).repeat(4000, 1)
    g = torch.Generator().manual_seed(1)
    ids = sample_next_token(logits, top_k=2, generator=g).flatten()
    assert (ids == 2).sum() == 0
    assert (ids == 1).float().mean().item() == pytest.approx(0.75, abs=0.03)


def test_entropy_of_uniform_and_temperature_effect():
    z = torch.zeros(1, 8)
    assert entropy(z).item() == pytest.approx(math.log(8))
    logits = torch.tensor([[2.0, 1.0, 0.0, -1.0]])
    assert entropy(logits, 0.5) < entropy(logits, 1.0) < entropy(logits, 2.0)
    assert entropy(top_k_filter(logits, 1)).item() == pytest.approx(0.0)


def test_bad_arguments_are_rejected():
    with pytest.raises(DlbookError, match="p"):
        top_p_filter(torch.zeros(1, 3), 0.0)
    with pytest.raises(DlbookError, match="k"):
        top_k_filter(torch.zeros(1, 3), 0)
    with pytest.raises(DlbookError, match="temperature"):
        sample_next_token(torch.zeros(1, 3), temperature=0)
    with pytest.raises(DlbookError, match=r"\(N, V\)"):
        sample_next_token(torch.zeros(3))
