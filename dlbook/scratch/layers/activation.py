"""Activation layers: ``Activation(name)`` for any function of ``ACTIVATIONS``, and the
common ones as their own classes (``ReLU``, ``Sigmoid``, ``Tanh``, ``LeakyReLU``, ``Softmax``).

Backward is the chain rule element-wise, ``dx = dout ⊙ f'(x)``, except for softmax, whose
Jacobian couples the outputs of a row: ``dx = s ⊙ (dout − Σ_j dout_j s_j)``.
"""

from __future__ import annotations

import numpy as np

from dlbook.errors import DlbookError
from dlbook.scratch._checks import as_float_array
from dlbook.scratch.activations import ACTIVATIONS
from dlbook.scratch.layers.base import Layer


#: Derivatives written with the saved output instead of the input: ``σ' = σ(1 − σ)``,
#: ``tanh' = 1 − tanh²`` (no second exponential in backward).
_GRAD_FROM_OUTPUT = {"sigmoid": lambda s: s * (1.0 - s), "tanh": lambda t: 1.0 - t * t}


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
        if self.name in _GRAD_FROM_OUTPUT:
            return dout * _GRAD_FROM_OUTPUT[self.name](out)
        return dout * self.f_grad(x, **self.kwargs)

    def extra_repr(self):
        # the named subclasses (ReLU(), Sigmoid()...) say everything with their class name
        return repr(self.name) if type(self) is Activation else ""


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


class Sigmoid(Activation):
    """``σ(x)``; backward uses the saved output: ``σ' = σ(1 − σ)``."""

    def __init__(self):
        super().__init__("sigmoid")


class Tanh(Activation):
    """``tanh(x)``; backward uses the saved output: ``tanh' = 1 − tanh²``."""

    def __init__(self):
        super().__init__("tanh")


class LeakyReLU(Activation):
    """``x`` for ``x > 0``, ``alpha·x`` otherwise."""

    def __init__(self, alpha: float = 0.01):
        super().__init__("leaky_relu", alpha=alpha)

    def extra_repr(self):
        return f"alpha={self.kwargs['alpha']}"


class Softmax(Activation):
    """Softmax over the last axis (for a classifier prefer ``SoftmaxCrossEntropy`` on logits)."""

    def __init__(self):
        super().__init__("softmax")
