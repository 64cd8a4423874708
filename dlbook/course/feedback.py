"""``dlbook course feedback``: per-student HTML feedback that shows no hidden test and runs nothing.

nbgrader's own feedback shows the autograded notebook: test cells holding the hidden tests
(restored at grading time), tracebacks quoting them, and whatever the student's kernel printed.
Student code runs in the same kernel as the tests, so from the first test cell on it can read the
hidden test's source (IPython's ``In``/``_ih`` history, ``pre_run_cell`` hooks, frames) and print
it in any disguise: reversed, base64, rot13, split over several cells, as an exception message or
class name, as an ``execution_count``, or by updating an earlier cell's display (``display_id``).
No pattern can recognise every disguise, so the feedback does not try to: it decides by *when*
and *where* an output was made, not by what it says. We run nbgrader's ``GenerateFeedback`` with
our preprocessors:

- :class:`InertOutputs`: every output of a test cell is replaced by a summary written by the
  trusted side from the grading record (score, the trusted verdict in fixed wording, a rule
  violation, the grader's own events); every cell from the first test cell on loses its kernel
  outputs (a fixed note says so; an error is named only when its name is a built-in exception);
  before that cell, only text streams and error messages are kept (a display can be rewritten
  later through its ``display_id``; HTML, JavaScript, SVG, Markdown and LaTeX outputs never reach
  the page); execution counts, notebook metadata and cell metadata other than nbgrader's are
  reset.
- :class:`StripHiddenTests`: removes every ``### BEGIN HIDDEN TESTS ... ### END HIDDEN TESTS``
  region from the sources (and, as a second line of defence, hides any output quoting a line of
  a hidden test verbatim).

Then each written page goes through :func:`dlbook.course.sanitize.sanitize_html` (allow-list,
no script, no event handler, no ``javascript:`` link, restrictive Content-Security-Policy), and
the feedback folder keeps only our pages: nbgrader would also copy the student's own files there
(an ``.html`` or ``.svg`` of the student's, opened by the instructor, would run).

The scores shown are the gradebook's, which already include the trusted verdicts. A submission
that could not be graded gets a short page that says why.
"""

from __future__ import annotations

import builtins
import html
import json
import logging
import re
from pathlib import Path
from typing import Any, Dict, List, Optional, Set, Tuple

from nbformat.notebooknode import NotebookNode
from nbgrader.preprocessors import NbGraderPreprocessor
from traitlets import Unicode

from dlbook.course.course import Course, CourseError
from dlbook.course.cells import is_test_cell
from dlbook.course.records import load_records, review_reasons
from dlbook.course.sanitize import inert_page, sanitize_html, terminal_safe

HIDDEN_NOTICE = "[Nội dung này chứa mã của kiểm tra ẩn nên đã được ẩn.]"
ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
MIN_SNIPPET = 8


def _text_of(out: NotebookNode) -> str:
    parts = [str(out.get("text", "")), str(out.get("evalue", ""))]
    parts += [str(x) for x in out.get("traceback", []) or []]
    for value in (out.get("data") or {}).values():
        parts.append(value if isinstance(value, str) else str(value))
    return ANSI.sub("", "\n".join(parts))


