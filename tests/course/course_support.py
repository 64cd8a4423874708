"""Helpers of the course tests: assignments, the real nbgrader commands, notebook runs.

``grade_assignments`` (behind the ``graded_course`` fixture of conftest.py) grades four
submissions of every assignment through the real ``nbgrader generate_assignment`` and
``dlbook course autograde`` (nbgrader's Autograde with the kernel in the sandbox, the trusted
verification in a separate sandboxed process and the assignment's rules) in a temporary copy of
the course: the released notebook with every answer cell filled in from the solution, as a
student who solved everything hands it in (``solution``), the released notebook unmodified
(``release``), the released notebook with the solutions of every other task filled in
(``partial``) and the solution with an import of the book's reference code at the top of every
answer cell (``bypass``). Assignments are graded in one
course copy per worker (own gradebook); the fixture runs the workers at once.
"""

from __future__ import annotations

import json
import linecache
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List

import nbformat

from dlbook.course.cells import nbgrader_meta

REPO = Path(__file__).resolve().parents[2]
SOLUTIONS = REPO / "solutions"
EXERCISES = REPO / "exercises"
ASSIGNMENTS = sorted(
    p.name for p in SOLUTIONS.iterdir() if p.is_dir() and (p / f"{p.name}.ipynb").exists()
) if SOLUTIONS.is_dir() else []

SOLUTION_REGION = re.compile(r"^[ \t]*### BEGIN SOLUTION[ \t]*\n(.*?)^[ \t]*### END SOLUTION[ \t]*$",
                             re.S | re.M)
HIDDEN_REGION = re.compile(
    r"^[ \t]*### BEGIN HIDDEN TESTS[ \t]*\n(.*?)^[ \t]*### END HIDDEN TESTS[ \t]*$", re.S | re.M)


@dataclass
class TaskInfo:
    grade_id: str          # the graded test cell
    solution_id: str       # the answer cell the student fills in
    points: float


def read_source(name: str) -> nbformat.NotebookNode:
    return nbformat.read(SOLUTIONS / name / f"{name}.ipynb", as_version=4)


def tasks_of(nb: nbformat.NotebookNode) -> List[TaskInfo]:
    """Graded tasks in notebook order; the answer cell of test ``T`` is ``T_code``."""
    solution_ids = {nbgrader_meta(c).get("grade_id") for c in nb.cells
                    if nbgrader_meta(c).get("solution")}
    tasks = []
    for cell in nb.cells:
        meta = nbgrader_meta(cell)
        if meta.get("grade") and cell.cell_type == "code":
            sol = f"{meta['grade_id']}_code"
            assert sol in solution_ids, f"test cell {meta['grade_id']} has no answer cell {sol}"
            tasks.append(TaskInfo(meta["grade_id"], sol, float(meta["points"])))
    return tasks


def strip_solution_markers(source: str) -> str:
    """What a student who solved the task would have typed: the solution, without markers."""
    return SOLUTION_REGION.sub(lambda m: m.group(1).rstrip("\n"), source)


def partial_submission(release: nbformat.NotebookNode, source: nbformat.NotebookNode,
                       solved: List[str]) -> nbformat.NotebookNode:
    """The released notebook with the answer cells ``solved`` filled in from the solution."""
    answers = {nbgrader_meta(c).get("grade_id"): c.source for c in source.cells
               if nbgrader_meta(c).get("solution")}
    nb = nbformat.from_dict(json.loads(json.dumps(release)))
    for cell in nb.cells:
        gid = nbgrader_meta(cell).get("grade_id")
        if gid in solved:
            cell.source = strip_solution_markers(answers[gid])
    return nb


# ---------------------------------------------------------------------------------------------
# Real nbgrader runs


