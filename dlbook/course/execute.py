"""nbgrader's ``Execute`` step, re-done for untrusted notebooks.

:class:`SandboxedExecute` replaces ``nbgrader.preprocessors.Execute`` in ``Autograde``'s pipeline
(``Autograde.autograde_preprocessors``); everything else (sanitising, restoring the test cells,
scoring, the gradebook) stays nbgrader's own. For one notebook it:

1. copies the submission's non-notebook files (never ``*.ipynb``, never ``verify.py``) into a
   fresh scratch folder and writes the probe inputs there (:mod:`dlbook.course.verdict`);
2. starts the kernel in the sandbox (:mod:`dlbook.course.sandbox`) with that folder as home;
3. runs the cells one by one with a per-cell time limit and a deadline for the whole submission;
   when the kernel dies (``sys.exit``, ``os._exit``, segfault, memory) or hangs (ignores the
   interrupt), it records why, starts a new kernel, replays the earlier non-test cells quietly and
   goes on with the next cell: only the tasks that depended on the broken cell lose points;
4. caps the outputs it keeps (per cell and per notebook), kills stray processes after each cell;
5. reads the probe outputs and writes the trusted verdicts into the test cells: a task whose
   verification failed gets an error output *first*, so nbgrader's ``SaveAutoGrades`` scores it 0.
   ``execute_result`` outputs of test cells (nbgrader's partial credit, which student code can
   forge with ``sys.displayhook``) become plain ``display_data``.
"""

from __future__ import annotations

import contextlib
import copy
import fnmatch
import os
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Optional

from jupyter_client.kernelspec import KernelSpec
from nbclient.exceptions import CellTimeoutError, DeadKernelError
from nbclient.client import NotebookClient
from nbformat.notebooknode import NotebookNode
from nbgrader.preprocessors import Execute
from traitlets import Any as AnyTrait

from dlbook.course import rules as rules_mod
from dlbook.course import sandbox
from dlbook.course.cells import is_test_cell, nbgrader_meta
from dlbook.course.isolated import Verification, driver_code, notebook_cells
from dlbook.course.verdict import PROBE_DIR, ProbeSession, TaskVerdict

#: ename of the error output that carries a violation of the assignment's rules.
RULES_ENAME = "RuleViolation"

#: ename of the error output that carries a failed trusted verification.
VERIFICATION_ENAME = "VerificationFailed"
MAX_COPY_BYTES = 200 * 1024 * 1024


def error_output(ename: str, evalue: str) -> NotebookNode:
    return NotebookNode(
        output_type="error", ename=ename, evalue=evalue,
        traceback=[f"\x1b[0;31m{ename}\x1b[0m: {evalue}"],
    )


def first_error(cell: NotebookNode) -> Optional[str]:
    """'Name: message' of the first error of a cell (or a note about stderr), for the report."""
    for out in cell.get("outputs", []):
        if out.get("output_type") == "error":
            value = str(out.get("evalue", "")).strip().splitlines()
            return (f"{out.get('ename', 'Error')}: {value[0] if value else ''}").strip()[:200]
        if out.get("output_type") == "stream" and out.get("name") == "stderr":
            lines = [ln for ln in str(out.get("text", "")).strip().splitlines() if ln.strip()]
            return ("stderr: " + (lines[-1] if lines else "")).strip()[:200]
    return None


@dataclass
class NotebookRun:
    """What happened while one notebook ran (saved in the grading record)."""

    notebook: str
    seed: Optional[str] = None
    events: List[Dict[str, Any]] = field(default_factory=list)
    tasks: Dict[str, Dict[str, Any]] = field(default_factory=dict)
    restarts: int = 0
    sandboxed: bool = True
    warm_start: bool = False  #: its first kernel was started before the submission arrived

    def event(self, kind: str, cell: int, grade_id: Optional[str], detail: str) -> None:
        self.events.append({"kind": kind, "cell": cell, "grade_id": grade_id, "detail": detail})


