"""Kernel side of the tamper-proof verdict protocol.

The hidden test of every graded task ends with::

    from dlbook.course import probe
    probe.check("<grade_id>", lambda **kw: student_function(**kw))

For a student working in Jupyter, Colab or Binder this does nothing: there is no ``./.probe``
folder. When the trusted grader runs the notebook it first writes the inputs of fresh random
cases to ``./.probe/in/<grade_id>/<i>.npz``; :func:`check` then calls the function on each case
and writes what came out to ``./.probe/out/<grade_id>/<i>.npz`` (keys ``out0, out1, …`` or
``d_<key>``, see :func:`dlbook.course.verify_api.flatten_result`) or, when the call fails or the
result is not plain numbers, ``<i>.err`` with the reason. The grader compares those files with
its own reference outside the kernel, so patching ``np.allclose`` or the asserts in the kernel
gains nothing.

Rules for the inputs: files are read with ``allow_pickle=False``; 0-d arrays are passed as Python
scalars; a key ``__seed__`` is passed as ``seed=int(...)``; keys that start with ``_`` are never
passed to the function (private data of the grader, which should not write them at all).

:func:`check` never raises.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Callable

from dlbook.course.verify_api import (
    PRIVATE_PREFIX,
    SEED_KEY,
    TASK_ID_PATTERN,
    ResultError,
    flatten_result,
    to_python_scalar,
)

PROBE_DIR = ".probe"


def check(task_id: str, fn: Callable[..., Any]) -> None:
    """Run ``fn`` on every probe input of ``task_id`` and write the outputs (see module doc)."""
    try:
        _check(task_id, fn)
    except BaseException:  # noqa: BLE001 - the probe must never break the test cell
        return


def _check(task_id: str, fn: Callable[..., Any]) -> None:
    if not isinstance(task_id, str) or not TASK_ID_PATTERN.match(task_id):
        return
    in_dir = Path(os.getcwd()) / PROBE_DIR / "in" / task_id
    if not in_dir.is_dir():
        return
    out_dir = Path(os.getcwd()) / PROBE_DIR / "out" / task_id
    out_dir.mkdir(parents=True, exist_ok=True)
    files = sorted(in_dir.glob("*.npz"), key=lambda p: (len(p.stem), p.stem))
    interrupted = False
    for path in files:
        if interrupted:
            _write_error(out_dir, path.stem, "bị ngắt trước khi chạy trường hợp này.")
            continue
        try:
            interrupted = _run_case(path, out_dir, fn)
        except BaseException as exc:  # noqa: BLE001
            _write_error(out_dir, path.stem, f"lỗi của probe: {type(exc).__name__}")


def _load_inputs(path: Path) -> dict:
    import numpy as np

    with np.load(path, allow_pickle=False) as data:
        inputs = {}
        for key in data.files:
            if key == SEED_KEY:
                inputs["seed"] = int(data[key])
            elif key.startswith(PRIVATE_PREFIX):
                continue
            else:
                inputs[key] = to_python_scalar(data[key])
    return inputs


def _run_case(path: Path, out_dir: Path, fn: Callable[..., Any]) -> bool:
    """Run one case; returns True when the run was interrupted (timeout)."""
    import numpy as np

    stem = path.stem
    inputs = _load_inputs(path)
    try:
        result = fn(**inputs)
        outputs = flatten_result(result)
    except KeyboardInterrupt:
        _write_error(out_dir, stem, "bị ngắt (quá thời gian?).")
        return True
    except ResultError as exc:
        _write_error(out_dir, stem, f"kết quả không hợp lệ: {exc}")
        return False
    except BaseException as exc:  # noqa: BLE001 - SystemExit etc. from student code too
        _write_error(out_dir, stem, f"{type(exc).__name__}: {_short(exc)}")
        return False
    tmp = out_dir / f"{stem}.tmp.npz"
    with open(tmp, "wb") as fh:
        np.savez(fh, **outputs)
    os.replace(tmp, out_dir / f"{stem}.npz")
    return False


def _short(exc: BaseException, limit: int = 500) -> str:
    try:
        text = str(exc)
    except BaseException:  # noqa: BLE001 - a student's exception may break __str__
        text = "?"
    return text if len(text) <= limit else text[:limit] + "…"


def _write_error(out_dir: Path, stem: str, reason: str) -> None:
    try:
        (out_dir / f"{stem}.err").write_text(reason, encoding="utf-8")
    except BaseException:  # noqa: BLE001
        pass
