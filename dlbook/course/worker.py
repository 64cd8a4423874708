"""One grading worker: grades a submission it was sent as bytes, returns the result as data.

A worker is a Dask worker process (:mod:`dlbook.course.cluster`), on the instructor's machine or
on a grading machine. For each submission it lays out a private course holding one assignment
and one student (:func:`dlbook.course.bundle.unpack`), checks the notebooks, runs nbgrader's
Autograde there (our :class:`~dlbook.course.execute.SandboxedExecute` runs the student's kernel in
the sandbox, as the sandbox uid this process reserved), and returns the record, the autograded
folder's files and nbgrader's log. It writes nothing the instructor keeps: the client process
alone writes the course's gradebook, ``autograded/`` and ``verdicts/``
(:mod:`dlbook.course.store`).
"""

from __future__ import annotations

import collections
import logging
import os
import shutil
import tempfile
import time
import traceback
from dataclasses import asdict
from pathlib import Path
from typing import Any, Dict, List, Optional

from traitlets.config import Config

from dlbook.course import sandbox
from dlbook.course.bundle import AssignmentBundle, SubmissionFiles, read_tree, unpack, JUNK
from dlbook.course.execute import GradingContext, SandboxedExecute, WarmKernel
from dlbook.course.records import needs_review, new_record
from dlbook.course.runtime import (build_runtime, cache_home, hidden_packages, installed_dlbook,
                                   package_locations)
from dlbook.course.validate import check_submission, originals_dir
from dlbook.course.verdict import load_verifier


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


def autograde_overrides(limits: sandbox.Limits) -> Config:
    """nbgrader configuration on top of the course's: our Execute, missing test cells restored."""
    from nbgrader.converters import Autograde
    from nbgrader.preprocessors import Execute

    traits = Autograde.class_traits()
    c = Config()
    c.Autograde.autograde_preprocessors = [SandboxedExecute if pp is Execute else pp
                                           for pp in traits["autograde_preprocessors"].default()]
    c.Autograde.create_student = True
    c.OverwriteCells.add_missing_cells = True
    c.Execute.timeout = int(limits.cell_timeout)
    c.Execute.interrupt_on_timeout = True
    c.Execute.raise_on_iopub_timeout = True
    c.Execute.execute_retries = 0
    return c


