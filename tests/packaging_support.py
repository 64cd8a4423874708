"""Helpers of the packaging tests (tests/test_packaging.py, tests/test_colab_install.py): a module
with a name of its own, because `from conftest import ...` finds whichever conftest.py comes first
on sys.path (tests/data/ has one too)."""

from __future__ import annotations

import importlib.metadata as metadata
import os
import re
import shutil
import subprocess
import sys
import venv
from pathlib import Path

from packaging.requirements import Requirement

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


def _normalized(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def requirement_closure(*names: str) -> list[metadata.Distribution]:
    """The installed distributions ``names`` and everything they require (no extras), found in
    this process's environment."""
    seen: dict[str, metadata.Distribution] = {}
    todo = list(names)
    while todo:
        name = _normalized(todo.pop())
        if name in seen:
            continue
        seen[name] = dist = metadata.distribution(name)
        for text in dist.requires or []:
            req = Requirement(text)
            if req.marker is None or req.marker.evaluate({"extra": ""}):
                todo.append(req.name)
    return list(seen.values())


def site_packages(python: Path) -> Path:
    return python.parent.parent / "lib" / f"python{sys.version_info.major}.{sys.version_info.minor}" / "site-packages"


def preinstall(python: Path, *names: str) -> list[str]:
    """Put the distributions ``names`` (and what they require) into the venv of ``python`` as
    they are installed in this test process's environment: each file of their RECORD hard-linked
    (copied across filesystems) into the venv's site-packages, the venv's own copy of a
    distribution (its setuptools) uninstalled first. pip in the venv then sees them installed,
    exactly as if it had unpacked the same wheels, without unzipping and hashing a gigabyte again
    (torch: ~50 s of CPU per venv). Scripts (bin/) are left out. Returns the names put in."""
    dists = requirement_closure(*names)
    site = site_packages(python)
    present = {_normalized(p.name.split("-")[0]) for p in site.glob("*.dist-info")}
    clash = [d.metadata["Name"] for d in dists if _normalized(d.metadata["Name"]) in present]
    if clash:
        pip(python, "uninstall", "-y", "-q", *clash)
    for dist in dists:
        if dist.files is None:
            raise RuntimeError(f"{dist.metadata['Name']} has no RECORD: cannot preinstall it")
        for rel in dist.files:
            if rel.parts[0] == "..":  # scripts and data outside site-packages
                continue
            source, target = Path(dist.locate_file(rel)), site / rel
            if not source.is_file():
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            try:
                os.link(source, target)
            except OSError:
                shutil.copy2(source, target)
    return sorted(d.metadata["Name"] for d in dists)
