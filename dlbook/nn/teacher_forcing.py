"""The training loop shared by the sequence decoders (seq2seq, captioning).

Both models expose ``model.loss(inputs, targets)``, which runs the decoder with teacher forcing
(the true previous token as the next input) and returns the mean cross-entropy.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from dlbook.errors import DlbookError


def train_teacher_forced(model, inputs, targets, *, input_dtype, epochs: int, batch_size: int,
                         lr: float, clip: float, device=None, seed: int = 0,
                         progress: bool = True, desc: str = "Huấn luyện",
                         mismatch: str = "Có {n_in} mẫu vào nhưng {n_out} chuỗi đích."):
    """Adam on shuffled mini-batches of ``model.loss(inputs, targets)`` with global-norm clipping.

    Returns the mean loss of every epoch; leaves the model in eval mode.
    """
    from tqdm.auto import tqdm

    device = device or next(model.parameters()).device
    X = torch.as_tensor(np.asarray(inputs), dtype=input_dtype)
    Y = torch.as_tensor(np.asarray(targets), dtype=torch.long)
    if len(X) != len(Y):
        raise DlbookError(mismatch.format(n_in=len(X), n_out=len(Y)))
    gen = torch.Generator().manual_seed(seed)
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    history = []
    model.to(device).train()
    for _ in tqdm(range(epochs), desc=desc, disable=not progress):
        order = torch.randperm(len(X), generator=gen)
        total = 0.0
        for start in range(0, len(X), batch_size):
            idx = order[start : start + batch_size]
            loss = model.loss(X[idx].to(device), Y[idx].to(device))
            opt.zero_grad()
            loss.backward()
            nn.utils.clip_grad_norm_(model.parameters(), clip)
            opt.step()
            total += loss.item() * len(idx)
        history.append(total / len(X))
    model.eval()
    return history
