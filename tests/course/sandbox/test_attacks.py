"""Adversarial submissions: each gets the score it deserves; nothing else is touched.

One course copy, one submission per attack (``attacks.ATTACKS``), graded once with
``dlbook course autograde`` machinery (2 workers, small limits), then feedback. The tests check
each student's score in the gradebook, the trusted verdicts, what the attacks saw from inside the
sandbox, that the gradebook, the sources and the other students are intact, that nothing keeps
running, that the feedback holds no hidden test, and that a re-run gives the same numbers.
"""

from __future__ import annotations

import hashlib
import html
import json
import re
import socket
import sqlite3
from pathlib import Path

import pytest

from attacks import ATTACKS
from sandbox_kit import ASSIGNMENT, HIDDEN_MARKERS, MAX_SCORE, copy_course, submit

pytestmark = pytest.mark.xdist_group("sandbox-attacks")

LIMITS = dict(cell_timeout=8, submission_timeout=120, memory_mb=1024)
HIDDEN_LINE = "assert np.allclose(square(np.array([-3.0, 0.5])), [9.0, 0.25])"


def _tree_digest(folder: Path) -> dict:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def _gradebook_definition(db: Path) -> dict:
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        return {
            "source_cell": sorted(con.execute(
                "SELECT name, source, checksum, locked FROM source_cell").fetchall()),
            "grade_cells": sorted(con.execute(
                "SELECT b.name, g.max_score FROM grade_cells g JOIN base_cell b ON b.id = g.id"
            ).fetchall()),
            "assignment": sorted(con.execute("SELECT name FROM assignment").fetchall()),
        }
    finally:
        con.close()


def _outputs_text(root: Path, student: str) -> str:
    nb = json.loads((root / "autograded" / student / ASSIGNMENT / f"{ASSIGNMENT}.ipynb")
                    .read_text(encoding="utf-8"))
    parts = []
    for cell in nb["cells"]:
        for out in cell.get("outputs", []):
            text = out.get("text", "")
            parts.append("".join(text) if isinstance(text, list) else text)
    return "\n".join(parts)


def _line(text: str, prefix: str) -> str:
    for line in text.splitlines():
        if line.startswith(prefix):
            return line[len(prefix):]
    raise AssertionError(f"no line starting with {prefix!r} in the outputs")


@pytest.fixture(scope="module")
def graded(course_template, tmp_path_factory):
    from dlbook.course.autograde import AutogradeOptions, autograde
    from dlbook.course.course import Course
    from dlbook.course.feedback import generate_feedback
    from dlbook.course.sandbox import Limits

    root = copy_course(course_template, tmp_path_factory.mktemp("attacks") / "course")
    scratch = tmp_path_factory.mktemp("scratch")
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    port = listener.getsockname()[1]
    for name, (answers, mutate, _) in ATTACKS.items():
        submit(root, name, answers={k: v.format(root=str(root), port=port)
                                    for k, v in answers.items()}, mutate=mutate)
    before = {
        "gradebook": _gradebook_definition(root / "gradebook.db"),
        "solutions": _tree_digest(root / "solutions"),
        "exercises": _tree_digest(root / "exercises"),
    }
    course = Course(root)
    options = AutogradeOptions(jobs=2, limits=Limits(**LIMITS), progress=False,
                               scratch_base=str(scratch))
    records = {r["student"]: r for r in autograde(course, ASSIGNMENT, options=options,
                                                  log=lambda *_: None)}
    feedback = generate_feedback(course, ASSIGNMENT, progress=False)
    listener.close()
    with course.gradebook() as gb:
        scores = {s: gb.find_submission(ASSIGNMENT, s).score for s in records}
        max_scores = {s: gb.find_submission(ASSIGNMENT, s).max_score for s in records}
    return {"root": root, "course": course, "records": records, "before": before,
            "scores": scores, "max_scores": max_scores, "feedback": feedback,
            "scratch": scratch, "options": options}


@pytest.mark.parametrize("name", sorted(ATTACKS))
def test_attack_gets_the_score_it_deserves(graded, name):
    expected = ATTACKS[name][2]
    record = graded["records"][name]
    assert record["status"] == "graded", record.get("error")
    assert graded["scores"][name] == pytest.approx(expected), record["notebooks"]
    assert record["score"] == pytest.approx(expected)
    assert graded["max_scores"][name] == pytest.approx(MAX_SCORE)


def test_every_lost_task_has_a_reason(graded):
    for name, record in graded["records"].items():
        for gid, task in record["notebooks"][ASSIGNMENT]["tasks"].items():
            if task["score"] < task["points"]:
                assert task["verified"] is False or task["nbgrader_error"], (name, gid, task)
                assert task["reason"] or task["nbgrader_error"], (name, gid)


def test_honest_students_are_not_flagged(graded):
    for name in ("honest", "uses_data_file", "partial"):
        assert graded["records"][name]["needs_review"] is False, graded["records"][name]


def test_gradebook_sources_and_release_are_untouched(graded):
    root, before = graded["root"], graded["before"]
    assert _gradebook_definition(root / "gradebook.db") == before["gradebook"]
    assert _tree_digest(root / "solutions") == before["solutions"]
    assert _tree_digest(root / "exercises") == before["exercises"]
    con = sqlite3.connect(f"file:{root / 'gradebook.db'}?mode=ro", uri=True)
    try:
        assert con.execute("SELECT COUNT(*) FROM grade WHERE manual_score IS NOT NULL "
                           "OR extra_credit IS NOT NULL").fetchone()[0] == 0
        names = {n for (n,) in con.execute(
            "SELECT b.name FROM grade_cells g JOIN base_cell b ON b.id = g.id")}
    finally:
        con.close()
    assert names == {"t_square", "t_scale", "t_count"}


