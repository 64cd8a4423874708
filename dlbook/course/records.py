"""Our grading records: one JSON file per student and assignment in ``verdicts/<assignment>/``.

The scores themselves live in nbgrader's gradebook (nbgrader's ``SaveAutoGrades`` writes them
after the trusted verdicts were put into the test cells). A record keeps what the gradebook
cannot: why a task failed (the trusted verdict or nbgrader's error), what went wrong with the
notebook (flags), what happened while it ran (kernel deaths, timeouts, killed processes), and
whether the submission needs manual review. ``export``, ``feedback`` and ``report`` read both.
"""

from __future__ import annotations

import datetime as _dt
import json
import os
from pathlib import Path
from typing import Any, Dict, List, Optional

STATUS_VI = {
    "graded": "đã chấm",
    "not_graded": "không chấm được",
    "failed": "lỗi khi chấm",
}


#: Events of a run that need a human look.
REVIEW_EVENTS = ("kernel_died", "kernel_hung", "gave_up", "submission_timeout", "probe_silent",
                 "rule_violation", "verify_cell_broke", "verify_task_broke", "verify_timeout",
                 "verify_failed")


def record_path(course, assignment: str, student: str) -> Path:
    return course.verdicts_dir / assignment / f"{student}.json"


def new_record(assignment: str, student: str) -> Dict[str, Any]:
    return {
        "assignment": assignment,
        "student": student,
        "status": "failed",
        "needs_review": True,
        "score": 0.0,
        "max_score": 0.0,
        "flags": [],
        "notebooks": {},
        "error": None,
        "sandboxed": True,
        "graded_at": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
        "duration_s": 0.0,
    }


def save_record(course, record: Dict[str, Any]) -> Path:
    path = record_path(course, record["assignment"], record["student"])
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(record, ensure_ascii=False, indent=1), encoding="utf-8")
    os.replace(tmp, path)
    return path


def load_record(course, assignment: str, student: str) -> Optional[Dict[str, Any]]:
    path = record_path(course, assignment, student)
    if not path.is_file():
        return None
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        return None


def load_records(course, assignment: str) -> Dict[str, Dict[str, Any]]:
    folder = course.verdicts_dir / assignment
    out: Dict[str, Dict[str, Any]] = {}
    if not folder.is_dir():
        return out
    for path in sorted(folder.glob("*.json")):
        rec = load_record(course, assignment, path.stem)
        if rec is not None:
            out[path.stem] = rec
    return out


def review_reasons(record: Dict[str, Any]) -> List[str]:
    """Why a submission needs a human look (empty when it does not)."""
    reasons = [f["message"] for f in record.get("flags", [])]
    if record.get("error"):
        reasons.append(record["error"])
    for nb, run in record.get("notebooks", {}).items():
        for ev in run.get("events", []):
            if ev["kind"] in REVIEW_EVENTS:
                where = f" (ô {ev['grade_id']})" if ev.get("grade_id") else ""
                reasons.append(f"{nb}.ipynb{where}: {ev['detail']}")
        for gid, task in run.get("tasks", {}).items():
            if task.get("verifier_error"):
                reasons.append(f"{nb}.ipynb, câu {gid}: {task.get('reason')}")
    if not record.get("sandboxed", True):
        reasons.append("chấm không có hộp cát (--unsafe)")
    status = record.get("status", "graded")
    if status != "graded" and not record.get("error"):
        reasons.append(f"bài {STATUS_VI.get(status, status)}")
    return reasons


def needs_review(record: Dict[str, Any]) -> bool:
    """Whether a person must look at this submission: it has a reason in :func:`review_reasons`."""
    return bool(review_reasons(record))