@dataclass
class GradingContext:
    """Set by the grading worker before it runs nbgrader's Autograde for one submission."""

    tasks: Dict[str, Any]
    limits: sandbox.Limits
    status: Optional[sandbox.SandboxStatus]  #: None: --unsafe, no sandbox
    uid: Optional[int]
    secrets: List[str]
    exclude: List[str]
    deadline: float = 0.0
    scratch_base: Optional[str] = None
    mpl_cache: Optional[str] = None
    rules: Dict[str, Any] = field(default_factory=dict)  #: the rules of verify.py's tasks
    runtime: Optional[Path] = None  #: the student runtime (dlbook.course.runtime)
    hide: List[Any] = field(default_factory=list)  #: packages hidden from the sandbox
    runs: Dict[str, NotebookRun] = field(default_factory=dict)
    warm: Any = None  #: a WarmKernel started for this submission before it arrived, or None

    def take_warm(self) -> Any:
        """The warm kernel, once (the first notebook of the submission gets it)."""
        warm, self.warm = self.warm, None
        return warm

    def remaining(self) -> float:
        return self.deadline - time.monotonic()

    def __deepcopy__(self, memo):
        """A handle, not a value: traitlets deep-copies configuration values into the
        preprocessor, and the worker reads ``runs`` back from this very object."""
        return self




class Scratch:
    """The private folder of one notebook run: ``home/`` (the student's) and ``rt/`` (sockets)."""

    def __init__(self, ctx: GradingContext):
        self.ctx = ctx
        self.root = Path(tempfile.mkdtemp(prefix="dlb-", dir=ctx.scratch_base))
        self.home = self.root / "home"
        self.work = self.home / "work"
        self.rt = self.root / "rt"
        for d in (self.home, self.work, self.rt, self.home / ".config" / "matplotlib"):
            d.mkdir(parents=True, exist_ok=True)
        if ctx.mpl_cache and os.path.isdir(ctx.mpl_cache):
            for entry in os.scandir(ctx.mpl_cache):
                if entry.is_file(follow_symlinks=False) and entry.name.endswith(".json"):
                    shutil.copyfile(entry.path, self.home / ".config" / "matplotlib" / entry.name)
        self.starts = 0

    def own(self) -> None:
        """Hand ``home`` and ``rt`` to the sandbox uid (after the files are in place)."""
        uid = self.ctx.uid
        if uid is None:
            return
        for top in (self.home, self.rt):
            for dirpath, dirnames, filenames in os.walk(top):
                if PROBE_DIR in Path(dirpath).parts and "in" in Path(dirpath).parts:
                    continue
                os.chown(dirpath, uid, uid)
                for name in filenames:
                    os.chown(os.path.join(dirpath, name), uid, uid, follow_symlinks=False)
            os.chmod(top, 0o700)

    def populate(self, src: Path, dest: Optional[Path] = None) -> None:
        """Copy the regular, non-notebook files of ``src`` (never the excluded ones)."""
        dest_root = self.work if dest is None else dest
        total = 0
        for dirpath, dirnames, filenames in os.walk(src, followlinks=False):
            rel = Path(dirpath).relative_to(src)
            dirnames[:] = [d for d in dirnames if not self._excluded(d) and d != PROBE_DIR
                           and not os.path.islink(os.path.join(dirpath, d))]
            for name in filenames:
                if name.endswith(".ipynb") or self._excluded(name):
                    continue
                path = os.path.join(dirpath, name)
                info = os.lstat(path)
                if not os.path.isfile(path) or os.path.islink(path):
                    continue
                total += info.st_size
                if total > MAX_COPY_BYTES:
                    return
                target = dest_root / rel / name
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(path, target)

    def _excluded(self, name: str) -> bool:
        return any(fnmatch.fnmatch(name, pat) for pat in self.ctx.exclude)

    def cleanup(self) -> None:
        if self.ctx.uid is not None:
            sandbox.kill_uid_processes(self.ctx.uid)
        shutil.rmtree(self.root, ignore_errors=True)


#: What nbclient adds for an IPython kernel: no history database in the student's home.
KERNEL_ARGUMENTS = ["--HistoryManager.hist_file=:memory:"]


