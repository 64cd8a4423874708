"""Recurrent sequence models in PyTorch: many-to-one regression with RNN, LSTM or GRU cells.

``SequenceRegressor`` reads a window ``(N, T, input_size)`` and predicts ``output_size``
numbers from the last hidden state (for a bidirectional network: the final states of both
directions). ``num_layers > 1`` stacks recurrent layers.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from dlbook.errors import DlbookError, check_positive_ints

__all__ = ["SequenceRegressor", "train_regressor", "SEQUENCE_DEFAULTS"]

#: Settings for the forecasting chapter (``make_forecasting_data`` of ``make_time_series``:
#: log-returns, windows of 30): test RMSE about half the naive forecast's in a few seconds on
#: 2 CPU cores (``bench/bench_part678.py``).
SEQUENCE_DEFAULTS = {"n": 800, "window": 30, "hidden_size": 32, "num_layers": 1,
                     "cell": "lstm", "epochs": 30, "batch_size": 32, "lr": 5e-3}

_CELLS = {"rnn": nn.RNN, "lstm": nn.LSTM, "gru": nn.GRU}


class SequenceRegressor(nn.Module):
    """``SequenceRegressor(input_size=1, hidden_size=32, num_layers=1, cell="lstm", bidirectional=False, output_size=1)``."""

    def __init__(self, input_size: int = 1, hidden_size: int = 32, num_layers: int = 1,
                 cell: str = "lstm", bidirectional: bool = False, output_size: int = 1,
                 dropout: float = 0.0):
        super().__init__()
        if cell not in _CELLS:
            raise DlbookError(f"`cell` phải là 'rnn', 'lstm' hoặc 'gru', không phải {cell!r}.")
        check_positive_ints(input_size=input_size, hidden_size=hidden_size, num_layers=num_layers,
                            output_size=output_size)
        self.rnn = _CELLS[cell](input_size, hidden_size, num_layers=num_layers, batch_first=True,
                                bidirectional=bidirectional,
                                dropout=dropout if num_layers > 1 else 0.0)
        self.directions = 2 if bidirectional else 1
        self.head = nn.Linear(hidden_size * self.directions, output_size)
        self.cell, self.num_layers, self.hidden_size = cell, num_layers, hidden_size

    def forward(self, x):
        if x.dim() != 3:
            raise DlbookError(f"Đầu vào phải có dạng (N, T, đặc trưng), nhưng có kích thước "
                              f"{tuple(x.shape)}.")
        _, h = self.rnn(x)
        if self.cell == "lstm":
            h = h[0]  # (h_n, c_n) → h_n
        # h: (num_layers · directions, N, H); keep the last layer, both directions
        last = h.view(self.num_layers, self.directions, x.shape[0], self.hidden_size)[-1]
        return self.head(torch.cat(list(last), dim=-1))


def train_regressor(model, X, y, epochs: int = 30, batch_size: int = 32, lr: float = 5e-3,
                    device=None, seed: int = 0, progress: bool = True):
    """Adam on the mean squared error with gradient-norm clipping at 1 (through
    :func:`dlbook.train.fit`); returns the mean training loss of every epoch."""
    from dlbook.train import TensorBatches, fit

    device = device or next(model.parameters()).device
    X = torch.as_tensor(np.asarray(X), dtype=torch.float32)
    Y = torch.as_tensor(np.asarray(y), dtype=torch.float32)
    if Y.dim() == 1:
        Y = Y[:, None]
    if len(X) != len(Y):
        raise DlbookError(f"`X` có {len(X)} mẫu nhưng `y` có {len(Y)}.")
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    history = fit(model, TensorBatches(X, Y, batch_size=batch_size, seed=seed), loss_fn=nn.MSELoss(),
                  optimizer=opt, epochs=epochs, metrics=(), device=device, clip_grad_norm=1.0,
                  progress=progress, desc="Huấn luyện mạng hồi quy")
    model.eval()
    return history.train_loss
