"""A small "translation" task for seq2seq with attention: dates in Vietnamese words → ISO dates.

``"ngày hai mươi ba tháng mười một năm hai nghìn không trăm hai mươi sáu"`` → ``"2026-11-23"``.

The numbers are read the way Vietnamese reads them, with the usual spelling variants:

- 1 after ``mươi`` is ``mốt`` (21 = hai mươi mốt) but ``một`` after ``mười`` (11 = mười một);
- 5 after ``mười``/``mươi`` is ``lăm`` (15 = mười lăm, 25 = hai mươi lăm), otherwise ``năm``
  (105 = một trăm linh năm);
- 4 after ``mươi`` is ``tư`` or ``bốn`` (24 = hai mươi tư / hai mươi bốn);
- a zero tens digit after hundreds is ``linh`` or ``lẻ`` (1905 = một nghìn chín trăm linh năm);
- zero hundreds after thousands is ``không trăm`` (2026 = hai nghìn không trăm hai mươi sáu);
- ``nghìn`` or ``ngàn``; days 1–10 may take ``mùng``/``mồng`` (ngày mùng một);
- April is ``tháng tư``.

The word ``năm`` means both "year" and "five": the model must use the context, which makes the
attention heat-maps worth looking at.
"""

from __future__ import annotations

import datetime as _dt

import numpy as np

from dlbook.data.result import LoadedData
from dlbook.errors import DlbookError, check_positive

__all__ = [
    "DIGITS_VI",
    "number_to_vietnamese",
    "date_to_vietnamese",
    "make_vietnamese_dates",
    "encode_date_pairs",
    "DATE_TARGET_SPECIALS",
]

DIGITS_VI = ("không", "một", "hai", "ba", "bốn", "năm", "sáu", "bảy", "tám", "chín")


def _pick(rng, options):
    return options[0] if rng is None else options[rng.integers(len(options))]


def _two_digits(n: int, rng) -> str:
    """10 ≤ n ≤ 99."""
    tens, unit = divmod(n, 10)
    head = "mười" if tens == 1 else f"{DIGITS_VI[tens]} mươi"
    if unit == 0:
        return head
    if unit == 1:
        word = "một" if tens == 1 else "mốt"
    elif unit == 5:
        word = "lăm"
    elif unit == 4 and tens >= 2:
        word = _pick(rng, ("tư", "bốn"))
    else:
        word = DIGITS_VI[unit]
    return f"{head} {word}"


def _below_hundred_after_hundreds(n: int, rng) -> str:
    """The last two digits of a number that has hundreds (0 < n < 100)."""
    if n < 10:
        return f"{_pick(rng, ('linh', 'lẻ'))} {DIGITS_VI[n]}"
    return _two_digits(n, rng)


def number_to_vietnamese(n: int, rng: np.random.Generator | None = None) -> str:
    """Read an integer 0 ≤ n ≤ 9999 in Vietnamese words.

    Without ``rng`` the first variant is used (``tư``, ``linh``, ``nghìn``); with an ``rng`` the
    variants are drawn at random.
    """
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or not 0 <= n <= 9999:
        raise DlbookError(f"Chỉ đọc được số nguyên từ 0 đến 9999, nhưng nhận được {n!r}.")
    n = int(n)
    if n < 10:
        return DIGITS_VI[n]
    if n < 100:
        return _two_digits(n, rng)
    thousands, rest = divmod(n, 1000)
    hundreds, tail = divmod(rest, 100)
    parts = []
    if thousands:
        parts.append(f"{DIGITS_VI[thousands]} {_pick(rng, ('nghìn', 'ngàn'))}")
        if rest == 0:
            return parts[0]
        parts.append(f"{DIGITS_VI[hundreds]} trăm")  # "không trăm" when hundreds == 0
    else:
        parts.append(f"{DIGITS_VI[hundreds]} trăm")
    if tail:
        parts.append(_below_hundred_after_hundreds(tail, rng))
    return " ".join(parts)


def date_to_vietnamese(date, rng: np.random.Generator | None = None) -> str:
    """``"ngày … tháng … năm …"`` for a ``datetime.date`` or an ISO string."""
    if isinstance(date, str):
        date = _dt.date.fromisoformat(date)
    day = number_to_vietnamese(date.day, rng)
    if date.day <= 10:
        day = _pick(rng, ("", "mùng ", "mồng ")) + day
    month = "tư" if date.month == 4 else number_to_vietnamese(date.month, rng)
    return f"ngày {day} tháng {month} năm {number_to_vietnamese(date.year, rng)}"


def make_vietnamese_dates(n: int = 5000, start: str = "1900-01-01", end: str = "2099-12-31",
                          variants: bool = True, seed: int = 0) -> LoadedData:
    """``n`` random dates between ``start`` and ``end``: ``LoadedData(texts, isos)`` (lists of str).

    With ``variants`` the spelling variants are drawn at random; otherwise one canonical
    spelling per date.
    """
    check_positive(n, "n", integer=True)
    d0, d1 = _dt.date.fromisoformat(start), _dt.date.fromisoformat(end)
    if d1 < d0 or d0.year < 1 or d1.year > 9999:
        raise DlbookError(f"Khoảng ngày không hợp lệ: {start} → {end}.")
    rng = np.random.default_rng(seed)
    offsets = rng.integers(0, (d1 - d0).days + 1, n)
    dates = [d0 + _dt.timedelta(days=int(k)) for k in offsets]
    texts = [date_to_vietnamese(d, rng if variants else None) for d in dates]
    return LoadedData(texts, [d.isoformat() for d in dates], source="generated-dates",
                      description=f"{n} ngày tháng viết bằng chữ tiếng Việt (seed={seed}) "
                                  "và dạng ISO tương ứng.")


#: Target side: padding, start and end of sequence; then the characters ``0``–``9`` and ``-``.
DATE_TARGET_SPECIALS = ("<pad>", "<s>", "</s>")


def encode_date_pairs(texts, isos, src_vocab=None, tgt_vocab=None):
    """Index arrays for seq2seq: words of ``texts`` → ``src`` ``(N, S)``; characters of ``isos``
    wrapped in ``<s> … </s>`` → ``tgt`` ``(N, 12)``. Both are padded with 0.

    Returns ``(src, tgt, src_vocab, tgt_vocab)``; pass the training vocabularies when encoding
    test data (unknown words become ``<unk>``).
    """
    from dlbook.scratch.embeddings import Vocab, build_vocab

    if len(texts) != len(isos):
        raise DlbookError(f"Có {len(texts)} câu nguồn nhưng {len(isos)} câu đích.")
    tokens = [t.split() for t in texts]
    if src_vocab is None:
        src_vocab = build_vocab(tokens, specials=("<pad>",), unk_token="<unk>", order="frequency")
    if tgt_vocab is None:
        tgt_vocab = Vocab(list(DATE_TARGET_SPECIALS) + list("0123456789-"))
    S = max(len(t) for t in tokens)
    src = np.zeros((len(texts), S), np.int64)
    for i, t in enumerate(tokens):
        src[i, : len(t)] = src_vocab.encode(t)
    T = max(len(s) for s in isos) + 2
    tgt = np.zeros((len(isos), T), np.int64)
    for i, s in enumerate(isos):
        ids = [tgt_vocab["<s>"]] + tgt_vocab.encode(list(s)) + [tgt_vocab["</s>"]]
        tgt[i, : len(ids)] = ids
    return src, tgt, src_vocab, tgt_vocab
