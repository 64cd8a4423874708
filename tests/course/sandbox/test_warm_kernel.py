"""Kernels started ahead of need (issue 13): when a worker has graded a submission it starts the
sandboxed kernel of the next one, which boots while the result goes back and the next task comes.

The next submission of the same assignment uses it and sees nothing of the student before; a warm
kernel that died is replaced; a submission of another assignment never gets it; nothing is left
running or on disk when the worker closes."""

from __future__ import annotations

import dataclasses
import os
import time
from dataclasses import asdict

import pytest

from sandbox_kit import ASSIGNMENT, MAX_SCORE, copy_course, submit, with_answer

pytestmark = pytest.mark.xdist_group("sandbox-warm")

LEAVES_FILES = with_answer("sol_square", (
    "import os\n"
    "open('left_by_a.txt', 'w').write('a')\n"
    "open(os.path.expanduser('~/left_in_home_a.txt'), 'w').write('a')\n"
    "def square(x):\n    return np.asarray(x, dtype=float) ** 2\n"))
LOOKS_FOR_FILES = with_answer("sol_square", (
    "import os\n"
    "_seen = os.path.exists('left_by_a.txt') or "
    "os.path.exists(os.path.expanduser('~/left_in_home_a.txt'))\n"
    "def square(x):\n"
    "    if _seen:\n        return np.zeros(np.shape(x))\n"
    "    return np.asarray(x, dtype=float) ** 2\n"))


@pytest.fixture()
def graded(course_template, tmp_path):
    from dlbook.course.bundle import pack_assignment, pack_submission
    from dlbook.course.course import Course
    from dlbook.course.sandbox import Limits
    from dlbook.course.worker import Grader

    root = copy_course(course_template, tmp_path / "course")
    submit(root, "sv_a", answers=LEAVES_FILES)
    for student in ("sv_b", "sv_c", "sv_d"):
        submit(root, student, answers=LOOKS_FOR_FILES)
    course = Course(root)
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    grader = Grader({"limits": asdict(Limits(cell_timeout=60, submission_timeout=180)),
                     "scratch_base": str(scratch)})
    bundle = pack_assignment(course, ASSIGNMENT)

    def grade(student, the_bundle=None):
        result = grader.grade(the_bundle or bundle, pack_submission(course, ASSIGNMENT, student))
        rec = result["record"]
        assert rec["status"] == "graded", rec
        return rec

    yield grader, bundle, grade, scratch
    grader.close()


def _warm(rec) -> bool:
    return rec["notebooks"][ASSIGNMENT]["warm_start"]


def _processes(uid, expected: int, wait: float = 10.0):
    """The sandbox uid's processes, once there are ``expected`` of them (a kernel that was just
    launched takes a moment to drop to the uid)."""
    from dlbook.course import sandbox

    deadline = time.monotonic() + wait
    while True:
        pids = sandbox.processes_of_uid(uid)
        if len(pids) == expected or time.monotonic() > deadline:
            return pids
        time.sleep(0.05)


def _points(rec) -> float:
    """The points of the tasks that passed both nbgrader's test and the verification (the
    gradebook's score, which the client writes: the worker alone does not)."""
    tasks = rec["notebooks"][ASSIGNMENT]["tasks"].values()
    return sum(t["points"] for t in tasks if t["nbgrader_passed"] and t["verified"])


def test_the_next_submission_uses_the_warm_kernel_and_sees_nothing_before(graded):
    grader, _, grade, _ = graded
    first = grade("sv_a")
    assert not _warm(first) and _points(first) == pytest.approx(MAX_SCORE)
    assert len(_processes(grader.uid, 1)) == 1, "one warm kernel waits"
    second = grade("sv_b")
    assert _warm(second), second["notebooks"]
    assert _points(second) == pytest.approx(MAX_SCORE), "the warm kernel saw sv_a's files"


def test_a_warm_kernel_that_died_is_replaced(graded):
    from dlbook.course import sandbox

    grader, _, grade, _ = graded
    grade("sv_a")
    assert len(_processes(grader.uid, 1)) == 1
    assert sandbox.kill_uid_processes(grader.uid) >= 1
    rec = grade("sv_b")
    assert not _warm(rec) and _points(rec) == pytest.approx(MAX_SCORE)
    assert _warm(grade("sv_c"))


def test_another_assignment_never_gets_it_and_nothing_is_left(graded):
    grader, bundle, grade, scratch = graded
    grade("sv_a")
    other = dataclasses.replace(bundle, digest="0" * 64)  # another assignment's bundle
    rec = grade("sv_b", other)
    assert not _warm(rec) and _points(rec) == pytest.approx(MAX_SCORE)
    assert len(_processes(grader.uid, 1)) == 1
    grader.close()
    assert _processes(grader.uid, 0) == []
    assert os.listdir(scratch) == [], os.listdir(scratch)
