"""Activation functions and their derivatives (Phần 3, chương 7).

Every derivative takes the *pre-activation* ``x`` (the same input as the function) and returns
``f'(x)`` element-wise, so the chain rule in a backward pass reads ``dx = dout * f_grad(x)``.
Conventions at the kinks follow PyTorch: ``relu_grad(0) = 0``, ``leaky_relu_grad(0) = alpha``,
``elu_grad(0) = alpha``.

``softmax`` is not element-wise: ``softmax_grad(z)`` returns the Jacobian of every row,
``J[..., i, j] = s_i (δ_ij − s_j)``.
"""

from __future__ import annotations

import functools

import numpy as np

from dlbook.scratch._checks import as_float_array


def _x(x):
    return as_float_array(x, "x")


def _scalar_in_scalar_out(fn):
    """A number in gives a number out (``sigmoid(0.25)`` is a float, not a 0-d array)."""

    @functools.wraps(fn)
    def wrapper(x, *args, **kwargs):
        out = fn(x, *args, **kwargs)
        return out[()] if isinstance(out, np.ndarray) and out.ndim == 0 else out

    return wrapper


@_scalar_in_scalar_out
def sigmoid(x):
    """σ(x) = 1 / (1 + e^(−x)), computed without overflow for large |x|."""
    x = _x(x)
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e)).astype(x.dtype, copy=False)


@_scalar_in_scalar_out
def sigmoid_grad(x):
    """σ'(x) = σ(x)(1 − σ(x)); at most 1/4 (at x = 0)."""
    s = sigmoid(x)
    return s * (1.0 - s)


@_scalar_in_scalar_out
def tanh(x):
    """tanh(x) = (e^x − e^(−x)) / (e^x + e^(−x)) = 2σ(2x) − 1."""
    return np.tanh(_x(x))


@_scalar_in_scalar_out
def tanh_grad(x):
    """tanh'(x) = 1 − tanh²(x)."""
    t = np.tanh(_x(x))
    return 1.0 - t * t


@_scalar_in_scalar_out
def relu(x):
    """ReLU(x) = max(0, x)."""
    x = _x(x)
    return np.maximum(x, 0, dtype=x.dtype)


@_scalar_in_scalar_out
def relu_grad(x):
    """1 where x > 0, else 0 (0 at x = 0, as PyTorch)."""
    x = _x(x)
    return (x > 0).astype(x.dtype)


@_scalar_in_scalar_out
def leaky_relu(x, alpha: float = 0.01):
    """x for x > 0, alpha·x otherwise."""
    x = _x(x)
    return np.where(x > 0, x, alpha * x).astype(x.dtype, copy=False)


@_scalar_in_scalar_out
def leaky_relu_grad(x, alpha: float = 0.01):
    """1 for x > 0, alpha otherwise (alpha at x = 0, as PyTorch)."""
    x = _x(x)
    return np.where(x > 0, 1.0, alpha).astype(x.dtype)


@_scalar_in_scalar_out
def elu(x, alpha: float = 1.0):
    """x for x > 0, alpha·(e^x − 1) otherwise."""
    x = _x(x)
    return np.where(x > 0, x, alpha * np.expm1(np.minimum(x, 0))).astype(x.dtype, copy=False)


@_scalar_in_scalar_out
def elu_grad(x, alpha: float = 1.0):
    """1 for x > 0, alpha·e^x otherwise."""
    x = _x(x)
    return np.where(x > 0, 1.0, alpha * np.exp(np.minimum(x, 0))).astype(x.dtype, copy=False)


@_scalar_in_scalar_out
def swish(x):
    """Swish (SiLU): x·σ(x)."""
    x = _x(x)
    return x * sigmoid(x)


@_scalar_in_scalar_out
def swish_grad(x):
    """d/dx [x·σ(x)] = σ(x) + x·σ(x)(1 − σ(x))."""
    x = _x(x)
    s = sigmoid(x)
    return s + x * s * (1.0 - s)


@_scalar_in_scalar_out
def linear(x):
    """The identity, used as the output activation of a regression network."""
    return _x(x)


@_scalar_in_scalar_out
def linear_grad(x):
    """The derivative of the identity: ones."""
    return np.ones_like(_x(x))


@_scalar_in_scalar_out
def softmax(z, axis: int = -1):
    """softmax(z)_i = e^(z_i) / Σ_j e^(z_j) along ``axis``; the maximum is subtracted first so
    that large logits do not overflow (the result does not change)."""
    z = _x(z)
    e = np.exp(z - z.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


@_scalar_in_scalar_out
def softmax_grad(z):
    """Jacobian of the softmax of every row of ``z`` (last axis): shape ``z.shape + (K,)``,
    ``J[..., i, j] = s_i (δ_ij − s_j)``."""
    s = softmax(z, axis=-1)
    return s[..., :, None] * (np.eye(s.shape[-1], dtype=s.dtype) - s[..., None, :])


ACTIVATIONS = {
    "sigmoid": (sigmoid, sigmoid_grad),
    "tanh": (tanh, tanh_grad),
    "relu": (relu, relu_grad),
    "leaky_relu": (leaky_relu, leaky_relu_grad),
    "elu": (elu, elu_grad),
    "swish": (swish, swish_grad),
    "linear": (linear, linear_grad),
    "softmax": (softmax, softmax_grad),
}
"""Name → (function, derivative). The softmax derivative is a Jacobian (see ``softmax_grad``)."""

__all__ = [
    "ACTIVATIONS",
    "elu",
    "elu_grad",
    "leaky_relu",
    "leaky_relu_grad",
    "linear",
    "linear_grad",
    "relu",
    "relu_grad",
    "sigmoid",
    "sigmoid_grad",
    "softmax",
    "softmax_grad",
    "swish",
    "swish_grad",
    "tanh",
    "tanh_grad",
]
