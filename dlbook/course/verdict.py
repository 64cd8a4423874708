"""Trusted side of the verdict protocol: fresh cases in, student outputs checked outside the kernel.

Before a notebook runs, :class:`ProbeSession` draws a fresh seed (``secrets``), makes every task's
cases with ``verify.py``'s ``make_cases`` and writes their public inputs to
``<work>/.probe/in/<task>/<i>.npz``. The cases themselves stay in this (trusted) process: whatever
the student's code does to the files, references are computed from the in-memory copy.

After the run, :meth:`ProbeSession.collect` reads ``<work>/.probe/out/<task>/<i>.npz`` (or
``.err``) without following symlinks, with a size limit and ``allow_pickle=False``, computes the
reference in this process and compares with :func:`dlbook.course.verify_api.outputs_match` (kind
of dtype, shape, values with the task's tolerances, or the task's own ``compare``). The student's
process never sees the reference, the comparison or the verdict, so redefining ``np.allclose``,
``__eq__`` or the asserts in the kernel changes nothing here.
"""

from __future__ import annotations

import importlib.util
import io
import os
import secrets
import shutil
import stat
import sys
import zipfile
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Dict, List, Mapping, Optional, Tuple

import numpy as np

from dlbook.course.verify_api import (
    TASK_ID_PATTERN,
    ResultError,
    Rules,
    Task,
    call_inputs,
    flatten_result,
    outputs_match,
    to_python_scalar,
)

PROBE_DIR = ".probe"
#: Largest output file of one case the grader will read (bytes, compressed or not).
MAX_OUTPUT_BYTES = 64 * 1024 * 1024
MAX_ERR_BYTES = 4096


class VerifierError(RuntimeError):
    """``verify.py`` of an assignment is broken (message in Vietnamese, for the instructor)."""


@dataclass
class TaskVerdict:
    """The trusted verdict on one task of one notebook."""

    task_id: str
    verified: bool
    reason: str = ""
    cases: int = 0
    verifier_error: bool = False  #: the instructor's reference failed: not the student's fault
    no_output: bool = False  #: the probe wrote nothing for a case (never ran, or was stopped)

    def as_dict(self) -> Dict[str, Any]:
        return asdict(self)


def load_tasks(verify_path: Path) -> Dict[str, Task]:
    """Import ``verify.py`` (instructor's code, trusted) and return its ``TASKS``."""
    return load_verifier(verify_path)[0]


def load_rules(verify_path: Path) -> Dict[str, Rules]:
    """The rules of each task of ``verify.py`` (``Task(..., rules=...)``; tasks without rules
    are left out)."""
    return load_verifier(verify_path)[1]


def load_verifier(verify_path: Path) -> Tuple[Dict[str, Task], Dict[str, Rules]]:
    """``TASKS`` of ``verify.py`` (instructor's code, trusted) and the rules its tasks carry.

    A verifier may also declare the rules apart, ``RULES = {grade_id: Rules(...)}`` (for a task
    that has no ``Task``: rules without a result check); a task must not get rules both ways.
    """
    if not verify_path.is_file():
        return {}, {}
    name = f"_dlbook_verify_{abs(hash(str(verify_path.resolve())))}"
    spec = importlib.util.spec_from_file_location(name, verify_path)
    module = importlib.util.module_from_spec(spec)
    try:
        spec.loader.exec_module(module)  # type: ignore[union-attr]
    except Exception as exc:  # noqa: BLE001
        raise VerifierError(f"Không nạp được {verify_path}: {type(exc).__name__}: {exc}") from exc
    finally:
        sys.modules.pop(name, None)
    tasks = getattr(module, "TASKS", None)
    if not isinstance(tasks, dict):
        raise VerifierError(f"{verify_path} phải định nghĩa TASKS = {{grade_id: Task(...)}}.")
    for task_id, task in tasks.items():
        if not isinstance(task_id, str) or not TASK_ID_PATTERN.match(task_id):
            raise VerifierError(f"{verify_path}: mã câu {task_id!r} không hợp lệ.")
        if not callable(getattr(task, "make_cases", None)) or not callable(
            getattr(task, "reference", None)
        ):
            raise VerifierError(f"{verify_path}: TASKS[{task_id!r}] không phải Task(...).")
    rules = getattr(module, "RULES", {})
    if not isinstance(rules, dict) or not all(isinstance(r, Rules) for r in rules.values()):
        raise VerifierError(f"{verify_path} phải định nghĩa RULES = {{grade_id: Rules(...)}}.")
    for task_id in rules:
        if not isinstance(task_id, str) or not TASK_ID_PATTERN.match(task_id):
            raise VerifierError(f"{verify_path}: mã câu {task_id!r} của RULES không hợp lệ.")
    carried = {task_id: task.rules for task_id, task in tasks.items()
               if getattr(task, "rules", None) is not None}
    if not all(isinstance(r, Rules) for r in carried.values()):
        raise VerifierError(f"{verify_path}: rules= của một Task phải là Rules(...).")
    both = sorted(set(carried) & set(rules))
    if both:
        raise VerifierError(f"{verify_path}: câu {', '.join(both)} có quy tắc ở cả Task(rules=...) "
                            "lẫn RULES; chỉ khai báo một chỗ.")
    return dict(tasks), {**rules, **carried}


