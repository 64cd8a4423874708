"""Print the built book (HTML) to PDF with headless Chromium: one PDF per page of the table of
contents and the whole book as one PDF, then link them from the site.

Each page is opened from a local HTTP server (so MathJax and the images load as on the site), the
script waits until MathJax has typeset every formula and every image has loaded, and prints it with
Chromium's print engine (Debian's ``chromium``, driven by Playwright). The pages are joined in the
order of ``_toc.yml`` into ``pdf/dlbook.pdf`` with a bookmark per page (pypdf). Finally every page
of the site gets a small "Tải PDF" bar (hidden when printing) linking its own PDF and the whole
book's.

    .venv/bin/python tools/build_pdf.py                      # _build/html → _build/html/pdf/
    .venv/bin/python tools/build_pdf.py --html /tmp/b/_build/html --toc /tmp/b/_toc.yml
"""

from __future__ import annotations

import argparse
import functools
import http.server
import os
import re
import shutil
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))
from execute_book import toc_documents  # noqa: E402

CHROMIUM_ARGS = [
    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
BOOK_PDF = "dlbook.pdf"
MARK_START, MARK_END = "<!-- dlbook-pdf-links -->", "<!-- /dlbook-pdf-links -->"
PRINT_CSS = """
@page { size: A4; margin: 16mm 14mm 18mm 14mm; }
.bd-header, .bd-sidebar-primary, .bd-sidebar-secondary, .header-article, .bd-footer,
.bd-footer-article, .prev-next-area, .bd-header-announcement, .headerlink, .dlbook-pdf-links,
#pst-back-to-top, .skip-link, .theme-switch-button, .search-button { display: none !important; }
.bd-main .bd-content .bd-article-container { max-width: 100% !important; }
.bd-page-width { max-width: 100% !important; }
body { font-size: 11pt; }
div.cell_output img, figure img { max-width: 100% !important; page-break-inside: avoid; }
pre { white-space: pre-wrap !important; word-break: break-word; }
"""
WAIT_READY = """async () => {
  if (window.MathJax && MathJax.startup && MathJax.startup.promise) {
    await MathJax.startup.promise;
    if (MathJax.typesetPromise) { await MathJax.typesetPromise(); }
  }
  await Promise.all([...document.images].map(img => img.complete ? null :
    new Promise(r => { img.onload = img.onerror = r; })));
  if (document.fonts && document.fonts.ready) { await document.fonts.ready; }
  return [document.querySelectorAll('.math').length,
          document.querySelectorAll('.math mjx-container').length];
}"""


def pdf_name(doc: str) -> str:
    """The PDF file of a document: its file name (``book/p8-gan/23-gan`` → ``23-gan.pdf``)."""
    return Path(doc).name + ".pdf"


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def _serve(directory: Path):
    handler = functools.partial(_QuietHandler, directory=str(directory))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"


def strip_links(html: str) -> str:
    return re.sub(re.escape(MARK_START) + ".*?" + re.escape(MARK_END), "", html, flags=re.S)


def add_links(html_dir: Path, doc: str, has_own_pdf: bool) -> None:
    """Put the "Tải PDF" bar at the top of the page's article (idempotent)."""
    page = html_dir / f"{doc}.html"
    if not page.exists():
        return
    text = strip_links(page.read_text(encoding="utf-8"))
    rel = os.path.relpath(html_dir / "pdf", page.parent).replace(os.sep, "/")
    links = [f'<a href="{rel}/{BOOK_PDF}">cả cuốn sách</a>']
    if has_own_pdf:
        links.insert(0, f'<a href="{rel}/{pdf_name(doc)}">chương này</a>')
    bar = (f'{MARK_START}<div class="dlbook-pdf-links" style="text-align:right;font-size:0.85em;'
           f'margin-bottom:0.5em">Tải PDF: {" · ".join(links)}</div>{MARK_END}')
    anchor = '<article class="bd-article">'
    if anchor in text:
        text = text.replace(anchor, anchor + bar, 1)
    else:
        text = text.replace("<body>", "<body>" + bar, 1)
    page.write_text(text, encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--html", default=str(ROOT / "_build" / "html"), help="the built site")
    parser.add_argument("--toc", default=str(ROOT / "_toc.yml"))
    parser.add_argument("--chromium", default=shutil.which("chromium") or "/usr/bin/chromium")
    parser.add_argument("--no-links", action="store_true", help="do not link the PDFs from the site")
    args = parser.parse_args(argv)

    from playwright.sync_api import sync_playwright
    from pypdf import PdfReader, PdfWriter

    html_dir = Path(args.html)
    if not (html_dir / "index.html").exists():
        print(f"LỖI: chưa có sách đã dựng ở {html_dir}: chạy `make build` trước.", file=sys.stderr)
        return 1
    if not Path(args.chromium).exists():
        print("LỖI: thiếu Chromium: `make system` cài gói chromium của Debian.", file=sys.stderr)
        return 1
    docs = [d for d in toc_documents(Path(args.toc)) if (html_dir / f"{d}.html").exists()]
    out_dir = html_dir / "pdf"
    out_dir.mkdir(exist_ok=True)
    # print the pages without the links bar of an earlier run
    for doc in docs:
        page_file = html_dir / f"{doc}.html"
        text = page_file.read_text(encoding="utf-8")
        if MARK_START in text:
            page_file.write_text(strip_links(text), encoding="utf-8")

    server, base = _serve(html_dir)
    written: list[tuple[str, Path, str]] = []
    start = time.perf_counter()
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=args.chromium, args=CHROMIUM_ARGS)
            context = browser.new_context()
            # the site must not need the network: block everything but the local server
            context.route("**/*", lambda route: route.continue_()
                          if route.request.url.startswith(base) else route.abort())
            page = context.new_page()
            for doc in docs:
                page.goto(f"{base}/{doc}.html", wait_until="load")
                page.add_style_tag(content=PRINT_CSS)
                n_math, n_done = page.evaluate(WAIT_READY)
                if n_done < n_math:
                    print(f"LỖI: {doc}: MathJax chỉ hiển thị {n_done}/{n_math} công thức",
                          file=sys.stderr)
                    return 1
                title = page.locator("article h1").first.inner_text().replace("#", "").strip()
                target = out_dir / pdf_name(doc)
                page.emulate_media(media="print")
                page.pdf(path=str(target), format="A4", print_background=True,
                         prefer_css_page_size=True, display_header_footer=True,
                         header_template="<span></span>",
                         footer_template=('<div style="font-size:8px;width:100%;text-align:center;'
                                          'font-family:DejaVu Sans,sans-serif">'
                                          f'{title} — <span class="pageNumber"></span></div>'))
                page.emulate_media(media="screen")
                written.append((doc, target, title))
                print(f"  {target.relative_to(html_dir)}  ({len(PdfReader(target).pages)} trang)"
                      f"  {title}", flush=True)
            browser.close()
    finally:
        server.shutdown()

    writer = PdfWriter()
    for doc, target, title in written:
        first = len(writer.pages)
        writer.append(str(target), import_outline=False)
        writer.add_outline_item(title=title, page_number=first)
    writer.add_metadata({"/Title": "Học sâu cơ bản — sách tương tác", "/Author": "Nhóm dlbook"})
    book = out_dir / BOOK_PDF
    with open(book, "wb") as fh:
        writer.write(fh)
    pages = len(PdfReader(book).pages)
    if not args.no_links:
        chapter_docs = {doc for doc, _, _ in written}
        for doc in docs:
            add_links(html_dir, doc, doc in chapter_docs)
    print(f"{book.relative_to(html_dir)}: {pages} trang, {len(written)} tệp PDF, "
          f"{time.perf_counter() - start:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
