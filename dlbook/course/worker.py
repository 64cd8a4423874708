"""One grading worker: checks a submission, runs nbgrader's Autograde on it, writes its record.

Workers are separate processes (see :mod:`dlbook.course.autograde`); each runs its kernels as
a sandbox uid of its own (:func:`dlbook.course.sandbox.acquire_uid`). The gradebook is shared by
all workers: every step of nbgrader that opens it (creating the student and the submission,
``OverwriteKernelspec``, ``OverwriteCells``, ``SaveAutoGrades``, ``AssignLatePenalties``) runs
under an exclusive file lock (``verdicts/.gradebook.lock``); everything else, the student's code
above all, runs in parallel.
"""

from __future__ import annotations

import collections
import fcntl
import logging
import os
import shutil
import tempfile
import time
import traceback
import warnings
from dataclasses import asdict
from pathlib import Path
from typing import Any, Dict, Optional

from traitlets.config import Config

from dlbook.course import sandbox
from dlbook.course.course import Course
from dlbook.course.execute import GradingContext, SandboxedExecute, get_context, set_context
from dlbook.course.records import REVIEW_EVENTS, new_record, save_record
from dlbook.course.runtime import build_runtime, hidden_packages, installed_dlbook, package_locations
from dlbook.course.validate import check_submission
from dlbook.course.verdict import load_verifier


class GradebookLock:
    """An exclusive ``flock`` on a file next to our records (re-entrant per process)."""

    def __init__(self, path: Path):
        path.parent.mkdir(parents=True, exist_ok=True)
        self.fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        self.depth = 0
        self.held_s = 0.0  #: time spent holding the lock (for the records: parallel efficiency)
        self.wait_s = 0.0  #: time spent waiting for it
        self._since = 0.0

    def acquire(self) -> None:
        if self.depth == 0:
            t0 = time.monotonic()
            fcntl.flock(self.fd, fcntl.LOCK_EX)
            self._since = time.monotonic()
            self.wait_s += self._since - t0
        self.depth += 1

    def release(self) -> None:
        self.depth -= 1
        if self.depth == 0:
            fcntl.flock(self.fd, fcntl.LOCK_UN)
            self.held_s += time.monotonic() - self._since

    def __enter__(self):
        self.acquire()
        return self

    def __exit__(self, *exc):
        self.release()


class _Capture(logging.Handler):
    """Keeps the last warnings and errors nbgrader logged for one submission."""

    def __init__(self):
        super().__init__(logging.WARNING)
        self.lines: collections.deque = collections.deque(maxlen=40)

    def emit(self, record: logging.LogRecord) -> None:
        try:
            message = record.getMessage()
            if message.startswith("Attribute 'checksum'"):
                return  # nbgrader restoring the hidden tests: expected, not news
            self.lines.append(f"{record.levelname}: {message}")
        except Exception:  # noqa: BLE001
            pass


def _with_gradebook_lock(cls):
    """A subclass of an nbgrader preprocessor that holds the gradebook lock while it runs."""

    def preprocess(self, nb, resources):
        ctx = get_context()
        if ctx is None or ctx.lock is None:
            return cls.preprocess(self, nb, resources)
        with ctx.lock:
            return cls.preprocess(self, nb, resources)

    return type(f"Locked{cls.__name__}", (cls,), {"preprocess": preprocess,
                                                 "__doc__": cls.__doc__})


def _locked_pipelines():
    """nbgrader's two Autograde pipelines, our Execute in, every gradebook step locked."""
    from nbgrader.converters import Autograde
    from nbgrader.preprocessors import (AssignLatePenalties, Execute, OverwriteCells,
                                        OverwriteKernelspec, SaveAutoGrades)

    uses_db = (OverwriteKernelspec, OverwriteCells, SaveAutoGrades, AssignLatePenalties)
    traits = Autograde.class_traits()

    def convert(pp):
        if pp is Execute:
            return SandboxedExecute
        return _LOCKED.setdefault(pp, _with_gradebook_lock(pp)) if pp in uses_db else pp

    return ([convert(pp) for pp in traits["sanitize_preprocessors"].default()],
            [convert(pp) for pp in traits["autograde_preprocessors"].default()])


_LOCKED: Dict[type, type] = {}


def _locked_autograde():
    """nbgrader's Autograde whose gradebook set-up (student, submission) runs under the lock."""
    from nbgrader.converters import Autograde

    class LockedAutograde(Autograde):
        def init_assignment(self, assignment_id: str, student_id: str) -> None:
            ctx = get_context()
            if ctx is None or ctx.lock is None:
                return super().init_assignment(assignment_id, student_id)
            with ctx.lock:
                return super().init_assignment(assignment_id, student_id)

    return LockedAutograde


