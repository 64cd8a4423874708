"""Activation lookup by name, shared by the model builders."""

from __future__ import annotations

from torch import nn

_ACTIVATIONS = {
    "relu": nn.ReLU,
    "sigmoid": nn.Sigmoid,
    "tanh": nn.Tanh,
    "elu": nn.ELU,
    "leaky_relu": nn.LeakyReLU,
    "gelu": nn.GELU,
    "silu": nn.SiLU,
    "swish": nn.SiLU,
    "relu6": nn.ReLU6,
}


def make_activation(activation) -> nn.Module:
    """Return a new activation module from a name (``"relu"``), a module class or an instance."""
    if isinstance(activation, nn.Module):
        return activation
    if isinstance(activation, type) and issubclass(activation, nn.Module):
        return activation()
    if isinstance(activation, str) and activation.lower() in _ACTIVATIONS:
        return _ACTIVATIONS[activation.lower()]()
    names = ", ".join(sorted(_ACTIVATIONS))
    raise ValueError(f"Hàm kích hoạt không hợp lệ: {activation!r}. Hãy dùng một trong: {names}.")
