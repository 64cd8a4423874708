"""Untrusted text made inert: for a terminal (:func:`terminal_safe`) and for a browser
(:func:`sanitize_html`, :data:`CSP`).

Everything a student controls (zip member names, exception messages, notebook outputs, code) is
printed to the instructor's terminal by ``collect``/``autograde``/``report`` and opened in a
browser as feedback or as the similarity report.

- :func:`terminal_safe` removes ANSI/VT escape sequences, every other C0/C1 control character,
  and the Unicode format characters that reorder or hide text (bidirectional overrides and
  isolates, zero-width characters: the "Trojan Source" tricks).
- :func:`sanitize_html` re-serialises a document from an allow-list: only plain structural and
  text tags survive, with a few harmless attributes; ``<script>``, ``<iframe>``, ``<object>``,
  ``<svg>``, forms, ``<link>``, ``<base>``, ``<meta http-equiv>`` are removed (with their content
  where it could be active), every ``on*`` attribute is dropped, links keep only ``http(s)``,
  ``mailto`` and ``#`` targets, images only ``data:image/png|jpeg|gif|webp`` sources, and
  ``<style>`` is kept only inside ``<head>`` (the page's own CSS). The result carries a
  restrictive Content-Security-Policy (:data:`CSP`: no scripts, no network, no frames), a second
  wall should anything slip through the allow-list.
"""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser
from typing import List, Optional, Tuple

#: Content-Security-Policy of every page we write: nothing runs, nothing is fetched.
CSP = ("default-src 'none'; script-src 'none'; object-src 'none'; frame-src 'none'; "
       "img-src data:; style-src 'unsafe-inline'; font-src data:; base-uri 'none'; "
       "form-action 'none'")

_ESCAPE_SEQ = re.compile(
    r"\x1b(?:\[[0-?]*[ -/]*[@-~]"          # CSI ... final byte (colours, cursor moves, clear)
    r"|\][^\x07\x1b]*(?:\x07|\x1b\\)?"     # OSC ... BEL / ST (window title, hyperlinks)
    r"|[PX^_][^\x1b]*(?:\x1b\\)?"          # DCS / SOS / PM / APC strings
    r"|[ -/]*[0-~])"                       # two-byte and nF sequences
    r"|\x9b[0-?]*[ -/]*[@-~]"              # 8-bit CSI
)
_FORMAT = "\u061c\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff"
_CONTROL_KEEP_LINES = re.compile(f"[\x00-\x08\x0b-\x1f\x7f-\x9f{_FORMAT}]")
_CONTROL_ALL = re.compile(f"[\x00-\x1f\x7f-\x9f{_FORMAT}]")
_LINE_BREAKS = re.compile("[\n\r\t\v\f\u2028\u2029\x85]+")


def terminal_safe(text: object, *, keep_newlines: bool = False, limit: Optional[int] = None) -> str:
    """``text`` with escape sequences and control/format characters removed.

    Line breaks and tabs become one space unless ``keep_newlines`` (then ``\\n`` stays, ``\\r``
    and the rest go). ``limit`` cuts the result to that many characters (with ``…``).
    """
    text = _ESCAPE_SEQ.sub("", str(text))
    if keep_newlines:
        text = text.replace("\r\n", "\n").replace("\t", " ")
        text = text.replace("\u2028", "\n").replace("\u2029", "\n")
        text = _CONTROL_KEEP_LINES.sub("", text)
    else:
        text = _LINE_BREAKS.sub(" ", text)
        text = _CONTROL_ALL.sub("", text)
    if limit is not None and len(text) > limit:
        text = text[: max(0, limit - 1)] + "…"
    return text


# ------------------------------------------------------------------ HTML

_TEXT_TAGS = {
    "a", "abbr", "article", "b", "blockquote", "br", "caption", "cite", "code", "col",
    "colgroup", "dd", "del", "details", "dfn", "div", "dl", "dt", "em", "figcaption", "figure",
    "footer", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr", "i", "img", "ins", "kbd", "li",
    "main", "mark", "nav", "ol", "p", "pre", "q", "s", "samp", "section", "small", "span",
    "strong", "sub", "summary", "sup", "table", "tbody", "td", "tfoot", "th", "thead", "time",
    "tr", "u", "ul", "var",
}
_DOC_TAGS = {"html", "head", "body", "title", "meta", "style"}
#: Removed together with everything inside them.
_DROP_WITH_CONTENT = {"script", "iframe", "frame", "frameset", "object", "embed", "applet",
                      "template", "svg", "math", "noscript", "noembed", "noframes", "xmp",
                      "select", "textarea", "audio", "video", "canvas", "portal", "dialog"}
_VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param",
         "source", "track", "wbr", "keygen"}
_GLOBAL_ATTRS = {"class", "id", "title", "lang", "align", "role"}
_TAG_ATTRS = {
    "a": {"href", "name"}, "img": {"src", "alt", "width", "height"},
    "td": {"colspan", "rowspan"}, "th": {"colspan", "rowspan", "scope"},
    "col": {"span"}, "colgroup": {"span"}, "ol": {"start"}, "details": {"open"},
    "html": {"lang"}, "time": {"datetime"},
}
_SAFE_HREF = re.compile(r"^(?:#|https?://|mailto:)", re.I)
_SAFE_IMG = re.compile(r"^data:image/(?:png|jpeg|gif|webp);base64,[A-Za-z0-9+/=\s]*$", re.I)
_URL_JUNK = re.compile(r"[\x00-\x20\x7f-\x9f]+")