def autograde_overrides(limits: sandbox.Limits) -> Config:
    """nbgrader configuration on top of the course's: our Execute, missing test cells restored."""
    sanitize, pipeline = _locked_pipelines()
    c = Config()
    c.Autograde.sanitize_preprocessors = sanitize
    c.Autograde.autograde_preprocessors = pipeline
    c.Autograde.create_student = True
    c.OverwriteCells.add_missing_cells = True
    c.Execute.timeout = int(limits.cell_timeout)
    c.Execute.interrupt_on_timeout = True
    c.Execute.raise_on_iopub_timeout = True
    c.Execute.execute_retries = 0
    return c


class Grader:
    """Grades submissions one at a time, in this process."""

    def __init__(self, course_root: str, options: Dict[str, Any], slot: int = 0):
        self.course = Course(course_root)
        self.limits = sandbox.Limits(**options.get("limits", {}))
        self.unsafe = bool(options.get("unsafe"))
        self.status = None if self.unsafe else sandbox.sandbox_status()
        if self.status is not None and not self.status.ok:
            raise RuntimeError("Không dùng được hộp cát: " + self.status.message())
        self.uid: Optional[int] = None
        self._uid_lock: Optional[int] = None
        if not self.unsafe:
            self.uid, self._uid_lock = sandbox.acquire_uid(slot)
            sandbox.kill_uid_processes(self.uid)
        self.mpl_cache = options.get("mpl_cache")
        self.scratch_base = options.get("scratch_base")
        self.config = self.course.nbgrader_config(autograde_overrides(self.limits))
        self.lock = GradebookLock(self.course.verdicts_dir / ".gradebook.lock")
        self.Autograde = _locked_autograde()
        self.log = logging.getLogger(f"dlbook.course.worker.{slot}")
        self.log.propagate = False
        self.log.setLevel(logging.WARNING)
        self._verifiers: Dict[str, Any] = {}
        expected = options.get("dlbook")
        if expected and str(installed_dlbook()) != expected:
            raise RuntimeError(f"tiến trình chấm nạp dlbook ở {installed_dlbook()}, không phải bản "
                               f"đã cài {expected}")
        self._own_runtime = options.get("runtime") is None
        self.runtime = Path(options["runtime"]) if options.get("runtime") else build_runtime(
            tempfile.mkdtemp(prefix="dlb-runtime-", dir=self.scratch_base))

    def close(self) -> None:
        if self._own_runtime:
            shutil.rmtree(self.runtime, ignore_errors=True)

    def verifier(self, assignment: str):
        if assignment not in self._verifiers:
            self._verifiers[assignment] = load_verifier(self.course.verify_path(assignment))
        return self._verifiers[assignment]

    def tasks(self, assignment: str) -> Dict[str, Any]:
        return self.verifier(assignment)[0]

    def rules(self, assignment: str) -> Dict[str, Any]:
        return self.verifier(assignment)[1]

    def grade(self, assignment: str, student: str) -> Dict[str, Any]:
        """Grade one submission; always returns (and saves) a record, never raises."""
        t0 = time.monotonic()
        held0, wait0 = self.lock.held_s, self.lock.wait_s
        rec = new_record(assignment, student)
        rec["sandboxed"] = not self.unsafe
        rec["sandbox_uid"] = self.uid
        try:
            flags, usable = check_submission(self.course, assignment, student)
        except Exception as exc:  # noqa: BLE001
            flags, usable = [], []
            rec["error"] = f"Không đọc được bài nộp: {type(exc).__name__}: {exc}"
        rec["flags"] = [f.as_dict() for f in flags]
        if not usable:
            rec["status"] = "not_graded"
            rec["max_score"] = self._max_score(assignment)
            if not rec["error"]:
                rec["error"] = "Không có notebook nào chấm được; cần chấm tay."
            self._forget_old_grades(assignment, student)
        else:
            self._autograde(rec, assignment, student)
        rec["needs_review"] = bool(rec["flags"] or rec["error"] or rec["status"] != "graded"
                                   or _has_trouble(rec) or self.unsafe)
        rec["duration_s"] = round(time.monotonic() - t0, 2)
        rec["gradebook_lock_s"] = round(self.lock.held_s - held0, 2)
        rec["gradebook_wait_s"] = round(self.lock.wait_s - wait0, 2)
        save_record(self.course, rec)
        return rec

    def _autograde(self, rec, assignment: str, student: str) -> None:
        ctx = GradingContext(
            tasks=self.tasks(assignment), limits=self.limits, status=self.status, uid=self.uid,
            secrets=self.course.secret_paths(),
            exclude=list(self.config.CourseDirectory.ignore),
            deadline=time.monotonic() + self.limits.submission_timeout, lock=self.lock,
            scratch_base=self.scratch_base, mpl_cache=self.mpl_cache,
            rules=self.rules(assignment), runtime=self.runtime,
            hide=sandbox_hide(self.rules(assignment)),
        )
        capture = _Capture()
        self.log.addHandler(capture)
        set_context(ctx)
        try:
            cd = self.course.coursedir(self.config, assignment_id=assignment, student_id=student)
            app = self.Autograde(coursedir=cd, config=self.config, log=self.log)
            app.force = True
            app.create_student = True
            app.start()
            rec["status"] = "graded"
        except BaseException as exc:  # noqa: BLE001 - recorded, the other students go on
            rec["status"] = "failed"
            detail = [ln for ln in capture.lines if ln.startswith("ERROR")]
            rec["error"] = (f"nbgrader không chấm được bài này ({type(exc).__name__}: {exc})"
                            + (": " + " | ".join(detail[-3:]) if detail else ""))[:2000]
            rec["traceback"] = traceback.format_exc()[-4000:]
        finally:
            set_context(None)
            self.log.removeHandler(capture)
            if rec["status"] == "graded":
                with self.lock:
                    self._read_grades(rec, ctx)
            if self.uid is not None:
                sandbox.kill_uid_processes(self.uid)
        rec["log"] = list(capture.lines)

    def _read_grades(self, rec: Dict[str, Any], ctx: GradingContext) -> None:
        with self.course.gradebook() as gb:
            sub = gb.find_submission(rec["assignment"], rec["student"])
            rec["score"] = float(sub.score)
            rec["max_score"] = float(sub.max_score)
            for nb in sub.notebooks:
                run = ctx.runs.get(nb.name)
                entry = asdict(run) if run is not None else {"notebook": nb.name, "tasks": {},
                                                             "events": [], "missing": True}
                for grade in nb.grades:
                    task = entry["tasks"].setdefault(grade.name, {})
                    task["score"] = None if grade.score is None else float(grade.score)
                    task["points"] = float(grade.max_score)
                    task["needs_manual_grade"] = bool(grade.needs_manual_grade)
                    task["cell_type"] = grade.cell.cell_type
                rec["notebooks"][nb.name] = entry

    def _max_score(self, assignment: str) -> float:
        try:
            return float(sum(sum(v.values()) for v in self.course.grade_points(assignment).values()))
        except Exception:  # noqa: BLE001
            return 0.0

    def _forget_old_grades(self, assignment: str, student: str) -> None:
        """A submission that cannot be graded any more must not keep an older run's scores."""
        from nbgrader.api import MissingEntry

        with self.lock:
            with self.course.gradebook() as gb:
                try:
                    gb.remove_submission(assignment, student)
                except MissingEntry:
                    pass
        import shutil

        shutil.rmtree(self.course.autograded_dir / student / assignment, ignore_errors=True)
        shutil.rmtree(self.course.feedback_dir / student / assignment, ignore_errors=True)


