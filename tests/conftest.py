"""The suite's schedule on two workers, and the fixtures shared by the packaging tests
(tests/test_packaging.py, tests/test_colab_install.py)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from packaging_support import ROOT

# `make test` runs `pytest -n 2 --dist loadgroup --no-loadscope-reorder`: the tests of one
# xdist_group share one worker (and its session fixture), and xdist hands out the groups in the
# order of this list. The groups whose shared set-up takes minutes go first, longest first, so
# that neither worker is left with one of them at the end while the other is idle. (Seconds of
# set-up + tests in a CI run on 2 busy cores: book ≈ 1100 — the strict build, the PDF, the
# browser —, nbgrader ≈ 500, sandbox-attacks ≈ 200, packaging ≈ 240.)
LONGEST_GROUPS_FIRST = ("book", "nbgrader", "packaging", "sandbox-attacks", "sandbox-malformed",
                        "sandbox-distributed", "sandbox-postgres", "sandbox-cli")


def _group_rank(item: pytest.Item) -> int:
    groups = [mark.args[0] for mark in item.iter_markers("xdist_group") if mark.args]
    ranks = [LONGEST_GROUPS_FIRST.index(g) for g in groups if g in LONGEST_GROUPS_FIRST]
    return min(ranks, default=len(LONGEST_GROUPS_FIRST))


def pytest_collection_modifyitems(config, items):
    """Long groups first; every other test keeps its collection order (the sort is stable)."""
    items.sort(key=_group_rank)


@pytest.fixture(scope="session")
def dist_dir(tmp_path_factory) -> Path:
    """The sdist and the wheel of dlbook, built from a clean copy of the tracked sources with
    `python -m build` (sdist first, then the wheel from the sdist, as PyPI users get it)."""
    src = tmp_path_factory.mktemp("src")
    files = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard",
                            "pyproject.toml", "README.md", "dlbook"],
                           cwd=ROOT, capture_output=True, check=True).stdout.split(b"\0")
    for name in filter(None, files):
        path = ROOT / name.decode()
        if path.is_file():
            (src / name.decode()).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, src / name.decode())
    out = tmp_path_factory.mktemp("dist")
    proc = subprocess.run([sys.executable, "-m", "build", "--outdir", str(out), str(src)],
                          capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-4000:]
    return out
