"""Layer normalisation (Phần 9, chương 25; Ba, Kiros & Hinton 2016).

Each sample (each token of a sequence) is normalised over its *last* axis, the ``D`` features,
independently of the rest of the batch:

``μ = mean(x)``, ``σ² = mean((x − μ)²)`` (biased, like ``torch.nn.LayerNorm``),
``x̂ = (x − μ) / √(σ² + ε)``, ``y = γ ⊙ x̂ + β`` with ``γ, β`` of shape ``(D,)``.

Unlike batch normalisation there are no running statistics: training and evaluation compute the
same thing, and a batch of one sample works.

Backward (``D`` features, sums over the last axis, ``dx̂ = γ ⊙ dout``)::

    dx = 1/(D·σ) · (D·dx̂ − Σ dx̂ − x̂ · Σ (dx̂ ⊙ x̂))
    dγ = Σ_{other axes} dout ⊙ x̂,   dβ = Σ_{other axes} dout
"""

from __future__ import annotations

import numpy as np

from dlbook.errors import DlbookError, ShapeError, check_positive
from dlbook.scratch._checks import as_float_array
from dlbook.scratch.layers.base import Layer

__all__ = ["layer_norm_forward", "layer_norm_backward", "LayerNorm"]


def layer_norm_forward(x, gamma, beta, eps: float = 1e-5):
    """Normalise ``x`` ``(..., D)`` over its last axis; returns ``(out, cache)``.

    ``gamma`` and ``beta`` have shape ``(D,)``. ``cache`` = ``(x_hat, inv_std, gamma)`` is what
    :func:`layer_norm_backward` needs.
    """
    x = as_float_array(x, "x")
    if x.ndim < 1 or x.shape[-1] < 1:
        raise ShapeError(f"`x` phải có ít nhất một chiều đặc trưng (..., D), "
                         f"nhưng nhận được {tuple(x.shape)}.")
    D = x.shape[-1]
    gamma = as_float_array(gamma, "gamma", shape=(D,))
    beta = as_float_array(beta, "beta", shape=(D,))
    check_positive(eps, "eps")
    mean = x.mean(axis=-1, keepdims=True)
    centred = x - mean
    var = (centred * centred).mean(axis=-1, keepdims=True)
    inv_std = 1.0 / np.sqrt(var + eps)
    x_hat = centred * inv_std
    out = gamma * x_hat + beta
    return out.astype(x.dtype, copy=False), (x_hat, inv_std, gamma)


def layer_norm_backward(dout, cache):
    """Gradients of layer normalisation: returns ``(dx, dgamma, dbeta)``."""
    if not (isinstance(cache, tuple) and len(cache) == 3):
        raise DlbookError("`cache` phải là bộ ba (x_hat, inv_std, gamma) do "
                          "`layer_norm_forward` trả về.")
    x_hat, inv_std, gamma = cache
    dout = as_float_array(dout, "dout", shape=x_hat.shape)
    D = x_hat.shape[-1]
    other = tuple(range(x_hat.ndim - 1))
    dgamma = (dout * x_hat).sum(axis=other)
    dbeta = dout.sum(axis=other)
    dxhat = dout * gamma
    dx = inv_std / D * (D * dxhat - dxhat.sum(axis=-1, keepdims=True)
                        - x_hat * (dxhat * x_hat).sum(axis=-1, keepdims=True))
    return dx, dgamma, dbeta


class LayerNorm(Layer):
    """Layer normalisation over the last axis of size ``num_features`` (params ``gamma``, ``beta``)."""

    def __init__(self, num_features: int, eps: float = 1e-5, dtype=np.float64):
        super().__init__()
        check_positive(num_features, "num_features", integer=True)
        check_positive(eps, "eps")
        self.num_features = int(num_features)
        self.eps = float(eps)
        self.params = {"gamma": np.ones(num_features, dtype=dtype),
                       "beta": np.zeros(num_features, dtype=dtype)}
        self.zero_grad()

    def forward(self, x):
        x = as_float_array(x, "x")
        if x.ndim < 1 or x.shape[-1] != self.num_features:
            raise ShapeError(f"LayerNorm({self.num_features}) cần đầu vào (..., "
                             f"{self.num_features}), nhưng nhận được {tuple(x.shape)}.")
        out, self.cache = layer_norm_forward(x, self.params["gamma"], self.params["beta"],
                                             self.eps)
        return out

    def backward(self, dout):
        self._check_cache()
        # the cache holds a reference to gamma at forward time; use the current one
        x_hat, inv_std, _ = self.cache
        dx, dg, db = layer_norm_backward(dout, (x_hat, inv_std, self.params["gamma"]))
        self.grads = {"gamma": dg, "beta": db}
        return dx

    def extra_repr(self):
        return f"{self.num_features}, eps={self.eps}"
