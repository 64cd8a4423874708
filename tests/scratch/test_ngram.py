import math

import numpy as np
import pytest

from dlbook.errors import DlbookError, NotFittedError
from dlbook.scratch.ngram import NGramLM


def test_bigram_probabilities_match_hand_counts():
    # "abab" padded: <s> a b a b  → c(<s>,a)=1, c(a,b)=2, c(b,a)=1; V = {a, b, <unk>}
    lm = NGramLM(n=2, k=1.0).fit("abab")
    assert lm.vocab_ == ["a", "b", "<unk>"]
    assert lm.prob("b", "a") == pytest.approx((2 + 1) / (2 + 3))
    assert lm.prob("a", "a") == pytest.approx((0 + 1) / (2 + 3))
    assert lm.prob("a", "") == pytest.approx((1 + 1) / (1 + 3))  # after the start symbol
    assert lm.prob("z", "b") == pytest.approx((0 + 1) / (1 + 3))  # unseen token → <unk>


def test_perplexity_of_toy_sequence_by_hand():
    lm = NGramLM(n=2, k=1.0).fit("abab")
    # P(a | <s>) = 1/2, P(b | a) = 3/5 → PP = (1/2 · 3/5)^(-1/2)
    assert lm.perplexity("ab") == pytest.approx(math.sqrt(10 / 3))
    assert lm.log_likelihood("ab") == pytest.approx(math.log(0.5) + math.log(0.6))


def test_unigram_with_small_k_approaches_relative_frequencies():
    lm = NGramLM(n=1, k=1e-9).fit("aaab")
    assert lm.prob("a") == pytest.approx(0.75, rel=1e-6)
    assert lm.prob("b") == pytest.approx(0.25, rel=1e-6)


@pytest.mark.parametrize("n", [1, 2, 3, 4])
@pytest.mark.parametrize("k", [0.01, 0.5, 2.0])
def test_distribution_sums_to_one_for_seen_and_unseen_contexts(n, k):
    lm = NGramLM(n=n, k=k).fit("con mèo con chó con gà")
    for context in ["", "con ", "mèo", "xyz", "con gà"]:
        p = lm.distribution(context)
        assert p.shape == (len(lm.vocab_),)
        assert p.sum() == pytest.approx(1.0)
        assert np.all(p > 0)
        assert p[lm.vocab_.index("o")] == pytest.approx(lm.prob("o", context))


def test_unseen_context_is_uniform_over_the_vocabulary():
    lm = NGramLM(n=3, k=1.0).fit("abc")  # V = {a, b, c, <unk>}
    np.testing.assert_allclose(lm.distribution("zz"), 0.25)
    # "zzzz": P(<unk> | <s> <s>) = (0 + 1)/(1 + 4), then three unseen contexts, each 1/4
    expected = math.exp(-(math.log(1 / 5) + 3 * math.log(1 / 4)) / 4)
    assert lm.perplexity("zzzz") == pytest.approx(expected)


def test_training_text_is_more_likely_than_shuffled_text():
    text = "con mèo trèo cây cau, hỏi thăm chú chuột đi đâu vắng nhà. " * 5
    lm = NGramLM(n=3, k=0.1).fit(text)
    shuffled = "".join(np.random.default_rng(0).permutation(list(text)))
    assert lm.perplexity(text) < lm.perplexity(shuffled)


def test_sample_is_deterministic_and_follows_a_deterministic_corpus():
    lm = NGramLM(n=3, k=1e-9).fit("abcabcabcabc")
    out = lm.sample(9, context="ab", seed=1)
    assert "".join(out) == "cabcabcab"
    assert lm.sample(20, seed=3) == lm.sample(20, seed=3)
    assert "<unk>" not in lm.sample(200, seed=0, temperature=5.0)


def test_word_tokens_and_fixed_vocab():
    lm = NGramLM(n=2, k=0.5).fit("tôi đi học tôi đi chơi".split(), vocab=["tôi", "đi", "học", "chơi", "ngủ"])
    assert "ngủ" in lm.vocab_ and lm.prob("ngủ", ["đi"]) > 0
    assert lm.prob("học", ["đi"]) > lm.prob("ngủ", ["đi"])


def test_bad_input_is_rejected_in_vietnamese():
    with pytest.raises(DlbookError, match="n"):
        NGramLM(n=0)
    with pytest.raises(DlbookError, match="k"):
        NGramLM(k=0)
    with pytest.raises(DlbookError, match="rỗng"):
        NGramLM().fit("")
    with pytest.raises(DlbookError, match="thiếu"):
        NGramLM().fit("abc", vocab=["a", "b"])
    with pytest.raises(NotFittedError):
        NGramLM().perplexity("abc")
    with pytest.raises(DlbookError, match="rỗng"):
        NGramLM().fit("abc").perplexity("")
