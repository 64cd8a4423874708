"""Downloading the full datasets with ``pooch``: SHA-256 checked after every download, cached.

The cache is ``$DLBOOK_DATA`` if that variable is set, else ``~/.cache/dlbook``; a loader's
``root`` argument overrides both. A file already in the cache is checked against its SHA-256
too and downloaded again if it does not match.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

from dlbook.errors import DlbookError

DATA_ENV = "DLBOOK_DATA"


class DownloadError(DlbookError):
    """A dataset could not be downloaded (no internet, server down, ...)."""


class ChecksumError(DlbookError):
    """A downloaded file does not have the published SHA-256: it is corrupted or was replaced."""


@dataclass(frozen=True)
class RemoteFile:
    """One file of a dataset: the mirrors it is downloaded from (in order), its SHA-256, its size."""

    name: str
    urls: tuple
    sha256: str
    size: int


def _mnist_like(bases, files):
    return {name: RemoteFile(name, tuple(b + name for b in bases), sha, size) for name, (sha, size) in files.items()}


# SHA-256 and sizes: tensorflow/datasets, tensorflow_datasets/url_checksums/mnist.txt (the
# storage.googleapis.com/cvdf-datasets mirror; torchvision's S3 mirror holds the same files).
MNIST_FILES = _mnist_like(
    ("https://storage.googleapis.com/cvdf-datasets/mnist/", "https://ossci-datasets.s3.amazonaws.com/mnist/"),
    {
        "train-images-idx3-ubyte.gz": ("440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609", 9_912_422),
        "train-labels-idx1-ubyte.gz": ("3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c", 28_881),
        "t10k-images-idx3-ubyte.gz": ("8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6", 1_648_877),
        "t10k-labels-idx1-ubyte.gz": ("f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6", 4_542),
    },
)

# SHA-256 and sizes: tensorflow/datasets, tensorflow_datasets/url_checksums/fashion_mnist.txt
# (Zalando Research's own bucket, the address given in the Fashion-MNIST README).
FASHION_MNIST_FILES = _mnist_like(
    ("http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",),
    {
        "train-images-idx3-ubyte.gz": ("3aede38d61863908ad78613f6a32ed271626dd12800ba2636569512369268a84", 26_421_880),
        "train-labels-idx1-ubyte.gz": ("a04f17134ac03560a47e3764e11b92fc97de4d1bfaf8ba1a3aa29af54cc90845", 29_515),
        "t10k-images-idx3-ubyte.gz": ("346e55b948d973a97e58d2351dde16a484bd415d4595297633bb08f03db6a073", 4_422_102),
        "t10k-labels-idx1-ubyte.gz": ("67da17c76eaffca5446c3361aaab5c3cd6d1c2608764d35dfb1850b086bf8dd5", 5_148),
    },
)

# SHA-256: keras-team/keras, keras/datasets/cifar10.py (``file_hash`` of the same URL, the
# Python version published by Alex Krizhevsky); size 170,498,071 bytes.
CIFAR10_FILES = {
    "cifar-10-python.tar.gz": RemoteFile(
        "cifar-10-python.tar.gz",
        ("https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz",),
        "6d958be074577803d12ecdefd02955f39262c83c16fe9348329d7fe0b5c001ce",
        170_498_071,
    )
}

#: dataset → file name → :class:`RemoteFile`. Each dataset is cached in ``<data home>/<dataset>/``.
REGISTRY = {"mnist": MNIST_FILES, "fashion-mnist": FASHION_MNIST_FILES, "cifar-10": CIFAR10_FILES}


def data_home(root: Optional[os.PathLike] = None) -> Path:
    """The cache folder: ``root`` if given, else ``$DLBOOK_DATA``, else ``~/.cache/dlbook``."""
    if root is not None:
        return Path(root).expanduser()
    env = os.environ.get(DATA_ENV)
    return Path(env).expanduser() if env else Path.home() / ".cache" / "dlbook"


def make_downloader(progress: bool = True):
    """The pooch downloader used for every file (tests replace this function)."""
    import pooch

    return pooch.HTTPDownloader(progressbar=progress, timeout=60)


def fetch(dataset: str, filename: str, root: Optional[os.PathLike] = None, progress: bool = True) -> Path:
    """Return the local path of one file of ``dataset``, downloading it first if needed.

    Raises :class:`ChecksumError` if the downloaded file does not have the published SHA-256
    (pooch deletes it) and :class:`DownloadError` if no mirror could be reached.
    """
    import pooch

    if dataset not in REGISTRY or filename not in REGISTRY[dataset]:
        raise KeyError(f"Không có tệp {filename!r} của bộ dữ liệu {dataset!r} trong danh mục tải về.")
    remote = REGISTRY[dataset][filename]
    folder = data_home(root) / dataset
    target = folder / remote.name
    if not target.exists():
        print(f"Đang tải {remote.name} ({remote.size / 1e6:.1f} MB) của {dataset} vào {folder} ...")
    failures = []
    pooch.get_logger().setLevel("WARNING")  # our own Vietnamese line replaces pooch's English one
    for url in remote.urls:
        try:
            path = pooch.retrieve(
                url,
                known_hash=f"sha256:{remote.sha256}",
                fname=remote.name,
                path=folder,
                downloader=make_downloader(progress),
            )
            return Path(path)
        except ValueError as exc:
            if "hash" in str(exc).lower():
                raise ChecksumError(
                    f"Tệp {remote.name} tải từ {url} có mã SHA-256 khác với mã đã công bố "
                    f"({remote.sha256[:16]}…): tệp bị hỏng hoặc đã bị thay đổi, nên đã bị xoá. "
                    "Hãy thử tải lại; nếu lỗi lặp lại, đừng dùng tệp này."
                ) from exc
            failures.append(f"{url}: {exc}")
        except Exception as exc:  # noqa: BLE001 - any network failure: try the next mirror
            failures.append(f"{url}: {type(exc).__name__}: {exc}")
    raise DownloadError(
        f"Không tải được {remote.name} của bộ dữ liệu {dataset} (có thể máy không có Internet). "
        f"Đã thử: {'; '.join(failures)}. Bạn có thể tự tải tệp về và đặt vào thư mục {folder} "
        f"(biến môi trường {DATA_ENV} đổi thư mục này)."
    )
