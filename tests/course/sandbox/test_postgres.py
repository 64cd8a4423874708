"""A PostgreSQL gradebook (issue 13): a real server (Debian's postgresql, started by the test as an
unprivileged user), generate → autograde → export through ``--db``, two ``autograde`` runs of two
assignments at the same time on one database; every grade equals the SQLite run's."""

from __future__ import annotations

import csv
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from pg_server import create_database, postgres_server
from sandbox_kit import ASSIGNMENT, MAX_SCORE, copy_course, submit, with_answer

pytestmark = pytest.mark.xdist_group("sandbox-postgres")

SECOND = "fx2"
LIMITS = ["--cell-timeout", "20", "--timeout", "120", "-j", "1"]
STUDENTS = {
    "sv_dung": None,  # every answer right
    "sv_mot_sai": with_answer("sol_scale", "def standardize(X):\n    return X\n"),
    "sv_trang": {},  # nothing answered
}


def dlbook(root: Path, *args: str, db=None, **kw):
    cmd = [sys.executable, "-m", "dlbook.course", *args, "--course", str(root), "--no-progress"]
    if db:
        cmd += ["--db", db]
    return subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            env=dict(os.environ), **kw)


def finish(proc) -> str:
    out, _ = proc.communicate(timeout=900)
    assert proc.returncode == 0, out
    return out


def _course(template: Path, dest: Path, db=None) -> Path:
    """The fixture course with a second assignment (a copy of the first), generated into ``db``
    (or the course's SQLite), and the same three students' submissions of both."""
    root = copy_course(template, dest)
    shutil.copytree(root / "solutions" / ASSIGNMENT, root / "solutions" / SECOND)
    for assignment in (ASSIGNMENT, SECOND):
        finish(dlbook(root, "generate", assignment, db=db))
    for student, answers in STUDENTS.items():
        submit(root, student, answers=answers)
        shutil.copytree(root / "submitted" / student / ASSIGNMENT,
                        root / "submitted" / student / SECOND)
    return root


def _grades(csv_path: Path):
    with open(csv_path, encoding="utf-8-sig") as fh:
        rows = list(csv.DictReader(fh))
    assert rows, "export wrote no rows"
    return sorted((tuple(sorted(r.items())) for r in rows))


@pytest.fixture(scope="module")
def server():
    with postgres_server() as url:
        yield url


def test_postgres_gradebook_gives_the_sqlite_grades_with_two_runs_at_once(course_template,
                                                                          tmp_path, server):
    db = create_database(server, "khoa_hoc")
    pg = _course(course_template, tmp_path / "pg", db=db)
    sq = _course(course_template, tmp_path / "sqlite")
    # PostgreSQL: two assignments graded at the same time by two autograde processes
    runs = [dlbook(pg, "autograde", a, *LIMITS, db=db) for a in (ASSIGNMENT, SECOND)]
    outputs = [finish(p) for p in runs]
    assert all("Đã chấm 3/3" in out for out in outputs), outputs
    for a in (ASSIGNMENT, SECOND):
        finish(dlbook(sq, "autograde", a, *LIMITS))
    finish(dlbook(pg, "export", "--out", str(tmp_path / "pg.csv"), db=db))
    finish(dlbook(sq, "export", "--out", str(tmp_path / "sq.csv")))
    assert _grades(tmp_path / "pg.csv") == _grades(tmp_path / "sq.csv")

    from dlbook.course.course import Course

    with Course(pg).gradebook() as gb:  # the course's own SQLite file got nothing
        assert gb.find_assignment(ASSIGNMENT).submissions == [], "grades went to SQLite"

    with Course(pg, db_url=db).gradebook() as gb:
        for a in (ASSIGNMENT, SECOND):
            scores = {s.student.id: s.score for s in gb.find_assignment(a).submissions}
            assert scores == {"sv_dung": pytest.approx(MAX_SCORE),
                              "sv_mot_sai": pytest.approx(MAX_SCORE - 3.0),
                              "sv_trang": 0.0}, (a, scores)
            assert len(gb.find_assignment(a).submissions) == 3  # one per student, never two
