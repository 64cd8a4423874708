"""The instructor's commands end to end: zip from an LMS → collect → autograde → feedback →
export → report, through ``python -m dlbook.course`` (and the ``dlbook`` console script), plus
the clear refusals: corrupt zip, unknown assignment, no sandbox without ``--unsafe``.
"""

from __future__ import annotations

import csv
import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from sandbox_kit import ASSIGNMENT, HIDDEN_MARKERS, copy_course, student_notebook, with_answer

pytestmark = pytest.mark.xdist_group("sandbox-cli")

LIMITS = ["--cell-timeout", "5", "--timeout", "60", "--memory", "1024"]


def dlbook(root: Path, *args: str, env=None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "dlbook.course", *args, "--course", str(root),
                           "--no-progress"], capture_output=True, text=True, timeout=600,
                          env=dict(os.environ, **(env or {})))


def _nb_bytes(root, answers=None) -> bytes:
    return json.dumps(student_notebook(root, answers), ensure_ascii=False).encode("utf-8")


@pytest.fixture(scope="module")
def course(course_template, tmp_path_factory):
    root = copy_course(course_template, tmp_path_factory.mktemp("cli") / "course")
    zpath = root.parent / "moodle-export.zip"
    top = "fx - Bài nộp"
    with zipfile.ZipFile(zpath, "w") as zf:
        zf.writestr(f"{top}/Nguyễn Văn An_10001_assignsubmission_file_/fx.ipynb", _nb_bytes(root))
        zf.writestr(f"{top}/sv002/fx.ipynb", _nb_bytes(root, with_answer(
            "sol_count", "def count_positive(x):\n    return len(x)\n")))
        zf.writestr(f"{top}/sv003_fx.ipynb", _nb_bytes(root, with_answer(
            "sol_square", "import os\ndef square(x):\n    os._exit(1)\n")))
        zf.writestr(f"{top}/Trần Thị Bình_10004_assignsubmission_file_/fx (1).ipynb",
                    _nb_bytes(root))
        zf.writestr(f"{top}/sv005/fx.ipynb", b'{"cells": [')
        zf.writestr(f"{top}/sv006/fx.ipynb", _nb_bytes(root))
        zf.writestr(f"{top}/sv006/du-lieu/ghi-chu.txt", "phần phụ")
        zf.writestr("../../evil.ipynb", b"{}")
        zf.writestr(f"{top}/__MACOSX/sv002/._fx.ipynb", b"junk")
    return {"root": root, "zip": zpath}


@pytest.fixture(scope="module")
def workflow(course):
    root = course["root"]
    steps = {
        "collect": dlbook(root, "collect", ASSIGNMENT, str(course["zip"])),
        "autograde": dlbook(root, "autograde", ASSIGNMENT, "--jobs", "2", *LIMITS),
        "feedback": dlbook(root, "feedback", ASSIGNMENT),
        "export": dlbook(root, "export", "--out", str(root / "diem.csv")),
        "report": dlbook(root, "report", ASSIGNMENT),
    }
    return steps


EXPECTED = {"10001": "6", "sv002": "5", "sv003": "4", "10004": "6", "sv005": "0", "sv006": "6"}


def test_every_step_succeeds(workflow):
    for name, proc in workflow.items():
        assert proc.returncode == 0, (name, proc.stdout, proc.stderr)


def test_collect_understands_lms_layouts_and_refuses_zip_slip(course, workflow):
    out = workflow["collect"].stdout
    root = course["root"]
    assert sorted(p.name for p in (root / "submitted").iterdir()) == sorted(EXPECTED)
    assert "evil.ipynb" in out and "không an toàn" in out
    assert not (root.parent / "evil.ipynb").exists() and not Path("/evil.ipynb").exists()
    assert "fx (1).ipynb" in out  # renamed, and said so
    assert (root / "submitted" / "10004" / ASSIGNMENT / "fx.ipynb").is_file()
    assert (root / "submitted" / "sv006" / ASSIGNMENT / "du-lieu" / "ghi-chu.txt").is_file()


