"""Flatten: ``(N, C, H, W)`` → ``(N, C·H·W)``, the bridge from convolutions to dense layers;
backward only reshapes the gradient back."""

from __future__ import annotations

from dlbook.errors import ShapeError
from dlbook.scratch._checks import as_float_array
from dlbook.scratch.layers.base import Layer


class Flatten(Layer):
    """Keeps the first (batch) axis and flattens the rest."""

    def forward(self, x):
        x = as_float_array(x, "x")
        if x.ndim < 2:
            raise ShapeError(
                f"Flatten cần đầu vào có chiều batch (N, ...), nhưng nhận được {tuple(x.shape)}."
            )
        self.cache = x.shape
        return x.reshape(x.shape[0], -1)

    def backward(self, dout):
        self._check_cache()
        return as_float_array(dout, "dout").reshape(self.cache)
