"""The adversarial submissions: each one is a student, with the score it deserves.

``ATTACKS[name] = (answers or mutate, expected score)``. Answers are the source of the answer cells
(``sol_square``, ``sol_scale``, ``sol_count``); a wrong answer costs the task's points (2, 3, 1).
Some attacks need the course root or a port at run time: they are templates with ``{root}`` and
``{port}``.
"""

from __future__ import annotations

import textwrap
from typing import Callable, Dict, Optional, Tuple

from sandbox_kit import CORRECT, with_answer

WRONG_SQUARE = "def square(x):\n    return np.asarray(x, dtype=float)\n"
WRONG_SCALE = "def standardize(X):\n    return np.asarray(X, dtype=float)\n"


def code(text: str) -> str:
    return textwrap.dedent(text).lstrip("\n")


def answers(**over: str) -> Dict[str, str]:
    a = dict(CORRECT)
    for key, value in over.items():
        a[key] = code(value)
    return a


# --------------------------------------------------------------------------- notebook mutations


def _cells(nb, gid):
    return [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == gid]


def edit_test_cell(nb):
    (cell,) = _cells(nb, "t_square")
    cell.source = "pass  # the student emptied the test\n"


def delete_test_cell(nb):
    nb.cells = [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") != "t_scale"]


def add_test_cell(nb):
    from nbformat.v4 import new_code_cell

    nb.cells.append(new_code_cell("print('free points')", metadata={"nbgrader": {
        "grade": True, "grade_id": "bonus", "locked": True, "points": 100, "schema_version": 3,
        "solution": False}}))


def inflate_points(nb):
    (cell,) = _cells(nb, "t_count")
    cell.metadata["nbgrader"]["points"] = 100


def relabel_test_as_solution(nb):
    (cell,) = _cells(nb, "t_square")
    cell.metadata["nbgrader"]["solution"] = True
    cell.metadata["nbgrader"]["grade"] = False


# --------------------------------------------------------------------------- attack code

FORK_BOMB = """
import os
def square(x):
    while True:
        os.fork()
"""

ORPHAN = """
import os, subprocess
subprocess.Popen(["sh", "-c", "sleep 120; echo late > /tmp/late.txt"], start_new_session=True)
if os.fork() == 0:  # a daemon that outlives its parent
    os.setsid()
    if os.fork() == 0:
        import time
        time.sleep(120)
    os._exit(0)
def square(x):
    return np.asarray(x, dtype=float) ** 2
"""

READ_SECRETS = """
import json, os
found = {{}}
root = {root!r}
for path in [f"{{root}}/solutions/fx/fx.ipynb", f"{{root}}/solutions/fx/verify.py",
             f"{{root}}/gradebook.db", f"{{root}}/submitted/honest/fx/fx.ipynb",
             f"{{root}}/exercises/fx/fx.ipynb", f"{{root}}/nbgrader_config.py",
             "../../solutions/fx/verify.py", "fx.ipynb", "/proc/1/environ"]:
    try:
        with open(path, "rb") as fh:
            fh.read(10)
        found[path] = "READ"
    except Exception as exc:
        found[path] = type(exc).__name__
hits = []
for top, dirs, files in os.walk("/"):
    dirs[:] = [d for d in dirs if os.path.join(top, d) not in ("/proc", "/sys", "/dev", "/usr")
               and d != "site-packages"]
    hits += [os.path.join(top, f) for f in files
             if f in ("verify.py", "gradebook.db", "fx.ipynb") or root in top]
print("SECRETS=" + json.dumps({{"open": found, "walk": hits}}))
get_ipython().events.register("pre_run_cell", lambda info: print("CELL:", info.raw_cell))
def square(x):
    return np.asarray(x, dtype=float) ** 2
"""

WRITE_GRADEBOOK = """
import os, sqlite3
tries = {{}}
root = {root!r}
try:
    con = sqlite3.connect(f"file:{{root}}/gradebook.db?mode=rw", uri=True)
    con.execute("UPDATE grade SET manual_score = 100")
    con.commit()
    tries["db"] = "WROTE"
except Exception as exc:
    tries["db"] = type(exc).__name__
for path in [f"{{root}}/solutions/fx/fx.ipynb", f"{{root}}/submitted/honest/fx/fx.ipynb",
             "/gradebook.db", "../gradebook.db", "/usr/lib/hacked.txt"]:
    try:
        with open(path, "w") as fh:
            fh.write("hacked")
        tries[path] = "WROTE"
    except Exception as exc:
        tries[path] = type(exc).__name__
print("WRITES=" + repr(tries))
def square(x):
    return np.asarray(x, dtype=float) ** 2
"""

NETWORK = """
import socket
net = {{"ifaces": [name for _, name in socket.if_nameindex()]}}
for host, port in [("127.0.0.1", {port}), ("1.1.1.1", 53), ("pypi.org", 443)]:
    try:
        socket.create_connection((host, port), timeout=2).close()
        net[f"{{host}}:{{port}}"] = "CONNECTED"
    except Exception as exc:
        net[f"{{host}}:{{port}}"] = type(exc).__name__
print("NET=" + repr(net))
def square(x):
    return np.asarray(x, dtype=float) ** 2
"""

HUGE_OUTPUT = """
print("x" * 5_000_000)
for i in range(30_000):
    print("dòng", i, "y" * 50)
def square(x):
    return np.asarray(x, dtype=float) ** 2
"""

ENV_DETECTION = """
import os
print("ENV=" + ",".join(sorted(os.environ)))
if any(k.startswith(("NBGRADER", "JPY")) for k in os.environ) or os.environ.get("NBGRADER_EXECUTION"):
    np.allclose = lambda *a, **k: True  # only cheat while being graded
def square(x):
    return np.asarray(x, dtype=float)
"""

MONKEYPATCH_NUMPY = """
import numpy, numpy.testing, builtins
numpy.allclose = lambda *a, **k: True
numpy.array_equal = lambda *a, **k: True
numpy.isclose = lambda a, b, *r, **k: numpy.ones(numpy.shape(a), dtype=bool)
numpy.testing.assert_allclose = lambda *a, **k: None
def square(x):
    return np.asarray(x, dtype=float)
"""

MONKEYPATCH_CHECKS = """
import dlbook.course.checks as checks
for name in dir(checks):
    if name.startswith("expect_"):
        setattr(checks, name, lambda *a, **k: None)  # every assert helper now passes
def standardize(X):
    return np.zeros_like(np.asarray(X, dtype=float))
"""

MONKEYPATCH_TORCH = """
import torch
torch.allclose = lambda *a, **k: True
torch.equal = lambda *a, **k: True
torch.testing.assert_close = lambda *a, **k: None
np.allclose = lambda a, b, *r, **k: torch.allclose(torch.as_tensor(a), torch.as_tensor(b))
def square(x):
    return torch.zeros(len(x))
"""

ALWAYS_TRUE_EQ = """
class Anything:
    def __eq__(self, other):
        return True
    def __ne__(self, other):
        return False
    __hash__ = object.__hash__
def count_positive(x):
    return Anything()
"""

SUPPRESS_TRACEBACK = """
ip = get_ipython()
ip.showtraceback = lambda *a, **k: None
ip._showtraceback = lambda *a, **k: None
def square(x):
    return np.asarray(x, dtype=float)
"""

SWALLOW_ERRORS = """
def _swallow(lines):
    body = "".join("    " + line for line in lines) or "    pass\\n"
    return ["try:\\n", body if body.endswith("\\n") else body + "\\n",
            "except BaseException:\\n", "    pass\\n"]
get_ipython().input_transformers_post.append(_swallow)
def square(x):
    return np.asarray(x, dtype=float)
"""

DISPLAYHOOK_CREDIT = """
import sys
def square(x):
    sys.displayhook(2.0)  # nbgrader reads a number shown by a test cell as partial credit
    return np.asarray(x, dtype=float)
"""

TAMPER_PROBE = """
import os, glob
def _fake(info):
    for path in glob.glob(".probe/in/*/*.npz"):
        with np.load(path) as d:
            zeros = {{k: np.zeros_like(d[k]) for k in d.files}}
        os.chmod(path, 0o644) if os.access(path, os.W_OK) else None
        try:
            np.savez(path, **zeros)
        except OSError:
            pass
get_ipython().events.register("pre_run_cell", _fake)
def square(x):
    return np.asarray(x, dtype=float) * 0
"""

PATCH_PROBE = """
import dlbook.course.probe as probe
probe.check = lambda *a, **k: None
def square(x):
    return np.asarray(x, dtype=float) ** 2 if len(x) <= 2 else np.zeros(len(x))
"""

INFINITE_LOOP = """
def standardize(X):
    while True:
        pass
"""

IGNORE_SIGINT_LOOP = """
import signal
def standardize(X):
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    while True:
        pass
"""

MEMORY_BOMB = """
def standardize(X):
    hog = []
    while True:
        hog.append(bytearray(50_000_000))
"""

SYS_EXIT = """
import sys
def square(x):
    sys.exit(3)
"""

OS_EXIT = """
import os
def square(x):
    os._exit(1)
"""

SEGFAULT = """
import ctypes
def standardize(X):
    return ctypes.string_at(0)
"""

QUIT_KERNEL = """
def count_positive(x):
    return int(np.sum(np.asarray(x) > 0))
quit()  # in a Jupyter kernel this only asks the front end to close: nothing breaks
"""

SIGKILL_IN_SOLUTION = """
import os, signal
def count_positive(x):
    return int(np.sum(np.asarray(x) > 0))
os.kill(os.getpid(), signal.SIGKILL)  # the kernel dies in the answer cell of t_count
"""

USES_DATA_FILE = """
with open("data.txt", encoding="utf-8") as fh:  # a public file of the assignment
    assert fh.read().startswith("dữ liệu công khai")
def square(x):
    return np.asarray(x, dtype=float) ** 2
"""

#: name → (answers, mutate, expected score). Max score 6: t_square 2, t_scale 3, t_count 1.
ATTACKS: Dict[str, Tuple[Dict[str, str], Optional[Callable], float]] = {
    "honest": (dict(CORRECT), None, 6),
    "uses_data_file": (answers(sol_square=USES_DATA_FILE), None, 6),
    "partial": (answers(sol_count="def count_positive(x):\n    return len(x)\n"), None, 5),
    "infinite_loop": (answers(sol_scale=INFINITE_LOOP), None, 3),
    "ignore_sigint_loop": (answers(sol_scale=IGNORE_SIGINT_LOOP), None, 3),
    "memory_bomb": (answers(sol_scale=MEMORY_BOMB), None, 3),
    "fork_bomb": (answers(sol_square=FORK_BOMB), None, 4),
    "orphan_process": (answers(sol_square=ORPHAN), None, 6),
    "sys_exit": (answers(sol_square=SYS_EXIT), None, 4),
    "os_exit": (answers(sol_square=OS_EXIT), None, 4),
    "segfault": (answers(sol_scale=SEGFAULT), None, 3),
    "quit_kernel": (answers(sol_count=QUIT_KERNEL), None, 6),
    "sigkill_in_solution": (answers(sol_count=SIGKILL_IN_SOLUTION), None, 5),
    "edited_test_cell": (answers(sol_square=WRONG_SQUARE), edit_test_cell, 4),
    "deleted_test_cell": (answers(sol_scale=WRONG_SCALE), delete_test_cell, 3),
    "added_test_cell": (dict(CORRECT), add_test_cell, 6),
    "inflated_points": (dict(CORRECT), inflate_points, 6),
    "relabelled_test_cell": (answers(sol_square=WRONG_SQUARE), relabel_test_as_solution, 4),
    "monkeypatch_numpy": (answers(sol_square=MONKEYPATCH_NUMPY, sol_scale=WRONG_SCALE), None, 1),
    "monkeypatch_torch": (answers(sol_square=MONKEYPATCH_TORCH), None, 4),
    "monkeypatch_checks": (answers(sol_scale=MONKEYPATCH_CHECKS), None, 3),
    "always_true_eq": (answers(sol_count=ALWAYS_TRUE_EQ), None, 5),
    "suppressed_traceback": (answers(sol_square=SUPPRESS_TRACEBACK), None, 4),
    "swallow_errors": (answers(sol_square=SWALLOW_ERRORS, sol_scale=WRONG_SCALE,
                               sol_count="def count_positive(x):\n    return 0\n"), None, 0),
    "displayhook_credit": (answers(sol_square=DISPLAYHOOK_CREDIT), None, 4),
    "tamper_probe": (answers(sol_square=TAMPER_PROBE), None, 4),
    # the verification runs in a separate process with its own driver: patching the kernel's
    # probe changes nothing, the wrong square loses its points, the rest is verified
    "patch_probe": (answers(sol_square=PATCH_PROBE), None, 4),
    "read_secrets": (answers(sol_square=READ_SECRETS), None, 6),
    "write_gradebook": (answers(sol_square=WRITE_GRADEBOOK), None, 6),
    "network": (answers(sol_square=NETWORK), None, 6),
    "huge_output": (answers(sol_square=HUGE_OUTPUT), None, 6),
    "env_detection": (answers(sol_square=ENV_DETECTION), None, 4),
}
