"""Vietnamese alphabetical order (for the glossary).

Unicode code-point order puts "đ" after "z" and "ă" after "a…z"; Vietnamese dictionaries order
letters as a ă â b c d đ e ê g h i k l m n o ô ơ p q r s t u ư v x y, and compare tones only when
the letters are equal (không dấu < huyền < hỏi < ngã < sắc < nặng).
"""

from __future__ import annotations

import unicodedata

ALPHABET = "aăâbcdđeêghiklmnoôơpqrstuưvxy"
_LETTER_MARKS = {"\u0306", "\u0302", "\u031b"}  # breve, circumflex, horn: part of the letter
_TONES = {"\u0300": 1, "\u0309": 2, "\u0303": 3, "\u0301": 4, "\u0323": 5}  # huyền hỏi ngã sắc nặng


def _split_char(ch: str) -> tuple[str, int]:
    """Return (letter without tone, tone rank) for one lower-case character."""
    decomposed = unicodedata.normalize("NFD", ch)
    base = "".join(c for c in decomposed if c not in _TONES)
    tone = max((_TONES.get(c, 0) for c in decomposed), default=0)
    return unicodedata.normalize("NFC", base), tone


def vietnamese_sort_key(text: str) -> tuple:
    """Sort key that orders Vietnamese words as a dictionary does."""
    letters, tones = [], []
    for ch in text.lower().strip():
        letter, tone = _split_char(ch)
        if letter in ALPHABET:
            letters.append((1, ALPHABET.index(letter), ""))
        elif letter.isalnum():  # foreign letters (f, j, w, z) and digits: after the alphabet
            letters.append((1, len(ALPHABET), letter))
        else:  # spaces, hyphens: separate words, sort before any letter
            letters.append((0, 0, ""))
        tones.append(tone)
    return (tuple(letters), tuple(tones))
