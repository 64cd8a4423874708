"""Trusted side of the verification: a fresh sandboxed process, inputs it made, outputs it read.

After a notebook ran in its kernel (nbgrader's test cells, the student's view), the grader
verifies every task in a **separate** sandboxed process (:mod:`dlbook.course.driver`) that never
shared anything with the kernel:

1. a new job folder (root-owned, mounted read-only at ``/job``) holds the locked set-up cells and
   the student's answer cells (nothing else of the notebook), the trusted driver code of each task
   (the ``probe.check`` call of the hidden test and the helpers it uses) and the inputs of fresh
   cases (:class:`dlbook.course.verdict.ProbeSession`, seed drawn now);
2. a fresh copy of the submission's data files is the home folder; the kernel's files are gone;
3. the driver answers over a pipe the grader opened (one JSON line per event); the grader compares
   with its own reference (:meth:`ProbeSession.judge`).

A cell that kills the process (``os._exit``, a segfault, memory) or hangs is skipped in the next
attempt; a task whose call crashes or runs past the cell time limit fails with the reason, and
the remaining tasks are verified in a new process. Nothing written by the kernel, and nothing the
verification process writes outside the pipe, is read.
"""

from __future__ import annotations

import ast
import base64
import json
import os
import select
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence, Tuple

from dlbook.course import sandbox
from dlbook.course.cells import grade_id, role
from dlbook.course.rules import Cell
from dlbook.course.verdict import MAX_ERR_BYTES, MAX_OUTPUT_BYTES, ProbeSession, TaskVerdict

JOB_MOUNT = "/job"
#: Everything a verification process may send back (bytes); more kills it.
MAX_CHANNEL_BYTES = 256 * 1024 * 1024
STARTUP_TIMEOUT = 120


def notebook_cells(nb) -> List[Cell]:
    """The code cells of a notebook (after nbgrader restored locked and test cells), by kind."""
    out = []
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        out.append(Cell(index, role(cell), str(cell.source), grade_id(cell)))
    return out


def _is_probe_check(node: ast.AST, task_id: str) -> bool:
    if not (isinstance(node, ast.Expr) and isinstance(node.value, ast.Call)):
        return False
    call = node.value
    func = call.func
    named = (isinstance(func, ast.Attribute) and func.attr == "check") or (
        isinstance(func, ast.Name) and func.id == "check")
    return (named and len(call.args) == 2 and isinstance(call.args[0], ast.Constant)
            and call.args[0].value == task_id)


def driver_code(test_source: str, task_id: str) -> Optional[str]:
    """Trusted driver of a task: the callable of ``probe.check("<task>", ...)`` in its test cell
    and the test cell's top-level helper functions it uses (transitively); None if absent."""
    try:
        tree = ast.parse(test_source)
    except SyntaxError:
        return None
    call = next((n for n in tree.body if _is_probe_check(n, task_id)), None)
    if call is None:
        return None
    helpers = {n.name: n for n in tree.body
               if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef)) and n.name != "_hidden"}
    needed: List[str] = []
    todo = [call.value.args[1]]
    while todo:
        node = todo.pop()
        for sub in ast.walk(node):
            if isinstance(sub, ast.Name) and sub.id in helpers and sub.id not in needed:
                needed.append(sub.id)
                todo.append(helpers[sub.id])
    parts = [ast.unparse(helpers[name]) for name in helpers if name in needed]
    parts.append("__dlbook_probe__ = " + ast.unparse(call.value.args[1]))
    return "\n\n".join(parts) + "\n"