class StripHiddenTests(NbGraderPreprocessor):
    """Remove hidden tests from sources and outputs (see the module docstring)."""

    begin_test_delimeter = Unicode("BEGIN HIDDEN TESTS").tag(config=True)
    end_test_delimeter = Unicode("END HIDDEN TESTS").tag(config=True)

    def _split(self, source: str) -> Tuple[str, List[str]]:
        kept, hidden, inside = [], [], False
        for line in source.split("\n"):
            if self.begin_test_delimeter in line:
                inside = True
            elif self.end_test_delimeter in line:
                inside = False
            elif inside:
                hidden.append(line)
            else:
                kept.append(line)
        return "\n".join(kept), hidden

    def preprocess(self, nb, resources):
        snippets: Set[str] = set()
        for cell in nb.cells:
            kept, hidden = self._split(cell.get("source", ""))
            if hidden or self.begin_test_delimeter in cell.get("source", ""):
                cell.source = kept.rstrip("\n")
            for line in hidden:
                line = line.strip()
                if len(line) >= MIN_SNIPPET and not line.startswith("#"):
                    snippets.add(line)
        visible = "\n".join(c.get("source", "") for c in nb.cells)
        snippets = {s for s in snippets if s not in visible}
        for cell in nb.cells:
            if cell.cell_type != "code":
                continue
            outputs = []
            for out in cell.get("outputs", []):
                if is_test_cell(cell) and out.get("output_type") == "error":
                    out = NotebookNode(out)
                    out.traceback = [f"\x1b[0;31m{out.get('ename', 'Error')}\x1b[0m: "
                                     f"{out.get('evalue', '')}"]
                text = _text_of(out)
                if any(s in text for s in snippets):
                    if out.get("output_type") == "error":
                        out = NotebookNode(output_type="error", ename=out.get("ename", "Error"),
                                           evalue=HIDDEN_NOTICE,
                                           traceback=[f"{out.get('ename', 'Error')}: {HIDDEN_NOTICE}"])
                    else:
                        out = NotebookNode(output_type="stream", name="stdout", text=HIDDEN_NOTICE)
                outputs.append(out)
            cell.outputs = outputs
        return nb, resources


#: Exception names that may be shown (fixed strings: a kernel choosing among them leaks a few bits).
BUILTIN_ERRORS = frozenset(
    name for name in dir(builtins)
    if isinstance(getattr(builtins, name), type) and issubclass(getattr(builtins, name), BaseException))
AFTER_TEST_NOTICE = ("[Đầu ra của ô này không hiển thị trong phản hồi: ô chạy sau một ô kiểm tra, "
                     "khi mã bài làm đã có thể đọc được kiểm tra ẩn.]")
DISPLAY_NOTICE = "[Hình, bảng hay kết quả hiển thị của ô này không đưa vào phản hồi.]"
TEST_CELL_NOTE = ("Đầu ra và thông báo lỗi của ô kiểm tra không hiển thị ở đây (mã bài làm chạy "
                  "cùng kernel nên có thể đã thay đổi chúng). Hãy chạy lại các kiểm tra hiện trong "
                  "ô này trên notebook của bạn để xem chi tiết.")
MAX_STREAM_CHARS = 4000
_CASE = re.compile(r"^(trường hợp kiểm tra \d+/\d+): (.*)$", re.S)
_KEY = r"(out\d+|d_[A-Za-z0-9_]{1,40})"
#: Trusted verdict reasons (dlbook.course.verify_api / verdict), re-worded without the parts a
#: student's code chose (received shapes, dtypes, key names, exception text).
_VERDICT_WORDING: List[Tuple[re.Pattern, str]] = [
    (re.compile(rf"^{_KEY}: mong đợi kích thước (\([0-9, ]*\)), nhận được .*$", re.S),
     r"\1: kích thước kết quả sai (mong đợi \2)."),
    (re.compile(rf"^{_KEY}: mong đợi kiểu ([a-z0-9]{{1,12}}), nhận được .*$", re.S),
     r"\1: kiểu dữ liệu của kết quả sai (mong đợi \2)."),
    (re.compile(rf"^{_KEY}: giá trị sai\.?$"), r"\1: giá trị sai."),
    (re.compile(r"^cấu trúc kết quả khác: mong đợi ((?:(?:out\d+|d_[A-Za-z0-9_]{1,40}): "
                r"[a-z0-9]{1,12} \([0-9, ]*\)(?:, )?){1,16}), nhận được .*$", re.S),
     r"cấu trúc kết quả khác đáp án (mong đợi \1)."),
    (re.compile(r"^cấu trúc kết quả khác", re.S),
     "cấu trúc kết quả khác đáp án (số lượng hoặc tên các giá trị trả về)."),
    (re.compile(r"^kết quả không đạt tiêu chí của bài\.?$"), "kết quả không đạt tiêu chí của bài."),
    (re.compile(r"^không so sánh được kết quả", re.S), "không so sánh được kết quả với đáp án."),
    (re.compile(r"^không có kết quả", re.S),
     "không có kết quả (hàm không được gọi trên dữ liệu kiểm tra, bị ngắt, hoặc kernel đã dừng)."),
    (re.compile(r"^tệp kết quả không hợp lệ", re.S), "kết quả không đọc được."),
    (re.compile(r"^lỗi của bộ kiểm tra|^bộ kiểm tra không", re.S),
     "lỗi của bộ kiểm tra; giảng viên sẽ xem lại."),
]
_GENERIC_VERDICT = "hàm báo lỗi hoặc trả về kết quả không dùng được trên dữ liệu kiểm tra."


