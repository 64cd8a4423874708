"""Adding an assignment by the five steps of docs/them-bai-tap.md, in a fresh course folder: write
``solutions/<name>/source.py`` and ``verify.py``, build the source notebook with
tools/build_solutions.py, generate the release with ``dlbook course generate``, grade a solved and
an untouched notebook with ``dlbook course autograde`` (sandbox, trusted verification, rules)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import textwrap

import nbformat
import pytest

from course_support import REPO, partial_submission, solution_ids

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("new-assignment")]

NAME = "a99-tong-binh-phuong"

SOURCE = textwrap.dedent('''\
    # %% md
    # # Bài tập 99 — Tổng bình phương và chuẩn hoá
    #
    # Hai câu nhỏ để thử quy trình thêm bài.

    # %% setup
    import numpy as np

    from dlbook.course.checks import expect_close

    # %% md
    # ## Câu 1 (2 điểm) — Tổng bình phương, không vòng lặp

    # %% solution id=sum_of_squares_code
    def sum_of_squares(x):
        ### BEGIN SOLUTION
        return float(np.sum(np.asarray(x, dtype=float) ** 2))
        ### END SOLUTION

    # %% test id=sum_of_squares points=2
    expect_close(sum_of_squares([1.0, 2.0]), 5.0, "sum_of_squares([1, 2])")
    ### BEGIN HIDDEN TESTS
    expect_close(sum_of_squares([]), 0.0, "sum_of_squares([])")
    ### END HIDDEN TESTS

    # %% md
    # ## Câu 2 (1 điểm) — Chia cho tổng

    # %% solution id=normalize_code
    def normalize(x):
        ### BEGIN SOLUTION
        x = np.asarray(x, dtype=float)
        return x / x.sum()
        ### END SOLUTION

    # %% test id=normalize points=1
    expect_close(normalize([1.0, 3.0]), [0.25, 0.75], "normalize([1, 3])")
    ### BEGIN HIDDEN TESTS
    expect_close(normalize([2.0]), [1.0], "normalize([2])")
    ### END HIDDEN TESTS
    ''')

VERIFY = textwrap.dedent('''\
    import numpy as np

    from dlbook.course.verify_api import NUMPY_NO_LOOPS, Task


    def _vectors(rng):
        return [{"x": rng.uniform(0.5, 3.0, size=int(rng.integers(1, 20)))} for _ in range(3)]


    def _sum_ref(x):
        total = 0.0
        for v in x:
            total += float(v) * float(v)
        return total


    def _normalize_ref(x):
        return np.array([v / sum(x) for v in x])


    TASKS = {
        "sum_of_squares": Task(_vectors, _sum_ref, rtol=1e-9, atol=1e-12, rules=NUMPY_NO_LOOPS),
        "normalize": Task(_vectors, _normalize_ref, rtol=1e-9, atol=1e-12, rules=NUMPY_NO_LOOPS),
    }
    ''')

LOOPED = ("def sum_of_squares(x):\n    total = 0.0\n    for v in x:\n        total += v * v\n"
          "    return float(total)\n")


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    root = tmp_path_factory.mktemp("new") / "course"
    (root / "solutions" / NAME).mkdir(parents=True)
    shutil.copy(REPO / "nbgrader_config.py", root / "nbgrader_config.py")
    # step 1 and 2: the assignment's folder
    (root / "solutions" / NAME / "source.py").write_text(SOURCE, encoding="utf-8")
    (root / "solutions" / NAME / "verify.py").write_text(VERIFY, encoding="utf-8")
    return root


def test_the_five_steps_give_a_gradable_assignment(course):
    from dlbook.course.autograde import AutogradeOptions, autograde
    from dlbook.course.course import Course
    from dlbook.course.generate import generate
    from dlbook.course.sandbox import Limits

    # step 3: the source notebook
    proc = subprocess.run([sys.executable, str(REPO / "tools" / "build_solutions.py"),
                           "--course", str(course), NAME], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    source_nb = course / "solutions" / NAME / f"{NAME}.ipynb"
    assert source_nb.is_file()
    # step 4: the release; nothing with answers in it
    warnings = generate(Course(course), NAME, progress=False)
    assert warnings == {NAME: []}, warnings
    release_dir = course / "exercises" / NAME
    assert sorted(p.name for p in release_dir.iterdir()) == [f"{NAME}.ipynb"]
    text = (release_dir / f"{NAME}.ipynb").read_text(encoding="utf-8")
    for secret in ("BEGIN SOLUTION", "probe.check", "x / x.sum()", "_sum_ref"):
        assert secret not in text, secret
    # step 5: grade a solved notebook, an untouched one, one that breaks a rule
    release = nbformat.read(release_dir / f"{NAME}.ipynb", as_version=4)
    source = nbformat.read(source_nb, as_version=4)
    solved = partial_submission(release, source, solution_ids(source))
    looped = partial_submission(release, source, solution_ids(source))
    for cell in looped.cells:
        if cell.metadata.get("nbgrader", {}).get("grade_id") == "sum_of_squares_code":
            cell.source = LOOPED
    for student, nb in (("solved", solved), ("untouched", release), ("looped", looped)):
        folder = course / "submitted" / student / NAME
        folder.mkdir(parents=True)
        (folder / f"{NAME}.ipynb").write_text(json.dumps(nb, ensure_ascii=False), "utf-8")
    options = AutogradeOptions(jobs=2, progress=False,
                               limits=Limits(cell_timeout=60, submission_timeout=240))
    records = {r["student"]: r for r in autograde(Course(course), NAME, options=options,
                                                  log=lambda *_: None)}
    assert records["solved"]["score"] == 3 and not records["solved"]["needs_review"], \
        records["solved"]
    assert records["untouched"]["score"] == 0, records["untouched"]
    looped_tasks = records["looped"]["notebooks"][NAME]["tasks"]
    assert looped_tasks["sum_of_squares"]["score"] == 0, looped_tasks
    assert looped_tasks["normalize"]["score"] == 1, looped_tasks

