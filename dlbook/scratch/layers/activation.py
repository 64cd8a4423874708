"""Activation layers: ``Activation(name)`` for any function of ``ACTIVATIONS``, and the
common ones as their own classes (``ReLU``, ``Sigmoid``, ``Tanh``, ``LeakyReLU``, ``Softmax``).

Backward is the chain rule element-wise, ``dx = dout ⊙ f'(x)``, except for softmax, whose
Jacobian couples the outputs of a row: ``dx = s ⊙ (dout − Σ_j dout_j s_j)``.
"""

from __future__ import annotations

import numpy as np

from dlbook.errors import DlbookError
from dlbook.scratch._checks import as_float_array
from dlbook.scratch.activations import ACTIVATIONS, softmax
from dlbook.scratch.layers.base import Layer


class Activation(Layer):
    """Applies the activation ``name`` (``"relu"``, ``"sigmoid"``, ``"tanh"``, ``"leaky_relu"``,
    ``"elu"``, ``"swish"``, ``"linear"``, ``"softmax"``); keyword arguments (``alpha``) are passed
    to the function."""

    def __init__(self, name: str = "relu", **kwargs):
        super().__init__()
        if name not in ACTIVATIONS:
            raise DlbookError(
                f"Hàm kích hoạt {name!r} không có; hãy chọn một trong {sorted(ACTIVATIONS)}."
            )
        self.name = name
        self.kwargs = kwargs
        self.f, self.f_grad = ACTIVATIONS[name]

    def forward(self, x):
        x = as_float_array(x, "x")
        out = self.f(x, **self.kwargs)
        self.cache = (x, out)
        return out

    def backward(self, dout):
        self._check_cache()
        x, out = self.cache
        dout = as_float_array(dout, "dout", shape=x.shape)
        if self.name == "softmax":
            return out * (dout - np.sum(dout * out, axis=-1, keepdims=True))
        return dout * self.f_grad(x, **self.kwargs)

    def extra_repr(self):
        return repr(self.name)


class ReLU(Activation):
    """``max(0, x)``; the gradient passes where ``x > 0``."""

    def __init__(self):
        super().__init__("relu")

    def forward(self, x):
        x = as_float_array(x, "x")
        mask = x > 0
        self.cache = mask
        return x * mask

    def backward(self, dout):
        self._check_cache()
        return as_float_array(dout, "dout", shape=self.cache.shape) * self.cache

    def extra_repr(self):
        return ""


class Sigmoid(Activation):
    """``σ(x)``; backward uses the saved output: ``σ' = σ(1 − σ)``."""

    def __init__(self):
        super().__init__("sigmoid")

    def backward(self, dout):
        self._check_cache()
        _, s = self.cache
        return as_float_array(dout, "dout", shape=s.shape) * s * (1.0 - s)

    def extra_repr(self):
        return ""


class Tanh(Activation):
    """``tanh(x)``; backward uses the saved output: ``tanh' = 1 − tanh²``."""

    def __init__(self):
        super().__init__("tanh")

    def backward(self, dout):
        self._check_cache()
        _, t = self.cache
        return as_float_array(dout, "dout", shape=t.shape) * (1.0 - t * t)

    def extra_repr(self):
        return ""


class LeakyReLU(Activation):
    """``x`` for ``x > 0``, ``alpha·x`` otherwise."""

    def __init__(self, alpha: float = 0.01):
        super().__init__("leaky_relu", alpha=alpha)


class Softmax(Activation):
    """Softmax over the last axis (for a classifier prefer ``SoftmaxCrossEntropy`` on logits)."""

    def __init__(self):
        super().__init__("softmax")

    def forward(self, x):
        x = as_float_array(x, "x")
        out = softmax(x, axis=-1)
        self.cache = (x, out)
        return out

    def extra_repr(self):
        return ""
