"""Fully connected layer ``out = x W + b`` (Phần 3).

``W`` has shape ``(in_features, out_features)``, the layout of the book's formulas
``Z = XW + b`` (PyTorch's ``nn.Linear`` stores the transpose). Backward:

    dW = xᵀ · dout,   db = Σ_n dout,   dx = dout · Wᵀ.
"""

from __future__ import annotations

import numpy as np

from dlbook.errors import DlbookError, ShapeError, check_positive
from dlbook.scratch._checks import as_float_array, make_rng
from dlbook.scratch.init import INITIALIZERS
from dlbook.scratch.layers.base import Layer


def _initial_weights(init, fan_in, fan_out, shape, seed):
    if callable(init):
        return np.asarray(init(fan_in, fan_out, make_rng(seed), shape=shape), dtype=float)
    if init not in INITIALIZERS:
        raise DlbookError(
            f"`init` phải là một trong {sorted(INITIALIZERS)} (hoặc một hàm), nhưng nhận được {init!r}."
        )
    return INITIALIZERS[init](fan_in, fan_out, make_rng(seed), shape=shape)


class Dense(Layer):
    """Fully connected layer with ``in_features`` inputs and ``out_features`` outputs.

    ``init`` is ``"he"`` (ReLU networks), ``"xavier"`` (sigmoid/tanh) or any name of
    ``dlbook.scratch.init.INITIALIZERS``; the bias starts at 0.
    """

    def __init__(self, in_features: int, out_features: int, init="he", seed=0,
                 dtype=np.float64):
        super().__init__()
        check_positive(in_features, "in_features", integer=True)
        check_positive(out_features, "out_features", integer=True)
        self.in_features = int(in_features)
        self.out_features = int(out_features)
        W = _initial_weights(init, in_features, out_features, (in_features, out_features), seed)
        self.params = {
            "W": W.astype(dtype),
            "b": np.zeros(out_features, dtype=dtype),
        }
        self.zero_grad()

    def forward(self, x):
        x = as_float_array(x, "x")
        if x.ndim != 2 or x.shape[1] != self.in_features:
            hint = " (ảnh? hãy thêm lớp Flatten trước Dense)" if x.ndim > 2 else ""
            raise ShapeError(
                f"Dense({self.in_features} → {self.out_features}) cần đầu vào kích thước "
                f"(N, {self.in_features}), nhưng nhận được {tuple(x.shape)}{hint}."
            )
        self.cache = x
        return x @ self.params["W"] + self.params["b"]

    def backward(self, dout):
        self._check_cache()
        x = self.cache
        dout = as_float_array(dout, "dout", shape=(x.shape[0], self.out_features))
        self.grads["W"] = x.T @ dout
        self.grads["b"] = dout.sum(axis=0)
        if self.skip_input_grad:
            return None
        return dout @ self.params["W"].T

    def extra_repr(self):
        return f"{self.in_features}, {self.out_features}"
