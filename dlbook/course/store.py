"""The one writer: the client stores each graded result in the course (gradebook, files, record).

Workers return data (:mod:`dlbook.course.worker`); only the ``autograde`` process writes the
instructor's course, as each result arrives:

1. ``autograded/<student>/<assignment>/``: replaced by the worker's folder (a new folder renamed
   into place, so a reader never sees half of it);
2. the gradebook (SQLite or PostgreSQL): the student and the submission (with the timestamp of
   ``submitted/``), then nbgrader's own ``SaveAutoGrades`` and ``AssignLatePenalties`` on each
   autograded notebook, exactly as nbgrader's Autograde runs them (a submitted notebook that is
   missing scores 0, as in nbgrader); a manual grade given earlier is kept;
3. the record ``verdicts/<assignment>/<student>.json``, with the scores read back from the
   gradebook.

A submission that could not be graded keeps no older scores (its submission is removed from the
gradebook and its autograded and feedback folders deleted).
"""

from __future__ import annotations

import logging
import os
import shutil
import time
import uuid
import warnings
from dataclasses import dataclass
from typing import Any, Dict, Optional

import nbformat

from dlbook.course.bundle import write_tree
from dlbook.course.course import Course
from dlbook.course.records import needs_review, save_record
from dlbook.course.validate import originals_dir