def verdict_wording(reason: str) -> str:
    """The trusted verdict's reason in fixed wording (nothing the student's code wrote)."""
    reason = (reason or "").strip()
    m = _CASE.match(reason)
    label, rest = (m.group(1) + ": ", m.group(2).strip()) if m else ("", reason)
    for pattern, wording in _VERDICT_WORDING:
        if pattern.match(rest):
            return label + pattern.sub(wording, rest, count=1) if "\\" in wording else \
                label + wording
    return label + _GENERIC_VERDICT


def _error_name(name: Any) -> str:
    name = str(name or "")
    return name if name in BUILTIN_ERRORS else "lỗi"


def _stream(text: str) -> NotebookNode:
    return NotebookNode(output_type="stream", name="stdout", text=text)


def _cap(text: str) -> str:
    text = terminal_safe(text, keep_newlines=True)
    if len(text) > MAX_STREAM_CHARS:
        text = text[:MAX_STREAM_CHARS] + "\n…(đã cắt bớt)"
    return text


SAFE_NB_METADATA = {"kernelspec": {"name": "python3", "display_name": "Python 3",
                                   "language": "python"},
                    "language_info": {"name": "python", "pygments_lexer": "ipython3",
                                      "codemirror_mode": {"name": "ipython", "version": 3}}}


