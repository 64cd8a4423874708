"""Parsers of the files the full datasets come in: IDX (MNIST, Fashion-MNIST) and CIFAR pickle batches."""

from __future__ import annotations

import gzip
import io
import os
import pickle
import struct
from typing import BinaryIO, Union

import numpy as np

from dlbook.errors import DlbookError

PathOrFile = Union[str, os.PathLike, BinaryIO, bytes]

#: IDX type codes (third byte of the magic number) → big-endian numpy dtype.
IDX_DTYPES = {0x08: ">u1", 0x09: ">i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}


class DataFormatError(DlbookError):
    """A data file is not in the expected format (wrong magic number, truncated, ...)."""


def _read_bytes(source: PathOrFile) -> tuple[bytes, str]:
    if isinstance(source, bytes):
        return source, "<bytes>"
    if hasattr(source, "read"):
        return source.read(), getattr(source, "name", "<tệp>")
    path = os.fspath(source)
    if not os.path.exists(path):
        raise FileNotFoundError(f"Không tìm thấy tệp dữ liệu: {path}")
    with open(path, "rb") as f:
        return f.read(), path


def read_idx(source: PathOrFile) -> np.ndarray:
    """Read an IDX file (the format of MNIST and Fashion-MNIST), gzipped or not.

    The header is a magic number ``0x00 0x00 <type> <ndim>`` followed by ``ndim`` sizes as
    big-endian 32-bit integers, then the data in row-major order, big-endian. Images files have
    magic ``0x00000803`` (3 dimensions: count, rows, columns, unsigned bytes), label files
    ``0x00000801``. Returns an array of shape ``(count, rows, cols)`` or ``(count,)`` with the
    native byte order.
    """
    raw, name = _read_bytes(source)
    if raw[:2] == b"\x1f\x8b":
        try:
            raw = gzip.decompress(raw)
        except (OSError, EOFError) as exc:
            raise DataFormatError(f"Tệp {name} là gzip nhưng không giải nén được ({exc}); có thể tệp bị hỏng.") from exc
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0 or raw[2] not in IDX_DTYPES:
        raise DataFormatError(
            f"Tệp {name} không phải định dạng IDX: 4 byte đầu phải là 0x00 0x00 <kiểu> <số chiều>, "
            f"nhưng là {raw[:4].hex(' ') or 'rỗng'}."
        )
    dtype = np.dtype(IDX_DTYPES[raw[2]])
    ndim = raw[3]
    header = 4 + 4 * ndim
    if len(raw) < header:
        raise DataFormatError(f"Tệp IDX {name} bị cắt ngắn: thiếu phần kích thước ({ndim} chiều).")
    shape = struct.unpack(f">{ndim}I", raw[4:header])
    expected = int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
    if len(raw) - header != expected:
        raise DataFormatError(
            f"Tệp IDX {name} hỏng: kích thước {shape} cần {expected} byte dữ liệu, "
            f"nhưng tệp có {len(raw) - header} byte."
        )
    data = np.frombuffer(raw, dtype=dtype, offset=header).reshape(shape)
    return data.astype(dtype.newbyteorder("="))


class _ArrayUnpickler(pickle.Unpickler):
    """Unpickler that only rebuilds numpy arrays (a pickle can run any code otherwise)."""

    ALLOWED = {
        ("numpy.core.multiarray", "_reconstruct"),
        ("numpy._core.multiarray", "_reconstruct"),
        ("numpy", "ndarray"),
        ("numpy", "dtype"),
        ("_codecs", "encode"),
    }

    def find_class(self, module, name):
        if (module, name) not in self.ALLOWED:
            raise DataFormatError(f"Tệp CIFAR chứa đối tượng không được phép: {module}.{name}.")
        if module == "numpy.core.multiarray":
            module = "numpy._core.multiarray" if hasattr(np, "_core") else module
        return super().find_class(module, name)


def read_cifar_batch(source: PathOrFile) -> tuple[np.ndarray, np.ndarray]:
    """Read one batch of CIFAR-10 in its Python version (``data_batch_1`` … ``test_batch``).

    Each batch is a pickled dict with ``b"data"``: a ``uint8`` array ``(N, 3072)`` whose rows hold
    the red, then green, then blue 32×32 plane, and ``b"labels"``: N integers in 0–9.
    Returns ``X`` of shape ``(N, 3, 32, 32)`` (``uint8``) and ``y`` of shape ``(N,)`` (``int64``).
    """
    raw, name = _read_bytes(source)
    try:
        batch = _ArrayUnpickler(io.BytesIO(raw), encoding="bytes").load()
    except DataFormatError:
        raise
    except Exception as exc:  # noqa: BLE001 - any unpickling failure means a broken file
        raise DataFormatError(f"Không đọc được lô CIFAR {name}: {exc}") from exc
    if not isinstance(batch, dict) or b"data" not in batch or b"labels" not in batch:
        keys = list(batch)[:5] if isinstance(batch, dict) else type(batch).__name__
        raise DataFormatError(f"Lô CIFAR {name} phải là dict có khoá b'data' và b'labels', nhưng có {keys}.")
    data = np.asarray(batch[b"data"])
    labels = np.asarray(batch[b"labels"], dtype=np.int64)
    if data.ndim != 2 or data.shape[1] != 3 * 32 * 32 or data.dtype != np.uint8:
        raise DataFormatError(
            f"b'data' của lô CIFAR {name} phải là mảng uint8 (N, 3072), nhưng là {data.dtype} {data.shape}."
        )
    if len(labels) != len(data):
        raise DataFormatError(f"Lô CIFAR {name} có {len(data)} ảnh nhưng {len(labels)} nhãn.")
    return data.reshape(-1, 3, 32, 32), labels
