"""Reproducibility: one call seeds every random number generator the book uses."""

from __future__ import annotations

import os
import random
import sys

import numpy as np


def set_seed(seed: int = 42, deterministic: bool = True) -> np.random.Generator:
    """Seed Python, NumPy and PyTorch (CPU and CUDA) and return a NumPy ``Generator``.

    With ``deterministic=True`` PyTorch is asked to use deterministic algorithms where it has
    them (warning, not failing, where it has none), so a chapter gives the same numbers on
    every build.
    """
    if not isinstance(seed, (int, np.integer)) or isinstance(seed, bool) or seed < 0:
        raise ValueError(f"`seed` phải là số nguyên không âm, nhưng nhận được {seed!r}.")
    seed = int(seed)
    random.seed(seed)
    np.random.seed(seed % 2**32)
    os.environ["PYTHONHASHSEED"] = str(seed)
    try:
        import torch
    except ImportError:  # the numpy-only parts of the book work without torch
        return np.random.default_rng(seed)
    torch.manual_seed(seed)
    if torch.cuda.is_available():
        torch.cuda.manual_seed_all(seed)
    if deterministic:
        os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")
        _use_deterministic_algorithms(torch)
        torch.backends.cudnn.benchmark = False
    return np.random.default_rng(seed)


def _use_deterministic_algorithms(torch) -> None:
    """``torch.use_deterministic_algorithms(True, warn_only=True)`` without its 1.2 s import.

    The public function imports ``torch._inductor.config`` (and with it TorchDynamo) only to set
    the compiler's ``deterministic`` flag: 1.2 s of every chapter, assignment kernel and test
    process that seeds, none of which compiles. The flag is read from
    ``TORCHINDUCTOR_DETERMINISTIC`` when that module is first imported, so setting the variable
    gives the same result if ``torch.compile`` is used later; where the module is already loaded,
    or torch lacks the internal setter, the public function is called.
    """
    setter = getattr(torch._C, "_set_deterministic_algorithms", None)
    if setter is None or "torch._inductor.config" in sys.modules:
        torch.use_deterministic_algorithms(True, warn_only=True)
        return
    os.environ.setdefault("TORCHINDUCTOR_DETERMINISTIC", "1")
    setter(True, warn_only=True)