def _safe_css(css: str) -> str:
    """The page's own stylesheet, with anything that can fetch or run removed."""
    css = re.sub(r"@import[^;]*;?", "", css, flags=re.I)
    css = re.sub(r"url\s*\(\s*(['\"]?)(?!data:)[^)]*\)", "none", css, flags=re.I)
    css = re.sub(r"expression\s*\(|javascript:|behavior\s*:|-moz-binding", "", css, flags=re.I)
    return css.replace("</", "<\\/")


class _Sanitizer(HTMLParser):
    def __init__(self, title: Optional[str]):
        super().__init__(convert_charrefs=True)
        self.out: List[str] = []
        self.skip: List[str] = []  # open elements being dropped with their content
        self.in_head = False
        self.in_style = False
        self.in_title = False
        self.saw_head = False
        self.title = title

    # -- helpers
    def _head_extras(self) -> None:
        self.out.append('<meta charset="utf-8">')
        self.out.append(f'<meta http-equiv="Content-Security-Policy" content="{html.escape(CSP)}">')
        self.out.append('<meta name="referrer" content="no-referrer">')

    def _attrs(self, tag: str, attrs: List[Tuple[str, Optional[str]]]) -> Optional[str]:
        allowed = _GLOBAL_ATTRS | _TAG_ATTRS.get(tag, set())
        kept = []
        for name, value in attrs:
            name = (name or "").lower()
            value = "" if value is None else value
            if name not in allowed:
                continue
            if name == "href":
                if not _SAFE_HREF.match(_URL_JUNK.sub("", value)):
                    continue
            if name == "src":
                if not _SAFE_IMG.match(value.strip()):
                    return None  # an image we cannot show safely is dropped entirely
            kept.append(f' {name}="{html.escape(value, quote=True)}"')
        if tag == "img" and not any(k.startswith(" src=") for k in kept):
            return None
        if tag == "a" and any(k.startswith(" href=") for k in kept):
            kept.append(' rel="noopener noreferrer"')
        return "".join(kept)

    # -- parser callbacks
    def handle_starttag(self, tag, attrs):
        tag = tag.lower()
        if self.skip:
            if tag not in _VOID:
                self.skip.append(tag)
            return
        if tag in _DROP_WITH_CONTENT or (tag == "style" and not self.in_head):
            if tag not in _VOID:
                self.skip.append(tag)
            return
        if tag == "head":
            if not self.saw_head:
                self.saw_head = self.in_head = True
                self.out.append("<head>")
                self._head_extras()
            return
        if tag == "html":
            rendered = self._attrs(tag, attrs) or ""
            self.out.append(f"<html{rendered}>")
            return
        if tag == "body":
            self._close_head()
            self.out.append("<body>")
            return
        if tag == "meta":
            return  # ours are written with <head>
        if tag == "title":
            if self.in_head:
                self.in_title = True
                self.out.append("<title>")
            return
        if tag == "style":
            self.in_style = True
            self.out.append("<style>")
            return
        if tag not in _TEXT_TAGS:
            return  # unknown or active tag: dropped, its text kept (escaped)
        rendered = self._attrs(tag, attrs)
        if rendered is None:
            return
        self.out.append(f"<{tag}{rendered}>")

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        tag = tag.lower()
        if tag not in _VOID and tag in _TEXT_TAGS | {"title", "style"}:
            self.handle_endtag(tag)

    def handle_endtag(self, tag):
        tag = tag.lower()
        if self.skip:
            if tag in self.skip:
                while self.skip and self.skip.pop() != tag:
                    pass
            return
        if tag == "head":
            self._close_head()
        elif tag == "title":
            if self.in_title:
                self.in_title = False
                self.out.append("</title>")
        elif tag == "style":
            if self.in_style:
                self.in_style = False
                self.out.append("</style>")
        elif tag in ("html", "body"):
            self.out.append(f"</{tag}>")
        elif tag in _TEXT_TAGS and tag not in _VOID:
            self.out.append(f"</{tag}>")

    def _close_head(self):
        if self.in_head:
            self.in_head = False
            if self.in_style:
                self.in_style = False
                self.out.append("</style>")
            self.out.append("</head>")

    def handle_data(self, data):
        if self.skip:
            return
        if self.in_style:
            self.out.append(_safe_css(data))
        elif self.in_head and not self.in_title:
            return  # stray text in <head>
        else:
            self.out.append(html.escape(data, quote=False))

    def handle_comment(self, data):
        return

    def handle_decl(self, decl):
        return

    def handle_pi(self, data):
        return

    def unknown_decl(self, data):
        return


def sanitize_html(document: str, *, title: Optional[str] = None) -> str:
    """A copy of ``document`` that can run nothing and fetch nothing (see the module docstring)."""
    parser = _Sanitizer(title)
    parser.feed(document)
    parser.close()
    body = "".join(parser.out)
    if not parser.saw_head:
        head = ['<head><meta charset="utf-8">',
                f'<meta http-equiv="Content-Security-Policy" content="{html.escape(CSP)}">',
                '<meta name="referrer" content="no-referrer">']
        if title:
            head.append(f"<title>{html.escape(title)}</title>")
        head.append("</head>")
        body = "".join(head) + body
    return "<!DOCTYPE html>\n" + body.strip() + "\n"


def inert_page(title: str, body_html: str) -> str:
    """A whole page of our own (``body_html`` already escaped), sanitised like any other."""
    doc = (f'<html lang="vi"><head><title>{html.escape(title)}</title><style>'
           "body{font-family:sans-serif;max-width:70em;margin:2em auto;padding:0 1em}"
           "pre{background:#f6f8fa;padding:.6em;overflow:auto}"
           "table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.3em .6em}"
           ".hl-a{background:#ffd7d7}.hl-b{background:#d7ffd9}"
           f"</style></head><body>{body_html}</body></html>")
    return sanitize_html(doc)