def kernel_manager(scratch: Scratch, ctx: GradingContext, config=None):
    """The manager of the scratch's next kernel: its sandbox plan written, not started yet."""
    from jupyter_client.manager import AsyncKernelManager

    scratch.starts += 1
    n = scratch.starts
    plan_path = scratch.root / f"plan{n}.json"
    if ctx.status is not None:
        plan = sandbox.bwrap_plan(
            status=ctx.status, home_dir=scratch.home, runtime_dir=scratch.rt, uid=ctx.uid,
            limits=ctx.limits, secrets=ctx.secrets, runtime=ctx.runtime, hide=ctx.hide,
        )
    else:
        plan = sandbox.unsafe_plan(home_dir=scratch.home, limits=ctx.limits)
    plan.write(plan_path)
    km = AsyncKernelManager(kernel_name="python3", config=config)
    km._kernel_spec = KernelSpec(
        argv=sandbox.launcher_argv(plan_path), display_name="Python 3 (hộp cát)",
        language="python", interrupt_mode="message", env={}, metadata={},
    )
    km.transport = "ipc"
    km.connection_file = str(scratch.rt / f"kernel{n}.json")
    km.ip = str(scratch.rt / f"k{n}")
    return km


def launch_kernel(km, scratch: Scratch) -> None:
    """Start the kernel process (returns at once; the client waits for it to be ready). Its own
    stdout/stderr (not the notebook's outputs) go to a file of the scratch."""
    from jupyter_core.utils import run_sync

    with open(scratch.root / f"kernel{scratch.starts}.log", "ab") as log:
        run_sync(km.start_kernel)(extra_arguments=list(KERNEL_ARGUMENTS), cwd=str(scratch.work),
                                  stdin=subprocess.DEVNULL, stdout=log, stderr=log)


class WarmKernel:
    """A sandboxed kernel started before the submission it is for has arrived.

    The grading worker starts one when it has finished a submission, for the next submission of
    the same assignment (``key``: the bundle's digest, since the packages an assignment hides
    are part of the sandbox). It boots (~0.6 s) while the result goes back and the next task
    comes; it has run no code and sees an empty ``work/`` until :meth:`adopt` copies that
    submission's files in. A warm kernel that was not used is killed with its scratch."""

    def __init__(self, key: str, ctx: GradingContext):
        self.key = key
        self.scratch = Scratch(ctx)
        self.scratch.own()
        self.km = kernel_manager(self.scratch, ctx)
        launch_kernel(self.km, self.scratch)

    def alive(self) -> bool:
        from jupyter_core.utils import run_sync

        try:
            return bool(run_sync(self.km.is_alive)())
        except Exception:  # noqa: BLE001
            return False

    def adopt(self, ctx: GradingContext) -> Scratch:
        """The scratch, now the submission's (its files are copied in by the caller)."""
        self.scratch.ctx = ctx
        return self.scratch

    def discard(self) -> None:
        from jupyter_core.utils import run_sync

        with contextlib.suppress(Exception):
            run_sync(self.km.shutdown_kernel)(now=True)
        with contextlib.suppress(Exception):
            run_sync(self.km.cleanup_resources)()
        self.scratch.cleanup()


