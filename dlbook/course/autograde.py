"""``dlbook course autograde``: every submission of an assignment, in parallel, sandboxed.

The client (this process) checks the machine (sandbox), the assignment (in the gradebook,
verifier loads) and the submissions, packs the assignment once and each submission as bytes
(:mod:`dlbook.course.bundle`) and hands them to Dask workers (:mod:`dlbook.course.cluster`): a
``LocalCluster`` by default, or the workers of ``--scheduler``. As results arrive it alone writes
the gradebook, ``autograded/`` and ``verdicts/`` (:mod:`dlbook.course.store`).

* A worker that dies (killed, out of memory) loses nothing: Dask retries its submission on another
  worker (``cluster.ALLOWED_FAILURES`` times), then the student gets a record that says so.
* A submission that runs past the hard limit gets a record that says so; its worker is restarted.
* A rerun grades only what changed: a submission whose files, assignment and limits are those of
  its last completed grading keeps its record, unless ``force``.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import tempfile
import time
from dataclasses import asdict, dataclass, field
from typing import Any, Dict, List, Optional, Sequence

from dlbook.course import sandbox
from dlbook.course.course import STUDENT_ID, Course, CourseError
from dlbook.course.records import load_records, new_record, save_record
from dlbook.course.runtime import build_runtime, installed_dlbook
from dlbook.course.verdict import load_tasks


@dataclass
class AutogradeOptions:
    jobs: Optional[int] = None
    unsafe: bool = False
    limits: sandbox.Limits = field(default_factory=sandbox.Limits)
    progress: bool = True
    scratch_base: Optional[str] = None
    scheduler: Optional[str] = None  #: tcp://HOST:8786 of a Dask cluster (else a LocalCluster)
    force: bool = False  #: grade again what was already graded from the same files


def default_jobs() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


def _failure(course: Course, assignment: str, student: str, message: str) -> Dict[str, Any]:
    rec = new_record(assignment, student)
    rec["error"] = message
    save_record(course, rec)
    return rec


def _canary_failed(why: str) -> CourseError:
    return CourseError(
        "Dừng chấm: hộp cát không nạp được môi trường của sinh viên (dlbook.course.checks, "
        "probe, dữ liệu) hoặc không trả về kết quả kiểm tra, nên mọi bài sẽ bị 0 điểm oan. "
        f"Lý do: {why}. Xem docs/grading-sandbox.md (mục 2).")


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
        raise _canary_failed(why)


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
    elif not options.scheduler:  # with a cluster, each worker checks its own machine
        status = sandbox.sandbox_status()
        if not status.ok:
            raise CourseError(
                "Không thể chấm bài của sinh viên an toàn trên máy này: " + status.message()
                + ". Xem docs/grading-sandbox.md; nếu bài nộp đáng tin, thêm --unsafe.")
    return warnings


def input_digest(bundle_digest: str, submission_digest: str, options: AutogradeOptions) -> str:
    """What a grading depends on: the assignment, the submission's files, the limits."""
    key = json.dumps([bundle_digest, submission_digest, asdict(options.limits), options.unsafe])
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


#: Statuses of a grading that completed (a rerun keeps them when nothing changed).
COMPLETED = ("graded", "not_graded")


def autograde(course: Course, assignment: str, students: Optional[Sequence[str]] = None,
              options: Optional[AutogradeOptions] = None, log=print) -> List[Dict[str, Any]]:
    """Grade the submissions of ``assignment``; returns one record per student."""
    from dlbook.course.cluster import scheduler_address

    options = options or AutogradeOptions()
    options.scheduler = scheduler_address(options.scheduler)
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
    runtime = None
    if not options.scheduler:
        runtime = build_runtime(tempfile.mkdtemp(prefix="dlb-runtime-", dir=options.scratch_base))
    try:
        if runtime is not None and not options.unsafe:
            run_canary(course, options, runtime)
        _grade_all(course, assignment, valid, records, options, jobs, runtime, log)
        return [records[s] for s in todo if s in records]
    finally:
        if runtime is not None:
            shutil.rmtree(runtime, ignore_errors=True)


def _worker_options(course: Course, options: AutogradeOptions, runtime) -> Dict[str, Any]:
    out: Dict[str, Any] = {"limits": asdict(options.limits), "unsafe": options.unsafe,
                           "scratch_base": options.scratch_base}
    if runtime is not None:  # workers on this machine: the runtime the canary checked, and the
        out["runtime"] = str(runtime)  # course's folders are never bound into a sandbox
        out["dlbook"] = str(installed_dlbook())
        out["secrets"] = course.secret_paths() + [str(course.root / "nbgrader_config.py")]
    return out