def test_secrets_are_not_visible_from_the_sandbox(graded):
    seen = json.loads(_line(_outputs_text(graded["root"], "read_secrets"), "SECRETS="))
    assert all(result != "READ" for result in seen["open"].values()), seen["open"]
    assert seen["walk"] == []


def test_writes_outside_the_sandbox_fail(graded):
    tries = _line(_outputs_text(graded["root"], "write_gradebook"), "WRITES=")
    assert "'db': 'OperationalError'" in tries
    assert tries.count("WROTE") == 1 and "'../gradebook.db': 'WROTE'" in tries  # its own home
    assert not (graded["root"].parent / "gradebook.db").exists()


def test_no_network_in_the_sandbox(graded):
    net = _line(_outputs_text(graded["root"], "network"), "NET=")
    assert "'ifaces': ['lo']" in net
    assert "CONNECTED" not in net  # not even the grader's own loopback (own network namespace)


def test_nothing_in_the_environment_says_grading(graded):
    env = _line(_outputs_text(graded["root"], "env_detection"), "ENV=").split(",")
    assert env and not [k for k in env if k.startswith(("NBGRADER", "JPY"))]


def test_huge_output_is_cut(graded):
    path = graded["root"] / "autograded" / "huge_output" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
    assert path.stat().st_size < 2_000_000
    events = graded["records"]["huge_output"]["notebooks"][ASSIGNMENT]["events"]
    assert any(ev["kind"] == "output_truncated" for ev in events)


@pytest.mark.parametrize("name, kind", [("os_exit", "kernel_died"), ("segfault", "kernel_died"),
                                        ("sigkill_in_solution", "kernel_died"),
                                        ("ignore_sigint_loop", "kernel_hung"),
                                        ("infinite_loop", "cell_timeout"),
                                        ("orphan_process", "stray_processes"),
                                        ("sigkill_in_solution", "verify_cell_broke")])
def test_crashes_and_tampering_are_recorded(graded, name, kind):
    record = graded["records"][name]
    assert any(ev["kind"] == kind for ev in record["notebooks"][ASSIGNMENT]["events"])
    if kind in ("kernel_died", "kernel_hung", "verify_cell_broke"):
        assert record["needs_review"] is True


@pytest.mark.parametrize("name, code", [("edited_test_cell", "locked_cell_edited"),
                                        ("deleted_test_cell", "test_cell_deleted"),
                                        ("added_test_cell", "unknown_grade_cell"),
                                        ("inflated_points", "metadata_changed"),
                                        ("relabelled_test_cell", "metadata_changed")])
def test_tampered_notebooks_are_flagged(graded, name, code):
    record = graded["records"][name]
    assert code in [f["code"] for f in record["flags"]]
    assert record["needs_review"] is True


def test_no_process_or_scratch_folder_survives(graded):
    from dlbook.course.sandbox import processes_of_uid

    uids = {r["sandbox_uid"] for r in graded["records"].values()}
    assert uids and None not in uids
    assert {uid: processes_of_uid(uid) for uid in uids} == {uid: [] for uid in uids}
    assert list(graded["scratch"].iterdir()) == []


def _html_text(path: Path) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", path.read_text(encoding="utf-8")))


def test_feedback_shows_no_hidden_test(graded):
    root = graded["root"]
    assert set(graded["feedback"].values()) == {"ok"}
    pages = sorted((root / "feedback").glob(f"*/{ASSIGNMENT}/{ASSIGNMENT}.html"))
    assert len(pages) == len(ATTACKS)
    for page in pages:
        text = _html_text(page)
        for marker in HIDDEN_MARKERS + [HIDDEN_LINE]:
            assert marker not in text, (page, marker)
    # the hidden test was in the autograded notebook (the attack printed it): only feedback hides it
    assert HIDDEN_MARKERS[0] in _outputs_text(root, "read_secrets")
    wrong = _html_text(root / "feedback" / "monkeypatch_numpy" / ASSIGNMENT / f"{ASSIGNMENT}.html")
    assert "Kiểm tra độc lập" in wrong


def test_regrading_gives_the_same_numbers(graded):
    """Sequential re-run (1 worker) of a sample: same scores and verdicts as the parallel run."""
    from dlbook.course.autograde import AutogradeOptions, autograde

    sample = ["honest", "partial", "os_exit", "monkeypatch_numpy", "always_true_eq",
              "deleted_test_cell"]
    first = {s: graded["records"][s] for s in sample}
    options = AutogradeOptions(jobs=1, limits=graded["options"].limits, progress=False)
    again = {r["student"]: r for r in autograde(graded["course"], ASSIGNMENT, sample, options,
                                                log=lambda *_: None)}

    def summary(rec):
        return (rec["score"], {g: (t["score"], t["verified"])
                               for g, t in rec["notebooks"][ASSIGNMENT]["tasks"].items()},
                sorted(f["code"] for f in rec["flags"]))

    assert {s: summary(again[s]) for s in sample} == {s: summary(first[s]) for s in sample}
    with graded["course"].gradebook() as gb:
        for s in sample:
            assert gb.find_submission(ASSIGNMENT, s).score == pytest.approx(ATTACKS[s][2])
