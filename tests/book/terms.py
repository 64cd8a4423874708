"""The book's vocabulary registry, read from the glossary term files, and the scanner that finds
rejected variants in a text (used by test_terms.py)."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

import yaml

from bookutil import BOOK

SPELLING_FILE = BOOK / "_glossary" / "_chinh-ta.yml"

# Tone marks, old style (hoá, thoả, tuỳ): a syllable that ends in o + marked a/e or u + marked y
# (new style: hóa, thỏa, tùy) is a violation; "quý", "quỹ" are not (qu is one consonant).
_NEW_STYLE_TONE = re.compile(
    r"(?<![\w])(\w*?)(?<![qQ])([óòỏõọÓÒỎÕỌ][aAeE]|[úùủũụÚÙỦŨỤ][yY])(?!\w)"
)
_TONES = "\u0301\u0300\u0309\u0303\u0323"


def old_style(syllable_end: str) -> str:
    """Move the tone mark of a final oa/oe/uy from the first vowel to the second (hóa -> hoá)."""
    first, second = syllable_end[0], syllable_end[1]
    decomposed = unicodedata.normalize("NFD", first)
    tone = "".join(c for c in decomposed if c in _TONES)
    base = "".join(c for c in decomposed if c not in _TONES)
    return unicodedata.normalize("NFC", base) + unicodedata.normalize("NFC", second + tone)


@dataclass(frozen=True)
class Rule:
    variant: str
    preferred: str
    source: str  # the registry file that decided it
    pattern: re.Pattern


def _rule(variant: str, preferred: str, source: str) -> Rule:
    variant = unicodedata.normalize("NFC", variant.strip())
    left = r"(?<![\w-])" if re.match(r"\w", variant) else ""
    right = r"(?![\w-])" if re.search(r"\w$", variant) else ""
    return Rule(variant, preferred, source, re.compile(left + re.escape(variant) + right, re.I))


@lru_cache(maxsize=1)
def rules() -> tuple[Rule, ...]:
    """Every (rejected variant -> preferred term) pair of the registry."""
    import build_glossary  # tools/ is on sys.path (bookutil)

    out = []
    for path in build_glossary.term_files():
        for entry in yaml.safe_load(path.read_text(encoding="utf-8")) or []:
            for variant in entry.get("reject", []):
                out.append(_rule(variant, entry["vi"], path.name))
    spelling = yaml.safe_load(SPELLING_FILE.read_text(encoding="utf-8"))
    for pair in spelling.get("words", []):
        for variant in pair["reject"]:
            out.append(_rule(variant, pair["prefer"], SPELLING_FILE.name))
    return tuple(out)


@lru_cache(maxsize=1)
def tone_style() -> str:
    return yaml.safe_load(SPELLING_FILE.read_text(encoding="utf-8")).get("tone_marks", "old")


def find_violations(text: str) -> list[tuple[int, str, str]]:
    """(column, variant found, preferred term) for each rejected variant in one line of text."""
    text = unicodedata.normalize("NFC", text)
    found, taken = [], []
    for rule in sorted(rules(), key=lambda r: -len(r.variant)):  # longest variant wins a span
        for m in rule.pattern.finditer(text):
            if any(m.start() < end and start < m.end() for start, end in taken):
                continue
            taken.append((m.start(), m.end()))
            found.append((m.start(), m.group(0), rule.preferred))
    if tone_style() == "old":
        for m in _NEW_STYLE_TONE.finditer(text):
            word = m.group(0)
            found.append((m.start(), word, m.group(1) + old_style(m.group(2))))
    return sorted(found)