def new_seed() -> int:
    """A seed nobody can predict (the student's code runs long after it is drawn)."""
    return secrets.randbits(128)


def _as_array(value: Any) -> np.ndarray:
    arr = np.asarray(value)
    if arr.dtype == object:
        raise VerifierError("make_cases trả về giá trị không phải số (kiểu object).")
    return arr


def _safe_read(base: Path, parts: List[str], limit: int) -> Optional[bytes]:
    """Read ``base/parts...`` written by untrusted code without following any symlink.

    Every component below ``base`` is opened with ``O_NOFOLLOW`` relative to its parent's file
    descriptor; only a regular file of at most ``limit`` bytes is read.
    """
    fds = []
    try:
        fd = os.open(base, os.O_RDONLY | os.O_DIRECTORY)
        fds.append(fd)
        for part in parts[:-1]:
            fd = os.open(part, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW, dir_fd=fd)
            fds.append(fd)
        fd = os.open(parts[-1], os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK, dir_fd=fd)
        fds.append(fd)
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode) or info.st_size > limit:
            return None
        chunks, total = [], 0
        while True:
            chunk = os.read(fd, 1 << 20)
            if not chunk:
                break
            total += len(chunk)
            if total > limit:
                return None
            chunks.append(chunk)
        return b"".join(chunks)
    except OSError:
        return None
    finally:
        for fd in reversed(fds):
            os.close(fd)


def _load_outputs(data: bytes) -> Dict[str, np.ndarray]:
    """Parse an ``.npz`` written by the student's process, refusing pickles and zip bombs."""
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        if sum(info.file_size for info in zf.infolist()) > MAX_OUTPUT_BYTES:
            raise ValueError("tệp kết quả quá lớn")
    with np.load(io.BytesIO(data), allow_pickle=False) as npz:
        out = {}
        for key in npz.files:
            arr = npz[key]
            if not isinstance(arr, np.ndarray) or arr.dtype.kind not in "biuf":
                raise ValueError(f"{key} không phải mảng số")
            out[key] = arr
        return out


