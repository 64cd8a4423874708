"""Build the nbgrader source notebooks ``solutions/<name>/<name>.ipynb`` from ``solutions/<name>/source.py``.

An assignment lives in one folder, ``solutions/<name>/``: ``source.py`` (its text, below),
``verify.py`` (the trusted verifier and the rules of each task) and the source notebook built from
``source.py`` by this script (nbgrader reads it; ``CourseDirectory.ignore`` keeps ``source.py``
and ``verify.py`` out of the students' folders). ``source.py`` is a percent-format script (jupytext
opens it) made of cells, each cell starting with a header line::

    # %% md                          markdown (read-only); its lines lose their leading "# "
    # %% setup                       read-only code cell (restored at grading time)
    # %% solution id=<grade_id>      the student's answer cell (### BEGIN/END SOLUTION inside)
    # %% test id=<grade_id> points=N [probe=<callable>]
                                     autograder test cell (### BEGIN/END HIDDEN TESTS inside)
    # %% code                        a free code cell for the student to experiment in

A test cell does not write the probe plumbing: the builder ends its hidden tests with
``probe.check("<grade_id>", lambda **kw: <callable>(**kw))`` (see ``dlbook.course.probe``), where
``<callable>`` is the function named ``<grade_id>`` (the student's answer) unless the header names
another one with ``probe=``, e.g. a wrapper defined in the hidden tests that converts the inputs.

After the first markdown cell (title and goals) the builder inserts the common cells: links to
Colab and Binder, how to work and how the grading works, and the cell that installs ``dlbook``
on Colab/Binder.

    .venv/bin/python tools/build_solutions.py            # (re)write every solution notebook
    .venv/bin/python tools/build_solutions.py --check    # exit 1 if a notebook is out of date
    .venv/bin/python tools/build_solutions.py --course DIR a14-new   # another course folder
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
SOLUTIONS = ROOT / "solutions"
SOURCE_NAME = "source.py"  #: the text source of an assignment, in its folder
REPO_URL = "https://github.com/dlbook-vn/dlbook"
COLAB = "https://colab.research.google.com/github/dlbook-vn/dlbook/blob/main"
BINDER = "https://mybinder.org/v2/gh/dlbook-vn/dlbook/main?labpath="

HEADER = re.compile(r"^# %% (md|setup|solution|test|code)((?:\s+\w+=\S+)*)\s*$")

COMMON_MD = """\
<a href="{colab}/exercises/{name}/{name}.ipynb" target="_blank"><img src="https://colab.research.google.com/assets/colab-badge.svg" alt="Mở trong Colab"></a>
<a href="{binder}exercises%2F{name}%2F{name}.ipynb" target="_blank"><img src="https://mybinder.org/badge_logo.svg" alt="Mở trong Binder"></a>

**Cách làm bài**

- Chạy lần lượt các ô từ trên xuống (ô đầu tiên cài `dlbook` nếu bạn dùng Colab hoặc Binder).
- Viết code vào chỗ có dòng `# VIẾT CODE CỦA BẠN Ở ĐÂY` và xóa dòng `raise NotImplementedError(...)`.
  Không đổi tên hàm, không đổi tham số, không xóa hay chép lại các ô có sẵn.
- Mỗi câu có một ô kiểm tra ngay bên dưới. Khi chạy, ô kiểm tra cho biết ngay chỗ sai:
  *mong đợi* gì và *nhận được* gì. Các câu độc lập với nhau: làm sai một câu không kéo theo câu khác.
- Khi chấm điểm, mỗi ô kiểm tra còn chạy thêm các **kiểm tra ẩn** (trường hợp biên, dữ liệu ngẫu
  nhiên, độ ổn định số, vector hóa, kiểm tra gradient...). Qua được kiểm tra hiển thị là cần, chưa phải là đủ.
- Trước khi nộp: *Kernel → Restart & Run All* và xem lại mọi ô kiểm tra đều chạy không lỗi.
"""

# The install cell is the book's one install cell (tools/colab_setup_cell.py), shared with chapters.
sys.path.insert(0, str(Path(__file__).resolve().parent))
from colab_setup_cell import INSTALL_CELL_ID, cell_source as install_cell  # noqa: E402


def _nbgrader_meta(kind: str, grade_id: str, points: float | None = None) -> dict:
    meta = {
        "grade": kind == "test",
        "grade_id": grade_id,
        "locked": kind in ("md", "setup", "test"),
        "schema_version": 3,
        "solution": kind == "solution",
        "task": False,
    }
    if kind == "test":
        meta["points"] = points
    return meta


PROBE_CALL = 'from dlbook.course import probe\nprobe.check("{task}", lambda **kw: {target}(**kw))\n'
END_HIDDEN = "### END HIDDEN TESTS"


def with_probe(name: str, grade_id: str, attrs: dict, source: str) -> str:
    """The test cell's source with the probe call added at the end of its hidden tests."""
    if "probe.check" in source or "import probe" in source:
        raise ValueError(f"{name}: test cell {grade_id} calls the probe itself; the builder adds "
                         "that call (name another function with probe=... in the header)")
    target = attrs.get("probe", grade_id)
    if not target.isidentifier():
        raise ValueError(f"{name}: test cell {grade_id}: probe={target!r} is not a Python name")
    end = source.rfind(END_HIDDEN)
    if "### BEGIN HIDDEN TESTS" not in source or end < 0:
        raise ValueError(f"{name}: test cell {grade_id} has no hidden tests")
    head = source[:end] if source[:end].endswith("\n") else source[:end] + "\n"
    return head + PROBE_CALL.format(task=grade_id, target=target) + source[end:]


