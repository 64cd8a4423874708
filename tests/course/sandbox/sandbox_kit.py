"""A tiny course for the grading tests: one assignment ``fx`` with three tasks, and submissions.

The course is built once per test session (``nbgrader generate_assignment`` takes seconds) and
copied for each test module: the copy has its own gradebook.

Tasks (points): ``t_square`` (2) square every element; ``t_scale`` (3) standardise the columns
of a matrix (its test uses the assignments' helper ``dlbook.course.checks.expect_close``);
``t_count`` (1) count the positive entries (an int). Every hidden test holds a marker
string (``HIDDEN_MARKERS``) so the tests can check that no hidden test leaks into the feedback.
"""

from __future__ import annotations

import json
import shutil
import textwrap
from pathlib import Path
from typing import Callable, Dict, Optional

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

ASSIGNMENT = "fx"
POINTS = {"t_square": 2.0, "t_scale": 3.0, "t_count": 1.0}
MAX_SCORE = sum(POINTS.values())
HIDDEN_MARKERS = ["hidden_marker_square_7f3a", "hidden_marker_scale_9b2c",
                  "hidden_marker_count_4d1e"]

CONFIG = '''\
import os
c = get_config()  # noqa: F821
c.CourseDirectory.root = os.path.dirname(os.path.abspath(__file__))
c.CourseDirectory.course_id = "fixture"
c.CourseDirectory.source_directory = "solutions"
c.CourseDirectory.release_directory = "exercises"
c.CourseDirectory.ignore = [".ipynb_checkpoints", "*.pyc", "__pycache__", "feedback",
                            "verify.py", ".probe"]
c.OverwriteCells.add_missing_cells = True
c.Execute.timeout = 60
'''

VERIFY = '''\
"""Trusted verifier of the fixture assignment."""
import numpy as np
from dlbook.course.verify_api import Task


def _square_cases(rng):
    return [{"x": rng.normal(size=int(rng.integers(1, 20)))} for _ in range(3)]


def _scale_cases(rng):
    return [{"X": rng.normal(3.0, 2.0, size=(int(rng.integers(3, 12)), int(rng.integers(1, 5))))}
            for _ in range(3)]


def _scale_ref(X):
    out = np.empty_like(X)
    for j in range(X.shape[1]):
        col = X[:, j]
        out[:, j] = (col - col.mean()) / np.sqrt(np.mean((col - col.mean()) ** 2))
    return out


def _count_cases(rng):
    return [{"x": rng.normal(size=int(rng.integers(1, 30)))} for _ in range(3)]


TASKS = {
    "t_square": Task(_square_cases, lambda x: np.asarray(x, dtype=float) ** 2),
    "t_scale": Task(_scale_cases, _scale_ref, rtol=1e-6, atol=1e-8),
    "t_count": Task(_count_cases, lambda x: int(np.sum(np.asarray(x) > 0))),
}
'''

CORRECT = {
    "sol_square": "def square(x):\n    return np.asarray(x, dtype=float) ** 2\n",
    "sol_scale": ("def standardize(X):\n    X = np.asarray(X, dtype=float)\n"
                  "    return (X - X.mean(axis=0)) / X.std(axis=0)\n"),
    "sol_count": "def count_positive(x):\n    return int(np.sum(np.asarray(x) > 0))\n",
}


def _meta(grade_id: str, *, grade: bool, solution: bool, locked: bool,
          points: Optional[float] = None) -> dict:
    meta = {"grade": grade, "grade_id": grade_id, "locked": locked, "schema_version": 3,
            "solution": solution}
    if points is not None:
        meta["points"] = points
    return {"nbgrader": meta}


def _solution_cell(grade_id: str, body: str):
    head, rest = body.split("\n", 1)
    src = f"{head}\n    ### BEGIN SOLUTION\n{rest}    ### END SOLUTION\n"
    return new_code_cell(src, metadata=_meta(grade_id, grade=False, solution=True, locked=False))


def _test_cell(grade_id: str, visible: str, hidden: str):
    src = (textwrap.dedent(visible) + "### BEGIN HIDDEN TESTS\n" + textwrap.dedent(hidden)
           + "### END HIDDEN TESTS\n")
    return new_code_cell(src, metadata=_meta(grade_id, grade=True, solution=False, locked=True,
                                             points=POINTS[grade_id]))


