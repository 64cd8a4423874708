"""The book as PDF (`make pdf`, tools/build_pdf.py): printed by Chromium from the built site, one
PDF per page of the table of contents and one for the whole book, read back with pdftotext."""

from __future__ import annotations

import html as html_lib
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from bookutil import ROOT, chapter_sources, toc_files

pytestmark = [pytest.mark.book, pytest.mark.browser, pytest.mark.xdist_group("book")]

PDFTOTEXT = shutil.which("pdftotext")


@pytest.fixture(scope="module")
def pdf_dir(built_book) -> Path:
    assert PDFTOTEXT, "pdftotext is missing: `make test` installs Debian's poppler-utils"
    proc = subprocess.run(
        [sys.executable, str(ROOT / "tools" / "build_pdf.py"), "--html", str(built_book)],
        cwd=ROOT, capture_output=True, text=True, timeout=1200,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return built_book / "pdf"


def _text(pdf: Path) -> str:
    out = subprocess.run([PDFTOTEXT, "-enc", "UTF-8", str(pdf), "-"], capture_output=True,
                         text=True, check=True).stdout
    return " ".join(out.split())


def _title(built_book: Path, doc: str) -> str:
    page = (built_book / f"{doc}.html").read_text(encoding="utf-8")
    h1 = re.search(r"<h1[^>]*>(.*?)</h1>", page, re.S).group(1)
    h1 = re.sub(r'<span class="section-number">.*?</span>|<a class="headerlink".*?</a>', "", h1)
    return " ".join(html_lib.unescape(re.sub(r"<[^>]+>", "", h1)).split())


def test_one_pdf_per_page_and_the_whole_book(pdf_dir):
    from pypdf import PdfReader

    docs = toc_files()
    for doc in docs:
        assert (pdf_dir / f"{Path(doc).name}.pdf").exists(), f"no PDF for {doc}"
    book = PdfReader(pdf_dir / "dlbook.pdf")
    parts = sum(len(PdfReader(pdf_dir / f"{Path(d).name}.pdf").pages) for d in docs)
    assert len(book.pages) == parts, "the whole-book PDF is not the chapters joined"
    assert len(book.pages) > 2 * len(chapter_sources())
    assert len(book.outline) == len(docs), "the book PDF needs one bookmark per page"


def test_book_pdf_has_every_chapter_title_and_vietnamese_text(pdf_dir, built_book):
    text = _text(pdf_dir / "dlbook.pdf")
    for md in chapter_sources():
        doc = md.relative_to(ROOT).with_suffix("").as_posix()
        title = _title(built_book, doc)
        assert title and title in text, f"chapter title {title!r} is not in the book PDF"
    for word in ("nơ-ron", "đạo hàm", "tích chập", "học sâu"):
        assert word.lower() in text.lower(), f"{word!r} (diacritics) not found in the PDF text"


def test_math_is_typeset_not_raw_latex(pdf_dir):
    text = _text(pdf_dir / "05-hoi-quy-logistic.pdf")
    assert "σ(z) =" in text, "the sigmoid equation is not in chapter 5's PDF"
    book = _text(pdf_dir / "dlbook.pdf")
    for raw in ("\\frac", "\\sigma", "\\mathbf", "$$"):
        assert raw not in book, f"raw LaTeX {raw!r} printed: MathJax had not typeset the page"


def test_figures_are_in_the_pdf(pdf_dir):
    from pypdf import PdfReader

    reader = PdfReader(pdf_dir / "01-deep-learning-la-gi.pdf")
    images = sum(len(page.images) for page in reader.pages)
    assert images > 0, "chapter 1's figures are missing from its PDF"


def test_site_links_the_pdfs(pdf_dir, built_book):
    md = chapter_sources()[0]
    doc = md.relative_to(ROOT).with_suffix("").as_posix()
    page = built_book / f"{doc}.html"
    hrefs = re.findall(r'class="dlbook-pdf-links".*?</div>', page.read_text(encoding="utf-8"), re.S)
    assert hrefs, f"{page.name} does not link its PDF"
    links = re.findall(r'href="([^"]+\.pdf)"', hrefs[0])
    assert len(links) == 2
    for link in links:
        assert (page.parent / link).resolve().exists(), f"{page.name} links a missing {link}"
