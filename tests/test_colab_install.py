"""The book's one install cell (tools/colab_setup_cell.py): the same first cell in every chapter
and assignment, pinned to the book's version, and — in a Colab-like environment (a fresh venv with
torch already installed and a stub ``google.colab``) — it installs what a page needs from a locally
built wheel, leaves torch alone, and a PyTorch chapter then runs."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import jupytext
import pytest

from packaging_support import ROOT, make_venv, pip, preinstall

sys.path.insert(0, str(ROOT / "tools"))
import colab_setup_cell  # noqa: E402

CELL = colab_setup_cell.cell_source()
CHAPTER = ROOT / "book" / "p4-cnn" / "11-phan-loai-anh-pytorch.md"
CHAPTER_CELLS = 9  # the install cell, then imports, data, split, figure, loaders, model, loss


def test_cell_installs_the_books_version_never_a_branch():
    import dlbook

    assert f'DLBOOK_VERSION = "{dlbook.__version__}"' in CELL
    assert f"{colab_setup_cell.REPO_URL}@v{{DLBOOK_VERSION}}" in CELL, "install the git tag v<version>"
    assert "@main" not in CELL and "@master" not in CELL
    assert "--no-deps" not in CELL, "the runtime dependencies come from the package's ranges"
    compile(CELL, "install-cell", "exec")


def test_every_chapter_and_assignment_starts_with_the_cell():
    stale = [str(p.relative_to(ROOT)) for p in colab_setup_cell.stale_files(CELL)]
    assert not stale, (
        "install cell differs from tools/colab_setup_cell.py in: " + ", ".join(stale)
        + " — run `make install-cell`")
    assert colab_setup_cell.chapter_files() and colab_setup_cell.solution_notebooks()


def test_replacement_is_exact_and_minimal(tmp_path):
    md = CHAPTER.read_text(encoding="utf-8")
    old = colab_setup_cell.first_cell_of_markdown(CHAPTER)
    changed = colab_setup_cell.replace_in_markdown(md, "print('x')")
    assert changed.replace("print('x')", old, 1) == md
    nb_text = CHAPTER.with_suffix(".ipynb").read_text(encoding="utf-8")
    new_text = colab_setup_cell.replace_in_notebook_text(nb_text, "print('x')\nprint('y')")
    a, b = json.loads(nb_text), json.loads(new_text)
    first = next(i for i, c in enumerate(a["cells"]) if c["cell_type"] == "code")
    assert "".join(b["cells"][first]["source"]) == "print('x')\nprint('y')"
    b["cells"][first]["source"] = a["cells"][first]["source"]
    assert a == b, "something other than the install cell changed"
    assert colab_setup_cell.replace_in_notebook_text(new_text, "".join(
        a["cells"][first]["source"])) == nb_text, "not byte-identical after a round trip"


def _chapter_code(n: int) -> list[str]:
    cells = [c.source for c in jupytext.read(CHAPTER).cells if c.cell_type == "code"]
    assert cells[0] == CELL
    return cells[:n]


RUNNER = textwrap.dedent('''\
    import json, sys
    import google.colab  # what Colab's kernel has imported before the first cell
    cells = json.load(open(sys.argv[1], encoding="utf-8"))
    ns = {"__name__": "__main__"}
    for i, src in enumerate(cells):
        print(f"--- cell {i}", flush=True)
        exec(compile(src, f"cell-{i}", "exec"), ns)
    ''')

PROBE = "import torch, json; print(json.dumps([torch.__version__, torch.__file__]))"


@pytest.mark.slow
@pytest.mark.xdist_group("packaging")
def test_install_cell_on_a_colab_like_machine(dist_dir, tmp_path):
    python = make_venv(tmp_path / "colab")
    # "Colab": torch (and IPython, which runs the cells) already there, and a google.colab module
    preinstall(python, "torch", "ipython")
    stub = tmp_path / "stub" / "google" / "colab"
    stub.mkdir(parents=True)
    (stub / "__init__.py").write_text('"""Stand-in for Colab\'s module."""\n', encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BINDER_", "PYTHON"))}
    env.update(PYTHONPATH=str(tmp_path / "stub"), DLBOOK_WHEELS=str(dist_dir), MPLBACKEND="Agg",
               DLBOOK_DATA=str(tmp_path / "data"))
    before = subprocess.run([str(python), "-c", PROBE], capture_output=True, text=True, env=env,
                            check=True).stdout
    missing = subprocess.run([str(python), "-c", "import dlbook"], capture_output=True, env=env)
    assert missing.returncode != 0, "dlbook was already importable: the test proves nothing"

    cells = tmp_path / "cells.json"
    cells.write_text(json.dumps(_chapter_code(CHAPTER_CELLS)), encoding="utf-8")
    (tmp_path / "run.py").write_text(RUNNER, encoding="utf-8")
    work = tmp_path / "work"
    work.mkdir()
    proc = subprocess.run([str(python), str(tmp_path / "run.py"), str(cells)], cwd=work, env=env,
                          capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-4000:]
    assert f"--- cell {CHAPTER_CELLS - 1}" in proc.stdout

    after = subprocess.run([str(python), "-c", PROBE], capture_output=True, text=True, env=env,
                           check=True).stdout
    assert json.loads(after) == json.loads(before), "the install cell replaced torch"
    listed = json.loads(pip(python, "list", "--format=json").stdout)
    names = {re.sub(r"[-_.]+", "-", p["name"]).lower(): p["version"] for p in listed}
    import dlbook

    assert names.get("dlbook") == dlbook.__version__
    assert {"mlxtend", "pooch"} <= set(names)
    assert not {"jupyter-book", "nbgrader", "myst-nb", "sphinx"} & set(names)

    # a second run of the cell (Colab re-runs it after a restart) installs nothing: with no
    # index and an empty wheel folder, any pip call would fail
    (tmp_path / "again.json").write_text(json.dumps([CELL, "print('ok')"]), encoding="utf-8")
    (tmp_path / "empty").mkdir()
    env.update(DLBOOK_WHEELS=str(tmp_path / "empty"), PIP_NO_INDEX="1")
    again = subprocess.run([str(python), str(tmp_path / "run.py"), str(tmp_path / "again.json")],
                           cwd=work, env=env, capture_output=True, text=True, timeout=300)
    assert again.returncode == 0 and "ok" in again.stdout, again.stderr[-2000:]


def test_cell_does_nothing_outside_colab(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("BINDER_")}
    proc = subprocess.run([sys.executable, "-c", CELL + "\nprint('done')"], capture_output=True,
                          text=True, env=env, cwd=tmp_path, timeout=60)
    assert proc.returncode == 0 and proc.stdout.strip() == "done", proc.stderr
