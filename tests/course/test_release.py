"""The released notebooks in exercises/: generated, in sync with solutions/, and leak nothing."""

from __future__ import annotations

import importlib.util
import json

import nbformat
import pytest

from course_support import (
    ASSIGNMENTS,
    EXERCISES,
    HIDDEN_REGION,
    REPO,
    SOLUTION_REGION,
    SOLUTIONS,
    nbgrader_meta,
    read_source,
)

FORBIDDEN_MARKERS = ("BEGIN SOLUTION", "END SOLUTION", "BEGIN HIDDEN TESTS", "END HIDDEN TESTS",
                     "probe.check")


def _load_tool(name: str):
    spec = importlib.util.spec_from_file_location(name, REPO / "tools" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


INSTALL_CELL = _load_tool("colab_setup_cell").cell_source()


def _load_builder():
    return _load_tool("build_solutions")


def _released(name: str) -> nbformat.NotebookNode:
    return nbformat.read(EXERCISES / name / f"{name}.ipynb", as_version=4)


def _code_lines(text: str) -> set:
    lines = set()
    for line in text.splitlines():
        stripped = line.strip()
        if stripped and not stripped.startswith("#") and len(stripped) > 3:
            lines.add(stripped)
    return lines


def test_there_are_at_least_eight_assignments_covering_the_nine_parts():
    assert len(ASSIGNMENTS) >= 8
    parts = set()
    for name in ASSIGNMENTS:
        title = read_source(name).cells[0].source
        parts.update(p for p in range(1, 10) if f"**Phần {p} ·" in title)
    assert parts == set(range(1, 10))


def test_exercises_has_one_folder_per_assignment():
    released = sorted(p.name for p in EXERCISES.iterdir() if p.is_dir())
    assert released == ASSIGNMENTS


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_release_folder_holds_only_the_student_notebook(assignment):
    files = sorted(p.name for p in (EXERCISES / assignment).rglob("*") if p.is_file())
    assert files == [f"{assignment}.ipynb"]


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_released_notebook_contains_no_solution_and_no_hidden_test(assignment):
    released = _released(assignment)
    text = json.dumps(released, ensure_ascii=False)
    for marker in FORBIDDEN_MARKERS:
        assert marker not in text, f"{marker!r} leaked into exercises/{assignment}"
    by_id = {nbgrader_meta(c).get("grade_id"): c for c in released.cells}
    for cell in read_source(assignment).cells:
        meta = nbgrader_meta(cell)
        if meta.get("solution"):
            outside = _code_lines(SOLUTION_REGION.sub("", cell.source))
            secret = set()
            for region in SOLUTION_REGION.findall(cell.source):
                secret |= _code_lines(region) - outside
            leaked = secret & _code_lines(by_id[meta["grade_id"]].source)
            assert not leaked, f"solution lines in the release of {meta['grade_id']}: {leaked}"
        if meta.get("grade"):
            visible = _code_lines(HIDDEN_REGION.sub("", cell.source))
            hidden = set()
            for region in HIDDEN_REGION.findall(cell.source):
                hidden |= _code_lines(region) - visible
            leaked = hidden & _code_lines(by_id[meta["grade_id"]].source)
            assert not leaked, f"hidden test lines in the release of {meta['grade_id']}: {leaked}"


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_released_notebook_keeps_every_cell_of_the_source_in_order(assignment):
    ids = [nbgrader_meta(c).get("grade_id") for c in read_source(assignment).cells]
    assert [nbgrader_meta(c).get("grade_id") for c in _released(assignment).cells] == ids


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
@pytest.mark.xdist_group("nbgrader")
@pytest.mark.slow
def test_committed_release_equals_what_generate_assignment_produces(assignment, graded_course):
    graded = graded_course[assignment]
    assert graded.generate.returncode == 0, graded.log()
    generated = json.loads(graded.release_notebook.read_text(encoding="utf-8"))
    committed = json.loads((EXERCISES / assignment / f"{assignment}.ipynb").read_text(
        encoding="utf-8"))
    assert committed == generated, (
        f"exercises/{assignment} is stale: regenerate it (see tools/README-course.md)")
    generated_files = sorted(p.name for p in graded.release_notebook.parent.iterdir())
    assert generated_files == [f"{assignment}.ipynb"], "nbgrader copied extra files"


def test_solution_notebooks_are_built_from_the_course_sources():
    builder = _load_builder()
    sources = {p.parent.name for p in builder.sources()}
    assert sources == set(ASSIGNMENTS), "every assignment folder holds its source.py"
    for src in builder.sources():
        name = src.parent.name
        built = builder.notebook_text(builder.build_notebook(name, src.read_text("utf-8")))
        committed = (SOLUTIONS / name / f"{name}.ipynb").read_text(encoding="utf-8")
        assert built == committed, f"solutions/{name} is stale: run tools/build_solutions.py"


TINY = ("# %% md\n# # T\n# %% solution id=f_code\ndef f(x):\n    ### BEGIN SOLUTION\n"
        "    return x\n    ### END SOLUTION\n")


def _test_cell(nb, grade_id):
    return next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == grade_id)


def test_builder_refuses_a_test_cell_without_hidden_tests_or_with_its_own_probe_call():
    builder = _load_builder()
    with pytest.raises(ValueError, match="hidden"):
        builder.build_notebook("t", TINY + "# %% test id=f points=1\nassert f(1) == 1\n")
    own = ("# %% test id=f points=1\nassert f(1) == 1\n### BEGIN HIDDEN TESTS\n"
           "from dlbook.course import probe\nprobe.check(\"f\", f)\n### END HIDDEN TESTS\n")
    with pytest.raises(ValueError, match="probe"):
        builder.build_notebook("t", TINY + own)


def test_builder_ends_the_hidden_tests_with_the_probe_call():
    builder = _load_builder()
    hidden = "assert f(1) == 1\n### BEGIN HIDDEN TESTS\nassert f(2) == 2\n### END HIDDEN TESTS\n"
    nb = builder.build_notebook("t", TINY + "# %% test id=f points=1\n" + hidden)
    assert _test_cell(nb, "f").source.endswith(
        'assert f(2) == 2\nfrom dlbook.course import probe\n'
        'probe.check("f", lambda **kw: f(**kw))\n### END HIDDEN TESTS')
    wrapped = hidden.replace("### END", "def _probe_f(x):\n    return f(float(x))\n### END")
    nb = builder.build_notebook("t", TINY + "# %% test id=f points=1 probe=_probe_f\n" + wrapped)
    assert 'probe.check("f", lambda **kw: _probe_f(**kw))' in _test_cell(nb, "f").source
    with pytest.raises(ValueError, match="Python name"):
        builder.build_notebook("t", TINY + "# %% test id=f points=1 probe=f(1)\n" + hidden)


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_every_notebook_starts_by_installing_dlbook_only_on_colab_or_binder(assignment):
    for nb in (read_source(assignment), _released(assignment)):
        first_code = next(c for c in nb.cells if c.cell_type == "code")
        assert first_code.source == INSTALL_CELL, "the first code cell is tools/colab_setup_cell.py's"
    # the cell itself: acts on Colab or Binder only, installs the book's tagged version
    assert '"google.colab" in sys.modules' in INSTALL_CELL
    assert 'k.startswith("BINDER_")' in INSTALL_CELL
    assert "git+https://github.com/dlbook-vn/dlbook@v" in INSTALL_CELL
