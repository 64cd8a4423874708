"""CIFAR-10 (Krizhevsky 2009): 60,000 colour images 32×32 in 10 classes, Python version."""

from __future__ import annotations

import os
import tarfile

import numpy as np

from dlbook.data._common import check_choice
from dlbook.data.download import fetch
from dlbook.data.formats import read_cifar_batch
from dlbook.data.downloaded import DownloadedImages, image_loader

CIFAR10_CLASSES_EN = ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"]
CIFAR10_CLASSES = ["máy bay", "ô tô", "chim", "mèo", "hươu", "chó", "ếch", "ngựa", "tàu thủy", "xe tải"]
ARCHIVE = "cifar-10-python.tar.gz"
TRAIN_BATCHES = [f"data_batch_{i}" for i in range(1, 6)]
TEST_BATCHES = ["test_batch"]


def read_cifar_archive(path: os.PathLike, kind: str = "train") -> tuple[np.ndarray, np.ndarray]:
    """Read the training (5 batches, 50,000 images) or test batch (10,000) straight from the tar.gz."""
    check_choice(kind, "kind", ("train", "test"))
    wanted = TRAIN_BATCHES if kind == "train" else TEST_BATCHES
    parts = {}
    with tarfile.open(path, "r:gz") as tar:
        for member in tar:
            name = os.path.basename(member.name)
            if member.isfile() and name in wanted:
                parts[name] = read_cifar_batch(tar.extractfile(member))
    missing = [b for b in wanted if b not in parts]
    if missing:
        from dlbook.data.formats import DataFormatError

        raise DataFormatError(f"Tệp {path} thiếu các lô CIFAR-10: {', '.join(missing)}.")
    X = np.concatenate([parts[b][0] for b in wanted])
    y = np.concatenate([parts[b][1] for b in wanted])
    return X, y


def _read_cifar10(kind: str, root, progress: bool):
    return read_cifar_archive(fetch("cifar-10", ARCHIVE, root, progress), kind)


CIFAR10 = DownloadedImages("cifar-10", "CIFAR-10", CIFAR10_CLASSES, _read_cifar10,
                           kind_of_image="ảnh màu 32×32")

load_cifar10 = image_loader(CIFAR10, "load_cifar10", """
    CIFAR-10: ``(N, 3, 32, 32)`` images (``float32`` in [0, 1] with ``normalize``) and labels 0–9.

    The archive (170 MB) is downloaded once from the authors' site, checked with SHA-256 and
    cached; ``kind`` picks the 50,000 training or the 10,000 test images. ``.class_names`` holds
    Vietnamese names (English: ``CIFAR10_CLASSES_EN``). No subset of CIFAR-10 ships with the
    project, so without Internet it raises :class:`~dlbook.data.download.DownloadError`.
    """)
