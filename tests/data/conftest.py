"""Fixtures of the data tests: a fake download server with small files in the real formats."""

from __future__ import annotations

import io
import shutil
import tarfile
from pathlib import Path

import numpy as np
import pytest

from dlbook.data import download
from dlbook_data_files import cifar_batch_bytes, gzip_idx, sha256


class FakeServer:
    """Files served from a local folder; replaces pooch's HTTP downloader in the tests."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.calls = []
        self.online = True

    def downloader(self, url, output_file, pooch_obj, check_only=False):
        self.calls.append(url)
        if not self.online:
            raise ConnectionError("Network is unreachable")
        name = url.rsplit("/", 1)[-1]
        src = self.folder / name
        if not src.exists():
            raise FileNotFoundError(f"404 {url}")
        if isinstance(output_file, (str, Path)):
            shutil.copyfile(src, output_file)
        else:
            output_file.write(src.read_bytes())


@pytest.fixture
def server(tmp_path, monkeypatch):
    """A fake server holding small MNIST-format files and a small CIFAR-10 archive.

    The registry is pointed at it (with the SHA-256 of these files) and the cache goes to a
    temporary folder, so nothing touches the network or ``~/.cache``.
    """
    served = tmp_path / "server"
    served.mkdir()
    rng = np.random.default_rng(0)
    data = {}
    for prefix, n in (("train", 12), ("t10k", 5)):
        images = rng.integers(0, 256, size=(n, 28, 28), dtype=np.uint8)
        labels = rng.integers(0, 10, size=n, dtype=np.uint8)
        (served / f"{prefix}-images-idx3-ubyte.gz").write_bytes(gzip_idx(images))
        (served / f"{prefix}-labels-idx1-ubyte.gz").write_bytes(gzip_idx(labels))
        data[prefix] = (images, labels)

    cifar = {}
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        for name in [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]:
            images = rng.integers(0, 256, size=(3, 3, 32, 32), dtype=np.uint8)
            labels = rng.integers(0, 10, size=3)
            cifar[name] = (images, labels)
            raw = cifar_batch_bytes(images, labels)
            info = tarfile.TarInfo(f"cifar-10-batches-py/{name}")
            info.size = len(raw)
            tar.addfile(info, io.BytesIO(raw))
    (served / "cifar-10-python.tar.gz").write_bytes(buf.getvalue())

    def remote(name):
        path = served / name
        return download.RemoteFile(name, (f"https://example.invalid/data/{name}",), sha256(path), path.stat().st_size)

    mnist_names = [f"{p}-{k}-idx{d}-ubyte.gz" for p in ("train", "t10k") for k, d in (("images", 3), ("labels", 1))]
    registry = {
        "mnist": {n: remote(n) for n in mnist_names},
        "fashion-mnist": {n: remote(n) for n in mnist_names},
        "cifar-10": {"cifar-10-python.tar.gz": remote("cifar-10-python.tar.gz")},
    }
    fake = FakeServer(served)
    monkeypatch.setattr(download, "REGISTRY", registry)
    monkeypatch.setattr(download, "make_downloader", lambda progress=True: fake.downloader)
    monkeypatch.setenv(download.DATA_ENV, str(tmp_path / "cache"))
    fake.mnist = data
    fake.cifar = cifar
    fake.cache = tmp_path / "cache"
    return fake
