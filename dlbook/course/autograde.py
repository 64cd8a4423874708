"""``dlbook course autograde``: every submission of an assignment, in parallel, sandboxed.

The parent process checks the machine (sandbox), the assignment (in the gradebook, verifier
loads) and the submissions, then hands one student at a time to a pool of worker processes
(:mod:`dlbook.course.worker`) and shows a progress bar. A worker that runs past the hard limit of
one submission is killed (its sandboxes die with it) and replaced; that student gets a record that
says so, the others go on.
"""

from __future__ import annotations

import json
import os
import select
import shutil
import subprocess
import tempfile
import sys
import time
from dataclasses import asdict, dataclass, field
from typing import Any, Dict, List, Optional, Sequence

from dlbook.course import sandbox
from dlbook.course.course import STUDENT_ID, Course, CourseError
from dlbook.course.records import new_record, save_record
from dlbook.course.runtime import build_runtime, installed_dlbook
from dlbook.course.verdict import load_tasks


@dataclass
class AutogradeOptions:
    jobs: Optional[int] = None
    unsafe: bool = False
    limits: sandbox.Limits = field(default_factory=sandbox.Limits)
    progress: bool = True
    scratch_base: Optional[str] = None


def default_jobs() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


def matplotlib_cache(course: Course) -> Optional[str]:
    """A font cache for matplotlib, built once, copied into every sandbox (saves seconds each)."""
    folder = course.verdicts_dir / ".cache" / "matplotlib"
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