def _grade_all(course, assignment, valid, records, options, jobs, runtime, log) -> None:
    from distributed.scheduler import KilledWorker
    from tqdm.auto import tqdm

    from dlbook.course.bundle import pack_assignment, pack_submission
    from dlbook.course.cluster import (bundle_on_workers, canary_task, dashboard, grade_task,
                                       grading_client)
    from dlbook.course.store import ResultStore

    bundle = pack_assignment(course, assignment, options.scratch_base)
    store = ResultStore(course, assignment)
    previous = {} if options.force else load_records(course, assignment)
    queue = []  # (student, submission, digest) still to grade
    bar = tqdm(total=len(records) + len(valid), desc=f"Chấm {assignment}", unit="bài",
               disable=not options.progress)
    bar.update(len(records))
    for student in valid:
        submission = pack_submission(course, assignment, student)
        digest = input_digest(bundle.digest, submission.digest, options)
        old = previous.get(student)
        if old and old.get("input_digest") == digest and old.get("status") in COMPLETED:
            records[student] = old
            bar.update(1)
        else:
            queue.append((student, submission, digest))
    if not queue:
        bar.close()
        return
    # the notebook run and the separate verification run each have submission_timeout
    hard_limit = 2 * options.limits.submission_timeout + 180
    n_workers = min(jobs, len(queue))
    try:
        with contextlib.ExitStack() as stack:
            client = stack.enter_context(grading_client(
                n_workers, options.scheduler, _worker_options(course, options, runtime),
                options.scratch_base))
            link = dashboard(client) if options.scheduler else None
            if link:
                log(f"Bảng điều khiển Dask: {link}")
            if options.scheduler and not options.unsafe:
                checks = {address: client.submit(canary_task, workers=[address], pure=False,
                                                 allow_other_workers=False)
                          for address in client.scheduler_info()["workers"]}
                for address, future in checks.items():
                    why = future.result()
                    if why:
                        raise _canary_failed(f"{address}: {why}")
            shared = stack.enter_context(bundle_on_workers(client, bundle))
            running: Dict[Any, tuple] = {}
            seen_running: Dict[str, float] = {}

            def submit_next() -> None:
                # one submission per worker thread at a time: a submission rarely waits on a
                # worker behind another one, so it rarely shares that worker's death (a killed
                # worker counts against every task it holds, in Dask's allowed-failures)
                window = max(1, sum(w.get("nthreads", 1) for w in
                                    client.scheduler_info().get("workers", {}).values()))
                while queue and len(running) < window:
                    student, submission, digest = queue.pop(0)
                    future = client.submit(grade_task, shared, submission, pure=False,
                                           key=f"dlbook-grade-{assignment}-{student}-"
                                               f"{os.urandom(4).hex()}")
                    running[future] = (student, digest)

            submit_next()
            while running:
                done = _finished(running, timeout=2.0)
                finished = [(future, running.pop(future)) for future in done]
                submit_next()  # the freed workers start on the next ones while we store these
                for future, (student, digest) in finished:
                    seen_running.pop(future.key, None)
                    try:
                        result = future.result()
                    except KilledWorker:
                        result = _lost(assignment, student,
                                       "tiến trình chấm dừng bất thường mỗi lần chấm bài này "
                                       "(đã thử lại trên tiến trình khác)")
                    except Exception as exc:  # noqa: BLE001 - this student only
                        result = _lost(assignment, student,
                                       f"lỗi của bộ chấm ({type(exc).__name__}: {exc})")
                    records[student] = store.store(result, input_digest=digest)
                    bar.update(1)
                _watch_hard_limit(client, running, seen_running, hard_limit, store, records, bar)
                submit_next()
    finally:
        bar.close()


def _finished(futures, timeout: float) -> List[Any]:
    """The futures that finished (result, error or cancelled) within ``timeout`` seconds.

    Polled rather than ``distributed.wait``, which waits through the process's *default* client:
    another ``autograde`` in this process (a thread) would make it the wrong one."""
    deadline = time.monotonic() + timeout
    while True:
        done = [f for f in futures if f.done()]
        if done or time.monotonic() >= deadline:
            return done
        time.sleep(0.02)


def _lost(assignment: str, student: str, why: str) -> Dict[str, Any]:
    rec = new_record(assignment, student)
    rec["error"] = f"Không chấm xong: {why}; cần chấm lại hoặc chấm tay."
    return {"record": rec, "autograded": {}}


def _watch_hard_limit(client, running, seen_running, hard_limit, store, records, bar) -> None:
    """A submission processing for longer than ``hard_limit``: its worker is restarted."""
    now = time.monotonic()
    processing = client.processing()
    where = {key: worker for worker, keys in processing.items() for key in keys}
    for future, (student, digest) in list(running.items()):
        worker = where.get(future.key)
        if worker is None:
            continue
        started = seen_running.setdefault(future.key, now)
        if now - started <= hard_limit:
            continue
        running.pop(future)
        seen_running.pop(future.key, None)
        future.cancel()
        try:
            client.restart_workers([worker])
        except Exception:  # noqa: BLE001 - the worker may be gone already
            pass
        result = _lost(store.assignment, student,
                       "quá thời gian tối đa cho một bài nộp")
        records[student] = store.store(result, input_digest=digest)
        bar.update(1)
