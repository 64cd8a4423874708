"""A readable training loop for the PyTorch chapters.

``fit`` trains and validates with metrics, a progress bar, early stopping and checkpoints and
returns a :class:`History`; ``evaluate`` and ``predict`` use a trained model. Every PyTorch model
of the book trains through ``fit``: models that train differently pass a ``step``
(``teacher_forcing_step``, ``dlbook.nn.gan.gan_step``).
"""

from dlbook._exports import exported_names as _exported_names
from dlbook.train.batches import TensorBatches
from dlbook.train.callbacks import EarlyStopping
from dlbook.train.checkpoint import load_checkpoint, save_checkpoint
from dlbook.train.history import History
from dlbook.train.loop import evaluate, fit, predict, train_one_epoch
from dlbook.train.metrics import METRICS, accuracy, mae, mse
from dlbook.train.steps import supervised_step, teacher_forcing_step

__all__ = _exported_names(globals())
