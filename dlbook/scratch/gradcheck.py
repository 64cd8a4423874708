"""Numerical gradient checking (Phần 3, chương 8).

Backpropagation is easy to get subtly wrong, so every ``backward`` in this package is compared
with central differences

    ∂f/∂x_i ≈ (f(x + h·e_i) − f(x − h·e_i)) / (2h),

whose error is O(h²). With float64 and ``h = 1e-5`` a correct analytic gradient agrees to a
relative error around 1e-8 or better; an error above 1e-4 almost always means a bug.
"""

from __future__ import annotations

import copy
from typing import Callable, Dict

import numpy as np

from dlbook.errors import DlbookError, DTypeError, ShapeError


def numerical_gradient(f: Callable[[np.ndarray], float], x: np.ndarray, h: float = 1e-5):
    """Central-difference gradient of the scalar function ``f`` at ``x``.

    ``x`` must be a float array; it is perturbed **in place**, one element at a time, and
    restored, so ``f`` may read ``x`` through a reference (for example a layer's weight
    matrix) instead of taking it as an argument.
    """
    if not isinstance(x, np.ndarray) or not np.issubdtype(x.dtype, np.floating):
        raise DTypeError(
            "`x` phải là mảng numpy số thực (để có thể cộng h vào từng phần tử), "
            f"nhưng nhận được {type(x).__name__} kiểu {getattr(x, 'dtype', None)}."
        )
    if x.dtype != np.float64:
        raise DTypeError(
            f"Kiểm tra gradient cần mảng float64 (float32 quá kém chính xác), nhưng `x` là {x.dtype}."
        )
    grad = np.zeros_like(x)
    it = np.nditer(x, flags=["multi_index"], op_flags=[["readwrite"]])
    while not it.finished:
        i = it.multi_index
        old = x[i]
        x[i] = old + h
        f_plus = f(x)
        x[i] = old - h
        f_minus = f(x)
        x[i] = old
        grad[i] = (f_plus - f_minus) / (2.0 * h)
        it.iternext()
    return grad


def relative_error(a, b, floor: float = 1e-8) -> float:
    """Largest element-wise relative error ``|a − b| / max(|a| + |b|, floor)``."""
    a = np.asarray(a, dtype=float)
    b = np.asarray(b, dtype=float)
    if a.shape != b.shape:
        raise ShapeError(
            f"Gradient giải tích có kích thước {a.shape} nhưng gradient số có {b.shape}."
        )
    if a.size == 0:
        return 0.0
    return float(np.max(np.abs(a - b) / np.maximum(np.abs(a) + np.abs(b), floor)))


def gradient_check(f, x, analytic_grad, h: float = 1e-5) -> float:
    """Compare ``analytic_grad`` with the numerical gradient of ``f`` at ``x``.

    Returns the largest element-wise relative error (see :func:`relative_error`). Rule of
    thumb: < 1e-7 very good, < 1e-5 fine, > 1e-3 a bug (unless ``f`` has a kink near ``x``,
    such as ReLU at 0).
    """
    num = numerical_gradient(f, x, h)
    return relative_error(analytic_grad, num)


def check_layer_gradients(layer, x, h: float = 1e-5, seed: int = 0) -> Dict[str, float]:
    """Check ``layer.backward`` against central differences, for the input and every parameter.

    The scalar that is differentiated is ``L = Σ forward(x) ⊙ G`` with a fixed random ``G``
    (so every output element matters and ``dL/dout = G``). Returns ``{"x": err, name: err, ...}``
    for the input and each entry of ``layer.params``. A layer with randomness (``Dropout``) gets
    its random generator reset before every forward pass, so it draws the same mask each time.
    """
    if not (hasattr(layer, "forward") and hasattr(layer, "backward")):
        raise DlbookError(f"`layer` phải có `forward` và `backward`, nhưng nhận được {type(layer).__name__}.")
    x = np.array(x, dtype=np.float64, copy=True)
    for name, p in getattr(layer, "params", {}).items():
        if p.dtype != np.float64:
            raise DTypeError(
                f"Tham số `{name}` là {p.dtype}; kiểm tra gradient cần float64 "
                "(tạo lớp với dtype mặc định hoặc gọi `.astype(np.float64)`)."
            )
    rng_state = copy.deepcopy(getattr(layer, "rng", None))

    def forward(inp):
        if rng_state is not None:
            layer.rng = copy.deepcopy(rng_state)
        return layer.forward(inp)

    out = forward(x)
    weights = np.random.default_rng((seed, 7919)).standard_normal(np.shape(out))
    dx = layer.backward(weights.copy())
    analytic = {"x": dx}
    analytic.update({k: np.array(g, copy=True) for k, g in layer.grads.items()})

    def loss_of_x(inp):
        return float(np.sum(forward(inp) * weights))

    errors = {"x": gradient_check(loss_of_x, x, analytic["x"], h)}
    for name, p in layer.params.items():
        errors[name] = gradient_check(lambda _p: float(np.sum(forward(x) * weights)), p,
                                      analytic[name], h)
    return errors


__all__ = ["check_layer_gradients", "gradient_check", "numerical_gradient", "relative_error"]