class ProbeSession:
    """Cases of the tasks of one notebook run, and the verdicts on what came back."""

    def __init__(self, tasks: Mapping[str, Task], task_ids: List[str], seed: Optional[int] = None):
        self.tasks = {t: tasks[t] for t in task_ids if t in tasks}
        self.seed = new_seed() if seed is None else seed
        self.cases: Dict[str, List[Dict[str, Any]]] = {}
        self.setup_errors: Dict[str, str] = {}

    def write_inputs(self, workdir: Path) -> None:
        """Make the cases and write ``<workdir>/.probe/in/<task>/<i>.npz``."""
        root = workdir / PROBE_DIR
        if root.is_symlink() or root.is_file():
            root.unlink()
        elif root.exists():
            shutil.rmtree(root)
        (root / "in").mkdir(parents=True)
        master = np.random.default_rng(self.seed)
        for task_id, task in self.tasks.items():
            rng = np.random.default_rng(master.integers(0, 2**63))
            try:
                cases = list(task.make_cases(rng))
                task_dir = root / "in" / task_id
                task_dir.mkdir()
                for i, case in enumerate(cases):
                    arrays = {k: _as_array(v) for k, v in call_inputs(case).items()}
                    with open(task_dir / f"{i}.npz", "wb") as fh:
                        np.savez(fh, **arrays)
            except Exception as exc:  # noqa: BLE001 - instructor's bug: reported, not the student's
                self.setup_errors[task_id] = f"{type(exc).__name__}: {exc}"
                continue
            self.cases[task_id] = cases
        for dirpath, _, filenames in os.walk(root):
            os.chmod(dirpath, 0o755)
            for name in filenames:
                os.chmod(os.path.join(dirpath, name), 0o444)

    def collect(self, workdir: Path) -> Dict[str, TaskVerdict]:
        """Verdicts of every task, from the files in ``<workdir>/.probe/out``."""

        def read(task_id: str, i: int):
            where = [PROBE_DIR, "out", task_id]
            err = _safe_read(workdir, where + [f"{i}.err"], MAX_ERR_BYTES)
            data = _safe_read(workdir, where + [f"{i}.npz"], MAX_OUTPUT_BYTES)
            return data, err

        return self.judge(read)

    def judge(self, read, failures: Optional[Mapping[str, str]] = None) -> Dict[str, TaskVerdict]:
        """Verdicts of every task; ``read(task, i)`` gives ``(npz bytes or None, err bytes or
        None)`` of one case; ``failures[task]`` is why a task's run broke off (a crash, a hang)."""
        verdicts = {}
        failures = failures or {}
        for task_id, task in self.tasks.items():
            if task_id in self.setup_errors:
                verdicts[task_id] = TaskVerdict(
                    task_id, False, f"lỗi của bộ kiểm tra (make_cases): {self.setup_errors[task_id]}",
                    verifier_error=True)
                continue
            if task_id in failures:
                verdicts[task_id] = TaskVerdict(task_id, False, failures[task_id],
                                                len(self.cases[task_id]), no_output=True)
                continue
            verdicts[task_id] = self._verdict(task_id, task, read)
        return verdicts

    def _verdict(self, task_id: str, task: Task, read) -> TaskVerdict:
        cases = self.cases[task_id]
        if not cases:
            return TaskVerdict(task_id, False, "bộ kiểm tra không tạo trường hợp nào",
                               verifier_error=True)
        for i, case in enumerate(cases):
            label = f"trường hợp kiểm tra {i + 1}/{len(cases)}"
            data, err = read(task_id, i)
            if data is None:
                if err is not None:
                    text = err.decode("utf-8", errors="replace").strip()[:300]
                    return TaskVerdict(task_id, False, f"{label}: {text}", len(cases))
                return TaskVerdict(
                    task_id, False,
                    f"{label}: không có kết quả (hàm không được gọi trên dữ liệu kiểm tra ẩn, "
                    "bị ngắt, hoặc kernel đã dừng)", len(cases), no_output=True)
            try:
                got = _load_outputs(data)
            except Exception as exc:  # noqa: BLE001 - anything unreadable is a failure
                return TaskVerdict(task_id, False, f"{label}: tệp kết quả không hợp lệ ({exc})",
                                   len(cases))
            inputs = {k: to_python_scalar(np.array(v, copy=True)) if isinstance(v, np.ndarray)
                      else to_python_scalar(v) for k, v in call_inputs(case).items()}
            try:
                want = flatten_result(task.reference(**inputs))
            except (ResultError, Exception) as exc:  # noqa: BLE001
                return TaskVerdict(task_id, False,
                                   f"lỗi của bộ kiểm tra (reference): {type(exc).__name__}: {exc}",
                                   len(cases), verifier_error=True)
            ok, reason = outputs_match(task, got, want, case)
            if not ok:
                return TaskVerdict(task_id, False, f"{label}: {reason}", len(cases))
        return TaskVerdict(task_id, True, "", len(cases))
