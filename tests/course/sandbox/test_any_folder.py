"""Grading works from any folder (issue 12, item 7): run from a course root that holds a
``dlbook/`` tree of its own — a copy of the book's sources or a broken decoy — the worker and the
kernel still import the same student runtime and an honest student gets full marks; and when the
sandbox cannot import that runtime, ``autograde`` stops before grading anyone (the canary) instead
of giving everyone 0."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from sandbox_kit import ASSIGNMENT, MAX_SCORE, copy_course, submit

pytestmark = pytest.mark.xdist_group("sandbox-folder")

REPO = Path(__file__).resolve().parents[3]
DECOY = 'raise ImportError("decoy dlbook of the current folder was imported")\n'


def _options():
    from dlbook.course.autograde import AutogradeOptions
    from dlbook.course.sandbox import Limits

    return AutogradeOptions(jobs=1, progress=False,
                            limits=Limits(cell_timeout=30, submission_timeout=120))


@pytest.mark.parametrize("tree", ["sources", "decoy"])
def test_grading_from_a_folder_with_a_dlbook_tree(course_template, tmp_path, monkeypatch, tree):
    from dlbook.course.autograde import autograde
    from dlbook.course.course import Course

    root = copy_course(course_template, tmp_path / "course")
    if tree == "sources":
        shutil.copytree(REPO / "dlbook", root / "dlbook",
                        ignore=shutil.ignore_patterns("__pycache__"))
    else:
        (root / "dlbook").mkdir()
        (root / "dlbook" / "__init__.py").write_text(DECOY, encoding="utf-8")
        (root / "dlbook" / "course").mkdir()
        (root / "dlbook" / "course" / "__init__.py").write_text(DECOY, encoding="utf-8")
    submit(root, "honest")
    monkeypatch.chdir(root)
    monkeypatch.setenv("PYTHONPATH", str(root))
    (record,) = autograde(Course(root), ASSIGNMENT, options=_options(), log=lambda *_: None)
    assert record["status"] == "graded", record
    assert record["score"] == pytest.approx(MAX_SCORE), record
    assert record["needs_review"] is False, record


def test_a_broken_student_runtime_stops_grading_before_anyone_gets_zero(course_template,
                                                                       tmp_path, monkeypatch):
    from dlbook.course import autograde as autograde_module
    from dlbook.course.course import Course, CourseError
    from dlbook.course.records import load_records

    root = copy_course(course_template, tmp_path / "course")
    submit(root, "honest")
    real = autograde_module.build_runtime

    def broken_runtime(dest=None):
        runtime = real(dest)
        (runtime / "dlbook" / "course" / "probe.py").unlink()  # what every test cell imports
        return runtime

    monkeypatch.setattr(autograde_module, "build_runtime", broken_runtime)
    with pytest.raises(CourseError, match="Dừng chấm"):
        autograde_module.autograde(Course(root), ASSIGNMENT, options=_options(),
                                   log=lambda *_: None)
    assert load_records(Course(root), ASSIGNMENT) == {}, "nobody may be graded by a broken sandbox"
