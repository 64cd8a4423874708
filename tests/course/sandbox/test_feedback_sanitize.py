"""Feedback is inert: no hidden-test text in any disguise, nothing that runs, only our pages.

Students of the fixture course are graded (``--unsafe``: the kernel is not what is tested), then ``dlbook course feedback`` runs.
The leaking student installs IPython hooks that, from the first test cell on, write each test
cell's source reversed, in base64, rot13 and hex, one character per output, as an exception
message and class name, as the next cell's ``execution_count`` and into an earlier cell's display
(``update_display``). The check first proves the leak happened (the autograded notebook holds
those forms), then that no form of any hidden line reaches the feedback page. The active-content
student puts ``<script>``, event handlers, ``javascript:`` links, HTML/JS/SVG/Markdown outputs,
widget metadata and an ``.html`` file of its own in the submission.
"""

from __future__ import annotations

import base64
import codecs
import html
import json
import re
import textwrap
from html.parser import HTMLParser
from pathlib import Path

import nbformat
import pytest

from sandbox_kit import (ASSIGNMENT, CORRECT, HIDDEN_MARKERS, copy_course, source_notebook, submit,
                         with_answer)

pytestmark = pytest.mark.xdist_group("sandbox-feedback")

LEAK = textwrap.dedent('''\
    import base64, codecs
    from IPython import get_ipython
    from IPython.display import display, update_display

    _ip = get_ipython()
    display("placeholder", display_id="early")

    def _forms(src):
        return {"rev": src[::-1], "b64": base64.b64encode(src.encode()).decode(),
                "rot": codecs.encode(src, "rot13"), "hex": src.encode().hex()}

    def _leak(info):
        src = info.raw_cell
        if "probe" not in src:
            return
        for name, text in _forms(src).items():
            print(name, text)
        for ch in src[::-1][:400]:
            print(ch)
        update_display(src[::-1], display_id="early")
        _ip.execution_count = int.from_bytes(src[:60].encode(), "big")

    _ip.events.register("pre_run_cell", _leak)

    def square(x):
        src = _ip.user_ns["_ih"][-1]
        if "probe" in src and "leak_in_error" not in _ip.user_ns:
            _ip.user_ns["leak_in_error"] = 1
            cls = type(codecs.encode(src[:80], "rot13"), (Exception,), {})
            raise cls(src[::-1])
        return np.asarray(x, dtype=float) ** 2
''')

LATER_LEAK = textwrap.dedent('''\
    print("history:", [h[::-1] for h in _ih if "probe" in h])
    raise ValueError(base64.b64encode("".join(_ih).encode()).decode())
    def standardize(X):
        X = np.asarray(X, dtype=float)
        return (X - X.mean(axis=0)) / X.std(axis=0)
''')

ACTIVE = textwrap.dedent('''\
    from IPython.display import HTML, Javascript, SVG, Markdown, display
    print("\\x1b]0;pwned\\x07\\x1b[2J\\x1b[31mred\\x1b[0m")
    display(HTML('<script>alert("html")</script><img src=x onerror=alert(1)>'
                 '<a href="javascript:alert(2)">x</a><iframe src="https://evil.example"></iframe>'))
    display(Javascript('alert("js")'))
    display(SVG('<svg xmlns="http://www.w3.org/2000/svg"><script>alert(3)</script></svg>'))
    display(Markdown('<img src=x onerror=alert(4)>'))
    def square(x):
        return np.asarray(x, dtype=float) ** 2
''')

EVIL_MARKDOWN = ('# Bài làm\n<script>alert("md")</script>\n<img src="x" onerror="alert(5)">\n'
                 '<a href="javascript:alert(6)">bấm</a> <a href=" jav&#x09;ascript:alert(7)">b</a>\n'
                 '<style>body{background:url(https://evil.example/x)}</style>\n'
                 '<iframe src="https://evil.example"></iframe><form action="https://evil"><input>'
                 '</form><meta http-equiv="refresh" content="0;url=https://evil.example">\n'
                 '<svg onload="alert(8)"></svg><object data="x.swf"></object>')


def _active_mutate(nb):
    from nbformat.v4 import new_markdown_cell

    nb.cells.insert(1, new_markdown_cell(EVIL_MARKDOWN))
    nb.metadata["widgets"] = {"application/vnd.jupyter.widget-state+json": {
        "x": "</script><script>alert('widgets')</script>"}}
    nb.metadata["title"] = "</title><script>alert('title')</script>"
    for cell in nb.cells:
        cell.metadata.setdefault("tags", []).append('"><script>alert("tag")</script>')
    return nb


@pytest.fixture(scope="module")
def graded(course_template, tmp_path_factory):
    from dlbook.course.autograde import AutogradeOptions, autograde
    from dlbook.course.course import Course
    from dlbook.course.feedback import generate_feedback
    from dlbook.course.sandbox import Limits

    root = copy_course(course_template, tmp_path_factory.mktemp("feedback") / "course")
    submit(root, "honest")
    submit(root, "wrong", answers=with_answer("sol_count",
                                               "def count_positive(x):\n    return len(x)\n"))
    leak = dict(CORRECT, sol_square=LEAK, sol_scale=LATER_LEAK)
    submit(root, "leaker", answers=leak)
    submit(root, "active", answers=dict(CORRECT, sol_square=ACTIVE), mutate=_active_mutate,
           extra_files={"bai-lam.html": b"<script>alert('file')</script>",
                        "hinh.svg": b"<svg onload=alert(1)></svg>"})
    course = Course(root)
    # --unsafe: what is checked here is the feedback generator, and the leaks happen the same in
    # any kernel (test_attacks.py grades hostile code in the sandbox); these students are ours.
    options = AutogradeOptions(jobs=2, unsafe=True, progress=False,
                               limits=Limits(cell_timeout=20, submission_timeout=120,
                                             memory_mb=1024))
    records = {r["student"]: r for r in autograde(course, ASSIGNMENT, options=options,
                                                  log=lambda *_: None)}
    feedback = generate_feedback(course, ASSIGNMENT, progress=False)
    return {"root": root, "records": records, "feedback": feedback}