class InertOutputs(NbGraderPreprocessor):
    """Keep only outputs no hidden test can have reached (see the module docstring)."""

    #: JSON of the grading record's ``notebooks`` entry ({notebook: {tasks, events}}).
    record_json = Unicode("{}").tag(config=True)
    begin_test_delimeter = Unicode("BEGIN HIDDEN TESTS").tag(config=True)

    def preprocess(self, nb, resources):
        try:
            runs = json.loads(self.record_json or "{}")
        except ValueError:
            runs = {}
        name = resources.get("unique_key") or resources.get("nbgrader", {}).get("notebook", "")
        run = runs.get(name, {}) if isinstance(runs, dict) else {}
        tasks = run.get("tasks", {}) or {}
        events: Dict[int, List[str]] = {}
        for ev in run.get("events", []) or []:
            if isinstance(ev, dict) and isinstance(ev.get("index"), int) and ev.get("detail"):
                events.setdefault(ev["index"], []).append(str(ev["detail"]))
        tainted_from = next((i for i, c in enumerate(nb.cells) if is_test_cell(c)
                             or self.begin_test_delimeter in c.get("source", "")), len(nb.cells))
        nb.metadata = NotebookNode(json.loads(json.dumps(SAFE_NB_METADATA)))
        for i, cell in enumerate(nb.cells):
            meta = cell.get("metadata", {}) or {}
            cell.metadata = NotebookNode({"nbgrader": meta["nbgrader"]} if "nbgrader" in meta
                                         else {})
            if cell.cell_type == "markdown":
                attachments = cell.get("attachments") or {}
                kept = {}
                for key, bundle in attachments.items():
                    if isinstance(bundle, dict):
                        img = {m: v for m, v in bundle.items()
                               if m in ("image/png", "image/jpeg", "image/gif")}
                        if img:
                            kept[key] = img
                if "attachments" in cell:
                    cell.attachments = NotebookNode(kept)
                continue
            if cell.cell_type != "code":
                continue
            cell.execution_count = None
            notes = [_stream("Bộ chấm: " + terminal_safe(d)) for d in events.get(i, [])]
            if is_test_cell(cell):
                gid = cell.metadata.get("nbgrader", {}).get("grade_id")
                cell.outputs = [_stream(self._test_summary(tasks.get(gid), cell))] + notes
            elif i >= tainted_from:
                errors = sorted({_error_name(o.get("ename")) for o in cell.get("outputs", [])
                                 if o.get("output_type") == "error"})
                outs = []
                if cell.get("outputs"):
                    outs.append(_stream(AFTER_TEST_NOTICE))
                if errors:
                    outs.append(_stream("Ô này báo lỗi khi chấm (" + ", ".join(errors) + ")."))
                cell.outputs = outs + notes
            else:
                cell.outputs = self._early_outputs(cell.get("outputs", [])) + notes
        return nb, resources

    @staticmethod
    def _early_outputs(outputs) -> List[NotebookNode]:
        """Outputs made before any test ran: text streams and error messages, as plain text."""
        kept, dropped = [], False
        for out in outputs:
            kind = out.get("output_type")
            if kind == "stream":
                text = out.get("text", "")
                text = "".join(text) if isinstance(text, list) else str(text)
                kept.append(_stream(_cap(text)))
            elif kind == "error":
                kept.append(_stream(_cap(f"{out.get('ename', 'Error')}: {out.get('evalue', '')}")))
            else:
                dropped = True
        if dropped:
            kept.append(_stream(DISPLAY_NOTICE))
        return kept

    @staticmethod
    def _test_summary(task: Optional[Dict[str, Any]], cell) -> str:
        meta = cell.metadata.get("nbgrader", {})
        lines = []
        if task is None:
            score = meta.get("score")
            lines.append("Chưa có kết quả chấm của câu này." if score is None else
                         f"Điểm: {float(score):g}/{float(meta.get('points', 0) or 0):g}.")
            lines.append(TEST_CELL_NOTE)
        else:
            score, points = task.get("score"), task.get("points", meta.get("points", 0))
            if score is not None:
                lines.append(f"Điểm: {float(score):g}/{float(points or 0):g}.")
            if task.get("rule_violation"):
                lines.append("Vi phạm quy định của bài: "
                             + terminal_safe(task.get("reason") or "", limit=400))
            elif task.get("verified") is True:
                lines.append("Kiểm tra độc lập (ngoài kernel): đạt.")
            elif task.get("verified") is False:
                lines.append("Kiểm tra độc lập (ngoài kernel): không đạt — "
                             + verdict_wording(task.get("reason") or ""))
            elif task.get("verifier") is False:
                lines.append("Câu này không có kiểm tra độc lập; điểm chỉ dựa vào ô kiểm tra.")
            error = task.get("nbgrader_error")
            if error:
                name = _error_name(str(error).split(":", 1)[0])
                lines.append("Ô kiểm tra báo lỗi" + (f" ({name})." if name != "lỗi" else "."))
            elif task.get("nbgrader_passed"):
                lines.append("Ô kiểm tra chạy không lỗi.")
            if score is None or float(score) < float(points or 0) - 1e-9:
                lines.append(TEST_CELL_NOTE)
        return "\n".join(lines) + "\n"


def _problem_page(student: str, assignment: str, reasons: List[str]) -> str:
    items = "\n".join(f"<li>{html.escape(terminal_safe(r))}</li>" for r in reasons) \
        or "<li>(không rõ)</li>"
    body = (f"<h1>Bài {html.escape(assignment)}: bài nộp của {html.escape(student)} chưa chấm tự "
            f"động được</h1>\n<p>Lý do:</p>\n<ul>\n{items}\n</ul>\n"
            "<p>Giảng viên sẽ xem lại bài của bạn.</p>")
    return inert_page(assignment, body)


