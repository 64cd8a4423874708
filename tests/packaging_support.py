"""Helpers of the packaging tests (tests/test_packaging.py, tests/test_colab_install.py): a module
with a name of its own, because `from conftest import ...` finds whichever conftest.py comes first
on sys.path (tests/data/ has one too)."""

from __future__ import annotations

import os
import subprocess
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def make_venv(path: Path) -> Path:
    """A fresh virtual environment without the system site-packages; returns its python."""
    venv.EnvBuilder(with_pip=True, system_site_packages=False, clear=True).create(path)
    return path / "bin" / "python"


def pip(python: Path, *args: str, timeout: int = 900) -> subprocess.CompletedProcess:
    """Run pip in the venv of `python`. Installs skip byte-compiling (`--no-compile`): Python
    compiles what it imports anyway, and compiling all of torch costs ~20 s of CPU per venv."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    if args and args[0] == "install":
        args = ("install", "--no-compile", *args[1:])
    proc = subprocess.run([str(python), "-m", "pip", "--disable-pip-version-check", *args],
                          capture_output=True, text=True, timeout=timeout, env=env)
    assert proc.returncode == 0, f"pip {' '.join(args)}:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
    return proc