class Verification:
    """One submission notebook's verification runs (see the module docstring)."""

    def __init__(self, ctx, scratch, src: Path, session: ProbeSession, cells: Sequence[Cell],
                 drivers: Dict[str, str], run):
        self.ctx, self.scratch, self.src, self.session = ctx, scratch, src, session
        self.cells = [c for c in cells if c.kind in ("setup", "answer")]
        #: where each task's test cell stands: the driver verifies it there, seeing only the
        #: cells above it, as the kernel's test cell does
        self.task_at = {c.grade_id: c.index for c in cells if c.kind == "test" and c.grade_id}
        self.drivers = drivers
        self.run = run
        self.results: Dict[str, Dict[int, Tuple[Optional[bytes], Optional[bytes]]]] = {}
        self.failures: Dict[str, str] = {}
        self.skip_cells: List[int] = []
        self.attempt = 0

    # ------------------------------------------------------------------ files

    def _job_dir(self) -> Path:
        job = self.scratch.root / "job"
        if job.exists():
            shutil.rmtree(job)
        job.mkdir()
        self.session.write_inputs(job)
        return job

    def _write_job(self, job: Path, todo: List[str]) -> None:
        data = {
            "cells": [{"index": c.index, "source": c.source, "kind": c.kind} for c in self.cells],
            "skip_cells": self.skip_cells,
            "tasks": [{"id": t, "driver": self.drivers[t], "cases": len(self.session.cases[t]),
                       "at": self.task_at.get(t)} for t in todo],
        }
        (job / "job.json").write_text(json.dumps(data), encoding="utf-8")
        os.chmod(job / "job.json", 0o444)
        os.chmod(job, 0o755)

    def _home(self) -> Path:
        """A fresh home folder with the submission's data files (the kernel's one is gone)."""
        home = self.scratch.root / f"vhome{self.attempt}"
        work = home / "work"
        (home / ".config" / "matplotlib").mkdir(parents=True)
        work.mkdir(parents=True)
        self.scratch.populate(self.src, work)
        if self.ctx.uid is not None:
            for dirpath, dirnames, filenames in os.walk(home):
                os.chown(dirpath, self.ctx.uid, self.ctx.uid)
                for name in filenames:
                    os.chown(os.path.join(dirpath, name), self.ctx.uid, self.ctx.uid,
                             follow_symlinks=False)
            os.chmod(home, 0o700)
        return home

    # ------------------------------------------------------------------ one process

    def _start(self, job: Path) -> subprocess.Popen:
        ctx = self.ctx
        self.attempt += 1
        home = self._home()
        rt = self.scratch.root / f"vrt{self.attempt}"
        rt.mkdir()
        if ctx.uid is not None:
            os.chown(rt, ctx.uid, ctx.uid)
        if ctx.status is not None:
            plan = sandbox.bwrap_plan(
                status=ctx.status, home_dir=home, runtime_dir=rt, uid=ctx.uid,
                limits=ctx.limits, secrets=ctx.secrets, runtime=ctx.runtime, hide=ctx.hide,
                ro_binds=[(str(job), JOB_MOUNT)],
                program=[sys.executable, "-I", "-m", "dlbook.course.driver", JOB_MOUNT])
            cwd = str(self.scratch.root)
        else:
            plan = sandbox.unsafe_plan(home_dir=home, limits=ctx.limits)
            plan.command = [sys.executable, "-I", "-m", "dlbook.course.driver", str(job)]
            cwd = str(home / "work")
        plan_path = self.scratch.root / f"vplan{self.attempt}.json"
        plan.write(plan_path)
        launch = Path(sandbox.__file__).resolve().parent / "launch.py"
        log = open(self.scratch.root / f"verify{self.attempt}.log", "ab")
        try:
            return subprocess.Popen([sys.executable, "-I", "-S", str(launch), str(plan_path), "--"],
                                    stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=log,
                                    cwd=cwd, start_new_session=True)
        finally:
            log.close()

    def _stop(self, proc: subprocess.Popen) -> None:
        if proc.poll() is None:
            proc.kill()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            pass
        try:
            proc.stdout.close()
        except OSError:
            pass
        if self.ctx.uid is not None:
            sandbox.kill_uid_processes(self.ctx.uid)

    def _attempt(self, job: Path, todo: List[str], deadline: float) -> Tuple[str, Any]:
        """Run one process; returns ``(how it ended, what it was doing)``."""
        self._write_job(job, todo)
        proc = self._start(job)
        fd = proc.stdout.fileno()
        buf, total = b"", 0
        step: Any = ("start", None)
        step_deadline = time.monotonic() + STARTUP_TIMEOUT
        cell_timeout = int(self.ctx.limits.cell_timeout)
        try:
            while True:
                now = time.monotonic()
                if now > min(step_deadline, deadline):
                    return "timeout", step
                ready, _, _ = select.select([fd], [], [], min(1.0, max(0.01, step_deadline - now)))
                if not ready:
                    continue
                chunk = os.read(fd, 1 << 20)
                if not chunk:
                    return "died", step
                total += len(chunk)
                if total > MAX_CHANNEL_BYTES:
                    return "flood", step
                buf += chunk
                while b"\n" in buf:
                    line, buf = buf.split(b"\n", 1)
                    try:
                        ev = json.loads(line)
                    except ValueError:
                        continue
                    kind = ev.get("ev") if isinstance(ev, dict) else None
                    if kind == "ready":
                        step, step_deadline = ("ready", None), time.monotonic() + cell_timeout
                    elif kind == "cell":
                        step = ("cell", ev.get("i"))
                        step_deadline = time.monotonic() + cell_timeout
                    elif kind == "task" and ev.get("t") in todo:
                        step = ("task", ev["t"])
                        step_deadline = time.monotonic() + cell_timeout
                    elif kind == "case" and step[0] == "task" and ev.get("t") == step[1]:
                        self._store(step[1], ev)
                    elif kind == "task_done" and step[0] == "task" and ev.get("t") == step[1]:
                        self.results.setdefault(step[1], {})
                        todo.remove(step[1])
                        step = ("between", None)
                    elif kind == "end":
                        return "end", step
        finally:
            self._stop(proc)

    def _store(self, task: str, ev: Dict[str, Any]) -> None:
        i = ev.get("i")
        if not isinstance(i, int) or not 0 <= i < len(self.session.cases[task]):
            return
        slot = self.results.setdefault(task, {})
        if i in slot:
            return  # the first answer counts
        if isinstance(ev.get("npz"), str):
            try:
                data = base64.b64decode(ev["npz"], validate=True)
            except ValueError:
                data = None
            slot[i] = (data if data is not None and len(data) <= MAX_OUTPUT_BYTES else None,
                       None if data is not None else "kết quả không đọc được".encode("utf-8"))
        else:
            slot[i] = (None, str(ev.get("err", "lỗi không rõ"))[:MAX_ERR_BYTES].encode("utf-8"))

    # ------------------------------------------------------------------ all of it

    def verify(self) -> Dict[str, TaskVerdict]:
        ctx, run = self.ctx, self.run
        job = self._job_dir()
        todo = [t for t in self.session.tasks if t in self.session.cases]
        for t in list(todo):
            if t not in self.drivers:
                self.failures[t] = ("lỗi của bộ kiểm tra: ô kiểm tra không có lời gọi "
                                    f"probe.check(\"{t}\", ...)")
                todo.remove(t)
        deadline = time.monotonic() + ctx.limits.submission_timeout
        attempts = ctx.limits.max_restarts + len(todo) + 1
        no_progress = 0
        while todo and attempts > 0:
            attempts -= 1
            before = (len(todo), len(self.skip_cells))
            how, step = self._attempt(job, todo, deadline)
            if how == "end":
                for t in todo:
                    self.failures[t] = "không có kết quả từ tiến trình kiểm tra"
                todo = []
                break
            why = {"died": "tiến trình kiểm tra dừng đột ngột (sys.exit/os._exit, lỗi phân "
                           "đoạn, hết bộ nhớ hoặc quá giới hạn CPU)",
                   "timeout": f"quá {int(ctx.limits.cell_timeout)} s",
                   "flood": "gửi về quá nhiều dữ liệu"}[how]
            if time.monotonic() > deadline:
                for t in todo:
                    self.failures[t] = ("hết thời gian kiểm tra độc lập của bài nộp "
                                        f"({ctx.limits.submission_timeout} s)")
                run.event("verify_timeout", -1, None, "hết thời gian kiểm tra độc lập")
                todo = []
                break
            if step[0] == "task":
                self.failures[step[1]] = f"khi gọi hàm trên dữ liệu kiểm tra: {why}"
                todo.remove(step[1])
                run.event("verify_task_broke", -1, step[1],
                          f"kiểm tra độc lập câu {step[1]}: {why}")
            elif step[0] == "cell" and isinstance(step[1], int):
                self.skip_cells.append(step[1])
                run.event("verify_cell_broke", step[1], None,
                          f"ô {step[1] + 1} làm tiến trình kiểm tra độc lập dừng ({why}); "
                          "kiểm tra lại không có ô này")
            if (len(todo), len(self.skip_cells)) == before:
                no_progress += 1
                if no_progress >= 2:
                    break
        for t in todo:
            self.failures[t] = "không chạy được tiến trình kiểm tra độc lập"
            run.event("verify_failed", -1, t, "không chạy được tiến trình kiểm tra độc lập")

        def read(task: str, i: int):
            return self.results.get(task, {}).get(i, (None, None))

        return self.session.judge(read, self.failures)


