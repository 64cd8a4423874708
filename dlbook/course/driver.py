"""Sandbox side of the trusted verification: a fresh process, not the student's kernel.

After the notebook ran in its kernel, the trusted grader starts ``python -I -m
dlbook.course.driver /job`` in a new sandbox (same mounts, same limits, a fresh copy of the
submission's data files) with a read-only job folder it wrote itself:

- ``/job/job.json``: the cells to run (the locked set-up cells and the student's answer cells, in
  notebook order), the cells to skip (they killed an earlier attempt), and for each task the
  trusted *driver* code taken from the hidden test (``probe.check("<task>", <callable>)`` and the
  helpers it uses);
- ``/job/.probe/in/<task>/<i>.npz``: the inputs of the fresh cases the grader made for this run.

The driver runs each cell as plain Python (IPython line magics such as ``%time`` are reduced to
their code, see :func:`plain_python`) and, where each task's test cell stands, calls the task's
callable on each case; it writes one JSON line per event on a private copy of its standard output
(the student's prints go to ``/dev/null``). The grader compares the outputs with its own reference outside the sandbox, so
nothing this process does (patching numpy, this module or the probe) can turn a wrong function
into points: the only way to produce the right numbers for inputs drawn after the submission was
written is to compute them.
"""

from __future__ import annotations

import base64
import builtins
import io
import json
import os
import re
import sys
from typing import Any, Dict, List, Tuple

#: Line magics that do not run code (dropped) and the ones that time a line of code (kept).
QUIET_MAGICS = {"matplotlib", "config", "load_ext", "reload_ext", "autoreload", "pip", "conda",
                "precision", "who", "whos", "env", "pwd", "ls", "history", "lsmagic", "pdb",
                "xmode", "pylab"}
TIMING_MAGICS = {"time", "timeit", "prun", "capture"}
_TIMEIT_OPTIONS = re.compile(r"^(?:-[a-zA-Z]+(?:\s+\d+)?\s+)*")


def plain_python(source: str) -> Tuple[str, List[str]]:
    """A cell as plain Python, and the magics in it that run code nobody can check.

    ``%time f(x)`` / ``%timeit -n 3 f(x)`` become ``f(x)``; ``%%time`` (first line) is dropped;
    ``%matplotlib inline``, ``%pip install`` and ``!shell`` lines become ``pass``; any other magic
    (``%run``, ``%load``, ``%%writefile``, ``%%bash``...) becomes ``pass`` and is reported.
    """
    out, flagged = [], []
    first = True
    lines = source.split("\n")
    for pos, line in enumerate(lines):
        body = line.lstrip()
        indent = line[: len(line) - len(body)]
        if body.startswith("%%"):
            name = (body[2:].split() or [""])[0]
            if first and name in TIMING_MAGICS:
                out.append("")
                first = False
                continue
            flagged.append(f"%%{name}")
            return "\n".join(out + ["pass"]), flagged
        if body.strip():
            first = False
        if body.startswith("%"):
            name = (body[1:].split() or [""])[0]
            rest = body[1 + len(name):].strip()
            if name in TIMING_MAGICS and rest:
                out.append(indent + _TIMEIT_OPTIONS.sub("", rest))
            else:
                if name not in QUIET_MAGICS:
                    flagged.append(f"%{name}")
                out.append(indent + "pass")
            continue
        if body.startswith("!"):
            out.append(indent + "pass")
            continue
        out.append(line)
    return "\n".join(out), flagged


class _Nothing:
    """What ``get_ipython()`` returns here: every attribute and call does nothing."""

    def __getattr__(self, name):
        return _Nothing()

    def __call__(self, *args, **kwargs):
        return _Nothing()

    def __iter__(self):
        return iter(())

    def __bool__(self):
        return False


def _short(exc: BaseException, limit: int = 300) -> str:
    try:
        text = f"{type(exc).__name__}: {exc}"
    except BaseException:  # noqa: BLE001 - a student's exception may break __str__
        text = type(exc).__name__
    return text if len(text) <= limit else text[:limit] + "…"


