"""Fast checks of the grading pieces, without a kernel: zip layouts, notebook repair, the trusted
verdicts on probe files, hidden-test stripping, report reasons, sandbox binds and uids.
"""

from __future__ import annotations

import os
import subprocess
import time

import numpy as np
import pytest
from nbformat.notebooknode import NotebookNode

from dlbook.course import sandbox
from dlbook.course.collect import _safe_parts, _student_of, normalize_student_id
from dlbook.course.feedback import HIDDEN_NOTICE, StripHiddenTests
from dlbook.course.report import failure_reason
from dlbook.course.validate import Unusable, sanitize
from dlbook.course.verdict import ProbeSession, _safe_read
from dlbook.course.verify_api import Task


# ------------------------------------------------------------------ collect


def test_student_ids_lose_diacritics_and_unsafe_characters():
    assert normalize_student_id("Nguyễn Văn Đạt") == "Nguyen_Van_Dat"
    assert normalize_student_id("../../etc") == "etc"
    assert normalize_student_id("sv 001") == "sv_001"


@pytest.mark.parametrize("name", ["../x.ipynb", "/etc/passwd", "C:/x.ipynb", "a/../../b",
                                  "..\\..\\x.ipynb"])
def test_zip_slip_paths_are_refused(name):
    assert _safe_parts(name) is None


@pytest.mark.parametrize("parts, expected", [
    (["Lê Thị Hoa_20417_assignsubmission_file_", "a01.ipynb"], ("20417", ["a01.ipynb"])),
    (["sv01", "a01.ipynb"], ("sv01", ["a01.ipynb"])),
    (["sv01_a01.ipynb"], ("sv01", ["a01.ipynb"])),
    (["sv_01_a01.ipynb"], ("sv_01", ["a01.ipynb"])),
    (["Lê Hoa_20417_assignsubmission_file_a01.ipynb"], ("20417", ["a01.ipynb"])),
    (["README.txt"], (None, ["README.txt"])),
])
def test_lms_layouts_give_the_student(parts, expected):
    assert _student_of(parts, ["a01"]) == expected


# ------------------------------------------------------------------ notebook repair

RELEASE = (["sol", "t1"], {
    "sol": {"meta": {"grade": False, "grade_id": "sol", "locked": False, "schema_version": 3,
                     "solution": True}, "source": "def f(x):\n    pass", "cell_type": "code"},
    "t1": {"meta": {"grade": True, "grade_id": "t1", "locked": True, "points": 2,
                    "schema_version": 3, "solution": False}, "source": "assert f(1) == 1",
           "cell_type": "code"},
})


