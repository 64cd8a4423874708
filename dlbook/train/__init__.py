"""A readable training loop for the PyTorch chapters.

``fit`` trains and validates with metrics, a progress bar, early stopping and checkpoints and
returns a :class:`History`; ``evaluate`` and ``predict`` use a trained model.
"""

from dlbook.train.callbacks import EarlyStopping
from dlbook.train.checkpoint import load_checkpoint, save_checkpoint
from dlbook.train.history import History
from dlbook.train.loop import evaluate, fit, predict, train_one_epoch
from dlbook.train.metrics import METRICS, accuracy, mae, mse

__all__ = [
    "METRICS",
    "EarlyStopping",
    "History",
    "accuracy",
    "evaluate",
    "fit",
    "load_checkpoint",
    "mae",
    "mse",
    "predict",
    "save_checkpoint",
    "train_one_epoch",
]
