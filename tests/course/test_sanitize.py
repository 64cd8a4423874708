"""``dlbook.course.sanitize``: student text made inert for a terminal and for a browser."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dlbook.course.sanitize import CSP, sanitize_html, terminal_safe

ACTIVE_TAGS = {"script", "iframe", "frame", "object", "embed", "svg", "math", "form", "input",
               "button", "base", "link", "textarea", "select", "template", "noscript", "audio",
               "video", "applet"}


class _Collect(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags, self.attrs, self.styles, self._style = [], [], [], False

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.attrs += [(tag, k, v or "") for k, v in attrs]
        self._style = tag == "style"

    def handle_endtag(self, tag):
        self._style = False

    def handle_data(self, data):
        if self._style:
            self.styles.append(data)


def assert_inert(page: str) -> _Collect:
    parsed = _Collect()
    parsed.feed(page)
    assert not ACTIVE_TAGS & set(parsed.tags), parsed.tags
    for tag, key, value in parsed.attrs:
        assert not key.startswith("on"), (tag, key)
        assert key not in ("style", "srcdoc", "formaction", "xlink:href", "action"), (tag, key)
        squeezed = "".join(value.lower().split())
        assert "javascript:" not in squeezed and "vbscript:" not in squeezed, (tag, key, value)
        if key == "src":
            assert tag == "img" and value.startswith("data:image/") and "svg" not in value
        if tag == "meta" and key == "http-equiv":
            assert value == "Content-Security-Policy"
    for css in parsed.styles:
        assert "@import" not in css.lower() and "http" not in css.lower()
    return parsed


HOSTILE = [
    '<script>alert(1)</script>',
    '<SCRIPT SRC=//evil.example/x.js></SCRIPT>',
    '<scr<script>ipt>alert(1)</script>',
    '<img src=x onerror=alert(1)>',
    '<img src="data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+">',
    '<img src="data:image/png;base64,iVBORw0KGgo=" onload="alert(1)">',
    '<a href="JaVaScRiPt:alert(1)">x</a>',
    '<a href="&#106;avascript:alert(1)">x</a>',
    '<a href=" java\tscript:alert(1)">x</a>',
    '<a href="data:text/html,<script>alert(1)</script>">x</a>',
    '<body onload=alert(1)>',
    '<svg><script>alert(1)</script></svg>',
    '<math><mi xlink:href="javascript:alert(1)">x</mi></math>',
    '<iframe srcdoc="<script>alert(1)</script>"></iframe>',
    '<object data="x.swf"></object><embed src="x.swf">',
    '<form action="https://evil.example"><input name=x><button formaction=javascript:alert(1)>',
    '<meta http-equiv="refresh" content="0;url=https://evil.example">',
    '<base href="https://evil.example/">',
    '<link rel=stylesheet href="https://evil.example/x.css">',
    '<style>@import url(https://evil.example/x.css); body{background:url(https://e/x)}</style>',
    '<div style="background:url(https://evil.example/x)">x</div>',
    '<noscript><p title="</noscript><img src=x onerror=alert(1)>"></noscript>',
    '<textarea><img src=x onerror=alert(1)></textarea>',
    '<template><script>alert(1)</script></template>',
    '<!--<script>alert(1)</script>-->',
    '<script',
    '<p title="x" onmouseover="alert(1)" class="a">ok</p>',
    '<details open ontoggle=alert(1)><summary>x</summary></details>',
]


@pytest.mark.parametrize("snippet", HOSTILE)
def test_hostile_markup_comes_out_inert(snippet):
    page = sanitize_html(f"<html><head><title>t</title></head><body>{snippet}</body></html>")
    assert_inert(page)


def test_the_page_keeps_its_own_css_text_and_structure_and_gets_a_csp():
    page = sanitize_html('<!DOCTYPE html><html><head><meta charset="utf-8"><title>Bài a01</title>'
                         '<style>.x{color:red}</style><script>var a=1</script></head><body>'
                         '<div class="x" id="t1"><h1>Điểm</h1><pre>a &lt; b</pre>'
                         '<a href="https://nbgrader.readthedocs.io">doc</a>'
                         '<img src="data:image/png;base64,iVBORw0KGgo=" alt="hình"></div>'
                         '</body></html>')
    parsed = assert_inert(page)
    assert parsed.styles == [".x{color:red}"]
    assert "<title>Bài a01</title>" in page and "<pre>a &lt; b</pre>" in page
    assert 'href="https://nbgrader.readthedocs.io"' in page and 'rel="noopener noreferrer"' in page
    assert 'src="data:image/png;base64,iVBORw0KGgo="' in page
    assert f'content="{CSP}"'.replace("'", "&#x27;") in page
    assert "var a=1" not in page


def test_style_outside_the_head_is_dropped_with_its_content():
    page = sanitize_html("<html><head></head><body><style>body{display:none}</style>x</body></html>")
    assert "display:none" not in page and ">x<" in page


_pieces = st.sampled_from(["<", ">", "/", "=", '"', "'", " ", "script", "img", "svg", "style",
                           "a", "href", "src", "onerror", "onload", "javascript:", "&#106;",
                           "alert(1)", "<!--", "-->", "<![CDATA[", "]]>", "\t", "\n", "x",
                           "data:image/png;base64,AAAA", "iframe", "noscript", "textarea",
                           "title", "head", "body", "meta", "http-equiv", "url(", "@import"])


@settings(max_examples=300, deadline=None)
@given(st.lists(_pieces, max_size=60))
def test_random_markup_is_always_inert_and_sanitising_is_idempotent(pieces):
    doc = "".join(pieces)
    once = sanitize_html(doc)
    assert_inert(once)
    assert sanitize_html(once) == once


@pytest.mark.parametrize("text, expected", [
    ("\x1b[31mđỏ\x1b[0m", "đỏ"),
    ("a\x1b]0;pwned\x07b", "ab"),
    ("a\x1b]8;;https://evil\x1b\\link\x1b]8;;\x1b\\b", "alinkb"),
    ("\x1b[2J\x1b[Hxoá màn hình", "xoá màn hình"),
    ("a\x9b31mb", "ab"),
    ("dòng 1\ndòng 2\r\n\tdòng 3", "dòng 1 dòng 2 dòng 3"),
    ("abc\rXYZ", "abc XYZ"),
    ("tên\u202etxt.exe", "têntxt.exe"),
    ("zero\u200bwidth\u2066x\u2069", "zerowidthx"),
    ("NUL\x00BEL\x07DEL\x7f", "NULBELDEL"),
])
def test_terminal_safe_removes_escapes_and_control_characters(text, expected):
    assert terminal_safe(text) == expected


def test_terminal_safe_can_keep_lines_and_cut():
    assert terminal_safe("a\r\nb\x1b[1m\nc", keep_newlines=True) == "a\nb\nc"
    assert terminal_safe("x" * 50, limit=10) == "x" * 9 + "…"
