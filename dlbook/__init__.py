"""dlbook: the helper package of the Vietnamese deep-learning textbook.

Every algorithm the book teaches lives here, one concept per module:

- ``dlbook.scratch``: from-scratch numpy implementations (layers with forward/backward,
  classic ML estimators, metrics, optimizers, image operations, ``gradient_check``).
- ``dlbook.nn``: PyTorch modules (regression models, MLP, the classic CNN architectures, ...).
- ``dlbook.data``: data that works offline (shipped subsets, generators) and full datasets
  downloaded with checksums.
- ``dlbook.train``: a readable training loop (``fit``, ``evaluate``, ``predict``).
- ``dlbook.viz``: the figures of the book.
- ``dlbook.course``: the instructor's grading workflow on nbgrader.

The top level only holds the few helpers every chapter uses.
"""

from dlbook.device import num_gpus, try_all_gpus, try_gpu
from dlbook.errors import DlbookError, DTypeError, ShapeError
from dlbook.mode import full_mode
from dlbook.seed import set_seed

__version__ = "0.1.0"

__all__ = [
    "__version__",
    "DlbookError",
    "DTypeError",
    "ShapeError",
    "full_mode",
    "num_gpus",
    "set_seed",
    "try_all_gpus",
    "try_gpu",
]
