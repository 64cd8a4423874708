"""dlbook as a package: ranges (not pins) in its metadata, exact versions in constraints.txt, a
wheel that builds, passes `twine check`, and installs into a clean virtual environment with its
runtime dependencies only."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest
from packaging.requirements import Requirement

from packaging_support import ROOT, make_venv, pip, preinstall

pytestmark = [pytest.mark.xdist_group("packaging")]

PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
BOOK_TOOLS = {"jupyter-book", "myst-nb", "sphinx", "nbgrader", "jupytext", "pytest", "playwright"}


def _name(req: Requirement) -> str:
    return re.sub(r"[-_.]+", "-", req.name).lower()


def _requirements():
    project = PYPROJECT["project"]
    yield from (Requirement(r) for r in project["dependencies"])
    for reqs in project["optional-dependencies"].values():
        yield from (Requirement(r) for r in reqs)


def test_metadata_uses_ranges_never_exact_pins():
    for req in _requirements():
        for spec in req.specifier:
            assert spec.operator not in ("==", "==="), (
                f"{req} pins an exact version in pyproject.toml: use a range there and put the "
                "exact version in constraints.txt (tools/lock.sh)")
    torch = [r for r in _requirements() if _name(r) == "torch"]
    assert torch and any(s.operator == ">=" for s in torch[0].specifier)


def test_constraints_pin_every_dependency_exactly_and_make_uses_them():
    lines = [ln.strip() for ln in (ROOT / "constraints.txt").read_text(encoding="utf-8").splitlines()
             if ln.strip() and not ln.startswith("#")]
    pins = {}
    for line in lines:
        req = Requirement(line)
        specs = list(req.specifier)
        assert len(specs) == 1 and specs[0].operator == "==", f"not an exact pin: {line}"
        pins[_name(req)] = specs[0].version
    for req in _requirements():
        assert _name(req) in pins, f"{req.name} has no exact version in constraints.txt"
        assert req.specifier.contains(pins[_name(req)], prereleases=True), (
            f"constraints.txt pins {req.name}=={pins[_name(req)]}, outside {req}")
    assert "+" not in pins["torch"], "torch pinned with a local label: breaks the CUDA build"
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert "-c constraints.txt" in makefile


def test_test_extra_has_the_packaging_tools():
    names = {_name(Requirement(r)) for r in PYPROJECT["project"]["optional-dependencies"]["test"]}
    assert {"build", "twine"} <= names


@pytest.mark.slow
def test_wheel_and_sdist_build_and_pass_twine_check(dist_dir):
    wheels = sorted(dist_dir.glob("*.whl"))
    sdists = sorted(dist_dir.glob("*.tar.gz"))
    assert len(wheels) == 1 and len(sdists) == 1, sorted(p.name for p in dist_dir.iterdir())
    proc = subprocess.run([sys.executable, "-m", "twine", "check", "--strict", *map(str, wheels + sdists)],
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    import dlbook

    assert wheels[0].name.startswith(f"dlbook-{dlbook.__version__}-")
    with zipfile.ZipFile(wheels[0]) as zf:
        names = zf.namelist()
        meta = zf.read(next(n for n in names if n.endswith(".dist-info/METADATA"))).decode()
    assert "dlbook/data/vi_lm_corpus.txt" in names, "package data is missing from the wheel"
    assert not [n for n in names if n.startswith(("tests/", "book/", "solutions/"))]
    requires = [ln.split(":", 1)[1].strip() for ln in meta.splitlines() if ln.startswith("Requires-Dist:")]
    runtime = [Requirement(r) for r in requires if "extra ==" not in r]
    assert {_name(r) for r in runtime} & BOOK_TOOLS == set(), runtime


@pytest.mark.slow
def test_wheel_installs_into_a_clean_venv_with_runtime_dependencies_only(dist_dir, tmp_path):
    python = make_venv(tmp_path / "venv")
    wheel = next(dist_dir.glob("*.whl"))
    # torch first, as any user has it (the files of this environment's torch, see preinstall),
    # then the package: pip resolves every other runtime dependency from the index
    preinstall(python, "torch")
    pip(python, "install", "-q", str(wheel))
    listed = json.loads(pip(python, "list", "--format=json").stdout)
    installed = {re.sub(r"[-_.]+", "-", p["name"]).lower() for p in listed}
    assert "dlbook" in installed
    assert installed & BOOK_TOOLS == set(), f"book/test tools installed with dlbook: {installed & BOOK_TOOLS}"
    code = ("import dlbook, dlbook.scratch, dlbook.nn, dlbook.data, dlbook.train, dlbook.viz, "
            "dlbook.book; import numpy as np; from dlbook.scratch import Dense, check_layer_gradients;"
            "layer = Dense(3, 2); errs = check_layer_gradients(layer, np.random.default_rng(0)."
            "standard_normal((4, 3))); assert max(errs.values()) < 1e-6, errs;"
            "print(dlbook.__version__, dlbook.__file__)")
    proc = subprocess.run([str(python), "-c", code], capture_output=True, text=True, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr[-3000:]
    version, path = proc.stdout.split()
    assert str(tmp_path / "venv") in path, "dlbook was not imported from the clean venv"
    import dlbook

    assert version == dlbook.__version__
