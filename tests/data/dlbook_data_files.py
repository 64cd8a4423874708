"""Writers of small files in the real formats of the datasets (IDX, CIFAR pickle batches), for the tests."""

from __future__ import annotations

import gzip
import hashlib
import pickle
import struct
from pathlib import Path

import numpy as np


def idx_bytes(array: np.ndarray, type_code: int = 0x08) -> bytes:
    """Encode an array as IDX: magic 0x00 0x00 <type> <ndim>, big-endian sizes, big-endian data."""
    dtypes = {0x08: ">u1", 0x09: ">i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}
    header = bytes([0, 0, type_code, array.ndim]) + struct.pack(f">{array.ndim}I", *array.shape)
    return header + array.astype(dtypes[type_code]).tobytes()


def cifar_batch_bytes(images: np.ndarray, labels) -> bytes:
    """A CIFAR-10 Python batch: pickled dict with b'data' (N, 3072) uint8 and b'labels'."""
    batch = {
        b"batch_label": b"testing batch 1 of 1",
        b"labels": [int(v) for v in labels],
        b"data": images.reshape(len(images), -1).astype(np.uint8),
        b"filenames": [f"img_{i}.png".encode() for i in range(len(images))],
    }
    return pickle.dumps(batch, protocol=2)


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()




def gzip_idx(array: np.ndarray, type_code: int = 0x08) -> bytes:
    return gzip.compress(idx_bytes(array, type_code))
