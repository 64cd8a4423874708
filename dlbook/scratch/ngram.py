"""An n-gram language model with add-k (Lidstone) smoothing, counted by hand.

The model predicts each token from the ``n − 1`` tokens before it::

    P(w | h) = (c(h, w) + k) / (c(h) + k·|V|)

where ``c(h, w)`` counts how often the context ``h`` was followed by ``w`` in the training
tokens, ``c(h) = Σ_w c(h, w)`` and ``V`` is the vocabulary (the training tokens plus one
unknown token ``unk``). With ``k > 0`` every token of ``V`` gets a non-zero probability, and
the probabilities over ``V`` sum to 1 for every context, seen or not. The text is padded on
the left with ``n − 1`` start symbols ``bos`` (never predicted), so the first tokens have a
context too.

Tokens are any hashable symbols: the characters of a string, words, syllables or ids.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from typing import Hashable, Iterable, Sequence

import numpy as np

from dlbook.errors import DlbookError, check_fitted, check_positive

__all__ = ["NGramLM"]


class NGramLM:
    """``NGramLM(n=3, k=1.0, bos="<s>", unk="<unk>")``: fit, probabilities, perplexity, samples.

    After ``fit(tokens)``: ``vocab_`` (sorted training symbols, then ``unk``), ``counts_``
    (context tuple → ``Counter`` of next tokens) and ``context_totals_`` (context → ``c(h)``).
    """

    def __init__(self, n: int = 3, k: float = 1.0, bos: Hashable = "<s>", unk: Hashable = "<unk>"):
        check_positive(n, "n", integer=True)
        check_positive(k, "k")
        if bos == unk:
            raise DlbookError("`bos` và `unk` phải là hai ký hiệu khác nhau.")
        self.n, self.k, self.bos, self.unk = int(n), float(k), bos, unk

    # -- counting ---------------------------------------------------------------------------
    def _padded(self, tokens: Sequence[Hashable]) -> list:
        known = self._index
        return [self.bos] * (self.n - 1) + [t if t in known else self.unk for t in tokens]

    def _ngrams(self, tokens: Sequence[Hashable]) -> Iterable[tuple[tuple, Hashable]]:
        padded = self._padded(tokens)
        m = self.n - 1
        for i in range(m, len(padded)):
            yield tuple(padded[i - m:i]), padded[i]

    def fit(self, tokens: Sequence[Hashable], vocab: Iterable[Hashable] | None = None) -> "NGramLM":
        """Count the n-grams of ``tokens``. ``vocab`` (optional) fixes the vocabulary, e.g. the
        same characters a neural model uses; it must contain every training token."""
        tokens = list(tokens)
        if not tokens:
            raise DlbookError("`tokens` rỗng: cần ít nhất một token để đếm n-gram.")
        symbols = set(tokens) if vocab is None else set(vocab)
        if vocab is not None and not set(tokens) <= symbols:
            missing = sorted(map(str, set(tokens) - symbols))[:5]
            raise DlbookError(f"`vocab` thiếu các token có trong dữ liệu huấn luyện: {missing}.")
        if self.bos in symbols or self.unk in symbols:
            raise DlbookError("Dữ liệu chứa ký hiệu `bos` hoặc `unk`; hãy chọn ký hiệu khác.")
        self.vocab_ = sorted(symbols, key=str) + [self.unk]
        self._index = {t: i for i, t in enumerate(self.vocab_)}
        counts: dict[tuple, Counter] = defaultdict(Counter)
        for context, token in self._ngrams(tokens):
            counts[context][token] += 1
        self.counts_ = dict(counts)
        self.context_totals_ = {h: sum(c.values()) for h, c in self.counts_.items()}
        return self

    # -- probabilities ----------------------------------------------------------------------
    def _context(self, context: Sequence[Hashable]) -> tuple:
        padded = self._padded(list(context))
        return tuple(padded[len(padded) - (self.n - 1):]) if self.n > 1 else ()

    def prob(self, token: Hashable, context: Sequence[Hashable] = ()) -> float:
        """``P(token | last n − 1 tokens of context)``; an unseen token counts as ``unk``."""
        check_fitted(self, "vocab_")
        h = self._context(context)
        token = token if token in self._index else self.unk
        c_hw = self.counts_.get(h, {}).get(token, 0)
        return (c_hw + self.k) / (self.context_totals_.get(h, 0) + self.k * len(self.vocab_))

    def distribution(self, context: Sequence[Hashable] = ()) -> np.ndarray:
        """Probabilities of every token of ``vocab_`` after ``context`` (they sum to 1)."""
        check_fitted(self, "vocab_")
        h = self._context(context)
        p = np.full(len(self.vocab_), self.k)
        for token, c in self.counts_.get(h, {}).items():
            p[self._index[token]] += c
        return p / (self.context_totals_.get(h, 0) + self.k * len(self.vocab_))

    def log_likelihood(self, tokens: Sequence[Hashable]) -> float:
        """``Σ_t log P(w_t | w_{t−n+1..t−1})`` (natural log) of a token sequence."""
        check_fitted(self, "vocab_")
        V = len(self.vocab_)
        total = 0.0
        for h, w in self._ngrams(list(tokens)):
            c = self.counts_.get(h)
            c_hw, c_h = (c.get(w, 0), self.context_totals_[h]) if c is not None else (0, 0)
            total += math.log((c_hw + self.k) / (c_h + self.k * V))
        return total

    def cross_entropy(self, tokens: Sequence[Hashable]) -> float:
        """Mean negative log-likelihood per token (nats)."""
        tokens = list(tokens)
        if not tokens:
            raise DlbookError("`tokens` rỗng: không tính được độ hỗn loạn.")
        return -self.log_likelihood(tokens) / len(tokens)

    def perplexity(self, tokens: Sequence[Hashable]) -> float:
        """``exp(cross_entropy)``: the model is as unsure as a fair die with this many faces."""
        return math.exp(self.cross_entropy(tokens))

    # -- generation -------------------------------------------------------------------------
    def sample(self, num_tokens: int, context: Sequence[Hashable] = (), seed: int = 0,
               temperature: float = 1.0) -> list:
        """Draw ``num_tokens`` tokens one at a time from ``P(· | context)`` (``unk`` is never
        drawn); ``temperature`` < 1 sharpens the distribution, > 1 flattens it."""
        check_fitted(self, "vocab_")
        check_positive(num_tokens, "num_tokens", integer=True)
        check_positive(temperature, "temperature")
        rng = np.random.default_rng(seed)
        history, out = list(context), []
        for _ in range(num_tokens):
            p = self.distribution(history)[:-1] ** (1.0 / temperature)
            token = self.vocab_[rng.choice(len(p), p=p / p.sum())]
            history.append(token)
            out.append(token)
        return out