def test_exported_csv_has_the_right_grades(course, workflow):
    with open(course["root"] / "diem.csv", encoding="utf-8-sig") as fh:
        rows = list(csv.DictReader(fh))
    assert [r["assignment"] for r in rows] == [ASSIGNMENT] * len(EXPECTED)
    assert {r["student_id"]: r["score"] for r in rows} == EXPECTED
    review = {r["student_id"] for r in rows if r["needs_review"] == "có"}
    assert review == {"sv003", "sv005"}  # a kernel crash and an unreadable notebook
    notes = {r["student_id"]: r["notes"] for r in rows}
    assert "Kernel dừng" in notes["sv003"] and "JSON" in notes["sv005"]
    assert all(r["max_score"] == "6" for r in rows)


def test_feedback_for_everyone_without_hidden_tests(course, workflow):
    root = course["root"]
    for student in EXPECTED:
        page = root / "feedback" / student / ASSIGNMENT / f"{ASSIGNMENT}.html"
        text = page.read_text(encoding="utf-8")
        assert not any(m in text for m in HIDDEN_MARKERS), student
    problem = (root / "feedback" / "sv005" / ASSIGNMENT / f"{ASSIGNMENT}.html").read_text("utf-8")
    assert "chưa chấm tự động được" in problem and "JSON" in problem


def test_report_gives_mean_and_most_common_failure(workflow):
    out = workflow["report"].stdout
    assert "t_square" in out and "t_count" in out
    line = next(ln for ln in out.splitlines() if ln.startswith("t_count"))
    # t_count: 4 of the 5 graded students right, sv002 wrong, sv005 not graded → 4/6
    assert " 0.67 " in line and "bài" in line
    assert "Cần xem tay" in out and "sv005" in out


def test_console_script_is_installed():
    exe = Path(sys.executable).parent / "dlbook"
    proc = subprocess.run([str(exe), "course", "--help"], capture_output=True, text=True)
    assert proc.returncode == 0 and "dlbook course autograde" in proc.stdout


def test_corrupt_zip_is_refused_clearly(course, tmp_path):
    bad = tmp_path / "hong.zip"
    bad.write_bytes(course["zip"].read_bytes()[: 300])
    proc = dlbook(course["root"], "collect", ASSIGNMENT, str(bad))
    assert proc.returncode == 1
    assert "không phải tệp zip hợp lệ hoặc đã bị hỏng" in proc.stderr


def test_unknown_assignment_is_refused_clearly(course):
    proc = dlbook(course["root"], "autograde", "bai-khong-co")
    assert proc.returncode == 1
    assert "Không có bài tập 'bai-khong-co'" in proc.stderr and ASSIGNMENT in proc.stderr


def test_without_sandbox_grading_is_refused_unless_unsafe(course, workflow, tmp_path):
    root = copy_course(course["root"], tmp_path / "course")
    for folder in ("verdicts", "autograded", "feedback"):
        shutil.rmtree(root / folder, ignore_errors=True)
    env = {"DLBOOK_SANDBOX_BWRAP": str(tmp_path / "no-bwrap")}
    refused = dlbook(root, "autograde", ASSIGNMENT, *LIMITS, env=env)
    assert refused.returncode == 1
    assert "Không thể chấm bài của sinh viên an toàn" in refused.stderr
    assert "bubblewrap" in refused.stderr and "--unsafe" in refused.stderr
    unsafe = dlbook(root, "autograde", ASSIGNMENT, "--student", "sv002", "--unsafe", *LIMITS,
                    env=env)
    assert unsafe.returncode == 0, unsafe.stderr
    assert "--unsafe" in unsafe.stdout
    record = json.loads((root / "verdicts" / ASSIGNMENT / "sv002.json").read_text("utf-8"))
    assert record["score"] == 5 and record["sandboxed"] is False and record["needs_review"]