class SandboxedExecute(Execute):
    """nbgrader's Execute, with the kernel in the sandbox and crash-tolerant execution."""

    context = AnyTrait(None, allow_none=True,
                       help="The GradingContext of the submission being graded (the grading "
                            "worker sets it in nbgrader's configuration).").tag(config=True)

    def preprocess(self, nb, resources, retries=None):  # noqa: D401 - nbgrader's signature
        ctx = self.context
        if ctx is None:
            raise RuntimeError(
                "SandboxedExecute chỉ chạy được qua `dlbook course autograde` (thiếu ngữ cảnh chấm)."
            )
        notebook_id = resources["nbgrader"]["notebook"]
        src = Path(resources["metadata"]["path"])
        run = NotebookRun(notebook_id, sandboxed=ctx.status is not None)
        test_ids = [nbgrader_meta(c).get("grade_id") for c in nb.cells if is_test_cell(c)]
        session = ProbeSession(ctx.tasks, [t for t in test_ids if t])
        run.seed = format(session.seed, "032x")
        warm = ctx.take_warm()
        scratch = warm.adopt(ctx) if warm is not None else Scratch(ctx)
        self._scratch, self._ctx, self._run, self._warm = scratch, ctx, run, warm
        try:
            scratch.populate(src)
            scratch.own()
            self._execute_notebook(nb, resources)  # the student's view: no probe inputs at all
            if ctx.uid is not None:
                sandbox.kill_uid_processes(ctx.uid)
            cells = notebook_cells(nb)
            sources = {c.grade_id: c.source for c in cells if c.kind == "test"}
            drivers = {t: d for t in session.tasks
                       if (d := driver_code(sources.get(t, ""), t)) is not None}
            verdicts = Verification(ctx, scratch, src, session, cells, drivers, run).verify()
            task_rules = {t: r for t, r in ctx.rules.items() if t in test_ids}
            violations = rules_mod.check_rules(
                cells, task_rules, rules_mod.answer_cells(cells, [t for t in test_ids if t]))
        finally:
            if self._warm is not None:  # failed before its kernel was needed
                self._warm.discard()
                self._warm = None
            scratch.cleanup()
        apply_verdicts(nb, verdicts, run, ctx.tasks, violations)
        ctx.runs[notebook_id] = run
        return nb, resources

    # ------------------------------------------------------------------ kernel

    def _start_kernel(self) -> None:
        warm, self._warm = self._warm, None
        self.kc = None
        if warm is not None and warm.alive():
            self.km = warm.km  # started before this submission came: only the client is new
            self._run.warm_start = True
        else:
            self.km = kernel_manager(self._scratch, self._ctx, self.config)
            launch_kernel(self.km, self._scratch)
        self.start_new_kernel_client()
        self._kernel_host_pid = self._kernel_pid()  # what _reap_strays keeps (one scan, not 1/cell)

    def _stop_kernel(self) -> None:
        # the outputs are in the notebook already: the kernel is killed, not asked to shut down
        # (a graceful shutdown costs ~0.25 s per submission and a hostile kernel may ignore it)
        self.shutdown_kernel = "immediate"
        if self._ctx.uid is not None:
            sandbox.kill_uid_processes(self._ctx.uid)  # the kernel and all it started, at once
        if self.km is not None:
            try:
                self._cleanup_kernel()
            except Exception:  # noqa: BLE001 - the kernel may be gone already
                pass
        self.km = None
        self.kc = None
        if self._ctx.uid is not None:
            sandbox.kill_uid_processes(self._ctx.uid)

    def _kernel_pid(self) -> Optional[int]:
        """Host PID of the ipykernel process (the oldest process of the sandbox uid)."""
        uid = self._ctx.uid
        if uid is None:
            return None
        return sandbox.oldest_process_of_uid(uid)

    def _reap_strays(self, index: int, grade_id: Optional[str]) -> None:
        """Kill processes the cell left behind (anything of the uid but the kernel)."""
        uid = self._ctx.uid
        if uid is None:
            return
        kernel = self._kernel_host_pid
        pids = [p for p in sandbox.processes_of_uid(uid) if p != kernel]
        if pids:
            n = sandbox.kill_uid_processes(uid, keep=[kernel] if kernel else [])
            self._run.event("stray_processes", index, grade_id,
                            f"đã dừng {n} tiến trình nền do ô này để lại")

    def _responsive(self, wait: int = 5) -> bool:
        old = self.timeout
        try:
            self.timeout = wait
            reply = self.wait_for_reply(self.kc.kernel_info())
            return reply is not None
        except Exception:  # noqa: BLE001
            return False
        finally:
            self.timeout = old

    # ------------------------------------------------------------------ outputs

    def output(self, outs, msg, display_id, cell_index):
        size = _message_size(msg)
        used = self._cell_bytes.get(cell_index, 0)
        limits = self._ctx.limits
        if used + size > limits.cell_output_bytes or self._nb_bytes + size > limits.notebook_output_bytes:
            self._truncated.add(cell_index)
            return None
        self._cell_bytes[cell_index] = used + size
        self._nb_bytes += size
        return super().output(outs, msg, display_id, cell_index)

    # ------------------------------------------------------------------ the loop

    def _execute_notebook(self, nb, resources) -> None:
        NotebookClient.__init__(self, nb, None)
        self.reset_execution_trackers()
        self._check_assign_resources(resources)
        self._cell_bytes: Dict[int, int] = {}
        self._nb_bytes = 0
        self._truncated: set = set()
        ctx, run = self._ctx, self._run
        cell_timeout = int(self.timeout or ctx.limits.cell_timeout)
        code = [i for i, c in enumerate(self.nb.cells) if c.cell_type == "code" and c.source.strip()]
        bad: set = set()
        gave_up: Optional[str] = None
        self._start_kernel()
        try:
            info = self.wait_for_reply(self.kc.kernel_info())
            if info:
                self.nb.metadata["language_info"] = info["content"]["language_info"]
            for pos, index in enumerate(code):
                cell = self.nb.cells[index]
                gid = nbgrader_meta(cell).get("grade_id")
                if gave_up:
                    cell.outputs = [error_output("NotExecuted", gave_up)]
                    continue
                remaining = ctx.remaining()
                if remaining <= 1:
                    gave_up = (f"Hết thời gian cho cả bài nộp ({ctx.limits.submission_timeout} s); "
                               "ô này và các ô sau không được chạy.")
                    run.event("submission_timeout", index, gid, gave_up)
                    cell.outputs = [error_output("SubmissionTimeout", gave_up)]
                    continue
                self.timeout = max(1, int(min(cell_timeout, remaining)))
                broken = self._run_cell(cell, index, gid)
                if index in self._truncated:
                    cell.outputs.append(NotebookNode(
                        output_type="stream", name="stdout",
                        text="\n[... đầu ra quá dài, phần còn lại đã bị bỏ ...]\n"))
                    run.event("output_truncated", index, gid, "đầu ra quá dài, đã bị cắt")
                if broken is None:
                    self._reap_strays(index, gid)
                    continue
                bad.add(index)
                run.restarts += 1
                if run.restarts > ctx.limits.max_restarts:
                    gave_up = (f"Kernel đã dừng {run.restarts} lần; "
                               "các ô còn lại không được chạy (cần chấm tay).")
                    run.event("gave_up", index, gid, gave_up)
                    self._stop_kernel()
                    continue
                gave_up = self._restart_and_replay(code[:pos], bad)
                if gave_up:
                    run.event("gave_up", index, gid, gave_up)
        finally:
            self._stop_kernel()
        self.set_widgets_metadata()

    def _run_cell(self, cell, index: int, gid: Optional[str]) -> Optional[str]:
        """Run one cell; returns why the kernel must be restarted, or None."""
        run = self._run
        try:
            self.execute_cell(cell, index, store_history=True)
        except DeadKernelError:
            why = ("Kernel dừng đột ngột khi chạy ô này (sys.exit/os._exit, lỗi phân đoạn, "
                   "hết bộ nhớ hoặc quá giới hạn CPU); đã khởi động lại kernel cho các ô sau.")
            self.nb.cells[index] = cell
            cell.outputs = list(cell.get("outputs", [])) + [error_output("KernelDied", why)]
            run.event("kernel_died", index, gid, why)
            return why
        except CellTimeoutError:
            why = (f"Ô này chạy quá {self.timeout} s và kernel không dừng khi bị ngắt; "
                   "đã khởi động lại kernel cho các ô sau.")
            cell.outputs = list(cell.get("outputs", [])) + [error_output("CellTimeoutError", why)]
            run.event("kernel_hung", index, gid, why)
            return why
        except Exception as exc:  # noqa: BLE001 - a broken channel is a dead kernel too
            why = f"Mất kết nối với kernel ({type(exc).__name__}); đã khởi động lại kernel."
            cell.outputs = list(cell.get("outputs", [])) + [error_output("KernelDied", why)]
            run.event("kernel_died", index, gid, why)
            return why
        if any(o.get("output_type") == "error" and o.get("ename") == "CellTimeoutError"
               for o in cell.outputs):
            why = f"Ô này chạy quá {self.timeout} s nên đã bị ngắt."
            cell.outputs = [error_output("CellTimeoutError", why)] + [
                o for o in cell.outputs
                if not (o.get("output_type") == "error" and o.get("ename") == "CellTimeoutError")]
            run.event("cell_timeout", index, gid, why)
            if not self._responsive():
                why = "Kernel không phản hồi sau khi bị ngắt; đã khởi động lại kernel."
                run.event("kernel_hung", index, gid, why)
                return why
        return None

    def _restart_and_replay(self, earlier: List[int], bad: set) -> Optional[str]:
        """New kernel; re-run the earlier non-test cells quietly. Returns a reason to give up."""
        self._stop_kernel()
        try:
            self._start_kernel()
        except Exception as exc:  # noqa: BLE001
            return f"Không khởi động lại được kernel ({type(exc).__name__}: {exc})."
        for index in earlier:
            original = self.nb.cells[index]
            if index in bad or is_test_cell(original):
                continue
            remaining = self._ctx.remaining()
            if remaining <= 1:
                return "Hết thời gian cho cả bài nộp khi chạy lại các ô trước."
            self.timeout = max(1, int(min(self.timeout, remaining)))
            replay = copy.deepcopy(original)
            try:
                self.execute_cell(replay, index, store_history=False)
            except Exception:  # noqa: BLE001
                self.nb.cells[index] = original
                return "Kernel lại dừng khi chạy lại các ô trước; các ô còn lại không được chạy."
            finally:
                self.nb.cells[index] = original
        return None