# --------------------------------------------------------------------------- the canary

CANARY_SETUP = ("import numpy as np\n"
                "from dlbook.course.checks import expect_close\n"
                "from dlbook.course import probe\n"
                "from dlbook.data import load_mnist_subset\n")
CANARY_ANSWER = ("try:\n"
                 "    import dlbook.scratch\n"
                 "    LEAK = 1\n"
                 "except ImportError:\n"
                 "    LEAK = 0\n"
                 "def double(x):\n"
                 "    # a NameError here if the set-up cell could not import the runtime\n"
                 "    assert callable(expect_close) and callable(probe.check)\n"
                 "    assert callable(load_mnist_subset)\n"
                 "    return np.asarray(x, dtype=float) * 2, LEAK\n")


class _CanaryScratch:
    def __init__(self, root: Path):
        self.root = root

    def populate(self, src: Path, dest: Path) -> None:
        pass


def canary(*, runtime: Path, status, limits, secrets: Sequence[str], uid: Optional[int],
           scratch_base: Optional[str] = None) -> Optional[str]:
    """Run one tiny verification in the sandbox; returns why it failed (Vietnamese) or None.

    It must import the student runtime (``dlbook.course.checks``, ``probe``, ``dlbook.data``),
    return the right result for a fresh input, and *not* find ``dlbook.scratch``.
    """
    import tempfile
    from types import SimpleNamespace

    import numpy as np

    from dlbook.course.execute import NotebookRun
    from dlbook.course.verify_api import Task

    task = Task(lambda rng: [{"x": rng.normal(size=4)}], lambda x: (np.asarray(x) * 2, 0))
    session = ProbeSession({"canary": task}, ["canary"])
    root = Path(tempfile.mkdtemp(prefix="dlb-canary-", dir=scratch_base))
    try:
        if uid is not None:
            os.chmod(root, 0o755)
        ctx = SimpleNamespace(limits=limits, status=status, uid=uid, secrets=list(secrets),
                              runtime=runtime, hide=[])
        run = NotebookRun("canary")
        cells = [Cell(0, "setup", CANARY_SETUP), Cell(1, "answer", CANARY_ANSWER)]
        check = Verification(ctx, _CanaryScratch(root), root, session, cells,
                             {"canary": "__dlbook_probe__ = lambda **kw: double(**kw)\n"}, run)
        verdict = check.verify()["canary"]
        if verdict.verified:
            return None
        logs = sorted(root.glob("verify*.log"))
        tail = logs[-1].read_text(encoding="utf-8", errors="replace")[-600:] if logs else ""
        return (verdict.reason + (f" (nhật ký: {tail.strip()})" if tail.strip() else ""))
    finally:
        if uid is not None:
            sandbox.kill_uid_processes(uid)
        shutil.rmtree(root, ignore_errors=True)
