"""Vietnamese alphabetical order (for the glossary).

Unicode code-point order puts "đ" after "z" and "ă" after "a…z"; Vietnamese dictionaries order
letters as a ă â b c d đ e ê g h i k l m n o ô ơ p q r s t u ư v x y, and compare tones only when
the letters are equal (không dấu < huyền < hỏi < ngã < sắc < nặng). Terms that start with a Latin
letter outside that alphabet (FID, framework, word2vec, Jupyter) are filed under their letter, as
Vietnamese dictionaries of technical terms do: f between ê and g, j between i and k, w between v
and x, z after y. Digits sort before letters.
"""

from __future__ import annotations

import unicodedata

ALPHABET = "aăâbcdđeêghiklmnoôơpqrstuưvxy"  # the Vietnamese alphabet
_ORDER = "aăâbcdđeêfghijklmnoôơpqrstuưvwxyz"  # with the Latin letters it lacks, in place
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
        if letter in _ORDER:
            letters.append((1, _ORDER.index(letter) + 1, ""))
        elif letter.isdigit():  # digits (and ², ³): before every letter
            letters.append((1, 0, letter))
        elif letter.isalnum():  # any other letter (Greek, …): after the alphabet
            letters.append((1, len(_ORDER) + 1, letter))
        else:  # spaces, hyphens: separate words, sort before any letter
            letters.append((0, 0, ""))
        tones.append(tone)
    return (tuple(letters), tuple(tones))