def _nb(cells):
    import json

    return json.dumps({"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
                      ).encode()


def _cell(cid, source, nbgrader=None):
    meta = {"nbgrader": nbgrader} if nbgrader else {}
    return {"id": cid, "cell_type": "code", "source": source, "metadata": meta, "outputs": [],
            "execution_count": None}


def test_added_and_duplicated_grade_cells_lose_their_metadata():
    t1 = dict(RELEASE[1]["t1"]["meta"])
    cells = [_cell("a", "def f(x):\n    return x", RELEASE[1]["sol"]["meta"]),
             _cell("b", "assert f(1) == 1", t1), _cell("c", "assert True", t1),
             _cell("d", "1", {"grade": True, "grade_id": "bonus", "points": 99})]
    nb, flags = sanitize(_nb(cells), "a01", RELEASE)
    graded = [c for c in nb["cells"] if "nbgrader" in c["metadata"]]
    assert [c["metadata"]["nbgrader"]["grade_id"] for c in graded] == ["sol", "t1"]
    assert {f.code for f in flags} == {"unknown_grade_cell", "duplicated_grade_cell"}


def test_changed_points_are_restored():
    t1 = dict(RELEASE[1]["t1"]["meta"], points=50)
    nb, flags = sanitize(_nb([_cell("b", "assert f(1) == 1", t1)]), "a01", RELEASE)
    assert nb["cells"][0]["metadata"]["nbgrader"]["points"] == 2
    assert "metadata_changed" in {f.code for f in flags}
    assert "cell_deleted" in {f.code for f in flags}  # the answer cell is gone


@pytest.mark.parametrize("data, code", [(b"\xff\xfe", "not_utf8"), (b"{", "invalid_json"),
                                        (b"{}", "not_notebook"),
                                        (b'{"cells": [], "nbformat": 5}', "wrong_nbformat")])
def test_unreadable_notebooks_are_refused_with_a_code(data, code):
    with pytest.raises(Unusable) as info:
        sanitize(data, "a01", RELEASE)
    assert info.value.flag.code == code and info.value.flag.level == "error"
    assert info.value.flag.message.startswith("a01.ipynb: ")


# ------------------------------------------------------------------ verdicts


def _task():
    return Task(lambda rng: [{"x": rng.normal(size=4)}, {"x": rng.normal(size=(2, 3))}],
                lambda x: np.asarray(x) ** 2)


def _probe(workdir, fn, task_id="t1"):
    from dlbook.course import probe

    old = os.getcwd()
    os.chdir(workdir)
    try:
        probe.check(task_id, fn)
    finally:
        os.chdir(old)


def test_verdict_passes_a_correct_function_and_fails_a_wrong_one(tmp_path):
    session = ProbeSession({"t1": _task()}, ["t1"])
    session.write_inputs(tmp_path)
    _probe(tmp_path, lambda x: np.asarray(x) ** 2)
    assert session.collect(tmp_path)["t1"].verified is True
    _probe(tmp_path, lambda x: np.asarray(x) * 2)
    verdict = session.collect(tmp_path)["t1"]
    assert verdict.verified is False and "giá trị sai" in verdict.reason


def test_verdict_fails_an_object_whose_eq_is_always_true(tmp_path):
    class Anything:
        def __eq__(self, other):
            return True

    session = ProbeSession({"t1": _task()}, ["t1"])
    session.write_inputs(tmp_path)
    _probe(tmp_path, lambda x: Anything())
    assert session.collect(tmp_path)["t1"].verified is False


def test_verdict_uses_the_cases_in_memory_not_the_files(tmp_path):
    session = ProbeSession({"t1": _task()}, ["t1"])
    session.write_inputs(tmp_path)
    for path in (tmp_path / ".probe" / "in" / "t1").glob("*.npz"):
        os.chmod(path, 0o644)
        with np.load(path) as data:
            np.savez(path, x=np.zeros_like(data["x"]))
    _probe(tmp_path, lambda x: np.asarray(x) * 0)  # right for the zeros the student wrote
    assert session.collect(tmp_path)["t1"].verified is False


def test_wrong_shape_or_dtype_fails(tmp_path):
    session = ProbeSession({"t1": _task()}, ["t1"])
    session.write_inputs(tmp_path)
    _probe(tmp_path, lambda x: (np.asarray(x) ** 2).ravel())
    assert "kích thước" in session.collect(tmp_path)["t1"].reason


def test_pickled_or_linked_outputs_are_not_read(tmp_path):
    session = ProbeSession({"t1": _task()}, ["t1"])
    session.write_inputs(tmp_path)
    out = tmp_path / ".probe" / "out" / "t1"
    out.mkdir(parents=True)
    np.savez(out / "0.npz", out0=np.array([object()], dtype=object))
    assert "không hợp lệ" in session.collect(tmp_path)["t1"].reason
    (out / "0.npz").unlink()
    secret = tmp_path / "secret.npz"
    np.savez(secret, out0=np.zeros(4))
    (out / "0.npz").symlink_to(secret)
    assert _safe_read(tmp_path, [".probe", "out", "t1", "0.npz"], 10**6) is None
    assert session.collect(tmp_path)["t1"].no_output is True


# ------------------------------------------------------------------ feedback


def test_hidden_tests_are_stripped_from_sources_and_outputs():
    meta = {"nbgrader": {"grade": True, "solution": False, "grade_id": "t1", "points": 1}}
    cell = NotebookNode(cell_type="code", metadata=meta, source=(
        "assert f(1) == 1\n### BEGIN HIDDEN TESTS\nassert f(secret_value_42) == 7\n"
        "### END HIDDEN TESTS"), outputs=[
        NotebookNode(output_type="error", ename="AssertionError", evalue="",
                     traceback=["----> 3 assert f(secret_value_42) == 7"]),
        NotebookNode(output_type="stream", name="stdout",
                     text="CELL: assert f(secret_value_42) == 7\n")])
    other = NotebookNode(cell_type="code", metadata={}, source="print(1)", outputs=[
        NotebookNode(output_type="stream", name="stdout", text="1\n")])
    nb = NotebookNode(cells=[cell, other], metadata={})
    StripHiddenTests().preprocess(nb, {})
    assert cell.source == "assert f(1) == 1"
    assert cell.outputs[0].traceback == ["\x1b[0;31mAssertionError\x1b[0m: "]
    assert cell.outputs[1].text == HIDDEN_NOTICE
    assert other.outputs[0].text == "1\n"


# ------------------------------------------------------------------ report


def test_failure_reason_prefers_the_verdict_then_the_error():
    assert failure_reason({"score": 2, "points": 2}) is None
    assert failure_reason({"score": 0, "points": 2, "verified": False,
                           "reason": "trường hợp kiểm tra 2/3: out0: giá trị sai."}) == \
        "out0: giá trị sai."
    assert failure_reason({"score": 0, "points": 2, "verified": False,
                           "reason": "trường hợp kiểm tra 1/3: không có kết quả (...)",
                           "nbgrader_error": "NameError: name 'f' is not defined"}) == \
        "NameError: name 'f' is not defined"


# ------------------------------------------------------------------ sandbox pieces


def test_sandbox_never_binds_a_folder_holding_course_secrets(tmp_path):
    (tmp_path / "solutions").mkdir()
    with pytest.raises(RuntimeError, match="để lộ"):
        sandbox.check_binds([str(tmp_path)], [str(tmp_path / "solutions")])
    sandbox.check_binds([str(tmp_path / "venv")], [str(tmp_path / "solutions")])


def test_two_workers_never_share_a_uid():
    uid1, fd1 = sandbox.acquire_uid(0)
    uid2, fd2 = sandbox.acquire_uid(0)
    try:
        assert uid1 != uid2
    finally:
        os.close(fd1)
        os.close(fd2)


def test_processes_of_a_sandbox_uid_are_killed():
    uid, fd = sandbox.acquire_uid(5)
    try:
        proc = subprocess.Popen(["setpriv", f"--reuid={uid}", f"--regid={uid}", "--clear-groups",
                                 "sleep", "60"])
        for _ in range(100):
            if sandbox.processes_of_uid(uid):
                break
            time.sleep(0.02)
        assert sandbox.processes_of_uid(uid) == [proc.pid]
        assert sandbox.kill_uid_processes(uid) == 1
        proc.wait(5)
        assert sandbox.processes_of_uid(uid) == []
    finally:
        os.close(fd)