def sandbox_hide(rules: Dict[str, Any]):
    """Packages that no task of the assignment may use: not even importable in the sandbox."""
    forbidden = None
    for rule in rules.values():
        names = set(rule.forbid_imports)
        forbidden = names if forbidden is None else forbidden & names
    return package_locations(hidden_packages(sorted(forbidden or ())))


def _has_trouble(rec: Dict[str, Any]) -> bool:
    for run in rec.get("notebooks", {}).values():
        if any(ev["kind"] in REVIEW_EVENTS for ev in run.get("events", [])):
            return True
        if any(t.get("verifier_error") for t in run.get("tasks", {}).values()):
            return True
    return False


def _serve(course_root: str, options: Dict[str, Any], slot: int, send, jobs) -> None:
    try:
        grader = Grader(course_root, options, slot)
    except BaseException as exc:  # noqa: BLE001
        send("init_error", f"{type(exc).__name__}: {exc}")
        return
    send("ready", grader.uid)
    try:
        _jobs(grader, send, jobs)
    finally:
        grader.close()


def _jobs(grader, send, jobs) -> None:
    for job in jobs:
        if job is None:
            return
        assignment, student = job
        try:
            rec = grader.grade(assignment, student)
        except BaseException as exc:  # noqa: BLE001
            rec = new_record(assignment, student)
            rec["error"] = f"Lỗi của bộ chấm: {type(exc).__name__}: {exc}"
            rec["traceback"] = traceback.format_exc()[-4000:]
        send("done", rec)


def main(argv=None) -> int:
    """``python -m dlbook.course.worker ROOT OPTIONS_JSON SLOT``: JSON lines in, JSON lines out.

    The parent writes ``[assignment, student]`` (or ``null`` to stop) on stdin; the worker writes
    ``[kind, payload]`` lines on its original stdout. Anything else printed goes to stderr.
    """
    import json
    import signal
    import sys

    argv = sys.argv[1:] if argv is None else argv
    course_root, options, slot = argv[0], json.loads(argv[1]), int(argv[2])
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    warnings.filterwarnings("ignore")  # SQLAlchemy's SAWarning from inside nbgrader, etc.
    proto = os.fdopen(os.dup(1), "w", encoding="utf-8", buffering=1)
    os.dup2(2, 1)
    sys.stdout = sys.stderr

    def send(kind: str, payload: Any) -> None:
        proto.write(json.dumps([kind, payload], ensure_ascii=False) + "\n")
        proto.flush()

    def jobs():
        for line in sys.stdin:
            line = line.strip()
            if line:
                yield json.loads(line)

    _serve(course_root, options, slot, send, jobs())
    return 0


if __name__ == "__main__":
    import sys

    sys.exit(main())