class Grader:
    """Grades submissions one at a time, in this process, each in a private course folder.

    ``options``: ``limits`` (a dict of :class:`~dlbook.course.sandbox.Limits`), ``unsafe``,
    ``scratch_base``, ``runtime`` (a student runtime built by the client on this machine; else
    this worker builds its own), ``dlbook`` (the package the client runs: must be ours too),
    ``secrets`` (paths of the instructor's course on this machine, never bound in a sandbox).
    """

    def __init__(self, options: Dict[str, Any], slot: int = 0):
        self.limits = sandbox.Limits(**options.get("limits", {}))
        self.unsafe = bool(options.get("unsafe"))
        self.status = None if self.unsafe else sandbox.sandbox_status()
        if self.status is not None and not self.status.ok:
            raise RuntimeError("Không dùng được hộp cát: " + self.status.message())
        expected = options.get("dlbook")
        if expected and str(installed_dlbook()) != expected:
            raise RuntimeError(f"tiến trình chấm nạp dlbook ở {installed_dlbook()}, không phải bản "
                               f"đã cài {expected}")
        self.uid: Optional[int] = None
        self._uid_lock: Optional[int] = None
        if not self.unsafe:
            self.uid, self._uid_lock = sandbox.acquire_uid(slot)
            sandbox.kill_uid_processes(self.uid)
        self.scratch_base = options.get("scratch_base")
        self.secrets: List[str] = list(options.get("secrets", []))
        self.home = Path(tempfile.mkdtemp(prefix="dlb-worker-", dir=self.scratch_base))
        self.runtime = (Path(options["runtime"]) if options.get("runtime")
                        else build_runtime(self.home / "runtime"))
        self.mpl_cache = matplotlib_cache()
        self.log = logging.getLogger(f"dlbook.course.worker.{os.getpid()}")
        self.log.propagate = False
        self.log.setLevel(logging.WARNING)
        self._verifiers: Dict[str, Any] = {}
        self._warm: Optional[WarmKernel] = None

    def close(self) -> None:
        self._discard_warm()
        shutil.rmtree(self.home, ignore_errors=True)
        if self._uid_lock is not None:
            os.close(self._uid_lock)
            self._uid_lock = None

    def canary(self) -> Optional[str]:
        """One sandboxed verification of a trivial task (see :func:`isolated.canary`)."""
        from dlbook.course.isolated import canary

        if self.unsafe:
            return None
        return canary(runtime=self.runtime, status=self.status, limits=self.limits,
                      secrets=self.secrets, uid=self.uid, scratch_base=self.scratch_base)

    def _verifier(self, bundle: AssignmentBundle, course) -> Any:
        if bundle.digest not in self._verifiers:
            self._verifiers[bundle.digest] = load_verifier(course.verify_path(bundle.assignment))
        return self._verifiers[bundle.digest]

    def grade(self, bundle: AssignmentBundle, submission: SubmissionFiles) -> Dict[str, Any]:
        """Grade one submission; always returns a result (record + autograded files)."""
        t0 = time.monotonic()
        warm, self._warm = self._warm, None
        if warm is not None and warm.key != bundle.digest:
            warm.discard()  # started for another assignment (another set of hidden packages)
            warm = None
        assignment, student = bundle.assignment, submission.student
        rec = new_record(assignment, student)
        rec["sandboxed"] = not self.unsafe
        rec["sandbox_uid"] = self.uid
        rec["worker"] = os.uname().nodename
        files: Dict[str, bytes] = {}
        repaired: Dict[str, Any] = {}
        folder = Path(tempfile.mkdtemp(prefix="dlb-course-", dir=self.scratch_base))
        try:
            course = unpack(bundle, submission, folder)
            try:
                flags, usable = check_submission(course, assignment, student)
            except Exception as exc:  # noqa: BLE001
                flags, usable = [], []
                rec["error"] = f"Không đọc được bài nộp: {type(exc).__name__}: {exc}"
            rec["flags"] = [f.as_dict() for f in flags]
            repaired = _repairs(course, assignment, submission)
            if not usable:
                rec["status"] = "not_graded"
                if not rec["error"]:
                    rec["error"] = "Không có notebook nào chấm được; cần chấm tay."
            else:
                self._autograde(rec, course, bundle, student, warm)
                warm = None  # the first notebook took it; nbgrader's run cleaned it up
                if rec["status"] == "graded":
                    files = read_tree(course.autograded_dir / student / assignment, JUNK)
        except BaseException as exc:  # noqa: BLE001 - a result for this student, always
            rec["status"] = "failed"
            rec["error"] = f"Lỗi của bộ chấm: {type(exc).__name__}: {exc}"
            rec["traceback"] = traceback.format_exc()[-4000:]
        finally:
            if warm is not None:
                warm.discard()
            shutil.rmtree(folder, ignore_errors=True)
        rec["needs_review"] = needs_review(rec)
        rec["duration_s"] = round(time.monotonic() - t0, 2)
        self._warm = self._start_warm(bundle)
        return {"record": rec, "autograded": files, **repaired}

    def _context(self, tasks, rules, secrets=(), exclude=(), **extra) -> GradingContext:
        """This worker's sandbox (uid, limits, runtime) for one assignment's tasks and rules."""
        return GradingContext(
            tasks=tasks, limits=self.limits, status=self.status, uid=self.uid,
            secrets=list(secrets) + self.secrets, exclude=list(exclude),
            scratch_base=self.scratch_base, mpl_cache=self.mpl_cache, rules=rules,
            runtime=self.runtime, hide=sandbox_hide(rules), **extra)

    def _start_warm(self, bundle: AssignmentBundle) -> Optional[WarmKernel]:
        """A kernel for the next submission of this assignment, booting while it comes."""
        if bundle.digest not in self._verifiers:
            return None
        _, rules = self._verifiers[bundle.digest]
        try:
            return WarmKernel(bundle.digest, self._context({}, rules))
        except Exception:  # noqa: BLE001 - the next submission starts its own kernel
            if self.uid is not None:
                sandbox.kill_uid_processes(self.uid)
            return None

    def _discard_warm(self) -> None:
        warm, self._warm = self._warm, None
        if warm is not None:
            warm.discard()

    def _autograde(self, rec, course, bundle: AssignmentBundle, student: str,
                   warm: Optional[WarmKernel] = None) -> None:
        from nbgrader.converters import Autograde

        tasks, rules = self._verifier(bundle, course)
        config = course.nbgrader_config(autograde_overrides(self.limits))
        ctx = self._context(tasks, rules, secrets=course.secret_paths(),
                            exclude=list(config.CourseDirectory.ignore), warm=warm,
                            deadline=time.monotonic() + self.limits.submission_timeout)
        config.SandboxedExecute.context = ctx
        capture = _Capture()
        self.log.addHandler(capture)
        try:
            cd = course.coursedir(config, assignment_id=bundle.assignment, student_id=student)
            app = Autograde(coursedir=cd, config=config, log=self.log)
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
            self.log.removeHandler(capture)
            unused = ctx.take_warm()  # nbgrader stopped before the first notebook ran
            if unused is not None:
                unused.discard()
            if self.uid is not None:
                sandbox.kill_uid_processes(self.uid)
        rec["notebooks"] = {name: asdict(run) for name, run in ctx.runs.items()}
        rec["log"] = list(capture.lines)


def _repairs(course, assignment: str, submission: SubmissionFiles) -> Dict[str, Any]:
    """Notebooks ``check_submission`` repaired, and the originals it kept (for the client)."""
    folder = course.submitted_dir / submission.student / assignment
    now = read_tree(folder, JUNK)
    originals = read_tree(originals_dir(course, assignment, submission.student), JUNK)
    return {"repaired": {k: v for k, v in now.items() if submission.files.get(k) != v},
            "originals": {k: v for k, v in originals.items()
                          if submission.originals.get(k) != v}}


def matplotlib_cache() -> Optional[str]:
    """matplotlib's font cache, built once per machine, copied into every sandbox (saves seconds
    per submission): ``$XDG_CACHE_HOME/dlbook/matplotlib-<version>``."""
    import subprocess
    import sys

    import matplotlib

    folder = cache_home() / f"matplotlib-{matplotlib.__version__}"
    if folder.is_dir() and any(folder.glob("fontlist-*.json")):
        return str(folder)
    folder.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ, MPLCONFIGDIR=str(folder), MPLBACKEND="Agg")
    try:
        subprocess.run([sys.executable, "-c", "import matplotlib.font_manager"], env=env,
                       capture_output=True, timeout=120, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return str(folder) if any(folder.glob("fontlist-*.json")) else None


def sandbox_hide(rules: Dict[str, Any]):
    """Packages that no task of the assignment may use: not even importable in the sandbox."""
    forbidden = None
    for rule in rules.values():
        names = set(rule.forbid_imports)
        forbidden = names if forbidden is None else forbidden & names
    return package_locations(hidden_packages(sorted(forbidden or ())))

