"""Every sentence that compares or characterises a computed result is guarded by an assertion
next to it, so that a rebuild that moves the numbers cannot leave a false sentence on the page
(see claims.py for what counts as a result claim and as a guard). Pure text, no execution."""

from __future__ import annotations

from pathlib import Path

import pytest

from bookutil import ROOT, chapter_sources
from claims import Claim, asserts, is_guarded, result_claims
from prose import Cell, chapter_cells

CHAPTERS = chapter_sources()


@pytest.mark.parametrize("md", CHAPTERS, ids=[p.stem for p in CHAPTERS])
def test_every_result_claim_is_guarded(md):
    rel = md.relative_to(ROOT)
    claims, _ = result_claims(md)
    cells = chapter_cells(md)
    bad = [f"{rel}:{c.line}: khẳng định về kết quả không có assert ở ô mã kề bên: {c.sentence[:160]}"
           for c in claims if not is_guarded(c, cells)]
    assert not bad, "\n".join(bad)


def _chapter(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "chapter.md"
    path.write_text(text, encoding="utf-8")
    return path


EXPERIMENT = """\
```{code-cell} ipython3
glue("drop", 0.31)
glue("l2", 0.35)
```

"""


@pytest.mark.parametrize("sentence, is_claim", [
    ("Dropout cho mất mát thấp nhất, {glue:text}`drop:.3f`.", True),
    ("Mất mát của L2 ({glue:text}`l2:.2f`) cao hơn của dropout.", True),
    ("Hai cách cho gradient trùng nhau tới {glue:text}`diff:.1e`.", True),
    ("Mất mát cuối là {glue:text}`drop:.3f`.", False),  # a value, no comparison in words
    ("Dropout thường cho mất mát thấp nhất.", False),  # no computed value: a general statement
    ('Sách gốc viết "nhanh hơn {glue:text}`x` lần".', False),  # a quotation
    ("Ta có $a$ {glue:text}`x` và $\\text{lớn hơn}$.", False),  # the word is in math
])
def test_what_counts_as_a_result_claim(tmp_path, sentence, is_claim):
    claims, _ = result_claims(_chapter(tmp_path, EXPERIMENT + sentence + "\n"))
    assert bool(claims) is is_claim, claims


def test_a_claim_reports_the_line_of_its_sentence(tmp_path):
    text = EXPERIMENT + "Một câu đầu.\nCâu thứ hai\nthấp hơn {glue:text}`drop`.\n"
    claims, _ = result_claims(_chapter(tmp_path, text))
    assert [c.line for c in claims] == [EXPERIMENT.count("\n") + 2]


def test_a_marked_paragraph_is_not_a_claim(tmp_path):
    text = EXPERIMENT + "% not-a-result: a figure of the paper\nNhanh hơn {glue:text}`x` lần.\n"
    claims, exempt = result_claims(_chapter(tmp_path, text))
    assert not claims and exempt == {EXPERIMENT.count("\n") + 2}


@pytest.mark.parametrize("before, after, guarded", [
    ("glue('a', a)", "print(a)", False),
    ("assert a < b\nglue('a', a)", "print(a)", True),
    ("glue('a', a)", "assert a < b", True),
    ("%matplotlib inline\nassert a < b", "", True),
])
def test_the_guard_is_an_assert_in_a_neighbouring_cell(before, after, guarded):
    far = Cell(1, [], ["assert True"])  # not a neighbour: another cell sits between
    cells = [far, Cell(10, [], before.splitlines()), Cell(30, [], after.splitlines())]
    assert is_guarded(Claim(20, "thấp hơn ⟨giá-trị⟩"), cells) is guarded


def test_asserts_reads_the_code_not_the_text():
    assert asserts("x = 1\nassert x == 1")
    assert not asserts("print('assert')  # assert in a comment")
