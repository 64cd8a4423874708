"""Weight initialisation (Phần 5, chương 15).

Both schemes keep the variance of the signal roughly constant from layer to layer:

- Xavier/Glorot (tanh, sigmoid): ``Var(W) = 2 / (fan_in + fan_out)``;
- He/Kaiming (ReLU, which zeroes half of its inputs): ``Var(W) = 2 / fan_in``.

A uniform distribution ``U(−a, a)`` has variance ``a²/3``, hence the bounds ``√(6/(fan_in +
fan_out))`` and ``√(6/fan_in)``. ``shape`` defaults to ``(fan_in, fan_out)``, the layout of
``Dense.params["W"]``; for a convolution pass ``shape=(F, C, kh, kw)`` with ``fan_in = C·kh·kw``
and ``fan_out = F·kh·kw``.
"""

from __future__ import annotations

import numpy as np

from dlbook.errors import check_positive
from dlbook.scratch._checks import make_rng


def _setup(fan_in, fan_out, rng, shape):
    check_positive(fan_in, "fan_in", integer=True)
    check_positive(fan_out, "fan_out", integer=True)
    return make_rng(rng), (fan_in, fan_out) if shape is None else tuple(shape)


def xavier_uniform(fan_in: int, fan_out: int, rng=0, shape=None) -> np.ndarray:
    """Glorot uniform: ``U(−a, a)`` with ``a = √(6 / (fan_in + fan_out))``."""
    rng, shape = _setup(fan_in, fan_out, rng, shape)
    a = np.sqrt(6.0 / (fan_in + fan_out))
    return rng.uniform(-a, a, size=shape)


def xavier_normal(fan_in: int, fan_out: int, rng=0, shape=None) -> np.ndarray:
    """Glorot normal: ``N(0, σ²)`` with ``σ = √(2 / (fan_in + fan_out))``."""
    rng, shape = _setup(fan_in, fan_out, rng, shape)
    return rng.normal(0.0, np.sqrt(2.0 / (fan_in + fan_out)), size=shape)


def he_normal(fan_in: int, fan_out: int, rng=0, shape=None) -> np.ndarray:
    """He (Kaiming) normal: ``N(0, σ²)`` with ``σ = √(2 / fan_in)``."""
    rng, shape = _setup(fan_in, fan_out, rng, shape)
    return rng.normal(0.0, np.sqrt(2.0 / fan_in), size=shape)


def he_uniform(fan_in: int, fan_out: int, rng=0, shape=None) -> np.ndarray:
    """He (Kaiming) uniform: ``U(−a, a)`` with ``a = √(6 / fan_in)``."""
    rng, shape = _setup(fan_in, fan_out, rng, shape)
    a = np.sqrt(6.0 / fan_in)
    return rng.uniform(-a, a, size=shape)


INITIALIZERS = {
    "xavier": xavier_uniform,
    "xavier_uniform": xavier_uniform,
    "xavier_normal": xavier_normal,
    "glorot": xavier_uniform,
    "he": he_normal,
    "he_normal": he_normal,
    "he_uniform": he_uniform,
    "kaiming": he_normal,
}

__all__ = ["INITIALIZERS", "he_normal", "he_uniform", "xavier_normal", "xavier_uniform"]
