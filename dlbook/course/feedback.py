"""``dlbook course feedback``: per-student HTML feedback without the hidden tests.

nbgrader's own feedback shows the autograded notebook, whose test cells hold the hidden tests
(restored at grading time) and whose tracebacks quote them. We run nbgrader's
``GenerateFeedback`` with one more preprocessor, :class:`StripHiddenTests`, which

- removes every ``### BEGIN HIDDEN TESTS ... ### END HIDDEN TESTS`` region from the sources;
- shortens the error outputs of test cells to ``Name: message`` (no traceback lines quoting the
  hidden code);
- hides any output, in any cell, that contains a line of a hidden test (student code can print
  the source of the cell being run, e.g. from an IPython hook).

The scores shown are the gradebook's, which already include the trusted verdicts (a failed
verification appears as a ``VerificationFailed`` error with its reason). A submission that could
not be graded gets a short page that says why.
"""

from __future__ import annotations

import html
import logging
import re
from typing import Dict, List, Optional, Set, Tuple

from nbformat.notebooknode import NotebookNode
from nbgrader.preprocessors import NbGraderPreprocessor
from traitlets import Unicode

from dlbook.course.course import Course, CourseError
from dlbook.course.execute import is_test_cell
from dlbook.course.records import load_records, review_reasons

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


def _problem_page(student: str, assignment: str, reasons: List[str]) -> str:
    items = "\n".join(f"<li>{html.escape(r)}</li>" for r in reasons) or "<li>(không rõ)</li>"
    return f"""<!DOCTYPE html>
<html lang="vi"><head><meta charset="utf-8"><title>{html.escape(assignment)}</title></head>
<body>
<h1>Bài {html.escape(assignment)}: bài nộp của {html.escape(student)} chưa chấm tự động được</h1>
<p>Lý do:</p>
<ul>
{items}
</ul>
<p>Giảng viên sẽ xem lại bài của bạn.</p>
</body></html>
"""


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
    cfg.GenerateFeedback.preprocessors = [GetGrades, StripHiddenTests, CSSHTMLHeaderPreprocessor]
    hidden = course.config.get("ClearHiddenTests", {})
    for key in ("begin_test_delimeter", "end_test_delimeter"):
        if key in hidden:
            setattr(cfg.StripHiddenTests, key, hidden[key])
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
            for nb in course.notebooks(assignment):
                (out_dir / f"{nb}.html").write_text(_problem_page(student, assignment, reasons),
                                                    encoding="utf-8")
            results[student] = "không chấm được: " + "; ".join(reasons)
            continue
        cd = course.coursedir(cfg, assignment_id=assignment, student_id=student)
        app = GenerateFeedback(coursedir=cd, config=cfg, log=log)
        app.force = True
        try:
            app.start()
            results[student] = "ok"
        except Exception as exc:  # noqa: BLE001 - one student's problem does not stop the others
            results[student] = f"lỗi khi tạo phản hồi: {exc}"
    return results