def _finish_pages(out_dir: Path, pages: List[str]) -> None:
    """Sanitise our pages and remove everything else nbgrader put in the feedback folder."""
    wanted = {f"{nb}.html" for nb in pages}
    if not out_dir.is_dir():
        return
    for path in sorted(out_dir.rglob("*"), key=lambda p: len(p.parts), reverse=True):
        rel = path.relative_to(out_dir)
        if path.is_symlink() or (path.is_file() and str(rel) not in wanted):
            path.unlink()
        elif path.is_dir() and not path.is_symlink() and not any(path.iterdir()):
            path.rmdir()
    for name in wanted:
        page = out_dir / name
        if page.is_file():
            page.write_text(sanitize_html(page.read_text(encoding="utf-8", errors="replace")),
                            encoding="utf-8")


def generate_feedback(course: Course, assignment: str, students: Optional[List[str]] = None,
                      progress: bool = True) -> Dict[str, str]:
    """Feedback for every graded student; returns {student: "ok" | Vietnamese problem}."""
    from nbgrader.converters import GenerateFeedback
    from nbgrader.preprocessors import GetGrades
    from nbconvert.preprocessors import CSSHTMLHeaderPreprocessor
    from tqdm.auto import tqdm

    course.check_assignment(assignment)
    records = load_records(course, assignment)
    graded = set(course.graded_students(assignment))
    todo = sorted(set(students) if students else graded | set(records))
    if not todo:
        raise CourseError(f"Chưa có bài nào của '{assignment}' được chấm; hãy chạy "
                          f"`dlbook course autograde {assignment}` trước.")
    cfg = course.nbgrader_config()
    cfg.GenerateFeedback.preprocessors = [GetGrades, InertOutputs, StripHiddenTests,
                                          CSSHTMLHeaderPreprocessor]
    hidden = course.config.get("ClearHiddenTests", {})
    for key in ("begin_test_delimeter", "end_test_delimeter"):
        if key in hidden:
            setattr(cfg.StripHiddenTests, key, hidden[key])
    if "begin_test_delimeter" in hidden:
        cfg.InertOutputs.begin_test_delimeter = hidden["begin_test_delimeter"]
    notebooks = course.notebooks(assignment)
    log = logging.getLogger("dlbook.course.feedback")
    log.propagate = False
    log.setLevel(logging.CRITICAL)
    results: Dict[str, str] = {}
    for student in tqdm(todo, desc=f"Phản hồi {assignment}", unit="sv", disable=not progress):
        rec = records.get(student)
        out_dir = course.feedback_dir / student / assignment
        if student not in graded or (rec is not None and rec.get("status") != "graded"):
            reasons = review_reasons(rec) if rec else ["chưa được chấm"]
            out_dir.mkdir(parents=True, exist_ok=True)
            for nb in notebooks:
                (out_dir / f"{nb}.html").write_text(_problem_page(student, assignment, reasons),
                                                    encoding="utf-8")
            _finish_pages(out_dir, notebooks)
            results[student] = terminal_safe("không chấm được: " + "; ".join(reasons))
            continue
        cfg.InertOutputs.record_json = json.dumps((rec or {}).get("notebooks", {}),
                                                  ensure_ascii=False)
        cd = course.coursedir(cfg, assignment_id=assignment, student_id=student)
        app = GenerateFeedback(coursedir=cd, config=cfg, log=log)
        app.force = True
        try:
            app.start()
            results[student] = "ok"
        except Exception as exc:  # noqa: BLE001 - one student's problem does not stop the others
            results[student] = terminal_safe(f"lỗi khi tạo phản hồi: {exc}", limit=300)
        finally:
            _finish_pages(out_dir, notebooks)
    return results
