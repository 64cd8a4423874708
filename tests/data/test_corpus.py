from collections import Counter

from dlbook.data.corpus import (
    CORPUS_TOPICS,
    VIETNAMESE_CORPUS,
    make_vietnamese_corpus,
    tokenize_vi,
)


def test_corpus_has_a_few_hundred_sentences_and_every_topic_word():
    assert 200 <= len(VIETNAMESE_CORPUS) <= 1000
    counts = Counter(w for s in VIETNAMESE_CORPUS for w in tokenize_vi(s))
    for words in CORPUS_TOPICS.values():
        for w in words:
            assert counts[w] >= 5, w


def test_corpus_is_deterministic_and_seeded():
    assert make_vietnamese_corpus() == VIETNAMESE_CORPUS
    other = make_vietnamese_corpus(seed=1)
    assert other != VIETNAMESE_CORPUS


def test_corpus_templates_are_fully_filled_and_lowercase():
    for s in VIETNAMESE_CORPUS:
        assert "{" not in s and "}" not in s
        assert s == s.lower()
        assert "  " not in s


def test_compound_words_are_joined_with_underscore():
    assert tokenize_vi("Tôi đi ô_tô đến Hà_Nội") == ["tôi", "đi", "ô_tô", "đến", "hà_nội"]
    all_words = {w for s in VIETNAMESE_CORPUS for w in s.split()}
    assert {"ô_tô", "hà_nội", "bác_sĩ"} <= all_words
