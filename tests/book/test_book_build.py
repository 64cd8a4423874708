"""The whole book builds strictly, with every chapter executed."""

from __future__ import annotations

import re

import pytest

from bookutil import ROOT, chapter_sources

pytestmark = [pytest.mark.book, pytest.mark.xdist_group("book")]


def test_book_builds_with_no_warning_and_no_cell_error(built_book):
    # built_book fails the test on any Sphinx warning or cell error; here we check what it made.
    assert (built_book / "index.html").exists()
    reports = list((built_book / "reports").rglob("*.log")) if (built_book / "reports").exists() else []
    assert not reports, f"cell errors reported: {[r.name for r in reports]}"


def test_every_chapter_page_is_built_with_its_outputs(built_book):
    for md in chapter_sources():
        page = built_book / md.relative_to(ROOT).with_suffix(".html")
        assert page.exists(), f"{page} was not built"
        html = page.read_text(encoding="utf-8")
        code_cells = html.count('class="cell docutils container"')
        outputs = html.count('class="cell_output docutils container"')
        assert code_cells > 0, f"{md.name}: no code cell in the page"
        assert outputs > 0, f"{md.name}: the page shows no cell output (was it executed?)"
        # A real traceback, not the word: pygments' CSS in HTML outputs names "Generic.Traceback".
        assert "Traceback (most recent call last)" not in html, f"{md.name}: a traceback is shown"
        assert 'class="output traceback' not in html, f"{md.name}: an error output is shown"


def test_glossary_terms_are_link_targets(built_book):
    html = (built_book / "book" / "glossary.html").read_text(encoding="utf-8")
    assert re.search(r'id="term-hoc-sau"', html), "the glossary does not define linkable terms"


def test_bibliography_is_rendered(built_book):
    html = (built_book / "book" / "references.html").read_text(encoding="utf-8")
    assert "Rumelhart" in html and "Nature" in html
