"""What the loaders return: ``(X, y)`` that also says where the data came from, as numpy or PyTorch."""

from __future__ import annotations

from typing import Any

import numpy as np

from dlbook.errors import check_same_length

#: Accepted values of the ``as_`` argument of the loaders.
OUTPUT_KINDS = ("numpy", "torch", "loader")


class LoadedData(tuple):
    """A pair ``(X, y)`` with attributes: ``source`` (a short id such as ``"mnist-subset"``),
    ``description`` (one Vietnamese sentence for the page) and whatever a loader adds
    (``class_names``, ``feature_names``, ...).

    It unpacks like a tuple: ``X, y = load_iris()``.
    """

    def __new__(cls, X, y, *, source: str, description: str = "", **info: Any):
        obj = super().__new__(cls, (X, y))
        obj.source = source
        obj.description = description
        obj.__dict__.update(info)
        return obj

    @property
    def X(self):
        return self[0]

    @property
    def y(self):
        return self[1]

    def __repr__(self) -> str:
        shapes = ", ".join(str(getattr(a, "shape", "?")) for a in self)
        return f"LoadedData(source={self.source!r}, shapes=({shapes}))"


def _tensor_dataset(X, y, **attrs):
    import torch
    from torch.utils.data import TensorDataset

    xt = torch.as_tensor(X)
    if xt.is_floating_point():
        xt = xt.float()
    yt = torch.as_tensor(y)
    yt = yt.float() if yt.is_floating_point() else yt.long()
    ds = TensorDataset(xt, yt)
    for k, v in attrs.items():
        setattr(ds, k, v)
    return ds


def _loader(dataset, batch_size, shuffle, seed, **kwargs):
    import torch
    from torch.utils.data import DataLoader

    if not isinstance(batch_size, int) or isinstance(batch_size, bool) or batch_size <= 0:
        raise ValueError(f"`batch_size` phải là số nguyên dương, nhưng nhận được {batch_size!r}.")
    generator = None
    if shuffle and seed is not None:
        generator = torch.Generator().manual_seed(int(seed))
    return DataLoader(dataset, batch_size=batch_size, shuffle=shuffle, generator=generator, **kwargs)


def to_dataloader(X, y, batch_size: int = 64, shuffle: bool = True, seed: int | None = 0, **kwargs):
    """Wrap numpy arrays (or tensors) in a PyTorch ``DataLoader`` of ``(x, y)`` batches.

    Floating-point arrays become ``float32`` tensors, integer labels ``int64``. With
    ``shuffle=True`` the order is drawn from a generator seeded with ``seed``, so two runs see
    the batches in the same order (``seed=None``: PyTorch's global generator). Extra keyword
    arguments go to ``DataLoader`` (``drop_last``, ``num_workers``, ...).
    """
    check_same_length(X, y, "X", "y")
    return _loader(_tensor_dataset(X, y), batch_size, shuffle, seed, **kwargs)


def make_output(
    X: np.ndarray,
    y: np.ndarray,
    as_: str,
    *,
    source: str,
    description: str = "",
    batch_size: int = 64,
    shuffle: bool = True,
    seed: int | None = 0,
    **info: Any,
):
    """Return the data in the form the caller asked for (``as_``: numpy, torch Dataset or DataLoader)."""
    if as_ not in OUTPUT_KINDS:
        raise ValueError(f"`as_` phải là một trong {OUTPUT_KINDS}, nhưng nhận được {as_!r}.")
    if as_ == "numpy":
        return LoadedData(X, y, source=source, description=description, **info)
    dataset = _tensor_dataset(X, y, source=source, description=description, **info)
    if as_ == "torch":
        return dataset
    return _loader(dataset, batch_size, shuffle, seed)
