"""Pure-text views of a MyST chapter for the style checks (terms, numbers, claims).

No execution and no Markdown parser: the checks must stay fast enough for `make test`. Each view
keeps the line numbers of the source file, so a check can report `file:line`.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from pathlib import Path

FENCE = re.compile(r"^\s*(`{3,}|~{3,})\s*(.*)$")


@dataclass
class Cell:
    """A code cell of a MyST notebook: its first source line (1-based), tags and source lines."""

    line: int
    tags: list[str]
    lines: list[str]

    @property
    def source(self) -> str:
        return "\n".join(self.lines)


def _front_matter_end(lines: list[str]) -> int:
    if lines and lines[0].strip() == "---":
        for i in range(1, len(lines)):
            if lines[i].strip() == "---":
                return i + 1
    return 0


def split_chapter(text: str) -> tuple[list[tuple[int, str]], list[Cell]]:
    """Split a chapter into prose lines `(lineno, text)` and code cells.

    Dropped from the prose: front matter, code cells and plain code blocks (```python …```),
    fence lines of directives (their body — a caption, an admonition, a drop-down — stays prose),
    directive option lines (`:tags:`, `:class:` …), `{math}` blocks, MyST comments (`% …`) and
    HTML comments.
    """
    lines = text.splitlines()
    start = _front_matter_end(lines)
    prose: list[tuple[int, str]] = []
    cells: list[Cell] = []
    i = start
    open_fences: list[str] = []  # fence markers of the directives we are inside
    in_html_comment = False
    while i < len(lines):
        line = lines[i]
        if in_html_comment:
            in_html_comment = "-->" not in line
            i += 1
            continue
        if line.lstrip().startswith("<!--"):
            in_html_comment = "-->" not in line
            i += 1
            continue
        fence = FENCE.match(line)
        if fence and (open_fences and fence.group(1) == open_fences[-1] and not fence.group(2)):
            open_fences.pop()
            i += 1
            continue
        if fence and (
            fence.group(2).startswith("{code-cell}")
            or fence.group(2).startswith("{math}")
            or not fence.group(2).startswith("{")
        ):
            marker, kind = fence.group(1), fence.group(2)
            j, tags, body = i + 1, [], []
            while j < len(lines):
                inner = lines[j]
                if re.fullmatch(re.escape(marker[0]) + "{%d,}" % len(marker), inner.strip()):
                    break
                body.append(inner)
                j += 1
            if kind.startswith("{code-cell}"):
                src, k = [], 0
                for k, inner in enumerate(body):  # cell options, short form `:tags: [...]`
                    m = re.match(r"^:tags:\s*\[(.*)\]\s*$", inner)
                    if m:
                        tags = [t.strip().strip("'\"") for t in m.group(1).split(",") if t.strip()]
                        continue
                    if re.match(r"^:[a-z_-]+:", inner):
                        continue
                    break
                else:
                    k = len(body)
                src = body[k:]
                cells.append(Cell(i + 2 + k, tags, src))
            i = j + 1
            continue
        if fence:  # a directive with a MyST body: keep its body as prose
            open_fences.append(fence.group(1))
            i += 1
            continue
        stripped = line.strip()
        if re.match(r"^:[a-z_-]+:", stripped) or stripped.startswith("%") or stripped.startswith("+++"):
            i += 1
            continue
        prose.append((i + 1, line))
        i += 1
    return prose, cells


_DISPLAY_MATH = re.compile(r"\$\$.*?\$\$", re.S)
_INLINE_MATH = re.compile(r"(?<!\\)\$(?:[^$\n]|\n(?!\s*\n))+?(?<!\\)\$")  # may wrap a line
_INLINE_CODE = re.compile(r"(`+)(?!`).*?(?<!`)\1(?!`)")
_ROLE = re.compile(r"\{([a-z:]+)\}`([^`]*)`")
_LINK_TARGET = re.compile(r"\]\([^)]*\)")
_URL = re.compile(r"https?://\S+")


def _blank(match: re.Match) -> str:
    """Replace a span by spaces (keeps columns and newlines, so line numbers stay right)."""
    return re.sub(r"[^\n]", " ", match.group(0))


def _role(match: re.Match) -> str:
    name, body = match.group(1), match.group(2)
    if name in ("term", "doc", "ref", "numref"):  # keep the visible text of a link
        body = re.sub(r"\s*<[^>]*>\s*$", "", body)
        return " " + body + " " * (len(match.group(0)) - len(body) - 1)
    return _blank(match)  # math, glue, eq, cite, code …: not prose


def prose_text(lines: list[tuple[int, str]]) -> list[tuple[int, str]]:
    """The prose lines with math, inline code, roles other than links, link targets and URLs
    blanked out (display math may span lines, so the lines are processed together)."""
    numbers = [n for n, _ in lines]
    text = "\n".join(t for _, t in lines)
    text = _DISPLAY_MATH.sub(_blank, text)
    text = _ROLE.sub(_role, text)
    text = _INLINE_CODE.sub(_blank, text)
    text = _INLINE_MATH.sub(_blank, text)
    text = _LINK_TARGET.sub(_blank, text)
    text = _URL.sub(_blank, text)
    return list(zip(numbers, text.split("\n")))


def _quote(open_: str, close: str) -> str:
    # a quotation may wrap onto the next line, never across a blank line (an unpaired mark then
    # cannot swallow the rest of the chapter)
    body = f"(?:[^{close}\\n]|\\n(?!\\s*\\n))"
    return f"{open_}{body}{{0,600}}?{close}"


_QUOTES = re.compile("|".join(_quote(o, c) for o, c in (('"', '"'), ("“", "”"), ("«", "»"))))
_ALSO_CALLED = re.compile(r"(còn (được )?gọi là|thường gọi là|hay gọi là)[^.;:)\n]*", re.I)


_GLOSS = re.compile(r"\(\*[^*\n]+\*")  # an English gloss: "tầng (*layer*)"


def without_quotations(text: str) -> str:
    """Blank quoted spans ("…", “…”, may wrap lines), blockquote lines, English glosses
    `(*…*)` and "còn gọi là …" notes (to the end of the clause)."""
    text = re.sub(r"(?m)^\s*>.*$", _blank, text)
    text = _QUOTES.sub(_blank, text)
    text = _GLOSS.sub(_blank, text)
    return _ALSO_CALLED.sub(_blank, text)


def reader_prose(path: Path) -> list[tuple[int, str]]:
    """Chapter prose without quotations, glosses and "còn gọi là" notes (for the term check)."""
    lines = chapter_prose(path)
    blanked = without_quotations("\n".join(t for _, t in lines)).split("\n")
    return [(n, t) for (n, _), t in zip(lines, blanked)]


def chapter_prose(path: Path) -> list[tuple[int, str]]:
    """Reader-facing prose of a chapter, line by line, ready for the term and number checks."""
    prose, _ = split_chapter(path.read_text(encoding="utf-8"))
    return prose_text(prose)


def chapter_cells(path: Path) -> list[Cell]:
    return split_chapter(path.read_text(encoding="utf-8"))[1]


def parse_code(source: str) -> ast.Module | None:
    """A cell's code parsed, IPython magic and shell lines (``%``, ``!``) blanked (line numbers
    kept); None when it does not parse."""
    cleaned = "\n".join("" if l.lstrip().startswith(("%", "!")) else l for l in source.splitlines())
    try:
        return ast.parse(cleaned)
    except SyntaxError:
        return None


def string_literals(source: str, first_line: int = 1) -> list[tuple[int, str]]:
    """Every string constant of a piece of Python (f-strings' literal parts included), with its
    line number, docstrings excluded. Code that does not parse (IPython magics) is parsed line by
    line after dropping magic lines."""
    tree = parse_code(source)
    if tree is None:
        return []
    docstrings = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            body = getattr(node, "body", [])
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                docstrings.add(id(body[0].value))
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings:
            out.append((first_line + node.lineno - 1, node.value))
    return out
