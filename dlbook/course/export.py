"""``dlbook course export``: a grades CSV from the gradebook and our records.

One row per student and assignment of the gradebook (a student with no submission gets 0), plus
students whose submission could not be graded at all (they are not in the gradebook: 0, flagged).
Scores are the gradebook's: they already include the trusted verdicts. Columns::

    assignment, student_id, score, max_score, percent, status, needs_review, notes
"""

from __future__ import annotations

import csv
import os
from pathlib import Path
from typing import Dict, List, Optional

from dlbook.course.course import Course, CourseError
from dlbook.course.records import STATUS_VI, load_records, review_reasons

COLUMNS = ["assignment", "student_id", "score", "max_score", "percent", "status",
           "needs_review", "notes"]


def _fmt(x: float) -> str:
    return f"{x:.2f}".rstrip("0").rstrip(".") if x != int(x) else str(int(x))


def grade_rows(course: Course, assignment: Optional[str] = None) -> List[Dict[str, str]]:
    from nbgrader.api import MissingEntry

    if course.db_path is not None and not course.db_path.exists():
        raise CourseError("Chưa có sổ điểm (gradebook.db); hãy chạy `dlbook course generate` "
                          "và `dlbook course autograde` trước.")
    rows: List[Dict[str, str]] = []
    with course.gradebook() as gb:
        assignments = [a.name for a in gb.assignments]
        if assignment is not None:
            if assignment not in assignments:
                raise CourseError(f"Sổ điểm không có bài '{assignment}'. Các bài có: "
                                  f"{', '.join(assignments) or '(chưa có)'}.")
            assignments = [assignment]
        students = sorted(s.id for s in gb.students)
        for name in assignments:
            max_score = float(gb.find_assignment(name).max_score)
            records = load_records(course, name)
            for sid in sorted(set(students) | set(records)):
                rec = records.get(sid)
                try:
                    sub = gb.find_submission(name, sid)
                    score = float(sub.score)
                    status = "graded"
                except MissingEntry:
                    score, status = 0.0, "missing"
                notes: List[str] = []
                review = False
                if rec is not None:
                    status = rec.get("status", status)
                    if status != "graded":
                        score = 0.0
                    notes = review_reasons(rec)
                    review = bool(rec.get("needs_review"))
                    if status == "graded" and rec.get("score") is not None and \
                            abs(float(rec["score"]) - score) > 1e-9:
                        notes.append("điểm trong sổ đã được sửa tay sau khi chấm tự động")
                elif status == "missing":
                    notes = ["không nộp bài"]
                rows.append({
                    "assignment": name,
                    "student_id": sid,
                    "score": _fmt(score),
                    "max_score": _fmt(max_score),
                    "percent": _fmt(round(100 * score / max_score, 2)) if max_score else "0",
                    "status": STATUS_VI.get(status, "chưa nộp" if status == "missing" else status),
                    "needs_review": "có" if review else "không",
                    "notes": " | ".join(notes),
                })
    return rows


def export(course: Course, out: os.PathLike = "grades.csv",
           assignment: Optional[str] = None) -> Path:
    rows = grade_rows(course, assignment)
    out = Path(out)
    if out.parent and not out.parent.exists():
        out.parent.mkdir(parents=True)
    with open(out, "w", newline="", encoding="utf-8-sig") as fh:
        writer = csv.DictWriter(fh, fieldnames=COLUMNS)
        writer.writeheader()
        writer.writerows(rows)
    return out
