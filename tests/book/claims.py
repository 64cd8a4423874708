"""Result claims of a chapter: sentences that compare or characterise a value the code computed.

A sentence is a *result claim* when it shows a glued value (``{glue:text}`name```, a number the
page computed) and compares or characterises it in words ("thấp nhất", "nhanh hơn", "vượt",
"hội tụ", "trùng", "gấp", ...). The number moves with every rebuild; the words do not. So the
claim must be *guarded*: a code cell next to it (the nearest one before the sentence or the nearest
one after it — in practice a hidden ``remove-cell`` right before or after the paragraph) asserts
what the words say, and the build fails the day they stop being true.

A sentence that matches but claims nothing about a result (a definition, a figure from a paper)
is marked by a MyST comment line ``% not-a-result: <why>`` directly above its paragraph.

Pure text, no execution (see prose.py); line numbers are those of the source file.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from pathlib import Path

import prose as P

# Words that compare or characterise a value. Whole words, case-insensitive.
CHARACTERISING = re.compile(
    r"\b(?:cao|thấp|tốt|kém|tệ|nhanh|chậm|lớn|nhỏ|nhiều|ít|sát|gần|xa|mượt|ổn định|chính xác)"
    r"\s+(?:hơn|nhất)\b"
    r"|\b(?:vượt|thắng|thua|gấp|hội tụ|phân kỳ|quá khớp|trùng|ngang nhau|bằng nhau"
    r"|gần như không đổi|không học được|học được)\b",
    re.I,
)
GLUE = re.compile(r"\{glue(?::[a-z]+)?\}`[^`\n]*`")
PLACEHOLDER = "⟨giá-trị⟩"
NOT_A_RESULT = re.compile(r"^\s*%\s*not-a-result:\s*\S")
# a paragraph ends at a blank line; a list item or a drop-down's body starts a new one
_BLOCK_START = re.compile(r"^\s*(?:[-*+]\s|\d+[.)]\s|#+\s|:::|```)")
_SENTENCE = re.compile(r"[^.!?]+(?:[.!?](?=\s|$)|$)", re.S)


@dataclass
class Claim:
    line: int
    sentence: str


def _reader_text(prose: list[tuple[int, str]]) -> list[tuple[int, str]]:
    """The reader's prose (prose.prose_text: math, code and roles blanked) with each glued value
    replaced by PLACEHOLDER first, and quotations blanked (a quoted claim of another book is not
    ours)."""
    marked = P.prose_text([(n, GLUE.sub(PLACEHOLDER, t)) for n, t in prose])
    blanked = P.without_quotations("\n".join(t for _, t in marked)).split("\n")
    return [(n, t) for (n, _), t in zip(marked, blanked)]


def _paragraphs(lines: list[tuple[int, str]]) -> list[list[tuple[int, str]]]:
    paragraphs: list[list[tuple[int, str]]] = []
    previous = None
    for number, text in lines:
        new = (not paragraphs or previous is None or number != previous + 1 or not text.strip()
               or _BLOCK_START.match(text))
        if text.strip():
            if new:
                paragraphs.append([])
            paragraphs[-1].append((number, text))
        previous = number if text.strip() else None
    return paragraphs


def _sentences(paragraph: list[tuple[int, str]]):
    text = "\n".join(t for _, t in paragraph)
    for m in _SENTENCE.finditer(text):
        sentence = m.group(0)
        start = m.start() + len(sentence) - len(sentence.lstrip())
        yield paragraph[text[:start].count("\n")][0], " ".join(sentence.split())


def _exempt_lines(raw: list[str]) -> set[int]:
    """First lines of the paragraphs marked `% not-a-result: ...` (1-based)."""
    out = set()
    for i, line in enumerate(raw):
        if NOT_A_RESULT.match(line):
            j = i + 1
            while j < len(raw) and not raw[j].strip():
                j += 1
            out.add(j + 1)
    return out


def result_claims(path: Path) -> tuple[list[Claim], set[int]]:
    """Every result claim of a chapter, and the paragraphs' first lines marked not-a-result."""
    text = path.read_text(encoding="utf-8")
    prose, _ = P.split_chapter(text)
    exempt = _exempt_lines(text.splitlines())
    claims = []
    for paragraph in _paragraphs(_reader_text(prose)):
        if paragraph[0][0] in exempt:
            continue
        for line, sentence in _sentences(paragraph):
            if PLACEHOLDER in sentence and CHARACTERISING.search(sentence):
                claims.append(Claim(line, sentence))
    return claims, exempt


def asserts(source: str) -> bool:
    """The cell's code has an ``assert`` statement (IPython magics ignored)."""
    tree = P.parse_code(source)
    return tree is not None and any(isinstance(node, ast.Assert) for node in ast.walk(tree))


def is_guarded(claim: Claim, cells: list[P.Cell]) -> bool:
    """The nearest code cell before the claim or the nearest one after it asserts something."""
    before = [c for c in cells if c.line < claim.line]
    after = [c for c in cells if c.line > claim.line]
    neighbours = before[-1:] + after[:1]
    return any(asserts(c.source) for c in neighbours)
