"""Byte-pair encoding: the three steps checked by hand on tiny inputs, the merges of the classic
low/lower/newest/widest corpus worked out by hand, and encode/decode round-trips as Hypothesis
properties (Vietnamese letters with diacritics included)."""

import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dlbook.data import VIETNAMESE_CORPUS
from dlbook.errors import DlbookError, DTypeError, NotFittedError
from dlbook.scratch import BPETokenizer, best_pair, merge_pair, pair_counts

E = "</w>"


def test_pair_counts_by_hand():
    wf = {("l", "o", "w", E): 5, ("l", "o", "w", "e", "r", E): 2}
    assert pair_counts(wf) == {("l", "o"): 7, ("o", "w"): 7, ("w", E): 5, ("w", "e"): 2,
                               ("e", "r"): 2, ("r", E): 2}
    # a repeated pair inside one word counts every occurrence
    assert pair_counts({("a", "a", "a"): 3}) == {("a", "a"): 6}


def test_merge_pair_is_left_to_right_and_non_overlapping():
    assert merge_pair({("a", "a", "a", E): 1}, ("a", "a")) == {("aa", "a", E): 1}
    assert merge_pair({("a", "a", "a", "a"): 2}, ("a", "a")) == {("aa", "aa"): 2}
    assert merge_pair({("a", "b", "a", "b", "c"): 1}, ("a", "b")) == {("ab", "ab", "c"): 1}
    # words that become equal add their counts; other words are untouched
    assert merge_pair({("ab", "c"): 1, ("a", "bc"): 2, ("a", "b", "c"): 4}, ("a", "b")) == {
        ("ab", "c"): 5, ("a", "bc"): 2}


def test_best_pair_breaks_ties_by_the_smallest_pair():
    assert best_pair({("b", "c"): 3, ("a", "z"): 3, ("a", "b"): 2}) == ("a", "z")
    assert best_pair({("x", "y"): 1, ("a", "b"): 5}) == ("a", "b")
    with pytest.raises(DlbookError, match="rỗng"):
        best_pair({})


def test_merges_on_the_classic_tiny_corpus_worked_out_by_hand():
    # low ×5, lower ×2, newest ×6, widest ×3 (Sennrich et al. 2016). By hand:
    # 1. (e,s) (s,t) (t,</w>) all 9 → tie → ('e','s') is the smallest
    # 2. (es,t) and (t,</w>) 9 → ('es','t');  3. ('est','</w>') 9
    # 4. (l,o) and (o,w) 7 → ('l','o');  5. ('lo','w') 7
    # 6. (n,e), (e,w), (w,est</w>) 6 → ('e','w')
    texts = ["low"] * 5 + ["lower"] * 2 + ["newest"] * 6 + ["widest"] * 3
    bpe = BPETokenizer(num_merges=6).fit([" ".join(texts)])
    assert bpe.merges_ == [("e", "s"), ("es", "t"), ("est", E), ("l", "o"), ("lo", "w"),
                           ("e", "w")]
    assert bpe.tokenize("lowest") == ["low", "est</w>"]
    assert bpe.tokenize("newer") == ["n", "ew", "e", "r", E]
    chars = sorted(set("lowernstid"))
    assert list(bpe.vocab_)[: len(chars) + 1] == chars + [E]
    assert list(bpe.vocab_)[len(chars) + 1:] == ["es", "est", "est</w>", "lo", "low", "ew"]
    assert sorted(bpe.vocab_.values()) == list(range(len(bpe.vocab_)))


def test_fit_stops_when_every_word_is_one_symbol():
    bpe = BPETokenizer(num_merges=100).fit(["ab ab"])
    assert bpe.merges_ == [("a", "b"), ("ab", E)]
    assert bpe.encode("ab") == [bpe.vocab_["ab</w>"]]


def test_vietnamese_diacritics_stay_one_symbol_and_nfd_input_is_normalised():
    bpe = BPETokenizer(num_merges=0).fit(["tiếng việt"])
    assert bpe.tokenize("việt") == ["v", "i", "ệ", "t", E]
    nfd = unicodedata.normalize("NFD", "tiếng việt")
    assert len(nfd) > len("tiếng việt")
    assert bpe.encode(nfd) == bpe.encode("tiếng việt")


CORPUS_BPE = BPETokenizer(num_merges=150).fit(VIETNAMESE_CORPUS)
CORPUS_CHARS = sorted({c for s in VIETNAMESE_CORPUS for c in s if not c.isspace()})


@settings(max_examples=60, deadline=None)
@given(st.lists(st.text(alphabet=CORPUS_CHARS, min_size=1, max_size=12), max_size=8),
       st.sampled_from([" ", "  ", "\n", "\t "]))
def test_round_trip_on_text_with_the_corpus_characters(words, sep):
    text = sep.join(words)
    ids = CORPUS_BPE.encode(text)
    assert CORPUS_BPE.decode(ids) == " ".join(text.split())
    assert all(0 <= i < CORPUS_BPE.vocab_size for i in ids)


@settings(max_examples=40, deadline=None)
@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=40),
       st.integers(0, 30))
def test_round_trip_after_fitting_on_any_text(text, num_merges):
    text = text.replace(E, "")
    if not text.split():
        return
    bpe = BPETokenizer(num_merges=num_merges).fit([text])
    normalised = " ".join(unicodedata.normalize("NFC", text).split())
    assert bpe.decode(bpe.encode(text)) == normalised
    # symbols of a word concatenate back to the word
    assert "".join(bpe.tokenize(text)).replace(E, " ").strip() == normalised


def test_merges_make_the_corpus_shorter_than_characters():
    chars = sum(len(w) + 1 for s in VIETNAMESE_CORPUS for w in s.split())
    tokens = sum(len(CORPUS_BPE.encode(s)) for s in VIETNAMESE_CORPUS)
    assert tokens < chars
    assert len(CORPUS_BPE.merges_) == 150


def test_errors_are_in_vietnamese():
    with pytest.raises(NotFittedError, match="fit"):
        BPETokenizer().encode("a")
    with pytest.raises(DlbookError, match="chưa gặp"):
        BPETokenizer(3).fit(["abc"]).encode("abz")
    with pytest.raises(DlbookError, match="rỗng"):
        BPETokenizer().fit(["   "])
    with pytest.raises(DlbookError, match="kết thúc từ"):
        BPETokenizer().fit(["a</w>b"])
    with pytest.raises(DlbookError, match="không hợp lệ"):
        BPETokenizer(1).fit(["ab"]).decode([99])
    with pytest.raises(DTypeError):
        pair_counts({"ab": 1})
    with pytest.raises(DTypeError):
        BPETokenizer().fit([3])
