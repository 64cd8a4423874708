"""Byte-pair encoding (BPE) tokenisation learned from scratch (Phần 9, chương 25; Sennrich et al. 2016).

Start from characters: every word is a tuple of its characters followed by an end-of-word
symbol (``"</w>"``), counted over the corpus. Repeat ``num_merges`` times: count every pair of
adjacent symbols (:func:`pair_counts`), take the most frequent one (:func:`best_pair`, ties
broken by the lexicographically smallest pair so the result is deterministic) and fuse it
everywhere into one symbol (:func:`merge_pair`). The list of merges *is* the tokenizer: to
encode a new word, apply the merges in the order they were learned.

Text is NFC-normalised first, so a Vietnamese letter with its diacritics (``"ệ"``) is one code
point, and whitespace is normalised (the text is split with ``str.split``).
"""

from __future__ import annotations

import unicodedata
from collections import Counter
from typing import Iterable

from dlbook.errors import DlbookError, DTypeError, NotFittedError, check_positive

__all__ = ["pair_counts", "merge_pair", "best_pair", "BPETokenizer"]


def _check_word_freqs(word_freqs):
    if not isinstance(word_freqs, dict):
        raise DTypeError("`word_freqs` phải là một dict {từ dưới dạng tuple ký hiệu: số lần}, "
                         f"nhưng nhận được {type(word_freqs).__name__}.")
    for word, count in word_freqs.items():
        if not isinstance(word, tuple) or not all(isinstance(s, str) for s in word):
            raise DTypeError("Mỗi khóa của `word_freqs` phải là tuple các chuỗi ký hiệu, "
                             f"ví dụ ('c', 'o', 'n', '</w>'), nhưng nhận được {word!r:.60}.")
        if isinstance(count, bool) or not isinstance(count, int) or count < 0:
            raise DTypeError(f"Số lần xuất hiện của {word!r:.60} phải là số nguyên không âm, "
                             f"nhưng nhận được {count!r}.")


def pair_counts(word_freqs) -> dict:
    """Count each pair of adjacent symbols, weighted by the word counts.

    ``word_freqs`` maps a word as a tuple of symbols to its count, e.g.
    ``{("l", "o", "w", "</w>"): 5}`` gives ``{("l", "o"): 5, ("o", "w"): 5, ("w", "</w>"): 5}``.
    """
    _check_word_freqs(word_freqs)
    counts: dict = {}
    for word, freq in word_freqs.items():
        for pair in zip(word[:-1], word[1:]):
            counts[pair] = counts.get(pair, 0) + freq
    return counts


def _merge_word(word: tuple, a: str, b: str) -> tuple:
    out, i, n = [], 0, len(word)
    while i < n:
        if i < n - 1 and word[i] == a and word[i + 1] == b:
            out.append(a + b)
            i += 2
        else:
            out.append(word[i])
            i += 1
    return tuple(out)


def merge_pair(word_freqs, pair) -> dict:
    """One merge: in every word, each adjacent ``(a, b)`` (left to right, non-overlapping) becomes
    the single symbol ``a + b``. Returns a new dict (counts of words that become equal are added)."""
    _check_word_freqs(word_freqs)
    if not (isinstance(pair, tuple) and len(pair) == 2 and all(isinstance(s, str) for s in pair)):
        raise DTypeError(f"`pair` phải là một cặp hai chuỗi (a, b), nhưng nhận được {pair!r:.60}.")
    a, b = pair
    merged: dict = {}
    for word, freq in word_freqs.items():
        new = _merge_word(word, a, b)
        merged[new] = merged.get(new, 0) + freq
    return merged


def best_pair(counts):
    """The most frequent pair; ties go to the lexicographically smallest pair."""
    if not isinstance(counts, dict) or not counts:
        raise DlbookError("`counts` rỗng: không còn cặp ký hiệu kề nhau nào để gộp.")
    return min(counts, key=lambda p: (-counts[p], p))


