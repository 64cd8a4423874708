"""Every chapter keeps the book's promises: a Colab notebook in step with it, the Colab set-up
cell first, the chapter shape, enough prose, and links to graded exercises that exist."""

from __future__ import annotations

import re

import jupytext
import pytest

from chapter_stats import prose_words
from bookutil import ROOT, chapter_sources

CHAPTERS = chapter_sources()
IDS = [p.stem for p in CHAPTERS]
from colab_setup_cell import cell_source  # noqa: E402  (tools/ is on sys.path: bookutil)

SETUP_CELL = cell_source()


def _cells(nb):
    return [(c.cell_type, c.source.strip(), sorted(c.metadata.get("tags", []))) for c in nb.cells]


def test_there_are_chapters():
    assert CHAPTERS, "no chapter found under book/p*/"


@pytest.mark.parametrize("md", CHAPTERS, ids=IDS)
def test_paired_notebook_is_in_step_with_the_chapter(md):
    ipynb = md.with_suffix(".ipynb")
    assert ipynb.exists(), f"{ipynb.name} is missing: run `make sync` (jupytext --sync)"
    from_md = jupytext.read(md)
    from_ipynb = jupytext.read(ipynb)
    assert _cells(from_md) == _cells(from_ipynb), (
        f"{md.name} and {ipynb.name} have drifted apart: run `make sync`"
    )


@pytest.mark.parametrize("md", CHAPTERS, ids=IDS)
def test_first_code_cell_installs_dlbook_on_colab(md):
    nb = jupytext.read(md)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert code, f"{md.name} has no code cell"
    assert code[0].source.strip() == SETUP_CELL, (
        f"the first code cell of {md.name} must be tools/colab_setup_cell.py"
    )
    assert "remove-cell" in code[0].metadata.get("tags", [])


@pytest.mark.parametrize("md", CHAPTERS, ids=IDS)
def test_chapter_has_the_book_shape(md):
    text = md.read_text(encoding="utf-8")
    headings = re.findall(r"^## (.+)$", text, flags=re.M)
    for required in ("Mục tiêu", "Tóm tắt", "Bài tập"):
        assert any(h.strip().startswith(required) for h in headings), (
            f"{md.name} lacks a '## {required}' section"
        )
    assert "{dropdown}" in text or ":class: dropdown" in text, (
        f"{md.name}: exercises need answers in drop-downs"
    )


@pytest.mark.parametrize("md", CHAPTERS, ids=IDS)
def test_chapter_has_at_least_1500_words_of_prose(md):
    words = prose_words(md.read_text(encoding="utf-8"))
    assert words >= 1500, f"{md.name} has {words} words of prose; the book promises ≥ 1,500"


@pytest.mark.parametrize("md", CHAPTERS, ids=IDS)
def test_links_to_graded_exercises_point_to_existing_notebooks(md):
    text = md.read_text(encoding="utf-8")
    links = re.findall(r"blob/main/(exercises/[^)\s\"']+\.ipynb)", text)
    assert links, f"{md.name} does not link to the graded assignment of its part"
    missing = [link for link in links if not (ROOT / link).exists()]
    assert not missing, f"{md.name} links to exercises that do not exist: {missing}"


def test_glossary_is_generated_from_the_term_files():
    import build_glossary

    expected = build_glossary.render(build_glossary.load_terms())
    actual = (ROOT / "book" / "glossary.md").read_text(encoding="utf-8")
    assert actual == expected, "book/glossary.md is stale: run `make sync`"


def test_glossary_is_in_vietnamese_alphabetical_order():
    from vi_collation import vietnamese_sort_key

    text = (ROOT / "book" / "glossary.md").read_text(encoding="utf-8")
    block = text.split("```{glossary}")[1].split("```")[0]
    terms = [line for line in block.splitlines() if line and not line.startswith(" ")]
    assert terms, "the glossary is empty"
    assert terms == sorted(terms, key=vietnamese_sort_key)


def test_vietnamese_order_puts_letters_with_marks_after_their_base():
    from vi_collation import vietnamese_sort_key

    words = ["đạo hàm", "dữ liệu", "ăn", "an", "ơ", "o", "ô", "ưu", "uống", "à", "ảnh"]
    assert sorted(words, key=vietnamese_sort_key) == [
        "à", "an", "ảnh", "ăn", "dữ liệu", "đạo hàm", "o", "ô", "ơ", "uống", "ưu",
    ]
