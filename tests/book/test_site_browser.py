"""The built site, opened in headless Chromium as a reader would: math rendered by the local
MathJax, Vietnamese text, search with and without accents, and Colab/Binder buttons that open
the page's notebook."""

from __future__ import annotations

import functools
import html.parser
import http.server
import shutil
import threading
from pathlib import Path
from urllib.parse import quote

import pytest

from bookutil import ROOT, chapter_sources

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("book")]

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def site(built_book):
    handler = functools.partial(_QuietHandler, directory=str(built_book))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


@pytest.fixture(scope="module")
def page(tmp_path_factory):
    from playwright.sync_api import sync_playwright

    assert Path(CHROMIUM).exists(), "Chromium is missing: `make test` installs Debian's chromium"
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = browser.new_context()
        external = []
        context.route(
            "**/*",
            lambda route: route.continue_()
            if route.request.url.startswith("http://127.0.0.1")
            else (external.append(route.request.url), route.abort()),
        )
        pg = context.new_page()
        pg.external_requests = external
        yield pg
        browser.close()


def _chapter_url(site, md: Path) -> str:
    return f"{site}/{md.relative_to(ROOT).with_suffix('.html').as_posix()}"


def _pages_with_math(built_book):
    return [
        md for md in chapter_sources()
        if 'class="math notranslate' in (built_book / md.relative_to(ROOT).with_suffix(".html")).read_text(encoding="utf-8")
    ]


def test_math_is_rendered_by_the_local_mathjax(site, page, built_book):
    # Every page's formulas are checked by the PDF build, which prints each page only once
    # MathJax has typeset all of them and stops otherwise (tools/build_pdf.py, test_pdf.py);
    # here, on screen, the three pages with the most formulas.
    html = {md: (built_book / md.relative_to(ROOT).with_suffix(".html")).read_text(encoding="utf-8")
            for md in _pages_with_math(built_book)}
    assert html, "no chapter contains math"
    pages = sorted(html, key=lambda md: -html[md].count('class="math notranslate'))[:3]
    for md in pages:
        page.goto(_chapter_url(site, md))
        page.wait_for_function("() => window.MathJax && MathJax.startup && MathJax.startup.document", timeout=30000)
        page.evaluate("() => MathJax.startup.promise")
        n_math = page.locator(".math").count()
        n_rendered = page.locator(".math mjx-container").count()
        assert n_math > 0
        assert n_rendered == n_math, f"{md.name}: {n_rendered} of {n_math} formulas rendered"
        raw = page.evaluate("() => [...document.querySelectorAll('.math')].filter(e => e.innerText.includes('\\\\(') || e.innerText.includes('\\\\[')).length")
        assert raw == 0, f"{md.name}: raw LaTeX visible"
    assert not [u for u in page.external_requests if "mathjax" in u.lower()], "MathJax came from a CDN"


def test_vietnamese_diacritics_are_displayed(site, page, built_book):
    page.goto(f"{site}/book/intro.html")
    title = page.locator("h1").first.inner_text()
    assert "Học sâu cơ bản" in title
    charset = page.evaluate("() => document.characterSet")
    assert charset.upper() == "UTF-8"
    body = page.locator("article").first.inner_text()
    for word in ("nơ-ron", "tích chập", "Đọc sách", "được chấm"):
        assert word in body, f"'{word}' is not displayed on the landing page"
    # the glyphs exist in the page's font: "ạ" is drawn with a width of its own, not as a box
    widths = page.evaluate(
        """() => { const c = document.createElement('canvas').getContext('2d');
                   c.font = getComputedStyle(document.querySelector('article')).font;
                   return ['ạ', 'ơ', 'ữ', '\\u0378'].map(ch => c.measureText(ch).width); }"""
    )
    assert widths[0] > 0 and widths[1] > 0 and widths[2] > 0
    page.screenshot(path=str(built_book.parent / "landing.png"), full_page=False)


def _search(page, site, query):
    page.goto(f"{site}/search.html?q={quote(query)}")
    page.wait_for_selector("#search-results ul.search li a", timeout=30000)
    # Sphinx adds the results one by one: wait until their number stops changing
    previous = -1
    for _ in range(40):
        count = page.locator("#search-results ul.search li").count()
        if count == previous:
            break
        previous = count
        page.wait_for_timeout(250)
    hrefs = page.eval_on_selector_all(
        "#search-results ul.search li > a", "els => els.map(e => e.getAttribute('href'))"
    )
    return sorted({h.split("?")[0].split("#")[0] for h in hrefs})


def test_search_finds_neural_network_with_and_without_accents(site, page):
    with_accents = _search(page, site, "mạng nơ-ron")
    without_accents = _search(page, site, "mang no-ron")
    assert with_accents, "searching 'mạng nơ-ron' finds nothing"
    assert without_accents == with_accents, (with_accents, without_accents)
    assert any("glossary" in h for h in with_accents)


class _LaunchLinks(html.parser.HTMLParser):
    """The hrefs of the header's launch buttons (``a.dropdown-item``) of a page."""

    def __init__(self):
        super().__init__()
        self.hrefs: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "a" and "dropdown-item" in (attrs.get("class") or "").split():
            self.hrefs.append(attrs.get("href") or "")


def _check_launch_links(md: Path, hrefs: list[str]) -> None:
    notebook = md.relative_to(ROOT).with_suffix(".ipynb").as_posix()
    colab = [h for h in hrefs if "colab.research.google.com" in h]
    binder = [h for h in hrefs if "mybinder.org" in h]
    assert colab and all(h.endswith(notebook) for h in colab), (md.name, colab)
    assert binder and all(notebook in h for h in binder), (md.name, binder)


def test_launch_buttons_of_every_page_open_its_notebook(built_book):
    # the buttons are plain links in the page's HTML: read from the files for every chapter
    for md in chapter_sources():
        parser = _LaunchLinks()
        parser.feed((built_book / md.relative_to(ROOT).with_suffix(".html")).read_text(encoding="utf-8"))
        _check_launch_links(md, parser.hrefs)


def test_launch_buttons_are_shown_in_the_browser(site, page):
    md = ROOT / "book" / "p4-cnn" / "11-phan-loai-anh-pytorch.md"
    page.goto(_chapter_url(site, md))
    # the launch buttons of the header, not links to exercises in the text
    _check_launch_links(md, page.eval_on_selector_all("a.dropdown-item", "els => els.map(e => e.href)"))
