"""The base class of every from-scratch layer (CS231n style).

A layer has

- ``forward(x)``: computes the output and keeps in ``self.cache`` what the backward pass needs;
- ``backward(dout)``: receives ``∂L/∂out`` and returns ``∂L/∂x``; the gradients of the
  parameters go to ``self.grads`` under the same keys as ``self.params``;
- ``train()`` / ``eval()``: switches the few layers that behave differently while training
  (``Dropout``, ``BatchNorm``).
"""

from __future__ import annotations

import numpy as np

from dlbook.errors import DlbookError


class Layer:
    """Base class: no parameters, identity forward/backward must be overridden."""

    #: set by ``Sequential`` on its first trainable layer while training: nobody needs
    #: ``∂L/∂x`` of the input data, so ``backward`` may skip it (and return ``None``).
    skip_input_grad = False

    def __init__(self):
        self.params: dict[str, np.ndarray] = {}
        self.grads: dict[str, np.ndarray] = {}
        self.training = True
        self.cache = None

    def forward(self, x):
        raise NotImplementedError

    def backward(self, dout):
        raise NotImplementedError

    def __call__(self, x):
        return self.forward(x)

    def _check_cache(self):
        if self.cache is None:
            raise DlbookError(
                f"{type(self).__name__}.backward được gọi trước forward: hãy chạy forward trước."
            )

    def train(self, mode: bool = True):
        """Training mode (the default)."""
        self.training = bool(mode)
        return self

    def eval(self):
        """Evaluation mode (Dropout does nothing, BatchNorm uses its running statistics)."""
        return self.train(False)

    def zero_grad(self):
        """Set every parameter gradient to zero."""
        self.grads = {k: np.zeros_like(v) for k, v in self.params.items()}

    def num_params(self) -> int:
        """Number of learnable scalars."""
        return int(sum(p.size for p in self.params.values()))

    def astype(self, dtype):
        """Convert the parameters (and buffers such as running statistics) to ``dtype``."""
        dtype = np.dtype(dtype)
        for k in list(self.params):
            if self.params[k].dtype != dtype:
                self.params[k] = self.params[k].astype(dtype)
        for k in list(self.grads):
            self.grads[k] = self.grads[k].astype(dtype)
        for name in getattr(self, "_buffers", ()):
            setattr(self, name, getattr(self, name).astype(dtype))
        return self

    def extra_repr(self) -> str:
        return ""

    def __repr__(self):
        return f"{type(self).__name__}({self.extra_repr()})"
