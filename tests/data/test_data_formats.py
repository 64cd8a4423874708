"""read_idx and read_cifar_batch on small files written in the real formats."""

import gzip
import pickle

import numpy as np
import pytest

from dlbook.data import DataFormatError, read_cifar_batch, read_idx

from dlbook_data_files import cifar_batch_bytes, idx_bytes


def test_read_idx_reads_image_file_with_magic_2051(tmp_path):
    images = np.arange(2 * 28 * 28, dtype=np.uint32).reshape(2, 28, 28) % 256
    raw = idx_bytes(images.astype(np.uint8))
    assert int.from_bytes(raw[:4], "big") == 2051  # the magic number of MNIST image files
    path = tmp_path / "images-idx3-ubyte"
    path.write_bytes(raw)
    out = read_idx(path)
    assert out.dtype == np.uint8 and out.shape == (2, 28, 28)
    np.testing.assert_array_equal(out, images)


def test_read_idx_reads_gzipped_label_file_with_magic_2049(tmp_path):
    labels = np.array([5, 0, 4, 1, 9], dtype=np.uint8)
    raw = idx_bytes(labels)
    assert int.from_bytes(raw[:4], "big") == 2049
    path = tmp_path / "labels-idx1-ubyte.gz"
    path.write_bytes(gzip.compress(raw))
    np.testing.assert_array_equal(read_idx(path), labels)


@pytest.mark.parametrize("code, dtype", [(0x0B, np.int16), (0x0C, np.int32), (0x0D, np.float32), (0x0E, np.float64)])
def test_read_idx_decodes_big_endian_types(code, dtype):
    arr = np.array([[1, -2, 300], [4, 5, -6000]], dtype=dtype)
    out = read_idx(idx_bytes(arr, code))
    assert out.dtype == np.dtype(dtype) and out.dtype.byteorder in ("=", "|", "<")
    np.testing.assert_array_equal(out, arr)


def test_read_idx_rejects_wrong_magic_in_vietnamese():
    with pytest.raises(DataFormatError, match="không phải định dạng IDX"):
        read_idx(b"\x01\x02\x08\x01" + b"\x00" * 8)


def test_read_idx_rejects_truncated_data(tmp_path):
    raw = idx_bytes(np.zeros((3, 4, 4), dtype=np.uint8))[:-5]
    with pytest.raises(DataFormatError, match="hỏng"):
        read_idx(raw)


def test_read_idx_reports_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError, match="Không tìm thấy"):
        read_idx(tmp_path / "nope.gz")


def test_read_cifar_batch_returns_nchw_with_colour_planes_in_order(tmp_path):
    rng = np.random.default_rng(1)
    images = rng.integers(0, 256, size=(4, 3, 32, 32), dtype=np.uint8)
    path = tmp_path / "data_batch_1"
    path.write_bytes(cifar_batch_bytes(images, [3, 1, 4, 1]))
    X, y = read_cifar_batch(path)
    assert X.shape == (4, 3, 32, 32) and X.dtype == np.uint8
    assert y.dtype == np.int64 and y.tolist() == [3, 1, 4, 1]
    # each row stores the red plane first (1024 values), then green, then blue
    flat = images.reshape(4, -1)
    np.testing.assert_array_equal(X[:, 0].reshape(4, -1), flat[:, :1024])
    np.testing.assert_array_equal(X[:, 2].reshape(4, -1), flat[:, 2048:])


def test_read_cifar_batch_rejects_missing_keys():
    with pytest.raises(DataFormatError, match="b'data'"):
        read_cifar_batch(pickle.dumps({b"labels": [1]}, protocol=2))


def test_read_cifar_batch_rejects_wrong_row_length():
    bad = pickle.dumps({b"data": np.zeros((2, 100), np.uint8), b"labels": [0, 1]}, protocol=2)
    with pytest.raises(DataFormatError, match="3072"):
        read_cifar_batch(bad)


class _Evil:
    def __reduce__(self):
        import os

        return (os.system, ("echo pwned",))


def test_read_cifar_batch_refuses_pickles_that_run_code():
    with pytest.raises(DataFormatError, match="không được phép"):
        read_cifar_batch(pickle.dumps({b"data": _Evil(), b"labels": []}, protocol=2))