def main(argv: List[str]) -> int:
    job_dir = argv[0] if argv else "/job"
    channel = os.fdopen(os.dup(1), "w", encoding="utf-8", buffering=1)
    null = os.open(os.devnull, os.O_RDWR)
    os.dup2(null, 0)
    os.dup2(null, 1)
    sys.stdout = io.TextIOWrapper(os.fdopen(os.dup(null), "wb"), encoding="utf-8")
    sys.stderr = sys.stdout
    me = os.getpid()

    def emit(event: Dict[str, Any]) -> None:
        if os.getpid() != me:  # a process the student's code forked: never speaks for us
            os._exit(0)
        channel.write(json.dumps(event) + "\n")
        channel.flush()

    with open(os.path.join(job_dir, "job.json"), encoding="utf-8") as fh:
        job = json.load(fh)

    import numpy as np

    from dlbook.course.verify_api import PRIVATE_PREFIX, SEED_KEY, flatten_result, to_python_scalar

    def load_inputs(path: str) -> Dict[str, Any]:
        with np.load(path, allow_pickle=False) as data:
            inputs = {}
            for key in data.files:
                if key == SEED_KEY:
                    inputs["seed"] = int(data[key])
                elif not key.startswith(PRIVATE_PREFIX):
                    inputs[key] = to_python_scalar(np.array(data[key]))
        return inputs

    ns: Dict[str, Any] = {"__name__": "__main__", "__builtins__": builtins,
                          "get_ipython": lambda: _Nothing()}
    def verify(task: Dict[str, Any]) -> None:
        tid = task["id"]
        emit({"ev": "task", "t": tid})
        try:
            exec(compile(task["driver"], f"<kiểm tra {tid}>", "exec"), ns)  # noqa: S102
            fn = ns.pop("__dlbook_probe__")
        except BaseException as exc:  # noqa: BLE001
            for i in range(task["cases"]):
                emit({"ev": "case", "t": tid, "i": i, "err": f"không gọi được hàm: {_short(exc)}"})
            emit({"ev": "task_done", "t": tid})
            return
        for i in range(task["cases"]):
            try:
                inputs = load_inputs(os.path.join(job_dir, ".probe", "in", tid, f"{i}.npz"))
                outputs = flatten_result(fn(**inputs))
                buf = io.BytesIO()
                np.savez(buf, **outputs)
                emit({"ev": "case", "t": tid, "i": i,
                      "npz": base64.b64encode(buf.getvalue()).decode("ascii")})
            except BaseException as exc:  # noqa: BLE001
                emit({"ev": "case", "t": tid, "i": i, "err": _short(exc)})
        emit({"ev": "task_done", "t": tid})

    # each task is verified where its test cell stands (it sees the cells above it only, as in
    # the kernel), so a slow or broken cell further down costs only the tasks after it
    pending = sorted(job["tasks"], key=lambda t: (t.get("at") is None, t.get("at") or 0))
    emit({"ev": "ready"})
    skip = set(job.get("skip_cells", []))
    for cell in job["cells"]:
        while pending and pending[0].get("at") is not None and pending[0]["at"] < cell["index"]:
            verify(pending.pop(0))
        if cell["index"] in skip:
            continue
        emit({"ev": "cell", "i": cell["index"]})
        error = None
        try:
            code, _ = plain_python(cell["source"])
            exec(compile(code, f"<ô {cell['index'] + 1}>", "exec"), ns)  # noqa: S102
        except BaseException as exc:  # noqa: BLE001 - SystemExit, KeyboardInterrupt too
            error = _short(exc)
        emit({"ev": "cell_done", "i": cell["index"], "error": error})
    for task in pending:
        verify(task)
    emit({"ev": "end"})
    channel.close()
    os._exit(0)  # no atexit handler of the student's code runs after us


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