def _page(root: Path, student: str) -> str:
    return (root / "feedback" / student / ASSIGNMENT / f"{ASSIGNMENT}.html").read_text("utf-8")


def _visible_text(page: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", page))


def _alnum(text: str) -> str:
    return re.sub(r"[^0-9A-Za-z]", "", text)


def _hidden_lines():
    """Every line of every hidden test of the fixture (what must never be seen)."""
    lines = []
    for cell in source_notebook().cells:
        src = cell.source
        if "BEGIN HIDDEN TESTS" in src:
            hidden = src.split("### BEGIN HIDDEN TESTS\n", 1)[1].split("### END HIDDEN TESTS")[0]
            lines += [ln.strip() for ln in hidden.splitlines() if len(ln.strip()) >= 12]
    return lines


def _forms(text: str):
    yield text
    yield text[::-1]
    yield codecs.encode(text, "rot13")
    yield codecs.encode(text[::-1], "rot13")
    yield text.encode().hex()


def _autograded_text(root: Path, student: str) -> str:
    nb = json.loads((root / "autograded" / student / ASSIGNMENT / f"{ASSIGNMENT}.ipynb")
                    .read_text(encoding="utf-8"))
    return json.dumps(nb, ensure_ascii=False)


def test_everyone_gets_the_score_and_a_page(graded):
    scores = {s: r["score"] for s, r in graded["records"].items()}
    # leaker: its square raises inside the test cell, its standardize is never defined
    assert scores == {"honest": 6, "wrong": 5, "leaker": 1, "active": 6}, scores
    assert set(graded["feedback"].values()) == {"ok"}


def test_the_leak_happened_in_the_kernel(graded):
    """Without this the next test would prove nothing."""
    text = _autograded_text(graded["root"], "leaker")
    marker = HIDDEN_MARKERS[0]
    assert marker[::-1] in text and codecs.encode(marker, "rot13") in text
    assert marker.encode().hex() in text


def test_no_form_of_a_hidden_test_reaches_feedback(graded):
    root = graded["root"]
    for student in graded["records"]:
        page = _page(root, student)
        text = _visible_text(page)
        squeezed = _alnum(text).lower()
        raw = _alnum(page).lower()
        for line in _hidden_lines() + HIDDEN_MARKERS:
            for form in _forms(line):
                assert form not in text, (student, form)
                if len(_alnum(form)) >= 12:
                    assert _alnum(form).lower() not in squeezed, (student, form)
                    assert _alnum(form).lower() not in raw, (student, form)
        for cell in source_notebook().cells:
            if "BEGIN HIDDEN TESTS" in cell.source:
                b64 = base64.b64encode(cell.source.encode()).decode()
                assert b64[:24] not in page, student
        # the execution count the kernel chose (a big int spelling the source) is gone
        assert not re.search(r"\d{20,}", text), student


def test_test_cells_show_the_trusted_verdict(graded):
    wrong = _visible_text(_page(graded["root"], "wrong"))
    assert "Kiểm tra độc lập (ngoài kernel): không đạt" in wrong
    assert "Điểm: 0/1." in wrong
    honest = _visible_text(_page(graded["root"], "honest"))
    assert honest.count("Kiểm tra độc lập (ngoài kernel): đạt.") == 3


class _Tags(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags, self.attrs = [], []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.attrs += [(tag, k, v or "") for k, v in attrs]


def test_feedback_pages_run_nothing_and_fetch_nothing(graded):
    root = graded["root"]
    for student in graded["records"]:
        page = _page(root, student)
        parser = _Tags()
        parser.feed(page)
        assert not {"script", "iframe", "object", "embed", "svg", "form", "input", "base",
                    "link"} & set(parser.tags), student
        for tag, key, value in parser.attrs:
            assert not key.startswith("on"), (student, tag, key)
            assert "javascript" not in re.sub(r"\s", "", value.lower()), (student, tag, key)
            if tag == "img" and key == "src":
                assert value.startswith("data:image/"), (student, value)
        metas = [v for t, k, v in parser.attrs if t == "meta" and k == "content"]
        assert any("script-src 'none'" in m and "default-src 'none'" in m for m in metas)
        assert "\x1b" not in page and "\x07" not in page


def test_active_outputs_and_markdown_are_not_rendered(graded):
    page = _page(graded["root"], "active")
    assert "<script" not in page.lower() and "<iframe" not in page.lower()  # only as &lt;...
    assert "Hình, bảng hay kết quả hiển thị của ô này không đưa vào phản hồi" in page
    assert "red" in _visible_text(page)  # the text stream, without its escape codes


def test_feedback_folder_holds_only_our_pages(graded):
    for student in graded["records"]:
        folder = graded["root"] / "feedback" / student / ASSIGNMENT
        assert sorted(p.name for p in folder.rglob("*")) == [f"{ASSIGNMENT}.html"], student
    # the files were in the submission (nbgrader copies them into feedback/ by itself)
    assert (graded["root"] / "autograded" / "active" / ASSIGNMENT / "bai-lam.html").is_file()
