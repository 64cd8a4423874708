"""Mini-batches of in-memory tensors, shuffled by a seeded generator.

``TensorBatches(X, Y, batch_size=32, seed=0)`` can be given to :func:`dlbook.train.fit` in
place of a ``DataLoader`` when the data already sits in tensors. Each pass draws a new order
with ``torch.randperm`` from its own generator (seeded once), so a run is reproducible and does
not touch PyTorch's global random state; ``drop_last=True`` keeps only full batches (batch norm
needs more than one sample).
"""

from __future__ import annotations

import numpy as np
import torch

from dlbook.errors import DlbookError, check_positive


class TensorBatches:
    """An iterable of ``(X[idx], Y[idx], …)`` batches over tensors with the same first axis."""

    def __init__(self, *tensors, batch_size: int = 32, shuffle: bool = True, seed: int = 0,
                 drop_last: bool = False):
        if not tensors:
            raise DlbookError("TensorBatches cần ít nhất một tensor.")
        check_positive(batch_size, "batch_size", integer=True)
        self.tensors = [t if torch.is_tensor(t) else torch.as_tensor(np.asarray(t)) for t in tensors]
        n = len(self.tensors[0])
        if any(len(t) != n for t in self.tensors):
            sizes = ", ".join(str(len(t)) for t in self.tensors)
            raise DlbookError(f"Các tensor phải có cùng số mẫu, nhưng có {sizes}.")
        self.batch_size, self.shuffle, self.drop_last = batch_size, shuffle, drop_last
        self.generator = torch.Generator().manual_seed(int(seed))

    def __len__(self) -> int:
        n = len(self.tensors[0])
        return n // self.batch_size if self.drop_last else -(-n // self.batch_size)

    def __iter__(self):
        n = len(self.tensors[0])
        order = torch.randperm(n, generator=self.generator) if self.shuffle else torch.arange(n)
        last = n - self.batch_size + 1 if self.drop_last else n
        for start in range(0, max(last, 0), self.batch_size):
            idx = order[start : start + self.batch_size]
            yield tuple(t[idx] for t in self.tensors)


__all__ = ["TensorBatches"]
