"""Bad notebooks: a clear reason, flagged for manual review, and the other students still graded.

Repairable problems (NUL bytes, cell ids, megabytes of stored output) are repaired and graded;
unreadable notebooks (invalid JSON, not UTF-8, wrong nbformat, not a notebook, missing) get 0 and
a reason, and are not written into the gradebook. A submission that runs past its total time limit
keeps the points of the tasks that ran before the deadline.
"""

from __future__ import annotations

import json

import pytest

from sandbox_kit import (ASSIGNMENT, MAX_SCORE, copy_course, student_notebook, submit,
                         with_answer)

pytestmark = pytest.mark.xdist_group("sandbox-malformed")


def _json(nb) -> bytes:
    return json.dumps(nb, ensure_ascii=False, indent=1).encode("utf-8")


def _cases(root):
    good = student_notebook(root)
    nb = json.loads(_json(good))

    missing_ids = json.loads(_json(good))
    for cell in missing_ids["cells"]:
        cell.pop("id", None)
    missing_ids["nbformat_minor"] = 5

    duplicate_ids = json.loads(_json(good))
    for cell in duplicate_ids["cells"]:
        cell["id"] = "same"

    large = json.loads(_json(good))
    code_cell = next(c for c in large["cells"] if c["cell_type"] == "code")
    code_cell["outputs"] = [{"output_type": "stream", "name": "stdout",
                             "text": ["y" * 1000 + "\n"] * 5000}]

    old = json.loads(_json(good))
    old["nbformat"] = 3

    raw = _json(good)
    return {
        # name: (bytes, expected score, flag code, graded?)
        "honest": (raw, MAX_SCORE, None, True),
        "null_bytes": (raw[:1] + b"\x00\x00" + raw[1:], MAX_SCORE, "null_bytes", True),
        "missing_ids": (_json(missing_ids), MAX_SCORE, "missing_cell_ids", True),
        "duplicate_ids": (_json(duplicate_ids), MAX_SCORE, "duplicate_cell_ids", True),
        "large_output": (_json(large), MAX_SCORE, "large_output", True),
        "invalid_json": (raw[: len(raw) // 2], 0, "invalid_json", False),
        "not_utf8": (b"\xff\xfe\x00\x81" * 100, 0, "not_utf8", False),
        "wrong_nbformat": (_json(old), 0, "wrong_nbformat", False),
        "not_a_notebook": (b"[1, 2, 3]", 0, "not_notebook", False),
        "not_json_at_all": (b"print('hello')\n", 0, "invalid_json", False),
    }


SLOW = with_answer("sol_scale", "import time\ntime.sleep(8)\ndef standardize(X):\n"
                   "    X = np.asarray(X, dtype=float)\n"
                   "    return (X - X.mean(axis=0)) / X.std(axis=0)\n")
SLOW["sol_count"] = ("import time\ntime.sleep(12)\ndef count_positive(x):\n"
                     "    return int(np.sum(np.asarray(x) > 0))\n")


@pytest.fixture(scope="module")
def graded(course_template, tmp_path_factory):
    from dlbook.course.autograde import AutogradeOptions, autograde
    from dlbook.course.course import Course
    from dlbook.course.sandbox import Limits

    root = copy_course(course_template, tmp_path_factory.mktemp("malformed") / "course")
    cases = _cases(root)
    for name, (raw, *_rest) in cases.items():
        submit(root, name, raw=raw)
    folder = root / "submitted" / "missing_notebook" / ASSIGNMENT
    folder.mkdir(parents=True)
    (folder / "bai-lam.ipynb").write_bytes(cases["honest"][0])
    (folder / "ghi-chu.txt").write_text("em nộp muộn", encoding="utf-8")
    submit(root, "too_slow", answers=SLOW)
    course = Course(root)
    options = AutogradeOptions(jobs=2, progress=False,
                               limits=Limits(cell_timeout=15, submission_timeout=20))
    records = {r["student"]: r for r in autograde(course, ASSIGNMENT, options=options,
                                                  log=lambda *_: None)}
    return {"root": root, "course": course, "cases": cases, "records": records}


@pytest.mark.parametrize("name", ["honest", "null_bytes", "missing_ids", "duplicate_ids",
                                  "large_output", "invalid_json", "not_utf8", "wrong_nbformat",
                                  "not_a_notebook", "not_json_at_all"])
def test_bad_notebook_gets_a_reason_and_the_right_score(graded, name):
    _, expected, code, usable = graded["cases"][name]
    record = graded["records"][name]
    assert record["score"] == pytest.approx(expected)
    codes = [f["code"] for f in record["flags"]]
    if code is None:
        assert codes == [] and record["needs_review"] is False
        return
    assert code in codes
    assert record["needs_review"] is True
    flag = next(f for f in record["flags"] if f["code"] == code)
    assert flag["message"].startswith(f"{ASSIGNMENT}.ipynb: ")
    assert flag["level"] == ("warning" if usable else "error")
    assert record["status"] == ("graded" if usable else "not_graded")


def test_unreadable_notebooks_stay_out_of_the_gradebook(graded):
    from nbgrader.api import MissingEntry

    with graded["course"].gradebook() as gb:
        for name, (_, expected, _, usable) in graded["cases"].items():
            if usable:
                assert gb.find_submission(ASSIGNMENT, name).score == pytest.approx(expected)
            else:
                with pytest.raises(MissingEntry):
                    gb.find_submission(ASSIGNMENT, name)


def test_repaired_notebook_keeps_the_original(graded):
    root = graded["root"]
    original = root / "verdicts" / ASSIGNMENT / "originals" / "null_bytes" / f"{ASSIGNMENT}.ipynb"
    assert original.read_bytes() == graded["cases"]["null_bytes"][0]
    repaired = root / "submitted" / "null_bytes" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
    assert b"\x00" not in repaired.read_bytes()
    broken = root / "submitted" / "invalid_json" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
    assert broken.read_bytes() == graded["cases"]["invalid_json"][0]  # left as it came


def test_missing_notebook_names_what_was_sent(graded):
    record = graded["records"]["missing_notebook"]
    assert record["status"] == "not_graded" and record["score"] == 0
    (flag,) = record["flags"]
    assert flag["code"] == "missing_notebook" and "bai-lam.ipynb" in flag["message"]


def test_submission_deadline_keeps_the_tasks_before_it(graded):
    record = graded["records"]["too_slow"]
    tasks = record["notebooks"][ASSIGNMENT]["tasks"]
    assert {g: t["score"] for g, t in tasks.items()} == {"t_square": 2.0, "t_scale": 3.0,
                                                         "t_count": 0.0}
    kinds = [ev["kind"] for ev in record["notebooks"][ASSIGNMENT]["events"]]
    assert "submission_timeout" in kinds and record["needs_review"] is True


def test_export_and_report_list_the_bad_notebooks(graded, tmp_path):
    from dlbook.course.export import export
    from dlbook.course.report import format_report

    path = export(graded["course"], tmp_path / "grades.csv")
    import csv

    with open(path, encoding="utf-8-sig") as fh:
        rows = {r["student_id"]: r for r in csv.DictReader(fh)}
    assert rows["invalid_json"]["score"] == "0"
    assert rows["invalid_json"]["needs_review"] == "có"
    assert "JSON" in rows["invalid_json"]["notes"]
    assert rows["honest"]["score"] == "6" and rows["honest"]["needs_review"] == "không"
    report = format_report(graded["course"], ASSIGNMENT)
    assert "Cần xem tay" in report and "invalid_json" in report