def _message_size(msg: Dict[str, Any]) -> int:
    content = msg.get("content", {})
    size = len(str(content.get("text", "")))
    for value in (content.get("data") or {}).values():
        size += len(value) if isinstance(value, str) else len(str(value))
    size += sum(len(str(line)) for line in content.get("traceback", []) or [])
    return size + 64


def apply_verdicts(nb, verdicts: Dict[str, TaskVerdict], run: NotebookRun,
                   tasks: Dict[str, Any], violations: Optional[Dict[str, List[str]]] = None
                   ) -> None:
    """Write the trusted verdicts into the test cells (see the module docstring)."""
    violations = violations or {}
    for cell in nb.cells:
        if not is_test_cell(cell):
            continue
        gid = nbgrader_meta(cell).get("grade_id")
        outputs = []
        for out in cell.get("outputs", []):
            if out.get("output_type") == "execute_result":
                out = NotebookNode(output_type="display_data", data=out.get("data", {}),
                                   metadata=out.get("metadata", {}))
            outputs.append(out)
        cell.outputs = outputs
        failure = first_error(cell)
        info: Dict[str, Any] = {
            "points": float(nbgrader_meta(cell).get("points", 0) or 0),
            "nbgrader_passed": failure is None,
            "nbgrader_error": failure,
            "verifier": gid in tasks,
            "verified": None,
            "reason": "",
        }
        verdict = verdicts.get(gid)
        if verdict is not None:
            info["verified"] = verdict.verified
            info["reason"] = verdict.reason
            info["verifier_error"] = verdict.verifier_error
            if not verdict.verified and not verdict.verifier_error:
                evalue = f"Kiểm tra độc lập (ngoài kernel) không đạt — {verdict.reason}"
                cell.outputs.insert(0, error_output(VERIFICATION_ENAME, evalue))
        broken = violations.get(gid)
        if broken:
            why = rules_mod.describe(broken)
            cell.outputs.insert(0, error_output(RULES_ENAME, f"Câu này được 0 điểm — {why}"))
            info["rule_violation"] = list(broken)
            info["verified"] = False
            info["reason"] = why[0].upper() + why[1:]
            run.event("rule_violation", -1, gid, f"câu {gid}: {why}")
        run.tasks[gid] = info