def source_notebook():
    nb = new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    nb.cells = [
        new_markdown_cell("# Bài tập nhỏ dùng để kiểm thử bộ chấm"),
        new_code_cell("import numpy as np", metadata=_meta("setup", grade=False, solution=False,
                                                           locked=True)),
        _solution_cell("sol_square", CORRECT["sol_square"]),
        _test_cell("t_square", """\
            assert np.allclose(square(np.array([1.0, 2.0])), [1.0, 4.0])
            """, """\
            hidden_marker_square_7f3a = "bí mật"
            assert np.allclose(square(np.array([-3.0, 0.5])), [9.0, 0.25])
            from dlbook.course import probe
            probe.check("t_square", lambda **kw: square(**kw))
            """),
        _solution_cell("sol_scale", CORRECT["sol_scale"]),
        _test_cell("t_scale", """\
            from dlbook.course.checks import expect_close
            Z = standardize(np.array([[1.0, 2.0], [3.0, 6.0]]))
            expect_close(Z, [[-1.0, -1.0], [1.0, 1.0]], "standardize")
            """, """\
            hidden_marker_scale_9b2c = "bí mật"
            expect_close(standardize(np.array([[0.0], [2.0], [4.0]])).ravel(),
                         [-1.2247448713915890, 0.0, 1.2247448713915890], "standardize")
            from dlbook.course import probe
            probe.check("t_scale", lambda **kw: standardize(**kw))
            """),
        _solution_cell("sol_count", CORRECT["sol_count"]),
        _test_cell("t_count", """\
            assert count_positive(np.array([1.0, -1.0, 2.0])) == 2
            """, """\
            hidden_marker_count_4d1e = "bí mật"
            assert count_positive(np.array([-1.0, 0.0])) == 0
            from dlbook.course import probe
            probe.check("t_count", lambda **kw: count_positive(**kw))
            """),
    ]
    return nb


def build_course(root: Path) -> Path:
    """Write the course and generate the assignment (nbgrader); returns ``root``."""
    from dlbook.course.course import Course
    from dlbook.course.generate import generate

    root.mkdir(parents=True, exist_ok=True)
    (root / "nbgrader_config.py").write_text(CONFIG, encoding="utf-8")
    src = root / "solutions" / ASSIGNMENT
    src.mkdir(parents=True, exist_ok=True)
    nbformat.write(source_notebook(), src / f"{ASSIGNMENT}.ipynb")
    (src / "verify.py").write_text(VERIFY, encoding="utf-8")
    (src / "data.txt").write_text("dữ liệu công khai của bài\n", encoding="utf-8")
    warnings = generate(Course(root), ASSIGNMENT, progress=False)
    assert warnings == {ASSIGNMENT: []}, warnings
    return root


def copy_course(template: Path, dest: Path) -> Path:
    shutil.copytree(template, dest, symlinks=True)
    cfg = dest / "nbgrader_config.py"
    cfg.write_text(cfg.read_text(encoding="utf-8"), encoding="utf-8")
    return dest


def release_notebook(root: Path):
    return nbformat.read(root / "exercises" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb", as_version=4)


def student_notebook(root: Path, answers: Optional[Dict[str, str]] = None,
                     mutate: Optional[Callable] = None):
    """The released notebook with the answer cells filled in (``CORRECT`` by default)."""
    nb = release_notebook(root)
    answers = dict(CORRECT if answers is None else answers)
    for cell in nb.cells:
        gid = cell.metadata.get("nbgrader", {}).get("grade_id")
        if gid in answers:
            cell.source = answers[gid]
    if mutate is not None:
        nb = mutate(nb) or nb
    return nb


def submit(root: Path, student: str, nb=None, *, raw: Optional[bytes] = None,
           answers: Optional[Dict[str, str]] = None, mutate: Optional[Callable] = None,
           extra_files: Optional[Dict[str, bytes]] = None) -> Path:
    """Write ``submitted/<student>/fx/fx.ipynb`` (a notebook, or raw bytes)."""
    folder = root / "submitted" / student / ASSIGNMENT
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{ASSIGNMENT}.ipynb"
    if raw is not None:
        path.write_bytes(raw)
    else:
        nb = nb if nb is not None else student_notebook(root, answers, mutate)
        path.write_text(json.dumps(nb, ensure_ascii=False, indent=1), encoding="utf-8")
    for name, data in (extra_files or {}).items():
        (folder / name).write_bytes(data)
    return path


def with_answer(gid: str, source: str) -> Dict[str, str]:
    """CORRECT with one answer cell replaced."""
    answers = dict(CORRECT)
    answers[gid] = source
    return answers
