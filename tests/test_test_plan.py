"""The suite's parallel plan holds: tests of one ``xdist_group`` run on one worker.

`make test` runs ``pytest -n 2 --dist loadgroup``. The expensive session fixtures (the strict book
build, the nbgrader runs, the sandbox's graded class) are shared by the tests of one group; if
pytest-xdist stops honouring the groups, every worker builds them again and the suite silently
takes minutes more (pytest 9.2 with pytest-xdist 3.8 did exactly that: the book was built twice).
"""

from __future__ import annotations

import re
import subprocess
import sys
import textwrap

GROUPED = textwrap.dedent(
    """
    import os
    import pytest

    pytestmark = pytest.mark.xdist_group("shared")

    @pytest.mark.parametrize("i", range(6))
    def test_grouped(i):
        print("WORKER", os.environ["PYTEST_XDIST_WORKER"])
    """
)

UNGROUPED = textwrap.dedent(
    """
    import time
    import pytest

    @pytest.mark.parametrize("i", range(6))
    def test_free(i):
        time.sleep(0.05)
    """
)


def test_tests_of_one_group_run_on_one_worker(tmp_path):
    (tmp_path / "test_grouped.py").write_text(GROUPED, encoding="utf-8")
    (tmp_path / "test_free.py").write_text(UNGROUPED, encoding="utf-8")
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-n", "2", "--dist", "loadgroup", "-v",
         "-p", "no:cacheprovider", "-o", "addopts=", str(tmp_path)],
        cwd=tmp_path, capture_output=True, text=True, timeout=120,
    )
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out[-3000:]
    grouped = re.findall(r"\[(gw\d+)\][^\n]*PASSED [^\n]*test_grouped\[(\d)\](@\w+)?", out)
    assert len(grouped) == 6, out[-3000:]
    # xdist marks a grouped test by suffixing its node id with the group's name ...
    assert {suffix for _, _, suffix in grouped} == {"@shared"}, out[-3000:]
    # ... and sends every test of the group to the same worker.
    assert len({worker for worker, _, _ in grouped}) == 1, out[-3000:]