class _Worker:
    """A ``python -m dlbook.course.worker`` process and its JSON-lines pipe."""

    def __init__(self, course_root: str, options: Dict[str, Any], slot: int, log_path):
        self.slot = slot
        self.log = open(log_path, "ab")
        # -P: the current folder is not put on sys.path, and no PYTHONPATH: a dlbook/ folder in
        # the course root, a student's upload or a folder on the instructor's PYTHONPATH cannot
        # replace the installed package
        env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
        self.proc = subprocess.Popen(
            [sys.executable, "-P", "-m", "dlbook.course.worker", course_root, json.dumps(options),
             str(slot)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self.log,
            start_new_session=True, cwd=course_root, env=env,
        )
        os.set_blocking(self.proc.stdout.fileno(), False)
        self.buffer = b""
        self.job: Optional[str] = None
        self.started = 0.0
        self.ready = False
        self.uid: Optional[int] = None

    def fileno(self) -> int:
        return self.proc.stdout.fileno()

    def send(self, job) -> None:
        self.proc.stdin.write((json.dumps(job) + "\n").encode("utf-8"))
        self.proc.stdin.flush()

    def messages(self) -> List[Any]:
        """Complete messages read so far, then ``("dead", None)`` at end of file."""
        out: List[Any] = []
        try:
            chunk = os.read(self.fileno(), 1 << 20)
        except BlockingIOError:
            chunk = None
        except OSError:
            chunk = b""
        if chunk:
            self.buffer += chunk
        while b"\n" in self.buffer:
            line, self.buffer = self.buffer.split(b"\n", 1)
            if line.strip():
                out.append(tuple(json.loads(line)))
        if chunk == b"":
            out.append(("dead", None))
        return out

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            pass
        for stream in (self.proc.stdin, self.proc.stdout, self.log):
            try:
                stream.close()
            except OSError:
                pass

    def stop(self) -> None:
        try:
            self.send(None)
            self.proc.stdin.close()
        except (OSError, ValueError):
            pass


def _failure(course: Course, assignment: str, student: str, message: str) -> Dict[str, Any]:
    rec = new_record(assignment, student)
    rec["error"] = message
    save_record(course, rec)
    return rec


def run_canary(course: Course, options: AutogradeOptions, runtime) -> None:
    """One sandboxed verification of a trivial task before grading anyone (raises CourseError)."""
    from dlbook.course.isolated import canary

    status = sandbox.sandbox_status()
    uid, fd = sandbox.acquire_uid(UID_CANARY_HINT)
    try:
        why = canary(runtime=runtime, status=status, limits=options.limits,
                     secrets=course.secret_paths(), uid=uid, scratch_base=options.scratch_base)
    finally:
        os.close(fd)
    if why:
        raise CourseError(
            "Dừng chấm: hộp cát không nạp được môi trường của sinh viên (dlbook.course.checks, "
            "probe, dữ liệu) hoặc không trả về kết quả kiểm tra, nên mọi bài sẽ bị 0 điểm oan. "
            f"Lý do: {why}. Xem docs/grading-sandbox.md (mục 2).")


UID_CANARY_HINT = 511


def check_ready(course: Course, assignment: str, options: AutogradeOptions) -> List[str]:
    """Everything that must hold before grading; returns warnings, raises CourseError."""
    warnings = []
    course.check_assignment(assignment)
    if not course.assignment_in_gradebook(assignment):
        raise CourseError(f"Bài '{assignment}' chưa có trong sổ điểm (gradebook); hãy chạy "
                          f"`dlbook course generate {assignment}` trước.")
    for nb in course.notebooks(assignment):
        if not (course.release_dir / assignment / f"{nb}.ipynb").is_file():
            raise CourseError(f"Thiếu {course.release_dir.name}/{assignment}/{nb}.ipynb; hãy chạy "
                              f"`dlbook course generate {assignment}`.")
    tasks = load_tasks(course.verify_path(assignment))
    if not tasks:
        warnings.append(f"Bài '{assignment}' không có verify.py: điểm chỉ dựa vào ô kiểm tra của "
                        "nbgrader, mã của sinh viên có thể làm giả.")
    if options.unsafe:
        warnings.append("--unsafe: mã của sinh viên chạy KHÔNG có hộp cát (đọc được đáp án, sổ điểm, "
                        "có mạng). Chỉ dùng cho bài nộp tin cậy.")
    else:
        status = sandbox.sandbox_status()
        if not status.ok:
            raise CourseError(
                "Không thể chấm bài của sinh viên an toàn trên máy này: " + status.message()
                + ". Xem docs/grading-sandbox.md; nếu bài nộp đáng tin, thêm --unsafe.")
    return warnings


def autograde(course: Course, assignment: str, students: Optional[Sequence[str]] = None,
              options: Optional[AutogradeOptions] = None, log=print) -> List[Dict[str, Any]]:
    """Grade the submissions of ``assignment``; returns one record per student."""
    from tqdm.auto import tqdm

    options = options or AutogradeOptions()
    jobs = options.jobs or default_jobs()
    for warning in check_ready(course, assignment, options):
        log("Cảnh báo: " + warning)
    submitted = course.submitted_students(assignment)
    if students:
        missing = [s for s in students if s not in submitted]
        if missing:
            raise CourseError(f"Không có bài nộp '{assignment}' của: {', '.join(missing)}.")
        todo = list(students)
    else:
        todo = submitted
    if not todo:
        raise CourseError(f"Chưa có bài nộp nào của '{assignment}' trong "
                          f"{course.submitted_dir}; hãy chạy `dlbook course collect` trước.")
    records: Dict[str, Dict[str, Any]] = {}
    valid = []
    for student in todo:
        if STUDENT_ID.match(student):
            valid.append(student)
        else:
            records[student] = _failure(course, assignment, student,
                                        f"Mã sinh viên '{student}' không hợp lệ (chỉ dùng chữ, số, "
                                        "'.', '_', '-', '@'); hãy đổi tên thư mục bài nộp.")
    runtime = build_runtime(tempfile.mkdtemp(prefix="dlb-runtime-", dir=options.scratch_base))
    try:
        if not options.unsafe:
            run_canary(course, options, runtime)
        return _grade_all(course, assignment, todo, valid, records, options, jobs, runtime)
    finally:
        shutil.rmtree(runtime, ignore_errors=True)


def _grade_all(course, assignment, todo, valid, records, options, jobs, runtime):
    from tqdm.auto import tqdm

    worker_options = {
        "limits": asdict(options.limits), "unsafe": options.unsafe,
        "mpl_cache": matplotlib_cache(course), "scratch_base": options.scratch_base,
        "runtime": str(runtime), "dlbook": str(installed_dlbook()),
    }
    # the notebook run and the separate verification run each have submission_timeout
    hard_limit = 2 * options.limits.submission_timeout + 180
    pending = list(valid)
    log_dir = course.verdicts_dir / ".logs"
    log_dir.mkdir(parents=True, exist_ok=True)

    def spawn(slot: int) -> _Worker:
        return _Worker(str(course.root), worker_options, slot, log_dir / f"worker-{slot}.log")

    workers = [spawn(slot) for slot in range(min(jobs, max(1, len(pending))))]
    bar = tqdm(total=len(todo), desc=f"Chấm {assignment}", unit="bài",
               disable=not options.progress)
    bar.update(len(records))
    deaths = 0
    try:
        while pending or any(w.job for w in workers):
            if not workers:
                workers.append(spawn(0))
            for w in workers:
                if w.ready and w.job is None and pending:
                    w.job = pending.pop(0)
                    w.started = time.monotonic()
                    try:
                        w.send([assignment, w.job])
                    except OSError:
                        pass  # seen as dead below
            select.select(workers, [], [], 1.0)
            for w in list(workers):
                messages = w.messages()
                if not messages and w.job and time.monotonic() - w.started > hard_limit:
                    messages = [("timeout", None)]
                for kind, payload in messages:
                    if kind == "ready":
                        w.ready = True
                        w.uid = payload
                    elif kind == "init_error":
                        raise CourseError(f"Không khởi động được tiến trình chấm: {payload}")
                    elif kind == "done":
                        records[payload["student"]] = payload
                        w.job = None
                        deaths = 0
                        bar.update(1)
                    else:  # the worker died or ran past the hard limit: replace it
                        deaths += 1
                        student = w.job
                        w.kill()
                        workers.remove(w)
                        if w.uid is not None:
                            sandbox.kill_uid_processes(w.uid)
                        if student is not None:
                            why = ("quá thời gian tối đa cho một bài nộp" if kind == "timeout"
                                   else "tiến trình chấm dừng bất thường")
                            records[student] = _failure(
                                course, assignment, student,
                                f"Không chấm xong: {why}; cần chấm lại hoặc chấm tay.")
                            bar.update(1)
                        if deaths > 3 * jobs + 3:
                            raise CourseError("Các tiến trình chấm liên tục dừng bất thường; "
                                              "dừng chấm (xem verdicts/.logs/).")
                        if pending:
                            workers.append(spawn(w.slot))
                        break
    finally:
        bar.close()
        for w in workers:
            w.stop()
        deadline = time.monotonic() + 15
        for w in workers:
            try:
                w.proc.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                pass
            w.kill()
    return [records[s] for s in todo if s in records]