class BPETokenizer:
    """``BPETokenizer(num_merges=200, end_of_word="</w>")``: learn BPE merges with :meth:`fit`.

    After ``fit``: ``merges_`` (list of pairs, in order), ``vocab_`` (symbol → id: the single
    characters seen, sorted, then the end-of-word symbol, then each new merged symbol) and
    ``id_to_token_`` (the inverse list). ``tokenize`` gives symbols, ``encode`` ids, and
    ``decode(encode(t))`` returns ``t`` with whitespace normalised to single spaces (for text made
    of characters seen in training).
    """

    def __init__(self, num_merges: int = 200, end_of_word: str = "</w>"):
        check_positive(num_merges, "num_merges", allow_zero=True, integer=True)
        if not isinstance(end_of_word, str) or not end_of_word or any(c.isspace() for c in end_of_word):
            raise DlbookError("`end_of_word` phải là một chuỗi không rỗng và không chứa khoảng "
                              f"trắng, nhưng nhận được {end_of_word!r}.")
        self.num_merges = int(num_merges)
        self.end_of_word = end_of_word

    # -- helpers -----------------------------------------------------------------------------
    def _words(self, text) -> list:
        if not isinstance(text, str):
            raise DTypeError(f"Văn bản phải là chuỗi (str), nhưng nhận được {type(text).__name__}.")
        text = unicodedata.normalize("NFC", text)
        if self.end_of_word in text:
            raise DlbookError(f"Văn bản chứa ký hiệu kết thúc từ {self.end_of_word!r}; hãy chọn "
                              "`end_of_word` khác hoặc xóa nó khỏi văn bản.")
        return text.split()

    def _check_fitted(self):
        if not hasattr(self, "merges_"):
            raise NotFittedError("BPETokenizer chưa được huấn luyện: hãy gọi `fit` trước.")

    # -- learning ----------------------------------------------------------------------------
    def fit(self, texts: Iterable[str]) -> "BPETokenizer":
        """Learn up to ``num_merges`` merges from the texts (stops early when no pair is left)."""
        if isinstance(texts, str):
            texts = [texts]
        counter: Counter = Counter()
        for t in texts:
            counter.update(self._words(t))
        if not counter:
            raise DlbookError("Không có từ nào để học BPE: `texts` rỗng hoặc chỉ có khoảng trắng.")
        word_freqs = {tuple(w) + (self.end_of_word,): c for w, c in counter.items()}
        chars = sorted({ch for w in counter for ch in w})
        vocab = {ch: i for i, ch in enumerate(chars)}
        vocab[self.end_of_word] = len(vocab)
        merges = []
        for _ in range(self.num_merges):
            counts = pair_counts(word_freqs)
            if not counts:
                break
            pair = best_pair(counts)
            merges.append(pair)
            word_freqs = merge_pair(word_freqs, pair)
            vocab.setdefault(pair[0] + pair[1], len(vocab))
        self.merges_ = merges
        self.vocab_ = vocab
        self.id_to_token_ = [None] * len(vocab)
        for s, i in vocab.items():
            self.id_to_token_[i] = s
        self.word_freqs_ = word_freqs
        self._ranks = {p: r for r, p in enumerate(merges)}
        self._cache: dict = {}
        return self

    # -- using -------------------------------------------------------------------------------
    def _tokenize_word(self, word: str) -> list:
        if word in self._cache:
            return self._cache[word]
        symbols = list(word) + [self.end_of_word]
        while len(symbols) > 1:
            ranked = [(self._ranks.get(p, len(self._ranks)), i)
                      for i, p in enumerate(zip(symbols[:-1], symbols[1:]))]
            rank, _ = min(ranked)
            if rank == len(self._ranks):
                break
            symbols = list(_merge_word(tuple(symbols), *self.merges_[rank]))
        self._cache[word] = symbols
        return symbols

    def tokenize(self, text: str) -> list:
        """The text as a list of BPE symbols (the last symbol of every word ends with ``end_of_word``)."""
        self._check_fitted()
        return [s for w in self._words(text) for s in self._tokenize_word(w)]

    def encode(self, text: str) -> list:
        """The text as a list of token ids (raises on characters not seen in training)."""
        tokens = self.tokenize(text)
        unknown = sorted({t for t in tokens if t not in self.vocab_})
        if unknown:
            raise DlbookError(f"Văn bản có ký tự chưa gặp khi huấn luyện BPE: {unknown[:10]}; "
                              "hãy huấn luyện trên một kho văn bản có các ký tự này.")
        return [self.vocab_[t] for t in tokens]

    def decode(self, ids) -> str:
        """Ids back to text: the symbols are concatenated and each ``end_of_word`` becomes a space."""
        self._check_fitted()
        n = len(self.id_to_token_)
        pieces = []
        for i in ids:
            if isinstance(i, bool) or not hasattr(i, "__index__") or not 0 <= int(i) < n:
                raise DlbookError(f"Mã token {i!r} không hợp lệ: phải là số nguyên trong [0, {n}).")
            pieces.append(self.id_to_token_[int(i)])
        eow, k = self.end_of_word, len(self.end_of_word)
        # only the last symbol of a word ends with end_of_word (texts may not contain it)
        text = "".join(p[:-k] + " " if p.endswith(eow) else p for p in pieces)
        return text.rstrip(" ")

    @property
    def vocab_size(self) -> int:
        self._check_fitted()
        return len(self.vocab_)

    def __repr__(self):
        return f"BPETokenizer(num_merges={self.num_merges}, end_of_word={self.end_of_word!r})"
