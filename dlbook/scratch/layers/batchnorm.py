"""Batch normalisation (Phần 5, chương 15), for dense ``(N, D)`` and convolutional
``(N, C, H, W)`` inputs (one mean and variance per channel, over ``N·H·W`` values).

Training: ``x̂ = (x − μ_B) / √(σ²_B + ε)``, ``y = γ·x̂ + β`` with the batch mean and (biased)
variance; the running statistics are updated as
``running = momentum·running + (1 − momentum)·batch``. Evaluation: the running statistics
replace the batch ones.

Conventions, chosen to match ``torch.nn.functional.batch_norm``: ``momentum=0.9`` here is
PyTorch's ``momentum=0.1`` (PyTorch weights the *new* value), and the running variance is
updated with the unbiased batch variance (``· m/(m − 1)``, ``m`` values per channel) while the
normalisation itself uses the biased one.

Backward (``m`` values per channel, sums over them):
``dx = γ/(m·σ) · (m·dx̂ − Σdx̂ − x̂·Σ(dx̂·x̂))`` with ``dx̂ = dout``,
``dγ = Σ dout·x̂``, ``dβ = Σ dout``.
"""

from __future__ import annotations

import numpy as np

from dlbook.errors import DlbookError, ShapeError, check_positive
from dlbook.scratch._checks import as_float_array
from dlbook.scratch.layers.base import Layer


class BatchNorm(Layer):
    """Batch normalisation over ``num_features`` features (2-D input) or channels (4-D input)."""

    _buffers = ("running_mean", "running_var")

    def __init__(self, num_features: int, momentum: float = 0.9, eps: float = 1e-5,
                 dtype=np.float64):
        super().__init__()
        check_positive(num_features, "num_features", integer=True)
        if not 0.0 <= momentum <= 1.0:
            raise DlbookError(f"`momentum` phải nằm trong [0, 1], nhưng nhận được {momentum!r}.")
        check_positive(eps, "eps")
        self.num_features = int(num_features)
        self.momentum = float(momentum)
        self.eps = float(eps)
        self.params = {"gamma": np.ones(num_features, dtype=dtype),
                       "beta": np.zeros(num_features, dtype=dtype)}
        self.running_mean = np.zeros(num_features, dtype=dtype)
        self.running_var = np.ones(num_features, dtype=dtype)
        self.zero_grad()

    def _axes(self, x):
        if x.ndim not in (2, 4) or x.shape[1] != self.num_features:
            raise ShapeError(
                f"BatchNorm({self.num_features}) cần đầu vào (N, {self.num_features}) hoặc "
                f"(N, {self.num_features}, H, W), nhưng nhận được {tuple(x.shape)}."
            )
        return (0,) if x.ndim == 2 else (0, 2, 3)

    def _shaped(self, v, ndim):
        return v if ndim == 2 else v.reshape(1, -1, 1, 1)

    def forward(self, x):
        x = as_float_array(x, "x")
        axes = self._axes(x)
        gamma = self._shaped(self.params["gamma"], x.ndim)
        beta = self._shaped(self.params["beta"], x.ndim)
        if self.training:
            m = x.size // self.num_features
            if m < 2:
                raise DlbookError(
                    "BatchNorm cần ít nhất 2 giá trị mỗi kênh trong một batch khi huấn luyện "
                    f"(nhận được {tuple(x.shape)}); hãy tăng batch_size hoặc gọi .eval()."
                )
            mean = x.mean(axis=axes)
            centred = x - self._shaped(mean, x.ndim)
            var = (centred * centred).mean(axis=axes)
            mom = self.momentum
            self.running_mean = mom * self.running_mean + (1 - mom) * mean
            self.running_var = mom * self.running_var + (1 - mom) * var * (m / (m - 1))
        else:
            mean, var = self.running_mean, self.running_var
            centred = x - self._shaped(mean, x.ndim)
        inv_std = 1.0 / np.sqrt(var + self.eps)
        x_hat = centred * self._shaped(inv_std, x.ndim)
        self.cache = (x_hat, inv_std, axes, self.training)
        return (gamma * x_hat + beta).astype(x.dtype, copy=False)

    def backward(self, dout):
        self._check_cache()
        x_hat, inv_std, axes, training = self.cache
        dout = as_float_array(dout, "dout", shape=x_hat.shape)
        nd = x_hat.ndim
        self.grads = {"gamma": (dout * x_hat).sum(axis=axes), "beta": dout.sum(axis=axes)}
        scale = self._shaped(self.params["gamma"] * inv_std, nd)
        if not training:  # the statistics are constants in evaluation mode
            return dout * scale
        m = x_hat.size // self.num_features
        sum_d = self._shaped(dout.sum(axis=axes), nd)
        sum_dx = self._shaped(self.grads["gamma"], nd)
        return scale / m * (m * dout - sum_d - x_hat * sum_dx)

    def extra_repr(self):
        return f"{self.num_features}, momentum={self.momentum}, eps={self.eps}"
