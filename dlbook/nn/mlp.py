"""Multi-layer perceptron (fully connected network) from a list of layer sizes."""

from __future__ import annotations

from typing import Sequence

from torch import nn

from dlbook.nn._activations import make_activation


def mlp(
    sizes: Sequence[int],
    activation="relu",
    output_activation=None,
    dropout: float = 0.0,
    batch_norm: bool = False,
) -> nn.Sequential:
    """Build ``Linear → activation → … → Linear`` from ``sizes = [in, hidden…, out]``.

    ``mlp([2, 3, 4, 1], "sigmoid")`` is the 2-3-4-1 network of the chapter on neural networks.
    The last layer has no activation unless ``output_activation`` is given (losses such as
    ``nn.CrossEntropyLoss`` expect raw scores). ``dropout`` and ``batch_norm`` are added after
    each hidden layer.
    """
    sizes = list(sizes)
    if len(sizes) < 2 or any(not isinstance(s, int) or isinstance(s, bool) or s <= 0 for s in sizes):
        raise ValueError(
            "`sizes` phải là danh sách ít nhất 2 số nguyên dương [số đầu vào, ..., số đầu ra], "
            f"nhưng nhận được {sizes!r}."
        )
    if not 0.0 <= dropout < 1.0:
        raise ValueError(f"`dropout` phải nằm trong [0, 1), nhưng nhận được {dropout!r}.")
    make_activation(activation)  # fail early on an unknown name, even without hidden layers
    layers: list[nn.Module] = []
    for i, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:])):
        layers.append(nn.Linear(n_in, n_out))
        if i < len(sizes) - 2:
            if batch_norm:
                layers.append(nn.BatchNorm1d(n_out))
            layers.append(make_activation(activation))
            if dropout > 0:
                layers.append(nn.Dropout(dropout))
    if output_activation is not None:
        layers.append(make_activation(output_activation))
    return nn.Sequential(*layers)
