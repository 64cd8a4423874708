"""``dlbook course report`` prints student-made text (exception messages, flags, ids) to the
instructor's terminal: escape sequences and control characters never get through."""

from __future__ import annotations

import re

from dlbook.course import report as report_module
from dlbook.course.report import format_report

# clear screen, a fake prompt in red, a window title, a hyperlink, a bell, a backspace overwrite
HOSTILE = ("\x1b[2J\x1b[31mroot# rm -rf /\x1b[0m\x1b]0;pwned\x07"
           "\x1b]8;;http://evil.example\x1b\\bấm\x1b]8;;\x1b\\\x07 ok\x08\x08\x08điểm 10\r\u202e")
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


class _FakeCourse:
    def __init__(self, root):
        self.root = root

    def check_assignment(self, assignment):
        pass

    def grade_points(self, assignment):
        return {"a": {"t1": 2.0}}


def _records():
    task = {"score": 0.0, "points": 2.0, "verified": False, "reason": "ValueError: " + HOSTILE,
            "nbgrader_error": HOSTILE, "cell_type": "code"}
    return {
        "sv1\x1b[8m": {"status": "graded", "score": 0.0, "needs_review": True,
                       "flags": [{"code": "x", "message": "ô lạ " + HOSTILE}],
                       "error": HOSTILE,
                       "notebooks": {"a": {"tasks": {"t1": task},
                                           "events": [{"kind": "kernel_died", "grade_id": "t1",
                                                       "detail": HOSTILE}]}}},
        "sv2": {"status": "graded", "score": 2.0, "needs_review": False,
                "notebooks": {"a": {"tasks": {"t1": {"score": 2.0, "points": 2.0}},
                                    "events": []}}},
    }


def test_report_strips_terminal_escapes_from_student_text(monkeypatch, tmp_path):
    monkeypatch.setattr(report_module, "load_records", lambda course, assignment: _records())
    text = format_report(_FakeCourse(tmp_path), "a")
    assert "\x1b" not in text and "\x07" not in text
    for line in text.split("\n"):
        assert not CONTROL.search(line), repr(line)
    # the information is still there, readable
    assert "ValueError: " in text and "root# rm -rf /" in text
    assert "Cần xem tay (1 bài)" in text and "sv1" in text
    assert "t1" in text and "(1 bài)" in text