def run_nbgrader(args: List[str], cwd: Path, timeout: float = 900) -> subprocess.CompletedProcess:
    env = dict(os.environ)
    env["PATH"] = str(Path(sys.executable).parent) + os.pathsep + env.get("PATH", "")
    env.setdefault("OMP_NUM_THREADS", "1")
    return subprocess.run([sys.executable, "-m", "nbgrader", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=timeout)


@dataclass
class GradedAssignment:
    name: str
    course: Path
    tasks: List[TaskInfo]
    generate: subprocess.CompletedProcess
    autograde: subprocess.CompletedProcess
    partial_solved: List[str]
    records: Dict[str, dict] = field(default_factory=dict)  #: student -> grading record
    # student -> grade_id -> (score, max_score, needs_manual_grade)
    grades: Dict[str, Dict[str, tuple]] = field(default_factory=dict)
    scores: Dict[str, float] = field(default_factory=dict)

    @property
    def release_notebook(self) -> Path:
        return self.course / "exercises" / self.name / f"{self.name}.ipynb"

    def log(self) -> str:
        return (self.generate.stdout + self.generate.stderr + self.autograde.stdout
                + self.autograde.stderr)[-6000:]


STUDENTS = ("solution", "release", "partial", "bypass")

#: Put at the top of every answer cell of the "bypass" student: the book's reference code, if it
#: can be had. The answers themselves are the solution, so only the rules can give them 0.
BYPASS_HEADER = ("try:\n"
                 "    import dlbook.scratch as _reference  # the book's reference implementation\n"
                 "except ImportError:\n"
                 "    _reference = None\n")


def solution_ids(source: nbformat.NotebookNode) -> List[str]:
    """The grade ids of every answer cell of the solution notebook."""
    return [nbgrader_meta(c).get("grade_id") for c in source.cells
            if nbgrader_meta(c).get("solution")]


def bypass_submission(release: nbformat.NotebookNode, source: nbformat.NotebookNode
                      ) -> nbformat.NotebookNode:
    """The solution, every answer cell starting with an import of the reference code."""
    nb = partial_submission(release, source, solution_ids(source))
    for cell in nb.cells:
        if nbgrader_meta(cell).get("solution") and cell.cell_type == "code":
            cell.source = BYPASS_HEADER + cell.source
    return nb


class _Done:
    """What the tests read of a grading step (the shape of a CompletedProcess)."""

    def __init__(self, returncode: int, stdout: str = "", stderr: str = ""):
        self.returncode, self.stdout, self.stderr = returncode, stdout, stderr


def sandboxed_autograde(course: Path, names: List[str]):
    """``dlbook course autograde`` (sandbox, trusted verification, rules) of every assignment."""
    import traceback

    from dlbook.course.autograde import AutogradeOptions, autograde
    from dlbook.course.course import Course
    from dlbook.course.sandbox import Limits

    records, lines = {}, []
    # one grading process per course copy: the fixture already grades two copies at once, and one
    # process grades 1 of its 4 submissions with a cold kernel where two grade 2 (a sandboxed
    # kernel's cold start costs 2–8 s under load; the warm one boots while the previous is graded)
    options = AutogradeOptions(jobs=1, progress=False,
                               limits=Limits(cell_timeout=240, submission_timeout=600))
    try:
        for name in names:
            records[name] = {r["student"]: r for r in autograde(
                Course(course), name, options=options, log=lines.append)}
    except Exception:  # noqa: BLE001 - reported by the tests
        return _Done(1, "\n".join(lines), traceback.format_exc()), records
    errors = [f"{n}/{s}: {r.get('error')}" for n, recs in records.items()
              for s, r in recs.items() if r.get("status") != "graded"]
    return _Done(1 if errors else 0, "\n".join(lines), "\n".join(errors)), records


def grade_assignments(names: List[str], course: Path) -> Dict[str, GradedAssignment]:
    """Generate, submit and autograde ``names`` in one fresh course copy at ``course``.

    One ``nbgrader generate_assignment "*"`` and one ``nbgrader autograde "*"`` for the whole
    group (each nbgrader start costs seconds), three students per assignment.
    """
    if course.exists():
        shutil.rmtree(course)
    (course / "solutions").mkdir(parents=True)
    shutil.copy(REPO / "nbgrader_config.py", course / "nbgrader_config.py")
    for name in names:
        shutil.copytree(SOLUTIONS / name, course / "solutions" / name,
                        ignore=shutil.ignore_patterns("__pycache__", ".ipynb_checkpoints"))
    generate = run_nbgrader(["generate_assignment", "*", "--force"], course)
    plans = {}
    for name in names:
        source = read_source(name)
        tasks = tasks_of(source)
        plans[name] = (source, tasks, [t.solution_id for t in tasks[::2]])
    if generate.returncode == 0:
        for name, (source, tasks, solved) in plans.items():
            released = course / "exercises" / name / f"{name}.ipynb"
            release = nbformat.read(released, as_version=4)
            submissions = {
                "solution": partial_submission(release, source, solution_ids(source)),
                "release": release,
                "partial": partial_submission(release, source, solved),
                "bypass": bypass_submission(release, source),
            }
            for student, nb in submissions.items():
                folder = course / "submitted" / student / name
                folder.mkdir(parents=True)
                if student == "release":  # byte for byte what the student downloads
                    shutil.copy(released, folder)
                else:
                    nbformat.write(nb, folder / f"{name}.ipynb")
        autograde, records = sandboxed_autograde(course, names)
    else:
        autograde, records = subprocess.CompletedProcess([], 1, "", "generate failed"), {}
    results = {}
    for name, (source, tasks, solved) in plans.items():
        results[name] = GradedAssignment(name, course, tasks, generate, autograde,
                                         [s[: -len("_code")] for s in solved],
                                         records.get(name, {}))
    if autograde.returncode == 0:
        from nbgrader.api import Gradebook

        with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
            for name, result in results.items():
                for student in STUDENTS:
                    sub = gb.find_submission(name, student)
                    result.scores[student] = sub.score
                    result.grades[student] = {
                        g.name: (g.score, g.max_score, g.needs_manual_grade)
                        for nb in sub.notebooks for g in nb.grades
                    }
    return results


#: Relative cost of grading an assignment (the PyTorch one trains a CNN twice).
GRADING_COST = {"a07-cnn-pytorch": 4.0, "a05-conv-pool": 1.5, "a11-gan-step": 1.5,
                "a13-diffusion": 1.5}


def split_for_workers(names: List[str], workers: int) -> List[List[str]]:
    """Greedy longest-first split of the assignments into ``workers`` balanced groups."""
    groups: List[List[str]] = [[] for _ in range(workers)]
    loads = [0.0] * workers
    for name in sorted(names, key=lambda n: -GRADING_COST.get(n, 1.0)):
        i = loads.index(min(loads))
        groups[i].append(name)
        loads[i] += GRADING_COST.get(name, 1.0)
    return [g for g in groups if g]


# ---------------------------------------------------------------------------------------------
# In-process execution of a notebook's code cells (for the verifier tests)


def exec_notebook(nb: nbformat.NotebookNode, cwd: Path, name: str) -> dict:
    """Execute every code cell of ``nb`` in a fresh ``__main__``-like namespace, in ``cwd``.

    Cells get a file name registered in ``linecache`` so ``inspect.getsource`` works on the
    functions they define, as it does in a Jupyter kernel. Errors propagate.
    """
    namespace = {"__name__": "__main__", "__builtins__": __builtins__}
    old = Path.cwd()
    os.chdir(cwd)
    try:
        for i, cell in enumerate(nb.cells):
            if cell.cell_type != "code":
                continue
            filename = f"<{name}-cell-{i}>"
            source = cell.source
            linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
            exec(compile(source, filename, "exec"), namespace)  # noqa: S102 - our own notebooks
    finally:
        os.chdir(old)
    return namespace
