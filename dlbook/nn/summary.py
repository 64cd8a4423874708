"""Counting parameters and printing a model's layer table (output shape and parameters per layer)."""

from __future__ import annotations

from typing import Sequence

import torch
from torch import nn

#: Column names of :func:`parameter_table` (the reader sees them, so they are Vietnamese).
COLUMNS = ("Tầng", "Loại", "Kích thước đầu ra", "Số tham số")


def count_parameters(model: nn.Module, trainable_only: bool = False) -> int:
    """Number of parameters of ``model`` (only those with ``requires_grad`` if ``trainable_only``).

    Works on models built on the ``meta`` device too, so the size of a big model can be counted
    without allocating its weights.
    """
    if not isinstance(model, nn.Module):
        raise TypeError(f"`model` phải là một torch.nn.Module, nhưng nhận được {type(model).__name__}.")
    return sum(p.numel() for p in model.parameters() if p.requires_grad or not trainable_only)


def _own_parameters(module: nn.Module) -> int:
    return sum(p.numel() for p in module.parameters(recurse=False))


def parameter_table(
    model: nn.Module,
    input_shape: Sequence[int],
    *,
    show_all: bool = False,
    depth: int | None = None,
):
    """Run one dummy sample through ``model`` and list each layer's output shape and parameters.

    ``input_shape`` is the shape of **one** sample, without the batch dimension, e.g.
    ``(3, 227, 227)`` for AlexNet; a batch of one is added. By default, layers that have no
    parameters and keep the shape of their input (activations, dropout) are left out; pass
    ``show_all=True`` to see them. ``depth`` groups the rows at a depth of the module tree
    (``depth=1``: one row per direct child, e.g. a whole residual stage); ``None`` lists the leaves.

    Returns a pandas ``DataFrame`` with the columns :data:`COLUMNS`; ``df.attrs["total"]`` is the
    total number of parameters (it equals :func:`count_parameters`).
    """
    import pandas as pd

    if not isinstance(model, nn.Module):
        raise TypeError(f"`model` phải là một torch.nn.Module, nhưng nhận được {type(model).__name__}.")
    shape = tuple(int(s) for s in input_shape)
    if not shape or any(s <= 0 for s in shape):
        raise ValueError(
            f"`input_shape` phải là kích thước của một mẫu (không có chiều batch), các số dương, "
            f"ví dụ (3, 224, 224); nhưng nhận được {tuple(input_shape)!r}."
        )

    if depth is None:
        chosen = [(n, m) for n, m in model.named_modules() if n and not list(m.children())]
    else:
        chosen = [
            (n, m) for n, m in model.named_modules() if n and n.count(".") == depth - 1
        ]
    rows: list = []

    def make_hook(name, module):
        def hook(mod, args, output):
            out = output[0] if isinstance(output, (tuple, list)) else output
            in_shape = tuple(args[0].shape) if args and torch.is_tensor(args[0]) else None
            params = sum(p.numel() for p in module.parameters())
            rows.append((name, type(module).__name__, tuple(out.shape[1:]), params, in_shape))

        return hook

    handles = [m.register_forward_hook(make_hook(n, m)) for n, m in chosen]
    first = next(iter(model.parameters()), None)
    device = first.device if first is not None else torch.device("cpu")
    was_training = model.training
    try:
        model.eval()
        with torch.no_grad():
            model(torch.zeros((1, *shape), device=device))
    finally:
        for h in handles:
            h.remove()
        model.train(was_training)

    table = []
    for name, kind, out_shape, params, in_shape in rows:
        keeps_shape = in_shape is not None and tuple(in_shape[1:]) == out_shape
        if not show_all and params == 0 and keeps_shape:
            continue
        table.append((name, kind, out_shape, params))
    df = pd.DataFrame(table, columns=list(COLUMNS))
    df.attrs["total"] = count_parameters(model)
    return df
