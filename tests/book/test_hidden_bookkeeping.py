"""Cells that only glue values or assert a claim are bookkeeping, not teaching: a reader never
sees them (tag ``remove-input``, ``remove-cell``, or folded with ``hide-input``/``hide-cell``).
Teaching code stays visible, glue calls at the end of it included. Pure text, no execution."""

from __future__ import annotations

import ast

import pytest

from bookutil import ROOT, chapter_sources
from prose import chapter_cells, parse_code

CHAPTERS = chapter_sources()
HIDDEN = {"remove-input", "remove-cell", "hide-input", "hide-cell"}


def is_bookkeeping(source: str) -> bool:
    """Every statement is a ``glue(...)`` call or an ``assert`` (and there is at least one)."""
    tree = parse_code(source)
    if tree is None or not tree.body:
        return False
    for statement in tree.body:
        if isinstance(statement, ast.Assert):
            continue
        call = statement.value if isinstance(statement, ast.Expr) else None
        func = getattr(call, "func", None)
        if isinstance(call, ast.Call) and getattr(func, "id", getattr(func, "attr", None)) == "glue":
            continue
        return False
    return True


@pytest.mark.parametrize("md", CHAPTERS, ids=[p.stem for p in CHAPTERS])
def test_bookkeeping_cells_are_hidden(md):
    rel = md.relative_to(ROOT)
    bad = [f"{rel}:{cell.line}: ô chỉ glue/assert mà người đọc vẫn thấy (thêm tag remove-input)"
           for cell in chapter_cells(md)
           if is_bookkeeping(cell.source) and not HIDDEN & set(cell.tags)]
    assert not bad, "\n".join(bad)


@pytest.mark.parametrize("source, expected", [
    ('glue("acc", acc, display=False)', True),
    ('assert acc > 0.9, acc\nglue("acc", acc, display=False)', True),
    ('acc = model.score(X, y)\nglue("acc", acc, display=False)', False),
    ('print(acc)', False),
    ('', False),
])
def test_what_counts_as_bookkeeping(source, expected):
    assert is_bookkeeping(source) is expected
