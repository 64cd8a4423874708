"""Reproducibility: one call seeds every random number generator the book uses."""

from __future__ import annotations

import os
import random

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
        torch.use_deterministic_algorithms(True, warn_only=True)
        torch.backends.cudnn.benchmark = False
    return np.random.default_rng(seed)
