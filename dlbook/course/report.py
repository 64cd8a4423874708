"""``dlbook course report``: per-task statistics of an assignment from the grading records.

For every task: points, how many students were graded, the mean score, how many got full marks,
and the most common failure. A failure is the trusted verdict's reason when the verification
failed (with the case number dropped so that equal reasons group together), otherwise the first
line of nbgrader's error in the test cell. Then the tasks that have no trusted verifier, the
submissions that need manual review and, when ``dlbook course similarity`` has been run, the
most similar pairs of submissions. Every piece of student-made text (exception messages,
reasons, ids) goes through :func:`dlbook.course.sanitize.terminal_safe`: the report is printed to
the instructor's terminal.
"""

from __future__ import annotations

import collections
import re
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Tuple

from dlbook.course.course import Course, CourseError
from dlbook.course.records import load_records, review_reasons
from dlbook.course.sanitize import terminal_safe
from dlbook.course.similarity import read_pairs

#: How many pairs of ``similarity.csv`` the report lists.
SIMILAR_TOP = 5
CASE = re.compile(r"^trường hợp kiểm tra \d+/\d+: ")


@dataclass
class TaskStats:
    notebook: str
    task: str
    points: float
    scores: List[float] = field(default_factory=list)
    failures: collections.Counter = field(default_factory=collections.Counter)
    verifier: bool = True

    @property
    def mean(self) -> Optional[float]:
        return sum(self.scores) / len(self.scores) if self.scores else None

    @property
    def full(self) -> int:
        return sum(1 for s in self.scores if abs(s - self.points) < 1e-9)

    def most_common(self) -> Tuple[str, int]:
        if not self.failures:
            return "", 0
        return self.failures.most_common(1)[0]


def failure_reason(task: Dict) -> Optional[str]:
    """Why a task lost its points (None when it did not)."""
    score, points = task.get("score"), task.get("points", 0)
    if score is not None and points and score >= points - 1e-9:
        return None
    reason = CASE.sub("", task.get("reason") or "").strip()
    if task.get("verified") is False and reason and not (
            reason.startswith("không có kết quả") and task.get("nbgrader_error")):
        return reason
    if task.get("nbgrader_error"):
        return task["nbgrader_error"]
    if score is None:
        return "chưa có điểm (cần chấm tay)"
    return "không rõ"


def task_stats(course: Course, assignment: str) -> Tuple[List[TaskStats], Dict[str, Dict]]:
    course.check_assignment(assignment)
    records = load_records(course, assignment)
    if not records:
        raise CourseError(f"Chưa có kết quả chấm của '{assignment}'; hãy chạy "
                          f"`dlbook course autograde {assignment}` trước.")
    stats: Dict[Tuple[str, str], TaskStats] = {}
    try:
        points = course.grade_points(assignment)
    except Exception:  # noqa: BLE001
        points = {}
    for nb, cells in points.items():
        for gid, pts in cells.items():
            stats[(nb, gid)] = TaskStats(nb, gid, pts)
    for rec in records.values():
        for nb, run in rec.get("notebooks", {}).items():
            for gid, task in run.get("tasks", {}).items():
                if task.get("cell_type", "code") != "code":
                    continue
                st = stats.setdefault((nb, gid), TaskStats(nb, gid, float(task.get("points", 0))))
                if rec.get("status") == "graded" and task.get("score") is not None:
                    st.scores.append(float(task["score"]))
                if task.get("verifier") is False:
                    st.verifier = False
                reason = failure_reason(task)
                if reason:
                    st.failures[terminal_safe(reason, limit=120)] += 1
        if rec.get("status") != "graded":
            for st in stats.values():
                st.scores.append(0.0)
                st.failures["bài nộp không chấm được"] += 1
    return list(stats.values()), records


def format_report(course: Course, assignment: str) -> str:
    stats, records = task_stats(course, assignment)
    graded = sum(1 for r in records.values() if r.get("status") == "graded")
    lines = [f"Báo cáo bài {assignment}: {len(records)} bài nộp, {graded} bài chấm tự động được.",
             ""]
    header = f"{'Câu':<22} {'Điểm':>5} {'Số bài':>6} {'TB':>6} {'Đủ điểm':>8}  Lỗi thường gặp nhất"
    lines += [header, "-" * len(header)]
    for st in stats:
        mean = "-" if st.mean is None else f"{st.mean:.2f}"
        reason, count = st.most_common()
        common = f"{reason} ({count} bài)" if count else "—"
        name = st.task if len({s.notebook for s in stats}) == 1 else f"{st.notebook}/{st.task}"
        name = terminal_safe(name, limit=60)
        lines.append(f"{name:<22} {st.points:>5g} {len(st.scores):>6} {mean:>6} "
                     f"{st.full:>8}  {common}")
    totals = [float(r.get("score") or 0) for r in records.values()]
    if totals:
        lines += ["", f"Điểm trung bình cả bài: {sum(totals) / len(totals):.2f}"]
    unverified = [st.task for st in stats if not st.verifier]
    if unverified:
        lines += ["", "Câu không có kiểm tra độc lập (verify.py), điểm chỉ dựa vào nbgrader: "
                  + ", ".join(terminal_safe(u, limit=60) for u in unverified)]
    review = {s: review_reasons(r) for s, r in records.items() if r.get("needs_review")}
    if review:
        lines += ["", f"Cần xem tay ({len(review)} bài):"]
        for sid, reasons in sorted(review.items()):
            text = " | ".join(terminal_safe(r, limit=400) for r in reasons) or "xem bản ghi"
            lines.append(f"  {terminal_safe(sid, limit=80)}: {text}")
    similar = read_pairs(course, assignment, limit=SIMILAR_TOP)
    if similar:
        lines += ["", "Các cặp bài giống nhau nhất (copydetect, chi tiết trong "
                  f"reports/{terminal_safe(assignment, limit=64)}/similarity.html; điểm cao là "
                  "lý do để xem lại, không phải bằng chứng):"]
        lines += [f"  {terminal_safe(a, limit=80)} – {terminal_safe(b, limit=80)}: "
                  f"{100 * score:.0f}%" for a, b, score in similar]
    return "\n".join(lines)
