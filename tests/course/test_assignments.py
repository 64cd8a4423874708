"""Every assignment graded through the real nbgrader commands (generate_assignment, autograde).

For each assignment three submissions are autograded (see ``graded_course`` in conftest.py): the
solution notebook, the released notebook as the student gets it, and the release with every other
task solved.
"""

from __future__ import annotations

import pytest

from course_support import ASSIGNMENTS, read_source, tasks_of

# Every test that grades shares one session fixture; keep them in one xdist worker.
nbgrader_run = [pytest.mark.slow, pytest.mark.xdist_group("nbgrader")]


def _graded(test):
    for mark in nbgrader_run:
        test = mark(test)
    return test


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_assignment_has_three_to_eight_graded_tasks_with_points(assignment):
    tasks = tasks_of(read_source(assignment))
    assert 3 <= len(tasks) <= 8, [t.grade_id for t in tasks]
    assert all(t.points > 0 for t in tasks)


@_graded
@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_nbgrader_generate_and_autograde_run_without_error(assignment, graded_course):
    graded = graded_course[assignment]
    assert graded.generate.returncode == 0, graded.log()
    assert graded.autograde.returncode == 0, graded.log()


@_graded
@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_solution_notebook_scores_full_marks(assignment, graded_course):
    graded = graded_course[assignment]
    assert graded.autograde.returncode == 0, graded.log()
    grades = graded.grades["solution"]
    failed = {gid: g for gid, g in grades.items() if g[0] != g[1] or g[2]}
    assert not failed, f"tasks not at full marks in the solution: {failed}\n{graded.log()}"
    assert graded.scores["solution"] == sum(t.points for t in graded.tasks)


@_graded
@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_released_notebook_unmodified_scores_zero_without_manual_grading(assignment,
                                                                          graded_course):
    graded = graded_course[assignment]
    assert graded.autograde.returncode == 0, graded.log()
    grades = graded.grades["release"]
    assert set(grades) == {t.grade_id for t in graded.tasks}
    assert all(score == 0 and not manual for score, _, manual in grades.values()), grades
    assert graded.scores["release"] == 0


@_graded
@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_partial_submission_gets_exactly_the_points_of_the_solved_tasks(assignment,
                                                                         graded_course):
    graded = graded_course[assignment]
    assert graded.autograde.returncode == 0, graded.log()
    grades = graded.grades["partial"]
    expected = {t.grade_id: (t.points if t.grade_id in graded.partial_solved else 0.0)
                for t in graded.tasks}
    got = {gid: g[0] for gid, g in grades.items()}
    assert got == expected
    assert not any(g[2] for g in grades.values())
    assert graded.scores["partial"] == sum(expected.values())
