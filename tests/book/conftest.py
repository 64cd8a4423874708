"""Fixture of the book tests: one strict, executed build of the whole book."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bookutil import ROOT  # noqa: E402


@pytest.fixture(scope="session")
def built_book(tmp_path_factory) -> Path:
    """Build the whole book once, strictly, the way `make build` does: every chapter executed
    into a fresh execution cache by tools/execute_book.py (in parallel, one kernel per core), then
    a fresh Sphinx environment renders them, warnings as errors, a full report (--keep-going).
    A chapter that fails to execute is executed again by Sphinx, which reports it.

    Returns the HTML folder. Set DLBOOK_TEST_BUILD_DIR to reuse an output folder (and its
    execution cache) between local runs; CI always starts fresh.
    """
    out = os.environ.get("DLBOOK_TEST_BUILD_DIR")
    out = Path(out) if out else tmp_path_factory.mktemp("book")
    out.mkdir(parents=True, exist_ok=True)
    doctrees = out / "_build" / ".doctrees"
    shutil.rmtree(doctrees, ignore_errors=True)
    subprocess.run(["bash", str(ROOT / "tools" / "fetch_mathjax.sh")], check=True, cwd=ROOT)
    executed = subprocess.run([sys.executable, str(ROOT / "tools" / "execute_book.py"),
                               "--path-output", str(out)], cwd=ROOT, capture_output=True, text=True)
    # its failures are reported by the build below; its log has each chapter's time
    (out / "execution.log").write_text(executed.stdout + executed.stderr, encoding="utf-8")
    jb = Path(sys.executable).with_name("jupyter-book")
    proc = subprocess.run(
        [str(jb), "build", ".", "--path-output", str(out), "--all", "-W", "--keep-going"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    log = proc.stdout + proc.stderr
    (out / "build.log").write_text(log, encoding="utf-8")
    html = out / "_build" / "html"
    reports = sorted((html / "reports").rglob("*.err.log")) if (html / "reports").exists() else []
    details = "\n".join(r.read_text(encoding="utf-8")[-3000:] for r in reports)
    if proc.returncode != 0:
        warnings = [line for line in log.splitlines() if "WARNING" in line or "ERROR" in line]
        pytest.fail(
            "Strict book build failed (exit %d):\n%s\n%s\n--- tail of the log ---\n%s"
            % (proc.returncode, "\n".join(warnings[:60]), details, log[-4000:]),
            pytrace=False,
        )
    return html
