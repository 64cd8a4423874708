"""The book's one install cell, and the script that writes it everywhere it belongs.

Every chapter (``book/p*/*.md`` and its paired ``.ipynb``) and every assignment (the cell
``install_dlbook`` of ``solutions/<name>/<name>.ipynb``, which ``tools/build_solutions.py`` also
takes from here) starts with the same code cell, :func:`cell_source`. On Colab, or on Binder without
``dlbook``, it installs the version of ``dlbook`` that matches the book (``dlbook.__version__``:
the git tag ``v<version>`` until the package is published, never a moving branch) and pins the
torch that is already installed, so pip can never replace Colab's PyTorch. Elsewhere it does
nothing. ``DLBOOK_WHEELS`` (a folder of wheels) installs from there instead of GitHub: a classroom
without internet, and the Colab-like test (tests/test_colab_install.py).

    .venv/bin/python tools/colab_setup_cell.py           # write the cell into chapters and solutions
    .venv/bin/python tools/colab_setup_cell.py --check   # exit 1 if a first cell differs
    make install-cell                                    # the above, then the exercises (nbgrader)

The replacement is exact and minimal: only the source of that one cell changes in each file (the
rest of a chapter, of its notebook or of a solution notebook is left byte for byte as it is), so
it is safe to run while others edit the prose. The exercises are regenerated from the solutions by
nbgrader (``make exercises``), never edited here.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
REPO_URL = "https://github.com/dlbook-vn/dlbook"
INSTALL_CELL_ID = "install_dlbook"  # nbgrader grade_id of the cell in the assignments

TEMPLATE = '''\
# Cài gói dlbook đúng phiên bản của sách ({version}) khi chạy trên Colab, hoặc trên Binder chưa có
# dlbook. PyTorch đã có sẵn được giữ nguyên (ghim đúng phiên bản đang cài). Ở máy đã cài dlbook,
# ô này không làm gì.
import os
import subprocess
import sys
from importlib import metadata

DLBOOK_VERSION = "{version}"


def _installed(name):
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None


_online = "google.colab" in sys.modules or any(k.startswith("BINDER_") for k in os.environ)
if _online and _installed("dlbook") != DLBOOK_VERSION:
    _wheels = os.environ.get("DLBOOK_WHEELS")  # thư mục chứa sẵn các tệp wheel (lớp không có mạng)
    _spec = (f"dlbook=={{DLBOOK_VERSION}}" if _wheels
             else f"dlbook @ git+{repo}@v{{DLBOOK_VERSION}}")
    _keep = [f"{{n}}=={{_installed(n)}}" for n in ("torch", "torchvision") if _installed(n)]
    _links = ["--find-links", _wheels] if _wheels else []
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", _spec, *_keep, *_links],
                   check=True)'''

# the first code cell of a MyST chapter: fence line, option lines, blank line, source, fence
FIRST_CELL = re.compile(r"(```\{code-cell\}[^\n]*\n(?::[^\n]*\n)*\n?)(.*?)(\n```)", re.S)


def book_version() -> str:
    """``dlbook.__version__``, read from the source (no import: works before installing)."""
    text = (ROOT / "dlbook" / "__init__.py").read_text(encoding="utf-8")
    match = re.search(r'^__version__\s*=\s*["\']([^"\']+)["\']', text, re.M)
    if match is None:
        raise RuntimeError("dlbook/__init__.py defines no __version__")
    return match.group(1)


def cell_source(version: str | None = None) -> str:
    """The install cell's source (no trailing newline) for ``version`` (default: the book's)."""
    return TEMPLATE.format(version=version or book_version(), repo=REPO_URL)


def replace_in_markdown(text: str, cell: str) -> str:
    """``text`` with the source of its first ``{code-cell}`` replaced by ``cell``."""
    match = FIRST_CELL.search(text)
    if match is None:
        return text
    return text[: match.start(2)] + cell + text[match.end(2):]


def _source_lines(cell: str) -> list[str]:
    lines = cell.split("\n")
    return [line + "\n" for line in lines[:-1]] + [lines[-1]]


def _joined(source) -> str:
    return "".join(source) if isinstance(source, list) else source


def replace_in_notebook_text(text: str, cell: str, *, grade_id: str | None = None) -> str:
    """A notebook's JSON text with one code cell's source replaced by ``cell``.

    The cell is the first code cell, or the one whose nbgrader ``grade_id`` is ``grade_id``. Only
    that cell's ``"source"`` value changes in the text: every other byte stays as it is.
    """
    nb = json.loads(text)
    index = None
    for i, c in enumerate(nb["cells"]):
        if c["cell_type"] != "code":
            continue
        if grade_id is None or c.get("metadata", {}).get("nbgrader", {}).get("grade_id") == grade_id:
            index = i
            break
    if index is None or _joined(nb["cells"][index]["source"]) == cell:
        return text
    # find that cell's "source" value in the text and replace just it
    decoder = json.JSONDecoder()
    pos, seen = 0, -1
    cells_at = text.index('"cells"')
    pos = text.index("[", cells_at) + 1
    while True:
        while text[pos] in " \n\r\t,":
            pos += 1
        seen += 1
        _, end = decoder.raw_decode(text, pos)
        if seen == index:
            break
        pos = end
    start = text.index('"source"', pos, end)
    value_start = text.index(":", start) + 1
    while text[value_start] in " \n\r\t":
        value_start += 1
    old_value, value_end = decoder.raw_decode(text, value_start)
    line_start = text.rfind("\n", 0, start) + 1
    indent = text[line_start:start]
    if isinstance(old_value, list):
        lines = _source_lines(cell)
        inner = indent + " "
        new_value = "[\n" + ",\n".join(inner + json.dumps(s, ensure_ascii=False) for s in lines) \
            + "\n" + indent + "]"
    else:
        new_value = json.dumps(cell, ensure_ascii=False)
    return text[:value_start] + new_value + text[value_end:]


def chapter_files() -> list[Path]:
    return sorted((ROOT / "book").glob("p*/*.md"))


def solution_notebooks() -> list[Path]:
    return sorted((ROOT / "solutions").glob("*/*.ipynb"))


def exercise_notebooks() -> list[Path]:
    return sorted((ROOT / "exercises").glob("*/*.ipynb"))


def first_cell_of_markdown(path: Path) -> str | None:
    match = FIRST_CELL.search(path.read_text(encoding="utf-8"))
    return match.group(2) if match else None


def cell_of_notebook(path: Path, grade_id: str | None = None) -> str | None:
    nb = json.loads(path.read_text(encoding="utf-8"))
    for c in nb["cells"]:
        if c["cell_type"] != "code":
            continue
        if grade_id is None or c.get("metadata", {}).get("nbgrader", {}).get("grade_id") == grade_id:
            return _joined(c["source"])
    return None


def stale_files(cell: str | None = None) -> list[Path]:
    """Every chapter, paired notebook, solution and exercise whose install cell is not ``cell``."""
    cell = cell or cell_source()
    stale = []
    for md in chapter_files():
        if first_cell_of_markdown(md) != cell:
            stale.append(md)
        ipynb = md.with_suffix(".ipynb")
        if ipynb.exists() and cell_of_notebook(ipynb) != cell:
            stale.append(ipynb)
    for nb in solution_notebooks() + exercise_notebooks():
        if cell_of_notebook(nb, INSTALL_CELL_ID) != cell:
            stale.append(nb)
    return stale


def write_all(cell: str | None = None) -> list[Path]:
    """Write the cell into chapters, paired notebooks and solution notebooks; return what changed."""
    cell = cell or cell_source()
    changed = []
    targets = [(md, "md") for md in chapter_files()]
    targets += [(md.with_suffix(".ipynb"), "nb") for md in chapter_files()
                if md.with_suffix(".ipynb").exists()]
    targets += [(nb, "solution") for nb in solution_notebooks()]
    for path, kind in targets:
        text = path.read_text(encoding="utf-8")
        if kind == "md":
            new = replace_in_markdown(text, cell)
        else:
            new = replace_in_notebook_text(text, cell,
                                           grade_id=INSTALL_CELL_ID if kind == "solution" else None)
        if new != text:
            path.write_text(new, encoding="utf-8")
            changed.append(path)
    return changed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="write nothing; exit 1 on a difference")
    parser.add_argument("--print", action="store_true", help="print the cell and exit")
    args = parser.parse_args(argv)
    if args.print:
        print(cell_source())
        return 0
    if args.check:
        stale = stale_files()
        for path in stale:
            print(f"ô cài đặt khác với tools/colab_setup_cell.py: {path.relative_to(ROOT)}",
                  file=sys.stderr)
        return 1 if stale else 0
    for path in write_all():
        print(f"đã cập nhật ô cài đặt: {path.relative_to(ROOT)}")
    exercises = [p for p in exercise_notebooks() if cell_of_notebook(p, INSTALL_CELL_ID) != cell_source()]
    if exercises:
        print(f"{len(exercises)} bài tập trong exercises/ còn ô cũ: chạy `make exercises` (nbgrader).")
    return 0


if __name__ == "__main__":
    sys.exit(main())
