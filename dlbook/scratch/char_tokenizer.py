"""Character-level tokenisation: one id per Unicode character of NFC-normalised text.

In NFC a Vietnamese letter with its diacritics (``ệ``, ``ữ``) is one code point, so it is one
token; in NFD it would be a base letter followed by combining marks. Same interface as the
BPE tokenizer: ``fit(texts)``, ``encode(text)``, ``decode(ids)``, ``vocab_``.
"""

from __future__ import annotations

import unicodedata
from typing import Iterable

from dlbook.errors import DlbookError, check_fitted

__all__ = ["CharTokenizer"]


class CharTokenizer:
    """``CharTokenizer()``: ``fit(texts)`` learns ``vocab_`` (character → id, sorted) and
    ``chars_`` (id → character); ``encode`` refuses characters it has not seen."""

    def fit(self, texts: str | Iterable[str]) -> "CharTokenizer":
        texts = [texts] if isinstance(texts, str) else list(texts)
        chars = sorted(set("".join(unicodedata.normalize("NFC", t) for t in texts)))
        if not chars:
            raise DlbookError("Văn bản rỗng: không có ký tự nào để lập bộ từ vựng.")
        self.chars_ = chars
        self.vocab_ = {c: i for i, c in enumerate(chars)}
        return self

    def __len__(self) -> int:
        check_fitted(self, "vocab_")
        return len(self.vocab_)

    def encode(self, text: str) -> list[int]:
        check_fitted(self, "vocab_")
        text = unicodedata.normalize("NFC", text)
        unknown = sorted(set(text) - self.vocab_.keys())
        if unknown:
            raise DlbookError(f"Văn bản có ký tự ngoài bộ từ vựng: {unknown[:5]}.")
        return [self.vocab_[c] for c in text]

    def decode(self, ids: Iterable[int]) -> str:
        check_fitted(self, "vocab_")
        try:
            return "".join(self.chars_[int(i)] for i in ids)
        except IndexError:
            raise DlbookError(f"Có id ngoài khoảng [0, {len(self.chars_) - 1}].") from None
