"""Training of the sequence decoders (seq2seq, captioning) through ``dlbook.train.fit``.

Both models expose ``model.loss(inputs, targets)``, which runs the decoder with teacher forcing
(the true previous token as the next input) and returns the mean cross-entropy.
"""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F

from dlbook.errors import DlbookError


def teacher_forced_loss(model, src, tgt, pad_idx: int) -> torch.Tensor:
    """Mean cross-entropy of predicting ``tgt[:, 1:]`` when the decoder reads ``tgt[:, :-1]``
    (``model(src, tgt_in)`` returns ``(logits, attention)``); padding positions are ignored."""
    logits, _ = model(src, tgt[:, :-1])
    return F.cross_entropy(logits.reshape(-1, logits.shape[-1]), tgt[:, 1:].reshape(-1),
                           ignore_index=pad_idx)


def train_teacher_forced(model, inputs, targets, *, input_dtype, epochs: int, batch_size: int,
                         lr: float, clip: float, device=None, seed: int = 0,
                         progress: bool = True, desc: str = "Huấn luyện",
                         mismatch: str = "Có {n_in} mẫu vào nhưng {n_out} chuỗi đích."):
    """Adam on shuffled mini-batches of ``model.loss(inputs, targets)`` with global-norm clipping,
    through :func:`dlbook.train.fit` with :func:`dlbook.train.teacher_forcing_step`.

    Returns the mean loss of every epoch; leaves the model in eval mode.
    """
    from dlbook.train import TensorBatches, fit, teacher_forcing_step

    device = device or next(model.parameters()).device
    X = torch.as_tensor(np.asarray(inputs), dtype=input_dtype)
    Y = torch.as_tensor(np.asarray(targets), dtype=torch.long)
    if len(X) != len(Y):
        raise DlbookError(mismatch.format(n_in=len(X), n_out=len(Y)))
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    history = fit(model, TensorBatches(X, Y, batch_size=batch_size, seed=seed),
                  step=teacher_forcing_step(clip), optimizer=opt, epochs=epochs, device=device,
                  progress=progress, desc=desc)
    model.eval()
    return history.train_loss