class _QuietRollback(logging.Filter):
    """Drops nbgrader's "Rolling back session due to database error" log line: the error is
    retried here, and reported in the student's record if every attempt fails."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not str(record.msg).startswith("Rolling back session due to database error")


def _retry(fn, attempts: int = 5):
    """Run ``fn``; retry when another ``autograde`` run wrote the same row at the same time.

    Two runs on one PostgreSQL gradebook can both find a student missing and both insert them:
    the second insert fails on the primary key, which nbgrader's ``add_student`` reports as
    ``InvalidEntry`` (after logging the database error); the next attempt finds the student.
    """
    from nbgrader.api import InvalidEntry
    from sqlalchemy.exc import IntegrityError, OperationalError

    nbgrader_log = logging.getLogger("tornado.application")  # nbgrader.api's app_log
    quiet = _QuietRollback()
    nbgrader_log.addFilter(quiet)
    try:
        for k in range(attempts):
            try:
                return fn()
            except (IntegrityError, OperationalError, InvalidEntry):
                if k == attempts - 1:
                    raise
                time.sleep(0.2 * (k + 1))
    finally:
        nbgrader_log.removeFilter(quiet)


@dataclass
class ResultStore:
    """Writes results of one assignment into ``course``."""

    course: Course
    assignment: str

    def __post_init__(self):
        self.config = self.course.nbgrader_config()
        self._max_score: Optional[float] = None

    def store(self, result: Dict[str, Any], **extra: Any) -> Dict[str, Any]:
        t0 = time.monotonic()
        rec = result["record"]
        rec.update(extra)
        student = rec["student"]
        self._keep_repairs(student, result)
        if rec["status"] == "graded":
            try:
                self._replace_folder(student, result["autograded"])
                with warnings.catch_warnings():  # nbgrader's own SAWarning (autoflush)
                    warnings.simplefilter("ignore")
                    _retry(lambda: self._save_grades(student))
                self._read_grades(rec)
            except Exception as exc:  # noqa: BLE001 - this student only
                rec["status"] = "failed"
                rec["error"] = f"Không ghi được điểm vào sổ điểm: {type(exc).__name__}: {exc}"
                rec["needs_review"] = needs_review(rec)
        if rec["status"] != "graded":
            self.forget(student)
            rec["score"] = 0.0
            rec["max_score"] = self.max_score()
        rec["store_s"] = round(time.monotonic() - t0, 3)  #: the client's time for this result
        save_record(self.course, rec)
        return rec

    # ---------------------------------------------------------------- files

    def _keep_repairs(self, student: str, result: Dict[str, Any]) -> None:
        """The student's originals first, then the repaired notebooks in ``submitted/``."""
        originals = result.get("originals") or {}
        if originals:
            folder = originals_dir(self.course, self.assignment, student)
            write_tree(folder, {k: v for k, v in originals.items()
                                if not (folder / k).exists()})
        for rel, data in (result.get("repaired") or {}).items():
            dest = self.course.submitted_dir / student / self.assignment
            write_tree(dest, {rel: data})

    def _replace_folder(self, student: str, files: Dict[str, bytes]) -> None:
        dest = self.course.autograded_dir / student / self.assignment
        dest.parent.mkdir(parents=True, exist_ok=True)
        tmp = dest.parent / f".{self.assignment}.{uuid.uuid4().hex}.tmp"
        write_tree(tmp, files)
        old = None
        if dest.exists():
            old = dest.parent / f".{self.assignment}.{uuid.uuid4().hex}.old"
            os.replace(dest, old)
        os.replace(tmp, dest)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)

    # ---------------------------------------------------------------- gradebook

    def _save_grades(self, student: str) -> None:
        from nbgrader.preprocessors import AssignLatePenalties, SaveAutoGrades

        course, assignment = self.course, self.assignment
        cd = course.coursedir(self.config, assignment_id=assignment, student_id=student)
        timestamp = cd.get_existing_timestamp(
            str(course.submitted_dir / student / assignment))
        with course.gradebook() as gb:
            gb.update_or_create_student(student)
            kwargs = {"timestamp": timestamp} if timestamp else {}
            gb.update_or_create_submission(assignment, student, **kwargs)
            names = [nb.name for nb in gb.find_assignment(assignment).notebooks]
        folder = course.autograded_dir / student / assignment
        for name in names:
            path = folder / f"{name}.ipynb"
            if not path.is_file():
                self._zero(name, student)
                continue
            nb = nbformat.read(str(path), as_version=nbformat.NO_CONVERT)
            resources = {"nbgrader": {"notebook": name, "assignment": assignment,
                                      "student": student, "db_url": course.db_url}}
            for pp in (SaveAutoGrades, AssignLatePenalties):
                nb, resources = pp(config=self.config).preprocess(nb, resources)

    def _zero(self, notebook: str, student: str) -> None:
        """nbgrader's rule for a notebook of the assignment that was not submitted."""
        with self.course.gradebook() as gb:
            sub = gb.find_submission_notebook(notebook, self.assignment, student)
            for grade in sub.grades:
                grade.auto_score = 0
                grade.needs_manual_grade = False
            gb.db.commit()

    def _read_grades(self, rec: Dict[str, Any]) -> None:
        runs = rec.get("notebooks", {})
        rec["notebooks"] = {}
        with self.course.gradebook() as gb:
            sub = gb.find_submission(rec["assignment"], rec["student"])
            rec["score"] = float(sub.score)
            rec["max_score"] = float(sub.max_score)
            for nb in sub.notebooks:
                entry = runs.get(nb.name) or {"notebook": nb.name, "tasks": {}, "events": [],
                                              "missing": True}
                for grade in nb.grades:
                    task = entry["tasks"].setdefault(grade.name, {})
                    task["score"] = None if grade.score is None else float(grade.score)
                    task["points"] = float(grade.max_score)
                    task["needs_manual_grade"] = bool(grade.needs_manual_grade)
                    task["cell_type"] = grade.cell.cell_type
                rec["notebooks"][nb.name] = entry

    def max_score(self) -> float:
        if self._max_score is None:
            try:
                self._max_score = float(sum(sum(v.values()) for v in
                                            self.course.grade_points(self.assignment).values()))
            except Exception:  # noqa: BLE001
                self._max_score = 0.0
        return self._max_score

    def forget(self, student: str) -> None:
        """A submission that cannot be graded must not keep an older run's scores."""
        from nbgrader.api import MissingEntry

        def remove():
            with self.course.gradebook() as gb:
                try:
                    gb.remove_submission(self.assignment, student)
                except MissingEntry:
                    pass

        _retry(remove)
        shutil.rmtree(self.course.autograded_dir / student / self.assignment, ignore_errors=True)
        shutil.rmtree(self.course.feedback_dir / student / self.assignment, ignore_errors=True)