def parse_source(text: str) -> list[dict]:
    """Split a course source file into cells: ``{"kind", "attrs", "source"}``."""
    cells: list[dict] = []
    current = None
    for lineno, line in enumerate(text.splitlines(), 1):
        match = HEADER.match(line)
        if match:
            attrs = dict(a.split("=", 1) for a in match.group(2).split())
            current = {"kind": match.group(1), "attrs": attrs, "lines": [], "lineno": lineno}
            cells.append(current)
        elif line.startswith("# %%"):
            raise ValueError(f"line {lineno}: malformed cell header {line!r}")
        elif current is None:
            if line.strip():
                raise ValueError(f"line {lineno}: text before the first cell header")
        else:
            current["lines"].append(line)
    for cell in cells:
        lines = cell.pop("lines")
        if cell["kind"] == "md":
            lines = [ln[2:] if ln.startswith("# ") else ln.lstrip("#") for ln in lines]
        while lines and not lines[-1].strip():
            lines.pop()
        while lines and not lines[0].strip():
            lines.pop(0)
        cell["source"] = "\n".join(lines)
    return cells


def build_notebook(name: str, text: str) -> nbformat.NotebookNode:
    """The nbgrader source notebook of assignment ``name`` from its course source text."""
    cells = parse_source(text)
    if not cells or cells[0]["kind"] != "md":
        raise ValueError(f"{name}: the first cell must be the markdown title")
    nb = nbformat.v4.new_notebook()
    nb.metadata = {
        "kernelspec": {"display_name": "Python 3 (ipykernel)", "language": "python",
                       "name": "python3"},
        "language_info": {"name": "python"},
    }
    common = [
        {"kind": "md", "attrs": {}, "source": COMMON_MD.format(colab=COLAB, binder=BINDER,
                                                               name=name).strip()},
        {"kind": "setup", "attrs": {"id": INSTALL_CELL_ID}, "source": install_cell()},
    ]
    cells = cells[:1] + common + cells[1:]
    counters = {"md": 0, "setup": 0, "code": 0}
    seen: set[str] = set()
    for cell in cells:
        kind, attrs = cell["kind"], cell["attrs"]
        if kind in counters and "id" not in attrs:
            counters[kind] += 1
            attrs["id"] = f"{kind}_{counters[kind]:02d}"
        grade_id = attrs["id"]
        if grade_id in seen:
            raise ValueError(f"{name}: duplicate cell id {grade_id}")
        seen.add(grade_id)
        if kind == "md":
            node = nbformat.v4.new_markdown_cell(cell["source"])
        else:
            source = cell["source"]
            if kind == "test":
                source = with_probe(name, grade_id, attrs, source)
            node = nbformat.v4.new_code_cell(source)
        node["id"] = grade_id.replace("_", "-")
        if kind == "test":
            if "points" not in attrs:
                raise ValueError(f"{name}: test cell {grade_id} has no points")
            points = float(attrs["points"])
            node.metadata["nbgrader"] = _nbgrader_meta(kind, grade_id, points)
        elif kind == "solution":
            node.metadata["nbgrader"] = _nbgrader_meta(kind, grade_id)
            if "### BEGIN SOLUTION" not in cell["source"]:
                raise ValueError(f"{name}: solution cell {grade_id} has no solution region")
        elif kind in ("md", "setup"):
            node.metadata["nbgrader"] = _nbgrader_meta(kind, grade_id)
        nb.cells.append(node)
    nbformat.validate(nb)
    return nb


def notebook_text(nb: nbformat.NotebookNode) -> str:
    return json.dumps(nb, indent=1, ensure_ascii=False, sort_keys=True) + "\n"


def sources(solutions: Path = SOLUTIONS) -> list[Path]:
    """``solutions/<name>/source.py`` of every assignment that has one."""
    return sorted(solutions.glob(f"*/{SOURCE_NAME}"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true",
                        help="do not write; exit 1 if a notebook differs from its source")
    parser.add_argument("--course", type=Path, default=ROOT,
                        help="course folder holding solutions/ (default: this repository)")
    parser.add_argument("names", nargs="*", help="assignments to build (default: all)")
    args = parser.parse_args(argv)
    root = args.course.resolve()
    stale = []
    for src in sources(root / "solutions"):
        name = src.parent.name
        if args.names and name not in args.names:
            continue
        text = notebook_text(build_notebook(name, src.read_text(encoding="utf-8")))
        target = src.parent / f"{name}.ipynb"
        old = target.read_text(encoding="utf-8") if target.exists() else None
        if old == text:
            continue
        stale.append(target)
        if not args.check:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8")
            print(f"wrote {target.relative_to(root)}")
    if args.check and stale:
        for target in stale:
            print(f"out of date: {target.relative_to(root)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
