"""Inverted dropout (Phần 5, chương 15).

While training, each input is zeroed with probability ``p`` and the survivors are multiplied by
``1/(1 − p)``, so the expected output equals the input. In evaluation mode the layer does
nothing: no rescaling is needed at test time (that is the point of the "inverted" variant).
Backward multiplies by the same mask.
"""

from __future__ import annotations

import numpy as np

from dlbook.errors import DlbookError
from dlbook.scratch._checks import as_float_array, make_rng
from dlbook.scratch.layers.base import Layer


class Dropout(Layer):
    """Drops each input with probability ``p`` (the drop rate, as ``torch.nn.Dropout``)."""

    def __init__(self, p: float = 0.5, seed=0):
        super().__init__()
        if not isinstance(p, (int, float, np.floating)) or not 0.0 <= p <= 1.0:
            raise DlbookError(f"`p` (xác suất bỏ) phải nằm trong [0, 1], nhưng nhận được {p!r}.")
        self.p = float(p)
        self.rng = make_rng(seed)

    def forward(self, x):
        x = as_float_array(x, "x")
        if not self.training or self.p == 0.0:
            self.cache = None
            return x
        if self.p == 1.0:
            mask = np.zeros_like(x)
        else:
            keep = self.rng.random(x.shape, dtype=x.dtype) >= self.p
            mask = keep * x.dtype.type(1.0 / (1.0 - self.p))
        self.cache = mask
        return x * mask

    def backward(self, dout):
        dout = as_float_array(dout, "dout")
        if self.cache is None:  # evaluation mode or p = 0: the identity
            return dout
        return dout * self.cache

    def extra_repr(self):
        return f"p={self.p}"
