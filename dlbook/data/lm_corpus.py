"""The Vietnamese text the language-model chapter trains on, and how to cut it up.

``vi_lm_corpus.txt`` ships with the package: short stories, fables and descriptions written
in Vietnamese for this book (original text, no copyright of others), NFC-normalised, one
paragraph per line, a blank line between texts.
"""

from __future__ import annotations

import unicodedata
from importlib.resources import files

import numpy as np

from dlbook.errors import DlbookError, check_positive

__all__ = ["CorpusText", "load_vietnamese_text", "lm_windows", "split_paragraphs"]

_FILE = "vi_lm_corpus.txt"


class CorpusText(str):
    """A ``str`` with ``source``, ``description`` and ``titles`` (the first line of each text)."""

    def __new__(cls, text: str, *, source: str, description: str, titles: tuple[str, ...] = ()):
        obj = super().__new__(cls, text)
        obj.source, obj.description, obj.titles = source, description, titles
        return obj


def load_vietnamese_text() -> CorpusText:
    """The whole corpus as one string (NFC), paragraphs separated by ``"\\n"``."""
    raw = files("dlbook.data").joinpath(_FILE).read_text(encoding="utf-8")
    raw = unicodedata.normalize("NFC", raw).replace("\r\n", "\n")
    texts = [t.strip() for t in raw.split("\n\n") if t.strip()]
    titles = tuple(t.split("\n", 1)[0] for t in texts)
    text = "\n".join(texts) + "\n"
    n_chars = f"{len(text):,}".replace(",", ".")
    description = (f"Tập văn bản tiếng Việt viết riêng cho sách: {len(texts)} truyện ngắn, "
                   f"ngụ ngôn và bài tả, {n_chars} ký tự.")
    return CorpusText(text, source="dlbook:vi_lm_corpus", description=description, titles=titles)


def split_paragraphs(text: str, val_fraction: float = 0.1) -> tuple[str, str]:
    """Split ``text`` by lines (paragraphs) into ``(train, val)``: every ``round(1/val_fraction)``-th
    paragraph goes to validation, so both parts mix all the texts; no paragraph is in both."""
    if not 0 < val_fraction < 1:
        raise DlbookError(f"`val_fraction` phải nằm trong (0, 1), nhưng nhận được {val_fraction!r}.")
    paragraphs = [p for p in text.split("\n") if p.strip()]
    every = max(2, round(1 / val_fraction))
    if len(paragraphs) < every:
        raise DlbookError(f"Văn bản chỉ có {len(paragraphs)} đoạn, cần ít nhất {every} để tách.")
    train = [p for i, p in enumerate(paragraphs) if i % every != every - 1]
    val = [p for i, p in enumerate(paragraphs) if i % every == every - 1]
    return "\n".join(train) + "\n", "\n".join(val) + "\n"


def lm_windows(ids, context_length: int, stride: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Cut a token-id sequence into next-token examples ``X[i] = ids[s:s+C]``,
    ``y[i] = ids[s+1:s+C+1]`` with ``s = i·stride`` (default ``stride = C``: no overlap)."""
    check_positive(context_length, "context_length", integer=True)
    stride = context_length if stride is None else check_positive(stride, "stride", integer=True)
    ids = np.asarray(ids, dtype=np.int64)
    if ids.ndim != 1 or len(ids) < context_length + 1:
        raise DlbookError(f"Cần một dãy id một chiều dài ít nhất {context_length + 1}, "
                          f"nhưng nhận được dạng {ids.shape}.")
    starts = np.arange(0, len(ids) - context_length, stride)
    offsets = np.arange(context_length)
    return ids[starts[:, None] + offsets], ids[starts[:, None] + offsets + 1]
